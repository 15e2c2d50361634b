//! Signed submissions: signing, the wire envelope, every refusal, and tamper properties.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use ledger_core::key::PublicKey;
use ledger_core::record::{
    signing_input, RecordError, SignedSubmission, Submission, BODY_SIZE_MAX, SIGNING_CONTEXT,
    WIRE_SIZE_MAX,
};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// A change to the fields of a body.
type Change = Box<dyn FnOnce(&mut Map<String, Value>)>;

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn payload(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => panic!("not an object"),
    }
}

fn example(signer: &SigningKey) -> Submission {
    Submission::new(
        PublicKey::from(signer),
        1_725_148_800_000,
        "grade.recorded",
        "school-42:2024-2025:hk1:0001",
        payload(json!({"student": "Nguyễn Văn An", "subject": "Toán", "score": "8.5"})),
        1,
    )
    .unwrap()
}

fn author_b64(signer: &SigningKey) -> String {
    BASE64.encode(PublicKey::from(signer).to_bytes())
}

/// A body built field by field, to break one rule at a time.
fn body_with(signer: &SigningKey, change: impl FnOnce(&mut Map<String, Value>)) -> Vec<u8> {
    let mut fields = payload(json!({
        "author": author_b64(signer),
        "claimed_at": 1_725_148_800_000u64,
        "event_type": "grade.recorded",
        "idempotency_id": "id-1",
        "payload": {"score": "8.5"},
        "schema_version": 1,
        "v": 1
    }));
    change(&mut fields);
    ledger_core::canonical::to_canonical(&Value::Object(fields)).unwrap()
}

fn refusal_code(body: Vec<u8>, signer: &SigningKey) -> &'static str {
    let signed = SignedSubmission::sign_body(body, signer);
    match signed.verify() {
        Ok(_) => panic!("accepted {}", String::from_utf8_lossy(&signed.body)),
        Err(error) => error.code(),
    }
}

#[test]
fn signs_and_verifies() {
    let signer = key(1);
    let submission = example(&signer);
    let body = String::from_utf8(submission.body().to_vec()).unwrap();
    assert_eq!(
        body,
        format!(
            "{{\"author\":\"{}\",\"claimed_at\":1725148800000,\"event_type\":\"grade.recorded\",\
             \"idempotency_id\":\"school-42:2024-2025:hk1:0001\",\"payload\":{{\"score\":\"8.5\",\
             \"student\":\"Nguyễn Văn An\",\"subject\":\"Toán\"}},\"schema_version\":1,\"v\":1}}",
            author_b64(&signer)
        )
    );
    let signed = SignedSubmission::sign(&submission, &signer);
    let verified = signed.verify().unwrap();
    assert_eq!(verified.submission(), &submission);
    assert_eq!(verified.body(), submission.body());
    assert_eq!(verified.signature(), &signed.signature);
    assert_eq!(verified.author(), &PublicKey::from(&signer));
    assert_eq!(verified.to_signed(), signed);
    assert_eq!(submission.event_type(), "grade.recorded");
    assert_eq!(submission.idempotency_id(), "school-42:2024-2025:hk1:0001");
    assert_eq!(submission.claimed_at_ms(), 1_725_148_800_000);
    assert_eq!(submission.schema_version(), 1);
    assert_eq!(submission.payload()["subject"], json!("Toán"));
    // The signing input is the context, a line feed, then the body.
    let input = signing_input(submission.body());
    assert_eq!(
        &input[..SIGNING_CONTEXT.len()],
        b"hocba-ledger/submission/v1"
    );
    assert_eq!(input[SIGNING_CONTEXT.len()], 0x0A);
    assert_eq!(&input[SIGNING_CONTEXT.len() + 1..], submission.body());
}

#[test]
fn wire_envelope_round_trips_and_allows_outer_whitespace() {
    let signer = key(2);
    let signed = SignedSubmission::sign(&example(&signer), &signer);
    let wire = signed.to_wire_json();
    assert!(wire.starts_with(b"{\"body\":{\"author\":"));
    assert_eq!(SignedSubmission::from_wire_json(&wire).unwrap(), signed);

    let body = String::from_utf8(signed.body.clone()).unwrap();
    let signature = BASE64.encode(signed.signature);
    for spaced in [
        format!(" \n{{ \"signature\" : \"{signature}\" ,\r\n\t\"body\" :\n{body} }}\n "),
        format!("{{\"body\":{body},\"signature\":\"{signature}\"}}"),
        format!("{{\"bo\\u0064y\":{body},\"signature\":\"{signature}\"}}"),
    ] {
        let parsed = SignedSubmission::from_wire_json(spaced.as_bytes()).unwrap();
        assert_eq!(parsed, signed);
        assert!(parsed.verify().is_ok());
    }
}

