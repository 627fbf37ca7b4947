//! Issue 19, finding 4: one stranger can't starve the office of connections. One client address
//! holds at most its share of open connections (`--max-connections-per-address`, default 64; the
//! next is answered 429 and closed); when every slot is taken, the oldest connection that never
//! sent a request is closed to make room, so an authenticated client is still served; a
//! connection that never sends a request is closed after 10 s, one that was answered after 60 s;
//! at the cap with no silent connection left, the keep-alive idle the longest (2 s or more)
//! makes room, so idle keep-alives cannot turn newcomers away either. The last sixteenth of the
//! slots is a strict reserve: when anonymous clients that all keep talking hold every other slot,
//! the account's API clients (and agents, the console, the carrier) still get in, and anonymous
//! newcomers are told 503 and closed.
//! The clients here connect from distinct loopback addresses (127.0.0.2, ...), bound before
//! connecting, the way distinct hosts would.

mod common;

use common::{basic, TestServer, Value};
use std::io::{BufRead, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::FromRawFd;
use std::time::Duration;

/// A TCP connection to `to` from the local address `from` (any port).
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let SocketAddr::V4(to) = to else {
        panic!("IPv4 only")
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor this function owns until `from_raw_fd` takes it.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0, "socket");
        let stream = TcpStream::from_raw_fd(fd);
        let local = sockaddr(from, 0);
        let rc = libc::bind(fd, &local as *const _ as *const libc::sockaddr, len);
        assert_eq!(rc, 0, "bind {from}: {}", std::io::Error::last_os_error());
        let remote = sockaddr(*to.ip(), to.port());
        let rc = libc::connect(fd, &remote as *const _ as *const libc::sockaddr, len);
        assert_eq!(rc, 0, "connect: {}", std::io::Error::last_os_error());
        stream
    }
}

/// What a connection has received so far without waiting: `None` while the server is silent
/// and the connection open, `Some(bytes)` once it answered or closed (bytes may be empty).
fn received(s: &mut TcpStream) -> Option<Vec<u8>> {
    s.set_nonblocking(true).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    s.set_nonblocking(false).unwrap();
    (closed || !got.is_empty()).then_some(got)
}

fn status_and_json(raw: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// One request and its answer on a kept-alive connection.
fn exchange(s: &mut TcpStream, raw: &str) -> (u16, Value) {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(raw.as_bytes()).expect("send");
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + len {
                return status_and_json(&got);
            }
        }
        let n = s.read(&mut buf).expect("read an answer");
        assert!(
            n > 0,
            "closed before an answer: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

/// The binary allowed 256 open files (so 128 client connections), trusting no proxy; its
/// address and the account's Basic credentials.
struct Limited {
    child: std::process::Child,
    addr: SocketAddr,
    auth: String,
    sid: String,
    _dir: common::TempDir,
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_limited() -> Limited {
    let dir = common::TempDir::new("fair");
    let db = dir.path().join("db");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" serve --listen 127.0.0.1:0 --threads 2 --db \"$1\"")
        .arg(common::bin())
        .arg(&db)
        .env("RUST_LOG", "error")
        .env("SWITCHBOARD_TRUST_PROXY", "none")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start");
    let (mut addr, mut sid, mut token) = (None, None, None);
    for line in std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        if let Some(a) = line.strip_prefix("switchboard is running at http://") {
            addr = Some(a.trim().parse::<SocketAddr>().expect("address"));
        } else if let Some(v) = line.trim().strip_prefix("Account SID:") {
            sid = v.split_whitespace().next().map(str::to_string);
        } else if let Some(v) = line.trim().strip_prefix("Auth Token:") {
            token = Some(v.trim().to_string());
        }
        if addr.is_some() && sid.is_some() && token.is_some() {
            break;
        }
    }
    let (sid, token) = (sid.expect("sid"), token.expect("token"));
    Limited {
        child,
        addr: addr.expect("address"),
        auth: basic(&sid, &token),
        sid,
        _dir: dir,
    }
}

#[test]
fn one_address_cannot_hold_every_connection_and_an_authenticated_client_is_served() {
    let s = start_limited();
    let account = |auth: &str| {
        format!(
            "GET /2010-04-01/Accounts/{}.json HTTP/1.1\r\nHost: test\r\nAuthorization: {auth}\r\n\r\n",
            s.sid
        )
    };
    // 127.0.0.2 opens 100 silent connections: it holds 64, the rest are answered 429 and closed.
    let stranger = Ipv4Addr::new(127, 0, 0, 2);
    let mut first: Vec<TcpStream> = (0..100).map(|_| connect_from(stranger, s.addr)).collect();
    // What each of the last 36 has received, until it was closed.
    let mut answers: Vec<Option<Vec<u8>>> = vec![None; 36];
    common::wait_until(Duration::from_secs(10), || {
        for (got, c) in answers.iter_mut().zip(first.iter_mut().skip(64)) {
            if got.is_none() {
                *got = received(c);
            }
        }
        answers.iter().all(Option::is_some).then_some(())
    });
    for raw in answers.into_iter().flatten() {
        let (status, v) = status_and_json(&raw);
        assert_eq!((status, &v["code"]), (429, &Value::from(20429)), "{v}");
    }
    first.truncate(64);
    assert!(
        first.iter_mut().all(|c| received(c).is_none()),
        "the first 64 are held, silently"
    );
    // Two more addresses fill the remaining 64 slots and then some (the server's cap is 128):
    // each newcomer past the cap closes the oldest connection that never sent a request.
    let mut others = Vec::new();
    for last in [3u8, 4] {
        for _ in 0..64 {
            others.push(connect_from(Ipv4Addr::new(127, 0, 0, last), s.addr));
        }
    }
    // An authenticated client on another address is answered, promptly, on a kept-alive
    // connection (before: 503 until the silent connections closed on their own).
    let mut client = connect_from(Ipv4Addr::new(127, 0, 0, 5), s.addr);
    let (status, v) = exchange(&mut client, &account(&s.auth));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["sid"], s.sid.as_str());
    let (status, _) = exchange(&mut client, &account(&s.auth));
    assert_eq!(status, 200);
    // The room came from the oldest silent connections: 127.0.0.2's first ones were closed.
    common::wait_until(Duration::from_secs(5), || {
        received(&mut first[0]).filter(|raw| raw.is_empty())
    });
    // An answered client keeps its connection when newcomers arrive at the cap.
    for _ in 0..10 {
        others.push(connect_from(Ipv4Addr::new(127, 0, 0, 6), s.addr));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        received(&mut client).is_none(),
        "the served client keeps its slot"
    );
    assert_eq!(exchange(&mut client, &account(&s.auth)).0, 200);
}

