//! TaskRouter's expression language: the types, the public entry points and the error type.
//!
//! The same language is used by TaskQueue `target_workers`, Workflow filter `expression` and
//! Workflow target `expression`. Parsing lives in [`lexer`] and [`parser`], evaluation in
//! [`eval`]. The parser never panics: every malformed input produces an [`ExprError`] with the
//! byte offset of the problem, and nesting deeper than [`MAX_DEPTH`] is rejected.
//!
//! Semantics chosen where Twilio's documentation is silent:
//! - A comparison whose operand refers to a missing attribute is false, whatever the operator,
//!   including `!=` and `NOT IN` (a missing attribute never matches). `NOT (...)` is plain
//!   logical negation, so `NOT (x == 1)` is true when `x` is missing.
//! - String equality is case-sensitive; keywords are case-insensitive.
//! - A number compared with a numeric string is compared numerically.
//! - `HAS` is list membership (left must be a list); `CONTAINS` is a substring test for strings
//!   and membership for lists; `IN` tests the left value against the right list, and a left
//!   list matches when the two lists overlap.

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

pub mod eval;
pub mod lexer;
pub mod parser;

pub use parser::parse_order_by;

/// The maximum nesting of parentheses and `NOT` accepted by the parser.
pub const MAX_DEPTH: usize = 64;

/// Which attribute set an identifier resolves in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Root {
    /// The task's attributes.
    Task,
    /// The worker's attributes.
    Worker,
}

/// The attribute sets an expression is evaluated against.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Task attributes, resolved by `task.` paths.
    pub task: Option<&'a Value>,
    /// Worker attributes, resolved by `worker.` paths.
    pub worker: Option<&'a Value>,
    /// The root used for identifiers without a `task.` or `worker.` prefix.
    pub default: Root,
}

impl<'a> Scope<'a> {
    /// Returns the attribute set for a root, if the caller provided one.
    pub fn root_value(&self, root: Root) -> Option<&'a Value> {
        match root {
            Root::Task => self.task,
            Root::Worker => self.worker,
        }
    }
}

/// A parse error with the byte offset where it was detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset into the source.
    pub position: usize,
    /// A full sentence, e.g. "expected a value after '==' at position 14".
    pub message: String,
    reason: String,
}

impl ExprError {
    /// Builds an error from a reason and the byte offset it refers to.
    pub fn new(position: usize, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let message = format!("{reason} at position {position}");
        ExprError {
            position,
            message,
            reason,
        }
    }

    /// The message without the trailing "at position N".
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExprError {}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Has,
    Contains,
    In,
    NotIn,
}

impl CmpOp {
    /// The operator as written in error messages.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
            CmpOp::Has => "HAS",
            CmpOp::Contains => "CONTAINS",
            CmpOp::In => "IN",
            CmpOp::NotIn => "NOT IN",
        }
    }
}

/// An attribute path such as `task.customer.tier`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The explicit root from a `task.` or `worker.` prefix; `None` means the scope's default.
    pub root: Option<Root>,
    /// The remaining dot-separated segments.
    pub segments: Vec<String>,
    /// Byte offset of the identifier in the source.
    pub position: usize,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// An attribute reference.
    Path(Path),
    /// A literal string, number, boolean, null or list.
    Literal(Value),
}

/// A node of the parsed expression tree; `And` and `Or` are n-ary so long chains stay shallow.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Cmp {
        left: Operand,
        op: CmpOp,
        right: Operand,
    },
    Const(bool),
}

/// A parsed expression together with its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    root: Node,
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for Expr {
    type Err = ExprError;

    fn from_str(src: &str) -> Result<Self, Self::Err> {
        parse(src)
    }
}

/// Parses an expression; see the module documentation for the grammar and semantics.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let root = parser::parse_node(src)?;
    Ok(Expr {
        source: src.to_string(),
        root,
    })
}

impl Expr {
    /// Evaluates the expression against the given attributes.
    pub fn eval(&self, scope: &Scope) -> bool {
        eval::eval_node(&self.root, scope)
    }

