//! Conversations services (`IS…`) and the configuration that steers them:
//! - the account's `Configuration` (which service `/v1/Conversations` means, the default messaging
//!   service and the timers a new conversation gets), and its `Configuration/Webhooks`;
//! - each service's `Configuration` (the roles new users and participants get, reachability),
//!   `Configuration/Webhooks` and `Configuration/Notifications` (kept and shown; push is not sent).
//!
//! Post-event webhooks (`post_webhook_url`, for the events its `filters` name, or all) are queued
//! through the outbox by the change they report (`queue_post_webhooks`: conversations, messages,
//! participants, users); a REST call without `X-Twilio-Webhook-Enabled: true` is `quiet` and
//! queues none, as on Twilio. Pre-event webhooks are stored only: nothing here waits on an
//! outside answer before a change.
//! https://www.twilio.com/docs/conversations/api/service-resource

use super::{Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::channels::roles::RoleKind;
use crate::store::channels::roles::{self as roles_db, Role};
use crate::store::channels::services::{self as db, Service};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

/// `scope` of the account's own documents.
pub const ACCOUNT: &str = "account";

/// The documents a scope keeps, with their keys and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The account's `/v1/Configuration`.
    Account,
    /// `/v1/Configuration/Webhooks` (account) and `/v1/Services/{IS}/Configuration/Webhooks`.
    Webhooks,
    /// `/v1/Services/{IS}/Configuration`.
    Service,
    /// `/v1/Services/{IS}/Configuration/Notifications`.
    Notifications,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "configuration",
            Kind::Webhooks => "webhooks",
            Kind::Service => "service",
            Kind::Notifications => "notifications",
        }
    }
}

/// The service `/v1/Conversations` means: the account configuration's
/// `default_chat_service_sid` when it names a service, else the oldest service (created on first
/// use, as the Flex Flows' own).
pub fn default_sid(conn: &Connection, now: i64) -> Result<String> {
    match current_default(conn)? {
        Some(sid) => Ok(sid),
        None => super::flex_flows::default_service_sid(conn, now),
    }
}

/// `default_sid` for readers: `None` when no service exists yet (nothing is created).
pub fn current_default(conn: &Connection) -> Result<Option<String>> {
    if let Some(sid) = db::setting(conn, ACCOUNT, Kind::Account.as_str())?
        .and_then(|d| d["default_chat_service_sid"].as_str().map(str::to_string))
    {
        if db::find(conn, &sid)?.is_some() {
            return Ok(Some(sid));
        }
    }
    Ok(db::oldest(conn)?.map(|s| s.sid))
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Service> {
    db::find(conn, sid)?.ok_or_else(|| Error::not_found(sid))
}

pub fn create(app: &Core, friendly_name: &str) -> Result<Service> {
    if friendly_name.trim().is_empty() || friendly_name.chars().count() > 256 {
        return Err(Error::invalid(
            "FriendlyName",
            "must be 1 to 256 characters",
        ));
    }
    app.store.write(|tx| {
        let now = app.now_ms();
        let sid = new_sid(Prefix::ConversationService);
        crate::store::channels::flex_flows::insert_service(tx, &sid, friendly_name, now)?;
        seed_roles(tx, &sid, now)?;
        fetch(tx, &sid)
    })
}

/// Deletes a service and everything in it. A service Flex Flows open conversations in stays
/// (409) until they are moved or deleted; deleting the configured default service makes the
/// oldest remaining one the default again.
pub fn delete(app: &Core, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        fetch(tx, sid)?;
        let users = db::flex_flows_using(tx, sid)?;
        if !users.is_empty() {
            return Err(Error::Conflict(format!(
                "Service {sid} is used by Flex Flow {}; delete the Flex Flow or move it to another service first",
                users.join(", ")
            )));
        }
        db::delete(tx, sid)?;
        let mut account = document(tx, ACCOUNT, Kind::Account)?;
        if account["default_chat_service_sid"].as_str() == Some(sid) {
            account["default_chat_service_sid"] = Value::Null;
            db::put_setting(tx, ACCOUNT, Kind::Account.as_str(), &account, app.now_ms())?;
        }
        Ok(())
    })
}

/// Seeds every service's default roles (at start, for services made before roles existed).
pub fn seed_all_roles(app: &Core) -> Result<()> {
    app.store.write(|tx| {
        for sid in db::all_sids(tx)? {
            seed_roles(tx, &sid, app.now_ms())?;
        }
        Ok(())
    })
}

