//! Issue 9: the auth matrix over every route the server has (read from the route table, so a new
//! route is covered the day it is added). Each account route is asked anonymously, with a wrong
//! token, with a wrong account, with an API key and with the account's credentials; each public
//! route anonymously. Expected: 401 for the first three on account routes, the same answer for the
//! API key as for the account, and never a 500 anywhere.

mod common;
use common::*;
use switchboard::http::request::Method;
use switchboard::http::router::Access;

/// A syntactically valid SID for a path capture, from its name (`WorkspaceSid` → `WS…`).
fn sid_for(name: &str, account_sid: &str) -> String {
    let prefix = match name {
        "AccountSid" => return account_sid.to_string(),
        "WorkspaceSid" => "WS",
        "WorkerSid" => "WK",
        "TaskSid" => "WT",
        "TaskQueueSid" => "WQ",
        "WorkflowSid" => "WW",
        "ActivitySid" => "WA",
        "ReservationSid" => "WR",
        "FlowSid" => "FW",
        "ExecutionSid" => "FN",
        "StepSid" => "FT",
        "ConversationSid" => "CH",
        "ParticipantSid" => "MB",
        "MessageSid" => "IM",
        "InteractionSid" => "KD",
        "ChannelSid" => "UO",
        "ChatServiceSid" | "ServiceSid" => "IS",
        "CallSid" => "CA",
        _ => "ZZ",
    };
    format!("{prefix}{}", "0".repeat(32))
}

fn fill(pattern: &str, account_sid: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .unwrap_or(rest.len() - 1);
        out.push_str(&sid_for(&rest[start + 1..end], account_sid));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_route_answers_each_credential_as_expected() {
    let s = TestServer::start();
    let key = s
        .post(
            &format!("{}/Keys.json", s.account_path()),
            &[("FriendlyName", "matrix")],
        )
        .expect(201)
        .json();
    let key_auth = basic(
        key["sid"].as_str().unwrap(),
        key["secret"].as_str().unwrap(),
    );
    let wrong_token = basic(&s.sid, &"f".repeat(32));
    let wrong_account = basic(&format!("AC{}", "1".repeat(32)), &s.token);
    // The admin page's session: a cookie (+ X-CSRF-Token on changes) stands in for the account.
    let signed = s
        .request(
            "POST",
            "/admin/api/session",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form_encode(&[("AccountSid", &s.sid), ("AuthToken", &s.token)]).as_bytes(),
        )
        .expect(201);
    let admin_cookie = signed
        .header("Set-Cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let forged_cookie = format!("sb_admin={}", "a".repeat(32));
    let mut cells = 0;
    let mut failures = Vec::new();
    for route in switchboard::http::api::routes() {
        let path = fill(route.pattern, &s.sid);
        let method = route.method.as_str();
        // Deleting with real credentials would remove the key this matrix uses; ask DELETE last.
        let form = [("Content-Type", "application/x-www-form-urlencoded")];
        let ask = |auth: Option<&str>| {
            let mut headers: Vec<(&str, &str)> = form.to_vec();
            if let Some(a) = auth {
                headers.push(("Authorization", a));
            }
            s.request(method, &path, &headers, b"")
        };
        let ask_cookie = |cookie: &str| {
            let headers = [form[0], ("Cookie", cookie)];
            s.request(method, &path, &headers, b"")
        };
        let mut check = |who: &str, status: u16, ok: bool| {
            cells += 1;
            if !ok || status == 500 {
                failures.push(format!("{method} {} as {who}: {status}", route.pattern));
            }
        };
        match route.access {
            Access::Account => {
                for (who, auth) in [
                    ("anonymous", None),
                    ("wrong token", Some(&wrong_token)),
                    ("wrong account", Some(&wrong_account)),
                ] {
                    let st = ask(auth.map(|a| a.as_str())).status;
                    check(who, st, st == 401);
                }
                // A forged session cookie is anonymous; a real one without the CSRF token may
                // read but not change anything.
                let st = ask_cookie(&forged_cookie).status;
                check("forged admin cookie", st, st == 401);
                if route.method != Method::Get {
                    let st = ask_cookie(&admin_cookie).status;
                    check("admin session without CSRF", st, st == 403);
                }
                if route.method == Method::Delete {
                    continue;
                }
                let as_key = ask(Some(&key_auth)).status;
                let as_account = ask(Some(&s.auth())).status;
                check("api key", as_key, as_key != 401 && as_key == as_account);
                check("account", as_account, as_account != 401);
                if route.method == Method::Get {
                    let as_admin = ask_cookie(&admin_cookie).status;
                    check("admin session", as_admin, as_admin == as_account);
                }
            }
            Access::Public => {
                let st = ask(None).status;
                check("anonymous", st, true);
            }
        }
    }
    println!("auth matrix: {cells} cells");
    assert!(
        failures.is_empty(),
        "auth matrix failures:\n{}",
        failures.join("\n")
    );
    s.request("GET", "/healthz", &[], b"").expect(200);
}

#[test]
fn injection_and_traversal_in_every_capture_get_nothing() {
    let s = TestServer::start();
    let attacks = [
        "' OR '1'='1",
        "WS0' UNION SELECT auth_token FROM accounts --",
        "../../../../etc/passwd",
        "..%2F..%2Fschema.sql",
        "%00",
        "\"; DROP TABLE accounts; --",
    ];
    let mut cells = 0;
    for route in switchboard::http::api::routes() {
        if !route.pattern.contains('{') || route.method != Method::Get {
            continue;
        }
        for attack in attacks {
            let mut path = String::new();
            let mut rest = route.pattern;
            while let Some(start) = rest.find('{') {
                path.push_str(&rest[..start]);
                let end = rest[start..].find('}').map(|e| start + e).unwrap();
                path.push_str(&enc(attack));
                rest = &rest[end + 1..];
            }
            path.push_str(rest);
            let r = s.get(&path);
            cells += 1;
            assert!(
                (400..500).contains(&r.status),
                "GET {} with {attack:?} answered {}: {}",
                route.pattern,
                r.status,
                r.text()
            );
            assert!(
                !r.text().contains(&s.token),
                "the token leaked through {}",
                route.pattern
            );
        }
    }
    for path in [
        "/static/../Cargo.toml",
        "/static/%2e%2e/schema.sql",
        "/static/..%2fsrc%2fmain.rs",
        "/admin/../schema.sql",
    ] {
        let r = s.request("GET", path, &[], b"");
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        cells += 1;
    }
    // The database is intact.
    s.get(&format!("{}.json", s.account_path())).expect(200);
    println!("injection matrix: {cells} cells");
}
