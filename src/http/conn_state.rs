//! One connection's state machine, as the loop (`conn.rs`) drives it: its buffers, its `Phase`
//! (reading a head, reading a body, a request in flight, writing a closing answer, lingering),
//! the socket reads and writes, and `advance`, which turns buffered bytes into complete requests
//! (or a refusal for an unreadable one). It knows the limits of one connection (head and body
//! size, what to read ahead) but nothing of the pool, other connections or the clock's sweep.

use super::conn::{FIRST_REQUEST_TIMEOUT, IDLE_TIMEOUT};
use super::conn_answer::{self, Shape};
use super::conn_chunked::{Chunked, Feed};
use super::conn_wire::{self, Framing, Head, WireError};
use super::error::{code, ApiError};
use super::request::Reply;
use mio::net::TcpStream;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// After an answer that closes the connection, input is read and dropped for at most this long,
/// so the client sees the answer rather than a reset.
const LINGER: Duration = Duration::from_secs(2);
/// How far ahead of an unanswered request the loop reads (pipelined requests, or EOF).
const READ_AHEAD: usize = conn_wire::MAX_HEAD;

pub(super) enum Phase {
    /// Waiting for (the rest of) a request head.
    Head,
    /// The head is read; the body is arriving.
    Body {
        head: Head,
        chunked: Option<Chunked>,
    },
    /// The request is with the pool or parked; nothing is parsed until its answer arrives.
    InFlight { close: bool, gone: Arc<AtomicBool> },
    /// The last answer is being written; then the write side is shut and input drained.
    Closing,
    /// Write side shut; input is read and dropped until EOF or `until`.
    Linger { until: Instant },
}

/// What to do with a connection after working on it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    Keep,
    Drop,
}

/// A complete request `advance` found, for the loop to hand to the pool.
pub(super) struct Ready {
    pub head: Head,
    pub body: Vec<u8>,
    /// The body was over `MAX_BODY` and was not read: the answer is 413 and closes.
    pub too_large: bool,
}

pub(super) struct Conn {
    pub stream: TcpStream,
    pub addr: SocketAddr,
    pub rbuf: Vec<u8>,
    pub wbuf: Vec<u8>,
    pub wpos: usize,
    pub phase: Phase,
    /// The last read that brought bytes (or the connection's start).
    pub last_read: Instant,
    /// The last write that moved bytes.
    pub last_write: Instant,
    /// When the first byte of the head being read arrived.
    pub head_started: Option<Instant>,
    /// Requests handed to the pool so far on this connection.
    pub requests: u64,
    /// The client sent EOF (closed or half-closed its side).
    pub eof: bool,
    /// It holds a slot of the strict reserve (`conn_slots`): its requests must be the office's.
    pub reserved: bool,
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Tells a parked waiter its client is gone, so the parking thread can forget it.
        if let Phase::InFlight { gone, .. } = &self.phase {
            gone.store(true, Ordering::Relaxed);
        }
    }
}

impl Conn {
    pub(super) fn new(stream: TcpStream, addr: SocketAddr) -> Conn {
        let now = Instant::now();
        Conn {
            stream,
            addr,
            rbuf: Vec::new(),
            wbuf: Vec::new(),
            wpos: 0,
            phase: Phase::Head,
            last_read: now,
            last_write: now,
            head_started: None,
            requests: 0,
            eof: false,
            reserved: false,
        }
    }

    /// How long the connection may sit with no request: shorter before its first one.
    pub(super) fn idle_timeout(&self) -> Duration {
        if self.requests == 0 {
            FIRST_REQUEST_TIMEOUT
        } else {
            IDLE_TIMEOUT
        }
    }

