//! The HTTP/1.x wire format of requests for the connection loop (`conn.rs`): request heads
//! (parsed by `httparse`) and body framing (`Content-Length`, chunked; the chunked decoder is
//! `conn_chunked.rs`, the answers' bytes `conn_answer.rs`). Pure functions over byte slices, no
//! I/O, so every rule is unit-tested here.

/// The largest request head (request line + headers) accepted; a longer one is refused with 431.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most header fields a request may carry (more is 431).
pub const MAX_HEADERS: usize = 100;

/// Why a request cannot be read; the connection answers with `status` and closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub status: u16,
    pub message: String,
}

impl WireError {
    fn bad(message: impl Into<String>) -> WireError {
        WireError {
            status: 400,
            message: message.into(),
        }
    }
}

/// How the body that follows a head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// The request target as sent (path and query).
    pub target: String,
    /// HTTP/1.0 (otherwise HTTP/1.1).
    pub http10: bool,
    pub headers: Vec<(String, String)>,
    /// Bytes of the buffer the head took, blank line included.
    pub len: usize,
    pub framing: Framing,
    /// The connection stays open after the answer (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    pub keep_alive: bool,
    /// `Expect: 100-continue` was sent (HTTP/1.1 only).
    pub expect_continue: bool,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// Parses a request head at the start of `buf`: `Ok(None)` while it is incomplete.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, WireError> {
    // Clients may send blank lines between pipelined requests (RFC 9112 §2.2); skip them.
    let skip = buf
        .iter()
        .position(|b| *b != b'\r' && *b != b'\n')
        .unwrap_or(buf.len());
    let rest = &buf[skip..];
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    let len = match req.parse(rest) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            if rest.len() > MAX_HEAD {
                return Err(too_large_head());
            }
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => return Err(too_large_head()),
        Err(e) => return Err(WireError::bad(format!("Malformed request: {e}"))),
    };
    if len > MAX_HEAD {
        return Err(too_large_head());
    }
    let method = req.method.unwrap_or_default().to_string();
    let target = req.path.unwrap_or_default().to_string();
    let http10 = req.version == Some(0);
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            let value = match std::str::from_utf8(h.value) {
                Ok(v) => v.to_string(),
                Err(_) => String::from_utf8_lossy(h.value).into_owned(),
            };
            (h.name.to_string(), value.trim().to_string())
        })
        .collect();
    let mut head = Head {
        method,
        target,
        http10,
        headers,
        len: skip + len,
        framing: Framing::Empty,
        keep_alive: false,
        expect_continue: false,
    };
    check_host(&mut head)?;
    head.framing = framing(&head)?;
    head.keep_alive = if http10 {
        head.has_token("Connection", "keep-alive")
    } else {
        !head.has_token("Connection", "close")
    };
    head.expect_continue = !http10 && head.has_token("Expect", "100-continue");
    Ok(Some(head))
}

/// RFC 9112 §3.2: an HTTP/1.1 request carries exactly one `Host`, and it must be a host name or
/// address with an optional port. An absolute-form target (`GET http://host/path`, RFC 9112
/// §3.2.2) is accepted: its authority replaces the `Host` value and the target becomes the path.
fn check_host(head: &mut Head) -> Result<(), WireError> {
    let mut hosts = head
        .headers
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| k.eq_ignore_ascii_case("Host"));
    let found = hosts.next().map(|(i, _)| i);
    if hosts.next().is_some() {
        return Err(WireError::bad(
            "Malformed request: more than one Host header",
        ));
    }
    match found {
        None if !head.http10 => {
            return Err(WireError::bad(
                "Malformed request: HTTP/1.1 needs a Host header",
            ))
        }
        Some(i) if !valid_host(&head.headers[i].1) => {
            return Err(WireError::bad(format!(
                "Malformed request: Host {:?} is not a host name or address",
                head.headers[i].1
            )))
        }
        _ => {}
    }
    if head.target.starts_with('/') || head.target == "*" {
        return Ok(());
    }
    let (authority, path) = absolute_form(&head.target).ok_or_else(|| {
        WireError::bad("Malformed request: the target must be a path or an http(s) URL")
    })?;
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    match found {
        Some(i) => head.headers[i].1 = authority.to_string(),
        None => head.headers.push(("Host".into(), authority.to_string())),
    }
    head.target = path;
    Ok(())
}

/// `http://authority/path?query` → (authority, "/path?query"), when the authority is a valid host.
fn absolute_form(target: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = target.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    (!authority.is_empty() && valid_host(authority)).then_some((authority, path))
}

