//! Recursive-descent parser for expressions and `order_by` clauses.
//!
//! Grammar (keywords case-insensitive, `AND` binds tighter than `OR`):
//!
//! ```text
//! or        := and (("OR" | "||") and)*
//! and       := unary (("AND" | "&&") unary)*
//! unary     := "NOT" unary | "(" or ")" | condition
//! condition := operand op operand | "true" | "false"
//! op        := "==" | "=" | "!=" | ">" | "<" | ">=" | "<=" | "HAS" | "CONTAINS" | "IN" | "NOT" "IN"
//! operand   := path | string | number | "true" | "false" | "null" | list
//! list      := "[" (literal ("," literal)*)? "]"
//! order_by  := path ("ASC" | "DESC")? ("," path ("ASC" | "DESC")?)*
//! ```
//!
//! Parentheses and `NOT` may nest at most [`MAX_DEPTH`] levels, so hostile input cannot exhaust
//! the stack.

use serde_json::Value;

use super::lexer::{tokenize, Token, TokenKind};
use super::{CmpOp, ExprError, Node, Operand, OrderKey, Path, Root, MAX_DEPTH};

/// Parses a full expression into its tree.
pub fn parse_node(src: &str) -> Result<Node, ExprError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser {
        tokens,
        index: 0,
        depth: 0,
    };
    if parser.peek().kind == TokenKind::Eof {
        return Err(ExprError::new(
            0,
            "expected a condition, found an empty expression",
        ));
    }
    let node = parser.or_expr()?;
    parser.expect_end()?;
    Ok(node)
}

