//! Flex v1 `Configuration`: the account's Flex settings document. What the box knows is
//! computed (the default TaskRouter workspace, its "Assign to Anyone" workflow and "Everyone"
//! queue, the Offline activity, the default conversation service, the instance SID); what an
//! integrator sets through `POST /v1/Configuration` is stored as given, checked against the
//! property's type in Twilio's definition. Switchboard reads back a few settings:
//! `taskrouter_target_workflow_sid` is the workflow invites route through when their `Routing`
//! names none; `ui_attributes.time_zone` is the office's time zone (an IANA name, checked against
//! the bundled tzdb whichever way it is set: here or `POST /admin/api/office`), in which the
//! console and the agent desktop show every time; `ui_attributes.webchat` is the web chat's
//! greeting (`webchat_wait`). The other UI settings (`crm_*`, `plugin_*`, …) are kept for the
//! integrator's own code; the box's pages do not read them.
//! https://www.twilio.com/docs/flex/developer/config/flex-configuration-rest-api

use super::{Error, Result};
use crate::core::Core;
use crate::store::channels::flex::{self as db, Configuration};
use crate::store::taskrouter::{activities, queues, workflows};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

/// A property's type in `flex.v1.configuration`.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A string, with the SID prefix it must carry when it is one.
    Str(Option<&'static str>),
    Bool,
    Array,
    /// Any JSON value (Twilio types these as free-form objects).
    Any,
    /// Shown, never set through the API.
    ReadOnly,
}

const PROPERTIES: &[(&str, Kind)] = {
    use Kind::*;
    &[
        ("account_sid", ReadOnly),
        ("date_created", ReadOnly),
        ("date_updated", ReadOnly),
        ("attributes", Any),
        ("status", ReadOnly),
        ("taskrouter_workspace_sid", Str(Some("WS"))),
        ("taskrouter_target_workflow_sid", Str(Some("WW"))),
        ("taskrouter_target_taskqueue_sid", Str(Some("WQ"))),
        ("taskrouter_taskqueues", Array),
        ("taskrouter_skills", Array),
        ("taskrouter_worker_channels", Any),
        ("taskrouter_worker_attributes", Any),
        ("taskrouter_offline_activity_sid", Str(Some("WA"))),
        ("runtime_domain", Str(None)),
        ("messaging_service_instance_sid", Str(Some("MG"))),
        ("chat_service_instance_sid", Str(Some("IS"))),
        ("flex_service_instance_sid", Str(Some("IS"))),
        ("flex_instance_sid", ReadOnly),
        ("ui_language", Str(None)),
        ("ui_attributes", Any),
        ("ui_dependencies", Any),
        ("ui_version", Str(None)),
        ("service_version", ReadOnly),
        ("call_recording_enabled", Bool),
        ("call_recording_webhook_url", Str(None)),
        ("crm_enabled", Bool),
        ("crm_type", Str(None)),
        ("crm_callback_url", Str(None)),
        ("crm_fallback_url", Str(None)),
        ("crm_attributes", Any),
        ("public_attributes", Any),
        ("plugin_service_enabled", Bool),
        ("plugin_service_attributes", Any),
        ("integrations", Array),
        ("outbound_call_flows", Any),
        ("serverless_service_sids", Array),
        ("queue_stats_configuration", Any),
        ("notifications", Any),
        ("markdown", Any),
        ("url", ReadOnly),
        ("flex_insights_hr", Any),
        ("flex_insights_drilldown", Bool),
        ("flex_url", Str(None)),
        ("channel_configs", Array),
        ("debugger_integration", Any),
        ("flex_ui_status_report", Any),
        ("agent_conv_end_methods", Any),
        ("citrix_voice_vdi", Any),
        ("offline_config", Any),
    ]
};

/// The service version the box reports (its own version).
const SERVICE_VERSION: &str = env!("CARGO_PKG_VERSION");
const UI_VERSION: &str = "2.0";

/// The account's Flex instance SID (`GO…`): derived from the account SID, so it is stable
/// without being stored and the same in every answer that names it.
pub fn instance_sid(account_sid: &str) -> String {
    format!("GO{}", account_sid.get(2..).unwrap_or_default())
}

