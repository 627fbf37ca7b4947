//! The voice widgets: each renders its TwiML through `voice::twiml` into the run's answer to the
//! carrier, and those that need the caller (digits, a dial, a recording, a redirect) wait for the
//! carrier's callback to the flow webhook (`engine::call_callback`). In an execution that is not
//! a call they fail cleanly.

use super::{props, Fail, Outcome, WaitFor, WidgetResult};
use crate::engine::context::text;
use crate::engine::run::Run;
use crate::flows::definition::State;
use crate::voice::twiml::{self, Element};
use serde_json::{Map, Value};

fn need_call(run: &Run, state: &State) -> Result<(), Fail> {
    if run.is_call() {
        Ok(())
    } else {
        Err(Fail::widget(format!(
            "the {} widget needs a call, and this execution has none",
            state.widget_type
        )))
    }
}

/// The callback URL for the current wait (relative: the carrier resolves it against the flow
/// webhook it called).
pub fn callback_url(run: &Run) -> String {
    format!(
        "/v1/Accounts/{}/Flows/{}?FlowEvent=callback&ExecutionSid={}&Token={}",
        run.app.account_sid, run.exec.flow_sid, run.exec.sid, run.exec.step_count
    )
}

fn wait_for_call() -> WidgetResult {
    Ok(Outcome::Wait {
        wait: WaitFor::Call,
        outputs: Value::Null,
    })
}

pub fn say_play(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    run.twiml.extend(twiml::prompt(&p));
    Ok(Outcome::next("audioComplete", Value::Null))
}

pub fn gather(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let url = callback_url(run);
    run.twiml.push(twiml::gather(&p, &url));
    wait_for_call()
}

pub fn connect_call_to(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let url = callback_url(run);
    run.twiml.push(twiml::dial(&p, &url));
    wait_for_call()
}

pub fn record_voicemail(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let url = callback_url(run);
    run.twiml.push(twiml::record(&p, &url));
    wait_for_call()
}

/// record-call: `record_call` true starts recording the call (`<Start><Recording>` named after
/// the execution, with the widget's channels, trim and status callback), false stops it
/// (`<Stop><Recording>` of that name); the flow goes on at once (`success`).
pub fn record_call(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let name = format!("studio-{}", run.exec.sid);
    let on = matches!(
        twiml::prop(&p, "record_call").to_ascii_lowercase().as_str(),
        "true" | "on" | "1"
    );
    let el = if on {
        let events = match p.get("recording_status_callback_events") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            _ => twiml::prop(&p, "recording_status_callback_events"),
        };
        Element::new("Start").child(
            Element::new("Recording")
                .attr("name", name.clone())
                .attr("channels", twiml::prop(&p, "recording_channels"))
                .attr("trim", twiml::prop(&p, "trim"))
                .attr(
                    "recordingStatusCallback",
                    twiml::prop(&p, "recording_status_callback"),
                )
                .attr(
                    "recordingStatusCallbackMethod",
                    twiml::prop(&p, "recording_status_callback_method"),
                )
                .attr("recordingStatusCallbackEvent", events),
        )
    } else {
        Element::new("Stop").child(Element::new("Recording").attr("name", name.clone()))
    };
    run.twiml.push(el);
    Ok(Outcome::next(
        "success",
        serde_json::json!({"recording": if on { "started" } else { "stopped" }, "name": name}),
    ))
}

/// add-twiml-redirect: the caller leaves for the office's TwiML, which comes back by redirecting
/// to the flow webhook with `FlowEvent=return`.
pub fn add_twiml_redirect(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let url = text(&p, "url");
    if url.trim().is_empty() {
        return Err(Fail::widget("add-twiml-redirect needs a url"));
    }
    run.twiml
        .push(twiml::redirect(url.trim(), &text(&p, "method")));
    wait_for_call()
}

