//! Reservations, reached under their task or under their worker: one set of handlers for both
//! paths, the path telling which (`Scope`).
//! https://www.twilio.com/docs/taskrouter/api/task-reservation
//! https://www.twilio.com/docs/taskrouter/api/worker-reservation

use super::{filter, json, page_of, text, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::reservations::{self as domain, Reservation, ReservationUpdate, Scope};
use crate::routing::states::ReservationStatus;
use crate::routing::{tasks, workers};
use crate::store::taskrouter::reservations as db;

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations",
            a,
            list,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}",
            a,
            fetch,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}",
            a,
            update,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Reservations",
            a,
            list,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Reservations/{Sid}",
            a,
            fetch,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Reservations/{Sid}",
            a,
            update,
        ),
    ]
}

/// The path's parent: `/Tasks/{TaskSid}/Reservations…` or `/Workers/{WorkerSid}/Reservations…`
/// (the router never captures an empty segment, so an empty `TaskSid` means the worker's path).
fn scope(req: &Req) -> Scope<'_> {
    match req.param("TaskSid") {
        "" => Scope::Worker(req.param("WorkerSid")),
        task => Scope::Task(task),
    }
}

/// A reservation's JSON; its `url` follows the path it was reached by.
fn render(app: &App, req: &Req, scope: Scope, r: &Reservation) -> serde_json::Value {
    let by_worker = matches!(scope, Scope::Worker(_));
    json::reservation(req, &app.account_sid, r, by_worker)
}

fn status_filter(req: &Req) -> Result<Option<ReservationStatus>, ApiError> {
    match filter(req, "ReservationStatus") {
        None => Ok(None),
        Some(s) => ReservationStatus::parse(&s).map(Some).ok_or_else(|| {
            ApiError::bad_param(
                "ReservationStatus",
                format!("{s:?} is not a reservation status"),
            )
        }),
    }
}

/// A task's reservations oldest first; a worker's newest first.
fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let scope = scope(req);
    let w = pr.window();
    let page = match scope {
        Scope::Task(sid) => {
            let t = app.store.read(|c| tasks::get(c, &ws.sid, sid))?;
            let status = status_filter(req)?;
            let all = app.store.read(|c| db::of_task(c, &t.sid))?;
            page_of(
                all.into_iter()
                    .filter(|r| status.is_none_or(|s| r.status == s)),
                w,
            )
        }
        Scope::Worker(sid) => {
            let worker = app.store.read(|c| workers::get(c, &ws.sid, sid))?;
            let status = status_filter(req)?;
            app.store
                .read(|c| db::of_worker(c, &worker.sid, status, w))?
        }
    };
    let page = page.map(|r| render(app, req, scope, &r));
    Ok(Reply::ok(list_reply(req, "reservations", page, pr)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let scope = scope(req);
    let r = app
        .store
        .read(|c| domain::get(c, &ws.sid, scope, req.param("Sid")))?;
    Ok(Reply::ok(render(app, req, scope, &r)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let scope = scope(req);
    if text(req, "Instruction").as_deref() == Some("supervise") {
        let (who, mode) = (text(req, "Supervisor"), text(req, "SupervisorMode"));
        let sid = req.param("Sid");
        let r = domain::supervise(app, &ws.sid, scope, sid, who.as_deref(), mode.as_deref())?;
        return Ok(Reply::ok(render(app, req, scope, &r)).into());
    }
    let u = ReservationUpdate {
        status: text(req, "ReservationStatus"),
        instruction: text(req, "Instruction"),
        worker_activity_sid: text(req, "WorkerActivitySid"),
        wrapup_code: text(req, "WrapupCode"),
    };
    let r = domain::update(app, &ws.sid, scope, req.param("Sid"), u)?;
    Ok(Reply::ok(render(app, req, scope, &r)).into())
}
