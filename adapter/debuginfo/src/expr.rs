//! Parser for watch/hover/console expressions: a C-like subset with names, members,
//! `->`, `*`, `&`, indexing, casts, integer arithmetic, comparisons and `$registers`.

use crate::error::ExprError;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
}

/// A type written in a cast: base name and pointer depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSpec {
    /// `int`, `unsigned long`, `struct point`, a typedef name.
    pub base: String,
    /// Number of `*`.
    pub pointers: usize,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// Integer literal.
    Int(i128),
    /// Variable name (may contain `::`).
    Name(String),
    /// `$reg`.
    Register(String),
    /// `a.b`
    Member(Box<Expr>, String),
    /// `a->b`
    Arrow(Box<Expr>, String),
    /// `a[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `*a`
    Deref(Box<Expr>),
    /// `&a`
    AddrOf(Box<Expr>),
    /// `-a`
    Neg(Box<Expr>),
    /// `!a`
    Not(Box<Expr>),
    /// `~a`
    BitNot(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `(type) a`
    Cast(TypeSpec, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    Ident(String),
    Reg(String),
    Punct(&'static str),
}

const PUNCT: &[&str] = &[
    "->", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "::", "+", "-", "*", "/", "%", "<", ">",
    "!", "~", "&", "|", "^", "(", ")", "[", "]", ".",
];

const TYPE_WORDS: &[&str] = &[
    "struct", "union", "enum", "unsigned", "signed", "const", "volatile", "int", "long", "short",
    "char", "float", "double", "void", "_Bool", "bool",
];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let err = |column: usize, message: String| ExprError::Syntax {
        column: column + 1,
        message,
    };
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let text = src[start..i].trim_end_matches(['u', 'U', 'l', 'L']);
            let v = if let Some(h) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                i128::from_str_radix(h, 16)
            } else if text.len() > 1 && text.starts_with('0') {
                i128::from_str_radix(&text[1..], 8)
            } else {
                text.parse::<i128>()
            };
            out.push((
                Tok::Int(
                    v.map_err(|_| err(start, format!("invalid number \"{}\"", &src[start..i])))?,
                ),
                start,
            ));
        } else if c == b'\'' {
            let start = i;
            let (v, len) = match (b.get(i + 1), b.get(i + 2), b.get(i + 3)) {
                (Some(b'\\'), Some(e), Some(b'\'')) => {
                    let v = match e {
                        b'n' => 10,
                        b't' => 9,
                        b'0' => 0,
                        b'r' => 13,
                        other => *other,
                    };
                    (v, 4)
                }
                (Some(ch), Some(b'\''), _) => (*ch, 3),
                _ => return Err(err(start, "unterminated character literal".into())),
            };
            out.push((Tok::Int(v as i128), start));
            i += len;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let start = i;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &src[start..i];
            if let Some(r) = word.strip_prefix('$') {
                if r.is_empty() {
                    return Err(err(start, "expected a register name after '$'".into()));
                }
                out.push((Tok::Reg(r.to_string()), start));
            } else {
                out.push((Tok::Ident(word.to_string()), start));
            }
        } else if let Some(p) = PUNCT.iter().find(|p| src[i..].starts_with(**p)) {
            out.push((Tok::Punct(p), i));
            i += p.len();
        } else {
            return Err(err(
                i,
                format!(
                    "unexpected character '{}'",
                    &src[i..].chars().next().unwrap_or('?')
                ),
            ));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    len: usize,
    is_type: &'a dyn Fn(&str) -> bool,
}

/// Parses `src`; `is_type` says whether a name is a type (for casts).
pub fn parse(src: &str, is_type: &dyn Fn(&str) -> bool) -> Result<Expr, ExprError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(ExprError::Syntax {
            column: 1,
            message: "empty expression".into(),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        len: src.len(),
        is_type,
    };
    let e = p.binary(0)?;
    if p.pos < p.toks.len() {
        return Err(p.error(format!("unexpected {}", p.describe())));
    }
    Ok(e)
}