/// fork-stream: `<Start><Stream>` (its `<Parameter>`s from `stream_parameters`) or, with
/// `stream_action` `stop`, `<Stop><Stream name>` in the caller's TwiML; the flow goes on at once
/// (`next`), the carrier streams the call's audio meanwhile.
pub fn fork_stream(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let name = twiml::prop(&p, "stream_name");
    let el = if twiml::prop(&p, "stream_action").eq_ignore_ascii_case("stop") {
        if name.is_empty() {
            return Err(Fail::widget(
                "fork-stream stop needs the stream_name to stop",
            ));
        }
        Element::new("Stop").child(Element::new("Stream").attr("name", name))
    } else {
        let url = twiml::prop(&p, "stream_url");
        if !(url.starts_with("wss://") || url.starts_with("ws://")) {
            return Err(Fail::widget(format!(
                "fork-stream needs a ws:// or wss:// stream_url, not {url:?}"
            )));
        }
        let mut stream = Element::new("Stream")
            .attr("name", name)
            .attr("url", url)
            .attr("track", twiml::prop(&p, "stream_track"));
        for param in p
            .get("stream_parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = param["key"].as_str().unwrap_or("");
            if !key.is_empty() {
                stream = stream.child(
                    Element::new("Parameter")
                        .attr("name", key)
                        .attr("value", param["value"].as_str().unwrap_or("")),
                );
            }
        }
        Element::new("Start").child(stream)
    };
    run.twiml.push(el);
    Ok(Outcome::next("next", Value::Null))
}

/// capture-payments: `<Pay>` with the widget's settings; the carrier's action callback
/// (`Result`) picks the transition (`payment_event`).
pub fn capture_payments(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let amount = twiml::prop(&p, "payment_amount");
    if !amount.is_empty() && amount.parse::<f64>().map_or(true, |a| a < 0.0) {
        return Err(Fail::widget(format!(
            "capture-payments: payment_amount {amount:?} is not an amount"
        )));
    }
    let url = callback_url(run);
    run.twiml.push(
        Element::new("Pay")
            .attr("action", url)
            .attr("method", "POST")
            .attr("paymentConnector", twiml::prop(&p, "payment_connector"))
            .attr("chargeAmount", amount)
            .attr("currency", twiml::prop(&p, "currency"))
            .attr("paymentMethod", twiml::prop(&p, "payment_method"))
            .attr("tokenType", twiml::prop(&p, "payment_token_type"))
            .attr("description", twiml::prop(&p, "description"))
            .attr("maxAttempts", twiml::prop(&p, "max_attempts"))
            .attr("timeout", twiml::prop(&p, "timeout"))
            .attr("language", twiml::prop(&p, "language"))
            .attr("postalCode", twiml::prop(&p, "postal_code"))
            .attr("securityCode", twiml::prop(&p, "security_code"))
            .attr("validCardTypes", twiml::prop(&p, "valid_card_types"))
            .attr("bankAccountType", twiml::prop(&p, "bank_account_type"))
            .attr(
                "minPostalCodeLength",
                twiml::prop(&p, "min_postal_code_length"),
            ),
    );
    wait_for_call()
}

/// connect-virtual-agent: `<Connect action><VirtualAgent>`; the caller comes back through the
/// action (`return`) unless the call ended there (`hangup`).
pub fn connect_virtual_agent(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    let p = props(run, state)?;
    let connector = twiml::prop(&p, "connector");
    let connector = if connector.is_empty() {
        twiml::prop(&p, "connector_name")
    } else {
        connector
    };
    if connector.is_empty() {
        return Err(Fail::widget(
            "connect-virtual-agent needs the connector (the virtual agent's connector name)",
        ));
    }
    let url = callback_url(run);
    run.twiml.push(
        Element::new("Connect")
            .attr("action", url)
            .attr("method", "POST")
            .child(
                Element::new("VirtualAgent")
                    .attr("connectorName", connector)
                    .attr("language", twiml::prop(&p, "language"))
                    .attr("sentimentAnalysis", twiml::prop(&p, "sentiment_analysis"))
                    .attr("statusCallback", twiml::prop(&p, "status_callback_url")),
            ),
    );
    wait_for_call()
}

