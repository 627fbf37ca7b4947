//! Supervisor repair (issue 22, item 7): what a supervisor does with a task that is stuck — an
//! agent closed the desktop in wrap-up, a reservation nobody answers, a task in the wrong queue.
//! Twilio only moves tasks along their life cycle (a pending task can't be completed, an assigned
//! one can't be canceled or moved); these actions may, each in one transaction with its events:
//!
//! - `complete`: from any live state to `completed` (no wrap-up code required); reservations that
//!   hold capacity end (a pending one `canceled`, an accepted or wrapping one `completed`) and the
//!   workers are offered new work.
//! - `cancel`: from any live state to `canceled`, its reservations `canceled`.
//! - `requeue`: a pending, reserved or assigned task goes back to `pending` (its reservations
//!   `rescinded` or `canceled`), into the named queue keeping its place by age, or through its
//!   workflow again when no queue is named.
//! - `reassign`: the same, then reserved straight to the named worker, who must be available with
//!   free capacity on the task's channel (checked before anything changes).
//!
//! Every action records its reason on the task (`reason`) and in the events' `Reason`. With the
//! task's version (`If-Match`, its ETag) a repair is refused when the task moved on since the
//! supervisor looked, and the refusal says what it is now (issue 17).

use super::assign::{self, Plans};
use super::payload::{self, emit};
use super::states::{ReservationStatus, TaskStatus};
use super::{automation, routes, Error, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::store::taskrouter::{queues, reservations, tasks as db, workers, workflows};
use crate::timers::{self, TimerKind};
use rusqlite::Connection;
use serde_json::json;

pub use crate::store::taskrouter::tasks::Task;

/// What the supervisor asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Complete,
    Cancel,
    Requeue { queue_sid: Option<String> },
    Reassign { worker_sid: String },
}

impl Action {
    /// The action named by the API's `Action` parameter, with its `TaskQueueSid` / `WorkerSid`.
    pub fn parse(name: &str, queue_sid: Option<&str>, worker_sid: Option<&str>) -> Result<Action> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "complete" => Action::Complete,
            "cancel" => Action::Cancel,
            "requeue" => Action::Requeue {
                queue_sid: queue_sid.map(str::to_string),
            },
            "reassign" => Action::Reassign {
                worker_sid: worker_sid
                    .ok_or_else(|| {
                        Error::invalid("WorkerSid", "reassign needs the worker to give the task to")
                    })?
                    .to_string(),
            },
            other => {
                return Err(Error::invalid(
                    "Action",
                    format!("{other:?} is not a repair; use complete, cancel, requeue or reassign"),
                ))
            }
        })
    }

    fn verb(&self) -> &'static str {
        match self {
            Action::Complete => "force-completed",
            Action::Cancel => "canceled",
            Action::Requeue { .. } => "requeued",
            Action::Reassign { .. } => "reassigned",
        }
    }
}

/// Repairs task `sid` of workspace `ws`; answers the task as it is afterwards.
pub fn repair(
    app: &Core,
    ws: &str,
    sid: &str,
    action: Action,
    reason: Option<&str>,
    if_match: Option<&str>,
) -> Result<Task> {
    app.store.write(|tx| {
        let mut t = db::find(tx, sid)?
            .filter(|t| t.workspace_sid == ws)
            .ok_or_else(|| Error::not_found("Task", sid))?;
        if super::tasks::check_version(&t, if_match).is_err() {
            return Err(Error::stale(changed(tx, &t)?));
        }
        if !t.assignment_status.is_live() {
            return Err(Error::illegal(format!(
                "Task {sid} is already {}; there is nothing to repair",
                t.assignment_status
            )));
        }
        let reason = format!(
            "{} by a supervisor{}",
            action.verb(),
            reason
                .filter(|r| !r.trim().is_empty())
                .map(|r| format!(": {}", r.trim()))
                .unwrap_or_default()
        );
        match &action {
            Action::Complete => end(tx, app, &mut t, TaskStatus::Completed, &reason)?,
            Action::Cancel => end(tx, app, &mut t, TaskStatus::Canceled, &reason)?,
            Action::Requeue { queue_sid } => {
                requeue(tx, app, &mut t, queue_sid.as_deref(), None, &reason)?
            }
            Action::Reassign { worker_sid } => {
                requeue(tx, app, &mut t, None, Some(worker_sid), &reason)?
            }
        }
        Ok(db::find(tx, sid)?.unwrap_or(t))
    })
}

