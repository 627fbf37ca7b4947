//! Conversations (Conversations v1): state `active` | `inactive` | `closed`, attributes, timers.
//! An inbound message reactivates an inactive conversation; a closed one takes no messages.
//! Also the functions the pages use to read and post messages.
//! https://www.twilio.com/docs/conversations/api/conversation-resource

use super::{messages, Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::states::ConversationState;
use crate::store::channels::conversations as db;
pub use crate::store::channels::conversations::{Conversation, Filter};
pub use crate::store::channels::messages::Message;
use rusqlite::Connection;
use serde_json::{json, Value};

/// A conversation's life cycle, the one place its moves are decided: `initializing`, `active`
/// and `inactive` move freely between each other (the inactive timer, a new message, an update
/// through the API, which Twilio lets set any of them) and to `closed`; `closed` is for good.
/// `None`: no move (the same state, or out of `closed`).
impl ConversationState {
    pub fn transition(self, to: ConversationState) -> Option<ConversationState> {
        match (self, to) {
            (from, to) if from == to => None,
            (ConversationState::Closed, _) => None,
            (_, to) => Some(to),
        }
    }
}

/// Fields of a create or update; `None` leaves a field alone.
#[derive(Debug, Default, Clone)]
pub struct Fields {
    pub friendly_name: Option<String>,
    pub unique_name: Option<String>,
    pub attributes: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub state: Option<String>,
    pub timers_inactive: Option<String>,
    pub timers_closed: Option<String>,
    pub date_created: Option<i64>,
    pub date_updated: Option<i64>,
    /// The Conversations service (`IS…`) of a new conversation; the default service when `None`.
    pub chat_service_sid: Option<String>,
    pub email_address: Option<String>,
    pub email_name: Option<String>,
    /// A REST API call without `X-Twilio-Webhook-Enabled: true` (no post-event webhook).
    pub quiet: bool,
    /// The SID of a new conversation when it was chosen before (Studio's start-conversation
    /// names it in its run); a new one when `None`.
    pub sid: Option<String>,
}

pub fn create(app: &Core, fields: Fields) -> Result<Conversation> {
    app.store
        .write(|tx| create_in(tx, app, fields, None, app.now_ms()))
}

/// Creates a conversation inside the caller's transaction (`flex_flow_sid`: the handler that
/// opened it, whose janitor settings then apply).
pub fn create_in(
    tx: &Connection,
    app: &Core,
    fields: Fields,
    flex_flow_sid: Option<&str>,
    now: i64,
) -> Result<Conversation> {
    // A Flex Flow's conversations live in its own service (whatever the account's default).
    let flow_service = match flex_flow_sid {
        Some(f) => match crate::store::channels::flex_flows::find(tx, f)? {
            Some(flow) => crate::store::channels::services::find(tx, &flow.chat_service_sid)?
                .map(|svc| svc.sid),
            None => None,
        },
        None => None,
    };
    let chat_service_sid = match (&fields.chat_service_sid, flow_service) {
        (Some(s), _) => super::services::fetch(tx, s)?.sid,
        (None, Some(s)) => s,
        (None, None) => super::services::default_sid(tx, now)?,
    };
    // The account configuration's defaults apply to what the request leaves out.
    let defaults =
        super::services::document(tx, super::services::ACCOUNT, super::services::Kind::Account)?;
    let mut fields = fields;
    let default = |k: &str| defaults[k].as_str().map(str::to_string);
    if fields.timers_inactive.is_none() {
        fields.timers_inactive = default("default_inactive_timer");
    }
    if fields.timers_closed.is_none() {
        fields.timers_closed = default("default_closed_timer");
    }
    if fields.messaging_service_sid.is_none() {
        fields.messaging_service_sid = default("default_messaging_service_sid");
    }
    let mut c = Conversation {
        sid: fields
            .sid
            .clone()
            .unwrap_or_else(|| new_sid(Prefix::Conversation)),
        chat_service_sid,
        messaging_service_sid: None,
        friendly_name: None,
        unique_name: None,
        attributes: "{}".into(),
        state: ConversationState::Active,
        timers: json!({}),
        flex_flow_sid: flex_flow_sid.map(str::to_string),
        bindings: None,
        created_at: fields.date_created.unwrap_or(now),
        updated_at: fields.date_updated.unwrap_or(now),
    };
    apply(&mut c, &fields, now)?;
    if let Some(u) = &c.unique_name {
        if db::find(tx, u)?.is_some() {
            return Err(Error::Conflict(format!(
                "A conversation with unique name {u} already exists"
            )));
        }
    }
    db::insert(tx, &c)?;
    schedule_timers(tx, &c)?;
    if !fields.quiet {
        super::services::queue_post_webhooks(
            tx,
            app,
            &c.chat_service_sid,
            Some(&c.sid),
            "onConversationAdded",
            conversation_params(
                &c,
                if flex_flow_sid.is_some() {
                    "SMS"
                } else {
                    "API"
                },
            ),
        )?;
    }
    app.record(
        tx,
        &NewEvent::new(EventType::ConversationCreated, "conversation", &c.sid)
            .describe("conversation created")
            .data(event_data(&c)),
    )?;
    Ok(c)
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Conversation> {
    db::find(conn, sid)?.ok_or_else(|| Error::not_found(sid))
}

/// A conversation of one Conversations service (another service's is not found there).
pub fn fetch_in(conn: &Connection, service: &str, sid: &str) -> Result<Conversation> {
    db::find(conn, sid)?
        .filter(|c| c.chat_service_sid == service)
        .ok_or_else(|| Error::not_found(sid))
}

/// `ConversationWithParticipants`: a conversation and its participants in one write (none of it
/// when one participant is refused).
pub fn create_with_participants(
    app: &Core,
    fields: Fields,
    participants: Vec<super::participants::Fields>,
) -> Result<Conversation> {
    if participants.len() > 10 {
        return Err(Error::invalid(
            "Participant",
            "at most 10 participants per request",
        ));
    }
    app.store.write(|tx| {
        let c = create_in(tx, app, fields, None, app.now_ms())?;
        for p in participants {
            super::participants::add_checked_in(tx, app, &c.sid, p)?;
        }
        Ok(c)
    })
}

pub fn update(app: &Core, sid: &str, fields: Fields) -> Result<Conversation> {
    app.store.write(|tx| {
        let mut c = fetch(tx, sid)?;
        let before = c.state;
        apply(&mut c, &fields, app.now_ms())?;
        if let Some(u) = &fields.unique_name {
            if db::find(tx, u)?.is_some_and(|o| o.sid != c.sid) {
                return Err(Error::Conflict(format!(
                    "A conversation with unique name {u} already exists"
                )));
            }
        }
        if let Some(d) = fields.date_created {
            c.created_at = d;
        }
        c.updated_at = fields.date_updated.unwrap_or_else(|| app.now_ms());
        db::update(tx, &c)?;
        schedule_timers(tx, &c)?;
        if before != c.state {
            record_state(tx, app, &c)?;
        }
        if !fields.quiet {
            let mut params = conversation_params(&c, "API");
            super::services::queue_post_webhooks(
                tx,
                app,
                &c.chat_service_sid,
                Some(&c.sid),
                "onConversationUpdated",
                params.clone(),
            )?;
            if before != c.state {
                params["Reason"] = json!("API");
                queue_state_updated(tx, app, &c, before, params)?;
            }
        }
        Ok(c)
    })
}

/// The parameters Twilio's conversation events carry.
fn conversation_params(c: &Conversation, source: &str) -> Value {
    json!({
        "ConversationSid": c.sid,
        "FriendlyName": c.friendly_name,
        "UniqueName": c.unique_name,
        "Attributes": c.attributes,
        "State": c.state.as_str(),
        "MessagingServiceSid": c.messaging_service_sid,
        "DateCreated": crate::clock::iso8601(c.created_at),
        "DateUpdated": crate::clock::iso8601(c.updated_at),
        "Source": source,
    })
}

/// Moves a conversation to `state` in the caller's transaction (and records it); a no-op if it
/// is there already.
pub fn set_state_in(
    tx: &Connection,
    app: &Core,
    sid: &str,
    state: ConversationState,
) -> Result<bool> {
    let mut c = fetch(tx, sid)?;
    let Some(state) = c.state.transition(state) else {
        return Ok(false);
    };
    let from = std::mem::replace(&mut c.state, state);
    c.updated_at = app.now_ms();
    db::set_state(tx, sid, state, c.updated_at)?;
    record_state(tx, app, &c)?;
    // Timers, the janitor and new messages move states: Twilio reports those as the system's.
    queue_state_updated(tx, app, &c, from, conversation_params(&c, "SYSTEM"))?;
    Ok(true)
}

/// Queues `onConversationStateUpdated` (the conversation's event `params` plus the move from
/// `from` to its current state) for the service's post-event webhooks.
fn queue_state_updated(
    tx: &Connection,
    app: &Core,
    c: &Conversation,
    from: ConversationState,
    mut params: Value,
) -> Result<()> {
    params["StateFrom"] = json!(from.as_str());
    params["StateTo"] = json!(c.state.as_str());
    super::services::queue_post_webhooks(
        tx,
        app,
        &c.chat_service_sid,
        Some(&c.sid),
        "onConversationStateUpdated",
        params,
    )
}

fn record_state(tx: &Connection, app: &Core, c: &Conversation) -> Result<()> {
    let kind = if c.state == ConversationState::Closed {
        EventType::ConversationClosed
    } else {
        EventType::ConversationStateUpdated
    };
    app.record(
        tx,
        &NewEvent::new(kind, "conversation", &c.sid)
            .describe(format!("conversation {}", c.state))
            .data(event_data(c)),
    )?;
    Ok(())
}

/// Deletes a conversation; `quiet`: a REST call without `X-Twilio-Webhook-Enabled: true`.
pub fn delete(app: &Core, sid: &str, quiet: bool) -> Result<()> {
    app.store.write(|tx| {
        let c = fetch(tx, sid)?;
        db::delete(tx, &c.sid)?;
        if !quiet {
            super::services::queue_post_webhooks(
                tx,
                app,
                &c.chat_service_sid,
                None,
                "onConversationRemoved",
                conversation_params(&c, "API"),
            )?;
        }
        Ok(())
    })
}

pub fn list(
    conn: &Connection,
    f: &Filter,
    w: crate::store::Window,
) -> Result<crate::store::Page<Conversation>> {
    Ok(db::list(conn, f, w)?)
}

/// Messages of a conversation with an index above `after_index` (all when `None`), oldest first.
pub fn list_messages(
    conn: &Connection,
    conversation_sid: &str,
    after_index: Option<i64>,
    limit: u32,
) -> Result<Vec<Message>> {
    Ok(crate::store::channels::messages::after(
        conn,
        conversation_sid,
        after_index,
        limit,
    )?)
}

/// Posts a message as `author` (an agent, the bot); delivered to the conversation's carrier
/// bindings through the outbox.
pub fn post_message(
    app: &Core,
    conversation_sid: &str,
    author: &str,
    body: &str,
) -> Result<Message> {
    app.store.write(|tx| {
        messages::add_in(
            tx,
            app,
            conversation_sid,
            messages::NewMessage {
                author: author.to_string(),
                body: Some(body.to_string()),
                ..Default::default()
            },
        )
    })
}

fn apply(c: &mut Conversation, f: &Fields, now: i64) -> Result<()> {
    if let Some(v) = &f.friendly_name {
        c.friendly_name = Some(v.clone());
    }
    if let Some(v) = &f.unique_name {
        c.unique_name = Some(v.clone()).filter(|s| !s.is_empty());
    }
    if let Some(v) = &f.attributes {
        if serde_json::from_str::<Value>(v).is_err() {
            return Err(Error::invalid("Attributes", "must be a JSON document"));
        }
        c.attributes = v.clone();
    }
    if let Some(v) = &f.messaging_service_sid {
        c.messaging_service_sid = Some(v.clone());
    }
    if let Some(v) = &f.state {
        let v = ConversationState::parse(v).ok_or_else(|| {
            Error::invalid("State", "must be initializing, active, inactive or closed")
        })?;
        match c.state.transition(v) {
            Some(to) => c.state = to,
            None if c.state == v => {}
            None => {
                return Err(Error::Conflict(
                    "A closed conversation cannot be reopened".into(),
                ))
            }
        }
    }
    let mut timers = c.timers.as_object().cloned().unwrap_or_default();
    for (key, v) in [
        ("inactive", &f.timers_inactive),
        ("closed", &f.timers_closed),
    ] {
        if let Some(d) = v {
            let ms = parse_duration_ms(d).ok_or_else(|| {
                Error::invalid(
                    &format!("Timers.{}", cap(key)),
                    "is not an ISO 8601 duration (PT5M)",
                )
            })?;
            timers.insert(
                format!("date_{key}"),
                json!(crate::clock::iso8601(now + ms)),
            );
            timers.insert(format!("{key}_after_ms"), json!(ms));
        }
    }
    c.timers = Value::Object(timers);
    if f.email_address.is_some() || f.email_name.is_some() {
        let mut b = c.bindings.clone().unwrap_or_else(|| json!({}));
        if let Some(a) = &f.email_address {
            if !a.is_empty() && !a.contains('@') {
                return Err(Error::invalid(
                    "Bindings.Email.Address",
                    "is not an email address",
                ));
            }
            b["email"]["address"] = json!(a);
        }
        if let Some(n) = &f.email_name {
            b["email"]["name"] = json!(n);
        }
        c.bindings = Some(b);
    }
    Ok(())
}

/// Durable timers move the conversation to `inactive` / `closed` at `timers.date_*`.
fn schedule_timers(tx: &Connection, c: &Conversation) -> Result<()> {
    for key in ["inactive", "closed"] {
        let due = c
            .timers
            .get(format!("date_{key}"))
            .and_then(Value::as_str)
            .and_then(crate::clock::parse_iso8601);
        if let Some(due) = due {
            crate::timers::schedule(
                tx,
                crate::timers::TimerKind::ChatSessionExpiry,
                &format!("{}:{key}", c.sid),
                due,
                &json!({"ConversationSid": c.sid, "State": key}),
            )?;
        }
    }
    Ok(())
}

/// A message was added at `now`: timers count from the last activity, so they move.
pub fn touch_timers_in(tx: &Connection, c: &Conversation, now: i64) -> Result<()> {
    let mut timers = c.timers.as_object().cloned().unwrap_or_default();
    let mut moved = false;
    for key in ["inactive", "closed"] {
        if let Some(ms) = timers
            .get(&format!("{key}_after_ms"))
            .and_then(Value::as_i64)
        {
            timers.insert(
                format!("date_{key}"),
                json!(crate::clock::iso8601(now + ms)),
            );
            moved = true;
        }
    }
    if moved {
        let mut c = c.clone();
        c.timers = Value::Object(timers);
        db::set_timers(tx, &c.sid, &c.timers)?;
        schedule_timers(tx, &c)?;
    }
    Ok(())
}

/// The `ChatSessionExpiry` timer: a conversation's inactive or closed timer is due.
pub fn on_timer(
    app: &Core,
    row: &crate::store::timers::TimerRow,
) -> std::result::Result<(), String> {
    let sid = row
        .data
        .get("ConversationSid")
        .and_then(Value::as_str)
        .unwrap_or("");
    let state = row
        .data
        .get("State")
        .and_then(Value::as_str)
        .and_then(ConversationState::parse);
    app.store
        .write(|tx| -> Result<()> {
            let Some(c) = db::find(tx, sid)? else {
                return Ok(());
            };
            // The inactive timer counts from the last message: only an active conversation
            // goes inactive by it (the life cycle decides the rest).
            let timer_applies = match state {
                Some(ConversationState::Inactive) => c.state == ConversationState::Active,
                Some(ConversationState::Closed) => true,
                _ => false,
            };
            if let (true, Some(to)) = (timer_applies, state) {
                set_state_in(tx, app, &c.sid, to)?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Parses the ISO 8601 durations Twilio's timers take (`PT5M`, `P1D`, `PT1H30M`, `PT10S`).
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let rest = s.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut ms = 0i64;
    let mut num = String::new();
    for ch in days.chars() {
        match ch {
            '0'..='9' => num.push(ch),
            'D' => ms += num.parse::<i64>().ok()? * 86_400_000,
            'W' => ms += num.parse::<i64>().ok()? * 7 * 86_400_000,
            _ => return None,
        }
        if !ch.is_ascii_digit() {
            num.clear();
        }
    }
    for ch in time.chars() {
        match ch {
            '0'..='9' => num.push(ch),
            'H' => ms += num.parse::<i64>().ok()? * 3_600_000,
            'M' => ms += num.parse::<i64>().ok()? * 60_000,
            'S' => ms += num.parse::<i64>().ok()? * 1000,
            _ => return None,
        }
        if !ch.is_ascii_digit() {
            num.clear();
        }
    }
    (num.is_empty() && s.len() > 1).then_some(ms)
}

pub fn event_data(c: &Conversation) -> Value {
    json!({
        "ConversationSid": c.sid,
        "ChatServiceSid": c.chat_service_sid,
        "State": c.state.as_str(),
        "FriendlyName": c.friendly_name,
        "UniqueName": c.unique_name,
        "Attributes": c.attributes,
        "FlexFlowSid": c.flex_flow_sid,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_duration_ms;

    #[test]
    fn parses_twilio_timer_durations() {
        assert_eq!(parse_duration_ms("PT5M"), Some(300_000));
        assert_eq!(parse_duration_ms("P1D"), Some(86_400_000));
        assert_eq!(parse_duration_ms("PT1H30M10S"), Some(5_410_000));
        assert_eq!(parse_duration_ms("5M"), None);
        assert_eq!(parse_duration_ms("PT5"), None);
        assert_eq!(parse_duration_ms("P"), None);
    }
}

#[cfg(test)]
mod life_cycle_tests {
    use crate::states::ConversationState::{self, *};

    #[test]
    fn closed_is_for_good_and_the_others_move_freely() {
        for from in ConversationState::ALL.iter().copied() {
            for to in ConversationState::ALL.iter().copied() {
                let want = (from != to && from != Closed).then_some(to);
                assert_eq!(from.transition(to), want, "{from} → {to}");
            }
        }
    }
}
