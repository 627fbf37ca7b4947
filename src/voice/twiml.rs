//! TwiML documents, with Twilio's verbs and attribute names spelled exactly (they are
//! case-sensitive), built from the voice widgets' (already Liquid-rendered) properties.
//! https://www.twilio.com/docs/voice/twiml

use serde_json::{Map, Value};

/// An XML element with attributes and children; text is escaped when written.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: &'static str,
    pub attrs: Vec<(&'static str, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn new(name: &'static str) -> Element {
        Element {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds an attribute unless the value is empty.
    pub fn attr(mut self, name: &'static str, value: impl Into<String>) -> Element {
        let value = value.into();
        if !value.is_empty() {
            self.attrs.push((name, value));
        }
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Element {
        self.children.push(Node::Text(text.into()));
        self
    }

    pub fn child(mut self, child: Element) -> Element {
        self.children.push(Node::Element(child));
        self
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_into(v, out);
            out.push('"');
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for c in &self.children {
            match c {
                Node::Element(e) => e.write(out),
                Node::Text(t) => escape_into(t, out),
            }
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push('>');
    }
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0; drop them.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

/// A `<Response>` document.
pub fn document(verbs: Vec<Element>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let mut response = Element::new("Response");
    response.children = verbs.into_iter().map(Node::Element).collect();
    response.write(&mut out);
    out
}

/// A property as text: strings as they are, numbers and booleans printed, anything else empty.
pub fn prop(props: &Map<String, Value>, key: &str) -> String {
    match props.get(key) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The prompt of say-play and gather-input-on-call: `<Say>` text or `<Play>` a URL.
pub fn prompt(props: &Map<String, Value>) -> Vec<Element> {
    let mut verbs = Vec::new();
    let loop_ = prop(props, "loop");
    let say = prop(props, "say");
    let play = prop(props, "play");
    if !say.is_empty() {
        verbs.push(
            Element::new("Say")
                .attr("voice", prop(props, "voice"))
                .attr("language", prop(props, "language"))
                .attr("loop", loop_.clone())
                .text(say),
        );
    } else if !play.is_empty() {
        verbs.push(Element::new("Play").attr("loop", loop_).text(play));
    }
    let digits = prop(props, "digits");
    if !digits.is_empty() {
        verbs.push(Element::new("Play").attr("digits", digits));
    }
    verbs
}

/// say-play: the prompt, then `<Redirect>` back to the engine so the flow continues.
pub fn say_play(props: &Map<String, Value>, continue_url: &str) -> Vec<Element> {
    let mut verbs = prompt(props);
    verbs.push(redirect(continue_url, "POST"));
    verbs
}

/// gather-input-on-call: `<Gather>` whose action continues the execution; with
/// `actionOnEmptyResult` the action is called on a timeout too (no `Digits`/`SpeechResult`).
pub fn gather(props: &Map<String, Value>, action: &str) -> Element {
    let input = match prop(props, "input").as_str() {
        "" => "dtmf speech".to_string(),
        other => other.to_string(),
    };
    let mut g = Element::new("Gather")
        .attr("input", input)
        .attr("action", action)
        .attr("method", "POST")
        .attr("actionOnEmptyResult", "true")
        .attr("numDigits", prop(props, "number_of_digits"))
        .attr("timeout", prop(props, "timeout"))
        .attr("speechTimeout", prop(props, "speech_timeout"))
        .attr("language", prop(props, "gather_language"))
        .attr("hints", prop(props, "hints"))
        .attr("speechModel", prop(props, "speech_model"))
        .attr("profanityFilter", prop(props, "profanity_filter"));
    // An explicitly empty finish_on_key means "no finishing key", which Twilio spells finishOnKey="".
    if let Some(v) = props.get("finish_on_key") {
        let key = prop(props, "finish_on_key");
        if key.is_empty() && v.is_string() {
            g.attrs.push(("finishOnKey", String::new()));
        } else {
            g = g.attr("finishOnKey", key);
        }
    }
    if prop(props, "stop_gather") == "false" {
        g = g.attr("bargeIn", "false");
    }
    for p in prompt(props) {
        g = g.child(p);
    }
    g
}

/// enqueue-call / send-to-flex on a call: `<Enqueue workflowSid>` with the task's attributes;
/// the caller hears `waitUrl` (hold music served by the appliance) while the task waits.
pub fn enqueue(
    workflow_sid: &str,
    task_attributes: &str,
    priority: &str,
    timeout: &str,
    wait_url: &str,
    action: &str,
) -> Element {
    Element::new("Enqueue")
        .attr("workflowSid", workflow_sid)
        .attr("waitUrl", wait_url)
        .attr("waitUrlMethod", "POST")
        .attr("action", action)
        .attr("method", "POST")
        .child(
            Element::new("Task")
                .attr("priority", priority)
                .attr("timeout", timeout)
                .text(task_attributes),
        )
}

/// connect-call-to: `<Dial>` to a number, a SIP address or a client.
pub fn dial(props: &Map<String, Value>, action: &str) -> Element {
    let to = prop(props, "to");
    let noun = prop(props, "noun");
    let mut d = Element::new("Dial")
        .attr("callerId", prop(props, "caller_id"))
        .attr("timeout", prop(props, "timeout"))
        .attr("record", prop(props, "record"))
        .attr("action", action)
        .attr("method", "POST");
    let targets: Vec<String> = if noun == "multiple-numbers" {
        to.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        vec![to]
    };
    for t in targets {
        d = d.child(dial_noun(&noun, &t));
    }
    d
}

/// The `<Dial>` noun for a target: `sip:` addresses are `<Sip>`, clients `<Client>`, else `<Number>`.
pub fn dial_noun(noun: &str, to: &str) -> Element {
    if noun == "sip" || to.starts_with("sip:") {
        Element::new("Sip").text(to)
    } else if noun == "client" || to.starts_with("client:") {
        Element::new("Client").text(to.trim_start_matches("client:"))
    } else {
        Element::new("Number").text(to)
    }
}

/// record-voicemail: `<Record>`; its action continues the execution with `RecordingUrl`.
pub fn record(props: &Map<String, Value>, action: &str) -> Element {
    Element::new("Record")
        .attr("action", action)
        .attr("method", "POST")
        .attr("maxLength", prop(props, "max_length"))
        .attr("timeout", prop(props, "timeout"))
        .attr("finishOnKey", prop(props, "finish_on_key"))
        .attr("playBeep", prop(props, "play_beep"))
        .attr("trim", prop(props, "trim"))
        .attr("transcribe", prop(props, "transcribe"))
        .attr(
            "transcribeCallback",
            prop(props, "transcription_callback_url"),
        )
}

/// add-twiml-redirect: `<Redirect>` to the office's own TwiML.
pub fn redirect(url: &str, method: &str) -> Element {
    let method = if method.eq_ignore_ascii_case("GET") {
        "GET"
    } else {
        "POST"
    };
    Element::new("Redirect").attr("method", method).text(url)
}

pub fn hangup() -> Element {
    Element::new("Hangup")
}

/// What a caller hears when the appliance cannot go on: a sentence, then the line is closed.
pub fn error_document(message: &str) -> String {
    document(vec![Element::new("Say").text(message), hangup()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn say_play_spells_twilio_attributes() {
        let p = props(
            json!({"say": "Hello & welcome <friend>", "voice": "Polly.Joanna", "language": "en-US", "loop": 2}),
        );
        let doc = document(say_play(&p, "https://h/next"));
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say voice=\"Polly.Joanna\" language=\"en-US\" loop=\"2\">Hello &amp; welcome &lt;friend&gt;</Say><Redirect method=\"POST\">https://h/next</Redirect></Response>"
        );
        let p = props(json!({"play": "https://h/a.mp3", "loop": 1}));
        assert!(document(prompt(&p)).contains("<Play loop=\"1\">https://h/a.mp3</Play>"));
    }

    #[test]
    fn gather_carries_its_action_and_options() {
        let p = props(
            json!({"say": "Press 1 for sales", "number_of_digits": 1, "timeout": 5, "finish_on_key": "#", "speech_timeout": "auto", "stop_gather": true}),
        );
        let g = document(vec![gather(&p, "https://h/a?x=1&y=2")]);
        assert!(g.contains("<Gather input=\"dtmf speech\" action=\"https://h/a?x=1&amp;y=2\" method=\"POST\" actionOnEmptyResult=\"true\" numDigits=\"1\" timeout=\"5\" speechTimeout=\"auto\" finishOnKey=\"#\"><Say>Press 1 for sales</Say></Gather>"), "{g}");
        let empty_key = props(json!({"finish_on_key": ""}));
        assert!(document(vec![gather(&empty_key, "u")]).contains("finishOnKey=\"\""));
    }

    #[test]
    fn dial_enqueue_record_redirect() {
        let d = document(vec![dial(
            &props(json!({"to": "sip:agent@example.com", "noun": "sip", "caller_id": "+1555"})),
            "u",
        )]);
        assert!(d.contains("<Dial callerId=\"+1555\" action=\"u\" method=\"POST\"><Sip>sip:agent@example.com</Sip></Dial>"), "{d}");
        let many = document(vec![dial(
            &props(json!({"to": "+1, +2", "noun": "multiple-numbers"})),
            "u",
        )]);
        assert!(many.contains("<Number>+1</Number><Number>+2</Number>"));
        let e = document(vec![enqueue(
            "WW1",
            "{\"a\":\"<b>\"}",
            "5",
            "60",
            "https://h/hold",
            "https://h/after",
        )]);
        assert!(e.contains("<Enqueue workflowSid=\"WW1\" waitUrl=\"https://h/hold\" waitUrlMethod=\"POST\" action=\"https://h/after\" method=\"POST\"><Task priority=\"5\" timeout=\"60\">{&quot;a&quot;:&quot;&lt;b&gt;&quot;}</Task></Enqueue>"), "{e}");
        let r = document(vec![record(
            &props(json!({"max_length": 60, "play_beep": "true"})),
            "u",
        )]);
        assert!(
            r.contains("<Record action=\"u\" method=\"POST\" maxLength=\"60\" playBeep=\"true\"/>")
        );
        assert!(
            document(vec![redirect("x", "get")]).contains("<Redirect method=\"GET\">x</Redirect>")
        );
        assert!(error_document("Sorry").ends_with("<Response><Say>Sorry</Say><Hangup/></Response>"));
    }
}
