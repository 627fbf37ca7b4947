//! start-conversation: an outbound flow (started by the REST API) opens a conversation with one
//! participant on the box's own Conversations and makes it the execution's channel
//! (`flow.channel.sid`): later send-message / send-and-wait widgets write into it, and the
//! participant's replies come back to this flow. The widget decides and names the conversation
//! (its `CH…` SID is chosen here); the channels layer creates it, its participant, the session
//! that routes an SMS reply to it and its `studio` webhook from the event
//! `studio.execution.start-conversation`, committed with the run. It fails (`failed`) when the
//! execution already has a channel — a call, an inbound message, an earlier conversation — or
//! the participant or service is not usable.
//! https://www.twilio.com/docs/studio/widget-library/start-conversation

use super::{props, Outcome, WidgetResult};
use crate::engine::context::text;
use crate::engine::effects::Op;
use crate::engine::run::Run;
use crate::events::{EventType, NewEvent};
use crate::flows::definition::State;
use crate::ids::{is_sid, new_sid, Prefix};
use serde_json::{json, Map, Value};

fn failed(why: impl Into<String>) -> WidgetResult {
    Ok(Outcome::next("failed", json!({"error": why.into()})))
}

pub fn start_conversation(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let ctx = run.ctx();
    if !ctx["trigger"]["request"].is_object() {
        return failed(
            "start-conversation runs in a flow started by the REST API; this execution already \
             has its channel (a call or a message)",
        );
    }
    if ctx["flow"]["channel"]["sid"].is_string() {
        return failed("the execution already has a conversation (one per execution)");
    }
    let participant: Map<String, Value> = p
        .get("participants")
        .and_then(Value::as_array)
        .and_then(|list| list.first())
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let address = text(&participant, "messaging_binding_address")
        .trim()
        .to_string();
    let proxy = text(&participant, "messaging_binding_proxy_address")
        .trim()
        .to_string();
    let identity = text(&participant, "identity").trim().to_string();
    let chat = text(&participant, "type") == "chat" || (address.is_empty() && !identity.is_empty());
    if chat && identity.is_empty() {
        return failed("the chat participant has no identity");
    }
    if !chat && (address.is_empty() || proxy.is_empty()) {
        return failed(
            "the participant needs a messaging binding address and proxy address (the customer's \
             number and ours)",
        );
    }
    let service = text(&p, "conversation_service_sid").trim().to_string();
    if !service.is_empty() {
        let known = is_sid(Prefix::ConversationService, &service)
            && run
                .app
                .store
                .read(|c| crate::store::channels::services::find(c, &service))?
                .is_some();
        if !known {
            return failed(format!("no Conversations service {service}"));
        }
    }
    if !chat {
        let taken = run.app.store.read(|c| {
            crate::store::channels::conversations::find_by_any_binding(c, &address, &proxy)
        })?;
        if let Some(other) = taken {
            return failed(format!(
                "{address} already talks to {proxy} in the open conversation {}",
                other.sid
            ));
        }
    }
    let sid = new_sid(Prefix::Conversation);
    let close_on_end = matches!(
        p.get("close_conversation_on_execution_end"),
        Some(Value::Bool(true))
    ) || text(&p, "close_conversation_on_execution_end") == "true";
    let data = json!({
        "ExecutionSid": run.exec.sid,
        "FlowSid": run.exec.flow_sid,
        "ConversationSid": sid,
        "ChatServiceSid": Some(service.clone()).filter(|s| !s.is_empty()),
        "FriendlyName": Some(text(&p, "friendly_name")).filter(|s| !s.trim().is_empty()),
        "Attributes": Some(text(&p, "attributes")).filter(|s| !s.trim().is_empty()),
        "TimersInactive": Some(text(&p, "timers_inactive")).filter(|s| !s.trim().is_empty()),
        "TimersClosed": Some(text(&p, "timers_closed")).filter(|s| !s.trim().is_empty()),
        "CloseOnExecutionEnd": close_on_end,
        "Address": Some(address.clone()).filter(|_| !chat),
        "ProxyAddress": Some(proxy.clone()).filter(|_| !chat),
        "Identity": Some(identity.clone()).filter(|_| chat),
    });
    run.fx.push(Op::Event(
        NewEvent::new(
            EventType::ExecutionStartConversation,
            "execution",
            run.exec.sid.clone(),
        )
        .describe(format!(
            "execution {} starts conversation {sid}",
            run.exec.sid
        ))
        .data(data),
    ));
    let channel = &mut run.exec.context["flow"]["channel"];
    if !channel.is_object() {
        *channel = json!({});
    }
    channel["sid"] = json!(sid);
    if !chat {
        channel["address"] = json!(proxy);
    }
    Ok(Outcome::next(
        "created",
        json!({"ConversationSid": sid, "ChatServiceSid": data_service(&service),
               "Participant": {"Address": Some(address).filter(|_| !chat),
                               "ProxyAddress": Some(proxy).filter(|_| !chat),
                               "Identity": Some(identity).filter(|_| chat)}}),
    ))
}

fn data_service(service: &str) -> Value {
    if service.is_empty() {
        Value::Null
    } else {
        json!(service)
    }
}
