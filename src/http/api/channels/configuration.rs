//! Conversations v1 configuration documents:
//! `/v1/Configuration` (https://www.twilio.com/docs/conversations/api/configuration-resource),
//! `/v1/Configuration/Webhooks` (…/conversations/api/webhook-configuration-resource),
//! `/v1/Services/{IS}/Configuration` (…/conversations/api/service-configuration-resource),
//! `/v1/Services/{IS}/Configuration/Webhooks` (…/service-webhook-configuration-resource),
//! `/v1/Services/{IS}/Configuration/Notifications` (…/service-notification-resource).

use crate::channels::services::{self, Kind, ACCOUNT};
use crate::http::api::with_urls;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::{json, Map, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    const SVC: &str = "/v1/Services/{ChatServiceSid}/Configuration";
    vec![
        Route::new(Get, "/v1/Configuration", Access::Account, fetch_account),
        Route::new(Post, "/v1/Configuration", Access::Account, update_account),
        Route::new(
            Get,
            "/v1/Configuration/Webhooks",
            Access::Account,
            fetch_webhooks,
        ),
        Route::new(
            Post,
            "/v1/Configuration/Webhooks",
            Access::Account,
            update_webhooks,
        ),
        Route::new(Get, SVC, Access::Account, fetch_service),
        Route::new(Post, SVC, Access::Account, update_service),
        Route::new(
            Get,
            "/v1/Services/{ChatServiceSid}/Configuration/Webhooks",
            Access::Account,
            fetch_webhooks,
        ),
        Route::new(
            Post,
            "/v1/Services/{ChatServiceSid}/Configuration/Webhooks",
            Access::Account,
            update_webhooks,
        ),
        Route::new(
            Get,
            "/v1/Services/{ChatServiceSid}/Configuration/Notifications",
            Access::Account,
            fetch_notifications,
        ),
        Route::new(
            Post,
            "/v1/Services/{ChatServiceSid}/Configuration/Notifications",
            Access::Account,
            update_notifications,
        ),
    ]
}

fn account_json(app: &App, req: &Req, doc: &Value) -> Result<Value, ApiError> {
    let default = app
        .store
        .read(services::current_default)?
        .map(Value::String)
        .unwrap_or(Value::Null);
    let mut links = vec![("webhooks", "/v1/Configuration/Webhooks".to_string())];
    if let Some(sid) = default.as_str() {
        links.push(("service", format!("/v1/Services/{sid}")));
    }
    Ok(with_urls(
        json!({
            "account_sid": app.account_sid,
            "default_chat_service_sid": default,
            "default_messaging_service_sid": doc["default_messaging_service_sid"],
            "default_inactive_timer": doc["default_inactive_timer"],
            "default_closed_timer": doc["default_closed_timer"],
        }),
        req,
        "/v1/Configuration",
        &links,
    ))
}

fn read(app: &App, scope: &str, kind: Kind) -> Result<Value, ApiError> {
    Ok(app.store.read(|c| {
        if scope != ACCOUNT {
            services::fetch(c, scope)?;
        }
        services::document(c, scope, kind)
    })?)
}

/// Puts the present form parameters into `out` under their document keys.
fn strings(req: &Req, out: &mut Map<String, Value>, pairs: &[(&str, &str)]) {
    for (param, key) in pairs {
        if let Some(v) = req.form.get(param) {
            let v = if v.is_empty() { Value::Null } else { json!(v) };
            out.insert(key.to_string(), v);
        }
    }
}

fn bools(req: &Req, out: &mut Map<String, Value>, pairs: &[(&str, &str)]) -> Result<(), ApiError> {
    for (param, key) in pairs {
        if let Some(b) = req.form.bool(param)? {
            out.insert(key.to_string(), json!(b));
        }
    }
    Ok(())
}

fn fetch_account(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let doc = read(app, ACCOUNT, Kind::Account)?;
    Ok(Reply::ok(account_json(app, req, &doc)?).into())
}

