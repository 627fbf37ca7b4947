//! Statistics of the workspace, its queues and workers, and the Events list.
//! https://www.twilio.com/docs/taskrouter/api/workspace-statistics, …/api/event

use super::{filter, json, try_render, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::queues::{self, TaskQueue};
use crate::routing::stats::{self, Window};
use crate::routing::{workers, workflows};
use crate::store::events::{self as ev_db, EventFilter};
use crate::store::taskrouter::queues as queue_db;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Statistics",
            a,
            workspace_stats,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/RealTimeStatistics",
            a,
            workspace_realtime,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/CumulativeStatistics",
            a,
            workspace_cumulative,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/Statistics",
            a,
            queues_stats,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/Statistics",
            a,
            queue_stats,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/RealTimeStatistics",
            a,
            queue_realtime,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/CumulativeStatistics",
            a,
            queue_cumulative,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/Statistics",
            a,
            workers_stats,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/RealTimeStatistics",
            a,
            workers_realtime,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/CumulativeStatistics",
            a,
            workspace_cumulative,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Statistics",
            a,
            worker_stats,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workflows/{WorkflowSid}/Statistics",
            a,
            workflow_stats,
        ),
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}/Events", a, list_events),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Events/{Sid}",
            a,
            fetch_event,
        ),
    ]
}

/// `Minutes` (default 15) before `now`, or `StartDate` / `EndDate` (ISO 8601).
fn window(req: &Req, now: i64) -> Result<Window, ApiError> {
    let date = |name: &str| -> Result<Option<i64>, ApiError> {
        match filter(req, name) {
            None => Ok(None),
            Some(s) => crate::clock::parse_iso8601(&s)
                .map(Some)
                .ok_or_else(|| ApiError::bad_param(name, format!("{s:?} is not an ISO 8601 date"))),
        }
    };
    let end = date("EndDate")?.unwrap_or(now);
    let start = match (date("StartDate")?, req.query.parse::<i64>("Minutes")?) {
        (Some(s), _) => s,
        (None, Some(m)) if (1..=60 * 24 * 30).contains(&m) => end - m * 60_000,
        (None, Some(_)) => return Err(ApiError::bad_param("Minutes", "must be from 1 to 43200")),
        (None, None) => Window::last_minutes(15, end).start,
    };
    if start > end {
        return Err(ApiError::bad_param("StartDate", "is after EndDate"));
    }
    Ok(Window { start, end })
}

/// Whose statistics a reply holds: the whole workspace's, or one queue's, worker's or workflow's
/// (whose cumulative figures then count only the events naming it).
#[derive(Clone, Copy)]
enum Of<'a> {
    Workspace,
    Queue(&'a str),
    Worker(&'a str),
    Workflow(&'a str),
}

impl<'a> Of<'a> {
    /// The event field cumulative figures filter on, the reply's id key, and the SID.
    fn resource(self) -> Option<(&'static str, &'static str, &'a str)> {
        match self {
            Of::Workspace => None,
            Of::Queue(sid) => Some(("TaskQueueSid", "task_queue_sid", sid)),
            Of::Worker(sid) => Some(("WorkerSid", "worker_sid", sid)),
            Of::Workflow(sid) => Some(("WorkflowSid", "workflow_sid", sid)),
        }
    }

    /// The filter of cumulative figures: events naming the resource.
    fn events(self) -> Option<(&'static str, &'a str)> {
        self.resource().map(|(field, _, sid)| (field, sid))
    }
}

/// Which real-time figures a `{"realtime", "cumulative"}` reply holds.
#[derive(Clone, Copy)]
enum Realtime {
    Workspace,
    Workers,
}

/// One statistics reply: `body` with the account, workspace and resource ids and the `url`.
fn reply(app: &App, req: &Req, ws: &str, of: Of, mut body: Value) -> Result<Outcome, ApiError> {
    if let Some(o) = body.as_object_mut() {
        o.insert("account_sid".into(), json!(app.account_sid));
        o.insert("workspace_sid".into(), json!(ws));
        if let Some((_, key, sid)) = of.resource() {
            o.insert(key.into(), json!(sid));
        }
        o.insert("url".into(), json!(req.url(&req.path)));
    }
    Ok(Reply::ok(body).into())
}

/// `{"realtime", "cumulative"}` of the workspace, read together.
fn both(app: &App, req: &Req, ws: &str, which: Realtime) -> Result<Outcome, ApiError> {
    let w = window(req, app.now_ms())?;
    let now = app.now_ms();
    let (rt, cu) = app.store.read(|c| -> crate::routing::Result<_> {
        let rt = match which {
            Realtime::Workspace => stats::workspace_realtime(c, ws, now)?,
            Realtime::Workers => stats::workers_realtime(c, ws)?,
        };
        Ok((rt, stats::cumulative(c, ws, w, None)?))
    })?;
    reply(
        app,
        req,
        ws,
        Of::Workspace,
        json!({"realtime": rt, "cumulative": cu}),
    )
}

/// The cumulative figures over the request's window, shaped by `body`.
fn cumulative(
    app: &App,
    req: &Req,
    ws: &str,
    of: Of,
    body: impl FnOnce(Value) -> Value,
) -> Result<Outcome, ApiError> {
    let w = window(req, app.now_ms())?;
    let cu = app
        .store
        .read(|c| stats::cumulative(c, ws, w, of.events()))?;
    reply(app, req, ws, of, body(cu))
}

fn workspace_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    both(app, req, &ws.sid, Realtime::Workspace)
}

fn workspace_realtime(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let rt = app
        .store
        .read(|c| stats::workspace_realtime(c, &ws.sid, app.now_ms()))?;
    reply(app, req, &ws.sid, Of::Workspace, rt)
}

/// The workspace's cumulative figures (also `/Workers/CumulativeStatistics`).
fn workspace_cumulative(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    cumulative(app, req, &ws.sid, Of::Workspace, |cu| cu)
}

fn one_queue(app: &App, ws: &str, q: &str, w: Window) -> Result<Value, ApiError> {
    let now = app.now_ms();
    let (rt, cu) = app.store.read(|c| -> crate::routing::Result<_> {
        Ok((
            stats::queue_realtime(c, ws, q, now)?,
            stats::cumulative(c, ws, w, Of::Queue(q).events())?,
        ))
    })?;
    Ok(
        json!({"account_sid": app.account_sid, "workspace_sid": ws, "task_queue_sid": q,
              "realtime": rt, "cumulative": cu}),
    )
}

fn queues_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let w = window(req, app.now_ms())?;
    let pr = PageRequest::from_query(&req.query)?;
    let name = filter(req, "FriendlyName");
    let page = app
        .store
        .read(|c| queue_db::list(c, &ws.sid, name.as_deref(), pr.window()))?;
    let page = try_render(page, |q| one_queue(app, &ws.sid, &q.sid, w))?;
    Ok(Reply::ok(list_reply(req, "task_queues_statistics", page, pr)).into())
}

