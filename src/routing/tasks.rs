//! Tasks: creation (also inside another module's transaction, `create_in`), status changes,
//! updates that re-route, deletion, and the TTL that ends a task as `task.system-deleted`.
//! https://www.twilio.com/docs/taskrouter/api/task

use super::assign::{self, Plans};
use super::payload::{self, emit};
use super::states::{ReservationStatus, TaskStatus};
use super::{automation, dispositions, routes, Error, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::ids::{new_sid, Prefix};
use crate::store::taskrouter::{channels, reservations, tasks as db, workflows, workspaces};
use crate::timers::{self, TimerKind};
use rusqlite::{Connection, Transaction};
use serde_json::{json, Value};

pub use super::task_list::{list, parse_ordering, TaskQuery, MAX_EVALUATED};
pub use crate::store::taskrouter::tasks::{Task, TaskFilter, TaskOrder};

/// The default time to live of a task, in seconds (Twilio's 24 hours).
pub const DEFAULT_TIMEOUT: i64 = 86_400;
/// The longest time to live Twilio accepts (two weeks).
pub const MAX_TIMEOUT: i64 = 1_209_600;

/// What a new task is made of; every field but the attributes is optional.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub workflow_sid: Option<String>,
    pub attributes: Value,
    /// The task channel's unique name or `TC…` SID; `default` when absent.
    pub task_channel: Option<String>,
    pub priority: Option<i64>,
    /// Time to live in seconds (default 86400).
    pub timeout: Option<i64>,
    /// Twilio's `VirtualStartTime` (Unix ms): the start that orders the task instead of its
    /// creation, e.g. a callback keeping the original call's place; never in the future.
    pub virtual_start_time: Option<i64>,
}

/// Creates a task inside the caller's write transaction: stored, `task.created` recorded, routed
/// through its workflow (reservations included) — all committed with the caller's own change.
pub fn create_in(tx: &Transaction, app: &Core, workspace_sid: &str, new: NewTask) -> Result<Task> {
    create_on(tx, app, workspace_sid, None, new)
}

/// `create_in` under a SID the caller generated beforehand (Studio's send-to-flex names the task
/// in the run it computes before the write).
pub fn create_in_as(
    tx: &Transaction,
    app: &Core,
    workspace_sid: &str,
    sid: String,
    new: NewTask,
) -> Result<Task> {
    create_on(tx, app, workspace_sid, Some(sid), new)
}

/// `create_in` in a write transaction of its own.
pub fn create(app: &Core, workspace_sid: &str, new: NewTask) -> Result<Task> {
    app.store.write(|tx| {
        let t = create_in(tx, app, workspace_sid, new)?;
        // As stored after routing, with its version (the answer's ETag).
        Ok(db::find(tx, &t.sid)?.unwrap_or(t))
    })
}

