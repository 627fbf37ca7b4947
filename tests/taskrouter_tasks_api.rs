//! Issue 18, item 3: the Task resource's versioning and ordering as Twilio defines them —
//! `ETag` on create / fetch / update and `If-Match` on update and delete (412 on a stale
//! version), `Ordering` with several keys, `VirtualStartTime` ordering the queue, and
//! `EvaluateTaskAttributes` paging without reading the whole backlog.

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

fn post_with(
    s: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
    params: &[(&str, &str)],
) -> Resp {
    let body = form_encode(params);
    let mut h = vec![
        ("Authorization", s.auth()),
        (
            "Content-Type",
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    h.extend(headers.iter().map(|(k, v)| (*k, v.to_string())));
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.request("POST", path, &h, body.as_bytes())
}

fn etag(r: &Resp) -> String {
    r.header("ETag").expect("an ETag header").to_string()
}

#[test]
fn if_match_refuses_an_update_made_on_a_stale_version() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "etag");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let created = s.post(
        &tr.path("/Tasks"),
        &[("WorkflowSid", &wf), ("Attributes", r#"{"n":1}"#)],
    );
    let first = etag(&created);
    let t = created.expect(201).json()["sid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = tr.path(&format!("/Tasks/{t}"));
    assert_eq!(etag(&s.get(&path)), first);

    // Two back offices read version `first`; the first update wins and moves the version on.
    let ok = post_with(
        &s,
        &path,
        &[("If-Match", &first)],
        &[("Attributes", r#"{"n":2}"#)],
    );
    let second = etag(&ok);
    assert_ne!(second, first);
    ok.expect(200);
    let stale = post_with(
        &s,
        &path,
        &[("If-Match", &first)],
        &[("Attributes", r#"{"n":3}"#)],
    )
    .expect_error(412);
    assert!(
        stale["message"].as_str().unwrap().contains("changed"),
        "{stale}"
    );
    let now = s.get(&path).expect(200).json();
    assert_eq!(
        now["attributes"], r#"{"n":2}"#,
        "a stale update wrote: {now}"
    );
    // Without If-Match the update goes through, as Twilio does; the ETag follows.
    let r = s.post(&path, &[("Priority", "5")]);
    assert_ne!(etag(&r), second);
    // Delete checks it too.
    let d = s.request(
        "DELETE",
        &path,
        &[("Authorization", &s.auth()), ("If-Match", &second)],
        b"",
    );
    assert_eq!(d.status, 412);
    let current = etag(&s.get(&path));
    let d = s.request(
        "DELETE",
        &path,
        &[("Authorization", &s.auth()), ("If-Match", &current)],
        b"",
    );
    assert_eq!(d.status, 204);
}

fn sids(v: &Value) -> Vec<String> {
    v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["sid"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ordering_takes_several_keys_and_virtual_start_time_keeps_a_callers_place() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "ordering");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let mk = |prio: &str, extra: &[(&str, &str)]| -> String {
        let mut p = vec![("Priority", prio)];
        p.extend_from_slice(extra);
        tr.task(&wf, json!({}), &p)["sid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = mk("1", &[]);
    let b = mk("5", &[]);
    let c = mk("1", &[]);
    // A callback for a caller who first called an hour ago.
    let hour_ago = "2020-01-01T00:00:00Z";
    let cb = s
        .post(
            &tr.path("/Tasks"),
            &[
                ("WorkflowSid", &wf),
                ("Attributes", r#"{"type":"callback"}"#),
                ("Priority", "1"),
                ("VirtualStartTime", hour_ago),
            ],
        )
        .expect(201)
        .json();
    assert_eq!(cb["virtual_start_time"], hour_ago, "{cb}");
    let cb = cb["sid"].as_str().unwrap().to_string();

    let list = |o: &str| {
        sids(
            &s.get(&tr.path(&format!("/Tasks?Ordering={}", enc(o))))
                .expect(200)
                .json(),
        )
    };
    assert_eq!(
        list("Priority:desc,DateCreated:asc"),
        [b.clone(), a.clone(), c.clone(), cb.clone()]
    );
    assert_eq!(
        list("Priority:desc,VirtualStartTime:asc"),
        [b.clone(), cb.clone(), a.clone(), c.clone()]
    );
    assert_eq!(
        list("DateCreated:desc"),
        [cb.clone(), c.clone(), b.clone(), a.clone()]
    );
    assert_eq!(
        list("VirtualStartTime:asc,Priority:desc"),
        [cb.clone(), a.clone(), b.clone(), c.clone()]
    );
    for bad in [
        "Colour:asc",
        "Priority:sideways",
        "DateCreated:asc,VirtualStartTime:desc",
    ] {
        s.get(&tr.path(&format!("/Tasks?Ordering={}", enc(bad))))
            .expect_error(400);
    }
    s.post(
        &tr.path("/Tasks"),
        &[
            ("WorkflowSid", &wf),
            ("VirtualStartTime", "2999-01-01T00:00:00Z"),
        ],
    )
    .expect_error(400);
    s.post(
        &tr.path("/Tasks"),
        &[("WorkflowSid", &wf), ("VirtualStartTime", "yesterday")],
    )
    .expect_error(400);

    // In the queue: same priority, so the callback (started an hour ago) goes before a and c;
    // b's higher priority still goes first.
    let w = tr.worker("agent", json!({}));
    let mut order = Vec::new();
    for _ in 0..4 {
        let r = wait_until(std::time::Duration::from_secs(10), || {
            tr.reservations_of_worker(&w, "pending").into_iter().next()
        });
        let task = r["task_sid"].as_str().unwrap().to_string();
        let res = r["sid"].as_str().unwrap();
        tr.update_reservation(&task, res, &[("ReservationStatus", "accepted")])
            .expect(200);
        s.post(
            &tr.path(&format!("/Tasks/{task}")),
            &[("AssignmentStatus", "wrapping")],
        )
        .expect(200);
        s.post(
            &tr.path(&format!("/Tasks/{task}")),
            &[("AssignmentStatus", "completed")],
        )
        .expect(200);
        order.push(task);
    }
    assert_eq!(order, [b, cb, a, c]);
}

#[test]
fn evaluate_task_attributes_pages_through_matches() {
    let s = TestServer::start();
    let tr = Tr::new(&s, "evaluate");
    let q = tr.queue("q", "1==1", &[]);
    let wf = tr.simple_workflow(&q);
    let mut big = Vec::new();
    for n in 0..30 {
        let t = tr.task(&wf, json!({"n": n}), &[]);
        if n >= 10 {
            big.push(t["sid"].as_str().unwrap().to_string());
        }
    }
    let mut seen = Vec::new();
    let mut next = Some(tr.path(&format!(
        "/Tasks?PageSize=7&EvaluateTaskAttributes={}",
        enc("n >= 10")
    )));
    while let Some(path) = next {
        let v = s.get(&path).expect(200).json();
        let page = sids(&v);
        assert!(page.len() <= 7);
        seen.extend(page);
        next = v["meta"]["next_page_url"].as_str().map(|u| {
            u.split_once("/v1/")
                .map(|(_, p)| format!("/v1/{p}"))
                .unwrap()
        });
    }
    assert_eq!(seen, big);
    s.get(&tr.path(&format!("/Tasks?EvaluateTaskAttributes={}", enc("n >= "))))
        .expect_error(400);
}
