//! The connection loop: one thread owns every client socket (epoll through `mio`), accepts,
//! drives each connection's state machine (`conn_state.rs`) as its socket becomes ready, hands
//! each complete request to the handler pool, and writes the answers the pool (or the parking
//! thread) sends back through its inbox (`conn_responder.rs`). An open connection costs a buffer
//! and a table entry, not a thread, so thousands of waiting clients need no more threads than a few.
//!
//! Per connection, one request is in flight at a time: pipelined requests wait in the buffer and
//! are answered in order. The loop enforces the limits across connections (the cap, the share of
//! one address, the timeouts, the pool's bounded queue) and never runs handler code;
//! `conn_wire.rs` holds the wire format.

use super::conn_answer::{self, Shape};
use super::conn_responder::{Incoming, Msg, Outbox, RawRequest, Responder};
use super::conn_slots::{Admit, Slots};
use super::conn_state::{closing, now_date, Conn, Next, Phase, Ready};
use super::conn_wire::WireError;
use super::error::{code, ApiError};
use super::request::Reply;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A keep-alive connection with no request for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// A connection that has not sent its first request (not a byte of it) for this long is closed:
/// a slot held by a silent client is given back sooner than one of a client that was answered.
pub const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A request head must arrive within this from its first byte (slowloris protection).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body that makes no progress for this long is given up (408).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// An answer the client does not read for this long is given up.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);

/// Who may hold how many connections (see `Loop::start`).
pub struct ConnLimits {
    /// Open connections at most (`conn_slots::connection_cap()` in the server).
    pub max_connections: usize,
    /// Open connections one socket peer may hold; past it a new one is answered 429 and closed.
    pub per_address: usize,
    /// The last slots of `max_connections`, kept for the office's own requests
    /// (`conn_slots::reserve_for`).
    pub reserved: usize,
    /// Peers exempt from `per_address`: the trusted proxies every client comes through.
    pub exempt: Box<dyn Fn(IpAddr) -> bool + Send>,
}

/// The running loop: its address, and the handle that stops it.
pub struct Loop {
    pub addr: SocketAddr,
    outbox: Outbox,
    thread: std::thread::JoinHandle<()>,
}

