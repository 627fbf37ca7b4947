//! TaskRouter v1 (`/v1/Workspaces/...`): thin handlers over `crate::routing`, one file per
//! resource group, JSON shapes in `json`. https://www.twilio.com/docs/taskrouter/api

pub mod beyond;
pub mod json;
pub mod queues;
pub mod reservations;
pub mod statistics;
pub mod tasks;
pub mod workers;
pub mod workspaces;

use crate::http::error::ApiError;
use crate::http::request::Req;
use crate::http::router::Route;
use crate::http::App;
use crate::routing::workspaces::Workspace;
use crate::store::{Page, Window};
use serde_json::Value;

pub fn routes() -> Vec<Route> {
    // Statistics first: `/Workers/Statistics` must not be taken for the worker "Statistics".
    let mut all = statistics::routes();
    all.extend(workspaces::routes());
    all.extend(workers::routes());
    all.extend(queues::routes());
    all.extend(tasks::routes());
    all.extend(reservations::routes());
    all.extend(beyond::routes());
    all
}

/// The path's workspace, or 404.
pub(crate) fn workspace(app: &App, req: &Req) -> Result<Workspace, ApiError> {
    let sid = req.param("WorkspaceSid");
    Ok(app
        .store
        .read(|c| crate::routing::workspaces::get(c, sid))?)
}

/// The friendly name of the workspace's activity `sid`, when there is one (JSON shows names
/// beside the SIDs a queue or workspace refers to).
pub(crate) fn activity_name(
    app: &App,
    ws: &str,
    sid: &Option<String>,
) -> Result<Option<String>, ApiError> {
    Ok(match sid {
        Some(s) => app
            .store
            .read(|c| crate::store::taskrouter::activities::find(c, ws, s))?
            .map(|a| a.friendly_name),
        None => None,
    })
}

/// One page of rows filtered here rather than in SQL (expression filters, short lists), paged as
/// the store pages: the window's rows and one more, to learn whether a next page exists.
pub(crate) fn page_of<T>(rows: impl IntoIterator<Item = T>, w: Window) -> Page<T> {
    let rows = rows
        .into_iter()
        .skip(w.offset as usize)
        .take(w.limit as usize + 1)
        .collect();
    Page::from_rows(rows, w)
}

/// Renders a page's rows with a renderer that may fail (one that reads more); the first error
/// is the answer.
pub(crate) fn try_render<T>(
    page: Page<T>,
    render: impl FnMut(&T) -> Result<Value, ApiError>,
) -> Result<Page<Value>, ApiError> {
    let items = page.items.iter().map(render).collect::<Result<_, _>>()?;
    Ok(Page {
        items,
        has_more: page.has_more,
    })
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
