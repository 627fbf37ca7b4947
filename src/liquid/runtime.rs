//! Studio's runtime semantics, through the crate's extension points: `Lenient`, a `Runtime`
//! that answers a variable it can't find (`widgets.none.parsed`, `list[i]` past the end) with
//! nil as Studio does, and `For`, Twilio's `for` tag: at most 15 iterations per loop
//! (Studio FAQ; the rest are dropped, the loop is not an error), counted against the render's
//! budget, with `limit`, `offset` (also `offset: continue`), `reversed`, `else`,
//! `break`/`continue` and `forloop` (`name`, `length`, `index`, … `parentloop`).

use std::io::Write;

use liquid_core::model::{KString, Object, ScalarCow, Value, ValueCow, ValueView};
use liquid_core::runtime::{Interrupt, InterruptRegister, PartialStore, Registers, StackFrame};
use liquid_core::{Error, Expression, Renderable, Result, Runtime, Template};

use super::expr::{bounds, operand, value, Cursor, Operand};
use super::limits::{Budget, MAX_LOOP_ITERATIONS};

/// A runtime whose failed lookups are nil.
pub struct Lenient<R>(pub R);

impl<R: Runtime> Runtime for Lenient<R> {
    fn partials(&self) -> &dyn PartialStore {
        self.0.partials()
    }
    fn name(&self) -> Option<liquid_core::model::KStringRef<'_>> {
        self.0.name()
    }
    fn roots(&self) -> std::collections::BTreeSet<liquid_core::model::KStringCow<'_>> {
        self.0.roots()
    }
    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        self.0.try_get(path)
    }
    fn get(&self, path: &[ScalarCow<'_>]) -> Result<ValueCow<'_>> {
        Ok(self.0.try_get(path).unwrap_or(ValueCow::Owned(Value::Nil)))
    }
    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        self.0.set_global(name, val)
    }
    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        self.0.set_index(name, val)
    }
    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        self.0.get_index(name)
    }
    fn registers(&self) -> &Registers {
        self.0.registers()
    }
}

/// `{% for x in items|(a..b) [limit: n] [offset: n|continue] [reversed] %}…[{% else %}…]{% endfor %}`.
#[derive(Debug)]
pub struct For {
    var: KString,
    items: Operand,
    limit: Option<Expression>,
    offset: Option<Expression>,
    /// `offset: continue`: start where the last loop of this name stopped.
    resume: bool,
    /// `var-collection`, as Liquid names a loop (`item-product.tags`, `i-(1..3)`).
    name: String,
    reversed: bool,
    pub body: Template,
    pub empty: Option<Template>,
}

impl For {
    /// The loop's arguments (its bodies are filled in by the parser).
    pub fn parse(c: &mut Cursor<'_>) -> Result<For> {
        let var = c.ident()?;
        if !c.eat_word("in") {
            return Err(c.error("`in` expected"));
        }
        let from = c.position();
        let items = operand(c)?;
        let name = format!("{var}-{}", c.between(from, c.position()));
        let (mut limit, mut offset, mut resume, mut reversed) = (None, None, false, false);
        while !c.done() {
            if c.eat_word("limit") {
                c.expect(":")?;
                limit = Some(value(c)?);
            } else if c.eat_word("offset") {
                c.expect(":")?;
                if c.eat_word("continue") {
                    resume = true;
                } else {
                    offset = Some(value(c)?);
                }
            } else if c.eat_word("reversed") {
                reversed = true;
            } else if !c.eat(",") {
                return Err(c.error("`limit`, `offset` or `reversed` expected"));
            }
        }
        Ok(For {
            var: KString::from(var),
            items,
            limit,
            offset,
            resume,
            name,
            reversed,
            body: Template::new(Vec::new()),
            empty: None,
        })
    }
}

/// Where each named loop stopped, for `offset: continue`.
#[derive(Default)]
struct Offsets(std::collections::HashMap<String, usize>);

