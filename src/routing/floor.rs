//! The supervisor's floor (issue 17, Flex's Teams and Real-time Queues views in one answer):
//! every agent with their activity, time in it, open tasks and capacity used; every queue with
//! the tasks waiting, the longest wait, the agents who could take one now and today's service
//! level; every live task with who holds it. Read in one connection, so the picture is one
//! moment.
//!
//! "Agents free" of a queue means what a waiting customer needs: an eligible agent in an
//! available activity with free capacity (`tr_worker_channels.free`, which honours capacity
//! rules) on a channel of the queue's waiting tasks — or on any channel while nothing waits.
//! Twilio's `total_available_workers` counts the available activity alone, which said "1" while
//! that agent was full and a customer waited.

use super::states::TaskStatus;
use super::{expr, Result};
use crate::store::taskrouter::{floor as db, queues, workers};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// How many live tasks the floor lists at most (a small office has tens).
pub const MAX_TASKS: u32 = 500;

/// Seconds within which an answer counts toward the service level, unless the Flex
/// Configuration's `queue_stats_configuration` says otherwise for the queue (Flex's default
/// service level threshold; `reports::sla_seconds`).
pub const DEFAULT_SLA_SECONDS: i64 = 60;

/// The name a person reads for a worker: `full_name` from its attributes, else its name.
pub fn display_name(friendly_name: &str, attributes: &Value) -> String {
    attributes
        .get("full_name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(friendly_name)
        .to_string()
}

/// The customer a task serves, as a person reads it: a name from the attributes, else the
/// address they wrote or called from.
pub fn customer_of(attributes: &Value) -> Option<String> {
    [
        "customer_name",
        "customerName",
        "name",
        "from",
        "customerAddress",
        "caller",
    ]
    .iter()
    .find_map(|k| attributes.get(*k).and_then(Value::as_str))
    .filter(|s| !s.trim().is_empty())
    .map(str::to_string)
}

/// The address the customer wrote or called from (the author of their messages).
pub fn address_of(attributes: &Value) -> Option<&str> {
    ["from", "customerAddress"]
        .iter()
        .find_map(|k| attributes.get(*k).and_then(Value::as_str))
}

/// The floor of workspace `ws` at `now`; the service level counts from `since` (the office's
/// midnight, which the page knows).
pub fn snapshot(conn: &Connection, ws: &str, since: i64, now: i64) -> Result<Value> {
    let all_workers = workers::list(conn, ws, &Default::default(), None)?.items;
    let names: HashMap<&str, String> = all_workers
        .iter()
        .map(|w| {
            (
                w.sid.as_str(),
                display_name(&w.friendly_name, &w.attributes),
            )
        })
        .collect();
    let queue_list = queues::all(conn, ws)?;
    let queue_names: HashMap<&str, &str> = queue_list
        .iter()
        .map(|q| (q.sid.as_str(), q.friendly_name.as_str()))
        .collect();
    let live = db::live_tasks(conn, ws, MAX_TASKS)?;
    let mut loads: HashMap<String, Vec<db::ChannelLoad>> = HashMap::new();
    for l in db::channel_loads(conn, ws)? {
        loads.entry(l.0.clone()).or_default().push(l);
    }

    let task_json = |t: &db::LiveTask| {
        let holder = t.holder.as_ref();
        json!({
            "sid": t.sid,
            "status": t.status.as_str(),
            "version": t.version,
            "queue_sid": t.queue_sid,
            "queue": t.queue_sid.as_deref().and_then(|q| queue_names.get(q)).copied(),
            "channel": t.channel,
            "customer": customer_of(&t.attributes),
            "customer_address": address_of(&t.attributes),
            "conversation_sid": t.attributes.get("conversationSid").and_then(Value::as_str),
            "age": (now - t.created_at).max(0) / 1000,
            "in_status": (now - holder.map_or(t.updated_at, |h| h.2)).max(0) / 1000,
            "worker_sid": holder.map(|h| h.0.as_str()),
            "worker": holder.and_then(|h| names.get(h.0.as_str())),
            "reservation_status": holder.map(|h| h.1.as_str()),
        })
    };

    let agents: Vec<Value> = all_workers
        .iter()
        .map(|w| {
            let channels: Vec<Value> = loads
                .get(&w.sid)
                .map(|ls| {
                    ls.iter()
                        .map(|l| json!({"channel": l.1, "capacity": l.2, "used": l.3, "free": l.4}))
                        .collect()
                })
                .unwrap_or_default();
            let tasks: Vec<Value> = live
                .iter()
                .filter(|t| t.holder.as_ref().is_some_and(|h| h.0 == w.sid))
                .map(task_json)
                .collect();
            json!({
                "sid": w.sid,
                "name": names[w.sid.as_str()],
                "friendly_name": w.friendly_name,
                "activity_sid": w.activity_sid,
                "activity": w.activity_name,
                "available": w.available,
                "in_activity": (now - w.status_changed_at).max(0) / 1000,
                "channels": channels,
                "tasks": tasks,
            })
        })
        .collect();

    let offered: HashMap<String, i64> = db::offered_since(conn, ws, since)?.into_iter().collect();
    // Each queue's service level threshold, as the reports judge it (`reports::sla_seconds`).
    let mut sla = serde_json::Map::new();
    for q in &queue_list {
        let s = super::reports::sla_seconds(conn, ws, Some(&q.sid))?;
        sla.insert(q.sid.clone(), s.into());
    }
    let thresholds = Value::Object(sla.clone()).to_string();
    let answered: HashMap<String, (i64, i64)> =
        db::answered_since(conn, ws, since, DEFAULT_SLA_SECONDS, &thresholds)?
            .into_iter()
            .map(|(q, a, w)| (q, (a, w)))
            .collect();
    let queues_json: Vec<Value> = queue_list
        .iter()
        .map(|q| {
            let waiting: Vec<&db::LiveTask> = live
                .iter()
                .filter(|t| {
                    t.queue_sid.as_deref() == Some(q.sid.as_str())
                        && matches!(t.status, TaskStatus::Pending | TaskStatus::Reserved)
                })
                .collect();
            let wanted: HashSet<&str> = waiting.iter().map(|t| t.channel.as_str()).collect();
            let target = expr::parse(&q.target_workers).ok();
            let mut eligible = 0;
            let mut free = Vec::new();
            for w in &all_workers {
                let scope = expr::Scope {
                    task: None,
                    worker: Some(&w.attributes),
                    default: expr::Root::Worker,
                };
                if !target.as_ref().is_some_and(|e| e.eval(&scope)) {
                    continue;
                }
                eligible += 1;
                let has_room = loads.get(&w.sid).is_some_and(|ls| {
                    ls.iter()
                        .any(|l| l.4 && (wanted.is_empty() || wanted.contains(l.1.as_str())))
                });
                if w.available && has_room {
                    free.push(names[w.sid.as_str()].clone());
                }
            }
            let offered = offered.get(&q.sid).copied().unwrap_or(0);
            let (answered, within) = answered.get(&q.sid).copied().unwrap_or((0, 0));
            json!({
                "sid": q.sid,
                "name": q.friendly_name,
                "waiting": waiting.len(),
                "longest_wait": waiting.iter().map(|t| (now - t.created_at).max(0) / 1000).max().unwrap_or(0),
                "eligible_agents": eligible,
                "free_agents": free.len(),
                "free_agent_names": free,
                "offered_today": offered,
                "answered_today": answered,
                "answered_within_sla": within,
                "sla_seconds": sla.get(&q.sid).cloned().unwrap_or(DEFAULT_SLA_SECONDS.into()),
                "service_level": if offered > 0 { Some(within * 100 / offered) } else { None },
            })
        })
        .collect();

    Ok(json!({
        "workspace_sid": ws,
        "now": crate::clock::iso8601(now),
        "since": crate::clock::iso8601(since),
        "agents": agents,
        "queues": queues_json,
        "tasks": live.iter().map(task_json).collect::<Vec<_>>(),
    }))
}
