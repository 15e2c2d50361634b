//! Appends over real HTTP on loopback: receipts only once durable, idempotent retries, the C2SP
//! read endpoints, and refusals that change nothing.

mod common;

use common::{key, submission, TestNode};
use ledger_api::client::ClientError;
use ledger_core::checkpoint::Checkpoint;
use ledger_core::key::PublicKey;
use ledger_core::record::{SignedSubmission, Submission};
use ledger_core::tile::{self, TileId};
use ledger_core::tree::{self, Hash, MemoryTree};
use serde_json::{Map, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_are_sequenced_retries_are_idempotent_and_tiles_match() {
    let node = TestNode::start().await;
    let receipts = node.append_many("grade", 300, 16).await;
    let indexes: Vec<u64> = receipts.iter().map(|receipt| receipt.index).collect();
    assert_eq!(
        indexes,
        (0..300).collect::<Vec<_>>(),
        "every index once, no gaps"
    );

    // A retry returns the original receipt and writes nothing.
    let author = key("teacher");
    let retried = node
        .client
        .submit(&submission(&author, "grade-7", "8.5"))
        .await
        .expect("retry");
    let original = receipts.iter().find(|r| r.index == retried.index).unwrap();
    assert!(retried.duplicate);
    assert_eq!(retried.leaf_hash, original.leaf_hash);
    assert_eq!(retried.record_id, original.record_id);

    // The same idempotency id with other content is a conflict naming the first record.
    let conflict = node
        .client
        .submit(&submission(&author, "grade-7", "9.0"))
        .await
        .expect_err("conflict");
    let ClientError::Api(problem) = conflict else {
        panic!("expected a problem, got {conflict:?}")
    };
    assert_eq!(
        (problem.status, problem.code.as_str()),
        (409, "idempotency-conflict")
    );
    assert_eq!(problem.index, Some(retried.index));
    assert_eq!(node.node.log().head().size, 300);

    // The checkpoint verifies and the tiles recompute to its root.
    node.wait_for_checkpoint(300).await;
    let note = node.client.checkpoint().await.expect("checkpoint");
    let verifier = common::log_signer().verifier();
    let checkpoint = Checkpoint::open(&note, &verifier).expect("signed by the log");
    assert_eq!(checkpoint.size, 300);
    let mut memory = MemoryTree::new();
    for (first, width) in [(0u64, 256u16), (1, 44)] {
        let id = TileId::new(0, first, width).unwrap();
        let hashes = tile::decode_hash_tile(
            &node.client.get_log_path(&id.path()).await.expect("tile"),
            width,
        )
        .expect("hash tile");
        let bundle = node
            .client
            .get_log_path(&format!("tile/entries/{}", &id.path()["tile/0/".len()..]))
            .await
            .expect("bundle");
        let entries = tile::decode_entry_bundle(&bundle).expect("entry bundle");
        for (entry, hash) in entries.iter().zip(&hashes) {
            assert_eq!(tree::leaf_hash(entry), *hash);
            memory.append(*hash);
        }
    }
    assert_eq!(memory.root(), checkpoint.root);
    for receipt in &receipts {
        assert_eq!(
            Hash::from_base64(&receipt.leaf_hash).unwrap(),
            tree::leaf_hash(&node.node.log().read_record(receipt.index).unwrap())
        );
    }
    // Every record comes with a tlog-proof that verifies offline against the log's key.
    for index in [0u64, 1, 255, 256, 299] {
        let answer = node.client.record(index).await.expect("record");
        let proof = ledger_core::proof::TlogProof::parse(answer.proof.unwrap().as_bytes())
            .expect("tlog-proof");
        let leaf = Hash::from_base64(&answer.leaf_hash).unwrap();
        let (proven, _) = proof.verify(&leaf, &verifier, &[]).expect("proof verifies");
        assert_eq!((proof.index, proven.size), (index, 300));
    }
    // Consistency proofs between any two sizes up to the checkpoint.
    let mut prefix = MemoryTree::new();
    for receipt in receipts.iter().take(100) {
        prefix.append(Hash::from_base64(&receipt.leaf_hash).unwrap());
    }
    let answer = node
        .client
        .consistency(100, 300)
        .await
        .expect("consistency");
    let hashes: Vec<Hash> = answer
        .proof
        .iter()
        .map(|hash| Hash::from_base64(hash).unwrap())
        .collect();
    tree::verify_consistency(100, 300, &hashes, &prefix.root(), &checkpoint.root)
        .expect("consistent");
    let refused = node.client.consistency(10, 301).await.expect_err("beyond");
    assert!(matches!(refused, ClientError::Api(ref error) if error.code == "proof-range-invalid"));
    let refused = node.client.record(5000).await.expect_err("no such record");
    assert!(matches!(refused, ClientError::Api(ref error) if error.status == 404));

    // A tile the checkpoint does not cover yet is 404.
    let missing = node
        .client
        .get_log_path("tile/0/001")
        .await
        .expect_err("not yet a full tile");
    assert!(matches!(missing, ClientError::Api(ref error) if error.status == 404));
}

async fn post_raw(base: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/submissions"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let body: Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json body");
    if status >= 400 {
        assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    }
    (status, body)
}

