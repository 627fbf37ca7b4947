//! The Channel Janitor: a durable bus subscriber on its own thread. It
//! - links tasks to conversations from `task.created` (`conversationSid` in `TaskAttributes`);
//! - adds the worker as a participant of the task's conversation on `reservation.accepted`;
//! - on `task.canceled`, `task.wrapup`, `task.completed` and `task.system-deleted`, if the
//!   conversation's Flex Flow has `JanitorEnabled`, deletes the channel session and marks the
//!   conversation inactive (history stays readable) — with `LongLived` the conversation stays
//!   active and only the session goes. `task.deleted` never cleans (Flex's rule). Only the
//!   last task's end closes a channel: while another task of the conversation lives (a
//!   transfer or invite under way, both agents of a warm transfer) its sessions move to that
//!   task instead, and a transfer's task that nobody took fails the transfer without any
//!   cleanup (`transfers`);
//! - delivers Studio's outbound widget messages (`studio.execution.send-message`): appended to
//!   the conversation as the bot, and sent by the carrier for SMS/WhatsApp.
//!
//! Every event is handled in one transaction that also records its SID as handled, so a replay
//! after a crash does nothing twice.
//!
//! The thread also runs the inbound routing's start-up sweep before its first event and its
//! retry pass every `inbound::RETRY_EVERY` (`inbound`): both are rare, short and the channels'
//! own, and a thread of their own would be idle nearly always (the appliance's budget is 16).

use super::inbound;
use super::integrations;
use super::messages::{self, NewMessage};
use super::{conversations, outbox, participants, sessions, transfers, Result};
use crate::core::Core;
use crate::events::{Delivery, Event, EventType, Subscription};
use crate::states::ConversationState;
use crate::store::channels::interactions as inter_db;
use crate::store::channels::sessions::{self as session_db, MessagingChannel};
use crate::store::channels::{self as store, conversations as conv_db, flex_flows as flow_db};
use crossbeam_channel::Receiver;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The author of messages Studio's widgets send.
pub const BOT_AUTHOR: &str = "bot";

pub const SUBSCRIBER: &str = "channels-janitor";

/// Subscribes (durably) and starts the janitor thread.
pub fn start(
    app: &Arc<Core>,
    stop: &Receiver<()>,
) -> std::result::Result<std::thread::JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe(SUBSCRIBER, Delivery::Durable)
        .map_err(|e| format!("the janitor cannot subscribe: {e}"))?;
    let (app, stop) = (app.clone(), stop.clone());
    std::thread::Builder::new()
        .name("janitor".into())
        .spawn(move || {
            inbound::sweep(&app, &stop);
            let mut next_retry = std::time::Instant::now() + inbound::RETRY_EVERY;
            loop {
                let now = std::time::Instant::now();
                if now >= next_retry {
                    inbound::retry(&app, &stop);
                    next_retry = std::time::Instant::now() + inbound::RETRY_EVERY;
                }
                let wait = next_retry.saturating_duration_since(now);
                let first = crossbeam_channel::select! {
                    recv(sub.events) -> ev => match ev { Ok(ev) => ev, Err(_) => return },
                    recv(stop) -> _ => return,
                    default(wait) => continue,
                };
                handle_batch(&app, &sub, first);
            }
        })
        .map_err(|e| format!("cannot start the janitor thread: {e}"))
}

/// Handles `first` and what has queued up behind it, then moves the cursor once for the batch.
fn handle_batch(app: &Core, sub: &Subscription, first: Arc<Event>) {
    let mut batch = vec![first];
    while batch.len() < 500 {
        match sub.events.try_recv() {
            Ok(ev) => batch.push(ev),
            Err(_) => break,
        }
    }
    // The batch's events are handled in order in one write (one commit instead of one each).
    // If that write fails, nothing of it stays and each event is tried on its own: the cursor
    // stops before an event that failed, so a restart replays it (events handled meanwhile are
    // recognised by their SID and skipped).
    if handle_together(app, sub, &batch) {
        return;
    }
    let (mut done, mut failed) = (None, false);
    for ev in &batch {
        let ok = !relevant(ev.kind) || handle_with_retries(app, ev);
        failed |= !ok;
        if !failed {
            done = Some(ev.seq);
        }
    }
    if let Some(seq) = done {
        if let Err(e) = sub.ack(seq) {
            log::error!("janitor: cannot ack event {seq}: {e}");
        }
    }
}

/// Handles the relevant events of `batch` in order and moves the cursor past the batch, in one
/// transaction; false (and nothing written) if one of them failed, or if the batch has nothing
/// to handle (the caller only acks it).
fn handle_together(app: &Core, sub: &Subscription, batch: &[Arc<Event>]) -> bool {
    let relevant: Vec<&Event> = batch
        .iter()
        .map(|ev| ev.as_ref())
        .filter(|ev| relevant(ev.kind))
        .collect();
    let Some(last) = batch.last() else {
        return true;
    };
    if relevant.is_empty() {
        return false;
    }
    match app.store.write(|tx| -> Result<()> {
        relevant.iter().try_for_each(|ev| handle_in(tx, app, ev))?;
        sub.ack_in(tx, last.seq)?;
        Ok(())
    }) {
        Ok(()) => true,
        Err(e) => {
            log::warn!(
                "janitor: {} events failed together ({e}); trying them one by one",
                relevant.len()
            );
            false
        }
    }
}

