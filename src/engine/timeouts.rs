//! An execution's two durable timeouts: a send-and-wait-for-reply that got no reply in time
//! (`ExecutionWait`) and an execution that stopped stepping (`ExecutionIdle`). Both are timer
//! handlers registered by `engine::start`; both are idempotent, so a timer that fires twice or
//! late after a restart changes nothing the first did not.

use super::effects::{self, Effects};
use super::end::end_tree;
use super::{deliver_unrequested, run, widgets, Error, ExecutionStatus, Wait};
use crate::core::Core;
use crate::flows::definition::FlowDefinition;
use crate::ids::{new_sid, Prefix};
use crate::store::studio::{executions as db, flows};
use crate::store::{self, timers::TimerRow};
use crate::timers::{self, TimerKind};
use serde_json::{json, Value};

/// The `ExecutionWait` timer: a send-and-wait-for-reply that got no reply in time takes
/// `timeout`. Idempotent: a stale token (the execution moved on) does nothing.
pub(super) fn on_wait_timer(app: &Core, timer: &TimerRow) -> Result<(), String> {
    let token = timer.data["token"].as_i64();
    effects::run_and_commit(app, None, |refusals| -> Result<((), Effects), Error> {
        let mut fx = Effects::default();
        let Some(exec) = app.store.read(|c| db::fetch(c, &timer.target))? else {
            return Ok(((), fx));
        };
        let current = exec.wait.as_ref().and_then(Wait::from_json);
        let due = matches!(current, Some(Wait::Reply { token: t, .. }) if Some(t) == token);
        if exec.status != ExecutionStatus::Active || !due {
            return Ok(((), fx));
        }
        let Some(mut r) = run::load(app, exec, 0, refusals)? else {
            return Ok(((), fx));
        };
        r.resume("timeout", Value::Null)?;
        let mut verbs = std::mem::take(&mut r.twiml);
        fx.absorb(r.finish());
        verbs.extend(widgets::finish_child(app, &mut fx, &r.exec, refusals)?);
        deliver_unrequested(app, &mut fx, &r.exec.sid, verbs)?;
        Ok(((), fx))
    })
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// The `ExecutionIdle` timer: an execution (with its subflows) that has not stepped for its
/// flow's idle limit (`flags.execution_idle_timeout`, default 24 h, at most 30 days) is ended,
/// with a last step `idleTimeout` saying why; one that stepped meanwhile gets the timer again at
/// its last step + the limit. A plain write: nothing user-controlled is computed.
pub(super) fn on_idle_timer(app: &Core, timer: &TimerRow) -> Result<(), String> {
    let now = app.now_ms();
    app.store
        .write(|tx| -> store::Result<()> {
            let Some(exec) = db::fetch(tx, &timer.target)? else {
                return Ok(());
            };
            if exec.status != ExecutionStatus::Active {
                return Ok(());
            }
            let limit = flows::fetch_revision(tx, &exec.flow_sid, exec.revision)?
                .and_then(|r| FlowDefinition::from_json(&r.definition).ok())
                .map_or(
                    crate::flows::definition::DEFAULT_IDLE_TIMEOUT_S * 1000,
                    |d| d.idle_timeout_ms(),
                );
            let mut last = exec.updated_at;
            let mut pending = db::active_children(tx, &exec.sid)?;
            let mut n = 0;
            while let Some(c) = pending.pop() {
                n += 1;
                if n > 64 {
                    break;
                }
                last = last.max(c.updated_at);
                pending.extend(db::active_children(tx, &c.sid)?);
            }
            if last + limit > now {
                return timers::schedule(
                    tx,
                    TimerKind::ExecutionIdle,
                    &exec.sid,
                    last + limit,
                    &json!({}),
                );
            }
            let state = exec
                .wait
                .as_ref()
                .and_then(Wait::from_json)
                .map_or_else(|| "Trigger".to_string(), |w| w.state().to_string());
            let message = format!(
                "the execution was idle (no step) for {} s, its flow's limit \
                 (flags.execution_idle_timeout), and was ended",
                limit / 1000
            );
            db::insert_step(
                tx,
                &db::Step {
                    sid: new_sid(Prefix::Step),
                    execution_sid: exec.sid.clone(),
                    flow_sid: exec.flow_sid.clone(),
                    seq: exec.step_count + 1,
                    name: "idleTimeout".to_string(),
                    transitioned_from: state,
                    transitioned_to: "Ended".to_string(),
                    context: json!({"error": {"message": message}, "reason": "idle",
                                    "idle_ms": now - last, "wait": exec.wait}),
                    created_at: now,
                },
            )?;
            let mut e = exec;
            e.step_count += 1;
            db::save(tx, &e)?;
            end_tree(app, tx, e)
        })
        .map_err(|e| e.to_string())
}
