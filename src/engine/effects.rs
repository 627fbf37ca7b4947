//! What a run decided, as values, and the one write that commits it. A run (`run`) reads the
//! store outside any write and works in memory: Liquid, split conditions and JSON building never
//! run inside `Store::write`, so a slow template holds up no other writer (group commit). Its
//! `Effects` — the executions in their new state, steps, events, timers, HTTP jobs, tasks — are
//! committed by `run_and_commit` in one write that first checks the `Guard`s and that every
//! execution the run read is still at the version it read (`executions.version`); if not, the
//! run is computed again from a fresh read. A task TaskRouter refuses at commit is the widget's
//! failure: the run is computed again with the refusal known (`Refusals`).

use super::Error;
use crate::core::Core;
use crate::events::NewEvent;
use crate::routing;
use crate::store::studio::{executions as db, http_jobs};
use crate::store::{self};
use crate::timers::{self, TimerKind};
use rusqlite::Transaction;
use serde_json::Value;
use std::collections::HashMap;

/// How often a run is computed again when its executions changed under it, before giving up.
const MAX_ATTEMPTS: usize = 8;

/// Refusals learnt at commit, by `refusal_key`, with TaskRouter's message.
pub type Refusals = HashMap<String, String>;

/// The key of a widget's store-side action: the same widget of the same execution at the same
/// step, however often the run is computed.
pub fn refusal_key(exec: &db::Execution, state: &str) -> String {
    format!("{}/{}/{state}", exec.flow_sid, exec.step_count)
}

/// A TaskRouter task that send-to-flex or enqueue-call creates, under a SID chosen by the run.
#[derive(Debug, Clone)]
pub struct TaskOp {
    pub sid: String,
    /// `refusal_key` of the widget.
    pub key: String,
    /// A `WW…` SID, else the default workspace's default workflow.
    pub workflow: String,
    pub channel: String,
    pub attributes: Value,
    pub priority: Option<i64>,
    pub timeout: Option<i64>,
    /// The call the task serves (voice), linked to it.
    pub call_sid: Option<String>,
}

/// One change a run makes besides saving executions, applied in order.
#[derive(Debug, Clone)]
pub enum Op {
    Step(db::Step),
    Event(NewEvent),
    Schedule {
        kind: TimerKind,
        target: String,
        due: i64,
        data: Value,
    },
    Cancel {
        kind: TimerKind,
        target: String,
    },
    EnqueueHttp(http_jobs::Job),
    CancelHttp(String),
    /// The HTTP worker's job for (execution, token) is done.
    FinishHttp {
        execution_sid: String,
        token: i64,
    },
    CreateTask(TaskOp),
    /// An incoming call, answered by a new execution.
    RecordCall {
        call_sid: String,
        flow_sid: String,
        execution_sid: String,
        from: String,
        to: String,
    },
}

/// What must still hold when the effects commit.
#[derive(Debug, Clone)]
pub enum Guard {
    /// The execution is at the version the run read (a run that only looked at it).
    Unchanged { sid: String, version: i64 },
    /// The contact has no active execution of the flow (a run that starts one).
    NoActive { flow_sid: String, contact: String },
}

#[derive(Debug, Default)]
pub struct Effects {
    guards: Vec<Guard>,
    /// Executions to write: the version each was read at (`None`: new) and its new state.
    execs: Vec<(Option<i64>, db::Execution)>,
    ops: Vec<Op>,
}

impl Effects {
    pub fn push(&mut self, op: Op) {
        self.ops.push(op);
    }

    pub fn guard(&mut self, g: Guard) {
        self.guards.push(g);
    }

    /// The execution is written in this state; a second touch of the same one keeps the version
    /// of the first.
    pub fn touch(&mut self, read_version: Option<i64>, exec: db::Execution) {
        match self.execs.iter_mut().find(|(_, e)| e.sid == exec.sid) {
            Some(slot) => slot.1 = exec,
            None => self.execs.push((read_version, exec)),
        }
    }

    pub fn absorb_ops(&mut self, ops: Vec<Op>) {
        self.ops.extend(ops);
    }

    /// Takes over `other`'s effects, after this one's.
    pub fn absorb(&mut self, other: Effects) {
        self.guards.extend(other.guards);
        for (v, e) in other.execs {
            self.touch(v, e);
        }
        self.ops.extend(other.ops);
    }

