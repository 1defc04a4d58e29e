//! The subset matcher (pure).

use rewind_protocol_tests::matcher::check;
use serde_json::json;

#[test]
fn objects_match_as_subsets() {
    let actual = json!({"success": true, "command": "threads", "body": {"threads": [{"id": 1, "name": "loop"}]}});
    assert!(check(&json!({}), &actual).is_ok());
    assert!(check(&json!({"success": true}), &actual).is_ok());
    assert!(check(&json!({"body": {"threads": [{"id": 1}]}}), &actual).is_ok());
    let m = check(&json!({"body": {"threads": [{"id": 2}]}}), &actual).unwrap_err();
    assert_eq!(m.path, "body.threads[0].id");
    assert_eq!(m.expected, json!(2));
    assert_eq!(m.actual, Some(json!(1)));
    let text = m.to_string();
    assert!(text.contains("body.threads[0].id"), "{text}");
    assert!(text.contains("expected: 2"), "{text}");
    assert!(text.contains("actual:   1"), "{text}");
}

#[test]
fn missing_keys_and_wrong_types_are_reported() {
    let m = check(&json!({"body": {"x": 1}}), &json!({"body": {}})).unwrap_err();
    assert_eq!(m.path, "body.x");
    assert_eq!(m.actual, None);
    assert!(m.to_string().contains("(missing)"));
    let m = check(&json!({"body": {"x": 1}}), &json!({"body": [1]})).unwrap_err();
    assert_eq!(m.path, "body");
    assert!(m.reason.contains("object"), "{}", m.reason);
}

#[test]
fn arrays_match_element_wise_as_a_prefix() {
    let actual = json!([{"a": 1, "b": 2}, {"a": 3}]);
    assert!(check(&json!([{"a": 1}]), &actual).is_ok());
    assert!(check(&json!([{}, {"a": 3}]), &actual).is_ok());
    assert!(check(&json!([{"a": 3}]), &actual).is_err());
    let m = check(&json!([{}, {}, {}]), &actual).unwrap_err();
    assert!(m.reason.contains("at least 3"), "{}", m.reason);
    assert!(check(&json!({"$len": 2}), &actual).is_ok());
    assert!(check(&json!({"$len": {"$gte": 3}}), &actual).is_err());
}

#[test]
fn numbers_compare_by_value() {
    assert!(check(&json!(3), &json!(3.0)).is_ok());
    assert!(check(&json!(3), &json!("3")).is_err());
    assert!(check(&json!({"$gt": 2, "$lte": 3}), &json!(3)).is_ok());
    assert!(check(&json!({"$lt": 3}), &json!(3)).is_err());
}

#[test]
fn regex_operator() {
    assert!(check(&json!({"$regex": "SIGSEGV"}), &json!("signal SIGSEGV (11)")).is_ok());
    assert!(check(&json!({"$regex": "^end"}), &json!("the end")).is_err());
    assert!(check(&json!({"$regex": "^2[0-9]$"}), &json!(23)).is_ok());
    let m = check(
        &json!({"message": {"$regex": "("}}),
        &json!({"message": "x"}),
    )
    .unwrap_err();
    assert!(m.reason.contains("invalid $regex"), "{}", m.reason);
    assert_eq!(m.path, "message");
}

#[test]
fn contains_operator() {
    let modules = json!({"modules": [{"name": "libc.so.6"}, {"name": "loop", "path": "/x/loop"}]});
    assert!(check(
        &json!({"modules": {"$contains": {"name": "loop"}}}),
        &modules
    )
    .is_ok());
    assert!(check(
        &json!({"modules": {"$contains": {"name": "nope"}}}),
        &modules
    )
    .is_err());
    assert!(check(
        &json!({"modules": {"$contains": [{"name": "loop"}, {"name": {"$regex": "^libc"}}]}}),
        &modules
    )
    .is_ok());
    assert!(check(
        &json!({"$contains": "end"}),
        &json!("the end of the recording")
    )
    .is_ok());
    assert!(check(&json!({"$contains": "x"}), &json!(5)).is_err());
}

#[test]
fn absent_not_type_oneof_exact() {
    let v = json!({"a": 1, "n": null, "o": {"p": 1, "q": 2}});
    assert!(check(&json!({"b": {"$absent": true}}), &v).is_ok());
    assert!(check(&json!({"n": {"$absent": true}}), &v).is_ok());
    assert!(check(&json!({"a": {"$absent": true}}), &v).is_err());
    assert!(check(&json!({"a": {"$absent": false}}), &v).is_ok());
    assert!(check(&json!({"b": {"$absent": false}}), &v).is_err());
    assert!(check(&json!({"a": {"$not": 2}}), &v).is_ok());
    assert!(check(&json!({"a": {"$not": 1}}), &v).is_err());
    assert!(check(&json!({"a": {"$type": "integer"}}), &v).is_ok());
    assert!(check(&json!({"o": {"$type": "object"}}), &v).is_ok());
    assert!(check(&json!({"a": {"$type": "string"}}), &v).is_err());
    assert!(check(&json!({"a": {"$oneOf": [2, 1]}}), &v).is_ok());
    assert!(check(&json!({"a": {"$oneOf": [2, 3]}}), &v).is_err());
    assert!(check(&json!({"o": {"$exact": {"p": 1}}}), &v).is_err());
    assert!(check(&json!({"o": {"$exact": {"p": 1, "q": 2}}}), &v).is_ok());
    assert!(check(&json!({"a": {"$bogus": 1}}), &v).is_err());
}

#[test]
fn mismatch_inside_operator_keeps_the_path() {
    let v = json!({"body": {"stackFrames": [{"name": "main"}]}});
    let m = check(
        &json!({"body": {"stackFrames": [{"name": {"$regex": "^step"}}]}}),
        &v,
    )
    .unwrap_err();
    assert_eq!(m.path, "body.stackFrames[0].name");
    assert_eq!(m.actual, Some(json!("main")));
}
