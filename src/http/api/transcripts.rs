//! Conversations and transcripts for the console (issue 17, item 2), under `/admin/api/`:
//! - `GET /admin/api/conversations` — search by `Contact`, `Agent` (`WK…`), `Queue` (`WQ…`),
//!   `From` / `To` (ISO 8601) and `Text`, newest first, `PageSize` (≤ 100) and `PageToken`;
//! - `GET /admin/api/conversations.csv` — the same search as CSV, at most `PageSize` (≤ 5,000)
//!   rows per answer and `X-Next-Page-Token` for the rest, so an export of any range is walked a
//!   page at a time and never held whole in the server's memory;
//! - `GET /admin/api/conversations/{CH}` — one conversation: the messages with who wrote each
//!   (bot, customer, agent by display name, system), its tasks with their life cycle and events,
//!   and the Studio executions that handed it over, with their steps.

use super::supervisor::time_param;
use crate::clock::iso8601;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::ids::{is_sid, Prefix};
use crate::routing::floor::display_name;
use crate::store::transcripts::{self as db, Cursor, Found, Search};
use crate::store::{studio, Window};
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/admin/api/conversations", a, search),
        Route::new(Get, "/admin/api/conversations.csv", a, export),
        Route::new(Get, "/admin/api/conversations/{ConversationSid}", a, detail),
    ]
}

