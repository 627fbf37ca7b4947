//! Conversations v1 message `Receipts` (https://www.twilio.com/docs/conversations/api/receipt-resource),
//! what a message's `links.delivery_receipts` points at, and its `ChannelMetadata` (the carrier's
//! own id of the message, `links.channel_metadata`).

use super::{both, conversation_in, scope, Scope};
use crate::channels::participants::binding_type;
use crate::channels::receipts::{self, Receipt};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let mut r = Vec::new();
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Messages/{MessageSid}/Receipts",
        list
    ));
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Messages/{MessageSid}/Receipts/{ReceiptSid}",
        fetch
    ));
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Messages/{MessageSid}/ChannelMetadata",
        channel_metadata
    ));
    r
}

fn receipt_json(app: &App, req: &Req, scope: &Scope, r: &Receipt) -> Value {
    let sid = receipts::sid_of(&r.outbound_sid);
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": scope.service,
            "conversation_sid": r.conversation_sid,
            "message_sid": r.message_sid,
            "sid": sid,
            "channel_message_sid": r.channel_message_sid,
            "participant_sid": r.participant_sid,
            "status": r.status,
            "error_code": r.error_code.unwrap_or(0),
            "date_created": iso8601(r.created_at),
            "date_updated": iso8601(r.updated_at),
        }),
        req,
        &format!(
            "{}/Conversations/{}/Messages/{}/Receipts/{sid}",
            scope.prefix, r.conversation_sid, r.message_sid
        ),
        &[],
    )
}

/// The conversation and message of the path (404 when either is not there).
fn message(
    app: &App,
    req: &Req,
    scope: &Scope,
) -> Result<crate::store::channels::messages::Message, ApiError> {
    let conv = conversation_in(app, req, scope)?;
    Ok(app
        .store
        .read(|c| crate::channels::messages::fetch(c, &conv.sid, req.param("MessageSid")))?)
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let m = message(app, req, &scope)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| {
        crate::store::channels::receipts::list(c, &m.conversation_sid, &m.sid, pr.window())
    })?;
    let page = page.map(|r| receipt_json(app, req, &scope, &r));
    Ok(Reply::ok(list_reply(req, "delivery_receipts", page, pr)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let m = message(app, req, &scope)?;
    let outbound = receipts::outbound_of(req.param("ReceiptSid"))
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    let r = app
        .store
        .read(|c| {
            crate::store::channels::receipts::find(c, &m.conversation_sid, &m.sid, &outbound)
        })?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(receipt_json(app, req, &scope, &r)).into())
}

/// The channel a message travelled and the carrier's id of it: an inbound carrier message's
/// `MessageSid`, else the first carrier send's; `chat` with no data for a chat-only message.
fn channel_metadata(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let m = message(app, req, &scope)?;
    let sends = app.store.read(|c| {
        crate::store::channels::receipts::list(
            c,
            &m.conversation_sid,
            &m.sid,
            crate::store::Window {
                offset: 0,
                limit: 1,
            },
        )
    })?;
    let (kind, data) = if let Some(ext) = &m.external_sid {
        (binding_type(&m.author), json!({"id": ext}))
    } else if let Some(r) = sends.items.first() {
        let to = app
            .store
            .read(|c| {
                crate::store::channels::participants::list(
                    c,
                    &m.conversation_sid,
                    crate::store::Window {
                        offset: 0,
                        limit: 100,
                    },
                )
            })?
            .items
            .into_iter()
            .find(|p| Some(&p.sid) == r.participant_sid.as_ref())
            .and_then(|p| p.binding_address);
        (
            to.as_deref().map(binding_type).unwrap_or("sms"),
            json!({"id": r.channel_message_sid}),
        )
    } else {
        ("chat", json!({}))
    };
    let path = format!(
        "{}/Conversations/{}/Messages/{}/ChannelMetadata",
        scope.prefix, m.conversation_sid, m.sid
    );
    Ok(Reply::ok(with_urls(
        json!({
            "account_sid": app.account_sid,
            "conversation_sid": m.conversation_sid,
            "message_sid": m.sid,
            "type": kind,
            "data": data,
        }),
        req,
        &path,
        &[],
    ))
    .into())
}
