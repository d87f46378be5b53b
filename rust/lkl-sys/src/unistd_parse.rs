//! A tiny C preprocessor subset, just enough to read syscall numbers out of
//! `include/uapi/asm-generic/unistd.h`.
//!
//! Shared by `build.rs` (which generates `sysno.rs` from it) and by the unit
//! test that cross-checks the checked-in fallback table against the header.
//! It understands `#if/#ifdef/#ifndef/#elif/#else/#endif` with `defined()`,
//! `!`, `&&`, `||`, `==`, `!=`, `<`, `>`, `<=`, `>=`, parentheses, integer
//! literals and object-like macros, plus `#define NAME VALUE` and `#undef`.

use std::collections::BTreeMap;

/// Configuration the header is evaluated under.
pub struct Config<'a> {
    /// Value of `__BITS_PER_LONG`.
    pub bits_per_long: i64,
    /// Macros the architecture defines before including the header (e.g.
    /// `__ARCH_WANT_NEW_STAT`).
    pub predefined: &'a [&'a str],
}

/// Syscall numbers found in the header: `(name without "__NR_", number)`,
/// sorted by name.  `__NR_syscalls` is returned as `"syscalls"`.
pub fn parse_unistd(text: &str, cfg: &Config<'_>) -> Result<Vec<(String, i64)>, String> {
    let mut macros: BTreeMap<String, String> = BTreeMap::new();
    macros.insert("__BITS_PER_LONG".into(), cfg.bits_per_long.to_string());
    for name in cfg.predefined {
        macros.insert((*name).to_string(), "1".into());
    }

    // Each frame: (enclosing region active, some branch already taken, this branch active).
    let mut stack: Vec<(bool, bool, bool)> = Vec::new();
    let active = |stack: &Vec<(bool, bool, bool)>| stack.last().is_none_or(|f| f.2);

    let mut in_comment = false;
    for (lineno, raw) in text.lines().enumerate() {
        let line = strip_comments(raw, &mut in_comment);
        let line = line.trim();
        let Some(directive) = line.strip_prefix('#') else {
            continue;
        };
        let directive = directive.trim_start();
        let (kw, rest) = match directive.find(|c: char| c.is_whitespace()) {
            Some(i) => (&directive[..i], directive[i..].trim()),
            None => (directive, ""),
        };
        let err = |m: &str| format!("unistd.h:{}: {m}: {raw}", lineno + 1);
        match kw {
            "if" | "ifdef" | "ifndef" => {
                let outer = active(&stack);
                let cond = if !outer {
                    false
                } else {
                    match kw {
                        "ifdef" => macros.contains_key(rest),
                        "ifndef" => !macros.contains_key(rest),
                        _ => eval(rest, &macros).map_err(|e| err(&e))? != 0,
                    }
                };
                stack.push((outer, cond, cond));
            }
            "elif" => {
                let (outer, taken, _) = stack.pop().ok_or_else(|| err("#elif without #if"))?;
                let cond = outer && !taken && eval(rest, &macros).map_err(|e| err(&e))? != 0;
                stack.push((outer, taken || cond, cond));
            }
            "else" => {
                let (outer, taken, _) = stack.pop().ok_or_else(|| err("#else without #if"))?;
                stack.push((outer, true, outer && !taken));
            }
            "endif" => {
                stack.pop().ok_or_else(|| err("#endif without #if"))?;
            }
            "define" if active(&stack) => {
                let (name, value) = match rest.find(|c: char| c.is_whitespace()) {
                    Some(i) => (&rest[..i], rest[i..].trim()),
                    None => (rest, ""),
                };
                // Function-like macros (`__SYSCALL(x, y)`) are irrelevant here.
                if !name.contains('(') {
                    macros.insert(name.to_string(), value.to_string());
                }
            }
            "undef" if active(&stack) => {
                macros.remove(rest);
            }
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("unistd.h: unterminated #if".into());
    }

    let mut out = Vec::new();
    for (name, value) in &macros {
        let Some(short) = name.strip_prefix("__NR_") else {
            continue;
        };
        let n = eval(value, &macros).map_err(|e| format!("__NR_{short} = {value}: {e}"))?;
        out.push((short.to_string(), n));
    }
    Ok(out)
}

fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            match rest.find("*/") {
                Some(i) => {
                    *in_comment = false;
                    rest = &rest[i + 2..];
                }
                None => return out,
            }
        } else {
            let block = rest.find("/*");
            let eol = rest.find("//");
            match (block, eol) {
                (Some(b), Some(e)) if e < b => {
                    out.push_str(&rest[..e]);
                    return out;
                }
                (Some(b), _) => {
                    out.push_str(&rest[..b]);
                    out.push(' ');
                    *in_comment = true;
                    rest = &rest[b + 2..];
                }
                (None, Some(e)) => {
                    out.push_str(&rest[..e]);
                    return out;
                }
                (None, None) => {
                    out.push_str(rest);
                    return out;
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(i64),
    Ident(String),
    Op(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    const OPS: [&str; 13] = [
        "||", "&&", "==", "!=", "<=", ">=", "<", ">", "!", "(", ")", "+", "-",
    ];
    let b = s.as_bytes();
    let mut i = 0;
    let mut toks = Vec::new();
    'outer: while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i] as char).is_ascii_alphanumeric() {
                i += 1;
            }
            let lit = s[start..i].trim_end_matches(['u', 'U', 'l', 'L']);
            let v = if let Some(hex) = lit.strip_prefix("0x").or_else(|| lit.strip_prefix("0X")) {
                i64::from_str_radix(hex, 16)
            } else if lit.len() > 1 && lit.starts_with('0') {
                i64::from_str_radix(&lit[1..], 8)
            } else {
                lit.parse()
            };
            toks.push(Tok::Num(v.map_err(|_| format!("bad number {lit}"))?));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && ((b[i] as char).is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            toks.push(Tok::Ident(s[start..i].to_string()));
            continue;
        }
        for op in OPS {
            if s[i..].starts_with(op) {
                toks.push(Tok::Op(op));
                i += op.len();
                continue 'outer;
            }
        }
        return Err(format!("unexpected character {c:?}"));
    }
    Ok(toks)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    macros: &'a BTreeMap<String, String>,
    depth: u32,
}

fn eval(expr: &str, macros: &BTreeMap<String, String>) -> Result<i64, String> {
    eval_depth(expr, macros, 0)
}

fn eval_depth(expr: &str, macros: &BTreeMap<String, String>, depth: u32) -> Result<i64, String> {
    if depth > 16 {
        return Err("macro expansion too deep".into());
    }
    let mut p = Parser {
        toks: tokenize(expr)?,
        pos: 0,
        macros,
        depth,
    };
    let v = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("trailing tokens in {expr:?}"));
    }
    Ok(v)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, op: &'static str) -> bool {
        if self.peek() == Some(&Tok::Op(op)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<i64, String> {
        let mut v = self.and()?;
        while self.eat("||") {
            let r = self.and()?;
            v = i64::from(v != 0 || r != 0);
        }
        Ok(v)
    }
    fn and(&mut self) -> Result<i64, String> {
        let mut v = self.cmp()?;
        while self.eat("&&") {
            let r = self.cmp()?;
            v = i64::from(v != 0 && r != 0);
        }
        Ok(v)
    }
    fn cmp(&mut self) -> Result<i64, String> {
        let l = self.sum()?;
        let op = match self.peek() {
            Some(Tok::Op(op @ ("==" | "!=" | "<" | ">" | "<=" | ">="))) => *op,
            _ => return Ok(l),
        };
        self.pos += 1;
        let r = self.sum()?;
        Ok(i64::from(match op {
            "==" => l == r,
            "!=" => l != r,
            "<" => l < r,
            ">" => l > r,
            "<=" => l <= r,
            _ => l >= r,
        }))
    }
    fn sum(&mut self) -> Result<i64, String> {
        let mut v = self.unary()?;
        loop {
            match self.peek() {
                Some(Tok::Op("+")) => {
                    self.pos += 1;
                    v += self.unary()?;
                }
                Some(Tok::Op("-")) => {
                    self.pos += 1;
                    v -= self.unary()?;
                }
                _ => return Ok(v),
            }
        }
    }
    fn unary(&mut self) -> Result<i64, String> {
        match self.peek().cloned() {
            Some(Tok::Op("!")) => {
                self.pos += 1;
                Ok(i64::from(self.unary()? == 0))
            }
            Some(Tok::Op("-")) => {
                self.pos += 1;
                Ok(-self.unary()?)
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                let v = self.or()?;
                if !self.eat(")") {
                    return Err("missing )".into());
                }
                Ok(v)
            }
            Some(Tok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(Tok::Ident(id)) if id == "defined" => {
                self.pos += 1;
                let paren = self.eat("(");
                let Some(Tok::Ident(name)) = self.peek().cloned() else {
                    return Err("defined without a name".into());
                };
                self.pos += 1;
                if paren && !self.eat(")") {
                    return Err("missing ) after defined".into());
                }
                Ok(i64::from(self.macros.contains_key(&name)))
            }
            Some(Tok::Ident(id)) => {
                self.pos += 1;
                match self.macros.get(&id) {
                    // Undefined identifiers are 0, as in C.
                    None => Ok(0),
                    Some(v) if v.is_empty() => Ok(0),
                    Some(v) => eval_depth(v, self.macros, self.depth + 1),
                }
            }
            other => Err(format!("unexpected token {other:?}")),
        }
    }
}
