//! Workers: create (with a WorkerChannel per task channel), activity changes (which free or
//! occupy them), attribute changes, capacity per channel, delete.
//! https://www.twilio.com/docs/taskrouter/api/worker

use super::assign::{self, Plans};
use super::payload::{self, emit};
use super::states::ReservationStatus;
use super::{reservations as domain_reservations, Error, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::ids::{new_sid, Prefix};
use crate::store::taskrouter::{activities, channels, reservations, workers as db, workspaces};
use rusqlite::Connection;
use serde_json::{json, Value};

pub use crate::store::taskrouter::workers::{Worker, WorkerChannel, WorkerFilter};

/// What happens to a worker's pending reservations when its activity changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Leave them (the change comes from the reservation itself).
    Keep,
    /// Reject them (Twilio's `RejectPendingReservations=true`, or a timeout).
    Reject,
    /// Refuse the change when moving to an unavailable activity with pending reservations.
    Refuse,
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Option<Worker>> {
    Ok(db::find(conn, sid)?)
}

pub fn get(conn: &Connection, ws: &str, sid: &str) -> Result<Worker> {
    db::find(conn, sid)?
        .filter(|w| w.workspace_sid == ws)
        .ok_or_else(|| Error::not_found("Worker", sid))
}

pub fn create(
    app: &Core,
    ws: &str,
    friendly_name: &str,
    attributes: Option<Value>,
    activity_sid: Option<&str>,
) -> Result<Worker> {
    if friendly_name.trim().is_empty() {
        return Err(Error::invalid("FriendlyName", "is required"));
    }
    app.store.write(|tx| {
        let space = workspaces::find(tx, ws)?.ok_or_else(|| Error::not_found("Workspace", ws))?;
        let act_sid = match activity_sid
            .map(str::to_string)
            .or(space.default_activity_sid.clone())
        {
            Some(a) => a,
            None => activities::all(tx, ws)?
                .first()
                .map(|a| a.sid.clone())
                .ok_or_else(|| Error::invalid("ActivitySid", "the workspace has no activities"))?,
        };
        let act = activities::find(tx, ws, &act_sid)?.ok_or_else(|| {
            Error::invalid(
                "ActivitySid",
                format!("no activity {act_sid} in workspace {ws}"),
            )
        })?;
        let now = app.now_ms();
        let w = Worker {
            sid: new_sid(Prefix::Worker),
            workspace_sid: ws.to_string(),
            friendly_name: friendly_name.to_string(),
            attributes: attributes.unwrap_or_else(|| json!({})),
            activity_sid: act.sid.clone(),
            activity_name: act.friendly_name.clone(),
            available: act.available,
            status_changed_at: now,
            created_at: now,
            updated_at: now,
        };
        db::insert(tx, &w).map_err(|e| name_taken(e, "Worker", friendly_name))?;
        for c in channels::all(tx, ws)? {
            db::insert_channel(
                tx,
                &WorkerChannel {
                    sid: new_sid(Prefix::WorkerChannel),
                    worker_sid: w.sid.clone(),
                    task_channel_sid: c.sid.clone(),
                    task_channel_unique_name: c.unique_name.clone(),
                    workspace_sid: ws.to_string(),
                    configured_capacity: 1,
                    available: true,
                    active: 0,
                    free: false,
                    idle_since: now,
                    created_at: now,
                    updated_at: now,
                },
            )?;
        }
        db::refresh_free(tx, &w.sid, w.available, space.multi_task_enabled)?;
        let mut d = payload::Data::new();
        payload::worker(&mut d, &w);
        emit(
            tx,
            app,
            EventType::WorkerCreated,
            ws,
            "worker",
            &w.sid,
            format!("Worker {} created", w.friendly_name),
            d,
        )?;
        assign::offer_worker(tx, app, &mut Plans::default(), &w.sid)?;
        get(tx, ws, &w.sid)
    })
}

/// A uniqueness conflict on a friendly name becomes a 409 naming it.
pub(crate) fn name_taken(e: crate::store::Error, what: &str, name: &str) -> Error {
    if e.kind == crate::store::ErrorKind::Conflict {
        Error::conflict(format!(
            "A {what} with friendly name {name:?} already exists"
        ))
    } else {
        e.into()
    }
}

#[derive(Debug, Clone, Default)]
pub struct WorkerUpdate {
    pub friendly_name: Option<String>,
    pub attributes: Option<Value>,
    pub activity_sid: Option<String>,
    pub reject_pending_reservations: bool,
}

pub fn update(app: &Core, ws: &str, sid: &str, u: WorkerUpdate) -> Result<Worker> {
    app.store.write(|tx| {
        let mut w = get(tx, ws, sid)?;
        let now = app.now_ms();
        if u.friendly_name.is_some() || u.attributes.is_some() {
            if let Some(n) = &u.friendly_name {
                if n.trim().is_empty() {
                    return Err(Error::invalid("FriendlyName", "must not be empty"));
                }
                w.friendly_name = n.clone();
            }
            if let Some(a) = &u.attributes {
                w.attributes = a.clone();
            }
            w.updated_at = now;
            db::update(tx, &w).map_err(|e| name_taken(e, "Worker", &w.friendly_name))?;
            if u.attributes.is_some() {
                let mut d = payload::Data::new();
                payload::worker(&mut d, &w);
                emit(
                    tx,
                    app,
                    EventType::WorkerAttributesUpdate,
                    ws,
                    "worker",
                    &w.sid,
                    format!("Worker {} attributes updated", w.friendly_name),
                    d,
                )?;
            }
        }
        match &u.activity_sid {
            Some(a) => {
                let policy = if u.reject_pending_reservations {
                    Pending::Reject
                } else {
                    Pending::Refuse
                };
                set_activity_in(tx, app, sid, a, policy, true)?;
            }
            None => assign::offer_worker(tx, app, &mut Plans::default(), sid)?,
        }
        get(tx, ws, sid)
    })
}

/// Moves a worker to another activity inside the caller's transaction: availability and free
/// capacity follow, `worker.activity.update` is recorded, and (with `offer`) a worker who became
/// available is offered waiting tasks.
pub fn set_activity_in(
    conn: &Connection,
    app: &Core,
    worker_sid: &str,
    activity_sid: &str,
    pending: Pending,
    offer: bool,
) -> Result<()> {
    let mut w =
        db::find(conn, worker_sid)?.ok_or_else(|| Error::not_found("Worker", worker_sid))?;
    let act = activities::find(conn, &w.workspace_sid, activity_sid)?.ok_or_else(|| {
        Error::invalid(
            "ActivitySid",
            format!(
                "no activity {activity_sid} in workspace {}",
                w.workspace_sid
            ),
        )
    })?;
    if act.sid == w.activity_sid {
        if offer {
            assign::offer_worker(conn, app, &mut Plans::default(), worker_sid)?;
        }
        return Ok(());
    }
    // Pending reservations are rejected after the move, so the worker, now unavailable, is not
    // offered the tasks they release.
    let mut to_reject = Vec::new();
    if !act.available {
        let pending_rs = reservations::of_worker_in(conn, worker_sid, ReservationStatus::Pending)?;
        match pending {
            Pending::Refuse if !pending_rs.is_empty() => {
                return Err(Error::invalid("ActivitySid", format!(
                    "worker {worker_sid} has {} pending reservation(s); reject them first or pass RejectPendingReservations=true",
                    pending_rs.len())));
            }
            Pending::Reject => to_reject = pending_rs,
            _ => {}
        }
    }
    let now = app.now_ms();
    let previous = (w.activity_sid.clone(), w.activity_name.clone());
    let time_in_previous = (now - w.status_changed_at).max(0) / 1000;
    let became_available = act.available && !w.available;
    w.activity_sid = act.sid.clone();
    w.activity_name = act.friendly_name.clone();
    w.available = act.available;
    w.status_changed_at = now;
    w.updated_at = now;
    db::update(conn, &w)?;
    if became_available {
        db::touch_idle(conn, worker_sid, None, now)?;
    }
    let multi = workspaces::find(conn, &w.workspace_sid)?.is_none_or(|s| s.multi_task_enabled);
    db::refresh_free(conn, worker_sid, w.available, multi)?;
    let mut d = payload::Data::new();
    payload::worker(&mut d, &w);
    d.insert("WorkerPreviousActivitySid".into(), json!(previous.0));
    d.insert("WorkerPreviousActivityName".into(), json!(previous.1));
    d.insert(
        "WorkerTimeInPreviousActivity".into(),
        json!(time_in_previous),
    );
    emit(
        conn,
        app,
        EventType::WorkerActivityUpdate,
        &w.workspace_sid,
        "worker",
        &w.sid,
        format!(
            "Worker {} updated to {} Activity",
            w.friendly_name, act.friendly_name
        ),
        d,
    )?;
    for r in &to_reject {
        domain_reservations::reject_in(conn, app, r, None)?;
    }
    if offer && w.available {
        assign::offer_worker(conn, app, &mut Plans::default(), worker_sid)?;
    }
    Ok(())
}

pub fn delete(app: &Core, ws: &str, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        let w = get(tx, ws, sid)?;
        for held in [ReservationStatus::Accepted, ReservationStatus::Wrapping] {
            if let Some(r) = reservations::of_worker_in(tx, sid, held)?.first() {
                return Err(Error::conflict(format!(
                    "Worker {sid} still holds task {} ({held}); complete it before deleting the worker",
                    r.task_sid
                )));
            }
        }
        for r in reservations::of_worker_in(tx, sid, ReservationStatus::Pending)? {
            domain_reservations::reject_in(tx, app, &r, None)?;
        }
        db::delete(tx, sid)?;
        let mut d = payload::Data::new();
        payload::worker(&mut d, &w);
        emit(
            tx,
            app,
            EventType::WorkerDeleted,
            ws,
            "worker",
            sid,
            format!("Worker {} deleted", w.friendly_name),
            d,
        )
    })
}

