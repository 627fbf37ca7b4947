//! Issue 17, item 3: reports over the real binary — `GET /admin/api/workspaces/{WS}/reports/…`
//! per day or hour of the office's time zone, per queue and per agent. The history is seeded with
//! the injected clock, frozen (`Freeze=true`) and set before each step, so every figure is known
//! by construction to the millisecond:
//!
//! | task | queue (SLA) | local (Europe/Paris) | answered after | then | ended |
//! |---|---|---|---|---|---|
//! | t1 | sales (30 s) | Dec 1 08:00 | 10 s, Alice | wrap-up after 300 s | 60 s later, `sold` |
//! | t2 | sales | Dec 1 09:00 | 60 s, Alice | wrap-up after 120 s | 30 s later, `info` |
//! | t3 | sales | Dec 1 10:00 | never | | canceled after 90 s |
//! | t4 | support (45 s) | Dec 1 08:30 | 20 s, Bob | completed after 240 s | |
//! | t5 | support | Dec 2 00:30 (Dec 1 23:30 UTC) | 100 s, Bob | wrap-up after 100 s | 100 s later, `sold` |
//! | t6 | sales | Dec 2 12:00 | still waiting | | |

mod common;
#[path = "common/taskrouter.rs"]
mod tr;
use common::*;
use tr::Tr;

/// 2026-12-01T00:00:00+01:00 (Paris midnight), in Unix ms.
const DEC1: i64 = 1_796_079_600_000;
const MIN: i64 = 60_000;
const H: i64 = 3_600_000;

struct Seeded<'a> {
    s: &'a TestServer,
    tr: Tr<'a>,
}

fn accept(tr: &Tr, task: &str) -> String {
    let r = tr.wait_reservation(task);
    let r = r["sid"].as_str().unwrap().to_string();
    tr.update_reservation(task, &r, &[("ReservationStatus", "accepted")])
        .expect(200);
    r
}

fn complete(s: &TestServer, tr: &Tr, task: &str, code: Option<&str>) {
    let mut p = vec![("AssignmentStatus", "completed")];
    if let Some(c) = code {
        p.push(("WrapupCode", c));
    }
    s.post(&tr.path(&format!("/Tasks/{task}")), &p).expect(200);
}

fn sid(v: &Value) -> String {
    v["sid"].as_str().unwrap().to_string()
}

