//! Reservations: accept, reject, wrap up and complete (through the Task or Worker Reservation
//! API), and the timer that times a pending one out.
//! https://www.twilio.com/docs/taskrouter/api/reservations

use super::assign::{self, Plans};
use super::states::{ReservationStatus, TaskStatus};
use super::{dispositions, tasks, workers, Error, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::store::taskrouter::{queues, reservations as db, tasks as task_db, workspaces};
use crate::timers::{self, TimerKind};
use rusqlite::Connection;

pub use crate::store::taskrouter::reservations::Reservation;

/// Where a reservation is addressed from: `/Tasks/{TaskSid}/…` or `/Workers/{WorkerSid}/…`.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Task(&'a str),
    Worker(&'a str),
}

pub fn get(conn: &Connection, ws: &str, scope: Scope, sid: &str) -> Result<Reservation> {
    db::find(conn, sid)?
        .filter(|r| {
            r.workspace_sid == ws
                && match scope {
                    Scope::Task(t) => r.task_sid == t,
                    Scope::Worker(w) => r.worker_sid == w,
                }
        })
        .ok_or_else(|| Error::not_found("Reservation", sid))
}

/// An API update: `ReservationStatus` or `Instruction`, and the worker's next activity.
#[derive(Debug, Clone, Default)]
pub struct ReservationUpdate {
    pub status: Option<String>,
    pub instruction: Option<String>,
    pub worker_activity_sid: Option<String>,
    /// A wrap-up code (disposition) recorded on the task (`attributes.conversations.outcome`).
    pub wrapup_code: Option<String>,
}

/// `Instruction=supervise` (Twilio's): a supervisor (`Supervisor`: a worker SID or a contact
/// URI such as `client:sam`) joins the accepted reservation's work as `monitor` (the default),
/// `whisper` or `barge`. The reservation does not change; the box records who joined how
/// (`supervisor.joined`, with the task and worker) and bridges no audio itself.
/// https://www.twilio.com/docs/taskrouter/api/reservations#conference-instruction
pub fn supervise(
    app: &Core,
    ws: &str,
    scope: Scope,
    sid: &str,
    supervisor: Option<&str>,
    mode: Option<&str>,
) -> Result<Reservation> {
    let supervisor = supervisor
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid("Supervisor", "is required with Instruction=supervise"))?;
    let mode = mode.unwrap_or("monitor");
    if !matches!(mode, "monitor" | "whisper" | "barge") {
        return Err(Error::invalid(
            "SupervisorMode",
            format!("{mode:?} is not one of monitor, whisper, barge"),
        ));
    }
    app.store.write(|tx| {
        let r = get(tx, ws, scope, sid)?;
        if r.status != ReservationStatus::Accepted {
            return Err(Error::invalid(
                "Instruction",
                format!(
                    "supervise needs an accepted reservation; {sid} is {}",
                    r.status
                ),
            ));
        }
        app.record(
            tx,
            &crate::events::NewEvent::new(
                crate::events::EventType::SupervisorJoined,
                "reservation",
                &r.sid,
            )
            .describe(format!("{supervisor} supervises ({mode})"))
            .data(
                serde_json::json!({"WorkspaceSid": ws, "TaskSid": r.task_sid,
                    "WorkerSid": r.worker_sid, "ReservationSid": r.sid,
                    "Supervisor": supervisor, "SupervisorMode": mode}),
            ),
        )?;
        Ok(r)
    })
}