pub(crate) fn create_on(
    conn: &Connection,
    app: &Core,
    workspace_sid: &str,
    sid: Option<String>,
    new: NewTask,
) -> Result<Task> {
    let ws = workspaces::find(conn, workspace_sid)?
        .ok_or_else(|| Error::not_found("Workspace", workspace_sid))?;
    let attributes = match new.attributes {
        Value::Null => json!({}),
        v @ Value::Object(_) => v,
        _ => return Err(Error::invalid("Attributes", "must be a JSON object")),
    };
    let workflow = match new.workflow_sid.as_deref() {
        Some(sid) => workflows::find(conn, &ws.sid, sid)?.ok_or_else(|| {
            Error::invalid(
                "WorkflowSid",
                format!("no workflow {sid} in workspace {}", ws.sid),
            )
        })?,
        None => {
            let mut all = workflows::first(conn, &ws.sid, 2)?;
            match all.len() {
                1 => all.remove(0),
                0 => {
                    return Err(Error::invalid(
                        "WorkflowSid",
                        "the workspace has no workflow",
                    ))
                }
                _ => {
                    return Err(Error::invalid(
                        "WorkflowSid",
                        "is required when the workspace has more than one workflow",
                    ))
                }
            }
        }
    };
    let channel_key = new.task_channel.as_deref().unwrap_or("default");
    let channel = channels::find(conn, &ws.sid, channel_key)?.ok_or_else(|| {
        Error::invalid(
            "TaskChannel",
            format!("no task channel {channel_key:?} in workspace {}", ws.sid),
        )
    })?;
    let timeout = new.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if !(1..=MAX_TIMEOUT).contains(&timeout) {
        return Err(Error::invalid(
            "Timeout",
            format!("must be from 1 to {MAX_TIMEOUT} seconds"),
        ));
    }
    let priority = new.priority.unwrap_or(0);
    if !(0..=i64::from(i32::MAX)).contains(&priority) {
        return Err(Error::invalid("Priority", "must be from 0 to 2147483647"));
    }
    let now = app.now_ms();
    check_start(new.virtual_start_time, now)?;
    let mut t = Task {
        sid: sid.unwrap_or_else(|| new_sid(Prefix::Task)),
        workspace_sid: ws.sid.clone(),
        workflow_sid: Some(workflow.sid.clone()),
        task_channel_sid: channel.sid,
        task_channel_unique_name: channel.unique_name,
        attributes,
        priority,
        timeout,
        assignment_status: TaskStatus::Pending,
        reason: None,
        queue_sid: None,
        queue_entered_at: None,
        filter_index: None,
        target_index: None,
        route_priority: priority,
        order_key: 0,
        created_at: now,
        updated_at: now,
        virtual_start_time: new.virtual_start_time,
        version: 0,
    };
    db::insert(conn, &t)?;
    emit(
        conn,
        app,
        EventType::TaskCreated,
        &ws.sid,
        "task",
        &t.sid,
        format!("Task {} created", t.sid),
        payload::task(&t, now),
    )?;
    timers::schedule(
        conn,
        TimerKind::TaskTtl,
        &t.sid,
        now + timeout * 1000,
        &json!({}),
    )?;
    let mut plans = Plans::default();
    routes::enter_workflow(conn, app, &mut plans, &mut t)?;
    Ok(t)
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Option<Task>> {
    Ok(db::find(conn, sid)?)
}

/// A task of the workspace, or `NotFound`.
pub fn get(conn: &Connection, ws: &str, sid: &str) -> Result<Task> {
    db::find(conn, sid)?
        .filter(|t| t.workspace_sid == ws)
        .ok_or_else(|| Error::not_found("Task", sid))
}

/// Moves a task to `to` (canceled, wrapping, completed) in its own transaction.
pub fn update_status(
    app: &Core,
    task_sid: &str,
    to: TaskStatus,
    reason: Option<&str>,
) -> Result<Task> {
    app.store.write(|tx| {
        let mut t = db::find(tx, task_sid)?.ok_or_else(|| Error::not_found("Task", task_sid))?;
        update_status_in(tx, app, &mut t, to, reason)?;
        Ok(t)
    })
}

/// Moves a task to `to` inside the caller's transaction, with its reservations and events.
pub fn update_status_in(
    conn: &Connection,
    app: &Core,
    t: &mut Task,
    to: TaskStatus,
    reason: Option<&str>,
) -> Result<()> {
    if !t.assignment_status.can_become(to) {
        return Err(Error::illegal(format!(
            "Task {} cannot move from {} to {}",
            t.sid, t.assignment_status, to
        )));
    }
    let now = app.now_ms();
    let rs = reservations::of_task(conn, &t.sid)?;
    t.assignment_status = to;
    if let Some(r) = reason {
        t.reason = Some(r.to_string());
    }
    t.updated_at = now;
    db::update(conn, t)?;
    let mut freed = Vec::new();
    let mut wrapping = Vec::new();
    for r in rs.iter().filter(|r| r.status.holds_capacity()) {
        match (to, r.status) {
            (TaskStatus::Canceled, ReservationStatus::Pending) => {
                assign::release(
                    conn,
                    app,
                    r,
                    ReservationStatus::Canceled,
                    EventType::ReservationCanceled,
                    t,
                )?;
                freed.push(r.worker_sid.clone());
            }
            (TaskStatus::Wrapping, ReservationStatus::Accepted) => {
                reservations::set_status(conn, &r.sid, ReservationStatus::Wrapping, now)?;
                let r2 = reservations::Reservation {
                    status: ReservationStatus::Wrapping,
                    ..r.clone()
                };
                assign::reservation_event(conn, app, EventType::ReservationWrapup, &r2, t)?;
                wrapping.push(r.worker_sid.clone());
            }
            (TaskStatus::Completed, _) => {
                assign::release(
                    conn,
                    app,
                    r,
                    ReservationStatus::Completed,
                    EventType::ReservationCompleted,
                    t,
                )?;
                freed.push(r.worker_sid.clone());
            }
            _ => {}
        }
    }
    if to == TaskStatus::Canceled {
        timers::cancel(conn, TimerKind::WorkflowTargetTimeout, &t.sid)?;
    }
    let (kind, verb) = match to {
        TaskStatus::Canceled => (EventType::TaskCanceled, "canceled"),
        TaskStatus::Wrapping => (EventType::TaskWrapup, "wrapping up"),
        TaskStatus::Completed => (EventType::TaskCompleted, "completed"),
        _ => (EventType::TaskUpdated, "updated"),
    };
    emit(
        conn,
        app,
        kind,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} {verb}", t.sid),
        payload::task(t, now),
    )?;
    match to {
        TaskStatus::Wrapping => automation::task_wrapping(conn, app, t, &wrapping, now)?,
        TaskStatus::Completed | TaskStatus::Canceled => {
            automation::task_ended(conn, app, t, &freed)?
        }
        _ => {}
    }
    let mut plans = Plans::default();
    for w in freed {
        assign::offer_worker(conn, app, &mut plans, &w)?;
    }
    Ok(())
}

