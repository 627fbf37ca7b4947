//! Tests of the flow validator (`validate.rs`), including every flow of the real corpus.

use super::*;

const GOOD: &str = r#"{
  "description": "t",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
     "transitions": [{"event": "incomingMessage", "next": "split"}, {"event": "incomingCall"},
                     {"event": "incomingRequest"}]},
    {"name": "split", "type": "split-based-on", "properties": {"input": "{{trigger.message.Body}}"},
     "transitions": [{"event": "noMatch", "next": "reply"},
                     {"event": "match", "next": "reply", "conditions": [
                       {"friendly_name": "yes", "arguments": ["{{trigger.message.Body}}"],
                        "type": "equal_to", "value": "yes"}]}]},
    {"name": "reply", "type": "send-message",
     "properties": {"body": "Hi {{trigger.message.From}}", "to": "{{contact.channel.address}}"},
     "transitions": [{"event": "sent"}, {"event": "failed"}]}
  ],
  "initial_state": "Trigger",
  "flags": {"allow_concurrent_calls": true}
}"#;

fn messages(problems: &[FlowProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn good_flow_validates() {
    let report = validate(GOOD);
    assert!(report.is_ok(), "{}", messages(&report.errors));
    assert!(report.warnings.is_empty(), "{}", messages(&report.warnings));
    let (flow, _) = parse_validated(GOOD).expect("valid");
    assert_eq!(
        flow.initial_state().map(|s| s.name.as_str()),
        Some("Trigger")
    );
}

#[test]
fn json_errors_have_line_and_column() {
    let report = validate("{\n  \"states\": [,]\n}");
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].message.contains("line 2"),
        "{}",
        report.errors[0]
    );
}

#[test]
fn reports_every_problem_at_once() {
    let json = r#"{
      "states": [
        {"name": "a", "type": "send-message", "properties": {"body": "{{ foo }", "to": "{{ foo"},
         "transitions": [{"event": "sent", "next": "ghost"}, {"event": "answered"}]},
        {"name": "a", "type": "teleport", "properties": {}, "transitions": []},
        {"name": "h", "type": "make-http-request", "properties": {"body": "{% if x %}open"},
         "transitions": []},
        {"name": "f", "type": "send-to-flex", "properties": {}, "transitions": []},
        {"name": "r", "type": "run-subflow", "properties": {}, "transitions": []},
        {"name": "s", "type": "split-based-on", "properties": {"x": ["{% if %}{% endif %}"]},
         "transitions": [{"event": "match", "conditions": [
           {"arguments": ["{{x}}"], "type": "sounds_like", "value": "y"}]}]}
      ],
      "initial_state": "Trigger"
    }"#;
    let report = validate(json);
    let all = messages(&report.errors);
    for needle in [
        "no trigger state",
        "initial_state \"Trigger\" is not a state",
        "a: state name is used by 2 states",
        "unknown widget type \"teleport\"",
        "missing state \"ghost\"",
        "cannot emit event \"answered\"",
        "a.body: invalid Liquid",
        "h.body: invalid Liquid",
        "h.url: a make-http-request widget needs property `url`",
        "h.method:",
        "f.workflow:",
        "f.channel:",
        "r.flow_sid:",
        "s.input:",
        "s.x[0]: invalid Liquid",
        "unknown condition type \"sounds_like\"",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    assert!(parse_validated(json).is_err());
    let warnings = messages(&report.warnings);
    assert!(warnings.contains("a.to: unterminated `{{`"), "{warnings}");
}

