//! `LINE:<name>` markers in fixture sources: `int r = step(i); /* LINE:loop_body */`
//! names line 23 `loop_body`.

use std::collections::BTreeMap;
use std::path::Path;

/// Why markers could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MarkerError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("marker LINE:{name} appears on lines {first} and {second}")]
    Duplicate {
        name: String,
        first: u32,
        second: u32,
    },
}

/// Marker name → 1-based line number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Markers {
    lines: BTreeMap<String, u32>,
}

impl Markers {
    /// Finds every `LINE:name` (name: letters, digits, `_`) in `text`.
    pub fn parse(text: &str) -> Result<Self, MarkerError> {
        let mut lines = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (at, _) in line.match_indices("LINE:") {
                let name: String = line[at + 5..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name.is_empty() {
                    continue;
                }
                if let Some(first) = lines.insert(name.clone(), number) {
                    return Err(MarkerError::Duplicate {
                        name,
                        first,
                        second: number,
                    });
                }
            }
        }
        Ok(Self { lines })
    }

    /// Reads and parses the markers of the file at `path`.
    pub fn load(path: &Path) -> Result<Self, MarkerError> {
        let text = std::fs::read_to_string(path).map_err(|source| MarkerError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// The line of marker `name`.
    pub fn line(&self, name: &str) -> Option<u32> {
        self.lines.get(name).copied()
    }

    /// The known marker names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.lines.keys().map(String::as_str)
    }
}