/// A `Host` value: a DNS name (letters, digits, `-`, `.`, `_`, `~`), an IPv4 address or an IPv6
/// literal in brackets, then an optional `:port`. Empty is allowed (RFC 9112 §3.2).
pub fn valid_host(host: &str) -> bool {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after.strip_prefix(':') {
            Some(port) => ("x", Some(port)),
            None if after.is_empty() => ("x", None),
            None => return false,
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let name_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let port_ok = port.is_none_or(|p| p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    name_ok && port_ok && (!name.is_empty() || port.is_none())
}

pub(super) fn too_large_head() -> WireError {
    WireError {
        status: 431,
        message: format!(
            "Request header fields too large (at most {MAX_HEAD} bytes and {MAX_HEADERS} fields)"
        ),
    }
}

/// The body framing of `head` (RFC 9112 §6): chunked, a single `Content-Length`, or none.
fn framing(head: &Head) -> Result<Framing, WireError> {
    let te: Vec<&str> = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Transfer-Encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    let lengths: Vec<&str> = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    if !te.is_empty() {
        // Both headers at once is how requests are smuggled past proxies; refuse it.
        if !lengths.is_empty() {
            return Err(WireError::bad(
                "Malformed request: both Transfer-Encoding and Content-Length",
            ));
        }
        if head.http10 || te.len() != 1 || !te[0].eq_ignore_ascii_case("chunked") {
            return Err(WireError::bad(format!(
                "Unsupported Transfer-Encoding {:?}: only chunked is accepted",
                te.join(", ")
            )));
        }
        return Ok(Framing::Chunked);
    }
    let Some(first) = lengths.first() else {
        return Ok(Framing::Empty);
    };
    if lengths.iter().any(|l| l != first) {
        return Err(WireError::bad(
            "Malformed request: conflicting Content-Length values",
        ));
    }
    if first.is_empty() || first.len() > 19 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WireError::bad(format!(
            "Malformed request: Content-Length {first:?}"
        )));
    }
    let n: u64 = first
        .parse()
        .map_err(|_| WireError::bad("Malformed request: Content-Length"))?;
    Ok(if n == 0 {
        Framing::Empty
    } else {
        Framing::Length(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Head {
        parse_head(raw.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn a_get_with_headers() {
        let h = head("GET /v1/Tasks?PageSize=5 HTTP/1.1\r\nHost: a:1\r\nX-Forwarded-Proto: https\r\n\r\nextra");
        assert_eq!(h.method, "GET");
        assert_eq!(h.target, "/v1/Tasks?PageSize=5");
        assert!(!h.http10 && h.keep_alive && !h.expect_continue);
        assert_eq!(h.header("host"), Some("a:1"));
        assert_eq!(h.header("X-FORWARDED-PROTO"), Some("https"));
        assert_eq!(h.framing, Framing::Empty);
        assert_eq!(
            h.len,
            "GET /v1/Tasks?PageSize=5 HTTP/1.1\r\nHost: a:1\r\nX-Forwarded-Proto: https\r\n\r\n"
                .len()
        );
    }

    #[test]
    fn incomplete_heads_wait_for_more() {
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHost: a").unwrap(), None);
        assert_eq!(parse_head(b"").unwrap(), None);
        assert_eq!(parse_head(b"\r\n").unwrap(), None);
    }

    #[test]
    fn keep_alive_follows_the_version_and_connection_header() {
        assert!(!head("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(!head("GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, Close\r\n\r\n").keep_alive);
        assert!(!head("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
        assert!(head("GET / HTTP/1.0\r\n\r\n").http10);
    }

    #[test]
    fn body_framing() {
        assert_eq!(
            head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n").framing,
            Framing::Length(12)
        );
        assert_eq!(
            head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").framing,
            Framing::Empty
        );
        assert_eq!(
            head("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n").framing,
            Framing::Chunked
        );
        let h =
            head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        assert!(h.expect_continue);
        // Duplicates that agree are one length.
        assert_eq!(
            head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
                .framing,
            Framing::Length(5)
        );
    }

    #[test]
    fn bad_framing_is_400() {
        for raw in [
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            let e = parse_head(raw.as_bytes()).unwrap_err();
            assert_eq!(e.status, 400, "{raw:?}");
        }
    }

    #[test]
    fn malformed_heads_are_400() {
        for raw in [
            &b"GET\r\n\r\n"[..],
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n",
            b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET ftp://elsewhere/ HTTP/1.1\r\nHost: h\r\n\r\n",
            b"GET http://a b/ HTTP/1.1\r\nHost: h\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        ] {
            let e = parse_head(raw).unwrap_err();
            assert_eq!(e.status, 400, "{raw:?}");
        }
    }

    #[test]
    fn oversized_heads_are_431() {
        let long = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nX-Big: {}",
            "a".repeat(MAX_HEAD + 1)
        );
        assert_eq!(parse_head(long.as_bytes()).unwrap_err().status, 431);
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect();
        let raw = format!("GET / HTTP/1.1\r\nHost: h\r\n{many}\r\n");
        assert_eq!(parse_head(raw.as_bytes()).unwrap_err().status, 431);
    }

    #[test]
    fn leading_blank_lines_are_skipped() {
        let raw = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
        assert_eq!(head(raw).len, raw.len());
    }

    #[test]
    fn http11_needs_exactly_one_valid_host() {
        for raw in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a b/<x>\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:99999x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: :80\r\n\r\n",
        ] {
            assert_eq!(
                parse_head(raw.as_bytes()).unwrap_err().status,
                400,
                "{raw:?}"
            );
        }
        for host in [
            "a",
            "a.example:8080",
            "127.0.0.1:1",
            "[::1]:80",
            "[fe80::1]",
            "x_y-z",
            "",
        ] {
            let raw = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
            assert_eq!(head(&raw).header("host"), Some(host));
        }
        // HTTP/1.0 may leave it out.
        assert_eq!(head("GET / HTTP/1.0\r\n\r\n").header("Host"), None);
    }

    #[test]
    fn absolute_form_targets_are_accepted() {
        let h = head("GET http://b.example:81/v1/Tasks?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(h.target, "/v1/Tasks?x=1");
        // The target's authority wins over the Host header (RFC 9112 §3.2.2).
        assert_eq!(h.header("Host"), Some("b.example:81"));
        assert_eq!(
            head("GET HTTPS://b?q HTTP/1.1\r\nHost: a\r\n\r\n").target,
            "/?q"
        );
        let h = head("GET http://b/ HTTP/1.0\r\n\r\n");
        assert_eq!((h.target.as_str(), h.header("host")), ("/", Some("b")));
        for raw in [
            "GET http://u@b/ HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET mailto:x HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(
                parse_head(raw.as_bytes()).unwrap_err().status,
                400,
                "{raw:?}"
            );
        }
    }
}
