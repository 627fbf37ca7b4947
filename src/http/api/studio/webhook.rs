//! The flow webhook a carrier number points at, the same shape as Twilio's
//! (`POST /v1/Accounts/{AccountSid}/Flows/{FlowSid}`): an incoming message or call goes straight
//! into the flow (a message first resumes the contact's execution waiting for a reply); calls
//! are answered with the engine's TwiML, messages with an empty `<Response/>`. Voice widgets
//! call back here with `FlowEvent=callback|poll|return` and `ExecutionSid`.

use crate::engine::{self, Inbound, TriggerKind};
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::voice::twiml;
use serde_json::{Map, Value};

pub fn routes() -> Vec<Route> {
    vec![Route::new(
        Method::Post,
        "/v1/Accounts/{AccountSid}/Flows/{FlowSid}",
        Access::Public,
        flow_webhook,
    )
    .limited_as(crate::http::limits::Limit::Webhook)]
}

fn flow_webhook(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if req.param("AccountSid") != app.account_sid {
        return Err(ApiError::not_found(&req.path));
    }
    // With the carrier's token configured, only requests it signed are processed (403 otherwise).
    if let Some(token) = app.config.provider_token.as_deref() {
        crate::http::auth::check_signature(req, token)?;
    }
    let flow_sid = req.param("FlowSid");
    let params: Map<String, Value> = req
        .form
        .0
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let form = |k: &str| req.form.get(k).unwrap_or("").to_string();
    if let Some(event) = req.query.get("FlowEvent") {
        let sid = req.query.get("ExecutionSid").unwrap_or("");
        let token = match event {
            "return" | "poll" => None,
            _ => req.query.get("Token").and_then(|t| t.parse().ok()),
        };
        // The carrier expects TwiML whatever happens: an unknown call or execution is told so.
        return Ok(
            match engine::call_callback(app, flow_sid, sid, token, event == "poll", params) {
                Ok(handled) => answer(handled.twiml),
                Err(engine::Error::NotFound(what)) => Reply::twiml(twiml::error_document(
                    &format!("Sorry, this call is not known here ({what})."),
                ))
                .into(),
                Err(e) => return Err(e.into()),
            },
        );
    }
    let is_call = req.form.has("CallSid") && !req.form.has("Body") && !req.form.has("MessageSid");
    let inbound = Inbound {
        flow_sid: flow_sid.to_string(),
        trigger: if is_call {
            TriggerKind::IncomingCall
        } else {
            TriggerKind::IncomingMessage
        },
        contact: form("From"),
        channel_address: form("To"),
        payload: Value::Object(params),
        test_revision: None,
    };
    if inbound.contact.is_empty() {
        return Err(ApiError::missing_param("From"));
    }
    match engine::handle_inbound(app, inbound) {
        Ok(h) => Ok(answer(h.twiml)),
        Err(engine::Error::Busy(m)) if is_call => Ok(Reply::twiml(twiml::error_document(
            &format!("Sorry, we cannot take this call now. {m}"),
        ))
        .into()),
        Err(e) => Err(e.into()),
    }
}

fn answer(twiml: Option<String>) -> Outcome {
    Reply::twiml(twiml.unwrap_or_else(|| twiml::document(Vec::new()))).into()
}