fn precedence(p: &str) -> Option<(u8, BinOp)> {
    Some(match p {
        "||" => (1, BinOp::Or),
        "&&" => (2, BinOp::And),
        "|" => (3, BinOp::BitOr),
        "^" => (4, BinOp::BitXor),
        "&" => (5, BinOp::BitAnd),
        "==" => (6, BinOp::Eq),
        "!=" => (6, BinOp::Ne),
        "<" => (7, BinOp::Lt),
        "<=" => (7, BinOp::Le),
        ">" => (7, BinOp::Gt),
        ">=" => (7, BinOp::Ge),
        "<<" => (8, BinOp::Shl),
        ">>" => (8, BinOp::Shr),
        "+" => (9, BinOp::Add),
        "-" => (9, BinOp::Sub),
        "*" => (10, BinOp::Mul),
        "/" => (10, BinOp::Div),
        "%" => (10, BinOp::Rem),
        _ => return None,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn column(&self) -> usize {
        self.toks.get(self.pos).map_or(self.len, |t| t.1) + 1
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "end of expression".into(),
            Some(Tok::Int(v)) => format!("number {v}"),
            Some(Tok::Ident(s)) => format!("\"{s}\""),
            Some(Tok::Reg(s)) => format!("\"${s}\""),
            Some(Tok::Punct(p)) => format!("'{p}'"),
        }
    }

    fn error(&self, message: String) -> ExprError {
        ExprError::Syntax {
            column: self.column(),
            message,
        }
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.peek()
            == Some(&Tok::Punct(
                PUNCT.iter().find(|x| **x == p).copied().unwrap_or("?"),
            ))
        {
            self.pos += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, p: &str) -> Result<(), ExprError> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(self.error(format!("expected '{p}' but found {}", self.describe())))
        }
    }

    fn binary(&mut self, min: u8) -> Result<Expr, ExprError> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Punct(p)) = self.peek() {
            let Some((prec, op)) = precedence(p) else {
                break;
            };
            if prec <= min {
                break;
            }
            self.pos += 1;
            let rhs = self.binary(prec)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        for (p, f) in [
            ("-", Expr::Neg as fn(Box<Expr>) -> Expr),
            ("!", Expr::Not),
            ("~", Expr::BitNot),
            ("*", Expr::Deref),
            ("&", Expr::AddrOf),
        ] {
            if self.eat(p) {
                return Ok(f(Box::new(self.unary()?)));
            }
        }
        if self.eat("+") {
            return self.unary();
        }
        if self.peek() == Some(&Tok::Punct("(")) {
            if let Some(spec) = self.try_cast_type() {
                let operand = self.unary()?;
                return Ok(Expr::Cast(spec, Box::new(operand)));
            }
        }
        self.postfix()
    }

    /// At `(`: parses `(type)` if the parenthesis holds a type, else leaves the position.
    fn try_cast_type(&mut self) -> Option<TypeSpec> {
        let save = self.pos;
        self.pos += 1;
        let mut words = Vec::new();
        while let Some(Tok::Ident(w)) = self.peek() {
            words.push(w.clone());
            self.pos += 1;
            while self.eat("::") {
                if let Some(Tok::Ident(w2)) = self.peek() {
                    let last = words.pop().unwrap_or_default();
                    words.push(format!("{last}::{w2}"));
                    self.pos += 1;
                }
            }
        }
        let mut pointers = 0;
        while self.eat("*") {
            pointers += 1;
        }
        let base = words
            .iter()
            .filter(|w| *w != "const" && *w != "volatile")
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let is_type = !words.is_empty()
            && (words.iter().any(|w| TYPE_WORDS.contains(&w.as_str())) || (self.is_type)(&base));
        if is_type && self.eat(")") {
            return Some(TypeSpec { base, pointers });
        }
        self.pos = save;
        None
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.primary()?;
        loop {
            if self.eat(".") {
                e = Expr::Member(Box::new(e), self.ident("a member name after '.'")?);
            } else if self.eat("->") {
                e = Expr::Arrow(Box::new(e), self.ident("a member name after '->'")?);
            } else if self.eat("[") {
                let i = self.binary(0)?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(i));
            } else {
                return Ok(e);
            }
        }
    }

    fn ident(&mut self, what: &str) -> Result<String, ExprError> {
        match self.peek().cloned() {
            Some(Tok::Ident(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.error(format!("expected {what} but found {}", self.describe()))),
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.peek().cloned() {
            Some(Tok::Int(v)) => {
                self.pos += 1;
                Ok(Expr::Int(v))
            }
            Some(Tok::Reg(r)) => {
                self.pos += 1;
                Ok(Expr::Register(r))
            }
            Some(Tok::Ident(s)) => {
                self.pos += 1;
                let mut name = s;
                while self.eat("::") {
                    name = format!("{name}::{}", self.ident("a name after '::'")?);
                }
                Ok(Expr::Name(name))
            }
            Some(Tok::Punct("(")) => {
                self.pos += 1;
                let e = self.binary(0)?;
                self.expect(")")?;
                Ok(e)
            }
            _ => Err(self.error(format!(
                "expected an expression but found {}",
                self.describe()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Expr, ExprError> {
        parse(s, &|n| n == "u32_t")
    }

    #[test]
    fn parses_precedence_and_postfix() {
        let e = p("a->b[2].c + 3 * -x").unwrap();
        let Expr::Binary(BinOp::Add, lhs, rhs) = e else {
            panic!()
        };
        assert!(matches!(*lhs, Expr::Member(..)));
        assert!(matches!(*rhs, Expr::Binary(BinOp::Mul, ..)));
        assert_eq!(
            p("(u32_t)x").unwrap(),
            Expr::Cast(
                TypeSpec {
                    base: "u32_t".into(),
                    pointers: 0
                },
                Box::new(Expr::Name("x".into()))
            )
        );
        assert!(matches!(
            p("(struct point *)p").unwrap(),
            Expr::Cast(TypeSpec { pointers: 1, .. }, _)
        ));
        assert!(matches!(p("(x)").unwrap(), Expr::Name(_)));
        assert!(matches!(
            p("$rip == 0x10").unwrap(),
            Expr::Binary(BinOp::Eq, ..)
        ));
        assert_eq!(p("'A'").unwrap(), Expr::Int(65));
    }

    #[test]
    fn reports_what_is_wrong() {
        assert_eq!(
            p("a +").unwrap_err().to_string(),
            "syntax error at column 4: expected an expression but found end of expression"
        );
        assert_eq!(
            p("a[1").unwrap_err().to_string(),
            "syntax error at column 4: expected ']' but found end of expression"
        );
        assert_eq!(p("p->").unwrap_err().to_string(), "syntax error at column 4: expected a member name after '->' but found end of expression");
        assert!(p("a # b")
            .unwrap_err()
            .to_string()
            .contains("unexpected character '#'"));
        assert!(p("").is_err());
        assert!(p("1 2")
            .unwrap_err()
            .to_string()
            .contains("unexpected number 2"));
    }
}
