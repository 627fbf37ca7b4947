//! Liquid's two lexical levels, as Shopify Liquid and Twilio read them:
//! - `pieces`: a template cut into text, `{{ output }}` and `{% tag %}` (each markup runs to the
//!   first closing `}}` / `%}`, so a tag inside a malformed tag is part of it), with whitespace
//!   control applied (`{%-`/`-%}` strip all whitespace, tabs and `\r` too, from the text beside);
//! - `tokens`: the inside of one markup cut into tokens. Whitespace separates tokens and is
//!   otherwise insignificant, so a path may have spaces around its dots (`widgets. name .parsed`),
//!   which Twilio accepts and real flows contain.

/// One piece of a template. `at` is the byte offset of the markup, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    Text(&'a str),
    Output {
        markup: &'a str,
        at: usize,
    },
    Tag {
        name: &'a str,
        args: &'a str,
        at: usize,
    },
}

fn is_space(c: char) -> bool {
    c.is_ascii_whitespace() || c == '\x0b'
}

/// Cuts a template into pieces; `Err` names an unterminated `{{` or `{%`.
pub fn pieces(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let (mut pos, mut trim_next) = (0, false);
    while pos < text.len() {
        let rest = &text[pos..];
        let open = match (rest.find("{{"), rest.find("{%")) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => rest.len(),
        };
        let mut before = &rest[..open];
        if trim_next {
            before = before.trim_start_matches(is_space);
        }
        let at = pos + open;
        if at == text.len() {
            push_text(&mut out, before);
            break;
        }
        let is_tag = text[at..].starts_with("{%");
        let close = if is_tag { "%}" } else { "}}" };
        let Some(len) = text[at + 2..].find(close) else {
            let what = if is_tag { "Tag" } else { "Variable" };
            return Err(format!(
                "{what} '{}' was not properly terminated with '{close}' (at byte {at})",
                &text[at..at + 2]
            ));
        };
        let mut inner = &text[at + 2..at + 2 + len];
        if let Some(i) = inner.strip_prefix('-') {
            inner = i;
            before = before.trim_end_matches(is_space);
        }
        trim_next = false;
        if let Some(i) = inner.strip_suffix('-') {
            inner = i;
            trim_next = true;
        }
        push_text(&mut out, before);
        pos = at + 2 + len + 2;
        if is_tag {
            let (name, args) = tag_parts(inner);
            out.push(Piece::Tag { name, args, at });
            if name == "raw" {
                // The body is text up to `{% endraw %}`, whatever it holds.
                let (end, after, trim) = find_endraw(text, pos)
                    .ok_or_else(|| format!("'raw' tag was never closed (at byte {at})"))?;
                let mut body = &text[pos..end];
                if trim_next {
                    body = body.trim_start_matches(is_space);
                }
                if text[end..].starts_with("{%-") {
                    body = body.trim_end_matches(is_space);
                }
                push_text(&mut out, body);
                out.push(Piece::Tag {
                    name: "endraw",
                    args: "",
                    at: end,
                });
                (pos, trim_next) = (after, trim);
            }
        } else {
            out.push(Piece::Output { markup: inner, at });
        }
    }
    Ok(out)
}

/// A tag's name (a word, or `#` for an inline comment) and its arguments.
fn tag_parts(inner: &str) -> (&str, &str) {
    let inner = inner.trim_matches(is_space);
    let len = if inner.starts_with('#') {
        1
    } else {
        inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len())
    };
    let (name, args) = inner.split_at(len);
    (name, args.trim_matches(is_space))
}

/// The next `{% endraw %}` from `from`: where it starts, where it ends, whether it trims after.
fn find_endraw(text: &str, from: usize) -> Option<(usize, usize, bool)> {
    let mut at = from;
    while let Some(i) = text[at..].find("{%") {
        let start = at + i;
        let len = text[start + 2..].find("%}")?;
        let inner = &text[start + 2..start + 2 + len];
        let bare = inner.strip_prefix('-').unwrap_or(inner);
        let trim = bare.ends_with('-');
        let bare = bare.strip_suffix('-').unwrap_or(bare);
        if bare.trim_matches(is_space) == "endraw" {
            return Some((start, start + 2 + len + 2, trim));
        }
        at = start + 2;
    }
    None
}

