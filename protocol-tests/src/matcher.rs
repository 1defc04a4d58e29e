//! Subset matching of JSON values against expectation patterns.
//!
//! - An object matches if every key of the pattern matches the same key of the
//!   value, recursively; other keys of the value are ignored.
//! - An array matches element-wise: pattern element `i` matches value element
//!   `i`; the value may have more elements (use `$len` to pin the length).
//! - Numbers compare by value (`3` matches `3.0`); other scalars by equality.
//! - An object whose keys all start with `$` is an operator (several operators
//!   in one object must all hold):
//!   `$regex` (string; the value is a string, or a number/boolean matched as text),
//!   `$contains` (a substring of a string value, a number or boolean pattern
//!   taken as text; for an array value, some element
//!   matches the pattern, or with an array pattern every pattern element is matched
//!   by some value element),
//!   `$absent` (`true`: the key is missing or null; `false`: present),
//!   `$exact` (plain equality, no subset semantics), `$type` (`string`, `number`,
//!   `integer`, `boolean`, `object`, `array`, `null`, or an array of these),
//!   `$oneOf` (array of patterns,
//!   one must match), `$not` (the pattern must not match), `$len` (length of an
//!   array or string, or key count of an object; a number or a pattern),
//!   `$gt`, `$gte`, `$lt`, `$lte` (numbers).

use std::fmt;

use regex_automata::meta::Regex;
use serde_json::{Map, Value};

/// Where and why a value does not match a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// e.g. `body.stackFrames[0].line`; empty for the root.
    pub path: String,
    /// The pattern (or operator object) that failed at `path`.
    pub expected: Value,
    /// `None` when the key is missing.
    pub actual: Option<Value>,
    /// What is wrong, e.g. "different value", "no match for the regex", or a
    /// complaint about the pattern itself ("$regex takes a string").
    pub reason: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        let actual = match &self.actual {
            Some(v) => clip(&v.to_string()),
            None => "(missing)".to_string(),
        };
        write!(
            f,
            "at `{path}`: {}\n  expected: {}\n  actual:   {actual}",
            self.reason,
            clip(&self.expected.to_string())
        )
    }
}

fn clip(text: &str) -> String {
    const MAX: usize = 800;
    if text.chars().count() > MAX {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    } else {
        text.to_string()
    }
}

/// Whether `actual` matches `pattern`; the error says where it first does not.
pub fn check(pattern: &Value, actual: &Value) -> Result<(), Mismatch> {
    check_at(pattern, Some(actual), "")
}

