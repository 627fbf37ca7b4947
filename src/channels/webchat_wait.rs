//! What a waiting web chat customer reads (issue 15, customer chat 2): their place in line while
//! the chat's task waits in a queue, and the office's greeting and pre-chat form from the Flex
//! Configuration document (`ui_attributes.webchat`: `greeting`, `pre_chat_fields`).

use super::{flex_config, Result};
use crate::core::Core;
use crate::store::channels::sessions;
use crate::store::channels::webchats::WebChat;
use crate::store::desk;
use rusqlite::Connection;
use serde_json::{json, Value};

/// The chat's place in line (1 = next) while its newest task waits for an agent, else `None`.
pub fn place_in_line(conn: &Connection, chat: &WebChat) -> Result<Option<i64>> {
    let tasks = sessions::tasks_of_conversation(conn, &chat.conversation_sid)?;
    let Some(last) = tasks.last().filter(|t| t.ended.is_none()) else {
        return Ok(None);
    };
    Ok(desk::queue_position(conn, &last.task_sid)?)
}

/// How long the chat's queue took to answer lately: the average wait until accepted of its tasks
/// in the last hour (seconds), while the chat waits in it; `None` with nothing to go by.
pub fn typical_wait(conn: &Connection, chat: &WebChat, now: i64) -> Result<Option<i64>> {
    let tasks = sessions::tasks_of_conversation(conn, &chat.conversation_sid)?;
    let Some(last) = tasks.last().filter(|t| t.ended.is_none()) else {
        return Ok(None);
    };
    let Some(t) = crate::store::taskrouter::tasks::find(conn, &last.task_sid)? else {
        return Ok(None);
    };
    let Some(q) = t.queue_sid.as_deref() else {
        return Ok(None);
    };
    let window = crate::routing::stats::Window::last_minutes(60, now);
    let stats = crate::routing::stats::cumulative(
        conn,
        &t.workspace_sid,
        window,
        Some(("TaskQueueSid", q)),
    )
    .map_err(|e| super::Error::Integration(e.to_string()))?;
    if stats["reservations_accepted"].as_i64().unwrap_or(0) == 0 {
        return Ok(None);
    }
    Ok(stats["wait_duration_until_accepted"]["avg"].as_i64())
}

/// The pre-chat form's fields when the office configured none: an optional email and question.
fn default_fields() -> Value {
    json!([
        {"name": "email", "label": "Email (optional)", "type": "email", "required": false},
        {"name": "question", "label": "How can we help? (optional)", "type": "text", "required": false},
    ])
}

pub const DEFAULT_GREETING: &str =
    "Hi! Tell us what you need and we will connect you with someone who can help.";

/// A field as the page builds it: `name` (letters, digits, `_`), `label`, `type` (text, email,
/// tel, textarea, select with `options`), `required`. Anything else is dropped.
fn clean_field(f: &Value) -> Option<Value> {
    let name = f.get("name")?.as_str()?.trim();
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "name";
    if !ok {
        return None;
    }
    let kind = f.get("type").and_then(Value::as_str).unwrap_or("text");
    let kind = if ["text", "email", "tel", "textarea", "select"].contains(&kind) {
        kind
    } else {
        "text"
    };
    let label = f
        .get("label")
        .and_then(Value::as_str)
        .filter(|l| !l.trim().is_empty())
        .unwrap_or(name);
    let options: Vec<Value> = f
        .get("options")
        .and_then(Value::as_array)
        .map(|o| o.iter().filter(|x| x.is_string()).cloned().collect())
        .unwrap_or_default();
    if kind == "select" && options.is_empty() {
        return None;
    }
    Some(json!({
        "name": name,
        "label": label.chars().take(80).collect::<String>(),
        "type": kind,
        "required": f.get("required").and_then(Value::as_bool).unwrap_or(false),
        "options": options,
    }))
}

/// The greeting and pre-chat fields the chat page shows.
pub fn page_config(conn: &Connection, app: &Core) -> Result<Value> {
    let doc = flex_config::fetch(conn, app, None)?;
    let web = doc
        .pointer("/ui_attributes/webchat")
        .cloned()
        .unwrap_or(Value::Null);
    let greeting = web
        .get("greeting")
        .and_then(Value::as_str)
        .map(|g| g.chars().take(500).collect::<String>())
        .unwrap_or_else(|| DEFAULT_GREETING.to_string());
    let fields = match web.get("pre_chat_fields").and_then(Value::as_array) {
        Some(list) => Value::Array(list.iter().filter_map(clean_field).take(8).collect()),
        None => default_fields(),
    };
    Ok(json!({"greeting": greeting, "pre_chat_fields": fields}))
}