#[test]
fn refuses_malformed_envelopes() {
    let signer = key(3);
    let signed = SignedSubmission::sign(&example(&signer), &signer);
    let body = String::from_utf8(signed.body.clone()).unwrap();
    let signature = BASE64.encode(signed.signature);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "submission-malformed"),
        ("[]".to_owned(), "submission-malformed"),
        ("{}".to_owned(), "submission-malformed"),
        (format!("{{\"body\":{body}}}"), "submission-malformed"),
        (
            format!("{{\"signature\":\"{signature}\"}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"{signature}\",\"x\":1}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"body\":{body},\"signature\":\"{signature}\"}}"),
            "submission-malformed",
        ),
        (
            format!(
                "{{\"body\":{body},\"signature\":\"{signature}\",\"signature\":\"{signature}\"}}"
            ),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"{signature}\"}} x"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"{signature}\"}}{{}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"signature\":7}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body} \"signature\":\"{signature}\"}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"{signature}\",}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{{\"a\":}},\"signature\":\"{signature}\"}}"),
            "submission-malformed",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"AAAA\"}}"),
            "signature-invalid",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"not base64!\"}}"),
            "signature-invalid",
        ),
        (
            format!("{{\"body\":{body},\"signature\":\"{}\"}}", &signature[..86]),
            "signature-invalid",
        ),
    ];
    for (wire, expected) in cases {
        let error = SignedSubmission::from_wire_json(wire.as_bytes()).unwrap_err();
        assert_eq!(error.code(), expected, "{wire}: {error}");
    }
    // Invalid UTF-8 makes the envelope invalid JSON.
    let mut wire = signed.to_wire_json();
    let at = wire.iter().position(|b| *b == 0xC3).unwrap();
    wire[at] = 0xFF;
    assert_eq!(
        SignedSubmission::from_wire_json(&wire).unwrap_err().code(),
        "submission-malformed"
    );
    // Oversized input is refused before parsing.
    let huge = vec![b' '; WIRE_SIZE_MAX + 1];
    assert_eq!(
        SignedSubmission::from_wire_json(&huge).unwrap_err().code(),
        "record-too-large"
    );
}

#[test]
fn whitespace_inside_the_body_is_not_canonical() {
    let signer = key(4);
    let signed = SignedSubmission::sign(&example(&signer), &signer);
    let body = String::from_utf8(signed.body.clone()).unwrap();
    let spaced = body.replacen("\"author\":", "\"author\": ", 1);
    let wire = format!(
        "{{\"body\":{spaced},\"signature\":\"{}\"}}",
        BASE64.encode(signed.signature)
    );
    let parsed = SignedSubmission::from_wire_json(wire.as_bytes()).unwrap();
    assert_eq!(parsed.body, spaced.as_bytes());
    assert_eq!(
        parsed.verify().unwrap_err().code(),
        "submission-not-canonical"
    );
}

