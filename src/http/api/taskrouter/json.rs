//! TaskRouter v1 resources as JSON: snake_case fields as Twilio answers them, ISO 8601 dates,
//! absolute `url` and `links`. https://www.twilio.com/docs/taskrouter/api

use crate::clock::iso8601;
use crate::events::Event;
use crate::http::api::with_urls;
use crate::http::request::Req;
use crate::routing::callbacks::resource_type;
use crate::store::taskrouter::{
    activities::Activity, channels::TaskChannel, queues::TaskQueue, reservations::Reservation,
    tasks::Task, workers::Worker, workers::WorkerChannel, workflows::Workflow,
    workspaces::Workspace,
};
use serde_json::{json, Value};

pub fn ws_path(ws: &str) -> String {
    format!("/v1/Workspaces/{ws}")
}

pub fn workspace(req: &Req, w: &Workspace, names: (Option<String>, Option<String>)) -> Value {
    let base = ws_path(&w.sid);
    let links: Vec<(&str, String)> = [
        ("activities", "Activities"),
        ("task_channels", "TaskChannels"),
        ("task_queues", "TaskQueues"),
        ("tasks", "Tasks"),
        ("workers", "Workers"),
        ("workflows", "Workflows"),
        ("events", "Events"),
        ("statistics", "Statistics"),
        ("real_time_statistics", "RealTimeStatistics"),
        ("cumulative_statistics", "CumulativeStatistics"),
    ]
    .iter()
    .map(|(k, p)| (*k, format!("{base}/{p}")))
    .collect();
    with_urls(
        json!({
            "account_sid": w.account_sid,
            "sid": w.sid,
            "friendly_name": w.friendly_name,
            "event_callback_url": w.event_callback_url,
            "events_filter": w.events_filter,
            "default_activity_sid": w.default_activity_sid,
            "default_activity_name": names.0,
            "timeout_activity_sid": w.timeout_activity_sid,
            "timeout_activity_name": names.1,
            "multi_task_enabled": w.multi_task_enabled,
            "prioritize_queue_order": w.prioritize_queue_order,
            "date_created": iso8601(w.created_at),
            "date_updated": iso8601(w.updated_at),
        }),
        req,
        &base,
        &links,
    )
}

pub fn activity(req: &Req, account: &str, a: &Activity) -> Value {
    let path = format!("{}/Activities/{}", ws_path(&a.workspace_sid), a.sid);
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": a.workspace_sid,
            "sid": a.sid,
            "friendly_name": a.friendly_name,
            "available": a.available,
            "date_created": iso8601(a.created_at),
            "date_updated": iso8601(a.updated_at),
        }),
        req,
        &path,
        &[("workspace", ws_path(&a.workspace_sid))],
    )
}

pub fn channel(req: &Req, account: &str, c: &TaskChannel) -> Value {
    let path = format!("{}/TaskChannels/{}", ws_path(&c.workspace_sid), c.sid);
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": c.workspace_sid,
            "sid": c.sid,
            "unique_name": c.unique_name,
            "friendly_name": c.friendly_name,
            "channel_optimized_routing": c.channel_optimized_routing,
            "date_created": iso8601(c.created_at),
            "date_updated": iso8601(c.updated_at),
        }),
        req,
        &path,
        &[("workspace", ws_path(&c.workspace_sid))],
    )
}

pub fn worker(req: &Req, account: &str, w: &Worker) -> Value {
    let path = format!("{}/Workers/{}", ws_path(&w.workspace_sid), w.sid);
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": w.workspace_sid,
            "sid": w.sid,
            "friendly_name": w.friendly_name,
            "attributes": w.attributes.to_string(),
            "activity_sid": w.activity_sid,
            "activity_name": w.activity_name,
            "available": w.available,
            "date_status_changed": iso8601(w.status_changed_at),
            "date_created": iso8601(w.created_at),
            "date_updated": iso8601(w.updated_at),
        }),
        req,
        &path,
        &[
            ("channels", format!("{path}/Channels")),
            ("reservations", format!("{path}/Reservations")),
            ("statistics", format!("{path}/Statistics")),
            (
                "activity",
                format!(
                    "{}/Activities/{}",
                    ws_path(&w.workspace_sid),
                    w.activity_sid
                ),
            ),
            ("workspace", ws_path(&w.workspace_sid)),
        ],
    )
}

