//! `/admin/api/office`: the office's own settings, read by every console page and changed by an
//! admin (supervisors read them). Today one: the office's time zone, in which the console and the
//! agent desktop show times and the reports count days (`channels::flex_config`, stored in the
//! Flex Configuration's `ui_attributes.time_zone`). The sessions of both pages carry it too.

use crate::channels::flex_config;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    vec![
        Route::new(Get, "/admin/api/office", Access::Account, fetch),
        Route::new(Post, "/admin/api/office", Access::Account, update),
    ]
}

/// The office's settings as the pages read them: `time_zone` is `null` until set.
pub fn office_json(app: &App) -> Result<Value, ApiError> {
    let zone = app.store.read(|c| flex_config::time_zone(c, app))?;
    Ok(json!({ "time_zone": zone, "time_zone_set": zone.is_some() }))
}

/// `GET /admin/api/office`.
fn fetch(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    Ok(Reply::ok(office_json(app)?).into())
}

/// `POST /admin/api/office` with `TimeZone` (an IANA name; an unknown one is a 400 that says to
/// choose from the list). Audited as a setting (`http::audit`).
fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let zone = req.form.require("TimeZone")?;
    flex_config::set_time_zone(app, "TimeZone", zone)?;
    Ok(Reply::ok(office_json(app)?).into())
}
