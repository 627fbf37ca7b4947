//! Workspaces, Activities and TaskChannels.
//! https://www.twilio.com/docs/taskrouter/api/workspace

use super::{activity_name, filter, json, text, try_render, workspace};
use crate::http::api::list_reply;
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::workspaces::{self as domain, Workspace, WorkspaceParams};
use crate::store::taskrouter::{activities, channels, workspaces as db};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Workspaces", a, list),
        Route::new(Post, "/v1/Workspaces", a, create),
        Route::new(Get, "/v1/Workspaces/{WorkspaceSid}", a, fetch),
        Route::new(Post, "/v1/Workspaces/{WorkspaceSid}", a, update),
        Route::new(Delete, "/v1/Workspaces/{WorkspaceSid}", a, delete),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Activities",
            a,
            list_activities,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Activities",
            a,
            create_activity,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Activities/{Sid}",
            a,
            fetch_activity,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Activities/{Sid}",
            a,
            update_activity,
        ),
        Route::new(
            Delete,
            "/v1/Workspaces/{WorkspaceSid}/Activities/{Sid}",
            a,
            delete_activity,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskChannels",
            a,
            list_channels,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/TaskChannels",
            a,
            create_channel,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}",
            a,
            fetch_channel,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}",
            a,
            update_channel,
        ),
        Route::new(
            Delete,
            "/v1/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}",
            a,
            delete_channel,
        ),
    ]
}

fn render(app: &App, req: &Req, w: &Workspace) -> Result<serde_json::Value, ApiError> {
    let name = |sid| activity_name(app, &w.sid, sid);
    Ok(json::workspace(
        req,
        w,
        (
            name(&w.default_activity_sid)?,
            name(&w.timeout_activity_sid)?,
        ),
    ))
}

fn params(req: &Req) -> Result<WorkspaceParams, ApiError> {
    Ok(WorkspaceParams {
        friendly_name: text(req, "FriendlyName"),
        event_callback_url: text(req, "EventCallbackUrl"),
        events_filter: text(req, "EventsFilter"),
        default_activity_sid: text(req, "DefaultActivitySid"),
        timeout_activity_sid: text(req, "TimeoutActivitySid"),
        prioritize_queue_order: text(req, "PrioritizeQueueOrder"),
        multi_task_enabled: req.form.bool("MultiTaskEnabled")?,
    })
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let name = filter(req, "FriendlyName");
    let page = app
        .store
        .read(|c| db::list(c, name.as_deref(), pr.window()))?;
    let page = try_render(page, |w| render(app, req, w))?;
    Ok(Reply::ok(list_reply(req, "workspaces", page, pr)).into())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    req.form.require("FriendlyName")?;
    let template = text(req, "Template");
    let w = domain::create_from(app, params(req)?, template.as_deref())?;
    Ok(Reply::created(render(app, req, &w)?).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = workspace(app, req)?;
    Ok(Reply::ok(render(app, req, &w)?).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = domain::update(app, req.param("WorkspaceSid"), params(req)?)?;
    Ok(Reply::ok(render(app, req, &w)?).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    domain::delete(app, req.param("WorkspaceSid"))?;
    Ok(Reply::no_content().into())
}

fn list_activities(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let name = filter(req, "FriendlyName");
    let available = req.query.bool("Available")?;
    let page = app
        .store
        .read(|c| activities::list(c, &ws.sid, name.as_deref(), available, pr.window()))?;
    let page = page.map(|a| json::activity(req, &app.account_sid, &a));
    Ok(Reply::ok(list_reply(req, "activities", page, pr)).into())
}

fn create_activity(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let name = req.form.require("FriendlyName")?;
    let available = req.form.bool("Available")?.unwrap_or(true);
    let a = domain::create_activity(app, req.param("WorkspaceSid"), name, available)?;
    Ok(Reply::created(json::activity(req, &app.account_sid, &a)).into())
}

fn fetch_activity(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let a = app
        .store
        .read(|c| domain::activity(c, &ws.sid, req.param("Sid")))?;
    Ok(Reply::ok(json::activity(req, &app.account_sid, &a)).into())
}

fn update_activity(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let a = match req.form.get("FriendlyName") {
        Some(n) => domain::rename_activity(app, &ws.sid, req.param("Sid"), n)?,
        None => app
            .store
            .read(|c| domain::activity(c, &ws.sid, req.param("Sid")))?,
    };
    Ok(Reply::ok(json::activity(req, &app.account_sid, &a)).into())
}

fn delete_activity(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    domain::delete_activity(app, req.param("WorkspaceSid"), req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

fn list_channels(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| channels::list(c, &ws.sid, pr.window()))?;
    let page = page.map(|ch| json::channel(req, &app.account_sid, &ch));
    Ok(Reply::ok(list_reply(req, "channels", page, pr)).into())
}

fn create_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let unique = req.form.require("UniqueName")?;
    let friendly = req.form.get("FriendlyName").unwrap_or(unique);
    let optimized = req.form.bool("ChannelOptimizedRouting")?.unwrap_or(false);
    let c = domain::create_channel(app, req.param("WorkspaceSid"), unique, friendly, optimized)?;
    Ok(Reply::created(json::channel(req, &app.account_sid, &c)).into())
}

fn fetch_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let c = app
        .store
        .read(|c| domain::channel(c, &ws.sid, req.param("Sid")))?;
    Ok(Reply::ok(json::channel(req, &app.account_sid, &c)).into())
}

fn update_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let optimized = req.form.bool("ChannelOptimizedRouting")?;
    let c = domain::update_channel(
        app,
        req.param("WorkspaceSid"),
        req.param("Sid"),
        text(req, "FriendlyName"),
        optimized,
    )?;
    Ok(Reply::ok(json::channel(req, &app.account_sid, &c)).into())
}

fn delete_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    domain::delete_channel(app, req.param("WorkspaceSid"), req.param("Sid"))?;
    Ok(Reply::no_content().into())
}
