//! Records: layout, ids, re-verification, and the hash chain.

use ed25519_dalek::SigningKey;
use ledger_core::key::PublicKey;
use ledger_core::limits::RECORD_SIZE_MAX;
use ledger_core::record::{
    check_chain, encode_record, record_id, record_id_hex, verify_record, ChainVerifier, RecordView,
    SignedSubmission, Submission, VerifiedSubmission, BODY_SIZE_MAX, GENESIS_PREV,
    RECORD_HEADER_SIZE, RECORD_VERSION,
};
use serde_json::{json, Map, Value};

fn verified(n: u64) -> VerifiedSubmission {
    let signer = SigningKey::from_bytes(&[42; 32]);
    let mut payload = Map::new();
    payload.insert("n".to_owned(), Value::from(n));
    payload.insert("lop".to_owned(), json!("10A1"));
    let submission = Submission::new(
        PublicKey::from(&signer),
        1_725_148_800_000 + n,
        "enrolment.created",
        format!("id-{n}"),
        payload,
        1,
    )
    .unwrap();
    SignedSubmission::sign(&submission, &signer)
        .verify()
        .unwrap()
}

/// A log of `count` records, correctly chained.
fn log(count: u64) -> Vec<Vec<u8>> {
    let mut records: Vec<Vec<u8>> = Vec::new();
    for index in 0..count {
        let prev = records.last().map_or(GENESIS_PREV, |r| record_id(r));
        records.push(encode_record(
            index,
            1_725_148_800_000_000 + index,
            &prev,
            &verified(index),
        ));
    }
    records
}

fn chain_error(records: &[&[u8]]) -> Option<&'static str> {
    let mut chain = ChainVerifier::new();
    for record in records {
        if let Err(error) = chain.push(record) {
            return Some(error.code());
        }
    }
    None
}

#[test]
fn encodes_the_documented_layout() {
    let submission = verified(0);
    let prev = [0xAB; 32];
    let record = encode_record(
        0x0102_0304_0506_0708,
        0x1112_1314_1516_1718,
        &prev,
        &submission,
    );
    assert_eq!(RECORD_HEADER_SIZE, 113);
    assert_eq!(record.len(), RECORD_HEADER_SIZE + submission.body().len());
    assert_eq!(record[0], RECORD_VERSION);
    assert_eq!(&record[1..9], &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        &record[9..17],
        &[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]
    );
    assert_eq!(&record[17..49], &prev);
    assert_eq!(&record[49..113], submission.signature());
    assert_eq!(&record[113..], submission.body());

    let view = RecordView::decode(&record).unwrap();
    assert_eq!(view.index(), 0x0102_0304_0506_0708);
    assert_eq!(view.sequenced_at_us(), 0x1112_1314_1516_1718);
    assert_eq!(view.prev(), prev);
    assert_eq!(&view.signature(), submission.signature());
    assert_eq!(view.body(), submission.body());
    assert_eq!(view.bytes(), &record[..]);
    assert_eq!(view.id(), *blake3::hash(&record).as_bytes());
    assert_eq!(
        record_id_hex(&record),
        blake3::hash(&record).to_hex().as_str()
    );

    let checked = verify_record(&record).unwrap();
    assert_eq!(checked.submission(), &submission);
    assert_eq!(checked.view().index(), 0x0102_0304_0506_0708);
}

#[test]
fn largest_record_is_the_size_limit() {
    let signer = SigningKey::from_bytes(&[1; 32]);
    let with_filler = |filler: usize| {
        let mut payload = Map::new();
        payload.insert("x".to_owned(), Value::String("y".repeat(filler)));
        Submission::new(PublicKey::from(&signer), 0, "a", "b", payload, 1).unwrap()
    };
    let base = with_filler(0).body().len();
    let largest = with_filler(BODY_SIZE_MAX - base);
    let submission = SignedSubmission::sign(&largest, &signer).verify().unwrap();
    let record = encode_record(0, 0, &GENESIS_PREV, &submission);
    assert_eq!(record.len(), RECORD_SIZE_MAX);
    assert!(verify_record(&record).is_ok());
    let mut over = record.clone();
    over.push(b'}');
    assert_eq!(
        RecordView::decode(&over).unwrap_err().code(),
        "record-too-large"
    );
}

