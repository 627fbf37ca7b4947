//! Conversations v1 `Users` (https://www.twilio.com/docs/conversations/api/user-resource), a user's
//! `Conversations` (…/conversations/api/user-conversation-resource) and `ParticipantConversations`
//! (…/conversations/api/participant-conversation-resource): the conversations an identity or an
//! address takes part in, looked up through the participants.

use super::conversations::timers_json;
use super::participants::messaging_binding;
use super::{both, quiet, scope, text, Scope};
use crate::channels::users::{self, Fields};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::conversations::Conversation;
use crate::store::channels::participants::Participant;
use crate::store::channels::users::{Member, User};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let mut r = Vec::new();
    r.extend(both!(Get, "/Users", list));
    r.extend(both!(Post, "/Users", create));
    r.extend(both!(Get, "/Users/{UserSid}", fetch));
    r.extend(both!(Post, "/Users/{UserSid}", update));
    r.extend(both!(Delete, "/Users/{UserSid}", delete));
    r.extend(both!(
        Get,
        "/Users/{UserSid}/Conversations",
        list_conversations
    ));
    r.extend(both!(
        Get,
        "/Users/{UserSid}/Conversations/{ConversationSid}",
        fetch_conversation
    ));
    r.extend(both!(
        Post,
        "/Users/{UserSid}/Conversations/{ConversationSid}",
        update_conversation
    ));
    r.extend(both!(
        Delete,
        "/Users/{UserSid}/Conversations/{ConversationSid}",
        leave_conversation
    ));
    r.extend(both!(
        Get,
        "/ParticipantConversations",
        participant_conversations
    ));
    r
}