/// Handles an event, retrying a failing store a few times; false if it never went through (the
/// event is then replayed at the next start, since its cursor did not move).
fn handle_with_retries(app: &Core, ev: &Event) -> bool {
    for attempt in 0..5u64 {
        match app.store.write(|tx| handle_in(tx, app, ev)) {
            Ok(()) => return true,
            Err(e) => {
                log::warn!(
                    "janitor: event {} {} failed (attempt {}): {e}",
                    ev.seq,
                    ev.kind.as_str(),
                    attempt + 1
                );
                std::thread::sleep(Duration::from_millis(50 << attempt));
            }
        }
    }
    false
}

/// The events the janitor acts on.
fn relevant(kind: EventType) -> bool {
    use EventType::*;
    matches!(
        kind,
        TaskCreated
            | ReservationAccepted
            | TaskCanceled
            | TaskWrapup
            | TaskCompleted
            | TaskSystemDeleted
            | TaskDeleted
            | ExecutionSendMessage
            | ExecutionStartConversation
    )
}

fn handle_in(tx: &Connection, app: &Core, ev: &Event) -> Result<()> {
    use EventType::*;
    if !store::mark_handled(tx, &ev.sid, app.now_ms())? {
        return Ok(());
    }
    let task_sid = ev
        .data
        .get("TaskSid")
        .and_then(Value::as_str)
        .unwrap_or(&ev.resource_sid);
    match ev.kind {
        TaskCreated => {
            if let Some(conv) = task_conversation(&ev.data) {
                if conv_db::find(tx, &conv)?.is_some() {
                    session_db::link_task(
                        tx,
                        task_sid,
                        &conv,
                        ev.workspace_sid.as_deref(),
                        app.now_ms(),
                    )?;
                    // An invite's (or a transfer's) task serves the conversation only once an
                    // agent accepts it (`transfers::on_accepted`).
                    if task_attributes(&ev.data).is_some_and(|a| transfers::is_invite_task(&a)) {
                        return Ok(());
                    }
                    session_db::set_task_for_conversation(tx, &conv, task_sid, app.now_ms())?;
                    for mut ch in inter_db::channels_for_conversation(tx, &conv)? {
                        if ch.task_sid.is_none() {
                            ch.task_sid = Some(task_sid.to_string());
                            ch.updated_at = app.now_ms();
                            inter_db::save_channel(tx, &ch)?;
                        }
                    }
                }
            }
        }
        ReservationAccepted => {
            let conv = task_conversation(&ev.data)
                .or(session_db::find_task(tx, task_sid)?.map(|l| l.conversation_sid));
            let worker = ev
                .data
                .get("WorkerSid")
                .and_then(Value::as_str)
                .unwrap_or("");
            if let Some(conv) = conv {
                add_agent(tx, app, &conv, worker)?;
            }
            transfers::on_accepted(tx, app, task_sid)?;
        }
        TaskDeleted => {
            transfers::on_ended(tx, app, task_sid)?;
            session_db::end_task(tx, task_sid, ev.kind.as_str(), app.now_ms())?
        }
        ExecutionSendMessage => deliver_studio_message(tx, app, ev)?,
        ExecutionStartConversation => super::studio_conversations::start(tx, app, ev)?,
        // A transfer nobody took leaves the conversation with the first agent: no cleanup.
        _ if transfers::on_ended(tx, app, task_sid)? => {
            session_db::end_task(tx, task_sid, ev.kind.as_str(), app.now_ms())?
        }
        _ => clean(
            tx,
            app,
            task_sid,
            task_conversation(&ev.data),
            ev.kind.as_str(),
        )?,
    }
    Ok(())
}

/// A task event's `TaskAttributes` (a JSON string, or an object).
fn task_attributes(data: &Value) -> Option<Value> {
    match data.get("TaskAttributes") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
        Some(v) => Some(v.clone()),
        None => None,
    }
}

