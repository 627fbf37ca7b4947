//! Workspaces, their activities and task channels, and the defaults every new workspace gets.
//! https://www.twilio.com/docs/taskrouter/api/workspace

use super::workers::name_taken;
use super::{Error, Result};
use crate::core::Core;
use crate::events::EventType;
use crate::ids::{new_sid, Prefix};
use crate::store::taskrouter::{
    activities::{self, Activity},
    channels::{self, TaskChannel},
    workers as worker_db, workspaces as db,
};
use rusqlite::Connection;

pub use crate::store::taskrouter::workspaces::Workspace;

/// The activities a new workspace starts with (Flex's), and whether each is available.
pub const DEFAULT_ACTIVITIES: &[(&str, bool)] = &[
    ("Offline", false),
    ("Available", true),
    ("Unavailable", false),
    ("Break", false),
];
/// The task channels a new workspace starts with.
pub const DEFAULT_CHANNELS: &[(&str, &str)] = &[
    ("default", "Default"),
    ("voice", "Voice"),
    ("chat", "Chat"),
    ("sms", "SMS"),
    ("email", "Email"),
];

/// The seeded "Flex Task Assignment" workspace.
pub fn default_sid(conn: &Connection) -> Result<Option<String>> {
    Ok(db::default_sid(conn)?)
}

pub fn get(conn: &Connection, sid: &str) -> Result<Workspace> {
    db::find(conn, sid)?.ok_or_else(|| Error::not_found("Workspace", sid))
}

#[derive(Debug, Clone, Default)]
pub struct WorkspaceParams {
    pub friendly_name: Option<String>,
    pub event_callback_url: Option<String>,
    pub events_filter: Option<String>,
    pub default_activity_sid: Option<String>,
    pub timeout_activity_sid: Option<String>,
    pub prioritize_queue_order: Option<String>,
    pub multi_task_enabled: Option<bool>,
}

fn check(p: &WorkspaceParams) -> Result<()> {
    if let Some(o) = &p.prioritize_queue_order {
        if o != "FIFO" && o != "LIFO" {
            return Err(Error::invalid(
                "PrioritizeQueueOrder",
                "must be FIFO or LIFO",
            ));
        }
    }
    if let Some(u) = p.event_callback_url.as_deref().filter(|u| !u.is_empty()) {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(Error::invalid("EventCallbackUrl", "must be an http(s) URL"));
        }
    }
    if let Some(f) = p.events_filter.as_deref().filter(|f| !f.is_empty()) {
        for name in f.split(',').map(str::trim) {
            if EventType::parse(name).is_none() {
                return Err(Error::invalid(
                    "EventsFilter",
                    format!("{name:?} is not an event type"),
                ));
            }
        }
    }
    Ok(())
}

