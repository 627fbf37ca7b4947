//! Percent-encoding of form and query values (RFC 3986's unreserved set passes through). A leaf:
//! the inbound API's paging links (`http::encoding`) and the engine's outbound form posts use it.

/// Percent-encodes everything outside `A-Z a-z 0-9 - _ . ~`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
