//! Canonical JSON: examples, every refusal, and round-trip properties.

use ledger_core::canonical::{
    compare_names, parse_canonical, to_canonical, CanonicalError, INTEGER_MAX,
};
use ledger_core::limits::JSON_DEPTH_MAX;
use proptest::prelude::*;
use serde_json::{json, Value};

fn canonical_string(value: &Value) -> String {
    String::from_utf8(to_canonical(value).expect("canonical")).expect("UTF-8")
}

#[test]
fn writes_the_example_from_the_format_document() {
    let value = json!({
        "z": [true, false, null, -7, 0, INTEGER_MAX],
        "a": {"b": "Nguyễn Thị Hồng", "a": ""},
        "A": "8.5"
    });
    assert_eq!(
        canonical_string(&value),
        r#"{"A":"8.5","a":{"a":"","b":"Nguyễn Thị Hồng"},"z":[true,false,null,-7,0,9007199254740991]}"#
    );
}

#[test]
fn orders_names_by_utf16_code_units_not_bytes() {
    // U+10437 (DESERET SMALL LETTER YEE) is D801 DC37 in UTF-16: it sorts before U+E000 and
    // U+FFFD, although by code point and by UTF-8 bytes it sorts after them.
    let value = json!({"\u{FFFD}": 4, "\u{E000}": 3, "\u{10437}": 2, "\u{20AC}": 1, "a": 0});
    assert_eq!(
        canonical_string(&value),
        "{\"a\":0,\"\u{20AC}\":1,\"\u{10437}\":2,\"\u{E000}\":3,\"\u{FFFD}\":4}"
    );
    // Rust's own string order disagrees, which is why it must not be used.
    assert!("\u{10437}" > "\u{E000}");
    assert_eq!(
        compare_names("\u{10437}", "\u{E000}"),
        std::cmp::Ordering::Less
    );
    // The canonical bytes parse back.
    let bytes = to_canonical(&value).unwrap();
    assert_eq!(parse_canonical(&bytes).unwrap(), value);
    // The same members in byte order are refused.
    let byte_order = "{\"a\":0,\"\u{20AC}\":1,\"\u{E000}\":3,\"\u{FFFD}\":4,\"\u{10437}\":2}";
    assert!(matches!(
        parse_canonical(byte_order.as_bytes()),
        Err(CanonicalError::NotCanonical { .. })
    ));
}

#[test]
fn escapes_as_rfc_8785_does() {
    let value =
        json!({"s": "\"\\/\u{8}\t\n\u{c}\r\u{0}\u{1}\u{1b}\u{1f} \u{7f}\u{2028}\u{2029}é😀"});
    let expected = "{\"s\":\"\\\"\\\\/\\b\\t\\n\\f\\r\\u0000\\u0001\\u001b\\u001f \u{7f}\u{2028}\u{2029}é😀\"}";
    assert_eq!(canonical_string(&value), expected);
    assert_eq!(parse_canonical(expected.as_bytes()).unwrap(), value);
}

#[test]
fn accepts_the_integer_bounds() {
    let value = json!([INTEGER_MAX, -(INTEGER_MAX as i64), 0, 1, -1]);
    let bytes = to_canonical(&value).unwrap();
    assert_eq!(bytes, b"[9007199254740991,-9007199254740991,0,1,-1]");
    assert_eq!(parse_canonical(&bytes).unwrap(), value);
}

#[test]
fn accepts_scalars_and_empty_containers() {
    for text in [
        "null", "true", "false", "0", "-5", "\"\"", "[]", "{}", "[[],{}]",
    ] {
        assert!(parse_canonical(text.as_bytes()).is_ok(), "{text}");
    }
}

#[test]
fn limits_depth() {
    let mut deepest = json!(1);
    for _ in 0..JSON_DEPTH_MAX {
        deepest = json!([deepest]);
    }
    let bytes = to_canonical(&deepest).unwrap();
    assert_eq!(parse_canonical(&bytes).unwrap(), deepest);
    let too_deep = json!({ "a": deepest });
    assert_eq!(to_canonical(&too_deep), Err(CanonicalError::TooDeep));
    let text = format!(
        "{}1{}",
        "[".repeat(JSON_DEPTH_MAX + 1),
        "]".repeat(JSON_DEPTH_MAX + 1)
    );
    assert_eq!(
        parse_canonical(text.as_bytes()),
        Err(CanonicalError::TooDeep)
    );
    // Far deeper input fails in the parser, not in a stack overflow.
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        parse_canonical(text.as_bytes()),
        Err(CanonicalError::Syntax(_))
    ));
}

fn refusal(text: &[u8]) -> CanonicalError {
    match parse_canonical(text) {
        Ok(value) => panic!(
            "{:?} was accepted as {value}",
            String::from_utf8_lossy(text)
        ),
        Err(error) => error,
    }
}

#[test]
fn refuses_non_canonical_spellings() {
    for text in [
        " {}",
        "{} ",
        "{}\n",
        "{ }",
        "[1, 2]",
        "{\"a\": 1}",
        "{\"b\":1,\"a\":2}",
        "{\"a\":1,\"a\":1}",
        "{\"a\":1,\"a\":2}",
        "\"\\u0041\"",
        "\"\\/\"",
        "\"\\u001F\"",
        "\"\\u0008\"",
        "\"\\u007f\"",
        "\"\\u2028\"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
    ] {
        assert!(
            matches!(
                refusal(text.as_bytes()),
                CanonicalError::NotCanonical { .. }
            ),
            "{text}"
        );
    }
    assert_eq!(
        refusal(b"{\"b\":1,\"a\":2}"),
        CanonicalError::NotCanonical { offset: 2 }
    );
}

