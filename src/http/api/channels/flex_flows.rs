//! Flex v1 `FlexFlows`: https://www.twilio.com/docs/flex/developer/messaging/api/flex-flow

use super::{dotted, text};
use crate::channels::flex_flows::{self, Fields, FlexFlow};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/FlexFlows", a, list),
        Route::new(Post, "/v1/FlexFlows", a, create),
        Route::new(Get, "/v1/FlexFlows/{Sid}", a, fetch),
        Route::new(Post, "/v1/FlexFlows/{Sid}", a, update),
        Route::new(Delete, "/v1/FlexFlows/{Sid}", a, delete),
    ]
}

pub fn flex_flow_json(app: &App, req: &Req, f: &FlexFlow) -> Value {
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "sid": f.sid,
            "friendly_name": f.friendly_name,
            "chat_service_sid": f.chat_service_sid,
            "channel_type": f.channel_type,
            "contact_identity": f.contact_identity,
            "enabled": f.enabled,
            "integration_type": f.integration_type,
            "integration": f.integration,
            "long_lived": f.long_lived,
            "janitor_enabled": f.janitor_enabled,
            "date_created": iso8601(f.created_at),
            "date_updated": iso8601(f.updated_at),
        }),
        req,
        &format!("/v1/FlexFlows/{}", f.sid),
        &[],
    )
}

fn fields(req: &Req) -> Result<Fields, ApiError> {
    let f = &req.form;
    Ok(Fields {
        friendly_name: text(req, "FriendlyName", 64)?,
        chat_service_sid: f.get("ChatServiceSid").map(str::to_string),
        channel_type: f.get("ChannelType").map(str::to_string),
        contact_identity: text(req, "ContactIdentity", 256)?,
        enabled: f.bool("Enabled")?,
        integration_type: f.get("IntegrationType").map(str::to_string),
        integration: dotted(
            req,
            "Integration",
            &["Priority", "Timeout", "RetryCount"],
            &["CreationOnMessage"],
            &[],
        )?,
        long_lived: f.bool("LongLived")?,
        janitor_enabled: f.bool("JanitorEnabled")?,
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = flex_flows::create(app, fields(req)?)?;
    Ok(Reply::created(flex_flow_json(app, req, &flow)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = app.store.read(|c| flex_flows::fetch(c, req.param("Sid")))?;
    Ok(Reply::ok(flex_flow_json(app, req, &flow)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let flow = flex_flows::update(app, req.param("Sid"), fields(req)?)?;
    Ok(Reply::ok(flex_flow_json(app, req, &flow)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    flex_flows::delete(app, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let name = req.query.get("FriendlyName");
    let page = app
        .store
        .read(|c| crate::store::channels::flex_flows::list(c, name, pr.window()))?;
    let page = page.map(|f| flex_flow_json(app, req, &f));
    Ok(Reply::ok(list_reply(req, "flex_flows", page, pr)).into())
}
