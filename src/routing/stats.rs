//! TaskRouter statistics: real-time (live tasks by status and priority, workers by activity,
//! the longest waiting task) and cumulative (event counts over a window, acceptance times).
//! Field names are Twilio's. https://www.twilio.com/docs/taskrouter/api/workspace-statistics

use super::states::ReservationStatus;
use super::{expr, Result};
use crate::store::taskrouter::stats::LiveScope;
use crate::store::taskrouter::{activities, queues, stats as db, workers};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

/// The window of cumulative statistics, Unix ms.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// Twilio's default: the last 15 minutes.
    pub fn last_minutes(minutes: i64, now: i64) -> Window {
        Window {
            start: now - minutes * 60_000,
            end: now,
        }
    }
}

fn tasks_json(rows: &[(String, i64, i64)]) -> (Value, Value, i64) {
    let mut by_status = Map::new();
    for s in ["pending", "reserved", "assigned", "wrapping"] {
        by_status.insert(s.into(), json!(0));
    }
    let mut by_priority = Map::new();
    let mut total = 0;
    for (status, priority, n) in rows {
        total += n;
        let cur = by_status.get(status).and_then(Value::as_i64).unwrap_or(0);
        by_status.insert(status.clone(), json!(cur + n));
        let key = priority.to_string();
        let cur = by_priority.get(&key).and_then(Value::as_i64).unwrap_or(0);
        by_priority.insert(key, json!(cur + n));
    }
    (Value::Object(by_status), Value::Object(by_priority), total)
}

/// Workers per activity: `[{sid, friendly_name, workers}]` and the total.
fn activity_statistics(
    conn: &Connection,
    ws: &str,
    only: Option<&[String]>,
) -> Result<(Value, i64)> {
    let counts: std::collections::HashMap<String, i64> = match only {
        None => workers::count_by_activity(conn, ws)?.into_iter().collect(),
        Some(_) => Default::default(),
    };
    let mut total = 0;
    let mut out = Vec::new();
    for a in activities::all(conn, ws)? {
        let n = match only {
            None => counts.get(&a.sid).copied().unwrap_or(0),
            Some(list) => list.iter().filter(|s| **s == a.sid).count() as i64,
        };
        total += n;
        out.push(json!({"sid": a.sid, "friendly_name": a.friendly_name, "workers": n}));
    }
    Ok((Value::Array(out), total))
}

/// switchboard's split of busy workers (issue 22; Flex's view shows only "active"): workers
/// holding a task reserved to them, assigned (talking) and wrapping up.
fn workers_by_task_status(conn: &Connection, ws: &str, queue_sid: Option<&str>) -> Result<Value> {
    let mut out = json!({"reserved": 0, "assigned": 0, "wrapping": 0});
    for (status, n) in db::busy_workers(conn, ws, queue_sid)? {
        let key = match status {
            ReservationStatus::Pending => "reserved",
            ReservationStatus::Accepted => "assigned",
            _ => "wrapping",
        };
        out[key] = json!(n);
    }
    Ok(out)
}

pub fn workspace_realtime(conn: &Connection, ws: &str, now: i64) -> Result<Value> {
    let (by_status, by_priority, total) =
        tasks_json(&db::live_tasks(conn, ws, LiveScope::Workspace)?);
    let (acts, total_workers) = activity_statistics(conn, ws, None)?;
    let oldest = db::oldest_waiting(conn, ws, LiveScope::Workspace)?;
    Ok(json!({
        "activity_statistics": acts,
        "longest_task_waiting_age": oldest.as_ref().map_or(0, |(_, at)| (now - at).max(0) / 1000),
        "longest_task_waiting_sid": oldest.map(|(s, _)| s),
        "tasks_by_priority": by_priority,
        "tasks_by_status": by_status,
        "total_tasks": total,
        "total_workers": total_workers,
        "workers_by_task_status": workers_by_task_status(conn, ws, None)?,
    }))
}

pub fn queue_realtime(conn: &Connection, ws: &str, queue_sid: &str, now: i64) -> Result<Value> {
    let (by_status, by_priority, total) =
        tasks_json(&db::live_tasks(conn, ws, LiveScope::Queue(queue_sid))?);
    let q = queues::find(conn, ws, queue_sid)?;
    let target = q.as_ref().and_then(|q| expr::parse(&q.target_workers).ok());
    let mut eligible_activities = Vec::new();
    let mut available = 0;
    if let Some(e) = &target {
        for w in workers::list(conn, ws, &Default::default(), None)?.items {
            let scope = expr::Scope {
                task: None,
                worker: Some(&w.attributes),
                default: expr::Root::Worker,
            };
            if e.eval(&scope) {
                available += w.available as i64;
                eligible_activities.push(w.activity_sid);
            }
        }
    }
    let (acts, eligible) = activity_statistics(conn, ws, Some(&eligible_activities))?;
    let oldest = db::oldest_waiting(conn, ws, LiveScope::Queue(queue_sid))?;
    let age = oldest
        .as_ref()
        .map_or(0, |(_, at)| (now - at).max(0) / 1000);
    Ok(json!({
        "activity_statistics": acts,
        "longest_task_waiting_age": age,
        "longest_task_waiting_sid": oldest.as_ref().map(|(s, _)| s.clone()),
        "longest_relative_task_age_in_queue": age,
        "longest_relative_task_sid_in_queue": oldest.map(|(s, _)| s),
        "tasks_by_priority": by_priority,
        "tasks_by_status": by_status,
        "total_available_workers": available,
        "total_eligible_workers": eligible,
        "total_tasks": total,
        "workers_by_task_status": workers_by_task_status(conn, ws, Some(queue_sid))?,
    }))
}

