//! Business hours (switchboard's own; Twilio has no shape, the Flex template keeps them in a
//! Serverless asset): `/v1/Schedules` list/create, `/v1/Schedules/{SidOrName}` fetch/update/
//! delete, `/v1/Schedules/{SidOrName}/Status` ("open now?", the next opening and closing; `At`
//! asks about another instant), and the web chat's public `GET /webchat/hours`.
//! Parameters: `Name`, `TimeZone` (IANA), `Hours` (a JSON array of `{day, open, close}`),
//! `Holidays` (`[{date, name}]`), `Closures` (`[{start, end, name}]`, local date-times),
//! `WebChat` (true: the customer's web chat shows this schedule). README's "Business hours".

use crate::clock::{iso8601, parse_iso8601};
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::schedules::{self, Change, Schedule};
use crate::store::Page;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Schedules", a, list),
        Route::new(Post, "/v1/Schedules", a, create),
        Route::new(Get, "/v1/Schedules/{Schedule}", a, fetch),
        Route::new(Post, "/v1/Schedules/{Schedule}", a, update),
        Route::new(Delete, "/v1/Schedules/{Schedule}", a, delete),
        Route::new(Get, "/v1/Schedules/{Schedule}/Status", a, status),
        Route::new(Get, "/webchat/hours", Access::Public, webchat_hours).limited_as(Limit::WebChat),
    ]
}

fn schedule_json(app: &App, req: &Req, s: &Schedule) -> Value {
    let path = format!("/v1/Schedules/{}", s.sid);
    with_urls(
        json!({
            "sid": s.sid,
            "account_sid": app.account_sid,
            "name": s.name,
            "time_zone": s.time_zone,
            "hours": schedules::ranges(s),
            "holidays": schedules::holidays(s),
            "closures": schedules::closures(s),
            "web_chat": s.web_chat,
            "status": schedules::status_json(s, app.now_ms()),
            "date_created": iso8601(s.created_at),
            "date_updated": iso8601(s.updated_at),
        }),
        req,
        &path,
        &[("status", format!("{path}/Status"))],
    )
}

fn list_param<T: DeserializeOwned>(
    req: &Req,
    name: &str,
    shape: &str,
) -> Result<Option<T>, ApiError> {
    match req.form.json(name)? {
        None => Ok(None),
        Some(v) => serde_json::from_value(v).map(Some).map_err(|e| {
            ApiError::bad_param(name, format!("must be a JSON array of {shape} ({e})"))
        }),
    }
}

fn change(req: &Req) -> Result<Change, ApiError> {
    Ok(Change {
        name: req.form.get("Name").map(str::to_string),
        time_zone: req.form.get("TimeZone").map(str::to_string),
        hours: list_param(req, "Hours", "{day, open, close}")?,
        holidays: list_param(req, "Holidays", "{date, name}")?,
        closures: list_param(req, "Closures", "{start, end, name}")?,
        web_chat: req.form.bool("WebChat")?,
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = schedules::create(app, change(req)?)?;
    Ok(Reply::created(schedule_json(app, req, &s)).into())
}

fn find(app: &App, req: &Req) -> Result<Schedule, ApiError> {
    Ok(app
        .store
        .read(|c| schedules::get(c, req.param("Schedule")))?)
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = find(app, req)?;
    Ok(Reply::ok(schedule_json(app, req, &s)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = schedules::update(app, req.param("Schedule"), change(req)?)?;
    Ok(Reply::ok(schedule_json(app, req, &s)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    schedules::delete(app, req.param("Schedule"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let w = pr.window();
    let all = app.store.read(schedules::list)?;
    let rows: Vec<Schedule> = all
        .into_iter()
        .skip(w.offset as usize)
        .take(w.sql_limit() as usize)
        .collect();
    let page = Page::from_rows(rows, w).map(|s| schedule_json(app, req, &s));
    Ok(Reply::ok(list_reply(req, "schedules", page, pr)).into())
}

/// `At` (ISO 8601, optional): the instant to ask about; the clock's now by default.
fn status(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = find(app, req)?;
    let at = match req.query.get("At") {
        None => app.now_ms(),
        Some(v) => parse_iso8601(v).ok_or_else(|| {
            ApiError::bad_param("At", format!("{v:?} is not an ISO 8601 date-time"))
        })?,
    };
    let mut body = schedules::status_json(&s, at);
    body["schedule_sid"] = json!(s.sid);
    body["at"] = json!(iso8601(at));
    Ok(Reply::ok(with_urls(body, req, &req.path, &[])).into())
}

/// The web chat's opening hours, for the customer's page: `{"office": null}` when no schedule is
/// marked `WebChat`, else its state (`open`, `next_open_local`, …).
fn webchat_hours(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    let now = app.now_ms();
    let office = app.store.read(|c| schedules::web_chat(c, now))?;
    Ok(Reply::ok(json!({"office": office})).into())
}
