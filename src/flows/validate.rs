//! Validation of Studio flow definitions before the engine may run them.
//!
//! This module owns the rules a flow must satisfy and reports every problem at
//! once: JSON syntax, structure, widget types, transitions, required
//! properties, Liquid syntax, split conditions and reachability. Only a flow
//! without errors becomes a `ValidatedFlow`, the type the engine accepts.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use serde_json::Value;

use crate::flows::definition::{Certainty, FlowDefinition, State, WidgetType, MAX_IDLE_TIMEOUT_S};
use crate::flows::split;
use crate::liquid::{self, Liquid};

/// One problem found in a flow, located by state and property when possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowProblem {
    /// The state the problem is in, if any.
    pub state: Option<String>,
    /// The property (or transition path) the problem is in, if any.
    pub property: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl FlowProblem {
    fn flow(message: impl Into<String>) -> Self {
        FlowProblem {
            state: None,
            property: None,
            message: message.into(),
        }
    }

    fn at(state: &str, property: Option<String>, message: impl Into<String>) -> Self {
        FlowProblem {
            state: Some(state.to_string()),
            property,
            message: message.into(),
        }
    }
}

impl fmt::Display for FlowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.state, &self.property) {
            (Some(s), Some(p)) => write!(f, "{s}.{p}: {}", self.message),
            (Some(s), None) => write!(f, "{s}: {}", self.message),
            (None, Some(p)) => write!(f, "{p}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Everything wrong with a flow: errors block publishing, warnings do not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationReport {
    /// Problems that make the flow unusable.
    pub errors: Vec<FlowProblem>,
    /// Suspicious but accepted constructs.
    pub warnings: Vec<FlowProblem>,
}

impl ValidationReport {
    /// Whether the flow has no errors.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// A flow that passed validation; the only form the engine runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedFlow {
    definition: FlowDefinition,
}

impl ValidatedFlow {
    /// The validated definition.
    pub fn definition(&self) -> &FlowDefinition {
        &self.definition
    }

    /// The state executions start in; it exists by construction.
    pub fn initial_state(&self) -> Option<&State> {
        self.definition.state(&self.definition.initial_state)
    }

    /// Looks a state up by name.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.definition.state(name)
    }

    /// Gives the definition back, e.g. for export.
    pub fn into_definition(self) -> FlowDefinition {
        self.definition
    }
}

/// Validates flow JSON and reports every problem found.
pub fn validate(def_json: &str) -> ValidationReport {
    check(def_json).0
}

/// Validates flow JSON; on success returns the flow and its warnings,
/// otherwise every error.
pub fn parse_validated(
    def_json: &str,
) -> Result<(ValidatedFlow, Vec<FlowProblem>), Vec<FlowProblem>> {
    match check(def_json) {
        (report, Some(definition)) if report.is_ok() => {
            Ok((ValidatedFlow { definition }, report.warnings))
        }
        (report, _) => Err(report.errors),
    }
}

fn check(def_json: &str) -> (ValidationReport, Option<FlowDefinition>) {
    let mut report = ValidationReport::default();
    let root: Value = match serde_json::from_str(def_json) {
        Ok(v) => v,
        Err(e) => {
            report.errors.push(FlowProblem::flow(format!(
                "JSON is not parseable at line {}, column {}: {e}",
                e.line(),
                e.column()
            )));
            return (report, None);
        }
    };
    let Some(def) = structure(&root, &mut report) else {
        return (report, None);
    };
    Checker::new(&def, &mut report).run();
    (report, Some(def))
}

/// Checks the JSON shape and builds the typed definition from the states
/// that have a valid shape.
fn structure(root: &Value, report: &mut ValidationReport) -> Option<FlowDefinition> {
    let Some(obj) = root.as_object() else {
        report
            .errors
            .push(FlowProblem::flow("a flow definition must be a JSON object"));
        return None;
    };
    let mut shell = obj.clone();
    let states = shell.remove("states");
    let mut parsed_states = Vec::new();
    match states {
        Some(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                let label = item
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("states[{i}]"), str::to_string);
                match serde_json::from_value::<State>(item) {
                    Ok(s) => parsed_states.push(s),
                    Err(e) => report.errors.push(FlowProblem::at(
                        &label,
                        None,
                        format!("malformed state: {e}"),
                    )),
                }
            }
        }
        Some(_) => report
            .errors
            .push(FlowProblem::flow("`states` must be an array")),
        None => report.errors.push(FlowProblem::flow("`states` is missing")),
    }
    match obj.get("initial_state") {
        Some(Value::String(s)) if s.trim().is_empty() => report
            .errors
            .push(FlowProblem::flow("`initial_state` is empty")),
        Some(Value::String(_)) => {}
        Some(_) => report
            .errors
            .push(FlowProblem::flow("`initial_state` must be a string")),
        None => report
            .errors
            .push(FlowProblem::flow("`initial_state` is missing")),
    }
    if shell.get("initial_state").is_some_and(|v| !v.is_string()) {
        shell.remove("initial_state");
    }
    let mut def = match serde_json::from_value::<FlowDefinition>(Value::Object(shell)) {
        Ok(d) => d,
        Err(e) => {
            report
                .errors
                .push(FlowProblem::flow(format!("malformed flow: {e}")));
            return None;
        }
    };
    def.states = parsed_states;
    Some(def)
}

