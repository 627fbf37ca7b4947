//! Tasks (their reservations are in `reservations`). https://www.twilio.com/docs/taskrouter/api/task

use super::{filter, json, page_of, text, try_render, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::states::TaskStatus;
use crate::routing::tasks::{self as domain, NewTask, Task, TaskFilter, TaskUpdate};
use crate::routing::{expr, queues};
use crate::store::taskrouter::{queues as queue_db, tasks as db, workflows as wf_db};

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
    let mut f = TaskFilter {
        newest_first: filter(req, "Ordering").is_some_and(|o| o.contains("desc")),
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
        if TaskStatus::parse(s).is_none() {
            return Err(ApiError::bad_param(
                "AssignmentStatus",
                format!("{s:?} is not a task status"),
            ));
        }
        f.statuses.push(s.to_string());
    }
    f.workflow_sid = filter(req, "WorkflowSid");
    if let Some(name) = filter(req, "WorkflowName") {
        f.workflow_sid = Some(
            app.store
                .read(|c| wf_db::find_by_name(c, &ws.sid, &name))?
                .map(|w| w.sid)
                .unwrap_or_default(),
        );
    }
    f.queue_sid = filter(req, "TaskQueueSid");
    if let Some(name) = filter(req, "TaskQueueName") {
        f.queue_sid = Some(
            app.store
                .read(|c| queue_db::find_by_name(c, &ws.sid, &name))?
                .map(|q| q.sid)
                .unwrap_or_default(),
        );
    }
    if let Some(ch) = filter(req, "TaskChannel") {
        f.channel_sid = Some(
            app.store
                .read(|c| crate::store::taskrouter::channels::find(c, &ws.sid, &ch))?
                .map(|c| c.sid)
                .unwrap_or_default(),
        );
    }
    let page = match filter(req, "EvaluateTaskAttributes") {
        None => app
            .store
            .read(|c| db::list(c, &ws.sid, &f, Some(pr.window())))?,
        Some(src) => {
            let e = queues::check_expression("EvaluateTaskAttributes", &src)?;
            let all = app.store.read(|c| db::list(c, &ws.sid, &f, None))?.items;
            let rows = all.into_iter().filter(|t| {
                e.eval(&expr::Scope {
                    task: Some(&t.attributes),
                    worker: None,
                    default: expr::Root::Task,
                })
            });
            page_of(rows, pr.window())
        }
    };
    let page = try_render(page, |t| render(app, req, t))?;
    Ok(Reply::ok(list_reply(req, "tasks", page, pr)).into())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let new = NewTask {
        workflow_sid: text(req, "WorkflowSid"),
        attributes: req.form.json_object("Attributes")?.unwrap_or_default(),
        task_channel: text(req, "TaskChannel"),
        priority: req.form.parse("Priority")?,
        timeout: req.form.parse("Timeout")?,
    };
    let t = domain::create(app, &ws.sid, new)?;
    Ok(Reply::created(render(app, req, &t)?).into())
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
    Ok(Reply::ok(json::task(req, &app.account_sid, &t, names, now)).into())
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
    };
    let t = domain::update(app, &ws.sid, req.param("Sid"), u)?;
    Ok(Reply::ok(render(app, req, &t)?).into())
}

/// `POST …/Tasks/{WT}/Repair`: `Action` = complete | cancel | requeue (`TaskQueueSid`?) |
/// reassign (`WorkerSid`), with an optional `Reason`.
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
    )?;
    Ok(Reply::ok(render(app, req, &t)?).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    domain::delete(app, &ws.sid, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}
