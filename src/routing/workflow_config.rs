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
#[path = "workflow_config_tests.rs"]
mod tests;
