//! run-subflow: starts another flow's execution (trigger `incomingParent`, `trigger.parent.
//! parameters`) for the same contact; the parent waits until the child ends, then takes
//! `completed` with the child's `flow.variables` as `widgets.NAME.*`.

use super::{props, Fail, Outcome, WaitFor, WidgetResult};
use crate::engine::context::{new_context, pairs, text};
use crate::engine::effects::{Effects, Op, Refusals};
use crate::engine::execution::{ExecutionStatus, Wait};
use crate::engine::run::{self, Run, MAX_SUBFLOW_DEPTH};
use crate::flows::definition::{FlowDefinition, State};
use crate::ids::{new_sid, Prefix};
use crate::store;
use crate::store::studio::{executions as db, flows};
use serde_json::{json, Map, Value};

pub fn run_subflow(run: &mut Run, state: &State) -> WidgetResult {
    if run.depth >= MAX_SUBFLOW_DEPTH {
        return Err(Fail::widget(format!(
            "subflows nest deeper than {MAX_SUBFLOW_DEPTH} levels"
        )));
    }
    let p = props(run, state)?;
    let flow_sid = text(&p, "flow_sid").trim().to_string();
    let rev = match text(&p, "flow_revision").trim() {
        "" | "LatestPublished" | "LatestRevision" => {
            run.app.store.read(|c| flows::published(c, &flow_sid))?
        }
        n => match n.parse::<i64>() {
            Ok(n) => run
                .app
                .store
                .read(|c| flows::fetch_revision(c, &flow_sid, n))?,
            Err(_) => None,
        },
    };
    let Some(rev) = rev else {
        return Err(Fail::widget(format!(
            "subflow {flow_sid:?} has no such published revision"
        )));
    };
    let def = FlowDefinition::from_json(&rev.definition)
        .map_err(|e| Fail::widget(format!("subflow {flow_sid} does not parse: {e}")))?;
    let parameters: Map<String, Value> = pairs(&p, "parameters")
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let sid = new_sid(Prefix::Execution);
    let parent = &run.exec;
    let context = new_context(
        &flow_sid,
        &sid,
        &parent.contact,
        &parent.channel_address,
        "parent",
        json!({"parameters": parameters, "flow_sid": parent.flow_sid,
               "execution_sid": parent.sid, "trigger_type": "incomingParent"}),
        json!({}),
    );
    let child = db::Execution {
        sid: sid.clone(),
        flow_sid: flow_sid.clone(),
        revision: rev.revision,
        contact: parent.contact.clone(),
        channel_address: parent.channel_address.clone(),
        status: ExecutionStatus::Active,
        context,
        wait: None,
        step_count: 0,
        parent_sid: Some(parent.sid.clone()),
        created_at: run.now,
        updated_at: run.now,
        version: 0,
    };
    run.fx.push(Op::Event(run::started_event(&child)));
    let mut child_run = Run::new(run.app, def, child, None, run.depth + 1, &run.refusals);
    child_run.start()?;
    run.twiml.append(&mut child_run.twiml);
    let child_fx = child_run.finish();
    run.fx.absorb(child_fx);
    if child_run.exec.status == ExecutionStatus::Ended {
        Ok(Outcome::next("completed", child_outputs(&child_run.exec)))
    } else {
        Ok(Outcome::Wait {
            wait: WaitFor::Subflow(sid),
            outputs: Value::Null,
        })
    }
}

fn child_outputs(child: &db::Execution) -> Value {
    match &child.context["flow"]["variables"] {
        Value::Object(m) => Value::Object(m.clone()),
        _ => json!({}),
    }
}

/// After `child` ended outside its parent's run (it had waited), resumes the parent waiting for
/// it, and so on up the chain, in memory: the parents' effects join `fx`. Returns the TwiML
/// verbs the parents produced.
pub fn finish_child(
    app: &crate::core::Core,
    fx: &mut Effects,
    child: &db::Execution,
    refusals: &Refusals,
) -> store::Result<Vec<crate::voice::twiml::Element>> {
    let mut twiml = Vec::new();
    let mut child = child.clone();
    for _ in 0..MAX_SUBFLOW_DEPTH {
        if child.status != ExecutionStatus::Ended {
            break;
        }
        let Some(parent_sid) = child.parent_sid.clone() else {
            break;
        };
        let parent = match fx.latest(&parent_sid) {
            Some(p) => Some(p.clone()),
            None => app.store.read(|c| db::fetch(c, &parent_sid))?,
        };
        let Some(parent) = parent else {
            break;
        };
        let waits_for_child = matches!(
            parent.wait.as_ref().and_then(Wait::from_json),
            Some(Wait::Subflow { child: ref c, .. }) if *c == child.sid
        );
        if parent.status != ExecutionStatus::Active || !waits_for_child {
            break;
        }
        let Some(mut r) = run::load(app, parent, 0, refusals)? else {
            break;
        };
        r.resume("completed", child_outputs(&child))?;
        twiml.append(&mut r.twiml);
        fx.absorb(r.finish());
        child = r.exec;
    }
    Ok(twiml)
}
