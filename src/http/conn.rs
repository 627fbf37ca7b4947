//! The connection loop: one thread owns every client socket (epoll through `mio`), reads requests
//! into per-connection buffers, hands each complete request to the handler pool, and writes the
//! answers the pool (or the parking thread) sends back. An open connection costs a buffer and a
//! table entry, not a thread, so thousands of waiting clients need no more threads than a few.
//!
//! Per connection, one request is in flight at a time: pipelined requests wait in the buffer and
//! are answered in order. The loop enforces the limits (head size, body size, timeouts, the
//! connection cap) and never runs handler code; `conn_wire.rs` holds the wire format.

use super::conn_chunked::{Chunked, Feed};
use super::conn_wire::{self, Framing, Head, Shape, WireError};
use super::error::{code, ApiError};
use super::request::Reply;
use crossbeam_channel::{Receiver, Sender};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Open connections beyond this are answered 503 and closed at once (lower when the process
/// may open fewer files: see `connection_cap`).
pub const MAX_CONNECTIONS: usize = 16_000;
/// File descriptors kept for everything but client connections (SQLite, outbound HTTP, ...).
const RESERVED_FDS: usize = 128;
/// A keep-alive connection with no request for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// A request head must arrive within this from its first byte (slowloris protection).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body that makes no progress for this long is given up (408).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// An answer the client does not read for this long is given up.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// After an answer that closes the connection, input is read and dropped for at most this long,
/// so the client sees the answer rather than a reset.
const LINGER: Duration = Duration::from_secs(2);
/// How far ahead of an unanswered request the loop reads (pipelined requests, or EOF).
const READ_AHEAD: usize = conn_wire::MAX_HEAD;
const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// A complete request and where its answer goes, as the loop hands it to the pool.
pub struct Incoming {
    pub request: RawRequest,
    pub responder: Responder,
}

/// A request as read off the wire, before `decode` makes a `Req` of it.
pub struct RawRequest {
    pub method: String,
    /// The request target (path and query) as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was over `MAX_BODY` and was not read (the answer closes the connection).
    pub body_too_large: bool,
    pub remote_addr: SocketAddr,
}

enum Msg {
    /// The bytes of an answer to the request in flight on `conn`.
    Answer { conn: usize, bytes: Vec<u8> },
    /// The request on `conn` will never be answered: close it.
    Abandon { conn: usize },
    /// Stop accepting and close idle connections; in-flight requests may still be answered.
    Drain,
    /// Answer what is still in flight with 503, flush, and end the loop.
    Exit,
}

#[derive(Clone)]
struct Outbox {
    tx: Sender<Msg>,
    waker: Arc<Waker>,
    /// A wake is on its way and the loop has not drained its messages since: senders skip the
    /// `eventfd` write (one syscall and one loop wake-up per answer under load otherwise).
    pending: Arc<AtomicBool>,
}

impl Outbox {
    fn send(&self, msg: Msg) {
        // A stopped loop has no connection left to answer: dropping the message is harmless.
        if self.tx.send(msg).is_ok() && !self.pending.swap(true, Ordering::AcqRel) {
            let _ = self.waker.wake();
        }
    }
}

thread_local! {
    /// The second and the `Date` header value of the last answer this thread encoded.
    static DATE: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
}

/// Where the answer to one request goes: its connection, through the loop. Answering a
/// connection that has gone away is a no-op; dropping a `Responder` unanswered closes it.
pub struct Responder {
    conn: usize,
    shape: Shape,
    outbox: Outbox,
    answered: bool,
    /// Set by the loop when the connection closes before the answer (the client went away).
    gone: Arc<AtomicBool>,
}

impl Responder {
    /// The client closed its connection: nobody will read an answer.
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }

    /// Encodes `reply` for this request (HEAD, HTTP/1.0, keep-alive) and sends it to the loop.
    pub fn send(mut self, reply: &Reply) {
        let bytes = DATE.with(|cached| {
            // The Date header changes once a second: formatted once per second per thread.
            let mut cached = cached.borrow_mut();
            let now = crate::clock::wall_ms();
            if cached.0 != now.div_euclid(1000) {
                *cached = (now.div_euclid(1000), conn_wire::http_date(now));
            }
            conn_wire::encode(reply, self.shape, &cached.1)
        });
        self.answered = true;
        self.outbox.send(Msg::Answer {
            conn: self.conn,
            bytes,
        });
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if !self.answered {
            self.outbox.send(Msg::Abandon { conn: self.conn });
        }
    }
}

