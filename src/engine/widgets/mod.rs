//! The widgets, one file per group, dispatched on `WidgetType`. A widget reads the context,
//! renders its properties and answers an `Outcome`: take a transition now, wait, or end the
//! execution. Widgets never perform I/O themselves (see `run`).

mod conversation;
mod flex;
mod http;
mod logic;
mod messaging;
mod profile;
mod subflow;
mod voice;

pub use subflow::finish_child;
pub use voice::callback_event;

use super::context::{self, RenderError};
use super::run::Run;
use crate::flows::definition::{State, WidgetType};
use crate::liquid::Liquid;
use crate::store;
use serde_json::{Map, Value};

/// What a widget decided.
pub enum Outcome {
    /// Take the transition for `event`; `outputs` become `widgets.NAME`.
    Next { event: String, outputs: Value },
    /// Wait in this state.
    Wait { wait: WaitFor, outputs: Value },
    /// The execution ends here whatever the transitions say (send-to-flex).
    End { event: String, outputs: Value },
}

impl Outcome {
    pub fn next(event: &str, outputs: Value) -> Outcome {
        Outcome::Next {
            event: event.to_string(),
            outputs,
        }
    }
}

/// What a waiting widget waits for.
pub enum WaitFor {
    Reply { timeout_ms: i64 },
    Call,
    Subflow(String),
    Http(Value),
}

/// Why a widget failed: its own failure (recorded as a step; the failure transition is taken) or
/// the store's (the whole transaction fails).
pub enum Fail {
    Widget(String),
    Store(store::Error),
}

impl From<store::Error> for Fail {
    fn from(e: store::Error) -> Fail {
        Fail::Store(e)
    }
}

impl From<RenderError> for Fail {
    fn from(e: RenderError) -> Fail {
        Fail::Widget(format!("template error in {e}"))
    }
}

impl Fail {
    pub fn widget(message: impl Into<String>) -> Fail {
        Fail::Widget(message.into())
    }
}

pub type WidgetResult = Result<Outcome, Fail>;

/// The widget's properties with every template rendered.
pub fn props(run: &Run, state: &State) -> Result<Map<String, Value>, Fail> {
    let liquid = run.app.state::<Liquid>();
    Ok(context::render_properties(
        &liquid,
        run.ctx(),
        &state.properties,
    )?)
}

pub fn execute(run: &mut Run, state: &State) -> WidgetResult {
    use WidgetType as W;
    match &state.widget_type {
        W::Trigger => Ok(Outcome::next(trigger_event(run.ctx()), Value::Null)),
        W::SendMessage => messaging::send_message(run, state),
        W::SendAndWaitForReply => messaging::send_and_wait(run, state),
        W::SplitBasedOn => logic::split(run, state),
        W::SetVariables => logic::set_variables(run, state),
        W::MakeHttpRequest => http::make_http_request(run, state),
        W::RunFunction => http::run_function(run, state),
        W::SendToFlex => flex::send_to_flex(run, state),
        W::RunSubflow => subflow::run_subflow(run, state),
        W::SearchForProfile => profile::search(run, state),
        W::SayPlay => voice::say_play(run, state),
        W::GatherInputOnCall => voice::gather(run, state),
        W::EnqueueCall => flex::enqueue_call(run, state),
        W::ConnectCallTo => voice::connect_call_to(run, state),
        W::RecordVoicemail => voice::record_voicemail(run, state),
        W::RecordCall => voice::record_call(run, state),
        W::AddTwimlRedirect => voice::add_twiml_redirect(run, state),
        W::ForkStream => voice::fork_stream(run, state),
        W::CapturePayments => voice::capture_payments(run, state),
        W::ConnectVirtualAgent => voice::connect_virtual_agent(run, state),
        W::MakeOutgoingCall => voice::make_outgoing_call(run, state),
        W::StartConversation => conversation::start_conversation(run, state),
        W::SendToAutopilot => Err(Fail::widget(format!(
            "the {} widget needs a Twilio service switchboard does not provide",
            state.widget_type
        ))),
        W::Unknown(t) => Err(Fail::widget(format!("unknown widget type {t:?}"))),
    }
}

/// The trigger event matching how the execution was started (the `trigger` key of the context).
pub fn trigger_event(ctx: &Value) -> &'static str {
    let keys = ctx["trigger"].as_object();
    let has = |k: &str| keys.is_some_and(|m| m.contains_key(k));
    if has("conversation") {
        "incomingConversationMessage"
    } else if has("message") {
        "incomingMessage"
    } else if has("call") {
        "incomingCall"
    } else if has("parent") {
        "incomingParent"
    } else {
        "incomingRequest"
    }
}