/// Runs the semantic checks over a structurally sound definition.
struct Checker<'a> {
    def: &'a FlowDefinition,
    report: &'a mut ValidationReport,
    names: HashSet<&'a str>,
    /// Parses the flow's templates (its cache lives as long as one validation).
    liquid: Liquid,
}

impl<'a> Checker<'a> {
    fn new(def: &'a FlowDefinition, report: &'a mut ValidationReport) -> Self {
        let names = def.states.iter().map(|s| s.name.as_str()).collect();
        Checker {
            def,
            report,
            names,
            liquid: Liquid::new(),
        }
    }

    fn error(&mut self, state: &str, property: Option<String>, message: impl Into<String>) {
        self.report
            .errors
            .push(FlowProblem::at(state, property, message));
    }

    fn warn(&mut self, state: &str, property: Option<String>, message: impl Into<String>) {
        self.report
            .warnings
            .push(FlowProblem::at(state, property, message));
    }

    fn run(mut self) {
        self.check_flags();
        self.check_entry();
        self.check_duplicates();
        for state in &self.def.states {
            self.check_state(state);
        }
        self.check_reachability();
    }

    /// `flags.execution_idle_timeout`: whole seconds, at least 1, at most Twilio's 30 days.
    fn check_flags(&mut self) {
        let Some(flags) = &self.def.flags else {
            return;
        };
        if let Some(s) = flags.execution_idle_timeout {
            if !(1..=MAX_IDLE_TIMEOUT_S).contains(&s) {
                self.report.errors.push(FlowProblem {
                    state: None,
                    property: Some("flags.execution_idle_timeout".into()),
                    message: format!(
                        "{s} is not an idle limit: seconds from 1 to {MAX_IDLE_TIMEOUT_S} \
                         (Twilio's 30 days)"
                    ),
                });
            }
        }
    }

    fn check_entry(&mut self) {
        let triggers = self
            .def
            .states
            .iter()
            .filter(|s| s.widget_type == WidgetType::Trigger)
            .count();
        if triggers == 0 {
            self.report
                .errors
                .push(FlowProblem::flow("the flow has no trigger state"));
        } else if triggers > 1 {
            self.report.errors.push(FlowProblem::flow(
                "the flow has more than one trigger state",
            ));
        }
        let initial = self.def.initial_state.as_str();
        match self.def.state(initial) {
            None if !initial.trim().is_empty() => {
                self.report.errors.push(FlowProblem::flow(format!(
                    "initial_state {initial:?} is not a state of the flow"
                )));
            }
            Some(s) if s.widget_type != WidgetType::Trigger && triggers > 0 => {
                self.warn(initial, None, "the initial state is not the trigger widget");
            }
            _ => {}
        }
    }

    fn check_duplicates(&mut self) {
        let mut seen = HashMap::new();
        for s in &self.def.states {
            *seen.entry(s.name.as_str()).or_insert(0usize) += 1;
        }
        let mut dups: Vec<_> = seen.into_iter().filter(|&(_, n)| n > 1).collect();
        dups.sort();
        for (name, n) in dups {
            self.error(name, None, format!("state name is used by {n} states"));
        }
        for s in &self.def.states {
            if s.name.trim().is_empty() {
                self.report
                    .errors
                    .push(FlowProblem::flow("a state has an empty name"));
            }
        }
    }

    fn check_state(&mut self, state: &'a State) {
        let name = state.name.as_str();
        if !state.widget_type.is_known() {
            self.error(
                name,
                Some("type".into()),
                format!("unknown widget type {:?}", state.widget_type.as_str()),
            );
        }
        if state.widget_type == WidgetType::SendToAutopilot {
            self.error(
                name,
                Some("type".into()),
                "send-to-auto-pilot cannot run: Twilio retired Autopilot (2023) and switchboard \
                 has no Autopilot; replace the widget with connect-virtual-agent or \
                 send-to-flex",
            );
        }
        self.check_transitions(state);
        self.check_required(state);
        for (key, value) in &state.properties {
            self.check_liquid(name, key.clone(), value);
        }
    }

    fn check_transitions(&mut self, state: &'a State) {
        let name = state.name.as_str();
        let (events, certainty) = state.widget_type.events();
        for (i, t) in state.transitions.iter().enumerate() {
            let prop = || Some(format!("transitions[{i}]"));
            if let Some(next) = t.next.as_deref() {
                if !self.names.contains(next) {
                    self.error(
                        name,
                        prop(),
                        format!("event {:?} goes to missing state {next:?}", t.event),
                    );
                }
            }
            if state.widget_type.is_known() && !events.contains(&t.event.as_str()) {
                let msg = format!(
                    "a {} widget cannot emit event {:?}",
                    state.widget_type, t.event
                );
                match certainty {
                    Certainty::Certain => self.error(name, prop(), msg),
                    Certainty::Unsure => self.warn(name, prop(), msg),
                }
            }
            self.check_conditions(state, i);
        }
    }

