//! Issue 2 (foundation): the binary, the Twilio-shaped HTTP layer, auth, persistence, upgrades.

mod common;
use common::*;

#[test]
fn healthz_answers_without_auth() {
    let s = TestServer::start();
    let r = s.request("GET", "/healthz", &[], b"").expect(200);
    assert_eq!(r.json(), json!({"status": "ok"}));
    assert!(s.sid.starts_with("AC") && s.sid.len() == 34, "{}", s.sid);
    assert_eq!(s.token.len(), 32);
    assert!(s.token.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn rest_paths_need_the_right_credentials() {
    let s = TestServer::start();
    let path = format!("{}.json", s.account_path());
    let v = s.request("GET", &path, &[], b"").expect_error(401);
    assert_eq!(v["code"], 20003);
    let wrong = basic(&s.sid, "0123456789abcdef0123456789abcdef");
    s.request("GET", &path, &[("Authorization", &wrong)], b"")
        .expect_error(401);
    let other_sid = basic("AC00000000000000000000000000000000", &s.token);
    s.request("GET", &path, &[("Authorization", &other_sid)], b"")
        .expect_error(401);
    s.request("GET", &path, &[("Authorization", "Basic !!notbase64")], b"")
        .expect_error(401);
    let acct = s.get(&path).expect(200).json();
    assert_eq!(acct["sid"], s.sid.as_str());
    assert_eq!(acct["status"], "active");
    assert!(acct["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("http://{}", s.addr)));
}

#[test]
fn unknown_paths_and_sids_are_404_json() {
    let s = TestServer::start();
    let v = s.get("/v1/NoSuchThing").expect_error(404);
    assert_eq!(v["code"], 20404);
    assert!(v["message"].as_str().unwrap().contains("/v1/NoSuchThing"));
    s.get(&format!(
        "{}/Keys/SK00000000000000000000000000000000.json",
        s.account_path()
    ))
    .expect_error(404);
    // Another account's SID in the path is not found, not forbidden.
    s.get("/2010-04-01/Accounts/AC00000000000000000000000000000000.json")
        .expect_error(404);
    s.request("GET", "/nope", &[], b"").expect_error(404);
}

#[test]
fn wrong_method_is_405() {
    let s = TestServer::start();
    let v = s.request("DELETE", "/healthz", &[], b"").expect_error(405);
    assert_eq!(v["code"], 20004);
    s.request(
        "PUT",
        &format!("{}.json", s.account_path()),
        &[("Authorization", &s.auth())],
        b"",
    )
    .expect_error(405);
    s.request("BREW", "/healthz", &[], b"").expect_error(405);
}

#[test]
fn malformed_body_is_400_and_writes_nothing() {
    let s = TestServer::start();
    let keys = format!("{}/Keys.json", s.account_path());
    for body in [
        &b"FriendlyName=%zz"[..],
        b"FriendlyName=%ff%fe",
        b"FriendlyName=%4",
    ] {
        let v = s
            .request(
                "POST",
                &keys,
                &[
                    ("Authorization", &s.auth()),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                body,
            )
            .expect_error(400);
        assert!(v["message"].as_str().unwrap().contains("Malformed"), "{v}");
    }
    let v = s
        .request(
            "POST",
            &keys,
            &[
                ("Authorization", &s.auth()),
                ("Content-Type", "application/json"),
            ],
            b"{nope",
        )
        .expect_error(400);
    assert!(v["message"].as_str().unwrap().contains("JSON"));
    let too_long = "x".repeat(65);
    let v = s
        .post(&keys, &[("FriendlyName", &too_long)])
        .expect_error(400);
    assert!(
        v["message"].as_str().unwrap().contains("FriendlyName"),
        "{v}"
    );
    let list = s.get(&keys).expect(200).json();
    assert_eq!(
        list["keys"].as_array().unwrap().len(),
        0,
        "a refused request left a row: {list}"
    );
}

/// Issue 19, finding 9: a 100 KB FriendlyName was stored. Names longer than Twilio's limits (64
/// characters in TaskRouter, 256 elsewhere) are refused with 20002 and nothing is written.
#[test]
fn names_past_twilios_limits_are_refused_and_nothing_is_stored() {
    let s = TestServer::start();
    let huge = "n".repeat(100 * 1024);
    let ws = s
        .post("/v1/Workspaces", &[("FriendlyName", "names")])
        .expect(201)
        .json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    for (path, limit) in [
        ("/v1/Workspaces".to_string(), 64),
        (format!("/v1/Workspaces/{ws}/Workers"), 64),
        (format!("/v1/Workspaces/{ws}/TaskQueues"), 64),
        ("/v1/Conversations".to_string(), 256),
    ] {
        for name in [huge.as_str(), &"n".repeat(limit + 1)] {
            let v = s.post(&path, &[("FriendlyName", name)]).expect_error(400);
            assert_eq!(v["code"], 20002, "{path}: {v}");
            assert!(
                v["message"].as_str().unwrap().contains(&limit.to_string()),
                "{v}"
            );
        }
        s.post(&path, &[("FriendlyName", &"n".repeat(limit))])
            .expect(201);
    }
    let workers = s
        .get(&format!("/v1/Workspaces/{ws}/Workers"))
        .expect(200)
        .json();
    assert_eq!(workers["workers"].as_array().unwrap().len(), 1, "{workers}");
    let v = s
        .post("/v1/Conversations", &[("UniqueName", &huge)])
        .expect_error(400);
    assert_eq!(v["code"], 20001, "{v}");
}

#[test]
fn body_over_one_mib_is_413() {
    let s = TestServer::start();
    let keys = format!("{}/Keys.json", s.account_path());
    let big = vec![b'a'; 2 * 1024 * 1024];
    let v = s
        .request(
            "POST",
            &keys,
            &[
                ("Authorization", &s.auth()),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &big,
        )
        .expect_error(413);
    assert_eq!(v["status"], 413);
    // The server is unaffected.
    s.request("GET", "/healthz", &[], b"").expect(200);
}

#[test]
fn lists_page_with_twilios_2010_envelope() {
    // The 2010 API's lists (Keys here) page with `start`/`end` and host-relative `*_uri`s; the
    // v1 products' `meta` envelope is checked by their own tests (and tests/oai_conformance.rs).
    let s = TestServer::start();
    let keys = format!("{}/Keys.json", s.account_path());
    for i in 0..5 {
        s.post(&keys, &[("FriendlyName", &format!("key {i}"))])
            .expect(201);
    }
    let first = s.get(&format!("{keys}?PageSize=2")).expect(200).json();
    assert_eq!(first["page"], 0);
    assert_eq!(first["page_size"], 2);
    assert_eq!(
        (first["start"].clone(), first["end"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(first["previous_page_uri"], Value::Null);
    for field in ["first_page_uri", "uri", "next_page_uri"] {
        let uri = first[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} missing: {first}"));
        assert!(uri.starts_with(&format!("{keys}?")), "{field}: {uri}");
    }
    // Follow next_page_uri to the end; every key is seen exactly once.
    let mut seen = Vec::new();
    let mut page = first;
    loop {
        for k in page["keys"].as_array().unwrap() {
            seen.push(k["friendly_name"].as_str().unwrap().to_string());
        }
        let Some(next) = page["next_page_uri"].as_str() else {
            break;
        };
        page = s.get(next).expect(200).json();
        assert!(page["previous_page_uri"].is_string());
    }
    assert_eq!(seen, (0..5).map(|i| format!("key {i}")).collect::<Vec<_>>());
    s.get(&format!("{keys}?PageSize=0")).expect_error(400);
    s.get(&format!("{keys}?PageSize=abc")).expect_error(400);
}

#[test]
fn api_keys_authenticate_until_deleted() {
    let s = TestServer::start();
    let keys = format!("{}/Keys.json", s.account_path());
    let k = s.post(&keys, &[("FriendlyName", "ci")]).expect(201).json();
    let (ksid, secret) = (
        k["sid"].as_str().unwrap().to_string(),
        k["secret"].as_str().unwrap().to_string(),
    );
    assert!(ksid.starts_with("SK"));
    let acct = format!("{}.json", s.account_path());
    s.request(
        "GET",
        &acct,
        &[("Authorization", &basic(&ksid, &secret))],
        b"",
    )
    .expect(200);
    s.request(
        "GET",
        &acct,
        &[("Authorization", &basic(&ksid, "wrong"))],
        b"",
    )
    .expect_error(401);
    // The secret is shown once, never again.
    let fetched = s
        .get(&format!("{}/Keys/{ksid}.json", s.account_path()))
        .expect(200)
        .json();
    assert!(fetched.get("secret").is_none(), "{fetched}");
    s.delete(&format!("{}/Keys/{ksid}.json", s.account_path()))
        .expect(204);
    s.request(
        "GET",
        &acct,
        &[("Authorization", &basic(&ksid, &secret))],
        b"",
    )
    .expect_error(401);
}

#[test]
fn data_survives_a_restart() {
    let mut s = TestServer::start();
    let keys = format!("{}/Keys.json", s.account_path());
    let k = s
        .post(&keys, &[("FriendlyName", "kept")])
        .expect(201)
        .json();
    let (sid, token) = (s.sid.clone(), s.token.clone());
    s.restart();
    assert_eq!(s.sid, sid, "the account changed across a restart");
    s.token = token;
    let list = s.get(&keys).expect(200).json();
    assert_eq!(list["keys"][0]["sid"], k["sid"]);
}

#[test]
fn injected_panic_is_error_json_and_the_pool_keeps_serving() {
    let s = TestServer::start_with(&[("SWITCHBOARD_TEST_HOOKS", "1")]);
    // More panics than pool threads: every thread must survive its panic.
    for _ in 0..10 {
        let v = s.get("/__test/panic").expect_error(500);
        assert_eq!(v["code"], 20500);
    }
    s.request("GET", "/healthz", &[], b"").expect(200);
    s.get(&format!("{}.json", s.account_path())).expect(200);
    // Without the hook the route does not exist.
    let plain = TestServer::start();
    plain.get("/__test/panic").expect_error(404);
}

#[test]
fn credentials_and_rotate_token_commands() {
    let s = TestServer::start();
    let out = std::process::Command::new(bin())
        .args(["credentials", "--db"])
        .arg(&s.db)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains(&s.sid) && text.contains(&s.token), "{text}");
    let out = std::process::Command::new(bin())
        .args(["rotate-token", "--db"])
        .arg(&s.db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let new_token = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Auth Token:"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    assert_ne!(new_token, s.token);
    let acct = format!("{}.json", s.account_path());
    // The running server sees the new token at once; the old one stops working.
    s.get(&acct).expect_error(401);
    s.request(
        "GET",
        &acct,
        &[("Authorization", &basic(&s.sid, &new_token))],
        b"",
    )
    .expect(200);
    // The audit log says the token was rotated on the server's command line (issue 17).
    let log = s
        .request(
            "GET",
            "/admin/api/audit",
            &[("Authorization", &basic(&s.sid, &new_token))],
            b"",
        )
        .expect(200)
        .json();
    let e = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["actor_name"] == "Command line on the server")
        .unwrap_or_else(|| panic!("no command-line entry in {log}"));
    assert!(e.to_string().contains("Auth Token"), "{e}");
    assert!(
        e["details"].as_str().unwrap().starts_with("rotate-token"),
        "{e}"
    );
}

#[test]
fn help_explains_every_flag() {
    let out = std::process::Command::new(bin())
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for word in [
        "--listen",
        "--db",
        "--threads",
        "--sync",
        "SWITCHBOARD_LISTEN",
        "SWITCHBOARD_DB",
        "SWITCHBOARD_THREADS",
        "credentials",
        "rotate-token",
    ] {
        assert!(text.contains(word), "--help does not mention {word}");
    }
    let out = std::process::Command::new(bin())
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_old_schema_version_upgrades_in_place() {
    let dir = TempDir::new("old");
    let db = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&db).unwrap();
        switchboard::store::migrate::migrate_to(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO accounts (sid, friendly_name, auth_token, status, created_at, updated_at)
             VALUES ('AC0123456789abcdef0123456789abcdef', 'old', '0123456789abcdef0123456789abcdef', 'active', 0, 0)",
            [],
        )
        .unwrap();
    }
    let mut s = TestServer::start_on(dir, db.clone(), &[]);
    assert_eq!(s.sid, "AC0123456789abcdef0123456789abcdef");
    s.token = "0123456789abcdef0123456789abcdef".to_string();
    s.get(&format!("{}.json", s.account_path())).expect(200);
    let version: u32 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, switchboard::store::migrate::latest_version());
    // The upgraded database works for the new steps' tables too (events, timers).
    s.kill();
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = TempDir::new("new");
    let db = dir.path().join("new.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 9999)
        .unwrap();
    let out = std::process::Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer"));
}

#[test]
fn backup_while_serving_then_restore() {
    let mut s = TestServer::start();
    let keys = format!("{}/Keys.json", s.account_path());
    s.post(&keys, &[("FriendlyName", "before backup")])
        .expect(201);
    let backup = s.dir.path().join("backup.db");
    let out = std::process::Command::new(bin())
        .args(["backup"])
        .arg(&backup)
        .arg("--db")
        .arg(&s.db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    s.post(&keys, &[("FriendlyName", "after backup")])
        .expect(201);
    s.kill();
    let out = std::process::Command::new(bin())
        .arg("restore")
        .arg(&backup)
        .arg("--db")
        .arg(&s.db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = s.token.clone();
    s.restart();
    s.token = token;
    let names: Vec<String> = s.get(&keys).expect(200).json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["friendly_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["before backup"]);
    // Something that is not a backup is refused and the database is left alone.
    let junk = s.dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let out = std::process::Command::new(bin())
        .arg("restore")
        .arg(&junk)
        .arg("--db")
        .arg(&s.db)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn metrics_count_requests_by_route() {
    let s = TestServer::start();
    s.get(&format!("{}.json", s.account_path())).expect(200);
    s.get("/v1/Nope").expect(404);
    s.request("GET", "/metrics", &[], b"").expect_error(401);
    let text = s.get("/metrics").expect(200).text();
    assert!(
        text.contains("switchboard_http_requests_total{method=\"GET\",route=\"/2010-04-01/Accounts/{AccountSid}.json\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\",status=\"404\""),
        "{text}"
    );
    assert!(text.contains("switchboard_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert!(text.contains("switchboard_timers_pending"));
}

#[test]
fn a_full_disk_is_503_json_and_recovers_when_space_returns() {
    let s = TestServer::start_with(&[("SWITCHBOARD_TEST_HOOKS", "1")]);
    let keys = format!("{}/Keys.json", s.account_path());
    s.post(&keys, &[("FriendlyName", "before")]).expect(201);
    s.post("/__test/disk", &[("Full", "true")]).expect(200);
    // Writes that need a new page now fail like on a full disk; a few fit in free space first.
    let mut refused = None;
    let mut stored_while_full = 0;
    for i in 0..2000 {
        let name = format!("while full {i} {}", "x".repeat(40));
        let r = s.post(&keys, &[("FriendlyName", &name)]);
        if r.status == 201 {
            stored_while_full += 1;
            continue;
        }
        refused = Some(r.expect_error(503));
        break;
    }
    let err = refused.expect("the capped database never filled up");
    assert_eq!(err["code"], 20503, "{err}");
    assert!(err["message"].as_str().unwrap().contains("full"), "{err}");
    // Reads and health go on meanwhile.
    s.get("/healthz").expect(200);
    let listed = s.get(&format!("{keys}?PageSize=1000")).expect(200).json();
    assert_eq!(
        listed["keys"].as_array().unwrap().len(),
        1 + stored_while_full
    );
    // Space returns: writes succeed again, and nothing refused was half-written.
    s.post("/__test/disk", &[("Full", "false")]).expect(200);
    s.post(&keys, &[("FriendlyName", "after")]).expect(201);
    let listed = s.get(&format!("{keys}?PageSize=1000")).expect(200).json();
    assert_eq!(
        listed["keys"].as_array().unwrap().len(),
        2 + stored_while_full
    );
}

#[test]
fn a_closed_stdout_does_not_stop_the_server() {
    // A supervisor (or a test) that read the banner and hung up: the banner meets a broken
    // pipe, and the server keeps serving (before: `println!` panicked in the main thread and
    // the process exited, taking every connection with it).
    use std::io::{Read, Write};
    let dir = TempDir::new("stdout");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = std::process::Command::new(bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(dir.path().join("db"))
        .stdout(writer)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut got = String::new();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            continue;
        };
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .unwrap();
        let _ = c.read_to_string(&mut got);
        break;
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let alive = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(alive, "the server is still running");
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
}
