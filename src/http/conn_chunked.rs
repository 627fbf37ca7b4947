//! The chunked transfer coding of request bodies (RFC 9112 §7.1), decoded incrementally and
//! strictly: a line ends with CRLF and nothing else, chunk extensions and trailer fields follow the
//! grammar (token, quoted-string, `name: value`), and anything a proxy might read differently (a
//! bare LF, a lone CR, NUL, a size with leading space, a trailer line without a colon) is a 400.
//! Lenient chunk parsing is how requests are smuggled past proxies ("funky chunks",
//! CVE-2025-22871); hyper and nginx refuse the same inputs. Pure, no I/O.

use super::conn_wire::{too_large_head, WireError, MAX_HEAD};

/// The longest chunk-size line (with extensions) accepted in a chunked body.
const MAX_CHUNK_LINE: usize = 1024;

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

/// An incremental decoder of a chunked body; trailers are checked and dropped.
#[derive(Debug)]
pub struct Chunked {
    state: ChunkState,
    limit: usize,
    pub body: Vec<u8>,
}

fn bad(what: &str) -> WireError {
    WireError {
        status: 400,
        message: format!("Malformed chunked body: {what}"),
    }
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
                    let Some(eol) = line_end(&buf[pos..], "size line")? else {
                        if buf.len() - pos > MAX_CHUNK_LINE {
                            return Err(bad("size line too long"));
                        }
                        return Ok(Feed::More(pos));
                    };
                    if eol > MAX_CHUNK_LINE {
                        return Err(bad("size line too long"));
                    }
                    let size = size_line(&buf[pos..pos + eol])?;
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
                        if buf.len() > pos && buf[pos] != b'\r' {
                            return Err(bad("missing CRLF after the data"));
                        }
                        return Ok(Feed::More(pos));
                    }
                    if &buf[pos..pos + 2] != b"\r\n" {
                        return Err(bad("missing CRLF after the data"));
                    }
                    pos += 2;
                    self.state = ChunkState::Size;
                }
                ChunkState::Trailer(seen) => {
                    let Some(eol) = line_end(&buf[pos..], "trailer")? else {
                        if seen + buf.len() - pos > MAX_HEAD {
                            return Err(too_large_head());
                        }
                        return Ok(Feed::More(pos));
                    };
                    if seen + eol > MAX_HEAD {
                        return Err(too_large_head());
                    }
                    if eol > 0 {
                        trailer_field(&buf[pos..pos + eol])?;
                    }
                    pos += eol + 2;
                    self.state = if eol == 0 {
                        ChunkState::Done
                    } else {
                        ChunkState::Trailer(seen + eol + 2)
                    };
                }
            }
        }
    }
}

/// Where the line at the start of `b` ends (its CR), once its LF has arrived. A LF without CR
/// before it, or a CR anywhere else in the line, is refused.
fn line_end(b: &[u8], what: &str) -> Result<Option<usize>, WireError> {
    let Some(lf) = b.iter().position(|&c| c == b'\n') else {
        // A CR before the end of what has arrived is a lone CR.
        if let Some(cr) = b.iter().position(|&c| c == b'\r') {
            if cr + 1 < b.len() {
                return Err(bad(&format!("CR without LF in the {what}")));
            }
        }
        return Ok(None);
    };
    if lf == 0 || b[lf - 1] != b'\r' {
        return Err(bad(&format!("LF without CR in the {what}")));
    }
    if b[..lf - 1].contains(&b'\r') {
        return Err(bad(&format!("CR without LF in the {what}")));
    }
    Ok(Some(lf - 1))
}

