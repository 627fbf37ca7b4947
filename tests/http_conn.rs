//! Issue 8, target 5: the event-driven connection layer, on the real binary. Raw sockets speak
//! HTTP/1.x to it the way clients do: keep-alive, pipelining, `Connection: close`, HTTP/1.0,
//! chunked bodies, `Expect: 100-continue`, oversize and malformed requests, clients that vanish
//! while parked, and thousands of parked long-polls that cost no threads.

mod common;

use common::{TestServer, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A raw client connection that reads answers one at a time (keeps what follows for the next).
struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Client {
    fn open(addr: &str) -> Client {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Client { s, buf: Vec::new() }
    }

    fn send(&mut self, raw: &[u8]) {
        self.s.write_all(raw).expect("send");
    }

    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.s.read(&mut chunk) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next answer; `head_only` for an answer to HEAD (no body whatever the length says).
    fn answer_of(&mut self, head_only: bool) -> Answer {
        let end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            assert!(
                self.fill(),
                "connection ended before an answer; got {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let mut a = Answer {
            status,
            head,
            body: Vec::new(),
        };
        let len: usize = a
            .header("Content-Length")
            .map(|v| v.parse().expect("length"))
            .unwrap_or(0);
        if !head_only {
            while self.buf.len() < len {
                assert!(self.fill(), "connection ended inside a body");
            }
            a.body = self.buf.drain(..len).collect();
        }
        a
    }

    fn answer(&mut self) -> Answer {
        self.answer_of(false)
    }

    /// True when the server closed the connection (EOF or reset) within `within`.
    fn closed_within(&mut self, within: Duration) -> bool {
        self.s.set_read_timeout(Some(within)).unwrap();
        let mut b = [0u8; 1024];
        loop {
            match self.s.read(&mut b) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut =>
                {
                    return false
                }
                Err(_) => return true,
            }
        }
    }
}

fn get(path: &str, auth: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\nAuthorization: {auth}\r\n\r\n")
}

fn keys_post(s: &TestServer, extra: &str, body_line: &str) -> String {
    format!(
        "POST {}/Keys.json HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n{extra}\r\n{body_line}",
        s.account_path(),
        s.auth()
    )
}

fn threads_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("Threads line")
}

/// The server's `switchboard_parked_requests` gauge.
fn parked_now(s: &TestServer) -> Option<u64> {
    let m = s
        .request("GET", "/metrics", &[("Authorization", &s.auth())], b"")
        .text();
    m.lines()
        .find(|l| l.starts_with("switchboard_parked_requests "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| v as u64)
}

/// The newest event sequence number, where a long-poll starts from.
fn last_seq(s: &TestServer) -> i64 {
    s.get("/admin/api/events").expect(200).json()["last_seq"]
        .as_i64()
        .expect("last_seq")
}

#[test]
fn keep_alive_serves_several_requests_on_one_socket() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    let path = format!("{}.json", s.account_path());
    for _ in 0..5 {
        c.send(get(&path, &s.auth()).as_bytes());
        let a = c.answer();
        assert_eq!(a.status, 200, "{a:?}");
        assert_eq!(a.json()["sid"], s.sid.as_str());
        assert_eq!(
            a.header("Content-Type").as_deref(),
            Some("application/json; charset=utf-8")
        );
        assert!(a.header("Date").is_some());
        assert_eq!(a.header("Connection"), None);
    }
    // A 404 and a 401 keep the connection too.
    c.send(get("/nope", &s.auth()).as_bytes());
    assert_eq!(c.answer().status, 404);
    c.send(get(&path, "Basic eDp5").as_bytes());
    assert_eq!(c.answer().status, 401);
    c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(c.answer().status, 200);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    let account = format!("{}.json", s.account_path());
    // A key is created between two reads: the answers must come back in the order asked.
    let mut burst = String::new();
    burst.push_str(&get(&account, &s.auth()));
    burst.push_str(&get("/missing", &s.auth()));
    burst.push_str(&keys_post(
        &s,
        "Content-Length: 16\r\n",
        "FriendlyName=p1\n",
    ));
    burst.push_str(&get(&format!("{}/Keys.json", s.account_path()), &s.auth()));
    burst.push_str("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    c.send(burst.as_bytes());
    let a = c.answer();
    assert_eq!(
        (a.status, a.json()["sid"].clone()),
        (200, s.sid.as_str().into())
    );
    assert_eq!(c.answer().status, 404);
    let created = c.answer();
    assert_eq!(
        created.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&created.body)
    );
    let list = c.answer();
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["keys"].as_array().map(|k| k.len()), Some(1));
    assert_eq!(c.answer().status, 200);
}

