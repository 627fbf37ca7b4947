//! `POST /v1/Checkup` (`Fix=true` to clean): System Checkup over the API; the same as
//! `switchboard checkup [--fix]`.

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};

pub fn routes() -> Vec<Route> {
    vec![Route::new(
        Method::Post,
        "/v1/Checkup",
        Access::Account,
        run,
    )]
}

fn run(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let fix = req.form.bool("Fix")?.unwrap_or(false);
    let report = crate::channels::checkup::run(&app.store, &app.account_sid, fix)?;
    Ok(Reply::ok(report.to_json()).into())
}