/// make-outgoing-call-v2: the carrier's Calls API (`POST {provider}/2010-04-01/Accounts/{SID}/
/// Calls.json`, queued for the HTTP workers with the carrier's credentials added there). Its
/// `Url` and `StatusCallback` are this widget's flow-webhook callback, so the carrier's fetch when
/// the callee answers takes `answered` (the execution then serves that call: what follows is its
/// TwiML) and a status callback `busy` / `no-answer` / `failed` / `canceled` takes `busy`,
/// `noAnswer` or `failed`. A carrier that refuses the request is `failed`.
pub fn make_outgoing_call(run: &mut Run, state: &State) -> WidgetResult {
    let p = props(run, state)?;
    let c = &run.app.config;
    let (Some(provider), Some(sid)) = (&c.provider_url, &c.provider_sid) else {
        return Err(Fail::widget(
            "make-outgoing-call-v2 needs a carrier (SWITCHBOARD_PROVIDER_URL/_SID/_TOKEN)",
        ));
    };
    let Some(public) = &c.public_url else {
        return Err(Fail::widget(
            "make-outgoing-call-v2 needs SWITCHBOARD_PUBLIC_URL: the carrier fetches the call's \
             TwiML from the flow webhook",
        ));
    };
    let (to, from) = (twiml::prop(&p, "to"), twiml::prop(&p, "from"));
    if to.is_empty() || from.is_empty() {
        return Err(Fail::widget(
            "make-outgoing-call-v2 needs both `to` and `from`",
        ));
    }
    let hook = format!("{}{}", public.trim_end_matches('/'), callback_url(run));
    let mut params: Vec<(String, String)> = vec![
        ("To".into(), to),
        ("From".into(), from),
        ("Url".into(), hook.clone()),
        ("Method".into(), "POST".into()),
        ("StatusCallback".into(), hook),
        ("StatusCallbackMethod".into(), "POST".into()),
    ];
    for (key, name) in [
        ("timeout", "Timeout"),
        ("record", "Record"),
        ("send_digits", "SendDigits"),
        ("machine_detection", "MachineDetection"),
        ("machine_detection_timeout", "MachineDetectionTimeout"),
        ("recording_status_callback", "RecordingStatusCallback"),
        ("recording_channels", "RecordingChannels"),
        ("trim", "Trim"),
        ("caller_id", "CallerId"),
        ("sip_auth_username", "SipAuthUsername"),
        ("sip_auth_password", "SipAuthPassword"),
    ] {
        let v = twiml::prop(&p, key);
        if !v.is_empty() {
            params.push((name.into(), v));
        }
    }
    let request = serde_json::json!({
        "kind": "carrier-call",
        "state": state.name,
        "method": "POST",
        "url": format!("{}/2010-04-01/Accounts/{sid}/Calls.json", provider.trim_end_matches('/')),
        "content_type": "application/x-www-form-urlencoded",
        "body": "",
        "params": params,
    });
    Ok(Outcome::Wait {
        wait: WaitFor::Http(request),
        outputs: Value::Null,
    })
}

/// The carrier's call status → make-outgoing-call-v2's transition.
fn outgoing_call_event(params: &Map<String, Value>) -> &'static str {
    match params
        .get("CallStatus")
        .and_then(Value::as_str)
        .unwrap_or("")
    {
        "in-progress" | "answered" | "ringing" => "answered",
        "busy" => "busy",
        "no-answer" => "noAnswer",
        _ => "failed",
    }
}

/// `<Pay>`'s `Result` → capture-payments' transition.
fn payment_event(params: &Map<String, Value>) -> &'static str {
    let result = params.get("Result").and_then(Value::as_str).unwrap_or("");
    match result {
        "success" => "success",
        "too-many-failed-attempts" => "maxFailedAttempts",
        "payment-connector-error" => "providerError",
        "caller-interrupted-with-star" => "payInterrupted",
        "caller-hung-up" => "hangup",
        "validation-error" => "validationError",
        _ if hung_up(params) => "hangup",
        _ => "providerError",
    }
}

fn hung_up(params: &Map<String, Value>) -> bool {
    params.get("CallStatus").and_then(Value::as_str) == Some("completed")
}

/// The event a voice widget takes when the carrier calls back with `params`.
pub fn callback_event(state: &State, params: &Map<String, Value>) -> &'static str {
    use crate::flows::definition::WidgetType as W;
    let has = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.trim().is_empty())
    };
    match state.widget_type {
        W::GatherInputOnCall if has("Digits") => "keypress",
        W::GatherInputOnCall if has("SpeechResult") => "speech",
        W::GatherInputOnCall => "timeout",
        W::ConnectCallTo => "callCompleted",
        W::RecordVoicemail if has("RecordingUrl") => "recordingComplete",
        W::RecordVoicemail => "noAudio",
        W::AddTwimlRedirect => "return",
        W::CapturePayments => payment_event(params),
        W::MakeOutgoingCall => outgoing_call_event(params),
        W::ConnectVirtualAgent if hung_up(params) => "hangup",
        W::ConnectVirtualAgent => "return",
        W::EnqueueCall => match params.get("QueueResult").and_then(Value::as_str) {
            Some("error" | "system-error") => "failedToEnqueue",
            _ => "callComplete",
        },
        _ => "callComplete",
    }
}