#[test]
fn a_silent_connection_is_closed_sooner_than_an_answered_one() {
    let s = TestServer::start();
    let addr: SocketAddr = s.addr.parse().unwrap();
    let mut silent = TcpStream::connect(addr).unwrap();
    let mut answered = TcpStream::connect(addr).unwrap();
    let ping = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
    assert_eq!(exchange(&mut answered, ping).0, 200);
    // Without a request the slot is given back after 10 s (before: 60 s, like an answered one).
    common::wait_until(Duration::from_secs(20), || {
        received(&mut silent).filter(|raw| raw.is_empty())
    });
    assert!(
        received(&mut answered).is_none(),
        "the answered client is still connected"
    );
    assert_eq!(exchange(&mut answered, ping).0, 200);
}

const CARRIER_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Issue 19, finding 5: each route class has its own bucket per client address, and signed
/// carrier webhooks one apart from unsigned ones. Before, 200 wrong admin sign-ins (or unsigned
/// webhook posts) from one address made web chat and the carrier's signed webhooks answer 429.
#[test]
fn a_flood_of_sign_ins_or_unsigned_webhooks_leaves_web_chat_and_signed_webhooks_alone() {
    use common::form_encode;
    let s = TestServer::start_with(&[("SWITCHBOARD_PROVIDER_TOKEN", CARRIER_TOKEN)]);
    // 200 wrong admin sign-ins, each for another SID (so no account's backoff answers first):
    // the sign-in bucket of this address runs out.
    let mut limited = 0;
    for i in 0..200 {
        let body = form_encode(&[("AccountSid", &format!("AC{i:032}")), ("AuthToken", "x")]);
        match s
            .request("POST", "/admin/api/session", &[FORM], body.as_bytes())
            .status
        {
            401 => {}
            429 => limited += 1,
            other => panic!("sign-in answered {other}"),
        }
    }
    assert!(limited > 0, "the sign-in bucket ran out");
    // 200 unsigned carrier webhooks: 403 (not signed), then 429 once their bucket runs out.
    let sms = [
        ("From", "+15550001234"),
        ("To", "+15550009999"),
        ("Body", "hello"),
        ("MessageSid", "SM00000000000000000000000000000001"),
    ];
    let mut limited = 0;
    for _ in 0..200 {
        let r = s.request(
            "POST",
            "/webhooks/messaging",
            &[FORM],
            form_encode(&sms).as_bytes(),
        );
        match r.status {
            403 => {}
            429 => limited += 1,
            other => panic!("an unsigned webhook answered {other}"),
        }
    }
    assert!(limited > 0, "the unsigned webhooks' bucket ran out");
    // Web chat and the carrier's signed webhook are still served.
    let chat = form_encode(&[("FriendlyName", "Ann"), ("Body", "hi")]);
    s.request("POST", "/webchat/start", &[FORM], chat.as_bytes())
        .expect(201);
    let url = format!("http://{}/webhooks/messaging", s.addr);
    let owned: Vec<(String, String)> = sms
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let sig = switchboard::http::auth::twilio_signature(CARRIER_TOKEN, &url, &owned);
    let headers = [FORM, ("X-Twilio-Signature", sig.as_str())];
    s.request(
        "POST",
        "/webhooks/messaging",
        &headers,
        form_encode(&sms).as_bytes(),
    )
    .expect(200);
}