pub fn update(
    app: &Core,
    ws: &str,
    scope: Scope,
    sid: &str,
    u: ReservationUpdate,
) -> Result<Reservation> {
    let target = match (u.status.as_deref(), u.instruction.as_deref()) {
        (Some(s), _) => match ReservationStatus::parse(s) {
            Some(
                st @ (ReservationStatus::Accepted
                | ReservationStatus::Rejected
                | ReservationStatus::Wrapping
                | ReservationStatus::Completed),
            ) => Some(st),
            _ => {
                return Err(Error::invalid(
                    "ReservationStatus",
                    format!("{s:?} is not one of accepted, rejected, wrapping, completed"),
                ))
            }
        },
        // Twilio's voice instructions (dequeue, call, conference, redirect) accept the reservation;
        // switchboard bridges calls through the voice module, so here they only accept.
        (None, Some(i)) => match i {
            "accept" | "dequeue" | "call" | "conference" | "redirect" => {
                Some(ReservationStatus::Accepted)
            }
            "reject" => Some(ReservationStatus::Rejected),
            _ => {
                return Err(Error::invalid(
                    "Instruction",
                    format!("{i:?} is not a known instruction"),
                ))
            }
        },
        (None, None) => None,
    };
    if u.wrapup_code.is_some()
        && !matches!(
            target,
            None | Some(ReservationStatus::Wrapping | ReservationStatus::Completed)
        )
    {
        return Err(Error::invalid(
            "WrapupCode",
            "is taken only with ReservationStatus wrapping or completed, or alone",
        ));
    }
    app.store.write(|tx| {
        let r = get(tx, ws, scope, sid)?;
        if let Some(code) = &u.wrapup_code {
            let mut t = task_db::find(tx, &r.task_sid)?
                .ok_or_else(|| Error::not_found("Task", &r.task_sid))?;
            tasks::record_code_in(tx, app, &mut t, code)?;
        }
        match target {
            // A second accept of a reservation its worker already accepted (auto-accept plus a
            // click, or a retried request) answers the reservation unchanged instead of Twilio's
            // "not in expected state": the reservation belongs to that one worker, so only that
            // worker can have accepted it. Any other state (wrapping, completed, rescinded,
            // canceled, …) still gets the error.
            Some(ReservationStatus::Accepted) if r.status == ReservationStatus::Accepted => {}
            Some(ReservationStatus::Accepted) => accept_in(tx, app, &r)?,
            Some(ReservationStatus::Rejected) => {
                reject_in(tx, app, &r, u.worker_activity_sid.as_deref())?
            }
            Some(to @ (ReservationStatus::Wrapping | ReservationStatus::Completed)) => {
                if !r.status.can_become(to) {
                    return Err(illegal(&r, to));
                }
                let mut t = task_db::find(tx, &r.task_sid)?
                    .ok_or_else(|| Error::not_found("Task", &r.task_sid))?;
                let ts = if to == ReservationStatus::Wrapping {
                    TaskStatus::Wrapping
                } else {
                    TaskStatus::Completed
                };
                dispositions::check(tx, &t, ts == TaskStatus::Completed)?;
                tasks::update_status_in(tx, app, &mut t, ts, None)?;
            }
            _ => {}
        }
        if target != Some(ReservationStatus::Rejected) {
            if let Some(a) = &u.worker_activity_sid {
                workers::set_activity_in(tx, app, &r.worker_sid, a, workers::Pending::Keep, true)?;
            }
        }
        get(tx, ws, scope, sid)
    })
}

fn illegal(r: &Reservation, to: ReservationStatus) -> Error {
    Error::illegal(format!(
        "Reservation {} cannot move from {} to {}",
        r.sid, r.status, to
    ))
}