#[test]
fn refuses_numbers_outside_the_subset() {
    for (text, expected) in [
        ("1.0", CanonicalError::NotAnInteger),
        ("8.5", CanonicalError::NotAnInteger),
        ("1e2", CanonicalError::NotAnInteger),
        ("1E2", CanonicalError::NotAnInteger),
        ("[0.1]", CanonicalError::NotAnInteger),
        ("-0", CanonicalError::NegativeZero),
        ("-0.0", CanonicalError::NegativeZero),
        ("9007199254740992", CanonicalError::IntegerOutOfRange),
        ("-9007199254740992", CanonicalError::IntegerOutOfRange),
        ("18446744073709551616", CanonicalError::IntegerOutOfRange),
        ("-9223372036854775809", CanonicalError::IntegerOutOfRange),
        ("{\"grade\":8.5}", CanonicalError::NotAnInteger),
    ] {
        assert_eq!(refusal(text.as_bytes()), expected, "{text}");
    }
    assert_eq!(to_canonical(&json!(0.5)), Err(CanonicalError::NotAnInteger));
    assert_eq!(to_canonical(&json!(2.0)), Err(CanonicalError::NotAnInteger));
    assert_eq!(
        to_canonical(&json!(INTEGER_MAX + 1)),
        Err(CanonicalError::IntegerOutOfRange)
    );
    assert_eq!(
        to_canonical(&json!(i64::MIN)),
        Err(CanonicalError::IntegerOutOfRange)
    );
}

#[test]
fn refuses_noncharacters() {
    for c in [
        '\u{FDD0}',
        '\u{FDEF}',
        '\u{FFFE}',
        '\u{FFFF}',
        '\u{1FFFF}',
        '\u{10FFFE}',
    ] {
        assert_eq!(
            to_canonical(&json!(c.to_string())),
            Err(CanonicalError::Noncharacter(u32::from(c)))
        );
        let mut name = serde_json::Map::new();
        name.insert(c.to_string(), json!(1));
        assert!(to_canonical(&Value::Object(name)).is_err());
        let text = format!("\"{c}\"");
        assert_eq!(
            refusal(text.as_bytes()),
            CanonicalError::Noncharacter(u32::from(c))
        );
    }
    assert!(to_canonical(&json!("\u{FDCF}\u{FDF0}\u{FFFD}")).is_ok());
}

#[test]
fn refuses_what_is_not_json_text() {
    for text in [
        &b""[..],
        b"\xEF\xBB\xBF{}",
        b"\"\xFF\"",
        b"\"\xC3\"",
        b"\"\xED\xA0\x80\"",
        b"\"\\ud800\"",
        b"\"\\udc00\"",
        b"{\"a\":1,}",
        b"[1,]",
        b"01",
        b"+1",
        b"NaN",
        b"Infinity",
        b"'a'",
        b"{a:1}",
        b"\"\x01\"",
        b"\"\x1f\"",
        b"\"\\x41\"",
        b"{}{}",
        b"tru",
    ] {
        assert!(
            matches!(refusal(text), CanonicalError::Syntax(_)),
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn errors_explain_themselves() {
    let message = CanonicalError::NotAnInteger.to_string();
    assert!(message.contains("\"8.5\""), "{message}");
    let message = CanonicalError::NotCanonical { offset: 7 }.to_string();
    assert!(message.contains("byte 7"), "{message}");
}

/// Characters for generated strings: any scalar value except noncharacters, which are refused.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..12).prop_map(|chars| {
        chars
            .into_iter()
            .map(|c| {
                let code = u32::from(c);
                if (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE {
                    '?'
                } else {
                    c
                }
            })
            .collect()
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let max = INTEGER_MAX as i64;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-max..=max).prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        text().prop_map(Value::String),
        "[a-z\u{e000}\u{ff21}\u{1f600}\u{10437}]{0,3}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    text(),
                    "[a-z\u{e000}\u{ff21}\u{1f600}\u{10437}]{0,3}".prop_map(String::from)
                ],
                inner,
                0..6
            )
            .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn canonical_form_round_trips(value in json_value()) {
        let canonical = to_canonical(&value).unwrap();
        let parsed = parse_canonical(&canonical).unwrap();
        prop_assert_eq!(&parsed, &value);
        prop_assert_eq!(to_canonical(&parsed).unwrap(), canonical);
    }

    #[test]
    fn any_spelling_canonicalises_to_the_same_bytes(value in json_value()) {
        let canonical = to_canonical(&value).unwrap();
        for spelling in [
            serde_json::to_vec(&value).unwrap(),
            serde_json::to_vec_pretty(&value).unwrap(),
        ] {
            let reparsed: Value = serde_json::from_slice(&spelling).unwrap();
            prop_assert_eq!(to_canonical(&reparsed).unwrap(), canonical.clone());
            prop_assert_eq!(parse_canonical(&spelling).is_ok(), spelling == canonical);
        }
    }

    #[test]
    fn output_has_no_whitespace_outside_strings(value in json_value()) {
        let canonical = to_canonical(&value).unwrap();
        let mut in_string = false;
        let mut escaped = false;
        for byte in canonical {
            if in_string {
                prop_assert!(byte >= 0x20, "raw control character in a string");
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
            } else {
                prop_assert!(!matches!(byte, b' ' | b'\t' | b'\n' | b'\r'));
                in_string = byte == b'"';
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(value) = parse_canonical(&bytes) {
            prop_assert_eq!(to_canonical(&value).unwrap(), bytes);
        }
    }
}