/// Twilio's four default roles of a new service.
const DEFAULT_ROLES: &[(&str, RoleKind, &[&str])] = &[
    (
        "service_admin",
        RoleKind::Service,
        &[
            "createConversation",
            "joinConversation",
            "editAnyUserInfo",
            "editOwnUserInfo",
            "deleteAnyConversation",
        ],
    ),
    (
        "service_user",
        RoleKind::Service,
        &["createConversation", "joinConversation", "editOwnUserInfo"],
    ),
    (
        "conversation_admin",
        RoleKind::Conversation,
        &[
            "sendMessage",
            "sendMediaMessage",
            "leaveConversation",
            "editConversationName",
            "editConversationAttributes",
            "addParticipant",
            "removeParticipant",
            "editAnyMessage",
            "editAnyMessageAttributes",
            "deleteAnyMessage",
            "editAnyParticipantAttributes",
            "editOwnMessage",
            "editOwnMessageAttributes",
            "deleteOwnMessage",
            "editOwnParticipantAttributes",
        ],
    ),
    (
        "conversation_user",
        RoleKind::Conversation,
        &[
            "sendMessage",
            "sendMediaMessage",
            "leaveConversation",
            "editOwnMessage",
            "editOwnMessageAttributes",
            "deleteOwnMessage",
            "editOwnParticipantAttributes",
        ],
    ),
];

fn seed_roles(tx: &Connection, service: &str, now: i64) -> Result<()> {
    let mut sids = Map::new();
    for (name, kind, permissions) in DEFAULT_ROLES {
        let role = match roles_db::find_role_by_name(tx, service, name)? {
            Some(r) => r,
            None => {
                let r = Role {
                    sid: new_sid(Prefix::Role),
                    chat_service_sid: service.to_string(),
                    friendly_name: name.to_string(),
                    kind: *kind,
                    permissions: json!(permissions),
                    created_at: now,
                    updated_at: now,
                };
                roles_db::save_role(tx, &r)?;
                r
            }
        };
        sids.insert(name.to_string(), json!(role.sid));
    }
    if db::setting(tx, service, Kind::Service.as_str())?.is_none() {
        let doc = json!({
            "default_conversation_creator_role_sid": sids["conversation_admin"],
            "default_conversation_role_sid": sids["conversation_user"],
            "default_chat_service_role_sid": sids["service_user"],
            "reachability_enabled": false,
        });
        db::put_setting(tx, service, Kind::Service.as_str(), &doc, now)?;
    }
    Ok(())
}

fn defaults(kind: Kind) -> Value {
    match kind {
        Kind::Account => json!({
            "default_chat_service_sid": null,
            "default_messaging_service_sid": null,
            "default_inactive_timer": null,
            "default_closed_timer": null,
        }),
        Kind::Webhooks => json!({
            "method": "POST",
            "filters": [],
            "pre_webhook_url": null,
            "post_webhook_url": null,
            "target": "webhook",
        }),
        Kind::Service => json!({
            "default_conversation_creator_role_sid": null,
            "default_conversation_role_sid": null,
            "default_chat_service_role_sid": null,
            "reachability_enabled": false,
        }),
        Kind::Notifications => json!({
            "log_enabled": false,
            "new_message": {"enabled": false, "template": null, "sound": null,
                            "badge_count_enabled": false,
                            "with_media": {"enabled": false, "template": null}},
            "added_to_conversation": {"enabled": false, "template": null, "sound": null},
            "removed_from_conversation": {"enabled": false, "template": null, "sound": null},
        }),
    }
}

