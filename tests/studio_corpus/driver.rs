//! The corpus test's driver: imports the flows (a parent's run-subflow pointed at its child in
//! the corpus), starts each through one trigger it wires and plays the customer and the carrier
//! until the execution ends.

use crate::carrier::Carrier;
use crate::common::*;
use crate::studio_common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const PROVIDER_SID: &str = "AC22222222222222222222222222222222";
pub const PROVIDER_TOKEN: &str = "corpus-carrier-token";
pub const PUBLIC: &str = "http://switchboard.example.test";
/// A scripted answer that lets the wait time out instead (the clock moves past it).
pub const TIMEOUT: &str = "<timeout>";
/// A scripted answer on a call: the caller hangs up (the carrier's status callback).
pub const HANGUP: &str = "<hangup>";
pub const MSG: &str = "incomingMessage";
pub const CALL: &str = "incomingCall";
pub const CONV: &str = "incomingConversationMessage";
pub const REST: &str = "incomingRequest";

/// The box's number that the flows' carrier numbers are.
const BOX_NUMBER: &str = "+15550001000";

/// The triggers the driver starts a flow with, in this order.
const TRIGGERS: &[&str] = &[
    "incomingMessage",
    "incomingCall",
    "incomingConversationMessage",
    "incomingRequest",
    "incomingParent",
];

/// A parent's run-subflow names its child by the SID it had in its author's account (or by a
/// Terraform placeholder the deployment fills in): the child of the corpus it points at.
const CHILDREN: &[(&str, &str)] = &[
    ("FW50120385f4d1e8dcf30c0bcd83695969", "07-"),
    ("FW6089153e50ead9a18b35e7196aaf58e8", "32-"),
    ("${system_down_studio_subflow_sid}", "42-"),
    ("${debug_studio_subflow_sid}", "43-"),
];

/// Why a failed transition is the flow's own configuration, checked against the widget.
#[derive(Debug, Clone, Copy)]
pub enum Why {
    /// make-http-request / run-function to a host of the flow's author (not ours to call, and
    /// the test has no network).
    OutsideHost,
    /// run-function of a Twilio Functions service in the author's account (`*.twil.io`, `ZH…`).
    TwilioFunction,
    /// run-function whose export kept neither a URL nor a function SID.
    NoUrl,
    /// A template's blank for its user to fill in (`YOUR_…`, `<<INSERT …>>`, `your-…`).
    Unfilled,
    /// A Terraform `${…}` placeholder the deployment fills in, left as is in the export.
    Placeholder,
    /// A TaskRouter workflow SID of the author's account (`WW…`), unknown to this box.
    ForeignSid,
    /// A send-and-wait the script lets time out, ending the flow's own retry loop.
    ScriptedTimeout,
}

impl Why {
    pub fn reason(self) -> &'static str {
        match self {
            Why::OutsideHost => "the author's backend",
            Why::TwilioFunction => "the author's Twilio Function",
            Why::NoUrl => "a function without URL or SID",
            Why::Unfilled => "a template blank",
            Why::Placeholder => "a Terraform ${…} placeholder",
            Why::ForeignSid => "the author's workflow SID",
            Why::ScriptedTimeout => "the customer stops answering",
        }
    }

    pub fn holds(self, state: &Value) -> Result<(), String> {
        let props = state["properties"].to_string();
        let url = state["properties"]["url"].as_str().unwrap_or("");
        let kind = state["type"].as_str().unwrap_or("");
        let workflow = ["workflow", "workflow_sid"]
            .iter()
            .find_map(|k| state["properties"][k].as_str())
            .unwrap_or("");
        let ok = match self {
            Why::OutsideHost => {
                !url.is_empty() && !url.contains("127.0.0.1") && !url.contains("localhost")
            }
            Why::TwilioFunction => {
                kind == "run-function"
                    && (url.contains(".twil.io") || props.contains("\"function_sid\":\"ZH"))
            }
            Why::NoUrl => kind == "run-function" && url.is_empty() && !props.contains("\"ZH"),
            Why::Unfilled => [
                "YOUR_",
                "your-",
                "yourserverless",
                "<<INSERT",
                "XXXX",
                "you_",
            ]
            .iter()
            .any(|blank| props.contains(blank)),
            Why::Placeholder => props.contains("${"),
            Why::ForeignSid => workflow.starts_with("WW"),
            Why::ScriptedTimeout => kind == "send-and-wait-for-reply",
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{self:?} does not hold for {state}"))
        }
    }
}