#[test]
fn refuses_every_broken_field_rule() {
    let signer = key(5);
    let mut weak = [0u8; 32];
    weak[0] = 1;
    let not_a_point = {
        // y = 2 is not the y coordinate of a curve point.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        bytes
    };
    // y = p + 3: a valid point of large order, but encoded with y >= p (RFC 8032 refuses it).
    let mut non_canonical = [0xFFu8; 32];
    non_canonical[0] = 0xF0;
    non_canonical[31] = 0x7F;
    // The identity with the sign bit set (x = 0 "negative"): small order, refused as weak.
    let mut weak_x0_negative = [0u8; 32];
    weak_x0_negative[0] = 1;
    weak_x0_negative[31] = 0x80;
    // y = p + 1, the identity encoded with y >= p: refused as malformed before the weak check.
    let mut identity_non_canonical = [0xFFu8; 32];
    identity_non_canonical[0] = 0xEE;
    identity_non_canonical[31] = 0x7F;
    let set = |name: &'static str, value: Value| -> Change {
        Box::new(move |fields| {
            fields.insert(name.to_owned(), value);
        })
    };
    let remove = |name: &'static str| -> Change {
        Box::new(move |fields| {
            fields.remove(name);
        })
    };
    let cases: Vec<(Change, &str)> = vec![
        (set("v", json!(2)), "submission-version-unsupported"),
        (set("v", json!(0)), "submission-version-unsupported"),
        (set("v", json!("1")), "submission-version-unsupported"),
        (remove("v"), "submission-malformed"),
        (remove("author"), "submission-malformed"),
        (remove("claimed_at"), "submission-malformed"),
        (remove("event_type"), "submission-malformed"),
        (remove("idempotency_id"), "submission-malformed"),
        (remove("payload"), "submission-malformed"),
        (remove("schema_version"), "submission-malformed"),
        (set("extra", json!(1)), "submission-malformed"),
        (set("author", json!(1)), "submission-malformed"),
        (set("author", json!("not base64")), "key-malformed"),
        (
            set("author", json!(BASE64.encode([1u8; 31]))),
            "key-malformed",
        ),
        (
            set("author", json!(BASE64.encode(not_a_point))),
            "key-malformed",
        ),
        (set("author", json!(BASE64.encode(weak))), "key-weak"),
        (
            set("author", json!(BASE64.encode(non_canonical))),
            "key-malformed",
        ),
        (
            set("author", json!(BASE64.encode(weak_x0_negative))),
            "key-weak",
        ),
        (
            set("author", json!(BASE64.encode(identity_non_canonical))),
            "key-malformed",
        ),
        (set("claimed_at", json!(-1)), "submission-malformed"),
        (
            set("claimed_at", json!("2024-09-01")),
            "submission-malformed",
        ),
        (set("event_type", json!(7)), "submission-malformed"),
        (set("event_type", json!("")), "event-type-invalid"),
        (
            set("event_type", json!("Grade.recorded")),
            "event-type-invalid",
        ),
        (set("event_type", json!("1grade")), "event-type-invalid"),
        (set("event_type", json!("_grade")), "event-type-invalid"),
        (
            set("event_type", json!("grade-recorded")),
            "event-type-invalid",
        ),
        (set("event_type", json!("điểm")), "event-type-invalid"),
        (
            set("event_type", json!("a".repeat(65))),
            "event-type-invalid",
        ),
        (set("idempotency_id", json!(["x"])), "submission-malformed"),
        (set("idempotency_id", json!("")), "idempotency-id-invalid"),
        (
            set("idempotency_id", json!("has space")),
            "idempotency-id-invalid",
        ),
        (
            set("idempotency_id", json!("a/b")),
            "idempotency-id-invalid",
        ),
        (set("idempotency_id", json!("mã")), "idempotency-id-invalid"),
        (
            set("idempotency_id", json!("a".repeat(129))),
            "idempotency-id-invalid",
        ),
        (set("payload", json!([])), "submission-malformed"),
        (set("payload", json!("text")), "submission-malformed"),
        (set("payload", Value::Null), "submission-malformed"),
        (
            set("schema_version", json!(0)),
            "schema-version-unsupported",
        ),
        (
            set("schema_version", json!(-1)),
            "schema-version-unsupported",
        ),
        (
            set("schema_version", json!(4_294_967_296u64)),
            "schema-version-unsupported",
        ),
        (set("schema_version", json!("1")), "submission-malformed"),
    ];
    for (change, expected) in cases {
        let body = body_with(&signer, change);
        assert_eq!(
            refusal_code(body.clone(), &signer),
            expected,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    // The limits themselves are accepted.
    for change in [
        set("event_type", json!("a".repeat(64))),
        set("event_type", json!("a0_.z")),
        set("idempotency_id", json!("a".repeat(128))),
        set("idempotency_id", json!("AZaz09._:-")),
        set("schema_version", json!(4_294_967_295u64)),
        set("claimed_at", json!(0)),
        set("claimed_at", json!(9_007_199_254_740_991u64)),
        set("payload", json!({})),
    ] {
        let body = body_with(&signer, change);
        assert!(SignedSubmission::sign_body(body, &signer).verify().is_ok());
    }
}

#[test]
fn refuses_bodies_that_are_not_objects_or_not_canonical() {
    let signer = key(6);
    for (body, expected) in [
        (&b"[]"[..], "submission-malformed"),
        (b"\"text\"", "submission-malformed"),
        (b"", "submission-not-canonical"),
        (b"{\"v\":1.0}", "submission-not-canonical"),
        (b"{\"v\":1} ", "submission-not-canonical"),
        (b"{\"v\":1,\"v\":1}", "submission-not-canonical"),
    ] {
        assert_eq!(refusal_code(body.to_vec(), &signer), expected);
    }
    let float = body_with(&signer, |fields| {
        fields.insert("payload".to_owned(), json!({"score": 8}));
    });
    let float = String::from_utf8(float)
        .unwrap()
        .replace("\"score\":8", "\"score\":8.5")
        .into_bytes();
    assert_eq!(refusal_code(float, &signer), "submission-not-canonical");
}

#[test]
fn refuses_signatures_that_do_not_verify() {
    let signer = key(7);
    let submission = example(&signer);
    // Signed by another key than the author.
    let other = SignedSubmission::sign(&submission, &key(8));
    let error = other.verify().unwrap_err();
    assert_eq!(error.code(), "signature-invalid");
    assert!(error.to_string().contains("`signature`"), "{error}");
    // Signed without the context.
    let mut bare = SignedSubmission::sign(&submission, &signer);
    bare.signature = ed25519_dalek::Signer::sign(&signer, submission.body()).to_bytes();
    assert_eq!(bare.verify().unwrap_err().code(), "signature-invalid");
    // All-zero signature.
    bare.signature = [0; 64];
    assert_eq!(bare.verify().unwrap_err().code(), "signature-invalid");
}

#[test]
fn builder_refuses_what_verification_refuses() {
    let author = PublicKey::from(&key(9));
    let build = |event_type: &str, id: &str, payload_value: Value, schema: u32, at: u64| {
        Submission::new(author, at, event_type, id, payload(payload_value), schema)
            .map(|_| ())
            .map_err(|error| error.code())
    };
    assert_eq!(build("a", "b", json!({}), 1, 0), Ok(()));
    assert_eq!(build("A", "b", json!({}), 1, 0), Err("event-type-invalid"));
    assert_eq!(
        build("a", "", json!({}), 1, 0),
        Err("idempotency-id-invalid")
    );
    assert_eq!(
        build("a", "b", json!({}), 0, 0),
        Err("schema-version-unsupported")
    );
    assert_eq!(
        build("a", "b", json!({"x": 8.5}), 1, 0),
        Err("submission-not-canonical")
    );
    assert_eq!(
        build("a", "b", json!({}), 1, 1 << 53),
        Err("submission-malformed")
    );
    let big = "x".repeat(BODY_SIZE_MAX);
    assert_eq!(
        build("a", "b", json!({ "x": big }), 1, 0),
        Err("record-too-large")
    );
}

#[test]
fn body_size_limit_is_exact() {
    let signer = key(10);
    let author = PublicKey::from(&signer);
    let with_filler = |filler: usize| {
        Submission::new(
            author,
            0,
            "a",
            "b",
            payload(json!({ "x": "y".repeat(filler) })),
            1,
        )
    };
    let base = with_filler(0).unwrap().body().len();
    let largest = with_filler(BODY_SIZE_MAX - base).unwrap();
    assert_eq!(largest.body().len(), BODY_SIZE_MAX);
    assert!(SignedSubmission::sign(&largest, &signer).verify().is_ok());
    assert_eq!(
        with_filler(BODY_SIZE_MAX - base + 1).unwrap_err().code(),
        "record-too-large"
    );
    // The same one byte over, signed raw, is refused by verification and by the envelope.
    let mut body = largest.body().to_vec();
    body.insert(body.len() - 30, b'y');
    let over = SignedSubmission::sign_body(body, &signer);
    assert_eq!(over.verify().unwrap_err().code(), "record-too-large");
    assert_eq!(
        SignedSubmission::from_wire_json(&over.to_wire_json())
            .unwrap_err()
            .code(),
        "record-too-large"
    );
    // The largest body fits the envelope limit with room for whitespace.
    let wire = SignedSubmission::sign(&largest, &signer).to_wire_json();
    assert!(wire.len() + 1024 <= WIRE_SIZE_MAX);
}

#[test]
fn error_messages_name_the_field() {
    let signer = key(11);
    let check = |change: Change, field: &str| {
        let error = SignedSubmission::sign_body(body_with(&signer, change), &signer)
            .verify()
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&format!("`{field}`")), "{message}");
        assert!(!error.code().is_empty());
    };
    check(
        Box::new(|f| {
            f.insert("event_type".into(), json!("X"));
        }),
        "event_type",
    );
    check(
        Box::new(|f| {
            f.insert("idempotency_id".into(), json!(""));
        }),
        "idempotency_id",
    );
    check(
        Box::new(|f| {
            f.insert("schema_version".into(), json!(0));
        }),
        "schema_version",
    );
    check(
        Box::new(|f| {
            f.insert("v".into(), json!(2));
        }),
        "v",
    );
    check(
        Box::new(|f| {
            f.remove("payload");
        }),
        "payload",
    );
    check(
        Box::new(|f| {
            f.insert("author".into(), json!("AAAA"));
        }),
        "author",
    );
    let long_name = "n".repeat(1000);
    let error = SignedSubmission::sign_body(
        body_with(&signer, |f| {
            f.insert(long_name.clone(), json!(1));
        }),
        &signer,
    )
    .verify()
    .unwrap_err();
    assert!(error.to_string().len() < 300, "{error}");
}