    /// The text the expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed tree.
    pub fn node(&self) -> &Node {
        &self.root
    }

    /// True when the expression holds regardless of attributes, e.g. `1==1`.
    pub fn is_always_true(&self) -> bool {
        eval::constant_value(&self.root) == Some(true)
    }

    /// Every attribute path the expression reads; a `None` root means the scope's default.
    pub fn referenced_paths(&self) -> Vec<(Option<Root>, Vec<String>)> {
        self.paths()
            .into_iter()
            .map(|p| (p.root, p.segments.clone()))
            .collect()
    }

    /// Every attribute path in source order, with its position.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        collect_paths(&self.root, &mut out);
        out
    }
}

fn collect_paths<'a>(node: &'a Node, out: &mut Vec<&'a Path>) {
    match node {
        Node::Or(children) | Node::And(children) => {
            children.iter().for_each(|c| collect_paths(c, out));
        }
        Node::Not(inner) => collect_paths(inner, out),
        Node::Cmp { left, right, .. } => {
            for operand in [left, right] {
                if let Operand::Path(p) = operand {
                    out.push(p);
                }
            }
        }
        Node::Const(_) => {}
    }
}

/// One key of an `order_by` clause such as `worker.level DESC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKey {
    /// The worker attribute path, without the `worker.` prefix.
    pub path: Vec<String>,
    /// True for `DESC`; the default is ascending.
    pub descending: bool,
}

/// Orders two workers' attribute objects by the keys; see [`eval::compare_workers`].
pub fn compare_workers(keys: &[OrderKey], a: &Value, b: &Value) -> Ordering {
    eval::compare_workers(keys, a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_display_includes_position() {
        let e = ExprError::new(14, "expected a value after '=='");
        assert_eq!(e.to_string(), "expected a value after '==' at position 14");
        assert_eq!(e.reason(), "expected a value after '=='");
    }

    #[test]
    fn source_is_kept() {
        let e = parse("language == 'es'").expect("valid");
        assert_eq!(e.source(), "language == 'es'");
        assert_eq!(e.to_string(), "language == 'es'");
        let parsed: Expr = "language == 'es'".parse().expect("valid");
        assert_eq!(parsed, e);
        assert!("language ==".parse::<Expr>().is_err());
    }

    #[test]
    fn error_is_a_std_error() {
        let e: Box<dyn std::error::Error> = Box::new(parse("(").unwrap_err());
        assert_eq!(
            e.to_string(),
            "expected a condition after '(' at position 1"
        );
    }

    #[test]
    fn always_true_detection() {
        assert!(parse("1==1").expect("valid").is_always_true());
        assert!(parse("1 == 1 OR x == 2").expect("valid").is_always_true());
        assert!(parse("true").expect("valid").is_always_true());
        assert!(!parse("1 == 1 AND x == 2").expect("valid").is_always_true());
        assert!(!parse("1 == 2").expect("valid").is_always_true());
        assert!(!parse("x == 1").expect("valid").is_always_true());
        assert!(parse("NOT (1 == 2)").expect("valid").is_always_true());
    }

    #[test]
    fn referenced_paths_lists_every_operand() {
        let e = parse("worker.skills HAS task.skill AND level > 2").expect("valid");
        assert_eq!(
            e.referenced_paths(),
            vec![
                (Some(Root::Worker), vec!["skills".to_string()]),
                (Some(Root::Task), vec!["skill".to_string()]),
                (None, vec!["level".to_string()]),
            ]
        );
        let positions: Vec<usize> = e.paths().iter().map(|p| p.position).collect();
        assert_eq!(positions, vec![0, 18, 33]);
    }

    #[test]
    fn scope_root_value() {
        let t = json!({"a": 1});
        let s = Scope {
            task: Some(&t),
            worker: None,
            default: Root::Task,
        };
        assert_eq!(s.root_value(Root::Task), Some(&t));
        assert_eq!(s.root_value(Root::Worker), None);
    }
}
