//! TaskRouter: workspaces, activities, task channels, workers, queues, workflows, tasks and
//! reservations, and the matching that hands tasks to workers.
//!
//! - `expr`, `workflow_config`: pure — the expression language and the workflow configuration.
//! - `states`: the task and reservation life cycles.
//! - `workspaces`, `workers`, `queues`, `workflows`, `tasks`, `reservations`: one file per
//!   resource; each change runs in one `Store::write` transaction with its events.
//! - `routes` (workflow filters and targets), `assign` (matching tasks with free workers).
//! - `automation` (auto-accept, auto-wrap-up, the activity following the task; timers).
//! - `channel_rules` (capacity rules across channels, kept in the workers' `free` flags).
//! - `dispositions` (wrap-up codes per queue, checked on the API's wrap-up and completion).
//! - `floor` (the supervisor's floor: agents, queues, live tasks in one read), `history` (one
//!   row per task kept from its events for reports, written by `payload::emit`).
//! - `stats`, `callbacks` (event_callback_url delivery on its own thread), `assignment_callbacks`
//!   (a workflow's assignment_callback_url and the instruction it answers), `seed` (defaults).
//!
//! Nothing here speaks HTTP; SQL is in `store::taskrouter`.

pub mod assign;
pub mod assignment_callbacks;
pub mod automation;
pub mod callbacks;
pub mod channel_rules;
pub mod dispositions;
pub mod error;
pub mod expr;
pub mod floor;
pub mod history;
pub mod payload;
pub mod queues;
pub mod repair;
pub mod reports;
pub mod reservations;
pub mod routes;
pub mod seed;
pub mod states;
pub mod stats;
pub mod task_list;
pub mod tasks;
pub mod workers;
pub mod workflow_config;
pub mod workflows;
pub mod workspaces;

pub use error::{Error, ErrorKind, Result};

use crate::core::Core;
use crate::timers::TimerKind;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Start-up: seeds the default workspace, registers the timer handlers (reservation timeout,
/// task TTL, workflow target timeout) and starts the event-callback delivery thread.
pub fn start(
    app: &Arc<Core>,
    stop: crossbeam_channel::Receiver<()>,
) -> std::result::Result<Vec<JoinHandle<()>>, String> {
    seed::ensure_defaults(app).map_err(|e| format!("cannot seed the TaskRouter defaults: {e}"))?;
    app.timers
        .register(TimerKind::ReservationTimeout, |app, t| {
            reservations::timed_out(app, &t.target).map_err(|e| e.to_string())
        });
    app.timers.register(TimerKind::TaskTtl, |app, t| {
        tasks::ttl_passed(app, &t.target).map_err(|e| e.to_string())
    });
    app.timers
        .register(TimerKind::WorkflowTargetTimeout, |app, t| {
            routes::target_timed_out(app, &t.target, &t.data).map_err(|e| e.to_string())
        });
    app.timers.register(TimerKind::AutoAccept, |app, t| {
        automation::auto_accept(app, &t.target).map_err(|e| e.to_string())
    });
    app.timers.register(TimerKind::AutoWrapup, |app, t| {
        automation::auto_wrapup(app, &t.target).map_err(|e| e.to_string())
    });
    let delivery = callbacks::start(app.clone(), stop.clone())?;
    let assignment = assignment_callbacks::start(app.clone(), stop)?;
    Ok(vec![delivery, assignment])
}
