//! The Studio execution engine: runs a flow's published revision (a test run's pinned one)
//! state by state (`run`), one
//! widget per file group (`widgets`), records each step, keeps the execution context
//! (`context`: `trigger`, `widgets`, `flow`, `contact`) and persists waiting executions in
//! SQLite (`execution::Wait`), so they resume after a restart. Outbound HTTP runs on the
//! engine's own worker threads (`http_worker`), never on the HTTP pool; reply timeouts are
//! durable timers. Pure parts: split conditions (`split`); templates are `crate::liquid`.
//! Nothing here speaks HTTP.

pub mod calls;
pub mod context;
pub mod effects;
mod end;
pub mod execution;
pub mod http_worker;
pub mod run;
mod timeouts;
pub use crate::flows::split;
pub mod widgets;

pub use effects::Claim;
pub use end::{delete, end_in, stop};
pub use execution::{ExecutionStatus, Wait};

use crate::core::Core;
use crate::flows::definition::FlowDefinition;
use crate::ids::{new_sid, Prefix};
use crate::store;
use crate::store::studio::{executions as db, flows};
use crate::timers::TimerKind;
use crate::voice::twiml::{self, Element};
use effects::{Effects, Guard, Op, Refusals};
use run::Run;
use serde_json::{json, Map, Value};
use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;

/// How an execution was triggered; decides the trigger event and `trigger.<key>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    IncomingMessage,
    IncomingConversationMessage,
    IncomingCall,
    IncomingRequest,
    IncomingParent,
}

impl TriggerKind {
    /// The key of the trigger payload in the context (`trigger.message`, …).
    pub fn context_key(self) -> &'static str {
        match self {
            TriggerKind::IncomingMessage => "message",
            TriggerKind::IncomingConversationMessage => "conversation",
            TriggerKind::IncomingCall => "call",
            TriggerKind::IncomingRequest => "request",
            TriggerKind::IncomingParent => "parent",
        }
    }
}

/// Something from outside for a flow: a message, a call, a REST request.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub flow_sid: String,
    pub trigger: TriggerKind,
    /// The customer's address (From).
    pub contact: String,
    /// Our address (To).
    pub channel_address: String,
    /// Becomes `trigger.message` | `trigger.conversation` | `trigger.call` | `trigger.request`.
    pub payload: Value,
    /// A test run's pinned revision (a draft, say): a new execution runs it instead of the
    /// latest published one, and says so in `flow.test_run`. `None` for every customer.
    pub test_revision: Option<i64>,
}

/// What `handle_inbound` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    pub execution_sid: String,
    pub status: ExecutionStatus,
    /// The TwiML answer, for calls.
    pub twiml: Option<String>,
}

/// The engine's errors.
#[derive(Debug, Clone)]
pub enum Error {
    /// The flow or execution does not exist.
    NotFound(String),
    /// The flow has no published revision to run.
    NotPublished(String),
    /// The contact already has an active execution of this flow.
    Busy(String),
    BadParam(&'static str, String),
    Store(store::Error),
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error::Store(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(what) => write!(f, "{what} was not found"),
            Error::NotPublished(sid) => write!(f, "flow {sid} has no published revision"),
            Error::Busy(m) => f.write_str(m),
            Error::BadParam(p, m) => write!(f, "{p}: {m}"),
            Error::Store(e) => e.fmt(f),
        }
    }
}

/// Resumes the contact's execution of the flow that waits for a reply (messages), else starts
/// a new execution from the latest published revision. One active execution per contact and
/// flow unless the flow sets `allow_concurrent_calls`: a message for an execution that is busy
/// (waiting for an HTTP answer, say) is queued on it and answers its next send-and-wait.
pub fn handle_inbound(app: &Core, inbound: Inbound) -> Result<Handled, Error> {
    handle_inbound_claimed(app, inbound, &mut |_| Ok(true))?
        .ok_or_else(|| Error::Store(store::Error::internal("an unclaimed inbound was refused")))
}

