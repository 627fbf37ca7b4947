//! Moving a task through its workflow: choosing the filter, walking targets (`skip_if`,
//! `timeout` escalation, the default filter last), entering the target's queue.
//! https://www.twilio.com/docs/taskrouter/workflow-configuration

use super::assign::{self, Plans};
use super::payload::{self, emit};
use super::states::TaskStatus;
use super::workflow_config::WorkflowConfig;
use super::{expr, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::store::taskrouter::{
    tasks::{self, Task},
    workers,
    workflows::Workflow,
};
use crate::timers::{self, TimerKind};
use rusqlite::Connection;
use serde_json::json;

/// A monotonic-enough key for queue order: real microseconds since the epoch (an order, not a
/// time, so it does not follow a moved clock).
fn now_us() -> i64 {
    crate::clock::wall_us()
}

/// Routes a task from the start of its workflow (on creation, or when its attributes change).
pub(crate) fn enter_workflow(
    conn: &Connection,
    app: &Core,
    plans: &mut Plans,
    t: &mut Task,
) -> Result<()> {
    let Some(wsid) = t.workflow_sid.clone() else {
        return Ok(());
    };
    let Some(wf) = plans.workflow(conn, &t.workspace_sid, &wsid)? else {
        return Ok(());
    };
    let now = app.now_ms();
    let mut d = payload::task(t, now);
    d.insert("WorkflowName".into(), json!(wf.0.friendly_name));
    emit(
        conn,
        app,
        EventType::WorkflowEntered,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} entered workflow {}", t.sid, wf.0.friendly_name),
        d,
    )?;
    // A filter may test business hours (`schedules.NAME.open == true`): the schedules' states
    // now join the attributes it is evaluated against (a task's own `schedules` attribute wins).
    let wanted = schedules_of(&wf.1);
    let with_hours = (!wanted.is_empty())
        .then(|| -> Result<Option<serde_json::Value>> {
            let mut attrs = t.attributes.clone();
            match attrs.as_object_mut() {
                Some(o) if !o.contains_key("schedules") => {
                    let w = crate::schedules::Wanted::Named(wanted.clone());
                    let states = crate::schedules::states_of(conn, now, &w)?;
                    o.insert("schedules".into(), serde_json::Value::Object(states));
                    Ok(Some(attrs))
                }
                _ => Ok(None),
            }
        })
        .transpose()?
        .flatten();
    let attrs = with_hours.as_ref().unwrap_or(&t.attributes);
    let filter = wf.1.filters.iter().position(|f| f.matches(attrs));
    go_to_target(conn, app, plans, t, &wf.0, &wf.1, filter, 0)
}

/// The schedules the workflow's filter expressions name (`schedules.NAME.…`, business hours).
fn schedules_of(cfg: &WorkflowConfig) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for f in &cfg.filters {
        for (root, path) in f.expression.referenced_paths() {
            if root == Some(expr::Root::Worker)
                || path.first().map(String::as_str) != Some("schedules")
            {
                continue;
            }
            if let Some(n) = path.get(1).filter(|n| !names.contains(n)) {
                names.push(n.clone());
            }
        }
    }
    names
}

