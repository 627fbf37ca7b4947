//! The Studio execution engine: runs a flow's published revision state by state (`run`), one
//! widget per file group (`widgets`), records each step, keeps the execution context
//! (`context`: `trigger`, `widgets`, `flow`, `contact`) and persists waiting executions in
//! SQLite (`execution::Wait`), so they resume after a restart. Outbound HTTP runs on the
//! engine's own worker threads (`http_worker`), never on the HTTP pool; reply timeouts are
//! durable timers. Pure parts: split conditions (`split`); templates are `crate::liquid`.
//! Nothing here speaks HTTP.

pub mod calls;
pub mod context;
pub mod execution;
pub mod http_worker;
pub mod run;
pub use crate::flows::split;
pub mod widgets;

pub use execution::{ExecutionStatus, Wait};

use crate::core::Core;
use crate::flows::definition::FlowDefinition;
use crate::ids::{new_sid, Prefix};
use crate::store::studio::{executions as db, flows};
use crate::store::{self, timers::TimerRow};
use crate::timers::TimerKind;
use crate::voice::twiml::{self, Element};
use run::Run;
use rusqlite::Transaction;
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
/// (waiting for an HTTP answer, say) is taken by it and changes nothing.
pub fn handle_inbound(app: &Core, inbound: Inbound) -> Result<Handled, Error> {
    handle_inbound_claimed(app, inbound, &mut |_| Ok(true))?
        .ok_or_else(|| Error::Store(store::Error::internal("an unclaimed inbound was refused")))
}

/// The caller's check in the write that hands an inbound over to the engine, run first: `false`
/// leaves the engine's work undone (the message was routed already, or an agent has it now)
/// while what the check itself wrote commits. This makes the hand-over idempotent.
pub type Claim<'a> = &'a mut (dyn FnMut(&Transaction) -> store::Result<bool> + Send);

