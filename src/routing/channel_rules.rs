//! Capacity rules across channels (issue 22): "while busy on voice, offer no chat" and other
//! combinations, per workspace. A rule is kept in `tr_worker_channels.free` (see
//! `store::taskrouter::workers::refresh_free`), so matching (`assign`) never offers a blocked
//! channel and costs nothing more per match. Rules are directional: busy on chat does not block
//! voice unless a rule says so, so a chat backlog cannot starve voice.

use super::{assign, Error, Result};
use crate::core::Core;
use crate::store::taskrouter::{channel_rules as db, channels, workers, workspaces};
use rusqlite::Connection;
use serde_json::{Map, Value};

/// The workspace's rules as `{busy channel unique name: [blocked unique names]}`.
pub fn get(conn: &Connection, ws: &str) -> Result<Value> {
    workspaces::find(conn, ws)?.ok_or_else(|| Error::not_found("Workspace", ws))?;
    let name = |sid: &str| -> Result<String> {
        Ok(channels::find(conn, ws, sid)?
            .map(|c| c.unique_name)
            .unwrap_or_else(|| sid.to_string()))
    };
    let mut out = Map::new();
    for (busy, blocked) in db::all(conn, ws)? {
        let list = out
            .entry(name(&busy)?)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.push(Value::String(name(&blocked)?));
        }
    }
    for list in out.values_mut() {
        if let Value::Array(a) = list {
            a.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
        }
    }
    Ok(Value::Object(out))
}

/// Replaces the workspace's rules with `rules` (`{"voice": ["chat", "sms"]}`; channels by unique
/// name or `TC…` SID), then re-computes every worker's free channels and offers waiting work.
pub fn set(app: &Core, ws: &str, rules: &Value) -> Result<Value> {
    let Some(obj) = rules.as_object() else {
        return Err(Error::invalid(
            "Rules",
            "must be a JSON object of channel → [channels it blocks]",
        ));
    };
    app.store.write(|tx| {
        workspaces::find(tx, ws)?.ok_or_else(|| Error::not_found("Workspace", ws))?;
        let channel = |key: &str| -> Result<String> {
            channels::find(tx, ws, key)?.map(|c| c.sid).ok_or_else(|| {
                Error::invalid(
                    "Rules",
                    format!("no task channel {key:?} in workspace {ws}"),
                )
            })
        };
        let mut pairs = Vec::new();
        for (busy, blocked) in obj {
            let Some(list) = blocked.as_array() else {
                return Err(Error::invalid(
                    "Rules",
                    format!("the value of {busy:?} must be an array of channel names"),
                ));
            };
            let b = channel(busy)?;
            for x in list {
                let Some(name) = x.as_str() else {
                    return Err(Error::invalid(
                        "Rules",
                        format!("{busy:?} lists {x}, not a channel name"),
                    ));
                };
                let x = channel(name)?;
                if x == b {
                    return Err(Error::invalid(
                        "Rules",
                        format!("{busy:?} cannot block itself (its capacity does that)"),
                    ));
                }
                pairs.push((b.clone(), x));
            }
        }
        db::replace(tx, ws, &pairs)?;
        let multi = workspaces::find(tx, ws)?.is_none_or(|w| w.multi_task_enabled);
        for (sid, _, available) in workers::all_attributes(tx, ws)? {
            workers::refresh_free(tx, &sid, available, multi)?;
        }
        assign::offer_all_free(tx, app, ws)?;
        get(tx, ws)
    })
}
