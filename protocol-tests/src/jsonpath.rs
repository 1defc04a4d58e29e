//! Paths into JSON values for `save`: `body.stackFrames[0].id`, `[2].name`,
//! and `body.scopes[name=Globals].variablesReference` (the first element whose
//! `name` is the string, or number, `Globals`).

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `key`: the member of an object of that name.
    Key(String),
    /// `[n]`: the element of an array at index `n` (from 0).
    Index(usize),
    /// `[key=value]`: the first array element whose `key` is `value`.
    Filter(String, String),
}

/// Parses `a.b[0].c`; keys are separated by `.`, indexes written `[n]`.
pub fn parse(path: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    for part in split_dots(path) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segments.push(Segment::Key(key.to_string()));
        } else if rest.is_empty() {
            return Err(format!("empty segment in path {path:?}"));
        }
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .ok_or_else(|| format!("bad index in path {path:?}"))?;
            let inner = &rest[1..close];
            if let Some((key, value)) = inner.split_once('=') {
                segments.push(Segment::Filter(key.to_string(), value.to_string()));
            } else {
                let index = inner
                    .parse()
                    .map_err(|_| format!("bad index {inner:?} in path {path:?}"))?;
                segments.push(Segment::Index(index));
            }
            rest = &rest[close + 1..];
        }
    }
    Ok(segments)
}

/// The value at `path` in `root`.
pub fn lookup<'v>(root: &'v Value, path: &str) -> Result<&'v Value, String> {
    let mut here = root;
    let mut walked = String::new();
    for segment in parse(path)? {
        let next = match &segment {
            Segment::Key(k) => {
                if !walked.is_empty() {
                    walked.push('.');
                }
                walked.push_str(k);
                here.get(k.as_str())
            }
            Segment::Index(i) => {
                walked.push_str(&format!("[{i}]"));
                here.get(*i)
            }
            Segment::Filter(key, value) => {
                walked.push_str(&format!("[{key}={value}]"));
                here.as_array().and_then(|items| {
                    items.iter().find(|item| match item.get(key.as_str()) {
                        Some(Value::String(s)) => s == value,
                        Some(other) => other.to_string().eq(value),
                        None => false,
                    })
                })
            }
        };
        here = next.ok_or_else(|| format!("nothing at `{walked}`"))?;
    }
    Ok(here)
}

/// `path` split at the dots outside `[...]`.
fn split_dots(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    parts
}
