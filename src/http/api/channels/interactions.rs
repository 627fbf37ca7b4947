//! Flex v1 `Interactions`, their `Channels` and channel `Participants`:
//! https://www.twilio.com/docs/flex/developer/conversations/interactions-api

use crate::channels::interactions;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::interactions::{self as db, Channel, ChannelParticipant, Interaction};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let a = Access::Account;
    vec![
        Route::new(Post, "/v1/Interactions", a, create),
        Route::new(Get, "/v1/Interactions/{InteractionSid}", a, fetch),
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
    let created = interactions::create(app, channel, routing, context)?;
    Ok(Reply::created(interaction_json(
        req,
        &created.interaction,
        Some(&created.channel.sid),
    ))
    .into())
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
        .unwrap_or_else(|| json!({}));
    let p = interactions::add_participant(
        app,
        req.param("InteractionSid"),
        req.param("ChannelSid"),
        kind,
        media,
    )?;
    Ok(Reply::created(participant_json(req, &p)).into())
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
