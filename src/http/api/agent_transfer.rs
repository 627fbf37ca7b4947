//! The agent desktop's transfers (issue 15 item 4): the colleagues and queues a chat can go to,
//! and a warm or cold transfer of the agent's own accepted chat, made through the same Flex v1
//! Interactions Transfers the REST API serves (`channels::transfers`). A chat that came in by a
//! Flex Flow has no interaction yet: the first transfer binds its conversation to one (as
//! `POST /v1/Interactions` with `media_channel_sid` does), so an integrator sees the same
//! transfer under `/v1/Interactions/{KD}/Channels/{UO}/Transfers`.
//!
//! The desktop names targets by their worker or queue name, not by SID: an agent's own answers
//! never carry another agent's SIDs. What a task shows of transfers (`transfer_in`: who sent it
//! and why; `transfer_out`: the agent's own transfer under way) comes from `transfer_info`.

use super::agent::{conversation_of, me, owned};
use crate::channels::interactions;
use crate::channels::transfers::{self, NewTransfer};
use crate::channels::webchat::display_name;
use crate::channels::Error as ChannelError;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::ids::{is_sid, Prefix};
use crate::routing::states::ReservationStatus;
use crate::routing::tasks::Task;
use crate::routing::workers::{self, Worker};
use crate::store::channels::interactions as inter_db;
use crate::store::channels::transfers::{self as transfer_db, Transfer, TransferStatus};
use crate::store::taskrouter::{queues, workers as worker_db};
use crate::store::Window;
use rusqlite::Connection;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let p = Access::Public;
    vec![
        Route::new(Get, "/agent/api/colleagues", p, colleagues),
        Route::new(Post, "/agent/api/tasks/{TaskSid}/transfers", p, create),
        Route::new(Post, "/agent/api/tasks/{TaskSid}/transfer", p, update),
    ]
}

const ALL: Window = Window {
    offset: 0,
    limit: 1000,
};

/// `GET /agent/api/colleagues`: the other agents of the workspace (display name, login name,
/// activity, available) and its queues, by name.
fn colleagues(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (agents, queues) = app.store.read(|c| {
        let all = worker_db::list(c, &w.workspace_sid, &Default::default(), None)?;
        let agents: Vec<Value> = all
            .items
            .iter()
            .filter(|x| x.sid != w.sid)
            .map(|x| {
                json!({
                    "name": display_name(x),
                    "login": x.friendly_name,
                    "activity": x.activity_name,
                    "available": x.available,
                })
            })
            .collect();
        let queues: Vec<Value> = queues::list(c, &w.workspace_sid, None, ALL)?
            .items
            .iter()
            .map(|q| json!({"name": q.friendly_name}))
            .collect();
        Ok::<_, ApiError>((agents, queues))
    })?;
    Ok(Reply::ok(json!({"agents": agents, "queues": queues})).into())
}

/// A transfer target named `worker:LOGIN` or `queue:NAME` (or given by SID) → its SID.
fn target_sid(conn: &Connection, me: &Worker, to: &str) -> Result<String, ApiError> {
    let unknown = || ApiError::bad_param("To", "names no agent or queue of this office");
    let ws = &me.workspace_sid;
    if let Some(login) = to.strip_prefix("worker:") {
        let filter = worker_db::WorkerFilter {
            friendly_name: Some(login.to_string()),
            ..Default::default()
        };
        let found = worker_db::list(conn, ws, &filter, None)?
            .items
            .into_iter()
            .next();
        return found.map(|w| w.sid).ok_or_else(unknown);
    }
    if let Some(name) = to.strip_prefix("queue:") {
        return queues::find_by_name(conn, ws, name)?
            .map(|q| q.sid)
            .ok_or_else(unknown);
    }
    if is_sid(Prefix::Worker, to) || is_sid(Prefix::TaskQueue, to) {
        return Ok(to.to_string());
    }
    Err(ApiError::bad_param(
        "To",
        "must be worker:NAME or queue:NAME",
    ))
}

