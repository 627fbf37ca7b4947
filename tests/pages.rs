//! Issue 6: the pages' server side — admin and agent sessions (cookie flags, CSRF, expiry,
//! sign-out), the compiled-in pages and their CSP, and the long-poll feed that parks waiting
//! clients instead of holding pool threads.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Signs in to the admin console; returns the cookie header value and the CSRF token.
fn admin_session(s: &TestServer) -> (String, String) {
    let r = s
        .request(
            "POST",
            "/admin/api/session",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form_encode(&[("AccountSid", &s.sid), ("AuthToken", &s.token)]).as_bytes(),
        )
        .expect(201);
    let set = r
        .header("Set-Cookie")
        .expect("a session cookie")
        .to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set.contains(flag), "{flag} missing from {set}");
    }
    let cookie = set.split(';').next().unwrap().to_string();
    let csrf = r.json()["csrf_token"].as_str().unwrap().to_string();
    (cookie, csrf)
}

#[test]
fn admin_session_stands_in_for_the_account_with_csrf_on_changes() {
    let s = TestServer::start();
    let (cookie, csrf) = admin_session(&s);
    let account = format!("{}.json", s.account_path());
    let keys = format!("{}/Keys.json", s.account_path());
    // Reads need only the cookie.
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect(200);
    let who = s
        .request("GET", "/admin/api/session", &[("Cookie", &cookie)], b"")
        .expect(200)
        .json();
    assert_eq!(who["signed_in"], true);
    assert_eq!(who["csrf_token"], csrf.as_str());
    // Changes need the CSRF token too: without it (or with a wrong one) 403, nothing created.
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let body = form_encode(&[("FriendlyName", "from the page")]);
    for bad in [None, Some("0".repeat(32))] {
        let mut h: Vec<(&str, &str)> = vec![form[0], ("Cookie", &cookie)];
        if let Some(b) = &bad {
            h.push(("X-CSRF-Token", b));
        }
        s.request("POST", &keys, &h, body.as_bytes())
            .expect_error(403);
    }
    assert_eq!(s.get(&keys).json()["keys"].as_array().unwrap().len(), 0);
    s.request(
        "POST",
        &keys,
        &[form[0], ("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        body.as_bytes(),
    )
    .expect(201);
    // A made-up cookie is no session.
    s.request(
        "GET",
        &account,
        &[("Cookie", &format!("sb_admin={}", "a".repeat(32)))],
        b"",
    )
    .expect_error(401);
    // Sign-out needs the CSRF token, then the cookie is dead.
    s.request("DELETE", "/admin/api/session", &[("Cookie", &cookie)], b"")
        .expect_error(403);
    let out = s
        .request(
            "DELETE",
            "/admin/api/session",
            &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
            b"",
        )
        .expect(204);
    assert!(out.header("Set-Cookie").unwrap().contains("Max-Age=0"));
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect_error(401);
    let who = s
        .request("GET", "/admin/api/session", &[("Cookie", &cookie)], b"")
        .expect(200)
        .json();
    assert_eq!(who["signed_in"], false);
}

#[test]
fn wrong_credentials_get_no_session() {
    let s = TestServer::start();
    let r = s.request(
        "POST",
        "/admin/api/session",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form_encode(&[("AccountSid", &s.sid), ("AuthToken", &"0".repeat(32))]).as_bytes(),
    );
    assert!(r.header("Set-Cookie").is_none());
    r.expect_error(401);
}

#[test]
fn sessions_expire() {
    let s = TestServer::start_with(&[("SWITCHBOARD_SESSION_TTL", "3600")]);
    let (cookie, _) = admin_session(&s);
    let account = format!("{}.json", s.account_path());
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect(200);
    s.advance_clock(3_590_000);
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect(200);
    s.advance_clock(10_000);
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect_error(401);
}

#[test]
fn rotating_the_auth_token_ends_admin_sessions() {
    let s = TestServer::start();
    let (cookie, _) = admin_session(&s);
    let account = format!("{}.json", s.account_path());
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect(200);
    let out = std::process::Command::new(bin())
        .args(["rotate-token", "--db"])
        .arg(&s.db)
        .output()
        .unwrap();
    assert!(out.status.success());
    s.request("GET", &account, &[("Cookie", &cookie)], b"")
        .expect_error(401);
}

#[test]
fn pages_are_served_with_a_content_security_policy() {
    let s = TestServer::start();
    for (path, kind) in [
        ("/admin", "text/html"),
        ("/agent", "text/html"),
        ("/chat", "text/html"),
        ("/chat/embed.js", "text/javascript"),
        ("/static/flowgraph.mjs", "text/javascript"),
    ] {
        let r = s.request("GET", path, &[], b"").expect(200);
        assert!(
            r.header("Content-Type").unwrap().starts_with(kind),
            "{path}"
        );
        let csp = r.header("Content-Security-Policy").unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    }
    let chat = s.request("GET", "/chat", &[], b"");
    assert!(chat
        .header("Content-Security-Policy")
        .unwrap()
        .contains("frame-ancestors *"));
    // Revalidation: the same file answers 304 to its ETag.
    let first = s.request("GET", "/static/common.mjs", &[], b"").expect(200);
    let etag = first.header("ETag").unwrap().to_string();
    let again = s.request(
        "GET",
        "/static/common.mjs",
        &[("If-None-Match", &etag)],
        b"",
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let admin = s.request("GET", "/admin", &[], b"");
    assert!(admin
        .header("Content-Security-Policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
}

#[test]
fn agent_password_must_be_long_enough_and_needs_the_account() {
    let s = TestServer::start();
    let path = format!("/admin/api/workers/WK{}/password", "0".repeat(32));
    s.request(
        "POST",
        &path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"Password=long+enough+password",
    )
    .expect_error(401);
    let short = s.post(&path, &[("Password", "short")]);
    assert!(
        short.status == 400 || short.status == 404,
        "{}",
        short.text()
    );
}

/// Opens a long-poll and leaves it waiting; returns the open socket.
fn open_poll(addr: &str, auth: &str, path: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).expect("send");
    s
}

#[test]
fn five_hundred_waiting_clients_do_not_block_the_api() {
    let s = TestServer::start();
    let after = s.get("/admin/api/events").expect(200).json()["last_seq"]
        .as_i64()
        .unwrap();
    let topic = format!("WS{}", "1".repeat(32));
    let path = format!("/admin/api/events?Topic={topic}&After={after}&Wait=8");
    let started = Instant::now();
    let mut socks: Vec<TcpStream> = (0..500)
        .map(|_| open_poll(&s.addr, &s.auth(), &path))
        .collect();
    // Once all 500 are parked on a server with 4 pool threads, an ordinary call answers at once.
    wait_until(Duration::from_secs(10), || {
        let m = s.get("/metrics").text();
        m.contains("switchboard_parked_requests 500").then_some(())
    });
    let t = Instant::now();
    s.get(&format!("{}.json", s.account_path())).expect(200);
    let took = t.elapsed();
    println!(
        "500 parked long-polls opened in {:?}; a normal API call took {took:?}",
        started.elapsed()
    );
    assert!(took < Duration::from_millis(1000), "took {took:?}");
    // Each waiting client gets its answer at its deadline (an empty batch), none is dropped.
    let mut answered = 0;
    for sock in socks.iter_mut() {
        let mut raw = Vec::new();
        let _ = sock.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(text.contains("\"events\":[]"), "{text}");
        answered += 1;
    }
    assert_eq!(answered, 500);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_parked_feed_answers_when_an_event_about_its_topic_commits() {
    let s = TestServer::start();
    let conv = s.post("/v1/Conversations", &[("FriendlyName", "feed test")]);
    if conv.status == 404 {
        return; // Conversations are not on this build.
    }
    let conv = conv.expect(201).json()["sid"].as_str().unwrap().to_string();
    let after = s.get("/admin/api/events").json()["last_seq"]
        .as_i64()
        .unwrap();
    let path = format!("/admin/api/events?Topic={conv}&After={after}&Wait=20");
    let mut sock = open_poll(&s.addr, &s.auth(), &path);
    // An event about another conversation does not wake it; one about this one does, at once.
    let other = s.post("/v1/Conversations", &[("FriendlyName", "other")]);
    let other = other.json()["sid"].as_str().unwrap().to_string();
    s.post(
        &format!("/v1/Conversations/{other}/Messages"),
        &[("Author", "x"), ("Body", "not for you")],
    )
    .expect(201);
    let t = Instant::now();
    s.post(
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", "x"), ("Body", "hello")],
    )
    .expect(201);
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).unwrap();
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&raw);
    let body: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let events = body["events"].as_array().unwrap();
    assert!(!events.is_empty(), "{body}");
    assert!(events.iter().all(|e| text_has(e, &conv)), "{body}");
    assert!(
        events
            .iter()
            .any(|e| e["event_type"] == "conversation.message.added"),
        "{body}"
    );
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
}

fn text_has(v: &Value, needle: &str) -> bool {
    v.to_string().contains(needle)
}