/// `handle_inbound`, committed together with the caller's `claim`; `None` when the claim
/// declined. The flow runs outside the write (`effects`).
pub fn handle_inbound_claimed(
    app: &Core,
    inbound: Inbound,
    claim: Claim,
) -> Result<Option<Handled>, Error> {
    let is_message = matches!(
        inbound.trigger,
        TriggerKind::IncomingMessage | TriggerKind::IncomingConversationMessage
    );
    effects::run_and_commit(app, Some(claim), |refusals| {
        if is_message {
            let active = app
                .store
                .read(|c| db::active_for_contact(c, &inbound.flow_sid, &inbound.contact))?;
            if let Some(top) = active.into_iter().next() {
                return resume_with_message(app, top, &inbound.payload, refusals);
            }
        }
        let (exec, verbs, fx) =
            start_execution(app, &inbound, Value::Object(Map::new()), refusals)?;
        Ok((handled(app, &exec, verbs), fx))
    })
}

/// `POST /v2/Flows/{FlowSid}/Executions`: a new execution with `trigger.request` and
/// `flow.data` = `parameters`. Never resumes a waiting execution.
pub fn trigger_rest(
    app: &Core,
    flow_sid: &str,
    to: &str,
    from: &str,
    parameters: Value,
) -> Result<db::Execution, Error> {
    let inbound = Inbound {
        flow_sid: flow_sid.to_string(),
        trigger: TriggerKind::IncomingRequest,
        contact: to.to_string(),
        channel_address: from.to_string(),
        payload: json!({"to": to, "from": from, "parameters": parameters}),
        test_revision: None,
    };
    effects::run_and_commit(app, None, |refusals| {
        let (exec, _, fx) = start_execution(app, &inbound, parameters.clone(), refusals)?;
        Ok((exec, fx))
    })?
    .ok_or_else(|| Error::Store(store::Error::internal("an unclaimed start was refused")))
}

