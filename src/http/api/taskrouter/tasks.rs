//! Tasks (their reservations are in `reservations`). https://www.twilio.com/docs/taskrouter/api/task

use super::{filter, json, text, try_render, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::states::TaskStatus;
use crate::routing::tasks::{self as domain, NewTask, Task, TaskQuery, TaskUpdate};
use crate::store::taskrouter::{queues as queue_db, workflows as wf_db};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}/Tasks", a, list),
        Route::new(Post, "/v1/Workspaces/{WorkspaceSid}/Tasks", a, create),
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}", a, fetch),
        Route::new(Post, "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}", a, update),
        Route::new(
            Delete,
            "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}",
            a,
            delete,
        ),
        // switchboard's own (issue 22, supervisor repair; README "Beyond Flex").
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}/Repair",
            a,
            repair,
        ),
    ]
}

fn render(app: &App, req: &Req, t: &Task) -> Result<serde_json::Value, ApiError> {
    let names = app.store.read(|c| names_of(c, t))?;
    Ok(json::task(req, &app.account_sid, t, names, app.now_ms()))
}

/// The friendly names of the task's queue and workflow.
fn names_of(
    c: &rusqlite::Connection,
    t: &Task,
) -> crate::store::Result<(Option<String>, Option<String>)> {
    let q = match &t.queue_sid {
        Some(s) => queue_db::find(c, &t.workspace_sid, s)?.map(|q| q.friendly_name),
        None => None,
    };
    let w = match &t.workflow_sid {
        Some(s) => wf_db::find(c, &t.workspace_sid, s)?.map(|w| w.friendly_name),
        None => None,
    };
    Ok((q, w))
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let mut q = TaskQuery {
        workflow_sid: filter(req, "WorkflowSid"),
        workflow_name: filter(req, "WorkflowName"),
        queue_sid: filter(req, "TaskQueueSid"),
        queue_name: filter(req, "TaskQueueName"),
        channel: filter(req, "TaskChannel"),
        ordering: filter(req, "Ordering"),
        evaluate: filter(req, "EvaluateTaskAttributes"),
        ..Default::default()
    };
    for s in req
        .query
        .get_all("AssignmentStatus")
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        q.statuses.push(TaskStatus::parse(s).ok_or_else(|| {
            ApiError::bad_param("AssignmentStatus", format!("{s:?} is not a task status"))
        })?);
    }
    let page = domain::list(app, &ws.sid, &q, pr.window())?;
    let page = try_render(page, |t| render(app, req, t))?;
    Ok(Reply::ok(list_reply(req, "tasks", page, pr)).into())
}

/// `VirtualStartTime`, an ISO 8601 date.
fn start_time(req: &Req) -> Result<Option<i64>, ApiError> {
    match req.form.get("VirtualStartTime").filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => crate::clock::parse_iso8601(v).map(Some).ok_or_else(|| {
            ApiError::bad_param("VirtualStartTime", format!("{v:?} is not an ISO 8601 date"))
        }),
    }
}

/// The task's version as its `ETag` header (Twilio versions tasks; `If-Match` checks it).
fn with_etag(reply: Reply, t: &Task) -> Reply {
    reply.with_header("ETag", format!("\"{}\"", t.version))
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let new = NewTask {
        workflow_sid: text(req, "WorkflowSid"),
        attributes: req.form.json_object("Attributes")?.unwrap_or_default(),
        task_channel: text(req, "TaskChannel"),
        priority: req.form.parse("Priority")?,
        timeout: req.form.parse("Timeout")?,
        virtual_start_time: start_time(req)?,
    };
    let t = domain::create(app, &ws.sid, new)?;
    Ok(with_etag(Reply::created(render(app, req, &t)?), &t).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    // One pooled connection for the workspace, the task and the names (the hot GET).
    let (t, names) = app.store.read(|c| -> crate::routing::Result<_> {
        let ws = crate::routing::workspaces::get(c, req.param("WorkspaceSid"))?;
        let t = domain::get(c, &ws.sid, req.param("Sid"))?;
        let names = names_of(c, &t)?;
        Ok((t, names))
    })?;
    let now = app.now_ms();
    let reply = Reply::ok(json::task(req, &app.account_sid, &t, names, now));
    Ok(with_etag(reply, &t).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let status = match req.form.get("AssignmentStatus") {
        None => None,
        Some(s) => Some(TaskStatus::parse(s).ok_or_else(|| {
            ApiError::bad_param("AssignmentStatus", format!("{s:?} is not a task status"))
        })?),
    };
    let u = TaskUpdate {
        attributes: req.form.json_object("Attributes")?,
        priority: req.form.parse("Priority")?,
        assignment_status: status,
        reason: text(req, "Reason"),
        wrapup_code: text(req, "WrapupCode"),
        virtual_start_time: start_time(req)?,
        if_match: req.header("If-Match").map(str::to_string),
    };
    let t = domain::update(app, &ws.sid, req.param("Sid"), u)?;
    Ok(with_etag(Reply::ok(render(app, req, &t)?), &t).into())
}

/// `POST …/Tasks/{WT}/Repair`: `Action` = complete | cancel | requeue (`TaskQueueSid`?) |
/// reassign (`WorkerSid`), with an optional `Reason`; `If-Match` (the task's ETag) refuses it
/// with 412 when the task changed meanwhile.
fn repair(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    use crate::routing::repair::{self, Action};
    let ws = workspace(app, req)?;
    let action = Action::parse(
        req.form.require("Action")?,
        req.form.get("TaskQueueSid"),
        req.form.get("WorkerSid"),
    )?;
    let t = repair::repair(
        app,
        &ws.sid,
        req.param("Sid"),
        action,
        req.form.get("Reason"),
        req.header("If-Match"),
    )?;
    Ok(with_etag(Reply::ok(render(app, req, &t)?), &t).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    domain::delete(app, &ws.sid, req.param("Sid"), req.header("If-Match"))?;
    Ok(Reply::no_content().into())
}