#[test]
fn connection_close_and_http10_close_after_the_answer() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n");
    let a = c.answer();
    assert_eq!(a.status, 200);
    assert_eq!(a.header("Connection").as_deref(), Some("close"));
    assert!(c.closed_within(Duration::from_secs(5)), "not closed");
    assert!(
        c.buf.is_empty(),
        "the pipelined request after close was answered"
    );

    // HTTP/1.0 closes by default and keeps the connection only when asked.
    let mut c = Client::open(&s.addr);
    c.send(b"GET /healthz HTTP/1.0\r\n\r\n");
    let a = c.answer();
    assert_eq!(a.status, 200);
    assert!(a.head.starts_with("HTTP/1.0 200"), "{}", a.head);
    assert!(c.closed_within(Duration::from_secs(5)));
    let mut c = Client::open(&s.addr);
    for _ in 0..2 {
        c.send(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let a = c.answer();
        assert_eq!(a.status, 200);
        assert_eq!(a.header("Connection").as_deref(), Some("keep-alive"));
    }
}

#[test]
fn a_client_that_half_closes_after_its_request_still_gets_the_answer() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    // Two pipelined requests, then EOF on the client's side (as `nc -N` or a shutdown(WR) does).
    c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\nGET /nope HTTP/1.1\r\nHost: test\r\n\r\n");
    c.s.shutdown(std::net::Shutdown::Write).unwrap();
    assert_eq!(c.answer().status, 200);
    assert_eq!(c.answer().status, 404);
    assert!(c.closed_within(Duration::from_secs(5)));
}

#[test]
fn head_answers_headers_only() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    c.send(b"HEAD /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    let a = c.answer_of(true);
    // Whatever the route answers to HEAD, no body follows the head on the wire.
    c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    let b = c.answer();
    assert_eq!(b.status, 200, "{a:?} then {b:?}");
}

