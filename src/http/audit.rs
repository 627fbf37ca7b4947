//! The audit log's view of the REST API: which account routes change a flow, workflow, queue,
//! worker or setting (`classify`), and the entry each successful change leaves, written right
//! after the handler's own write committed (`after`), with who asked and the name in the answer.
//! Users and invites record themselves inside their own write (`users`).

use super::request::{Body, Method, Reply, Req};
use crate::states::{AuditAction, AuditKind};
use crate::users::audit as log;
use serde_json::Value;

/// Collections that are traffic, not configuration: never audited.
const TRAFFIC: &[&str] = &[
    "/Reservations",
    "/Conversations",
    "/Messages",
    "/Participants",
    "/Interactions",
    "/Channels",
    "/WebChannels",
    "/Callbacks",
    "/Profiles",
    "/Checkup",
    "/Users",
    "/__test/",
    "/admin/api/users",
    "/admin/api/invites",
    "/admin/api/session",
];

/// Collections of settings: (path fragment, what the page calls it).
const SETTINGS: &[(&str, &str)] = &[
    ("/Keys", "API key"),
    ("/Accounts", "Account"),
    ("/Configuration", "Configuration"),
    ("/FlexFlows", "Flex Flow"),
    ("/Schedules", "Business hours"),
    ("/Activities", "Activity"),
    ("/TaskChannels", "Task channel"),
    ("/Dispositions", "Wrap-up codes"),
    ("/Automation", "Automation"),
    ("/CapacityRules", "Capacity rules"),
    ("/Roles", "Conversations role"),
    ("/Credentials", "Push credential"),
    ("/admin/api/session/unlock", "Sign-in lock"),
    ("/admin/api/office", "Office time zone"),
];

/// What kind of thing a changing route is about and what it does to it (`None`: not audited).
pub fn classify(method: Method, pattern: &str) -> Option<(AuditKind, AuditAction)> {
    if super::roles::is_read(method, pattern) {
        return None;
    }
    let action = match method {
        Method::Delete => AuditAction::Deleted,
        _ if pattern.ends_with('}') || pattern.ends_with("}.json") => AuditAction::Updated,
        _ if pattern.ends_with("/Repair")
            || pattern.ends_with("/password")
            || pattern.ends_with("/unlock")
            || pattern == "/admin/api/office" =>
        {
            AuditAction::Updated
        }
        _ => AuditAction::Created,
    };
    if pattern.ends_with("/Tasks/{Sid}/Repair") {
        return Some((AuditKind::Task, action));
    }
    if pattern.starts_with("/v2/Flows/{FlowSid}/Executions/") {
        return Some((AuditKind::Execution, action));
    }
    if pattern.contains("/Executions") || pattern.contains("/Tasks") {
        return None;
    }
    if pattern.contains("/Workers/{WorkerSid}/Channels") {
        return Some((AuditKind::Worker, action));
    }
    if TRAFFIC.iter().any(|t| pattern.contains(t)) && !pattern.contains("/Configuration") {
        return None;
    }
    if SETTINGS.iter().any(|(f, _)| pattern.contains(f)) {
        return Some((AuditKind::Setting, action));
    }
    let kind = if pattern.starts_with("/v2/Flows") {
        AuditKind::Flow
    } else if pattern.contains("/Workflows") {
        AuditKind::Workflow
    } else if pattern.contains("/TaskQueues") {
        AuditKind::Queue
    } else if pattern.contains("/Workers") || pattern.starts_with("/admin/api/workers/") {
        AuditKind::Worker
    } else if pattern.starts_with("/v1/Workspaces") || pattern.starts_with("/v1/Services") {
        AuditKind::Setting
    } else {
        return None;
    };
    Some((kind, action))
}

/// The kind's plural, as a refusal names it.
pub fn plural(kind: AuditKind) -> &'static str {
    match kind {
        AuditKind::Flow => "flows",
        AuditKind::Workflow => "workflows",
        AuditKind::Queue => "queues",
        AuditKind::Worker => "workers",
        AuditKind::User => "users",
        AuditKind::Setting => "settings",
        AuditKind::Task => "tasks",
        AuditKind::Execution => "executions",
    }
}

/// The path segment a kind's SID is in (the one after it), and the setting's collection name.
fn collection(kind: AuditKind, pattern: &str) -> (&'static str, Option<&'static str>) {
    match kind {
        AuditKind::Flow => ("Flows", None),
        AuditKind::Execution => ("Executions", None),
        AuditKind::Task => ("Tasks", None),
        AuditKind::Workflow => ("Workflows", None),
        AuditKind::Queue => ("TaskQueues", None),
        AuditKind::Worker if pattern.starts_with("/admin/") => ("workers", None),
        AuditKind::Worker => ("Workers", None),
        _ => (
            "",
            SETTINGS
                .iter()
                .find(|(f, _)| pattern.contains(f))
                .map(|(_, n)| *n),
        ),
    }
}

