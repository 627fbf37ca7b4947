//! Interaction channel invites and transfers (Flex v1), and what happens to the conversation.
//!
//! - An **invite** (`POST …/Channels/{UO}/Invites` with `Routing`) creates a TaskRouter task for
//!   the channel with the conversation's attributes (those of the channel's current task) and
//!   the routing's own; whoever accepts it joins the conversation and sees its whole history.
//! - A **transfer** (`POST …/Channels/{UO}/Transfers`: `Type` warm | cold, `To` a worker `WK…` or
//!   a queue `WQ…`, optional `Note`, `Summary`, `From`) is an invite routed to that worker or
//!   queue, with the note in the new task's attributes (`transferNote`, `transfer.note`). While
//!   it is under way the channel's status is `transfer`. When the receiver accepts, they join;
//!   in a **cold** transfer the first agent's task goes to wrapping and they leave the
//!   conversation (the transfer is `completed`); in a **warm** one both stay, and the transfer
//!   completes when the first agent leaves (their task wraps or completes, their participant is
//!   closed, or `POST …/Transfers/{UX}` with `Status=completed`).
//! - If nobody takes it (the routed task is canceled — its TTL passed, or
//!   `POST …/Transfers/{UX}` with `Status=failed`), the transfer is `failed` and the customer is
//!   not dropped: the first agent keeps the conversation, or, if their task has ended meanwhile,
//!   a new task goes back through the original task's workflow.
//!
//! Routing: `To` and `Type` become task attributes (`transferTargetType` worker | queue,
//! `transferTargetSid`, `transferQueueSid`) and the task goes through `Routing.properties.
//! workflow_sid` when given, else the workspace's "Transfers" workflow, which switchboard keeps
//! (created on the first transfer, rewritten as queues come and go): per queue, a filter to the
//! queue and one to a known worker in it. A transfer to a worker waits in
//! `Routing.properties.queue_sid`, else the first agent's queue.
//! https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interaction-channel-invites

use super::integrations;
use super::interactions::fetch_channel;
pub use super::invites::{invite, invites, is_invite_task, INVITE_ATTRIBUTE};
use super::invites::{invite_in, open_channel, props, record};
use super::{Error, Result};
use crate::core::Core;
use crate::ids::{is_sid, new_sid, Prefix};
use crate::routing::states::{ReservationStatus, TaskStatus};
use crate::store::channels::interactions::{
    self as inter_db, Channel, InteractionChannelStatus as ChannelStatus,
    InteractionParticipantStatus,
};
use crate::store::channels::transfers::{self as db, Transfer, TransferKind, TransferStatus};
use crate::store::channels::{participants as part_db, sessions as session_db};
use crate::store::taskrouter::{queues, reservations, tasks as task_db, workers};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

/// The workflow switchboard keeps in a workspace for transfers that name none.
pub const TRANSFER_WORKFLOW: &str = "Transfers";
/// A transfer nobody takes fails after this many seconds unless the routing says otherwise.
pub const TRANSFER_TIMEOUT_SECS: i64 = 600;

/// What `POST …/Transfers` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewTransfer {
    pub kind: Option<String>,
    pub to: Option<String>,
    pub from: Option<String>,
    pub note: Option<String>,
    pub summary: Option<String>,
    pub routing: Option<Value>,
}

/// The worker who holds `task_sid` (its accepted reservation), if any.
fn assigned_worker(tx: &Connection, task_sid: &str) -> Result<Option<String>> {
    Ok(reservations::of_task(tx, task_sid)?
        .into_iter()
        .find(|r| r.status == ReservationStatus::Accepted)
        .map(|r| r.worker_sid))
}

/// The channel participant (`UT…`) standing for `worker_sid`'s conversation participant.
fn worker_participant(tx: &Connection, ch: &Channel, worker_sid: &str) -> Result<Option<String>> {
    let Some(conv) = &ch.conversation_sid else {
        return Ok(None);
    };
    let Some(identity) = integrations::worker_identity(tx, worker_sid)? else {
        return Ok(None);
    };
    let Some(p) = part_db::find(tx, conv, &identity)? else {
        return Ok(None);
    };
    let page = inter_db::participants(
        tx,
        &ch.sid,
        crate::store::Window {
            offset: 0,
            limit: 1000,
        },
    )?;
    Ok(page
        .items
        .into_iter()
        .find(|x| x.participant_sid.as_deref() == Some(p.sid.as_str()))
        .map(|x| x.sid))
}