/// Accepts: the task is assigned to the worker; the task's other pending reservations are
/// rescinded.
pub(crate) fn accept_in(conn: &Connection, app: &Core, r: &Reservation) -> Result<()> {
    if !r.status.can_become(ReservationStatus::Accepted) {
        return Err(illegal(r, ReservationStatus::Accepted));
    }
    let now = app.now_ms();
    let mut t =
        task_db::find(conn, &r.task_sid)?.ok_or_else(|| Error::not_found("Task", &r.task_sid))?;
    db::set_status(conn, &r.sid, ReservationStatus::Accepted, now)?;
    timers::cancel(conn, TimerKind::ReservationTimeout, &r.sid)?;
    t.assignment_status = TaskStatus::Assigned;
    t.updated_at = now;
    task_db::set_status(conn, &t.sid, TaskStatus::Assigned, now)?;
    let accepted = Reservation {
        status: ReservationStatus::Accepted,
        updated_at: now,
        ..r.clone()
    };
    assign::reservation_event(conn, app, EventType::ReservationAccepted, &accepted, &t)?;
    let mut freed = Vec::new();
    for other in db::of_task(conn, &t.sid)? {
        if other.sid != r.sid && other.status == ReservationStatus::Pending {
            assign::release(
                conn,
                app,
                &other,
                ReservationStatus::Rescinded,
                EventType::ReservationRescinded,
                &t,
            )?;
            freed.push(other.worker_sid);
        }
    }
    if let Some(q) = t.queue_sid.as_deref() {
        if let Some(act) =
            queues::find(conn, &t.workspace_sid, q)?.and_then(|q| q.assignment_activity_sid)
        {
            workers::set_activity_in(conn, app, &r.worker_sid, &act, workers::Pending::Keep, true)?;
        }
    }
    let mut plans = Plans::default();
    for w in freed {
        assign::offer_worker(conn, app, &mut plans, &w)?;
    }
    Ok(())
}

/// Rejects: the task goes back to waiting (never offered to this worker again) and the worker
/// may move to another activity.
pub(crate) fn reject_in(
    conn: &Connection,
    app: &Core,
    r: &Reservation,
    activity: Option<&str>,
) -> Result<()> {
    if !r.status.can_become(ReservationStatus::Rejected) {
        return Err(illegal(r, ReservationStatus::Rejected));
    }
    end_pending(
        conn,
        app,
        r,
        ReservationStatus::Rejected,
        EventType::ReservationRejected,
        activity,
    )
}

/// Ends a pending reservation as rejected or timed out: capacity released, the worker's activity
/// changed if asked, the task re-queued and offered again, the worker offered other work.
fn end_pending(
    conn: &Connection,
    app: &Core,
    r: &Reservation,
    to: ReservationStatus,
    kind: EventType,
    activity: Option<&str>,
) -> Result<()> {
    let mut t =
        task_db::find(conn, &r.task_sid)?.ok_or_else(|| Error::not_found("Task", &r.task_sid))?;
    assign::release(conn, app, r, to, kind, &t)?;
    if let Some(a) = activity {
        workers::set_activity_in(conn, app, &r.worker_sid, a, workers::Pending::Reject, false)?;
    }
    let mut plans = Plans::default();
    if t.assignment_status == TaskStatus::Reserved
        && !db::of_task(conn, &t.sid)?
            .iter()
            .any(|x| x.status == ReservationStatus::Pending)
    {
        let now = app.now_ms();
        t.assignment_status = TaskStatus::Pending;
        t.updated_at = now;
        task_db::set_status(conn, &t.sid, TaskStatus::Pending, now)?;
        assign::route_task(conn, app, &mut plans, &mut t)?;
    }
    assign::offer_worker(conn, app, &mut plans, &r.worker_sid)
}

/// The `ReservationTimeout` timer: the worker did not answer in time. The reservation times out,
/// the worker moves to the workspace's timeout activity, and the task is offered again.
pub(crate) fn timed_out(app: &Core, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        let Some(r) = db::find(tx, sid)? else {
            return Ok(());
        };
        if !r.status.can_become(ReservationStatus::Timeout) {
            return Ok(());
        }
        let timeout_activity =
            workspaces::find(tx, &r.workspace_sid)?.and_then(|w| w.timeout_activity_sid);
        end_pending(
            tx,
            app,
            &r,
            ReservationStatus::Timeout,
            EventType::ReservationTimeout,
            timeout_activity.as_deref(),
        )
    })
}