pub fn worker_channel(req: &Req, account: &str, c: &WorkerChannel) -> Value {
    let path = format!(
        "{}/Workers/{}/Channels/{}",
        ws_path(&c.workspace_sid),
        c.worker_sid,
        c.task_channel_sid
    );
    let free = (c.configured_capacity - c.active).max(0);
    let pct = if c.configured_capacity > 0 {
        free * 100 / c.configured_capacity
    } else {
        0
    };
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": c.workspace_sid,
            "worker_sid": c.worker_sid,
            "sid": c.sid,
            "task_channel_sid": c.task_channel_sid,
            "task_channel_unique_name": c.task_channel_unique_name,
            "configured_capacity": c.configured_capacity,
            "assigned_tasks": c.active,
            "available_capacity_percentage": pct,
            "available": c.available,
            "date_created": iso8601(c.created_at),
            "date_updated": iso8601(c.updated_at),
        }),
        req,
        &path,
        &[],
    )
}

pub fn queue(
    req: &Req,
    account: &str,
    q: &TaskQueue,
    names: (Option<String>, Option<String>),
) -> Value {
    let path = format!("{}/TaskQueues/{}", ws_path(&q.workspace_sid), q.sid);
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": q.workspace_sid,
            "sid": q.sid,
            "friendly_name": q.friendly_name,
            "target_workers": q.target_workers,
            "task_order": q.task_order,
            "max_reserved_workers": q.max_reserved_workers,
            "assignment_activity_sid": q.assignment_activity_sid,
            "assignment_activity_name": names.0,
            "reservation_activity_sid": q.reservation_activity_sid,
            "reservation_activity_name": names.1,
            "date_created": iso8601(q.created_at),
            "date_updated": iso8601(q.updated_at),
        }),
        req,
        &path,
        &[
            ("statistics", format!("{path}/Statistics")),
            ("real_time_statistics", format!("{path}/RealTimeStatistics")),
            (
                "cumulative_statistics",
                format!("{path}/CumulativeStatistics"),
            ),
            ("workspace", ws_path(&q.workspace_sid)),
        ],
    )
}

pub fn workflow(req: &Req, account: &str, w: &Workflow) -> Value {
    let path = format!("{}/Workflows/{}", ws_path(&w.workspace_sid), w.sid);
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": w.workspace_sid,
            "sid": w.sid,
            "friendly_name": w.friendly_name,
            "configuration": w.configuration,
            "document_content_type": "application/json",
            "assignment_callback_url": w.assignment_callback_url,
            "fallback_assignment_callback_url": w.fallback_assignment_callback_url,
            "task_reservation_timeout": w.task_reservation_timeout,
            "date_created": iso8601(w.created_at),
            "date_updated": iso8601(w.updated_at),
        }),
        req,
        &path,
        &[
            ("statistics", format!("{path}/Statistics")),
            ("workspace", ws_path(&w.workspace_sid)),
        ],
    )
}

