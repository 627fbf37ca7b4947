//! The supervisor's own reads under `/admin/api/` (issue 17): the floor (agents, queues and live
//! tasks of a workspace in one answer, `routing::floor`). The supervisor's actions use the REST
//! routes that exist: a worker's `ActivitySid`, a task's `Repair` (with `If-Match`), an
//! execution's `Status=ended`, a conversation's messages; the page stays live on `/admin/api/events`.

use crate::clock::parse_iso8601;
use crate::http::api::taskrouter::workspace;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;

pub fn routes() -> Vec<Route> {
    vec![Route::new(
        Method::Get,
        "/admin/api/workspaces/{WorkspaceSid}/floor",
        Access::Account,
        floor,
    )]
}

/// A point in time given as ISO 8601 (`2026-12-03T00:00:00Z`, what a page's `toISOString`
/// sends) in query parameter `name`.
pub fn time_param(req: &Req, name: &str) -> Result<Option<i64>, ApiError> {
    match req.query.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_iso8601(v).map(Some).ok_or_else(|| {
            ApiError::bad_param(
                name,
                format!("{v:?} is not a date and time; use ISO 8601 such as 2026-12-03T00:00:00Z"),
            )
        }),
    }
}

/// `GET /admin/api/workspaces/{WS}/floor[?Since=ISO]`: every agent, queue and live task; the
/// service level counts from `Since` (the office's midnight; default: the last 24 hours).
fn floor(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ws = workspace(app, req)?;
    let now = app.now_ms();
    let since = time_param(req, "Since")?.unwrap_or(now - 86_400_000);
    if since > now {
        return Err(ApiError::bad_param(
            "Since",
            "is in the future; give the start of the day to count from",
        ));
    }
    let body = app
        .store
        .read(|c| crate::routing::floor::snapshot(c, &ws.sid, since, now))?;
    Ok(Reply::ok(body)
        .with_header("Cache-Control", "no-store")
        .into())
}
