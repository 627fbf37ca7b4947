//! The voice widgets: each renders its TwiML through `voice::twiml` into the run's answer to the
//! carrier, and those that need the caller (digits, a dial, a recording, a redirect) wait for the
//! carrier's callback to the flow webhook (`engine::call_callback`). In an execution that is not
//! a call they fail cleanly.

use super::{props, Fail, Outcome, WaitFor, WidgetResult};
use crate::engine::context::text;
use crate::engine::run::Run;
use crate::flows::definition::State;
use crate::voice::twiml;
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

/// record-call starts or stops recording through the carrier's REST API, which this engine does
/// not drive; it fails cleanly.
pub fn record_call(run: &mut Run, state: &State) -> WidgetResult {
    need_call(run, state)?;
    Err(Fail::widget("record-call needs carrier call control"))
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
        W::EnqueueCall => match params.get("QueueResult").and_then(Value::as_str) {
            Some("error" | "system-error") => "failedToEnqueue",
            _ => "callComplete",
        },
        _ => "callComplete",
    }
}
