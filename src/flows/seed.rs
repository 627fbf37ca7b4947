//! The flows a new appliance ships, like a new Flex project's: "Messaging Flow", "Webchat Flow"
//! (Trigger → Send to Flex) and "Voice IVR" (a greeting; press 1 for sales, 2 for support → the
//! task attribute `department`; anything else repeats the greeting; then Send to Flex with the
//! call's `call_sid`). Seeding is idempotent: a flow whose name exists is left alone.

use super::revisions::{self, FlowInput};
use super::{Error, FlowStatus};
use crate::core::Core;
use crate::store::studio::flows as db;
use serde_json::{json, Value};

pub const MESSAGING_FLOW: &str = "Messaging Flow";
pub const WEBCHAT_FLOW: &str = "Webchat Flow";
pub const VOICE_IVR: &str = "Voice IVR";

fn trigger(transitions: Value, y: i64) -> Value {
    json!({"name": "Trigger", "type": "trigger", "transitions": transitions,
           "properties": {"offset": {"x": 0, "y": y}}})
}

/// A send-to-flex widget. An empty `workflow` means the default workspace's default workflow.
fn send_to_flex(name: &str, workflow: &str, channel: &str, attributes: &str, y: i64) -> Value {
    json!({"name": name, "type": "send-to-flex",
           "transitions": [{"event": "callComplete"}, {"event": "failedToEnqueue"},
                           {"event": "callFailure"}],
           "properties": {"offset": {"x": 0, "y": y}, "workflow": workflow, "channel": channel,
                          "attributes": attributes}})
}

fn messaging(workflow: &str, channel: &str) -> Value {
    json!({
        "description": "Routes every inbound message to an agent",
        "states": [
            trigger(json!([
                {"event": "incomingMessage", "next": "SendMessageToAgent"},
                {"event": "incomingCall"},
                {"event": "incomingConversationMessage", "next": "SendMessageToAgent"},
                {"event": "incomingRequest"},
                {"event": "incomingParent"}
            ]), 0),
            send_to_flex("SendMessageToAgent", workflow, channel,
                "{\"name\": \"{{contact.channel.address}}\", \"channelType\": \"{{trigger.message.ChannelType}}{{trigger.conversation.ChannelType}}\"}",
                200),
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

fn voice_ivr(workflow: &str) -> Value {
    let digit = |name: &str, value: &str, next: &str| {
        json!({"friendly_name": name, "next": next, "event": "match", "conditions": [
            {"friendly_name": name, "arguments": ["{{widgets.greeting.Digits}}"],
             "type": "equal_to", "value": value}]})
    };
    let set = |name: &str, department: &str, y: i64| {
        json!({"name": name, "type": "set-variables",
               "transitions": [{"event": "next", "next": "SendCallToAgent"}],
               "properties": {"offset": {"x": 0, "y": y},
                              "variables": [{"key": "department", "value": department}]}})
    };
    json!({
        "description": "Greets the caller and routes to sales or support",
        "states": [
            trigger(json!([
                {"event": "incomingMessage"},
                {"event": "incomingCall", "next": "greeting"},
                {"event": "incomingConversationMessage"},
                {"event": "incomingRequest"},
                {"event": "incomingParent"}
            ]), 0),
            {"name": "greeting", "type": "gather-input-on-call",
             "transitions": [{"event": "keypress", "next": "route"},
                             {"event": "speech", "next": "route"},
                             {"event": "timeout", "next": "greeting"}],
             "properties": {"offset": {"x": 0, "y": 200}, "number_of_digits": 1, "timeout": 5,
                            "stop_gather": true, "speech_timeout": "auto", "loop": 1,
                            "say": "Thanks for calling. Press 1 for sales, or 2 for support."}},
            {"name": "route", "type": "split-based-on",
             "transitions": [{"event": "noMatch", "next": "greeting"},
                             digit("sales", "1", "set_sales"),
                             digit("support", "2", "set_support")],
             "properties": {"offset": {"x": 0, "y": 400}, "input": "{{widgets.greeting.Digits}}"}},
            set("set_sales", "sales", 600),
            set("set_support", "support", 600),
            send_to_flex("SendCallToAgent", workflow, "voice",
                "{\"type\": \"inbound\", \"name\": \"{{trigger.call.From}}\", \"department\": \"{{flow.variables.department}}\", \"call_sid\": \"{{trigger.call.CallSid}}\"}",
                800),
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": true}
    })
}

/// The default flows by name with their definitions, sending to `workflow` (a `WW…` SID, or
/// empty for the default workspace's default workflow).
pub fn defaults(workflow: &str) -> Vec<(&'static str, Value)> {
    vec![
        (MESSAGING_FLOW, messaging(workflow, "sms")),
        (WEBCHAT_FLOW, messaging(workflow, "chat")),
        (VOICE_IVR, voice_ivr(workflow)),
    ]
}

/// The seeded TaskRouter workspace's default workflow ("Assign to Anyone"), if TaskRouter has one.
fn default_workflow(app: &Core) -> String {
    app.store
        .read(|c| -> crate::routing::Result<Option<String>> {
            match crate::routing::workspaces::default_sid(c)? {
                Some(ws) => crate::routing::workflows::default_sid(c, &ws),
                None => Ok(None),
            }
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Creates whichever default flow does not exist yet (by name); returns how many it created.
pub fn ensure_defaults(app: &Core) -> Result<usize, Error> {
    let mut created = 0;
    for (name, definition) in defaults(&default_workflow(app)) {
        if app.store.read(|c| db::find_by_name(c, name))?.is_some() {
            continue;
        }
        revisions::create(
            app,
            FlowInput {
                friendly_name: Some(name.to_string()),
                status: Some(FlowStatus::Published),
                definition: Some(definition),
                commit_message: Some("Default flow".into()),
            },
        )?;
        created += 1;
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_flows_validate_without_warnings() {
        // Seeding fills in the seeded workspace's default workflow.
        for (name, def) in super::defaults("WW00000000000000000000000000000000") {
            let checked = super::revisions::check(&def);
            assert!(checked.valid, "{name}: {:?}", checked.errors);
            assert!(
                checked.warnings.is_empty(),
                "{name}: {:?}",
                checked.warnings
            );
        }
    }
}