/// Like [`check`], for a value at `path` that may be missing.
pub fn check_at(pattern: &Value, actual: Option<&Value>, path: &str) -> Result<(), Mismatch> {
    let fail = |reason: String| Mismatch {
        path: path.to_string(),
        expected: pattern.clone(),
        actual: actual.cloned(),
        reason,
    };
    if let Some(ops) = operators(pattern) {
        return ops
            .iter()
            .try_for_each(|(op, arg)| operator(op, arg, actual, path));
    }
    let Some(actual) = actual else {
        return Err(fail("missing".into()));
    };
    match pattern {
        Value::Object(fields) => {
            let Some(object) = actual.as_object() else {
                return Err(fail(format!("expected an object, got {}", kind(actual))));
            };
            for (key, sub) in fields {
                check_at(sub, object.get(key), &join_key(path, key))?;
            }
            Ok(())
        }
        Value::Array(items) => {
            let Some(array) = actual.as_array() else {
                return Err(fail(format!("expected an array, got {}", kind(actual))));
            };
            if array.len() < items.len() {
                return Err(fail(format!(
                    "expected at least {} elements, got {}",
                    items.len(),
                    array.len()
                )));
            }
            for (i, sub) in items.iter().enumerate() {
                check_at(sub, Some(&array[i]), &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Value::Number(n) => match actual.as_f64() {
            Some(a) if Some(a) == n.as_f64() => Ok(()),
            _ => Err(fail("different number".into())),
        },
        _ if pattern == actual => Ok(()),
        _ => Err(fail("different value".into())),
    }
}

/// The operators of an operator object, or `None` for a plain pattern.
fn operators(pattern: &Value) -> Option<&Map<String, Value>> {
    match pattern {
        Value::Object(m) if !m.is_empty() && m.keys().all(|k| k.starts_with('$')) => Some(m),
        _ => None,
    }
}

fn operator(op: &str, arg: &Value, actual: Option<&Value>, path: &str) -> Result<(), Mismatch> {
    let fail = |reason: String| Mismatch {
        path: path.to_string(),
        expected: serde_json::json!({ op: arg }),
        actual: actual.cloned(),
        reason,
    };
    if op == "$absent" {
        let absent = actual.is_none_or(Value::is_null);
        return match arg.as_bool() {
            Some(true) if absent => Ok(()),
            Some(true) => Err(fail("expected no value".into())),
            Some(false) if !absent => Ok(()),
            Some(false) => Err(fail("missing".into())),
            None => Err(fail("$absent takes true or false".into())),
        };
    }
    if op == "$not" {
        return match check_at(arg, actual, path) {
            Ok(()) => Err(fail("matched a $not pattern".into())),
            Err(_) => Ok(()),
        };
    }
    let Some(actual) = actual else {
        return Err(fail("missing".into()));
    };
    match op {
        "$regex" => {
            let Some(re) = arg.as_str() else {
                return Err(fail("$regex takes a string".into()));
            };
            let regex = Regex::new(re).map_err(|e| fail(format!("invalid $regex: {e}")))?;
            let text = match actual {
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => actual.to_string(),
                other => return Err(fail(format!("$regex needs a string, got {}", kind(other)))),
            };
            if regex.is_match(&text) {
                Ok(())
            } else {
                Err(fail("no match for the regex".into()))
            }
        }
        "$contains" => contains(arg, actual, path).map_err(fail),
        "$exact" if arg == actual => Ok(()),
        "$exact" => Err(fail("not exactly equal".into())),
        "$type" => {
            let names: Vec<&str> = match arg {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if names.is_empty() {
                return Err(fail("$type takes a type name or an array of them".into()));
            }
            let ok = names.iter().any(|t| match *t {
                "integer" => actual.is_i64() || actual.is_u64(),
                t => kind(actual) == t,
            });
            if ok {
                Ok(())
            } else {
                Err(fail(format!("value is {}", kind(actual))))
            }
        }
        "$oneOf" => {
            let Some(options) = arg.as_array() else {
                return Err(fail("$oneOf takes an array".into()));
            };
            if options
                .iter()
                .any(|p| check_at(p, Some(actual), path).is_ok())
            {
                Ok(())
            } else {
                Err(fail("matches none of $oneOf".into()))
            }
        }
        "$len" => {
            let len = match actual {
                Value::Array(a) => a.len(),
                Value::String(s) => s.chars().count(),
                Value::Object(o) => o.len(),
                other => return Err(fail(format!("$len of {}", kind(other)))),
            };
            check_at(arg, Some(&Value::from(len)), &format!("{path}.$len"))
        }
        "$gt" | "$gte" | "$lt" | "$lte" => {
            let (Some(a), Some(b)) = (actual.as_f64(), arg.as_f64()) else {
                return Err(fail(format!("{op} compares numbers")));
            };
            let ok = match op {
                "$gt" => a > b,
                "$gte" => a >= b,
                "$lt" => a < b,
                _ => a <= b,
            };
            if ok {
                Ok(())
            } else {
                Err(fail(format!("{a} is not {op} {b}")))
            }
        }
        _ => Err(fail(format!("unknown operator {op}"))),
    }
}

fn contains(arg: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (actual, arg) {
        (Value::String(s), Value::String(sub)) => {
            if s.contains(sub.as_str()) {
                Ok(())
            } else {
                Err(format!("does not contain {sub:?}"))
            }
        }
        (Value::String(s), Value::Number(_) | Value::Bool(_)) => {
            let sub = arg.to_string();
            if s.contains(sub.as_str()) {
                Ok(())
            } else {
                Err(format!("does not contain {sub:?}"))
            }
        }
        (Value::Array(items), Value::Array(wanted)) => {
            for (i, w) in wanted.iter().enumerate() {
                some_element(items, w, path).map_err(|e| format!("$contains[{i}]: {e}"))?;
            }
            Ok(())
        }
        (Value::Array(items), wanted) => some_element(items, wanted, path),
        (other, _) => Err(format!(
            "$contains needs a string or an array, got {}",
            kind(other)
        )),
    }
}

fn some_element(items: &[Value], wanted: &Value, path: &str) -> Result<(), String> {
    let found = items
        .iter()
        .enumerate()
        .any(|(i, item)| check_at(wanted, Some(item), &format!("{path}[{i}]")).is_ok());
    if found {
        Ok(())
    } else {
        Err(format!(
            "none of the {} elements matches {}",
            items.len(),
            clip(&wanted.to_string())
        ))
    }
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The JSON type name of `v` (`$type` vocabulary).
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
