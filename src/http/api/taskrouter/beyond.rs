//! switchboard's own TaskRouter resources, where Twilio has no shape ("Beyond Flex", issue 22):
//! a queue's wrap-up codes (`/TaskQueues/{WQ}/Dispositions`). Plain, documented in README's
//! "Beyond Flex" section; JSON in Twilio's style (snake_case, ISO dates, `url`).

use super::{json::ws_path, workspace};
use crate::clock::iso8601;
use crate::http::api::with_urls;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::routing::dispositions::{self, Dispositions};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    let disp = "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}/Dispositions";
    vec![
        Route::new(Get, disp, a, fetch_dispositions),
        Route::new(Post, disp, a, set_dispositions),
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