/// `POST …/Channels/{UO}/Transfers`.
pub fn create_transfer(
    app: &Core,
    interaction_sid: &str,
    channel_sid: &str,
    t: NewTransfer,
) -> Result<Transfer> {
    let kind = match t.kind.as_deref() {
        None => TransferKind::Cold,
        Some("external") => return Err(Error::invalid(
            "Type",
            "external transfers (to a phone number) are voice transfers; this channel is messaging",
        )),
        Some(k) => {
            TransferKind::parse(k).ok_or_else(|| Error::invalid("Type", "must be warm or cold"))?
        }
    };
    let to =
        t.to.clone()
            .ok_or_else(|| Error::invalid("To", "is required (a worker WK… or a queue WQ…)"))?;
    let to_worker = is_sid(Prefix::Worker, &to);
    if !to_worker && !is_sid(Prefix::TaskQueue, &to) {
        return Err(Error::invalid(
            "To",
            "must be a worker (WK…) or a queue (WQ…) SID",
        ));
    }
    for (name, v) in [("Note", &t.note), ("Summary", &t.summary)] {
        if v.as_ref().is_some_and(|v| v.chars().count() > 4000) {
            return Err(Error::invalid(name, "must be at most 4000 characters"));
        }
    }
    let routing = t.routing.clone().unwrap_or_else(|| json!({}));
    let mut p = props(&routing)?;
    app.store.write(|tx| {
        let mut ch = open_channel(tx, interaction_sid, channel_sid)?;
        if let Some(active) = db::active_on_channel(tx, &ch.sid)? {
            return Err(Error::Conflict(format!(
                "Transfer {} is already under way on channel {}",
                active.sid, ch.sid
            )));
        }
        let from_task = ch
            .task_sid
            .clone()
            .and_then(|t| task_db::find(tx, &t).ok().flatten())
            .filter(|t| t.assignment_status == TaskStatus::Assigned)
            .ok_or_else(|| {
                Error::Conflict(format!(
                    "Interaction channel {} has no task assigned to an agent to transfer from",
                    ch.sid
                ))
            })?;
        let from_worker = assigned_worker(tx, &from_task.sid)?;
        let from_participant = match &from_worker {
            Some(w) => worker_participant(tx, &ch, w)?,
            None => None,
        };
        if let Some(from) = &t.from {
            let matches = Some(from) == from_worker.as_ref() || Some(from) == from_participant.as_ref();
            if !matches {
                return Err(Error::invalid(
                    "From",
                    "is not the agent (WK…) or channel participant (UT…) holding the channel's task",
                ));
            }
        }
        let ws = from_task.workspace_sid.clone();
        if to_worker {
            workers::find(tx, &to)?
                .filter(|w| w.workspace_sid == ws)
                .ok_or_else(|| Error::invalid("To", format!("no worker {to} in workspace {ws}")))?;
            if from_worker.as_deref() == Some(to.as_str()) {
                return Err(Error::invalid("To", "is the agent the channel is transferred from"));
            }
        } else {
            queues::find(tx, &ws, &to)?
                .ok_or_else(|| Error::invalid("To", format!("no queue {to} in workspace {ws}")))?;
        }
        if let Some(q) = &p.queue_sid {
            queues::find(tx, &ws, q)?.ok_or_else(|| {
                Error::invalid("Routing", format!("properties.queue_sid: no queue {q} in workspace {ws}"))
            })?;
        }
        let queue = if to_worker {
            p.queue_sid
                .clone()
                .or(from_task.queue_sid.clone())
                .ok_or_else(|| Error::invalid("Routing", "properties.queue_sid is required: the first agent's task is in no queue"))?
        } else {
            to.clone()
        };
        if p.workflow_sid.is_none() {
            p.workflow_sid = Some(super::transfer_workflow::ensure(tx, app, &ws)?);
        }
        p.workspace_sid.get_or_insert(ws.clone());
        p.timeout.get_or_insert(TRANSFER_TIMEOUT_SECS);
        let sid = new_sid(Prefix::InteractionTransfer);
        let note_sid = t.note.as_ref().map(|_| new_sid(Prefix::Note));
        let summary_sid = t.summary.as_ref().map(|_| new_sid(Prefix::Note));
        let mut extra = Map::new();
        extra.insert("transferTargetType".into(), json!(if to_worker { "worker" } else { "queue" }));
        extra.insert("transferTargetSid".into(), json!(to));
        extra.insert("transferQueueSid".into(), json!(queue));
        extra.insert("transferType".into(), json!(kind));
        extra.insert("flexInteractionTransferSid".into(), json!(sid));
        if let Some(n) = &t.note {
            extra.insert("transferNote".into(), json!(n));
        }
        extra.insert(
            "transfer".into(),
            json!({"sid": sid, "type": kind, "note": t.note, "note_sid": note_sid,
                   "summary": t.summary, "from_worker_sid": from_worker,
                   "from_task_sid": from_task.sid, "to": to}),
        );
        let inv = invite_in(tx, app, &ch, routing.clone(), p, extra)?;
        let now = app.now_ms();
        let tr = Transfer {
            sid,
            interaction_sid: ch.interaction_sid.clone(),
            channel_sid: ch.sid.clone(),
            kind,
            status: TransferStatus::Active,
            from_participant_sid: from_participant,
            from_task_sid: from_task.sid.clone(),
            from_worker_sid: from_worker,
            to,
            invite_sid: Some(inv.sid.clone()),
            task_sid: inv.task_sid.clone(),
            note: t.note.clone(),
            note_sid,
            summary: t.summary.clone(),
            summary_sid,
            accepted: false,
            created_at: now,
            updated_at: now,
        };
        db::save_transfer(tx, &tr)?;
        ch.status = ChannelStatus::Transfer;
        ch.updated_at = now;
        inter_db::save_channel(tx, &ch)?;
        record(tx, app, &ch, "transfer started", &tr.sid)?;
        Ok(tr)
    })
}

