//! Task queues: `target_workers` (validated at save time), FIFO/LIFO order, reservation and
//! assignment activities. https://www.twilio.com/docs/taskrouter/api/task-queue

use super::assign;
use super::workers::name_taken;
use super::{expr, Error, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::ids::{new_sid, Prefix};
use crate::store::taskrouter::{activities, queues as db};
use rusqlite::Connection;
use serde_json::json;

pub use crate::store::taskrouter::queues::TaskQueue;

#[derive(Debug, Clone, Default)]
pub struct QueueParams {
    pub friendly_name: Option<String>,
    pub target_workers: Option<String>,
    pub task_order: Option<String>,
    pub max_reserved_workers: Option<i64>,
    pub assignment_activity_sid: Option<String>,
    pub reservation_activity_sid: Option<String>,
}

pub fn get(conn: &Connection, ws: &str, sid: &str) -> Result<TaskQueue> {
    db::find(conn, ws, sid)?.ok_or_else(|| Error::not_found("TaskQueue", sid))
}

/// Parses a `target_workers` (or other) expression; the error names the parameter and position.
pub fn check_expression(param: &str, src: &str) -> Result<expr::Expr> {
    expr::parse(src)
        .map_err(|e| Error::invalid(param, format!("{src:?} is not a valid expression: {e}")))
}

fn apply(conn: &Connection, q: &mut TaskQueue, p: QueueParams) -> Result<()> {
    if let Some(n) = p.friendly_name {
        if n.trim().is_empty() {
            return Err(Error::invalid("FriendlyName", "must not be empty"));
        }
        q.friendly_name = n;
    }
    if let Some(t) = p.target_workers {
        check_expression("TargetWorkers", &t)?;
        q.target_workers = t;
    }
    if let Some(o) = p.task_order {
        if o != "FIFO" && o != "LIFO" {
            return Err(Error::invalid("TaskOrder", "must be FIFO or LIFO"));
        }
        q.task_order = o;
    }
    if let Some(m) = p.max_reserved_workers {
        if !(1..=50).contains(&m) {
            return Err(Error::invalid("MaxReservedWorkers", "must be from 1 to 50"));
        }
        q.max_reserved_workers = m;
    }
    for (param, value, slot) in [
        (
            "AssignmentActivitySid",
            p.assignment_activity_sid,
            &mut q.assignment_activity_sid,
        ),
        (
            "ReservationActivitySid",
            p.reservation_activity_sid,
            &mut q.reservation_activity_sid,
        ),
    ] {
        if let Some(a) = value {
            if a.is_empty() {
                *slot = None;
            } else if activities::find(conn, &q.workspace_sid, &a)?.is_none() {
                return Err(Error::invalid(
                    param,
                    format!("no activity {a} in workspace {}", q.workspace_sid),
                ));
            } else {
                *slot = Some(a);
            }
        }
    }
    Ok(())
}

pub fn create_in(conn: &Connection, app: &Core, ws: &str, p: QueueParams) -> Result<TaskQueue> {
    super::workspaces::get(conn, ws)?;
    let name = p
        .friendly_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Error::invalid("FriendlyName", "is required"))?;
    let now = app.now_ms();
    let mut q = TaskQueue {
        sid: new_sid(Prefix::TaskQueue),
        workspace_sid: ws.to_string(),
        friendly_name: name.clone(),
        target_workers: "1==1".into(),
        task_order: "FIFO".into(),
        max_reserved_workers: 1,
        assignment_activity_sid: None,
        reservation_activity_sid: None,
        created_at: now,
        updated_at: now,
    };
    apply(conn, &mut q, p)?;
    db::insert(conn, &q).map_err(|e| name_taken(e, "TaskQueue", &name))?;
    app.record(
        conn,
        &crate::events::NewEvent::new(EventType::TaskQueueCreated, "task_queue", &q.sid)
            .workspace(ws)
            .describe(format!("TaskQueue {} created", q.friendly_name))
            .data(
                json!({"WorkspaceSid": ws, "TaskQueueSid": q.sid, "TaskQueueName": q.friendly_name,
                     "TaskQueueTargetExpression": q.target_workers}),
            ),
    )?;
    Ok(q)
}

pub fn create(app: &Core, ws: &str, p: QueueParams) -> Result<TaskQueue> {
    app.store.write(|tx| create_in(tx, app, ws, p))
}

/// Updates a queue; a new `target_workers` or order offers its waiting tasks to free workers.
pub fn update(app: &Core, ws: &str, sid: &str, p: QueueParams) -> Result<TaskQueue> {
    app.store.write(|tx| {
        let mut q = get(tx, ws, sid)?;
        let old_order = q.task_order.clone();
        apply(tx, &mut q, p)?;
        q.updated_at = app.now_ms();
        let name = q.friendly_name.clone();
        db::update(tx, &q).map_err(|e| name_taken(e, "TaskQueue", &name))?;
        if old_order != q.task_order {
            db::negate_order_keys(tx, &q.sid)?;
        }
        assign::offer_all_free(tx, app, ws)?;
        Ok(q)
    })
}

pub fn delete(app: &Core, ws: &str, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        let q = get(tx, ws, sid)?;
        let live = crate::store::taskrouter::stats::live_tasks(tx, ws, crate::store::taskrouter::stats::LiveScope::Queue(sid))?;
        if !live.is_empty() {
            return Err(Error::conflict(format!("TaskQueue {} still has tasks", q.friendly_name)));
        }
        db::delete(tx, sid)?;
        crate::store::taskrouter::automation::delete(tx, sid)?;
        app.record(tx, &crate::events::NewEvent::new(EventType::TaskQueueDeleted, "task_queue", sid)
            .workspace(ws)
            .describe(format!("TaskQueue {} deleted", q.friendly_name))
            .data(json!({"WorkspaceSid": ws, "TaskQueueSid": sid, "TaskQueueName": q.friendly_name})))?;
        Ok(())
    })
}
