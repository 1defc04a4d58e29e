//! Variable substitution in scenario steps.
//!
//! In every string of a step (arguments, expectations, raw text; object keys
//! are left alone):
//! - `${name}` is replaced by the variable `name`: a built-in (`fixture`,
//!   `fixtures`, `source`, `tmp`, ...) or a value saved by an earlier step;
//!   `${line:marker}` is the line of `LINE:marker` in the fixture source.
//! - A string that is exactly one `${name}` becomes the variable's JSON value,
//!   type included (`"${frameId}"` → `1000`, a number); elsewhere the value is
//!   spliced in as text (strings without quotes, other values as JSON).
//! - A string that is exactly `@marker` becomes the marker's line number.
//! - `$${` writes a literal `${`; a string starting with `@@` loses one `@`.

use std::collections::BTreeMap;

use serde_json::Value;

use rewind_test_support::Markers;

/// A reference that cannot be resolved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubstError {
    /// `${name}` names neither a built-in nor a saved variable; holds the name.
    #[error("unknown variable ${{{0}}}")]
    UnknownVariable(String),
    /// `@marker` or `${line:marker}` names no `LINE:` marker of the fixture
    /// source.
    #[error("unknown marker {name:?} (known: {known})")]
    UnknownMarker {
        /// The marker asked for.
        name: String,
        /// The markers the source does have, comma-separated.
        known: String,
    },
    /// A marker was asked for (its name is held) but the scenario has no
    /// fixture source to read markers from.
    #[error("no fixture source to take marker {0:?} from")]
    NoMarkers(String),
    /// A `${` without its closing `}`; holds the whole string.
    #[error("unterminated ${{ in {0:?}")]
    Unterminated(String),
}

/// Variables and markers of a running scenario.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, Value>,
    markers: Option<Markers>,
}

impl Vars {
    /// No variables and no markers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `markers` for `@marker` and `${line:marker}`.
    pub fn with_markers(mut self, markers: Markers) -> Self {
        self.markers = Some(markers);
        self
    }

    /// Defines (or redefines) variable `name`, as `${name}` will resolve it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.values.insert(name.into(), value.into());
    }

    /// The value of variable `name`, if it is set (markers are not variables).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The line of marker `name`.
    pub fn marker(&self, name: &str) -> Result<u32, SubstError> {
        let markers = self
            .markers
            .as_ref()
            .ok_or_else(|| SubstError::NoMarkers(name.to_string()))?;
        markers.line(name).ok_or_else(|| SubstError::UnknownMarker {
            name: name.to_string(),
            known: markers.names().collect::<Vec<_>>().join(", "),
        })
    }

    /// `value` with every string substituted, recursively.
    pub fn substitute(&self, value: &Value) -> Result<Value, SubstError> {
        Ok(match value {
            Value::String(s) => self.substitute_str(s)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.substitute(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.substitute(v)?)))
                    .collect::<Result<_, SubstError>>()?,
            ),
            other => other.clone(),
        })
    }

    /// One string: `@marker` and whole `${name}` keep their type.
    pub fn substitute_str(&self, s: &str) -> Result<Value, SubstError> {
        if let Some(rest) = s.strip_prefix("@@") {
            return Ok(Value::String(format!("@{rest}")));
        }
        if let Some(name) = s.strip_prefix('@').filter(|n| is_name(n)) {
            return Ok(Value::from(self.marker(name)?));
        }
        if let Some(name) = s
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .filter(|n| !n.contains('}') && !n.contains("${"))
        {
            return self.resolve(name);
        }
        self.interpolate(s).map(Value::String)
    }

    /// `s` with every `${name}` spliced in as text.
    pub fn interpolate(&self, s: &str) -> Result<String, SubstError> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            if let Some(after) = tail.strip_prefix("$${") {
                out.push_str("${");
                rest = after;
            } else if let Some(after) = tail.strip_prefix("${") {
                let end = after
                    .find('}')
                    .ok_or_else(|| SubstError::Unterminated(s.to_string()))?;
                match self.resolve(&after[..end])? {
                    Value::String(text) => out.push_str(&text),
                    other => out.push_str(&other.to_string()),
                }
                rest = &after[end + 1..];
            } else {
                out.push('$');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn resolve(&self, name: &str) -> Result<Value, SubstError> {
        if let Some(marker) = name.strip_prefix("line:") {
            return Ok(Value::from(self.marker(marker)?));
        }
        self.values
            .get(name)
            .cloned()
            .ok_or_else(|| SubstError::UnknownVariable(name.to_string()))
    }
}

/// Marker names: letters, digits and `_`, not starting with a digit.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