pub fn transfers(
    conn: &Connection,
    interaction_sid: &str,
    channel_sid: &str,
    w: crate::store::Window,
) -> Result<crate::store::Page<Transfer>> {
    let ch = fetch_channel(conn, interaction_sid, channel_sid)?;
    Ok(db::transfers(conn, &ch.sid, w)?)
}

pub fn fetch_transfer(
    conn: &Connection,
    interaction_sid: &str,
    channel_sid: &str,
    sid: &str,
) -> Result<Transfer> {
    let ch = fetch_channel(conn, interaction_sid, channel_sid)?;
    db::find_transfer(conn, &ch.sid, sid)?.ok_or_else(|| Error::not_found(sid))
}

/// `POST …/Transfers/{UX}` with `Status`: `failed` withdraws a transfer nobody has taken yet
/// (its task is canceled; the first agent keeps the conversation); `completed` ends a warm
/// transfer the receiver has joined (the first agent's task wraps and they leave). Without a
/// status the transfer is answered as it is.
pub fn update_transfer(
    app: &Core,
    interaction_sid: &str,
    channel_sid: &str,
    sid: &str,
    status: Option<&str>,
) -> Result<Transfer> {
    let status = match status.map(TransferStatus::parse) {
        None => None,
        Some(Some(s @ (TransferStatus::Failed | TransferStatus::Completed))) => Some(s),
        Some(_) => return Err(Error::invalid("Status", "must be completed or failed")),
    };
    app.store.write(|tx| {
        let mut tr = fetch_transfer(tx, interaction_sid, channel_sid, sid)?;
        let Some(status) = status else {
            return Ok(tr);
        };
        if tr.status == status {
            return Ok(tr);
        }
        if tr.status != TransferStatus::Active {
            return Err(Error::Conflict(format!(
                "Transfer {} is {}",
                tr.sid, tr.status
            )));
        }
        match (status, tr.accepted) {
            (TransferStatus::Failed, false) => {
                if let Some(t) = tr.task_sid.clone() {
                    set_task_status(tx, app, &t, TaskStatus::Canceled, "transfer withdrawn")?;
                }
                fail_in(tx, app, &mut tr)?;
            }
            (TransferStatus::Failed, true) => {
                return Err(Error::Conflict(format!(
                    "Transfer {}: the receiver has joined; it can only complete",
                    tr.sid
                )))
            }
            (_, false) => {
                return Err(Error::Conflict(format!(
                    "Transfer {}: the receiver has not joined yet",
                    tr.sid
                )))
            }
            (_, true) => {
                leave_in(tx, app, &tr)?;
                tr.status = TransferStatus::Completed;
                tr.updated_at = app.now_ms();
                db::save_transfer(tx, &tr)?;
            }
        }
        Ok(tr)
    })
}

