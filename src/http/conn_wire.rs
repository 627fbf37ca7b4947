//! The HTTP/1.x wire format for the connection loop (`conn.rs`): request heads (parsed by
//! `httparse`), body framing (`Content-Length`, chunked), and response bytes. Pure functions over
//! byte slices, no I/O, so every rule is unit-tested here.

use super::request::{Body, Reply};

/// The largest request head (request line + headers) accepted; a longer one is refused with 431.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most header fields a request may carry (more is 431).
pub const MAX_HEADERS: usize = 100;
/// The longest chunk-size line (with extensions) accepted in a chunked body.
const MAX_CHUNK_LINE: usize = 1024;

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
    if !target.starts_with('/') && target != "*" {
        // Absolute-form targets are for proxies; this server only takes origin-form.
        return Err(WireError::bad(
            "Malformed request: the target must be a path",
        ));
    }
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
    head.framing = framing(&head)?;
    head.keep_alive = if http10 {
        head.has_token("Connection", "keep-alive")
    } else {
        !head.has_token("Connection", "close")
    };
    head.expect_continue = !http10 && head.has_token("Expect", "100-continue");
    Ok(Some(head))
}

fn too_large_head() -> WireError {
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

/// What a `Chunked` decoder made of the bytes it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Took this many bytes; more are needed.
    More(usize),
    /// Took this many bytes; the body (and its trailer) is complete.
    Done(usize),
    /// The decoded body passed the limit.
    TooLarge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataEnd,
    Trailer(usize),
    Done,
}

/// An incremental decoder of a chunked body (RFC 9112 §7.1); trailers are read and dropped.
#[derive(Debug)]
pub struct Chunked {
    state: ChunkState,
    limit: usize,
    pub body: Vec<u8>,
}

impl Chunked {
    pub fn new(limit: usize) -> Chunked {
        Chunked {
            state: ChunkState::Size,
            limit,
            body: Vec::new(),
        }
    }

