//! TaskRouter v1 (`/v1/Workspaces/...`): thin handlers over `crate::routing`, one file per
//! resource group, JSON shapes in `json`. https://www.twilio.com/docs/taskrouter/api

pub mod json;
pub mod queues;
pub mod reservations;
pub mod statistics;
pub mod tasks;
pub mod workers;
pub mod workspaces;

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::request::Req;
use crate::http::router::Route;
use crate::routing::workspaces::Workspace;

pub fn routes() -> Vec<Route> {
    // Statistics first: `/Workers/Statistics` must not be taken for the worker "Statistics".
    let mut all = statistics::routes();
    all.extend(workspaces::routes());
    all.extend(workers::routes());
    all.extend(queues::routes());
    all.extend(tasks::routes());
    all.extend(reservations::routes());
    all
}

/// The path's workspace, or 404.
pub(crate) fn workspace(app: &App, req: &Req) -> Result<Workspace, ApiError> {
    let sid = req.param("WorkspaceSid");
    Ok(app
        .store
        .read(|c| crate::routing::workspaces::get(c, sid))?)
}

/// An optional non-empty text parameter.
pub(crate) fn text(req: &Req, name: &str) -> Option<String> {
    req.form.get(name).map(str::to_string)
}

/// A query filter: present and non-empty.
pub(crate) fn filter(req: &Req, name: &str) -> Option<String> {
    req.query
        .get(name)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}