/// Creates a workspace with the default activities (Offline as default and timeout activity)
/// and task channels, at `now`.
pub fn create_in(
    conn: &Connection,
    account_sid: &str,
    p: WorkspaceParams,
    is_default: bool,
    now: i64,
) -> Result<Workspace> {
    check(&p)?;
    let name = p
        .friendly_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Error::invalid("FriendlyName", "is required"))?;
    let mut ws = Workspace {
        sid: new_sid(Prefix::Workspace),
        account_sid: account_sid.to_string(),
        friendly_name: name.clone(),
        event_callback_url: p.event_callback_url.clone().filter(|u| !u.is_empty()),
        events_filter: p.events_filter.clone().filter(|u| !u.is_empty()),
        default_activity_sid: None,
        timeout_activity_sid: None,
        prioritize_queue_order: p
            .prioritize_queue_order
            .clone()
            .unwrap_or_else(|| "FIFO".into()),
        multi_task_enabled: p.multi_task_enabled.unwrap_or(true),
        is_default,
        created_at: now,
        updated_at: now,
    };
    db::insert(conn, &ws).map_err(|e| name_taken(e, "Workspace", &name))?;
    for (name, available) in DEFAULT_ACTIVITIES {
        let a = Activity {
            sid: new_sid(Prefix::Activity),
            workspace_sid: ws.sid.clone(),
            friendly_name: name.to_string(),
            available: *available,
            created_at: now,
            updated_at: now,
        };
        activities::insert(conn, &a)?;
        if *name == "Offline" {
            ws.default_activity_sid = Some(a.sid.clone());
            ws.timeout_activity_sid = Some(a.sid);
        }
    }
    for (unique, friendly) in DEFAULT_CHANNELS {
        channels::insert(
            conn,
            &TaskChannel {
                sid: new_sid(Prefix::TaskChannel),
                workspace_sid: ws.sid.clone(),
                unique_name: unique.to_string(),
                friendly_name: friendly.to_string(),
                channel_optimized_routing: false,
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    apply(conn, &mut ws, p, now)?;
    Ok(ws)
}

fn apply(conn: &Connection, ws: &mut Workspace, p: WorkspaceParams, now: i64) -> Result<()> {
    for (param, value) in [
        ("DefaultActivitySid", &p.default_activity_sid),
        ("TimeoutActivitySid", &p.timeout_activity_sid),
    ] {
        if let Some(a) = value {
            if activities::find(conn, &ws.sid, a)?.is_none() {
                return Err(Error::invalid(
                    param,
                    format!("no activity {a} in workspace {}", ws.sid),
                ));
            }
        }
    }
    if let Some(n) = p.friendly_name.filter(|n| !n.trim().is_empty()) {
        ws.friendly_name = n;
    }
    if let Some(u) = p.event_callback_url {
        ws.event_callback_url = Some(u).filter(|u| !u.is_empty());
    }
    if let Some(f) = p.events_filter {
        ws.events_filter = Some(f).filter(|f| !f.is_empty());
    }
    if let Some(a) = p.default_activity_sid {
        ws.default_activity_sid = Some(a);
    }
    if let Some(a) = p.timeout_activity_sid {
        ws.timeout_activity_sid = Some(a);
    }
    if let Some(o) = p.prioritize_queue_order {
        ws.prioritize_queue_order = o;
    }
    if let Some(m) = p.multi_task_enabled {
        ws.multi_task_enabled = m;
    }
    ws.updated_at = now;
    let name = ws.friendly_name.clone();
    db::update(conn, ws).map_err(|e| name_taken(e, "Workspace", &name))?;
    Ok(())
}

pub fn create(app: &Core, p: WorkspaceParams) -> Result<Workspace> {
    create_from(app, p, None)
}

/// Creates a workspace, with what its `Template` makes: `FIFO` (Twilio's one template) adds the
/// "Sample Queue" (every worker) and the "Default Fifo Workflow" sending every task there, in the
/// same write.
/// https://www.twilio.com/docs/taskrouter/api/workspace#create-a-workspace-resource
pub fn create_from(app: &Core, p: WorkspaceParams, template: Option<&str>) -> Result<Workspace> {
    if let Some(t) = template.filter(|t| *t != "FIFO") {
        return Err(Error::invalid("Template", format!("{t:?} is not FIFO")));
    }
    app.store.write(|tx| {
        let now = app.now_ms();
        let ws = create_in(tx, &app.account_sid, p.clone(), false, now)?;
        if template.is_some() {
            let queue = super::queues::QueueParams {
                friendly_name: Some("Sample Queue".into()),
                target_workers: Some("1==1".into()),
                task_order: Some("FIFO".into()),
                ..Default::default()
            };
            let q = super::queues::create_in(tx, app, &ws.sid, queue)?;
            let config = serde_json::json!({"task_routing": {"filters": [],
                "default_filter": {"queue": q.sid}}});
            let workflow = super::workflows::WorkflowParams {
                friendly_name: Some("Default Fifo Workflow".into()),
                configuration: Some(config.to_string()),
                task_reservation_timeout: Some(120),
                ..Default::default()
            };
            super::workflows::create_in(tx, &ws.sid, workflow, now)?;
        }
        Ok(ws)
    })
}

pub fn update(app: &Core, sid: &str, p: WorkspaceParams) -> Result<Workspace> {
    check(&p)?;
    app.store.write(|tx| {
        let mut ws = get(tx, sid)?;
        apply(tx, &mut ws, p, app.now_ms())?;
        Ok(ws)
    })
}

pub fn delete(app: &Core, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        get(tx, sid)?;
        Ok(db::delete(tx, sid)?)
    })
}

