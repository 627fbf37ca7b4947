//! Issue 9: the auth matrix over every route the server has (read from the route table, so a new
//! route is covered the day it is added). Each account route is asked anonymously, with a wrong
//! token, with a wrong account, with an API key and with the account's credentials; each public
//! route anonymously. Expected: 401 for the first three on account routes, the same answer for the
//! API key as for the account, and never a 500 anywhere. Agent sessions (own work vs another
//! agent's), web chat tokens (own chat vs another's) and carrier webhook signatures (valid,
//! invalid, missing; with and without a carrier token) have their own tables below.

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
    // Hundreds of wrong Basic credentials from one address: past the per-address limit they
    // would answer 429 (tests/signin_backoff.rs proves that); here each must be a 401.
    let s = TestServer::start_with(&[("SWITCHBOARD_AUTH_FAILURES", "1000000")]);
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

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// A signed-in agent desktop session: its cookie and CSRF token.
struct AgentSession {
    cookie: String,
    csrf: String,
}

fn default_workspace(s: &TestServer) -> String {
    s.get("/v1/Workspaces?FriendlyName=Flex%20Task%20Assignment")
        .expect(200)
        .json()["workspaces"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn sign_in_agent(s: &TestServer, name: &str, password: &str) -> AgentSession {
    let r = s
        .request(
            "POST",
            "/agent/api/session",
            &[FORM],
            form_encode(&[("Worker", name), ("Password", password)]).as_bytes(),
        )
        .expect(201);
    AgentSession {
        cookie: r
            .header("Set-Cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string(),
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
    }
}

/// A worker with a desktop password, signed in.
fn new_agent(s: &TestServer, ws: &str, name: &str) -> (String, AgentSession) {
    let w = s
        .post(
            &format!("/v1/Workspaces/{ws}/Workers"),
            &[("FriendlyName", name), ("Attributes", "{}")],
        )
        .expect(201)
        .json();
    let sid = w["sid"].as_str().unwrap().to_string();
    let pw = format!("{name}-password");
    s.post(
        &format!("/admin/api/workers/{sid}/password"),
        &[("Password", &pw)],
    )
    .expect(200);
    (sid, sign_in_agent(s, name, &pw))
}

/// A customer's web chat: conversation and token.
fn new_chat(s: &TestServer, name: &str) -> (String, String) {
    let r = s
        .request(
            "POST",
            "/webchat/start",
            &[FORM],
            form_encode(&[("FriendlyName", name), ("Body", "hello")]).as_bytes(),
        )
        .expect(201)
        .json();
    (
        r["conversation_sid"].as_str().unwrap().to_string(),
        r["token"].as_str().unwrap().to_string(),
    )
}

/// Who asks an agent or web chat route.
#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    /// A session cookie whose value was never issued.
    ForgedCookie,
    /// The admin page's session (not an agent's).
    Admin,
    /// The account's Basic credentials (not an agent's).
    Account,
    /// Agent A on A's own work.
    Own,
    /// Agent A on agent B's work.
    Other,
    /// Agent A's cookie without the CSRF token (changes only).
    OwnNoCsrf,
    /// Chat X's token on chat X.
    ChatOwn,
    /// Chat X's token on chat Y.
    ChatOther,
    /// Chat X's token in the `Token` query parameter on chat Y.
    ChatOtherQuery,
    /// A token no chat was given.
    ChatWrong,
    /// Agent A's session on a chat.
    AgentOnChat,
}

/// Issue 9's remaining columns: agent sessions (own work vs another agent's, and on account
/// routes), web chat tokens (own chat vs another's, and on everything else). Every cell has an
/// expected status; every agent and web chat route in the table must be listed here.
#[test]
fn agent_sessions_and_chat_tokens_open_only_their_own() {
    let s = TestServer::start();
    let ws = default_workspace(&s);
    let available = s
        .get(&format!(
            "/v1/Workspaces/{ws}/Activities?FriendlyName=Available"
        ))
        .expect(200)
        .json()["activities"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let (amy_sid, amy) = new_agent(&s, &ws, "amy");
    let (bob_sid, bob) = new_agent(&s, &ws, "bob");
    let agent_post = |a: &AgentSession, path: &str, params: &[(&str, &str)]| {
        s.request(
            "POST",
            path,
            &[FORM, ("Cookie", &a.cookie), ("X-CSRF-Token", &a.csrf)],
            form_encode(params).as_bytes(),
        )
    };
    let agent_get =
        |a: &AgentSession, path: &str| s.request("GET", path, &[("Cookie", &a.cookie)], b"");
    // Chat X is handed to amy, chat Y to bob (each accepts its own reservation).
    let wait = std::time::Duration::from_secs(20);
    let claim = |who: &AgentSession, conv: &str| -> (String, String) {
        agent_post(who, "/agent/api/activity", &[("ActivitySid", &available)]).expect(200);
        let item = wait_until(wait, || {
            let w = agent_get(who, "/agent/api/work").expect(200).json();
            w["reservations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["task"]["conversation_sid"] == conv)
                .cloned()
        });
        let rsv = item["sid"].as_str().unwrap().to_string();
        let task = item["task"]["sid"].as_str().unwrap().to_string();
        agent_post(
            who,
            &format!("/agent/api/reservations/{rsv}"),
            &[("ReservationStatus", "accepted")],
        )
        .expect(200);
        (rsv, task)
    };
    let (chat_x, token_x) = new_chat(&s, "Xavier");
    let (amy_rsv, amy_task) = claim(&amy, &chat_x);
    let (chat_y, token_y) = new_chat(&s, "Yvonne");
    let (bob_rsv, bob_task) = claim(&bob, &chat_y);
    assert_ne!(amy_task, bob_task);

    let admin = s
        .request(
            "POST",
            "/admin/api/session",
            &[FORM],
            form_encode(&[("AccountSid", &s.sid), ("AuthToken", &s.token)]).as_bytes(),
        )
        .expect(201);
    let admin_cookie = admin
        .header("Set-Cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let forged = format!("sb_agent={}", "a".repeat(32));

    // One request as `who` to `method pattern`, the captures filled with A's or B's SIDs.
    let ask = |method: &str, pattern: &str, who: Who| -> Resp {
        let (rsv, task, conv) = match who {
            Who::Other => (&bob_rsv, &bob_task, &chat_y),
            Who::ChatOther | Who::ChatOtherQuery => (&amy_rsv, &amy_task, &chat_y),
            _ => (&amy_rsv, &amy_task, &chat_x),
        };
        let mut path = pattern
            .replace("{ReservationSid}", rsv)
            .replace("{TaskSid}", task)
            .replace("{ConversationSid}", conv);
        let body: Vec<(&str, &str)> = match (method, pattern) {
            ("POST", "/agent/api/session") => vec![],
            ("POST", "/agent/api/activity") => vec![("ActivitySid", &available)],
            // Accepting an accepted reservation again: the agent's own reaches the state
            // machine (200: a repeated accept is idempotent, issue 22); another's is 404 like a
            // missing one.
            ("POST", p) if p.contains("{ReservationSid}") => {
                vec![("ReservationStatus", "accepted")]
            }
            ("POST", _) => vec![("Body", "matrix")],
            _ => vec![],
        };
        if method == "GET" && pattern.contains("messages") {
            path.push_str("?Wait=0");
        }
        if method == "GET" && pattern.ends_with("/updates") {
            path.push_str("?After=0&Wait=0");
        }
        let bearer_x = format!("Bearer {token_x}");
        let bearer_wrong = format!("Bearer {}", "0".repeat(32));
        let auth = s.auth();
        let mut headers: Vec<(&str, &str)> = vec![FORM];
        match who {
            Who::Anonymous => {}
            Who::ForgedCookie => headers.push(("Cookie", &forged)),
            Who::Admin => {
                headers.push(("Cookie", &admin_cookie));
            }
            Who::Account => headers.push(("Authorization", &auth)),
            Who::Own | Who::Other | Who::AgentOnChat => {
                headers.push(("Cookie", &amy.cookie));
                headers.push(("X-CSRF-Token", &amy.csrf));
            }
            Who::OwnNoCsrf => headers.push(("Cookie", &amy.cookie)),
            Who::ChatOwn | Who::ChatOther => headers.push(("Authorization", &bearer_x)),
            Who::ChatOtherQuery => {
                path.push_str(if path.contains('?') { "&" } else { "?" });
                path.push_str(&format!("Token={token_x}"));
            }
            Who::ChatWrong => headers.push(("Authorization", &bearer_wrong)),
        }
        s.request(method, &path, &headers, form_encode(&body).as_bytes())
    };

    use Who::*;
    let cookie_refused = [
        (Anonymous, 401),
        (ForgedCookie, 401),
        (Admin, 401),
        (Account, 401),
    ];
    let chat_refused = [(ChatOwn, 401), (ChatWrong, 401)];
    // (method, pattern) → the expected status of each asker.
    type Row = (&'static str, &'static str, Vec<(Who, u16)>);
    let mut table: Vec<Row> = vec![
        ("POST", "/agent/api/session", vec![(Anonymous, 400)]),
        (
            "GET",
            "/agent/api/session",
            vec![
                (Anonymous, 200),
                (ForgedCookie, 200),
                (Admin, 200),
                (Own, 200),
            ],
        ),
        (
            "DELETE",
            "/agent/api/session",
            vec![(Anonymous, 204), (ForgedCookie, 204)],
        ),
        (
            "POST",
            "/agent/api/activity",
            vec![(Own, 200), (OwnNoCsrf, 403)],
        ),
        ("GET", "/agent/api/work", vec![(Own, 200)]),
        ("GET", "/agent/api/updates", vec![(Own, 200)]),
        (
            "POST",
            "/agent/api/reservations/{ReservationSid}",
            vec![(Own, 200), (Other, 404), (OwnNoCsrf, 403)],
        ),
        (
            "GET",
            "/agent/api/tasks/{TaskSid}",
            vec![(Own, 200), (Other, 404)],
        ),
        (
            "GET",
            "/agent/api/tasks/{TaskSid}/messages",
            vec![(Own, 200), (Other, 404)],
        ),
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/messages",
            vec![(Own, 201), (Other, 404), (OwnNoCsrf, 403)],
        ),
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/typing",
            vec![(Own, 204), (Other, 404), (OwnNoCsrf, 403)],
        ),
        // A callback task's call back: only the agent holding it (the own task here is a chat,
        // no callback, so 404 too; tests/callbacks.rs covers the agent's own).
        (
            "GET",
            "/agent/api/tasks/{TaskSid}/callback",
            vec![(Own, 404), (Other, 404)],
        ),
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/callback",
            vec![(Own, 404), (Other, 404), (OwnNoCsrf, 403)],
        ),
        // Parking: only the agent holding the task (Own's task stays unparked for the rows
        // after; tests/park.rs parks for real).
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/park",
            vec![(Other, 404), (OwnNoCsrf, 403)],
        ),
        ("GET", "/agent/api/colleagues", vec![(Own, 200)]),
        // Writing first: the office's numbers; a start without its fields is a 400.
        ("GET", "/agent/api/outbound", vec![(Own, 200)]),
        (
            "POST",
            "/agent/api/outbound",
            vec![(Own, 400), (OwnNoCsrf, 403)],
        ),
        (
            "GET",
            "/agent/api/tasks/{TaskSid}/notes",
            vec![(Own, 200), (Other, 404)],
        ),
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/notes",
            vec![(Own, 201), (Other, 404), (OwnNoCsrf, 403)],
        ),
        (
            "GET",
            "/agent/api/tasks/{TaskSid}/customer",
            vec![(Own, 200), (Other, 404)],
        ),
        (
            "GET",
            "/agent/api/tasks/{TaskSid}/customer/{ConversationSid}/messages",
            vec![(Own, 200), (Other, 404)],
        ),
        ("GET", "/agent/api/canned", vec![(Own, 200)]),
        (
            "POST",
            "/agent/api/canned",
            vec![(Own, 400), (OwnNoCsrf, 403)],
        ),
        (
            "POST",
            "/agent/api/canned/{CannedId}",
            vec![(Own, 404), (OwnNoCsrf, 403)],
        ),
        (
            "DELETE",
            "/agent/api/canned/{CannedId}",
            vec![(Own, 404), (OwnNoCsrf, 403)],
        ),
        ("GET", "/agent/api/history", vec![(Own, 200)]),
        (
            "GET",
            "/agent/api/history/{TaskSid}/messages",
            vec![(Own, 200), (Other, 404)],
        ),
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/transfers",
            vec![(Own, 400), (Other, 404), (OwnNoCsrf, 403)],
        ),
        (
            "POST",
            "/agent/api/tasks/{TaskSid}/transfer",
            vec![(Own, 400), (Other, 404), (OwnNoCsrf, 403)],
        ),
        // Anyone may start a chat (rate-limited per address); the token it returns opens only it.
        ("POST", "/webchat/start", vec![(Anonymous, 201)]),
        // The office's opening hours are public (the chat page shows them before a chat).
        (
            "GET",
            "/webchat/hours",
            vec![(Anonymous, 200), (ChatOwn, 200)],
        ),
        // The greeting and pre-chat fields: the same for everyone.
        ("GET", "/webchat/config", vec![(Anonymous, 200)]),
    ];
    for row in table.iter_mut() {
        if row.1.starts_with("/agent/api/") && row.1 != "/agent/api/session" {
            row.2.extend(cookie_refused);
            row.2.extend(chat_refused);
        }
    }
    for (method, pattern) in [
        ("POST", "/webchat/{ConversationSid}/messages"),
        ("GET", "/webchat/{ConversationSid}/messages"),
        ("POST", "/webchat/{ConversationSid}/restart"),
        ("POST", "/webchat/{ConversationSid}/typing"),
    ] {
        let ok = if pattern.ends_with("/messages") && method == "POST" {
            201
        } else if pattern.ends_with("/typing") {
            204
        } else {
            200
        };
        table.push((
            method,
            pattern,
            vec![
                (ChatOwn, ok),
                (ChatOther, 403),
                (ChatOtherQuery, 403),
                (ChatWrong, 403),
                (Anonymous, 403),
                (AgentOnChat, 403),
                (Admin, 403),
                (Account, 403),
            ],
        ));
    }

    // Every agent and web chat route is in the table.
    let mut missing = Vec::new();
    for route in switchboard::http::api::routes() {
        if route.pattern.starts_with("/agent/api/") || route.pattern.starts_with("/webchat/") {
            let method = route.method.as_str();
            if !table
                .iter()
                .any(|(m, p, _)| *m == method && *p == route.pattern)
            {
                missing.push(format!("{method} {}", route.pattern));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without matrix rows: {missing:?}"
    );

    let mut cells = 0;
    let mut failures = Vec::new();
    for (method, pattern, expected) in &table {
        for (who, status) in expected {
            let r = ask(method, pattern, *who);
            cells += 1;
            if r.status != *status {
                failures.push(format!(
                    "{method} {pattern} as {who:?}: {} (expected {status}): {}",
                    r.status,
                    r.text()
                ));
                continue;
            }
            // What the 200s show is the asker's own.
            let text = r.text();
            if matches!(who, Own | ChatOwn) && r.status < 300 {
                for foreign in [&bob_sid, &bob_rsv, &bob_task, &chat_y] {
                    if text.contains(foreign.as_str()) {
                        failures.push(format!(
                            "{method} {pattern} as {who:?} shows {foreign}: {text}"
                        ));
                    }
                }
            }
            if matches!((method, *pattern, who), (&"GET", "/agent/api/session", Own)) {
                assert_eq!(r.json()["worker"]["sid"], amy_sid.as_str());
            }
            if matches!(who, Anonymous | ForgedCookie | Admin)
                && *pattern == "/agent/api/session"
                && *method == "GET"
            {
                assert_eq!(r.json()["signed_in"], false, "{who:?}");
            }
        }
    }
    let table_cells = cells;
    // The agent's work and its feed hold its own chat.
    let work = ask("GET", "/agent/api/work", Own).json();
    assert!(work.to_string().contains(&amy_task), "{work}");
    let feed = ask("GET", "/agent/api/updates", Own).json();
    assert!(feed.to_string().contains(&amy_sid), "{feed}");

    // An agent session, a chat token, and each with CSRF, are not the account: every account
    // route refuses them.
    let bearer_y = format!("Bearer {token_y}");
    for route in switchboard::http::api::routes() {
        if route.access != Access::Account {
            continue;
        }
        let path = fill(route.pattern, &s.sid);
        let method = route.method.as_str();
        for (who, headers) in [
            ("agent session", vec![FORM, ("Cookie", bob.cookie.as_str())]),
            (
                "agent session + CSRF",
                vec![
                    FORM,
                    ("Cookie", bob.cookie.as_str()),
                    ("X-CSRF-Token", bob.csrf.as_str()),
                ],
            ),
            (
                "web chat token",
                vec![FORM, ("Authorization", bearer_y.as_str())],
            ),
        ] {
            let r = s.request(method, &path, &headers, b"");
            cells += 1;
            if r.status != 401 {
                failures.push(format!(
                    "{method} {} as {who}: {} (expected 401)",
                    route.pattern, r.status
                ));
            }
        }
    }
    // A signed-out session opens nothing any more.
    let amy_again = sign_in_agent(&s, "amy", "amy-password");
    let out = s.request(
        "DELETE",
        "/agent/api/session",
        &[
            ("Cookie", &amy_again.cookie),
            ("X-CSRF-Token", &amy_again.csrf),
        ],
        b"",
    );
    assert_eq!(out.status, 204, "{}", out.text());
    let after = s.request(
        "GET",
        "/agent/api/work",
        &[("Cookie", &amy_again.cookie)],
        b"",
    );
    assert_eq!(after.status, 401, "{}", after.text());
    // amy's first session is still hers.
    ask("GET", "/agent/api/work", Own).expect(200);
    cells += 2;

    println!(
        "agent / web chat matrix: {cells} cells ({table_cells} on agent and chat routes, {} on account routes)",
        cells - table_cells - 2
    );
    assert!(
        failures.is_empty(),
        "agent / web chat matrix failures:\n{}",
        failures.join("\n")
    );
}

const CARRIER_TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    switchboard::http::auth::twilio_signature(token, url, &owned)
}

