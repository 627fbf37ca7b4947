//! The workspace's "Transfers" workflow, which a messaging transfer routes through unless its
//! `Routing.properties.workflow_sid` names another: per queue, a filter to the queue
//! (`transferTargetType == "queue"`) and one to a known worker in it (`"worker"`), the first
//! queue as the default. switchboard creates it on the first transfer and rewrites it when the
//! workspace's queues have changed since (a transfer to a new queue finds its filter).

use super::transfers::TRANSFER_WORKFLOW;
use super::{Error, Result};
use crate::core::Core;
use crate::routing::workflows::{self as wf, WorkflowParams};
use crate::store::taskrouter::queues;
use rusqlite::Transaction;
use serde_json::json;

/// The workspace's "Transfers" workflow, created or brought up to date with its queues.
pub(super) fn ensure(tx: &Transaction, app: &Core, ws: &str) -> Result<String> {
    let all = queues::list(
        tx,
        ws,
        None,
        crate::store::Window {
            offset: 0,
            limit: 1000,
        },
    )?;
    let Some(first) = all.items.first() else {
        return Err(Error::invalid("To", "the workspace has no queue"));
    };
    let mut filters = Vec::new();
    for q in &all.items {
        filters.push(json!({
            "filter_friendly_name": format!("to {}", q.friendly_name),
            "expression": format!("transferTargetType == \"queue\" AND transferTargetSid == \"{}\"", q.sid),
            "targets": [{"queue": q.sid}],
        }));
        filters.push(json!({
            "filter_friendly_name": format!("to a worker in {}", q.friendly_name),
            "expression": format!("transferTargetType == \"worker\" AND transferQueueSid == \"{}\"", q.sid),
            "targets": [{"queue": q.sid, "known_worker_sid": "task.transferTargetSid"}],
        }));
    }
    keep(tx, app, ws, TRANSFER_WORKFLOW, filters, &first.sid)
}

/// The workspace's workflow `name` with `filters` and `default_queue`: created, brought up to
/// date, or left as it is when it already says that (its SID). The Transfers and the Outbound
/// workflows are both kept this way.
pub(super) fn keep(
    tx: &Transaction,
    app: &Core,
    ws: &str,
    name: &str,
    filters: Vec<serde_json::Value>,
    default_queue: &str,
) -> Result<String> {
    let config =
        json!({"task_routing": {"filters": filters, "default_filter": {"queue": default_queue}}})
            .to_string();
    let routing_err = |e: crate::routing::Error| Error::Integration(format!("TaskRouter: {e}"));
    match crate::store::taskrouter::workflows::find_by_name(tx, ws, name)? {
        Some(w) if w.configuration == config => Ok(w.sid),
        Some(w) => Ok(wf::update_in(
            tx,
            app,
            ws,
            &w.sid,
            WorkflowParams {
                configuration: Some(config),
                ..Default::default()
            },
        )
        .map_err(routing_err)?
        .sid),
        None => Ok(wf::create_in(
            tx,
            ws,
            WorkflowParams {
                friendly_name: Some(name.into()),
                configuration: Some(config),
                ..Default::default()
            },
            app.now_ms(),
        )
        .map_err(routing_err)?
        .sid),
    }
}
