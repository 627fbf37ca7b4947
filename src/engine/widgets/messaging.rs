//! send-message and send-and-wait-for-reply. The message itself is the event
//! `studio.execution.send-message`, committed with the run; the channels layer (a durable
//! subscriber) delivers it as a conversation message or through the carrier.

use super::{props, Fail, Outcome, WaitFor, WidgetResult};
use crate::engine::context::{text, trigger_payload};
use crate::engine::effects::Op;
use crate::engine::run::Run;
use crate::events::{EventType, NewEvent};
use crate::flows::definition::State;
use serde_json::{json, Map, Value};

/// Default wait for a reply, as Studio's: one hour.
const DEFAULT_TIMEOUT_S: i64 = 3600;

/// Appends the outbound message event; returns the message as the widget's outputs show it.
fn send(run: &mut Run, p: &Map<String, Value>) -> Result<Value, Fail> {
    let body = text(p, "body");
    if body.is_empty() && text(p, "content_sid").is_empty() {
        return Err(Fail::widget("the message body is empty"));
    }
    let ctx = run.ctx();
    let to = Some(text(p, "to"))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| {
            ctx["contact"]["channel"]["address"]
                .as_str()
                .unwrap_or("")
                .to_string()
        });
    let from = Some(text(p, "from"))
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| {
            ctx["flow"]["channel"]["address"]
                .as_str()
                .unwrap_or("")
                .to_string()
        });
    let mut data = json!({
        "ExecutionSid": run.exec.sid,
        "FlowSid": run.exec.flow_sid,
        "To": to,
        "From": from,
        "Body": body,
    });
    let media = text(p, "media_url");
    if !media.trim().is_empty() {
        data["MediaUrl"] = json!(media.trim());
    }
    // A conversation the execution started (start-conversation) is its channel.
    if let Some(c) = ctx["flow"]["channel"]["sid"].as_str() {
        data["ConversationSid"] = json!(c);
    }
    if let Some(trigger) = trigger_payload(ctx) {
        if let Some(c) = trigger.get("ConversationSid").and_then(Value::as_str) {
            data["ConversationSid"] = json!(c);
        }
        let channel_type = trigger
            .get("ChannelType")
            .and_then(Value::as_str)
            .or_else(|| {
                trigger
                    .get("ChannelAttributes")?
                    .get("channel_type")?
                    .as_str()
            });
        if let Some(t) = channel_type {
            data["ChannelType"] = json!(t);
        }
    }
    run.fx.push(Op::Event(
        NewEvent::new(
            EventType::ExecutionSendMessage,
            "execution",
            run.exec.sid.clone(),
        )
        .describe(format!(
            "execution {} sends a message to {to}",
            run.exec.sid
        ))
        .data(data.clone()),
    ));
    Ok(
        json!({"Body": data["Body"], "To": data["To"], "From": data["From"],
              "MediaUrl": data.get("MediaUrl"), "Status": "queued"}),
    )
}

pub fn send_message(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let message = send(run, &p)?;
    Ok(Outcome::next("sent", message))
}

/// Sends the question and waits for the contact's next message (`incomingMessage`, resumed by
/// `engine::handle_inbound`) or the `timeout` timer.
pub fn send_and_wait(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let message = send(run, &p)?;
    let timeout_s = text(&p, "timeout")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|t| *t > 0)
        .unwrap_or(DEFAULT_TIMEOUT_S);
    Ok(Outcome::Wait {
        wait: WaitFor::Reply {
            timeout_ms: timeout_s.saturating_mul(1000),
        },
        outputs: json!({"outbound": message}),
    })
}