    /// Reads until the socket would block (or the buffer allows no more for now).
    pub(super) fn read(&mut self, scratch: &mut [u8]) -> Next {
        if self.eof {
            return Next::Keep;
        }
        loop {
            let linger = matches!(self.phase, Phase::Linger { .. });
            let cap = match self.phase {
                Phase::Head | Phase::Body { .. } => {
                    conn_wire::MAX_HEAD + super::MAX_BODY + scratch.len()
                }
                Phase::InFlight { .. } | Phase::Closing => READ_AHEAD,
                Phase::Linger { .. } => usize::MAX,
            };
            if self.rbuf.len() >= cap {
                return Next::Keep;
            }
            match self.stream.read(scratch) {
                // The client closed (or half-closed) its side: nothing more will come.
                Ok(0) if linger => return Next::Drop,
                Ok(0) => {
                    self.eof = true;
                    return Next::Keep;
                }
                Ok(n) => {
                    self.last_read = Instant::now();
                    if !linger {
                        self.rbuf.extend_from_slice(&scratch[..n]);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::Keep,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Next::Drop,
            }
        }
    }

    /// Moves through the phases as far as the buffered bytes allow: the next complete request
    /// (the phase is `Head` again; the loop dispatches it), or `None` when more bytes are needed
    /// or a request is in flight. An unreadable request is refused here (`Closing`).
    pub(super) fn advance(&mut self) -> Option<Ready> {
        loop {
            match &mut self.phase {
                Phase::Head => {
                    let head = match conn_wire::parse_head(&self.rbuf) {
                        Ok(Some(h)) => h,
                        Ok(None) => {
                            if self.rbuf.is_empty() {
                                self.head_started = None;
                            } else if self.head_started.is_none() {
                                self.head_started = Some(Instant::now());
                            }
                            return None;
                        }
                        Err(e) => {
                            self.refuse(&e);
                            return None;
                        }
                    };
                    self.rbuf.drain(..head.len);
                    self.head_started = None;
                    match head.framing {
                        Framing::Empty => return Some(ready(head, Vec::new(), false)),
                        Framing::Length(n) if n > super::MAX_BODY as u64 => {
                            // The answer is 413 (once the route is known); the body is not read.
                            return Some(ready(head, Vec::new(), true));
                        }
                        framing => {
                            if head.expect_continue && self.rbuf.is_empty() {
                                self.wbuf.extend_from_slice(conn_answer::CONTINUE);
                            }
                            let chunked = (framing == Framing::Chunked)
                                .then(|| Chunked::new(super::MAX_BODY));
                            self.phase = Phase::Body { head, chunked };
                        }
                    }
                }
                Phase::Body { head, chunked } => {
                    let body = match chunked {
                        None => {
                            let Framing::Length(n) = head.framing else {
                                unreachable!("a body phase without a length is chunked")
                            };
                            if (self.rbuf.len() as u64) < n {
                                return None;
                            }
                            Ok(self.rbuf.drain(..n as usize).collect())
                        }
                        Some(dec) => match dec.feed(&self.rbuf) {
                            Ok(Feed::More(used)) => {
                                self.rbuf.drain(..used);
                                return None;
                            }
                            Ok(Feed::Done(used)) => {
                                self.rbuf.drain(..used);
                                Ok(std::mem::take(&mut dec.body))
                            }
                            Ok(Feed::TooLarge) => Err(None),
                            Err(e) => Err(Some(e)),
                        },
                    };
                    let Phase::Body { head, .. } = std::mem::replace(&mut self.phase, Phase::Head)
                    else {
                        unreachable!()
                    };
                    return match body {
                        Ok(body) => Some(ready(head, body, false)),
                        Err(None) => Some(ready(head, Vec::new(), true)),
                        Err(Some(e)) => {
                            self.refuse(&e);
                            None
                        }
                    };
                }
                Phase::InFlight { .. } | Phase::Closing | Phase::Linger { .. } => return None,
            }
        }
    }

    /// Writes pending bytes until done or the socket would block.
    pub(super) fn flush(&mut self) -> Next {
        while self.wpos < self.wbuf.len() {
            match self.stream.write(&self.wbuf[self.wpos..]) {
                Ok(0) => return Next::Drop,
                Ok(n) => {
                    self.wpos += n;
                    self.last_write = Instant::now();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::Keep,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Next::Drop,
            }
        }
        // Done: give the memory back, so thousands of idle connections stay small.
        self.wbuf = Vec::new();
        self.wpos = 0;
        if self.rbuf.is_empty() && self.rbuf.capacity() > 0 {
            self.rbuf = Vec::new();
        }
        Next::Keep
    }

    /// Writes what the parse step queued; a finished closing answer shuts the write side.
    pub(super) fn finish_writes(&mut self) -> Next {
        if self.flush() == Next::Drop {
            return Next::Drop;
        }
        if matches!(self.phase, Phase::Closing) && self.wbuf.is_empty() {
            if self.eof {
                // Everything is written and the client sends nothing more: done.
                return Next::Drop;
            }
            let _ = self.stream.shutdown(Shutdown::Write);
            self.phase = Phase::Linger {
                until: Instant::now() + LINGER,
            };
            self.rbuf = Vec::new();
        }
        Next::Keep
    }

    /// The client sent EOF: requests already complete are still answered in order (a client may
    /// half-close after its requests), then the connection closes. A request in flight is marked gone, so
    /// the parking thread drops a parked one (its dropped `Responder` then closes the connection)
    /// instead of holding it to its deadline for a client that most likely left.
    pub(super) fn at_eof(&mut self) -> Next {
        match &mut self.phase {
            Phase::Head | Phase::Body { .. } => {
                if self.wbuf.is_empty() {
                    return Next::Drop;
                }
                self.phase = Phase::Closing;
            }
            Phase::InFlight { gone, .. } => gone.store(true, Ordering::Relaxed),
            Phase::Closing => {}
            Phase::Linger { .. } => return Next::Drop,
        }
        Next::Keep
    }

    /// Answers an unreadable request with error JSON and closes the connection after it.
    pub(super) fn refuse(&mut self, e: &WireError) {
        let status = e.status;
        let err = ApiError::new(
            status,
            match status {
                413 => code::TOO_LARGE,
                _ => code::INVALID_PARAMETER,
            },
            e.message.clone(),
        );
        log::info!(target: "http", "{} refused: {status} {}", self.addr, e.message);
        self.wbuf.extend(conn_answer::encode(
            &Reply::error(&err),
            closing(false),
            &now_date(),
        ));
        self.phase = Phase::Closing;
        self.rbuf = Vec::new();
    }
}

fn ready(head: Head, body: Vec<u8>, too_large: bool) -> Ready {
    Ready {
        head,
        body,
        too_large,
    }
}

/// The shape of an answer that closes the connection.
pub(super) fn closing(http10: bool) -> Shape {
    Shape {
        head_only: false,
        http10,
        keep_alive: false,
    }
}

pub(super) fn now_date() -> String {
    conn_answer::http_date(crate::clock::wall_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection whose client end is `std`'s stream (both on loopback).
    fn pair() -> (Conn, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, addr) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        (Conn::new(TcpStream::from_std(server), addr), client)
    }

    fn feed(c: &mut Conn, bytes: &[u8]) {
        c.rbuf.extend_from_slice(bytes);
    }

    #[test]
    fn pipelined_requests_come_out_one_at_a_time_in_order() {
        let (mut c, _client) = pair();
        feed(
            &mut c,
            b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel",
        );
        let a = c.advance().expect("the first request");
        assert_eq!((a.head.target.as_str(), a.body.len()), ("/a", 0));
        // The loop dispatches it: nothing more comes out while it is in flight.
        c.phase = Phase::InFlight {
            close: false,
            gone: Arc::new(AtomicBool::new(false)),
        };
        assert!(c.advance().is_none());
        c.phase = Phase::Head;
        assert!(c.advance().is_none(), "the second body is not complete");
        assert!(matches!(c.phase, Phase::Body { .. }));
        feed(&mut c, b"lo");
        let b = c.advance().expect("the second request");
        assert_eq!(
            (b.head.method.as_str(), b.body.as_slice()),
            ("POST", &b"hello"[..])
        );
        assert!(c.rbuf.is_empty() && !b.too_large);
    }

    #[test]
    fn a_chunked_body_too_large_and_a_trickling_head() {
        let (mut c, _client) = pair();
        feed(
            &mut c,
            b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        );
        assert!(c.advance().is_none());
        feed(&mut c, b"lo\r\n0\r\n\r\n");
        assert_eq!(c.advance().unwrap().body, b"hello");
        let big = format!(
            "POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            super::super::MAX_BODY + 1
        );
        feed(&mut c, big.as_bytes());
        assert!(
            c.advance().unwrap().too_large,
            "answered 413 without reading the body"
        );
        // Part of a head starts the head timer; an empty buffer stops it.
        c.rbuf.clear();
        feed(&mut c, b"GET / HT");
        assert!(c.advance().is_none() && c.head_started.is_some());
        assert_eq!(c.idle_timeout(), FIRST_REQUEST_TIMEOUT);
        c.requests = 1;
        assert_eq!(c.idle_timeout(), IDLE_TIMEOUT);
    }

    #[test]
    fn an_unreadable_request_is_refused_written_and_the_connection_lingers() {
        let (mut c, mut client) = pair();
        feed(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
        assert!(c.advance().is_none());
        assert!(matches!(c.phase, Phase::Closing));
        assert_eq!(c.finish_writes(), Next::Keep);
        assert!(matches!(c.phase, Phase::Linger { .. }));
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut got = String::new();
        client.read_to_string(&mut got).unwrap();
        assert!(got.starts_with("HTTP/1.1 400 "), "{got}");
        assert!(
            got.contains("Connection: close") && got.contains("\"code\":20001"),
            "{got}"
        );
    }

    #[test]
    fn eof_answers_what_was_asked_then_closes() {
        let (mut c, client) = pair();
        client.shutdown(Shutdown::Write).unwrap();
        let mut scratch = [0u8; 1024];
        // The EOF may take a moment to be readable.
        let started = Instant::now();
        while !c.eof && started.elapsed() < Duration::from_secs(5) {
            assert_eq!(c.read(&mut scratch), Next::Keep);
        }
        assert!(c.eof);
        assert_eq!(c.at_eof(), Next::Drop, "nothing asked: closed at once");
        let gone = Arc::new(AtomicBool::new(false));
        c.phase = Phase::InFlight {
            close: false,
            gone: gone.clone(),
        };
        assert_eq!(
            c.at_eof(),
            Next::Keep,
            "a request in flight is still answered"
        );
        assert!(
            gone.load(Ordering::Relaxed),
            "and marked gone for the parking thread"
        );
    }
}