/// Records a wrap-up code on a live task (checked against its queue's codes), with
/// `task.updated`, inside the caller's transaction.
pub(crate) fn record_code_in(
    conn: &Connection,
    app: &Core,
    t: &mut Task,
    code: &str,
) -> Result<()> {
    if !t.assignment_status.is_live() {
        return Err(Error::illegal(format!(
            "Task {} is {} and can no longer change",
            t.sid, t.assignment_status
        )));
    }
    dispositions::record(t, code);
    dispositions::check(conn, t, false)?;
    let now = app.now_ms();
    t.updated_at = now;
    db::update(conn, t)?;
    emit(
        conn,
        app,
        EventType::TaskUpdated,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} wrap-up code {code:?}", t.sid),
        payload::task(t, now),
    )
}

/// What an API update of a task changes.
#[derive(Debug, Clone, Default)]
pub struct TaskUpdate {
    pub attributes: Option<Value>,
    pub priority: Option<i64>,
    pub assignment_status: Option<TaskStatus>,
    pub reason: Option<String>,
    /// A wrap-up code (disposition), recorded as `attributes.conversations.outcome`.
    pub wrapup_code: Option<String>,
    /// A new `VirtualStartTime` (Unix ms): a pending task moves to that place in its queue.
    pub virtual_start_time: Option<i64>,
    /// `If-Match`: the version (ETag) the client read; the update is refused if it moved on.
    pub if_match: Option<String>,
}

/// A `VirtualStartTime` may not lie in the future (Twilio's rule); a minute of clock skew is
/// forgiven.
fn check_start(start: Option<i64>, now: i64) -> Result<()> {
    match start {
        Some(s) if s > now + 60_000 => Err(Error::invalid(
            "VirtualStartTime",
            "cannot be in the future",
        )),
        _ => Ok(()),
    }
}

/// Refuses the change when the client's `If-Match` is not the task's current version.
pub fn check_version(t: &Task, if_match: Option<&str>) -> Result<()> {
    let Some(want) = if_match else {
        return Ok(());
    };
    let want = want.trim().trim_start_matches("W/").trim_matches('"');
    if want == "*" || want == t.version.to_string() {
        return Ok(());
    }
    Err(Error::stale(format!(
        "Task {} has changed: its version is {}, not {want}; fetch it again and retry",
        t.sid, t.version
    )))
}