/// Transitions that mean the widget did not do its job.
pub fn is_failure(event: &str) -> bool {
    matches!(
        event,
        "failed"
            | "fail"
            | "deliveryFailure"
            | "failedToEnqueue"
            | "callFailure"
            | "timeout"
            | "error"
            | "noAudio"
            | "idleTimeout"
    )
}

pub struct Flow {
    pub file: String,
    pub sid: String,
    pub def: Value,
    pub triggers: Vec<&'static str>,
}

impl Flow {
    pub fn state(&self, name: &str) -> &Value {
        self.def["states"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or(&Value::Null)
    }

    fn prefix(&self) -> &str {
        &self.file[..2]
    }
}

/// Imports the corpus, children first, each parent's run-subflow pointed at its child's SID.
pub fn import(s: &TestServer, corpus: &[(String, Value)]) -> Vec<Flow> {
    let mut sids: Vec<(&str, String)> = Vec::new();
    let is_child = |file: &str| CHILDREN.iter().any(|(_, c)| file.starts_with(c));
    let mut order: Vec<&(String, Value)> = corpus.iter().filter(|(f, _)| is_child(f)).collect();
    order.extend(corpus.iter().filter(|(f, _)| !is_child(f)));
    let mut flows = Vec::new();
    for (file, def) in order {
        let mut text = def.to_string();
        for (old, child) in CHILDREN {
            if let Some((_, sid)) = sids.iter().find(|(c, _)| c == child) {
                text = text.replace(old, sid);
            }
        }
        let def: Value = serde_json::from_str(&text).unwrap();
        let sid = create(s, file, &def);
        if let Some((_, c)) = CHILDREN.iter().find(|(_, c)| file.starts_with(c)) {
            sids.push((c, sid.clone()));
        }
        let trigger = def["states"]
            .as_array()
            .unwrap()
            .iter()
            .find(|st| st["type"] == "trigger")
            .unwrap();
        let wired: Vec<&str> = trigger["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["next"].as_str().is_some_and(|n| !n.is_empty()))
            .filter_map(|t| t["event"].as_str())
            .collect();
        let triggers = TRIGGERS
            .iter()
            .copied()
            .filter(|t| wired.contains(t))
            .collect();
        flows.push(Flow {
            file: file.clone(),
            sid,
            def,
            triggers,
        });
    }
    flows.sort_by(|a, b| a.file.cmp(&b.file));
    flows
}

#[derive(Debug)]
pub struct Row {
    pub file: String,
    pub trigger: String,
    pub path: Vec<(String, String, String)>,
    pub ended: bool,
}

impl Row {
    pub fn last(&self) -> (&str, &str) {
        self.path
            .last()
            .map_or(("", ""), |(e, f, _)| (e.as_str(), f.as_str()))
    }
}

pub fn print_table(rows: &[Row], why: impl Fn(&str, &str) -> Option<Why>) {
    println!("\n{:<40} {:<30} {:>5}  ending", "flow", "trigger", "steps");
    for r in rows {
        let (event, from) = r.last();
        let flag = match why(&r.file, from) {
            Some(w) if is_failure(event) => format!("  ({})", w.reason()),
            _ if r.path.iter().any(|(e, ..)| is_failure(e)) => "  (failures on the way)".into(),
            _ => String::new(),
        };
        println!(
            "{:<40} {:<30} {:>5}  {}{from} → {event}{flag}",
            r.file,
            r.trigger,
            r.path.len(),
            if r.ended { "" } else { "NOT ENDED at " },
        );
        if std::env::var_os("CORPUS_PATHS").is_some() {
            let steps: Vec<String> = r.path.iter().map(|(e, f, _)| format!("{f}:{e}")).collect();
            println!("    {}", steps.join(" "));
        }
    }
}

static SEQ: AtomicUsize = AtomicUsize::new(1);

fn next_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", SEQ.fetch_add(1, Ordering::SeqCst))
}

pub struct Case<'a> {
    pub s: &'a TestServer,
    pub carrier: &'a Carrier,
    pub flow: &'a Flow,
    pub contact: String,
    pub script: &'a [&'a str],
}

