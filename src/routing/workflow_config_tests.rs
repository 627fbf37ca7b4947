//! Unit tests of `workflow_config`, kept beside it in their own file.
use super::*;
use serde_json::json;

const Q1: &str = "WQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const Q2: &str = "WQ0123456789abcdef0123456789abcdef";
const WK: &str = "WK0123456789abcdef0123456789abcdef";

fn parse_value(v: Value) -> Result<WorkflowConfig, Vec<ConfigError>> {
    parse(&v.to_string())
}

fn errors(v: Value) -> Vec<String> {
    match parse_value(v) {
        Ok(c) => panic!("expected errors, got {c:?}"),
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

fn full() -> Value {
    json!({"task_routing": {
        "filters": [
            {"filter_friendly_name": "Spanish", "expression": "language == 'es'",
             "targets": [{"queue": Q1, "expression": "worker.level > 2", "priority": 5,
                          "timeout": 30, "order_by": "worker.level DESC",
                          "skip_if": "workers.available == 0",
                          "known_worker_sid": "{{task.worker_sid}}",
                          "known_worker_friendly_name": "{{ task.agent }}"},
                         {"queue": Q2}]},
            {"filter_friendly_name": "VIP", "expression": "customer.tier IN ['gold', 'platinum']",
             "targets": [{"queue": Q2, "known_worker_sid": WK}]}
        ],
        "default_filter": {"queue": Q1}
    }})
}

#[test]
fn parses_the_full_shape() {
    let c = parse_value(full()).expect("valid");
    assert_eq!(c.filters.len(), 2);
    let f = &c.filters[0];
    assert_eq!(f.name, "Spanish");
    assert_eq!(f.expression.source(), "language == 'es'");
    let t = &f.targets[0];
    assert_eq!(t.queue_sid, Q1);
    assert_eq!(
        t.expression.as_ref().map(Expr::source),
        Some("worker.level > 2")
    );
    assert_eq!(t.priority, Some(5));
    assert_eq!(t.timeout, Some(30));
    assert_eq!(
        t.order_by,
        vec![OrderKey {
            path: vec!["level".into()],
            descending: true
        }]
    );
    assert_eq!(
        t.skip_if.as_ref().map(SkipIf::source),
        Some("workers.available == 0")
    );
    assert_eq!(t.known_worker_sid.as_deref(), Some("{{task.worker_sid}}"));
    let bare = &f.targets[1];
    assert_eq!(
        (
            bare.expression.is_none(),
            bare.priority,
            bare.timeout,
            bare.order_by.len()
        ),
        (true, None, None, 0)
    );
    assert_eq!(
        c.default_filter.as_ref().map(|t| t.queue_sid.as_str()),
        Some(Q1)
    );
}

#[test]
fn queue_sids_are_deduplicated_in_order() {
    let c = parse_value(full()).expect("valid");
    assert_eq!(c.queue_sids(), vec![Q1, Q2]);
}

#[test]
fn select_first_matching_filter_then_default() {
    let c = parse_value(full()).expect("valid");
    let (index, targets) = c.select(&json!({"language": "es"})).expect("match");
    assert_eq!((index, targets.len()), (Some(0), 2));
    let (index, targets) = c
        .select(&json!({"language": "es", "customer": {"tier": "gold"}}))
        .expect("match");
    assert_eq!((index, targets[0].queue_sid.as_str()), (Some(0), Q1));
    let (index, targets) = c
        .select(&json!({"customer": {"tier": "gold"}}))
        .expect("match");
    assert_eq!((index, targets[0].queue_sid.as_str()), (Some(1), Q2));
    let (index, targets) = c.select(&json!({})).expect("default");
    assert_eq!(
        (index, targets.len(), targets[0].queue_sid.as_str()),
        (None, 1, Q1)
    );
}

#[test]
fn select_without_default_can_miss() {
    let c = parse_value(json!({"task_routing": {"filters": []}})).expect("valid");
    assert!(c.select(&json!({})).is_none());
    assert!(c.queue_sids().is_empty());
}

#[test]
fn target_worker_matching() {
    let c = parse_value(full()).expect("valid");
    let t = &c.filters[0].targets[0];
    assert!(t.accepts_worker(&json!({}), &json!({"level": 3})));
    assert!(!t.accepts_worker(&json!({}), &json!({"level": 1})));
    assert!(c.filters[0].targets[1].accepts_worker(&json!({}), &json!({})));
    let c = parse_value(json!({"task_routing": {"filters": [
        {"expression": "1==1", "targets": [{"queue": Q1, "expression": "skills HAS task.skill"}]}
    ]}}))
    .expect("valid");
    let t = &c.filters[0].targets[0];
    assert!(t.accepts_worker(&json!({"skill": "x"}), &json!({"skills": ["x"]})));
    assert!(!t.accepts_worker(&json!({"skill": "y"}), &json!({"skills": ["x"]})));
}

#[test]
fn skip_if_evaluation_and_validation() {
    let s = SkipIf::parse("workers.available == 0").expect("valid");
    assert!(s.should_skip(0, 5));
    assert!(!s.should_skip(1, 5));
    let s = SkipIf::parse("workers.available < 2 OR workers.count == 0").expect("valid");
    assert!(s.should_skip(1, 3));
    assert!(s.should_skip(5, 0));
    assert!(!s.should_skip(5, 3));
    assert!(s.eval(&json!({"workers": {"available": 0}})));
    let e = SkipIf::parse("workers.available == 0 AND task.x == 1").unwrap_err();
    assert_eq!(e.position, 27);
    assert!(e.message.contains("'task.x'"));
    assert_eq!(SkipIf::parse("workers == 0").unwrap_err().position, 0);
    let e = SkipIf::parse("'worker.x' == worker.x").unwrap_err();
    assert_eq!(
        e.position, 14,
        "the path, not the look-alike string literal"
    );
    assert_eq!(
        SkipIf::parse("workers.available ==").unwrap_err().position,
        20
    );
}

#[test]
fn known_worker_resolution() {
    let c = parse_value(full()).expect("valid");
    let t = &c.filters[0].targets[0];
    let task = json!({"worker_sid": WK, "agent": "Alice"});
    assert_eq!(t.resolve_known_worker_sid(&task).as_deref(), Some(WK));
    assert_eq!(
        t.resolve_known_worker_friendly_name(&task).as_deref(),
        Some("Alice")
    );
    assert_eq!(t.resolve_known_worker_sid(&json!({})), None);
    assert_eq!(t.resolve_known_worker_sid(&json!({"worker_sid": ""})), None);
    let literal = &c.filters[1].targets[0];
    assert_eq!(
        literal.resolve_known_worker_sid(&json!({})).as_deref(),
        Some(WK)
    );
    assert_eq!(
        c.filters[0].targets[1].resolve_known_worker_sid(&task),
        None
    );
    let c = parse_value(json!({"task_routing": {"filters": [{"expression": "1==1",
        "targets": [{"queue": Q1, "known_worker_sid": "task.routing.agent"}]}]}}))
    .expect("valid");
    let task = json!({"routing": {"agent": WK}});
    assert_eq!(
        c.filters[0].targets[0]
            .resolve_known_worker_sid(&task)
            .as_deref(),
        Some(WK)
    );
}

#[test]
fn expression_errors_name_path_and_position() {
    let es = errors(json!({"task_routing": {"filters": [
        {"expression": "language ==", "targets": [{"queue": Q1}]}
    ]}}));
    assert_eq!(
        es,
        vec!["Invalid expression at task_routing.filters[0].expression, position 11: expected a value after '=='"]
    );
}

#[test]
fn reports_all_problems_at_once() {
    let es = errors(json!({"task_routing": {
        "filters": [
            {"expression": "a == 1", "targets": [{"queue": Q1}]},
            {"filter_friendly_name": 7, "targets": [
                {"queue": "WQbad", "expression": "worker.x >", "priority": "high",
                 "timeout": -1, "order_by": "task.x", "skip_if": "workers.busy == 0",
                 "known_worker_sid": "bob", "known_worker_friendly_name": " "},
                "not an object"
            ]},
            {"expression": "b == 2", "targets": []},
            {"expression": 5}
        ],
        "default_filter": {"queue": Q2.to_uppercase()}
    }}));
    let expected = [
        "task_routing.filters[1].filter_friendly_name: must be a string",
        "task_routing.filters[1].expression: is required",
        "task_routing.filters[1].targets[0].queue: 'WQbad' is not a TaskQueue SID (WQ followed by 32 lowercase hex digits)",
        "Invalid expression at task_routing.filters[1].targets[0].expression, position 10: expected a value after '>'",
        "task_routing.filters[1].targets[0].priority: must be an integer",
        "task_routing.filters[1].targets[0].timeout: must be a non-negative integer number of seconds",
        "Invalid expression at task_routing.filters[1].targets[0].order_by, position 0: order_by can only sort by worker attributes",
        "Invalid expression at task_routing.filters[1].targets[0].skip_if, position 0: skip_if can only use workers.available and workers.count, not 'workers.busy'",
        "task_routing.filters[1].targets[0].known_worker_sid: 'bob' is neither a Worker SID nor a task attribute reference such as {{task.worker_sid}}",
        "task_routing.filters[1].targets[0].known_worker_friendly_name: must be a name or a task attribute reference",
        "task_routing.filters[1].targets[1]: value must be a JSON object",
        "task_routing.filters[2].targets: must list at least one target",
        "task_routing.filters[3].expression: must be a string",
        "task_routing.filters[3].targets: is required",
    ];
    for (i, e) in expected.iter().enumerate() {
        assert_eq!(es.get(i).map(String::as_str), Some(*e), "error {i}");
    }
    assert_eq!(es.len(), expected.len() + 1, "{es:#?}");
    assert!(es[expected.len()].starts_with("task_routing.default_filter.queue: 'WQ0123"));
}

#[test]
fn structural_errors() {
    assert!(errors(json!([]))[0].contains("configuration must be a JSON object"));
    assert_eq!(errors(json!({})), vec!["task_routing: is required"]);
    assert_eq!(
        errors(json!({"task_routing": []})),
        vec!["task_routing: value must be a JSON object"]
    );
    assert_eq!(
        errors(json!({"task_routing": {"filters": {}}})),
        vec!["task_routing.filters: must be a list"]
    );
    assert_eq!(
        errors(json!({"task_routing": {"default_filter": {}}})),
        vec!["task_routing.default_filter.queue: is required"]
    );
    let es = parse("{not json").unwrap_err();
    assert!(es[0].message.starts_with("configuration is not valid JSON"));
    assert_eq!(es[0].path, "");
}

#[test]
fn minimal_configs() {
    let c = parse_value(json!({"task_routing": {"default_filter": {"queue": Q1}}})).expect("valid");
    assert!(c.filters.is_empty());
    assert_eq!(c.queue_sids(), vec![Q1]);
    let c = parse_value(
        json!({"task_routing": {"filters": null, "default_filter": null},
                               "extra": 1}),
    )
    .expect("valid");
    assert_eq!(
        c,
        WorkflowConfig {
            filters: vec![],
            default_filter: None
        }
    );
}

#[test]
fn sid_checks() {
    assert!(is_queue_sid(Q1));
    assert!(!is_queue_sid(&Q1[..33]));
    assert!(!is_queue_sid(&Q1.replace("WQ", "WK")));
    assert!(!is_queue_sid("WQ0123456789ABCDEF0123456789abcdef"));
    assert!(!is_queue_sid("WQ0123456789abcdeg0123456789abcdef"));
    assert!(is_worker_sid(WK));
    assert!(!is_queue_sid("WQ😀"));
}
