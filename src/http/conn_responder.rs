//! The way back from the pool to the connection loop: `Incoming` (a complete request and its
//! `Responder`), the `Msg`s the loop's inbox carries, and the `Outbox` that sends them and wakes
//! the loop. A `Responder` encodes its reply on the answering thread (pool or parking thread),
//! so the loop only copies bytes; dropping one unanswered tells the loop to close the connection.

use super::conn_answer::{self, Shape};
use super::request::Reply;
use crossbeam_channel::Sender;
use mio::Waker;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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

/// What the loop's inbox carries.
pub(super) enum Msg {
    /// The bytes of an answer to the request in flight on `conn`; `close`: close it after.
    Answer {
        conn: usize,
        bytes: Vec<u8>,
        close: bool,
    },
    /// The request on `conn` will never be answered: close it.
    Abandon { conn: usize },
    /// Stop accepting and close idle connections; in-flight requests may still be answered.
    Drain,
    /// Answer what is still in flight with 503, flush, and end the loop.
    Exit,
}

/// The sending side of the loop's inbox, with the `Waker` that gets the loop to read it.
#[derive(Clone)]
pub(super) struct Outbox {
    tx: Sender<Msg>,
    waker: Arc<Waker>,
    /// A wake is on its way and the loop has not drained its messages since: senders skip the
    /// `eventfd` write (one syscall and one loop wake-up per answer under load otherwise).
    pending: Arc<AtomicBool>,
}

impl Outbox {
    pub(super) fn new(tx: Sender<Msg>, waker: Arc<Waker>) -> Outbox {
        Outbox {
            tx,
            waker,
            pending: Arc::new(AtomicBool::new(false)),
        }
    }

    pub(super) fn send(&self, msg: Msg) {
        // A stopped loop has no connection left to answer: dropping the message is harmless.
        if self.tx.send(msg).is_ok() && !self.pending.swap(true, Ordering::AcqRel) {
            let _ = self.waker.wake();
        }
    }

    /// The loop is about to drain its inbox: a message sent after this wakes it again, one sent
    /// before is drained (the swap pairs with the sender's).
    pub(super) fn draining(&self) {
        self.pending.swap(false, Ordering::AcqRel);
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
    /// The connection holds a slot of the strict reserve (`conn_slots`).
    reserved: bool,
    /// Set by the loop when the connection closes before the answer (the client went away).
    gone: Arc<AtomicBool>,
}

impl Responder {
    pub(super) fn new(conn: usize, shape: Shape, outbox: Outbox, gone: Arc<AtomicBool>) -> Self {
        Responder {
            conn,
            shape,
            outbox,
            answered: false,
            reserved: false,
            gone,
        }
    }

    /// Marks the request as one on a connection of the strict reserve.
    pub(super) fn in_reserve(mut self, reserved: bool) -> Self {
        self.reserved = reserved;
        self
    }

    /// The request came on a connection of the strict reserve: only the office's own requests
    /// are served there (`http::handle`).
    pub fn is_in_reserve(&self) -> bool {
        self.reserved
    }

    /// The client closed its connection: nobody will read an answer.
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }

    /// How the answer is framed (HEAD, HTTP/1.0, keep-alive).
    pub(super) fn shape(&self) -> Shape {
        self.shape
    }

    /// Encodes `reply` for this request (HEAD, HTTP/1.0, keep-alive) and sends it to the loop.
    pub fn send(self, reply: &Reply) {
        self.answer(reply, false);
    }

    /// Sends `reply` with `Connection: close`; the loop closes the connection after writing it.
    pub fn send_closing(mut self, reply: &Reply) {
        self.shape.keep_alive = false;
        self.answer(reply, true);
    }

    fn answer(mut self, reply: &Reply, close: bool) {
        let bytes = DATE.with(|cached| {
            // The Date header changes once a second: formatted once per second per thread.
            let mut cached = cached.borrow_mut();
            let now = crate::clock::wall_ms();
            if cached.0 != now.div_euclid(1000) {
                *cached = (now.div_euclid(1000), conn_answer::http_date(now));
            }
            conn_answer::encode(reply, self.shape, &cached.1)
        });
        self.answered = true;
        self.outbox.send(Msg::Answer {
            conn: self.conn,
            bytes,
            close,
        });
    }

    /// The loop answered the request itself (it never reached the pool): nothing to send.
    pub(super) fn answered_by_loop(mut self) {
        self.answered = true;
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if !self.answered {
            self.outbox.send(Msg::Abandon { conn: self.conn });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::{Events, Poll, Token};
    use std::time::Duration;

    fn outbox() -> (Poll, Outbox, crossbeam_channel::Receiver<Msg>) {
        let poll = Poll::new().unwrap();
        let waker = Arc::new(Waker::new(poll.registry(), Token(1)).unwrap());
        let (tx, rx) = crossbeam_channel::unbounded();
        (poll, Outbox::new(tx, waker), rx)
    }

    fn shape(keep_alive: bool) -> Shape {
        Shape {
            head_only: false,
            http10: false,
            keep_alive,
        }
    }

    /// Wake-ups the loop would see now.
    fn wakes(poll: &mut Poll) -> usize {
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .unwrap();
        events.iter().count()
    }

    #[test]
    fn an_answer_is_encoded_for_its_request_and_wakes_the_loop_once() {
        let (mut poll, out, rx) = outbox();
        let gone = Arc::new(AtomicBool::new(false));
        Responder::new(7, shape(true), out.clone(), gone.clone())
            .send(&Reply::ok(serde_json::json!({"a": 1})));
        Responder::new(8, shape(false), out.clone(), gone).send(&Reply::no_content());
        assert_eq!(
            wakes(&mut poll),
            1,
            "the second send found a wake on its way"
        );
        let Ok(Msg::Answer { conn: 7, bytes, .. }) = rx.try_recv() else {
            panic!("an answer for connection 7")
        };
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.contains("\r\nDate: ") && text.ends_with("{\"a\":1}"),
            "{text}"
        );
        let Ok(Msg::Answer { conn: 8, bytes, .. }) = rx.try_recv() else {
            panic!("an answer for connection 8")
        };
        assert!(String::from_utf8(bytes)
            .unwrap()
            .contains("Connection: close\r\n"));
        // Once the loop drains, the next message wakes it again.
        out.draining();
        Responder::new(
            9,
            shape(true),
            out.clone(),
            Arc::new(AtomicBool::new(false)),
        )
        .send(&Reply::no_content());
        assert_eq!(wakes(&mut poll), 1);
    }

    #[test]
    fn a_responder_dropped_unanswered_closes_its_connection() {
        let (_poll, out, rx) = outbox();
        let gone = Arc::new(AtomicBool::new(false));
        let r = Responder::new(3, shape(true), out.clone(), gone.clone());
        assert!(!r.is_gone());
        gone.store(true, Ordering::Relaxed);
        assert!(r.is_gone(), "the loop marks a vanished client");
        drop(r);
        assert!(matches!(rx.try_recv(), Ok(Msg::Abandon { conn: 3 })));
        // One the loop answered itself sends nothing.
        Responder::new(4, shape(true), out, gone).answered_by_loop();
        assert!(rx.try_recv().is_err());
    }
}
