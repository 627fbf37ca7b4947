//! Workflows: the configuration is validated at save time (every expression parsed, every
//! queue present in the workspace); routing itself is in `routes`.
//! https://www.twilio.com/docs/taskrouter/api/workflow

use super::{workflow_config, Error, Result};
use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::taskrouter::{queues, workflows as db};
use rusqlite::Connection;

pub use crate::store::taskrouter::workflows::Workflow;

/// The seeded default workflow's name.
pub const DEFAULT_NAME: &str = "Assign to Anyone";

/// The default workspace's "Assign to Anyone" workflow.
pub fn default_sid(conn: &Connection, workspace_sid: &str) -> Result<Option<String>> {
    Ok(db::find_by_name(conn, workspace_sid, DEFAULT_NAME)?.map(|w| w.sid))
}

pub fn get(conn: &Connection, ws: &str, sid: &str) -> Result<Workflow> {
    db::find(conn, ws, sid)?.ok_or_else(|| Error::not_found("Workflow", sid))
}

#[derive(Debug, Clone, Default)]
pub struct WorkflowParams {
    pub friendly_name: Option<String>,
    pub configuration: Option<String>,
    pub assignment_callback_url: Option<String>,
    pub fallback_assignment_callback_url: Option<String>,
    pub task_reservation_timeout: Option<i64>,
    /// On update: route the workflow's pending tasks again under the new configuration.
    pub re_evaluate_tasks: bool,
}

/// Validates a configuration: all problems at once, in one 400 naming `Configuration`.
fn check_configuration(conn: &Connection, ws: &str, src: &str) -> Result<()> {
    let cfg = workflow_config::parse(src).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        Error::invalid("Configuration", list.join("; "))
    })?;
    for q in cfg.queue_sids() {
        if queues::find(conn, ws, q)?.is_none() {
            return Err(Error::invalid(
                "Configuration",
                format!("queue {q} does not exist in workspace {ws}"),
            ));
        }
    }
    Ok(())
}

fn apply(conn: &Connection, w: &mut Workflow, p: WorkflowParams) -> Result<()> {
    if let Some(n) = p.friendly_name {
        if n.trim().is_empty() {
            return Err(Error::invalid("FriendlyName", "must not be empty"));
        }
        w.friendly_name = n;
    }
    if let Some(c) = p.configuration {
        check_configuration(conn, &w.workspace_sid, &c)?;
        w.configuration = c;
    }
    for (param, value, slot) in [
        (
            "AssignmentCallbackUrl",
            p.assignment_callback_url,
            &mut w.assignment_callback_url,
        ),
        (
            "FallbackAssignmentCallbackUrl",
            p.fallback_assignment_callback_url,
            &mut w.fallback_assignment_callback_url,
        ),
    ] {
        if let Some(u) = value {
            if !(u.is_empty() || u.starts_with("http://") || u.starts_with("https://")) {
                return Err(Error::invalid(param, "must be an http(s) URL"));
            }
            *slot = Some(u).filter(|u| !u.is_empty());
        }
    }
    if let Some(t) = p.task_reservation_timeout {
        if !(1..=86_400).contains(&t) {
            return Err(Error::invalid(
                "TaskReservationTimeout",
                "must be from 1 to 86400 seconds",
            ));
        }
        w.task_reservation_timeout = t;
    }
    Ok(())
}

pub fn create_in(conn: &Connection, ws: &str, p: WorkflowParams, now: i64) -> Result<Workflow> {
    super::workspaces::get(conn, ws)?;
    if p.friendly_name
        .as_deref()
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(Error::invalid("FriendlyName", "is required"));
    }
    if p.configuration.is_none() {
        return Err(Error::invalid("Configuration", "is required"));
    }
    let mut w = Workflow {
        sid: new_sid(Prefix::Workflow),
        workspace_sid: ws.to_string(),
        friendly_name: String::new(),
        configuration: String::new(),
        assignment_callback_url: None,
        fallback_assignment_callback_url: None,
        task_reservation_timeout: 120,
        created_at: now,
        updated_at: now,
    };
    apply(conn, &mut w, p)?;
    db::insert(conn, &w)?;
    Ok(w)
}

pub fn create(app: &Core, ws: &str, p: WorkflowParams) -> Result<Workflow> {
    app.store.write(|tx| create_in(tx, ws, p, app.now_ms()))
}

pub fn update(app: &Core, ws: &str, sid: &str, p: WorkflowParams) -> Result<Workflow> {
    app.store.write(|tx| update_in(tx, app, ws, sid, p))
}

/// `update` inside the caller's transaction.
pub fn update_in(
    tx: &Connection,
    app: &Core,
    ws: &str,
    sid: &str,
    p: WorkflowParams,
) -> Result<Workflow> {
    let re_evaluate = p.re_evaluate_tasks;
    {
        let mut w = get(tx, ws, sid)?;
        apply(tx, &mut w, p)?;
        w.updated_at = app.now_ms();
        db::update(tx, &w)?;
        if re_evaluate {
            let filter = crate::store::taskrouter::tasks::TaskFilter {
                statuses: vec!["pending".into()],
                workflow_sid: Some(w.sid.clone()),
                ..Default::default()
            };
            let mut plans = super::assign::Plans::default();
            for mut t in crate::store::taskrouter::tasks::list(tx, ws, &filter, None)?.items {
                super::routes::enter_workflow(tx, app, &mut plans, &mut t)?;
            }
        }
        Ok(w)
    }
}

pub fn delete(app: &Core, ws: &str, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        get(tx, ws, sid)?;
        if db::live_tasks(tx, sid)? > 0 {
            return Err(Error::conflict(format!(
                "Workflow {sid} still routes live tasks"
            )));
        }
        Ok(db::delete(tx, sid)?)
    })
}