/// Parses an `order_by` clause such as `worker.level DESC, worker.experience ASC`.
///
/// An empty or blank clause yields no keys. Only worker attributes can be sorted on; the
/// `worker.` prefix is optional and stripped.
pub fn parse_order_by(src: &str) -> Result<Vec<OrderKey>, ExprError> {
    let tokens = tokenize(src)?;
    let mut parser = Parser {
        tokens,
        index: 0,
        depth: 0,
    };
    let mut keys = Vec::new();
    if parser.peek().kind == TokenKind::Eof {
        return Ok(keys);
    }
    loop {
        keys.push(parser.order_key()?);
        let token = parser.advance();
        match token.kind {
            TokenKind::Comma => continue,
            TokenKind::Eof => return Ok(keys),
            _ => {
                return Err(ExprError::new(
                    token.pos,
                    format!(
                        "expected ',' or the end of order_by, found {}",
                        describe(&token)
                    ),
                ))
            }
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
}

/// Describes a token for error messages.
fn describe(token: &Token) -> String {
    match token.kind {
        TokenKind::Eof => "the end of the expression".to_string(),
        _ => format!("'{}'", token.text),
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        // The token list always ends with Eof and `advance` never moves past it.
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.index.min(last)]
    }

    fn peek_kind_at(&self, offset: usize) -> Option<&TokenKind> {
        self.tokens.get(self.index + offset).map(|t| &t.kind)
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.kind != TokenKind::Eof {
            self.index += 1;
        }
        token
    }

    fn expect_end(&mut self) -> Result<(), ExprError> {
        let token = self.peek();
        match token.kind {
            TokenKind::Eof => Ok(()),
            TokenKind::RParen => Err(ExprError::new(token.pos, "unmatched ')'")),
            _ => Err(ExprError::new(
                token.pos,
                format!(
                    "expected AND, OR or the end of the expression, found {}",
                    describe(token)
                ),
            )),
        }
    }

    fn enter(&mut self, pos: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(
                pos,
                format!("expression nested too deeply (limit {MAX_DEPTH})"),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Node, ExprError> {
        let mut children = vec![self.and_expr()?];
        while self.peek().kind == TokenKind::Or {
            let op = self.advance();
            self.expect_operand_start(&op)?;
            children.push(self.and_expr()?);
        }
        Ok(collapse(children, Node::Or))
    }

    fn and_expr(&mut self) -> Result<Node, ExprError> {
        let mut children = vec![self.unary()?];
        while self.peek().kind == TokenKind::And {
            let op = self.advance();
            self.expect_operand_start(&op)?;
            children.push(self.unary()?);
        }
        Ok(collapse(children, Node::And))
    }

    /// Reports a missing right-hand side of AND/OR/NOT with the operator's name.
    fn expect_operand_start(&self, op: &Token) -> Result<(), ExprError> {
        let next = self.peek();
        match next.kind {
            TokenKind::Eof | TokenKind::RParen | TokenKind::And | TokenKind::Or => {
                Err(ExprError::new(
                    next.pos,
                    format!("expected a condition after '{}'", op.text),
                ))
            }
            _ => Ok(()),
        }
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        let token = self.peek().clone();
        match token.kind {
            TokenKind::Not => {
                self.enter(token.pos)?;
                self.advance();
                self.expect_operand_start(&token)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Node::Not(Box::new(inner)))
            }
            TokenKind::LParen => {
                self.enter(token.pos)?;
                self.advance();
                self.expect_operand_start(&token)?;
                let inner = self.or_expr()?;
                let close = self.advance();
                if close.kind != TokenKind::RParen {
                    return Err(ExprError::new(
                        close.pos,
                        format!(
                            "expected ')' to close '(' at position {}, found {}",
                            token.pos,
                            describe(&close)
                        ),
                    ));
                }
                self.depth -= 1;
                Ok(inner)
            }
            _ => self.condition(),
        }
    }

    fn condition(&mut self) -> Result<Node, ExprError> {
        let first = self.peek().clone();
        let left = self.operand()?;
        let Some(op) = self.operator()? else {
            return match (&first.kind, &left) {
                (TokenKind::True, _) => Ok(Node::Const(true)),
                (TokenKind::False, _) => Ok(Node::Const(false)),
                _ => {
                    let next = self.peek();
                    Err(ExprError::new(
                        next.pos,
                        format!("expected an operator after {}", describe(&first)),
                    ))
                }
            };
        };
        let next = self.peek();
        if !starts_operand(&next.kind) {
            return Err(ExprError::new(
                next.pos,
                format!("expected a value after '{}'", op.1),
            ));
        }
        let right = self.operand()?;
        Ok(Node::Cmp {
            left,
            op: op.0,
            right,
        })
    }

    /// Consumes a comparison operator if one is next, returning it with its source text.
    fn operator(&mut self) -> Result<Option<(CmpOp, String)>, ExprError> {
        let token = self.peek().clone();
        let op = match token.kind {
            TokenKind::Eq => CmpOp::Eq,
            TokenKind::Ne => CmpOp::Ne,
            TokenKind::Gt => CmpOp::Gt,
            TokenKind::Lt => CmpOp::Lt,
            TokenKind::Ge => CmpOp::Ge,
            TokenKind::Le => CmpOp::Le,
            TokenKind::Has => CmpOp::Has,
            TokenKind::Contains => CmpOp::Contains,
            TokenKind::In => CmpOp::In,
            TokenKind::Not => return self.not_in(&token).map(Some),
            _ => return Ok(None),
        };
        self.advance();
        Ok(Some((op, token.text)))
    }

    fn not_in(&mut self, not: &Token) -> Result<(CmpOp, String), ExprError> {
        if self.peek_kind_at(1) != Some(&TokenKind::In) {
            let pos = self.tokens.get(self.index + 1).map_or(not.pos, |t| t.pos);
            return Err(ExprError::new(pos, "expected IN after NOT"));
        }
        self.advance();
        self.advance();
        Ok((CmpOp::NotIn, "NOT IN".to_string()))
    }

    fn operand(&mut self) -> Result<Operand, ExprError> {
        let token = self.peek().clone();
        if let TokenKind::Ident(text) = &token.kind {
            self.advance();
            return parse_path(text, token.pos).map(Operand::Path);
        }
        if token.kind == TokenKind::LBracket {
            return self.list().map(Operand::Literal);
        }
        match literal(&token.kind) {
            Some(value) => {
                self.advance();
                Ok(Operand::Literal(value))
            }
            None => Err(ExprError::new(
                token.pos,
                format!("expected a value, found {}", describe(&token)),
            )),
        }
    }

    fn list(&mut self) -> Result<Value, ExprError> {
        let open = self.advance();
        let mut items = Vec::new();
        if self.peek().kind == TokenKind::RBracket {
            self.advance();
            return Ok(Value::Array(items));
        }
        loop {
            let token = self.advance();
            let Some(value) = literal(&token.kind) else {
                return Err(ExprError::new(
                    token.pos,
                    format!("expected a literal in the list, found {}", describe(&token)),
                ));
            };
            items.push(value);
            let sep = self.advance();
            match sep.kind {
                TokenKind::Comma => continue,
                TokenKind::RBracket => return Ok(Value::Array(items)),
                _ => {
                    return Err(ExprError::new(
                        sep.pos,
                        format!(
                            "expected ',' or ']' in the list opened at position {}, found {}",
                            open.pos,
                            describe(&sep)
                        ),
                    ))
                }
            }
        }
    }

    fn order_key(&mut self) -> Result<OrderKey, ExprError> {
        let token = self.advance();
        let TokenKind::Ident(text) = &token.kind else {
            return Err(ExprError::new(
                token.pos,
                format!("expected a worker attribute, found {}", describe(&token)),
            ));
        };
        let path = parse_path(text, token.pos)?;
        if path.root == Some(Root::Task) {
            return Err(ExprError::new(
                token.pos,
                "order_by can only sort by worker attributes",
            ));
        }
        let descending = match &self.peek().kind {
            TokenKind::Ident(word) if word.eq_ignore_ascii_case("desc") => true,
            TokenKind::Ident(word) if word.eq_ignore_ascii_case("asc") => false,
            _ => {
                return Ok(OrderKey {
                    path: path.segments,
                    descending: false,
                })
            }
        };
        self.advance();
        Ok(OrderKey {
            path: path.segments,
            descending,
        })
    }
}

/// True for tokens that can begin an operand: a path, a literal or a list.
fn starts_operand(kind: &TokenKind) -> bool {
    matches!(kind, TokenKind::Ident(_) | TokenKind::LBracket) || literal(kind).is_some()
}

/// Turns a one-element chain into its element, so `a == 1` is not wrapped in And/Or.
fn collapse(mut children: Vec<Node>, wrap: fn(Vec<Node>) -> Node) -> Node {
    if children.len() == 1 {
        children.pop().unwrap_or(Node::Const(false))
    } else {
        wrap(children)
    }
}

/// Converts a literal token to its JSON value.
fn literal(kind: &TokenKind) -> Option<Value> {
    match kind {
        TokenKind::Str(s) => Some(Value::String(s.clone())),
        TokenKind::Num(n) => Some(Value::Number(n.clone())),
        TokenKind::True => Some(Value::Bool(true)),
        TokenKind::False => Some(Value::Bool(false)),
        TokenKind::Null => Some(Value::Null),
        _ => None,
    }
}

/// Splits a dotted identifier and recognises the `task.` and `worker.` prefixes.
pub fn parse_path(text: &str, pos: usize) -> Result<Path, ExprError> {
    let segments: Vec<String> = text.split('.').map(str::to_string).collect();
    if segments.iter().any(String::is_empty) {
        return Err(ExprError::new(
            pos,
            format!("invalid attribute path '{text}'"),
        ));
    }
    let root = match segments.first().map(String::as_str) {
        Some("task") if segments.len() > 1 => Some(Root::Task),
        Some("worker") if segments.len() > 1 => Some(Root::Worker),
        _ => None,
    };
    let skip = usize::from(root.is_some());
    Ok(Path {
        root,
        segments: segments.into_iter().skip(skip).collect(),
        position: pos,
    })
}

#[cfg(test)]
mod tests {
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
            Node::Or(children) | Node::And(children) => {
                children.iter_mut().for_each(zero_positions)
            }
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
}