/// The path's queue, or 404.
fn queue(app: &App, req: &Req, ws: &str) -> Result<TaskQueue, ApiError> {
    Ok(app
        .store
        .read(|c| queues::get(c, ws, req.param("TaskQueueSid")))?)
}

fn queue_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let q = queue(app, req, &ws.sid)?;
    let mut v = one_queue(app, &ws.sid, &q.sid, window(req, app.now_ms())?)?;
    v["url"] = json!(req.url(&req.path));
    Ok(Reply::ok(v).into())
}

fn queue_realtime(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let q = queue(app, req, &ws.sid)?;
    let rt = app
        .store
        .read(|c| stats::queue_realtime(c, &ws.sid, &q.sid, app.now_ms()))?;
    reply(app, req, &ws.sid, Of::Queue(&q.sid), rt)
}

fn queue_cumulative(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let q = queue(app, req, &ws.sid)?;
    cumulative(app, req, &ws.sid, Of::Queue(&q.sid), |cu| cu)
}

fn workers_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    both(app, req, &ws.sid, Realtime::Workers)
}

fn workers_realtime(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let rt = app.store.read(|c| stats::workers_realtime(c, &ws.sid))?;
    reply(app, req, &ws.sid, Of::Workspace, rt)
}

fn worker_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let wk = app
        .store
        .read(|c| workers::get(c, &ws.sid, req.param("WorkerSid")))?;
    let of = Of::Worker(&wk.sid);
    cumulative(app, req, &ws.sid, of, |cu| json!({"cumulative": cu}))
}

fn workflow_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let wf = app
        .store
        .read(|c| workflows::get(c, &ws.sid, req.param("WorkflowSid")))?;
    let of = Of::Workflow(&wf.sid);
    cumulative(
        app,
        req,
        &ws.sid,
        of,
        |cu| json!({"cumulative": cu, "realtime": {}}),
    )
}

fn list_events(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let mut f = EventFilter {
        workspace_sid: Some(ws.sid.clone()),
        ..Default::default()
    };
    if let Some(t) = filter(req, "EventType") {
        for name in t.split(',').map(str::trim) {
            if crate::events::EventType::parse(name).is_none() {
                return Err(ApiError::bad_param(
                    "EventType",
                    format!("{name:?} is not an event type"),
                ));
            }
            f.event_types.push(name.to_string());
        }
    }
    for (param, field) in [
        ("TaskSid", "TaskSid"),
        ("WorkerSid", "WorkerSid"),
        ("ReservationSid", "ReservationSid"),
        ("TaskQueueSid", "TaskQueueSid"),
        ("WorkflowSid", "WorkflowSid"),
    ] {
        if let Some(v) = filter(req, param) {
            if f.related_sid.is_some() {
                return Err(ApiError::bad_param(param, "only one of TaskSid, WorkerSid, ReservationSid, TaskQueueSid, WorkflowSid may be given"));
            }
            f.related_sid = Some((field.to_string(), v));
        }
    }
    if filter(req, "StartDate").is_some()
        || filter(req, "EndDate").is_some()
        || filter(req, "Minutes").is_some()
    {
        let w = window(req, app.now_ms())?;
        f.start_ms = Some(w.start);
        f.end_ms = Some(w.end);
    }
    let page = app.store.read(|c| ev_db::list(c, &f, pr.window()))?;
    let page = page.map(|e| json::event(req, &e));
    Ok(Reply::ok(list_reply(req, "events", page, pr)).into())
}

fn fetch_event(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let e = app
        .store
        .read(|c| ev_db::find(c, req.param("Sid")))?
        .filter(|e| e.workspace_sid.as_deref() == Some(ws.sid.as_str()))
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(json::event(req, &e)).into())
}
