//! Assignment: matching waiting tasks with free workers, inside the caller's write transaction.
//!
//! Two entry points, one per event that can make a match possible:
//! - `route_task`: a task became pending in a queue (created, re-queued, escalated). It walks the
//!   workers free on the task's channel, longest idle first (an index range over
//!   `tr_worker_channels` where `free = 1`), and reserves the first `max_reserved_workers` that
//!   the queue's `target_workers` and the workflow target accept (or sorts them by `order_by`).
//! - `offer_worker`: a worker became free (available activity, capacity released). For each queue
//!   whose `target_workers` accepts it and each channel it is free on, it reads the head of the
//!   queue (`tr_tasks_waiting`: priority, then age or LIFO) and reserves the best task; repeated
//!   while the worker has capacity.
//!
//! Neither reads the whole backlog nor every worker: cost follows the free workers and the heads
//! of the eligible queues. Both run in one transaction with the change that triggered them, so
//! no task is reserved twice and no worker exceeds its capacity.

use super::payload::{self, emit};
use super::states::{ReservationStatus, TaskStatus};
use super::workflow_config::{self, Target, WorkflowConfig};
use super::{expr, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::ids::{new_sid, Prefix};
use crate::store::taskrouter::{
    queues::{self, TaskQueue},
    reservations::{self, Reservation},
    tasks::{self, Task},
    workers::{self, Candidate},
    workflows::{self, Workflow},
    workspaces,
};
use crate::timers::{self, TimerKind};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::rc::Rc;

/// How many waiting tasks of one queue a newly free worker looks at before giving up on it
/// (only tasks whose workflow target refuses this worker are skipped over).
const HEAD_SCAN: i64 = 500;

type QueuePlan = Rc<(TaskQueue, expr::Expr)>;
type WorkflowPlan = Rc<(Workflow, WorkflowConfig)>;

/// Parsed workflows and queues, cached for one operation.
#[derive(Default)]
pub(crate) struct Plans {
    workflows: HashMap<String, Option<Rc<(Workflow, WorkflowConfig)>>>,
    queues: HashMap<String, Option<Rc<(TaskQueue, expr::Expr)>>>,
}

impl Plans {
    pub fn workflow(
        &mut self,
        conn: &Connection,
        ws: &str,
        sid: &str,
    ) -> Result<Option<Rc<(Workflow, WorkflowConfig)>>> {
        if let Some(w) = self.workflows.get(sid) {
            return Ok(w.clone());
        }
        let loaded = match workflows::find(conn, ws, sid)? {
            Some(wf) => match workflow_config::parse(&wf.configuration) {
                Ok(cfg) => Some(Rc::new((wf, cfg))),
                Err(e) => {
                    log::warn!("workflow {sid} has an invalid stored configuration: {e:?}");
                    None
                }
            },
            None => None,
        };
        self.workflows.insert(sid.to_string(), loaded.clone());
        Ok(loaded)
    }

    pub fn queue(
        &mut self,
        conn: &Connection,
        ws: &str,
        sid: &str,
    ) -> Result<Option<Rc<(TaskQueue, expr::Expr)>>> {
        if let Some(q) = self.queues.get(sid) {
            return Ok(q.clone());
        }
        let loaded = match queues::find(conn, ws, sid)? {
            Some(q) => expr::parse(&q.target_workers).ok().map(|e| Rc::new((q, e))),
            None => None,
        };
        self.queues.insert(sid.to_string(), loaded.clone());
        Ok(loaded)
    }
}

/// The workflow target a task is currently routed by.
pub(crate) fn target_of<'c>(cfg: &'c WorkflowConfig, t: &Task) -> Option<&'c Target> {
    let ti = t.target_index? as usize;
    match t.filter_index {
        Some(fi) => cfg.filters.get(fi as usize)?.targets.get(ti),
        None => cfg.default_filter.as_ref().filter(|_| ti == 0),
    }
}

fn worker_scope_eval(e: &expr::Expr, worker_attrs: &Value) -> bool {
    e.eval(&expr::Scope {
        task: None,
        worker: Some(worker_attrs),
        default: expr::Root::Worker,
    })
}

/// Whether the worker may take the task under its queue and target (not counting capacity).
fn accepts(queue_expr: &expr::Expr, target: Option<&Target>, t: &Task, c: &Candidate) -> bool {
    if !worker_scope_eval(queue_expr, &c.attributes) {
        return false;
    }
    let Some(target) = target else { return true };
    if target.known_worker_sid.is_some()
        && target.resolve_known_worker_sid(&t.attributes).as_deref() != Some(c.sid.as_str())
    {
        return false;
    }
    if target.known_worker_friendly_name.is_some()
        && target
            .resolve_known_worker_friendly_name(&t.attributes)
            .as_deref()
            != Some(c.friendly_name.as_str())
    {
        return false;
    }
    target.accepts_worker(&t.attributes, &c.attributes)
}

