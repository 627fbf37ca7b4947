//! Studio test runs (issue 16 item 1), switchboard's own routes (Twilio has no public shape for
//! running a draft): `POST /admin/api/studio/flows/{FlowSid}/tests` (`Revision`, the latest when
//! absent) starts one, `…/tests/{Sid}` reads it (messages, executions, steps, variables),
//! `…/tests/{Sid}/messages` (`Body`) writes as the test customer, `…/tests/{Sid}/events` is the
//! long-poll the panel follows (parked on the run's conversation and executions, no pool thread),
//! `…/tests/{Sid}/end` ends it. The engine and web chat work is `channels::test_runs`.

use crate::channels::test_runs::{self, Handed};
use crate::http::api::admin::feed;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Post, "/admin/api/studio/flows/{FlowSid}/tests", a, start),
        Route::new(Get, "/admin/api/studio/tests/{Sid}", a, fetch),
        Route::new(Post, "/admin/api/studio/tests/{Sid}/messages", a, send),
        Route::new(Get, "/admin/api/studio/tests/{Sid}/events", a, events),
        Route::new(Post, "/admin/api/studio/tests/{Sid}/end", a, end),
    ]
}

fn start(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let revision = match req.form.get("Revision").map(str::trim) {
        None | Some("") | Some("LatestRevision") => None,
        Some(n) => Some(n.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ApiError::bad_param("Revision", format!("{n:?} is not a revision number"))
        })?),
    };
    let run = test_runs::start(app, req.param("FlowSid"), revision)?;
    let view = app
        .store
        .read(|c| test_runs::view(c, &run.conversation_sid, None))?;
    Ok(Reply::created(view).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let after = req.query.parse::<i64>("AfterIndex")?;
    let view = app
        .store
        .read(|c| test_runs::view(c, req.param("Sid"), after))?;
    Ok(Reply::ok(view).into())
}

fn send(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let body = req
        .form
        .get("Body")
        .ok_or_else(|| ApiError::missing_param("Body"))?;
    let (message, handed) = test_runs::send(app, req.param("Sid"), body)?;
    let run = app.store.read(|c| test_runs::fetch(c, req.param("Sid")))?;
    let (execution, task) = match handed {
        Handed::Execution(e) => (Some(e), None),
        Handed::Task(t) => (None, Some(t)),
    };
    Ok(Reply::created(json!({
        "message": test_runs::message_json(&run, &message),
        "execution_sid": execution,
        "task_sid": task,
    }))
    .into())
}

/// `?After=SEQ[&Wait=S]`, as `/admin/api/events`: parked until the run's conversation or one of
/// its executions records something.
fn events(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let topics = app.store.read(|c| test_runs::topics(c, req.param("Sid")))?;
    feed(app, req, topics, |_| true)
}

fn end(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let run = test_runs::end(app, req.param("Sid"))?;
    let view = app
        .store
        .read(|c| test_runs::view(c, &run.conversation_sid, None))?;
    Ok(Reply::ok(view).into())
}
