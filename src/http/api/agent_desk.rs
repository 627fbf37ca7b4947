//! The agent desktop's working tools (issue 15 items 3, 6, 7): private notes on the chat, the
//! office's canned responses, the customer panel (who this is, their earlier conversations with
//! transcripts), "My work" (the agent's finished tasks), and the wrap-up codes a task's queue
//! offers (`wrapup_info`, shown beside the task). Only the agent's own tasks open anything; an
//! earlier conversation opens only through a task of the same contact.

use super::agent::{conversation_of, me, message_json, owned};
use crate::channels::{canned, notes};
use crate::clock::iso8601;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::ids::{is_sid, Prefix};
use crate::routing::dispositions;
use crate::routing::states::ReservationStatus;
use crate::routing::tasks::{self, Task};
use crate::routing::workers::Worker;
use crate::store::desk as db;
use crate::store::taskrouter::{queues, reservations as reservation_db};
use rusqlite::Connection;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let p = Access::Public;
    vec![
        Route::new(Get, "/agent/api/tasks/{TaskSid}/notes", p, list_notes),
        Route::new(Post, "/agent/api/tasks/{TaskSid}/notes", p, add_note),
        Route::new(Get, "/agent/api/tasks/{TaskSid}/customer", p, customer),
        Route::new(
            Get,
            "/agent/api/tasks/{TaskSid}/customer/{ConversationSid}/messages",
            p,
            earlier_messages,
        ),
        Route::new(Get, "/agent/api/canned", p, list_canned),
        Route::new(Post, "/agent/api/canned", p, create_canned),
        Route::new(Post, "/agent/api/canned/{CannedId}", p, update_canned),
        Route::new(Delete, "/agent/api/canned/{CannedId}", p, delete_canned),
        Route::new(Get, "/agent/api/history", p, history),
        Route::new(
            Get,
            "/agent/api/history/{TaskSid}/messages",
            p,
            history_messages,
        ),
    ]
}

/// A worker's name as colleagues read it: `full_name` (or `display_name`), else the login.
fn name_of(w: &Worker) -> String {
    ["full_name", "display_name"]
        .iter()
        .find_map(|k| w.attributes.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&w.friendly_name)
        .to_string()
}

/// The signed-in agent and the task of their reservation `TaskSid`, once accepted; `refuse`
/// while it is still an offer (an offer shows no customer, notes or history).
fn accepted(
    app: &App,
    req: &Req,
    refuse: impl FnOnce() -> ApiError,
) -> Result<(Worker, Task), ApiError> {
    let w = me(app, req)?;
    let (r, t) = owned(app, &w, req.param("TaskSid"))?;
    if r.status == ReservationStatus::Pending {
        return Err(refuse());
    }
    Ok((w, t))
}

fn chat_of(t: &Task) -> Result<String, ApiError> {
    conversation_of(t).ok_or_else(|| ApiError::not_found("this task's chat"))
}

fn note_json(n: &db::Note, me: &Worker) -> Value {
    json!({
        "author_name": n.author_name,
        "mine": n.author_sid.as_deref() == Some(me.sid.as_str()),
        "kind": n.kind,
        "body": n.body,
        "date_created": iso8601(n.created_at),
    })
}

/// `GET /agent/api/tasks/{TaskSid}/notes`: every note on the task's conversation (earlier
/// agents' too), oldest first.
fn list_notes(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (w, t) = accepted(app, req, || {
        ApiError::forbidden("Accept the reservation to read its notes")
    })?;
    let conv = chat_of(&t)?;
    let all = app.store.read(|c| db::notes(c, &conv, 500))?;
    let list: Vec<Value> = all.iter().map(|n| note_json(n, &w)).collect();
    Ok(Reply::ok(json!({ "notes": list })).into())
}

/// `POST /agent/api/tasks/{TaskSid}/notes` with `Body` (and `Kind=wrapup` for the wrap-up's).
fn add_note(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (w, t) = accepted(app, req, || {
        ApiError::conflict("Accept the reservation before writing notes")
    })?;
    let conv = chat_of(&t)?;
    let kind = req.form.get("Kind").unwrap_or("note");
    if kind != "note" && kind != "wrapup" {
        return Err(ApiError::bad_param("Kind", "must be note or wrapup"));
    }
    let n = notes::add(
        app,
        notes::NewNote {
            conversation_sid: &conv,
            task_sid: Some(&t.sid),
            author_sid: Some(&w.sid),
            author_name: &name_of(&w),
            wrapup: kind == "wrapup",
            body: req.form.require("Body")?,
        },
    )?;
    Ok(Reply::created(note_json(&n, &w)).into())
}