    fn check_conditions(&mut self, state: &'a State, index: usize) {
        let name = state.name.as_str();
        let Some(t) = state.transitions.get(index) else {
            return;
        };
        let conditions = t.conditions.as_deref().unwrap_or_default();
        if state.widget_type == WidgetType::SplitBasedOn
            && t.event == "match"
            && conditions.is_empty()
        {
            self.warn(
                name,
                Some(format!("transitions[{index}]")),
                "match transition without conditions never matches",
            );
        }
        for (j, c) in conditions.iter().enumerate() {
            let prop = format!("transitions[{index}].conditions[{j}]");
            if !split::is_known_type(&c.kind) {
                self.error(
                    name,
                    Some(prop.clone()),
                    format!("unknown condition type {:?}", c.kind),
                );
            }
            if c.kind == "regex" && !liquid::has_markup(&c.value) {
                if let Err(e) = split::check_regex(&c.value) {
                    // Studio accepts JavaScript regexes (e.g. lookaheads) that the
                    // engine's regex crate does not, so this cannot be an error.
                    self.warn(
                        name,
                        Some(format!("{prop}.value")),
                        format!("regex is not supported by the engine and never matches: {e}"),
                    );
                }
            }
            for (k, arg) in c.arguments.iter().enumerate() {
                self.check_template(name, format!("{prop}.arguments[{k}]"), arg);
            }
            self.check_template(name, format!("{prop}.value"), &c.value);
        }
    }

    /// A required property must be there and not blank. Two blanks the engine has a meaning
    /// for are only warnings, so the console can say so instead of "no problems": send-to-flex's
    /// `workflow` / `channel` (the default workspace's default workflow / task channel; the
    /// console's old "New flow" starter had both blank) and run-function's `url` (Twilio
    /// publishes such widgets, the corpus has one; the engine takes `fail`).
    fn check_required(&mut self, state: &State) {
        for alternatives in state.widget_type.required_properties() {
            let present = alternatives
                .iter()
                .any(|k| state.properties.get(*k).is_some_and(|v| !v.is_null()));
            let filled = alternatives.iter().any(|k| {
                state.properties.get(*k).is_some_and(|v| {
                    !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty())
                })
            });
            let wanted = alternatives.join("` or `");
            let property = alternatives.first().map(|k| k.to_string());
            if !present {
                self.error(
                    &state.name,
                    property,
                    format!("a {} widget needs property `{wanted}`", state.widget_type),
                );
                continue;
            }
            if filled {
                continue;
            }
            let blank = format!("`{wanted}` of a {} widget is blank", state.widget_type);
            match (&state.widget_type, alternatives.first().copied()) {
                (WidgetType::SendToFlex, Some("workflow")) => self.warn(
                    &state.name,
                    property,
                    format!("{blank}: tasks go to the workspace's default workflow"),
                ),
                (WidgetType::SendToFlex, Some("channel")) => self.warn(
                    &state.name,
                    property,
                    format!("{blank}: tasks get the default task channel"),
                ),
                (WidgetType::RunFunction, _) => self.warn(
                    &state.name,
                    property,
                    format!("{blank}: the widget always takes `fail`"),
                ),
                _ => self.error(&state.name, property, blank),
            }
        }
    }

    fn check_liquid(&mut self, state: &str, path: String, value: &Value) {
        match value {
            Value::String(s) => self.check_template(state, path, s),
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.check_liquid(state, format!("{path}[{i}]"), v);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.check_liquid(state, format!("{path}.{k}"), v);
                }
            }
            _ => {}
        }
    }

    fn check_template(&mut self, state: &str, path: String, text: &str) {
        let Err(e) = self.liquid.check(text) else {
            return;
        };
        // Studio exports values ending in an unclosed `{{` (a typo it does not
        // reject); the engine renders that tail literally, so only warn.
        let tolerated = liquid::unterminated_tail(text)
            .is_some_and(|(head, _)| self.liquid.check(head).is_ok());
        if tolerated {
            self.warn(
                state,
                Some(path),
                "unterminated `{{` at the end of the value is rendered as literal text",
            );
        } else {
            self.error(state, Some(path), format!("invalid Liquid: {e}"));
        }
    }

    fn check_reachability(&mut self) {
        let by_name: HashMap<&str, &State> = self
            .def
            .states
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        if by_name.contains_key(self.def.initial_state.as_str()) {
            queue.push_back(self.def.initial_state.as_str());
        }
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name) {
                continue;
            }
            let Some(state) = by_name.get(name) else {
                continue;
            };
            for next in state.transitions.iter().filter_map(|t| t.next.as_deref()) {
                if by_name.contains_key(next) && !seen.contains(next) {
                    queue.push_back(next);
                }
            }
        }
        if seen.is_empty() {
            return;
        }
        for s in &self.def.states {
            if !seen.contains(s.name.as_str()) {
                self.warn(&s.name, None, "state is unreachable from the initial state");
            }
        }
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
#[cfg(test)]
pub(crate) use tests::corpus_files;
