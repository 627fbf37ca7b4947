//! The agent desktop's routes under `/agent/api/`: sign-in with the password the admin set for a
//! worker, then only that worker's own reservations, tasks and conversations. A task is the
//! agent's when the agent holds a reservation for it; anything else answers 404, exactly like a
//! task that does not exist, so SIDs cannot be probed. Handlers call routing and channels.

use crate::clock::iso8601;
use crate::events::{Event, EventType};
use crate::http::api::admin::{feed_with, Extra};
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::park::Parked;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::session::{self, Kind};
use crate::http::App;
use crate::ids::{is_sid, Prefix};
use crate::routing::reservations::{self, Reservation, ReservationUpdate, Scope};
use crate::routing::states::ReservationStatus;
use crate::routing::tasks::{self, Task};
use crate::routing::workers::{self, Worker, WorkerUpdate};
use crate::store::taskrouter::{
    activities, queues, reservations as reservation_db, workers as worker_db,
};
use serde_json::{json, Value};
use std::time::Duration;

pub fn routes() -> Vec<Route> {
    use Method::*;
    let p = Access::Public;
    vec![
        Route::new(Post, "/agent/api/session", p, sign_in).limited_as(Limit::SignIn),
        Route::new(Get, "/agent/api/session", p, whoami),
        Route::new(Delete, "/agent/api/session", p, sign_out),
        Route::new(Post, "/agent/api/activity", p, set_activity),
        Route::new(Get, "/agent/api/work", p, work),
        Route::new(Get, "/agent/api/updates", p, updates),
        Route::new(
            Post,
            "/agent/api/reservations/{ReservationSid}",
            p,
            move_reservation,
        ),
        Route::new(Get, "/agent/api/tasks/{TaskSid}", p, fetch_task),
        Route::new(Get, "/agent/api/tasks/{TaskSid}/messages", p, messages),
        Route::new(Post, "/agent/api/tasks/{TaskSid}/messages", p, send),
        Route::new(Post, "/agent/api/tasks/{TaskSid}/typing", p, typing),
    ]
    .into_iter()
    .chain(super::agent_transfer::routes())
    .chain(super::agent_desk::routes())
    .chain(super::agent_outbound::routes())
    .collect()
}

/// The signed-in agent's worker (401 without a session; CSRF checked on changes).
pub(super) fn me(app: &App, req: &Req) -> Result<Worker, ApiError> {
    let s = session::require(app, req, Kind::Agent)?;
    app.store
        .read(|c| workers::fetch(c, &s.subject))?
        .ok_or_else(ApiError::unauthorized)
}

/// Finds a worker by SID or by its (unique per workspace) friendly name.
fn find_worker(app: &App, who: &str) -> Result<Option<Worker>, ApiError> {
    if is_sid(Prefix::Worker, who) {
        return Ok(app.store.read(|c| workers::fetch(c, who))?);
    }
    let Some(ws) = app.store.read(crate::routing::workspaces::default_sid)? else {
        return Ok(None);
    };
    let filter = worker_db::WorkerFilter {
        friendly_name: Some(who.to_string()),
        ..Default::default()
    };
    let page = app.store.read(|c| worker_db::list(c, &ws, &filter, None))?;
    Ok(page.items.into_iter().next())
}

fn session_json(app: &App, w: &Worker, csrf: &str) -> Result<Value, ApiError> {
    let acts = app
        .store
        .read(|c| activities::all(c, &w.workspace_sid))?
        .into_iter()
        .map(|a| json!({"sid": a.sid, "friendly_name": a.friendly_name, "available": a.available}))
        .collect::<Vec<_>>();
    Ok(json!({
        "signed_in": true,
        "csrf_token": csrf,
        "worker": worker_json(w),
        "activities": acts,
        // The office's time zone, in which the desk shows times (`null`: the browser's own).
        "time_zone": super::office::office_json(app)?["time_zone"],
    }))
}

fn worker_json(w: &Worker) -> Value {
    json!({
        "sid": w.sid,
        "friendly_name": w.friendly_name,
        "name": own_name(w),
        "activity_sid": w.activity_sid,
        "activity_name": w.activity_name,
        "available": w.available,
        "workspace_sid": w.workspace_sid,
    })
}

