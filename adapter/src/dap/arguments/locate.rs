//! Typed request arguments with errors that name the offending field.
//!
//! serde_json's errors say *what* is wrong ("invalid type: string, expected
//! u32") but, deserialising from a `Value`, not *where*. On failure the
//! arguments are re-rendered as JSON text with one value per line while
//! recording each line's field path; deserialising that text again gives an
//! error with a line number, which maps back to the path.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::dap::error::DapError;

/// Deserialize `arguments`, naming the field on failure.
pub fn parse<T: DeserializeOwned>(arguments: &Value) -> Result<T, DapError> {
    match T::deserialize(arguments) {
        Ok(value) => Ok(value),
        Err(error) => Err(
            locate::<T>(arguments).unwrap_or_else(|| DapError::InvalidArgument {
                field: "arguments".to_owned(),
                reason: error.to_string(),
            }),
        ),
    }
}

/// Redo the failed deserialisation over line-annotated text to find the field.
fn locate<T: DeserializeOwned>(arguments: &Value) -> Option<DapError> {
    let mut rendered = Rendered::default();
    rendered.value(arguments, "", "", false);
    let error = serde_json::from_str::<T>(&rendered.text).err()?;
    let mut field = rendered.paths.get(error.line().checked_sub(1)?)?.clone();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let mut reason = error.to_string();
    if let Some(stripped) = reason.strip_suffix(&suffix) {
        reason = stripped.to_owned();
    }
    // "missing field `x`" is reported at the end of the enclosing object.
    if let Some(name) = reason
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        field = join(&field, name);
        reason = "missing".to_owned();
    }
    if field.is_empty() || field.starts_with('[') {
        field = format!("arguments{field}");
    }
    Some(DapError::InvalidArgument { field, reason })
}

#[derive(Default)]
struct Rendered {
    text: String,
    /// `paths[i]`: the field path of the value on line `i + 1`.
    paths: Vec<String>,
}

impl Rendered {
    fn line(&mut self, path: &str, text: &str) {
        self.text.push_str(text);
        self.text.push('\n');
        self.paths.push(path.to_owned());
    }

    /// Render `value` at `path`; `prefix` is `"key": ` for object members.
    fn value(&mut self, value: &Value, path: &str, prefix: &str, comma: bool) {
        let comma = if comma { "," } else { "" };
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.line(path, &format!("{prefix}{{"));
                let last = map.len() - 1;
                for (i, (key, child)) in map.iter().enumerate() {
                    let key_json = serde_json::to_string(key).unwrap_or_else(|_| "\"?\"".into());
                    self.value(child, &join(path, key), &format!("{key_json}: "), i < last);
                }
                self.line(path, &format!("}}{comma}"));
            }
            Value::Array(items) if !items.is_empty() => {
                self.line(path, &format!("{prefix}["));
                let last = items.len() - 1;
                for (i, item) in items.iter().enumerate() {
                    self.value(item, &format!("{path}[{i}]"), "", i < last);
                }
                self.line(path, &format!("]{comma}"));
            }
            scalar => {
                let text = serde_json::to_string(scalar).unwrap_or_else(|_| "null".into());
                self.line(path, &format!("{prefix}{text}{comma}"));
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Breakpoint {
        line: u32,
        condition: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct SetBreakpoints {
        source: Source,
        breakpoints: Option<Vec<Breakpoint>>,
        source_modified: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Source {
        path: Option<String>,
    }

    fn field_of(arguments: Value) -> (String, String) {
        match parse::<SetBreakpoints>(&arguments) {
            Err(DapError::InvalidArgument { field, reason }) => (field, reason),
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn valid_arguments_parse() {
        let args: SetBreakpoints = parse(&json!({
            "source": {"path": "/a.c"}, "breakpoints": [{"line": 3}], "sourceModified": false
        }))
        .unwrap();
        assert_eq!(args.breakpoints.unwrap()[0].line, 3);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let (field, reason) =
            field_of(json!({"source": {"path": "/a.c"}, "sourceModified": "yes"}));
        assert_eq!(field, "sourceModified");
        assert!(reason.contains("expected a boolean"), "{reason}");

        let (field, _) = field_of(json!({
            "source": {"path": "/a.c"},
            "breakpoints": [{"line": 1}, {"line": 2, "condition": "x > 1"}, {"line": "three"}]
        }));
        assert_eq!(field, "breakpoints[2].line");

        let (field, _) = field_of(json!({"source": {"path": 5}}));
        assert_eq!(field, "source.path");

        let (field, _) = field_of(json!({"source": {}, "breakpoints": {"line": 1}}));
        assert_eq!(field, "breakpoints");

        let (field, _) = field_of(json!({"source": {}, "breakpoints": [{"line": -1}]}));
        assert_eq!(field, "breakpoints[0].line");
    }

    #[test]
    fn missing_fields_are_named() {
        let (field, reason) = field_of(json!({"breakpoints": []}));
        assert_eq!((field.as_str(), reason.as_str()), ("source", "missing"));
        let (field, _) = field_of(json!({"source": {}, "breakpoints": [{"condition": "a"}]}));
        assert_eq!(field, "breakpoints[0].line");
    }

    #[test]
    fn wrong_top_level_type_names_arguments() {
        let (field, _) = field_of(json!("a string"));
        assert_eq!(field, "arguments");
        // serde accepts a struct as a sequence of its fields.
        let (field, _) = field_of(json!([1]));
        assert_eq!(field, "arguments[0]");
    }

    #[test]
    fn odd_keys_and_strings_stay_on_one_line() {
        let (field, _) = field_of(json!({"weird\nkey\"": "x\ny", "source": {"path": ["a\n"]}}));
        assert_eq!(field, "source.path");
    }
}