    /// The execution as these effects leave it, if they touch it.
    pub fn latest(&self, sid: &str) -> Option<&db::Execution> {
        self.execs
            .iter()
            .find(|(_, e)| e.sid == sid)
            .map(|(_, e)| e)
    }

    /// Nothing to write (guards alone need no write).
    pub fn is_empty(&self) -> bool {
        self.execs.is_empty() && self.ops.is_empty()
    }
}

/// Why effects did not commit.
#[derive(Debug)]
pub enum CommitError {
    /// An execution the run read has changed (or a guard broke): compute again.
    Conflict,
    /// TaskRouter refused a widget's task: compute again with the refusal known.
    Refused {
        key: String,
        message: String,
    },
    Store(store::Error),
}

impl From<store::Error> for CommitError {
    fn from(e: store::Error) -> CommitError {
        CommitError::Store(e)
    }
}

/// Checks the guards and versions, then writes everything, in the caller's transaction. Runs no
/// template, condition or other user-controlled computation: only what the run decided.
pub fn commit(app: &Core, tx: &Transaction, fx: &Effects) -> Result<(), CommitError> {
    for g in &fx.guards {
        let holds = match g {
            Guard::Unchanged { sid, version } => db::version(tx, sid)? == Some(*version),
            Guard::NoActive { flow_sid, contact } => {
                !db::has_active_for_contact(tx, flow_sid, contact)?
            }
        };
        if !holds {
            return Err(CommitError::Conflict);
        }
    }
    for (read, e) in &fx.execs {
        if let Some(v) = read {
            if db::version(tx, &e.sid)? != Some(*v) {
                return Err(CommitError::Conflict);
            }
        }
    }
    for (_, e) in fx.execs.iter().filter(|(read, _)| read.is_none()) {
        db::insert(tx, e)?;
    }
    for op in &fx.ops {
        apply(app, tx, op)?;
    }
    for (_, e) in fx.execs.iter().filter(|(read, _)| read.is_some()) {
        db::save(tx, e)?;
    }
    Ok(())
}

/// Applies one op in the caller's transaction.
pub fn apply(app: &Core, tx: &Transaction, op: &Op) -> Result<(), CommitError> {
    match op {
        Op::Step(s) => db::insert_step(tx, s)?,
        Op::Event(e) => {
            app.record(tx, e)?;
        }
        Op::Schedule {
            kind,
            target,
            due,
            data,
        } => timers::schedule(tx, *kind, target, *due, data)?,
        Op::Cancel { kind, target } => timers::cancel(tx, *kind, target)?,
        Op::EnqueueHttp(job) => http_jobs::enqueue(tx, job, app.now_ms())?,
        Op::CancelHttp(sid) => http_jobs::cancel(tx, sid)?,
        Op::FinishHttp {
            execution_sid,
            token,
        } => http_jobs::finish(tx, execution_sid, *token)?,
        Op::CreateTask(t) => create_task(app, tx, t)?,
        Op::RecordCall {
            call_sid,
            flow_sid,
            execution_sid,
            from,
            to,
        } => crate::voice::calls::record_incoming(
            tx,
            call_sid,
            flow_sid,
            execution_sid,
            from,
            to,
            app.now_ms(),
        )?,
    }
    Ok(())
}

/// Creates the task in the default ("Flex Task Assignment") workspace: the widget's workflow
/// when it names one by SID, else the workspace's default workflow; the channel by unique name
/// or SID. TaskRouter's refusals (unknown channel, bad priority…) are the widget's failure.
fn create_task(app: &Core, tx: &Transaction, t: &TaskOp) -> Result<(), CommitError> {
    let refused = |message: String| CommitError::Refused {
        key: t.key.clone(),
        message,
    };
    let routing_err = |e: routing::Error| match e.kind {
        routing::ErrorKind::Store(kind) => CommitError::Store(store::Error::new(kind, e.message)),
        _ => refused(format!("TaskRouter refused the task: {}", e.message)),
    };
    let workspace = routing::workspaces::default_sid(tx)
        .map_err(routing_err)?
        .ok_or_else(|| refused("there is no default TaskRouter workspace".into()))?;
    let workflow = if crate::ids::is_sid(crate::ids::Prefix::Workflow, &t.workflow) {
        Some(t.workflow.clone())
    } else {
        routing::workflows::default_sid(tx, &workspace).map_err(routing_err)?
    };
    let new = routing::tasks::NewTask {
        workflow_sid: workflow,
        attributes: t.attributes.clone(),
        task_channel: Some(t.channel.clone()).filter(|c| !c.is_empty()),
        priority: t.priority,
        timeout: t.timeout,
        virtual_start_time: None,
    };
    routing::tasks::create_in_as(tx, app, &workspace, t.sid.clone(), new).map_err(routing_err)?;
    if let Some(call_sid) = &t.call_sid {
        crate::voice::calls::attach_task(tx, call_sid, &t.sid, app.now_ms())?;
    }
    Ok(())
}

