//! Evaluation of parsed expressions against task and worker attributes.
//!
//! It owns attribute resolution (dotted paths, numeric segments index into lists), the value
//! semantics of every operator (equality, ordering, coercion between numbers and numeric
//! strings, list operators), constant folding for `is_always_true`, and worker ordering for
//! `order_by`.

use std::cmp::Ordering;

use serde_json::Value;

use super::{CmpOp, Node, Operand, OrderKey, Path, Scope};

/// Evaluates a node; missing attributes make comparisons false.
pub fn eval_node(node: &Node, scope: &Scope) -> bool {
    match node {
        Node::Or(children) => children.iter().any(|c| eval_node(c, scope)),
        Node::And(children) => children.iter().all(|c| eval_node(c, scope)),
        Node::Not(inner) => !eval_node(inner, scope),
        Node::Const(value) => *value,
        Node::Cmp { left, op, right } => {
            match (resolve_operand(left, scope), resolve_operand(right, scope)) {
                (Some(l), Some(r)) => compare(*op, l, r),
                _ => false,
            }
        }
    }
}

/// Folds a node whose value does not depend on any attribute; `None` when it does.
pub fn constant_value(node: &Node) -> Option<bool> {
    match node {
        Node::Const(value) => Some(*value),
        Node::Not(inner) => constant_value(inner).map(|v| !v),
        Node::Cmp {
            left: Operand::Literal(l),
            op,
            right: Operand::Literal(r),
        } => Some(compare(*op, l, r)),
        Node::Cmp { .. } => None,
        Node::And(children) => fold(children, false),
        Node::Or(children) => fold(children, true),
    }
}

/// Folds an AND (`decisive == false`) or OR (`decisive == true`) chain.
fn fold(children: &[Node], decisive: bool) -> Option<bool> {
    let mut all_known = true;
    for child in children {
        match constant_value(child) {
            Some(v) if v == decisive => return Some(decisive),
            Some(_) => {}
            None => all_known = false,
        }
    }
    all_known.then_some(!decisive)
}

fn resolve_operand<'a>(operand: &'a Operand, scope: &Scope<'a>) -> Option<&'a Value> {
    match operand {
        Operand::Literal(value) => Some(value),
        Operand::Path(path) => resolve_path(path, scope),
    }
}

fn resolve_path<'a>(path: &Path, scope: &Scope<'a>) -> Option<&'a Value> {
    let root = scope.root_value(path.root.unwrap_or(scope.default))?;
    lookup(root, &path.segments)
}

/// Walks dotted segments through objects (by key) and lists (by numeric index).
pub fn lookup<'a>(root: &'a Value, segments: &[String]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(root, |value, segment| match value {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

/// Applies an operator to two present values.
pub fn compare(op: CmpOp, l: &Value, r: &Value) -> bool {
    match op {
        CmpOp::Eq => values_equal(l, r),
        CmpOp::Ne => !values_equal(l, r),
        CmpOp::Gt => order(l, r) == Some(Ordering::Greater),
        CmpOp::Lt => order(l, r) == Some(Ordering::Less),
        CmpOp::Ge => matches!(order(l, r), Some(Ordering::Greater | Ordering::Equal)),
        CmpOp::Le => matches!(order(l, r), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Has => l
            .as_array()
            .is_some_and(|items| items.iter().any(|x| values_equal(x, r))),
        CmpOp::Contains => contains(l, r),
        CmpOp::In => in_list(l, r),
        CmpOp::NotIn => !in_list(l, r),
    }
}

fn contains(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::String(haystack), Value::String(needle)) => haystack.contains(needle.as_str()),
        (Value::Array(items), _) => items.iter().any(|x| values_equal(x, r)),
        _ => false,
    }
}

/// True when `l` is in the list `r`; a list on the left matches on any overlap, and a scalar
/// on the right behaves like a one-element list.
fn in_list(l: &Value, r: &Value) -> bool {
    let member = |x: &Value| match r {
        Value::Array(items) => items.iter().any(|y| values_equal(x, y)),
        _ => values_equal(x, r),
    };
    match l {
        Value::Array(items) => items.iter().any(member),
        _ => member(l),
    }
}

/// Equality with numeric coercion; strings compare case-sensitively.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_))
        | (Value::Number(_), Value::String(_))
        | (Value::String(_), Value::Number(_)) => order(a, b) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        _ => a == b,
    }
}