/// The running loop: its address, and the handle that stops it.
pub struct Loop {
    pub addr: SocketAddr,
    outbox: Outbox,
    thread: std::thread::JoinHandle<()>,
}

impl Loop {
    /// Binds `listen` and starts the loop thread; complete requests go to `jobs`.
    pub fn start(listen: &str, jobs: Sender<Incoming>) -> Result<Loop, String> {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(listen)
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?
            .next()
            .ok_or_else(|| format!("cannot listen on {listen}: no address"))?;
        let mut listener =
            TcpListener::bind(addr).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let poll = Poll::new().map_err(|e| format!("cannot create the event loop: {e}"))?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)
            .map_err(|e| e.to_string())?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER).map_err(|e| e.to_string())?);
        let (tx, rx) = crossbeam_channel::unbounded();
        let outbox = Outbox {
            tx,
            waker,
            pending: Arc::new(AtomicBool::new(false)),
        };
        let mut state = State {
            poll,
            listener: Some(listener),
            conns: HashMap::new(),
            next_token: 2,
            jobs: Some(jobs),
            outbox: outbox.clone(),
            scratch: vec![0; 64 * 1024],
            accept_retry: false,
            accept_failures: 0,
            refused: 0,
            cap: connection_cap(),
        };
        let thread = std::thread::Builder::new()
            .name("http-conn".into())
            .spawn(move || state.run(rx))
            .map_err(|e| format!("cannot start the connection thread: {e}"))?;
        Ok(Loop {
            addr,
            outbox,
            thread,
        })
    }

    /// Stops accepting; requests in flight can still be answered until `exit`.
    pub fn drain(&self) {
        self.outbox.send(Msg::Drain);
    }

    /// Answers what is still waiting with 503, closes every connection and ends the thread.
    pub fn exit(self) {
        self.outbox.send(Msg::Exit);
        let _ = self.thread.join();
    }
}

enum Phase {
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

struct Conn {
    stream: TcpStream,
    addr: SocketAddr,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    wpos: usize,
    phase: Phase,
    /// The last read that brought bytes (or the connection's start).
    last_read: Instant,
    /// The last write that moved bytes.
    last_write: Instant,
    /// When the first byte of the head being read arrived.
    head_started: Option<Instant>,
    /// The client sent EOF (closed or half-closed its side).
    eof: bool,
}

struct State {
    poll: Poll,
    listener: Option<TcpListener>,
    conns: HashMap<usize, Conn>,
    next_token: usize,
    jobs: Option<Sender<Incoming>>,
    outbox: Outbox,
    scratch: Vec<u8>,
    accept_retry: bool,
    accept_failures: u64,
    refused: u64,
    cap: usize,
}

/// What to do with a connection after working on it.
#[derive(PartialEq, Eq)]
enum Next {
    Keep,
    Drop,
}

impl State {
    fn run(&mut self, rx: Receiver<Msg>) {
        let mut events = Events::with_capacity(1024);
        let mut last_sweep = Instant::now();
        loop {
            let timeout = if self.accept_retry {
                Duration::from_millis(100)
            } else {
                Duration::from_secs(1)
            };
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() != ErrorKind::Interrupted {
                    log::error!("the connection loop cannot poll: {e}");
                    return;
                }
            }
            for ev in events.iter() {
                match ev.token() {
                    LISTENER => self.accept(),
                    WAKER => {}
                    Token(t) => self.ready(t),
                }
            }
            if self.accept_retry {
                self.accept_retry = false;
                self.accept();
            }
            // Cleared before draining: a message sent after this point wakes the loop again, one
            // sent before it is drained below (the swap pairs with the sender's).
            self.outbox.pending.swap(false, Ordering::AcqRel);
            while let Ok(msg) = rx.try_recv() {
                match msg {
                    Msg::Answer { conn, bytes } => self.answer(conn, bytes),
                    Msg::Abandon { conn } => self.close(conn),
                    Msg::Drain => self.drain(),
                    Msg::Exit => return self.exit(),
                }
            }
            if last_sweep.elapsed() >= Duration::from_secs(1) {
                last_sweep = Instant::now();
                self.sweep(last_sweep);
            }
        }
    }

