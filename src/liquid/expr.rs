//! Liquid's expressions, parsed from a markup's tokens into the crate's own values
//! (`Expression`, `Variable`) and filters (looked up in the `Language`, so every filter is a
//! registered crate filter): values and paths, ranges `(a..b)`, filter chains, and the
//! conditions of `if`/`unless`/`case` with Shopify Liquid's meaning (`and`/`or` grouped from
//! the right, `1 == true` false, `contains` false on nil or a falsy operand, ordering a string
//! against a number an error).

use std::cmp::Ordering;

use liquid_core::model::{State, Value, ValueCow, ValueView};
use liquid_core::parser::FilterArguments;
use liquid_core::runtime::Variable;
use liquid_core::{Error, Expression, Filter, Language, Result, Runtime};

use super::filters::to_number;
use super::lexer::Tok;
use super::limits::MAX_OUTPUT_BYTES;

/// A markup's tokens being read.
pub struct Cursor<'t> {
    toks: &'t [(Tok, usize)],
    pos: usize,
    src: &'t str,
}

impl<'t> Cursor<'t> {
    pub fn new(toks: &'t [(Tok, usize)], src: &'t str) -> Self {
        Cursor { toks, pos: 0, src }
    }
    pub fn peek(&self) -> Option<&'t Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }
    pub fn peek_at(&self, n: usize) -> Option<&'t Tok> {
        self.toks.get(self.pos + n).map(|(t, _)| t)
    }
    pub fn next(&mut self) -> Option<&'t Tok> {
        let t = self.peek();
        self.pos += usize::from(t.is_some());
        t
    }
    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }
    /// The source text from the current token to the end.
    pub fn rest(&self) -> &'t str {
        self.toks
            .get(self.pos)
            .map_or("", |(_, at)| &self.src[*at..])
    }
    /// The source text between two token positions.
    pub fn between(&self, from: usize, to: usize) -> &'t str {
        let start = self.toks.get(from).map_or(self.src.len(), |(_, at)| *at);
        let end = self.toks.get(to).map_or(self.src.len(), |(_, at)| *at);
        self.src[start..end].trim()
    }
    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn eat(&mut self, sym: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym);
        self.pos += usize::from(hit);
        hit
    }
    pub fn eat_word(&mut self, word: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Ident(w)) if w == word);
        self.pos += usize::from(hit);
        hit
    }
    pub fn expect(&mut self, sym: &str) -> Result<()> {
        if self.eat(sym) {
            return Ok(());
        }
        Err(self.error(&format!("`{sym}` expected")))
    }
    pub fn ident(&mut self) -> Result<String> {
        match self.peek() {
            Some(Tok::Ident(w)) => {
                self.pos += 1;
                Ok(w.clone())
            }
            _ => Err(self.error("a name expected")),
        }
    }
    pub fn end(&self) -> Result<()> {
        if self.done() {
            return Ok(());
        }
        Err(self.error("unexpected text"))
    }
    pub fn error(&self, what: &str) -> Error {
        let at = self.rest();
        let at = if at.is_empty() { "the end" } else { at };
        Error::with_msg(format!("{what} at `{at}` in `{}`", self.src.trim()))
    }
}

/// A value: a literal, a variable path, or a range.
#[derive(Debug, Clone)]
pub enum Operand {
    Expr(Expression),
    Range(Expression, Expression),
}

/// A range's bounds as integers (a float bound is truncated, text read as a number).
pub fn bounds(a: &Expression, b: &Expression, runtime: &dyn Runtime) -> Result<(i64, i64)> {
    let a = to_number(a.evaluate(runtime)?.as_view()).as_integer();
    let b = to_number(b.evaluate(runtime)?.as_view()).as_integer();
    Ok((a, b))
}

impl Operand {
    pub fn evaluate<'c>(&'c self, runtime: &'c dyn Runtime) -> Result<ValueCow<'c>> {
        match self {
            Operand::Expr(e) => e.evaluate(runtime),
            Operand::Range(a, b) => {
                let (a, b) = bounds(a, b, runtime)?;
                if b.saturating_sub(a) >= MAX_OUTPUT_BYTES as i64 {
                    return Err(Error::with_msg(format!(
                        "the range ({a}..{b}) is over the {MAX_OUTPUT_BYTES}-item budget"
                    )));
                }
                Ok(ValueCow::Owned(Value::Array(
                    (a..=b).map(Value::scalar).collect(),
                )))
            }
        }
    }
}