/// The interaction channel serving the task's conversation, bound now if there is none.
fn channel_for(app: &App, t: &Task, conv: &str) -> Result<inter_db::Channel, ApiError> {
    let existing = app
        .store
        .read(|c| inter_db::channels_for_conversation(c, conv))?;
    use inter_db::InteractionChannelStatus as S;
    let open = |ch: &inter_db::Channel| !matches!(ch.status, S::Closed | S::Failed);
    if let Some(ch) = existing
        .iter()
        .find(|ch| open(ch) && ch.task_sid.as_deref() == Some(t.sid.as_str()))
        .or_else(|| existing.iter().find(|ch| open(ch)))
    {
        return Ok(ch.clone());
    }
    let kind = t
        .attributes
        .get("channelType")
        .and_then(Value::as_str)
        .filter(|k| inter_db::InteractionChannelType::parse(k).is_some())
        .unwrap_or("chat");
    let channel = json!({"type": kind, "properties": {"media_channel_sid": conv}});
    Ok(interactions::create(app, channel, None, None, None)?.channel)
}

/// Words for an agent instead of the transfer module's SIDs.
fn plain(e: ChannelError) -> ApiError {
    match e {
        ChannelError::Conflict(m) if m.contains("already under way") => {
            ApiError::conflict("A transfer of this chat is already under way")
        }
        ChannelError::Conflict(m) if m.contains("no task assigned") => {
            ApiError::conflict("This chat is no longer yours to transfer")
        }
        ChannelError::Invalid { param, problem } if param == "To" => {
            if problem.contains("transferred from") {
                ApiError::bad_param("To", "is you; pick another agent or a queue")
            } else {
                ApiError::bad_param("To", "names no agent or queue of this office")
            }
        }
        ChannelError::Invalid { param, .. } if param == "Routing" => ApiError::conflict(
            "This chat is in no queue, so it can go only to a queue: pick a queue",
        ),
        e => e.into(),
    }
}

/// `POST /agent/api/tasks/{TaskSid}/transfers` with `To` (`worker:LOGIN` | `queue:NAME`),
/// `Type` (cold, the default, or warm) and an optional `Note` the receiver reads.
fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (r, t) = owned(app, &w, req.param("TaskSid"))?;
    if r.status != ReservationStatus::Accepted {
        return Err(ApiError::conflict(
            "Only a chat you are in can be transferred",
        ));
    }
    let kind = req.form.get("Type").unwrap_or("cold").to_string();
    if kind != "warm" && kind != "cold" {
        return Err(ApiError::bad_param("Type", "must be warm or cold"));
    }
    let to = req.form.require("To")?.trim().to_string();
    let to = app.store.read(|c| target_sid(c, &w, &to))?;
    let note = req
        .form
        .get("Note")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let conv = conversation_of(&t).ok_or_else(|| {
        ApiError::conflict("Only chats can be transferred here; this task has no conversation")
    })?;
    let ch = channel_for(app, &t, &conv)?;
    let tr = transfers::create_transfer(
        app,
        &ch.interaction_sid,
        &ch.sid,
        NewTransfer {
            kind: Some(kind),
            to: Some(to),
            from: Some(w.sid.clone()),
            note,
            ..Default::default()
        },
    )
    .map_err(plain)?;
    let v = app.store.read(|c| outgoing_json(c, &tr))?;
    Ok(Reply::created(v).into())
}

/// `POST /agent/api/tasks/{TaskSid}/transfer` with `Status`: `failed` withdraws the agent's
/// transfer nobody has taken yet; `completed` leaves a warm transfer the receiver has joined.
fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let (_, t) = owned(app, &w, req.param("TaskSid"))?;
    let status = match TransferStatus::parse(req.form.require("Status")?) {
        Some(s @ (TransferStatus::Failed | TransferStatus::Completed)) => s,
        _ => return Err(ApiError::bad_param("Status", "must be completed or failed")),
    };
    let tr = app
        .store
        .read(|c| latest_from(c, &t))?
        .filter(|tr| tr.status == TransferStatus::Active)
        .ok_or_else(|| ApiError::conflict("This chat has no transfer under way"))?;
    let tr = transfers::update_transfer(
        app,
        &tr.interaction_sid,
        &tr.channel_sid,
        &tr.sid,
        Some(status.as_str()),
    )
    .map_err(|e| match e {
        ChannelError::Conflict(m) if m.contains("has not joined") => {
            ApiError::conflict("The other agent has not joined yet: withdraw the transfer or wait")
        }
        ChannelError::Conflict(m) if m.contains("has joined") => {
            ApiError::conflict("The other agent has joined: the transfer can only be completed")
        }
        e => e.into(),
    })?;
    let v = app.store.read(|c| outgoing_json(c, &tr))?;
    Ok(Reply::ok(v).into())
}

