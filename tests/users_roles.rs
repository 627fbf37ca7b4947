//! Issue 17 item 4: console users and roles, and the audit log, over the real binary. The role
//! matrix asks every account route of the route table (so a new route is covered the day it is
//! added) as an admin user, a supervisor, an agent and a disabled user, next to the account's own
//! credentials; then invites, sessions, and the audit log's who / what / when.

mod common;
use common::*;
use serde_json::Value;
use switchboard::http::request::Method;
use switchboard::http::router::Access;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// A signed-in page session: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

fn cookie_of(r: &Resp) -> String {
    r.header("Set-Cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn sign_in(s: &TestServer, login: &str, password: &str) -> Session {
    let r = s
        .request(
            "POST",
            "/admin/api/session",
            &[FORM],
            form_encode(&[("Login", login), ("Password", password)]).as_bytes(),
        )
        .expect(201);
    Session {
        cookie: cookie_of(&r),
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
    }
}

/// A request with a page session (and its CSRF token).
fn with(s: &TestServer, who: &Session, method: &str, path: &str, params: &[(&str, &str)]) -> Resp {
    s.request(
        method,
        path,
        &[FORM, ("Cookie", &who.cookie), ("X-CSRF-Token", &who.csrf)],
        form_encode(params).as_bytes(),
    )
}

/// Invites a user as the account and returns the code from the invite link.
fn invite(
    s: &TestServer,
    login: &str,
    name: &str,
    role: &str,
    worker: Option<&str>,
) -> (String, String) {
    let mut params = vec![("Login", login), ("Name", name), ("Role", role)];
    if let Some(w) = worker {
        params.push(("WorkerSid", w));
    }
    let u = s.post("/admin/api/users", &params).expect(201).json();
    let url = u["invite_url"].as_str().unwrap();
    let code = url.rsplit_once("#invite/").unwrap().1.to_string();
    (u["sid"].as_str().unwrap().to_string(), code)
}

/// A user invited and signed up with `password` (the answer signs them in).
fn new_user(
    s: &TestServer,
    login: &str,
    name: &str,
    role: &str,
    password: &str,
) -> (String, Session) {
    let (sid, code) = invite(s, login, name, role, None);
    let r = s
        .request(
            "POST",
            &format!("/admin/api/invites/{code}"),
            &[FORM],
            form_encode(&[("Password", password)]).as_bytes(),
        )
        .expect(201);
    assert_eq!(r.json()["role"], role);
    let session = Session {
        cookie: cookie_of(&r),
        csrf: r.json()["csrf_token"].as_str().unwrap().to_string(),
    };
    (sid, session)
}

fn fill(pattern: &str, account_sid: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').unwrap();
        let name = &rest[start + 1..end];
        if name == "AccountSid" {
            out.push_str(account_sid);
        } else {
            out.push_str(&format!("ZZ{}", "0".repeat(32)));
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// What a supervisor may change: the floor's actions (the issue: an agent's activity, repairing
/// a stuck task, ending a stuck execution) and the reads that are POSTs.
const SUPERVISOR_CHANGES: &[(&str, &str)] = &[
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}/Repair"),
    ("POST", "/v2/Flows/{FlowSid}/Executions/{Sid}"),
    (
        "POST",
        "/v1/Workspaces/{WorkspaceSid}/TaskQueues/RealTimeStatistics",
    ),
    ("POST", "/v2/Flows/Validate"),
];

/// What only an admin may even read: credentials, users, the audit log.
fn admin_only(pattern: &str) -> bool {
    [
        "/Accounts",
        "/Keys",
        "/Credentials",
        "/admin/api/users",
        "/admin/api/audit",
        "/admin/api/session/unlock",
    ]
    .iter()
    .any(|f| pattern.contains(f))
}

#[test]
fn every_account_route_answers_each_role_as_expected() {
    let s = TestServer::start_with(&[("SWITCHBOARD_AUTH_FAILURES", "1000000")]);
    let (_, admin) = new_user(&s, "ada", "Ada Admin", "admin", "ada-password");
    let (_, sup) = new_user(&s, "sam", "Sam Supervisor", "supervisor", "sam-password");
    let (gone_sid, gone) = new_user(&s, "gil", "Gil Gone", "supervisor", "gil-password");
    s.post(
        &format!("/admin/api/users/{gone_sid}"),
        &[("Status", "disabled")],
    )
    .expect(200);
    // An agent user: a worker whose desk password the invite set.
    let ws = s.get("/v1/Workspaces").expect(200).json()["workspaces"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let w = s
        .post(
            &format!("/v1/Workspaces/{ws}/Workers"),
            &[("FriendlyName", "amy")],
        )
        .expect(201)
        .json();
    let (_, code) = invite(&s, "amy", "Amy Agent", "agent", w["sid"].as_str());
    let taken = s
        .request(
            "POST",
            &format!("/admin/api/invites/{code}"),
            &[FORM],
            b"Password=amy-password",
        )
        .expect(200)
        .json();
    assert_eq!(taken["sign_in_url"], "/agent");
    let a = s
        .request(
            "POST",
            "/agent/api/session",
            &[FORM],
            b"Worker=amy&Password=amy-password",
        )
        .expect(201);
    let agent = Session {
        cookie: cookie_of(&a),
        csrf: a.json()["csrf_token"].as_str().unwrap().to_string(),
    };

    let mut cells = 0;
    let mut failures = Vec::new();
    for route in switchboard::http::api::routes() {
        if route.access != Access::Account {
            continue;
        }
        let path = fill(route.pattern, &s.sid);
        let method = route.method.as_str();
        let mut check = |who: &str, r: &Resp, ok: bool| {
            cells += 1;
            if !ok || r.status == 500 {
                failures.push(format!(
                    "{method} {} as {who}: {} {}",
                    route.pattern,
                    r.status,
                    r.text()
                ));
            }
        };
        // Agents and disabled users reach no account route.
        let r = with(&s, &agent, method, &path, &[]);
        check("agent", &r, r.status == 401);
        let r = with(&s, &gone, method, &path, &[]);
        check("disabled user", &r, r.status == 401);
        if route.method == Method::Delete {
            // Never deletes anything real (the SIDs are made up), but never refused either.
            let r = with(&s, &admin, method, &path, &[]);
            check("admin user", &r, r.status != 401 && r.status != 403);
            let r = with(&s, &sup, method, &path, &[]);
            check("supervisor", &r, r.status == 403);
            continue;
        }
        let account = s.request(method, &path, &[FORM, ("Authorization", &s.auth())], b"");
        let r = with(&s, &admin, method, &path, &[]);
        check("admin user", &r, r.status == account.status);
        let r = with(&s, &sup, method, &path, &[]);
        let may =
            route.method == Method::Get || SUPERVISOR_CHANGES.contains(&(method, route.pattern));
        if admin_only(route.pattern) {
            check(
                "supervisor",
                &r,
                r.status == 403 && r.text().contains("Only an admin"),
            );
        } else if may {
            check("supervisor", &r, r.status == account.status);
        } else {
            check(
                "supervisor",
                &r,
                r.status == 403 && r.text().contains("supervisor cannot change"),
            );
        }
    }
    println!("role matrix: {cells} cells");
    assert!(
        failures.is_empty(),
        "role matrix failures:\n{}",
        failures.join("\n")
    );
    assert!(cells > 1000, "{cells}");
}

#[test]
fn invites_are_one_time_and_sessions_follow_the_user() {
    let s = TestServer::start();
    let (sid, code) = invite(&s, "Sue@Example.com", "Sue Park", "supervisor", None);
    // The invite says whom it is for; a made-up code is gone.
    let info = s
        .request("GET", &format!("/admin/api/invites/{code}"), &[], b"")
        .expect(200)
        .json();
    assert_eq!(info["name"], "Sue Park");
    assert_eq!(info["login"], "sue@example.com");
    s.request(
        "GET",
        &format!("/admin/api/invites/{}", "0".repeat(32)),
        &[],
        b"",
    )
    .expect(410);
    // Not signed up yet: no sign-in. A short password is refused and spends nothing.
    s.request(
        "POST",
        "/admin/api/session",
        &[FORM],
        b"Login=sue%40example.com&Password=whatever1",
    )
    .expect(401);
    let short = s.request(
        "POST",
        &format!("/admin/api/invites/{code}"),
        &[FORM],
        b"Password=short",
    );
    assert_eq!(short.status, 400, "{}", short.text());
    let taken = s.request(
        "POST",
        &format!("/admin/api/invites/{code}"),
        &[FORM],
        b"Password=sue-password",
    );
    assert_eq!(taken.status, 201, "{}", taken.text());
    // Used once: the link is gone.
    s.request(
        "POST",
        &format!("/admin/api/invites/{code}"),
        &[FORM],
        b"Password=other-password",
    )
    .expect(410);
    // The login is case-insensitive; the session survives a reload (GET session) with the role.
    let sue = sign_in(&s, "SUE@example.com", "sue-password");
    let me = s
        .request("GET", "/admin/api/session", &[("Cookie", &sue.cookie)], b"")
        .expect(200)
        .json();
    assert_eq!(me["role"], "supervisor");
    assert_eq!(me["name"], "Sue Park");
    assert_eq!(me["user_sid"], sid.as_str());
    s.request(
        "POST",
        "/admin/api/session",
        &[FORM],
        b"Login=sue%40example.com&Password=wrong-password",
    )
    .expect(401);
    // A supervisor is refused users and the audit log, with why.
    let r = with(&s, &sue, "GET", "/admin/api/users", &[]);
    assert_eq!(r.status, 403);
    assert!(r.text().contains("Only an admin"), "{}", r.text());
    // A role change ends the user's sessions (the new role applies at the next sign-in).
    s.post(&format!("/admin/api/users/{sid}"), &[("Role", "admin")])
        .expect(200);
    with(&s, &sue, "GET", "/v1/Workspaces", &[]).expect(401);
    let sue = sign_in(&s, "sue@example.com", "sue-password");
    with(&s, &sue, "GET", "/admin/api/users", &[]).expect(200);
    // Sign-out ends the session.
    with(&s, &sue, "DELETE", "/admin/api/session", &[]).expect(204);
    let after = s
        .request("GET", "/admin/api/session", &[("Cookie", &sue.cookie)], b"")
        .expect(200)
        .json();
    assert_eq!(after["signed_in"], false);
    // Disabled: no sign-in; enabled again: the same password works.
    s.post(
        &format!("/admin/api/users/{sid}"),
        &[("Status", "disabled")],
    )
    .expect(200);
    s.request(
        "POST",
        "/admin/api/session",
        &[FORM],
        b"Login=sue%40example.com&Password=sue-password",
    )
    .expect(401);
    s.post(&format!("/admin/api/users/{sid}"), &[("Status", "active")])
        .expect(200);
    sign_in(&s, "sue@example.com", "sue-password");
    // A second user cannot take the login; a bad role is a clear 400.
    let dup = s.post(
        "/admin/api/users",
        &[
            ("Login", "sue@example.com"),
            ("Name", "X"),
            ("Role", "admin"),
        ],
    );
    assert_eq!(dup.status, 409, "{}", dup.text());
    let bad = s.post(
        "/admin/api/users",
        &[("Login", "x1"), ("Name", "X"), ("Role", "owner")],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("Role"), "{}", bad.text());
    // An invite expires after a week of the injected clock.
    let (_, late) = invite(&s, "lee", "Lee Late", "supervisor", None);
    s.advance_clock(7 * 24 * 3600 * 1000 + 1);
    s.request("GET", &format!("/admin/api/invites/{late}"), &[], b"")
        .expect(410);
    // The account's own credentials still sign in as an admin (the first-run way in).
    let owner = s
        .request(
            "POST",
            "/admin/api/session",
            &[FORM],
            form_encode(&[("AccountSid", &s.sid), ("AuthToken", &s.token)]).as_bytes(),
        )
        .expect(201)
        .json();
    assert_eq!(owner["role"], "admin");
}

fn entries(s: &TestServer, query: &str) -> Vec<Value> {
    s.get(&format!("/admin/api/audit{query}"))
        .expect(200)
        .json()["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_audit_log_says_who_changed_what_and_when() {
    let s = TestServer::start();
    let at = 1_893_456_000_000; // 2030-01-01T00:00:00Z
    s.set_clock(at);
    let (ada_sid, ada) = new_user(&s, "ada", "Ada Admin", "admin", "ada-password");
    let (sam_sid, sam) = new_user(&s, "sam", "Sam Supervisor", "supervisor", "sam-password");
    let ws = s.get("/v1/Workspaces").expect(200).json()["workspaces"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let base = format!("/v1/Workspaces/{ws}");
    // Ada makes a queue, renames it, makes a workflow and a flow, publishes it, deletes the queue.
    let q = with(
        &s,
        &ada,
        "POST",
        &format!("{base}/TaskQueues"),
        &[("FriendlyName", "Billing")],
    )
    .expect(201)
    .json();
    let q_sid = q["sid"].as_str().unwrap().to_string();
    with(
        &s,
        &ada,
        "POST",
        &format!("{base}/TaskQueues/{q_sid}"),
        &[("FriendlyName", "Billing desk")],
    )
    .expect(200);
    let cfg = format!(r#"{{"task_routing":{{"default_filter":{{"queue":"{q_sid}"}}}}}}"#);
    let wf = with(
        &s,
        &ada,
        "POST",
        &format!("{base}/Workflows"),
        &[("FriendlyName", "Billing flow"), ("Configuration", &cfg)],
    )
    .expect(201)
    .json();
    let def = r#"{"description":"d","initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"states":[{"name":"Trigger","type":"trigger","properties":{"offset":{"x":0,"y":0}},"transitions":[]}]}"#;
    let flow = with(
        &s,
        &ada,
        "POST",
        "/v2/Flows",
        &[
            ("FriendlyName", "Greeting"),
            ("Status", "draft"),
            ("Definition", def),
        ],
    )
    .expect(201)
    .json();
    let flow_sid = flow["sid"].as_str().unwrap().to_string();
    with(
        &s,
        &ada,
        "POST",
        &format!("/v2/Flows/{flow_sid}"),
        &[("Status", "published"), ("Definition", def)],
    )
    .expect(200);
    with(
        &s,
        &ada,
        "DELETE",
        &format!("{base}/TaskQueues/{q_sid}"),
        &[],
    )
    .expect(204);
    // Sam puts a worker on, and is refused a flow edit: the refusal leaves no entry.
    let acts = s.get(&format!("{base}/Activities")).expect(200).json();
    let available = acts["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["friendly_name"] == "Available")
        .unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let w = s
        .post(&format!("{base}/Workers"), &[("FriendlyName", "Fiona")])
        .expect(201)
        .json();
    let w_sid = w["sid"].as_str().unwrap().to_string();
    s.advance_clock(60_000);
    with(
        &s,
        &sam,
        "POST",
        &format!("{base}/Workers/{w_sid}"),
        &[("ActivitySid", &available)],
    )
    .expect(200);
    let refused = with(
        &s,
        &sam,
        "POST",
        &format!("/v2/Flows/{flow_sid}"),
        &[("Status", "draft"), ("Definition", def)],
    );
    assert_eq!(refused.status, 403);
    assert!(
        refused.text().contains("cannot change flows"),
        "{}",
        refused.text()
    );
    let refused = with(
        &s,
        &sam,
        "POST",
        &format!("{base}/Workers/{w_sid}"),
        &[("Attributes", "{}")],
    );
    assert_eq!(
        refused.status, 403,
        "a supervisor changes an agent's activity, not its attributes"
    );

    let all = entries(&s, "");
    let lines: Vec<String> = all
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["actor_name"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["resource_name"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let expected = [
        "Sam Supervisor updated worker Fiona",
        "Account owner (Auth Token) created worker Fiona",
        "Ada Admin deleted queue Billing desk",
        "Ada Admin updated flow Greeting",
        "Ada Admin created flow Greeting",
        "Ada Admin created workflow Billing flow",
        "Ada Admin updated queue Billing desk",
        "Ada Admin created queue Billing",
        "Sam Supervisor joined user Sam Supervisor",
        "Account owner (Auth Token) invited user Sam Supervisor",
        "Ada Admin joined user Ada Admin",
        "Account owner (Auth Token) invited user Ada Admin",
    ];
    assert_eq!(lines, expected, "{all:#?}");
    // When: the injected clock's (which runs on from `set_clock` at the real pace, so a loaded
    // machine may add a few seconds); what: the fields sent, the new activity / status.
    let date = |i: usize| all[i]["date"].as_str().unwrap_or("").to_string();
    assert!(date(0).starts_with("2030-01-01T00:01:0"), "{}", date(0));
    assert!(date(2).starts_with("2030-01-01T00:00:0"), "{}", date(2));
    assert!(
        all[0]["details"]
            .as_str()
            .unwrap()
            .contains("activity → Available"),
        "{}",
        all[0]
    );
    assert!(
        all[3]["details"]
            .as_str()
            .unwrap()
            .contains("status → published"),
        "{}",
        all[3]
    );
    assert_eq!(all[2]["resource_sid"], q_sid.as_str());
    assert_eq!(all[5]["resource_sid"], wf["sid"]);
    assert!(
        !all.iter()
            .any(|e| e["details"].as_str().unwrap().contains("Billing flow")),
        "values are not logged"
    );
    // Filters: who, what, a word.
    let by_sam = entries(&s, &format!("?Who={sam_sid}"));
    assert_eq!(by_sam.len(), 2);
    let flows = entries(&s, "?What=flow");
    assert_eq!(flows.len(), 2);
    assert!(flows.iter().all(|e| e["resource_sid"] == flow_sid.as_str()));
    let billing = entries(&s, "?Text=billing");
    assert_eq!(billing.len(), 4, "{billing:#?}");
    let by_ada = entries(&s, &format!("?Who={ada_sid}&What=queue"));
    assert_eq!(by_ada.len(), 3);
    let actors = s.get("/admin/api/audit").expect(200).json()["actors"].clone();
    assert!(actors.to_string().contains("Sam Supervisor"), "{actors}");
    s.get("/admin/api/audit?What=spaceship").expect(400);
    // Paging: newest first, `Before` goes on.
    let page = s.get("/admin/api/audit?PageSize=5").expect(200).json();
    let next = page["next_before"].as_i64().unwrap();
    let rest = entries(&s, &format!("?PageSize=50&Before={next}"));
    assert_eq!(rest.len(), expected.len() - 5);
    // Users' own changes are there too, and an API key is named by its friendly name.
    s.post(
        &format!("/admin/api/users/{sam_sid}"),
        &[("Status", "disabled")],
    )
    .expect(200);
    let e = &entries(&s, "?What=user")[0];
    assert_eq!(e["details"], "status active → disabled");
    let key = s
        .post(
            &format!("{}/Keys.json", s.account_path()),
            &[("FriendlyName", "deploy")],
        )
        .expect(201)
        .json();
    let key_auth = basic(
        key["sid"].as_str().unwrap(),
        key["secret"].as_str().unwrap(),
    );
    s.request(
        "POST",
        &format!("{base}/Workers/{w_sid}"),
        &[FORM, ("Authorization", &key_auth)],
        b"FriendlyName=Fiona+G",
    )
    .expect(200);
    let e = &entries(&s, "?What=worker")[0];
    assert_eq!(e["actor_name"], "API key deploy");
    assert_eq!(e["resource_name"], "Fiona G");
    // A desk password names its worker (the answer has no name: the store's is used); the
    // default workspace's seeded queue, never audited before, is named when deleted.
    s.post(
        &format!("/admin/api/workers/{w_sid}/password"),
        &[("Password", "fiona-password")],
    )
    .expect(200);
    let e = &entries(&s, "?What=worker")[0];
    assert_eq!(e["resource_name"], "Fiona G");
    assert_eq!(e["details"], "Password");
    let seeded = s.get(&format!("{base}/TaskQueues")).expect(200).json()["task_queues"][0].clone();
    s.delete(&format!(
        "{base}/TaskQueues/{}",
        seeded["sid"].as_str().unwrap()
    ))
    .expect(204);
    let e = &entries(&s, "?What=queue")[0];
    assert_eq!(e["action"], "deleted");
    assert_eq!(e["resource_name"], seeded["friendly_name"]);
    let e = &entries(&s, "?What=setting")[0];
    assert_eq!(e["resource_name"], "deploy");
    assert!(e["details"].as_str().unwrap().starts_with("API key"), "{e}");
}