/// The configuration as `GET /v1/Configuration` answers it (without `url`). `ui_version`, when
/// given (`UiVersion`), is the pinned UI version asked for: the box serves one configuration for
/// every UI version, shown with the version asked for.
pub fn fetch(conn: &Connection, app: &Core, ui_version: Option<&str>) -> Result<Value> {
    let stored = db::configuration(conn, &app.account_sid)?;
    let mut out = defaults(conn, app)?;
    if let Some(c) = &stored {
        if let Value::Object(doc) = &c.doc {
            for (k, v) in doc {
                out.insert(k.clone(), v.clone());
            }
        }
        out.insert(
            "date_created".into(),
            json!(crate::clock::iso8601(c.created_at)),
        );
        out.insert(
            "date_updated".into(),
            json!(crate::clock::iso8601(c.updated_at)),
        );
    }
    if let Some(v) = ui_version {
        out.insert("ui_version".into(), json!(v));
    }
    Ok(Value::Object(out))
}

/// Every property of the definition, from what the box has.
fn defaults(conn: &Connection, app: &Core) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for (k, _) in PROPERTIES {
        out.insert((*k).into(), Value::Null);
    }
    let ws = crate::routing::workspaces::default_sid(conn)
        .map_err(|e| Error::Integration(format!("TaskRouter: {e}")))?;
    let created = crate::store::channels::flex_flows::default_service(conn)?;
    let set = |out: &mut Map<String, Value>, k: &str, v: Value| {
        out.insert(k.into(), v);
    };
    set(&mut out, "account_sid", json!(app.account_sid));
    set(&mut out, "status", json!("ok"));
    set(
        &mut out,
        "flex_instance_sid",
        json!(instance_sid(&app.account_sid)),
    );
    set(&mut out, "service_version", json!(SERVICE_VERSION));
    set(&mut out, "ui_version", json!(UI_VERSION));
    set(&mut out, "ui_language", json!("en"));
    for k in [
        "attributes",
        "ui_attributes",
        "ui_dependencies",
        "crm_attributes",
    ] {
        set(&mut out, k, json!({}));
    }
    for k in ["public_attributes", "plugin_service_attributes"] {
        set(&mut out, k, json!({}));
    }
    for k in [
        "call_recording_enabled",
        "crm_enabled",
        "plugin_service_enabled",
    ] {
        set(&mut out, k, json!(false));
    }
    set(&mut out, "flex_insights_drilldown", json!(false));
    for k in [
        "taskrouter_skills",
        "integrations",
        "serverless_service_sids",
        "channel_configs",
    ] {
        set(&mut out, k, json!([]));
    }
    if let Some((sid, _, at)) = &created {
        set(&mut out, "chat_service_instance_sid", json!(sid));
        set(&mut out, "flex_service_instance_sid", json!(sid));
        set(&mut out, "date_created", json!(crate::clock::iso8601(*at)));
        set(&mut out, "date_updated", json!(crate::clock::iso8601(*at)));
    }
    if let Some(ws) = ws {
        set(&mut out, "taskrouter_workspace_sid", json!(ws));
        if let Some(wf) =
            workflows::find_by_name(conn, &ws, crate::routing::workflows::DEFAULT_NAME)?
        {
            set(&mut out, "taskrouter_target_workflow_sid", json!(wf.sid));
        }
        if let Some(q) = queues::find_by_name(conn, &ws, crate::routing::seed::QUEUE_NAME)? {
            set(&mut out, "taskrouter_target_taskqueue_sid", json!(q.sid));
        }
        let all = queues::list(
            conn,
            &ws,
            None,
            crate::store::Window {
                offset: 0,
                limit: 1000,
            },
        )?;
        let listed: Vec<Value> = all
            .items
            .iter()
            .map(|q| json!({"sid": q.sid, "targettable": true}))
            .collect();
        set(&mut out, "taskrouter_taskqueues", json!(listed));
        if let Some(a) = activities::find_by_name(conn, &ws, "Offline")? {
            set(&mut out, "taskrouter_offline_activity_sid", json!(a.sid));
        }
        set(
            &mut out,
            "taskrouter_worker_channels",
            json!({"agent": [{"name": "default", "availability": true, "capacity": 1}]}),
        );
        set(
            &mut out,
            "taskrouter_worker_attributes",
            json!({"agent": {}}),
        );
    }
    Ok(out)
}