fn seed(s: &TestServer) -> Seeded<'_> {
    s.set_clock(DEC1 - H);
    // Frozen, the clock moves only when the test moves it: every time below is exact.
    s.post("/__test/clock", &[("Freeze", "true")]).expect(200);
    let tr = Tr::new(s, "reports");
    let sales = tr.queue("sales", r#"team == "sales""#, &[]);
    let support = tr.queue("support", r#"team == "support""#, &[]);
    // The thresholds come from the Flex Configuration, as Flex's queue stats read them.
    let conf = json!({"queue_stats_configuration": {
        "default": {"service_level_threshold": 45},
        "queue_configurations": [{"queue_sid": sales, "service_level_threshold": 30}],
    }});
    s.request(
        "POST",
        "/flex-api/v1/Configuration",
        &[
            ("Authorization", &s.auth()),
            ("Content-Type", "application/json"),
        ],
        conf.to_string().as_bytes(),
    )
    .expect(200);
    let to_sales = tr.simple_workflow(&sales);
    let to_support = tr.simple_workflow(&support);
    tr.worker(
        "alice",
        json!({"team": "sales", "full_name": "Alice Smith"}),
    );
    tr.worker("bob", json!({"team": "support", "full_name": "Bob Jones"}));
    let at = |ms: i64| {
        s.set_clock(ms);
    };

    at(DEC1 + 8 * H);
    let t1 = sid(&tr.task(&to_sales, json!({"name": "one"}), &[]));
    at(DEC1 + 8 * H + 10_000);
    let r1 = accept(&tr, &t1);
    at(DEC1 + 8 * H + 310_000);
    tr.update_reservation(&t1, &r1, &[("ReservationStatus", "wrapping")])
        .expect(200);
    at(DEC1 + 8 * H + 370_000);
    complete(s, &tr, &t1, Some("sold"));

    at(DEC1 + 8 * H + 30 * MIN);
    let t4 = sid(&tr.task(&to_support, json!({"name": "four"}), &[]));
    at(DEC1 + 8 * H + 30 * MIN + 20_000);
    accept(&tr, &t4);
    at(DEC1 + 8 * H + 30 * MIN + 260_000);
    complete(s, &tr, &t4, None);

    at(DEC1 + 9 * H);
    let t2 = sid(&tr.task(&to_sales, json!({"name": "two"}), &[]));
    at(DEC1 + 9 * H + 60_000);
    let r2 = accept(&tr, &t2);
    at(DEC1 + 9 * H + 180_000);
    tr.update_reservation(&t2, &r2, &[("ReservationStatus", "wrapping")])
        .expect(200);
    at(DEC1 + 9 * H + 210_000);
    complete(s, &tr, &t2, Some("info"));

    at(DEC1 + 10 * H);
    let t3 = sid(&tr.task(&to_sales, json!({"name": "three"}), &[]));
    at(DEC1 + 10 * H + 90_000);
    s.post(
        &tr.path(&format!("/Tasks/{t3}")),
        &[("AssignmentStatus", "canceled")],
    )
    .expect(200);

    at(DEC1 + 24 * H + 30 * MIN);
    let t5 = sid(&tr.task(&to_support, json!({"name": "five"}), &[]));
    at(DEC1 + 24 * H + 30 * MIN + 100_000);
    let r5 = accept(&tr, &t5);
    at(DEC1 + 24 * H + 30 * MIN + 200_000);
    tr.update_reservation(&t5, &r5, &[("ReservationStatus", "wrapping")])
        .expect(200);
    at(DEC1 + 24 * H + 30 * MIN + 300_000);
    complete(s, &tr, &t5, Some("sold"));

    at(DEC1 + 36 * H);
    tr.task(&to_sales, json!({"name": "six"}), &[]);
    at(DEC1 + 36 * H + 1000);
    Seeded { s, tr }
}

impl Seeded<'_> {
    fn get(&self, what: &str, q: &str) -> Resp {
        self.s.get(&format!(
            "/admin/api/workspaces/{}/reports/{what}?{q}",
            self.tr.ws
        ))
    }

    fn report(&self, what: &str, q: &str) -> Value {
        self.get(what, q).expect(200).json()
    }
}

fn row<'v>(rows: &'v Value, name: &str) -> &'v Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {rows}"))
}

/// The figures of a queue row, in the order of the table in the issue.
fn figures(r: &Value) -> Value {
    json!([
        r["offered"],
        r["handled"],
        r["abandoned"],
        r["answered_within_sla"],
        r["service_level"],
        r["average_speed_of_answer"],
        r["average_handle_time"],
        r["average_wrapup_time"],
        r["wrapup_codes"],
    ])
}

const PARIS: &str = "TimeZone=Europe%2FParis";

