//! Interactions (Flex v1): `POST /v1/Interactions` with `Channel` and `Routing` JSON binds a
//! conversation (an existing one by `properties.media_channel_sid`, or a new one with the given
//! participants) to a task created through TaskRouter. Without routing properties the
//! conversation waits for the customer: their reply goes through the channel's Flex Flow, which
//! creates the task ("task on customer response"). Channel status `closed` / `inactive` closes
//! the conversation / parks it, and moves its task to completed / wrapping.
//! https://www.twilio.com/docs/flex/developer/conversations/interactions-api

use super::integrations::{self, TaskSpec};
use super::{conversations, flex_flows, participants, Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::channels::interactions::{
    self as db, Channel, ChannelParticipant, Interaction, InteractionChannelStatus as Status,
    InteractionChannelType, InteractionParticipantStatus as ParticipantStatus,
    InteractionParticipantType as ParticipantType,
};
use crate::store::channels::sessions::{self as session_db, MessagingChannel, Session};
use rusqlite::Connection;
use serde_json::{json, Value};

pub struct Created {
    pub interaction: Interaction,
    pub channel: Channel,
}

pub fn create(
    app: &Core,
    channel: Value,
    routing: Option<Value>,
    context_sid: Option<String>,
    webhook_ttid: Option<String>,
) -> Result<Created> {
    if let Some(c) = &context_sid {
        if !crate::ids::is_sid(Prefix::InteractionContext, c) {
            return Err(Error::invalid(
                "InteractionContextSid",
                "must be an HQ… SID",
            ));
        }
    }
    check_ttid(webhook_ttid.as_deref())?;
    let kind = channel
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid("Channel", "needs a type"))?;
    let Some(kind) = InteractionChannelType::parse(kind) else {
        let all: Vec<&str> = InteractionChannelType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        return Err(Error::invalid(
            "Channel",
            format!("type must be one of {}", all.join(", ")),
        ));
    };
    let routing = routing.unwrap_or_else(|| json!({}));
    if !routing.is_object() {
        return Err(Error::invalid("Routing", "must be a JSON object"));
    }
    let props = routing
        .get("properties")
        .cloned()
        .unwrap_or_else(|| json!({}));
    app.store.write(|tx| {
        let now = app.now_ms();
        let existing = channel
            .pointer("/properties/media_channel_sid")
            .and_then(Value::as_str)
            .map(str::to_string);
        let adopting = existing.is_some();
        let conv = match existing {
            Some(sid) => conversations::fetch(tx, &sid)?,
            None => conversations::create_in(
                tx,
                app,
                conversations::Fields {
                    friendly_name: Some(format!("{kind} interaction")),
                    ..Default::default()
                },
                None,
                now,
            )?,
        };
        let interaction = Interaction {
            sid: new_sid(Prefix::Interaction),
            channel: channel.clone(),
            routing: routing.clone(),
            interaction_context_sid: context_sid.clone(),
            webhook_ttid: webhook_ttid.clone(),
            created_at: now,
        };
        db::insert(tx, &interaction)?;
        let mut ch = Channel {
            sid: new_sid(Prefix::InteractionChannel),
            interaction_sid: interaction.sid.clone(),
            channel_type: kind,
            status: Status::Active,
            conversation_sid: Some(conv.sid.clone()),
            task_sid: None,
            error_code: None,
            error_message: None,
            created_at: now,
            updated_at: now,
        };
        // Binding a conversation that a task already serves adopts that task (so it can be
        // transferred or closed through the channel).
        if adopting {
            ch.task_sid = session_db::live_tasks(tx, &conv.sid)?.pop();
        }
        db::save_channel(tx, &ch)?;
        if adopting {
            // Its participants so far become the channel's: agents (who joined by a task) and
            // customers (by their address).
            let members = crate::store::channels::participants::list(
                tx,
                &conv.sid,
                crate::store::Window {
                    offset: 0,
                    limit: 1000,
                },
            )?;
            for m in members.items {
                let attrs: Value = serde_json::from_str(&m.attributes).unwrap_or(Value::Null);
                let kind = if attrs.get("worker_sid").is_some() {
                    ParticipantType::Agent
                } else if m.binding_address.is_some() {
                    ParticipantType::Customer
                } else {
                    ParticipantType::Unknown
                };
                add_channel_participant_in(tx, &ch, kind, Some(&m.sid), None, app.now_ms())?;
            }
        }
        for p in channel
            .get("participants")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let f = participants::Fields {
                identity: p
                    .get("identity")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                binding_address: p.get("address").and_then(Value::as_str).map(str::to_string),
                proxy_address: p
                    .get("proxy_address")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                ..Default::default()
            };
            let added = participants::add_in(tx, app, &conv.sid, f.clone())?;
            add_channel_participant_in(
                tx,
                &ch,
                ParticipantType::Customer,
                Some(&added.sid),
                None,
                app.now_ms(),
            )?;
            // The customer's replies find this conversation through a session.
            let flow = match &f.proxy_address {
                Some(proxy) => match flow_channel(kind) {
                    Some(c) => flex_flows::handler_for(tx, c, proxy)?,
                    None => None,
                },
                None => None,
            };
            if let (Some(address), Some(proxy), Some(flow)) =
                (&f.binding_address, &f.proxy_address, &flow)
            {
                if session_db::find_for_contact(tx, flow.channel_type, address, proxy)?.is_none() {
                    session_db::insert(
                        tx,
                        &Session {
                            sid: new_sid(Prefix::ChannelSession),
                            flex_flow_sid: flow.sid.clone(),
                            channel_type: flow.channel_type,
                            contact: address.clone(),
                            contact_identity: proxy.clone(),
                            conversation_sid: conv.sid.clone(),
                            task_sid: None,
                            created_at: now,
                            updated_at: now,
                        },
                    )?;
                }
            }
        }
        let mut routing_out = routing.clone();
        if props.get("workspace_sid").is_some()
            || props.get("workflow_sid").is_some()
            || props.get("task_channel_unique_name").is_some()
        {
            let mut attributes = props
                .get("attributes")
                .cloned()
                .unwrap_or_else(|| json!({}));
            if let Value::String(s) = &attributes {
                attributes = serde_json::from_str(s)
                    .map_err(|_| Error::invalid("Routing", "properties.attributes is not JSON"))?;
            }
            if !attributes.is_object() {
                return Err(Error::invalid(
                    "Routing",
                    "properties.attributes must be an object",
                ));
            }
            let obj = attributes.as_object_mut().expect("checked above");
            obj.entry("conversationSid").or_insert(json!(conv.sid));
            obj.entry("channelType").or_insert(json!(kind));
            obj.insert("flexInteractionSid".into(), json!(interaction.sid));
            obj.insert("flexInteractionChannelSid".into(), json!(ch.sid));
            if let Some(w) = props.get("worker_sid") {
                obj.entry("known_worker_sid").or_insert(w.clone());
            }
            let get = |k: &str| props.get(k).and_then(Value::as_str).map(str::to_string);
            let task = integrations::create_task_in(
                tx,
                app,
                TaskSpec {
                    workspace_sid: get("workspace_sid"),
                    workflow_sid: get("workflow_sid"),
                    task_channel: get("task_channel_unique_name").or(get("task_channel_sid")),
                    priority: props.get("priority").and_then(Value::as_i64),
                    timeout: props.get("timeout").and_then(Value::as_i64),
                    attributes,
                },
            )?;
            session_db::link_task(tx, &task, &conv.sid, get("workspace_sid").as_deref(), now)?;
            ch.task_sid = Some(task.clone());
            db::save_channel(tx, &ch)?;
            routing_out["properties"]["sid"] = json!(task);
            db::set_routing(tx, &interaction.sid, &routing_out)?;
        }
        app.record(
            tx,
            &NewEvent::new(
                EventType::InteractionCreated,
                "interaction",
                &interaction.sid,
            )
            .describe("interaction created")
            .data(
                json!({"InteractionSid": interaction.sid, "InteractionChannelSid": ch.sid,
                             "ConversationSid": conv.sid, "TaskSid": ch.task_sid}),
            ),
        )?;
        Ok(Created {
            interaction: Interaction {
                routing: routing_out,
                ..interaction
            },
            channel: ch,
        })
    })
}

