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
#[path = "parser_tests.rs"]
mod tests;
