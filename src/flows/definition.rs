//! The serde model of a Twilio Studio flow definition as exported by Studio.
//!
//! The model is lossless: every state's `properties` stay a JSON map and any
//! field this module does not know about is kept in an `extra` map, so a
//! definition serializes back to equivalent JSON. This module also owns the
//! catalogue of widget types: their type strings, the transition events each
//! widget can emit and the properties each widget requires.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A whole Studio flow: its states, the entry state and the flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowDefinition {
    /// Human description; Studio always exports it, possibly empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The widgets of the flow, in export order.
    #[serde(default)]
    pub states: Vec<State>,
    /// Name of the state where every execution starts (normally `Trigger`).
    #[serde(default)]
    pub initial_state: String,
    /// Flow-level flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Flags>,
    /// Top-level fields this model does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An execution's idle limit when the flow sets none: 24 hours.
pub const DEFAULT_IDLE_TIMEOUT_S: i64 = 24 * 3600;
/// The ceiling, Twilio's hard limit on an execution's life: 30 days.
pub const MAX_IDLE_TIMEOUT_S: i64 = 30 * 24 * 3600;

impl FlowDefinition {
    /// The flow's idle limit in milliseconds (`flags.execution_idle_timeout`, clamped to
    /// 1 s ..= 30 days; the validator refuses values outside).
    pub fn idle_timeout_ms(&self) -> i64 {
        let s = self
            .flags
            .as_ref()
            .and_then(|f| f.execution_idle_timeout)
            .unwrap_or(DEFAULT_IDLE_TIMEOUT_S);
        s.clamp(1, MAX_IDLE_TIMEOUT_S) * 1000
    }
}

/// Flow-level flags of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flags {
    /// Whether one contact may run several voice executions at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_concurrent_calls: Option<bool>,
    /// switchboard's own: seconds an execution may sit without a step before it is ended
    /// (default `DEFAULT_IDLE_TIMEOUT_S`, at most Twilio's 30 days, `MAX_IDLE_TIMEOUT_S`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_idle_timeout: Option<i64>,
    /// Flags this model does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One widget of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Unique name; Liquid refers to it as `widgets.<name>`.
    pub name: String,
    /// The widget type string, e.g. `send-message`.
    #[serde(rename = "type")]
    pub widget_type: WidgetType,
    /// Outgoing edges, one per event the widget can emit.
    #[serde(default)]
    pub transitions: Vec<Transition>,
    /// Widget configuration, kept as raw JSON.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// State fields this model does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl State {
    /// Returns the transitions leaving this state on `event`, in order.
    pub fn transitions_for<'a>(&'a self, event: &'a str) -> impl Iterator<Item = &'a Transition> {
        self.transitions.iter().filter(move |t| t.event == event)
    }

    /// Returns the string value of a property, if it is a string.
    pub fn property_str(&self, key: &str) -> Option<&str> {
        self.properties.get(key).and_then(Value::as_str)
    }
}

/// An edge from a state to the next one, taken when `event` happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The event name, e.g. `incomingMessage`, `match` or `noMatch`.
    pub event: String,
    /// Target state; absent means the execution ends here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Conditions of a split-based-on `match` transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<Condition>>,
    /// Studio's identifier of the transition, when exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Transition fields this model does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One condition of a split-based-on transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// Label shown in the Studio canvas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Liquid templates Studio shows as the tested value (normally the split input).
    #[serde(default)]
    pub arguments: Vec<String>,
    /// Comparison type, e.g. `equal_to`; see `engine::split`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value compared against.
    #[serde(default)]
    pub value: String,
    /// Condition fields this model does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FlowDefinition {
    /// Parses a definition from JSON text without validating it.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Serializes the definition back to JSON.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// Looks a state up by name.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }
}

/// Whether the event list of a widget is certain (from Twilio's documentation
/// and the corpus) or only a best guess; unexpected events on guessed lists are
/// reported as warnings rather than errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Certainty {
    /// The list is complete; other events are errors.
    Certain,
    /// The list may be incomplete; other events are warnings.
    Unsure,
}

/// A property requirement: at least one of the listed keys must be present.
pub type RequiredAnyOf = &'static [&'static str];

macro_rules! widget_types {
    ($( $variant:ident => $name:literal, $certainty:ident, [$($event:literal),*], [$($req:expr),*]; )*) => {
        /// Every Studio widget type string known to switchboard.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum WidgetType {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// A type string switchboard does not know; never passes validation.
            Unknown(String),
        }

        impl WidgetType {
            /// Every known widget type.
            pub const ALL: &'static [WidgetType] = &[$(WidgetType::$variant),*];

            /// The type string used in the exported JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $(WidgetType::$variant => $name,)*
                    WidgetType::Unknown(s) => s,
                }
            }

            /// Events this widget can emit, and how sure the catalogue is.
            /// For `split-based-on` these are `noMatch` and `match`.
            pub fn events(&self) -> (&'static [&'static str], Certainty) {
                match self {
                    $(WidgetType::$variant => (&[$($event),*], Certainty::$certainty),)*
                    WidgetType::Unknown(_) => (&[], Certainty::Unsure),
                }
            }

            /// Required properties: each entry lists alternatives, one of which must be present.
            pub fn required_properties(&self) -> &'static [RequiredAnyOf] {
                match self {
                    $(WidgetType::$variant => &[$($req),*],)*
                    WidgetType::Unknown(_) => &[],
                }
            }
        }

        impl FromStr for WidgetType {
            type Err = Infallible;

            fn from_str(s: &str) -> Result<Self, Infallible> {
                Ok(match s {
                    $($name => WidgetType::$variant,)*
                    other => WidgetType::Unknown(other.to_string()),
                })
            }
        }
    };
}