/// What the execution (or the subflow it runs) waits in: (flow SID, execution SID, widget).
struct Here {
    flow: String,
    exec: String,
    widget: Value,
    steps: usize,
}

impl Case<'_> {
    pub fn run(&self, trigger: &str) -> Vec<Row> {
        let s = self.s;
        let mut answers = self.script.iter();
        let mut call: Option<String> = None;
        let exec = match trigger {
            "incomingMessage" => {
                self.message_to_flow("hi");
                self.find_execution()
            }
            "incomingConversationMessage" => {
                self.configure_address();
                self.carrier_sms("hi");
                self.find_execution()
            }
            "incomingRequest" => {
                let e = execute(s, &self.flow.sid, &self.contact, json!({}));
                let e = e.expect(201).json();
                e["sid"].as_str().unwrap().to_string()
            }
            "incomingCall" => {
                let sid = next_sid("CA");
                let twiml = self.call_post(&self.hook(), &sid, &[]);
                call = Some(sid);
                let exec = self.find_execution();
                self.follow(&exec, call.as_ref().unwrap(), twiml, &mut answers);
                exec
            }
            _ => return Vec::new(),
        };
        for _ in 0..60 {
            let e = execution(s, &self.flow.sid, &exec);
            if e["status"] == "ended" {
                break;
            }
            let here = self.here(&exec);
            let kind = here.widget["type"].as_str().unwrap_or("").to_string();
            match kind.as_str() {
                "send-and-wait-for-reply" => {
                    let a = answers.next().copied().unwrap_or("yes");
                    if a == TIMEOUT {
                        let t = here.widget["properties"]["timeout"]
                            .as_str()
                            .and_then(|t| t.parse::<i64>().ok())
                            .or_else(|| here.widget["properties"]["timeout"].as_i64())
                            .unwrap_or(3600);
                        s.advance_clock(t * 1000 + 1000);
                    } else if trigger == "incomingConversationMessage" {
                        self.carrier_sms(a);
                    } else {
                        self.message_to_flow(a);
                    }
                    self.settle(&here);
                }
                "make-outgoing-call-v2" => {
                    let req = wait_until(WAIT, || {
                        self.carrier
                            .requests()
                            .into_iter()
                            .rev()
                            .find(|r| r.path.ends_with("/Calls.json"))
                    });
                    let url = req.param("Url").unwrap().to_string();
                    let twiml = self.call_post(&url, &req.sid, &[]);
                    self.follow(&exec, &req.sid, twiml, &mut answers);
                }
                _ => {
                    if !self.settle(&here) {
                        break;
                    }
                }
            }
        }
        let _ = call;
        let e = execution(s, &self.flow.sid, &exec);
        let mut rows = vec![Row {
            file: self.flow.file.clone(),
            trigger: trigger.to_string(),
            path: path(&steps(s, &self.flow.sid, &exec)),
            ended: e["status"] == "ended",
        }];
        rows.extend(self.children_rows());
        rows
    }

    fn hook(&self) -> String {
        format!("/v1/Accounts/{}/Flows/{}", self.s.sid, self.flow.sid)
    }

    /// The carrier's signed POST to `url` (absolute on the public address, or a path).
    fn signed(&self, url: &str, params: &[(&str, &str)]) -> Resp {
        let path = url.strip_prefix(PUBLIC).unwrap_or(url).to_string();
        self.s
            .signed_post(PROVIDER_TOKEN, &format!("{PUBLIC}{path}"), &path, params)
    }

    fn message_to_flow(&self, body: &str) {
        let sid = next_sid("SM");
        self.signed(
            &self.hook(),
            &[
                ("From", &self.contact),
                ("To", BOX_NUMBER),
                ("Body", body),
                ("MessageSid", &sid),
                ("AccountSid", &self.s.sid),
            ],
        )
        .expect(200);
    }

    fn address(&self) -> String {
        format!("+1555100{:04}", self.flow.prefix().parse::<u32>().unwrap())
    }

    fn configure_address(&self) {
        let r = self.s.post(
            "/v1/Configuration/Addresses",
            &[
                ("Type", "sms"),
                ("Address", &self.address()),
                ("AutoCreation.Enabled", "true"),
                ("AutoCreation.Type", "studio"),
                ("AutoCreation.StudioFlowSid", &self.flow.sid),
            ],
        );
        assert!(r.status == 201 || r.status == 409, "{}", r.text());
    }

    fn carrier_sms(&self, body: &str) {
        let sid = next_sid("SM");
        self.signed(
            "/webhooks/messaging",
            &[
                ("From", &self.contact),
                ("To", &self.address()),
                ("Body", body),
                ("MessageSid", &sid),
                ("AccountSid", &self.s.sid),
            ],
        )
        .expect(200);
    }

    fn call_post(&self, url: &str, call_sid: &str, more: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("CallSid", call_sid),
            ("AccountSid", self.s.sid.as_str()),
            ("From", self.contact.as_str()),
            ("To", BOX_NUMBER),
            ("CallStatus", "in-progress"),
            ("Direction", "inbound"),
        ];
        params.extend_from_slice(more);
        let r = self.signed(url, &params).expect(200);
        r.text()
    }

    /// The contact's execution of this flow, once it exists.
    fn find_execution(&self) -> String {
        wait_until(WAIT, || {
            let v = self
                .s
                .get(&format!("/v2/Flows/{}/Executions", self.flow.sid))
                .expect(200)
                .json();
            v["executions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["contact_channel_address"] == self.contact.as_str())
                .and_then(|e| e["sid"].as_str().map(str::to_string))
        })
    }

    /// Plays the carrier on a call: answers each TwiML document's verb until the call ends.
    fn follow<'b>(
        &self,
        exec: &str,
        call: &str,
        mut twiml: String,
        answers: &mut impl Iterator<Item = &'b &'b str>,
    ) {
        let mut applied = self.call_updates(call).len();
        for _ in 0..200 {
            if std::env::var_os("CORPUS_TWIML").is_some() {
                println!("{}: {twiml}", self.flow.file);
            }
            let Some((verb, url)) = next_action(&twiml) else {
                return;
            };
            let rec = next_sid("RE");
            let more: Vec<(&str, String)> = match verb.as_str() {
                "Gather" => {
                    let a = answers.next().copied().unwrap_or("1");
                    if a == HANGUP {
                        return self.hang_up(call);
                    }
                    if a == TIMEOUT {
                        vec![]
                    } else if let Some(said) = a.strip_prefix("speech:") {
                        vec![
                            ("SpeechResult", said.to_string()),
                            ("Confidence", "0.9".into()),
                        ]
                    } else {
                        vec![("Digits", a.to_string())]
                    }
                }
                "Record" => vec![
                    (
                        "RecordingUrl",
                        format!("https://api.twilio.com/recordings/{rec}"),
                    ),
                    ("RecordingDuration", "7".into()),
                    ("RecordingSid", rec.clone()),
                ],
                "Dial" => vec![
                    ("DialCallStatus", "completed".into()),
                    ("DialCallDuration", "42".into()),
                    ("DialCallSid", next_sid("CA")),
                ],
                "Enqueue" => vec![
                    ("QueueResult", "bridged".into()),
                    ("QueueTime", "10".into()),
                ],
                "Pay" => vec![
                    ("Result", "success".into()),
                    ("PaymentConfirmationCode", "ch_1".into()),
                ],
                "Redirect" if !url.contains("/Flows/") => {
                    // add-twiml-redirect to a TwiML page of the flow's author: that page's
                    // caller comes back to the flow.
                    let back = format!("{}?FlowEvent=return&ExecutionSid={exec}", self.hook());
                    twiml = self.call_post(&back, call, &[]);
                    continue;
                }
                "Redirect" => {
                    // TwiML the run produced meanwhile comes as a call update, which replaces
                    // what the call does (here: the poll).
                    let updates = self.call_updates(call);
                    if let Some(next) = updates.get(applied) {
                        applied += 1;
                        twiml = next.clone();
                        continue;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    vec![]
                }
                _ => vec![],
            };
            let more: Vec<(&str, &str)> = more.iter().map(|(k, v)| (*k, v.as_str())).collect();
            twiml = self.call_post(&url, call, &more);
        }
        // A caller still in the flow after that many answers hangs up.
        self.hang_up(call)
    }

    /// The TwiML of the box's call updates for `call` (`POST …/Calls/{CallSid}.json`), in order.
    fn call_updates(&self, call: &str) -> Vec<String> {
        let path = format!("/Calls/{call}.json");
        self.carrier
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(&path))
            .filter_map(|r| r.param("Twiml").map(str::to_string))
            .collect()
    }

    fn hang_up(&self, call: &str) {
        self.signed(
            "/webhooks/voice/status",
            &[
                ("CallSid", call),
                ("AccountSid", &self.s.sid),
                ("CallStatus", "completed"),
                ("From", &self.contact),
                ("To", BOX_NUMBER),
            ],
        )
        .expect(200);
    }

    /// Where the execution waits: the innermost running subflow's widget.
    fn here(&self, exec: &str) -> Here {
        let mut flow = self.flow.sid.clone();
        let mut exec = exec.to_string();
        for _ in 0..5 {
            let st = steps(self.s, &flow, &exec);
            let at = st
                .last()
                .and_then(|x| x["transitioned_to"].as_str())
                .unwrap_or("")
                .to_string();
            let rev = self.s.get(&format!("/v2/Flows/{flow}")).expect(200).json();
            let widget = rev["definition"]["states"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["name"] == at.as_str())
                .cloned()
                .unwrap_or(Value::Null);
            if widget["type"] == "run-subflow" {
                let child = widget["properties"]["flow_sid"].as_str().unwrap_or("");
                let v = self
                    .s
                    .get(&format!("/v2/Flows/{child}/Executions"))
                    .expect(200)
                    .json();
                let active = v["executions"].as_array().and_then(|l| {
                    l.iter()
                        .find(|e| {
                            e["status"] == "active"
                                && e["contact_channel_address"] == self.contact.as_str()
                        })
                        .and_then(|e| e["sid"].as_str().map(str::to_string))
                });
                if let Some(c) = active {
                    flow = child.to_string();
                    exec = c;
                    continue;
                }
            }
            return Here {
                flow,
                exec,
                steps: st.len(),
                widget,
            };
        }
        panic!("subflows nest too deep");
    }

    /// Waits until the execution moved on from `here`; false when it did not within a while.
    fn settle(&self, here: &Here) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let e = execution(self.s, &here.flow, &here.exec);
            if e["status"] == "ended" || steps(self.s, &here.flow, &here.exec).len() != here.steps {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The runs of this flow's subflows for this contact, as rows of the child.
    fn children_rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut seen = Vec::new();
        for st in self.flow.def["states"].as_array().unwrap() {
            if st["type"] != "run-subflow" {
                continue;
            }
            let child = st["properties"]["flow_sid"].as_str().unwrap_or("");
            if seen.contains(&child) || !child.starts_with("FW") {
                continue;
            }
            seen.push(child);
            let Ok(v) = std::panic::catch_unwind(|| {
                self.s
                    .get(&format!("/v2/Flows/{child}/Executions"))
                    .expect(200)
                    .json()
            }) else {
                continue;
            };
            let name = self.s.get(&format!("/v2/Flows/{child}")).expect(200).json()
                ["friendly_name"]
                .as_str()
                .unwrap_or("")
                .to_string();
            // The contact's first run of the child (a retry loop runs it again alike).
            for e in v["executions"].as_array().into_iter().flatten().rev() {
                if e["contact_channel_address"] != self.contact.as_str() {
                    continue;
                }
                let sid = e["sid"].as_str().unwrap();
                rows.push(Row {
                    file: name.clone(),
                    trigger: format!("incomingParent ({})", self.flow.prefix()),
                    path: path(&steps(self.s, child, sid)),
                    ended: execution(self.s, child, sid)["status"] == "ended",
                });
                break;
            }
        }
        rows
    }
}

