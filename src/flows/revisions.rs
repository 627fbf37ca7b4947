//! Flows with revisions, as Studio v2 keeps them: every create or update stores a new numbered
//! revision (name, status, definition, commit message, validation result); executions run the
//! latest published revision. A published revision must validate without errors; a draft may
//! be saved with errors (`valid: false`), as in Studio's canvas.
//! https://www.twilio.com/docs/studio/rest-api/v2/flow

use super::validate::{self, FlowProblem};
use super::{Error, FlowStatus};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::studio::flows::{self as db, Flow, Revision};
use serde_json::{json, Value};

/// What a create or update asks for; absent fields keep the previous revision's values.
#[derive(Debug, Clone, Default)]
pub struct FlowInput {
    pub friendly_name: Option<String>,
    pub status: Option<FlowStatus>,
    pub definition: Option<Value>,
    pub commit_message: Option<String>,
}

/// The outcome of validating a definition.
#[derive(Debug, Clone)]
pub struct Checked {
    pub valid: bool,
    pub errors: Vec<Value>,
    pub warnings: Vec<Value>,
}

/// Validates a definition and locates each problem as Studio does (`property_path`).
pub fn check(definition: &Value) -> Checked {
    let report = validate::validate(&definition.to_string());
    let locate = |p: &FlowProblem| problem_json(definition, p);
    Checked {
        valid: report.is_ok(),
        errors: report.errors.iter().map(locate).collect(),
        warnings: report.warnings.iter().map(locate).collect(),
    }
}

/// `{"message", "property_path", "state"?, "property"?}` for one problem.
fn problem_json(definition: &Value, p: &FlowProblem) -> Value {
    let index = p.state.as_deref().and_then(|name| {
        definition["states"]
            .as_array()?
            .iter()
            .position(|s| s["name"].as_str() == Some(name))
    });
    let mut path = String::from("#");
    if let Some(i) = index {
        path.push_str(&format!("/states/{i}"));
        if let Some(prop) = &p.property {
            let prop = prop.replace(['.', '['], "/").replace(']', "");
            if prop.starts_with("transitions") || prop == "type" {
                path.push_str(&format!("/{prop}"));
            } else {
                path.push_str(&format!("/properties/{prop}"));
            }
        }
    } else if let Some(prop) = &p.property {
        path.push_str(&format!("/{prop}"));
    }
    let mut v = json!({"message": p.to_string(), "property_path": path});
    if let Some(s) = &p.state {
        v["state"] = json!(s);
    }
    if let Some(prop) = &p.property {
        v["property"] = json!(prop);
    }
    v
}

fn checked_definition(definition: &Value) -> Result<Checked, Error> {
    if !definition.is_object() {
        return Err(Error::BadParam(
            "Definition",
            "must be a JSON object".into(),
        ));
    }
    Ok(check(definition))
}

fn check_name(name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::BadParam("FriendlyName", "must not be empty".into()));
    }
    if name.chars().count() > 256 {
        return Err(Error::BadParam(
            "FriendlyName",
            "must be at most 256 characters".into(),
        ));
    }
    Ok(())
}

/// Validates without saving (`/v2/Flows/Validate`): every error at once, or `Ok`.
pub fn validate_only(input: &FlowInput) -> Result<Checked, Error> {
    if let Some(name) = &input.friendly_name {
        check_name(name)?;
    }
    let definition = input
        .definition
        .as_ref()
        .ok_or(Error::BadParam("Definition", "is required".into()))?;
    let checked = checked_definition(definition)?;
    if !checked.valid {
        return Err(Error::Invalid(checked.errors));
    }
    Ok(checked)
}

fn revision_from(
    flow_sid: &str,
    number: i64,
    name: String,
    status: FlowStatus,
    definition: &Value,
    commit_message: Option<String>,
    now: i64,
) -> Result<Revision, Error> {
    let checked = checked_definition(definition)?;
    if status == FlowStatus::Published && !checked.valid {
        return Err(Error::Invalid(checked.errors));
    }
    Ok(Revision {
        flow_sid: flow_sid.to_string(),
        revision: number,
        friendly_name: name,
        status,
        definition: definition.to_string(),
        commit_message,
        valid: checked.valid,
        errors: Value::Array(checked.errors),
        warnings: Value::Array(checked.warnings),
        created_at: now,
    })
}

fn published_event(rev: &Revision) -> NewEvent {
    NewEvent::new(EventType::FlowPublished, "flow", rev.flow_sid.clone())
        .describe(format!(
            "flow {} revision {} published",
            rev.friendly_name, rev.revision
        ))
        .data(json!({"FlowSid": rev.flow_sid, "Revision": rev.revision}))
}

/// Creates a flow (revision 1). `FriendlyName`, `Status` and `Definition` are required.
pub fn create(app: &Core, input: FlowInput) -> Result<Flow, Error> {
    let name = input
        .friendly_name
        .ok_or(Error::BadParam("FriendlyName", "is required".into()))?;
    check_name(&name)?;
    let status = input
        .status
        .ok_or(Error::BadParam("Status", "is required".into()))?;
    let definition = input
        .definition
        .ok_or(Error::BadParam("Definition", "is required".into()))?;
    let sid = new_sid(Prefix::Flow);
    let now = app.now_ms();
    let rev = revision_from(
        &sid,
        1,
        name,
        status,
        &definition,
        input.commit_message,
        now,
    )?;
    app.store.write(|tx| -> Result<Flow, Error> {
        db::insert(tx, &rev)?;
        if rev.status == FlowStatus::Published {
            app.record(tx, &published_event(&rev))?;
        }
        db::fetch(tx, &sid)?.ok_or_else(|| Error::NotFound(sid.clone()))
    })
}

/// Stores a new revision of a flow; `Status` is required, other fields default to the latest
/// revision's. The definition is checked (its templates parsed) outside the write, which only
/// stores the revision if the flow's latest is still the one the check built on; otherwise
/// it is built again on the newer one.
pub fn update(app: &Core, sid: &str, input: FlowInput) -> Result<Flow, Error> {
    let status = input
        .status
        .ok_or(Error::BadParam("Status", "is required".into()))?;
    if let Some(name) = &input.friendly_name {
        check_name(name)?;
    }
    for _ in 0..8 {
        let now = app.now_ms();
        let flow = app
            .store
            .read(|c| db::fetch(c, sid))?
            .ok_or_else(|| Error::NotFound(sid.to_string()))?;
        let prev = &flow.latest;
        let definition = match &input.definition {
            Some(d) => d.clone(),
            None => serde_json::from_str(&prev.definition).unwrap_or(Value::Null),
        };
        let rev = revision_from(
            sid,
            prev.revision + 1,
            input
                .friendly_name
                .clone()
                .unwrap_or_else(|| prev.friendly_name.clone()),
            status,
            &definition,
            input.commit_message.clone(),
            now.max(prev.created_at),
        )?;
        let stored = app.store.write(|tx| -> Result<Option<Flow>, Error> {
            let current = db::fetch(tx, sid)?.ok_or_else(|| Error::NotFound(sid.to_string()))?;
            if current.latest.revision != rev.revision - 1 {
                return Ok(None);
            }
            db::add_revision(tx, &rev)?;
            if rev.status == FlowStatus::Published {
                app.record(tx, &published_event(&rev))?;
            }
            Ok(Some(
                db::fetch(tx, sid)?.ok_or_else(|| Error::NotFound(sid.to_string()))?,
            ))
        })?;
        if let Some(flow) = stored {
            return Ok(flow);
        }
    }
    Err(Error::Store(crate::store::Error::internal(
        "the flow kept changing while its new revision was checked",
    )))
}
