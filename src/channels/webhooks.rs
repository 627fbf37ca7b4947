//! Conversation-scoped webhooks: `webhook` (POST the conversation's events to a URL), `studio`
//! (a flow handles the customer's replies) and `trigger` (a webhook on keywords).
//! https://www.twilio.com/docs/conversations/api/conversation-scoped-webhook-resource

use super::{Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::channels::webhooks as db;
pub use crate::store::channels::webhooks::Webhook;
use rusqlite::Connection;
use serde_json::{Map, Value};

pub const TARGETS: &[&str] = &["webhook", "trigger", "studio"];

/// Creates a webhook; `configuration` holds Twilio's snake_case keys (`url`, `method`,
/// `filters`, `triggers`, `flow_sid`, `replay_after`).
pub fn create(
    app: &Core,
    conversation_sid: &str,
    target: &str,
    configuration: Map<String, Value>,
) -> Result<Webhook> {
    app.store
        .write(|tx| create_in(tx, conversation_sid, target, configuration, app.now_ms()))
}

pub fn create_in(
    tx: &Connection,
    conversation_sid: &str,
    target: &str,
    configuration: Map<String, Value>,
    now: i64,
) -> Result<Webhook> {
    let conv = super::conversations::fetch(tx, conversation_sid)?;
    if !TARGETS.contains(&target) {
        return Err(Error::invalid(
            "Target",
            "must be webhook, trigger or studio",
        ));
    }
    let mut w = Webhook {
        sid: new_sid(Prefix::Webhook),
        conversation_sid: conv.sid,
        target: target.into(),
        configuration: Value::Object(Map::new()),
        created_at: now,
        updated_at: now,
    };
    merge(&mut w, configuration);
    check(&w)?;
    db::save(tx, &w)?;
    Ok(w)
}

pub fn fetch(conn: &Connection, conversation_sid: &str, sid: &str) -> Result<Webhook> {
    db::find(conn, conversation_sid, sid)?.ok_or_else(|| Error::not_found(sid))
}

pub fn update(
    app: &Core,
    conversation_sid: &str,
    sid: &str,
    configuration: Map<String, Value>,
) -> Result<Webhook> {
    app.store.write(|tx| {
        let mut w = fetch(tx, conversation_sid, sid)?;
        merge(&mut w, configuration);
        check(&w)?;
        w.updated_at = app.now_ms();
        db::save(tx, &w)?;
        Ok(w)
    })
}

pub fn delete(app: &Core, conversation_sid: &str, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        let w = fetch(tx, conversation_sid, sid)?;
        db::delete(tx, &w.sid)?;
        Ok(())
    })
}

fn merge(w: &mut Webhook, configuration: Map<String, Value>) {
    if let Some(obj) = w.configuration.as_object_mut() {
        obj.extend(configuration);
    }
}

fn check(w: &Webhook) -> Result<()> {
    let get = |k: &str| w.configuration.get(k).and_then(Value::as_str).unwrap_or("");
    match w.target.as_str() {
        "webhook" | "trigger" => {
            let url = get("url");
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::invalid(
                    "Configuration.Url",
                    "is required (http or https)",
                ));
            }
        }
        _ => {
            if !crate::ids::is_sid(Prefix::Flow, get("flow_sid")) {
                return Err(Error::invalid(
                    "Configuration.FlowSid",
                    "is required for a studio webhook (FW…)",
                ));
            }
        }
    }
    Ok(())
}