/// The carrier webhooks' column: a valid, invalid (garbage, another token's, another request's)
/// or missing `X-Twilio-Signature`. With `SWITCHBOARD_PROVIDER_TOKEN` set every signed route
/// answers 403 to all but the valid one and processes nothing; without a token (no carrier
/// configured, nothing to check against) every one is processed. The hold-music routes are
/// static TwiML and audio the carrier fetches unsigned; every `/webhooks/` route and the flow
/// webhook must be listed here.
#[test]
fn carrier_webhooks_check_the_signature_when_a_token_is_configured() {
    let mut cells = 0;
    let mut failures = Vec::new();
    for enforced in [true, false] {
        let env: &[(&str, &str)] = if enforced {
            &[("SWITCHBOARD_PROVIDER_TOKEN", CARRIER_TOKEN)]
        } else {
            &[]
        };
        let s = TestServer::start_with(env);
        let flow = s.get("/v2/Flows").expect(200).json()["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["friendly_name"] == "Messaging Flow")
            .unwrap()["sid"]
            .as_str()
            .unwrap()
            .to_string();
        let flow_path = format!("/v1/Accounts/{}/Flows/{flow}", s.sid);
        let sms = |n: usize| -> Vec<(String, String)> {
            vec![
                ("From".into(), format!("+1555000{n:04}")),
                ("To".into(), "+15550009999".into()),
                ("Body".into(), format!("hello {n}")),
                ("MessageSid".into(), format!("SM{n:032}")),
            ]
        };
        let call_status = vec![
            ("CallSid".to_string(), format!("CA{}", "1".repeat(32))),
            ("CallStatus".to_string(), "completed".to_string()),
        ];
        let msg_status = vec![
            ("MessageSid".to_string(), format!("SM{}", "2".repeat(32))),
            ("MessageStatus".to_string(), "delivered".to_string()),
        ];
        // (method, path, params, signed, answer when processed)
        type Row = (&'static str, String, Vec<(String, String)>, bool, u16);
        let table: Vec<Row> = vec![
            ("POST", "/webhooks/messaging".into(), sms(1), true, 200),
            (
                "POST",
                "/webhooks/messaging/status".into(),
                msg_status,
                true,
                204,
            ),
            (
                "POST",
                "/webhooks/voice/status".into(),
                call_status.clone(),
                true,
                200,
            ),
            // The carrier's progress of an Api 2010 call (an unknown one: ignored).
            (
                "POST",
                "/webhooks/calls/status".into(),
                call_status,
                true,
                204,
            ),
            ("POST", flow_path.clone(), sms(2), true, 200),
            ("POST", "/webhooks/voice/hold".into(), vec![], false, 200),
            // The hold offer's key and the voicemail's recording (an unknown call: a spoken
            // apology, nothing recorded).
            (
                "POST",
                "/webhooks/voice/callback".into(),
                vec![
                    ("CallSid".to_string(), format!("CA{}", "3".repeat(32))),
                    ("Digits".to_string(), "1".to_string()),
                ],
                true,
                200,
            ),
            (
                "POST",
                "/webhooks/voice/voicemail".into(),
                vec![
                    ("CallSid".to_string(), format!("CA{}", "3".repeat(32))),
                    (
                        "RecordingUrl".to_string(),
                        "https://carrier.example/RE1".to_string(),
                    ),
                ],
                true,
                200,
            ),
            ("GET", "/webhooks/voice/hold".into(), vec![], false, 200),
            (
                "GET",
                "/webhooks/voice/hold-music.wav".into(),
                vec![],
                false,
                200,
            ),
        ];
        for route in switchboard::http::api::routes() {
            let path = fill(route.pattern, &s.sid).replace(&format!("FW{}", "0".repeat(32)), &flow);
            let listed = table
                .iter()
                .any(|(m, p, ..)| *m == route.method.as_str() && *p == path);
            if (route.pattern.starts_with("/webhooks/")
                || route.pattern.contains("/Flows/{FlowSid}"))
                && route.access == Access::Public
                && !listed
            {
                failures.push(format!(
                    "{} {} has no row",
                    route.method.as_str(),
                    route.pattern
                ));
            }
        }
        let conversations = || {
            s.get("/v1/Conversations?PageSize=1000").expect(200).json()["conversations"]
                .as_array()
                .unwrap()
                .len()
        };
        let executions = || {
            s.get(&format!("/v2/Flows/{flow}/Executions?PageSize=1000"))
                .expect(200)
                .json()["executions"]
                .as_array()
                .unwrap()
                .len()
        };
        for (method, path, params, signed, ok) in &table {
            let url = format!("http://{}{path}", s.addr);
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let valid = signature(CARRIER_TOKEN, &url, &pairs);
            let other_token = signature(&"f".repeat(32), &url, &pairs);
            let mut tampered_params = pairs.clone();
            tampered_params.push(("Extra", "1"));
            let other_request = signature(CARRIER_TOKEN, &url, &tampered_params);
            let cases: [(&str, Option<&str>); 5] = [
                ("missing", None),
                ("garbage", Some("bm90IGEgc2lnbmF0dXJl")),
                ("another token's", Some(&other_token)),
                ("another request's", Some(&other_request)),
                ("valid", Some(&valid)),
            ];
            for (which, sig) in cases {
                let before = (conversations(), executions());
                let mut headers = vec![FORM];
                if let Some(sig) = sig {
                    headers.push(("X-Twilio-Signature", sig));
                }
                let body = if *method == "POST" {
                    form_encode(&pairs)
                } else {
                    String::new()
                };
                let r = s.request(method, path, &headers, body.as_bytes());
                cells += 1;
                let refused = enforced && *signed && which != "valid";
                let expected = if refused { 403 } else { *ok };
                if r.status != expected {
                    failures.push(format!(
                        "{method} {path} (token set: {enforced}) {which} signature: {} (expected {expected}): {}",
                        r.status,
                        r.text()
                    ));
                }
                if refused && (conversations(), executions()) != before {
                    failures.push(format!(
                        "{method} {path} {which} signature was refused but processed"
                    ));
                }
            }
        }
        // What was accepted was processed: with the token, exactly the two valid messages (one
        // through the SMS Flex Flow into the Messaging Flow, one straight into it); without it,
        // the unsigned ones too.
        let execs = executions();
        if (enforced && execs != 2) || (!enforced && execs <= 2) {
            failures.push(format!(
                "token set: {enforced}: {execs} flow executions after the webhooks"
            ));
        }
        assert!(conversations() >= 1, "the messaging webhook made nothing");
    }
    println!("carrier webhook signature matrix: {cells} cells");
    assert!(
        failures.is_empty(),
        "webhook signature failures:\n{}",
        failures.join("\n")
    );
}

/// Issue 19, findings 8 and 9: a 401 names its scheme, schemes are case-insensitive, every answer
/// says `nosniff`, and forwarding headers count only from a `--trust-proxy` peer (and then only
/// `http`/`https`).
#[test]
fn challenges_schemes_nosniff_and_trusted_forwarding() {
    let s = TestServer::start();
    let path = format!("{}.json", s.account_path());
    let r = s.request("GET", &path, &[], b"");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some("Basic realm=\"switchboard\"")
    );
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    // A page's script is not offered Basic (the browser would pop up a dialog).
    let r = s.request("GET", &path, &[("Sec-Fetch-Mode", "cors")], b"");
    assert_eq!(
        r.header("WWW-Authenticate"),
        Some("Session realm=\"switchboard\"")
    );
    let upper = s.auth().replacen("Basic", "BASIC", 1);
    let r = s
        .request("GET", &path, &[("Authorization", &upper)], b"")
        .expect(200);
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    let lower = s.auth().replacen("Basic", "basic", 1);
    s.request("GET", &path, &[("Authorization", &lower)], b"")
        .expect(200);
    // Loopback is a trusted proxy by default: https is believed, javascript is not.
    let hold = |s: &TestServer, proto: &str| {
        s.request(
            "GET",
            "/webhooks/voice/hold",
            &[("X-Forwarded-Proto", proto)],
            b"",
        )
        .expect(200)
        .text()
    };
    assert!(
        hold(&s, "https").contains("https://"),
        "{}",
        hold(&s, "https")
    );
    let t = hold(&s, "javascript");
    assert!(!t.contains("javascript:") && t.contains("http://"), "{t}");
    // A server that trusts another proxy ignores this peer's forwarding headers.
    let other = TestServer::start_with(&[("SWITCHBOARD_TRUST_PROXY", "10.9.9.9")]);
    let t = other
        .request(
            "GET",
            "/webhooks/voice/hold",
            &[
                ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "evil.example"),
            ],
            b"",
        )
        .expect(200)
        .text();
    assert!(
        !t.contains("https://") && !t.contains("evil.example"),
        "{t}"
    );
}