/// A literal or a variable path (`a.b[0]['c d'].size`, spaces allowed around the dots).
pub fn value(c: &mut Cursor<'_>) -> Result<Expression> {
    let tok = c.next().ok_or_else(|| c.error("a value expected"))?;
    Ok(match tok {
        Tok::Str(s) => Expression::with_literal(s.clone()),
        Tok::Int(i) => Expression::with_literal(*i),
        Tok::Float(f) => Expression::with_literal(*f),
        Tok::Ident(w) => match w.as_str() {
            "nil" | "null" => Expression::Literal(Value::Nil),
            "true" => Expression::with_literal(true),
            "false" => Expression::with_literal(false),
            "empty" => Expression::Literal(Value::State(State::Empty)),
            "blank" => Expression::Literal(Value::State(State::Blank)),
            _ => Expression::Variable(path(c, Variable::with_literal(w.clone()))?),
        },
        Tok::Sym("[") => {
            // `['key']`: a top-level name that isn't an identifier.
            let first = value(c)?;
            c.expect("]")?;
            let Expression::Literal(name) = first else {
                return Err(c.error("a quoted name expected"));
            };
            let name = name.to_kstr().into_owned();
            Expression::Variable(path(c, Variable::with_literal(name))?)
        }
        _ => {
            c.pos -= 1;
            return Err(c.error("a value expected"));
        }
    })
}

fn path(c: &mut Cursor<'_>, mut var: Variable) -> Result<Variable> {
    loop {
        if c.eat(".") {
            let name = c.ident()?;
            var.extend(std::iter::once(Expression::with_literal(name)));
        } else if c.eat("[") {
            let index = value(c)?;
            c.expect("]")?;
            var.extend(std::iter::once(index));
        } else {
            return Ok(var);
        }
    }
}

/// A value or a range `(a..b)`.
pub fn operand(c: &mut Cursor<'_>) -> Result<Operand> {
    if c.eat("(") {
        let a = value(c)?;
        c.expect("..")?;
        let b = value(c)?;
        c.expect(")")?;
        return Ok(Operand::Range(a, b));
    }
    Ok(Operand::Expr(value(c)?))
}

/// A value and its filters, as in `{{ … }}` and `assign`.
#[derive(Debug)]
pub struct Chain {
    entry: Operand,
    filters: Vec<Box<dyn Filter>>,
}

impl Chain {
    pub fn evaluate<'s>(&'s self, runtime: &'s dyn Runtime) -> Result<ValueCow<'s>> {
        let mut value = self.entry.evaluate(runtime)?;
        for f in &self.filters {
            value = ValueCow::Owned(f.evaluate(value.as_view(), runtime)?);
        }
        Ok(value)
    }
}

/// `value | name: arg, key: arg | …`; every filter is looked up in `lang`.
pub fn chain(c: &mut Cursor<'_>, lang: &Language) -> Result<Chain> {
    let entry = operand(c)?;
    let mut filters = Vec::new();
    while c.eat("|") {
        let name = c.ident()?;
        let (mut positional, mut keyword) = (Vec::new(), Vec::new());
        if c.eat(":") {
            loop {
                let named = matches!(
                    (c.peek(), c.peek_at(1)),
                    (Some(Tok::Ident(_)), Some(Tok::Sym(":")))
                );
                if named {
                    let key = c.ident()?;
                    c.expect(":")?;
                    keyword.push((key, value(c)?));
                } else {
                    positional.push(value(c)?);
                }
                if !c.eat(",") {
                    break;
                }
            }
        }
        let parse = lang
            .filters
            .get(&name)
            .ok_or_else(|| Error::with_msg(format!("unknown filter `{name}`")))?;
        let args = FilterArguments {
            positional: Box::new(positional.into_iter()),
            keyword: Box::new(keyword.iter().map(|(k, v)| (k.as_str(), v.clone()))),
        };
        filters.push(parse.parse(args)?);
    }
    Ok(Chain { entry, filters })
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Contains,
}