/// Tries to reserve workers for a pending task in its current queue.
pub(crate) fn route_task(
    conn: &Connection,
    app: &Core,
    plans: &mut Plans,
    t: &mut Task,
) -> Result<()> {
    if t.assignment_status != TaskStatus::Pending {
        return Ok(());
    }
    let (Some(qsid), Some(wsid)) = (t.queue_sid.clone(), t.workflow_sid.clone()) else {
        return Ok(());
    };
    let Some(q) = plans.queue(conn, &t.workspace_sid, &qsid)? else {
        return Ok(());
    };
    let Some(wf) = plans.workflow(conn, &t.workspace_sid, &wsid)? else {
        return Ok(());
    };
    let target = target_of(&wf.1, t);
    let want = q.0.max_reserved_workers.max(1) as usize;
    let sorted = target.is_some_and(|tg| !tg.order_by.is_empty());
    let mut pool: Vec<Candidate> = Vec::new();
    let mut failure = None;
    workers::for_each_free(conn, &t.task_channel_sid, |c| {
        if !accepts(&q.1, target, t, &c) {
            return ControlFlow::Continue(());
        }
        match reservations::worker_tried(conn, &t.sid, &c.sid) {
            Ok(true) => return ControlFlow::Continue(()),
            Ok(false) => {}
            Err(e) => {
                failure = Some(e);
                return ControlFlow::Break(());
            }
        }
        pool.push(c);
        if !sorted && pool.len() >= want {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    if let Some(tg) = target.filter(|_| sorted) {
        pool.sort_by(|a, b| {
            expr::compare_workers(&tg.order_by, &a.attributes, &b.attributes)
                .then(a.idle_since.cmp(&b.idle_since))
        });
    }
    for c in pool.into_iter().take(want) {
        reserve(conn, app, t, &c.sid, &q.0, &wf.0)?;
    }
    Ok(())
}

/// Offers waiting tasks to a worker while it has free capacity.
pub(crate) fn offer_worker(
    conn: &Connection,
    app: &Core,
    plans: &mut Plans,
    worker_sid: &str,
) -> Result<()> {
    let Some(w) = workers::find(conn, worker_sid)? else {
        return Ok(());
    };
    if !w.available {
        return Ok(());
    }
    let me = Candidate {
        sid: w.sid.clone(),
        friendly_name: w.friendly_name.clone(),
        attributes: w.attributes.clone(),
        idle_since: 0,
    };
    let mut eligible = Vec::new();
    for q in queues::all(conn, &w.workspace_sid)? {
        if let Some(p) = plans.queue(conn, &w.workspace_sid, &q.sid)? {
            if worker_scope_eval(&p.1, &w.attributes) {
                eligible.push(p);
            }
        }
    }
    if eligible.is_empty() {
        return Ok(());
    }
    for _ in 0..1000 {
        let free: Vec<String> = workers::channels_of(conn, worker_sid)?
            .into_iter()
            .filter(|c| c.free)
            .map(|c| c.task_channel_sid)
            .collect();
        if free.is_empty() {
            return Ok(());
        }
        let mut best: Option<(Task, QueuePlan, WorkflowPlan)> = None;
        for q in &eligible {
            for ch in &free {
                let mut found = None;
                let mut failure = None;
                tasks::for_each_waiting(conn, &q.0.sid, ch, HEAD_SCAN, |t| {
                    let Some(wsid) = t.workflow_sid.clone() else {
                        return ControlFlow::Continue(());
                    };
                    let wf = match plans.workflow(conn, &t.workspace_sid, &wsid) {
                        Ok(Some(wf)) => wf,
                        Ok(None) => return ControlFlow::Continue(()),
                        Err(e) => {
                            failure = Some(e);
                            return ControlFlow::Break(());
                        }
                    };
                    let target = target_of(&wf.1, &t);
                    if !accepts(&q.1, target, &t, &me) {
                        return ControlFlow::Continue(());
                    }
                    match reservations::worker_tried(conn, &t.sid, &me.sid) {
                        Ok(true) => ControlFlow::Continue(()),
                        Ok(false) => {
                            found = Some((t, wf));
                            ControlFlow::Break(())
                        }
                        Err(e) => {
                            failure = Some(e.into());
                            ControlFlow::Break(())
                        }
                    }
                })?;
                if let Some(e) = failure {
                    return Err(e);
                }
                if let Some((t, wf)) = found {
                    let better = match &best {
                        None => true,
                        Some((b, _, _)) => {
                            (t.route_priority, -t.queue_entered_at.unwrap_or(0))
                                > (b.route_priority, -b.queue_entered_at.unwrap_or(0))
                        }
                    };
                    if better {
                        best = Some((t, q.clone(), wf));
                    }
                }
            }
        }
        let Some((mut t, q, wf)) = best else {
            return Ok(());
        };
        reserve(conn, app, &mut t, worker_sid, &q.0, &wf.0)?;
    }
    Ok(())
}

/// Offers waiting tasks to every worker of the workspace that is free (after a queue changes).
pub(crate) fn offer_all_free(conn: &Connection, app: &Core, ws: &str) -> Result<()> {
    let mut plans = Plans::default();
    for w in workers::free_worker_sids(conn, ws)? {
        offer_worker(conn, app, &mut plans, &w)?;
    }
    Ok(())
}

fn multi_task(conn: &Connection, ws: &str) -> Result<bool> {
    Ok(workspaces::find(conn, ws)?.is_none_or(|w| w.multi_task_enabled))
}

/// Creates a pending reservation of `t` for the worker.
pub(crate) fn reserve(
    conn: &Connection,
    app: &Core,
    t: &mut Task,
    worker_sid: &str,
    q: &TaskQueue,
    wf: &Workflow,
) -> Result<()> {
    let now = app.now_ms();
    let r = Reservation {
        sid: new_sid(Prefix::Reservation),
        workspace_sid: t.workspace_sid.clone(),
        task_sid: t.sid.clone(),
        worker_sid: worker_sid.to_string(),
        worker_name: String::new(),
        task_channel_sid: t.task_channel_sid.clone(),
        status: ReservationStatus::Pending,
        timeout: wf.task_reservation_timeout,
        created_at: now,
        updated_at: now,
    };
    reservations::insert(conn, &r)?;
    if t.assignment_status == TaskStatus::Pending {
        t.assignment_status = TaskStatus::Reserved;
        t.updated_at = now;
        tasks::set_status(conn, &t.sid, TaskStatus::Reserved, now)?;
    }
    workers::add_active(conn, worker_sid, &t.task_channel_sid, 1)?;
    workers::touch_idle(conn, worker_sid, Some(&t.task_channel_sid), now)?;
    let multi = multi_task(conn, &t.workspace_sid)?;
    workers::refresh_free(conn, worker_sid, true, multi)?;
    timers::schedule(
        conn,
        TimerKind::ReservationTimeout,
        &r.sid,
        now + r.timeout * 1000,
        &json!({}),
    )?;
    super::automation::reservation_created(conn, &t.workspace_sid, &q.sid, &r.sid, now)?;
    let Some(w) = workers::find(conn, worker_sid)? else {
        return Ok(());
    };
    let mut d = payload::task(t, now);
    payload::worker(&mut d, &w);
    payload::reservation(
        &mut d,
        &Reservation {
            worker_name: w.friendly_name.clone(),
            ..r.clone()
        },
    );
    d.insert("TaskQueueSid".into(), json!(q.sid));
    d.insert("TaskQueueName".into(), json!(q.friendly_name));
    emit(
        conn,
        app,
        EventType::ReservationCreated,
        &t.workspace_sid,
        "reservation",
        &r.sid,
        format!(
            "Reservation {} created for worker {}",
            r.sid, w.friendly_name
        ),
        d,
    )?;
    if let Some(act) = &q.reservation_activity_sid {
        super::workers::set_activity_in(
            conn,
            app,
            &w.sid,
            act,
            super::workers::Pending::Keep,
            false,
        )?;
    }
    Ok(())
}

/// Ends a reservation that held capacity (`to` is not pending/accepted/wrapping), emitting `kind`.
/// The worker's capacity is released; offering it new work is the caller's job.
pub(crate) fn release(
    conn: &Connection,
    app: &Core,
    r: &Reservation,
    to: ReservationStatus,
    kind: EventType,
    t: &Task,
) -> Result<()> {
    let now = app.now_ms();
    reservations::set_status(conn, &r.sid, to, now)?;
    if r.status == ReservationStatus::Pending {
        timers::cancel(conn, TimerKind::ReservationTimeout, &r.sid)?;
    }
    if r.status.holds_capacity() && !to.holds_capacity() {
        workers::add_active(conn, &r.worker_sid, &r.task_channel_sid, -1)?;
        let w = workers::find(conn, &r.worker_sid)?;
        let multi = multi_task(conn, &r.workspace_sid)?;
        workers::refresh_free(
            conn,
            &r.worker_sid,
            w.as_ref().is_some_and(|w| w.available),
            multi,
        )?;
    }
    reservation_event(
        conn,
        app,
        kind,
        &Reservation {
            status: to,
            updated_at: now,
            ..r.clone()
        },
        t,
    )
}

/// Emits a reservation event with the task's and worker's fields.
pub(crate) fn reservation_event(
    conn: &Connection,
    app: &Core,
    kind: EventType,
    r: &Reservation,
    t: &Task,
) -> Result<()> {
    let now = app.now_ms();
    let mut d = payload::task(t, now);
    if let Some(w) = workers::find(conn, &r.worker_sid)? {
        payload::worker(&mut d, &w);
    }
    payload::reservation(&mut d, r);
    emit(
        conn,
        app,
        kind,
        &r.workspace_sid,
        "reservation",
        &r.sid,
        format!("Reservation {} {}", r.sid, r.status),
        d,
    )
}
