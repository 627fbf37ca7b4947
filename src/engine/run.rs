//! The run loop: moves an execution from state to state inside the caller's write transaction,
//! records each step, and stops when the execution ends or starts waiting. Widgets do no I/O:
//! outbound HTTP is queued for the HTTP workers (`http_worker`), messages are events for the
//! channels layer, timers are rows. A loop guard ends an execution after `MAX_STEPS` steps.

use super::context;
use super::execution::{ExecutionStatus, Wait};
use super::widgets::{self, Fail, Outcome, WaitFor};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::flows::definition::{FlowDefinition, State};
use crate::ids::{new_sid, Prefix};
use crate::store::studio::{executions as db, http_jobs};
use crate::store::{self};
use crate::timers::{self, TimerKind};
use crate::voice::twiml::Element;
use rusqlite::Transaction;
use serde_json::{json, Value};

/// The loop guard: an execution ends (with a recorded error step) after this many steps.
pub const MAX_STEPS: i64 = 1000;
/// How deeply subflows may nest.
pub const MAX_SUBFLOW_DEPTH: usize = 8;

/// Events a widget takes when it fails, in order of preference.
const FAILURE_EVENTS: &[&str] = &[
    "failed",
    "fail",
    "failedToEnqueue",
    "callFailure",
    "deliveryFailure",
];

/// One execution being advanced inside a write transaction.
pub struct Run<'a> {
    pub app: &'a Core,
    pub tx: &'a Transaction<'a>,
    pub def: FlowDefinition,
    pub exec: db::Execution,
    pub now: i64,
    /// TwiML verbs produced for the caller (calls only).
    pub twiml: Vec<Element>,
    /// Subflow nesting of this run.
    pub depth: usize,
}

impl<'a> Run<'a> {
    pub fn new(
        app: &'a Core,
        tx: &'a Transaction<'a>,
        def: FlowDefinition,
        exec: db::Execution,
        depth: usize,
    ) -> Run<'a> {
        Run {
            app,
            tx,
            def,
            exec,
            now: app.now_ms(),
            twiml: Vec::new(),
            depth,
        }
    }

    pub fn ctx(&self) -> &Value {
        &self.exec.context
    }

    /// Whether this execution serves a phone call (its trigger carried one).
    pub fn is_call(&self) -> bool {
        self.exec.context["trigger"]["call"].is_object()
    }

    /// Runs from the initial state (the trigger) and saves the execution.
    pub fn start(&mut self) -> store::Result<()> {
        let initial = self.def.initial_state.clone();
        self.drive(&initial)?;
        self.save()
    }

    /// Resumes a waiting execution with `event` and the widget's new `outputs`, then saves it.
    pub fn resume(&mut self, event: &str, outputs: Value) -> store::Result<()> {
        let Some(wait) = self.exec.wait.as_ref().and_then(Wait::from_json) else {
            return Ok(());
        };
        self.clear_wait(&wait)?;
        let name = wait.state().to_string();
        context::set_outputs(&mut self.exec.context, &name, outputs.clone());
        match self.def.state(&name).cloned() {
            Some(state) => {
                if let Some(next) = self.transition(&state, event, &outputs)? {
                    self.drive(&next)?;
                }
            }
            None => self.end_with_error(&name, "the waiting state is no longer in the flow")?,
        }
        self.save()
    }

    fn save(&mut self) -> store::Result<()> {
        self.exec.updated_at = self.now;
        db::save(self.tx, &self.exec)
    }

    fn drive(&mut self, first: &str) -> store::Result<()> {
        let mut current = first.to_string();
        loop {
            if self.exec.step_count >= MAX_STEPS {
                let msg = format!("the execution reached the limit of {MAX_STEPS} steps (a loop?)");
                return self.end_with_error(&current, &msg);
            }
            let Some(state) = self.def.state(&current).cloned() else {
                return self.end_with_error(&current, "the state does not exist in the flow");
            };
            let outcome = widgets::execute(self, &state);
            let next = match outcome {
                Ok(Outcome::Next { event, outputs }) => {
                    context::set_outputs(&mut self.exec.context, &state.name, outputs.clone());
                    self.transition(&state, &event, &outputs)?
                }
                Ok(Outcome::Wait { wait, outputs }) => {
                    context::set_outputs(&mut self.exec.context, &state.name, outputs);
                    return self.wait(&state, wait);
                }
                Ok(Outcome::End { event, outputs }) => {
                    context::set_outputs(&mut self.exec.context, &state.name, outputs.clone());
                    self.record_step(&event, &state.name, "Ended", &outputs)?;
                    return self.end();
                }
                Err(Fail::Widget(message)) => self.fail(&state, &message)?,
                Err(Fail::Store(e)) => return Err(e),
            };
            match next {
                Some(n) => current = n,
                None => return Ok(()),
            }
        }
    }

    /// Takes the transition for `event`: records the step, and ends the execution when the
    /// transition leads nowhere. Returns the next state.
    fn transition(
        &mut self,
        state: &State,
        event: &str,
        outputs: &Value,
    ) -> store::Result<Option<String>> {
        // A split names the `match` transition it chose by position: `match#N`.
        let (event, chosen) = match event.strip_prefix("match#") {
            Some(i) => (
                "match",
                i.parse::<usize>()
                    .ok()
                    .and_then(|i| state.transitions.get(i)),
            ),
            None => (event, state.transitions_for(event).next()),
        };
        let next = chosen
            .and_then(|t| t.next.clone())
            .filter(|n| !n.is_empty());
        let to = next.clone().unwrap_or_else(|| "Ended".to_string());
        self.record_step(event, &state.name, &to, outputs)?;
        if next.is_none() {
            self.end()?;
        }
        Ok(next)
    }

    /// A widget failed: its failure transition is taken when it has one, else the execution
    /// ends; either way the step records the error.
    fn fail(&mut self, state: &State, message: &str) -> store::Result<Option<String>> {
        let outputs = json!({"error": {"message": message}});
        context::set_outputs(&mut self.exec.context, &state.name, outputs.clone());
        let (events, _) = state.widget_type.events();
        let event = FAILURE_EVENTS
            .iter()
            .find(|e| events.contains(e))
            .copied()
            .unwrap_or("failed");
        self.transition(state, event, &outputs)
    }

    fn end_with_error(&mut self, state: &str, message: &str) -> store::Result<()> {
        self.record_step(
            "error",
            state,
            "Ended",
            &json!({"error": {"message": message}}),
        )?;
        self.end()
    }

    pub fn record_step(
        &mut self,
        event: &str,
        from: &str,
        to: &str,
        outputs: &Value,
    ) -> store::Result<()> {
        self.exec.step_count += 1;
        let context = if outputs.is_null() {
            json!({})
        } else {
            outputs.clone()
        };
        db::insert_step(
            self.tx,
            &db::Step {
                sid: new_sid(Prefix::Step),
                execution_sid: self.exec.sid.clone(),
                flow_sid: self.exec.flow_sid.clone(),
                seq: self.exec.step_count,
                name: event.to_string(),
                transitioned_from: from.to_string(),
                transitioned_to: to.to_string(),
                context,
                created_at: self.now,
            },
        )
    }

    fn wait(&mut self, state: &State, wait: WaitFor) -> store::Result<()> {
        let token = self.exec.step_count;
        let name = state.name.clone();
        let w = match wait {
            WaitFor::Reply { timeout_ms } => {
                timers::schedule(
                    self.tx,
                    TimerKind::ExecutionWait,
                    &self.exec.sid,
                    self.now + timeout_ms,
                    &json!({"token": token}),
                )?;
                Wait::Reply { state: name, token }
            }
            WaitFor::Call => Wait::Call { state: name, token },
            WaitFor::Subflow(child) => Wait::Subflow {
                state: name,
                token,
                child,
            },
            WaitFor::Http(request) => {
                http_jobs::enqueue(
                    self.tx,
                    &http_jobs::Job {
                        execution_sid: self.exec.sid.clone(),
                        token,
                        request,
                    },
                    self.now,
                )?;
                Wait::Http {
                    state: name,
                    token,
                    answer: None,
                }
            }
        };
        self.exec.wait = Some(w.to_json());
        self.app.record(
            self.tx,
            &NewEvent::new(
                EventType::ExecutionWaiting,
                "execution",
                self.exec.sid.clone(),
            )
            .data(
                json!({"ExecutionSid": self.exec.sid, "FlowSid": self.exec.flow_sid,
                             "Wait": self.exec.wait}),
            ),
        )?;
        Ok(())
    }

    fn clear_wait(&mut self, wait: &Wait) -> store::Result<()> {
        if matches!(wait, Wait::Reply { .. }) {
            timers::cancel(self.tx, TimerKind::ExecutionWait, &self.exec.sid)?;
        }
        if matches!(wait, Wait::Http { .. }) {
            http_jobs::cancel(self.tx, &self.exec.sid)?;
        }
        self.exec.wait = None;
        Ok(())
    }

    /// Ends the execution (it stays readable with its steps and context).
    pub fn end(&mut self) -> store::Result<()> {
        end_execution(self.app, self.tx, &mut self.exec)
    }
}