/// The agent's name on their own desk: `full_name` (or `display_name`), else the login.
fn own_name(w: &Worker) -> &str {
    ["full_name", "display_name"]
        .iter()
        .find_map(|k| w.attributes.get(*k).and_then(Value::as_str))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&w.friendly_name)
}

/// `POST /agent/api/session` with `Worker` (name or SID) and `Password`.
fn sign_in(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let who = req.form.require("Worker")?.trim();
    let password = req.form.require("Password")?;
    let worker = find_worker(app, who)?;
    let sid = worker.as_ref().map(|w| w.sid.as_str()).unwrap_or("");
    // Failed attempts back off per worker (429 while it waits), unknown names alike.
    let key = session::backoff_key(Kind::Agent, if sid.is_empty() { who } else { sid });
    session::check_backoff(app, &key)?;
    // The password is checked (or the same time spent) whether or not the worker exists.
    if !session::check_agent_password(app, sid, password)? {
        app.sign_in_backoff.failed(&key);
        return Err(ApiError::unauthorized());
    }
    let worker = worker.ok_or_else(ApiError::unauthorized)?;
    app.sign_in_backoff.clear(&key);
    let (token, s) = session::create(app, Kind::Agent, &worker.sid)?;
    Ok(Reply::created(session_json(app, &worker, &s.csrf_token)?)
        .with_header(
            "Set-Cookie",
            session::set_cookie(app, req, Kind::Agent, &token),
        )
        .with_header("Cache-Control", "no-store")
        .into())
}

/// `GET /agent/api/session`: the signed-in worker, or `{"signed_in": false}`.
fn whoami(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let body = match session::current(app, req, Kind::Agent)? {
        Some(s) => match app.store.read(|c| workers::fetch(c, &s.subject))? {
            Some(w) => session_json(app, &w, &s.csrf_token)?,
            None => json!({"signed_in": false}),
        },
        None => json!({"signed_in": false}),
    };
    Ok(Reply::ok(body)
        .with_header("Cache-Control", "no-store")
        .into())
}

fn sign_out(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if let Some(s) = session::current(app, req, Kind::Agent)? {
        session::check_csrf(req, &s)?;
        session::end(app, req, Kind::Agent)?;
    }
    Ok(Reply::no_content()
        .with_header("Set-Cookie", session::clear_cookie(Kind::Agent))
        .into())
}

/// `POST /agent/api/activity` with `ActivitySid`.
fn set_activity(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let update = WorkerUpdate {
        activity_sid: Some(req.form.require("ActivitySid")?.to_string()),
        ..Default::default()
    };
    let w = workers::update(app, &w.workspace_sid, &w.sid, update)?;
    Ok(Reply::ok(worker_json(&w)).into())
}

