//! Workers and their channels (capacity per task channel); reservations: `reservations`.
//! https://www.twilio.com/docs/taskrouter/api/worker

use super::{filter, json, page_of, text, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::workers::{self as domain, WorkerFilter, WorkerUpdate};
use crate::routing::{expr, queues};
use crate::store::taskrouter::{queues as queue_db, workers as db};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}/Workers", a, list),
        Route::new(Post, "/v1/Workspaces/{WorkspaceSid}/Workers", a, create),
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}", a, fetch),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}",
            a,
            update,
        ),
        Route::new(
            Delete,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}",
            a,
            delete,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Channels",
            a,
            list_channels,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Channels/{Sid}",
            a,
            fetch_channel,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Channels/{Sid}",
            a,
            update_channel,
        ),
    ]
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let f = WorkerFilter {
        activity_sid: filter(req, "ActivitySid"),
        activity_name: filter(req, "ActivityName"),
        available: req.query.bool("Available")?,
        friendly_name: filter(req, "FriendlyName"),
    };
    // Expression filters are evaluated here over the workspace's workers; plain filters page in SQL.
    let mut exprs = Vec::new();
    if let Some(src) = filter(req, "TargetWorkersExpression") {
        exprs.push(queues::check_expression("TargetWorkersExpression", &src)?);
    }
    let queue = match (filter(req, "TaskQueueSid"), filter(req, "TaskQueueName")) {
        (Some(sid), _) => Some(app.store.read(|c| queues::get(c, &ws.sid, &sid))?),
        (None, Some(name)) => Some(
            app.store
                .read(|c| queue_db::find_by_name(c, &ws.sid, &name))?
                .ok_or_else(|| {
                    ApiError::bad_param("TaskQueueName", format!("no queue named {name:?}"))
                })?,
        ),
        _ => None,
    };
    if let Some(q) = queue {
        exprs.push(queues::check_expression(
            "TargetWorkers",
            &q.target_workers,
        )?);
    }
    let page = if exprs.is_empty() {
        app.store
            .read(|c| db::list(c, &ws.sid, &f, Some(pr.window())))?
    } else {
        let all = app.store.read(|c| db::list(c, &ws.sid, &f, None))?.items;
        let matching = all.into_iter().filter(|w| {
            exprs.iter().all(|e| {
                e.eval(&expr::Scope {
                    task: None,
                    worker: Some(&w.attributes),
                    default: expr::Root::Worker,
                })
            })
        });
        page_of(matching, pr.window())
    };
    let page = page.map(|w| json::worker(req, &app.account_sid, &w));
    Ok(Reply::ok(list_reply(req, "workers", page, pr)).into())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let name = req.form.require("FriendlyName")?;
    let attrs = req.form.json_object("Attributes")?;
    let w = domain::create(app, &ws.sid, name, attrs, req.form.get("ActivitySid"))?;
    Ok(Reply::created(json::worker(req, &app.account_sid, &w)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let w = app
        .store
        .read(|c| domain::get(c, &ws.sid, req.param("Sid")))?;
    Ok(Reply::ok(json::worker(req, &app.account_sid, &w)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let u = WorkerUpdate {
        friendly_name: text(req, "FriendlyName"),
        attributes: req.form.json_object("Attributes")?,
        activity_sid: text(req, "ActivitySid"),
        reject_pending_reservations: req.form.bool("RejectPendingReservations")?.unwrap_or(false),
    };
    let w = domain::update(app, &ws.sid, req.param("Sid"), u)?;
    Ok(Reply::ok(json::worker(req, &app.account_sid, &w)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    domain::delete(app, &ws.sid, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

fn list_channels(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let worker = app
        .store
        .read(|c| domain::get(c, &ws.sid, req.param("WorkerSid")))?;
    let all = app.store.read(|c| db::channels_of(c, &worker.sid))?;
    let page = page_of(all, pr.window()).map(|c| json::worker_channel(req, &app.account_sid, &c));
    Ok(Reply::ok(list_reply(req, "channels", page, pr)).into())
}

fn fetch_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let c = app
        .store
        .read(|c| domain::channel(c, &ws.sid, req.param("WorkerSid"), req.param("Sid")))?;
    Ok(Reply::ok(json::worker_channel(req, &app.account_sid, &c)).into())
}

fn update_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let capacity = req.form.parse::<i64>("Capacity")?;
    let available = req.form.bool("Available")?;
    let c = domain::update_channel(
        app,
        &ws.sid,
        req.param("WorkerSid"),
        req.param("Sid"),
        capacity,
        available,
    )?;
    Ok(Reply::ok(json::worker_channel(req, &app.account_sid, &c)).into())
}