/// The search the query asks for, validated (a reversed range, a SID of the wrong kind: 400).
fn search_of(req: &Req) -> Result<Search, ApiError> {
    let text = |k: &str| {
        req.query
            .get(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let sid = |k: &str, p: Prefix, what: &str| -> Result<Option<String>, ApiError> {
        match text(k) {
            Some(v) if !is_sid(p, &v) => {
                Err(ApiError::bad_param(k, format!("{v:?} is not {what}")))
            }
            v => Ok(v),
        }
    };
    let s = Search {
        from: time_param(req, "From")?,
        to: time_param(req, "To")?,
        contact: text("Contact"),
        text: text("Text"),
        queue_sid: sid("Queue", Prefix::TaskQueue, "a task queue SID (WQ…)")?,
        worker_sid: sid("Agent", Prefix::Worker, "a worker SID (WK…)")?,
    };
    if let (Some(f), Some(t)) = (s.from, s.to) {
        if f >= t {
            return Err(ApiError::bad_request(
                "The range is empty or reversed: From must be before To",
            ));
        }
    }
    Ok(s)
}

fn page_size(req: &Req, default: u32, max: u32) -> Result<u32, ApiError> {
    let n = req.query.parse::<u32>("PageSize")?.unwrap_or(default);
    if !(1..=max).contains(&n) {
        return Err(ApiError::bad_param(
            "PageSize",
            format!("must be from 1 to {max}"),
        ));
    }
    Ok(n)
}

/// `PageToken`: `{created ms}_{sid}` of the last conversation of the previous page.
fn cursor(req: &Req) -> Result<Option<Cursor>, ApiError> {
    let Some(t) = req.query.get("PageToken").filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::bad_param("PageToken", "is not a page token this search gave");
    let (at, sid) = t.split_once('_').ok_or_else(bad)?;
    Ok(Some(Cursor {
        created_at: at.parse().map_err(|_| bad())?,
        sid: sid.to_string(),
    }))
}

fn token(f: &Found) -> String {
    format!("{}_{}", f.created_at, f.sid)
}

/// The found conversations and the token of the next page, if there may be one.
fn find(app: &App, req: &Req, size: u32) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let s = search_of(req)?;
    let after = cursor(req)?;
    let (found, rows) = app.store.read(|c| -> crate::store::Result<_> {
        let found = db::search(c, &s, after.as_ref(), size)?;
        let mut rows = Vec::with_capacity(found.len());
        for f in &found {
            rows.push(summary(f, &db::tasks_of(c, &f.sid)?));
        }
        Ok((found, rows))
    })?;
    let next = (found.len() as u32 == size)
        .then(|| found.last().map(token))
        .flatten();
    Ok((rows, next))
}

fn summary(f: &Found, tasks: &[db::TaskLink]) -> Value {
    let mut agents: Vec<String> = Vec::new();
    let mut queues: Vec<String> = Vec::new();
    for t in tasks {
        if let Some((n, a)) = &t.agent {
            let n = display_name(n, a);
            if !agents.contains(&n) {
                agents.push(n);
            }
        }
        if let Some(q) = &t.queue {
            if !queues.contains(q) {
                queues.push(q.clone());
            }
        }
    }
    json!({
        "sid": f.sid,
        "customer": f.customer,
        "state": f.state,
        "date_created": iso8601(f.created_at),
        "date_updated": iso8601(f.updated_at),
        "messages": f.messages,
        "last_message": f.last_body,
        "matched": f.matched,
        "agents": agents,
        "queues": queues,
        "channel": tasks.first().and_then(|t| t.channel.as_deref()),
    })
}

fn search(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (rows, next) = find(app, req, page_size(req, 25, 100)?)?;
    Ok(Reply::ok(json!({ "conversations": rows, "next_page_token": next })).into())
}

/// One CSV field: quoted when needed; a leading `= + - @` is defused so a spreadsheet shows the
/// text instead of running it.
pub fn csv_field(v: &Value) -> String {
    let s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

const CSV_COLUMNS: [(&str, &str); 9] = [
    ("date_created", "Started"),
    ("customer", "Customer"),
    ("channel", "Channel"),
    ("queues", "Queues"),
    ("agents", "Agents"),
    ("state", "State"),
    ("messages", "Messages"),
    ("last_message", "Last message"),
    ("sid", "Conversation"),
];

fn export(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (rows, next) = find(app, req, page_size(req, 1000, 5000)?)?;
    let mut out = String::new();
    if cursor(req)?.is_none() {
        let head: Vec<&str> = CSV_COLUMNS.iter().map(|c| c.1).collect();
        out.push_str(&head.join(","));
        out.push_str("\r\n");
    }
    for r in &rows {
        let cells: Vec<String> = CSV_COLUMNS.iter().map(|c| csv_field(&r[c.0])).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let mut reply = Reply::bytes(200, "text/csv; charset=utf-8", out)
        .with_header(
            "Content-Disposition",
            "attachment; filename=\"conversations.csv\"",
        )
        .with_header("Cache-Control", "no-store");
    if let Some(n) = next {
        reply = reply.with_header("X-Next-Page-Token", n);
    }
    Ok(reply.into())
}

/// A phone number or channel address (`+15551234567`, `whatsapp:+1…`, `messenger:…`): only a
/// customer writes as one (agents write as their worker name, the bot as `bot`).
fn is_address(m: &str) -> bool {
    let number = m.rsplit(':').next().unwrap_or(m);
    number.len() > 4 && number.starts_with('+') && number[1..].chars().all(|c| c.is_ascii_digit())
}

/// Who wrote a message, as the page shows it: `(role, name)`.
fn author(
    m: &str,
    customer: &[String],
    customer_name: &Option<String>,
    agents: &HashMap<String, String>,
) -> (&'static str, Option<String>) {
    if m == crate::channels::janitor::BOT_AUTHOR {
        ("bot", Some("Bot".into()))
    } else if customer.iter().any(|c| c == m) || is_address(m) {
        (
            "customer",
            customer_name.clone().or(Some("Customer".into())),
        )
    } else if let Some(n) = agents.get(m) {
        ("agent", Some(n.clone()))
    } else if m.is_empty() || m == "system" {
        ("system", None)
    } else {
        ("agent", Some(m.to_string()))
    }
}

fn detail(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let sid = req.param("ConversationSid");
    let missing = || ApiError::not_found(&format!("/admin/api/conversations/{sid}"));
    if !is_sid(Prefix::Conversation, sid) {
        return Err(missing());
    }
    let body = app.store.read(|c| -> crate::store::Result<Option<Value>> {
        let Some(conv) = crate::store::channels::conversations::find(c, sid)? else {
            return Ok(None);
        };
        let tasks = db::tasks_of(c, sid)?;
        let web = db::webchat_customer(c, sid)?;
        let mut customer: Vec<String> = web.iter().map(|w| w.0.clone()).collect();
        for p in crate::store::channels::participants::with_bindings(c, sid)? {
            customer.extend(p.binding_address);
        }
        for t in &tasks {
            if let Some(live) = crate::store::taskrouter::tasks::find(c, &t.sid)? {
                customer.extend(
                    crate::routing::floor::address_of(&live.attributes).map(str::to_string),
                );
            }
        }
        let name = web.map(|w| w.1).or(conv.friendly_name.clone());
        let agents: HashMap<String, String> = db::worker_names(c)?
            .into_iter()
            .map(|(f, a)| (f.clone(), display_name(&f, &a)))
            .collect();
        let messages: Vec<Value> = db::messages(
            c,
            sid,
            Window {
                offset: 0,
                limit: 2000,
            },
        )?
        .items
        .iter()
        .map(|m| {
            let (role, who) = author(&m.author, &customer, &name, &agents);
            json!({"index": m.index, "role": role, "who": who, "body": m.body,
                       "media": m.media.is_some(), "date_created": iso8601(m.created_at)})
        })
        .collect();
        let mut executions = Vec::new();
        let mut task_json = Vec::new();
        for t in &tasks {
            let events: Vec<Value> = db::task_events(c, &t.sid, &t.reservations, 200)?
                .iter()
                .map(|e| {
                    let who = e.data.get("WorkerName").and_then(Value::as_str);
                    json!({"event_type": e.kind.as_str(), "date_created": iso8601(e.created_at),
                           "agent": who.map(|w| agents.get(w).cloned().unwrap_or(w.to_string())),
                           "reason": e.data.get("Reason").or(e.data.get("TaskCanceledReason"))})
                })
                .collect();
            let agent_names: Vec<String> =
                t.agent.iter().map(|(n, a)| display_name(n, a)).collect();
            task_json.push(json!({
                "sid": t.sid, "status": t.status, "queue": t.queue, "channel": t.channel,
                "agents": agent_names, "date_created": iso8601(t.created_at),
                "date_answered": t.answered_at.map(iso8601), "date_ended": t.ended_at.map(iso8601),
                "note": t.note, "wrapup_code": t.wrapup_code, "events": events,
            }));
            let Some(x) = t.execution_sid.as_deref() else {
                continue;
            };
            if let Some(e) = studio::executions::fetch(c, x)? {
                let flow = studio::flows::fetch(c, &e.flow_sid)?.map(|f| f.latest.friendly_name);
                let steps: Vec<Value> = studio::executions::list_steps(
                    c,
                    x,
                    Window {
                        offset: 0,
                        limit: 1000,
                    },
                )?
                .items
                .iter()
                .map(|s| {
                    json!({"from": s.transitioned_from, "to": s.transitioned_to,
                                        "event": s.name, "date_created": iso8601(s.created_at)})
                })
                .collect();
                executions.push(
                    json!({"sid": e.sid, "flow": flow, "status": e.status.as_str(),
                    "date_created": iso8601(e.created_at), "steps": steps}),
                );
            }
        }
        Ok(Some(json!({
            "sid": conv.sid,
            "customer": name,
            "state": conv.state.as_str(),
            "date_created": iso8601(conv.created_at),
            "date_updated": iso8601(conv.updated_at),
            "messages": messages,
            "tasks": task_json,
            "executions": executions,
        })))
    })?;
    Ok(Reply::ok(body.ok_or_else(missing)?).into())
}
