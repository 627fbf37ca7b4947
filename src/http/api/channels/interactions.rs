//! Flex v1 `Interactions`, their `Channels`, channel `Participants`, `Invites` and `Transfers`:
//! https://www.twilio.com/docs/flex/developer/conversations/interactions-api
//! Creates answer 200 where the definition says so (interactions, participants, invites) and 201
//! for transfers. `GET …/Invites/{KG}` and `GET …/Transfers` are switchboard's own, so that an
//! invite's `url` and a channel's `links.transfers` resolve.

use crate::channels::{interactions, transfers};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::interactions::{self as db, Channel, ChannelParticipant, Interaction};
use crate::store::channels::transfers::{Invite, Transfer};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Post, "/v1/Interactions", a, create),
        Route::new(Get, "/v1/Interactions/{InteractionSid}", a, fetch),
        Route::new(Post, "/v1/Interactions/{InteractionSid}", a, update),
        Route::new(
            Post,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites",
            a,
            create_invite,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites",
            a,
            list_invites,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites/{InviteSid}",
            a,
            fetch_invite,
        ),
        Route::new(
            Post,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Transfers",
            a,
            create_transfer,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Transfers",
            a,
            list_transfers,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Transfers/{TransferSid}",
            a,
            fetch_transfer,
        ),
        Route::new(
            Post,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Transfers/{TransferSid}",
            a,
            update_transfer,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels",
            a,
            list_channels,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}",
            a,
            fetch_channel,
        ),
        Route::new(
            Post,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}",
            a,
            update_channel,
        ),
        Route::new(
            Get,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Participants",
            a,
            list_participants,
        ),
        Route::new(
            Post,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Participants",
            a,
            create_participant,
        ),
        Route::new(
            Post,
            "/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Participants/{ParticipantSid}",
            a,
            update_participant,
        ),
    ]
}

fn interaction_json(req: &Req, i: &Interaction, channel_sid: Option<&str>) -> Value {
    let path = format!("/v1/Interactions/{}", i.sid);
    let mut channel = i.channel.clone();
    if let (Some(obj), Some(sid)) = (channel.as_object_mut(), channel_sid) {
        obj.insert("sid".into(), json!(sid));
    }
    with_urls(
        json!({
            "sid": i.sid,
            "channel": channel,
            "routing": i.routing,
            "interaction_context_sid": i.interaction_context_sid,
            "webhook_ttid": i.webhook_ttid,
        }),
        req,
        &path,
        &[("channels", format!("{path}/Channels"))],
    )
}

fn channel_json(req: &Req, c: &Channel) -> Value {
    let path = format!("/v1/Interactions/{}/Channels/{}", c.interaction_sid, c.sid);
    with_urls(
        json!({
            "sid": c.sid,
            "interaction_sid": c.interaction_sid,
            "type": c.channel_type,
            "status": c.status,
            "error_code": c.error_code,
            "error_message": c.error_message,
            "media_channel_sid": c.conversation_sid,
            "task_sid": c.task_sid,
        }),
        req,
        &path,
        &[
            ("participants", format!("{path}/Participants")),
            ("invites", format!("{path}/Invites")),
            ("transfers", format!("{path}/Transfers")),
        ],
    )
}

fn participant_json(req: &Req, p: &ChannelParticipant) -> Value {
    with_urls(
        json!({
            "sid": p.sid,
            "type": p.participant_type,
            "interaction_sid": p.interaction_sid,
            "channel_sid": p.channel_sid,
            "status": p.status,
            "participant_sid": p.participant_sid,
            "routing_properties": p.routing_properties,
        }),
        req,
        &format!(
            "/v1/Interactions/{}/Channels/{}/Participants/{}",
            p.interaction_sid, p.channel_sid, p.sid
        ),
        &[],
    )
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let channel = req
        .form
        .json_object("Channel")?
        .ok_or_else(|| ApiError::missing_param("Channel"))?;
    let routing = req.form.json_object("Routing")?;
    let context = req.form.get("InteractionContextSid").map(str::to_string);
    let ttid = super::text(req, "WebhookTtid", 256)?;
    let created = interactions::create(app, channel, routing, context, ttid)?;
    // The definition answers a create with 200, not 201.
    Ok(Reply::ok(interaction_json(
        req,
        &created.interaction,
        Some(&created.channel.sid),
    ))
    .into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let i = interactions::update(
        app,
        req.param("InteractionSid"),
        req.form.get("WebhookTtid"),
    )?;
    Ok(Reply::ok(interaction_json(req, &i, None)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let i = app
        .store
        .read(|c| interactions::fetch(c, req.param("InteractionSid")))?;
    Ok(Reply::ok(interaction_json(req, &i, None)).into())
}

fn list_channels(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| {
        let i = interactions::fetch(c, req.param("InteractionSid"))?;
        Ok::<_, ApiError>(db::channels(c, &i.sid, pr.window())?)
    })?;
    let page = page.map(|ch| channel_json(req, &ch));
    Ok(Reply::ok(list_reply(req, "channels", page, pr)).into())
}

fn fetch_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let ch = app.store.read(|c| {
        interactions::fetch_channel(c, req.param("InteractionSid"), req.param("ChannelSid"))
    })?;
    Ok(Reply::ok(channel_json(req, &ch)).into())
}

fn update_channel(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let status = req.form.require("Status")?;
    let routing = req.form.json_object("Routing")?;
    let ch = interactions::update_channel(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        status,
        routing,
    )?;
    Ok(Reply::ok(channel_json(req, &ch)).into())
}

fn list_participants(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| {
        let ch =
            interactions::fetch_channel(c, req.param("InteractionSid"), req.param("ChannelSid"))?;
        Ok::<_, ApiError>(db::participants(c, &ch.sid, pr.window())?)
    })?;
    let page = page.map(|p| participant_json(req, &p));
    Ok(Reply::ok(list_reply(req, "participants", page, pr)).into())
}

