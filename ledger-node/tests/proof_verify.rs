//! `hocba proof verify` against a real node: records fetched over HTTP with their tlog-proofs
//! verify offline with only the log's key, in both saved forms, and every kind of tampering is
//! refused with its own code. Each refusal test expects an error, so none passes if `check`
//! accepted everything.

mod common;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use common::{key, log_signer, submission, TestNode, ORIGIN};
use ledger_api::wire::RecordWithProof;
use ledger_core::checkpoint::Checkpoint;
use ledger_core::cosignature::CosignatureSigner;
use ledger_core::key::PublicKey;
use ledger_core::note::{KeyName, Note, NoteSignature, NoteSigner};
use ledger_core::proof::TlogProof;
use ledger_core::tree::Hash;
use ledger_node::proof_check::{
    self, check, Cosigned, ProofCheckError, ProofVerifyArgs, EXIT_INVALID, EXIT_USAGE,
    EXIT_VERIFIED,
};

/// The index whose record the tests check; its author differs from the others'.
const INDEX: u64 = 3;
/// Records in the test log.
const SIZE: u64 = 6;

/// What the tests need from one node: the answers for `INDEX` and the record before it.
struct Fixture {
    answer: RecordWithProof,
    previous: RecordWithProof,
    vkey: String,
}

impl Fixture {
    /// Starts a node, appends `SIZE` submissions (the one at `INDEX` by the principal, the
    /// others by a teacher), waits for a checkpoint covering them and fetches two records.
    async fn new() -> Self {
        let node = TestNode::start().await;
        for n in 0..SIZE {
            let author = if n == INDEX {
                key("principal")
            } else {
                key("teacher")
            };
            let receipt = node
                .client
                .submit(&submission(&author, &format!("proof-{n}"), "9.0"))
                .await
                .expect("append");
            assert_eq!(receipt.index, n);
        }
        node.wait_for_checkpoint(SIZE).await;
        let answer = node.client.record(INDEX).await.expect("record");
        let previous = node.client.record(INDEX - 1).await.expect("record");
        node.stop();
        Self {
            answer,
            previous,
            vkey: log_signer().verifier_key(),
        }
    }

    fn record(&self) -> Vec<u8> {
        BASE64.decode(&self.answer.record).expect("base64 record")
    }

    fn proof_text(&self) -> String {
        self.answer.proof.clone().expect("a checkpoint covers it")
    }

    fn proof(&self) -> TlogProof {
        TlogProof::parse(self.proof_text().as_bytes()).expect("tlog-proof")
    }

    /// Checks a JSON bundle with the log's key and the given witnesses.
    fn check_json(
        &self,
        answer: &RecordWithProof,
        witnesses: &[String],
    ) -> Result<proof_check::Proven, ProofCheckError> {
        let bundle = serde_json::to_vec_pretty(answer).expect("json");
        check(&bundle, None, &self.vkey, witnesses)
    }

    /// Checks tlog-proof text with the record given apart.
    fn check_text(
        &self,
        proof: &str,
        record: &[u8],
        witnesses: &[String],
    ) -> Result<proof_check::Proven, ProofCheckError> {
        check(proof.as_bytes(), Some(record), &self.vkey, witnesses)
    }

    /// The answer with another proof text.
    fn with_proof(&self, proof: &TlogProof) -> RecordWithProof {
        RecordWithProof {
            proof: Some(proof.to_text()),
            ..self.answer.clone()
        }
    }

    /// The checkpoint the proof carries.
    fn checkpoint(&self) -> Checkpoint {
        Checkpoint::open(self.proof().checkpoint.as_bytes(), &log_signer().verifier())
            .expect("signed checkpoint")
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, ProofCheckError>) -> &'static str {
    result.expect_err("the check must fail").code()
}