/// The conversation a task's channel lives in (`conversationSid` in its attributes).
pub(super) fn conversation_of(t: &Task) -> Option<String> {
    ["conversationSid", "conversation_sid", "ConversationSid"]
        .iter()
        .find_map(|k| t.attributes.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

fn item_json(r: &Reservation, t: &Task, now: i64) -> Value {
    json!({
        "sid": r.sid,
        "status": r.status.as_str(),
        "timeout_at": iso8601(r.created_at + r.timeout * 1000),
        "date_created": iso8601(r.created_at),
        "task": {
            "sid": t.sid,
            "assignment_status": t.assignment_status.as_str(),
            "attributes": t.attributes,
            "task_channel_unique_name": t.task_channel_unique_name,
            "priority": t.priority,
            "age": (now - t.created_at) / 1000,
            "date_created": iso8601(t.created_at),
            "queue_sid": t.queue_sid,
            "conversation_sid": conversation_of(t),
        },
    })
}

/// `item_json` plus what the desktop shows beside the task: the customer's name and the chat's
/// state (from the conversation), or the call's status.
fn enriched(app: &App, r: &Reservation, t: &Task, now: i64) -> Result<Value, ApiError> {
    let mut v = item_json(r, t, now);
    v["call_status"] = json!(call_status(app, t)?);
    if let Some(sid) = conversation_of(t) {
        let conv = app
            .store
            .read(|c| crate::channels::conversations::fetch(c, &sid))
            .ok();
        if let Some(conv) = conv {
            let attrs: Value = serde_json::from_str(&conv.attributes).unwrap_or(Value::Null);
            let name = attrs
                .get("customer_name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or(conv.friendly_name.clone());
            v["task"]["customer_name"] = json!(name);
            v["task"]["pre_engagement"] = attrs
                .get("pre_engagement_data")
                .cloned()
                .unwrap_or(Value::Null);
            v["task"]["conversation_state"] = json!(conv.state.as_str());
        }
        v["task"]["preview"] = json!(preview(app, &sid, t)?);
    }
    if let Some(q) = &t.queue_sid {
        let queue = app.store.read(|c| queues::find(c, &t.workspace_sid, q))?;
        v["task"]["queue_name"] = json!(queue.map(|q| q.friendly_name));
    }
    v["task"]["customer_identity"] = t.attributes.get("from").cloned().unwrap_or(Value::Null);
    let (incoming, outgoing) = app
        .store
        .read(|c| super::agent_transfer::transfer_info(c, t))?;
    v["task"]["transfer_in"] = incoming;
    v["task"]["transfer_out"] = outgoing;
    v["task"]["wrapup"] = app.store.read(|c| super::agent_desk::wrapup_info(c, t))?;
    Ok(v)
}

/// What the offer card shows as the customer's words: the first message of the conversation
/// that neither the bot nor an agent wrote (the customer's), cut to 160 characters. Only this
/// line is readable before accepting; the whole transcript stays behind the accept.
fn preview(app: &App, conv: &str, t: &Task) -> Result<Option<String>, ApiError> {
    let customer = t.attributes.get("from").and_then(Value::as_str);
    let first = app
        .store
        .read(|c| crate::channels::conversations::list_messages(c, conv, None, 50))?
        .into_iter()
        .find(|m| match customer {
            Some(who) => m.author == who,
            None => m.author != crate::channels::janitor::BOT_AUTHOR,
        });
    Ok(first.and_then(|m| m.body).map(|b| {
        let b = b.trim();
        if b.chars().count() > 160 {
            format!("{}…", b.chars().take(159).collect::<String>())
        } else {
            b.to_string()
        }
    }))
}

/// The newest recorded status of a voice task's call (`call.status-updated`), if any.
fn call_status(app: &App, t: &Task) -> Result<Option<String>, ApiError> {
    let Some(call) = t.attributes.get("call_sid").and_then(Value::as_str) else {
        return Ok(None);
    };
    let filter = crate::store::events::EventFilter {
        event_types: vec![EventType::CallStatusUpdated.as_str().to_string()],
        related_sid: Some(("CallSid".to_string(), call.to_string())),
        ..Default::default()
    };
    let window = crate::store::Window {
        offset: 0,
        limit: 1,
    };
    let page = app
        .store
        .read(|c| crate::store::events::list(c, &filter, window))?;
    Ok(page.items.first().and_then(|e| {
        e.data
            .get("CallStatus")
            .and_then(Value::as_str)
            .map(str::to_string)
    }))
}

/// The worker's live reservations (pending, accepted, wrapping) with their tasks, oldest first.
fn live_work(app: &App, w: &Worker) -> Result<Vec<(Reservation, Task)>, ApiError> {
    let mut out = Vec::new();
    app.store.read(|c| {
        for st in [
            ReservationStatus::Pending,
            ReservationStatus::Accepted,
            ReservationStatus::Wrapping,
        ] {
            for r in reservation_db::of_worker_in(c, &w.sid, st)? {
                if let Some(t) = tasks::fetch(c, &r.task_sid)? {
                    out.push((r, t));
                }
            }
        }
        Ok::<_, ApiError>(())
    })?;
    out.sort_by_key(|(r, _)| r.created_at);
    Ok(out)
}

/// `GET /agent/api/work`: what the desktop shows.
fn work(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let now = app.now_ms();
    let mut items = Vec::new();
    for (r, t) in live_work(app, &w)? {
        items.push(enriched(app, &r, &t, now)?);
    }
    Ok(Reply::ok(json!({
        "server_time": iso8601(now),
        "worker": worker_json(&w),
        "reservations": items,
    }))
    .into())
}

/// `GET /agent/api/updates?After=SEQ[&Seen=TAG]`: one parked long-poll for everything the
/// desktop shows — events naming this worker, and messages of its live conversations — with
/// `typing`: who else is typing in them now (`[{conversation_sid, identity}]`, the customer or a
/// colleague in a warm transfer). The answer's `tag` changes with that list (and with every
/// refresh of it); given back as `Seen`, a parked poll answers when it changes.
fn updates(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let mut topics = vec![w.sid.clone()];
    let mut conversations = Vec::new();
    for (r, t) in live_work(app, &w)? {
        topics.push(t.sid.clone());
        if let Some(conv) = conversation_of(&t) {
            topics.push(conv.clone());
            if r.status != ReservationStatus::Pending && !conversations.contains(&conv) {
                conversations.push(conv);
            }
        }
    }
    let me_id = w.friendly_name.clone();
    let extra: Extra = Box::new(move |app| {
        let mut typing = Vec::new();
        let mut tags = Vec::new();
        for conv in &conversations {
            let typists: Vec<_> = crate::channels::typing::who(app, conv)
                .into_iter()
                .filter(|t| t.identity != me_id)
                .collect();
            if typists.is_empty() {
                continue;
            }
            tags.push(crate::channels::typing::tag(&typists));
            for t in typists {
                typing.push(json!({"conversation_sid": conv, "identity": t.identity}));
            }
        }
        (json!({ "typing": typing }), tags.join("-"))
    });
    feed_with(app, req, topics, relevant, Some(extra))
}

/// `POST /agent/api/tasks/{TaskSid}/typing`: the agent is typing in the task's chat (204; the
/// desktop sends it at most every 3 s while keys are pressed, it lasts 5 s, the agent's next
/// message ends it). Only while the chat is the agent's and accepted. Nothing is stored.
fn typing(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (r, t) = owned(app, &w, req.param("TaskSid"))?;
    if r.status != ReservationStatus::Accepted {
        return Err(ApiError::conflict("This chat has ended"));
    }
    let conv = conversation_of(&t).ok_or_else(|| ApiError::not_found("this task's chat"))?;
    crate::channels::typing::started(app, &conv, &w.friendly_name);
    Ok(Reply::no_content().into())
}

fn relevant(e: &Event) -> bool {
    use EventType::*;
    !matches!(
        e.kind,
        ExecutionStep | ExecutionSendMessage | OutboundMessageQueued
    )
}

/// The agent's live reservation for a task (pending, accepted or wrapping), or 404 as if the task
/// did not exist: a reservation the agent rejected, let time out or completed opens nothing.
pub(super) fn owned(
    app: &App,
    w: &Worker,
    task_sid: &str,
) -> Result<(Reservation, Task), ApiError> {
    let missing = || ApiError::not_found(&format!("/agent/api/tasks/{task_sid}"));
    if !is_sid(Prefix::Task, task_sid) {
        return Err(missing());
    }
    let found = app.store.read(|c| {
        let rs = reservation_db::of_task(c, task_sid)?;
        let mine = rs
            .into_iter()
            .filter(|r| r.worker_sid == w.sid && is_live(r.status))
            .max_by_key(|r| r.created_at);
        match mine {
            Some(r) => Ok::<_, ApiError>(tasks::fetch(c, task_sid)?.map(|t| (r, t))),
            None => Ok(None),
        }
    })?;
    found.ok_or_else(missing)
}

fn is_live(s: ReservationStatus) -> bool {
    matches!(
        s,
        ReservationStatus::Pending | ReservationStatus::Accepted | ReservationStatus::Wrapping
    )
}

/// `POST /agent/api/reservations/{ReservationSid}` with `ReservationStatus` (accepted, rejected,
/// wrapping = end the chat, completed). Only the agent's own reservations (else 404).
fn move_reservation(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let sid = req.param("ReservationSid");
    let status = req.form.require("ReservationStatus")?;
    let update = ReservationUpdate {
        status: Some(status.to_string()),
        wrapup_code: req.form.get("WrapupCode").map(str::to_string),
        ..Default::default()
    };
    let r = reservations::update(app, &w.workspace_sid, Scope::Worker(&w.sid), sid, update)?;
    Ok(Reply::ok(json!({"sid": r.sid, "status": r.status.as_str()})).into())
}

/// `GET /agent/api/tasks/{TaskSid}`.
fn fetch_task(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (r, t) = owned(app, &w, req.param("TaskSid"))?;
    Ok(Reply::ok(enriched(app, &r, &t, app.now_ms())?).into())
}

pub(super) fn message_json(m: &crate::store::channels::messages::Message) -> Value {
    json!({
        "sid": m.sid,
        "index": m.index,
        "author": m.author,
        "body": m.body,
        "date_created": iso8601(m.created_at),
    })
}

/// `GET /agent/api/tasks/{TaskSid}/messages[?After=INDEX&Wait=S]`: the transcript (history of a
/// long-lived channel included); with `After` and `Wait`, parked until a newer message comes.
fn messages(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (r, t) = owned(app, &w, req.param("TaskSid"))?;
    // The customer's words are the agent's to read once the agent has taken the task.
    if r.status == ReservationStatus::Pending {
        return Err(ApiError::forbidden(
            "Accept the reservation to read this chat",
        ));
    }
    let conv = conversation_of(&t).ok_or_else(|| ApiError::not_found("this task's chat"))?;
    let after = req.query.parse::<i64>("After")?;
    let wait = req.query.parse::<u64>("Wait")?.unwrap_or(0).min(30);
    let now = transcript(app, &conv, after)?;
    if !now.is_empty() || wait == 0 {
        return Ok(Reply::ok(json!({"messages": now})).into());
    }
    Ok(Outcome::Park(Parked::new(
        vec![conv.clone()],
        Duration::from_secs(wait),
        Box::new(move |app, timed_out| match transcript(app, &conv, after) {
            Ok(found) if !found.is_empty() || timed_out => {
                Some(Ok(Reply::ok(json!({"messages": found}))))
            }
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        }),
    )))
}

/// The transcript; each message that went to a carrier says where it stands (`delivery`:
/// sending, sent, delivered, read or failed, and a failure's `error_code` and `error` in words).
fn transcript(app: &App, conv: &str, after: Option<i64>) -> Result<Vec<Value>, ApiError> {
    Ok(app.store.read(|c| {
        let mut out = Vec::new();
        for m in crate::channels::conversations::list_messages(c, conv, after, 500)? {
            let mut v = message_json(&m);
            if let Some(d) = crate::channels::receipts::delivery_of(c, conv, &m)? {
                v["delivery"] =
                    json!({"status": d.status, "error_code": d.error_code, "error": d.error});
            }
            out.push(v);
        }
        Ok::<_, crate::channels::Error>(out)
    })?)
}

/// `POST /agent/api/tasks/{TaskSid}/messages` with `Body`: only while the task is the agent's
/// and accepted.
fn send(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (r, t) = owned(app, &w, req.param("TaskSid"))?;
    if r.status != ReservationStatus::Accepted {
        return Err(ApiError::conflict("This chat has ended"));
    }
    let conv = conversation_of(&t).ok_or_else(|| ApiError::not_found("this task's chat"))?;
    let body = req.form.require("Body")?;
    if body.trim().is_empty() || body.chars().count() > 1600 {
        return Err(ApiError::bad_param(
            "Body",
            "must have 1 to 1600 characters",
        ));
    }
    crate::channels::typing::stopped(app, &conv, &w.friendly_name);
    let m = crate::channels::conversations::post_message(app, &conv, &w.friendly_name, body)?;
    Ok(Reply::created(message_json(&m)).into())
}
