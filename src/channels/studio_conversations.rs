//! The conversation a Studio start-conversation widget opened (`engine::widgets::conversation`
//! decided it and named its `CH…` SID; the event `studio.execution.start-conversation` carries
//! it here, to the janitor's durable subscriber, in the order of the run's other events, so it
//! exists before the run's first send-message is delivered): the conversation, its one
//! participant and a `studio` webhook that sends the participant's replies to the flow. An SMS
//! or WhatsApp reply from the customer's number to ours finds the conversation by that binding
//! (`sessions::open_session`, as for any conversation made over the API). A conversation that
//! cannot be made (a service deleted since the run, the binding taken meanwhile) is logged.

use super::{conversations, participants, webhooks, Result};
use crate::core::Core;
use crate::events::Event;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

pub fn start(tx: &Connection, app: &Core, ev: &Event) -> Result<()> {
    let get = |k: &str| ev.data.get(k).and_then(Value::as_str).map(str::to_string);
    let (Some(sid), Some(flow_sid)) = (get("ConversationSid"), get("FlowSid")) else {
        return Ok(());
    };
    if crate::store::channels::conversations::find(tx, &sid)?.is_some() {
        return Ok(());
    }
    let (address, proxy) = (get("Address"), get("ProxyAddress"));
    if let (Some(a), Some(p)) = (&address, &proxy) {
        if let Some(other) = crate::store::channels::conversations::find_by_any_binding(tx, a, p)? {
            log::warn!(
                "start-conversation of execution {:?}: {a} already talks to {p} in {}",
                get("ExecutionSid"),
                other.sid
            );
            return Ok(());
        }
    }
    let now = app.now_ms();
    let mut attributes = get("Attributes")
        .and_then(|a| serde_json::from_str::<Value>(&a).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    attributes["studio_execution_sid"] = json!(get("ExecutionSid"));
    let fields = conversations::Fields {
        sid: Some(sid.clone()),
        friendly_name: get("FriendlyName"),
        attributes: Some(attributes.to_string()),
        timers_inactive: get("TimersInactive"),
        timers_closed: get("TimersClosed"),
        chat_service_sid: get("ChatServiceSid"),
        quiet: true,
        ..Default::default()
    };
    let conv = match conversations::create_in(tx, app, fields, None, now) {
        Ok(c) => c,
        Err(super::Error::Store(e)) => return Err(e.into()),
        Err(e) => {
            log::warn!(
                "start-conversation of execution {:?}: {e}",
                get("ExecutionSid")
            );
            return Ok(());
        }
    };
    participants::add_in(
        tx,
        app,
        &conv.sid,
        participants::Fields {
            identity: get("Identity"),
            binding_address: address.clone(),
            proxy_address: proxy.clone(),
            quiet: true,
            ..Default::default()
        },
    )?;
    let mut config = Map::new();
    config.insert("flow_sid".into(), json!(flow_sid));
    webhooks::create_in(tx, &conv.sid, "studio", config, now)?;
    Ok(())
}
