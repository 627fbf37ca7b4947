//! Issue 16 item 4: the office's time zone, a setting of the console (`/admin/api/office`, kept in
//! the Flex Configuration's `ui_attributes.time_zone`), over the real binary: unset at first, an
//! unknown zone refused with what to do, the tzdb's spelling kept, carried by the console's and
//! the desk's sessions, audited, and the other UI attributes left alone. Item 3: the queue form's
//! preview of the workers a target expression matches (the Workers list's
//! `TargetWorkersExpression`, the evaluator a queue routes with) agrees with where a task goes.

mod common;
use common::*;
use serde_json::Value;

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn cookie_of(r: &Resp) -> String {
    let c = r.header("Set-Cookie").unwrap();
    c.split(';').next().unwrap().to_string()
}

/// A console user invited by the account and signed in: (cookie, CSRF token).
fn user(s: &TestServer, login: &str, role: &str) -> (String, String) {
    let u = s
        .post(
            "/admin/api/users",
            &[("Login", login), ("Name", login), ("Role", role)],
        )
        .expect(201)
        .json();
    let code = u["invite_url"]
        .as_str()
        .unwrap()
        .rsplit_once("#invite/")
        .unwrap()
        .1
        .to_string();
    // Taking up the invite signs them in.
    let r = s
        .request(
            "POST",
            &format!("/admin/api/invites/{code}"),
            &[FORM],
            b"Password=a-long-password",
        )
        .expect(201);
    (
        cookie_of(&r),
        r.json()["csrf_token"].as_str().unwrap().to_string(),
    )
}

fn set_zone(s: &TestServer, who: &(String, String), zone: &str) -> Resp {
    s.request(
        "POST",
        "/admin/api/office",
        &[FORM, ("Cookie", &who.0), ("X-CSRF-Token", &who.1)],
        form_encode(&[("TimeZone", zone)]).as_bytes(),
    )
}

