//! Routing of inbound messages to Studio, from the store. `sessions::receive` stores a message
//! together with its routing due (`store::channels::inbound_routing`); this module hands due
//! messages to their flow, oldest first and one at a time per contact (so a burst makes one
//! execution, and a message that finds an agent's task joins it), each hand-over in one write
//! that also deletes the due row (`engine::Claim`), so a message is routed once whatever instant
//! the process dies. What a crash left due is routed by the start-up sweep (`sweep`) or by the
//! carrier's retry of the webhook, whichever comes first; what a failed routing left due (the
//! store refused the write, say) by the retry pass the janitor's thread runs every
//! `RETRY_EVERY` for messages due `RETRY_AFTER_MS` or longer, so the message's sender, who was
//! answered, need not send it again.

use super::integrations::{self, Trigger};
use super::sessions::{self, Routed};
use super::{Error, Result, Shared};
use crate::core::Core;
use crate::store;
use crate::store::channels::inbound_routing::{self as db, Due, InboundTrigger};
use crate::store::channels::sessions::{self as session_db, MessagingChannel};

/// The most due messages one call routes (a contact writing faster than routing keeps up is
/// finished by the next call).
const MAX_PER_CALL: usize = 100;
/// How often the retry pass looks for messages left due.
pub const RETRY_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// How long a message must have been due (on the injected clock) before the retry pass takes it:
/// younger ones are still being routed by the request that stored them.
pub const RETRY_AFTER_MS: i64 = 10_000;

/// Test builds only: whether `SWITCHBOARD_FAILPOINT` (a comma-separated list) arms the failpoint
/// `name`. Release builds compile every failpoint out.
pub fn armed(name: &str) -> bool {
    #[cfg(debug_assertions)]
    {
        std::env::var("SWITCHBOARD_FAILPOINT").is_ok_and(|v| v.split(',').any(|f| f.trim() == name))
    }
    #[cfg(not(debug_assertions))]
    {
        let _ = name;
        false
    }
}

/// Test builds only: the failpoint `inbound_route_fails_once` makes the first routing of the
/// process fail as a store failure would (the message stays due for the retry pass).
fn fail_once(app: &Core) -> Result<()> {
    if armed("inbound_route_fails_once") && !app.state::<Shared>().tripped() {
        return Err(Error::Store(store::Error::internal(
            "failpoint inbound_route_fails_once",
        )));
    }
    Ok(())
}