    /// Decodes from `buf` (the bytes not taken by earlier calls).
    pub fn feed(&mut self, buf: &[u8]) -> Result<Feed, WireError> {
        let mut pos = 0;
        loop {
            match self.state {
                ChunkState::Done => return Ok(Feed::Done(pos)),
                ChunkState::Size => {
                    let Some(eol) = find_crlf(&buf[pos..]) else {
                        if buf.len() - pos > MAX_CHUNK_LINE {
                            return Err(WireError::bad("Malformed chunked body: size line"));
                        }
                        return Ok(Feed::More(pos));
                    };
                    let line = &buf[pos..pos + eol];
                    let size = line.split(|b| *b == b';').next().unwrap_or_default();
                    let size = std::str::from_utf8(size)
                        .ok()
                        .map(|s| s.trim_matches([' ', '\t']))
                        .filter(|s| {
                            !s.is_empty()
                                && s.len() <= 15
                                && s.bytes().all(|b| b.is_ascii_hexdigit())
                        })
                        .and_then(|s| u64::from_str_radix(s, 16).ok())
                        .ok_or_else(|| WireError::bad("Malformed chunked body: chunk size"))?;
                    pos += eol + 2;
                    if self.body.len() as u64 + size > self.limit as u64 {
                        return Ok(Feed::TooLarge);
                    }
                    self.state = if size == 0 {
                        ChunkState::Trailer(0)
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    let take = (left as usize).min(buf.len() - pos);
                    if take == 0 {
                        return Ok(Feed::More(pos));
                    }
                    self.body.extend_from_slice(&buf[pos..pos + take]);
                    pos += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                }
                ChunkState::DataEnd => {
                    if buf.len() - pos < 2 {
                        return Ok(Feed::More(pos));
                    }
                    if &buf[pos..pos + 2] != b"\r\n" {
                        return Err(WireError::bad("Malformed chunked body: missing CRLF"));
                    }
                    pos += 2;
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailer(seen) => {
                    let Some(eol) = find_crlf(&buf[pos..]) else {
                        if seen + buf.len() - pos > MAX_HEAD {
                            return Err(too_large_head());
                        }
                        return Ok(Feed::More(pos));
                    };
                    pos += eol + 2;
                    self.state = if eol == 0 {
                        ChunkState::Done
                    } else if seen + eol > MAX_HEAD {
                        return Err(too_large_head());
                    } else {
                        ChunkState::Trailer(seen + eol + 2)
                    };
                }
            }
        }
    }
}

fn find_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

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
    for (name, value) in &reply.headers {
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
        assert!(!head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(!head("GET / HTTP/1.1\r\nConnection: TE, Close\r\n\r\n").keep_alive);
        assert!(!head("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
        assert!(head("GET / HTTP/1.0\r\n\r\n").http10);
    }

    #[test]
    fn body_framing() {
        assert_eq!(
            head("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n").framing,
            Framing::Length(12)
        );
        assert_eq!(
            head("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").framing,
            Framing::Empty
        );
        assert_eq!(
            head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").framing,
            Framing::Chunked
        );
        let h = head("POST / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        assert!(h.expect_continue);
        // Duplicates that agree are one length.
        assert_eq!(
            head("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").framing,
            Framing::Length(5)
        );
    }

    #[test]
    fn bad_framing_is_400() {
        for raw in [
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
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
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET http://elsewhere/ HTTP/1.1\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        ] {
            let e = parse_head(raw).unwrap_err();
            assert_eq!(e.status, 400, "{raw:?}");
        }
    }

    #[test]
    fn oversized_heads_are_431() {
        let long = format!("GET / HTTP/1.1\r\nX-Big: {}", "a".repeat(MAX_HEAD + 1));
        assert_eq!(parse_head(long.as_bytes()).unwrap_err().status, 431);
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("X-{i}: v\r\n"))
            .collect();
        let raw = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(parse_head(raw.as_bytes()).unwrap_err().status, 431);
    }

    #[test]
    fn leading_blank_lines_are_skipped() {
        let raw = "\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        assert_eq!(head(raw).len, raw.len());
    }

    #[test]
    fn chunked_bodies_decode_across_reads() {
        let raw = b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        // One byte at a time, as a slow client would send it.
        let mut c = Chunked::new(1024);
        let mut buf: Vec<u8> = Vec::new();
        let mut done = None;
        for b in raw.iter() {
            buf.push(*b);
            match c.feed(&buf).unwrap() {
                Feed::More(n) => {
                    buf.drain(..n);
                }
                Feed::Done(n) => {
                    buf.drain(..n);
                    done = Some(buf.clone());
                    break;
                }
                Feed::TooLarge => panic!("too large"),
            }
        }
        assert_eq!(c.body, b"hello, world");
        assert_eq!(done.as_deref(), Some(&b""[..]));
        // All at once, the bytes after the body stay for the next request.
        let mut c = Chunked::new(1024);
        assert_eq!(c.feed(raw).unwrap(), Feed::Done(raw.len() - 4));
        assert_eq!(c.body, b"hello, world");
    }

    #[test]
    fn chunked_bodies_over_the_limit_and_malformed() {
        let mut c = Chunked::new(8);
        assert_eq!(c.feed(b"5\r\nhello\r\n5\r\n").unwrap(), Feed::TooLarge);
        let mut c = Chunked::new(8);
        assert_eq!(c.feed(b"ffffffffffffffff\r\n").unwrap_err().status, 400);
        let mut c = Chunked::new(8);
        assert_eq!(c.feed(b"zz\r\n").unwrap_err().status, 400);
        let mut c = Chunked::new(8);
        assert_eq!(c.feed(b"2\r\nabXY").unwrap_err().status, 400);
    }

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
        assert!(!out.contains("Content-Length") && !out.contains("Content-Type"));
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
