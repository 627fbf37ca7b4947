//! Tokenizer for the TaskRouter expression language.
//!
//! It owns the character-level rules: quoting and escapes in strings, number syntax (including
//! a leading minus), identifiers with dots, case-insensitive keywords and the operator symbols.
//! Every token carries the byte offset where it starts so the parser can report positions.

use super::ExprError;

/// The kind of a token, with its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An identifier or dotted attribute path, as written.
    Ident(String),
    /// A quoted string with escapes resolved.
    Str(String),
    /// A number literal.
    Num(serde_json::Number),
    True,
    False,
    Null,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Has,
    Contains,
    In,
    Not,
    And,
    Or,
    Eof,
}

/// A token and where it starts in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte offset of the first character.
    pub pos: usize,
    /// The source text of the token (empty for end of input).
    pub text: String,
}

/// Splits the source into tokens, ending with a single `Eof` token.
pub fn tokenize(src: &str) -> Result<Vec<Token>, ExprError> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.kind == TokenKind::Eof;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        let mut chars = self.src[self.pos..].chars();
        chars.next();
        chars.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token {
            kind,
            pos: start,
            text: self.src[start..self.pos].to_string(),
        }
    }

    fn next_token(&mut self) -> Result<Token, ExprError> {
        self.skip_whitespace();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(self.token(TokenKind::Eof, start));
        };
        if c == '\'' || c == '"' {
            return self.string(c);
        }
        if c.is_ascii_digit()
            || (c == '-' && self.peek_second().is_some_and(|d| d.is_ascii_digit()))
        {
            return self.number();
        }
        if c.is_alphabetic() || c == '_' {
            return Ok(self.word());
        }
        self.symbol(c)
    }

    fn symbol(&mut self, c: char) -> Result<Token, ExprError> {
        let start = self.pos;
        self.bump();
        let next = self.peek();
        let two = |lexer: &mut Self, kind| {
            lexer.bump();
            Ok(lexer.token(kind, start))
        };
        match (c, next) {
            ('=', Some('=')) => two(self, TokenKind::Eq),
            ('!', Some('=')) => two(self, TokenKind::Ne),
            ('>', Some('=')) => two(self, TokenKind::Ge),
            ('<', Some('=')) => two(self, TokenKind::Le),
            ('&', Some('&')) => two(self, TokenKind::And),
            ('|', Some('|')) => two(self, TokenKind::Or),
            ('=', _) => Ok(self.token(TokenKind::Eq, start)),
            ('>', _) => Ok(self.token(TokenKind::Gt, start)),
            ('<', _) => Ok(self.token(TokenKind::Lt, start)),
            ('(', _) => Ok(self.token(TokenKind::LParen, start)),
            (')', _) => Ok(self.token(TokenKind::RParen, start)),
            ('[', _) => Ok(self.token(TokenKind::LBracket, start)),
            (']', _) => Ok(self.token(TokenKind::RBracket, start)),
            (',', _) => Ok(self.token(TokenKind::Comma, start)),
            _ => Err(ExprError::new(start, format!("unexpected character {c:?}"))),
        }
    }

    fn string(&mut self, quote: char) -> Result<Token, ExprError> {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(ExprError::new(start, "unterminated string")),
                Some(c) if c == quote => return Ok(self.token(TokenKind::Str(value), start)),
                Some('\\') => match self.bump() {
                    Some(escaped) => value.push(escaped),
                    None => return Err(ExprError::new(start, "unterminated string")),
                },
                Some(c) => value.push(c),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let mut count = 0;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            count += 1;
        }
        count
    }

    fn number(&mut self) -> Result<Token, ExprError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.bump();
        }
        self.digits();
        let mut is_decimal = false;
        if self.peek() == Some('.') {
            let dot = self.pos;
            self.bump();
            if self.digits() == 0 {
                return Err(ExprError::new(dot, "expected a digit after '.'"));
            }
            is_decimal = true;
        }
        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            return Err(ExprError::new(
                self.pos,
                "expected an operator after a number",
            ));
        }
        let text = &self.src[start..self.pos];
        let number = parse_number(text, is_decimal)
            .ok_or_else(|| ExprError::new(start, "number out of range"))?;
        Ok(self.token(TokenKind::Num(number), start))
    }

    fn word(&mut self) -> Token {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            self.bump();
        }
        let text = &self.src[start..self.pos];
        let kind = keyword(text).unwrap_or_else(|| TokenKind::Ident(text.to_string()));
        self.token(kind, start)
    }
}

