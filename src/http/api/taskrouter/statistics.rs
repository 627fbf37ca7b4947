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
use crate::store::taskrouter::stats::TaskScope;
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
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workflows/{WorkflowSid}/RealTimeStatistics",
            a,
            workflow_realtime,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Workflows/{WorkflowSid}/CumulativeStatistics",
            a,
            workflow_cumulative,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/RealTimeStatistics",
            a,
            bulk_queue_realtime,
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

/// `SplitByWaitTime`: comma-separated waits in seconds (`5,30,60`), at most 10.
fn split(req: &Req) -> Result<Vec<i64>, ApiError> {
    let Some(raw) = filter(req, "SplitByWaitTime") else {
        return Ok(Vec::new());
    };
    let bad = || {
        ApiError::bad_param(
            "SplitByWaitTime",
            "must be up to 10 comma-separated whole seconds, such as 5,30,60",
        )
    };
    let v: Vec<i64> = raw
        .split(',')
        .map(|p| p.trim().parse::<i64>().ok().filter(|n| *n >= 0))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    if v.len() > 10 {
        return Err(bad());
    }
    Ok(v)
}

/// The cumulative figures of `of` over `w`, with the canceled tasks' waits and the split.
fn cumulative_of(
    c: &rusqlite::Connection,
    ws: &str,
    w: Window,
    of: Of,
    split: &[i64],
) -> crate::routing::Result<Value> {
    let mut cu = stats::cumulative(c, ws, w, of.events())?;
    let (canceled, by_wait) = stats::cancel_and_split(c, ws, w, of.scope(), split)?;
    cu["wait_duration_until_canceled"] = canceled;
    cu["split_by_wait_time"] = by_wait;
    Ok(cu)
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

    /// The tasks the canceled-task figures count.
    fn scope(self) -> TaskScope<'a> {
        match self {
            Of::Workspace => TaskScope::default(),
            Of::Queue(q) => TaskScope {
                queue_sid: Some(q),
                ..Default::default()
            },
            Of::Worker(w) => TaskScope {
                worker_sid: Some(w),
                ..Default::default()
            },
            Of::Workflow(w) => TaskScope {
                workflow_sid: Some(w),
                ..Default::default()
            },
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
    let split = split(req)?;
    let now = app.now_ms();
    let (rt, cu) = app.store.read(|c| -> crate::routing::Result<_> {
        let rt = match which {
            Realtime::Workspace => stats::workspace_realtime(c, ws, now)?,
            Realtime::Workers => stats::workers_realtime(c, ws)?,
        };
        Ok((rt, cumulative_of(c, ws, w, Of::Workspace, &split)?))
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
    let split = split(req)?;
    let cu = app.store.read(|c| cumulative_of(c, ws, w, of, &split))?;
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

fn one_queue(app: &App, ws: &str, q: &str, w: Window, split: &[i64]) -> Result<Value, ApiError> {
    let now = app.now_ms();
    let (rt, cu) = app.store.read(|c| -> crate::routing::Result<_> {
        Ok((
            stats::queue_realtime(c, ws, q, now)?,
            cumulative_of(c, ws, w, Of::Queue(q), split)?,
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
    let split = split(req)?;
    let page = try_render(page, |q| one_queue(app, &ws.sid, &q.sid, w, &split))?;
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
    let mut v = one_queue(
        app,
        &ws.sid,
        &q.sid,
        window(req, app.now_ms())?,
        &split(req)?,
    )?;
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

/// The path's workflow, or 404.
fn workflow(app: &App, req: &Req, ws: &str) -> Result<String, ApiError> {
    Ok(app
        .store
        .read(|c| workflows::get(c, ws, req.param("WorkflowSid")))?
        .sid)
}

fn workflow_stats(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let wf = workflow(app, req, &ws.sid)?;
    let w = window(req, app.now_ms())?;
    let split = split(req)?;
    let now = app.now_ms();
    let (rt, cu) = app.store.read(|c| -> crate::routing::Result<_> {
        Ok((
            stats::workflow_realtime(c, &ws.sid, &wf, now)?,
            cumulative_of(c, &ws.sid, w, Of::Workflow(&wf), &split)?,
        ))
    })?;
    let body = json!({"cumulative": cu, "realtime": rt});
    reply(app, req, &ws.sid, Of::Workflow(&wf), body)
}

fn workflow_realtime(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let wf = workflow(app, req, &ws.sid)?;
    let rt = app
        .store
        .read(|c| stats::workflow_realtime(c, &ws.sid, &wf, app.now_ms()))?;
    reply(app, req, &ws.sid, Of::Workflow(&wf), rt)
}

fn workflow_cumulative(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let wf = workflow(app, req, &ws.sid)?;
    cumulative(app, req, &ws.sid, Of::Workflow(&wf), |cu| cu)
}

/// `POST …/TaskQueues/RealTimeStatistics`: the real-time figures of up to 50 queues at once,
/// named by `QueueSids` (a JSON body `{"QueueSids": [...]}` as the SDKs send, or form values).
fn bulk_queue_realtime(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let mut sids: Vec<String> = req
        .form
        .get_all("QueueSids")
        .into_iter()
        .map(str::to_string)
        .collect();
    if let Some(j) = &req.json {
        let list = j
            .get("QueueSids")
            .or_else(|| j.get("queue_sids"))
            .unwrap_or(j);
        sids.extend(
            list.as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string)),
        );
    }
    let sids: Vec<String> = sids
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if sids.is_empty() || sids.len() > 50 {
        return Err(ApiError::bad_param(
            "QueueSids",
            "must name from 1 to 50 TaskQueue SIDs (WQ…) of the workspace",
        ));
    }
    let now = app.now_ms();
    let data = app.store.read(|c| -> crate::routing::Result<Vec<Value>> {
        let mut out = Vec::new();
        for q in &sids {
            queues::get(c, &ws.sid, q)?;
            let mut rt = stats::queue_realtime(c, &ws.sid, q, now)?;
            rt["task_queue_sid"] = json!(q);
            out.push(rt);
        }
        Ok(out)
    })?;
    let n = data.len();
    reply(
        app,
        req,
        &ws.sid,
        Of::Workspace,
        json!({"task_queue_data": data, "task_queue_response_count": n}),
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