/// `POST /v1/Configuration`: the properties of `body` (a JSON object) replace the stored ones,
/// each checked against its type; `account_sid`, when given, must be the account's own.
pub fn update(app: &Core, body: Value) -> Result<Value> {
    let Value::Object(given) = body else {
        return Err(Error::invalid("body", "must be a JSON object"));
    };
    let mut changes = Map::new();
    for (k, v) in given {
        let Some((_, kind)) = PROPERTIES.iter().find(|(name, _)| *name == k) else {
            return Err(Error::invalid(&k, "is not a Flex Configuration property"));
        };
        match (kind, &v) {
            (Kind::ReadOnly, _) if k == "account_sid" => {
                if v.as_str() != Some(app.account_sid.as_str()) {
                    return Err(Error::invalid(&k, "is not this account's SID"));
                }
                continue;
            }
            (Kind::ReadOnly, _) => {
                return Err(Error::invalid(&k, "cannot be set"));
            }
            _ if k == "ui_attributes" && v.get("time_zone").is_some_and(|z| !z.is_null()) => {
                let zone = v["time_zone"].as_str().unwrap_or_default();
                check_time_zone("ui_attributes.time_zone", zone)?;
            }
            (_, Value::Null) | (Kind::Any, _) | (Kind::Bool, Value::Bool(_)) => {}
            (Kind::Array, Value::Array(_)) => {}
            (Kind::Str(None), Value::String(_)) => {}
            (Kind::Str(Some(prefix)), Value::String(s)) => {
                if !(s.len() == 34
                    && s.starts_with(prefix)
                    && s[2..].bytes().all(|b| b.is_ascii_hexdigit()))
                {
                    return Err(Error::invalid(&k, format!("must be a {prefix}… SID")));
                }
            }
            (Kind::Bool, _) => return Err(Error::invalid(&k, "must be true or false")),
            (Kind::Array, _) => return Err(Error::invalid(&k, "must be a JSON array")),
            (Kind::Str(_), _) => return Err(Error::invalid(&k, "must be a string")),
        }
        changes.insert(k, v);
    }
    app.store.write(|tx| {
        change(tx, app, |doc| {
            for (k, v) in &changes {
                doc.insert(k.clone(), v.clone());
            }
        })?;
        fetch(tx, app, None)
    })
}

/// Changes the stored document in the caller's write (made empty the first time).
fn change(tx: &Connection, app: &Core, edit: impl FnOnce(&mut Map<String, Value>)) -> Result<()> {
    let now = app.now_ms();
    let mut c = db::configuration(tx, &app.account_sid)?.unwrap_or(Configuration {
        account_sid: app.account_sid.clone(),
        flex_instance_sid: instance_sid(&app.account_sid),
        doc: json!({}),
        created_at: now,
        updated_at: now,
    });
    if !c.doc.is_object() {
        c.doc = json!({});
    }
    edit(c.doc.as_object_mut().expect("made an object above"));
    c.updated_at = now;
    db::save_configuration(tx, &c)?;
    Ok(())
}

/// The office's time zone as set (`ui_attributes.time_zone`), `None` until someone sets it (the
/// pages then use the browser's own zone).
pub fn time_zone(conn: &Connection, app: &Core) -> Result<Option<String>> {
    let stored = db::configuration(conn, &app.account_sid)?;
    Ok(stored
        .as_ref()
        .and_then(|c| c.doc.pointer("/ui_attributes/time_zone"))
        .and_then(Value::as_str)
        .map(str::to_string))
}

/// Sets the office's time zone (`param` names the field in a refusal), keeping the other UI
/// attributes; answers the zone's name as the tzdb spells it ("europe/paris" → "Europe/Paris").
pub fn set_time_zone(app: &Core, param: &str, name: &str) -> Result<String> {
    let zone = check_time_zone(param, name)?;
    app.store.write(|tx| {
        change(tx, app, |doc| {
            let ui = doc.entry("ui_attributes").or_insert_with(|| json!({}));
            if !ui.is_object() {
                *ui = json!({});
            }
            ui["time_zone"] = json!(zone);
        })
    })?;
    Ok(zone)
}

/// An IANA zone name of the bundled tzdb, as the tzdb spells it; the refusal says what to give.
fn check_time_zone(param: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            param,
            "is required: choose the office's time zone from the list, an IANA name such as Europe/Paris",
        ));
    }
    match jiff::tz::TimeZone::get(name) {
        Ok(tz) => Ok(tz.iana_name().unwrap_or(name).to_string()),
        Err(_) => Err(Error::invalid(
            param,
            format!(
                "{name:?} is not a time zone switchboard knows: choose one from the list, an IANA name such as Europe/Paris or America/New_York"
            ),
        )),
    }
}

/// The workflow the configuration names for routed invites, if set and still there.
pub fn target_workflow(
    conn: &Connection,
    app: &Core,
    workspace_sid: &str,
) -> Result<Option<String>> {
    let stored = db::configuration(conn, &app.account_sid)?;
    let Some(sid) = stored
        .as_ref()
        .and_then(|c| c.doc.get("taskrouter_target_workflow_sid"))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    Ok(workflows::find(conn, workspace_sid, sid)?.map(|w| w.sid))
}
