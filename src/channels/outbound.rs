//! Conversations an agent starts (issue 15, desktop item 5): an SMS or WhatsApp number, the
//! office's number of that channel, and the first message. Built the way Flex does it, through
//! Interactions: `interactions::create` with the customer as the channel's participant
//! (`initiated_by: agent`) and Routing to the agent — `worker_sid` (the task's
//! `known_worker_sid`) through the workspace's "Outbound" workflow, one filter per queue, so the
//! task is the agent's in a queue they belong to. The reservation is accepted at once (the agent
//! asked for it; Flex's UI auto-accepts its outbound tasks), then the message goes to the carrier
//! through the outbox like any reply. What the carrier says of it (a refusal, WhatsApp's 24-hour
//! window) comes back as the message's delivery (`receipts`, `refusals`).
//! https://www.twilio.com/docs/flex/developer/conversations/outbound-messaging

use super::{conversations, interactions, Error, Result};
use crate::core::Core;
use crate::routing::expr;
use crate::routing::reservations::{self, ReservationUpdate, Scope};
use crate::routing::states::ReservationStatus;
use crate::routing::workers::Worker;
use crate::store::channels::messages::Message;
use crate::store::channels::sessions::{self as session_db, MessagingChannel};
use crate::store::taskrouter::{queues, reservations as reservation_db};
use rusqlite::{Connection, Transaction};
use serde_json::{json, Value};

/// The workflow outbound tasks route through (made on the first one, kept up to date).
pub const OUTBOUND_WORKFLOW: &str = "Outbound";

/// What the agent asked for.
pub struct Request {
    pub channel: MessagingChannel,
    /// The customer's number, as typed.
    pub to: String,
    /// The office's number to write from (`None`: the channel's first).
    pub from: Option<String>,
    pub body: String,
    /// The customer's name, if the agent knows it.
    pub name: Option<String>,
}

pub struct Started {
    pub interaction_sid: String,
    pub conversation_sid: String,
    pub task_sid: String,
    pub reservation_sid: String,
    pub message: Message,
}

/// The office's numbers the agent may write from: the enabled Flex Flows of the channel that
/// name a number (not the catch-all `*`), as numbers (`+1…`, without `whatsapp:`).
pub fn office_numbers(conn: &Connection, channel: MessagingChannel) -> Result<Vec<String>> {
    let window = crate::store::Window {
        offset: 0,
        limit: 1000,
    };
    let mut out = Vec::new();
    for f in crate::store::channels::flex_flows::list(conn, None, window)?.items {
        if !f.enabled || f.channel_type != channel {
            continue;
        }
        let number = bare(&f.contact_identity).to_string();
        if number != super::flex_flows::ANY_NUMBER && !out.contains(&number) {
            out.push(number);
        }
    }
    Ok(out)
}

fn bare(address: &str) -> &str {
    address.strip_prefix("whatsapp:").unwrap_or(address)
}

/// A number as people type it ("+49 151 2345-6789", "0049…") in E.164, or a 21211 in words.
pub fn e164(typed: &str) -> Result<String> {
    let cleaned: String = bare(typed.trim())
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
        .collect();
    let cleaned = match cleaned.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => cleaned,
    };
    let ok = cleaned.strip_prefix('+').is_some_and(|d| {
        (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    });
    if ok {
        Ok(cleaned)
    } else {
        Err(Error::Coded(
            400,
            21211,
            "This is not a phone number in international form: start with + and the country \
             code, like +49 151 23456789."
                .into(),
        ))
    }
}

