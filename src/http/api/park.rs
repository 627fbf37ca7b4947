//! Park / unpark of a messaging conversation (issue 22; Twilio's Flex Conversations has only a
//! beta "Park" in a Flex plugin): `POST /v1/Conversations/{CH}/Park` (`TaskSid`, by default the
//! conversation's live task; `Reason`), `GET` the same path (its latest park), `DELETE` it
//! (unpark now, without waiting for the customer), `GET /v1/ParkedConversations` (parked now,
//! longest first), and the agent desktop's `POST /agent/api/tasks/{TaskSid}/park`.

use crate::channels::park;
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Domain, Outcome, Route};
use crate::http::session::{self, Kind};
use crate::http::App;
use crate::store::channels::parks::{self as db, Park};
use crate::store::channels::sessions as session_db;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    let path = "/v1/Conversations/{ConversationSid}/Park";
    let mut r = Domain::Conversations.claim(vec![
        Route::new(Post, path, a, create),
        Route::new(Get, path, a, fetch),
        Route::new(Delete, path, a, unpark),
        Route::new(Get, "/v1/ParkedConversations", a, list),
    ]);
    r.push(Route::new(
        Post,
        "/agent/api/tasks/{TaskSid}/park",
        Access::Public,
        agent_park,
    ));
    r
}

pub fn park_json(p: &Park) -> Value {
    json!({
        "sid": p.sid,
        "conversation_sid": p.conversation_sid,
        "parked": p.unparked_at.is_none(),
        "task_sid": p.task_sid,
        "workspace_sid": p.workspace_sid,
        "worker_sid": p.worker_sid,
        "reason": p.reason,
        "date_parked": iso8601(p.parked_at),
        "date_unparked": p.unparked_at.map(iso8601),
        "new_task_sid": p.new_task_sid,
    })
}

fn resource(req: &Req, p: &Park) -> Value {
    with_urls(
        park_json(p),
        req,
        &format!("/v1/Conversations/{}/Park", p.conversation_sid),
        &[],
    )
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let conv = req.param("ConversationSid");
    let task = match req.form.get("TaskSid") {
        Some(t) => t.to_string(),
        None => app
            .store
            .read(|c| session_db::live_tasks(c, conv))?
            .pop()
            .ok_or_else(|| {
                ApiError::conflict(format!(
                    "Conversation {conv} has no live task to park (is it with an agent?)"
                ))
            })?,
    };
    let p = park::park(app, &task, None, req.form.get("Reason"))?;
    if p.conversation_sid != conv {
        return Err(ApiError::bad_param(
            "TaskSid",
            format!(
                "task {task} serves conversation {}, not {conv}",
                p.conversation_sid
            ),
        ));
    }
    Ok(Reply::created(resource(req, &p)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let p = app
        .store
        .read(|c| db::latest_for(c, req.param("ConversationSid")))?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(resource(req, &p)).into())
}

fn unpark(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let conv = req.param("ConversationSid");
    park::unpark(app, conv)?;
    let p = app
        .store
        .read(|c| db::latest_for(c, conv))?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(resource(req, &p)).into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| db::open(c, pr.window()))?;
    let page = page.map(|p| resource(req, &p));
    Ok(Reply::ok(list_reply(req, "parked_conversations", page, pr)).into())
}

/// The agent parks the conversation of a task they hold (`Reason` optional).
fn agent_park(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = session::require(app, req, Kind::Agent)?;
    let p = park::park(
        app,
        req.param("TaskSid"),
        Some(&s.subject),
        req.form.get("Reason"),
    )?;
    Ok(Reply::created(park_json(&p)).into())
}
