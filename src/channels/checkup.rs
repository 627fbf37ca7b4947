//! System Checkup: finds channel state the janitor should have cleaned (it was off, or an event
//! was lost): sessions whose task is finished or gone or whose conversation is no longer active,
//! and active conversations (of a handler that is not long-lived) nobody serves any more.
//! Reports them, and with `fix` cleans them as the janitor would have. Runs from the CLI
//! (`switchboard checkup [--fix]`, on the database directly) and from the API.

use super::integrations::{self, TaskState};
use super::Result;
use crate::events::{EventType, NewEvent};
use crate::states::ConversationState;
use crate::store::channels::{conversations as conv_db, flex_flows as flow_db, sessions as db};
use crate::store::Store;
use rusqlite::Connection;
use serde_json::{json, Value};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// `(session sid, conversation sid, why)`.
    pub stale_sessions: Vec<(String, String, String)>,
    /// `(conversation sid, why)`.
    pub stale_conversations: Vec<(String, String)>,
    pub fixed: bool,
}

impl Report {
    pub fn to_json(&self) -> Value {
        json!({
            "stale_sessions": self.stale_sessions.iter().map(|(s, c, why)| json!({"sid": s, "conversation_sid": c, "reason": why})).collect::<Vec<_>>(),
            "stale_conversations": self.stale_conversations.iter().map(|(c, why)| json!({"sid": c, "reason": why})).collect::<Vec<_>>(),
            "fixed": self.fixed,
        })
    }
}

const LIMIT: u32 = 100_000;

/// Finds (and with `fix`, cleans) stale sessions and conversations.
pub fn run(store: &Store, account_sid: &str, fix: bool) -> Result<Report> {
    let mut report = store.read(find)?;
    if fix && !(report.stale_sessions.is_empty() && report.stale_conversations.is_empty()) {
        let now = store.clock().now_ms();
        let details = format!(
            "checkup --fix: {} stale channel sessions closed, {} stale conversations made inactive",
            report.stale_sessions.len(),
            report.stale_conversations.len()
        );
        store.write(|tx| {
            apply(tx, account_sid, &report, now)?;
            crate::store::users::audit_command(
                tx,
                now,
                crate::states::AuditKind::Setting,
                ("", "System checkup"),
                &details,
            )?;
            Ok::<_, super::Error>(())
        })?;
        report.fixed = true;
    }
    Ok(report)
}

fn task_live(conn: &Connection, task: &str) -> Result<bool> {
    Ok(integrations::task_state(conn, task)? == TaskState::Live)
}

fn find(conn: &Connection) -> Result<Report> {
    let mut r = Report::default();
    let mut doomed_sessions = std::collections::HashSet::new();
    for s in db::all(conn, LIMIT)? {
        let why = match conv_db::find(conn, &s.conversation_sid)? {
            None => Some("its conversation is gone".to_string()),
            Some(c) if c.state != ConversationState::Active => {
                Some(format!("its conversation is {}", c.state))
            }
            Some(_) => match &s.task_sid {
                Some(t) if !task_live(conn, t)? => {
                    Some(format!("its task {t} is finished or gone"))
                }
                _ => None,
            },
        };
        if let Some(why) = why {
            doomed_sessions.insert(s.sid.clone());
            r.stale_sessions.push((s.sid, s.conversation_sid, why));
        }
    }
    let mut candidates = conv_db::active_without_session(conn, LIMIT)?;
    for (_, conv, _) in &r.stale_sessions {
        if let Some(c) = conv_db::find(conn, conv)? {
            let all_doomed = db::for_conversation(conn, conv)?
                .iter()
                .all(|s| doomed_sessions.contains(&s.sid));
            if c.state == ConversationState::Active
                && all_doomed
                && !candidates.iter().any(|x| x.sid == c.sid)
            {
                candidates.push(c);
            }
        }
    }
    for c in candidates {
        let Some(flow) = c
            .flex_flow_sid
            .as_deref()
            .map(|f| flow_db::find(conn, f))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        if flow.long_lived {
            continue;
        }
        let mut live = false;
        for t in db::live_tasks(conn, &c.sid)? {
            live |= task_live(conn, &t)?;
        }
        if !live {
            r.stale_conversations
                .push((c.sid, "no session or live task serves it".into()));
        }
    }
    Ok(r)
}

fn apply(tx: &Connection, account_sid: &str, r: &Report, now: i64) -> Result<()> {
    let record = |e: NewEvent| crate::store::events::append(tx, account_sid, &e, now);
    for (sid, conv, why) in &r.stale_sessions {
        if db::delete(tx, sid)? {
            record(
                NewEvent::new(EventType::ChannelSessionClosed, "channel_session", sid)
                    .describe(format!("checkup: {why}"))
                    .data(
                        json!({"ChannelSessionSid": sid, "ConversationSid": conv, "Reason": why}),
                    ),
            )?;
        }
    }
    for (conv, why) in &r.stale_conversations {
        for t in db::live_tasks(tx, conv)? {
            db::end_task(tx, &t, "checkup", now)?;
        }
        if conv_db::set_state(tx, conv, ConversationState::Inactive, now)? {
            record(
                NewEvent::new(EventType::ConversationStateUpdated, "conversation", conv)
                    .describe(format!("checkup: {why}"))
                    .data(json!({"ConversationSid": conv, "State": "inactive"})),
            )?;
        }
    }
    record(
        NewEvent::new(EventType::CheckupCleaned, "checkup", account_sid)
            .describe("system checkup cleaned stale channel state")
            .data(r.to_json()),
    )?;
    Ok(())
}