fn user_json(app: &App, req: &Req, scope: &Scope, u: &User) -> Result<Value, ApiError> {
    let path = format!("{}/Users/{}", scope.prefix, u.sid);
    let reachability = app
        .store
        .read(|c| {
            crate::channels::services::document(
                c,
                &u.chat_service_sid,
                crate::channels::services::Kind::Service,
            )
        })?
        .get("reachability_enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // With reachability on, nobody is online: the box serves no client SDK connections.
    let presence = if reachability {
        json!(false)
    } else {
        Value::Null
    };
    Ok(with_urls(
        json!({
            "sid": u.sid,
            "account_sid": app.account_sid,
            "chat_service_sid": u.chat_service_sid,
            "role_sid": u.role_sid,
            "identity": u.identity,
            "friendly_name": u.friendly_name,
            "attributes": u.attributes,
            "is_online": presence,
            "is_notifiable": presence,
            "date_created": iso8601(u.created_at),
            "date_updated": iso8601(u.updated_at),
        }),
        req,
        &path,
        &[("user_conversations", format!("{path}/Conversations"))],
    ))
}

fn fields(req: &Req) -> Result<Fields, ApiError> {
    if req
        .form
        .get("Attributes")
        .is_some_and(|a| a.len() > crate::http::encoding::MAX_ATTRIBUTES_BYTES)
    {
        return Err(ApiError::bad_param("Attributes", "is too long"));
    }
    Ok(Fields {
        identity: text(req, "Identity", 256)?,
        friendly_name: text(req, "FriendlyName", 256)?,
        attributes: req.form.get("Attributes").map(str::to_string),
        role_sid: req.form.get("RoleSid").map(str::to_string),
        quiet: quiet(req),
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    req.form.require("Identity")?;
    let u = users::create(app, &scope.service, fields(req)?)?;
    Ok(Reply::created(user_json(app, req, &scope, &u)?).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let u = app
        .store
        .read(|c| users::fetch(c, &scope.service, req.param("UserSid")))?;
    Ok(Reply::ok(user_json(app, req, &scope, &u)?).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let mut f = fields(req)?;
    f.identity = None;
    let u = users::update(app, &scope.service, req.param("UserSid"), f)?;
    Ok(Reply::ok(user_json(app, req, &scope, &u)?).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    users::delete(app, &scope.service, req.param("UserSid"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| crate::store::channels::users::list(c, &scope.service, pr.window()))?;
    let items = page
        .items
        .iter()
        .map(|u| user_json(app, req, &scope, u))
        .collect::<Result<_, _>>()?;
    let page = crate::store::Page {
        items,
        has_more: page.has_more,
    };
    Ok(Reply::ok(list_reply(req, "users", page, pr)).into())
}

struct Membership<'a> {
    user: &'a User,
    conv: &'a Conversation,
    participant: &'a Participant,
    unread: Option<i64>,
    notification_level: String,
}

fn user_conversation_json(app: &App, req: &Req, scope: &Scope, m: &Membership<'_>) -> Value {
    let c = m.conv;
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": c.chat_service_sid,
            "conversation_sid": c.sid,
            "unread_messages_count": m.unread,
            "last_read_message_index": m.participant.last_read_message_index,
            "participant_sid": m.participant.sid,
            "user_sid": m.user.sid,
            "friendly_name": c.friendly_name,
            "conversation_state": c.state.as_str(),
            "timers": timers_json(c),
            "attributes": c.attributes,
            "date_created": iso8601(c.created_at),
            "date_updated": iso8601(c.updated_at),
            "created_by": null,
            "notification_level": m.notification_level,
            "unique_name": c.unique_name,
        }),
        req,
        &format!(
            "{}/Users/{}/Conversations/{}",
            scope.prefix, m.user.sid, c.sid
        ),
        &[
            (
                "participant",
                format!(
                    "{}/Conversations/{}/Participants/{}",
                    scope.prefix, c.sid, m.participant.sid
                ),
            ),
            (
                "conversation",
                format!("{}/Conversations/{}", scope.prefix, c.sid),
            ),
        ],
    )
}

fn list_conversations(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let (user, page, levels) = app.store.read(|c| {
        let u = users::fetch(c, &scope.service, req.param("UserSid"))?;
        let page = crate::store::channels::users::membership(
            c,
            &scope.service,
            Member::Identity(&u.identity),
            pr.window(),
        )?;
        let mut levels = Vec::new();
        for (conv, _, _) in &page.items {
            levels.push(crate::store::channels::users::notification_level(
                c, &u.sid, &conv.sid,
            )?);
        }
        Ok::<_, ApiError>((u, page, levels))
    })?;
    let items = page
        .items
        .iter()
        .zip(levels)
        .map(|((conv, p, unread), level)| {
            user_conversation_json(
                app,
                req,
                &scope,
                &Membership {
                    user: &user,
                    conv,
                    participant: p,
                    unread: Some(*unread),
                    notification_level: level.unwrap_or_else(|| "default".into()),
                },
            )
        })
        .collect();
    let page = crate::store::Page {
        items,
        has_more: page.has_more,
    };
    Ok(Reply::ok(list_reply(req, "conversations", page, pr)).into())
}

fn one_conversation(app: &App, req: &Req, scope: &Scope) -> Result<Value, ApiError> {
    let (user, participant, conv, unread, level) = app.store.read(|c| {
        let (u, p) = users::membership(
            c,
            &scope.service,
            req.param("UserSid"),
            req.param("ConversationSid"),
        )?;
        let conv = crate::channels::conversations::fetch(c, &p.conversation_sid)?;
        let unread = Some(crate::store::channels::users::unread(
            c,
            &conv.sid,
            p.last_read_message_index,
        )?);
        let level = crate::store::channels::users::notification_level(c, &u.sid, &conv.sid)?;
        Ok::<_, ApiError>((u, p, conv, unread, level))
    })?;
    Ok(user_conversation_json(
        app,
        req,
        scope,
        &Membership {
            user: &user,
            conv: &conv,
            participant: &participant,
            unread,
            notification_level: level.unwrap_or_else(|| "default".into()),
        },
    ))
}

fn fetch_conversation(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    Ok(Reply::ok(one_conversation(app, req, &scope)?).into())
}

fn update_conversation(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    if let Some(t) = req.form.get("LastReadTimestamp") {
        if crate::clock::parse_iso8601(t).is_none() {
            return Err(ApiError::bad_param(
                "LastReadTimestamp",
                "is not an ISO 8601 date",
            ));
        }
    }
    users::update_membership(
        app,
        &scope.service,
        req.param("UserSid"),
        req.param("ConversationSid"),
        req.form.get("NotificationLevel").map(str::to_string),
        req.form.parse("LastReadMessageIndex")?,
        req.form.get("LastReadTimestamp").map(str::to_string),
    )?;
    Ok(Reply::ok(one_conversation(app, req, &scope)?).into())
}

fn leave_conversation(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    users::leave(
        app,
        &scope.service,
        req.param("UserSid"),
        req.param("ConversationSid"),
        quiet(req),
    )?;
    Ok(Reply::no_content().into())
}

/// `GET …/ParticipantConversations?Identity=…|Address=…`.
fn participant_conversations(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let identity = req.query.get("Identity").filter(|s| !s.is_empty());
    let address = req.query.get("Address").filter(|s| !s.is_empty());
    let who = match (identity, address) {
        (Some(i), None) => Member::Identity(i),
        (None, Some(a)) => Member::Address(a),
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_param(
                "Identity",
                "give either Identity or Address, not both",
            ))
        }
        (None, None) => return Err(ApiError::missing_param("Identity or Address")),
    };
    let (page, user_sids) = app.store.read(|c| {
        let page = crate::store::channels::users::membership(c, &scope.service, who, pr.window())?;
        let mut sids = Vec::new();
        for (_, p, _) in &page.items {
            let user = match &p.identity {
                Some(i) => crate::store::channels::users::find(c, &scope.service, i)?
                    .filter(|u| &u.identity == i)
                    .map(|u| u.sid),
                None => None,
            };
            sids.push(user);
        }
        Ok::<_, ApiError>((page, sids))
    })?;
    let items = page
        .items
        .iter()
        .zip(user_sids)
        .map(|((c, p, _), user_sid)| {
            with_links(
                json!({
                    "account_sid": app.account_sid,
                    "chat_service_sid": c.chat_service_sid,
                    "participant_sid": p.sid,
                    "participant_user_sid": user_sid,
                    "participant_identity": p.identity,
                    "participant_messaging_binding": messaging_binding(p),
                    "conversation_sid": c.sid,
                    "conversation_unique_name": c.unique_name,
                    "conversation_friendly_name": c.friendly_name,
                    "conversation_attributes": c.attributes,
                    "conversation_date_created": iso8601(c.created_at),
                    "conversation_date_updated": iso8601(c.updated_at),
                    "conversation_created_by": null,
                    "conversation_state": c.state.as_str(),
                    "conversation_timers": timers_json(c),
                }),
                req,
                &[
                    (
                        "participant",
                        format!(
                            "{}/Conversations/{}/Participants/{}",
                            scope.prefix, c.sid, p.sid
                        ),
                    ),
                    (
                        "conversation",
                        format!("{}/Conversations/{}", scope.prefix, c.sid),
                    ),
                ],
            )
        })
        .collect();
    let page = crate::store::Page {
        items,
        has_more: page.has_more,
    };
    Ok(Reply::ok(list_reply(req, "conversations", page, pr)).into())
}

/// `links` without a `url` (a participant conversation has no URL of its own).
fn with_links(mut v: Value, req: &Req, links: &[(&str, String)]) -> Value {
    let map = links
        .iter()
        .map(|(k, p)| (k.to_string(), Value::String(req.url(p))))
        .collect();
    v["links"] = Value::Object(map);
    v
}