/// Computes a new execution: checks the one-active-execution rule, runs until it waits or ends.
/// Answers it as it ends up, the TwiML for a call, and the effects to commit.
fn start_execution(
    app: &Core,
    inbound: &Inbound,
    data: Value,
    refusals: &Refusals,
) -> Result<(db::Execution, Vec<Element>, Effects), Error> {
    let (flow, rev) = app.store.read(|c| -> Result<_, Error> {
        let flow = flows::fetch(c, &inbound.flow_sid)?
            .ok_or_else(|| Error::NotFound(format!("flow {}", inbound.flow_sid)))?;
        let rev = match inbound.test_revision {
            Some(n) => flows::fetch_revision(c, flow.sid(), n)?
                .ok_or_else(|| Error::NotFound(format!("revision {n} of flow {}", flow.sid())))?,
            None => flows::published(c, flow.sid())?
                .ok_or_else(|| Error::NotPublished(flow.sid().to_string()))?,
        };
        Ok((flow, rev))
    })?;
    let def = FlowDefinition::from_json(&rev.definition).map_err(|e| {
        Error::Store(store::Error::internal(format!(
            "stored definition of {} does not parse: {e}",
            rev.flow_sid
        )))
    })?;
    let concurrent = def
        .flags
        .as_ref()
        .and_then(|f| f.allow_concurrent_calls)
        .unwrap_or(false);
    let is_message = matches!(
        inbound.trigger,
        TriggerKind::IncomingMessage | TriggerKind::IncomingConversationMessage
    );
    let busy = app
        .store
        .read(|c| db::has_active_for_contact(c, flow.sid(), &inbound.contact))?;
    if !concurrent && busy {
        return Err(Error::Busy(format!(
            "Execution already active for contact {} on flow {}",
            inbound.contact,
            flow.sid()
        )));
    }
    let sid = new_sid(Prefix::Execution);
    let now = app.now_ms();
    let mut context = context::new_context(
        flow.sid(),
        &sid,
        &inbound.contact,
        &inbound.channel_address,
        inbound.trigger.context_key(),
        inbound.payload.clone(),
        data,
    );
    if let Some(n) = inbound.test_revision {
        context["flow"]["test_run"] = json!({"revision": n, "contact": inbound.contact});
    }
    let exec = db::Execution {
        sid: sid.clone(),
        flow_sid: flow.sid().to_string(),
        revision: rev.revision,
        contact: inbound.contact.clone(),
        channel_address: inbound.channel_address.clone(),
        status: ExecutionStatus::Active,
        context,
        wait: None,
        step_count: 0,
        parent_sid: None,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    let mut r = Run::new(app, def, exec, None, 0, refusals);
    // A message starts an execution only when the contact has none (else it resumes that one);
    // a flow without concurrent calls keeps one per contact.
    if is_message || !concurrent {
        r.fx.guard(Guard::NoActive {
            flow_sid: flow.sid().to_string(),
            contact: inbound.contact.clone(),
        });
    }
    r.fx.push(Op::Event(run::started_event(&r.exec)));
    // The idle limit: checked when due, moved on if the execution has stepped since.
    r.fx.push(Op::Schedule {
        kind: TimerKind::ExecutionIdle,
        target: sid.clone(),
        due: now + r.def.idle_timeout_ms(),
        data: json!({}),
    });
    if inbound.trigger == TriggerKind::IncomingCall {
        if let Some(call_sid) = inbound.payload["CallSid"].as_str() {
            r.fx.push(Op::RecordCall {
                call_sid: call_sid.to_string(),
                flow_sid: flow.sid().to_string(),
                execution_sid: sid.clone(),
                from: inbound.contact.clone(),
                to: inbound.channel_address.clone(),
            });
        }
    }
    r.start()?;
    let fx = r.finish();
    Ok((r.exec, r.twiml, fx))
}

/// Follows an execution's subflow waits down to the execution that actually waits; each one
/// passed must be unchanged when the run commits.
fn innermost(
    app: &Core,
    mut exec: db::Execution,
    fx: &mut Effects,
) -> store::Result<db::Execution> {
    for _ in 0..run::MAX_SUBFLOW_DEPTH {
        let Some(Wait::Subflow { child, .. }) = exec.wait.as_ref().and_then(Wait::from_json) else {
            break;
        };
        match app.store.read(|c| db::fetch(c, &child))? {
            Some(c) if c.status == ExecutionStatus::Active => {
                fx.guard(Guard::Unchanged {
                    sid: c.sid.clone(),
                    version: c.version,
                });
                exec = c
            }
            _ => break,
        }
    }
    Ok(exec)
}

fn resume_with_message(
    app: &Core,
    top: db::Execution,
    payload: &Value,
    refusals: &Refusals,
) -> Result<(Handled, Effects), Error> {
    let mut fx = Effects::default();
    fx.guard(Guard::Unchanged {
        sid: top.sid.clone(),
        version: top.version,
    });
    let target = innermost(app, top.clone(), &mut fx)?;
    if !matches!(
        target.wait.as_ref().and_then(Wait::from_json),
        Some(Wait::Reply { .. })
    ) {
        // Busy (an HTTP answer, a call, a subflow that does not wait for a reply): the message
        // is queued on the execution and answers its next send-and-wait-for-reply.
        let mut target = target;
        // Not activity: a customer writing to a hung execution does not keep it from its idle
        // limit.
        run::queue_message(&mut target.context, payload);
        fx.touch(Some(target.version), target.clone());
        let top = fx.latest(&top.sid).cloned().unwrap_or(top);
        return Ok((handled(app, &top, Vec::new()), fx));
    }
    let Some(mut r) = run::load(app, target, 0, refusals)? else {
        return Ok((handled(app, &top, Vec::new()), fx));
    };
    r.resume("incomingMessage", json!({"inbound": payload}))?;
    let mut verbs = std::mem::take(&mut r.twiml);
    fx.absorb(r.finish());
    verbs.extend(widgets::finish_child(app, &mut fx, &r.exec, refusals)?);
    let top = fx.latest(&top.sid).cloned().unwrap_or(top);
    Ok((handled(app, &top, verbs), fx))
}

/// The carrier's callback for a call waiting in a voice widget (`FlowEvent=callback`) or
/// polling while the execution works (`poll`, `FlowEvent=poll`): resumes it with the widget's
/// event and the callback parameters as outputs, and answers the next TwiML.
pub fn call_callback(
    app: &Core,
    flow_sid: &str,
    execution_sid: &str,
    token: Option<i64>,
    poll: bool,
    params: Map<String, Value>,
) -> Result<Handled, Error> {
    effects::run_and_commit(app, None, |refusals| -> Result<(Handled, Effects), Error> {
        let exec = app
            .store
            .read(|c| db::fetch(c, execution_sid))?
            .filter(|e| e.flow_sid == flow_sid)
            .ok_or_else(|| Error::NotFound(format!("execution {execution_sid}")))?;
        let given = params.get("CallSid").and_then(Value::as_str);
        // The call the execution serves, else the one its make-outgoing-call-v2 placed.
        let call_sid = exec.context["trigger"]["call"]["CallSid"]
            .as_str()
            .or_else(|| outgoing_call_sid(&exec));
        if call_sid.is_none() || given.is_some_and(|g| Some(g) != call_sid) {
            return Err(Error::NotFound(format!(
                "call {} of execution {execution_sid}",
                given.unwrap_or("")
            )));
        }
        let mut fx = Effects::default();
        fx.guard(Guard::Unchanged {
            sid: exec.sid.clone(),
            version: exec.version,
        });
        let target = innermost(app, exec.clone(), &mut fx)?;
        let wait = target.wait.as_ref().and_then(Wait::from_json);
        let Some(mut r) = run::load(app, target, 0, refusals)? else {
            return Ok((handled(app, &exec, Vec::new()), fx));
        };
        match wait {
            // The caller answered a voice widget.
            Some(Wait::Call { state, token: t }) if !poll && token.is_none_or(|x| x == t) => {
                let widget = r.def.state(&state).map(|s| s.widget_type.clone());
                let event = match r.def.state(&state) {
                    Some(s) => widgets::callback_event(s, &params),
                    None => "callComplete",
                };
                let mut outputs = params.clone();
                if widget == Some(crate::flows::definition::WidgetType::MakeOutgoingCall) {
                    outputs.insert(
                        "call_sid".into(),
                        r.exec.context["widgets"][&state]["call_sid"].clone(),
                    );
                    // The callee answered: the execution serves that call from here on.
                    if event == "answered" && !r.is_call() {
                        r.exec.context["trigger"]["call"] = Value::Object(params.clone());
                    }
                }
                r.resume(event, Value::Object(outputs))?;
            }
            // The caller waited (polling) for an HTTP answer that has arrived.
            Some(Wait::Http {
                answer: Some(a), ..
            }) => {
                let event = a["event"].as_str().unwrap_or("failed").to_string();
                r.resume(&event, a["outputs"].clone())?;
            }
            // A poll that finds a voice widget waiting is no answer to it: that widget's TwiML
            // went out as a call update (a subflow ended meanwhile), which the caller gets next.
            Some(Wait::Call { .. }) => {
                let mut h = handled(app, &exec, Vec::new());
                h.twiml = Some(twiml::document(hold(app, &exec)));
                return Ok((h, fx));
            }
            _ => return Ok((handled(app, &exec, Vec::new()), fx)),
        }
        let mut verbs = std::mem::take(&mut r.twiml);
        fx.absorb(r.finish());
        verbs.extend(widgets::finish_child(app, &mut fx, &r.exec, refusals)?);
        let exec = fx.latest(&exec.sid).cloned().unwrap_or(exec);
        Ok((handled(app, &exec, verbs), fx))
    })?
    .ok_or_else(|| Error::Store(store::Error::internal("an unclaimed callback was refused")))
}

/// TwiML a run produced that no carrier request is waiting for (a timer fired, an HTTP answer
/// came, a subflow ended later): when the execution (or the parent it runs under) serves a
/// call, the `studio.execution.call-twiml` event the voice bridge turns into the carrier's call
/// update (`POST …/Calls/{CallSid}.json` with `Twiml`), committed with the run.
pub fn deliver_unrequested(
    app: &Core,
    fx: &mut Effects,
    sid: &str,
    verbs: Vec<Element>,
) -> store::Result<()> {
    if verbs.is_empty() {
        return Ok(());
    }
    let fetch = |fx: &Effects, sid: &str| -> store::Result<Option<db::Execution>> {
        match fx.latest(sid) {
            Some(e) => Ok(Some(e.clone())),
            None => app.store.read(|c| db::fetch(c, sid)),
        }
    };
    let Some(mut exec) = fetch(fx, sid)? else {
        return Ok(());
    };
    for _ in 0..run::MAX_SUBFLOW_DEPTH {
        let Some(parent) = exec.parent_sid.clone() else {
            break;
        };
        match fetch(fx, &parent)? {
            Some(p) => exec = p,
            None => break,
        }
    }
    let Some(call_sid) = exec.context["trigger"]["call"]["CallSid"]
        .as_str()
        .map(str::to_string)
    else {
        return Ok(());
    };
    let Some(doc) = handled(app, &exec, verbs).twiml else {
        return Ok(());
    };
    fx.push(Op::Event(
        crate::events::NewEvent::new(
            crate::events::EventType::ExecutionCallTwiml,
            "call",
            call_sid.clone(),
        )
        .data(json!({"CallSid": call_sid, "ExecutionSid": exec.sid, "Twiml": doc})),
    ));
    Ok(())
}

/// The SID of the call a waiting make-outgoing-call-v2 placed (its outputs' `call_sid`).
fn outgoing_call_sid(exec: &db::Execution) -> Option<&str> {
    match exec.wait.as_ref().and_then(Wait::from_json) {
        Some(Wait::Call { state, .. }) => exec.context["widgets"]
            .get(&state)
            .and_then(|w| w["call_sid"].as_str()),
        _ => None,
    }
}

/// The answer for an execution: TwiML when it serves a call.
fn handled(app: &Core, exec: &db::Execution, mut verbs: Vec<Element>) -> Handled {
    let is_call = exec.context["trigger"]["call"].is_object();
    let twiml = is_call.then(|| {
        let wait = exec.wait.as_ref().and_then(Wait::from_json);
        match (exec.status, wait) {
            // The end of a flow hangs up, unless the caller waits in a queue for an agent.
            (ExecutionStatus::Ended, _) => {
                if verbs.last().is_none_or(|v| v.name != "Enqueue") {
                    verbs.push(twiml::hangup());
                }
            }
            (ExecutionStatus::Active, Some(Wait::Call { .. })) => {}
            // The execution works on something else (HTTP, a subflow): the caller waits a
            // moment and asks again.
            (ExecutionStatus::Active, _) => verbs.extend(hold(app, exec)),
        }
        twiml::document(verbs)
    });
    Handled {
        execution_sid: exec.sid.clone(),
        status: exec.status,
        twiml,
    }
}

/// The caller waits a moment and asks again (`FlowEvent=poll`).
fn hold(app: &Core, exec: &db::Execution) -> Vec<Element> {
    let poll = format!(
        "/v1/Accounts/{}/Flows/{}?FlowEvent=poll&ExecutionSid={}",
        app.account_sid, exec.flow_sid, exec.sid
    );
    vec![
        Element::new("Pause").attr("length", "1"),
        twiml::redirect(&poll, "POST"),
    ]
}

/// Studio's start-up work: seeds the default flows (idempotently), registers the reply-timeout
/// timer and starts the HTTP workers. Returns the threads it started.
pub fn start(
    app: &Arc<Core>,
    stop: &crossbeam_channel::Receiver<()>,
) -> Result<Vec<JoinHandle<()>>, String> {
    crate::flows::seed::ensure_defaults(app)
        .map_err(|e| format!("cannot seed the default Studio flows: {e}"))?;
    app.timers
        .register(TimerKind::ExecutionWait, timeouts::on_wait_timer);
    app.timers
        .register(TimerKind::ExecutionIdle, timeouts::on_idle_timer);
    app.metrics.register_gauges(gauges);
    http_worker::start(app, stop)
}

fn gauges(app: &Core) -> Vec<crate::metrics::Gauge> {
    let active = app.store.read(db::count_active).unwrap_or(0);
    vec![crate::metrics::Gauge {
        name: "switchboard_studio_active_executions",
        help: "Studio executions that are active (running or waiting).",
        labels: vec![],
        value: active as f64,
    }]
}