fn witness(label: &str) -> CosignatureSigner {
    CosignatureSigner::new(
        KeyName::new(format!("witness.test.example/{label}")).expect("name"),
        key(label),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_records_verify_and_every_tampering_is_refused_with_its_code() {
    let fixture = Fixture::new().await;
    let record = fixture.record();
    let principal = BASE64.encode(PublicKey::from(&key("principal")).to_bytes());

    // The JSON answer, as saved, verifies and names what it proves.
    let proven = fixture
        .check_json(&fixture.answer, &[])
        .expect("JSON bundle");
    assert_eq!(proven.index, INDEX);
    assert_eq!(proven.author, principal);
    assert_eq!(proven.event_type, "grade.recorded");
    assert_eq!(proven.idempotency_id, format!("proof-{INDEX}"));
    assert_eq!(proven.origin, ORIGIN);
    assert_eq!(proven.checkpoint_size, SIZE);
    assert_eq!(
        proven.checkpoint_root,
        fixture.checkpoint().root.to_base64()
    );
    assert_eq!(proven.record_id, fixture.answer.record_id);
    assert_eq!(proven.leaf_hash, fixture.answer.leaf_hash);
    assert_eq!(proven.claimed_at_ms, 1_790_000_000_000);
    assert!(proven.witnesses.is_empty());
    let explanation = proven.explain();
    assert!(explanation.starts_with(&format!(
        "Bản ghi số {INDEX} (sự kiện grade.recorded, lược đồ phiên bản 1) do khóa {principal} ký, \
         đã nằm trong điểm kiểm tra kích thước {SIZE} của sổ `{ORIGIN}`.\n\
         Record {INDEX} (event grade.recorded, schema version 1), signed by key {principal}, is \
         included in checkpoint of size {SIZE} of log `{ORIGIN}`.\n"
    )));
    // The claimed time, 1790000000000 ms, in both time zones.
    assert!(explanation.contains("2026-09-21T14:13:20.000Z"));
    assert!(explanation.contains("2026-09-21T21:13:20.000+07:00"));
    let json = proven.to_json();
    assert_eq!(json["verified"], true);
    assert_eq!(json["record"]["author"], principal.as_str());
    assert_eq!(json["checkpoint"]["size"], SIZE);

    // The tlog-proof text with the raw record proves the same.
    let text = fixture.proof_text();
    assert_eq!(fixture.check_text(&text, &record, &[]), Ok(proven.clone()));
    // Whitespace around a JSON bundle is not part of it.
    let padded = format!(
        "\n  {}\n",
        serde_json::to_string(&fixture.answer).expect("json")
    );
    assert_eq!(
        check(padded.as_bytes(), Some(&record), &fixture.vkey, &[]),
        Ok(proven.clone())
    );

    // A flipped byte in the body breaks the author's signature, whatever the form.
    let mut flipped = record.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x01;
    let tampered = RecordWithProof {
        record: BASE64.encode(&flipped),
        ..fixture.answer.clone()
    };
    assert_eq!(code(fixture.check_json(&tampered, &[])), "record-invalid");
    assert_eq!(
        code(fixture.check_text(&text, &flipped, &[])),
        "record-invalid"
    );
    // A changed sequencing time is not signed by the author, but the record id and the leaf hash
    // cover it.
    let mut retimed = record.clone();
    retimed[16] ^= 0x01;
    let tampered = RecordWithProof {
        record: BASE64.encode(&retimed),
        ..fixture.answer.clone()
    };
    assert_eq!(
        code(fixture.check_json(&tampered, &[])),
        "record-id-mismatch"
    );
    assert_eq!(
        code(fixture.check_text(&text, &retimed, &[])),
        "inclusion-invalid"
    );

    // What a JSON bundle states must be the record's.
    let tampered = RecordWithProof {
        record_id: fixture.previous.record_id.clone(),
        ..fixture.answer.clone()
    };
    assert_eq!(
        code(fixture.check_json(&tampered, &[])),
        "record-id-mismatch"
    );
    let tampered = RecordWithProof {
        leaf_hash: fixture.previous.leaf_hash.clone(),
        ..fixture.answer.clone()
    };
    assert_eq!(
        code(fixture.check_json(&tampered, &[])),
        "leaf-hash-mismatch"
    );

    // A wrong index: in the bundle, in the proof, or both.
    let tampered = RecordWithProof {
        index: INDEX + 1,
        ..fixture.answer.clone()
    };
    let error = fixture.check_json(&tampered, &[]).expect_err("wrong index");
    assert_eq!(error.code(), "index-mismatch");
    assert!(error.to_string().contains(&format!("index {}", INDEX + 1)));
    let mut moved = fixture.proof();
    moved.index = INDEX - 1;
    assert_eq!(
        code(fixture.check_text(&moved.to_text(), &record, &[])),
        "index-mismatch"
    );
    let tampered = RecordWithProof {
        index: INDEX - 1,
        ..fixture.with_proof(&moved)
    };
    assert_eq!(code(fixture.check_json(&tampered, &[])), "index-mismatch");

    // A record from another index with this proof.
    let other = BASE64.decode(&fixture.previous.record).expect("base64");
    assert_eq!(
        code(fixture.check_text(&text, &other, &[])),
        "index-mismatch"
    );
    let tampered = RecordWithProof {
        record: fixture.previous.record.clone(),
        ..fixture.answer.clone()
    };
    assert_eq!(
        code(fixture.check_json(&tampered, &[])),
        "record-id-mismatch"
    );
    // The other record's own bundle with this record's proof.
    let tampered = RecordWithProof {
        proof: fixture.answer.proof.clone(),
        ..fixture.previous.clone()
    };
    assert_eq!(code(fixture.check_json(&tampered, &[])), "index-mismatch");
    // The other record's own bundle verifies.
    assert_eq!(
        fixture
            .check_json(&fixture.previous, &[])
            .expect("previous record")
            .index,
        INDEX - 1
    );

    // A proof hash changed, or one left out.
    let mut changed = fixture.proof();
    assert!(!changed.hashes.is_empty(), "index 3 of 6 has a proof path");
    changed.hashes[0] = Hash([7; 32]);
    assert_eq!(
        code(fixture.check_json(&fixture.with_proof(&changed), &[])),
        "inclusion-invalid"
    );
    let mut shortened = fixture.proof();
    shortened.hashes.pop();
    assert_eq!(
        code(fixture.check_text(&shortened.to_text(), &record, &[])),
        "inclusion-invalid"
    );
    // A checkpoint validly signed by the log, but of another tree, does not include the record.
    let mut forked = fixture.checkpoint();
    forked.root = Hash([9; 32]);
    let mut refork = fixture.proof();
    refork.checkpoint = forked.sign(&log_signer()).expect("sign");
    assert_eq!(
        code(fixture.check_json(&fixture.with_proof(&refork), &[])),
        "inclusion-invalid"
    );

    // A checkpoint signed by another key under the log's name.
    let impostor = NoteSigner::new(KeyName::new(ORIGIN).expect("name"), key("impostor"));
    let mut resigned = fixture.proof();
    resigned.checkpoint = fixture.checkpoint().sign(&impostor).expect("sign");
    let error = fixture
        .check_json(&fixture.with_proof(&resigned), &[])
        .expect_err("another key");
    assert_eq!(error.code(), "checkpoint-unverified");
    assert!(error.vietnamese().contains("note-unverified"));
    // A signature line with the log's key name and key ID whose signature is not the log's.
    let first_line =
        |note: &str| Note::parse(note.as_bytes()).expect("note").signatures()[0].clone();
    let genuine = first_line(&fixture.proof().checkpoint);
    let forged_line = NoteSignature {
        signature: first_line(&resigned.checkpoint).signature,
        ..genuine.clone()
    }
    .to_line();
    let mut forged = fixture.proof();
    forged.checkpoint = forged.checkpoint.replace(&genuine.to_line(), &forged_line);
    assert_ne!(forged.checkpoint, fixture.proof().checkpoint);
    let error = fixture
        .check_json(&fixture.with_proof(&forged), &[])
        .expect_err("forged signature");
    assert_eq!(error.code(), "checkpoint-unverified");
    assert!(error.to_string().contains("does not verify"));

    // The verifier key of another log, or a new key of this log.
    let other_log = NoteSigner::new(
        KeyName::new("other.hocba.example/log").expect("name"),
        key("log"),
    );
    let bundle = serde_json::to_vec(&fixture.answer).expect("json");
    let error = check(&bundle, None, &other_log.verifier_key(), &[]).expect_err("other log");
    assert_eq!(error.code(), "log-mismatch");
    assert!(error.to_string().contains("other.hocba.example/log"));
    assert_eq!(
        code(check(&bundle, None, &impostor.verifier_key(), &[])),
        "checkpoint-unverified"
    );

    // Witnesses: none has cosigned the checkpoint the node serves.
    let w1 = witness("w1");
    let w2 = witness("w2");
    let error = fixture
        .check_json(&fixture.answer, &[w1.verifier_key()])
        .expect_err("no cosignature");
    assert_eq!(error.code(), "witness-missing");
    assert!(error.to_string().contains("witness.test.example/w1"));
    assert!(error.vietnamese().contains("witness.test.example/w1"));
    // A valid cosignature by w1 passes, and names w1 with its time.
    let mut cosigned = fixture.proof();
    cosigned.checkpoint.push_str(
        &w1.cosign(&fixture.checkpoint(), 1_790_000_100)
            .expect("cosign"),
    );
    let proven_cosigned = fixture
        .check_json(&fixture.with_proof(&cosigned), &[w1.verifier_key()])
        .expect("cosigned by w1");
    assert_eq!(
        proven_cosigned.witnesses,
        vec![Cosigned {
            name: "witness.test.example/w1".into(),
            timestamp: 1_790_000_100
        }]
    );
    assert!(proven_cosigned.explain().contains(
        "Witness witness.test.example/w1 cosigned this checkpoint at 2026-09-21T14:15:00Z"
    ));
    assert_eq!(
        fixture.check_text(&cosigned.to_text(), &record, &[w1.verifier_key()]),
        Ok(proven_cosigned.clone())
    );
    // Cosignatures nobody asked for are not looked at.
    assert_eq!(
        fixture.check_json(&fixture.with_proof(&cosigned), &[]),
        Ok(proven.clone())
    );
    // w1 present, w2 missing.
    let error = fixture
        .check_json(
            &fixture.with_proof(&cosigned),
            &[w1.verifier_key(), w2.verifier_key()],
        )
        .expect_err("w2 missing");
    assert_eq!(error.code(), "witness-missing");
    assert!(error.to_string().contains("witness.test.example/w2"));
    // A cosignature by w2 of another checkpoint of the log.
    let mut bigger = fixture.checkpoint();
    bigger.size += 1;
    let mut miscosigned = fixture.proof();
    miscosigned
        .checkpoint
        .push_str(&w2.cosign(&bigger, 1_790_000_100).expect("cosign"));
    let error = fixture
        .check_json(&fixture.with_proof(&miscosigned), &[w2.verifier_key()])
        .expect_err("w2 cosigned another checkpoint");
    assert_eq!(error.code(), "witness-invalid");
    assert!(error.to_string().contains("witness.test.example/w2"));

    // The bundle itself: no proof yet, garbage, a record given twice and differing.
    let unproven = RecordWithProof {
        proof: None,
        ..fixture.answer.clone()
    };
    assert_eq!(code(fixture.check_json(&unproven, &[])), "proof-missing");
    assert_eq!(
        code(check(b"not a proof\n", Some(&record), &fixture.vkey, &[])),
        "bundle-malformed"
    );
    assert_eq!(
        code(check(b"{\"index\": 3}", None, &fixture.vkey, &[])),
        "bundle-malformed"
    );
    let tampered = RecordWithProof {
        record: format!("{} ", fixture.answer.record),
        ..fixture.answer.clone()
    };
    assert_eq!(code(fixture.check_json(&tampered, &[])), "bundle-malformed");
    let mut truncated = text.clone();
    truncated.truncate(text.len() / 2);
    assert_eq!(
        code(fixture.check_text(&truncated, &record, &[])),
        "bundle-malformed"
    );
    assert_eq!(
        code(check(&bundle, Some(&other), &fixture.vkey, &[])),
        "record-conflict"
    );
    assert_eq!(
        check(&bundle, Some(&record), &fixture.vkey, &[]),
        Ok(proven.clone())
    );

    // The caller's mistakes.
    let error = check(text.as_bytes(), None, &fixture.vkey, &[]).expect_err("no record");
    assert_eq!(error.code(), "record-required");
    assert!(error.is_usage());
    let error = check(&bundle, None, "not-a-key", &[]).expect_err("bad vkey");
    assert_eq!(error.code(), "vkey-malformed");
    assert!(error.is_usage());
    // A log key given where a witness key (type 0x04) is expected.
    let error = check(
        &bundle,
        None,
        &fixture.vkey,
        std::slice::from_ref(&fixture.vkey),
    )
    .expect_err("type");
    assert_eq!(error.code(), "witness-key-malformed");
    assert!(error.is_usage());
}

/// Runs the command on files and returns its exit status, standard output and error.
fn run(args: &ProofVerifyArgs) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = proof_check::run_with(args, &mut out, &mut err);
    (
        status,
        String::from_utf8(out).expect("UTF-8 output"),
        String::from_utf8(err).expect("UTF-8 errors"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_prints_the_explanation_or_the_reason_with_its_exit_status() {
    let fixture = Fixture::new().await;
    let directory = tempfile::tempdir().expect("tempdir");
    let json_path = directory.path().join("record-3.json");
    let text_path = directory.path().join("record-3.proof");
    let record_path = directory.path().join("record-3.bin");
    let bad_path = directory.path().join("tampered.json");
    std::fs::write(
        &json_path,
        serde_json::to_vec_pretty(&fixture.answer).expect("json"),
    )
    .expect("write");
    std::fs::write(&text_path, fixture.proof_text()).expect("write");
    std::fs::write(&record_path, fixture.record()).expect("write");
    let tampered = RecordWithProof {
        record_id: fixture.previous.record_id.clone(),
        ..fixture.answer.clone()
    };
    std::fs::write(&bad_path, serde_json::to_vec(&tampered).expect("json")).expect("write");
    let args = |file: &std::path::Path| ProofVerifyArgs {
        file: file.to_path_buf(),
        vkey: fixture.vkey.clone(),
        witnesses: Vec::new(),
        record: None,
        json: false,
    };

    let (status, out, err) = run(&args(&json_path));
    assert_eq!(status, EXIT_VERIFIED, "{err}");
    assert!(out.starts_with(&format!("Bản ghi số {INDEX} ")), "{out}");
    assert!(out.contains(&format!("\nRecord {INDEX} (event grade.recorded")));
    assert!(err.is_empty());

    let (status, out, _) = run(&ProofVerifyArgs {
        json: true,
        ..args(&json_path)
    });
    assert_eq!(status, EXIT_VERIFIED);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["verified"], true);
    assert_eq!(report["record"]["index"], INDEX);
    assert_eq!(report["origin"], ORIGIN);
    assert!(report["record"]["sequenced_at"]["vietnam"]
        .as_str()
        .is_some_and(|time| time.ends_with("+07:00")));

    let (status, out, _) = run(&ProofVerifyArgs {
        record: Some(record_path.clone()),
        ..args(&text_path)
    });
    assert_eq!(status, EXIT_VERIFIED);
    assert!(out.contains(&format!("Record {INDEX} ")));

    // A check that fails: exit 1, the reason in both languages and the code on standard error.
    let (status, out, err) = run(&args(&bad_path));
    assert_eq!(status, EXIT_INVALID);
    assert!(out.is_empty());
    assert!(err.contains("KHÔNG HỢP LỆ: mã bản ghi"), "{err}");
    assert!(err.contains("INVALID: the bundle's record id"), "{err}");
    assert!(err.contains("code: record-id-mismatch"), "{err}");
    let (status, out, _) = run(&ProofVerifyArgs {
        json: true,
        ..args(&bad_path)
    });
    assert_eq!(status, EXIT_INVALID);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(
        (report["verified"].as_bool(), report["code"].as_str()),
        (Some(false), Some("record-id-mismatch"))
    );
    // A witness asked for and missing is a failed check too.
    let (status, _, err) = run(&ProofVerifyArgs {
        witnesses: vec![witness("w1").verifier_key()],
        ..args(&json_path)
    });
    assert_eq!(status, EXIT_INVALID);
    assert!(err.contains("code: witness-missing"), "{err}");

    // Usage errors: exit 2.
    let (status, _, err) = run(&args(&directory.path().join("missing.json")));
    assert_eq!(status, EXIT_USAGE);
    assert!(err.contains("missing.json"), "{err}");
    let (status, _, err) = run(&ProofVerifyArgs {
        vkey: "test.hocba.example/log+00000000+AQ==".into(),
        ..args(&json_path)
    });
    assert_eq!(status, EXIT_USAGE);
    assert!(err.contains("code: vkey-malformed"), "{err}");
    let (status, _, err) = run(&args(&text_path));
    assert_eq!(status, EXIT_USAGE);
    assert!(err.contains("code: record-required"), "{err}");
    let (status, _, _) = run(&ProofVerifyArgs {
        record: Some(directory.path().join("missing.bin")),
        ..args(&text_path)
    });
    assert_eq!(status, EXIT_USAGE);
}