/// Aborts the process at the failpoint `name` when a test armed it, so crash tests can kill the
/// binary between two commits. `after_inbound_store`: right after an inbound message and its
/// routing due committed, before the routing.
pub fn failpoint(name: &str) {
    if armed(name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// Routes the contact's due messages, oldest first, and answers what became of `mine` (`None`
/// when another caller routed it first). A store failure stops the routing and is returned (the
/// rest stays due); a flow's refusal ends that message's routing (logged) and is returned only
/// for `mine`.
pub fn route_contact(
    app: &Core,
    contact: &str,
    contact_identity: &str,
    mine: Option<&str>,
) -> Result<Option<Routed>> {
    let shared = app.state::<Shared>();
    let _one_at_a_time = shared.contact_lock(contact, contact_identity);
    let mut answer = None;
    for _ in 0..MAX_PER_CALL {
        let Some(due) = app
            .store
            .read(|c| db::oldest_for_contact(c, contact, contact_identity))?
        else {
            break;
        };
        let is_mine = mine == Some(due.message_sid.as_str());
        match route(app, &due) {
            Ok(routed) if is_mine => answer = Some(Ok(routed)),
            Ok(_) => {}
            Err(Error::Store(e)) => return Err(Error::Store(e)),
            Err(e) => {
                log::warn!("message {} was not routed: {e}", due.message_sid);
                app.store.write(|tx| db::take(tx, &due.message_sid))?;
                if is_mine {
                    answer = Some(Err(e));
                }
            }
        }
    }
    answer.transpose()
}

/// `route_contact` for a message just stored: the message is safe, so a routing the store
/// refused now is left to the retry pass (`Routed::Later`, logged) and the sender is told the
/// message arrived — a carrier would otherwise retry it, a chat customer send it again.
pub fn route_stored(
    app: &Core,
    contact: &str,
    contact_identity: &str,
    message_sid: &str,
) -> Result<Option<Routed>> {
    match route_contact(app, contact, contact_identity, Some(message_sid)) {
        Err(Error::Store(e)) => {
            log::warn!(
                "message {message_sid} is stored; its routing waits for the retry pass: {e}"
            );
            Ok(Some(Routed::Later))
        }
        other => other,
    }
}

/// Hands one due message to its flow; the write that does so takes the due row first and
/// checks, as the message's first routing did, whether an agent's task serves the conversation
/// by now (then the message stays with the agent).
fn route(app: &Core, due: &Due) -> Result<Routed> {
    fail_once(app)?;
    let trigger = if due.channel_type == MessagingChannel::Web
        || due.trigger == Some(InboundTrigger::Conversation)
    {
        Trigger::Conversation
    } else {
        Trigger::Message
    };
    let mut instead: Option<Routed> = None;
    let mut claim = |tx: &rusqlite::Transaction| -> store::Result<bool> {
        instead = None;
        if !db::take(tx, &due.message_sid)? {
            instead = Some(Routed::Earlier);
            return Ok(false);
        }
        let session = session_db::find_for_contact(
            tx,
            due.channel_type,
            &due.contact,
            &due.contact_identity,
        )?;
        if let Some(session) = session {
            let live = sessions::live_task(tx, &session, app.now_ms()).map_err(|e| match e {
                Error::Store(e) => e,
                e => store::Error::internal(e.to_string()),
            })?;
            if let Some(task) = live {
                instead = Some(Routed::LiveTask(task));
                return Ok(false);
            }
        }
        Ok(true)
    };
    let execution = integrations::studio_inbound(
        app,
        &due.flow_sid,
        trigger,
        &due.contact,
        &due.contact_identity,
        due.payload.clone(),
        &mut claim,
    )?;
    Ok(match execution {
        Some(sid) => Routed::Studio(sid),
        None => instead.unwrap_or(Routed::Earlier),
    })
}

/// Routes every message due since `due_before` or earlier (left by a crash, or a store
/// failure), contact by contact. (A test arms `no_inbound_sweep` to leave them to the
/// carrier's retry.)
pub fn resume_all(app: &Core, stop: &crossbeam_channel::Receiver<()>, due_before: i64) {
    if armed("no_inbound_sweep") {
        return;
    }
    let mut failed = std::collections::HashSet::new();
    loop {
        let contacts = match app.store.read(|c| db::contacts(c, due_before, 100)) {
            Ok(c) => c,
            Err(e) => {
                log::error!("cannot list the inbound messages left to route: {e}");
                return;
            }
        };
        let todo: Vec<_> = contacts
            .into_iter()
            .filter(|c| !failed.contains(c))
            .collect();
        let stopping = !matches!(stop.try_recv(), Err(crossbeam_channel::TryRecvError::Empty));
        if todo.is_empty() || stopping {
            return;
        }
        for (contact, identity) in todo {
            match route_contact(app, &contact, &identity, None) {
                Ok(_) => log::info!("routed the messages {contact} left due"),
                Err(e) => {
                    log::error!("cannot route the messages {contact} left due: {e}");
                    failed.insert((contact, identity));
                }
            }
        }
    }
}

/// The start-up sweep: every message a crash left due, whatever its age.
pub fn sweep(app: &Core, stop: &crossbeam_channel::Receiver<()>) {
    resume_all(app, stop, i64::MAX);
}

/// The retry pass (run every `RETRY_EVERY` by the janitor's thread, which has one to spare):
/// the messages due `RETRY_AFTER_MS` or longer.
pub fn retry(app: &Core, stop: &crossbeam_channel::Receiver<()>) {
    resume_all(app, stop, app.now_ms() - RETRY_AFTER_MS);
}
