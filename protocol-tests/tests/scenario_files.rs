//! Every scenario file parses and passes the linter (no adapter needed):
//! fixture sources and markers exist, every `${var}` is defined before use.

use rewind_protocol_tests::locate;
use rewind_protocol_tests::scenario::{lint, scenario_files, Scenario};

#[test]
fn scenario_files_are_well_formed() {
    let files = scenario_files(&locate::scenarios_dir()).expect("read scenarios/");
    assert!(!files.is_empty(), "no scenario files");
    let mut problems = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for file in &files {
        let shown = file.file_name().unwrap().to_string_lossy().into_owned();
        match Scenario::load(file) {
            Ok(scenario) => {
                if !names.insert(scenario.name.clone()) {
                    problems.push(format!("{shown}: duplicate name {:?}", scenario.name));
                }
                for p in lint(&scenario, &rewind_test_support::fixtures_src()) {
                    problems.push(format!("{shown}: {p}"));
                }
            }
            Err(e) => problems.push(format!("{shown}: {e}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn malformed_scenarios_are_rejected() {
    let bad = [
        (r#"{"steps": []}"#, "name"),
        (
            r#"{"name": "x", "steps": [{"sned": "threads"}]}"#,
            "without a kind",
        ),
        (
            r#"{"name": "x", "steps": [{"send": "threads", "expct": {}}]}"#,
            "expct",
        ),
        (
            r#"{"name": "x", "steps": [{"expectStop": {"lnie": 3}}]}"#,
            "lnie",
        ),
        (
            r#"{"name": "x", "steps": [{"send": "a", "noWait": true, "expect": {}}]}"#,
            "noWait",
        ),
        (
            r#"{"name": "x", "steps": [{"send": "a", "save": {"v": "a..b"}}]}"#,
            "empty segment",
        ),
        (
            r#"{"name": "x", "transport": "pigeon", "steps": []}"#,
            "transport",
        ),
    ];
    for (text, needle) in bad {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let err = Scenario::from_json(&json).expect_err(text).to_string();
        assert!(err.contains(needle), "{text}: {err}");
    }
}

#[test]
fn the_linter_catches_undefined_references() {
    let json = serde_json::json!({
        "name": "x",
        "fixture": "loop",
        "steps": [
            {"send": "scopes", "arguments": {"frameId": "${frameId}"}},
            {"expectStop": {"line": "@no_such_marker"}},
            {"send": "variables", "arguments": {"variablesReference": "${frameId}"}},
            {"awaitResponse": "launch"}
        ]
    });
    let scenario = Scenario::from_json(&json).unwrap();
    let problems = lint(&scenario, &rewind_test_support::fixtures_src()).join("\n");
    assert!(
        problems.contains("step 0: unknown variable ${frameId}"),
        "{problems}"
    );
    assert!(problems.contains("no_such_marker"), "{problems}");
    assert!(
        !problems.contains("step 2"),
        "frameId is saved by expectStop: {problems}"
    );
    assert!(problems.contains("no noWait `launch`"), "{problems}");
}