/// The first verb of a TwiML document the carrier acts on: one with an `action` (Gather,
/// Record, Dial, Enqueue, Pay, Connect) or a Redirect; its URL unescaped.
fn next_action(twiml: &str) -> Option<(String, String)> {
    let mut best: Option<(usize, String, String)> = None;
    for verb in ["Gather", "Record", "Dial", "Enqueue", "Pay", "Connect"] {
        let mut from = 0;
        while let Some(i) = twiml[from..].find(&format!("<{verb} ")) {
            let at = from + i;
            let end = twiml[at..].find('>').map_or(twiml.len(), |e| at + e);
            let tag = &twiml[at..end];
            if let Some(a) = tag.find("action=\"") {
                let rest = &tag[a + 8..];
                let url = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
                if best.as_ref().is_none_or(|b| at < b.0) {
                    best = Some((at, verb.to_string(), url));
                }
                break;
            }
            from = end;
        }
    }
    if let Some(at) = twiml.find("<Redirect") {
        let open = at + twiml[at..].find('>').unwrap() + 1;
        let close = open + twiml[open..].find("</Redirect>").unwrap();
        if best.as_ref().is_none_or(|b| at < b.0) {
            best = Some((
                at,
                "Redirect".into(),
                twiml[open..close].replace("&amp;", "&"),
            ));
        }
    }
    best.map(|(_, v, u)| (v, u))
}