#[test]
fn at_the_cap_the_longest_idle_keep_alive_makes_room_for_a_newcomer() {
    let s = start_limited();
    let ping = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
    // 120 clients on two addresses (every slot but the strict reserve's 8) each asked once and
    // keep their connection open, idle.
    let mut idle: Vec<TcpStream> = Vec::new();
    for last in [2u8, 3] {
        for _ in 0..60 {
            let mut c = connect_from(Ipv4Addr::new(127, 0, 0, last), s.addr);
            assert_eq!(exchange(&mut c, ping).0, 200);
            idle.push(c);
        }
    }
    // Idle for longer than the reserve's threshold (2 s): a newcomer is served, not told 503
    // for the minute the idle connections would otherwise keep their slots.
    std::thread::sleep(Duration::from_millis(2500));
    let mut newcomer = connect_from(Ipv4Addr::new(127, 0, 0, 5), s.addr);
    let account = format!(
        "GET /2010-04-01/Accounts/{}.json HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\n\r\n",
        s.sid, s.auth
    );
    let (status, v) = exchange(&mut newcomer, &account);
    assert_eq!(status, 200, "{v}");
    // The room came from the connection idle the longest: the first one answered.
    common::wait_until(Duration::from_secs(5), || {
        received(&mut idle[0]).filter(|raw| raw.is_empty())
    });
    assert!(
        idle[1..].iter_mut().all(|c| received(c).is_none()),
        "only one idle connection was closed"
    );
}

#[test]
fn when_anonymous_talkers_hold_every_shared_slot_the_reserve_still_serves_the_office() {
    let s = start_limited();
    let ping = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";
    let account = format!(
        "GET /2010-04-01/Accounts/{}.json HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\n\r\n",
        s.sid, s.auth
    );
    // 128 anonymous clients (the whole cap) each ask at once: the first 120 are served and
    // keep their connection; the last 8 came on the reserve, are told 503, and are closed.
    let (mut talkers, mut refused) = (Vec::new(), 0);
    for last in [2u8, 3] {
        for _ in 0..64 {
            let mut c = connect_from(Ipv4Addr::new(127, 0, 0, last), s.addr);
            let (status, v) = exchange(&mut c, ping);
            if status == 200 {
                talkers.push(c);
            } else {
                assert_eq!((status, &v["code"]), (503, &Value::from(20503)), "{v}");
                refused += 1;
                common::wait_until(Duration::from_secs(5), || {
                    received(&mut c).filter(|raw| raw.is_empty())
                });
            }
        }
    }
    assert_eq!((talkers.len(), refused), (120, 8));
    // They keep talking (never idle long enough to make room).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let talking = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for c in talkers.iter_mut() {
                    assert_eq!(exchange(c, ping).0, 200);
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    // The account's client is served from the reserve, and keeps its connection
    // (before: 503, every slot held by someone talking).
    let mut office = connect_from(Ipv4Addr::new(127, 0, 0, 5), s.addr);
    let (status, v) = exchange(&mut office, &account);
    assert_eq!(status, 200, "{v}");
    assert_eq!(exchange(&mut office, &account).0, 200);
    // Wrong credentials on the reserve: the refusal, and the connection closes.
    let mut guesser = connect_from(Ipv4Addr::new(127, 0, 0, 6), s.addr);
    let wrong = account.replace(&s.auth, &basic(&s.sid, &"0".repeat(32)));
    assert_eq!(exchange(&mut guesser, &wrong).0, 401);
    common::wait_until(Duration::from_secs(5), || {
        received(&mut guesser).filter(|raw| raw.is_empty())
    });
    // An anonymous newcomer is turned away from the reserve, in words, and closed.
    let mut stranger = connect_from(Ipv4Addr::new(127, 0, 0, 7), s.addr);
    let (status, v) = exchange(&mut stranger, ping);
    assert_eq!(status, 503, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap_or("")
            .contains("signed-in users"),
        "{v}"
    );
    common::wait_until(Duration::from_secs(5), || {
        received(&mut stranger).filter(|raw| raw.is_empty())
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    talking.join().expect("the talkers were served throughout");
}
