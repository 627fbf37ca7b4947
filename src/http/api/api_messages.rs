//! Api 2010 Messages (issue 18 item 6): `/2010-04-01/Accounts/{AccountSid}/Messages.json` create
//! and list (filters `To`, `From`, `DateSent`, `DateSent<`, `DateSent>`), `Messages/{Sid}.json`
//! fetch, update (`Body=""` redacts, `Status=canceled`) and delete; the 2010 list envelope.
//! https://www.twilio.com/docs/messaging/api/message-resource

use super::accounts::{check_account, list_2010};
use crate::channels::api_messages::{self as domain, NewMessage};
use crate::clock::{parse_iso8601, rfc2822};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::api_messages::{ApiMessage, Filter};
use serde_json::{json, Value};

const LIST: &str = "/2010-04-01/Accounts/{AccountSid}/Messages.json";
const ONE: &str = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json";

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Post, LIST, a, create),
        Route::new(Get, LIST, a, list),
        Route::new(Get, ONE, a, fetch),
        Route::new(Post, ONE, a, update),
        Route::new(Delete, ONE, a, delete),
    ]
}

/// Segments as a carrier counts them: 160 GSM characters (153 when split), else 70 (67).
fn segments(body: &str) -> usize {
    let n = body.chars().count();
    let gsm = body.chars().all(|c| c.is_ascii() && c != '`');
    let (one, part) = if gsm { (160, 153) } else { (70, 67) };
    match n {
        0 => 1,
        n if n <= one => 1,
        n => n.div_ceil(part),
    }
}

fn message_json(app: &App, m: &ApiMessage) -> Value {
    let base = format!(
        "/2010-04-01/Accounts/{}/Messages/{}",
        app.account_sid, m.sid
    );
    json!({
        "account_sid": app.account_sid,
        "api_version": "2010-04-01",
        "body": m.body,
        "date_created": rfc2822(m.created_at),
        "date_sent": m.sent_at.map(rfc2822),
        "date_updated": rfc2822(m.updated_at),
        "direction": "outbound-api",
        "error_code": m.error_code,
        "error_message": m.error_message,
        "from": (!m.from.is_empty()).then_some(&m.from),
        "messaging_service_sid": m.messaging_service_sid,
        "num_media": m.media_urls.len().to_string(),
        "num_segments": segments(&m.body).to_string(),
        "price": null,
        "price_unit": "USD",
        "sid": m.sid,
        "status": m.status,
        "subresource_uris": {
            "media": format!("{base}/Media.json"),
            "feedback": format!("{base}/Feedback.json"),
        },
        "to": m.to,
        "uri": format!("{base}.json"),
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let f = &req.form;
    let new = NewMessage {
        to: f.get("To").map(str::to_string),
        from: f.get("From").map(str::to_string),
        messaging_service_sid: f.get("MessagingServiceSid").map(str::to_string),
        body: f.get("Body").map(str::to_string),
        media_urls: f
            .get_all("MediaUrl")
            .into_iter()
            .map(str::to_string)
            .collect(),
        status_callback: f.get("StatusCallback").map(str::to_string),
    };
    let m = domain::create(app, new)?;
    Ok(Reply::created(message_json(app, &m)).into())
}

/// A `DateSent` value: a day (`YYYY-MM-DD`) or an instant, as the range `[start, end)` it names.
fn date_range(param: &str, v: &str) -> Result<(i64, i64), ApiError> {
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

/// `DateSent` (that day or second), `DateSent<` (on or before), `DateSent>` (on or after).
fn filter(req: &Req) -> Result<Filter, ApiError> {
    let q = &req.query;
    let mut f = Filter {
        to: q.get("To").map(str::to_string),
        from: q.get("From").map(str::to_string),
        ..Filter::default()
    };
    let mut narrow = |from: Option<i64>, until: Option<i64>| {
        if let Some(t) = from {
            f.sent_from = Some(f.sent_from.map_or(t, |x| x.max(t)));
        }
        if let Some(t) = until {
            f.sent_until = Some(f.sent_until.map_or(t, |x| x.min(t)));
        }
    };
    if let Some(v) = q.get("DateSent") {
        let (s, e) = date_range("DateSent", v)?;
        narrow(Some(s), Some(e));
    }
    if let Some(v) = q.get("DateSent<") {
        narrow(None, Some(date_range("DateSent<", v)?.1));
    }
    if let Some(v) = q.get("DateSent>") {
        narrow(Some(date_range("DateSent>", v)?.0), None);
    }
    Ok(f)
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = domain::list(app, &filter(req)?, pr.window())?;
    let page = page.map(|m| message_json(app, &m));
    Ok(Reply::ok(list_2010(req, "messages", page, pr)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let m = domain::fetch(app, req.param("Sid"))?;
    Ok(Reply::ok(message_json(app, &m)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    let f = &req.form;
    let redact = match f.get("Body") {
        None => false,
        Some("") => true,
        Some(_) => {
            return Err(ApiError::bad_param(
                "Body",
                "can only be updated to an empty string (to redact the message)",
            ))
        }
    };
    let cancel = match f.get("Status") {
        None => false,
        Some("canceled") => true,
        Some(s) => {
            return Err(ApiError::bad_param(
                "Status",
                format!("{s} is not canceled"),
            ))
        }
    };
    let m = domain::update(app, req.param("Sid"), redact, cancel)?;
    Ok(Reply::ok(message_json(app, &m)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    check_account(app, req)?;
    domain::delete(app, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}
