//! Studio v2's REST API (flows, revisions, validation, test users, executions, steps, contexts),
//! the flow webhook a carrier number points at, local customer profiles, and the console's test
//! runs of a draft revision (`test_runs`, under `/admin/api/studio`).
//! https://www.twilio.com/docs/studio/rest-api/v2

pub mod executions;
pub mod flows;
pub mod profiles;
pub mod test_runs;
pub mod webhook;

use crate::http::router::Route;

pub fn routes() -> Vec<Route> {
    let mut all = flows::routes();
    all.extend(executions::routes());
    all.extend(webhook::routes());
    all.extend(profiles::routes());
    all.extend(test_runs::routes());
    all
}

/// Parses a JSON parameter that Twilio's SDKs send serialized (`Definition`, `Parameters`).
pub(crate) fn json_param(
    req: &crate::http::request::Req,
    name: &str,
) -> Result<Option<serde_json::Value>, crate::http::error::ApiError> {
    req.form.json(name)
}