/// Orders two values when they are comparable: numbers numerically (numeric strings are
/// coerced when the other side is a number), strings lexicographically, booleans false < true.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_order(x, y),
        (Value::Number(x), Value::String(s)) => number_order(x, &numeric_string(s)?),
        (Value::String(s), Value::Number(y)) => number_order(&numeric_string(s)?, y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn numeric_string(s: &str) -> Option<serde_json::Number> {
    let trimmed = s.trim();
    if let Ok(i) = trimmed.parse::<i64>() {
        return Some(i.into());
    }
    let f = trimmed.parse::<f64>().ok()?;
    serde_json::Number::from_f64(f)
}

fn number_order(x: &serde_json::Number, y: &serde_json::Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return Some(a.cmp(&b));
    }
    x.as_f64()?.partial_cmp(&y.as_f64()?)
}

/// Orders two workers' attributes by `order_by` keys.
///
/// Workers missing a key (or holding null) sort after workers that have it, in either
/// direction; values that cannot be compared are treated as equal for that key.
pub fn compare_workers(keys: &[OrderKey], a: &Value, b: &Value) -> Ordering {
    for key in keys {
        let va = lookup(a, &key.path).filter(|v| !v.is_null());
        let vb = lookup(b, &key.path).filter(|v| !v.is_null());
        let ordering = match (va, vb) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => {
                let natural = order(x, y).unwrap_or(Ordering::Equal);
                if key.descending {
                    natural.reverse()
                } else {
                    natural
                }
            }
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_order_by, Root};
    use super::*;
    use serde_json::json;

    fn task_scope(task: &Value) -> Scope<'_> {
        Scope {
            task: Some(task),
            worker: None,
            default: Root::Task,
        }
    }

    fn check(src: &str, attrs: &Value) -> bool {
        parse(src)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(&task_scope(attrs))
    }

    fn attrs() -> Value {
        json!({
            "language": "es",
            "name": "John Smith",
            "priority": 5,
            "score": 2.5,
            "level_str": "10",
            "vip": true,
            "nothing": null,
            "skills": ["support", "sales", 3],
            "customer": {"tier": "gold", "years": 4, "tags": ["a", "b"]},
        })
    }

    #[test]
    fn equality_and_inequality() {
        let a = attrs();
        assert!(check("language == 'es'", &a));
        assert!(check("language = \"es\"", &a));
        assert!(!check("language == 'ES'", &a), "case-sensitive");
        assert!(check("language != 'fr'", &a));
        assert!(!check("language != 'es'", &a));
        assert!(check("vip == true", &a));
        assert!(check("nothing == null", &a));
        assert!(check("priority == 5.0", &a));
        assert!(check("level_str == 10", &a), "numeric string coerces");
        assert!(check("10 == level_str", &a));
        assert!(!check("language == 1", &a));
        assert!(check("skills == ['support', 'sales', 3]", &a));
    }

    #[test]
    fn ordering_operators() {
        let a = attrs();
        assert!(check("priority > 4", &a));
        assert!(!check("priority > 5", &a));
        assert!(check("priority >= 5", &a));
        assert!(check("priority < 5.5", &a));
        assert!(check("priority <= 5", &a));
        assert!(check("score > -1", &a));
        assert!(
            check("level_str > 9", &a),
            "numeric, not lexicographic, against a number"
        );
        assert!(
            check("level_str < '9'", &a),
            "lexicographic between strings"
        );
        assert!(check("language > 'en'", &a));
        assert!(
            !check("language > 5", &a),
            "incomparable values never match"
        );
        assert!(!check("vip > 'a'", &a));
    }

    #[test]
    fn has_contains_in() {
        let a = attrs();
        assert!(check("skills HAS 'sales'", &a));
        assert!(check("skills HAS 3", &a));
        assert!(check("skills HAS '3'", &a));
        assert!(!check("skills HAS 'billing'", &a));
        assert!(
            !check("language HAS 'es'", &a),
            "HAS needs a list on the left"
        );
        assert!(check("name CONTAINS 'Smith'", &a));
        assert!(!check("name CONTAINS 'smith'", &a));
        assert!(check("skills CONTAINS 'support'", &a));
        assert!(!check("priority CONTAINS 5", &a));
        assert!(check("language IN ['es', 'fr']", &a));
        assert!(!check("language IN ['de', 'fr']", &a));
        assert!(check("priority IN [1, 5]", &a));
        assert!(check("skills IN ['x', 'sales']", &a), "lists overlap");
        assert!(!check("skills IN ['x', 'y']", &a));
        assert!(check("language IN 'es'", &a), "scalar right side");
        assert!(check("language NOT IN ['de', 'fr']", &a));
        assert!(!check("language NOT IN ['es']", &a));
        assert!(check("'sales' IN skills", &a));
        assert!(!check("language IN []", &a));
    }

    #[test]
    fn missing_attributes_never_match() {
        let a = attrs();
        for src in [
            "missing == 1",
            "missing != 1",
            "missing > 1",
            "missing HAS 1",
            "missing CONTAINS 'x'",
            "missing IN [1]",
            "missing NOT IN [1]",
            "1 == missing",
            "customer.nope.deeper == 1",
            "language.sub == 1",
        ] {
            assert!(!check(src, &a), "{src}");
        }
        assert!(check("NOT (missing == 1)", &a));
    }

    #[test]
    fn nested_attributes_and_indexes() {
        let a = attrs();
        assert!(check("customer.tier == 'gold'", &a));
        assert!(check("task.customer.years >= 4", &a));
        assert!(check("customer.tags HAS 'b'", &a));
        assert!(check("skills.0 == 'support'", &a));
        assert!(!check("skills.9 == 'support'", &a));
    }

    #[test]
    fn logic_and_precedence() {
        let a = attrs();
        assert!(check(
            "language == 'fr' OR priority == 5 AND vip == true",
            &a
        ));
        assert!(!check(
            "(language == 'fr' OR priority == 5) AND vip == false",
            &a
        ));
        assert!(check(
            "language == 'es' && (priority < 1 || vip == true)",
            &a
        ));
        assert!(check("NOT language == 'fr'", &a));
        assert!(!check("not (language == 'es' and vip == true)", &a));
        assert!(check("1==1", &a));
        assert!(check("1 == 1", &json!({})));
        assert!(!check("false", &a));
    }

    #[test]
    fn roots_and_defaults() {
        let task = json!({"language": "es", "skill": "sales"});
        let worker = json!({"language": "fr", "skills": ["sales"], "level": 3});
        let mut scope = Scope {
            task: Some(&task),
            worker: Some(&worker),
            default: Root::Worker,
        };
        let e = parse("language == 'fr'").expect("valid");
        assert!(e.eval(&scope));
        scope.default = Root::Task;
        assert!(!e.eval(&scope));
        let e = parse("worker.skills HAS task.skill AND worker.level > 2").expect("valid");
        assert!(e.eval(&scope));
        let e = parse("task.language == worker.language").expect("valid");
        assert!(!e.eval(&scope));
        scope.worker = None;
        assert!(!parse("worker.level > 2").expect("valid").eval(&scope));
    }

    #[test]
    fn worker_ordering() {
        let keys = parse_order_by("worker.level DESC, experience").expect("valid");
        let a = json!({"level": 3, "experience": 10});
        let b = json!({"level": 3, "experience": 2});
        let c = json!({"level": 5});
        let d = json!({"experience": 1});
        assert_eq!(compare_workers(&keys, &a, &b), Ordering::Greater);
        assert_eq!(compare_workers(&keys, &c, &a), Ordering::Less);
        assert_eq!(
            compare_workers(&keys, &d, &a),
            Ordering::Greater,
            "missing sorts last"
        );
        assert_eq!(compare_workers(&keys, &a, &a), Ordering::Equal);
        assert_eq!(compare_workers(&[], &a, &c), Ordering::Equal);
        let mut workers = vec![d.clone(), b.clone(), c.clone(), a.clone()];
        workers.sort_by(|x, y| compare_workers(&keys, x, y));
        assert_eq!(workers, vec![c, b, a, d]);
    }

    /// A tiny deterministic generator so the fuzz loop needs no dependencies.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = Lcg(42);
        let a = attrs();
        for _ in 0..3000 {
            let len = (rng.next() % 40) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| (rng.next() % 256) as u8).collect();
            let src = String::from_utf8_lossy(&bytes);
            if let Ok(e) = parse(&src) {
                e.eval(&task_scope(&a));
            } else if let Err(e) = parse(&src) {
                assert!(e.position <= src.len());
            }
            let _ = parse_order_by(&src);
        }
    }

    /// Deletes, duplicates or inserts characters in valid expressions; every error must point
    /// at a character boundary inside the source.
    #[test]
    fn mutated_expressions_never_panic() {
        const SEEDS: &[&str] = &[
            "task.language == 'es' AND (worker.level >= 2 OR skills HAS \"sales\")",
            "customer.tier NOT IN ['gold', \"silver\", -1.5, null] || name CONTAINS 'Sm'",
            "NOT (a != 1 && b < 2) OR 1==1",
            "é.ü == 'ñ' AND x IN []",
        ];
        const INSERTS: &[char] = &[
            '(', ')', '\'', '"', '[', ']', ',', '=', '!', '-', '.', ' ', 'é',
        ];
        let mut rng = Lcg(99);
        let a = attrs();
        for _ in 0..4000 {
            let seed = SEEDS[(rng.next() as usize) % SEEDS.len()];
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..1 + rng.next() % 3 {
                let at = (rng.next() as usize) % (chars.len() + 1);
                match rng.next() % 3 {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars.insert(at, chars[at]),
                    _ => chars.insert(at, INSERTS[(rng.next() as usize) % INSERTS.len()]),
                }
            }
            let src: String = chars.into_iter().collect();
            match parse(&src) {
                Ok(e) => {
                    e.eval(&task_scope(&a));
                }
                Err(e) => {
                    assert!(e.position <= src.len(), "{src}: {e}");
                    assert!(src.is_char_boundary(e.position), "{src}: {e}");
                }
            }
        }
    }

    #[test]
    fn random_token_soup_never_panics() {
        const VOCAB: &[&str] = &[
            "a",
            "task.b",
            "worker.c.d",
            "==",
            "=",
            "!=",
            ">",
            "<=",
            "HAS",
            "CONTAINS",
            "IN",
            "NOT",
            "AND",
            "OR",
            "&&",
            "||",
            "(",
            ")",
            "[",
            "]",
            ",",
            "'x'",
            "\"y\"",
            "1",
            "-2.5",
            "true",
            "null",
            "é",
            "😀",
            ".",
            "'",
            "!",
            "&",
            "ASC",
            "DESC",
        ];
        let mut rng = Lcg(7);
        let a = attrs();
        let mut parsed = 0;
        for _ in 0..5000 {
            let len = 1 + (rng.next() % 12) as usize;
            let words: Vec<&str> = (0..len)
                .map(|_| VOCAB[(rng.next() as usize) % VOCAB.len()])
                .collect();
            let src = words.join(" ");
            match parse(&src) {
                Ok(e) => {
                    parsed += 1;
                    e.eval(&task_scope(&a));
                    e.is_always_true();
                }
                Err(e) => assert!(e.position <= src.len(), "{src}: {e}"),
            }
            let _ = parse_order_by(&src);
        }
        assert!(parsed > 0);
    }
}