/// A condition; `and`/`or` bind from the right, as in Shopify Liquid.
#[derive(Debug, Clone)]
pub enum Cond {
    Test(Box<(Operand, Option<(Op, Operand)>)>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
}

pub fn condition(c: &mut Cursor<'_>) -> Result<Cond> {
    let left = operand(c)?;
    let op = match c.peek() {
        Some(Tok::Sym("==")) => Some(Op::Eq),
        Some(Tok::Sym("!=" | "<>")) => Some(Op::Ne),
        Some(Tok::Sym("<")) => Some(Op::Lt),
        Some(Tok::Sym(">")) => Some(Op::Gt),
        Some(Tok::Sym("<=")) => Some(Op::Le),
        Some(Tok::Sym(">=")) => Some(Op::Ge),
        Some(Tok::Ident(w)) if w == "contains" => Some(Op::Contains),
        _ => None,
    };
    let test = match op {
        Some(op) => {
            c.next();
            Cond::Test(Box::new((left, Some((op, operand(c)?)))))
        }
        None => Cond::Test(Box::new((left, None))),
    };
    if c.eat_word("and") {
        return Ok(Cond::And(Box::new(test), Box::new(condition(c)?)));
    }
    if c.eat_word("or") {
        return Ok(Cond::Or(Box::new(test), Box::new(condition(c)?)));
    }
    Ok(test)
}

impl Cond {
    pub fn evaluate(&self, runtime: &dyn Runtime) -> Result<bool> {
        match self {
            Cond::And(a, b) => Ok(a.evaluate(runtime)? && b.evaluate(runtime)?),
            Cond::Or(a, b) => Ok(a.evaluate(runtime)? || b.evaluate(runtime)?),
            Cond::Not(a) => Ok(!a.evaluate(runtime)?),
            Cond::Test(test) => match &**test {
                (v, None) => Ok(truthy(v.evaluate(runtime)?.as_view())),
                (a, Some((op, b))) => {
                    let (a, b) = (a.evaluate(runtime)?, b.evaluate(runtime)?);
                    compare(a.as_view(), *op, b.as_view())
                }
            },
        }
    }
}

/// Liquid's truth: everything but nil and false.
pub fn truthy(v: &dyn ValueView) -> bool {
    let falsy = is_bool(v) && v.as_scalar().and_then(|s| s.to_bool()) == Some(false);
    !(v.is_nil() || falsy)
}

fn is_bool(v: &dyn ValueView) -> bool {
    v.type_name() == "boolean"
}

fn is_number(v: &dyn ValueView) -> bool {
    matches!(v.type_name(), "whole number" | "fractional number")
}

fn is_string(v: &dyn ValueView) -> bool {
    v.type_name() == "string"
}

pub fn compare(a: &dyn ValueView, op: Op, b: &dyn ValueView) -> Result<bool> {
    let order = |want: fn(Ordering) -> bool| -> Result<bool> {
        if is_number(a) && is_number(b) {
            let (x, y) = (to_number(a).as_float(), to_number(b).as_float());
            return Ok(x.partial_cmp(&y).is_some_and(want));
        }
        if is_string(a) && is_string(b) {
            return Ok(want(a.to_kstr().cmp(&b.to_kstr())));
        }
        if (is_string(a) && is_number(b)) || (is_number(a) && is_string(b)) {
            return Err(Error::with_msg(format!(
                "comparison of {} with {} failed",
                a.source(),
                b.source()
            )));
        }
        Ok(false)
    };
    match op {
        Op::Eq => Ok(equal(a, b)),
        Op::Ne => Ok(!equal(a, b)),
        Op::Lt => order(|o| o == Ordering::Less),
        Op::Gt => order(|o| o == Ordering::Greater),
        Op::Le => order(|o| o != Ordering::Greater),
        Op::Ge => order(|o| o != Ordering::Less),
        Op::Contains => Ok(contains(a, b)),
    }
}

/// Liquid's `==`: numbers by value, strings and booleans by type and value, arrays and
/// objects item by item; `empty` and `blank` ask the other side.
pub fn equal(a: &dyn ValueView, b: &dyn ValueView) -> bool {
    match (a.as_state(), b.as_state()) {
        (Some(s), None) => return b.query_state(s),
        (None, Some(s)) => return a.query_state(s),
        (Some(x), Some(y)) => return x == y,
        (None, None) => {}
    }
    if a.is_nil() || b.is_nil() {
        return a.is_nil() && b.is_nil();
    }
    if let (Some(x), Some(y)) = (a.as_array(), b.as_array()) {
        return x.size() == y.size() && x.values().zip(y.values()).all(|(p, q)| equal(p, q));
    }
    if let (Some(x), Some(y)) = (a.as_object(), b.as_object()) {
        return x.size() == y.size()
            && x.iter()
                .all(|(k, v)| y.get(&k).is_some_and(|w| equal(v, w)));
    }
    if is_number(a) && is_number(b) {
        return to_number(a).as_float() == to_number(b).as_float();
    }
    if a.is_scalar() && b.is_scalar() && a.type_name() == b.type_name() {
        return a.to_kstr() == b.to_kstr();
    }
    false
}

/// `contains`: a substring of a string, an item of an array, a key of an object; false when
/// either side is nil or the right is false.
pub fn contains(a: &dyn ValueView, b: &dyn ValueView) -> bool {
    if !truthy(b) {
        return false;
    }
    if let Some(items) = a.as_array() {
        return items.values().any(|x| equal(x, b));
    }
    if let Some(o) = a.as_object() {
        return o.contains_key(&b.to_kstr());
    }
    if is_string(a) {
        return a.to_kstr().contains(b.to_kstr().as_str());
    }
    false
}