/// The caller's check in the write that commits a run, run first: `false` leaves the run's
/// effects unwritten (the message was routed already, or an agent has it now) while what the
/// check itself wrote commits. This makes a hand-over to the engine idempotent.
pub type Claim<'a> = &'a mut (dyn FnMut(&Transaction) -> store::Result<bool> + Send);

/// Computes a run with `compute` (outside any write: it reads through `Store::read`) and commits
/// its effects, with `claim` first when given. Computes again when the executions it read
/// changed before the commit, or TaskRouter refused one of its tasks. `None` when the claim
/// declined.
pub fn run_and_commit<T: Send>(
    app: &Core,
    mut claim: Option<Claim>,
    mut compute: impl FnMut(&Refusals) -> Result<(T, Effects), Error>,
) -> Result<Option<T>, Error> {
    let mut refusals = Refusals::new();
    for _ in 0..MAX_ATTEMPTS {
        let (value, fx) = compute(&refusals)?;
        if fx.is_empty() && claim.is_none() {
            return Ok(Some(value));
        }
        let claim = &mut claim;
        let outcome = app.store.write(|tx| -> Result<bool, CommitError> {
            if let Some(c) = claim {
                if !c(tx)? {
                    return Ok(false);
                }
            }
            commit(app, tx, &fx)?;
            Ok(true)
        });
        match outcome {
            Ok(true) => return Ok(Some(value)),
            Ok(false) => return Ok(None),
            Err(CommitError::Conflict) => continue,
            Err(CommitError::Refused { key, message }) => {
                refusals.insert(key, message);
            }
            Err(CommitError::Store(e)) => return Err(Error::Store(e)),
        }
    }
    Err(Error::Store(store::Error::internal(
        "the execution kept changing while its run was computed",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::states::ExecutionStatus;
    use serde_json::json;

    fn exec(sid: &str, step_count: i64) -> db::Execution {
        db::Execution {
            sid: sid.into(),
            flow_sid: "FW1".into(),
            revision: 1,
            contact: "+1".into(),
            channel_address: "+2".into(),
            status: ExecutionStatus::Active,
            context: json!({}),
            wait: None,
            step_count,
            parent_sid: None,
            created_at: 0,
            updated_at: 0,
            version: 3,
        }
    }

    /// A parent resumed twice in one computation (a subflow chain) is checked at the version it
    /// was first read at, and saved in its last state.
    #[test]
    fn a_second_touch_keeps_the_first_version_and_the_last_state() {
        let mut fx = Effects::default();
        fx.touch(Some(3), exec("FN1", 1));
        fx.touch(Some(4), exec("FN1", 5));
        assert_eq!(fx.execs.len(), 1);
        assert_eq!(fx.execs[0].0, Some(3));
        assert_eq!(fx.latest("FN1").unwrap().step_count, 5);
    }

    /// A child's effects join the parent's after what the parent did so far, in order.
    #[test]
    fn absorbed_effects_follow_in_order() {
        let mut parent = Effects::default();
        parent.push(Op::CancelHttp("FN1".into()));
        let mut child = Effects::default();
        child.touch(None, exec("FN2", 2));
        child.push(Op::CancelHttp("FN2".into()));
        parent.absorb(child);
        let order: Vec<_> = parent
            .ops
            .iter()
            .map(|op| match op {
                Op::CancelHttp(s) => s.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(order, ["FN1", "FN2"]);
        assert_eq!(parent.execs[0].0, None);
        assert!(!parent.is_empty());
        // Guards alone need no write.
        let mut only = Effects::default();
        only.guard(Guard::NoActive {
            flow_sid: "FW1".into(),
            contact: "+1".into(),
        });
        assert!(only.is_empty());
    }

    #[test]
    fn refusal_keys_name_the_widget_at_its_step() {
        assert_eq!(refusal_key(&exec("FN1", 7), "flex"), "FW1/7/flex");
    }
}
