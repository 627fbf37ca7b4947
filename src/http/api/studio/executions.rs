//! Executions, their context, and their steps with each step's context.
//! https://www.twilio.com/docs/studio/rest-api/v2/execution
//! https://www.twilio.com/docs/studio/rest-api/v2/execution-context
//! https://www.twilio.com/docs/studio/rest-api/v2/step

use super::json_param;
use crate::clock::{iso8601, parse_iso8601};
use crate::engine::{self, ExecutionStatus};
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::studio::executions::{self as db, Execution, Step};
use crate::store::studio::flows;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v2/Executions", a, list_all),
        Route::new(Get, "/v2/Flows/{FlowSid}/Executions", a, list),
        Route::new(Post, "/v2/Flows/{FlowSid}/Executions", a, create),
        Route::new(Get, "/v2/Flows/{FlowSid}/Executions/{Sid}", a, fetch),
        Route::new(Post, "/v2/Flows/{FlowSid}/Executions/{Sid}", a, update),
        Route::new(Delete, "/v2/Flows/{FlowSid}/Executions/{Sid}", a, delete),
        Route::new(
            Get,
            "/v2/Flows/{FlowSid}/Executions/{Sid}/Context",
            a,
            context,
        ),
        Route::new(
            Get,
            "/v2/Flows/{FlowSid}/Executions/{Sid}/Steps",
            a,
            list_steps,
        ),
        Route::new(
            Get,
            "/v2/Flows/{FlowSid}/Executions/{Sid}/Steps/{StepSid}",
            a,
            fetch_step,
        ),
        Route::new(
            Get,
            "/v2/Flows/{FlowSid}/Executions/{Sid}/Steps/{StepSid}/Context",
            a,
            step_context,
        ),
    ]
}

fn exec_path(e: &Execution) -> String {
    format!("/v2/Flows/{}/Executions/{}", e.flow_sid, e.sid)
}

fn execution_json(app: &App, req: &Req, e: &Execution) -> Value {
    let path = exec_path(e);
    with_urls(
        json!({
            "sid": e.sid,
            "account_sid": app.account_sid,
            "flow_sid": e.flow_sid,
            "contact_channel_address": e.contact,
            "context": e.context,
            "status": e.status.as_str(),
            "date_created": iso8601(e.created_at),
            "date_updated": iso8601(e.updated_at),
        }),
        req,
        &path,
        &[
            ("steps", format!("{path}/Steps")),
            ("execution_context", format!("{path}/Context")),
        ],
    )
}

/// The widget type of each state of the revision the execution runs (a step's `type` is the
/// type of the widget it left).
fn widget_types(app: &App, e: &Execution) -> Result<Vec<(String, String)>, ApiError> {
    let rev = app
        .store
        .read(|c| flows::fetch_revision(c, &e.flow_sid, e.revision))?;
    let def: Value = rev
        .and_then(|r| serde_json::from_str(&r.definition).ok())
        .unwrap_or(Value::Null);
    Ok(def["states"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|st| {
            Some((
                st["name"].as_str()?.to_string(),
                st["type"].as_str()?.to_string(),
            ))
        })
        .collect())
}

fn step_json(app: &App, req: &Req, s: &Step, types: &[(String, String)]) -> Value {
    let widget_type = types
        .iter()
        .find(|(name, _)| *name == s.transitioned_from)
        .map(|(_, t)| t.as_str());
    let path = format!(
        "/v2/Flows/{}/Executions/{}/Steps/{}",
        s.flow_sid, s.execution_sid, s.sid
    );
    with_urls(
        json!({
            "sid": s.sid,
            "account_sid": app.account_sid,
            "flow_sid": s.flow_sid,
            "execution_sid": s.execution_sid,
            "parent_step_sid": null,
            "name": s.name,
            "context": s.context,
            "transitioned_from": s.transitioned_from,
            "transitioned_to": s.transitioned_to,
            "type": widget_type,
            "date_created": iso8601(s.created_at),
            "date_updated": iso8601(s.created_at),
        }),
        req,
        &path,
        &[("step_context", format!("{path}/Context"))],
    )
}

/// `To` (the contact), `From` (our address) and `Parameters` (a JSON object → `flow.data`).
fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let to = req.form.require("To")?;
    let from = req.form.require("From")?;
    let parameters = match json_param(req, "Parameters")? {
        None => json!({}),
        Some(v) if v.is_object() => v,
        Some(_) => return Err(ApiError::bad_param("Parameters", "must be a JSON object")),
    };
    let exec = engine::trigger_rest(app, req.param("FlowSid"), to, from, parameters)?;
    Ok(Reply::created(execution_json(app, req, &exec)).into())
}