#[test]
fn blank_required_properties_are_errors_or_said() {
    let json = GOOD.replace(
        r#""properties": {"body": "Hi {{trigger.message.From}}", "to": "{{contact.channel.address}}"}"#,
        r#""properties": {"body": "  ", "to": "{{contact.channel.address}}"}"#,
    );
    let json = json.replace(
        r#"{"name": "reply""#,
        r#"{"name": "flex", "type": "send-to-flex", "properties": {"workflow": "", "channel": "TC1"},
            "transitions": [{"event": "callComplete"}]},
           {"name": "fn", "type": "run-function", "properties": {"url": ""},
            "transitions": [{"event": "success", "next": "flex"}]},
           {"name": "reply""#,
    );
    let json = json.replace(r#""next": "reply"}"#, r#""next": "fn"}"#);
    let report = validate(&json);
    let errors = messages(&report.errors);
    let warnings = messages(&report.warnings);
    assert!(
        errors.contains("reply.body: `body` or `content_sid` of a send-message widget is blank"),
        "{errors}"
    );
    assert!(
        !errors.contains("flex.") && !errors.contains("fn."),
        "{errors}"
    );
    assert!(
        warnings.contains("flex.workflow: `workflow` of a send-to-flex widget is blank"),
        "{warnings}"
    );
    assert!(!warnings.contains("flex.channel"), "{warnings}");
    assert!(
        warnings.contains("fn.url: `url` or `function_sid`"),
        "{warnings}"
    );
}

#[test]
fn missing_initial_state_and_bad_shapes() {
    let report = validate(r#"{"states": [{"name": "x"}, {"name":"Trigger","type":"trigger"}]}"#);
    let all = messages(&report.errors);
    assert!(all.contains("`initial_state` is missing"), "{all}");
    assert!(all.contains("x: malformed state"), "{all}");
    let report = validate(r#"{"states": [], "initial_state": " "}"#);
    assert!(messages(&report.errors).contains("`initial_state` is empty"));
    let report = validate("[1, 2]");
    assert!(messages(&report.errors).contains("must be a JSON object"));
}

#[test]
fn unreachable_states_are_warnings() {
    let json = GOOD.replace(
        r#""initial_state": "Trigger""#,
        r#""initial_state": "Trigger", "extra_field": 1"#,
    );
    let json = json.replace(
        r#"{"name": "reply""#,
        r#"{"name": "orphan", "type": "set-variables", "properties": {}, "transitions": [{"event":"next"}]},
           {"name": "reply""#,
    );
    let (_, warnings) = parse_validated(&json).expect("valid");
    assert_eq!(warnings.len(), 1, "{}", messages(&warnings));
    assert_eq!(warnings[0].state.as_deref(), Some("orphan"));
}

#[test]
fn corpus_flows_validate_without_errors() {
    let Some(files) = corpus_files() else {
        return;
    };
    let mut failures = Vec::new();
    let mut warning_count = 0;
    for (path, text) in &files {
        let report = validate(text);
        warning_count += report.warnings.len();
        for w in &report.warnings {
            println!("warning {path}: {w}");
        }
        if !report.is_ok() {
            failures.push(format!("{path}:\n{}", messages(&report.errors)));
        }
    }
    println!("{} corpus flows, {warning_count} warnings", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Loads the corpus of real Studio flows for tests: from `SWITCHBOARD_CORPUS`
/// if set, else `../shared/corpus/studio-flows` next to the crate. Returns
/// `None` (after printing why) when the directory is absent.
pub(crate) fn corpus_files() -> Option<Vec<(String, String)>> {
    let dir = std::env::var("SWITCHBOARD_CORPUS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/studio-flows").to_string()
    });
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipping corpus test: {dir} is absent (set SWITCHBOARD_CORPUS)");
        return None;
    };
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.display().to_string(), text))
        })
        .collect();
    files.sort();
    Some(files)
}

mod corpus_render_tests {
    use super::corpus_files;
    use crate::liquid;
    use serde_json::{json, Value};

    fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::String(s) if liquid::has_markup(s) => out.push(s),
            Value::Array(items) => items.iter().for_each(|x| strings(x, out)),
            Value::Object(map) => map.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }

    /// Every template of every corpus flow renders against an empty context,
    /// since undefined variables must render as the empty string.
    #[test]
    fn corpus_templates_render_with_empty_context() {
        let Some(files) = corpus_files() else {
            return;
        };
        let ctx = json!({"trigger": {}, "widgets": {}, "flow": {"variables": {}}});
        let mut failures = Vec::new();
        let mut count = 0;
        let engine = liquid::Liquid::new();
        for (path, text) in &files {
            let Ok(root) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            let mut out = Vec::new();
            strings(&root, &mut out);
            for t in out {
                count += 1;
                if let Err(e) = engine.render(t, &ctx) {
                    failures.push(format!("{path}: {t:?}: {e}"));
                }
            }
        }
        println!("rendered {count} corpus templates");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
