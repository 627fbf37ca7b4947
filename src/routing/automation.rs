//! Server-side agent automation (issue 22; Flex's plugin-side auto-accept and auto-wrap-up "void
//! when the browser closes"): per workspace, overridden per task queue,
//! - auto-accept: a new reservation is accepted by the `AutoAccept` timer, due at once;
//! - auto-wrap-up: a task wrapping for N seconds is completed by the `AutoWrapup` timer;
//! - the worker's activity follows the task: `wrapup_activity_sid` while wrapping, then
//!   `after_wrapup_activity_sid` once the task is completed (only if the worker is still in the
//!   wrap-up activity, so a worker who chose Break stays on Break).
//!
//! Timers are durable rows, so a restart loses none; handlers are idempotent.

use super::states::{ReservationStatus, TaskStatus};
use super::{reservations, tasks, workers, Error, Result};
use crate::core::Core;
use crate::store::taskrouter::automation::{self as db, Automation};
use crate::store::taskrouter::{
    activities, queues, reservations as res_db, tasks as task_db, workspaces,
};
use crate::timers::{self, TimerKind};
use rusqlite::Connection;
use serde_json::json;

/// The longest auto-wrap-up delay (one day).
pub const MAX_WRAPUP_SECONDS: i64 = 86_400;

/// A change of settings; `Some(None)` clears a field (a queue then inherits the workspace's).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub auto_accept: Option<Option<bool>>,
    pub auto_wrapup_seconds: Option<Option<i64>>,
    pub wrapup_activity_sid: Option<Option<String>>,
    pub after_wrapup_activity_sid: Option<Option<String>>,
}

/// The settings a task queue runs with: its own fields, else the workspace's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effective {
    pub auto_accept: bool,
    pub auto_wrapup_seconds: Option<i64>,
    pub wrapup_activity_sid: Option<String>,
    pub after_wrapup_activity_sid: Option<String>,
}

/// The stored settings of `owner` (the workspace or one of its queues); empty when never set.
pub fn get(conn: &Connection, ws: &str, owner: &str) -> Result<Automation> {
    check_owner(conn, ws, owner)?;
    Ok(db::find(conn, owner)?.unwrap_or(Automation {
        owner_sid: owner.to_string(),
        workspace_sid: ws.to_string(),
        ..Default::default()
    }))
}

fn check_owner(conn: &Connection, ws: &str, owner: &str) -> Result<()> {
    if owner == ws {
        workspaces::find(conn, ws)?.ok_or_else(|| Error::not_found("Workspace", ws))?;
    } else {
        queues::find(conn, ws, owner)?.ok_or_else(|| Error::not_found("TaskQueue", owner))?;
    }
    Ok(())
}

pub fn set(app: &Core, ws: &str, owner: &str, c: Change) -> Result<Automation> {
    if let Some(Some(n)) = c.auto_wrapup_seconds {
        if !(0..=MAX_WRAPUP_SECONDS).contains(&n) {
            return Err(Error::invalid(
                "AutoWrapupSeconds",
                format!("must be from 0 (off) to {MAX_WRAPUP_SECONDS}; empty inherits"),
            ));
        }
    }
    app.store.write(|tx| {
        let mut a = get(tx, ws, owner)?;
        for (param, v) in [
            ("WrapupActivitySid", &c.wrapup_activity_sid),
            ("AfterWrapupActivitySid", &c.after_wrapup_activity_sid),
        ] {
            if let Some(Some(sid)) = v {
                if activities::find(tx, ws, sid)?.is_none() {
                    return Err(Error::invalid(
                        param,
                        format!("no activity {sid} in workspace {ws}"),
                    ));
                }
            }
        }
        let now = app.now_ms();
        if db::find(tx, owner)?.is_none() {
            a.created_at = now;
        }
        if let Some(v) = c.auto_accept {
            a.auto_accept = v;
        }
        if let Some(v) = c.auto_wrapup_seconds {
            a.auto_wrapup_seconds = v;
        }
        if let Some(v) = c.wrapup_activity_sid.clone() {
            a.wrapup_activity_sid = v;
        }
        if let Some(v) = c.after_wrapup_activity_sid.clone() {
            a.after_wrapup_activity_sid = v;
        }
        a.updated_at = now;
        db::put(tx, &a)?;
        Ok(a)
    })
}