/// The corpus's children that no run of their parent reached (the parent ends before its
/// run-subflow, say): each run by its parent's run-subflow widget alone, in a flow of the test
/// that starts there (REST trigger), else a row saying no parent has it.
pub fn children(s: &TestServer, carrier: &Carrier, rows: &[Row], flows: &[Flow]) -> Vec<Row> {
    let mut out = Vec::new();
    for child in flows.iter().filter(|f| f.triggers == ["incomingParent"]) {
        if rows.iter().any(|r| r.file == child.file) {
            continue;
        }
        let widget = flows.iter().find_map(|f| {
            f.def["states"].as_array().unwrap().iter().find(|st| {
                st["type"] == "run-subflow" && st["properties"]["flow_sid"] == child.sid.as_str()
            })
        });
        let Some(widget) = widget else {
            out.push(Row {
                file: child.file.clone(),
                trigger: "incomingParent (no parent)".into(),
                path: Vec::new(),
                ended: false,
            });
            continue;
        };
        let mut widget = widget.clone();
        widget["transitions"] = json!([{"event": "completed"}, {"event": "failed"}]);
        let name = widget["name"].as_str().unwrap().to_string();
        let def = json!({
            "description": format!("{name} alone"),
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {},
                 "transitions": [{"event": "incomingRequest", "next": name}]},
                widget
            ],
            "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true}
        });
        let parent = Flow {
            file: format!("{}-parent", child.prefix()),
            sid: create(s, &format!("{name} alone"), &def),
            def,
            triggers: vec![REST],
        };
        let case = Case {
            s,
            carrier,
            flow: &parent,
            contact: format!("+1555399{}00", child.prefix()),
            script: &[],
        };
        for mut r in case.run(REST).into_iter().skip(1) {
            r.trigger = format!("incomingParent ({name} alone)");
            out.push(r);
        }
    }
    out
}