/// The Flex Flow channel type that carries an interaction channel type's replies.
fn flow_channel(kind: InteractionChannelType) -> Option<MessagingChannel> {
    use InteractionChannelType as T;
    match kind {
        T::Chat | T::Web => Some(MessagingChannel::Web),
        T::Sms => Some(MessagingChannel::Sms),
        T::Whatsapp => Some(MessagingChannel::Whatsapp),
        T::Messenger => Some(MessagingChannel::Messenger),
        T::Gbm => Some(MessagingChannel::Gbm),
        T::Email => Some(MessagingChannel::Email),
        T::Voice => None,
    }
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Interaction> {
    db::find(conn, sid)?.ok_or_else(|| Error::not_found(sid))
}

fn check_ttid(ttid: Option<&str>) -> Result<()> {
    match ttid {
        Some(t) if t.chars().count() > 256 => Err(Error::invalid(
            "WebhookTtid",
            "must be at most 256 characters",
        )),
        _ => Ok(()),
    }
}

/// `POST /v1/Interactions/{KD}`: sets (or, when empty, clears) the interaction-level webhook's
/// identifier, `WebhookTtid`.
pub fn update(app: &Core, sid: &str, webhook_ttid: Option<&str>) -> Result<Interaction> {
    check_ttid(webhook_ttid)?;
    app.store.write(|tx| {
        let mut i = fetch(tx, sid)?;
        if let Some(t) = webhook_ttid {
            i.webhook_ttid = Some(t.to_string()).filter(|t| !t.is_empty());
            db::set_webhook_ttid(tx, sid, i.webhook_ttid.as_deref(), app.now_ms())?;
        }
        Ok(i)
    })
}

pub fn fetch_channel(conn: &Connection, interaction_sid: &str, sid: &str) -> Result<Channel> {
    db::find_channel(conn, interaction_sid, sid)?.ok_or_else(|| Error::not_found(sid))
}

/// Sets a channel's status to `closed` or `inactive`: the conversation follows, and the task
/// goes to completed (routing status `closed`) or wrapping.
pub fn update_channel(
    app: &Core,
    interaction_sid: &str,
    sid: &str,
    status: &str,
    routing: Option<Value>,
) -> Result<Channel> {
    let status = match Status::parse(status) {
        Some(s @ (Status::Closed | Status::Inactive)) => s,
        _ => return Err(Error::invalid("Status", "must be closed or inactive")),
    };
    let complete = routing
        .as_ref()
        .and_then(|r| r.get("status"))
        .and_then(Value::as_str)
        == Some("closed");
    let ch = app.store.write(|tx| {
        let mut ch = fetch_channel(tx, interaction_sid, sid)?;
        ch.status = status;
        ch.updated_at = app.now_ms();
        db::save_channel(tx, &ch)?;
        if let Some(conv) = &ch.conversation_sid {
            if conversations::fetch(tx, conv).is_ok() {
                let state = if status == Status::Closed {
                    crate::states::ConversationState::Closed
                } else {
                    crate::states::ConversationState::Inactive
                };
                conversations::set_state_in(tx, app, conv, state)?;
                if status == Status::Closed {
                    for s in session_db::for_conversation(tx, conv)? {
                        super::sessions::close(tx, app, &s, "interaction channel closed")?;
                    }
                }
            }
        }
        app.record(
            tx,
            &NewEvent::new(EventType::InteractionChannelUpdated, "interaction_channel", &ch.sid)
                .describe(format!("interaction channel {status}"))
                .data(json!({"InteractionSid": ch.interaction_sid, "InteractionChannelSid": ch.sid,
                             "ConversationSid": ch.conversation_sid, "TaskSid": ch.task_sid, "Status": status})),
        )?;
        Ok::<_, Error>(ch)
    })?;
    // Every task serving the conversation (both agents' during a warm transfer) follows.
    let mut tasks = match &ch.conversation_sid {
        Some(conv) => app.store.read(|c| session_db::live_tasks(c, conv))?,
        None => Vec::new(),
    };
    if let Some(task) = &ch.task_sid {
        if !tasks.contains(task) {
            tasks.push(task.clone());
        }
    }
    for task in &tasks {
        integrations::finish_task(app, task, complete || status == Status::Closed)?;
    }
    Ok(ch)
}

/// Records an interaction channel participant (idempotent per conversation participant).
pub fn add_channel_participant_in(
    tx: &Connection,
    ch: &Channel,
    kind: ParticipantType,
    participant_sid: Option<&str>,
    routing_properties: Option<Value>,
    now: i64,
) -> Result<ChannelParticipant> {
    if let Some(p) = participant_sid {
        let page = db::participants(
            tx,
            &ch.sid,
            crate::store::Window {
                offset: 0,
                limit: 1000,
            },
        )?;
        if let Some(existing) = page
            .items
            .into_iter()
            .find(|x| x.participant_sid.as_deref() == Some(p))
        {
            return Ok(existing);
        }
    }
    let p = ChannelParticipant {
        sid: new_sid(Prefix::InteractionParticipant),
        interaction_sid: ch.interaction_sid.clone(),
        channel_sid: ch.sid.clone(),
        participant_type: kind,
        status: None,
        participant_sid: participant_sid.map(str::to_string),
        routing_properties,
        created_at: now,
    };
    db::save_participant(tx, &p)?;
    Ok(p)
}

/// `POST …/Participants`: `Type` and `MediaProperties` (`identity`, or `address` + `proxy_address`);
/// `RoutingProperties` (a JSON object) is kept on the participant and shown back.
pub fn add_participant(
    app: &Core,
    interaction_sid: &str,
    channel_sid: &str,
    kind: &str,
    media: Value,
    routing_properties: Option<Value>,
) -> Result<ChannelParticipant> {
    let Some(kind) = ParticipantType::parse(kind) else {
        return Err(Error::invalid(
            "Type",
            "must be supervisor, customer, external, agent or unknown",
        ));
    };
    app.store.write(|tx| {
        let ch = fetch_channel(tx, interaction_sid, channel_sid)?;
        let conv = ch
            .conversation_sid
            .clone()
            .ok_or_else(|| Error::not_found("the channel's conversation"))?;
        let s = |k: &str| media.get(k).and_then(Value::as_str).map(str::to_string);
        let p = participants::add_in(
            tx,
            app,
            &conv,
            participants::Fields {
                identity: s("identity"),
                binding_address: s("address").or(s("messaging_binding.address")),
                proxy_address: s("proxy_address").or(s("messaging_binding.proxy_address")),
                ..Default::default()
            },
        )?;
        add_channel_participant_in(
            tx,
            &ch,
            kind,
            Some(&p.sid),
            routing_properties.clone(),
            app.now_ms(),
        )
    })
}

/// `POST …/Participants/{sid}` with `Status` closed | wrapup: a closed participant leaves the conversation.
pub fn update_participant(
    app: &Core,
    interaction_sid: &str,
    channel_sid: &str,
    sid: &str,
    status: &str,
) -> Result<ChannelParticipant> {
    let Some(status) = ParticipantStatus::parse(status) else {
        return Err(Error::invalid("Status", "must be closed or wrapup"));
    };
    app.store.write(|tx| {
        let ch = fetch_channel(tx, interaction_sid, channel_sid)?;
        let mut p = db::find_participant(tx, &ch.sid, sid)?.ok_or_else(|| Error::not_found(sid))?;
        p.status = Some(status);
        db::save_participant(tx, &p)?;
        // An agent leaving takes their task with them (wrapping, or completed when closed).
        if p.participant_type == ParticipantType::Agent {
            super::transfers::participant_left(tx, app, &ch, p.participant_sid.as_deref(), status)?;
        }
        if status == ParticipantStatus::Closed {
            if let (Some(conv), Some(ps)) = (&ch.conversation_sid, &p.participant_sid) {
                if crate::store::channels::participants::find(tx, conv, ps)?.is_some() {
                    crate::store::channels::participants::delete(tx, ps)?;
                }
            }
        }
        Ok(p)
    })
}