/// Moves a task to `to` when it can go there; a task already past it is left alone.
fn set_task_status(
    tx: &Connection,
    app: &Core,
    task_sid: &str,
    to: TaskStatus,
    why: &str,
) -> Result<()> {
    let Some(mut t) = task_db::find(tx, task_sid)? else {
        return Ok(());
    };
    if !t.assignment_status.can_become(to) {
        return Ok(());
    }
    crate::routing::tasks::update_status_in(tx, app, &mut t, to, Some(why))
        .map_err(|e| Error::Integration(format!("TaskRouter: {e}")))
}

/// The first agent leaves: their task goes to wrapping (if still assigned), their conversation
/// participant is removed and their channel participant closed.
fn leave_in(tx: &Connection, app: &Core, tr: &Transfer) -> Result<()> {
    set_task_status(
        tx,
        app,
        &tr.from_task_sid,
        TaskStatus::Wrapping,
        "transferred",
    )?;
    remove_worker(
        tx,
        &tr.channel_sid,
        &tr.interaction_sid,
        tr.from_worker_sid.as_deref(),
    )
}

fn remove_worker(
    tx: &Connection,
    channel_sid: &str,
    interaction_sid: &str,
    worker: Option<&str>,
) -> Result<()> {
    let Some(worker) = worker else {
        return Ok(());
    };
    let Some(ch) = inter_db::find_channel(tx, interaction_sid, channel_sid)? else {
        return Ok(());
    };
    let Some(conv) = ch.conversation_sid.clone() else {
        return Ok(());
    };
    let Some(identity) = integrations::worker_identity(tx, worker)? else {
        return Ok(());
    };
    if let Some(p) = part_db::find(tx, &conv, &identity)? {
        let ut = worker_participant(tx, &ch, worker)?;
        part_db::delete(tx, &p.sid)?;
        if let Some(ut) = ut {
            if let Some(mut cp) = inter_db::find_participant(tx, &ch.sid, &ut)? {
                cp.status = Some(InteractionParticipantStatus::Closed);
                inter_db::save_participant(tx, &cp)?;
            }
        }
    }
    Ok(())
}

