//! Conversations v1 `Services` (https://www.twilio.com/docs/conversations/api/service-resource)
//! and their push `Bindings` (https://www.twilio.com/docs/conversations/api/service-binding-resource).
//! Bindings are registered by the client SDKs over Twilio's push channels, which the box does not
//! serve: the list is always empty and a binding SID is never found.

use crate::channels::services;
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::services::Service;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    vec![
        Route::new(Get, "/v1/Services", Access::Account, list),
        Route::new(Post, "/v1/Services", Access::Account, create),
        Route::new(Get, "/v1/Services/{ChatServiceSid}", Access::Account, fetch),
        Route::new(
            Delete,
            "/v1/Services/{ChatServiceSid}",
            Access::Account,
            delete,
        ),
        Route::new(
            Get,
            "/v1/Services/{ChatServiceSid}/Bindings",
            Access::Account,
            list_bindings,
        ),
        Route::new(
            Get,
            "/v1/Services/{ChatServiceSid}/Bindings/{BindingSid}",
            Access::Account,
            binding,
        ),
        Route::new(
            Delete,
            "/v1/Services/{ChatServiceSid}/Bindings/{BindingSid}",
            Access::Account,
            binding,
        ),
    ]
}

fn service_json(app: &App, req: &Req, s: &Service) -> Value {
    let path = format!("/v1/Services/{}", s.sid);
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "sid": s.sid,
            "friendly_name": s.friendly_name,
            "date_created": iso8601(s.created_at),
            "date_updated": iso8601(s.updated_at),
        }),
        req,
        &path,
        &[
            ("conversations", format!("{path}/Conversations")),
            ("users", format!("{path}/Users")),
            ("roles", format!("{path}/Roles")),
            ("bindings", format!("{path}/Bindings")),
            ("configuration", format!("{path}/Configuration")),
            (
                "participant_conversations",
                format!("{path}/ParticipantConversations"),
            ),
        ],
    )
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| crate::store::channels::services::list(c, pr.window()))?;
    let page = page.map(|s| service_json(app, req, &s));
    Ok(Reply::ok(list_reply(req, "services", page, pr)).into())
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let name = req.form.require("FriendlyName")?;
    let s = services::create(app, name)?;
    Ok(Reply::created(service_json(app, req, &s)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let s = app
        .store
        .read(|c| services::fetch(c, req.param("ChatServiceSid")))?;
    Ok(Reply::ok(service_json(app, req, &s)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    services::delete(app, req.param("ChatServiceSid"))?;
    Ok(Reply::no_content().into())
}

const BINDING_TYPES: &[&str] = &["apn", "gcm", "fcm", "twilsock"];

fn list_bindings(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    app.store
        .read(|c| services::fetch(c, req.param("ChatServiceSid")))?;
    let pr = PageRequest::from_query(&req.query)?;
    for t in req.query.get_all("BindingType") {
        if !BINDING_TYPES.contains(&t) {
            return Err(ApiError::bad_param(
                "BindingType",
                "must be apn, gcm, fcm or twilsock",
            ));
        }
    }
    let page = crate::store::Page {
        items: Vec::new(),
        has_more: false,
    };
    Ok(Reply::ok(list_reply(req, "bindings", page, pr)).into())
}

fn binding(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    app.store
        .read(|c| services::fetch(c, req.param("ChatServiceSid")))?;
    Err(ApiError::not_found(&req.path))
}