pub fn channel(conn: &Connection, ws: &str, worker_sid: &str, key: &str) -> Result<WorkerChannel> {
    get(conn, ws, worker_sid)?;
    db::find_channel(conn, worker_sid, key)?.ok_or_else(|| Error::not_found("WorkerChannel", key))
}

/// Sets a worker's capacity and availability on one channel, then offers it work.
pub fn update_channel(
    app: &Core,
    ws: &str,
    worker_sid: &str,
    key: &str,
    capacity: Option<i64>,
    available: Option<bool>,
) -> Result<WorkerChannel> {
    if let Some(c) = capacity {
        if !(0..=50).contains(&c) {
            return Err(Error::invalid("Capacity", "must be from 0 to 50"));
        }
    }
    app.store.write(|tx| {
        let mut c = channel(tx, ws, worker_sid, key)?;
        let w = get(tx, ws, worker_sid)?;
        if let Some(cap) = capacity {
            c.configured_capacity = cap;
        }
        if let Some(a) = available {
            c.available = a;
        }
        c.updated_at = app.now_ms();
        db::set_channel(tx, &c)?;
        let multi = workspaces::find(tx, ws)?.is_none_or(|s| s.multi_task_enabled);
        db::refresh_free(tx, worker_sid, w.available, multi)?;
        let mut d = payload::Data::new();
        payload::worker(&mut d, &w);
        d.insert(
            "WorkerChannelTaskChannelSid".into(),
            json!(c.task_channel_sid),
        );
        d.insert("WorkerChannelCapacity".into(), json!(c.configured_capacity));
        emit(
            tx,
            app,
            EventType::WorkerCapacityUpdate,
            ws,
            "worker",
            worker_sid,
            format!(
                "Worker {} capacity on {} set to {}",
                w.friendly_name, c.task_channel_unique_name, c.configured_capacity
            ),
            d,
        )?;
        assign::offer_worker(tx, app, &mut Plans::default(), worker_sid)?;
        channel(tx, ws, worker_sid, key)
    })
}