    fn accept(&mut self) {
        loop {
            let accepted = match &self.listener {
                Some(listener) => listener.accept(),
                None => return,
            };
            match accepted {
                Ok((mut stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    if self.conns.len() >= self.cap {
                        self.refused += 1;
                        if self.refused.is_power_of_two() {
                            log::warn!(
                                "connection cap ({}) reached: {} refused so far",
                                self.cap,
                                self.refused
                            );
                        }
                        let reply = Reply::error(&ApiError::unavailable(
                            "Too many open connections; try again later",
                        ));
                        let bytes = conn_wire::encode(&reply, closing(false), &now_date());
                        // Whatever the client sent already is read, so closing is not a reset.
                        let _ = stream.read(&mut self.scratch);
                        let _ = stream.write(&bytes);
                        let _ = stream.shutdown(Shutdown::Write);
                        continue;
                    }
                    let token = self.next_token;
                    self.next_token += 1;
                    if let Err(e) = self.poll.registry().register(
                        &mut stream,
                        Token(token),
                        Interest::READABLE | Interest::WRITABLE,
                    ) {
                        log::warn!("cannot watch a new connection: {e}");
                        continue;
                    }
                    let now = Instant::now();
                    self.conns.insert(
                        token,
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
                            eof: false,
                        },
                    );
                    // Edge-triggered: bytes that came with the connection are read now.
                    self.ready(token);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Out of file descriptors (or similar): try again shortly, keep serving.
                    self.accept_failures += 1;
                    if self.accept_failures.is_power_of_two() {
                        log::warn!(
                            "cannot accept a connection ({} times so far): {e}",
                            self.accept_failures
                        );
                    }
                    self.accept_retry = true;
                    return;
                }
            }
        }
    }