#[test]
fn chunked_bodies_are_decoded() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    let body = "FriendlyName=chunky";
    let (a, b) = body.split_at(7);
    let raw = keys_post(
        &s,
        "Transfer-Encoding: chunked\r\n",
        &format!(
            "{:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        ),
    );
    // Sent in pieces, as a streaming client does.
    for piece in raw.as_bytes().chunks(9) {
        c.send(piece);
        std::thread::sleep(Duration::from_millis(2));
    }
    let created = c.answer();
    assert_eq!(
        created.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.json()["friendly_name"], "chunky");
    // The connection is still good after the chunked body.
    c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(c.answer().status, 200);
    // A chunked body over 1 MiB is 413 and the connection closes.
    let mut c = Client::open(&s.addr);
    c.send(keys_post(&s, "Transfer-Encoding: chunked\r\n", "").as_bytes());
    let chunk = format!("{:x}\r\n{}\r\n", 256 * 1024, "a".repeat(256 * 1024));
    for _ in 0..5 {
        if c.s.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    let a = c.answer();
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["code"], 20413);
    assert!(c.closed_within(Duration::from_secs(5)));
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    let body = format!("FriendlyName=cont&x={}", "y".repeat(2000));
    c.send(
        keys_post(
            &s,
            &format!("Content-Length: {}\r\nExpect: 100-continue\r\n", body.len()),
            "",
        )
        .as_bytes(),
    );
    // curl waits for the interim answer before it sends a body over 1 KiB.
    let interim = c.answer();
    assert_eq!(interim.status, 100, "{interim:?}");
    c.send(body.as_bytes());
    let a = c.answer();
    assert_eq!(a.status, 201, "{:?}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["friendly_name"], "cont");

    // Too large: no 100, straight to 413 (the client then never sends the body).
    let mut c = Client::open(&s.addr);
    c.send(
        keys_post(
            &s,
            "Content-Length: 5000000\r\nExpect: 100-continue\r\n",
            "",
        )
        .as_bytes(),
    );
    let a = c.answer();
    assert_eq!(a.status, 413);
    assert_eq!(a.json()["status"], 413);
    assert!(c.closed_within(Duration::from_secs(5)));
}

#[test]
fn oversize_body_is_413_json_and_the_server_keeps_serving() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    let big = vec![b'a'; 3 * 1024 * 1024];
    c.send(keys_post(&s, &format!("Content-Length: {}\r\n", big.len()), "").as_bytes());
    // The client writes its whole body before reading, as naive clients do.
    let _ = c.s.write_all(&big);
    let a = c.answer();
    assert_eq!(a.status, 413);
    let v = a.json();
    assert_eq!(v["code"], 20413);
    assert!(v["more_info"].as_str().unwrap().starts_with("https://"));
    assert_eq!(a.header("Connection").as_deref(), Some("close"));
    assert!(c.closed_within(Duration::from_secs(5)));
    // An unknown route is still 404 first, as before the body limit.
    let mut c = Client::open(&s.addr);
    c.send(b"POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: 9999999\r\n\r\n");
    assert_eq!(c.answer().status, 404);
    s.request("GET", "/healthz", &[], b"").expect(200);
}

#[test]
fn malformed_requests_are_400_and_closed() {
    let s = TestServer::start();
    for raw in [
        &b"THIS IS NOT HTTP\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"GET /healthz HTTP/9.9\r\n\r\n",
        b"POST /healthz HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /healthz HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    ] {
        let mut c = Client::open(&s.addr);
        c.send(raw);
        let a = c.answer();
        assert_eq!(a.status, 400, "{:?}", String::from_utf8_lossy(raw));
        assert_eq!(a.json()["status"], 400);
        assert!(c.closed_within(Duration::from_secs(5)));
    }
    // A head over the size limit is 431.
    let mut c = Client::open(&s.addr);
    let mut raw = b"GET /healthz HTTP/1.1\r\n".to_vec();
    for i in 0..2000 {
        raw.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "v".repeat(20)).as_bytes());
    }
    let _ = c.s.write_all(&raw);
    assert_eq!(c.answer().status, 431);
    s.request("GET", "/healthz", &[], b"").expect(200);
}

