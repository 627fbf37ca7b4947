//! Conversations users: one per identity in a service, with a role (the service's default
//! `default_chat_service_role_sid` unless given). A user's conversations are the ones where a
//! participant has its identity; leaving one (`DELETE …/Users/{US}/Conversations/{CH}`) removes
//! that participant.
//! https://www.twilio.com/docs/conversations/api/user-resource

use super::{services, Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::channels::users::{self as db, User};
use rusqlite::Connection;
use serde_json::Value;

#[derive(Debug, Default, Clone)]
pub struct Fields {
    pub identity: Option<String>,
    pub friendly_name: Option<String>,
    pub attributes: Option<String>,
    pub role_sid: Option<String>,
    /// A REST call without `X-Twilio-Webhook-Enabled: true` (no post-event webhook).
    pub quiet: bool,
}

pub fn fetch(conn: &Connection, service: &str, key: &str) -> Result<User> {
    db::find(conn, service, key)?.ok_or_else(|| Error::not_found(key))
}

pub fn create(app: &Core, service: &str, f: Fields) -> Result<User> {
    let identity = f.identity.clone().unwrap_or_default();
    if identity.is_empty() || identity.chars().count() > 256 {
        return Err(Error::invalid("Identity", "must be 1 to 256 characters"));
    }
    check(&f)?;
    app.store.write(|tx| {
        services::fetch(tx, service)?;
        if db::find(tx, service, &identity)?.is_some() {
            return Err(Error::Conflict(format!(
                "User {identity} already exists in service {service}"
            )));
        }
        let role_sid = match &f.role_sid {
            Some(r) => Some(check_role(tx, service, r)?),
            None => services::default_role(tx, service, true)?,
        };
        let now = app.now_ms();
        let u = User {
            sid: new_sid(Prefix::User),
            chat_service_sid: service.to_string(),
            identity,
            friendly_name: f.friendly_name.clone(),
            attributes: f.attributes.clone().unwrap_or_else(|| "{}".into()),
            role_sid,
            created_at: now,
            updated_at: now,
        };
        db::save(tx, &u)?;
        if !f.quiet {
            post_webhook(tx, app, &u, "onUserAdded")?;
        }
        Ok(u)
    })
}

/// The service's post-event webhook for a user event, with Twilio's parameters.
fn post_webhook(tx: &Connection, app: &Core, u: &User, event: &str) -> Result<()> {
    services::queue_post_webhooks(
        tx,
        app,
        &u.chat_service_sid,
        None,
        event,
        serde_json::json!({
            "UserSid": u.sid,
            "Identity": u.identity,
            "FriendlyName": u.friendly_name,
            "Attributes": u.attributes,
            "RoleSid": u.role_sid,
            "DateCreated": crate::clock::iso8601(u.created_at),
            "DateUpdated": crate::clock::iso8601(u.updated_at),
            "Source": "API",
        }),
    )
}

pub fn update(app: &Core, service: &str, key: &str, f: Fields) -> Result<User> {
    check(&f)?;
    app.store.write(|tx| {
        let mut u = fetch(tx, service, key)?;
        if let Some(v) = &f.friendly_name {
            u.friendly_name = Some(v.clone());
        }
        if let Some(v) = &f.attributes {
            u.attributes = v.clone();
        }
        if let Some(r) = &f.role_sid {
            u.role_sid = Some(check_role(tx, service, r)?);
        }
        u.updated_at = app.now_ms();
        db::save(tx, &u)?;
        if !f.quiet {
            post_webhook(tx, app, &u, "onUserUpdated")?;
        }
        Ok(u)
    })
}

pub fn delete(app: &Core, service: &str, key: &str) -> Result<()> {
    app.store.write(|tx| {
        let u = fetch(tx, service, key)?;
        db::delete(tx, &u.sid)?;
        Ok(())
    })
}

fn check(f: &Fields) -> Result<()> {
    if f.friendly_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 256)
    {
        return Err(Error::invalid(
            "FriendlyName",
            "must be at most 256 characters",
        ));
    }
    if let Some(a) = &f.attributes {
        if serde_json::from_str::<Value>(a).is_err() {
            return Err(Error::invalid("Attributes", "must be a JSON document"));
        }
    }
    Ok(())
}

/// A role given for a user must be a `service` role of the same service.
fn check_role(tx: &Connection, service: &str, sid: &str) -> Result<String> {
    match crate::store::channels::roles::find_role(tx, service, sid)? {
        Some(r) if r.kind == crate::states::RoleKind::Service => Ok(r.sid),
        Some(_) => Err(Error::invalid(
            "RoleSid",
            format!("role {sid} is not a service role"),
        )),
        None => Err(Error::invalid(
            "RoleSid",
            format!("no role {sid} in service {service}"),
        )),
    }
}

pub const NOTIFICATION_LEVELS: &[&str] = &["default", "muted"];

/// `POST …/Users/{US}/Conversations/{CH}`: the user's notification level, and its participant's
/// last-read index and timestamp.
pub fn update_membership(
    app: &Core,
    service: &str,
    user_key: &str,
    conversation_key: &str,
    notification_level: Option<String>,
    last_read_index: Option<i64>,
    last_read_timestamp: Option<String>,
) -> Result<()> {
    if let Some(l) = &notification_level {
        if !NOTIFICATION_LEVELS.contains(&l.as_str()) {
            return Err(Error::invalid(
                "NotificationLevel",
                "must be default or muted",
            ));
        }
    }
    app.store.write(|tx| {
        let (u, p) = membership(tx, service, user_key, conversation_key)?;
        if let Some(l) = &notification_level {
            db::set_notification_level(tx, &u.sid, &p.conversation_sid, l)?;
        }
        if last_read_index.is_some() || last_read_timestamp.is_some() {
            let mut p = p;
            if let Some(i) = last_read_index {
                p.last_read_message_index = Some(i);
            }
            if let Some(t) = last_read_timestamp {
                p.last_read_timestamp = Some(t);
            }
            p.updated_at = app.now_ms();
            crate::store::channels::participants::save(tx, &p)?;
        }
        Ok(())
    })
}

/// The user and its participant in a conversation of the service (404 when it takes no part).
pub fn membership(
    conn: &Connection,
    service: &str,
    user_key: &str,
    conversation_key: &str,
) -> Result<(User, crate::store::channels::participants::Participant)> {
    let u = fetch(conn, service, user_key)?;
    let conv = super::conversations::fetch(conn, conversation_key)?;
    if conv.chat_service_sid != service {
        return Err(Error::not_found(conversation_key));
    }
    let p = crate::store::channels::participants::find(conn, &conv.sid, &u.identity)?
        .filter(|p| p.identity.as_deref() == Some(u.identity.as_str()))
        .ok_or_else(|| {
            Error::not_found(format!("user {} in conversation {}", u.identity, conv.sid))
        })?;
    Ok((u, p))
}

/// The user leaves the conversation: its participant is removed (`quiet` as for
/// `participants::remove`).
pub fn leave(
    app: &Core,
    service: &str,
    user_key: &str,
    conversation_key: &str,
    quiet: bool,
) -> Result<()> {
    let (u, p) = app
        .store
        .read(|c| membership(c, service, user_key, conversation_key))?;
    super::participants::remove(app, &p.conversation_sid, &p.sid, quiet)?;
    app.store
        .write(|tx| Ok(db::clear_settings(tx, &u.sid, &p.conversation_sid)?))
}