/// Ends an execution in `tx`: no more waiting (its timer and HTTP job go), `ended`, and the
/// `studio.execution.ended` event. The caller saves the row.
pub fn end_execution(app: &Core, tx: &Transaction, exec: &mut db::Execution) -> store::Result<()> {
    if exec.status == ExecutionStatus::Ended {
        return Ok(());
    }
    match exec.wait.as_ref().and_then(Wait::from_json) {
        Some(Wait::Reply { .. }) => timers::cancel(tx, TimerKind::ExecutionWait, &exec.sid)?,
        Some(Wait::Http { .. }) => http_jobs::cancel(tx, &exec.sid)?,
        _ => {}
    }
    exec.status = ExecutionStatus::Ended;
    exec.wait = None;
    app.record(
        tx,
        &NewEvent::new(EventType::ExecutionEnded, "execution", exec.sid.clone()).data(
            json!({"ExecutionSid": exec.sid, "FlowSid": exec.flow_sid, "Steps": exec.step_count}),
        ),
    )?;
    Ok(())
}

/// `studio.execution.started` for a new execution.
pub fn started_event(e: &db::Execution) -> NewEvent {
    NewEvent::new(EventType::ExecutionStarted, "execution", e.sid.clone())
        .describe(format!(
            "execution {} of flow {} started",
            e.sid, e.flow_sid
        ))
        .data(
            json!({"ExecutionSid": e.sid, "FlowSid": e.flow_sid, "Contact": e.contact,
                     "ParentExecutionSid": e.parent_sid}),
        )
}

/// A run of a stored execution on the revision it started with; `None` if that revision is gone.
pub fn load<'a>(
    app: &'a Core,
    tx: &'a Transaction<'a>,
    exec: db::Execution,
    depth: usize,
) -> store::Result<Option<Run<'a>>> {
    let Some(rev) = crate::store::studio::flows::fetch_revision(tx, &exec.flow_sid, exec.revision)?
    else {
        return Ok(None);
    };
    let Ok(def) = FlowDefinition::from_json(&rev.definition) else {
        return Ok(None);
    };
    Ok(Some(Run::new(app, tx, def, exec, depth)))
}