#[test]
fn refuses_malformed_records() {
    let record = log(1).remove(0);
    assert_eq!(
        RecordView::decode(&record[..RECORD_HEADER_SIZE - 1])
            .unwrap_err()
            .code(),
        "record-malformed"
    );
    assert_eq!(
        RecordView::decode(&[]).unwrap_err().code(),
        "record-malformed"
    );
    for version in [0x00, 0x02, 0xFF] {
        let mut other = record.clone();
        other[0] = version;
        assert_eq!(
            RecordView::decode(&other).unwrap_err().code(),
            "record-malformed"
        );
    }
    // A header with an empty body decodes but does not verify.
    let empty = &record[..RECORD_HEADER_SIZE];
    assert!(RecordView::decode(empty).is_ok());
    assert_eq!(
        verify_record(empty).unwrap_err().code(),
        "submission-not-canonical"
    );
    // A changed signature or body inside the record is caught by re-verification.
    let mut forged = record.clone();
    forged[60] ^= 1;
    assert_eq!(
        verify_record(&forged).unwrap_err().code(),
        "signature-invalid"
    );
    let mut forged = record.clone();
    let at = forged.len() - 3;
    forged[at] = b'9';
    assert!(verify_record(&forged).is_err());
}

#[test]
fn accepts_an_unbroken_chain() {
    let records = log(5);
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    assert_eq!(chain_error(&refs), None);
    assert!(check_chain(None, &records[0]).is_ok());
    for pair in records.windows(2) {
        assert!(check_chain(Some(&pair[0]), &pair[1]).is_ok());
    }
    let mut chain = ChainVerifier::new();
    for record in &records {
        chain.push(record).unwrap();
    }
    assert_eq!(chain.next_index(), 5);
    assert_eq!(chain.prev_id(), record_id(&records[4]));
    // Resuming mid-log.
    let mut resumed = ChainVerifier::resume(3, record_id(&records[2]));
    resumed.push(&records[3]).unwrap();
    resumed.push(&records[4]).unwrap();
    assert_eq!(ChainVerifier::default(), ChainVerifier::new());
}

#[test]
fn detects_removal_insertion_reordering_and_modification() {
    let records = log(4);
    let [r0, r1, r2, r3] = [&records[0], &records[1], &records[2], &records[3]].map(Vec::as_slice);

    // Removal.
    assert_eq!(chain_error(&[r0, r2, r3]), Some("chain-broken"));
    assert_eq!(chain_error(&[r1, r2, r3]), Some("chain-broken"));
    assert_eq!(chain_error(&[r0, r1, r3]), Some("chain-broken"));
    // Reordering.
    assert_eq!(chain_error(&[r0, r2, r1, r3]), Some("chain-broken"));
    assert_eq!(chain_error(&[r1, r0, r2, r3]), Some("chain-broken"));
    // Duplication.
    assert_eq!(chain_error(&[r0, r1, r1, r2]), Some("chain-broken"));

    // Insertion of a validly signed record with the right index and prev: the record after it
    // then has the wrong index.
    let inserted = encode_record(1, 7, &record_id(r0), &verified(99));
    assert_eq!(chain_error(&[r0, &inserted, r1, r2]), Some("chain-broken"));
    // Replacement of a record by another with the same index and prev: the next record's prev
    // no longer matches.
    assert_eq!(chain_error(&[r0, &inserted, r2, r3]), Some("chain-broken"));
    // Renumbering after a removal still breaks the prev link.
    let renumbered = encode_record(1, 9, &record_id(r1), &verified(2));
    assert_eq!(chain_error(&[r0, &renumbered]), Some("chain-broken"));
    // Modification of any byte of a record breaks the next link.
    for at in [0usize, 5, 20, 60, 120, r1.len() - 1] {
        let mut modified = r1.to_vec();
        modified[at] ^= 0x01;
        let result = chain_error(&[r0, &modified, r2, r3]);
        assert!(
            matches!(result, Some("chain-broken" | "record-malformed")),
            "byte {at}: {result:?}"
        );
    }

    // The first record must have index 0 and the zero prev.
    assert_eq!(check_chain(None, r1).unwrap_err().code(), "chain-broken");
    let wrong_genesis = encode_record(0, 0, &[1; 32], &verified(0));
    assert_eq!(
        check_chain(None, &wrong_genesis).unwrap_err().code(),
        "chain-broken"
    );
    assert_eq!(
        check_chain(Some(r0), r2).unwrap_err().code(),
        "chain-broken"
    );
    assert_eq!(
        check_chain(Some(r1), r0).unwrap_err().code(),
        "chain-broken"
    );
    assert_eq!(
        check_chain(Some(&r0[..10]), r1).unwrap_err().code(),
        "record-malformed"
    );
    let message = check_chain(Some(r0), r2).unwrap_err().to_string();
    assert!(message.contains("index 2"), "{message}");

    // A failed push does not advance the verifier.
    let mut chain = ChainVerifier::new();
    chain.push(r0).unwrap();
    assert!(chain.push(r2).is_err());
    assert_eq!(chain.next_index(), 1);
    chain.push(r1).unwrap();
}
