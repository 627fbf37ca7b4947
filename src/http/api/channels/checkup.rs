//! `POST /v1/Checkup` (`Fix=true` to clean): System Checkup over the API; the same as
//! `switchboard checkup [--fix]`.

use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;

pub fn routes() -> Vec<Route> {
    vec![
        Route::new(Method::Post, "/v1/Checkup", Access::Account, run),
        Route::new(
            Method::Get,
            "/v1/ChannelSessions",
            Access::Account,
            list_sessions,
        ),
    ]
}

fn run(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let fix = req.form.bool("Fix")?.unwrap_or(false);
    let report = crate::channels::checkup::run(&app.store, &app.account_sid, fix)?;
    Ok(Reply::ok(report.to_json()).into())
}

/// `GET /v1/ChannelSessions` (switchboard's own): the live channel sessions, for operators and
/// tests — which external address maps to which conversation and task.
fn list_sessions(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = crate::http::encoding::PageRequest::from_query(&req.query)?;
    let w = pr.window();
    let conversation = req.query.get("ConversationSid");
    let all = app
        .store
        .read(|c| crate::store::channels::sessions::all(c, 100_000))?;
    let items: Vec<_> = all
        .into_iter()
        .filter(|s| conversation.is_none_or(|c| s.conversation_sid == c))
        .collect();
    let has_more = items.len() as u64 > w.offset + u64::from(w.limit);
    let items = items
        .into_iter()
        .skip(w.offset as usize)
        .take(w.limit as usize)
        .map(|s| {
            let mut v = crate::channels::sessions::session_data(&s);
            v["date_created"] = serde_json::json!(crate::clock::iso8601(s.created_at));
            v
        })
        .collect();
    let page = crate::store::Page { items, has_more };
    Ok(Reply::ok(crate::http::api::list_reply(
        req,
        "channel_sessions",
        page,
        pr,
    ))
    .into())
}
