//! Symbol-name demangling (Rust legacy and v0, Itanium C++).

/// Demangles `name` if it is a Rust or C++ mangled name; otherwise returns it unchanged.
/// Rust names lose their hash suffix (`rthreads::main`), C++ names keep their parameters.
pub fn demangle(name: &str) -> String {
    if let Ok(d) = rustc_demangle::try_demangle(name) {
        return format!("{d:#}");
    }
    if name.starts_with("_Z") {
        if let Ok(sym) = cpp_demangle::Symbol::new(name) {
            if let Ok(s) = sym.demangle(&cpp_demangle::DemangleOptions::default()) {
                return s;
            }
        }
    }
    name.to_string()
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
        assert_eq!(demangle("_ZN8rthreads4main17h0123456789abcdefE"), "rthreads::main");
        assert_eq!(demangle("_ZN2ns5Shape4areaEv"), "ns::Shape::area()");
        assert_eq!(without_params("ns::Shape::area(int, (anonymous namespace)::X)"), "ns::Shape::area");
        assert_eq!(demangle("main"), "main");
        assert_eq!(demangle("_Zgarbage"), "_Zgarbage");
    }
}