/// A scope's document with every key (defaults for the ones never set).
pub fn document(conn: &Connection, scope: &str, kind: Kind) -> Result<Value> {
    let mut doc = defaults(kind);
    if let Some(stored) = db::setting(conn, scope, kind.as_str())? {
        merge(&mut doc, &stored);
    }
    Ok(doc)
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Applies `changes` (keys of the document's shape, already typed by the caller) to a scope's
/// document after checking them; returns the whole document.
pub fn update_document(app: &Core, scope: &str, kind: Kind, changes: Value) -> Result<Value> {
    app.store.write(|tx| {
        if scope != ACCOUNT {
            fetch(tx, scope)?;
        }
        let mut doc = document(tx, scope, kind)?;
        merge(&mut doc, &changes);
        check(tx, scope, kind, &doc)?;
        db::put_setting(tx, scope, kind.as_str(), &doc, app.now_ms())?;
        Ok(doc)
    })
}

fn check(tx: &Connection, scope: &str, kind: Kind, doc: &Value) -> Result<()> {
    let s = |k: &str| doc[k].as_str();
    match kind {
        Kind::Account => {
            if let Some(sid) = s("default_chat_service_sid") {
                if db::find(tx, sid)?.is_none() {
                    return Err(Error::invalid(
                        "DefaultChatServiceSid",
                        format!("no Conversations service {sid}"),
                    ));
                }
            }
            for (key, param) in [
                ("default_inactive_timer", "DefaultInactiveTimer"),
                ("default_closed_timer", "DefaultClosedTimer"),
            ] {
                if let Some(d) = s(key) {
                    if super::conversations::parse_duration_ms(d).is_none() {
                        return Err(Error::invalid(param, "is not an ISO 8601 duration (PT5M)"));
                    }
                }
            }
        }
        Kind::Webhooks => {
            for (key, param) in [
                ("pre_webhook_url", "PreWebhookUrl"),
                ("post_webhook_url", "PostWebhookUrl"),
            ] {
                if let Some(u) = s(key).filter(|u| !u.is_empty()) {
                    if !(u.starts_with("http://") || u.starts_with("https://")) {
                        return Err(Error::invalid(param, "must be an http or https URL"));
                    }
                }
            }
        }
        Kind::Service => {
            for (key, param, role_kind) in [
                (
                    "default_conversation_creator_role_sid",
                    "DefaultConversationCreatorRoleSid",
                    RoleKind::Conversation,
                ),
                (
                    "default_conversation_role_sid",
                    "DefaultConversationRoleSid",
                    RoleKind::Conversation,
                ),
                (
                    "default_chat_service_role_sid",
                    "DefaultChatServiceRoleSid",
                    RoleKind::Service,
                ),
            ] {
                if let Some(sid) = s(key) {
                    match roles_db::find_role(tx, scope, sid)? {
                        Some(r) if r.kind == role_kind => {}
                        Some(_) => {
                            return Err(Error::invalid(
                                param,
                                format!("role {sid} is not a {role_kind} role"),
                            ))
                        }
                        None => {
                            return Err(Error::invalid(
                                param,
                                format!("no role {sid} in service {scope}"),
                            ))
                        }
                    }
                }
            }
        }
        Kind::Notifications => {}
    }
    Ok(())
}

/// The post-event webhook URLs that want `event` for a conversation of `service`: the service's
/// own and the account's (target `webhook`).
pub fn post_webhooks(
    conn: &Connection,
    service: &str,
    event: &str,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let default = current_default(conn)?.unwrap_or_default();
    let mut scopes = vec![(service.to_string(), false)];
    if service == default {
        scopes.push((ACCOUNT.to_string(), true));
    }
    for (scope, account) in scopes {
        let Some(doc) = db::setting(conn, &scope, Kind::Webhooks.as_str())? else {
            continue;
        };
        if account && doc["target"].as_str() == Some("flex") {
            continue;
        }
        let Some(url) = doc["post_webhook_url"].as_str().filter(|u| !u.is_empty()) else {
            continue;
        };
        let filters: Vec<&str> = doc["filters"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if filters.is_empty() || filters.contains(&event) {
            let method = doc["method"]
                .as_str()
                .unwrap_or("POST")
                .to_ascii_uppercase();
            out.push((url.to_string(), method));
        }
    }
    Ok(out)
}

/// Queues the service's (and account's) post-event webhook calls for `event` in the caller's
/// transaction; `params` are Twilio's event parameters (`EventType` is set here).
pub fn queue_post_webhooks(
    tx: &Connection,
    app: &Core,
    service: &str,
    conversation_sid: Option<&str>,
    event: &str,
    mut params: Value,
) -> Result<()> {
    let hooks = post_webhooks(tx, service, event)?;
    if hooks.is_empty() {
        return Ok(());
    }
    params["EventType"] = json!(event);
    params["AccountSid"] = json!(app.account_sid);
    params["ChatServiceSid"] = json!(service);
    for (url, _method) in hooks {
        super::outbox::queue_external(tx, app, &url, params.clone(), conversation_sid, 3)?;
    }
    Ok(())
}

/// The role a new user (`service` kind) or participant (`conversation` kind) of `service` gets.
pub fn default_role(conn: &Connection, service: &str, for_user: bool) -> Result<Option<String>> {
    let doc = document(conn, service, Kind::Service)?;
    let key = if for_user {
        "default_chat_service_role_sid"
    } else {
        "default_conversation_role_sid"
    };
    Ok(doc[key].as_str().map(str::to_string))
}
