//! Flows, their revisions, validation and test users.
//! https://www.twilio.com/docs/studio/rest-api/v2/flow
//! https://www.twilio.com/docs/studio/rest-api/v2/flow-revision
//! https://www.twilio.com/docs/studio/rest-api/v2/flow-validate

use super::json_param;
use crate::clock::iso8601;
use crate::flows::revisions::{self, FlowInput};
use crate::flows::FlowStatus;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::studio::flows::{self as db, Flow, Revision};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        // Before `/v2/Flows/{Sid}`, which would otherwise capture "Validate".
        Route::new(Post, "/v2/Flows/Validate", a, validate),
        Route::new(Get, "/v2/Flows", a, list),
        Route::new(Post, "/v2/Flows", a, create),
        Route::new(Get, "/v2/Flows/{Sid}", a, fetch),
        Route::new(Post, "/v2/Flows/{Sid}", a, update),
        Route::new(Delete, "/v2/Flows/{Sid}", a, delete),
        Route::new(Get, "/v2/Flows/{Sid}/Revisions", a, list_revisions),
        Route::new(
            Get,
            "/v2/Flows/{Sid}/Revisions/{Revision}",
            a,
            fetch_revision,
        ),
        Route::new(Get, "/v2/Flows/{Sid}/TestUsers", a, fetch_test_users),
        Route::new(Post, "/v2/Flows/{Sid}/TestUsers", a, update_test_users),
    ]
}

fn definition_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn flow_json(app: &App, req: &Req, f: &Flow) -> Value {
    let r = &f.latest;
    let path = format!("/v2/Flows/{}", r.flow_sid);
    with_urls(
        json!({
            "sid": r.flow_sid,
            "account_sid": app.account_sid,
            "friendly_name": r.friendly_name,
            "definition": definition_json(&r.definition),
            "status": r.status.as_str(),
            "revision": r.revision,
            "commit_message": r.commit_message,
            "valid": r.valid,
            "errors": r.errors,
            "warnings": r.warnings,
            "webhook_url": req.url(&format!("/v1/Accounts/{}/Flows/{}", app.account_sid, r.flow_sid)),
            "date_created": iso8601(f.created_at),
            "date_updated": iso8601(r.created_at),
        }),
        req,
        &path,
        &[
            ("test_users", format!("{path}/TestUsers")),
            ("revisions", format!("{path}/Revisions")),
            ("executions", format!("{path}/Executions")),
        ],
    )
}

fn revision_json(app: &App, req: &Req, r: &Revision) -> Value {
    with_urls(
        json!({
            "sid": r.flow_sid,
            "account_sid": app.account_sid,
            "friendly_name": r.friendly_name,
            "definition": definition_json(&r.definition),
            "status": r.status.as_str(),
            "revision": r.revision,
            "commit_message": r.commit_message,
            "valid": r.valid,
            "errors": r.errors,
            "date_created": iso8601(r.created_at),
            "date_updated": iso8601(r.created_at),
        }),
        req,
        &format!("/v2/Flows/{}/Revisions/{}", r.flow_sid, r.revision),
        &[],
    )
}

fn input(req: &Req) -> Result<FlowInput, ApiError> {
    let status = match req.form.get("Status") {
        None => None,
        Some(s) => Some(FlowStatus::parse(s).ok_or_else(|| {
            ApiError::bad_param("Status", format!("{s:?} is not draft or published"))
        })?),
    };
    Ok(FlowInput {
        friendly_name: req.form.get("FriendlyName").map(str::to_string),
        status,
        definition: json_param(req, "Definition")?,
        commit_message: req.form.get("CommitMessage").map(str::to_string),
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = revisions::create(app, input(req)?)?;
    Ok(Reply::created(flow_json(app, req, &flow)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = revisions::update(app, req.param("Sid"), input(req)?)?;
    Ok(Reply::ok(flow_json(app, req, &flow)).into())
}

fn validate(_app: &App, req: &Req) -> Result<Outcome, ApiError> {
    revisions::validate_only(&input(req)?)?;
    Ok(Reply::ok(json!({"valid": true})).into())
}

fn find(app: &App, req: &Req) -> Result<Flow, ApiError> {
    app.store
        .read(|c| db::fetch(c, req.param("Sid")))?
        .ok_or_else(|| ApiError::not_found(&req.path))
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = find(app, req)?;
    Ok(Reply::ok(flow_json(app, req, &flow)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if !app.store.write(|tx| db::delete(tx, req.param("Sid")))? {
        return Err(ApiError::not_found(&req.path));
    }
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| db::list(c, pr.window()))?;
    let page = page.map(|f| flow_json(app, req, &f));
    Ok(Reply::ok(list_reply(req, "flows", page, pr)).into())
}

fn list_revisions(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    find(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| db::list_revisions(c, req.param("Sid"), pr.window()))?;
    let page = page.map(|r| revision_json(app, req, &r));
    Ok(Reply::ok(list_reply(req, "revisions", page, pr)).into())
}

/// `Revision` is a number or `LatestPublished` / `LatestRevision`, as Studio accepts.
fn fetch_revision(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = find(app, req)?;
    let number = match req.param("Revision") {
        "LatestRevision" => Some(flow.latest.revision),
        "LatestPublished" => flow.published_revision,
        n => n.parse::<i64>().ok(),
    };
    let rev = match number {
        Some(n) => app.store.read(|c| db::fetch_revision(c, flow.sid(), n))?,
        None => None,
    };
    let rev = rev.ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(revision_json(app, req, &rev)).into())
}

fn test_users_json(req: &Req, sid: &str, users: Value) -> Value {
    with_urls(
        json!({"sid": sid, "test_users": users}),
        req,
        &format!("/v2/Flows/{sid}/TestUsers"),
        &[],
    )
}

fn fetch_test_users(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let sid = req.param("Sid");
    let users = app
        .store
        .read(|c| db::test_users(c, sid))?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(test_users_json(req, sid, users)).into())
}

fn update_test_users(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let sid = req.param("Sid");
    let users: Vec<&str> = req.form.get_all("TestUsers");
    if users.is_empty() {
        return Err(ApiError::missing_param("TestUsers"));
    }
    let users = json!(users);
    if !app.store.write(|tx| db::set_test_users(tx, sid, &users))? {
        return Err(ApiError::not_found(&req.path));
    }
    Ok(Reply::ok(test_users_json(req, sid, users)).into())
}