/// Nobody took the transfer: it is `failed`, the channel is `active` again, and the
/// conversation stays with the first agent's task — or, if that has ended, goes back through
/// its workflow as a new task.
fn fail_in(tx: &Connection, app: &Core, tr: &mut Transfer) -> Result<()> {
    let now = app.now_ms();
    tr.status = TransferStatus::Failed;
    tr.updated_at = now;
    db::save_transfer(tx, tr)?;
    let Some(mut ch) = inter_db::find_channel(tx, &tr.interaction_sid, &tr.channel_sid)? else {
        return Ok(());
    };
    let conv = ch.conversation_sid.clone().unwrap_or_default();
    let from = task_db::find(tx, &tr.from_task_sid)?;
    let serving = match from {
        Some(t)
            if matches!(
                t.assignment_status,
                TaskStatus::Pending | TaskStatus::Reserved | TaskStatus::Assigned
            ) =>
        {
            Some(t.sid)
        }
        Some(t) => {
            // The first agent has gone: the customer goes back to the queue they came from.
            let mut attributes = match t.attributes.clone() {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            for k in [
                INVITE_ATTRIBUTE,
                "transferTargetType",
                "transferTargetSid",
                "transferQueueSid",
                "transferType",
                "transferNote",
                "transfer",
                "flexInteractionTransferSid",
            ] {
                attributes.remove(k);
            }
            attributes.insert("transferFailed".into(), json!(tr.sid));
            let created = crate::routing::tasks::create_on(
                tx,
                app,
                &t.workspace_sid,
                None,
                crate::routing::tasks::NewTask {
                    workflow_sid: t.workflow_sid.clone(),
                    attributes: Value::Object(attributes),
                    task_channel: Some(t.task_channel_unique_name.clone()),
                    priority: Some(t.priority),
                    timeout: None,
                    // The customer keeps their place: the new task starts when the old one did.
                    virtual_start_time: Some(t.start_time()),
                },
            );
            match created {
                Ok(new) => {
                    session_db::link_task(tx, &new.sid, &conv, Some(&t.workspace_sid), now)?;
                    Some(new.sid)
                }
                // The workflow is gone (or refuses it): the customer's next message finds the
                // session's task finished and is routed afresh by the Flex Flow.
                Err(e) => {
                    log::warn!(
                        "transfer {}: the customer could not be requeued: {e}",
                        tr.sid
                    );
                    None
                }
            }
        }
        None => None,
    };
    if let Some(task) = &serving {
        session_db::set_task_for_conversation(tx, &conv, task, now)?;
        ch.task_sid = Some(task.clone());
    }
    if ch.status == ChannelStatus::Transfer {
        ch.status = ChannelStatus::Active;
    }
    ch.updated_at = now;
    inter_db::save_channel(tx, &ch)?;
    record(tx, app, &ch, "transfer failed", &tr.sid)?;
    Ok(())
}

/// The janitor saw `task_sid`'s reservation accepted (the agent has already joined the
/// conversation): an invite's task now serves the channel; a transfer's goes on as its type says.
pub fn on_accepted(tx: &Connection, app: &Core, task_sid: &str) -> Result<()> {
    let Some(inv) = db::invite_for_task(tx, task_sid)? else {
        return Ok(());
    };
    let Some(mut ch) = inter_db::find_channel(tx, &inv.interaction_sid, &inv.channel_sid)? else {
        return Ok(());
    };
    let now = app.now_ms();
    if let Some(conv) = &ch.conversation_sid {
        session_db::set_task_for_conversation(tx, conv, task_sid, now)?;
    }
    ch.task_sid = Some(task_sid.to_string());
    ch.updated_at = now;
    if let Some(mut tr) = db::transfer_for_task(tx, task_sid)?
        .filter(|t| t.status == TransferStatus::Active && !t.accepted)
    {
        tr.accepted = true;
        tr.updated_at = now;
        if ch.status == ChannelStatus::Transfer {
            ch.status = ChannelStatus::Active;
        }
        inter_db::save_channel(tx, &ch)?;
        if tr.kind == TransferKind::Cold {
            leave_in(tx, app, &tr)?;
            tr.status = TransferStatus::Completed;
        }
        db::save_transfer(tx, &tr)?;
        record(tx, app, &ch, "transfer accepted", &tr.sid)?;
        return Ok(());
    }
    inter_db::save_channel(tx, &ch)?;
    Ok(())
}

/// The janitor saw `task_sid` end. A transfer's task that nobody took fails the transfer (and
/// the janitor then must not clean up: true is returned). The first agent's task ending
/// completes a warm transfer the receiver has joined.
pub fn on_ended(tx: &Connection, app: &Core, task_sid: &str) -> Result<bool> {
    if let Some(mut tr) = db::transfer_for_task(tx, task_sid)? {
        if tr.status == TransferStatus::Active && !tr.accepted {
            fail_in(tx, app, &mut tr)?;
            return Ok(true);
        }
    }
    for mut tr in db::active_from_task(tx, task_sid)? {
        if tr.accepted {
            remove_worker(
                tx,
                &tr.channel_sid,
                &tr.interaction_sid,
                tr.from_worker_sid.as_deref(),
            )?;
            tr.status = TransferStatus::Completed;
            tr.updated_at = app.now_ms();
            db::save_transfer(tx, &tr)?;
        }
    }
    Ok(false)
}

/// An agent's channel participant was closed or set to wrap-up (`POST …/Participants/{UT}`):
/// their task of this channel moves to completed or wrapping, which also completes a warm
/// transfer they were leaving.
pub fn participant_left(
    tx: &Connection,
    app: &Core,
    ch: &Channel,
    conversation_participant: Option<&str>,
    status: InteractionParticipantStatus,
) -> Result<()> {
    let (Some(conv), Some(mb)) = (&ch.conversation_sid, conversation_participant) else {
        return Ok(());
    };
    let Some(p) = part_db::find(tx, conv, mb)? else {
        return Ok(());
    };
    let attributes: Value = serde_json::from_str(&p.attributes).unwrap_or(Value::Null);
    let Some(worker) = attributes
        .get("worker_sid")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Ok(());
    };
    for t in session_db::live_tasks(tx, conv)? {
        if assigned_worker(tx, &t)?.as_deref() == Some(worker.as_str()) {
            let to = if status == InteractionParticipantStatus::Closed {
                TaskStatus::Completed
            } else {
                TaskStatus::Wrapping
            };
            set_task_status(tx, app, &t, to, "participant left")?;
        }
    }
    Ok(())
}