#[test]
fn issue17_reports_per_day_per_queue_and_agent_are_exact() {
    let s = TestServer::start();
    let x = seed(&s);
    let r = x.report(
        "queues",
        &format!("Start=2026-12-01&End=2026-12-03&Interval=day&{PARIS}"),
    );
    assert_eq!(r["interval"], "day");
    assert_eq!(r["time_zone"], "Europe/Paris");
    let days = r["intervals"].as_array().unwrap();
    assert_eq!(days.len(), 2, "{r}");
    assert_eq!(days[0]["label"], "2026-12-01");
    assert_eq!(days[0]["start"], "2026-12-01T00:00:00+01:00");
    assert_eq!(days[1]["label"], "2026-12-02");

    let d1 = &days[0]["rows"];
    assert_eq!(
        figures(row(d1, "sales")),
        json!([3, 2, 1, 1, 33.3, 35.0, 255.0, 45.0,
            [{"code": "info", "tasks": 1}, {"code": "sold", "tasks": 1}]])
    );
    assert_eq!(row(d1, "sales")["sla_seconds"], 30);
    assert_eq!(
        figures(row(d1, "support")),
        json!([1, 1, 0, 1, 100.0, 20.0, 240.0, null, []])
    );
    assert_eq!(row(d1, "support")["sla_seconds"], 45);
    let d2 = &days[1]["rows"];
    assert_eq!(
        figures(row(d2, "sales")),
        json!([1, 0, 0, 0, 0.0, null, null, null, []])
    );
    assert_eq!(
        figures(row(d2, "support")),
        json!([1, 1, 0, 0, 0.0, 100.0, 200.0, 100.0, [{"code": "sold", "tasks": 1}]])
    );
    assert_eq!(
        figures(&days[0]["total"]),
        json!([4, 3, 1, 2, 50.0, 30.0, 250.0, 45.0,
            [{"code": "info", "tasks": 1}, {"code": "sold", "tasks": 1}]])
    );

    // The whole range: per queue, then overall.
    assert_eq!(
        figures(row(&r["rows"], "sales")),
        json!([4, 2, 1, 1, 25.0, 35.0, 255.0, 45.0,
            [{"code": "info", "tasks": 1}, {"code": "sold", "tasks": 1}]])
    );
    assert_eq!(
        figures(row(&r["rows"], "support")),
        json!([2, 2, 0, 1, 50.0, 60.0, 220.0, 100.0, [{"code": "sold", "tasks": 1}]])
    );
    assert_eq!(
        figures(&r["total"]),
        json!([6, 4, 1, 2, 33.3, 47.5, 237.5, 63.3,
            [{"code": "sold", "tasks": 2}, {"code": "info", "tasks": 1}]])
    );

    // Per agent: no offered or abandoned; the service level is over what they handled.
    let a = x.report(
        "agents",
        &format!("Start=2026-12-01&End=2026-12-03&{PARIS}"),
    );
    assert_eq!(
        figures(row(&a["rows"], "Alice Smith")),
        json!([null, 2, null, 1, 50.0, 35.0, 255.0, 45.0,
            [{"code": "info", "tasks": 1}, {"code": "sold", "tasks": 1}]])
    );
    assert_eq!(
        figures(row(&a["rows"], "Bob Jones")),
        json!([null, 2, null, 1, 50.0, 60.0, 220.0, 100.0, [{"code": "sold", "tasks": 1}]])
    );
    for r in a["rows"].as_array().unwrap() {
        assert!(!r["name"].as_str().unwrap().starts_with("WK"), "{r}");
    }

    // The floor judges today's service level against the same thresholds: t2, answered after
    // 60 s, is within Flex's default 60 s but not within sales' 30 s.
    let floor = s
        .get(&format!(
            "/admin/api/workspaces/{}/floor?Since={}",
            x.tr.ws,
            enc(&switchboard::clock::iso8601(DEC1))
        ))
        .expect(200)
        .json();
    let sales = row(&floor["queues"], "sales");
    assert_eq!(
        (
            &sales["sla_seconds"],
            &sales["answered_today"],
            &sales["answered_within_sla"]
        ),
        (&json!(30), &json!(2), &json!(1)),
        "{sales}"
    );
    assert_eq!(row(&floor["queues"], "support")["sla_seconds"], 45);

    // The office's days, not UTC's: in UTC t5 (23:30 UTC) is a task of December 1.
    let utc = x.report("queues", "Start=2026-12-01&End=2026-12-03&TimeZone=UTC");
    assert_eq!(row(&utc["intervals"][0]["rows"], "support")["offered"], 2);
    assert_eq!(row(&utc["intervals"][1]["rows"], "sales")["offered"], 1);
    assert!(utc["intervals"][1]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["name"] != "support"));
}