/// Applies an API update: new attributes or priority re-route a pending task from the start of
/// its workflow; a status change moves it (and its reservations) on.
pub fn update(app: &Core, ws: &str, sid: &str, u: TaskUpdate) -> Result<Task> {
    if let Some(p) = u.priority {
        if !(0..=i64::from(i32::MAX)).contains(&p) {
            return Err(Error::invalid("Priority", "must be from 0 to 2147483647"));
        }
    }
    check_start(u.virtual_start_time, app.now_ms())?;
    app.store.write(|tx| {
        let mut t = get(tx, ws, sid)?;
        check_version(&t, u.if_match.as_deref())?;
        let mut changed = false;
        if (u.attributes.is_some() || u.wrapup_code.is_some()) && !t.assignment_status.is_live() {
            return Err(Error::illegal(format!(
                "Task {} is {} and can no longer change",
                t.sid, t.assignment_status
            )));
        }
        if let Some(a) = u.attributes.clone() {
            t.attributes = a;
            changed = true;
        }
        if let Some(code) = &u.wrapup_code {
            dispositions::record(&mut t, code);
            changed = true;
        }
        let completing = u.assignment_status == Some(TaskStatus::Completed);
        if changed
            || matches!(
                u.assignment_status,
                Some(TaskStatus::Wrapping | TaskStatus::Completed)
            )
        {
            dispositions::check(tx, &t, completing)?;
        }
        if let Some(p) = u.priority {
            t.priority = p;
            changed = true;
        }
        if let Some(v) = u.virtual_start_time {
            if !t.assignment_status.is_live() {
                return Err(Error::illegal(format!(
                    "Task {} is {} and can no longer change",
                    t.sid, t.assignment_status
                )));
            }
            t.virtual_start_time = Some(v);
            changed = true;
        }
        if changed {
            let now = app.now_ms();
            t.updated_at = now;
            db::update(tx, &t)?;
            emit(
                tx,
                app,
                EventType::TaskUpdated,
                &t.workspace_sid,
                "task",
                &t.sid,
                format!("Task {} updated", t.sid),
                payload::task(&t, now),
            )?;
            if t.assignment_status == TaskStatus::Pending {
                let mut plans = Plans::default();
                routes::enter_workflow(tx, app, &mut plans, &mut t)?;
            }
        }
        if let Some(to) = u.assignment_status {
            update_status_in(tx, app, &mut t, to, u.reason.as_deref())?;
        } else if let Some(r) = &u.reason {
            t.reason = Some(r.clone());
            db::update(tx, &t)?;
        }
        // As stored, with the version this change gave it (the answer's ETag).
        Ok(db::find(tx, &t.sid)?.unwrap_or(t))
    })
}

/// Stores a live task's new attributes inside the caller's write (`task.updated`), without
/// routing it again: what the appliance itself notes on a task (a callback's outcome).
pub fn set_attributes_in(conn: &Connection, app: &Core, t: &mut Task) -> Result<()> {
    let now = app.now_ms();
    t.updated_at = now;
    db::update(conn, t)?;
    emit(
        conn,
        app,
        EventType::TaskUpdated,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} updated", t.sid),
        payload::task(t, now),
    )
}

/// Deletes a task (`task.deleted`), releasing its workers; `if_match` as in [`TaskUpdate`].
pub fn delete(app: &Core, ws: &str, sid: &str, if_match: Option<&str>) -> Result<()> {
    app.store.write(|tx| {
        let t = get(tx, ws, sid)?;
        check_version(&t, if_match)?;
        remove_in(tx, app, t, EventType::TaskDeleted)
    })
}

/// Ends a task for good: pending reservations canceled, held capacity released, timers dropped,
/// the row deleted, `kind` (task.deleted / task.system-deleted) recorded.
fn remove_in(conn: &Connection, app: &Core, mut t: Task, kind: EventType) -> Result<()> {
    let now = app.now_ms();
    if matches!(
        t.assignment_status,
        TaskStatus::Pending | TaskStatus::Reserved
    ) && kind == EventType::TaskSystemDeleted
    {
        update_status_in(
            conn,
            app,
            &mut t,
            TaskStatus::Canceled,
            Some("Task TTL Exceeded"),
        )?;
    }
    let mut freed = Vec::new();
    for r in reservations::of_task(conn, &t.sid)?
        .iter()
        .filter(|r| r.status.holds_capacity())
    {
        let (to, ev) = if r.status == ReservationStatus::Pending {
            (ReservationStatus::Canceled, EventType::ReservationCanceled)
        } else {
            (
                ReservationStatus::Completed,
                EventType::ReservationCompleted,
            )
        };
        assign::release(conn, app, r, to, ev, &t)?;
        freed.push(r.worker_sid.clone());
    }
    timers::cancel(conn, TimerKind::WorkflowTargetTimeout, &t.sid)?;
    timers::cancel(conn, TimerKind::TaskTtl, &t.sid)?;
    timers::cancel(conn, TimerKind::AutoWrapup, &t.sid)?;
    db::delete(conn, &t.sid)?;
    let verb = if kind == EventType::TaskSystemDeleted {
        "deleted by the system (TTL)"
    } else {
        "deleted"
    };
    emit(
        conn,
        app,
        kind,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} {verb}", t.sid),
        payload::task(&t, now),
    )?;
    let mut plans = Plans::default();
    for w in freed {
        assign::offer_worker(conn, app, &mut plans, &w)?;
    }
    Ok(())
}

/// The `TaskTtl` timer: the task's time to live passed.
pub(crate) fn ttl_passed(app: &Core, task_sid: &str) -> Result<()> {
    app.store.write(|tx| match db::find(tx, task_sid)? {
        Some(t) => remove_in(tx, app, t, EventType::TaskSystemDeleted),
        None => Ok(()),
    })
}
