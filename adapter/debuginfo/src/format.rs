//! gdb-compatible rendering of floating-point numbers and character arrays.

/// A float as C's `%.{prec}g` prints it (gdb uses 9 digits for float, 17 for double).
pub fn fmt_g(x: f64, prec: usize) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let prec = prec.max(1);
    let sci = format!("{:.*e}", prec - 1, x);
    let Some((mant, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= prec as i32 {
        format!(
            "{}e{}{:02}",
            trim_fraction(mant),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        trim_fraction(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn escape(b: u8, quote: u8) -> String {
    match b {
        b'\n' => "\\n".into(),
        b'\t' => "\\t".into(),
        b'\r' => "\\r".into(),
        7 => "\\a".into(),
        8 => "\\b".into(),
        12 => "\\f".into(),
        11 => "\\v".into(),
        27 => "\\033".into(),
        b'\\' => "\\\\".into(),
        _ if b == quote => format!("\\{}", b as char),
        32..=126 => (b as char).to_string(),
        _ => format!("\\{b:03o}"),
    }
}

/// A `char[N]` the way gdb prints it: the whole array minus one trailing NUL, runs of
/// more than 10 equal bytes as `'c' <repeats N times>`, at most 200 elements.
pub fn char_array(bytes: &[u8]) -> String {
    const LIMIT: usize = 200;
    const THRESHOLD: usize = 10;
    let mut b = bytes;
    let truncated = b.len() > LIMIT;
    if truncated {
        b = &b[..LIMIT];
    } else if b.last() == Some(&0) {
        b = &b[..b.len() - 1];
    }
    if b.is_empty() {
        return "\"\"".into();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut quoted = String::new();
    let mut i = 0;
    while i < b.len() {
        let run = b[i..].iter().take_while(|c| **c == b[i]).count();
        if run > THRESHOLD {
            if !quoted.is_empty() {
                parts.push(format!("\"{}\"", std::mem::take(&mut quoted)));
            }
            parts.push(format!("'{}' <repeats {run} times>", escape(b[i], b'\'')));
            i += run;
        } else {
            quoted.push_str(&escape(b[i], b'"'));
            i += 1;
        }
    }
    if !quoted.is_empty() {
        parts.push(format!("\"{quoted}\""));
    }
    let mut s = parts.join(", ");
    if truncated {
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_printf_g() {
        assert_eq!(fmt_g(f32::from_bits(0x41424344) as f64, 9), "12.1414223");
        assert_eq!(fmt_g(2.5, 17), "2.5");
        assert_eq!(fmt_g(0.1, 17), "0.10000000000000001");
        assert_eq!(fmt_g(1e20, 17), "1e+20");
        assert_eq!(fmt_g(-1.5e-7, 17), "-1.4999999999999999e-07");
        assert_eq!(fmt_g(100.0, 9), "100");
    }

    #[test]
    fn char_arrays_like_gdb() {
        assert_eq!(char_array(b"abc\0\0\0\0\0"), "\"abc\\000\\000\\000\\000\"");
        assert_eq!(char_array(b"DCBA"), "\"DCBA\"");
        let mut v = b"ab".to_vec();
        v.extend([0u8; 16]);
        assert_eq!(char_array(&v), "\"ab\", '\\000' <repeats 15 times>");
    }
}
