//! Twilio Workflow `configuration` JSON: parsing, validation and filter selection.
//!
//! This module owns the shape of `{"task_routing": {"filters": [...], "default_filter": {...}}}`
//! and turns it into typed [`WorkflowConfig`] values with every expression already parsed.
//! Validation is pure and reports all problems at once, each naming its JSON path. Whether the
//! referenced queues exist is the caller's concern; [`WorkflowConfig::queue_sids`] lists them.
//! Unknown keys are ignored, as Twilio tolerates them.

use std::fmt;

use serde_json::{Map, Value};

use super::expr::eval::lookup;
use super::expr::{self, parse_order_by, Expr, ExprError, OrderKey, Root, Scope};

/// A parsed Workflow configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowConfig {
    /// Filters in evaluation order.
    pub filters: Vec<Filter>,
    /// Where tasks go when no filter matches.
    pub default_filter: Option<Target>,
}

/// One entry of `task_routing.filters`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// `filter_friendly_name`, empty when absent.
    pub name: String,
    /// Matched against task attributes (the default root is the task).
    pub expression: Expr,
    /// Tried in order by the router.
    pub targets: Vec<Target>,
}

/// One routing step: a queue plus optional worker constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub queue_sid: String,
    /// Matched against the worker (default root) and the task (`task.` prefix).
    pub expression: Option<Expr>,
    pub priority: Option<i64>,
    /// Seconds before moving on to the next target.
    pub timeout: Option<u64>,
    pub order_by: Vec<OrderKey>,
    pub skip_if: Option<SkipIf>,
    /// A literal `WK…` SID or a task reference such as `{{task.worker_sid}}`.
    pub known_worker_sid: Option<String>,
    /// A literal name or a task reference such as `{{task.agent}}`.
    pub known_worker_friendly_name: Option<String>,
}

/// A `skip_if` condition over `workers.available` and `workers.count`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipIf {
    expr: Expr,
}

