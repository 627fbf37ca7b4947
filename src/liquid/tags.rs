//! What the parsed tags do when rendered, as crate `Renderable`s run by the crate's runtime:
//! text, `{{ output }}` (values printed as Shopify Liquid prints them: `5.0`, arrays joined,
//! nil empty), `assign`, `capture`, `cycle`, `increment`/`decrement`, `break`/`continue`,
//! `if`/`unless`, `case` and `ifchanged`.

use std::collections::HashMap;
use std::io::Write;

use liquid_core::model::{KString, Value, ValueView};
use liquid_core::runtime::{Interrupt, InterruptRegister};
use liquid_core::{Error, Expression, Renderable, Result, Runtime, Template};

use super::expr::{equal, Chain, Cond, Operand};
use super::filters::print;
use super::limits::BoundedOutput;

fn write(w: &mut dyn Write, s: &str) -> Result<()> {
    w.write_all(s.as_bytes())
        .map_err(|e| Error::with_msg(format!("the output could not be written: {e}")))
}

#[derive(Debug)]
pub struct Text(pub String);

impl Renderable for Text {
    fn render_to(&self, w: &mut dyn Write, _: &dyn Runtime) -> Result<()> {
        write(w, &self.0)
    }
}

#[derive(Debug)]
pub struct Output(pub Chain);

impl Renderable for Output {
    fn render_to(&self, w: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let v = self.0.evaluate(runtime)?;
        let mut s = String::new();
        print(v.as_view(), &mut s);
        write(w, &s)
    }
}

#[derive(Debug)]
pub struct Assign {
    pub name: KString,
    pub value: Chain,
}

impl Renderable for Assign {
    fn render_to(&self, _: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let v = self.value.evaluate(runtime)?.into_owned();
        runtime.set_global(self.name.clone(), v);
        Ok(())
    }
}

/// Renders a template into a string, within the output budget.
pub fn render_string(t: &Template, runtime: &dyn Runtime) -> Result<String> {
    let mut out = BoundedOutput::default();
    t.render_to(&mut out, runtime)?;
    Ok(String::from_utf8_lossy(&out.bytes).into_owned())
}

#[derive(Debug)]
pub struct Capture {
    pub name: KString,
    pub body: Template,
}

impl Renderable for Capture {
    fn render_to(&self, _: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let s = render_string(&self.body, runtime)?;
        runtime.set_global(self.name.clone(), Value::scalar(s));
        Ok(())
    }
}

/// Where each cycle stands: named cycles by their name's value, unnamed ones by their values.
#[derive(Default)]
struct Cycles(HashMap<(bool, String), usize>);

#[derive(Debug)]
pub struct Cycle {
    pub group: Option<Expression>,
    pub key: String,
    pub values: Vec<Expression>,
}

impl Renderable for Cycle {
    fn render_to(&self, w: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let key = match &self.group {
            Some(g) => (true, g.evaluate(runtime)?.to_kstr().to_string()),
            None => (false, self.key.clone()),
        };
        let at = runtime
            .registers()
            .get_mut::<Cycles>()
            .0
            .get(&key)
            .copied()
            .unwrap_or(0);
        if let Some(v) = self.values.get(at) {
            let mut s = String::new();
            print(v.evaluate(runtime)?.as_view(), &mut s);
            write(w, &s)?;
        }
        let next = if at + 1 >= self.values.len() {
            0
        } else {
            at + 1
        };
        runtime.registers().get_mut::<Cycles>().0.insert(key, next);
        Ok(())
    }
}

/// `increment` (prints, then adds one) and `decrement` (subtracts one, then prints); their
/// counters start at 0 and are apart from assigned variables.
#[derive(Debug)]
pub struct Counter {
    pub name: KString,
    pub step: i64,
}

impl Renderable for Counter {
    fn render_to(&self, w: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let now = runtime
            .get_index(&self.name)
            .and_then(|v| v.as_scalar().and_then(|s| s.to_integer()))
            .unwrap_or(0);
        let next = now.saturating_add(self.step);
        write(w, &(if self.step > 0 { now } else { next }).to_string())?;
        runtime.set_index(self.name.clone(), Value::scalar(next));
        Ok(())
    }
}

/// `break` (true) or `continue` (false).
#[derive(Debug)]
pub struct Stop(pub bool);

impl Renderable for Stop {
    fn render_to(&self, _: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let i = if self.0 {
            Interrupt::Break
        } else {
            Interrupt::Continue
        };
        runtime.registers().get_mut::<InterruptRegister>().set(i);
        Ok(())
    }
}

/// `if`/`elsif`/`else` and `unless` (its first condition negated): the first true branch.
#[derive(Debug)]
pub struct If {
    pub branches: Vec<(Cond, Template)>,
    pub otherwise: Option<Template>,
}

impl Renderable for If {
    fn render_to(&self, w: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        for (cond, body) in &self.branches {
            if cond.evaluate(runtime)? {
                return body.render_to(w, runtime);
            }
        }
        match &self.otherwise {
            Some(body) => body.render_to(w, runtime),
            None => Ok(()),
        }
    }
}

#[derive(Debug)]
pub enum Arm {
    When(Vec<Operand>, Template),
    Else(Template),
}

/// `case`: as Shopify Liquid 5 runs it, every `when` value equal to the subject renders its
/// body, and an `else` renders where it stands if nothing matched before it.
#[derive(Debug)]
pub struct Case {
    pub subject: Operand,
    pub arms: Vec<Arm>,
}

impl Renderable for Case {
    fn render_to(&self, w: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let subject = self.subject.evaluate(runtime)?;
        let mut matched = false;
        for arm in &self.arms {
            match arm {
                Arm::When(values, body) => {
                    for v in values {
                        if equal(subject.as_view(), v.evaluate(runtime)?.as_view()) {
                            matched = true;
                            body.render_to(w, runtime)?;
                        }
                    }
                }
                Arm::Else(body) if !matched => body.render_to(w, runtime)?,
                Arm::Else(_) => {}
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct LastChanged(Option<String>);

/// `ifchanged`: its body, when that differs from what it rendered last time.
#[derive(Debug)]
pub struct IfChanged(pub Template);

impl Renderable for IfChanged {
    fn render_to(&self, w: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let s = render_string(&self.0, runtime)?;
        let mut last = runtime.registers().get_mut::<LastChanged>();
        if last.0.as_deref() != Some(s.as_str()) {
            write(w, &s)?;
            last.0 = Some(s);
        }
        Ok(())
    }
}
