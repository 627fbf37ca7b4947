//! Studio v2's REST API (flows, revisions, validation, test users, executions, steps, contexts),
//! the flow webhook a carrier number points at, and local customer profiles.
//! https://www.twilio.com/docs/studio/rest-api/v2

pub mod executions;
pub mod flows;
pub mod profiles;
pub mod webhook;

use crate::http::router::Route;

pub fn routes() -> Vec<Route> {
    let mut all = flows::routes();
    all.extend(executions::routes());
    all.extend(webhook::routes());
    all.extend(profiles::routes());
    all
}

/// Parses a JSON parameter that Twilio's SDKs send serialized (`Definition`, `Parameters`).
pub(crate) fn json_param(
    req: &crate::http::request::Req,
    name: &str,
) -> Result<Option<serde_json::Value>, crate::http::error::ApiError> {
    req.form.json(name)
}