fn parse_number(text: &str, is_decimal: bool) -> Option<serde_json::Number> {
    if !is_decimal {
        if let Ok(i) = text.parse::<i64>() {
            return Some(i.into());
        }
    }
    let f = text.parse::<f64>().ok()?;
    if f.is_finite() {
        serde_json::Number::from_f64(f)
    } else {
        None
    }
}

fn keyword(text: &str) -> Option<TokenKind> {
    let kind = match text.to_ascii_uppercase().as_str() {
        "AND" => TokenKind::And,
        "OR" => TokenKind::Or,
        "NOT" => TokenKind::Not,
        "IN" => TokenKind::In,
        "HAS" => TokenKind::Has,
        "CONTAINS" => TokenKind::Contains,
        "TRUE" => TokenKind::True,
        "FALSE" => TokenKind::False,
        "NULL" => TokenKind::Null,
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src)
            .expect("tokenizes")
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn ident(s: &str) -> TokenKind {
        TokenKind::Ident(s.to_string())
    }

    #[test]
    fn operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("== = != > < >= <= && || ( ) [ ] ,"),
            vec![
                Eq, Eq, Ne, Gt, Lt, Ge, Le, And, Or, LParen, RParen, LBracket, RBracket, Comma, Eof
            ]
        );
    }

    #[test]
    fn keywords_are_case_insensitive() {
        use TokenKind::*;
        assert_eq!(
            kinds("and Or NOT in has Contains TRUE false Null"),
            vec![And, Or, Not, In, Has, Contains, True, False, Null, Eof]
        );
    }

    #[test]
    fn identifiers_keep_dots() {
        assert_eq!(
            kinds("task.customer.tier worker_x"),
            vec![
                ident("task.customer.tier"),
                ident("worker_x"),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn strings_in_both_quotes_with_escapes() {
        assert_eq!(
            kinds(r#"'a b' "c'd" 'it\'s'"#),
            vec![
                TokenKind::Str("a b".into()),
                TokenKind::Str("c'd".into()),
                TokenKind::Str("it's".into()),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("1 -2 3.5 -0.25"),
            vec![
                TokenKind::Num(1.into()),
                TokenKind::Num((-2).into()),
                TokenKind::Num(serde_json::Number::from_f64(3.5).expect("finite")),
                TokenKind::Num(serde_json::Number::from_f64(-0.25).expect("finite")),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn huge_integer_becomes_float_and_absurd_one_errors() {
        assert!(matches!(
            kinds("99999999999999999999")[0],
            TokenKind::Num(_)
        ));
        let absurd = "9".repeat(400);
        assert_eq!(tokenize(&absurd).unwrap_err().position, 0);
    }

    #[test]
    fn positions_are_byte_offsets() {
        let tokens = tokenize("é == 'x'").expect("tokenizes");
        assert_eq!(tokens[0].pos, 0);
        assert_eq!(tokens[1].pos, 3);
        assert_eq!(tokens[2].pos, 6);
        assert_eq!(tokens[3].pos, 9);
    }

    #[test]
    fn errors() {
        let e = tokenize("a == 'abc").unwrap_err();
        assert_eq!((e.position, e.reason()), (5, "unterminated string"));
        let e = tokenize("a ! b").unwrap_err();
        assert_eq!(e.position, 2);
        assert_eq!(e.message, "unexpected character '!' at position 2");
        assert_eq!(tokenize("a & b").unwrap_err().position, 2);
        assert_eq!(tokenize("x == 1.").unwrap_err().position, 6);
        assert_eq!(tokenize("x == 12abc").unwrap_err().position, 7);
        assert_eq!(tokenize("x == 'a\\").unwrap_err().position, 5);
        assert_eq!(tokenize("x == 😀").unwrap_err().position, 5);
    }
}