#[test]
fn every_code_is_distinct_and_stable() {
    let codes = [
        "submission-malformed",
        "submission-not-canonical",
        "submission-version-unsupported",
        "schema-version-unsupported",
        "event-type-invalid",
        "idempotency-id-invalid",
        "key-malformed",
        "key-weak",
        "signature-invalid",
        "record-too-large",
        "record-malformed",
        "chain-broken",
    ];
    let errors = [
        RecordError::SubmissionMalformed {
            field: "v".into(),
            problem: "x".into(),
        },
        RecordError::NotCanonical(ledger_core::canonical::CanonicalError::NotAnInteger),
        RecordError::SubmissionVersionUnsupported { found: "2".into() },
        RecordError::SchemaVersionUnsupported { found: "0".into() },
        RecordError::EventTypeInvalid {
            problem: "x".into(),
        },
        RecordError::IdempotencyIdInvalid {
            problem: "x".into(),
        },
        RecordError::KeyMalformed {
            problem: "x".into(),
        },
        RecordError::KeyWeak,
        RecordError::SignatureInvalid {
            problem: "x".into(),
        },
        RecordError::RecordTooLarge {
            what: "record",
            size: 2,
            max: 1,
        },
        RecordError::RecordMalformed {
            problem: "x".into(),
        },
        RecordError::ChainBroken {
            index: 1,
            problem: "x".into(),
        },
    ];
    for (error, code) in errors.iter().zip(codes) {
        assert_eq!(error.code(), code);
    }
}