#[test]
fn a_head_that_trickles_in_is_cut_off() {
    let s = TestServer::start();
    let mut c = Client::open(&s.addr);
    let started = Instant::now();
    c.send(b"GET /healthz HTTP/1.1\r\n");
    // One header byte a second: the head never completes within the server's head timeout.
    let mut closed = false;
    for b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
        if c.s.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        if started.elapsed() > Duration::from_secs(25) {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    if !closed {
        closed = c.closed_within(Duration::from_secs(1));
    }
    assert!(
        closed,
        "a trickling head was still open after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    s.request("GET", "/healthz", &[], b"").expect(200);
}

#[test]
fn parked_long_polls_answer_on_the_same_connection_and_vanished_clients_are_harmless() {
    let s = TestServer::start();
    let after = last_seq(&s);
    // A short wait: the parking thread answers at its deadline, on the kept-alive connection.
    let mut c = Client::open(&s.addr);
    let poll = format!("/admin/api/events?Topic=WT{:032x}&After={after}&Wait=1", 7);
    c.send(get(&poll, &s.auth()).as_bytes());
    let a = c.answer();
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.json()["events"].as_array().is_some_and(|e| e.is_empty()));
    c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(c.answer().status, 200);

    // Fifty clients park (for up to 30 s) and go away: the parking thread forgets them long
    // before their deadline, and the server keeps serving.
    let mut gone = Vec::new();
    for i in 0..50 {
        let mut c = Client::open(&s.addr);
        let poll = format!("/admin/api/events?Topic=WT{i:032x}&After={after}&Wait=30");
        c.send(get(&poll, &s.auth()).as_bytes());
        gone.push(c);
    }
    common::wait_until(Duration::from_secs(10), || {
        (parked_now(&s) == Some(50)).then_some(())
    });
    drop(gone);
    common::wait_until(Duration::from_secs(5), || {
        (parked_now(&s) == Some(0)).then_some(())
    });
    // Ten more go away just as an event would answer them: answers to gone connections are
    // dropped by the connection thread.
    for i in 0..10 {
        let mut c = Client::open(&s.addr);
        let poll = format!("/admin/api/events?Topic=WT{i:032x}&After={after}&Wait=1");
        c.send(get(&poll, &s.auth()).as_bytes());
        drop(c);
    }
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        s.request("GET", "/healthz", &[], b"").expect(200);
        std::thread::sleep(Duration::from_millis(100));
    }
    s.get(&format!("{}.json", s.account_path())).expect(200);
}

#[test]
fn thousands_of_parked_long_polls_cost_no_threads() {
    let s = TestServer::start();
    let pid = s.pid();
    let after = last_seq(&s);
    let n = 2000;
    let auth = s.auth();
    let mut parked = Vec::with_capacity(n);
    for i in 0..n {
        let mut c = Client::open(&s.addr);
        let poll = format!("/admin/api/events?Topic=WT{i:032x}&After={after}&Wait=30");
        c.send(get(&poll, &auth).as_bytes());
        parked.push(c);
    }
    // Every request reaches the parking thread (nothing is answered) ...
    common::wait_until(Duration::from_secs(20), || {
        (parked_now(&s) >= Some(n as u64)).then_some(())
    });
    // ... the process stays within its fixed budget of threads, whatever the number of waiting
    // clients: 16 (the inbound retry pass runs on the janitor's thread; the callback dialer,
    // issue 22, has its own) ...
    let threads = threads_of(pid);
    assert!(threads <= 16, "{threads} threads with {n} parked clients");
    // ... and a normal call on another connection still answers fast.
    let mut c = Client::open(&s.addr);
    let account = format!("{}.json", s.account_path());
    let mut lat = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        c.send(get(&account, &auth).as_bytes());
        assert_eq!(c.answer().status, 200);
        lat.push(t.elapsed());
    }
    lat.sort();
    let p99 = lat[lat.len() * 99 / 100 - 1];
    assert!(
        p99 < Duration::from_millis(500),
        "p99 {p99:?} with {n} parked clients"
    );
    // The parked clients are all still waiting (none answered, none dropped).
    for c in parked.iter_mut().step_by(97) {
        c.s.set_nonblocking(true).unwrap();
        let mut b = [0u8; 16];
        let r = c.s.read(&mut b);
        assert!(
            matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "a parked client got {r:?}"
        );
    }
    drop(parked);
    // The server forgets them and keeps serving.
    common::wait_until(Duration::from_secs(20), || {
        (parked_now(&s) == Some(0)).then_some(())
    });
    s.request("GET", "/healthz", &[], b"").expect(200);
}

