//! Issue 19, findings 6 and 9: guessing a password gets slow. Failed sign-ins back off per
//! account (the admin console's SID, an agent's worker): after 5, each next attempt waits
//! SWITCHBOARD_SIGNIN_BACKOFF_MS, doubled per failure (up to 15 minutes), and attempts during
//! the wait — the right password too — answer 429 with Twilio's error JSON and `Retry-After`;
//! an admin's unlock or a successful sign-in ends it. Failed REST Basic auths are counted per
//! client address: past 20 a minute, that address is answered 429.

mod common;

use common::{basic, form_encode, Resp, TestServer};
use std::time::Duration;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn admin_sign_in(s: &TestServer, sid: &str, token: &str) -> Resp {
    let body = form_encode(&[("AccountSid", sid), ("AuthToken", token)]);
    s.request("POST", "/admin/api/session", &[FORM], body.as_bytes())
}

fn agent_sign_in(s: &TestServer, worker: &str, password: &str) -> Resp {
    let body = form_encode(&[("Worker", worker), ("Password", password)]);
    s.request("POST", "/agent/api/session", &[FORM], body.as_bytes())
}

/// Asserts a backoff refusal: 429, Twilio's JSON, a whole number of seconds in `Retry-After`.
fn assert_waiting(r: Resp) {
    let retry = r.header("Retry-After").map(str::to_string);
    let v = r.expect_error(429);
    assert_eq!(v["code"], 20429, "{v}");
    let secs: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!(secs >= 1, "{secs}");
    let message = v["message"].as_str().unwrap();
    assert!(message.contains(&format!("retry in {secs} s")), "{message}");
}

/// `tries` wrong attempts: the first 5 are checked (401), the rest wait (429).
fn fail_many(tries: usize, mut attempt: impl FnMut() -> Resp) {
    for i in 0..tries {
        let r = attempt();
        if i < 5 {
            r.expect_error(401);
        } else {
            assert_waiting(r);
        }
    }
}

#[test]
fn admin_sign_in_backs_off_until_unlocked() {
    // A long base wait, so only the unlock can end it within the test.
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PUBLIC_BURST", "100000"),
        ("SWITCHBOARD_SIGNIN_BACKOFF_MS", "600000"),
    ]);
    fail_many(130, || admin_sign_in(&s, &s.sid, "wrong-token"));
    // The right token is refused too while the account waits (before: 201).
    assert_waiting(admin_sign_in(&s, &s.sid, &s.token));
    // Another SID (an API key) is another account: not affected.
    admin_sign_in(&s, &format!("SK{}", "0".repeat(32)), "x").expect_error(401);
    // The admin unlocks it with the account's credentials; the right token signs in again.
    let r = s.post("/admin/api/session/unlock", &[]).expect(200).json();
    assert_eq!(r["unlocked"], true);
    admin_sign_in(&s, &s.sid, &s.token).expect(201);
    // A successful sign-in starts afresh: five more wrong tries are each checked (401).
    for _ in 0..5 {
        admin_sign_in(&s, &s.sid, "wrong-token").expect_error(401);
    }
    assert_waiting(admin_sign_in(&s, &s.sid, &s.token));
}

#[test]
fn the_backoff_passes_by_itself() {
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PUBLIC_BURST", "100000"),
        ("SWITCHBOARD_SIGNIN_BACKOFF_MS", "300"),
    ]);
    fail_many(5, || admin_sign_in(&s, &s.sid, "wrong-token"));
    assert_waiting(admin_sign_in(&s, &s.sid, &s.token));
    // Attempts during the wait do not lengthen it: the right token gets in once it is over.
    common::wait_until(Duration::from_secs(10), || {
        let r = admin_sign_in(&s, &s.sid, &s.token);
        match r.status {
            201 => Some(()),
            429 => None,
            other => panic!("{other}: {}", r.text()),
        }
    });
}

#[test]
fn an_agent_backs_off_by_name_or_sid_until_the_admin_unlocks() {
    let s = TestServer::start_with(&[
        ("SWITCHBOARD_PUBLIC_BURST", "100000"),
        ("SWITCHBOARD_SIGNIN_BACKOFF_MS", "600000"),
    ]);
    let ws = s.get("/v1/Workspaces").expect(200).json()["workspaces"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let w = s
        .post(
            &format!("/v1/Workspaces/{ws}/Workers"),
            &[("FriendlyName", "alice"), ("Attributes", "{}")],
        )
        .expect(201)
        .json();
    let sid = w["sid"].as_str().unwrap().to_string();
    let password = "correct horse battery";
    s.post(
        &format!("/admin/api/workers/{sid}/password"),
        &[("Password", password)],
    )
    .expect(200);
    fail_many(130, || agent_sign_in(&s, "alice", "wrong password"));
    // The right password is refused, by name and by SID alike (before: 201).
    assert_waiting(agent_sign_in(&s, "alice", password));
    assert_waiting(agent_sign_in(&s, &sid, password));
    // A name that matches no worker backs off the same way (nothing tells the two apart).
    fail_many(7, || agent_sign_in(&s, "nobody", "wrong password"));
    // Unlocking is the admin's: anonymous is 401, a missing worker 404.
    s.request(
        "POST",
        &format!("/admin/api/workers/{sid}/unlock"),
        &[],
        b"",
    )
    .expect_error(401);
    s.post(
        &format!("/admin/api/workers/WK{}/unlock", "0".repeat(32)),
        &[],
    )
    .expect_error(404);
    let r = s
        .post(&format!("/admin/api/workers/{sid}/unlock"), &[])
        .expect(200)
        .json();
    assert_eq!(r["unlocked"], true);
    agent_sign_in(&s, "alice", password).expect(201);
}

#[test]
fn rest_basic_auth_guessing_is_throttled_per_client_address() {
    let s = TestServer::start();
    let path = format!("{}.json", s.account_path());
    let wrong = basic(&s.sid, &"f".repeat(32));
    let right = s.auth();
    // Through the trusted proxy (loopback), each X-Forwarded-For address is a client.
    let from = |client: &'static str, auth: &str| {
        s.request(
            "GET",
            &path,
            &[("Authorization", auth), ("X-Forwarded-For", client)],
            b"",
        )
    };
    for _ in 0..20 {
        from("203.0.113.7", &wrong).expect_error(401);
    }
    // The 21st within the minute is 429, with Retry-After, and so is the right token from there.
    let r = from("203.0.113.7", &wrong);
    assert!(r.header("Retry-After").is_some());
    assert_eq!(r.expect_error(429)["code"], 20429);
    from("203.0.113.7", &right).expect_error(429);
    // Another client address is not affected, nor are requests without credentials.
    from("203.0.113.8", &right).expect(200);
    s.request("GET", &path, &[("X-Forwarded-For", "203.0.113.7")], b"")
        .expect_error(401);
}