    /// The socket of `token` is readable or writable (or was just accepted or answered).
    fn ready(&mut self, token: usize) {
        let Some(mut c) = self.conns.remove(&token) else {
            return;
        };
        let next = self.work(token, &mut c);
        if next == Next::Keep {
            self.conns.insert(token, c);
        } else {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }

    /// Reads what there is, parses and dispatches, writes what is pending.
    fn work(&mut self, token: usize, c: &mut Conn) -> Next {
        if c.flush() == Next::Drop {
            return Next::Drop;
        }
        if c.read(&mut self.scratch) == Next::Drop {
            return Next::Drop;
        }
        if self.parse(token, c) == Next::Drop {
            return Next::Drop;
        }
        if c.eof && c.at_eof() == Next::Drop {
            return Next::Drop;
        }
        c.finish_writes()
    }

    /// Moves the connection forward through its phases as far as the buffered bytes allow.
    fn parse(&mut self, token: usize, c: &mut Conn) -> Next {
        loop {
            match &mut c.phase {
                Phase::Head => {
                    let head = match conn_wire::parse_head(&c.rbuf) {
                        Ok(Some(h)) => h,
                        Ok(None) => {
                            if c.rbuf.is_empty() {
                                c.head_started = None;
                            } else if c.head_started.is_none() {
                                c.head_started = Some(Instant::now());
                            }
                            return Next::Keep;
                        }
                        Err(e) => {
                            c.refuse(&e);
                            return Next::Keep;
                        }
                    };
                    c.rbuf.drain(..head.len);
                    c.head_started = None;
                    match head.framing {
                        Framing::Empty => self.dispatch(token, c, head, Vec::new(), false),
                        Framing::Length(n) if n > super::MAX_BODY as u64 => {
                            // The answer is 413 (once the route is known); the body is not read.
                            self.dispatch(token, c, head, Vec::new(), true)
                        }
                        framing => {
                            if head.expect_continue && c.rbuf.is_empty() {
                                c.wbuf.extend_from_slice(conn_wire::CONTINUE);
                            }
                            let chunked = (framing == Framing::Chunked)
                                .then(|| Chunked::new(super::MAX_BODY));
                            c.phase = Phase::Body { head, chunked };
                        }
                    }
                }
                Phase::Body { head, chunked } => {
                    let body = match chunked {
                        None => {
                            let Framing::Length(n) = head.framing else {
                                unreachable!("a body phase without a length is chunked")
                            };
                            if (c.rbuf.len() as u64) < n {
                                return Next::Keep;
                            }
                            Ok(c.rbuf.drain(..n as usize).collect())
                        }
                        Some(dec) => match dec.feed(&c.rbuf) {
                            Ok(Feed::More(used)) => {
                                c.rbuf.drain(..used);
                                return Next::Keep;
                            }
                            Ok(Feed::Done(used)) => {
                                c.rbuf.drain(..used);
                                Ok(std::mem::take(&mut dec.body))
                            }
                            Ok(Feed::TooLarge) => Err(None),
                            Err(e) => Err(Some(e)),
                        },
                    };
                    let Phase::Body { head, .. } = std::mem::replace(&mut c.phase, Phase::Head)
                    else {
                        unreachable!()
                    };
                    match body {
                        Ok(body) => self.dispatch(token, c, head, body, false),
                        Err(None) => self.dispatch(token, c, head, Vec::new(), true),
                        Err(Some(e)) => {
                            c.refuse(&e);
                            return Next::Keep;
                        }
                    }
                }
                Phase::InFlight { .. } | Phase::Closing | Phase::Linger { .. } => {
                    return Next::Keep
                }
            }
        }
    }

    /// Hands a complete request to the pool; the connection waits for its answer.
    fn dispatch(&mut self, token: usize, c: &mut Conn, head: Head, body: Vec<u8>, too_large: bool) {
        // A body left unread means the bytes that follow are not a request: close after.
        let close = !head.keep_alive || too_large || self.listener.is_none();
        let head_http10 = head.http10;
        let shape = Shape {
            head_only: head.method == "HEAD",
            http10: head.http10,
            keep_alive: !close,
        };
        let gone = Arc::new(AtomicBool::new(false));
        c.phase = Phase::InFlight {
            close,
            gone: gone.clone(),
        };
        let responder = Responder {
            conn: token,
            shape,
            outbox: self.outbox.clone(),
            answered: false,
            gone,
        };
        let incoming = Incoming {
            request: RawRequest {
                method: head.method,
                target: head.target,
                headers: head.headers,
                body,
                body_too_large: too_large,
                remote_addr: c.addr,
            },
            responder,
        };
        let refused = match &self.jobs {
            Some(jobs) => jobs.send(incoming).err().map(|e| e.into_inner()),
            None => Some(incoming),
        };
        let http10 = head_http10;
        if let Some(incoming) = refused {
            let mut responder = incoming.responder;
            responder.answered = true;
            c.phase = Phase::Closing;
            let reply = Reply::error(&ApiError::unavailable("shutting down"));
            c.wbuf
                .extend(conn_wire::encode(&reply, closing(http10), &now_date()));
        }
    }

    /// An answer from the pool or the parking thread.
    fn answer(&mut self, token: usize, bytes: Vec<u8>) {
        let Some(c) = self.conns.get_mut(&token) else {
            // The client went away while its request was handled or parked.
            return;
        };
        let Phase::InFlight { close, .. } = c.phase else {
            log::warn!("an answer for a connection with no request in flight was dropped");
            return;
        };
        c.wbuf.extend_from_slice(&bytes);
        // The idle timeout counts from the answer, not from the request (which may have waited).
        c.last_read = Instant::now();
        c.phase = if close || self.listener.is_none() {
            Phase::Closing
        } else {
            Phase::Head
        };
        // Pipelined requests may be waiting in the buffer; reading resumes too.
        self.ready(token);
    }

    fn close(&mut self, token: usize) {
        if let Some(mut c) = self.conns.remove(&token) {
            let _ = self.poll.registry().deregister(&mut c.stream);
        }
    }

    /// Stops accepting and closes connections that have nothing in flight.
    fn drain(&mut self) {
        if let Some(mut l) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut l);
        }
        let idle: Vec<usize> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                matches!(c.phase, Phase::Head | Phase::Body { .. }) && c.wbuf.is_empty()
            })
            .map(|(t, _)| *t)
            .collect();
        for t in idle {
            self.close(t);
        }
        // The pool finishes what it has and stops once this last sender is gone.
        self.jobs = None;
    }

    /// Answers requests still in flight (parked ones) with 503 and writes what it can.
    fn exit(&mut self) {
        let reply = Reply::error(&ApiError::unavailable("shutting down"));
        for c in self.conns.values_mut() {
            if matches!(c.phase, Phase::InFlight { .. }) {
                c.wbuf
                    .extend(conn_wire::encode(&reply, closing(false), &now_date()));
            }
            let _ = c.flush();
        }
        self.conns.clear();
    }

    /// Closes connections past their timeouts.
    fn sweep(&mut self, now: Instant) {
        let mut gone = Vec::new();
        let mut late = Vec::new();
        for (t, c) in &self.conns {
            let writing = c.wpos < c.wbuf.len();
            if writing && now.saturating_duration_since(c.last_write) > WRITE_TIMEOUT {
                gone.push(*t);
                continue;
            }
            match &c.phase {
                Phase::Head => match c.head_started {
                    Some(at) if now.saturating_duration_since(at) > HEAD_TIMEOUT => late.push(*t),
                    None if !writing
                        && now.saturating_duration_since(c.last_read) > IDLE_TIMEOUT =>
                    {
                        gone.push(*t)
                    }
                    _ => {}
                },
                Phase::Body { .. } if now.saturating_duration_since(c.last_read) > BODY_TIMEOUT => {
                    late.push(*t)
                }
                Phase::Linger { until } if now > *until => gone.push(*t),
                _ => {}
            }
        }
        for t in gone {
            self.close(t);
        }
        for t in late {
            if let Some(c) = self.conns.get_mut(&t) {
                c.refuse(&WireError {
                    status: 408,
                    message: "The request did not arrive in time".into(),
                });
            }
            self.ready(t);
        }
    }
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
    /// Reads until the socket would block (or the buffer allows no more for now).
    fn read(&mut self, scratch: &mut [u8]) -> Next {
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

    /// Writes pending bytes until done or the socket would block.
    fn flush(&mut self) -> Next {
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
    fn finish_writes(&mut self) -> Next {
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
    fn at_eof(&mut self) -> Next {
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
    fn refuse(&mut self, e: &WireError) {
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
        self.wbuf.extend(conn_wire::encode(
            &Reply::error(&err),
            closing(false),
            &now_date(),
        ));
        self.phase = Phase::Closing;
        self.rbuf = Vec::new();
    }
}

/// `MAX_CONNECTIONS`, or fewer when the soft limit on open files (`/proc/self/limits`) would run
/// out first: past the cap a client gets a clear 503 instead of waiting in the accept queue.
fn connection_cap() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        });
    match soft {
        Some(n) => MAX_CONNECTIONS.min(n.saturating_sub(RESERVED_FDS).max(16)),
        None => MAX_CONNECTIONS,
    }
}

fn closing(http10: bool) -> Shape {
    Shape {
        head_only: false,
        http10,
        keep_alive: false,
    }
}

fn now_date() -> String {
    conn_wire::http_date(crate::clock::wall_ms())
}