#[test]
fn past_the_connection_cap_clients_get_a_clear_503() {
    use std::io::BufRead;
    // A process allowed 256 open files caps its connections at 128 (the rest is kept for SQLite
    // and outbound HTTP); the 129th client is answered 503 rather than left in the accept queue.
    // The last 8 of those 128 are the strict reserve, which serves only the office's own
    // requests: anonymous clients get the first 120.
    let dir = common::TempDir::new("cap");
    let db = dir.path().join("db");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" serve --listen 127.0.0.1:0 --threads 2 --db \"$1\"")
        .arg(common::bin())
        .arg(&db)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("switchboard is running at http://")
                .map(|a| a.trim().to_string())
        })
        .expect("address");
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..140 {
        let mut c = Client::open(&addr);
        c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
        let a = c.answer();
        match a.status {
            200 => held.push(c),
            503 => {
                assert_eq!(a.json()["status"], 503);
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(held.len(), 120, "{refused} refused");
    assert_eq!(refused, 20);
    // Room again once clients leave.
    held.truncate(100);
    common::wait_until(Duration::from_secs(5), || {
        let mut c = Client::open(&addr);
        c.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
        (c.answer().status == 200).then_some(())
    });
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn stopping_the_server_answers_parked_requests_and_closes_connections() {
    // In-process, as the benches and library users stop it: `Running::shutdown`.
    let dir = common::TempDir::new("stop");
    let mut config = switchboard::config::Config::new("127.0.0.1:0", dir.path().join("s.db"));
    config.threads = 2;
    let running = switchboard::start(config).expect("start");
    let addr = running.http.addr.to_string();
    let auth = common::basic(&running.app.account_sid, &running.auth_token);
    let mut idle = Client::open(&addr);
    idle.send(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(idle.answer().status, 200);
    let mut waiting = Client::open(&addr);
    waiting.send(get("/admin/api/events?Topic=WTx&After=0&Wait=30", &auth).as_bytes());
    // Parked once the gauge says so.
    common::wait_until(Duration::from_secs(10), || {
        let m = running.app.metrics.render(&running.app);
        m.lines()
            .any(|l| l == "switchboard_parked_requests 1")
            .then_some(())
    });
    let stopping = std::thread::spawn(move || running.shutdown());
    let a = waiting.answer();
    assert_eq!(a.status, 503, "{a:?}");
    assert!(waiting.closed_within(Duration::from_secs(5)));
    assert!(idle.closed_within(Duration::from_secs(5)));
    stopping.join().expect("shutdown");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still accepting after stop"
    );
}

/// Issue 19, findings 3 and 8: the chunked inputs a proxy may read differently ("funky chunks")
/// and requests without exactly one valid Host are 400 and closed; absolute-form targets are
/// served.
#[test]
fn strict_chunks_and_host_on_the_wire() {
    let s = TestServer::start();
    for body in [
        &b"5;a\nX\r\nhello\r\n0\r\n\r\n"[..],
        b"5;a\0b\r\nhello\r\n0\r\n\r\n",
        b"5;a\rb\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhello\r\n0\r\nNoColon\r\n\r\n",
        b"5\r\nhello\r\n0\r\nA: b\nC: d\r\n\r\n",
        b" 5\r\nhello\r\n0\r\n\r\n",
    ] {
        let mut c = Client::open(&s.addr);
        let mut raw = keys_post(&s, "Transfer-Encoding: chunked\r\n", "").into_bytes();
        raw.extend_from_slice(body);
        c.send(&raw);
        let a = c.answer();
        assert_eq!(a.status, 400, "{:?}", String::from_utf8_lossy(body));
        assert_eq!(a.json()["status"], 400);
        assert!(c.closed_within(Duration::from_secs(5)));
    }
    for raw in [
        &b"GET /healthz HTTP/1.1\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: a b/<x>\r\n\r\n",
    ] {
        let mut c = Client::open(&s.addr);
        c.send(raw);
        assert_eq!(c.answer().status, 400, "{:?}", String::from_utf8_lossy(raw));
    }
    let mut c = Client::open(&s.addr);
    c.send(
        format!(
            "GET http://{}/healthz HTTP/1.1\r\nHost: test\r\n\r\n",
            s.addr
        )
        .as_bytes(),
    );
    assert_eq!(c.answer().status, 200);
    c.send(b"GET /healthz HTTP/1.0\r\n\r\n");
    assert_eq!(c.answer().status, 200);
}