/// `handle_inbound`, committed together with the caller's `claim`; `None` when the claim
/// declined.
pub fn handle_inbound_claimed(
    app: &Core,
    inbound: Inbound,
    claim: Claim,
) -> Result<Option<Handled>, Error> {
    app.store.write(|tx| -> Result<Option<Handled>, Error> {
        if !claim(tx)? {
            return Ok(None);
        }
        let is_message = matches!(
            inbound.trigger,
            TriggerKind::IncomingMessage | TriggerKind::IncomingConversationMessage
        );
        if is_message {
            let active = db::active_for_contact(tx, &inbound.flow_sid, &inbound.contact)?;
            if let Some(top) = active.into_iter().next() {
                return resume_with_message(app, tx, top, &inbound.payload).map(Some);
            }
        }
        let (exec, verbs) = start_in(app, tx, &inbound, Value::Object(Map::new()))?;
        Ok(Some(handled(app, &exec, verbs)))
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
    };
    app.store.write(|tx| -> Result<db::Execution, Error> {
        Ok(start_in(app, tx, &inbound, parameters.clone())?.0)
    })
}

/// Starts an execution in `tx`: checks the one-active-execution rule, runs until it waits or ends.
fn start_in(
    app: &Core,
    tx: &Transaction,
    inbound: &Inbound,
    data: Value,
) -> Result<(db::Execution, Vec<Element>), Error> {
    let flow = flows::fetch(tx, &inbound.flow_sid)?
        .ok_or_else(|| Error::NotFound(format!("flow {}", inbound.flow_sid)))?;
    let rev = flows::published(tx, flow.sid())?
        .ok_or_else(|| Error::NotPublished(flow.sid().to_string()))?;
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
    if !concurrent && !db::active_for_contact(tx, flow.sid(), &inbound.contact)?.is_empty() {
        return Err(Error::Busy(format!(
            "Execution already active for contact {} on flow {}",
            inbound.contact,
            flow.sid()
        )));
    }
    let sid = new_sid(Prefix::Execution);
    let now = app.now_ms();
    let exec = db::Execution {
        sid: sid.clone(),
        flow_sid: flow.sid().to_string(),
        revision: rev.revision,
        contact: inbound.contact.clone(),
        channel_address: inbound.channel_address.clone(),
        status: ExecutionStatus::Active,
        context: context::new_context(
            flow.sid(),
            &sid,
            &inbound.contact,
            &inbound.channel_address,
            inbound.trigger.context_key(),
            inbound.payload.clone(),
            data,
        ),
        wait: None,
        step_count: 0,
        parent_sid: None,
        created_at: now,
        updated_at: now,
    };
    db::insert(tx, &exec)?;
    app.record(tx, &run::started_event(&exec))?;
    if inbound.trigger == TriggerKind::IncomingCall {
        if let Some(call_sid) = inbound.payload["CallSid"].as_str() {
            crate::voice::calls::record_incoming(
                tx,
                call_sid,
                flow.sid(),
                &sid,
                &inbound.contact,
                &inbound.channel_address,
                now,
            )?;
        }
    }
    let mut r = Run::new(app, tx, def, exec, 0);
    r.start()?;
    Ok((r.exec, r.twiml))
}

/// Follows an execution's subflow waits down to the execution that actually waits.
fn innermost(tx: &Transaction, mut exec: db::Execution) -> store::Result<db::Execution> {
    for _ in 0..run::MAX_SUBFLOW_DEPTH {
        let Some(Wait::Subflow { child, .. }) = exec.wait.as_ref().and_then(Wait::from_json) else {
            break;
        };
        match db::fetch(tx, &child)? {
            Some(c) if c.status == ExecutionStatus::Active => exec = c,
            _ => break,
        }
    }
    Ok(exec)
}

fn resume_with_message(
    app: &Core,
    tx: &Transaction,
    top: db::Execution,
    payload: &Value,
) -> Result<Handled, Error> {
    let target = innermost(tx, top.clone())?;
    if !matches!(
        target.wait.as_ref().and_then(Wait::from_json),
        Some(Wait::Reply { .. })
    ) {
        return Ok(handled(app, &top, Vec::new()));
    }
    let Some(mut r) = run::load(app, tx, target, 0)? else {
        return Ok(handled(app, &top, Vec::new()));
    };
    r.resume("incomingMessage", json!({"inbound": payload}))?;
    let mut verbs = std::mem::take(&mut r.twiml);
    verbs.extend(widgets::finish_child(app, tx, &r.exec)?);
    let top = db::fetch(tx, &top.sid)?.unwrap_or(top);
    Ok(handled(app, &top, verbs))
}

/// The carrier's callback for a call waiting in a voice widget (`FlowEvent=callback`) or
/// polling while the execution works (`FlowEvent=poll`): resumes it with the widget's event and
/// the callback parameters as outputs, and answers the next TwiML.
pub fn call_callback(
    app: &Core,
    flow_sid: &str,
    execution_sid: &str,
    token: Option<i64>,
    params: Map<String, Value>,
) -> Result<Handled, Error> {
    app.store.write(|tx| -> Result<Handled, Error> {
        let exec = db::fetch(tx, execution_sid)?
            .filter(|e| e.flow_sid == flow_sid)
            .ok_or_else(|| Error::NotFound(format!("execution {execution_sid}")))?;
        let call_sid = exec.context["trigger"]["call"]["CallSid"].as_str();
        let given = params.get("CallSid").and_then(Value::as_str);
        if call_sid.is_none() || given.is_some_and(|g| Some(g) != call_sid) {
            return Err(Error::NotFound(format!(
                "call {} of execution {execution_sid}",
                given.unwrap_or("")
            )));
        }
        let target = innermost(tx, exec.clone())?;
        let wait = target.wait.as_ref().and_then(Wait::from_json);
        let Some(mut r) = run::load(app, tx, target, 0)? else {
            return Ok(handled(app, &exec, Vec::new()));
        };
        match wait {
            // The caller answered a voice widget.
            Some(Wait::Call { state, token: t }) if token.is_none_or(|x| x == t) => {
                let event = match r.def.state(&state) {
                    Some(s) => widgets::callback_event(s, &params),
                    None => "callComplete",
                };
                r.resume(event, Value::Object(params))?;
            }
            // The caller waited (polling) for an HTTP answer that has arrived.
            Some(Wait::Http {
                answer: Some(a), ..
            }) => {
                let event = a["event"].as_str().unwrap_or("failed").to_string();
                r.resume(&event, a["outputs"].clone())?;
            }
            _ => return Ok(handled(app, &exec, Vec::new())),
        }
        let mut verbs = std::mem::take(&mut r.twiml);
        verbs.extend(widgets::finish_child(app, tx, &r.exec)?);
        let exec = db::fetch(tx, &exec.sid)?.unwrap_or(exec);
        Ok(handled(app, &exec, verbs))
    })
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
            (ExecutionStatus::Active, _) => {
                verbs.push(Element::new("Pause").attr("length", "1"));
                verbs.push(twiml::redirect(
                    &format!(
                        "/v1/Accounts/{}/Flows/{}?FlowEvent=poll&ExecutionSid={}",
                        app.account_sid, exec.flow_sid, exec.sid
                    ),
                    "POST",
                ));
            }
        }
        twiml::document(verbs)
    });
    Handled {
        execution_sid: exec.sid.clone(),
        status: exec.status,
        twiml,
    }
}