/// The newest transfer away from task `t`, on any channel of its conversation.
fn latest_from(conn: &Connection, t: &Task) -> Result<Option<Transfer>, ApiError> {
    let Some(conv) = conversation_of(t) else {
        return Ok(None);
    };
    let mut found: Option<Transfer> = None;
    for ch in inter_db::channels_for_conversation(conn, &conv)? {
        for tr in transfer_db::transfers(conn, &ch.sid, ALL)?.items {
            if tr.from_task_sid == t.sid
                && found.as_ref().is_none_or(|f| tr.created_at >= f.created_at)
            {
                found = Some(tr);
            }
        }
    }
    Ok(found)
}

fn worker_name(conn: &Connection, sid: &str) -> Result<String, ApiError> {
    Ok(workers::fetch(conn, sid)?
        .as_ref()
        .map_or_else(|| "An agent".to_string(), display_name))
}

/// Who or what a transfer goes to, as a person reads it.
fn target_name(conn: &Connection, ws: Option<&str>, to: &str) -> Result<String, ApiError> {
    if is_sid(Prefix::Worker, to) {
        return worker_name(conn, to);
    }
    let q = match ws {
        Some(ws) => queues::find(conn, ws, to)?,
        None => None,
    };
    Ok(q.map_or_else(
        || "a queue".to_string(),
        |q| format!("the {} queue", q.friendly_name),
    ))
}

/// The agent who took a transfer's task (a queue's transfer names nobody until then).
fn joined_name(conn: &Connection, tr: &Transfer) -> Result<Option<String>, ApiError> {
    let Some(task) = tr.task_sid.as_deref().filter(|_| tr.accepted) else {
        return Ok(None);
    };
    let taker = crate::store::taskrouter::reservations::of_task(conn, task)?
        .into_iter()
        .rev()
        .find(|r| {
            matches!(
                r.status,
                ReservationStatus::Accepted
                    | ReservationStatus::Wrapping
                    | ReservationStatus::Completed
            )
        });
    taker.map(|r| worker_name(conn, &r.worker_sid)).transpose()
}

fn outgoing_json(conn: &Connection, tr: &Transfer) -> Result<Value, ApiError> {
    let ws =
        crate::store::taskrouter::tasks::find(conn, &tr.from_task_sid)?.map(|t| t.workspace_sid);
    Ok(json!({
        "joined_name": joined_name(conn, tr)?,
        "sid": tr.sid,
        "type": tr.kind,
        "status": tr.status,
        "accepted": tr.accepted,
        "to_kind": if is_sid(Prefix::Worker, &tr.to) { "agent" } else { "queue" },
        "to_name": target_name(conn, ws.as_deref(), &tr.to)?,
        "note": tr.note,
    }))
}

/// What the desktop shows of transfers beside task `t`: `transfer_in` (this task came by a
/// transfer: from whom, warm or cold, the note) and `transfer_out` (the agent's newest transfer
/// away from it, while under way or just failed).
pub fn transfer_info(conn: &Connection, t: &Task) -> Result<(Value, Value), ApiError> {
    let incoming = match transfer_db::transfer_for_task(conn, &t.sid)? {
        Some(tr) => json!({
            "type": tr.kind,
            "note": tr.note,
            "from_name": match &tr.from_worker_sid {
                Some(w) => worker_name(conn, w)?,
                None => "An agent".to_string(),
            },
        }),
        None => Value::Null,
    };
    let outgoing = match latest_from(conn, t)? {
        Some(tr) if tr.status != TransferStatus::Completed => outgoing_json(conn, &tr)?,
        _ => Value::Null,
    };
    Ok((incoming, outgoing))
}