fn update_account(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let mut changes = Map::new();
    strings(
        req,
        &mut changes,
        &[
            ("DefaultChatServiceSid", "default_chat_service_sid"),
            (
                "DefaultMessagingServiceSid",
                "default_messaging_service_sid",
            ),
            ("DefaultInactiveTimer", "default_inactive_timer"),
            ("DefaultClosedTimer", "default_closed_timer"),
        ],
    );
    let doc = services::update_document(app, ACCOUNT, Kind::Account, Value::Object(changes))?;
    Ok(Reply::ok(account_json(app, req, &doc)?).into())
}

/// The account's webhooks (`/v1/Configuration/Webhooks`, with `target`) or a service's.
fn webhooks_scope(req: &Req) -> (String, String) {
    match req.param("ChatServiceSid") {
        "" => (
            ACCOUNT.to_string(),
            "/v1/Configuration/Webhooks".to_string(),
        ),
        s => (
            s.to_string(),
            format!("/v1/Services/{s}/Configuration/Webhooks"),
        ),
    }
}

fn webhooks_json(app: &App, req: &Req, scope: &str, path: &str, doc: &Value) -> Value {
    let mut v = json!({
        "account_sid": app.account_sid,
        "method": doc["method"],
        "filters": doc["filters"],
        "pre_webhook_url": doc["pre_webhook_url"],
        "post_webhook_url": doc["post_webhook_url"],
    });
    if scope == ACCOUNT {
        v["target"] = doc["target"].clone();
    } else {
        v["chat_service_sid"] = json!(scope);
    }
    with_urls(v, req, path, &[])
}

fn fetch_webhooks(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (scope, path) = webhooks_scope(req);
    let doc = read(app, &scope, Kind::Webhooks)?;
    Ok(Reply::ok(webhooks_json(app, req, &scope, &path, &doc)).into())
}

fn update_webhooks(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (scope, path) = webhooks_scope(req);
    let mut changes = Map::new();
    strings(
        req,
        &mut changes,
        &[
            ("PreWebhookUrl", "pre_webhook_url"),
            ("PostWebhookUrl", "post_webhook_url"),
        ],
    );
    if let Some(m) = req.form.get("Method") {
        let m = m.to_ascii_uppercase();
        if m != "GET" && m != "POST" {
            return Err(ApiError::bad_param("Method", "must be GET or POST"));
        }
        changes.insert("method".into(), json!(m));
    }
    if req.form.has("Filters") {
        let filters: Vec<&str> = req
            .form
            .get_all("Filters")
            .into_iter()
            .filter(|f| !f.is_empty())
            .collect();
        if let Some(bad) = filters.iter().find(|f| !FILTERS.contains(f)) {
            return Err(ApiError::bad_param(
                "Filters",
                format!("{bad} is not a Conversations webhook event"),
            ));
        }
        changes.insert("filters".into(), json!(filters));
    }
    if scope == ACCOUNT {
        if let Some(t) = req.form.get("Target") {
            if t != "webhook" && t != "flex" {
                return Err(ApiError::bad_param("Target", "must be webhook or flex"));
            }
            changes.insert("target".into(), json!(t));
        }
    }
    let doc = services::update_document(app, &scope, Kind::Webhooks, Value::Object(changes))?;
    Ok(Reply::ok(webhooks_json(app, req, &scope, &path, &doc)).into())
}

/// The events Twilio's Conversations webhooks filter on.
const FILTERS: &[&str] = &[
    "onMessageAdd",
    "onMessageAdded",
    "onMessageUpdate",
    "onMessageUpdated",
    "onMessageRemove",
    "onMessageRemoved",
    "onConversationAdd",
    "onConversationAdded",
    "onConversationUpdate",
    "onConversationUpdated",
    "onConversationRemove",
    "onConversationRemoved",
    "onConversationStateUpdated",
    "onParticipantAdd",
    "onParticipantAdded",
    "onParticipantUpdate",
    "onParticipantUpdated",
    "onParticipantRemove",
    "onParticipantRemoved",
    "onDeliveryUpdated",
    "onUserAdded",
    "onUserUpdate",
    "onUserUpdated",
];