fn wire(body: &[u8], signature: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let mut out = b"{\"body\":".to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(b",\"signature\":\"");
    out.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(signature)
            .as_bytes(),
    );
    out.extend_from_slice(b"\"}");
    out
}

fn body_with(author_b64: &str, extra: &str) -> Vec<u8> {
    format!(
        "{{\"author\":\"{author_b64}\",\"claimed_at\":1,\"event_type\":\"grade.recorded\",\
         \"idempotency_id\":\"x-1\",\"payload\":{{{extra}}},\"schema_version\":1,\"v\":1}}"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_submissions_are_refused_with_their_code_and_change_nothing() {
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let node = TestNode::start().await;
    node.append_many("seed", 5, 1).await;
    node.wait_for_checkpoint(5).await;
    let before_checkpoint = node.client.checkpoint().await.unwrap();
    let before_segment = std::fs::read(common::only_segment(node.path())).unwrap();

    let author = key("teacher");
    let author_b64 =
        base64::engine::general_purpose::STANDARD.encode(PublicKey::from(&author).to_bytes());
    let sign = |body: &[u8]| {
        let mut input = b"hocba-ledger/submission/v1\n".to_vec();
        input.extend_from_slice(body);
        author.sign(&input).to_bytes().to_vec()
    };
    let good = body_with(&author_b64, "\"score\":\"8.5\"");

    // Not canonical: a space inside the body.
    let spaced = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"v\":1", "\"v\": 1")
        .into_bytes();
    // A float where only integers are allowed.
    let float = body_with(&author_b64, "\"score\":8.5");
    // Weak key: the identity point.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = body_with(
        &base64::engine::general_purpose::STANDARD.encode(identity),
        "",
    );
    let version = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"v\":1", "\"v\":2")
        .into_bytes();
    let schema = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"schema_version\":1", "\"schema_version\":0")
        .into_bytes();
    let big = body_with(&author_b64, &format!("\"blob\":\"{}\"", "a".repeat(70_000)));
    let mut tampered_signature = sign(&good);
    tampered_signature[10] ^= 1;

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "not canonical",
            wire(&spaced, &sign(&spaced)),
            400,
            "submission-not-canonical",
        ),
        (
            "float",
            wire(&float, &sign(&float)),
            400,
            "submission-not-canonical",
        ),
        (
            "bad signature",
            wire(&good, &tampered_signature),
            400,
            "signature-invalid",
        ),
        ("weak key", wire(&weak, &sign(&weak)), 400, "key-weak"),
        (
            "version",
            wire(&version, &sign(&version)),
            400,
            "submission-version-unsupported",
        ),
        (
            "schema version",
            wire(&schema, &sign(&schema)),
            400,
            "schema-version-unsupported",
        ),
        (
            "oversize record",
            wire(&big, &sign(&big)),
            413,
            "record-too-large",
        ),
        (
            "oversize request",
            vec![b' '; 300_000],
            413,
            "request-too-large",
        ),
        (
            "not json",
            b"{\"body\":".to_vec(),
            400,
            "submission-malformed",
        ),
    ];
    for (what, request, status, code) in cases {
        let (got_status, problem) = post_raw(&node.base, request).await;
        assert_eq!(got_status, status, "{what}: {problem}");
        assert_eq!(problem["code"], code, "{what}: {problem}");
        assert_eq!(
            problem["type"],
            format!("urn:hocba:problem:{code}"),
            "{what}"
        );
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "{what}");
    }
    // Nothing refused reached the log, and no new checkpoint was signed.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert_eq!(node.node.log().head().size, 5);
    assert_eq!(
        std::fs::read(common::only_segment(node.path())).unwrap(),
        before_segment
    );
    assert_eq!(node.client.checkpoint().await.unwrap(), before_checkpoint);

    // The correctly signed original is accepted: the refusals above were for their own reasons.
    let (status, receipt) = post_raw(&node.base, wire(&good, &sign(&good))).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["index"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_restarts_from_its_files_and_continues_the_chain() {
    let first = TestNode::start().await;
    let receipts = first.append_many("before", 40, 4).await;
    first.wait_for_checkpoint(40).await;
    let directory = first.stop();
    // Remove a derived index: it must be rebuilt from the log.
    std::fs::remove_dir_all(directory.path().join("tree")).unwrap();
    let second = TestNode::serve(directory).await;
    assert_eq!(second.node.log().head().size, 40);
    let more = second.append_many("after", 10, 2).await;
    assert_eq!(more.first().unwrap().index, 40);
    let retried = second
        .client
        .submit(&submission(&key("teacher"), "before-3", "8.5"))
        .await
        .unwrap();
    let original = receipts.iter().find(|r| r.index == retried.index).unwrap();
    assert!(retried.duplicate);
    assert_eq!(retried.record_id, original.record_id);
    second.wait_for_checkpoint(50).await;
}

#[test]
fn payload_values_outside_canonical_json_cannot_even_be_built() {
    let mut payload = Map::new();
    payload.insert("score".into(), serde_json::json!(8.5));
    let built = Submission::new(
        PublicKey::from(&key("teacher")),
        0,
        "grade.recorded",
        "id-1",
        payload,
        1,
    );
    assert!(built.is_err());
    let _ = SignedSubmission::from_wire_json(b"{}").expect_err("empty envelope");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_answered_per_event_in_order_and_refusals_change_nothing() {
    let node = TestNode::start().await;
    let author = key("teacher");
    let first = node
        .client
        .submit(&submission(&author, "before", "7.0"))
        .await
        .expect("first append");

    // Valid events, a retry of an earlier record, a repeat inside the batch, a reused id with
    // other content, and a forged signature: each gets its own answer, in order.
    let mut forged = submission(&author, "forged", "9.9").to_wire_json();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = SignedSubmission::from_wire_json(&forged).expect("well-formed envelope");
    let batch = vec![
        submission(&author, "b-0", "8.0"),
        submission(&author, "before", "7.0"),
        submission(&author, "b-1", "6.5"),
        submission(&author, "b-0", "8.0"),
        submission(&author, "b-1", "1.0"),
        forged,
        submission(&author, "b-2", "5.0"),
    ];
    let answers = node.client.submit_batch(&batch).await.expect("batch");
    let receipt = |position: usize| answers[position].as_ref().expect("a receipt").clone();
    let refusal = |position: usize| answers[position].as_ref().expect_err("a refusal").clone();
    assert_eq!((receipt(0).index, receipt(0).duplicate), (1, false));
    assert_eq!(
        (receipt(1).index, receipt(1).duplicate),
        (first.index, true)
    );
    assert_eq!((receipt(2).index, receipt(2).duplicate), (2, false));
    assert_eq!((receipt(3).index, receipt(3).duplicate), (1, true));
    assert_eq!(
        (
            refusal(4).status,
            refusal(4).code.as_str(),
            refusal(4).index
        ),
        (409, "idempotency-conflict", Some(2))
    );
    assert_eq!(
        (refusal(5).status, refusal(5).code.as_str()),
        (400, "signature-invalid")
    );
    assert_eq!((receipt(6).index, receipt(6).duplicate), (3, false));
    assert_eq!(node.node.log().head().size, 4);

    // A malformed entry is refused alone; the whole request is refused only when it is not a
    // batch at all, empty, or too long, and then nothing is written.
    let good = submission(&author, "b-3", "4.0").to_wire_json();
    let mut body = b"{\"submissions\":[".to_vec();
    body.extend_from_slice(&good);
    body.extend_from_slice(b",{\"body\":1}]}");
    let (status, answer) = post_batch(&node.base, body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["results"][0]["status"], 201);
    assert_eq!(answer["results"][1]["status"], 400);
    assert_eq!(
        answer["results"][1]["problem"]["type"],
        "urn:hocba:problem:submission-malformed"
    );
    assert_eq!(node.node.log().head().size, 5);

    let too_many = format!(
        "{{\"submissions\":[{}]}}",
        vec![String::from_utf8(good.clone()).unwrap(); 1001].join(",")
    );
    for body in [
        b"{\"submissions\":[]}".to_vec(),
        b"[1,2]".to_vec(),
        b"{\"submissions\":".to_vec(),
        too_many.into_bytes(),
    ] {
        let (status, problem) = post_batch(&node.base, body).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["type"], "urn:hocba:problem:batch-invalid");
    }
    assert_eq!(
        node.node.log().head().size,
        5,
        "refused batches write nothing"
    );
}

/// The largest batch is checked and queued in parts (the next part is checked while the
/// sequencer writes the one before): its answers still come in the request's order, with its
/// records in that order, refusals in any part in their places, and a repeat in a later part
/// answered with the record of an earlier one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_checked_in_parts_keeps_its_order() {
    let node = TestNode::start().await;
    let author = key("teacher");
    let forge = |submission: SignedSubmission| {
        let mut wire = submission.to_wire_json();
        let at = wire.len() - 10;
        wire[at] = if wire[at] == b'A' { b'B' } else { b'A' };
        SignedSubmission::from_wire_json(&wire).expect("well-formed envelope")
    };
    let forged_at = [100, 600, 999];
    let repeat_at = 700;
    let batch: Vec<SignedSubmission> = (0..1_000)
        .map(|n| {
            let id = if n == repeat_at { 7 } else { n };
            let signed = submission(&author, &format!("p-{id}"), "8.0");
            if forged_at.contains(&n) {
                forge(signed)
            } else {
                signed
            }
        })
        .collect();
    let answers = node.client.submit_batch(&batch).await.expect("batch");
    assert_eq!(answers.len(), 1_000);
    let mut next_index = 0;
    for (n, answer) in answers.iter().enumerate() {
        if forged_at.contains(&n) {
            let refusal = answer.as_ref().expect_err("a forged signature");
            assert_eq!(refusal.code, "signature-invalid", "position {n}");
        } else if n == repeat_at {
            let receipt = answer.as_ref().expect("a duplicate's receipt");
            assert_eq!((receipt.index, receipt.duplicate), (7, true));
        } else {
            let receipt = answer.as_ref().expect("a receipt");
            assert_eq!(
                (receipt.index, receipt.duplicate),
                (next_index, false),
                "position {n}"
            );
            next_index += 1;
        }
    }
    assert_eq!(node.node.log().head().size, 996);
}

async fn post_batch(base: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/submissions/batch"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("body");
    (status, serde_json::from_slice(&body).expect("json answer"))
}
