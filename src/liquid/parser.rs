//! The structure of a template: the pieces of `lexer` nested into blocks and built into the
//! crate's `Template`s of our tags (`tags`, `runtime::For`). Blank blocks are suppressed as
//! Shopify Liquid does: a block whose every branch holds only whitespace and tags that print
//! nothing (`assign`, `capture`, `comment`, blank blocks) renders no whitespace either.

use liquid_core::model::KString;
use liquid_core::{Error, Language, Renderable, Result, Template};

use super::expr::{chain, condition, operand, value, Cond, Cursor, Operand};
use super::lexer::{pieces, tokens, Piece, Tok};
use super::runtime::For;
use super::tags::{Arm, Assign, Capture, Case, Counter, Cycle, If, IfChanged, Output, Stop, Text};

/// Parses a template with the filters of `lang`.
pub fn parse(text: &str, lang: &Language) -> Result<Template> {
    let pieces = pieces(text).map_err(Error::with_msg)?;
    let mut p = Parser {
        pieces,
        pos: 0,
        lang,
    };
    let (body, _) = p.body(&[], "")?;
    Ok(body.template(false))
}

struct Node {
    r: Box<dyn Renderable>,
    blank: bool,
    /// Text that is only whitespace.
    space: bool,
}

impl Node {
    fn new(r: impl Renderable + 'static, blank: bool) -> Self {
        Node {
            r: Box::new(r),
            blank,
            space: false,
        }
    }
}

#[derive(Default)]
struct Body(Vec<Node>);

impl Body {
    fn blank(&self) -> bool {
        self.0.iter().all(|n| n.blank)
    }
    /// The body as a template; `strip` drops its whitespace text (a blank block).
    fn template(self, strip: bool) -> Template {
        Template::new(
            self.0
                .into_iter()
                .filter(|n| !(strip && n.space))
                .map(|n| n.r)
                .collect(),
        )
    }
}

struct Parser<'a> {
    pieces: Vec<Piece<'a>>,
    pos: usize,
    lang: &'a Language,
}

