//! Symbol-name demangling (Rust legacy and v0, Itanium C++).

/// Demangles `name` if it is a Rust or C++ mangled name; otherwise returns it unchanged.
/// Rust names lose their hash suffix (`rthreads::main`), C++ names keep their parameters.
pub fn demangle(name: &str) -> String {
    if is_rust_symbol(name) {
        if let Ok(d) = rustc_demangle::try_demangle(name) {
            return format!("{d:#}");
        }
    }
    if name.starts_with("_Z") {
        if let Ok(sym) = cpp_demangle::Symbol::new(name) {
            if let Ok(s) = sym.demangle(&cpp_demangle::DemangleOptions::default()) {
                return special_name_like_gdb(s);
            }
        }
    }
    name.to_string()
}

/// cpp_demangle writes special names as `{vtable(X)}`; c++filt and gdb as `vtable for X`.
fn special_name_like_gdb(s: String) -> String {
    for (from, to) in [
        ("{vtable(", "vtable for "),
        ("{vtt(", "VTT for "),
        ("{typeinfo(", "typeinfo for "),
        ("{typeinfo name(", "typeinfo name for "),
    ] {
        if let Some(inner) = s.strip_prefix(from).and_then(|r| r.strip_suffix(")}")) {
            return format!("{to}{inner}");
        }
    }
    s
}

/// Rust v0 (`_R`) or legacy (`_ZN...17h<16 hex digits>E`) mangling; other `_Z` names
/// are C++ (rustc-demangle would also accept some of those, e.g. vtables).
fn is_rust_symbol(name: &str) -> bool {
    if name.starts_with("_R") {
        return true;
    }
    let b = name.as_bytes();
    // ..17h<16 hex>E
    b.len() > 22
        && b.starts_with(b"_ZN")
        && b[b.len() - 1] == b'E'
        && &b[b.len() - 20..b.len() - 17] == b"17h"
        && b[b.len() - 17..b.len() - 1]
            .iter()
            .all(u8::is_ascii_hexdigit)
}

/// A demangled name without its parameter list (`ns::f(int)` -> `ns::f`).
pub fn without_params(name: &str) -> &str {
    if !name.ends_with(')') {
        return name;
    }
    let mut depth = 0i32;
    for (i, c) in name.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return &name[..i];
                }
            }
            _ => {}
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_rust_and_cpp() {
        assert_eq!(
            demangle("_ZN8rthreads4main17h0123456789abcdefE"),
            "rthreads::main"
        );
        assert_eq!(demangle("_ZN2ns5Shape4areaEv"), "ns::Shape::area()");
        assert_eq!(
            without_params("ns::Shape::area(int, (anonymous namespace)::X)"),
            "ns::Shape::area"
        );
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_ZTVN3geo4RectE"), "vtable for geo::Rect");
        assert_eq!(demangle("_Zgarbage"), "_Zgarbage");
    }
}

const INT_WORDS: &[&str] = &["unsigned", "signed", "short", "long", "int", "char"];

/// Spells C/C++ integer type names the way GCC writes them in DWARF (`long` ->
/// `long int`, `unsigned long` -> `long unsigned int`), so `f<long>` finds `f<long int>`.
pub fn canonical_cpp(name: &str) -> String {
    let mut out = String::new();
    let mut run: Vec<&str> = Vec::new();
    let mut rest = name;
    let flush = |run: &mut Vec<&str>, out: &mut String| {
        if run.is_empty() {
            return;
        }
        let count = |w: &str| run.iter().filter(|x| **x == w).count();
        let mut words: Vec<&str> = Vec::new();
        if count("char") > 0 {
            if count("unsigned") > 0 {
                words.push("unsigned");
            } else if count("signed") > 0 {
                words.push("signed");
            }
            words.push("char");
        } else {
            match (count("long"), count("short")) {
                (l, _) if l >= 2 => words.extend(["long", "long"]),
                (1, _) => words.push("long"),
                (_, s) if s > 0 => words.push("short"),
                _ => {}
            }
            if count("unsigned") > 0 {
                words.push("unsigned");
            }
            words.push("int");
        }
        out.push_str(&words.join(" "));
        run.clear();
    };
    while !rest.is_empty() {
        let word_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if word_len > 0 {
            let w = &rest[..word_len];
            if INT_WORDS.contains(&w) {
                run.push(w);
            } else {
                flush(&mut run, &mut out);
                out.push_str(w);
            }
            rest = &rest[word_len..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == ' ' && !run.is_empty() {
            rest = &rest[1..];
            continue;
        }
        flush(&mut run, &mut out);
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod canonical_tests {
    use super::canonical_cpp;

    #[test]
    fn spells_integers_like_gcc() {
        assert_eq!(canonical_cpp("geo::scaled<long>"), "geo::scaled<long int>");
        assert_eq!(
            canonical_cpp("f<unsigned long, char>"),
            "f<long unsigned int, char>"
        );
        assert_eq!(
            canonical_cpp("f<long unsigned int>"),
            "f<long unsigned int>"
        );
        assert_eq!(
            canonical_cpp("g<unsigned char>(int)"),
            "g<unsigned char>(int)"
        );
        assert_eq!(canonical_cpp("interval"), "interval");
    }
}
