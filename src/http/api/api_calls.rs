//! Api 2010 Calls (issue 18 item 6): `/2010-04-01/Accounts/{AccountSid}/Calls.json` create and
//! list (filters `To`, `From`, `Status`, `StartTime`/`EndTime` with `<` and `>`), `Calls/{Sid}.json`
//! fetch, update (`Status=canceled|completed`, `Url`, `Twiml`) and delete; and
//! `POST /webhooks/calls/status`, the carrier's status callback for them (`CallSid` is the
//! carrier's), signed like the messaging webhooks.
//! https://www.twilio.com/docs/voice/api/call-resource

use super::accounts::{check_account, list_2010};
use crate::channels::api_calls::{self as domain, CallUpdate, NewCall};
use crate::clock::{parse_iso8601, rfc2822};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Domain, Outcome, Route};
use crate::http::App;
use crate::store::channels::api_calls::{ApiCall, CallStatus, Filter};
use serde_json::{json, Value};

const LIST: &str = "/2010-04-01/Accounts/{AccountSid}/Calls.json";
const ONE: &str = "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json";

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    let mut api = Domain::Api.claim(vec![
        Route::new(Post, LIST, a, create),
        Route::new(Get, LIST, a, list),
        Route::new(Get, ONE, a, fetch),
        Route::new(Post, ONE, a, update),
        Route::new(Delete, ONE, a, delete),
    ]);
    api.push(
        Route::new(Post, "/webhooks/calls/status", Access::Public, status)
            .limited_as(Limit::Webhook),
    );
    api
}

fn call_json(app: &App, c: &ApiCall) -> Value {
    let base = format!("/2010-04-01/Accounts/{}/Calls/{}", app.account_sid, c.sid);
    let sub = |name: &str| format!("{base}/{name}.json");
    json!({
        "sid": c.sid,
        "date_created": rfc2822(c.created_at),
        "date_updated": rfc2822(c.updated_at),
        "parent_call_sid": null,
        "account_sid": app.account_sid,
        "to": c.to,
        "to_formatted": c.to,
        "from": c.from,
        "from_formatted": c.from,
        "phone_number_sid": null,
        "status": c.status,
        "start_time": c.start_at.map(rfc2822),
        "end_time": c.end_at.map(rfc2822),
        "duration": domain::duration_s(c).map(|d| d.to_string()),
        "price": null,
        "price_unit": "USD",
        "direction": "outbound-api",
        "answered_by": c.answered_by,
        "api_version": "2010-04-01",
        "forwarded_from": null,
        "group_sid": null,
        "caller_name": null,
        "queue_time": "0",
        "trunk_sid": null,
        "uri": format!("{base}.json"),
        "subresource_uris": {
            "notifications": sub("Notifications"),
            "recordings": sub("Recordings"),
            "payments": sub("Payments"),
            "events": sub("Events"),
            "streams": sub("Streams"),
        },
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let f = &req.form;
    let s = |k: &str| f.get(k).map(str::to_string);
    let new = NewCall {
        to: s("To"),
        from: s("From"),
        url: s("Url"),
        method: s("Method"),
        twiml: s("Twiml"),
        application_sid: s("ApplicationSid"),
        status_callback: s("StatusCallback"),
        status_callback_events: f
            .get_all("StatusCallbackEvent")
            .into_iter()
            .flat_map(|v| v.split([' ', ',']))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let c = domain::create(app, new)?;
    Ok(Reply::created(call_json(app, &c)).into())
}

/// A time filter's value: a day (`YYYY-MM-DD`) or an instant, as the range `[start, end)`.
fn range(param: &str, v: &str) -> Result<(i64, i64), ApiError> {
    let start = parse_iso8601(v).ok_or_else(|| {
        ApiError::bad_param(param, "must be a date (YYYY-MM-DD) or YYYY-MM-DDTHH:MM:SSZ")
    })?;
    let unit = if v.trim().len() == 10 {
        86_400_000
    } else {
        1000
    };
    Ok((start, start + unit))
}

/// `name` (that day or second), `name<` (on or before), `name>` (on or after).
fn time_filter(req: &Req, name: &str) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let (mut lo, mut hi): (Option<i64>, Option<i64>) = (None, None);
    for (suffix, low, high) in [("", true, true), ("<", false, true), (">", true, false)] {
        let param = format!("{name}{suffix}");
        if let Some(v) = req.query.get(&param) {
            let (s, e) = range(&param, v)?;
            if low {
                lo = Some(lo.map_or(s, |x| x.max(s)));
            }
            if high {
                hi = Some(hi.map_or(e, |x| x.min(e)));
            }
        }
    }
    Ok((lo, hi))
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let q = &req.query;
    let status = match q.get("Status") {
        None => None,
        Some(s) => Some(
            s.parse::<CallStatus>()
                .map_err(|_| ApiError::bad_param("Status", format!("{s} is not a call status")))?,
        ),
    };
    let (started_from, started_until) = time_filter(req, "StartTime")?;
    let (ended_from, ended_until) = time_filter(req, "EndTime")?;
    let filter = Filter {
        to: q.get("To").map(str::to_string),
        from: q.get("From").map(str::to_string),
        status,
        started_from,
        started_until,
        ended_from,
        ended_until,
    };
    // No call here has a parent: a ParentCallSid filter finds none.
    let page = if q.get("ParentCallSid").is_some() {
        crate::store::Page {
            items: Vec::new(),
            has_more: false,
        }
    } else {
        domain::list(app, &filter, pr.window())?
    };
    let page = page.map(|c| call_json(app, &c));
    Ok(Reply::ok(list_2010(req, "calls", page, pr)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let c = domain::fetch(app, req.param("Sid"))?;
    Ok(Reply::ok(call_json(app, &c)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let f = &req.form;
    let status = match f.get("Status") {
        None => None,
        Some(s @ ("canceled" | "completed")) => s.parse::<CallStatus>().ok(),
        Some(s) => {
            return Err(ApiError::bad_param(
                "Status",
                format!("{s} is not canceled or completed"),
            ))
        }
    };
    let u = CallUpdate {
        status,
        url: f.get("Url").map(str::to_string),
        method: f.get("Method").map(str::to_string),
        twiml: f.get("Twiml").map(str::to_string),
    };
    let c = domain::update(app, req.param("Sid"), u)?;
    Ok(Reply::ok(call_json(app, &c)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    domain::delete(app, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

/// The carrier's call progress (`CallSid`, `CallStatus`, `CallDuration`, `AnsweredBy`); unknown
/// SIDs are ignored. Answers 204.
fn status(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if let Some(token) = &app.config.provider_token {
        crate::http::auth::check_signature(req, token)?;
    }
    let f = &req.form;
    let sid = f.require("CallSid")?;
    let status = f.require("CallStatus")?;
    let duration = f.get("CallDuration").and_then(|d| d.trim().parse().ok());
    let reference = req.query.get("Ref");
    domain::on_carrier_status(app, sid, status, f.get("AnsweredBy"), duration, reference)?;
    Ok(Reply::no_content().into())
}