/// Offers a task that just entered its queue straight to `worker_sid` when that worker is
/// available with free capacity on the task's channel (a parked conversation comes back to the
/// agent who parked it); otherwise leaves the task as its workflow routed it. Answers whether
/// the worker has it.
pub fn prefer_worker_in(
    conn: &Connection,
    app: &Core,
    t: &mut Task,
    worker_sid: &str,
    reason: &str,
) -> Result<bool> {
    if reservations::of_task(conn, &t.sid)?
        .iter()
        .any(|r| r.worker_sid == worker_sid && r.status.holds_capacity())
    {
        return Ok(true);
    }
    let free = match workers::find(conn, worker_sid)? {
        Some(w) if w.available && w.workspace_sid == t.workspace_sid => {
            workers::channels_of(conn, worker_sid)?
                .into_iter()
                .any(|c| c.task_channel_sid == t.task_channel_sid && c.free)
        }
        _ => false,
    };
    let queue = t.queue_sid.clone();
    if !free
        || queue.is_none()
        || !matches!(
            t.assignment_status,
            TaskStatus::Pending | TaskStatus::Reserved
        )
    {
        return Ok(false);
    }
    requeue(conn, app, t, queue.as_deref(), Some(worker_sid), reason)?;
    Ok(true)
}

/// What a supervisor who saw an older version of the task is told it is now.
fn changed(conn: &Connection, t: &Task) -> Result<String> {
    let holder = match reservations::of_task(conn, &t.sid)?
        .into_iter()
        .find(|r| r.status.holds_capacity())
    {
        Some(r) => workers::find(conn, &r.worker_sid)?
            .map(|w| {
                let name = super::floor::display_name(&w.friendly_name, &w.attributes);
                format!(" with {name}")
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    let queue = match &t.queue_sid {
        Some(q) => queues::find(conn, &t.workspace_sid, q)?
            .map(|q| format!(" in {}", q.friendly_name))
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(format!(
        "The task changed while you looked: it is now {}{holder}{queue}. Nothing was done; check it again",
        t.assignment_status
    ))
}

/// Ends the task as `to` (completed or canceled) from whatever live state it is in.
fn end(conn: &Connection, app: &Core, t: &mut Task, to: TaskStatus, reason: &str) -> Result<()> {
    let now = app.now_ms();
    let how = if to == TaskStatus::Completed {
        Release::Complete
    } else {
        Release::Cancel
    };
    let freed = release_all(conn, app, t, how)?;
    t.assignment_status = to;
    t.reason = Some(reason.to_string());
    t.updated_at = now;
    db::update(conn, t)?;
    timers::cancel(conn, TimerKind::WorkflowTargetTimeout, &t.sid)?;
    let kind = if to == TaskStatus::Completed {
        EventType::TaskCompleted
    } else {
        EventType::TaskCanceled
    };
    let mut d = payload::task(t, now);
    d.insert("Reason".into(), json!(reason));
    emit(
        conn,
        app,
        kind,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} {reason}", t.sid),
        d,
    )?;
    automation::task_ended(conn, app, t, &freed)?;
    let mut plans = Plans::default();
    for w in freed {
        assign::offer_worker(conn, app, &mut plans, &w)?;
    }
    Ok(())
}

/// How a repair ends a task's reservations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Release {
    /// The task completes: accepted and wrapping reservations complete, pending ones are canceled.
    Complete,
    /// The task is canceled: every reservation is canceled.
    Cancel,
    /// The task is routed again: pending reservations are rescinded, accepted ones canceled.
    Reroute,
}

/// Ends every reservation of the task that holds capacity; answers the workers freed.
fn release_all(conn: &Connection, app: &Core, t: &Task, how: Release) -> Result<Vec<String>> {
    let mut freed = Vec::new();
    for r in reservations::of_task(conn, &t.sid)?
        .into_iter()
        .filter(|r| r.status.holds_capacity())
    {
        let (to, kind) = match (how, r.status) {
            (Release::Reroute, ReservationStatus::Pending) => (
                ReservationStatus::Rescinded,
                EventType::ReservationRescinded,
            ),
            (Release::Complete, ReservationStatus::Accepted | ReservationStatus::Wrapping) => (
                ReservationStatus::Completed,
                EventType::ReservationCompleted,
            ),
            _ => (ReservationStatus::Canceled, EventType::ReservationCanceled),
        };
        assign::release(conn, app, &r, to, kind, t)?;
        freed.push(r.worker_sid.clone());
    }
    Ok(freed)
}

/// Routes the task again: into `queue_sid` (keeping its place by age), to `worker_sid` directly,
/// or through its workflow from the start.
fn requeue(
    conn: &Connection,
    app: &Core,
    t: &mut Task,
    queue_sid: Option<&str>,
    worker_sid: Option<&str>,
    reason: &str,
) -> Result<()> {
    if t.assignment_status == TaskStatus::Wrapping {
        return Err(Error::illegal(format!(
            "Task {} is wrapping up: its conversation is over; complete it instead",
            t.sid
        )));
    }
    let now = app.now_ms();
    // Everything that can refuse is checked before anything changes.
    let queue = match queue_sid.or(worker_sid.and(t.queue_sid.as_deref())) {
        Some(q) => Some(
            queues::find(conn, &t.workspace_sid, q)?
                .ok_or_else(|| Error::invalid("TaskQueueSid", format!("no queue {q} here")))?,
        ),
        None => None,
    };
    let workflow = match &t.workflow_sid {
        Some(w) => workflows::find(conn, &t.workspace_sid, w)?,
        None => None,
    };
    if let Some(w) = worker_sid {
        let worker = workers::find(conn, w)?
            .filter(|x| x.workspace_sid == t.workspace_sid)
            .ok_or_else(|| Error::invalid("WorkerSid", format!("no worker {w} here")))?;
        if !worker.available {
            return Err(Error::conflict(format!(
                "{} is {} and cannot take the task; set them Available first",
                worker.friendly_name, worker.activity_name
            )));
        }
        let holds_this = reservations::of_task(conn, &t.sid)?
            .iter()
            .any(|r| r.worker_sid == worker.sid && r.status.holds_capacity());
        let channel = workers::channels_of(conn, &worker.sid)?
            .into_iter()
            .find(|c| c.task_channel_sid == t.task_channel_sid);
        if !holds_this && !channel.as_ref().is_some_and(|c| c.free) {
            return Err(Error::conflict(format!(
                "{} has no free capacity on {} tasks",
                worker.friendly_name, t.task_channel_unique_name
            )));
        }
        if queue.is_none() || workflow.is_none() {
            return Err(Error::illegal(format!(
                "Task {} has no queue or workflow to be reserved through",
                t.sid
            )));
        }
    }
    let freed = release_all(conn, app, t, Release::Reroute)?;
    t.assignment_status = TaskStatus::Pending;
    t.reason = Some(reason.to_string());
    t.updated_at = now;
    let previous = t.queue_sid.clone();
    if let Some(q) = &queue {
        t.queue_sid = Some(q.sid.clone());
        t.queue_entered_at = Some(now);
        // Its place by age: as if it had entered this queue when it started (its creation or
        // its VirtualStartTime).
        t.order_key = if q.task_order == "LIFO" {
            -(t.start_time() * 1000)
        } else {
            t.start_time() * 1000
        };
    }
    db::update(conn, t)?;
    let mut d = payload::task(t, now);
    d.insert("Reason".into(), json!(reason));
    emit(
        conn,
        app,
        EventType::TaskUpdated,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} {reason}", t.sid),
        d,
    )?;
    let mut plans = Plans::default();
    match (&queue, worker_sid) {
        (Some(q), Some(w)) => {
            // Straight to the worker the supervisor named, whoever the queue would pick.
            let wf = workflow.expect("checked above");
            assign::reserve(conn, app, t, w, q, &wf)?;
        }
        (Some(q), None) => {
            if previous.as_deref() != Some(q.sid.as_str()) {
                let mut d = payload::task(t, now);
                d.insert("TaskQueueName".into(), json!(q.friendly_name));
                if let Some(p) = &previous {
                    d.insert("TaskQueueSidPrevious".into(), json!(p));
                }
                emit(
                    conn,
                    app,
                    EventType::TaskQueueMoved,
                    &t.workspace_sid,
                    "task",
                    &t.sid,
                    format!("Task {} moved to queue {}", t.sid, q.friendly_name),
                    d,
                )?;
            }
            timers::cancel(conn, TimerKind::WorkflowTargetTimeout, &t.sid)?;
            assign::route_task(conn, app, &mut plans, t)?;
        }
        (None, _) => routes::enter_workflow(conn, app, &mut plans, t)?,
    }
    for w in freed.iter().filter(|w| Some(w.as_str()) != worker_sid) {
        assign::offer_worker(conn, app, &mut plans, w)?;
    }
    Ok(())
}