pub fn create_activity(app: &Core, ws: &str, name: &str, available: bool) -> Result<Activity> {
    if name.trim().is_empty() {
        return Err(Error::invalid("FriendlyName", "is required"));
    }
    app.store.write(|tx| {
        get(tx, ws)?;
        let now = app.now_ms();
        let a = Activity {
            sid: new_sid(Prefix::Activity),
            workspace_sid: ws.to_string(),
            friendly_name: name.to_string(),
            available,
            created_at: now,
            updated_at: now,
        };
        activities::insert(tx, &a).map_err(|e| name_taken(e, "Activity", name))?;
        Ok(a)
    })
}

pub fn activity(conn: &Connection, ws: &str, sid: &str) -> Result<Activity> {
    activities::find(conn, ws, sid)?.ok_or_else(|| Error::not_found("Activity", sid))
}

pub fn rename_activity(app: &Core, ws: &str, sid: &str, name: &str) -> Result<Activity> {
    app.store.write(|tx| {
        activity(tx, ws, sid)?;
        activities::rename(tx, sid, name, app.now_ms())
            .map_err(|e| name_taken(e, "Activity", name))?;
        activity(tx, ws, sid)
    })
}

pub fn delete_activity(app: &Core, ws: &str, sid: &str) -> Result<()> {
    app.store.write(|tx| {
        activity(tx, ws, sid)?;
        let space = get(tx, ws)?;
        if space.default_activity_sid.as_deref() == Some(sid)
            || space.timeout_activity_sid.as_deref() == Some(sid)
        {
            return Err(Error::conflict(format!(
                "Activity {sid} is the workspace's default or timeout activity"
            )));
        }
        if worker_db::count_in_activity(tx, sid)? > 0 {
            return Err(Error::conflict(format!("Activity {sid} still has workers")));
        }
        Ok(activities::delete(tx, sid)?)
    })
}

pub fn create_channel(
    app: &Core,
    ws: &str,
    unique: &str,
    friendly: &str,
    optimized: bool,
) -> Result<TaskChannel> {
    if unique.trim().is_empty() {
        return Err(Error::invalid("UniqueName", "is required"));
    }
    app.store.write(|tx| {
        get(tx, ws)?;
        let now = app.now_ms();
        let c = TaskChannel {
            sid: new_sid(Prefix::TaskChannel),
            workspace_sid: ws.to_string(),
            unique_name: unique.to_string(),
            friendly_name: friendly.to_string(),
            channel_optimized_routing: optimized,
            created_at: now,
            updated_at: now,
        };
        channels::insert(tx, &c).map_err(|e| name_taken(e, "TaskChannel", unique))?;
        let multi = get(tx, ws)?.multi_task_enabled;
        let workers = worker_db::list(tx, ws, &Default::default(), None)?.items;
        for w in workers {
            worker_db::insert_channel(
                tx,
                &worker_db::WorkerChannel {
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
            worker_db::refresh_free(tx, &w.sid, w.available, multi)?;
        }
        Ok(c)
    })
}

pub fn channel(conn: &Connection, ws: &str, key: &str) -> Result<TaskChannel> {
    channels::find(conn, ws, key)?.ok_or_else(|| Error::not_found("TaskChannel", key))
}

pub fn update_channel(
    app: &Core,
    ws: &str,
    key: &str,
    friendly: Option<String>,
    optimized: Option<bool>,
) -> Result<TaskChannel> {
    app.store.write(|tx| {
        let mut c = channel(tx, ws, key)?;
        if let Some(f) = friendly {
            c.friendly_name = f;
        }
        if let Some(o) = optimized {
            c.channel_optimized_routing = o;
        }
        c.updated_at = app.now_ms();
        channels::update(tx, &c)?;
        Ok(c)
    })
}

pub fn delete_channel(app: &Core, ws: &str, key: &str) -> Result<()> {
    app.store.write(|tx| {
        let c = channel(tx, ws, key)?;
        if channels::tasks_using(tx, &c.sid)? > 0 {
            return Err(Error::conflict(format!(
                "TaskChannel {} is used by tasks",
                c.unique_name
            )));
        }
        Ok(channels::delete(tx, &c.sid)?)
    })
}