fn service_json(app: &App, req: &Req, service: &str, doc: &Value) -> Value {
    let path = format!("/v1/Services/{service}/Configuration");
    let _ = app;
    with_urls(
        json!({
            "chat_service_sid": service,
            "default_conversation_creator_role_sid": doc["default_conversation_creator_role_sid"],
            "default_conversation_role_sid": doc["default_conversation_role_sid"],
            "default_chat_service_role_sid": doc["default_chat_service_role_sid"],
            "reachability_enabled": doc["reachability_enabled"],
        }),
        req,
        &path,
        &[
            ("notifications", format!("{path}/Notifications")),
            ("webhooks", format!("{path}/Webhooks")),
        ],
    )
}

fn fetch_service(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let service = req.param("ChatServiceSid");
    let doc = read(app, service, Kind::Service)?;
    Ok(Reply::ok(service_json(app, req, service, &doc)).into())
}

fn update_service(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let service = req.param("ChatServiceSid");
    let mut changes = Map::new();
    strings(
        req,
        &mut changes,
        &[
            (
                "DefaultConversationCreatorRoleSid",
                "default_conversation_creator_role_sid",
            ),
            (
                "DefaultConversationRoleSid",
                "default_conversation_role_sid",
            ),
            ("DefaultChatServiceRoleSid", "default_chat_service_role_sid"),
        ],
    );
    bools(
        req,
        &mut changes,
        &[("ReachabilityEnabled", "reachability_enabled")],
    )?;
    let doc = services::update_document(app, service, Kind::Service, Value::Object(changes))?;
    Ok(Reply::ok(service_json(app, req, service, &doc)).into())
}

fn notifications_json(app: &App, req: &Req, service: &str, doc: &Value) -> Value {
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": service,
            "new_message": doc["new_message"],
            "added_to_conversation": doc["added_to_conversation"],
            "removed_from_conversation": doc["removed_from_conversation"],
            "log_enabled": doc["log_enabled"],
        }),
        req,
        &format!("/v1/Services/{service}/Configuration/Notifications"),
        &[],
    )
}

fn fetch_notifications(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let service = req.param("ChatServiceSid");
    let doc = read(app, service, Kind::Notifications)?;
    Ok(Reply::ok(notifications_json(app, req, service, &doc)).into())
}

fn update_notifications(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let service = req.param("ChatServiceSid");
    let mut c = Map::new();
    bools(req, &mut c, &[("LogEnabled", "log_enabled")])?;
    for (group, key) in [
        ("NewMessage", "new_message"),
        ("AddedToConversation", "added_to_conversation"),
        ("RemovedFromConversation", "removed_from_conversation"),
    ] {
        let mut g = Map::new();
        bools(req, &mut g, &[(&format!("{group}.Enabled"), "enabled")])?;
        strings(
            req,
            &mut g,
            &[
                (&format!("{group}.Template"), "template"),
                (&format!("{group}.Sound"), "sound"),
            ],
        );
        if group == "NewMessage" {
            bools(
                req,
                &mut g,
                &[("NewMessage.BadgeCountEnabled", "badge_count_enabled")],
            )?;
            let mut media = Map::new();
            bools(
                req,
                &mut media,
                &[("NewMessage.WithMedia.Enabled", "enabled")],
            )?;
            strings(
                req,
                &mut media,
                &[("NewMessage.WithMedia.Template", "template")],
            );
            if !media.is_empty() {
                g.insert("with_media".into(), Value::Object(media));
            }
        }
        if let Some(t) = g.get("template").and_then(Value::as_str) {
            if t.chars().count() > 1024 {
                return Err(ApiError::bad_param(
                    &format!("{group}.Template"),
                    "must be at most 1024 characters",
                ));
            }
        }
        if !g.is_empty() {
            c.insert(key.into(), Value::Object(g));
        }
    }
    let doc = services::update_document(app, service, Kind::Notifications, Value::Object(c))?;
    Ok(Reply::ok(notifications_json(app, req, service, &doc)).into())
}
