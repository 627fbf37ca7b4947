//! TaskQueues and Workflows.
//! https://www.twilio.com/docs/taskrouter/api/task-queue, …/api/workflow

use super::{activity_name, filter, json, page_of, text, try_render, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::queues::{self as domain, QueueParams, TaskQueue};
use crate::routing::workflows::{self, WorkflowParams};
use crate::routing::{expr, workers};
use crate::store::taskrouter::{queues as db, workflows as wf_db};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}/TaskQueues", a, list),
        Route::new(Post, "/v1/Workspaces/{WorkspaceSid}/TaskQueues", a, create),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}",
            a,
            fetch,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}",
            a,
            update,
        ),
        Route::new(
            Delete,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}",
            a,
            delete,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workflows",
            a,
            list_workflows,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Workflows",
            a,
            create_workflow,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}",
            a,
            fetch_workflow,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}",
            a,
            update_workflow,
        ),
        Route::new(
            Delete,
            "/v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}",
            a,
            delete_workflow,
        ),
    ]
}

fn render(app: &App, req: &Req, q: &TaskQueue) -> Result<serde_json::Value, ApiError> {
    let name = |sid| activity_name(app, &q.workspace_sid, sid);
    Ok(json::queue(
        req,
        &app.account_sid,
        q,
        (
            name(&q.assignment_activity_sid)?,
            name(&q.reservation_activity_sid)?,
        ),
    ))
}

fn params(req: &Req) -> Result<QueueParams, ApiError> {
    Ok(QueueParams {
        friendly_name: text(req, "FriendlyName"),
        target_workers: text(req, "TargetWorkers"),
        task_order: text(req, "TaskOrder"),
        max_reserved_workers: req.form.parse("MaxReservedWorkers")?,
        assignment_activity_sid: text(req, "AssignmentActivitySid"),
        reservation_activity_sid: text(req, "ReservationActivitySid"),
    })
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let name = filter(req, "FriendlyName");
    // EvaluateWorkerAttributes / WorkerSid: the queues whose target_workers accept those attributes.
    let attrs = match (
        filter(req, "EvaluateWorkerAttributes"),
        filter(req, "WorkerSid"),
    ) {
        (Some(a), _) => Some(serde_json::from_str::<serde_json::Value>(&a).map_err(|e| {
            ApiError::bad_param("EvaluateWorkerAttributes", format!("not valid JSON: {e}"))
        })?),
        (None, Some(w)) => Some(app.store.read(|c| workers::get(c, &ws.sid, &w))?.attributes),
        _ => None,
    };
    let page = match attrs {
        None => app
            .store
            .read(|c| db::list(c, &ws.sid, name.as_deref(), pr.window()))?,
        Some(attrs) => {
            let all = app.store.read(|c| db::all(c, &ws.sid))?;
            let rows = all
                .into_iter()
                .filter(|q| name.as_ref().is_none_or(|n| *n == q.friendly_name))
                .filter(|q| {
                    expr::parse(&q.target_workers).is_ok_and(|e| {
                        e.eval(&expr::Scope {
                            task: None,
                            worker: Some(&attrs),
                            default: expr::Root::Worker,
                        })
                    })
                });
            page_of(rows, pr.window())
        }
    };
    let page = try_render(page, |q| render(app, req, q))?;
    Ok(Reply::ok(list_reply(req, "task_queues", page, pr)).into())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    req.form.require("FriendlyName")?;
    let q = domain::create(app, &ws.sid, params(req)?)?;
    Ok(Reply::created(render(app, req, &q)?).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let q = app
        .store
        .read(|c| domain::get(c, &ws.sid, req.param("Sid")))?;
    Ok(Reply::ok(render(app, req, &q)?).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let q = domain::update(app, &ws.sid, req.param("Sid"), params(req)?)?;
    Ok(Reply::ok(render(app, req, &q)?).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    domain::delete(app, &ws.sid, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

fn wf_params(req: &Req) -> Result<WorkflowParams, ApiError> {
    Ok(WorkflowParams {
        friendly_name: text(req, "FriendlyName"),
        configuration: text(req, "Configuration"),
        assignment_callback_url: text(req, "AssignmentCallbackUrl"),
        fallback_assignment_callback_url: text(req, "FallbackAssignmentCallbackUrl"),
        task_reservation_timeout: req.form.parse("TaskReservationTimeout")?,
        re_evaluate_tasks: req.form.bool("ReEvaluateTasks")?.unwrap_or(false),
    })
}

fn list_workflows(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let name = filter(req, "FriendlyName");
    let page = app
        .store
        .read(|c| wf_db::list(c, &ws.sid, name.as_deref(), pr.window()))?;
    let page = page.map(|w| json::workflow(req, &app.account_sid, &w));
    Ok(Reply::ok(list_reply(req, "workflows", page, pr)).into())
}

fn create_workflow(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    req.form.require("FriendlyName")?;
    req.form.require("Configuration")?;
    let w = workflows::create(app, &ws.sid, wf_params(req)?)?;
    Ok(Reply::created(json::workflow(req, &app.account_sid, &w)).into())
}

fn fetch_workflow(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let w = app
        .store
        .read(|c| workflows::get(c, &ws.sid, req.param("Sid")))?;
    Ok(Reply::ok(json::workflow(req, &app.account_sid, &w)).into())
}

fn update_workflow(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let w = workflows::update(app, &ws.sid, req.param("Sid"), wf_params(req)?)?;
    Ok(Reply::ok(json::workflow(req, &app.account_sid, &w)).into())
}

fn delete_workflow(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    workflows::delete(app, &ws.sid, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}