fn push_text<'a>(out: &mut Vec<Piece<'a>>, text: &'a str) {
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
}

/// One token of a markup.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name: letters, digits, `_` and inner `-`, optionally ending in `?`.
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    /// Punctuation and operators: `.` `..` `[` `]` `(` `)` `|` `:` `,` `=` `==` `!=` `<>` `<`
    /// `>` `<=` `>=`.
    Sym(&'static str),
}

const SYMBOLS: &[&str] = &[
    "..", "==", "!=", "<>", "<=", ">=", ".", "[", "]", "(", ")", "|", ":", ",", "=", "<", ">",
];

/// A markup's tokens, each with its byte offset in the markup.
pub fn tokens(markup: &str) -> Result<Vec<(Tok, usize)>, String> {
    let b = markup.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if (c as char).is_ascii_whitespace() || c == 0x0b {
            i += 1;
            continue;
        }
        if c == b'\'' || c == b'"' {
            let Some(len) = markup[i + 1..].find(c as char) else {
                return Err(format!("unterminated string in `{markup}`"));
            };
            out.push((Tok::Str(markup[i + 1..i + 1 + len].to_string()), start));
            i += len + 2;
            continue;
        }
        let negative = c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if c.is_ascii_digit() || negative {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let fraction = b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if fraction {
                i += 1;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                let f = markup[start..i]
                    .parse()
                    .map_err(|_| format!("bad number in `{markup}`"))?;
                out.push((Tok::Float(f), start));
            } else {
                let n = markup[start..i].parse().map_err(|_| {
                    "an integer literal is too long (liquid cannot read numbers beyond i64)"
                        .to_string()
                })?;
                out.push((Tok::Int(n), start));
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            i += 1;
            while b
                .get(i)
                .is_some_and(|&d| d.is_ascii_alphanumeric() || d == b'_' || d == b'-')
            {
                i += 1;
            }
            if b.get(i) == Some(&b'?') {
                i += 1;
            }
            out.push((Tok::Ident(markup[start..i].to_string()), start));
            continue;
        }
        match SYMBOLS.iter().find(|s| markup[i..].starts_with(**s)) {
            Some(s) => {
                out.push((Tok::Sym(s), start));
                i += s.len();
            }
            None => {
                let ch = markup[i..].chars().next().unwrap_or('?');
                return Err(format!("unexpected character `{ch}` in `{markup}`"));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_and_whitespace_control() {
        let p = pieces("a \t{%- if x -%}\r\n b{{ y }}").unwrap();
        assert_eq!(
            p,
            vec![
                Piece::Text("a"),
                Piece::Tag {
                    name: "if",
                    args: "x",
                    at: 3
                },
                Piece::Text("b"),
                Piece::Output {
                    markup: " y ",
                    at: 19
                },
            ]
        );
        assert!(pieces("{{ a").is_err());
        assert!(pieces("{% if").is_err());
        // The first `%}` closes a tag, as Shopify's tokenizer reads it.
        let p = pieces("{% comment %}{% assign a = '1'{% endcomment %}").unwrap();
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn tokens_of_a_markup() {
        let t: Vec<Tok> = tokens("widgets. get-name .parsed[0] | plus: -1.5, 'a b' ..")
            .unwrap()
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(
            t,
            vec![
                Tok::Ident("widgets".into()),
                Tok::Sym("."),
                Tok::Ident("get-name".into()),
                Tok::Sym("."),
                Tok::Ident("parsed".into()),
                Tok::Sym("["),
                Tok::Int(0),
                Tok::Sym("]"),
                Tok::Sym("|"),
                Tok::Ident("plus".into()),
                Tok::Sym(":"),
                Tok::Float(-1.5),
                Tok::Sym(","),
                Tok::Str("a b".into()),
                Tok::Sym(".."),
            ]
        );
        assert_eq!(tokens("(1..3)").unwrap().len(), 5);
        assert!(tokens("99999999999999999999").is_err());
        assert!(tokens("'open").is_err());
    }
}