/// `conversationSid` of a task event's `TaskAttributes` (a JSON string, or an object).
pub fn task_conversation(data: &Value) -> Option<String> {
    let attrs = task_attributes(data)?;
    attrs
        .get("conversationSid")
        .or_else(|| attrs.get("conversation_sid"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn add_agent(tx: &Connection, app: &Core, conv: &str, worker_sid: &str) -> Result<()> {
    let Some(c) = conv_db::find(tx, conv)? else {
        return Ok(());
    };
    if c.state == ConversationState::Closed {
        return Ok(());
    }
    let identity =
        integrations::worker_identity(tx, worker_sid)?.unwrap_or_else(|| worker_sid.to_string());
    let participant = match participants::fetch(tx, &c.sid, &identity) {
        Ok(p) => p,
        Err(_) => participants::add_in(
            tx,
            app,
            &c.sid,
            participants::Fields {
                identity: Some(identity),
                attributes: Some(json!({"worker_sid": worker_sid, "role": "agent"}).to_string()),
                ..Default::default()
            },
        )?,
    };
    for ch in inter_db::channels_for_conversation(tx, &c.sid)? {
        super::interactions::add_channel_participant_in(
            tx,
            &ch,
            crate::states::InteractionParticipantType::Agent,
            Some(&participant.sid),
            None,
            app.now_ms(),
        )?;
    }
    Ok(())
}

/// The janitor's cleanup after a task ended (`why`: the event type).
pub fn clean(
    tx: &Connection,
    app: &Core,
    task_sid: &str,
    conv_hint: Option<String>,
    why: &str,
) -> Result<()> {
    let link = session_db::find_task(tx, task_sid)?;
    session_db::end_task(tx, task_sid, why, app.now_ms())?;
    let Some(conv_sid) = link.map(|l| l.conversation_sid).or(conv_hint) else {
        return Ok(());
    };
    let Some(conv) = conv_db::find(tx, &conv_sid)? else {
        return Ok(());
    };
    let Some(flow) = conv
        .flex_flow_sid
        .as_deref()
        .map(|f| flow_db::find(tx, f))
        .transpose()?
        .flatten()
    else {
        return Ok(());
    };
    // A parked conversation keeps its sessions: the customer's next message brings it back.
    if !flow.janitor_enabled || super::park::is_parked(tx, &conv.sid)? {
        return Ok(());
    }
    // Only the last task's end closes the channel: while another task still serves the
    // conversation (a transfer or invite under way, the other agent of a warm transfer), the
    // sessions move to the newest of them and the customer's next message reaches it.
    let others: Vec<String> = session_db::live_tasks(tx, &conv.sid)?
        .into_iter()
        .filter(|t| t != task_sid)
        .collect();
    for s in session_db::for_conversation(tx, &conv.sid)? {
        if s.task_sid.is_none() || s.task_sid.as_deref() == Some(task_sid) {
            match others.last() {
                Some(next) => session_db::set_task(tx, &s.sid, Some(next), app.now_ms())?,
                None => sessions::close(tx, app, &s, &format!("janitor: {why}"))?,
            }
        }
    }
    let others_live = !others.is_empty();
    if !flow.long_lived && !others_live && conv.state == ConversationState::Active {
        conversations::set_state_in(tx, app, &conv.sid, ConversationState::Inactive)?;
    }
    Ok(())
}

/// A Studio send-message widget's message: into its conversation (as the bot), or straight to
/// the carrier when the execution has no conversation (a flow triggered by the flow webhook).
fn deliver_studio_message(tx: &Connection, app: &Core, ev: &Event) -> Result<()> {
    let get = |k: &str| ev.data.get(k).and_then(Value::as_str).map(str::to_string);
    let body = get("Body").unwrap_or_default();
    let media: Vec<String> = match ev.data.get("MediaUrl") {
        Some(Value::String(u)) if !u.is_empty() => vec![u.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let (to, from) = (
        get("To").unwrap_or_default(),
        get("From").unwrap_or_default(),
    );
    let conv = match get("ConversationSid") {
        Some(c) => conv_db::find(tx, &c)?,
        None => session_db::find_for_contact(tx, MessagingChannel::Web, &to, &from)?
            .map(|s| s.conversation_sid)
            .map(|c| conv_db::find(tx, &c))
            .transpose()?
            .flatten(),
    };
    if let Some(conv) = conv.filter(|c| c.state != ConversationState::Closed) {
        messages::add_in(
            tx,
            app,
            &conv.sid,
            NewMessage {
                author: BOT_AUTHOR.into(),
                body: Some(body),
                media_urls: media,
                attributes: Some(
                    json!({"execution_sid": get("ExecutionSid"), "flow_sid": get("FlowSid")})
                        .to_string(),
                ),
                ..Default::default()
            },
        )?;
        return Ok(());
    }
    let channel = get("ChannelType").unwrap_or_default();
    // No channel type (a flow's own REST trigger) is taken as the carrier's.
    let carrier = channel.is_empty()
        || matches!(
            MessagingChannel::parse(&channel),
            Some(MessagingChannel::Sms | MessagingChannel::Whatsapp)
        );
    if carrier && !to.is_empty() && !to.starts_with("webchat-") {
        let mut params = json!({"To": to, "From": from, "Body": body});
        if let Some(u) = media.first() {
            params["MediaUrl"] = json!(u);
        }
        outbox::queue_carrier(tx, app, params, None, None)?;
    } else {
        log::warn!(
            "janitor: a Studio message for {to} has no conversation or carrier address; dropped"
        );
    }
    Ok(())
}
