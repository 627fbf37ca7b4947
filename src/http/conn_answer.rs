//! The bytes of an answer on the wire, pure: status line, `Date`, `Server`, `Content-Type`,
//! `X-Content-Type-Options`, the reply's own headers (a value that would split the head is
//! dropped), `Content-Length`, `Connection` when it differs from the version's default, body;
//! the interim `100 Continue`; the IMF-fixdate `Date`.

use super::request::{Body, Reply};

/// How an answer must be framed for the request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// A HEAD request: headers (with the body's `Content-Length`) but no body.
    pub head_only: bool,
    pub http10: bool,
    pub keep_alive: bool,
}

/// The bytes of `reply` on the wire: status line, `Date`, `Server`, `Content-Type`, the reply's
/// own headers, `Content-Length`, `Connection` when it differs from the version's default, body.
pub fn encode(reply: &Reply, shape: Shape, date: &str) -> Vec<u8> {
    let (content_type, body): (&str, std::borrow::Cow<[u8]>) = match &reply.body {
        Body::Json(v) => (
            "application/json; charset=utf-8",
            std::borrow::Cow::Owned(v.to_string().into_bytes()),
        ),
        Body::Bytes {
            content_type,
            bytes,
        } => (content_type, std::borrow::Cow::Borrowed(bytes.as_slice())),
        Body::Empty => ("text/plain", std::borrow::Cow::Borrowed(&[][..])),
    };
    let status = reply.status;
    let mut out = Vec::with_capacity(256 + body.len());
    let version = if shape.http10 { "HTTP/1.0" } else { "HTTP/1.1" };
    push(
        &mut out,
        &format!("{version} {status} {}\r\n", reason(status)),
    );
    push(
        &mut out,
        &format!("Date: {date}\r\nServer: switchboard\r\n"),
    );
    if !matches!(reply.body, Body::Empty) {
        push(&mut out, &format!("Content-Type: {content_type}\r\n"));
    }
    // Every answer: browsers must not guess a type other than the one given.
    push(&mut out, "X-Content-Type-Options: nosniff\r\n");
    for (name, value) in &reply.headers {
        if name.eq_ignore_ascii_case("X-Content-Type-Options") {
            continue;
        }
        // A value that would split the head is dropped, never sent.
        if value.bytes().any(|b| b == b'\r' || b == b'\n') || !is_token(name) {
            log::warn!("header {name} dropped: not a valid header");
            continue;
        }
        push(&mut out, &format!("{name}: {value}\r\n"));
    }
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless {
        push(&mut out, &format!("Content-Length: {}\r\n", body.len()));
    }
    match (shape.keep_alive, shape.http10) {
        (false, false) => push(&mut out, "Connection: close\r\n"),
        (true, true) => push(&mut out, "Connection: keep-alive\r\n"),
        _ => {}
    }
    push(&mut out, "\r\n");
    if !shape.head_only && !bodiless {
        out.extend_from_slice(&body);
    }
    out
}

fn push(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The interim answer to `Expect: 100-continue`.
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// An HTTP-date (RFC 9110 §5.6.7) for the `Date` header.
pub fn http_date(ms: i64) -> String {
    crate::clock::rfc2822(ms).replace("+0000", "GMT")
}

/// The reason phrase of a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(keep_alive: bool) -> Shape {
        Shape {
            head_only: false,
            http10: false,
            keep_alive,
        }
    }

    #[test]
    fn replies_encode_with_length_type_and_headers() {
        let r = Reply::ok(serde_json::json!({"a": 1})).with_header("Location", "/x");
        let out = String::from_utf8(encode(&r, shape(true), "D")).unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK\r\nDate: D\r\n"), "{out}");
        assert!(out.contains("\r\nContent-Type: application/json; charset=utf-8\r\n"));
        assert!(out.contains("\r\nLocation: /x\r\n"));
        assert!(out.contains("\r\nX-Content-Type-Options: nosniff\r\n"));
        assert!(out.contains("\r\nContent-Length: 7\r\n"));
        assert!(!out.contains("Connection:"));
        assert!(out.ends_with("\r\n\r\n{\"a\":1}"));
        let out = String::from_utf8(encode(&r, shape(false), "D")).unwrap();
        assert!(out.contains("\r\nConnection: close\r\n"));
    }

    #[test]
    fn head_and_no_content_carry_no_body() {
        let r = Reply::bytes(200, "text/plain", "hello");
        let s = Shape {
            head_only: true,
            ..shape(true)
        };
        let out = String::from_utf8(encode(&r, s, "D")).unwrap();
        assert!(out.contains("Content-Length: 5\r\n"));
        assert!(out.ends_with("\r\n\r\n"));
        let out = String::from_utf8(encode(&Reply::no_content(), shape(true), "D")).unwrap();
        assert!(out.starts_with("HTTP/1.1 204 No Content\r\n"));
        assert!(!out.contains("Content-Length") && !out.contains("\r\nContent-Type"));
    }

    #[test]
    fn header_values_cannot_split_the_head() {
        let r = Reply::no_content().with_header("X-A", "a\r\nSet-Cookie: evil");
        let out = String::from_utf8(encode(&r, shape(true), "D")).unwrap();
        assert!(!out.contains("evil"));
    }

    #[test]
    fn http10_answers() {
        let s = Shape {
            http10: true,
            ..shape(true)
        };
        let out = String::from_utf8(encode(&Reply::no_content(), s, "D")).unwrap();
        assert!(out.starts_with("HTTP/1.0 204"));
        assert!(out.contains("Connection: keep-alive\r\n"));
    }

    #[test]
    fn dates_are_imf_fixdate() {
        assert_eq!(http_date(784111777000), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
