//! switchboard's own TaskRouter resources, where Twilio has no shape ("Beyond Flex", issue 22):
//! a queue's wrap-up codes (`/TaskQueues/{WQ}/Dispositions`), agent automation of the workspace
//! and of a queue (`/Automation`, `/TaskQueues/{WQ}/Automation`), capacity rules across channels
//! (`/CapacityRules`). Plain, documented in README's
//! "Beyond Flex" section; JSON in Twilio's style (snake_case, ISO dates, `url`).

use super::{json::ws_path, workspace};
use crate::clock::iso8601;
use crate::http::api::with_urls;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::automation::{self, Change};
use crate::routing::dispositions::{self, Dispositions};
use crate::store::taskrouter::automation::Automation;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    let disp = "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/Dispositions";
    vec![
        Route::new(Get, disp, a, fetch_dispositions),
        Route::new(Post, disp, a, set_dispositions),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/CapacityRules",
            a,
            fetch_rules,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/CapacityRules",
            a,
            set_rules,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/Automation",
            a,
            fetch_automation,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/Automation",
            a,
            set_automation,
        ),
        Route::new(
            Get,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/Automation",
            a,
            fetch_automation,
        ),
        Route::new(
            Post,
            "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/Automation",
            a,
            set_automation,
        ),
    ]
}

fn dispositions_json(app: &App, req: &Req, d: &Dispositions) -> Value {
    let path = format!(
        "{}/TaskQueues/{}/Dispositions",
        ws_path(&d.workspace_sid),
        d.queue_sid
    );
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "workspace_sid": d.workspace_sid,
            "task_queue_sid": d.queue_sid,
            "codes": d.codes,
            "required": d.required,
            "date_created": iso8601(d.created_at),
            "date_updated": iso8601(d.updated_at),
        }),
        req,
        &path,
        &[],
    )
}

fn fetch_dispositions(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let d = app
        .store
        .read(|c| dispositions::get(c, &ws.sid, req.param("TaskQueueSid")))?;
    Ok(Reply::ok(dispositions_json(app, req, &d)).into())
}

/// `Codes` (a JSON array of strings) and/or `Required` (true/false).
fn set_dispositions(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let codes = match req.form.json("Codes")? {
        None => None,
        Some(v) => Some(
            serde_json::from_value::<Vec<String>>(v)
                .map_err(|_| ApiError::bad_param("Codes", "must be a JSON array of strings"))?,
        ),
    };
    let required = req.form.bool("Required")?;
    let d = dispositions::set(app, &ws.sid, req.param("TaskQueueSid"), codes, required)?;
    Ok(Reply::ok(dispositions_json(app, req, &d)).into())
}

/// The owner of the path's automation: the queue, or (no queue in the path) the workspace.
fn owner<'r>(req: &'r Req, ws: &'r str) -> (&'r str, Option<&'r str>) {
    match req.param("TaskQueueSid") {
        "" => (ws, None),
        q => (q, Some(q)),
    }
}

fn automation_json(app: &App, req: &Req, a: &Automation) -> Result<Value, ApiError> {
    let (_, queue) = owner(req, &a.workspace_sid);
    let e = app
        .store
        .read(|c| automation::effective(c, &a.workspace_sid, queue))?;
    Ok(with_urls(
        json!({
            "account_sid": app.account_sid,
            "workspace_sid": a.workspace_sid,
            "task_queue_sid": queue,
            "auto_accept": a.auto_accept,
            "auto_wrapup_seconds": a.auto_wrapup_seconds,
            "wrapup_activity_sid": a.wrapup_activity_sid,
            "after_wrapup_activity_sid": a.after_wrapup_activity_sid,
            "effective": {
                "auto_accept": e.auto_accept,
                "auto_wrapup_seconds": e.auto_wrapup_seconds,
                "wrapup_activity_sid": e.wrapup_activity_sid,
                "after_wrapup_activity_sid": e.after_wrapup_activity_sid,
            },
            "date_created": (a.created_at > 0).then(|| iso8601(a.created_at)),
            "date_updated": (a.updated_at > 0).then(|| iso8601(a.updated_at)),
        }),
        req,
        &req.path,
        &[],
    ))
}

fn fetch_automation(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let (o, _) = owner(req, &ws.sid);
    let a = app.store.read(|c| automation::get(c, &ws.sid, o))?;
    Ok(Reply::ok(automation_json(app, req, &a)?).into())
}

/// A parameter that may be cleared: absent → unchanged, empty → cleared, else parsed.
fn clearable<T>(
    req: &Req,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<Option<T>>, ApiError> {
    match req.form.get(name).map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(v) => parse(v)
            .map(|x| Some(Some(x)))
            .ok_or_else(|| ApiError::bad_param(name, format!("{v:?} is not a valid value"))),
    }
}

/// `AutoAccept` (true/false), `AutoWrapupSeconds` (0 = off), `WrapupActivitySid`,
/// `AfterWrapupActivitySid`; an empty value clears the field (a queue then inherits).
fn set_automation(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let (o, _) = owner(req, &ws.sid);
    let c = Change {
        auto_accept: clearable(req, "AutoAccept", |v| match v {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        })?,
        auto_wrapup_seconds: clearable(req, "AutoWrapupSeconds", |v| v.parse().ok())?,
        wrapup_activity_sid: clearable(req, "WrapupActivitySid", |v| Some(v.to_string()))?,
        after_wrapup_activity_sid: clearable(req, "AfterWrapupActivitySid", |v| {
            Some(v.to_string())
        })?,
    };
    let a = automation::set(app, &ws.sid, o, c)?;
    Ok(Reply::ok(automation_json(app, req, &a)?).into())
}

fn rules_json(app: &App, req: &Req, ws: &str, rules: Value) -> Value {
    with_urls(
        json!({"account_sid": app.account_sid, "workspace_sid": ws, "rules": rules}),
        req,
        &req.path,
        &[],
    )
}

fn fetch_rules(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let rules = app
        .store
        .read(|c| crate::routing::channel_rules::get(c, &ws.sid))?;
    Ok(Reply::ok(rules_json(app, req, &ws.sid, rules)).into())
}

/// `Rules`: a JSON object `{"voice": ["chat", "sms"]}` that replaces the workspace's rules.
fn set_rules(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let rules = req
        .form
        .json("Rules")?
        .ok_or_else(|| ApiError::missing_param("Rules"))?;
    let rules = crate::routing::channel_rules::set(app, &ws.sid, &rules)?;
    Ok(Reply::ok(rules_json(app, req, &ws.sid, rules)).into())
}