/// Starts the conversation: the interaction, the agent's task (accepted), the first message.
pub fn start(app: &Core, worker: &Worker, r: Request) -> Result<Started> {
    let to = e164(&r.to)?;
    let body = r.body.trim();
    if body.is_empty() || body.chars().count() > 1600 {
        return Err(Error::invalid("Body", "must have 1 to 1600 characters"));
    }
    let name = r
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(64).collect::<String>());
    let word = channel_word(r.channel);
    let numbers = app.store.read(|c| office_numbers(c, r.channel))?;
    let from = match r.from.as_deref().map(bare) {
        Some(f) => numbers.iter().find(|n| *n == f).cloned().ok_or_else(|| {
            Error::invalid("From", format!("{f} is not one of the office's {word} numbers"))
        })?,
        None => numbers.first().cloned().ok_or_else(|| {
            Error::Conflict(format!(
                "The office has no {word} number to write from yet: an admin adds one as a {word} Flex Flow"
            ))
        })?,
    };
    if !worker.available {
        return Err(Error::Conflict(
            "Set yourself Available to start a conversation".into(),
        ));
    }
    let (address, proxy) = match r.channel {
        MessagingChannel::Whatsapp => (format!("whatsapp:{to}"), format!("whatsapp:{from}")),
        _ => (to.clone(), from.clone()),
    };
    // The customer's replies find the conversation through their session; one already open
    // with this number belongs to another conversation.
    if app
        .store
        .read(|c| session_db::find_for_contact(c, r.channel, &address, &proxy))?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "{to} is already in an open conversation with the office's number {from}"
        )));
    }
    let ws = worker.workspace_sid.clone();
    let (workflow, queue) = app.store.write(|tx| {
        let queue = queue_of(tx, worker)?;
        Ok::<_, Error>((ensure_workflow(tx, app, &ws)?, queue))
    })?;
    let label = name.clone().unwrap_or_else(|| to.clone());
    let channel = json!({"type": r.channel.as_str(), "initiated_by": "agent",
        "participants": [{"address": address, "proxy_address": proxy}]});
    let mut attributes = json!({"direction": "outbound", "outboundQueueSid": queue,
        "from": address, "customerAddress": address, "channelType": r.channel.as_str()});
    if let Some(n) = &name {
        attributes["customer_name"] = json!(n);
    }
    let routing = json!({"properties": {
        "workspace_sid": ws, "workflow_sid": workflow, "worker_sid": worker.sid,
        "task_channel_unique_name": task_channel(r.channel), "attributes": attributes}});
    let created = interactions::create(app, channel, Some(routing), None, None)?;
    let conv = created
        .channel
        .conversation_sid
        .clone()
        .ok_or_else(|| Error::Integration("the interaction has no conversation".into()))?;
    let task = created
        .channel
        .task_sid
        .clone()
        .ok_or_else(|| Error::Integration("the interaction has no task".into()))?;
    let close = || {
        let _ = interactions::update_channel(
            app,
            &created.interaction.sid,
            &created.channel.sid,
            "closed",
            None,
        );
    };
    let named = conversations::update(
        app,
        &conv,
        conversations::Fields {
            friendly_name: Some(label.clone()),
            attributes: Some({
                let mut a = json!({"channel": r.channel.as_str(), "direction": "outbound"});
                if let Some(n) = &name {
                    a["customer_name"] = json!(n);
                }
                a.to_string()
            }),
            quiet: true,
            ..Default::default()
        },
    );
    if let Err(e) = named {
        close();
        return Err(e);
    }
    // The task was matched in the interaction's write: the agent's reservation is there if they
    // had room on the channel.
    let reservation = app
        .store
        .read(|c| reservation_db::of_task(c, &task))?
        .into_iter()
        .find(|x| x.worker_sid == worker.sid && x.status == ReservationStatus::Pending);
    let Some(reservation) = reservation else {
        close();
        return Err(Error::Conflict(format!(
            "You have no room for another {word} conversation: finish one first"
        )));
    };
    let accepted = reservations::update(
        app,
        &ws,
        Scope::Worker(&worker.sid),
        &reservation.sid,
        ReservationUpdate {
            status: Some("accepted".into()),
            ..Default::default()
        },
    );
    if let Err(e) = accepted {
        close();
        return Err(Error::Conflict(format!(
            "The conversation could not be opened: {e}"
        )));
    }
    let message = conversations::post_message(app, &conv, &worker.friendly_name, body)?;
    Ok(Started {
        interaction_sid: created.interaction.sid,
        conversation_sid: conv,
        task_sid: task,
        reservation_sid: reservation.sid,
        message,
    })
}

fn channel_word(c: MessagingChannel) -> &'static str {
    match c {
        MessagingChannel::Whatsapp => "WhatsApp",
        _ => "SMS",
    }
}

/// The task channel of an outbound conversation: SMS tasks on `sms`, WhatsApp on `chat`.
fn task_channel(c: MessagingChannel) -> &'static str {
    match c {
        MessagingChannel::Sms => "sms",
        _ => "chat",
    }
}

/// The first of the workspace's queues the worker belongs to (its `target_workers` matches).
fn queue_of(conn: &Connection, worker: &Worker) -> Result<String> {
    let all = queues::list(
        conn,
        &worker.workspace_sid,
        None,
        crate::store::Window {
            offset: 0,
            limit: 1000,
        },
    )?;
    let scope = expr::Scope {
        task: None,
        worker: Some(&worker.attributes),
        default: expr::Root::Worker,
    };
    all.items
        .into_iter()
        .find(|q| expr::parse(&q.target_workers).is_ok_and(|e| e.eval(&scope)))
        .map(|q| q.sid)
        .ok_or_else(|| {
            Error::Conflict(
                "You are in no queue yet, so no conversation can be yours: an admin adds you to one"
                    .into(),
            )
        })
}

/// The workspace's "Outbound" workflow: per queue, its outbound tasks to their known worker.
fn ensure_workflow(tx: &Transaction, app: &Core, ws: &str) -> Result<String> {
    let all = queues::list(
        tx,
        ws,
        None,
        crate::store::Window {
            offset: 0,
            limit: 1000,
        },
    )?;
    let Some(first) = all.items.first() else {
        return Err(Error::Conflict("The workspace has no queue".into()));
    };
    let filters: Vec<Value> = all
        .items
        .iter()
        .map(|q| {
            json!({
                "filter_friendly_name": format!("outbound in {}", q.friendly_name),
                "expression": format!("direction == \"outbound\" AND outboundQueueSid == \"{}\"", q.sid),
                "targets": [{"queue": q.sid, "known_worker_sid": "task.known_worker_sid"}],
            })
        })
        .collect();
    super::transfer_workflow::keep(tx, app, ws, OUTBOUND_WORKFLOW, filters, &first.sid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(e164("+49 151 2345-6789").unwrap(), "+4915123456789");
        assert_eq!(e164("0049 (151) 23456789").unwrap(), "+4915123456789");
        assert_eq!(e164("whatsapp:+15551234567").unwrap(), "+15551234567");
        for bad in ["0151 23456789", "+0123456789", "hello", "+1 555", ""] {
            assert!(e164(bad).is_err(), "{bad}");
        }
    }
}