pub fn workers_realtime(conn: &Connection, ws: &str) -> Result<Value> {
    let (acts, total) = activity_statistics(conn, ws, None)?;
    Ok(json!({"activity_statistics": acts, "total_workers": total}))
}

/// Cumulative counts for the workspace, or one queue (`TaskQueueSid`) or worker (`WorkerSid`).
pub fn cumulative(
    conn: &Connection,
    ws: &str,
    w: Window,
    related: Option<(&str, &str)>,
) -> Result<Value> {
    let counts: std::collections::HashMap<String, i64> =
        db::event_counts(conn, ws, w.start, w.end, related)?
            .into_iter()
            .collect();
    let n = |k: &str| counts.get(k).copied().unwrap_or(0);
    let queue = related
        .filter(|(f, _)| *f == "TaskQueueSid")
        .map(|(_, v)| v);
    let worker = related.filter(|(f, _)| *f == "WorkerSid").map(|(_, v)| v);
    let (count, sum, min, max) = db::accept_times(conn, ws, w.start, w.end, queue, worker)?;
    let avg = if count > 0 { sum / count / 1000 } else { 0 };
    let wait = json!({"avg": avg, "min": min / 1000, "max": max / 1000, "total": sum / 1000});
    Ok(json!({
        "start_time": crate::clock::iso8601(w.start),
        "end_time": crate::clock::iso8601(w.end),
        "avg_task_acceptance_time": avg,
        "reservations_created": n("reservation.created"),
        "reservations_accepted": n("reservation.accepted"),
        "reservations_rejected": n("reservation.rejected"),
        "reservations_timed_out": n("reservation.timeout"),
        "reservations_canceled": n("reservation.canceled"),
        "reservations_rescinded": n("reservation.rescinded"),
        "tasks_created": n("task.created"),
        "tasks_canceled": n("task.canceled"),
        "tasks_completed": n("task.completed"),
        "tasks_deleted": n("task.deleted") + n("task.system-deleted"),
        "tasks_entered": n("task-queue.entered"),
        "tasks_moved": n("task-queue.moved"),
        "tasks_timed_out_in_workflow": n("workflow.timeout"),
        "wait_duration_until_accepted": wait,
        "wait_duration_in_queue_until_accepted": wait,
        "activity_durations": [],
    }))
}

/// A workflow's live tasks: Twilio's workflow RealTimeStatistics.
pub fn workflow_realtime(
    conn: &Connection,
    ws: &str,
    workflow_sid: &str,
    now: i64,
) -> Result<Value> {
    let (by_status, by_priority, total) = tasks_json(&db::live_tasks(
        conn,
        ws,
        LiveScope::Workflow(workflow_sid),
    )?);
    let oldest = db::oldest_waiting(conn, ws, LiveScope::Workflow(workflow_sid))?;
    Ok(json!({
        "longest_task_waiting_age": oldest.as_ref().map_or(0, |(_, at)| (now - at).max(0) / 1000),
        "longest_task_waiting_sid": oldest.map(|(s, _)| s),
        "tasks_by_priority": by_priority,
        "tasks_by_status": by_status,
        "total_tasks": total,
    }))
}

/// The cumulative figures about canceled tasks: `wait_duration_until_canceled`, and
/// `split_by_wait_time` around each of `split` (seconds; null when none were asked for).
pub fn cancel_and_split(
    conn: &Connection,
    ws: &str,
    w: Window,
    scope: db::TaskScope,
    split: &[i64],
) -> Result<(Value, Value)> {
    let (count, sum, min, max) = db::cancel_waits(conn, ws, w.start, w.end, scope)?;
    let avg = if count > 0 { sum / count / 1000 } else { 0 };
    let canceled = json!({"avg": avg, "min": min / 1000, "max": max / 1000, "total": sum / 1000});
    if split.is_empty() {
        return Ok((canceled, Value::Null));
    }
    let mut out = Map::new();
    for secs in split {
        let [ab, aa, cb, ca] = db::split_by_wait(conn, ws, w.start, w.end, scope, secs * 1000)?;
        out.insert(
            secs.to_string(),
            json!({"above": {"tasks_canceled": ca, "reservations_accepted": aa},
                   "below": {"tasks_canceled": cb, "reservations_accepted": ab}}),
        );
    }
    Ok((canceled, Value::Object(out)))
}
