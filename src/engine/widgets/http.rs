//! make-http-request and run-function. The widget only queues the request (a row the HTTP
//! workers claim, `engine::http_worker`); the execution waits in SQLite and is resumed with
//! `success` / `failed` (`fail` for run-function) and the answer in `widgets.NAME`.

use super::{props, Fail, Outcome, WaitFor, WidgetResult};
use crate::engine::context::{pairs, text};
use crate::engine::run::Run;
use crate::flows::definition::State;
use serde_json::json;

fn check_url(url: &str) -> Result<(), Fail> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Ok(())
    } else {
        Err(Fail::widget(format!("{url:?} is not an http(s) URL")))
    }
}

pub fn make_http_request(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let url = text(&p, "url").trim().to_string();
    check_url(&url)?;
    let method = text(&p, "method").trim().to_ascii_uppercase();
    let method = if method.is_empty() {
        "GET".to_string()
    } else {
        method
    };
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(Fail::widget(format!("unsupported method {method:?}")));
    }
    let request = json!({
        "kind": "http",
        "state": state.name,
        "method": method,
        "url": url,
        "content_type": text(&p, "content_type"),
        "body": text(&p, "body"),
        "params": pairs(&p, "parameters"),
        "twilio_auth": text(&p, "add_twilio_auth") == "true",
    });
    Ok(Outcome::Wait {
        wait: WaitFor::Http(request),
        outputs: serde_json::Value::Null,
    })
}

/// run-function: a POST of the parameters (form-encoded) to the widget's `url`, the self-hosted
/// stand-in for a Twilio Function.
pub fn run_function(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let url = text(&p, "url").trim().to_string();
    if url.is_empty() {
        return Err(Fail::widget(
            "run-function needs a `url` (Twilio Functions by function_sid are not available)",
        ));
    }
    check_url(&url)?;
    let request = json!({
        "kind": "function",
        "state": state.name,
        "method": "POST",
        "url": url,
        "content_type": "application/x-www-form-urlencoded",
        "body": "",
        "params": pairs(&p, "parameters"),
    });
    Ok(Outcome::Wait {
        wait: WaitFor::Http(request),
        outputs: serde_json::Value::Null,
    })
}
