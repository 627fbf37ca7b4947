//! Unit tests of `parser`, kept beside it in their own file.
use super::*;
use serde_json::json;

/// Builds a path operand; positions are compared separately, see `parsed`.
fn path(root: Option<Root>, segs: &[&str]) -> Operand {
    Operand::Path(Path {
        root,
        segments: segs.iter().map(|s| s.to_string()).collect(),
        position: 0,
    })
}

/// Parses and zeroes path positions so trees can be compared structurally.
fn parsed(src: &str) -> Node {
    let mut node = parse_node(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    zero_positions(&mut node);
    node
}

fn zero_positions(node: &mut Node) {
    match node {
        Node::Or(children) | Node::And(children) => children.iter_mut().for_each(zero_positions),
        Node::Not(inner) => zero_positions(inner),
        Node::Cmp { left, right, .. } => {
            for operand in [left, right] {
                if let Operand::Path(p) = operand {
                    p.position = 0;
                }
            }
        }
        Node::Const(_) => {}
    }
}

fn cmp(left: Operand, op: CmpOp, right: Operand) -> Node {
    Node::Cmp { left, op, right }
}

fn err(src: &str) -> ExprError {
    match parse_node(src) {
        Err(e) => e,
        Ok(node) => panic!("expected an error for {src:?}, got {node:?}"),
    }
}

#[test]
fn simple_comparison() {
    assert_eq!(
        parsed("language == 'es'"),
        cmp(
            path(None, &["language"]),
            CmpOp::Eq,
            Operand::Literal(json!("es"))
        )
    );
}

#[test]
fn every_operator() {
    let cases = [
        ("a == 1", CmpOp::Eq),
        ("a = 1", CmpOp::Eq),
        ("a != 1", CmpOp::Ne),
        ("a > 1", CmpOp::Gt),
        ("a < 1", CmpOp::Lt),
        ("a >= 1", CmpOp::Ge),
        ("a <= 1", CmpOp::Le),
        ("a HAS 1", CmpOp::Has),
        ("a has 1", CmpOp::Has),
        ("a CONTAINS 1", CmpOp::Contains),
        ("a IN 1", CmpOp::In),
        ("a NOT IN 1", CmpOp::NotIn),
        ("a not in 1", CmpOp::NotIn),
    ];
    for (src, op) in cases {
        let expected = cmp(path(None, &["a"]), op, Operand::Literal(json!(1)));
        assert_eq!(parsed(src), expected, "{src}");
    }
}

#[test]
fn prefixes_and_nested_paths() {
    assert_eq!(
        parsed("task.customer.tier == worker.level"),
        cmp(
            path(Some(Root::Task), &["customer", "tier"]),
            CmpOp::Eq,
            path(Some(Root::Worker), &["level"])
        )
    );
    // A bare `task` is an ordinary attribute name in the default root.
    assert_eq!(
        parsed("task == 1"),
        cmp(path(None, &["task"]), CmpOp::Eq, Operand::Literal(json!(1)))
    );
}

#[test]
fn literal_on_both_sides() {
    assert_eq!(
        parsed("1==1"),
        cmp(
            Operand::Literal(json!(1)),
            CmpOp::Eq,
            Operand::Literal(json!(1))
        )
    );
}

#[test]
fn lists() {
    assert_eq!(
        parsed(r#"a IN ['a', "b", 1, -2.5, true, null]"#),
        cmp(
            path(None, &["a"]),
            CmpOp::In,
            Operand::Literal(json!(["a", "b", 1, -2.5, true, null]))
        )
    );
    assert_eq!(
        parsed("a IN []"),
        cmp(path(None, &["a"]), CmpOp::In, Operand::Literal(json!([])))
    );
}

#[test]
fn and_binds_tighter_than_or() {
    let a = cmp(path(None, &["a"]), CmpOp::Eq, Operand::Literal(json!(1)));
    let b = cmp(path(None, &["b"]), CmpOp::Eq, Operand::Literal(json!(2)));
    let c = cmp(path(None, &["c"]), CmpOp::Eq, Operand::Literal(json!(3)));
    assert_eq!(
        parsed("a == 1 OR b == 2 AND c == 3"),
        Node::Or(vec![a.clone(), Node::And(vec![b.clone(), c.clone()])])
    );
    assert_eq!(
        parsed("(a == 1 || b == 2) && c == 3"),
        Node::And(vec![Node::Or(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(
        parsed("NOT a == 1 and b == 2"),
        Node::And(vec![Node::Not(Box::new(a)), b])
    );
}

#[test]
fn bare_booleans() {
    assert_eq!(parsed("true"), Node::Const(true));
    assert_eq!(parsed("FALSE"), Node::Const(false));
}

#[test]
fn error_positions() {
    let e = err("language == ");
    assert_eq!(e.position, 12);
    assert_eq!(e.message, "expected a value after '==' at position 12");
    let e = err("task.language == AND x == 1");
    assert_eq!(e.message, "expected a value after '==' at position 17");
    assert_eq!(err("").position, 0);
    assert_eq!(
        err("language").message,
        "expected an operator after 'language' at position 8"
    );
    assert_eq!(err("a == 1 b == 2").position, 7);
    assert_eq!(err("a == 1)").message, "unmatched ')' at position 6");
    let e = err("(a == 1");
    assert_eq!(e.position, 7);
    assert!(e
        .message
        .contains("expected ')' to close '(' at position 0"));
    assert_eq!(
        err("a == 1 AND").message,
        "expected a condition after 'AND' at position 10"
    );
    assert_eq!(err("a == 1 OR OR b == 1").position, 10);
    assert_eq!(
        err("a NOT b").message,
        "expected IN after NOT at position 6"
    );
    assert_eq!(err("a IN ['x' 'y']").position, 10);
    assert_eq!(err("a IN [x]").position, 6);
    assert_eq!(err("a IN ['x',").position, 10);
    assert_eq!(
        err("a..b == 1").message,
        "invalid attribute path 'a..b' at position 0"
    );
    assert_eq!(
        err("a == b.").message,
        "invalid attribute path 'b.' at position 5"
    );
    assert_eq!(err("== 1").position, 0);
    assert_eq!(err("()").position, 1);
    assert_eq!(err("NOT").position, 3);
    assert_eq!(err("a == 'é' é").position, 10);
}

#[test]
fn nesting_limit() {
    let ok = format!("{}a == 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse_node(&ok).is_ok());
    let deep = format!(
        "{}a == 1{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let e = err(&deep);
    assert_eq!(e.position, MAX_DEPTH);
    assert!(e.message.contains("nested too deeply"));
    assert!(parse_node(&"(".repeat(100_000)).is_err());
    assert!(parse_node(&"NOT ".repeat(100_000)).is_err());
}

#[test]
fn long_flat_chains_are_fine() {
    let src = vec!["a == 1"; 20_000].join(" AND ");
    match parsed(&src) {
        Node::And(children) => assert_eq!(children.len(), 20_000),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn order_by() {
    assert_eq!(
        parse_order_by("worker.level DESC, worker.experience ASC, name").expect("valid"),
        vec![
            OrderKey {
                path: vec!["level".into()],
                descending: true
            },
            OrderKey {
                path: vec!["experience".into()],
                descending: false
            },
            OrderKey {
                path: vec!["name".into()],
                descending: false
            },
        ]
    );
    assert_eq!(parse_order_by("  ").expect("valid"), vec![]);
    assert!(parse_order_by("worker.a desc").expect("valid")[0].descending);
    assert_eq!(parse_order_by("worker.a DESC,").unwrap_err().position, 14);
    assert_eq!(parse_order_by("worker.a DOWN").unwrap_err().position, 9);
    assert_eq!(parse_order_by("task.a").unwrap_err().position, 0);
    assert_eq!(parse_order_by("'x'").unwrap_err().position, 0);
}