/// Ends an execution (and the subflows it runs): `Status=ended` on the execution resource.
pub fn stop(app: &Core, flow_sid: &str, sid: &str) -> Result<db::Execution, Error> {
    app.store.write(|tx| -> Result<db::Execution, Error> {
        let exec = db::fetch(tx, sid)?
            .filter(|e| e.flow_sid == flow_sid)
            .ok_or_else(|| Error::NotFound(format!("execution {sid}")))?;
        end_tree(app, tx, exec.clone())?;
        Ok(db::fetch(tx, sid)?.unwrap_or(exec))
    })
}

/// Deletes an execution, ending it (and its subflows) first.
pub fn delete(app: &Core, flow_sid: &str, sid: &str) -> Result<(), Error> {
    app.store.write(|tx| -> Result<(), Error> {
        let exec = db::fetch(tx, sid)?
            .filter(|e| e.flow_sid == flow_sid)
            .ok_or_else(|| Error::NotFound(format!("execution {sid}")))?;
        end_tree(app, tx, exec)?;
        db::delete(tx, sid)?;
        Ok(())
    })
}

/// Ends an execution and its subflows inside the caller's transaction (a caller hung up, say).
pub fn end_in(app: &Core, tx: &Transaction, execution_sid: &str) -> store::Result<()> {
    match db::fetch(tx, execution_sid)? {
        Some(e) => end_tree(app, tx, e),
        None => Ok(()),
    }
}

fn end_tree(app: &Core, tx: &Transaction, exec: db::Execution) -> store::Result<()> {
    let mut pending = vec![exec];
    let mut n = 0;
    while let Some(e) = pending.pop() {
        n += 1;
        if n > 64 {
            break;
        }
        pending.extend(db::active_children(tx, &e.sid)?);
        if e.status != ExecutionStatus::Active {
            continue;
        }
        let mut e = e;
        run::end_execution(app, tx, &mut e)?;
        e.updated_at = app.now_ms();
        db::save(tx, &e)?;
    }
    Ok(())
}

/// The `ExecutionWait` timer: a send-and-wait-for-reply that got no reply in time takes
/// `timeout`. Idempotent: a stale token (the execution moved on) does nothing.
fn on_wait_timer(app: &Core, timer: &TimerRow) -> Result<(), String> {
    let token = timer.data["token"].as_i64();
    app.store
        .write(|tx| -> store::Result<()> {
            let Some(exec) = db::fetch(tx, &timer.target)? else {
                return Ok(());
            };
            let current = exec.wait.as_ref().and_then(Wait::from_json);
            let due = matches!(current, Some(Wait::Reply { token: t, .. }) if Some(t) == token);
            if exec.status != ExecutionStatus::Active || !due {
                return Ok(());
            }
            let Some(mut r) = run::load(app, tx, exec, 0)? else {
                return Ok(());
            };
            r.resume("timeout", Value::Null)?;
            widgets::finish_child(app, tx, &r.exec)?;
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// Studio's start-up work: seeds the default flows (idempotently), registers the reply-timeout
/// timer and starts the HTTP workers. Returns the threads it started.
pub fn start(
    app: &Arc<Core>,
    stop: &crossbeam_channel::Receiver<()>,
) -> Result<Vec<JoinHandle<()>>, String> {
    crate::flows::seed::ensure_defaults(app)
        .map_err(|e| format!("cannot seed the default Studio flows: {e}"))?;
    app.timers.register(TimerKind::ExecutionWait, on_wait_timer);
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