widget_types! {
    Trigger => "trigger", Certain,
        ["incomingMessage", "incomingCall", "incomingConversationMessage", "incomingRequest", "incomingParent"], [];
    SendMessage => "send-message", Certain, ["sent", "failed"], [&["body", "content_sid"]];
    SendAndWaitForReply => "send-and-wait-for-reply", Certain,
        ["incomingMessage", "timeout", "deliveryFailure"], [&["body", "content_sid"]];
    SplitBasedOn => "split-based-on", Certain, ["noMatch", "match"], [&["input"]];
    SetVariables => "set-variables", Certain, ["next"], [];
    MakeHttpRequest => "make-http-request", Certain, ["success", "failed"], [&["url"], &["method"]];
    RunFunction => "run-function", Certain, ["success", "fail"], [&["url", "function_sid"]];
    SendToFlex => "send-to-flex", Certain,
        ["callComplete", "failedToEnqueue", "callFailure"], [&["workflow"], &["channel"]];
    RunSubflow => "run-subflow", Certain, ["completed", "failed"], [&["flow_sid"]];
    SayPlay => "say-play", Certain, ["audioComplete"], [&["say", "play", "digits"]];
    GatherInputOnCall => "gather-input-on-call", Certain, ["keypress", "speech", "timeout"], [];
    EnqueueCall => "enqueue-call", Certain,
        ["callComplete", "failedToEnqueue", "callFailure"], [&["queue_name", "workflow_sid"]];
    ConnectCallTo => "connect-call-to", Certain, ["callCompleted", "hangup"], [&["noun"]];
    RecordVoicemail => "record-voicemail", Certain, ["recordingComplete", "noAudio", "hangup"], [];
    RecordCall => "record-call", Unsure, ["success", "failed"], [];
    AddTwimlRedirect => "add-twiml-redirect", Certain, ["return", "timeout", "fail"], [&["url"]];
    CapturePayments => "capture-payments", Certain,
        ["success", "maxFailedAttempts", "providerError", "payInterrupted", "hangup", "validationError"], [];
    MakeOutgoingCall => "make-outgoing-call-v2", Certain,
        ["answered", "busy", "noAnswer", "failed"], [&["to"], &["from"]];
    ConnectVirtualAgent => "connect-virtual-agent", Unsure, ["hangup", "return"], [];
    ForkStream => "fork-stream", Unsure, ["next"], [];
    StartConversation => "start-conversation", Unsure, ["created", "failed"], [];
    SearchForProfile => "search-for-profile", Unsure, ["found", "notFound", "failed"], [];
    SendToAutopilot => "send-to-auto-pilot", Unsure, ["sessionEnded", "failure", "timeout"], [];
}

impl WidgetType {
    /// Parses a type string; unknown strings become `Unknown`.
    pub fn parse(s: &str) -> WidgetType {
        match s.parse() {
            Ok(t) => t,
            Err(never) => match never {},
        }
    }

    /// Whether this type is one switchboard knows.
    pub fn is_known(&self) -> bool {
        !matches!(self, WidgetType::Unknown(_))
    }
}

impl fmt::Display for WidgetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for WidgetType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WidgetType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(WidgetType::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_type_strings_round_trip() {
        for t in WidgetType::ALL {
            assert_eq!(&WidgetType::parse(t.as_str()), t);
        }
        let odd = WidgetType::parse("teleport");
        assert_eq!(odd, WidgetType::Unknown("teleport".into()));
        assert!(!odd.is_known());
    }

    #[test]
    fn parses_minimal_flow_and_keeps_unknown_fields() {
        let json = r#"{"description":"d","states":[{"name":"Trigger","type":"trigger",
            "transitions":[{"event":"incomingMessage","next":"a"}],"properties":{"offset":{"x":0}},
            "color":"red"}],"initial_state":"Trigger","flags":{"allow_concurrent_calls":true},"v":2}"#;
        let def = FlowDefinition::from_json(json).expect("parses");
        assert_eq!(def.states[0].widget_type, WidgetType::Trigger);
        assert_eq!(def.extra.get("v"), Some(&Value::from(2)));
        assert_eq!(def.states[0].extra.get("color"), Some(&Value::from("red")));
        let back: Value = serde_json::from_str(&def.to_json().expect("serializes")).expect("json");
        let orig: Value = serde_json::from_str(json).expect("json");
        assert_eq!(back, orig);
    }

    #[test]
    fn corpus_round_trips() {
        let Some(files) = crate::flows::validate::corpus_files() else {
            return;
        };
        for (path, text) in files {
            let def = FlowDefinition::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            let orig: Value = serde_json::from_str(&text).expect("json");
            let back = serde_json::to_value(&def).expect("serializes");
            assert_eq!(orig, back, "{path} does not round-trip");
        }
    }
}