/// One validation problem, located by JSON path (and source position for expressions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The JSON path, e.g. `task_routing.filters[1].targets[0].expression`; empty for the root.
    pub path: String,
    /// The byte offset inside an expression string, when the problem is in one.
    pub position: Option<usize>,
    /// What is wrong, without the path.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.position, self.path.is_empty()) {
            (Some(pos), _) => write!(
                f,
                "Invalid expression at {}, position {}: {}",
                self.path, pos, self.message
            ),
            (None, true) => f.write_str(&self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Parses and validates a configuration, reporting every problem found.
pub fn parse(json: &str) -> Result<WorkflowConfig, Vec<ConfigError>> {
    let value: Value = serde_json::from_str(json).map_err(|e| {
        vec![ConfigError {
            path: String::new(),
            position: None,
            message: format!("configuration is not valid JSON: {e}"),
        }]
    })?;
    from_value(&value)
}

/// Validates an already-decoded configuration value.
pub fn from_value(value: &Value) -> Result<WorkflowConfig, Vec<ConfigError>> {
    let mut checker = Checker::default();
    let config = checker.config(value);
    match config {
        Some(config) if checker.errors.is_empty() => Ok(config),
        _ => Err(checker.errors),
    }
}

impl WorkflowConfig {
    /// Every queue SID the configuration routes to, first occurrence first, without repeats.
    pub fn queue_sids(&self) -> Vec<&str> {
        let targets = self.filters.iter().flat_map(|f| f.targets.iter());
        let mut sids: Vec<&str> = Vec::new();
        for target in targets.chain(self.default_filter.iter()) {
            if !sids.contains(&target.queue_sid.as_str()) {
                sids.push(&target.queue_sid);
            }
        }
        sids
    }

    /// The first filter matching the task, or the default filter (with no index).
    pub fn select(&self, task_attrs: &Value) -> Option<(Option<usize>, &[Target])> {
        for (index, filter) in self.filters.iter().enumerate() {
            if filter.matches(task_attrs) {
                return Some((Some(index), &filter.targets));
            }
        }
        self.default_filter
            .as_ref()
            .map(|target| (None, std::slice::from_ref(target)))
    }
}

impl Filter {
    /// Evaluates the filter expression against task attributes.
    pub fn matches(&self, task_attrs: &Value) -> bool {
        self.expression.eval(&Scope {
            task: Some(task_attrs),
            worker: None,
            default: Root::Task,
        })
    }
}

impl Target {
    /// Whether a worker is eligible: the target expression (if any) over worker and task.
    pub fn accepts_worker(&self, task_attrs: &Value, worker_attrs: &Value) -> bool {
        self.expression.as_ref().is_none_or(|e| {
            e.eval(&Scope {
                task: Some(task_attrs),
                worker: Some(worker_attrs),
                default: Root::Worker,
            })
        })
    }

    /// The known worker SID, resolving a `{{task.x}}` or `task.x` reference.
    pub fn resolve_known_worker_sid(&self, task_attrs: &Value) -> Option<String> {
        resolve_reference(self.known_worker_sid.as_deref()?, task_attrs)
    }

    /// The known worker friendly name, resolving a `{{task.x}}` or `task.x` reference.
    pub fn resolve_known_worker_friendly_name(&self, task_attrs: &Value) -> Option<String> {
        resolve_reference(self.known_worker_friendly_name.as_deref()?, task_attrs)
    }
}

impl SkipIf {
    /// Parses a `skip_if` such as `workers.available == 0`; only `workers.available` and
    /// `workers.count` may be referenced.
    pub fn parse(src: &str) -> Result<SkipIf, ExprError> {
        let expr = expr::parse(src)?;
        for path in expr.paths() {
            let segments = &path.segments;
            let allowed = path.root.is_none()
                && segments.len() == 2
                && segments[0] == "workers"
                && (segments[1] == "available" || segments[1] == "count");
            if !allowed {
                let text = match path.root {
                    Some(Root::Task) => format!("task.{}", segments.join(".")),
                    Some(Root::Worker) => format!("worker.{}", segments.join(".")),
                    None => segments.join("."),
                };
                return Err(ExprError::new(
                    path.position,
                    format!(
                        "skip_if can only use workers.available and workers.count, not '{text}'"
                    ),
                ));
            }
        }
        Ok(SkipIf { expr })
    }

    /// True when the target should be skipped given the queue's worker counts.
    pub fn should_skip(&self, available: u64, count: u64) -> bool {
        let stats = serde_json::json!({"workers": {"available": available, "count": count}});
        self.eval(&stats)
    }

    /// Evaluates against a value shaped like `{"workers": {"available": N, "count": M}}`.
    pub fn eval(&self, stats: &Value) -> bool {
        self.expr.eval(&Scope {
            task: None,
            worker: Some(stats),
            default: Root::Worker,
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        self.expr.source()
    }
}

/// True for `WQ` followed by 32 lowercase hex digits.
pub fn is_queue_sid(s: &str) -> bool {
    is_sid(s, "WQ")
}

/// True for `WK` followed by 32 lowercase hex digits.
pub fn is_worker_sid(s: &str) -> bool {
    is_sid(s, "WK")
}

fn is_sid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 32
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Extracts the task path from `{{task.x}}` or `task.x`; `None` when the text is a literal.
fn task_reference(raw: &str) -> Option<&str> {
    let trimmed = raw.trim();
    let inner = trimmed
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map_or(trimmed, str::trim);
    inner.strip_prefix("task.")
}

fn reference_segments(path: &str) -> Option<Vec<String>> {
    let segments: Vec<String> = path.split('.').map(str::to_string).collect();
    (!segments.iter().any(String::is_empty)).then_some(segments)
}

fn resolve_reference(raw: &str, task_attrs: &Value) -> Option<String> {
    let Some(path) = task_reference(raw) else {
        return Some(raw.to_string());
    };
    match lookup(task_attrs, &reference_segments(path)?)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Collects errors while walking the JSON.
#[derive(Default)]
struct Checker {
    errors: Vec<ConfigError>,
}

impl Checker {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            path: path.to_string(),
            position: None,
            message: message.into(),
        });
    }

    fn expr_error(&mut self, path: &str, e: &ExprError) {
        self.errors.push(ConfigError {
            path: path.to_string(),
            position: Some(e.position),
            message: e.reason().to_string(),
        });
    }

    fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            let what = if path.is_empty() {
                "configuration"
            } else {
                "value"
            };
            self.error(path, format!("{what} must be a JSON object"));
        }
        object
    }

    /// A string field; missing or null is `None`, any other type is an error.
    fn opt_str<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'v str> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.error(&format!("{path}.{key}"), "must be a string");
                None
            }
        }
    }

    fn opt_expr(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<Expr> {
        let src = self.opt_str(obj, key, path)?;
        match expr::parse(src) {
            Ok(e) => Some(e),
            Err(e) => {
                self.expr_error(&format!("{path}.{key}"), &e);
                None
            }
        }
    }

    fn config(&mut self, value: &Value) -> Option<WorkflowConfig> {
        let root = self.object(value, "")?;
        let Some(routing) = root.get("task_routing") else {
            self.error("task_routing", "is required");
            return None;
        };
        let routing = self.object(routing, "task_routing")?;
        let filters = self.filters(routing.get("filters"));
        let default_filter = match routing.get("default_filter") {
            None | Some(Value::Null) => None,
            Some(v) => self.target(v, "task_routing.default_filter"),
        };
        Some(WorkflowConfig {
            filters,
            default_filter,
        })
    }

    fn filters(&mut self, value: Option<&Value>) -> Vec<Filter> {
        let items = match value {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.error("task_routing.filters", "must be a list");
                return Vec::new();
            }
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.filter(item, &format!("task_routing.filters[{i}]")))
            .collect()
    }

    fn filter(&mut self, value: &Value, path: &str) -> Option<Filter> {
        let obj = self.object(value, path)?;
        let name = self
            .opt_str(obj, "filter_friendly_name", path)
            .unwrap_or_default()
            .to_string();
        if obj.get("expression").is_none_or(Value::is_null) {
            self.error(&format!("{path}.expression"), "is required");
        }
        let expression = self.opt_expr(obj, "expression", path);
        let targets = self.targets(obj.get("targets"), &format!("{path}.targets"));
        Some(Filter {
            name,
            expression: expression?,
            targets,
        })
    }

    fn targets(&mut self, value: Option<&Value>, path: &str) -> Vec<Target> {
        let items = match value {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(Value::Array(_)) => {
                self.error(path, "must list at least one target");
                return Vec::new();
            }
            None | Some(Value::Null) => {
                self.error(path, "is required");
                return Vec::new();
            }
            Some(_) => {
                self.error(path, "must be a list");
                return Vec::new();
            }
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.target(item, &format!("{path}[{i}]")))
            .collect()
    }

    fn target(&mut self, value: &Value, path: &str) -> Option<Target> {
        let obj = self.object(value, path)?;
        let queue_sid = self.queue(obj, path);
        let expression = self.opt_expr(obj, "expression", path);
        let priority = self.opt_int(obj, "priority", path);
        let timeout = self.opt_timeout(obj, path);
        let order_by = self.order_by(obj, path);
        let skip_if = self.skip_if(obj, path);
        let known_worker_sid = self.known_worker_sid(obj, path);
        let known_worker_friendly_name = self.known_worker_name(obj, path);
        Some(Target {
            queue_sid: queue_sid?,
            expression,
            priority,
            timeout,
            order_by,
            skip_if,
            known_worker_sid,
            known_worker_friendly_name,
        })
    }

    fn queue(&mut self, obj: &Map<String, Value>, path: &str) -> Option<String> {
        let field = format!("{path}.queue");
        if obj.get("queue").is_none_or(Value::is_null) {
            self.error(&field, "is required");
            return None;
        }
        let sid = self.opt_str(obj, "queue", path)?;
        if !is_queue_sid(sid) {
            self.error(
                &field,
                format!("'{sid}' is not a TaskQueue SID (WQ followed by 32 lowercase hex digits)"),
            );
            return None;
        }
        Some(sid.to_string())
    }

    fn opt_int(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> Option<i64> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => {
                let n = v.as_i64();
                if n.is_none() {
                    self.error(&format!("{path}.{key}"), "must be an integer");
                }
                n
            }
        }
    }

    fn opt_timeout(&mut self, obj: &Map<String, Value>, path: &str) -> Option<u64> {
        match obj.get("timeout") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let n = v.as_u64();
                if n.is_none() {
                    self.error(
                        &format!("{path}.timeout"),
                        "must be a non-negative integer number of seconds",
                    );
                }
                n
            }
        }
    }

    fn order_by(&mut self, obj: &Map<String, Value>, path: &str) -> Vec<OrderKey> {
        let Some(src) = self.opt_str(obj, "order_by", path) else {
            return Vec::new();
        };
        parse_order_by(src).unwrap_or_else(|e| {
            self.expr_error(&format!("{path}.order_by"), &e);
            Vec::new()
        })
    }

    fn skip_if(&mut self, obj: &Map<String, Value>, path: &str) -> Option<SkipIf> {
        let src = self.opt_str(obj, "skip_if", path)?;
        match SkipIf::parse(src) {
            Ok(s) => Some(s),
            Err(e) => {
                self.expr_error(&format!("{path}.skip_if"), &e);
                None
            }
        }
    }

    fn known_worker_sid(&mut self, obj: &Map<String, Value>, path: &str) -> Option<String> {
        let raw = self.opt_str(obj, "known_worker_sid", path)?;
        let valid = match task_reference(raw) {
            Some(reference) => reference_segments(reference).is_some(),
            None => is_worker_sid(raw.trim()),
        };
        if !valid {
            self.error(
                &format!("{path}.known_worker_sid"),
                format!("'{raw}' is neither a Worker SID nor a task attribute reference such as {{{{task.worker_sid}}}}"),
            );
            return None;
        }
        Some(raw.to_string())
    }

    fn known_worker_name(&mut self, obj: &Map<String, Value>, path: &str) -> Option<String> {
        let raw = self.opt_str(obj, "known_worker_friendly_name", path)?;
        let valid = !raw.trim().is_empty()
            && task_reference(raw).is_none_or(|r| reference_segments(r).is_some());
        if !valid {
            self.error(
                &format!("{path}.known_worker_friendly_name"),
                "must be a name or a task attribute reference",
            );
            return None;
        }
        Some(raw.to_string())
    }
}

#[cfg(test)]
mod tests {
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
        let c =
            parse_value(json!({"task_routing": {"default_filter": {"queue": Q1}}})).expect("valid");
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
}
