//! The run loop: moves an execution from state to state in memory, outside any write, records
//! each step, and stops when the execution ends or starts waiting. What it decides is collected
//! as `Effects` (steps, events, timers, HTTP jobs, tasks) and committed afterwards in one write
//! (`effects::run_and_commit`). Widgets do no I/O: outbound HTTP is queued for the HTTP workers
//! (`http_worker`), messages are events for the channels layer, timers are rows; what they need
//! to know from the store they read (`Store::read`). A loop guard ends an execution after
//! `MAX_STEPS` steps.

use super::context;
use super::effects::{Effects, Op, Refusals};
use super::execution::{ExecutionStatus, Wait};
use super::widgets::{self, Fail, Outcome, WaitFor};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::flows::definition::{FlowDefinition, State};
use crate::ids::{new_sid, Prefix};
use crate::store::studio::{executions as db, http_jobs};
use crate::store::{self};
use crate::timers::TimerKind;
use crate::voice::twiml::Element;
use serde_json::{json, Value};

/// The loop guard: an execution ends (with a recorded error step) after this many steps.
pub const MAX_STEPS: i64 = 1000;
/// The widget-repeat guard: the same widget entered this many times in a row (without another
/// widget between) ends the execution.
pub const MAX_REPEATS: usize = 10;
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

/// One execution being advanced in memory.
pub struct Run<'a> {
    pub app: &'a Core,
    pub def: FlowDefinition,
    pub exec: db::Execution,
    /// The version `exec` was read at (`None`: the run creates it).
    pub read_version: Option<i64>,
    pub now: i64,
    /// TwiML verbs produced for the caller (calls only).
    pub twiml: Vec<Element>,
    /// Subflow nesting of this run.
    pub depth: usize,
    /// What the run decided so far, committed by the caller.
    pub fx: Effects,
    /// Tasks TaskRouter refused when an earlier computation of this run committed.
    pub refusals: Refusals,
}

