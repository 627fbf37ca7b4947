//! split-based-on and set-variables: pure context work.

use super::{Outcome, WidgetResult};
use crate::engine::context::{self, render};
use crate::engine::run::Run;
use crate::engine::split;
use crate::flows::definition::{State, Transition};
use crate::liquid::Liquid;
use serde_json::{json, Value};

/// split-based-on: renders `input`, then takes the first `match` transition whose conditions all
/// hold (condition values may be templates too), else `noMatch`.
pub fn split(run: &mut Run, state: &State) -> WidgetResult {
    let template = state.property_str("input").unwrap_or("");
    let input = render(&run.app.state::<Liquid>(), run.ctx(), "input", template)?;
    let mut chosen: Option<&Transition> = None;
    for t in state.transitions.iter().filter(|t| t.event == "match") {
        let conditions = t.conditions.as_deref().unwrap_or_default();
        if conditions.is_empty() {
            continue;
        }
        let mut all = true;
        for c in conditions {
            let mut c = c.clone();
            c.value = render(
                &run.app.state::<Liquid>(),
                run.ctx(),
                "conditions.value",
                &c.value,
            )?;
            if !split::evaluate(&c, &input).unwrap_or(false) {
                all = false;
                break;
            }
        }
        if all {
            chosen = Some(t);
            break;
        }
    }
    let outputs = json!({"input": input});
    match chosen {
        // The step names the event; several `match` transitions may exist, so the run follows
        // the chosen one by its position.
        Some(t) => Ok(Outcome::Next {
            event: match_event(state, t),
            outputs,
        }),
        None => Ok(Outcome::next("noMatch", outputs)),
    }
}

/// `match` transitions share one event name; the run takes the first transition with the event,
/// so a later match is addressed as `match#N` (its index) and resolved in `Run::transition`.
fn match_event(state: &State, chosen: &Transition) -> String {
    let index = state
        .transitions
        .iter()
        .position(|t| std::ptr::eq(t, chosen))
        .unwrap_or(0);
    format!("match#{index}")
}

/// set-variables: each `{key, value}` (value rendered) into `flow.variables`, in order, so a later
/// value can use an earlier one.
pub fn set_variables(run: &mut Run, state: &State) -> WidgetResult {
    let items = state
        .properties
        .get("variables")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut set = serde_json::Map::new();
    for item in items {
        let Some(key) = item.get("key").and_then(Value::as_str) else {
            continue;
        };
        let value = match item.get("value") {
            Some(Value::String(s)) => Value::String(render(
                &run.app.state::<Liquid>(),
                run.ctx(),
                &format!("variables.{key}"),
                s,
            )?),
            Some(other) => other.clone(),
            None => Value::String(String::new()),
        };
        context::set_variable(&mut run.exec.context, key, value.clone());
        set.insert(key.to_string(), value);
    }
    Ok(Outcome::next("next", json!({"variables": set})))
}