fn find(app: &App, req: &Req) -> Result<Execution, ApiError> {
    app.store
        .read(|c| db::fetch(c, req.param("Sid")))?
        .filter(|e| e.flow_sid == req.param("FlowSid"))
        .ok_or_else(|| ApiError::not_found(&req.path))
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let e = find(app, req)?;
    Ok(Reply::ok(execution_json(app, req, &e)).into())
}

/// `Status=ended` stops the execution (the only update Studio allows).
fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    match req.form.require("Status")? {
        "ended" => {}
        other => {
            return Err(ApiError::bad_param(
                "Status",
                format!("{other:?} is not a status an execution can be set to (ended)"),
            ))
        }
    }
    let e = engine::stop(app, req.param("FlowSid"), req.param("Sid"))?;
    debug_assert_eq!(e.status, ExecutionStatus::Ended);
    Ok(Reply::ok(execution_json(app, req, &e)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    engine::delete(app, req.param("FlowSid"), req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

fn date_param(req: &Req, name: &str) -> Result<Option<i64>, ApiError> {
    match req.query.get(name) {
        None | Some("") => Ok(None),
        Some(v) => parse_iso8601(v)
            .map(Some)
            .ok_or_else(|| ApiError::bad_param(name, format!("{v:?} is not an ISO 8601 date"))),
    }
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow_sid = req.param("FlowSid");
    if app.store.read(|c| flows::fetch(c, flow_sid))?.is_none() {
        return Err(ApiError::not_found(&req.path));
    }
    let pr = PageRequest::from_query(&req.query)?;
    let (from, to) = (
        date_param(req, "DateCreatedFrom")?,
        date_param(req, "DateCreatedTo")?,
    );
    let page = app
        .store
        .read(|c| db::list(c, flow_sid, from, to, pr.window()))?;
    let page = page.map(|e| execution_json(app, req, &e));
    Ok(Reply::ok(list_reply(req, "executions", page, pr)).into())
}

/// switchboard's own: every flow's executions in `Status` (default `active`), oldest first, so
/// the admin sees who has been stuck longest (each links to its flow's execution resource,
/// where `Status=ended` ends it).
fn list_all(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let status = match req.query.get("Status") {
        None | Some("") | Some("active") => "active",
        Some("ended") => "ended",
        Some(other) => {
            return Err(ApiError::bad_param(
                "Status",
                format!("{other:?} is not an execution status (active, ended)"),
            ))
        }
    };
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| db::list_by_status(c, status, pr.window()))?;
    let page = page.map(|e| execution_json(app, req, &e));
    Ok(Reply::ok(list_reply(req, "executions", page, pr)).into())
}

fn context(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let e = find(app, req)?;
    Ok(Reply::ok(with_urls(
        json!({
            "account_sid": app.account_sid,
            "context": e.context,
            "flow_sid": e.flow_sid,
            "execution_sid": e.sid,
        }),
        req,
        &format!("{}/Context", exec_path(&e)),
        &[],
    ))
    .into())
}

fn list_steps(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let e = find(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| db::list_steps(c, &e.sid, pr.window()))?;
    let types = widget_types(app, &e)?;
    let page = page.map(|s| step_json(app, req, &s, &types));
    Ok(Reply::ok(list_reply(req, "steps", page, pr)).into())
}

fn find_step(app: &App, req: &Req) -> Result<Step, ApiError> {
    find_step_of(app, req).map(|(_, s)| s)
}

fn find_step_of(app: &App, req: &Req) -> Result<(Execution, Step), ApiError> {
    let e = find(app, req)?;
    let s = app
        .store
        .read(|c| db::fetch_step(c, &e.sid, req.param("StepSid")))?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok((e, s))
}

fn fetch_step(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (e, s) = find_step_of(app, req)?;
    let types = widget_types(app, &e)?;
    Ok(Reply::ok(step_json(app, req, &s, &types)).into())
}

fn step_context(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = find_step(app, req)?;
    Ok(Reply::ok(with_urls(
        json!({
            "account_sid": app.account_sid,
            "context": s.context,
            "execution_sid": s.execution_sid,
            "flow_sid": s.flow_sid,
            "step_sid": s.sid,
        }),
        req,
        &format!(
            "/v2/Flows/{}/Executions/{}/Steps/{}/Context",
            s.flow_sid, s.execution_sid, s.sid
        ),
        &[],
    ))
    .into())
}