#[test]
fn the_office_time_zone_is_checked_kept_served_and_audited() {
    let s = TestServer::start();
    let office = s.get("/admin/api/office").expect(200).json();
    assert_eq!(office["time_zone"], Value::Null, "{office}");
    assert_eq!(office["time_zone_set"], false);

    // An unknown zone: a 400 that names the field and says what to give; nothing is stored.
    let ada = user(&s, "ada", "admin");
    let e = set_zone(&s, &ada, "Mars/Olympus_Mons").expect_error(400);
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("TimeZone")
            && m.contains("Mars/Olympus_Mons")
            && m.contains("choose one from the list"),
        "{m}"
    );
    let e = set_zone(&s, &ada, "  ").expect_error(400);
    assert!(
        e["message"].as_str().unwrap().contains("Europe/Paris"),
        "{e}"
    );
    assert_eq!(
        s.get("/admin/api/office").expect(200).json()["time_zone_set"],
        false
    );

    // The web chat's greeting, another UI attribute, survives the zone being set.
    s.post(
        "/flex-api/v1/Configuration",
        &[("ui_attributes", r#"{"webchat":{"greeting":"Hello there"}}"#)],
    )
    .expect(200);
    // Typed in any case, kept as the tzdb spells it.
    let r = set_zone(&s, &ada, "america/new_york").expect(200).json();
    assert_eq!(r["time_zone"], "America/New_York", "{r}");
    assert_eq!(r["time_zone_set"], true);
    let cfg = s.get("/flex-api/v1/Configuration").expect(200).json();
    assert_eq!(cfg["ui_attributes"]["time_zone"], "America/New_York");
    assert_eq!(cfg["ui_attributes"]["webchat"]["greeting"], "Hello there");
    // Through Flex's own Configuration an unknown zone is refused the same way.
    let e = s
        .post(
            "/flex-api/v1/Configuration",
            &[("ui_attributes", r#"{"time_zone":"Nowhere/Town"}"#)],
        )
        .expect_error(400);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("ui_attributes.time_zone"),
        "{e}"
    );
    assert_eq!(
        s.get("/admin/api/office").expect(200).json()["time_zone"],
        "America/New_York"
    );

    // Both pages' sessions carry it.
    let admin_session = s
        .request("GET", "/admin/api/session", &[("Cookie", &ada.0)], b"")
        .expect(200)
        .json();
    assert_eq!(admin_session["time_zone"], "America/New_York");
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
    let wsid = w["sid"].as_str().unwrap();
    s.post(
        &format!("/admin/api/workers/{wsid}/password"),
        &[("Password", "amy-password")],
    )
    .expect(200);
    let desk = s
        .request(
            "POST",
            "/agent/api/session",
            &[FORM],
            b"Worker=amy&Password=amy-password",
        )
        .expect(201)
        .json();
    assert_eq!(desk["time_zone"], "America/New_York", "{desk}");

    // A supervisor reads it and cannot change it.
    let sam = user(&s, "sam", "supervisor");
    let r = s
        .request("GET", "/admin/api/office", &[("Cookie", &sam.0)], b"")
        .expect(200)
        .json();
    assert_eq!(r["time_zone"], "America/New_York");
    let e = set_zone(&s, &sam, "Europe/Paris").expect_error(403);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("supervisor cannot change settings"),
        "{e}"
    );

    // The change is in the audit log: who, what, and the zone chosen.
    let log = s.get("/admin/api/audit?What=setting").expect(200).json();
    let e = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["details"]
                .as_str()
                .unwrap_or("")
                .contains("Office time zone")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no entry: {log}"));
    assert_eq!(e["actor_name"], "ada", "{e}");
    assert_eq!(e["action"], "updated", "{e}");
    assert!(
        e["details"]
            .as_str()
            .unwrap()
            .contains("time zone → America/New_York"),
        "{e}"
    );
}

#[test]
fn the_queue_preview_names_the_workers_a_task_of_the_queue_goes_to() {
    let s = TestServer::start();
    let ws = s.get("/v1/Workspaces").expect(200).json()["workspaces"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let base = format!("/v1/Workspaces/{ws}");
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
    for (name, attrs) in [
        (
            "ana",
            r#"{"routing":{"skills":["billing"]},"languages":["es"],"level":3,"full_name":"Ana Diaz"}"#,
        ),
        (
            "ben",
            r#"{"routing":{"skills":["billing","sales"]},"languages":["en"],"level":5}"#,
        ),
        (
            "cy",
            r#"{"routing":{"skills":["sales"]},"languages":["es","en"],"level":1}"#,
        ),
    ] {
        s.post(
            &format!("{base}/Workers"),
            &[("FriendlyName", name), ("Attributes", attrs)],
        )
        .expect(201);
    }
    // What the queue form's builder writes: skills AND (languages OR level).
    let expr = r#"routing.skills HAS "billing" AND (languages HAS "es" OR level >= 5)"#;
    let preview = s
        .get(&format!(
            "{base}/Workers?TargetWorkersExpression={}",
            enc(expr)
        ))
        .expect(200)
        .json();
    let mut names: Vec<&str> = preview["workers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["friendly_name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ana", "ben"]);
    // An expression being typed: the evaluator's own message, with where it stopped.
    let e = s
        .get(&format!(
            "{base}/Workers?TargetWorkersExpression={}",
            enc(r#"routing.skills HAS"#)
        ))
        .expect_error(400);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("not a valid expression"),
        "{e}"
    );

    // The queue with that expression: a task goes to a worker the preview named.
    let q = s
        .post(
            &format!("{base}/TaskQueues"),
            &[("FriendlyName", "Billing"), ("TargetWorkers", expr)],
        )
        .expect(201)
        .json();
    let cfg = format!(
        r#"{{"task_routing":{{"default_filter":{{"queue":"{}"}}}}}}"#,
        q["sid"].as_str().unwrap()
    );
    let wf = s
        .post(
            &format!("{base}/Workflows"),
            &[("FriendlyName", "Billing only"), ("Configuration", &cfg)],
        )
        .expect(201)
        .json();
    let cy = s
        .get(&format!("{base}/Workers?FriendlyName=cy"))
        .expect(200)
        .json()["workers"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let ben = s
        .get(&format!("{base}/Workers?FriendlyName=ben"))
        .expect(200)
        .json()["workers"][0]["sid"]
        .as_str()
        .unwrap()
        .to_string();
    // Only cy (not matched) and ben are available: ben gets it.
    for w in [&cy, &ben] {
        s.post(
            &format!("{base}/Workers/{w}"),
            &[("ActivitySid", &available)],
        )
        .expect(200);
    }
    let t = s
        .post(
            &format!("{base}/Tasks"),
            &[
                ("WorkflowSid", wf["sid"].as_str().unwrap()),
                ("Attributes", r#"{"topic":"invoice"}"#),
            ],
        )
        .expect(201)
        .json();
    let res = wait_until(std::time::Duration::from_secs(5), || {
        let r = s
            .get(&format!(
                "{base}/Tasks/{}/Reservations",
                t["sid"].as_str().unwrap()
            ))
            .expect(200)
            .json();
        r["reservations"].as_array().unwrap().first().cloned()
    });
    assert_eq!(res["worker_sid"].as_str().unwrap(), ben, "{res}");
}
