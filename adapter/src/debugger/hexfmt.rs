//! Hexadecimal text: the display of values in hex (VS Code's "View as
//! hex": the decimal integers of a value as the debug layer formats it
//! become hex; text in quotes, floats and addresses stay), and addresses
//! parsed from what a client sends.

/// `value` with each decimal integer token written in hex (negative ones as
/// `-0x…`).
pub fn hex_integers(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
            out.push(c);
            i += 1;
            continue;
        }
        let starts_token = i == 0 || !is_word(chars[i - 1]);
        let negative = c == '-' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit();
        if starts_token && (c.is_ascii_digit() || negative) {
            let begin = if negative { i + 1 } else { i };
            let mut end = begin;
            while end < chars.len() && is_word(chars[end]) {
                end += 1;
            }
            let token: String = chars[begin..end].iter().collect();
            let followed_by_fraction = end < chars.len() && chars[end] == '.';
            match token.parse::<u128>() {
                Ok(n) if !followed_by_fraction => {
                    if negative {
                        out.push('-');
                    }
                    out.push_str(&format!("{n:#x}"));
                }
                _ => {
                    // 0x…, 1e5, 2.5, identifiers: as they are.
                    let mut j = i;
                    while j < end || (j < chars.len() && (is_word(chars[j]) || chars[j] == '.')) {
                        out.push(chars[j]);
                        j += 1;
                    }
                    i = j;
                    continue;
                }
            }
            i = end;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `0x1234` (hex) or `4660` (decimal).
pub fn parse_address(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map_err(|_| format!("'{text}' is not an address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_become_hex() {
        assert_eq!(hex_integers("42"), "0x2a");
        assert_eq!(hex_integers("-1"), "-0x1");
        assert_eq!(hex_integers("{x = 10, y = 255}"), "{x = 0xa, y = 0xff}");
        assert_eq!(hex_integers("[1, 2, 3]"), "[0x1, 0x2, 0x3]");
        assert_eq!(
            hex_integers("Point { x: -4, y: 1099511627776 }"),
            "Point { x: -0x4, y: 0x10000000000 }"
        );
    }

    #[test]
    fn other_things_stay() {
        assert_eq!(hex_integers("2.5"), "2.5");
        assert_eq!(hex_integers("0x7ffe"), "0x7ffe");
        assert_eq!(hex_integers("(int *) 0x5555"), "(int *) 0x5555");
        assert_eq!(hex_integers("\"abc 12\""), "\"abc 12\"");
        assert_eq!(hex_integers("65 'A'"), "0x41 'A'");
        assert_eq!(hex_integers("x1 = 3"), "x1 = 0x3");
        assert_eq!(hex_integers("Some(9)"), "Some(0x9)");
        assert_eq!(hex_integers("1e5"), "1e5");
        assert_eq!(hex_integers("'\\''"), "'\\''");
    }
}
