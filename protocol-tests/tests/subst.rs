//! Variable substitution and save paths (pure). The markers themselves are
//! tested with rewind-test-support.

#![allow(clippy::unwrap_used)] // a test crate: a failed unwrap is a failed test

use rewind_protocol_tests::jsonpath;
use rewind_protocol_tests::subst::{SubstError, Vars};
use rewind_test_support::Markers;
use serde_json::json;

const SOURCE: &str =
    "int main(void)\n{\n    int x = 1; /* LINE:first */\n    return x; /* LINE:ret */\n}\n";

fn vars() -> Vars {
    let mut v = Vars::new().with_markers(Markers::parse(SOURCE).unwrap());
    v.set("fixture", "/f/build/loop");
    v.set("frameId", 1000);
    v
}

#[test]
fn whole_string_references_keep_their_type() {
    let v = vars();
    assert_eq!(v.substitute_str("@first").unwrap(), json!(3));
    assert_eq!(v.substitute_str("${line:ret}").unwrap(), json!(4));
    assert_eq!(v.substitute_str("${frameId}").unwrap(), json!(1000));
    assert_eq!(
        v.substitute_str("${fixture}").unwrap(),
        json!("/f/build/loop")
    );
}

#[test]
fn references_inside_text_are_spliced() {
    let v = vars();
    assert_eq!(
        v.substitute_str("goto-event ${frameId} at ${line:first}")
            .unwrap(),
        json!("goto-event 1000 at 3")
    );
    assert_eq!(
        v.substitute_str("${fixture}.c").unwrap(),
        json!("/f/build/loop.c")
    );
    assert_eq!(v.substitute_str("cost $5").unwrap(), json!("cost $5"));
    assert_eq!(
        v.substitute_str("$${fixture}").unwrap(),
        json!("${fixture}")
    );
    assert_eq!(v.substitute_str("@@first").unwrap(), json!("@first"));
    assert_eq!(v.substitute_str("a@first").unwrap(), json!("a@first"));
    assert_eq!(v.substitute_str("@ 3").unwrap(), json!("@ 3"));
}

#[test]
fn unknown_references_are_errors() {
    let v = vars();
    assert_eq!(
        v.substitute_str("${nope}"),
        Err(SubstError::UnknownVariable("nope".into()))
    );
    assert!(matches!(
        v.substitute_str("@nope"),
        Err(SubstError::UnknownMarker { .. })
    ));
    assert!(matches!(
        v.substitute_str("x ${fixture"),
        Err(SubstError::Unterminated(_))
    ));
    assert!(matches!(
        Vars::new().substitute_str("@first"),
        Err(SubstError::NoMarkers(_))
    ));
}

#[test]
fn substitution_is_recursive_and_leaves_keys_alone() {
    let v = vars();
    let out = v
        .substitute(&json!({"${frameId}": ["@first", {"line": "@ret", "n": 5, "b": true}]}))
        .unwrap();
    assert_eq!(
        out,
        json!({"${frameId}": [3, {"line": 4, "n": 5, "b": true}]})
    );
}

#[test]
fn save_paths() {
    let response = json!({"body": {"stackFrames": [{"id": 7}, {"id": 8}], "scopes": []}});
    assert_eq!(
        jsonpath::lookup(&response, "body.stackFrames[1].id").unwrap(),
        &json!(8)
    );
    assert_eq!(
        jsonpath::lookup(&response, "body").unwrap()["scopes"],
        json!([])
    );
    let err = jsonpath::lookup(&response, "body.stackFrames[2].id").unwrap_err();
    assert!(err.contains("body.stackFrames[2]"), "{err}");
    assert_eq!(
        jsonpath::lookup(&json!([[1, 2]]), "[0][1]").unwrap(),
        &json!(2)
    );
    assert!(jsonpath::parse("a..b").is_err());
    assert!(jsonpath::parse("a[x]").is_err());
}

#[test]
fn save_paths_with_filters() {
    let body = json!({"scopes": [
        {"name": "Locals", "variablesReference": 1},
        {"name": "Globals", "variablesReference": 2},
    ], "sources": [{"name": "loop.c", "id": 4}]});
    assert_eq!(
        jsonpath::lookup(&body, "scopes[name=Globals].variablesReference").unwrap(),
        &json!(2)
    );
    assert_eq!(
        jsonpath::lookup(&body, "sources[name=loop.c].id").unwrap(),
        &json!(4)
    );
    assert_eq!(
        jsonpath::lookup(&body, "sources[id=4].name").unwrap(),
        &json!("loop.c")
    );
    let err = jsonpath::lookup(&body, "scopes[name=Registers]").unwrap_err();
    assert!(err.contains("[name=Registers]"), "{err}");
}