/// The customer's address (identity or phone) of a task: `from`, else the conversation's
/// participant with a binding or a non-agent identity.
fn contact_of(conn: &Connection, t: &Task, conv: &str) -> Result<Option<String>, ApiError> {
    if let Some(f) = t.attributes.get("from").and_then(Value::as_str) {
        return Ok(Some(f.to_string()));
    }
    let window = crate::store::Window {
        offset: 0,
        limit: 100,
    };
    let parts = crate::store::channels::participants::list(conn, conv, window)?;
    Ok(parts.items.into_iter().find_map(|p| {
        let attrs: Value = serde_json::from_str(&p.attributes).unwrap_or(Value::Null);
        if attrs.get("worker_sid").is_some()
            || attrs.get("role").and_then(Value::as_str) == Some("agent")
        {
            return None;
        }
        p.binding_address.or(p.identity)
    }))
}

/// The contact's other conversations, newest first (at most 20).
fn earlier(conn: &Connection, t: &Task, conv: &str) -> Result<Vec<String>, ApiError> {
    match contact_of(conn, t, conv)? {
        Some(c) => Ok(db::contact_conversations(conn, &c, conv, 20)?),
        None => Ok(Vec::new()),
    }
}

/// `GET /agent/api/tasks/{TaskSid}/customer`: who this is and their earlier conversations.
fn customer(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (_, t) = accepted(app, req, || {
        ApiError::forbidden("Accept the reservation to see the customer")
    })?;
    let conv = chat_of(&t)?;
    let body = app.store.read(|c| {
        let contact = contact_of(c, &t, &conv)?;
        let mut list = Vec::new();
        for sid in earlier(c, &t, &conv)? {
            let Some(cv) = crate::store::channels::conversations::find(c, &sid)? else {
                continue;
            };
            let msgs = crate::channels::conversations::list_messages(c, &sid, None, 500)?;
            let first = msgs
                .iter()
                .find(|m| Some(&m.author) == contact.as_ref())
                .or(msgs.first())
                .and_then(|m| m.body.clone());
            list.push(json!({
                "key": sid,
                "state": cv.state.as_str(),
                "date_created": iso8601(cv.created_at),
                "messages": msgs.len(),
                "first_line": first,
            }));
        }
        let conv_row = crate::store::channels::conversations::find(c, &conv)?;
        let name = conv_row
            .as_ref()
            .and_then(|cv| serde_json::from_str::<Value>(&cv.attributes).ok())
            .and_then(|a| {
                a.get("customer_name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .or(conv_row.as_ref().and_then(|cv| cv.friendly_name.clone()));
        Ok::<_, ApiError>(json!({
            "name": name,
            "address": contact,
            "since": conv_row.map(|cv| iso8601(cv.created_at)),
            "earlier": list,
        }))
    })?;
    Ok(Reply::ok(body).into())
}

/// `GET /agent/api/tasks/{TaskSid}/customer/{ConversationSid}/messages`: an earlier
/// conversation of the task's contact (or the task's own), read-only.
fn earlier_messages(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (_, t) = accepted(app, req, || {
        ApiError::forbidden("Accept the reservation to see the customer")
    })?;
    let conv = chat_of(&t)?;
    let want = req.param("ConversationSid");
    let missing = || ApiError::not_found(&format!("/agent/api/tasks/{}/customer/{want}", t.sid));
    let ok = want == conv
        || app
            .store
            .read(|c| earlier(c, &t, &conv))?
            .iter()
            .any(|s| s == want);
    if !ok {
        return Err(missing());
    }
    let msgs = app
        .store
        .read(|c| crate::channels::conversations::list_messages(c, want, None, 500))?;
    let list: Vec<Value> = msgs.iter().map(message_json).collect();
    Ok(Reply::ok(json!({ "messages": list })).into())
}

fn canned_json(c: &db::Canned) -> Value {
    json!({"id": c.id, "shortcut": c.shortcut, "body": c.body, "date_updated": iso8601(c.updated_at)})
}

/// `GET /agent/api/canned`: the office's canned responses.
fn list_canned(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let all = app.store.read(|c| db::canned(c, &w.workspace_sid))?;
    let list: Vec<Value> = all.iter().map(canned_json).collect();
    Ok(Reply::ok(json!({ "canned": list })).into())
}

fn canned_id(req: &Req) -> Result<i64, ApiError> {
    req.param("CannedId")
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found("that canned response"))
}

/// `POST /agent/api/canned` with `Shortcut` and `Body`.
fn create_canned(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let c = canned::save(
        app,
        &w.workspace_sid,
        None,
        req.form.require("Shortcut")?,
        req.form.require("Body")?,
    )?;
    Ok(Reply::created(canned_json(&c)).into())
}

fn update_canned(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let id = canned_id(req)?;
    let c = canned::save(
        app,
        &w.workspace_sid,
        Some(id),
        req.form.require("Shortcut")?,
        req.form.require("Body")?,
    )?;
    Ok(Reply::ok(canned_json(&c)).into())
}

fn delete_canned(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let id = canned_id(req)?;
    canned::delete(app, &w.workspace_sid, id)?;
    Ok(Reply::no_content().into())
}

/// What a finished task shows in "My work".
fn finished_json(conn: &Connection, t: &Task, at: i64) -> Result<Value, ApiError> {
    let conv = conversation_of(t);
    let (name, first) = match &conv {
        Some(sid) => {
            let cv = crate::store::channels::conversations::find(conn, sid)?;
            let name = cv
                .as_ref()
                .and_then(|cv| serde_json::from_str::<Value>(&cv.attributes).ok())
                .and_then(|a| {
                    a.get("customer_name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .or(cv.and_then(|cv| cv.friendly_name));
            let from = t.attributes.get("from").and_then(Value::as_str);
            let msgs = crate::channels::conversations::list_messages(conn, sid, None, 50)?;
            let first = msgs
                .iter()
                .find(|m| Some(m.author.as_str()) == from)
                .and_then(|m| m.body.clone());
            (name, first)
        }
        None => (None, None),
    };
    let queue = match &t.queue_sid {
        Some(q) => queues::find(conn, &t.workspace_sid, q)?.map(|q| q.friendly_name),
        None => None,
    };
    Ok(json!({
        "task_sid": t.sid,
        "customer_identity": t.attributes.get("from"),
        "customer_name": name.or_else(|| t.attributes.get("customer_name").and_then(Value::as_str).map(str::to_string)),
        "channel": t.task_channel_unique_name,
        "channel_type": t.attributes.get("channelType"),
        "queue_name": queue,
        "wrapup_code": dispositions::code_of(t),
        "first_line": first,
        "has_chat": conv.is_some(),
        "date_finished": iso8601(at),
    }))
}

/// `GET /agent/api/history[?Q=words]`: the agent's 50 most recently finished tasks; with `Q`,
/// those whose customer, code, queue or messages contain the words.
fn history(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let q = req
        .query
        .get("Q")
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let items = app.store.read(|c| {
        let mut out = Vec::new();
        for (sid, at) in db::finished_tasks(c, &w.sid, if q.is_some() { 200 } else { 50 })? {
            let Some(t) = tasks::fetch(c, &sid)? else {
                continue;
            };
            let v = finished_json(c, &t, at)?;
            if let Some(q) = &q {
                let mut hay = v.to_string().to_lowercase();
                if let Some(conv) = conversation_of(&t) {
                    for m in crate::channels::conversations::list_messages(c, &conv, None, 500)? {
                        hay.push_str(&m.body.unwrap_or_default().to_lowercase());
                    }
                }
                if !hay.contains(q.as_str()) {
                    continue;
                }
            }
            out.push(v);
            if out.len() >= 50 {
                break;
            }
        }
        Ok::<_, ApiError>(out)
    })?;
    Ok(Reply::ok(json!({ "tasks": items })).into())
}

/// `GET /agent/api/history/{TaskSid}/messages`: the transcript of a task the agent took.
fn history_messages(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let sid = req.param("TaskSid");
    let missing = || ApiError::not_found(&format!("/agent/api/history/{sid}"));
    if !is_sid(Prefix::Task, sid) {
        return Err(missing());
    }
    let t = app.store.read(|c| {
        let took = reservation_db::of_task(c, sid)?.into_iter().any(|r| {
            r.worker_sid == w.sid
                && matches!(
                    r.status,
                    ReservationStatus::Accepted
                        | ReservationStatus::Wrapping
                        | ReservationStatus::Completed
                )
        });
        if !took {
            return Ok::<_, ApiError>(None);
        }
        Ok(tasks::fetch(c, sid)?)
    })?;
    let t = t.ok_or_else(missing)?;
    let conv = chat_of(&t)?;
    let msgs = app
        .store
        .read(|c| crate::channels::conversations::list_messages(c, &conv, None, 500))?;
    let list: Vec<Value> = msgs.iter().map(message_json).collect();
    let notes = app.store.read(|c| db::notes(c, &conv, 500))?;
    let notes: Vec<Value> = notes.iter().map(|n| note_json(n, &w)).collect();
    Ok(Reply::ok(json!({ "messages": list, "notes": notes })).into())
}

/// The wrap-up codes the task's queue offers and whether one is required, and the code chosen.
pub fn wrapup_info(conn: &Connection, t: &Task) -> Result<Value, ApiError> {
    let Some(q) = &t.queue_sid else {
        return Ok(json!({"codes": [], "required": false, "code": dispositions::code_of(t)}));
    };
    let d = dispositions::get(conn, &t.workspace_sid, q)?;
    Ok(json!({"codes": d.codes, "required": d.required, "code": dispositions::code_of(t)}))
}