/// A `limit`/`offset` value: a whole number or text that reads as one, else an error.
fn count(expr: &Expression, runtime: &dyn Runtime) -> Result<usize> {
    let v = expr.evaluate(runtime)?;
    let n = v
        .as_scalar()
        .and_then(|s| s.to_integer().or_else(|| s.to_kstr().trim().parse().ok()));
    n.map(|n: i64| n.max(0) as usize)
        .ok_or_else(|| Error::with_msg(format!("Expected a whole number, found `{}`", v.source())))
}

impl For {
    /// The items this loop visits: offset, limit, Twilio's cap, then `reversed`.
    fn items(&self, runtime: &dyn Runtime) -> Result<Vec<Value>> {
        let offset = match &self.offset {
            Some(e) => count(e, runtime)?,
            None if self.resume => {
                let offsets = runtime.registers().get_mut::<Offsets>();
                offsets.0.get(&self.name).copied().unwrap_or(0)
            }
            None => 0,
        };
        let limit = match &self.limit {
            Some(e) => count(e, runtime)?,
            None => usize::MAX,
        };
        let take = limit.min(MAX_LOOP_ITERATIONS);
        let mut items: Vec<Value> = match &self.items {
            Operand::Range(a, b) => {
                let (a, b) = bounds(a, b, runtime)?;
                let first = a.saturating_add(offset as i64);
                (0..take as i64)
                    .map_while(|i| first.checked_add(i).filter(|x| *x <= b))
                    .map(Value::scalar)
                    .collect()
            }
            Operand::Expr(e) => {
                let v = e.evaluate(runtime)?;
                let all: Box<dyn Iterator<Item = Value>> = if let Some(a) = v.as_array() {
                    Box::new(a.values().map(|x| x.to_value()))
                } else if let Some(o) = v.as_object() {
                    Box::new(o.iter().map(|(k, x)| {
                        Value::Array(vec![Value::scalar(k.into_owned()), x.to_value()])
                    }))
                } else if v.as_scalar().is_some_and(|s| {
                    s.to_integer().is_none()
                        && s.to_float().is_none()
                        && s.to_bool().is_none()
                        && !s.to_kstr().is_empty()
                }) {
                    Box::new(std::iter::once(v.to_value())) // a string: one item
                } else {
                    Box::new(std::iter::empty())
                };
                all.skip(offset).take(take).collect()
            }
        };
        let mut offsets = runtime.registers().get_mut::<Offsets>();
        offsets.0.insert(self.name.clone(), offset + items.len());
        if self.reversed {
            items.reverse();
        }
        Ok(items)
    }
}

impl Renderable for For {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let items = self.items(runtime)?;
        if items.is_empty() {
            if let Some(t) = &self.empty {
                t.render_to(writer, runtime)?;
            }
            return Ok(());
        }
        let parent = runtime.try_get(&[ScalarCow::new("forloop")]);
        let parent = parent.map(|p| p.into_owned());
        let len = items.len() as i64;
        for (i, item) in items.into_iter().enumerate() {
            runtime
                .registers()
                .get_mut::<Budget>()
                .iterate()
                .map_err(Error::with_msg)?;
            let i = i as i64;
            let mut forloop = Object::new();
            for (k, v) in [
                ("length", len),
                ("index", i + 1),
                ("index0", i),
                ("rindex", len - i),
                ("rindex0", len - i - 1),
            ] {
                forloop.insert(k.into(), Value::scalar(v));
            }
            forloop.insert("name".into(), Value::scalar(self.name.clone()));
            forloop.insert("first".into(), Value::scalar(i == 0));
            forloop.insert("last".into(), Value::scalar(i == len - 1));
            if let Some(p) = &parent {
                forloop.insert("parentloop".into(), p.clone());
            }
            let mut frame = Object::new();
            frame.insert("forloop".into(), Value::Object(forloop));
            frame.insert(self.var.clone(), item);
            let scope = Lenient(StackFrame::new(runtime, &frame));
            self.body.render_to(writer, &scope)?;
            let interrupt = scope.registers().get_mut::<InterruptRegister>().reset();
            if let Some(Interrupt::Break) = interrupt {
                break;
            }
        }
        Ok(())
    }
}
