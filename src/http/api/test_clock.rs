//! `POST /__test/clock`: moves the appliance's clock, so tests of timers (reservation timeouts,
//! TTLs, send-and-wait, conversation timers, automation) advance time instead of waiting for it.
//! Compiled only with `debug_assertions` (the test build): a release binary has neither this
//! route nor a clock that can move (`clock::Clock`), so it answers 404.
//!
//! `AdvanceMs=N` moves the clock N ≥ 0 ms forward; `Now=…` (ISO 8601 or Unix ms) sets it. The
//! timer thread and the outbox wake at once and fire what became due. `Freeze=true` stops it
//! until moved again (seeded times exact to the millisecond), `Freeze=false` lets it run on.
//! Answers the new time.

use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    vec![Route::new(
        Method::Post,
        "/__test/clock",
        Access::Account,
        move_clock,
    )]
}

fn move_clock(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    // `Freeze=true` stops the clock (it then moves only when moved here), `false` lets it run;
    // alone or before a move.
    let freeze = match req.form.get("Freeze").map(str::trim) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(v) => {
            return Err(ApiError::bad_param(
                "Freeze",
                format!("{v:?} is not true or false"),
            ))
        }
    };
    if let Some(f) = freeze {
        let now = app.clock.freeze(f);
        if req.form.get("AdvanceMs").is_none() && req.form.get("Now").is_none() {
            return Ok(
                Reply::ok(json!({ "now": now, "now_iso": crate::clock::iso8601(now) })).into(),
            );
        }
    }
    let advance: Option<i64> = req.form.parse("AdvanceMs")?;
    let now = match req.form.get("Now").map(str::trim) {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .or_else(|| crate::clock::parse_iso8601(v))
                .ok_or_else(|| {
                    ApiError::bad_param("Now", format!("{v:?} is not ISO 8601 or Unix ms"))
                })?,
        ),
    };
    let now = match (advance, now) {
        (Some(ms), None) if ms >= 0 => app.clock.advance(ms),
        (Some(ms), None) => {
            return Err(ApiError::bad_param(
                "AdvanceMs",
                format!("{ms} is negative; the clock only moves forward"),
            ))
        }
        (None, Some(at)) => app.clock.set(at),
        _ => {
            return Err(ApiError::bad_request(
                "Give exactly one of AdvanceMs or Now",
            ))
        }
    };
    Ok(Reply::ok(json!({ "now": now, "now_iso": crate::clock::iso8601(now) })).into())
}
