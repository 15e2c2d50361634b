//! Every worked example of `fixtures/vectors/tt22-examples.json` through the assess format:
//! each field of `expected` must equal the output (compared as JSON values; extra output fields
//! are allowed, but `after_summer` must be absent when the example has none).

use ledger_core::rules::assess::assess_json;
use serde_json::Value;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/vectors/tt22-examples.json"
));

/// Checks that `actual` holds everything in `expected`: objects may have extra members, arrays
/// must match element by element, everything else must be equal.
fn assert_contains(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => {
            for (name, value) in expected {
                let found = actual
                    .get(name)
                    .unwrap_or_else(|| panic!("{path}.{name}: missing from the output"));
                assert_contains(found, value, &format!("{path}.{name}"));
            }
        }
        (Value::Array(actual), Value::Array(expected)) => {
            assert_eq!(actual.len(), expected.len(), "{path}: length");
            for (index, (found, value)) in actual.iter().zip(expected).enumerate() {
                assert_contains(found, value, &format!("{path}[{index}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}

#[test]
fn every_example_gives_its_expected_results() {
    let examples: Vec<Value> = serde_json::from_str(VECTORS).expect("the vectors are JSON");
    assert!(!examples.is_empty(), "no examples found");
    for (index, example) in examples.iter().enumerate() {
        let output = assess_json(&example["input"])
            .unwrap_or_else(|error| panic!("example {index} refused: {error}"));
        let output: Value = serde_json::from_str(&output)
            .unwrap_or_else(|error| panic!("example {index}: output is not JSON: {error}"));
        let expected = &example["expected"];
        assert_contains(&output, expected, &format!("example {index}"));
        if expected.get("after_summer").is_none() {
            assert!(
                output.get("after_summer").is_none(),
                "example {index}: after_summer given although the example has none"
            );
        }
    }
}

#[test]
fn averages_are_written_with_exactly_one_decimal() {
    // The vectors write 8.0, not 8: the output text must match that form too.
    let examples: Vec<Value> = serde_json::from_str(VECTORS).expect("the vectors are JSON");
    let output = assess_json(&examples[0]["input"]).expect("example 0");
    assert!(
        output.contains(r#"{"code":"toan","semesters":[7.8,8.1],"year":8.0}"#),
        "{output}"
    );
    assert!(!output.contains('\n'), "one line");
}