impl Loop {
    /// Binds `listen` and starts the loop thread; complete requests go to `jobs` (a bounded
    /// channel: when it is full, a request is answered 503 at once instead of waiting).
    pub fn start(listen: &str, jobs: Sender<Incoming>, limits: ConnLimits) -> Result<Loop, String> {
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
        let outbox = Outbox::new(tx, waker);
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
            busy: 0,
            slots: Slots::new(limits),
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
    /// Requests answered 503 because the pool's queue was full.
    busy: u64,
    slots: Slots,
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
            self.outbox.draining();
            while let Ok(msg) = rx.try_recv() {
                match msg {
                    Msg::Answer { conn, bytes, close } => self.answer(conn, bytes, close),
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
                    let refusal = match self.slots.admit(addr.ip(), Instant::now()) {
                        Admit::Yes | Admit::Reserve => None,
                        Admit::Evict(silent) => {
                            self.close(silent);
                            None
                        }
                        Admit::AddressFull => Some(ApiError::new(
                            429,
                            code::TOO_MANY_REQUESTS,
                            "Too many open connections from this address; close some and retry",
                        )),
                        Admit::Full => Some(ApiError::unavailable(
                            "Too many open connections; try again later",
                        )),
                    };
                    if let Some(err) = refusal {
                        self.turn_away(stream, &err);
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
                    let mut conn = Conn::new(stream, addr);
                    conn.reserved = self.slots.opened(token, addr.ip());
                    self.conns.insert(token, conn);
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

    /// Answers a connection that gets no slot with `err` and closes it.
    fn turn_away(&mut self, mut stream: TcpStream, err: &ApiError) {
        let bytes = conn_answer::encode(&Reply::error(err), closing(false), &now_date());
        // Whatever the client sent already is read, so closing is not a reset.
        let _ = stream.read(&mut self.scratch);
        let _ = stream.write(&bytes);
        let _ = stream.shutdown(Shutdown::Write);
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
            self.forget(token, &mut c);
        }
    }

    /// A connection is closed: its slot and its address's count are given back.
    fn forget(&mut self, token: usize, c: &mut Conn) {
        let _ = self.poll.registry().deregister(&mut c.stream);
        self.slots.closed(token, c.addr.ip());
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

    /// Hands each complete request the buffered bytes hold to the pool, as far as the
    /// connection's phase allows (one in flight at a time).
    fn parse(&mut self, token: usize, c: &mut Conn) -> Next {
        while let Some(ready) = c.advance() {
            self.dispatch(token, c, ready);
        }
        Next::Keep
    }

    /// Hands a complete request to the pool; the connection waits for its answer.
    fn dispatch(&mut self, token: usize, c: &mut Conn, ready: Ready) {
        let Ready {
            head,
            body,
            too_large,
        } = ready;
        // A body left unread means the bytes that follow are not a request: close after.
        let close = !head.keep_alive || too_large || self.listener.is_none();
        let head_http10 = head.http10;
        let shape = Shape {
            head_only: head.method == "HEAD",
            http10: head.http10,
            keep_alive: !close,
        };
        let gone = Arc::new(AtomicBool::new(false));
        c.requests += 1;
        self.slots.spoke(token);
        c.phase = Phase::InFlight {
            close,
            gone: gone.clone(),
        };
        let responder =
            Responder::new(token, shape, self.outbox.clone(), gone).in_reserve(c.reserved);
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
            Some(jobs) => match jobs.try_send(incoming) {
                Ok(()) => None,
                Err(TrySendError::Full(incoming)) => Some((incoming, true)),
                Err(TrySendError::Disconnected(incoming)) => Some((incoming, false)),
            },
            None => Some((incoming, false)),
        };
        let http10 = head_http10;
        let Some((incoming, busy)) = refused else {
            return;
        };
        let responder = incoming.responder;
        let shape = responder.shape();
        responder.answered_by_loop();
        if busy {
            // The pool is behind by a full queue: this request is answered now, never queued
            // without bound, and the connection stays usable.
            self.busy += 1;
            if self.busy.is_power_of_two() {
                log::warn!(
                    "the handler queue is full: {} requests answered 503 so far",
                    self.busy
                );
            }
            let reply = Reply::error(&ApiError::unavailable(
                "The server is busy; retry with exponential back-off",
            ));
            c.wbuf
                .extend(conn_answer::encode(&reply, shape, &now_date()));
            c.phase = if close { Phase::Closing } else { Phase::Head };
        } else {
            c.phase = Phase::Closing;
            let reply = Reply::error(&ApiError::unavailable("shutting down"));
            c.wbuf
                .extend(conn_answer::encode(&reply, closing(http10), &now_date()));
        }
    }

    /// An answer from the pool or the parking thread (`close`: the connection closes after it).
    fn answer(&mut self, token: usize, bytes: Vec<u8>, close_after: bool) {
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
        c.phase = if close || close_after || self.listener.is_none() {
            Phase::Closing
        } else {
            self.slots.answered(token, c.last_read);
            Phase::Head
        };
        // Pipelined requests may be waiting in the buffer; reading resumes too.
        self.ready(token);
    }

    fn close(&mut self, token: usize) {
        if let Some(mut c) = self.conns.remove(&token) {
            self.forget(token, &mut c);
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
                    .extend(conn_answer::encode(&reply, closing(false), &now_date()));
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
                        && now.saturating_duration_since(c.last_read) > c.idle_timeout() =>
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream as Client;

    fn start(max_connections: usize, queue: usize) -> (Loop, Receiver<Incoming>) {
        let (tx, rx) = crossbeam_channel::bounded(queue);
        let limits = ConnLimits {
            max_connections,
            per_address: 100,
            reserved: 0,
            exempt: Box::new(|_| false),
        };
        (Loop::start("127.0.0.1:0", tx, limits).unwrap(), rx)
    }

    fn connect(l: &Loop) -> Client {
        let c = Client::connect(l.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c
    }

    fn ask(c: &mut Client, path: &str) {
        c.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .unwrap();
    }

    /// The next answer's status line and body.
    fn answer(c: &mut Client) -> (String, String) {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                if body.len() >= len {
                    return (head.lines().next().unwrap().to_string(), body.to_string());
                }
            }
            let n = c.read(&mut buf).expect("an answer");
            assert!(n > 0, "closed: {text}");
            got.extend_from_slice(&buf[..n]);
        }
    }

    /// Answers the next request the pool would get with 204.
    fn serve_one(jobs: &Receiver<Incoming>) {
        let job = jobs
            .recv_timeout(Duration::from_secs(5))
            .expect("a request");
        job.responder.send(&Reply::no_content());
    }

    /// True when the server closes `c` (EOF or reset) within its read timeout.
    fn closed(c: &mut Client) -> bool {
        let mut rest = Vec::new();
        match c.read_to_end(&mut rest) {
            Ok(_) => true,
            Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        }
    }

    #[test]
    fn a_full_pool_queue_is_answered_503_at_once_and_the_connection_stays_usable() {
        let (l, jobs) = start(100, 1);
        let mut a = connect(&l);
        ask(&mut a, "/a");
        let started = Instant::now();
        while jobs.is_empty() {
            assert!(started.elapsed() < Duration::from_secs(5), "queued");
            std::thread::sleep(Duration::from_millis(5));
        }
        // The queue holds one request and nobody takes it: the next is answered by the loop.
        let mut b = connect(&l);
        ask(&mut b, "/b");
        let (status, body) = answer(&mut b);
        assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["status"].as_u64(), v["code"].as_u64()),
            (Some(503), Some(20503))
        );
        // The queued request is answered as usual; then there is room for b's next one.
        let job = jobs.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(job.request.target, "/a");
        job.responder.send(&Reply::no_content());
        assert_eq!(answer(&mut a).0, "HTTP/1.1 204 No Content");
        ask(&mut b, "/c");
        let job = jobs.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(job.request.target, "/c");
        job.responder.send(&Reply::no_content());
        assert_eq!(answer(&mut b).0, "HTTP/1.1 204 No Content");
        l.drain();
        l.exit();
    }

    #[test]
    fn at_the_cap_only_silent_connections_make_room() {
        // At the cap (2), a newcomer closes the oldest connection that never sent a request.
        let (l, jobs) = start(2, 10);
        let mut silent = connect(&l);
        let mut served = connect(&l);
        ask(&mut served, "/s");
        serve_one(&jobs);
        assert_eq!(answer(&mut served).0, "HTTP/1.1 204 No Content");
        let mut newcomer = connect(&l);
        assert!(closed(&mut silent), "the silent connection made room");
        ask(&mut newcomer, "/n");
        serve_one(&jobs);
        assert_eq!(answer(&mut newcomer).0, "HTTP/1.1 204 No Content");
        // Both slots are held by clients that were answered: the next one is refused, 503.
        let mut refused = connect(&l);
        let (status, _) = answer(&mut refused);
        assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
        ask(&mut served, "/again");
        assert!(
            jobs.recv_timeout(Duration::from_secs(5)).is_ok(),
            "the served keep theirs"
        );
        l.exit();
    }
}