fn payload_strategy() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(
        "[a-z_\u{e0}-\u{1ef9}]{1,8}",
        prop_oneof![
            "[ -~\u{e0}-\u{1ef9}\u{1f600}]{0,16}".prop_map(Value::String),
            (-1_000_000i64..1_000_000).prop_map(Value::from),
            any::<bool>().prop_map(Value::Bool),
        ],
        0..6,
    )
    .prop_map(|members| members.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_then_verify_round_trips(
        seed in any::<[u8; 32]>(),
        claimed_at in 0u64..(1 << 53),
        event_type in "[a-z][a-z0-9_.]{0,20}",
        idempotency_id in "[A-Za-z0-9._:-]{1,40}",
        payload in payload_strategy(),
        schema_version in 1u32..,
    ) {
        let signer = SigningKey::from_bytes(&seed);
        let submission = Submission::new(
            PublicKey::from(&signer), claimed_at, event_type, idempotency_id, payload,
            schema_version,
        ).unwrap();
        let signed = SignedSubmission::sign(&submission, &signer);
        let verified = signed.verify().unwrap();
        prop_assert_eq!(verified.submission(), &submission);
        let parsed = SignedSubmission::from_wire_json(&signed.to_wire_json()).unwrap();
        prop_assert_eq!(&parsed, &signed);
        prop_assert_eq!(Submission::parse_body(submission.body()).unwrap(), submission);
    }

    #[test]
    fn changing_any_byte_fails(
        payload in payload_strategy(),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let signer = key(12);
        let submission = Submission::new(
            PublicKey::from(&signer), 1, "grade.recorded", "id", payload, 1,
        ).unwrap();
        let signed = SignedSubmission::sign(&submission, &signer);

        let mut body_changed = signed.clone();
        let at = position.index(body_changed.body.len());
        body_changed.body[at] ^= flip;
        prop_assert!(body_changed.verify().is_err());

        let mut signature_changed = signed.clone();
        let at = position.index(64);
        signature_changed.signature[at] ^= flip;
        prop_assert_eq!(
            signature_changed.verify().unwrap_err().code(),
            "signature-invalid"
        );
    }
}