/// A task; `names` are the queue's and the workflow's friendly names when known.
pub fn task(
    req: &Req,
    account: &str,
    t: &Task,
    names: (Option<String>, Option<String>),
    now: i64,
) -> Value {
    let path = format!("{}/Tasks/{}", ws_path(&t.workspace_sid), t.sid);
    let mut links = vec![
        ("reservations", format!("{path}/Reservations")),
        ("workspace", ws_path(&t.workspace_sid)),
    ];
    if let Some(q) = &t.queue_sid {
        links.push((
            "task_queue",
            format!("{}/TaskQueues/{q}", ws_path(&t.workspace_sid)),
        ));
    }
    if let Some(w) = &t.workflow_sid {
        links.push((
            "workflow",
            format!("{}/Workflows/{w}", ws_path(&t.workspace_sid)),
        ));
    }
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": t.workspace_sid,
            "sid": t.sid,
            "age": (now - t.created_at).max(0) / 1000,
            "assignment_status": t.assignment_status.as_str(),
            "attributes": t.attributes.to_string(),
            "addons": "{}",
            "priority": t.priority,
            "reason": t.reason,
            "task_queue_sid": t.queue_sid,
            "task_queue_friendly_name": names.0,
            "task_queue_entered_date": t.queue_entered_at.map(iso8601),
            "task_channel_sid": t.task_channel_sid,
            "task_channel_unique_name": t.task_channel_unique_name,
            "timeout": t.timeout,
            "workflow_sid": t.workflow_sid,
            "workflow_friendly_name": names.1,
            "date_created": iso8601(t.created_at),
            "date_updated": iso8601(t.updated_at),
            "virtual_start_time": iso8601(t.start_time()),
            "ignore_capacity": false,
            "routing_target": null,
        }),
        req,
        &path,
        &links,
    )
}

/// A reservation, addressed under its task (`by_worker = false`) or its worker.
pub fn reservation(req: &Req, account: &str, r: &Reservation, by_worker: bool) -> Value {
    let ws = ws_path(&r.workspace_sid);
    let path = if by_worker {
        format!("{ws}/Workers/{}/Reservations/{}", r.worker_sid, r.sid)
    } else {
        format!("{ws}/Tasks/{}/Reservations/{}", r.task_sid, r.sid)
    };
    with_urls(
        json!({
            "account_sid": account,
            "workspace_sid": r.workspace_sid,
            "sid": r.sid,
            "reservation_status": r.status.as_str(),
            "task_sid": r.task_sid,
            "worker_sid": r.worker_sid,
            "worker_name": r.worker_name,
            "date_created": iso8601(r.created_at),
            "date_updated": iso8601(r.updated_at),
        }),
        req,
        &path,
        &[
            ("task", format!("{ws}/Tasks/{}", r.task_sid)),
            ("worker", format!("{ws}/Workers/{}", r.worker_sid)),
            ("workspace", ws),
        ],
    )
}

pub fn event(req: &Req, e: &Event) -> Value {
    let ws = e.workspace_sid.clone().unwrap_or_default();
    let rtype = resource_type(&e.resource_type);
    let collection = match rtype {
        "Task" => "Tasks",
        "Worker" => "Workers",
        "TaskQueue" => "TaskQueues",
        "Workflow" => "Workflows",
        "Activity" => "Activities",
        _ => "",
    };
    let resource_url = match (rtype, e.data.get("TaskSid").and_then(Value::as_str)) {
        ("Reservation", Some(t)) => Some(req.url(&format!(
            "{}/Tasks/{t}/Reservations/{}",
            ws_path(&ws),
            e.resource_sid
        ))),
        _ if !collection.is_empty() => {
            Some(req.url(&format!("{}/{collection}/{}", ws_path(&ws), e.resource_sid)))
        }
        _ => None,
    };
    json!({
        "account_sid": e.account_sid,
        "workspace_sid": ws,
        "sid": e.sid,
        "actor_sid": e.actor_sid.clone().unwrap_or_else(|| ws.clone()),
        "actor_type": if e.actor_sid.is_some() { "account" } else { "workspace" },
        "actor_url": req.url(&ws_path(&ws)),
        "description": e.description,
        "event_data": e.data,
        "event_date": iso8601(e.created_at),
        "event_date_ms": e.created_at,
        "event_type": e.kind.as_str(),
        "resource_sid": e.resource_sid,
        "resource_type": rtype,
        "resource_url": resource_url,
        "source": "switchboard",
        "source_ip_address": null,
        "url": req.url(&format!("{}/Events/{}", ws_path(&ws), e.sid)),
    })
}
