//! Flex v1 `Configuration`, `WebChannels` and the legacy `Channels`.
//! https://www.twilio.com/docs/flex/developer/config/flex-configuration-rest-api
//! https://www.twilio.com/docs/flex/developer/messaging/api/webchannel
//!
//! Conversations v1 has a `/v1/Configuration` of its own: the bare path is Conversations' (the
//! one server-side code reads, for the default service and timers), and Flex's is served only
//! under `/flex-api/v1/Configuration`, the Flex domain's base URL (its routes are
//! `prefixed_only(Domain::FlexApi)`; see `http::router`).

use crate::channels::chat_channels::{self, Kind, NewChat};
use crate::channels::flex_config;
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::flex::{ChatChannel, ChatChannelKind};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use crate::http::router::Domain::FlexApi;
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Get, "/v1/Configuration", a, fetch_configuration).prefixed_only(FlexApi),
        Route::new(Post, "/v1/Configuration", a, update_configuration).prefixed_only(FlexApi),
        Route::new(Get, "/v1/WebChannels", a, list_web),
        Route::new(Post, "/v1/WebChannels", a, create_web),
        Route::new(Get, "/v1/WebChannels/{Sid}", a, fetch_web),
        Route::new(Post, "/v1/WebChannels/{Sid}", a, update_web),
        Route::new(Delete, "/v1/WebChannels/{Sid}", a, delete_web),
        Route::new(Get, "/v1/Channels", a, list_chat),
        Route::new(Post, "/v1/Channels", a, create_chat),
        Route::new(Get, "/v1/Channels/{Sid}", a, fetch_chat),
        Route::new(Delete, "/v1/Channels/{Sid}", a, delete_chat),
    ]
}

fn fetch_configuration(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ui = super::text_query(req, "UiVersion", 64)?;
    let v = app
        .store
        .read(|c| flex_config::fetch(c, app, ui.as_deref()))?;
    Ok(Reply::ok(with_urls(v, req, "/v1/Configuration", &[])).into())
}

/// The definition gives the body as JSON. A form body is taken too (each value JSON, or a
/// string), and so is the `body` header twilio-python 9.x sends the document in.
fn update_configuration(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let body = match (&req.json, req.form.0.is_empty(), req.header("body")) {
        (Some(v), _, _) => v.clone(),
        (None, false, _) => Value::Object(
            req.form
                .0
                .iter()
                .map(|(k, v)| {
                    let value =
                        serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone()));
                    (k.clone(), value)
                })
                .collect(),
        ),
        (None, true, Some(h)) => serde_json::from_str(h)
            .map_err(|_| ApiError::bad_request("The configuration is not a JSON object"))?,
        (None, true, None) => json!({}),
    };
    let v = flex_config::update(app, body)?;
    Ok(Reply::ok(with_urls(v, req, "/v1/Configuration", &[])).into())
}

fn chat_json(app: &App, req: &Req, c: &ChatChannel) -> Value {
    let (path, v) = match c.kind {
        ChatChannelKind::Web => (
            format!("/v1/WebChannels/{}", c.sid),
            json!({
                "account_sid": app.account_sid,
                "flex_flow_sid": c.flex_flow_sid,
                "sid": c.sid,
                "date_created": iso8601(c.created_at),
                "date_updated": iso8601(c.updated_at),
            }),
        ),
        ChatChannelKind::Chat => (
            format!("/v1/Channels/{}", c.sid),
            json!({
                "account_sid": app.account_sid,
                "flex_flow_sid": c.flex_flow_sid,
                "sid": c.sid,
                "user_sid": c.user_sid,
                "task_sid": c.task_sid,
                "date_created": iso8601(c.created_at),
                "date_updated": iso8601(c.updated_at),
            }),
        ),
    };
    with_urls(v, req, &path, &[])
}

fn json_param(req: &Req, name: &str) -> Result<Option<Value>, ApiError> {
    match req.form.get(name) {
        None | Some("") => Ok(None),
        Some(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object)
            .map(Some)
            .ok_or_else(|| ApiError::bad_param(name, "must be a JSON object")),
    }
}

fn new_chat(req: &Req, customer_name: &str) -> Result<NewChat, ApiError> {
    Ok(NewChat {
        flex_flow_sid: req.form.require("FlexFlowSid")?.to_string(),
        identity: req.form.require("Identity")?.to_string(),
        customer_name: req.form.require(customer_name)?.to_string(),
        chat_name: req.form.require("ChatFriendlyName")?.to_string(),
        unique_name: super::text(req, "ChatUniqueName", 256)?,
        pre_engagement: json_param(req, "PreEngagementData")?,
        ..Default::default()
    })
}

fn create_web(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let c = chat_channels::create(app, Kind::Web, new_chat(req, "CustomerFriendlyName")?)?;
    Ok(Reply::created(chat_json(app, req, &c)).into())
}

fn create_chat(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let mut new = new_chat(req, "ChatUserFriendlyName")?;
    new.task_attributes = json_param(req, "TaskAttributes")?;
    new.task_sid = req.form.get("TaskSid").map(str::to_string);
    // `LongLived` and `Target` are checked for shape; a chat's lifetime follows its Flex Flow.
    req.form.bool("LongLived")?;
    super::text(req, "Target", 256)?;
    let c = chat_channels::create(app, Kind::Chat, new)?;
    Ok(Reply::created(chat_json(app, req, &c)).into())
}

fn list(app: &App, req: &Req, kind: Kind, key: &str) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = chat_channels::list(app, kind, pr.window())?.map(|c| chat_json(app, req, &c));
    Ok(Reply::ok(list_reply(req, key, page, pr)).into())
}

fn list_web(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    list(app, req, Kind::Web, "flex_chat_channels")
}

fn list_chat(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    list(app, req, Kind::Chat, "flex_chat_channels")
}

fn fetch_web(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let c = chat_channels::fetch(app, Kind::Web, req.param("Sid"))?;
    Ok(Reply::ok(chat_json(app, req, &c)).into())
}

fn fetch_chat(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let c = chat_channels::fetch(app, Kind::Chat, req.param("Sid"))?;
    Ok(Reply::ok(chat_json(app, req, &c)).into())
}

fn update_web(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let c = chat_channels::update(
        app,
        req.param("Sid"),
        req.form.get("ChatStatus"),
        req.form.get("PostEngagementData").map(str::to_string),
    )?;
    Ok(Reply::ok(chat_json(app, req, &c)).into())
}

fn delete_web(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    chat_channels::delete(app, Kind::Web, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}

fn delete_chat(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    chat_channels::delete(app, Kind::Chat, req.param("Sid"))?;
    Ok(Reply::no_content().into())
}