/// The settings of a task queue (or the workspace's alone, with `queue_sid` None).
pub fn effective(conn: &Connection, ws: &str, queue_sid: Option<&str>) -> Result<Effective> {
    let w = db::find(conn, ws)?.unwrap_or_default();
    let q = match queue_sid {
        Some(q) => db::find(conn, q)?.unwrap_or_default(),
        None => Automation::default(),
    };
    Ok(Effective {
        auto_accept: q.auto_accept.or(w.auto_accept).unwrap_or(false),
        auto_wrapup_seconds: q
            .auto_wrapup_seconds
            .or(w.auto_wrapup_seconds)
            .filter(|n| *n > 0),
        wrapup_activity_sid: q.wrapup_activity_sid.or(w.wrapup_activity_sid),
        after_wrapup_activity_sid: q.after_wrapup_activity_sid.or(w.after_wrapup_activity_sid),
    })
}

/// A reservation was created in queue `queue_sid`: with auto-accept on, its timer is set due now
/// (it fires on the timer thread once this transaction commits).
pub(crate) fn reservation_created(
    conn: &Connection,
    ws: &str,
    queue_sid: &str,
    reservation_sid: &str,
    now: i64,
) -> Result<()> {
    if effective(conn, ws, Some(queue_sid))?.auto_accept {
        timers::schedule(
            conn,
            TimerKind::AutoAccept,
            reservation_sid,
            now,
            &json!({}),
        )?;
    }
    Ok(())
}

/// The `AutoAccept` timer: accepts the reservation if it is still pending.
pub(crate) fn auto_accept(app: &Core, reservation_sid: &str) -> Result<()> {
    app.store
        .write(|tx| match res_db::find(tx, reservation_sid)? {
            Some(r) if r.status == ReservationStatus::Pending => {
                reservations::accept_in(tx, app, &r)
            }
            _ => Ok(()),
        })
}

/// A task moved to wrapping: its workers move to the wrap-up activity, and the auto-wrap-up
/// timer is set.
pub(crate) fn task_wrapping(
    conn: &Connection,
    app: &Core,
    t: &tasks::Task,
    worker_sids: &[String],
    now: i64,
) -> Result<()> {
    let e = effective(conn, &t.workspace_sid, t.queue_sid.as_deref())?;
    if let Some(act) = &e.wrapup_activity_sid {
        for w in worker_sids {
            workers::set_activity_in(conn, app, w, act, workers::Pending::Keep, false)?;
        }
    }
    if let Some(n) = e.auto_wrapup_seconds {
        timers::schedule(
            conn,
            TimerKind::AutoWrapup,
            &t.sid,
            now + n * 1000,
            &json!({}),
        )?;
    }
    Ok(())
}

/// A task was completed (or canceled): the auto-wrap-up timer goes; workers still in the
/// wrap-up activity and holding no other wrapping task move to the after-wrap-up activity.
pub(crate) fn task_ended(
    conn: &Connection,
    app: &Core,
    t: &tasks::Task,
    worker_sids: &[String],
) -> Result<()> {
    timers::cancel(conn, TimerKind::AutoWrapup, &t.sid)?;
    let e = effective(conn, &t.workspace_sid, t.queue_sid.as_deref())?;
    let (Some(wrap), Some(after)) = (&e.wrapup_activity_sid, &e.after_wrapup_activity_sid) else {
        return Ok(());
    };
    for w in worker_sids {
        let Some(worker) = workers::fetch(conn, w)? else {
            continue;
        };
        let wrapping_more = !res_db::of_worker_in(conn, w, ReservationStatus::Wrapping)?.is_empty();
        if worker.activity_sid == *wrap && !wrapping_more {
            workers::set_activity_in(conn, app, w, after, workers::Pending::Keep, false)?;
        }
    }
    Ok(())
}

/// The `AutoWrapup` timer: completes the task if it is still wrapping (no wrap-up code is
/// required of the appliance's own completion).
pub(crate) fn auto_wrapup(app: &Core, task_sid: &str) -> Result<()> {
    app.store.write(|tx| match task_db::find(tx, task_sid)? {
        Some(mut t) if t.assignment_status == TaskStatus::Wrapping => {
            tasks::update_status_in(tx, app, &mut t, TaskStatus::Completed, Some("auto wrap-up"))
        }
        _ => Ok(()),
    })
}