impl<'a> Run<'a> {
    pub fn new(
        app: &'a Core,
        def: FlowDefinition,
        exec: db::Execution,
        read_version: Option<i64>,
        depth: usize,
        refusals: &Refusals,
    ) -> Run<'a> {
        Run {
            app,
            def,
            exec,
            read_version,
            now: app.now_ms(),
            twiml: Vec::new(),
            depth,
            fx: Effects::default(),
            refusals: refusals.clone(),
        }
    }

    /// Hands over the effects, the execution in its state now included (it stays readable in
    /// `exec`).
    pub fn finish(&mut self) -> Effects {
        self.exec.updated_at = self.now;
        let mut fx = std::mem::take(&mut self.fx);
        fx.touch(self.read_version, self.exec.clone());
        fx
    }

    pub fn ctx(&self) -> &Value {
        &self.exec.context
    }

    /// Whether this execution serves a phone call (its trigger carried one).
    pub fn is_call(&self) -> bool {
        self.exec.context["trigger"]["call"].is_object()
    }

    /// Runs from the initial state (the trigger).
    pub fn start(&mut self) -> store::Result<()> {
        let initial = self.def.initial_state.clone();
        self.drive(&initial)
    }

    /// Resumes a waiting execution with `event` and the widget's new `outputs`.
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
        Ok(())
    }

    /// Puts the state at the run's now of each business-hours schedule the flow names into
    /// `flow.schedules` (`{{flow.schedules.NAME.open}}`), read afresh each time the execution
    /// moves, so a schedule's change is in force at the next step; absent when none is named.
    fn refresh_schedules(&mut self) -> store::Result<()> {
        let now = self.now;
        // Only the schedules the flow names are evaluated (each costs a walk through its days).
        let text = serde_json::to_string(&self.def.states).unwrap_or_default();
        let states = match crate::schedules::wanted_in(&text) {
            crate::schedules::Wanted::Nothing => Default::default(),
            w => self
                .app
                .store
                .read(|c| crate::schedules::states_of(c, now, &w))?,
        };
        let flow = &mut self.exec.context["flow"];
        match flow.as_object_mut() {
            Some(f) if states.is_empty() => {
                f.remove("schedules");
            }
            Some(f) => {
                f.insert("schedules".into(), Value::Object(states));
            }
            None => {}
        }
        Ok(())
    }

    fn drive(&mut self, first: &str) -> store::Result<()> {
        self.refresh_schedules()?;
        let mut current = first.to_string();
        let mut previous = String::new();
        let mut repeats = 0;
        loop {
            if self.exec.step_count >= MAX_STEPS {
                let msg = format!("the execution reached the limit of {MAX_STEPS} steps (a loop?)");
                return self.end_with_error(&current, &msg);
            }
            if current == previous {
                repeats += 1;
            } else {
                (previous, repeats) = (current.clone(), 1);
            }
            if repeats > MAX_REPEATS {
                let msg = format!(
                    "the widget {current} ran {MAX_REPEATS} times in a row; the execution was \
                     ended (a loop?)"
                );
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
                // A message queued while the execution was busy answers the reply at once.
                Ok(Outcome::Wait {
                    wait: WaitFor::Reply { .. },
                    ..
                }) if queued(&self.exec.context) > 0 => {
                    let message = take_queued(&mut self.exec.context);
                    let outputs = json!({"inbound": message});
                    context::set_outputs(&mut self.exec.context, &state.name, outputs.clone());
                    self.transition(&state, "incomingMessage", &outputs)?
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
        self.fx.push(Op::Step(db::Step {
            sid: new_sid(Prefix::Step),
            execution_sid: self.exec.sid.clone(),
            flow_sid: self.exec.flow_sid.clone(),
            seq: self.exec.step_count,
            name: event.to_string(),
            transitioned_from: from.to_string(),
            transitioned_to: to.to_string(),
            context,
            created_at: self.now,
        }));
        Ok(())
    }

    fn wait(&mut self, state: &State, wait: WaitFor) -> store::Result<()> {
        let token = self.exec.step_count;
        let name = state.name.clone();
        let w = match wait {
            WaitFor::Reply { timeout_ms } => {
                self.fx.push(Op::Schedule {
                    kind: TimerKind::ExecutionWait,
                    target: self.exec.sid.clone(),
                    due: self.now + timeout_ms,
                    data: json!({"token": token}),
                });
                Wait::Reply { state: name, token }
            }
            WaitFor::Call => Wait::Call { state: name, token },
            WaitFor::Subflow(child) => Wait::Subflow {
                state: name,
                token,
                child,
            },
            WaitFor::Http(request) => {
                self.fx.push(Op::EnqueueHttp(http_jobs::Job {
                    execution_sid: self.exec.sid.clone(),
                    token,
                    request,
                }));
                Wait::Http {
                    state: name,
                    token,
                    answer: None,
                }
            }
        };
        self.exec.wait = Some(w.to_json());
        self.fx.push(Op::Event(
            NewEvent::new(
                EventType::ExecutionWaiting,
                "execution",
                self.exec.sid.clone(),
            )
            .data(
                json!({"ExecutionSid": self.exec.sid, "FlowSid": self.exec.flow_sid,
                             "Wait": self.exec.wait}),
            ),
        ));
        Ok(())
    }

    fn clear_wait(&mut self, wait: &Wait) -> store::Result<()> {
        self.fx.absorb_ops(cancel_wait(&self.exec.sid, wait));
        self.exec.wait = None;
        Ok(())
    }

    /// Ends the execution (it stays readable with its steps and context).
    pub fn end(&mut self) -> store::Result<()> {
        let ops = end_execution(&mut self.exec);
        self.fx.absorb_ops(ops);
        Ok(())
    }
}

/// Where messages that reached the execution while it could not take them wait (in its
/// context, so the Context resource shows them), oldest first.
pub const QUEUED_KEY: &str = "queued_messages";

/// How many messages are queued on the execution.
pub fn queued(ctx: &Value) -> usize {
    ctx[QUEUED_KEY].as_array().map_or(0, Vec::len)
}

/// Queues a message the execution cannot take now (it waits on HTTP, a subflow, a call).
pub fn queue_message(ctx: &mut Value, payload: &Value) {
    if let Some(obj) = ctx.as_object_mut() {
        let q = obj.entry(QUEUED_KEY).or_insert_with(|| json!([]));
        if let Some(a) = q.as_array_mut() {
            a.push(payload.clone());
        }
    }
}

fn take_queued(ctx: &mut Value) -> Value {
    let Some(a) = ctx.get_mut(QUEUED_KEY).and_then(Value::as_array_mut) else {
        return Value::Null;
    };
    let first = if a.is_empty() {
        Value::Null
    } else {
        a.remove(0)
    };
    if a.is_empty() {
        if let Some(obj) = ctx.as_object_mut() {
            obj.remove(QUEUED_KEY);
        }
    }
    first
}

/// What stops an execution waiting: its reply timer or its HTTP job goes.
fn cancel_wait(sid: &str, wait: &Wait) -> Vec<Op> {
    match wait {
        Wait::Reply { .. } => vec![Op::Cancel {
            kind: TimerKind::ExecutionWait,
            target: sid.to_string(),
        }],
        Wait::Http { .. } => vec![Op::CancelHttp(sid.to_string())],
        _ => Vec::new(),
    }
}

/// Ends an execution: no more waiting (its timer and HTTP job go), `ended`, and the
/// `studio.execution.ended` event; answers those changes for the caller to apply (it also saves
/// the row).
pub fn end_execution(exec: &mut db::Execution) -> Vec<Op> {
    if exec.status == ExecutionStatus::Ended {
        return Vec::new();
    }
    let mut ops = match exec.wait.as_ref().and_then(Wait::from_json) {
        Some(w) => cancel_wait(&exec.sid, &w),
        None => Vec::new(),
    };
    ops.push(Op::Cancel {
        kind: TimerKind::ExecutionIdle,
        target: exec.sid.clone(),
    });
    exec.status = ExecutionStatus::Ended;
    exec.wait = None;
    ops.push(Op::Event(
        NewEvent::new(EventType::ExecutionEnded, "execution", exec.sid.clone()).data(
            json!({"ExecutionSid": exec.sid, "FlowSid": exec.flow_sid, "Steps": exec.step_count,
                   "UnansweredMessages": queued(&exec.context)}),
        ),
    ));
    ops
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
    exec: db::Execution,
    depth: usize,
    refusals: &Refusals,
) -> store::Result<Option<Run<'a>>> {
    let Some(rev) = app
        .store
        .read(|c| crate::store::studio::flows::fetch_revision(c, &exec.flow_sid, exec.revision))?
    else {
        return Ok(None);
    };
    let Ok(def) = FlowDefinition::from_json(&rev.definition) else {
        return Ok(None);
    };
    let version = Some(exec.version);
    Ok(Some(Run::new(app, def, exec, version, depth, refusals)))
}