#[test]
fn issue17_reports_per_hour_and_csv_pages() {
    let s = TestServer::start();
    let x = seed(&s);
    let r = x.report(
        "queues",
        &format!("Start=2026-12-01T08:00&End=2026-12-01T11:00&Interval=hour&{PARIS}"),
    );
    let hours = r["intervals"].as_array().unwrap();
    let labels: Vec<&str> = hours.iter().map(|h| h["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["2026-12-01 08:00", "2026-12-01 09:00", "2026-12-01 10:00"]
    );
    assert_eq!(hours[0]["total"]["offered"], 2);
    assert_eq!(hours[0]["total"]["handled"], 2);
    assert_eq!(
        row(&hours[1]["rows"], "sales")["average_speed_of_answer"],
        60.0
    );
    assert_eq!(
        figures(row(&hours[2]["rows"], "sales")),
        json!([1, 0, 1, 0, 0.0, null, null, null, []])
    );

    // CSV: names, never SIDs; one row per interval and queue with figures.
    let csv = x
        .get(
            "queues.csv",
            &format!("Start=2026-12-01&End=2026-12-03&{PARIS}"),
        )
        .expect(200);
    assert!(csv.header("Content-Type").unwrap().starts_with("text/csv"));
    assert!(csv.header("X-Next-Start").is_none());
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("Interval start,Interval,Queue,Offered,Handled,Abandoned"));
    assert_eq!(
        lines[1],
        "2026-12-01T00:00:00+01:00,2026-12-01,sales,3,2,1,1,33.3,30,35.0,255.0,45.0,info: 1; sold: 1"
    );
    assert_eq!(
        lines[4],
        "2026-12-02T00:00:00+01:00,2026-12-02,support,1,1,0,0,0.0,45,100.0,200.0,100.0,sold: 1"
    );
    assert!(!text.contains("WQ"), "{text}");
    let agents = x
        .get(
            "agents.csv",
            &format!("Start=2026-12-01&End=2026-12-03&{PARIS}"),
        )
        .expect(200)
        .text();
    assert!(
        agents.contains(",Alice Smith,,2,,1,50.0,,35.0,255.0,45.0,"),
        "{agents}"
    );

    // A long hourly range comes a page (a week of hours) at a time.
    let first = x
        .get(
            "queues.csv",
            &format!("Start=2026-12-01&End=2026-12-10&Interval=hour&{PARIS}"),
        )
        .expect(200);
    assert_eq!(first.header("X-Next-Start"), Some("2026-12-08T00:00"));
    assert_eq!(first.text().lines().count(), 1 + 6, "{}", first.text());
    let second = x
        .get(
            "queues.csv",
            &format!("Start=2026-12-08T00:00&End=2026-12-10&Interval=hour&Header=false&{PARIS}"),
        )
        .expect(200);
    assert!(second.header("X-Next-Start").is_none());
    assert_eq!(second.text(), "");
}

#[test]
fn issue17_bad_report_ranges_answer_400_with_the_parameter() {
    let s = TestServer::start();
    let x = seed(&s);
    let cases: [(&str, &str, &[&str]); 9] = [
        (
            "Start=2026-12-03&End=2026-12-01",
            "End",
            &["reversed", "2026-12-01T00:00", "2026-12-03T00:00"],
        ),
        ("Start=2026-12-01&End=2026-12-01", "End", &["empty"]),
        (
            "Start=2026-12-01T10:00&End=2026-12-01T10:00&Interval=hour",
            "End",
            &["empty"],
        ),
        ("End=2026-12-01", "Start", &["required"]),
        ("Start=yesterday&End=2026-12-01", "Start", &["yesterday"]),
        (
            "Start=2026-12-01&End=2026-12-02&Interval=week",
            "Interval",
            &["week"],
        ),
        (
            "Start=2026-12-01&End=2026-12-02&TimeZone=Mars%2FOlympus",
            "TimeZone",
            &["Mars/Olympus"],
        ),
        (
            "Start=2026-12-01T10:07&End=2026-12-02",
            "Start",
            &["quarter hour"],
        ),
        (
            "Start=2026-01-01&End=2026-12-31&Interval=hour",
            "End",
            &["1000", "Interval=day"],
        ),
    ];
    for (q, param, words) in cases {
        for what in ["queues", "agents.csv"] {
            if what.ends_with(".csv") && q.contains("2026-01-01") {
                continue;
            }
            let e = x.get(what, q).expect_error(400);
            assert_eq!(e["code"], 20001, "{q}: {e}");
            let m = e["message"].as_str().unwrap();
            assert!(
                m.starts_with(&format!("Invalid parameter {param}")),
                "{q}: {m}"
            );
            for w in words {
                assert!(m.replace(',', "").contains(w), "{q}: {m}");
            }
        }
    }
    // The CSV takes any range (it pages), so only the JSON refuses a year of hours.
    x.get(
        "queues.csv",
        "Start=2026-01-01&End=2026-12-31&Interval=hour",
    )
    .expect(200);
}