/// `chunk-size [ chunk-ext ]`: hex digits first (no leading space), then extensions
/// `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`, then optional whitespace.
fn size_line(line: &[u8]) -> Result<u64, WireError> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 15 {
        return Err(bad("chunk size"));
    }
    // 15 hex digits fit in a u64; the slice is ASCII.
    let size = line[..digits].iter().fold(0u64, |n, b| {
        n * 16 + (*b as char).to_digit(16).unwrap_or(0) as u64
    });
    let mut i = digits;
    let ws = |i: &mut usize| {
        while *i < line.len() && matches!(line[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    loop {
        ws(&mut i);
        if i == line.len() {
            return Ok(size);
        }
        if line[i] != b';' {
            return Err(bad("chunk size"));
        }
        i += 1;
        ws(&mut i);
        let name = token_len(&line[i..]);
        if name == 0 {
            return Err(bad("chunk extension name"));
        }
        i += name;
        let before_eq = i;
        ws(&mut i);
        if i < line.len() && line[i] == b'=' {
            i += 1;
            ws(&mut i);
            let value = if line.get(i) == Some(&b'"') {
                quoted_len(&line[i..]).ok_or_else(|| bad("chunk extension value"))?
            } else {
                token_len(&line[i..])
            };
            if value == 0 {
                return Err(bad("chunk extension value"));
            }
            i += value;
        } else {
            i = before_eq;
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Length of the token at the start of `b` (0: none).
fn token_len(b: &[u8]) -> usize {
    b.iter().take_while(|c| is_tchar(**c)).count()
}

/// Length of the quoted-string at the start of `b` (which starts with `"`), quotes included.
fn quoted_len(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Some(i + 1),
            b'\\' => {
                let next = *b.get(i + 1)?;
                if !(next == b'\t' || next == b' ' || (0x21..=0x7e).contains(&next) || next >= 0x80)
                {
                    return None;
                }
                i += 2;
            }
            b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff => i += 1,
            _ => return None,
        }
    }
    None
}

/// A trailer field line: `field-name ":" OWS field-value OWS`, no control bytes in the value
/// (and no obs-fold: a line may not start with whitespace).
fn trailer_field(line: &[u8]) -> Result<(), WireError> {
    let name = token_len(line);
    if name == 0 || line.get(name) != Some(&b':') {
        return Err(bad("trailer field without a name and colon"));
    }
    if line[name + 1..]
        .iter()
        .any(|&c| (c < 0x20 && c != b'\t') || c == 0x7f)
    {
        return Err(bad("control character in a trailer field"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(raw: &[u8]) -> Result<Feed, WireError> {
        Chunked::new(1024).feed(raw)
    }

    #[test]
    fn chunked_bodies_decode_across_reads() {
        let raw =
            b"5;ext=1\r\nhello\r\n7 ; a ; b=\"q \\\" x\"\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
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
    fn over_the_limit_and_malformed_sizes() {
        let mut c = Chunked::new(8);
        assert_eq!(c.feed(b"5\r\nhello\r\n5\r\n").unwrap(), Feed::TooLarge);
        for raw in [
            &b"ffffffffffffffff\r\n"[..],
            b"zz\r\n",
            b"2\r\nabXY",
            b" 5\r\nhello\r\n0\r\n\r\n",
            b"\t5\r\nhello\r\n0\r\n\r\n",
            b"+5\r\nhello\r\n0\r\n\r\n",
            b"0x5\r\nhello\r\n0\r\n\r\n",
            b"5 x\r\nhello\r\n0\r\n\r\n",
        ] {
            assert_eq!(
                decode(raw).unwrap_err().status,
                400,
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    /// The inputs hyper and nginx refuse, which a lenient parser reads differently from a proxy.
    #[test]
    fn smuggling_primitives_are_refused() {
        for raw in [
            // Bare LF inside an extension ("funky chunks").
            &b"5;a\nX\r\nhello\r\n0\r\n\r\n"[..],
            // Bare LF ending the size line.
            b"5\nhello\r\n0\r\n\r\n",
            // NUL or a lone CR in an extension.
            b"5;a\0b\r\nhello\r\n0\r\n\r\n",
            b"5;a\rb\r\nhello\r\n0\r\n\r\n",
            b"5;a=\"x\0\"\r\nhello\r\n0\r\n\r\n",
            // Extensions off the grammar.
            b"5;\r\nhello\r\n0\r\n\r\n",
            b"5;a=\r\nhello\r\n0\r\n\r\n",
            b"5;a=\"open\r\nhello\r\n0\r\n\r\n",
            b"5;a b\r\nhello\r\n0\r\n\r\n",
            // A trailer line with no colon, a bare LF in a trailer, folding, control bytes.
            b"5\r\nhello\r\n0\r\nNoColon\r\n\r\n",
            b"5\r\nhello\r\n0\r\nA: b\nC: d\r\n\r\n",
            b"5\r\nhello\r\n0\r\nA: b\r\n\n",
            b"5\r\nhello\r\n0\r\n folded: x\r\n\r\n",
            b"5\r\nhello\r\n0\r\nA : b\r\n\r\n",
            b"5\r\nhello\r\n0\r\nA: b\0\r\n\r\n",
            // Data not followed by CRLF.
            b"5\r\nhello\n0\r\n\r\n",
        ] {
            assert_eq!(
                decode(raw).map_err(|e| e.status),
                Err(400),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn a_lone_cr_is_refused_before_the_line_ends() {
        // Waiting is right while the CR is the last byte; a byte after it that is not LF is not.
        assert_eq!(decode(b"5;a\r").unwrap(), Feed::More(0));
        assert_eq!(decode(b"5;a\rX").unwrap_err().status, 400);
    }

    #[test]
    fn valid_edge_cases() {
        for raw in [
            &b"0005\r\nhello\r\n0\r\n\r\n"[..],
            b"5 \r\nhello\r\n0\r\n\r\n",
            b"5;a=b;c=\"d;e\"\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhello\r\n0;last\r\nX-A: 1\r\nX-B:\r\n\r\n",
        ] {
            assert!(
                matches!(decode(raw), Ok(Feed::Done(_))),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn long_lines_are_refused() {
        let mut raw = b"5;".to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_CHUNK_LINE + 10));
        assert_eq!(decode(&raw).unwrap_err().status, 400);
        let mut trailer = b"0\r\nX: ".to_vec();
        trailer.extend(std::iter::repeat_n(b'a', MAX_HEAD + 10));
        assert_eq!(decode(&trailer).unwrap_err().status, 431);
    }
}