/// With the markup's tokens in a cursor.
fn with_tokens<T>(markup: &str, f: impl FnOnce(&mut Cursor<'_>) -> Result<T>) -> Result<T> {
    let toks = tokens(markup).map_err(Error::with_msg)?;
    let mut c = Cursor::new(&toks, markup);
    let out = f(&mut c)?;
    c.end()?;
    Ok(out)
}

impl<'a> Parser<'a> {
    /// Nodes up to a tag named in `ends` (returned with its arguments); `block` names the
    /// block for the error when the template ends first.
    fn body(&mut self, ends: &[&str], block: &str) -> Result<(Body, (&'a str, &'a str))> {
        let mut body = Body::default();
        loop {
            let Some(piece) = self.pieces.get(self.pos).cloned() else {
                if ends.is_empty() {
                    return Ok((body, ("", "")));
                }
                return Err(Error::with_msg(format!(
                    "'{block}' tag was never closed ({{% {} %}} expected)",
                    ends[ends.len() - 1]
                )));
            };
            self.pos += 1;
            match piece {
                Piece::Text(t) => {
                    let space = t.trim().is_empty();
                    body.0.push(Node {
                        r: Box::new(Text(t.to_string())),
                        blank: space,
                        space,
                    });
                }
                Piece::Output { markup, .. } => {
                    let c = with_tokens(markup, |c| chain(c, self.lang))?;
                    body.0.push(Node::new(Output(c), false));
                }
                Piece::Tag { name, args, .. } if ends.contains(&name) => {
                    return Ok((body, (name, args)));
                }
                Piece::Tag { name, args, .. } => body.0.push(self.tag(name, args)?),
            }
        }
    }

    fn tag(&mut self, name: &'a str, args: &'a str) -> Result<Node> {
        let lang = self.lang;
        Ok(match name {
            "assign" => {
                let (name, value) = with_tokens(args, |c| {
                    let name = c.ident()?;
                    c.expect("=")?;
                    Ok((name, chain(c, lang)?))
                })?;
                Node::new(
                    Assign {
                        name: name.into(),
                        value,
                    },
                    true,
                )
            }
            "capture" => {
                let name = with_tokens(args, name_arg)?;
                let (body, _) = self.body(&["endcapture"], "capture")?;
                let body = body.template(false);
                Node::new(Capture { name, body }, true)
            }
            "cycle" => Node::new(with_tokens(args, |c| cycle(c, args))?, false),
            "increment" | "decrement" => {
                let step = if name == "increment" { 1 } else { -1 };
                let name = with_tokens(args, name_arg)?;
                Node::new(Counter { name, step }, false)
            }
            "break" | "continue" => {
                with_tokens(args, |_| Ok(()))?;
                Node::new(Stop(name == "break"), false)
            }
            "comment" => {
                self.skip_comment()?;
                Node::new(Text(String::new()), true)
            }
            "#" => Node::new(Text(String::new()), true),
            "raw" => {
                with_tokens(args, |_| Ok(()))?;
                let mut text = String::new();
                while let Some(Piece::Text(t)) = self.pieces.get(self.pos) {
                    text.push_str(t);
                    self.pos += 1;
                }
                self.pos += 1; // the `endraw` the lexer placed
                let blank = text.is_empty();
                Node::new(Text(text), blank)
            }
            "if" | "unless" => {
                let first = with_tokens(args, condition)?;
                let first = if name == "unless" {
                    Cond::Not(Box::new(first))
                } else {
                    first
                };
                let end = if name == "if" { "endif" } else { "endunless" };
                self.conditional(first, name, end)?
            }
            "case" => self.case(args)?,
            "for" => self.for_loop(args)?,
            "ifchanged" => {
                with_tokens(args, |_| Ok(()))?;
                let (body, _) = self.body(&["endifchanged"], "ifchanged")?;
                let blank = body.blank();
                Node::new(IfChanged(body.template(blank)), blank)
            }
            "else" | "elsif" | "when" => {
                return Err(Error::with_msg(format!("unexpected tag '{name}'")))
            }
            _ if name.starts_with("end") => {
                return Err(Error::with_msg(format!("unexpected tag '{name}'")))
            }
            _ => return Err(Error::with_msg(format!("unknown tag '{name}'"))),
        })
    }

    /// Skips a comment's body up to its `endcomment` (comments nest).
    fn skip_comment(&mut self) -> Result<()> {
        let mut depth = 1;
        while let Some(piece) = self.pieces.get(self.pos) {
            self.pos += 1;
            match piece {
                Piece::Tag {
                    name: "comment", ..
                } => depth += 1,
                Piece::Tag {
                    name: "endcomment", ..
                } => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(Error::with_msg("'comment' tag was never closed"))
    }

    /// The branches of `if`/`unless` up to `end`; branches after the first `else` are
    /// parsed and ignored, as Shopify Liquid ignores them.
    fn conditional(&mut self, first: Cond, block: &str, end: &str) -> Result<Node> {
        let mut arms: Vec<(Option<Cond>, Body)> = Vec::new();
        let mut current = Some(Some(first));
        let mut seen_else = false;
        loop {
            let (body, (tag, args)) = self.body(&["elsif", "else", end], block)?;
            if let Some(cond) = current.take() {
                arms.push((cond, body));
            }
            match tag {
                "elsif" => {
                    let cond = with_tokens(args, condition)?;
                    current = (!seen_else).then_some(Some(cond));
                }
                "else" => {
                    current = (!seen_else).then_some(None);
                    seen_else = true;
                }
                _ => break,
            }
        }
        let blank = arms.iter().all(|(_, b)| b.blank());
        let mut node = If {
            branches: Vec::new(),
            otherwise: None,
        };
        for (cond, body) in arms {
            match cond {
                Some(c) => node.branches.push((c, body.template(blank))),
                None => node.otherwise = Some(body.template(blank)),
            }
        }
        Ok(Node::new(node, blank))
    }

    fn case(&mut self, args: &'a str) -> Result<Node> {
        let subject = with_tokens(args, operand)?;
        let ends = ["when", "else", "endcase"];
        let (_, (mut tag, mut args)) = self.body(&ends, "case")?;
        let mut arms: Vec<(Option<Vec<Operand>>, Body)> = Vec::new();
        while tag != "endcase" {
            let values = match tag {
                "when" => Some(when_values(args)?),
                _ => None,
            };
            let (body, (t, a)) = self.body(&ends, "case")?;
            arms.push((values, body));
            (tag, args) = (t, a);
        }
        let blank = arms.iter().all(|(_, b)| b.blank());
        let arms = arms
            .into_iter()
            .map(|(values, body)| match values {
                Some(v) => Arm::When(v, body.template(blank)),
                None => Arm::Else(body.template(blank)),
            })
            .collect();
        Ok(Node::new(Case { subject, arms }, blank))
    }

    fn for_loop(&mut self, args: &'a str) -> Result<Node> {
        let mut f = with_tokens(args, For::parse)?;
        let (body, (tag, _)) = self.body(&["else", "endfor"], "for")?;
        let mut blank = body.blank();
        let mut empty = None;
        if tag == "else" {
            let (e, _) = self.body(&["endfor"], "for")?;
            blank &= e.blank();
            empty = Some(e);
        }
        f.body = body.template(blank);
        f.empty = empty.map(|e| e.template(blank));
        Ok(Node::new(f, blank))
    }
}

/// A tag's one name argument (`capture x`, `increment x`; a quoted name too).
fn name_arg(c: &mut Cursor<'_>) -> Result<KString> {
    match c.next() {
        Some(Tok::Ident(w)) => Ok(KString::from_ref(w)),
        Some(Tok::Str(s)) => Ok(KString::from_ref(s)),
        _ => Err(c.error("a name expected")),
    }
}

/// `when a, b or c`; as in Shopify Liquid, what follows the values unseparated is ignored.
fn when_values(args: &str) -> Result<Vec<Operand>> {
    let toks = tokens(args).map_err(Error::with_msg)?;
    let mut c = Cursor::new(&toks, args);
    let mut values = vec![operand(&mut c)?];
    while c.eat(",") || c.eat_word("or") {
        values.push(operand(&mut c)?);
    }
    Ok(values)
}

/// `cycle [group:] value, value, …`.
fn cycle(c: &mut Cursor<'_>, args: &str) -> Result<Cycle> {
    let first = value(c)?;
    let (group, mut values) = if c.eat(":") {
        (Some(first), vec![value(c)?])
    } else {
        (None, vec![first])
    };
    while c.eat(",") {
        values.push(value(c)?);
    }
    let key = args.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(Cycle { group, key, values })
}