fn create_participant(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let kind = req.form.require("Type")?;
    let media = req
        .form
        .json_object("MediaProperties")?
        .ok_or_else(|| ApiError::missing_param("MediaProperties"))?;
    let routing = req.form.json_object("RoutingProperties")?;
    let p = interactions::add_participant(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        kind,
        media,
        routing,
    )?;
    Ok(Reply::ok(participant_json(req, &p)).into())
}

fn update_participant(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let status = req.form.require("Status")?;
    let p = interactions::update_participant(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        req.param("ParticipantSid"),
        status,
    )?;
    Ok(Reply::ok(participant_json(req, &p)).into())
}

fn channel_path(req: &Req) -> String {
    format!(
        "/v1/Interactions/{}/Channels/{}",
        req.param("InteractionSid"),
        req.param("ChannelSid")
    )
}

fn invite_json(req: &Req, i: &Invite) -> Value {
    with_urls(
        json!({
            "sid": i.sid,
            "interaction_sid": i.interaction_sid,
            "channel_sid": i.channel_sid,
            "routing": i.routing,
        }),
        req,
        &format!(
            "/v1/Interactions/{}/Channels/{}/Invites/{}",
            i.interaction_sid, i.channel_sid, i.sid
        ),
        &[],
    )
}

fn transfer_json(app: &App, req: &Req, t: &Transfer) -> Value {
    with_urls(
        json!({
            "sid": t.sid,
            "account_sid": app.account_sid,
            "instance_sid": crate::channels::flex_config::instance_sid(&app.account_sid),
            "interaction_sid": t.interaction_sid,
            "channel_sid": t.channel_sid,
            "execution_sid": null,
            "type": t.kind,
            "status": t.status,
            "from": t.from_participant_sid,
            "to": t.to,
            "note_sid": t.note_sid,
            "summary_sid": t.summary_sid,
            "date_created": iso8601(t.created_at),
            "date_updated": iso8601(t.updated_at),
        }),
        req,
        &format!(
            "/v1/Interactions/{}/Channels/{}/Transfers/{}",
            t.interaction_sid, t.channel_sid, t.sid
        ),
        &[],
    )
}

fn create_invite(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let routing = req
        .form
        .json_object("Routing")?
        .ok_or_else(|| ApiError::missing_param("Routing"))?;
    let i = transfers::invite(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        routing,
    )?;
    Ok(Reply::ok(invite_json(req, &i)).into())
}

fn list_invites(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| {
        transfers::invites(
            c,
            req.param("InteractionSid"),
            req.param("ChannelSid"),
            pr.window(),
        )
    })?;
    let page = page.map(|i| invite_json(req, &i));
    Ok(Reply::ok(list_reply(req, "invites", page, pr)).into())
}

fn fetch_invite(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let sid = req.param("InviteSid");
    let page = app.store.read(|c| {
        transfers::invites(
            c,
            req.param("InteractionSid"),
            req.param("ChannelSid"),
            crate::store::Window {
                offset: 0,
                limit: 10_000,
            },
        )
    })?;
    let i = page
        .items
        .into_iter()
        .find(|i| i.sid == sid)
        .ok_or_else(|| ApiError::not_found(&format!("{}/Invites/{sid}", channel_path(req))))?;
    Ok(Reply::ok(invite_json(req, &i)).into())
}

/// A transfer parameter: the form's `Name`, or the JSON body's `Name` / `name` (the definition
/// gives the create and update bodies as JSON).
fn transfer_param(req: &Req, name: &str) -> Result<Option<String>, ApiError> {
    if let Some(v) = req.form.get(name) {
        return Ok(Some(v.to_string()));
    }
    let Some(body) = &req.json else {
        return Ok(None);
    };
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "The request body must be a JSON object",
        ));
    }
    let snake = super::snake(name);
    match body.get(name).or_else(|| body.get(&snake)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_param(name, "must be a string")),
    }
}

fn create_transfer(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let routing = match req.form.json_object("Routing")? {
        Some(r) => Some(r),
        None => match req
            .json
            .as_ref()
            .and_then(|b| b.get("Routing").or(b.get("routing")))
        {
            None | Some(Value::Null) => None,
            Some(r @ Value::Object(_)) => Some(r.clone()),
            Some(_) => return Err(ApiError::bad_param("Routing", "must be a JSON object")),
        },
    };
    let t = transfers::create_transfer(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        transfers::NewTransfer {
            kind: transfer_param(req, "Type")?,
            to: transfer_param(req, "To")?,
            from: transfer_param(req, "From")?,
            note: transfer_param(req, "Note")?,
            summary: transfer_param(req, "Summary")?,
            routing,
        },
    )?;
    Ok(Reply::created(transfer_json(app, req, &t)).into())
}

fn list_transfers(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| {
        transfers::transfers(
            c,
            req.param("InteractionSid"),
            req.param("ChannelSid"),
            pr.window(),
        )
    })?;
    let page = page.map(|t| transfer_json(app, req, &t));
    Ok(Reply::ok(list_reply(req, "transfers", page, pr)).into())
}

fn fetch_transfer(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let t = app.store.read(|c| {
        transfers::fetch_transfer(
            c,
            req.param("InteractionSid"),
            req.param("ChannelSid"),
            req.param("TransferSid"),
        )
    })?;
    Ok(Reply::ok(transfer_json(app, req, &t)).into())
}

fn update_transfer(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let status = transfer_param(req, "Status")?;
    let t = transfers::update_transfer(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        req.param("TransferSid"),
        status.as_deref(),
    )?;
    Ok(Reply::ok(transfer_json(app, req, &t)).into())
}
