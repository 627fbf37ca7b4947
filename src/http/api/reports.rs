//! Reports for the console (issue 17 item 3, `routing::reports`), with the admin session or
//! account credentials like the floor:
//! - `GET /admin/api/workspaces/{WS}/reports/queues` and `…/reports/agents` — per interval and
//!   per queue or agent, as JSON (at most `routing::reports::MAX_BUCKETS` intervals);
//! - `GET …/reports/queues.csv` and `…/reports/agents.csv` — the same as CSV, a page of at most
//!   `CSV_PAGE` intervals per request whatever the range, so a year by hour never sits in memory
//!   at once; `X-Next-Start` says where the next page starts (the page asks for each in turn).
//!
//! Parameters: `Start` and `End` (local `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, `End` exclusive),
//! `TimeZone` (IANA, default UTC), `Interval` (`day`, the default, or `hour`).

use crate::http::api::taskrouter::workspace;
use crate::http::api::transcripts::csv_field;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::reports::{self, By, Interval, Range, Report};
use serde_json::{json, Value};

/// Intervals per CSV page (a week of hours, most of a year of days).
pub const CSV_PAGE: usize = 168;

pub fn routes() -> Vec<Route> {
    let a = Access::Account;
    vec![
        Route::new(
            Method::Get,
            "/admin/api/workspaces/{WorkspaceSid}/reports/queues",
            a,
            queues,
        ),
        Route::new(
            Method::Get,
            "/admin/api/workspaces/{WorkspaceSid}/reports/agents",
            a,
            agents,
        ),
        Route::new(
            Method::Get,
            "/admin/api/workspaces/{WorkspaceSid}/reports/queues.csv",
            a,
            queues_csv,
        ),
        Route::new(
            Method::Get,
            "/admin/api/workspaces/{WorkspaceSid}/reports/agents.csv",
            a,
            agents_csv,
        ),
    ]
}

fn param<'r>(req: &'r Req, name: &str) -> &'r str {
    req.query.get(name).unwrap_or("")
}

fn range(req: &Req, limit: usize) -> Result<Range, ApiError> {
    let interval = match param(req, "Interval") {
        "" => Interval::Day,
        v => Interval::parse(v)
            .ok_or_else(|| ApiError::bad_param("Interval", format!("{v:?} is not day or hour")))?,
    };
    let r = reports::range(
        param(req, "Start"),
        param(req, "End"),
        interval,
        param(req, "TimeZone"),
        limit,
    )?;
    Ok(r)
}

fn report(app: &App, req: &Req, by: By, limit: usize) -> Result<Report, ApiError> {
    let ws = workspace(app, req)?;
    let r = range(req, limit)?;
    if limit == reports::MAX_BUCKETS && r.next.is_some() {
        return Err(ApiError::bad_param(
            "End",
            format!(
                "the range has more than {} intervals of an {}; choose Interval=day or a shorter range (the CSV export takes any range)",
                reports::MAX_BUCKETS,
                r.interval.as_str()
            ),
        ));
    }
    Ok(app.store.read(|c| reports::report(c, &ws.sid, by, r))?)
}

fn json_reply(app: &App, req: &Req, by: By) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let r = report(app, req, by, reports::MAX_BUCKETS)?;
    Ok(Reply::ok(r.to_json(&ws.sid))
        .with_header("Cache-Control", "no-store")
        .into())
}

fn queues(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    json_reply(app, req, By::Queue)
}

fn agents(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    json_reply(app, req, By::Agent)
}

/// The CSV's columns: the key in a row's JSON and the heading.
const COLUMNS: [(&str, &str); 10] = [
    ("offered", "Offered"),
    ("handled", "Handled"),
    ("abandoned", "Abandoned"),
    ("answered_within_sla", "Answered within SLA"),
    ("service_level", "Service level %"),
    ("sla_seconds", "SLA threshold s"),
    ("average_speed_of_answer", "Avg speed of answer s"),
    ("average_handle_time", "Avg handle time s"),
    ("average_wrapup_time", "Avg wrap-up time s"),
    ("wrapup_codes", "Wrap-up codes"),
];

fn csv(app: &App, req: &Req, by: By) -> Result<Outcome, ApiError> {
    let r = report(app, req, by, CSV_PAGE)?;
    let subject = match by {
        By::Queue => "Queue",
        By::Agent => "Agent",
    };
    let mut out = String::new();
    if param(req, "Header") != "false" {
        let mut head = vec!["Interval start", "Interval", subject];
        head.extend(COLUMNS.iter().map(|c| c.1));
        out.push_str(&head.join(","));
        out.push_str("\r\n");
    }
    for (b, m) in r.range.buckets.iter().zip(&r.buckets) {
        for (sid, _, _) in &r.subjects {
            let Some(f) = m.get(sid) else { continue };
            let row = r.row_json(sid, f);
            let codes: Vec<String> = row["wrapup_codes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| format!("{}: {}", c["code"].as_str().unwrap_or(""), c["tasks"]))
                .collect();
            let mut cells = vec![
                csv_field(&json!(b.iso)),
                csv_field(&json!(b.label)),
                csv_field(&row["name"]),
            ];
            for (k, _) in &COLUMNS[..9] {
                cells.push(csv_field(&row[*k]));
            }
            cells.push(csv_field(&Value::String(codes.join("; "))));
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    let name = format!("{}-{}-{}.csv", by.as_str(), r.range.start, r.range.end).replace(':', "");
    let mut reply = Reply::bytes(200, "text/csv; charset=utf-8", out)
        .with_header(
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .with_header("Cache-Control", "no-store");
    if let Some(n) = r.range.next {
        reply = reply.with_header("X-Next-Start", n);
    }
    Ok(reply.into())
}

fn queues_csv(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    csv(app, req, By::Queue)
}

fn agents_csv(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    csv(app, req, By::Agent)
}
