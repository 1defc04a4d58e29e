//! `LINE:<name>` markers in fixture sources: `int r = step(i); /* LINE:loop_body */`
//! names its line `loop_body`, so tests name lines instead of numbering them.

use std::collections::BTreeMap;
use std::path::Path;

/// Why a marker could not be found.
#[derive(Debug, thiserror::Error)]
pub enum MarkerError {
    /// The source file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A marker name is used twice (markers name one line).
    #[error("marker LINE:{name} appears on lines {first} and {second}")]
    Duplicate {
        /// The marker.
        name: String,
        /// Its first line.
        first: u32,
        /// The line it appears on again.
        second: u32,
    },
    /// The file has no marker of that name.
    #[error("no marker LINE:{name} in {path} (markers there: {known})")]
    Missing {
        /// The marker looked for.
        name: String,
        /// The file.
        path: String,
        /// The markers the file does have.
        known: String,
    },
}

/// Marker name → 1-based line number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Markers {
    lines: BTreeMap<String, u32>,
}

impl Markers {
    /// Finds every `LINE:name` (name: letters, digits, `_`) in `text`. A name
    /// appears once per file; `LINE:` followed by anything else (as in
    /// `LINE:<name>` in prose) is not a marker.
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

/// The line of marker `LINE:<name>` in `source`, a path relative to
/// `fixtures/` (`"src/loop.c"`) or an absolute one. Fails the test, saying
/// why, when the file cannot be read or has no such marker.
pub fn marker_line(source: impl AsRef<Path>, name: &str) -> u32 {
    try_marker_line(&crate::fixtures::fixture_source(source), name)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// [`marker_line`] of the file at `path`, as a `Result`.
pub fn try_marker_line(path: &Path, name: &str) -> Result<u32, MarkerError> {
    let markers = Markers::load(path)?;
    markers.line(name).ok_or_else(|| MarkerError::Missing {
        name: name.to_string(),
        path: path.display().to_string(),
        known: markers.names().collect::<Vec<_>>().join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str =
        "int main(void)\n{\n    int x = 1; /* LINE:first */\n    return x; /* LINE:ret */\n}\n";

    #[test]
    fn markers_are_found_by_line() {
        let m = Markers::parse(SOURCE).unwrap();
        assert_eq!(m.line("first"), Some(3));
        assert_eq!(m.line("ret"), Some(4));
        assert_eq!(m.line("nope"), None);
        assert!(Markers::parse("a LINE:x\nb LINE:x\n").is_err());
        // `LINE:<name>` in prose is not a marker.
        assert_eq!(
            Markers::parse("/* LINE:<name> */").unwrap().names().count(),
            0
        );
    }

    #[test]
    fn a_name_is_not_a_prefix_of_another() {
        let m = Markers::parse("a /* LINE:inspect_block */\nb /* LINE:inspect */\n").unwrap();
        assert_eq!(m.line("inspect"), Some(2));
        assert_eq!(m.line("inspect_block"), Some(1));
        // At the end of a line, as in `// LINE:name` of the Rust fixtures.
        assert_eq!(
            Markers::parse("x += 1; // LINE:end").unwrap().line("end"),
            Some(1)
        );
    }

    #[test]
    fn every_fixture_source_has_well_formed_markers() {
        let mut checked = 0;
        for dir in ["src", "rust", "lib"] {
            let dir = crate::fixtures::fixture_source(dir);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    Markers::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    checked += 1;
                }
            }
        }
        assert!(checked > 10, "only {checked} fixture sources found");
    }

    #[test]
    fn a_missing_marker_names_the_file_and_the_markers_there() {
        let path = crate::fixtures::fixture_source("src/loop.c");
        let err = try_marker_line(&path, "no_such_marker")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no_such_marker") && err.contains("loop.c"),
            "{err}"
        );
        assert!(err.contains("loop_body"), "{err}");
    }
}