/// Sends the task to target `ti` of filter `fi` (`None`: the default filter), skipping targets
/// whose `skip_if` holds and falling back to the default filter when the filter's targets run out.
#[allow(clippy::too_many_arguments)]
pub(crate) fn go_to_target(
    conn: &Connection,
    app: &Core,
    plans: &mut Plans,
    t: &mut Task,
    wf: &Workflow,
    cfg: &WorkflowConfig,
    mut fi: Option<usize>,
    mut ti: usize,
) -> Result<()> {
    let now = app.now_ms();
    let chosen = loop {
        let targets: &[_] = match fi {
            Some(i) => &cfg.filters[i].targets,
            None => cfg.default_filter.as_slice(),
        };
        let Some(target) = targets.get(ti) else {
            if fi.is_some() && cfg.default_filter.is_some() {
                fi = None;
                ti = 0;
                continue;
            }
            break None;
        };
        let Some(q) = plans.queue(conn, &t.workspace_sid, &target.queue_sid)? else {
            ti += 1;
            continue;
        };
        if let Some(skip) = &target.skip_if {
            let (mut count, mut available) = (0u64, 0u64);
            for (_, attrs, avail) in workers::all_attributes(conn, &t.workspace_sid)? {
                let scope = expr::Scope {
                    task: Some(&t.attributes),
                    worker: Some(&attrs),
                    default: expr::Root::Worker,
                };
                if q.1.eval(&scope) && target.expression.as_ref().is_none_or(|e| e.eval(&scope)) {
                    count += 1;
                    available += avail as u64;
                }
            }
            if skip.should_skip(available, count) {
                let mut d = payload::task(t, now);
                d.insert("TaskQueueSid".into(), json!(q.0.sid));
                d.insert("WorkflowName".into(), json!(wf.friendly_name));
                d.insert("TargetIndex".into(), json!(ti));
                emit(
                    conn,
                    app,
                    EventType::WorkflowSkipped,
                    &t.workspace_sid,
                    "task",
                    &t.sid,
                    format!("Task {} skipped target {ti} ({})", t.sid, skip.source()),
                    d,
                )?;
                ti += 1;
                continue;
            }
        }
        break Some((target.clone(), q));
    };
    let Some((target, q)) = chosen else {
        timers::cancel(conn, TimerKind::WorkflowTargetTimeout, &t.sid)?;
        return Ok(());
    };
    let previous = t.queue_sid.clone();
    t.queue_sid = Some(q.0.sid.clone());
    t.filter_index = fi.map(|i| i as i64);
    t.target_index = Some(ti as i64);
    t.route_priority = target.priority.unwrap_or(t.priority);
    t.queue_entered_at = Some(now);
    // Its place in the queue: when it entered, or its VirtualStartTime when one was set (a
    // callback keeps the original call's place); negated for LIFO queues.
    let start = match t.virtual_start_time {
        Some(v) => v * 1000,
        None => now_us(),
    };
    t.order_key = if q.0.task_order == "LIFO" {
        -start
    } else {
        start
    };
    t.updated_at = now;
    tasks::update(conn, t)?;
    let filter_name = fi
        .map(|i| cfg.filters[i].name.clone())
        .unwrap_or_else(|| "Default Filter".into());
    let mut d = payload::task(t, now);
    d.insert("TaskQueueName".into(), json!(q.0.friendly_name));
    d.insert(
        "TaskQueueTargetExpression".into(),
        json!(q.0.target_workers),
    );
    d.insert("WorkflowName".into(), json!(wf.friendly_name));
    d.insert("WorkflowFilterName".into(), json!(filter_name));
    d.insert("WorkflowFilterTargetIndex".into(), json!(ti));
    if let Some(e) = &target.expression {
        d.insert("WorkflowFilterTargetExpression".into(), json!(e.source()));
    }
    emit(
        conn,
        app,
        EventType::WorkflowTargetMatched,
        &t.workspace_sid,
        "task",
        &t.sid,
        format!("Task {} matched target {ti} of filter {filter_name}", t.sid),
        d.clone(),
    )?;
    match previous.filter(|p| *p != q.0.sid) {
        Some(p) => {
            d.insert("TaskQueueSidPrevious".into(), json!(p));
            emit(
                conn,
                app,
                EventType::TaskQueueMoved,
                &t.workspace_sid,
                "task",
                &t.sid,
                format!("Task {} moved to queue {}", t.sid, q.0.friendly_name),
                d,
            )?;
        }
        None => {
            emit(
                conn,
                app,
                EventType::TaskQueueEntered,
                &t.workspace_sid,
                "task",
                &t.sid,
                format!("Task {} entered queue {}", t.sid, q.0.friendly_name),
                d,
            )?;
        }
    }
    match target.timeout {
        Some(secs) => timers::schedule(
            conn,
            TimerKind::WorkflowTargetTimeout,
            &t.sid,
            now + secs as i64 * 1000,
            &json!({"filter": fi, "target": ti}),
        )?,
        None => timers::cancel(conn, TimerKind::WorkflowTargetTimeout, &t.sid)?,
    }
    assign::route_task(conn, app, plans, t)
}

/// The `WorkflowTargetTimeout` timer: the task waited `timeout` seconds in its target without
/// being assigned, so it escalates to the next one.
pub(crate) fn target_timed_out(app: &Core, task_sid: &str, data: &serde_json::Value) -> Result<()> {
    app.store.write(|tx| {
        let Some(mut t) = tasks::find(tx, task_sid)? else {
            return Ok(());
        };
        if !matches!(
            t.assignment_status,
            TaskStatus::Pending | TaskStatus::Reserved
        ) {
            return Ok(());
        }
        let fi = data["filter"].as_i64();
        let ti = data["target"].as_i64();
        if fi != t.filter_index || ti != t.target_index {
            return Ok(());
        }
        let mut plans = Plans::default();
        let Some(wsid) = t.workflow_sid.clone() else {
            return Ok(());
        };
        let Some(wf) = plans.workflow(tx, &t.workspace_sid, &wsid)? else {
            return Ok(());
        };
        let now = app.now_ms();
        let mut d = payload::task(&t, now);
        d.insert("WorkflowName".into(), json!(wf.0.friendly_name));
        emit(
            tx,
            app,
            EventType::WorkflowTimeout,
            &t.workspace_sid,
            "task",
            &t.sid,
            format!("Task {} timed out of target {}", t.sid, ti.unwrap_or(0)),
            d,
        )?;
        let next = ti.unwrap_or(0) as usize + 1;
        go_to_target(
            tx,
            app,
            &mut plans,
            &mut t,
            &wf.0,
            &wf.1,
            fi.map(|i| i as usize),
            next,
        )
    })
}