/// The current name of what a route is about to delete (after it, the thing is gone), so the
/// entry names it; `None` for anything else.
pub fn before(app: &super::App, req: &Req, pattern: &str) -> Option<String> {
    if req.method != Method::Delete || req.principal.is_none() {
        return None;
    }
    let (kind, _) = classify(req.method, pattern)?;
    let sid = sid_in_path(&req.path, collection(kind, pattern).0)?;
    name_now(app, req, kind, &sid)
}

/// A flow's, workflow's, queue's or worker's name as the store has it now.
fn name_now(app: &super::App, req: &Req, kind: AuditKind, sid: &str) -> Option<String> {
    use crate::store::{studio, taskrouter as tr};
    let ws = req.param("WorkspaceSid");
    let found = app.store.read(|c| -> crate::store::Result<Option<String>> {
        Ok(match kind {
            AuditKind::Flow => studio::flows::fetch(c, sid)?.map(|f| f.latest.friendly_name),
            AuditKind::Workflow => tr::workflows::find(c, ws, sid)?.map(|w| w.friendly_name),
            AuditKind::Queue => tr::queues::find(c, ws, sid)?.map(|q| q.friendly_name),
            AuditKind::Worker => tr::workers::find(c, sid)?.map(|w| w.friendly_name),
            _ => None,
        })
    });
    found.ok().flatten()
}

/// Writes the audit entry of a successful change (errors are logged: the change stands);
/// `before` is the name read before a deletion.
pub fn after(app: &super::App, req: &Req, pattern: &str, reply: &Reply, before: Option<String>) {
    let Some(principal) = &req.principal else {
        return;
    };
    if reply.status >= 300 {
        return;
    }
    let Some((kind, action)) = classify(req.method, pattern) else {
        return;
    };
    let body = match &reply.body {
        Body::Json(v) => Some(v),
        _ => None,
    };
    let (segment, setting) = collection(kind, pattern);
    let sid = sid_in_path(&req.path, segment)
        .or_else(|| body.and_then(|b| b["sid"].as_str()).map(str::to_string))
        .or_else(|| req.path_params.last().map(|(_, v)| v.clone()))
        .unwrap_or_default();
    let own = body.filter(|b| b["sid"].as_str() == Some(sid.as_str()) || segment.is_empty());
    let name = own
        .and_then(name_of)
        .or(before)
        .or_else(|| name_now(app, req, kind, &sid));
    let details = details(req, body, setting);
    let actor = super::roles::actor(app, principal);
    if let Err(e) = log::record_after(app, &actor, action, kind, &sid, name.as_deref(), &details) {
        log::warn_failed(&e);
    }
}

/// The SID after `segment` in the request's path.
fn sid_in_path(path: &str, segment: &str) -> Option<String> {
    if segment.is_empty() {
        return None;
    }
    let mut parts = path.split('/');
    parts.find(|p| *p == segment)?;
    parts.next().filter(|s| !s.is_empty()).map(str::to_string)
}

fn name_of(v: &Value) -> Option<String> {
    ["friendly_name", "unique_name", "name", "identity"]
        .iter()
        .find_map(|k| v[*k].as_str().filter(|s| !s.is_empty()))
        .map(str::to_string)
}

/// What was sent (field names only, never their values), with the new activity or status.
fn details(req: &Req, body: Option<&Value>, setting: Option<&str>) -> String {
    let mut fields: Vec<String> = req.form.0.iter().map(|(k, _)| k.clone()).collect();
    if let Some(Value::Object(m)) = &req.json {
        fields.extend(m.keys().cloned());
    }
    fields.dedup();
    let mut out = Vec::new();
    if let Some(s) = setting {
        out.push(s.to_string());
    }
    if let Some(b) = body {
        if req.form.has("ActivitySid") {
            if let Some(a) = b["activity_name"].as_str() {
                out.push(format!("activity → {a}"));
            }
        }
        // The office's time zone is no secret, and the entry is what an admin looks for.
        if req.form.has("TimeZone") {
            if let Some(z) = b["time_zone"].as_str() {
                out.push(format!("time zone → {z}"));
            }
        }
        if req.form.has("Status") {
            if let Some(s) = b["status"].as_str() {
                out.push(format!("status → {s}"));
            }
        }
    }
    if !fields.is_empty() {
        out.push(fields.join(", "));
    }
    out.join("; ")
}
