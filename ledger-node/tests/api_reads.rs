//! Projection reads over real HTTP: signed requests (RFC 9421), read access that follows the
//! authority on the log, answers proven under a signed checkpoint, and audit entries whose
//! inclusion proofs verify offline.

mod common;

use std::sync::atomic::Ordering;

use base64::Engine as _;
use common::TestNode;
use fixtures::province::{Province, Spec};
use ledger_api::client::{Client, ClientError};
use ledger_api::httpsig::RequestSigner;
use ledger_api::service::{AuthorityFilter, FeedFilter};
use ledger_api::wire::Reflected;
use ledger_core::checkpoint::Checkpoint;
use ledger_core::domain::value::{ClassName, LearnerCode, SchoolYear, Semester, SubjectCode};
use ledger_core::domain::ClassKey;
use ledger_core::key::PublicKey;
use ledger_core::projection::AuditSubject;
use ledger_core::tree::{self, Hash};
use serde_json::Value;

/// A one-class school year loaded through the real append path, and who is who in it.
struct Year {
    node: TestNode,
    province: Province,
    /// The class, its subject teacher of `subject`, and the subject.
    class: ClassKey,
    teacher: String,
    subject: SubjectCode,
    principal: String,
    learner: LearnerCode,
    /// A grade corrected (request approved) after its school sealed a term.
    corrected_after_seal: Option<(LearnerCode, SchoolYear, SubjectCode)>,
    /// A learner transferred between schools, and the receiving school.
    transferred: Option<(LearnerCode, String)>,
}

fn key_label(province: &Province, key_b64: &str) -> String {
    province
        .keys()
        .into_iter()
        .find(|(_, key)| {
            base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes())
                == key_b64
        })
        .map(|(label, _)| label)
        .expect("a fixture key")
}

async fn load_year() -> Year {
    load_year_of(Spec::one_class()).await
}

async fn load_year_of(spec: Spec) -> Year {
    let province = Province::generate(&spec);
    // Each event is sequenced at its own claimed time, as the generated year assumes.
    let (node, now) = common::serve_domain(&province).await;
    let mut assignments = Vec::new();
    let mut grantees = std::collections::HashMap::new();
    let mut revoked = std::collections::HashSet::new();
    let mut first_enrolled = std::collections::HashMap::new();
    // For the corrected grade: what each assessment recorded, the correction requests, and
    // which schools have sealed a term so far.
    let mut assessments = std::collections::HashMap::new();
    let mut requests = std::collections::HashMap::new();
    let mut sealed = std::collections::HashSet::new();
    let mut corrected_after_seal = None;
    let mut transferred = None;
    for (index, submission) in province.events().enumerate() {
        let index = index as u64;
        let verified = submission.verify().unwrap();
        let event = verified.submission();
        let payload = event.payload();
        let text = |field: &str| payload[field].as_str().unwrap_or_default().to_owned();
        match event.event_type() {
            "teacher.assigned" if text("duty") == "subject" => {
                assignments.push((
                    ClassKey {
                        school: ledger_core::domain::value::UnitCode::parse(&text("school"))
                            .unwrap(),
                        school_year: SchoolYear::parse(&text("school_year")).unwrap(),
                        class: ClassName::parse(&text("class")).unwrap(),
                    },
                    text("teacher"),
                    SubjectCode::parse(&text("subject")).unwrap(),
                ));
            }
            "authority.granted" => {
                grantees.insert(text("grant_id"), text("grantee"));
            }
            "authority.revoked" => {
                revoked.insert(grantees[&text("grant_id")].clone());
            }
            "learner.enrolled" => {
                first_enrolled
                    .entry((text("school"), text("class")))
                    .or_insert_with(|| LearnerCode::parse(&text("learner")).unwrap());
            }
            "assessment.recorded" => {
                assessments.insert(
                    index,
                    (
                        LearnerCode::parse(&text("learner")).unwrap(),
                        SchoolYear::parse(&text("school_year")).unwrap(),
                        SubjectCode::parse(&text("subject")).unwrap(),
                        text("school"),
                    ),
                );
            }
            "term.sealed" => {
                sealed.insert(text("school"));
            }
            "correction.requested" => {
                if let Some(target) = assessments.get(&payload["target"].as_u64().unwrap()) {
                    if sealed.contains(&target.3) {
                        requests.insert(index, target.clone());
                    }
                }
            }
            "correction.approved" if corrected_after_seal.is_none() => {
                if let Some((learner, year, subject, _)) =
                    requests.get(&payload["request"].as_u64().unwrap())
                {
                    corrected_after_seal = Some((learner.clone(), *year, subject.clone()));
                }
            }
            "learner.transferred_in" => {
                transferred = Some((
                    LearnerCode::parse(&text("learner")).unwrap(),
                    text("school"),
                ));
            }
            _ => {}
        }
        now.store(event.claimed_at_ms() * 1_000, Ordering::SeqCst);
        node.client.submit(&submission).await.expect("accepted");
    }
    // Reads happen "today", after the year: grants are checked against the wall clock.
    now.store(ledger_node::sequencer::now_us(), Ordering::SeqCst);
    // A subject teacher whose key was never revoked, in a school with a principal (hiệu
    // trưởng), who reads for that school.
    let labels = province.keys();
    let (class, teacher, subject) = assignments
        .into_iter()
        .find(|(class, teacher, _)| {
            !revoked.contains(teacher)
                && labels.contains_key(&format!("{}/hieu-truong", class.school))
        })
        .expect("a subject teacher assignment");
    let principal = format!("{}/hieu-truong", class.school);
    let learner = first_enrolled
        .remove(&(class.school.to_string(), class.class.to_string()))
        .expect("a learner of the class");
    Year {
        teacher: key_label(&province, &teacher),
        node,
        province,
        class,
        subject,
        principal,
        learner,
        corrected_after_seal,
        transferred,
    }
}

impl Year {
    fn client_of(&self, label: &str) -> Client {
        Client::new(&self.node.base)
            .unwrap()
            .with_signer(RequestSigner::new(self.province.signing_key(label)))
    }
}

fn refusal(result: Result<Reflected, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Api(error)) => (error.status, error.code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The answer's checkpoint is signed by the log and covers what the answer reflects.
fn checked_checkpoint(answer: &Reflected) -> Checkpoint {
    let verifier = common::log_signer().verifier();
    let checkpoint = Checkpoint::open(answer.checkpoint.note.as_bytes(), &verifier)
        .expect("the answer's checkpoint is signed by the log");
    assert_eq!(checkpoint.size, answer.checkpoint.size);
    assert_eq!(checkpoint.root.to_base64(), answer.checkpoint.root);
    assert!(answer.as_of_size <= checkpoint.size);
    checkpoint
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_signed_scoped_by_authority_and_proven_under_a_checkpoint() {
    let year = load_year().await;
    let size = year.node.node.log().head().size;

    // The principal reads a learner's transcript; the answer reflects the whole log and its
    // checkpoint is the log's.
    let principal = year.client_of(&year.principal);
    let transcript = principal
        .transcript(&year.learner)
        .await
        .expect("transcript");
    let checkpoint = checked_checkpoint(&transcript);
    assert_eq!(transcript.as_of_size, size);
    assert_eq!(checkpoint.size, size);
    assert_eq!(transcript.data["learner"], year.learner.as_str());

    // The subject teacher reads their class's gradebook, but not a class they do not teach.
    let teacher = year.client_of(&year.teacher);
    let gradebook = teacher
        .gradebook(&year.class, &year.subject, Semester::First)
        .await
        .expect("gradebook");
    checked_checkpoint(&gradebook);
    assert!(!gradebook.data["rows"].as_array().unwrap().is_empty());
    let other_class = ClassKey {
        class: ClassName::parse("9Z9").unwrap(),
        ..year.class.clone()
    };
    assert_eq!(
        refusal(
            teacher
                .gradebook(&other_class, &year.subject, Semester::First)
                .await
        ),
        (403, "read-forbidden".to_owned())
    );
    // The Ministry sees everything, so for it the same class is simply unknown.
    let ministry = year.client_of("bo-gddt");
    assert_eq!(
        refusal(
            ministry
                .gradebook(&other_class, &year.subject, Semester::First)
                .await
        ),
        (404, "class-unknown".to_owned())
    );
    assert_eq!(
        refusal(
            ministry
                .transcript(&LearnerCode::parse("KHONGCO999").unwrap())
                .await
        ),
        (404, "learner-unknown".to_owned())
    );

    // Every grant is the Ministry's to list; a principal lists its own school's.
    ministry
        .authority(&AuthorityFilter::All)
        .await
        .expect("the Ministry lists every grant");
    assert_eq!(
        refusal(principal.authority(&AuthorityFilter::All).await),
        (403, "read-forbidden".to_owned())
    );
    let school_grants = principal
        .authority(&AuthorityFilter::Unit(year.class.school.clone()))
        .await
        .expect("the school's grants");
    assert!(!school_grants.data["grants"].as_array().unwrap().is_empty());

    // Unsigned and unknown readers are refused before anything is looked up.
    let anonymous = Client::new(&year.node.base).unwrap();
    assert_eq!(
        refusal(anonymous.transcript(&year.learner).await),
        (401, "auth-missing".to_owned())
    );
    let stranger = Client::new(&year.node.base)
        .unwrap()
        .with_signer(RequestSigner::new(common::key("stranger")));
    assert_eq!(
        refusal(stranger.transcript(&year.learner).await),
        (401, "auth-key-unknown".to_owned())
    );

    // The audit trail of a grade: each entry's inclusion proof verifies offline against the
    // signed checkpoint, and the leaf hash is that of the record the log serves.
    let subject = AuditSubject::Grade {
        learner: year.learner.clone(),
        school_year: year.class.school_year,
        subject: year.subject.clone(),
    };
    let trail = principal.audit(&subject, None, 1_000).await.expect("trail");
    let checkpoint = checked_checkpoint(&trail);
    let entries = trail.data["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for entry in entries {
        let index = entry["index"].as_u64().unwrap();
        let leaf = Hash::from_base64(entry["leaf_hash"].as_str().unwrap()).unwrap();
        let proof: Vec<Hash> = entry["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hash| Hash::from_base64(hash.as_str().unwrap()).unwrap())
            .collect();
        tree::verify_inclusion(&leaf, index, checkpoint.size, &proof, &checkpoint.root)
            .expect("the entry is in the checkpoint");
        let record = year.node.client.record(index).await.unwrap();
        assert_eq!(record.leaf_hash, leaf.to_base64());
        let mut wrong = proof.clone();
        if let Some(first) = wrong.first_mut() {
            *first = tree::leaf_hash(b"not this");
            assert!(tree::verify_inclusion(
                &leaf,
                index,
                checkpoint.size,
                &wrong,
                &checkpoint.root
            )
            .is_err());
        }
    }

    // Paging: one entry at a time walks the same trail.
    let mut after = None;
    let mut walked = Vec::new();
    loop {
        let page = principal.audit(&subject, after, 1).await.expect("page");
        walked.extend(page.data["entries"].as_array().unwrap().iter().cloned());
        match page.data["next_after"].as_u64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        &walked
            .iter()
            .map(|e| e["index"].clone())
            .collect::<Vec<_>>(),
        &entries
            .iter()
            .map(|e| e["index"].clone())
            .collect::<Vec<_>>()
    );

    // A teacher's own key trail is theirs to read; another teacher's is not.
    let teacher_key = PublicKey::from(&year.province.signing_key(&year.teacher));
    teacher
        .audit(&AuditSubject::Key(teacher_key), None, 10)
        .await
        .expect("own trail");
    let principal_key = PublicKey::from(&year.province.signing_key(&year.principal));
    assert_eq!(
        refusal(
            teacher
                .audit(&AuditSubject::Key(principal_key), None, 10)
                .await
        ),
        (403, "read-forbidden".to_owned())
    );
    assert_eq!(
        year.node.node.log().head().size,
        size,
        "reads write nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_read_parameters_are_refused_with_query_invalid() {
    let node = TestNode::start().await;
    for path in [
        "/v1/learners/not%20a%20code/transcript",
        "/v1/schools/S1/years/2026/classes/6A/gradebook?subject=toan&semester=1",
        "/v1/schools/S1/years/2026-2027/classes/6A/gradebook?subject=toan&semester=3",
        "/v1/keys/AAAA/audit",
        "/v1/learners/HS1/audit?limit=0",
        "/v1/authority?unit=X&key=Y",
    ] {
        let response = reqwest::get(format!("{}{path}", node.base)).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let problem: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(problem["type"], "urn:hocba:problem:query-invalid", "{path}");
    }
}

/// Follows a feed to its end, page by page, returning each record's index, event type and bytes.
async fn follow(client: &Client, filter: &FeedFilter, limit: usize) -> Vec<(u64, String, Vec<u8>)> {
    let mut after = None;
    let mut records = Vec::new();
    loop {
        let page = client.feed(filter, after, limit).await.expect("feed page");
        checked_checkpoint(&page);
        for record in page.data["records"].as_array().unwrap() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(record["record"].as_str().unwrap())
                .unwrap();
            assert_eq!(
                record["leaf_hash"].as_str().unwrap(),
                tree::leaf_hash(&bytes).to_base64()
            );
            records.push((
                record["index"].as_u64().unwrap(),
                record["event_type"].as_str().unwrap().to_owned(),
                bytes,
            ));
        }
        after = page.data["next_after"].as_u64();
        if !page.data["more"].as_bool().unwrap() {
            return records;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_years_life_audits_its_corrected_grade_and_feeds_an_identical_copy() {
    // The small province: every feature, the transfer between schools included.
    let year = load_year_of(Spec::small()).await;
    let size = year.node.node.log().head().size;
    year.node.wait_for_checkpoint(size).await;

    // The Ministry follows the whole log; a second copy replayed from it alone, with the
    // domain rules, equals the node's projections field for field.
    let ministry = year.client_of("bo-gddt");
    let all = follow(&ministry, &FeedFilter::All, 500).await;
    assert_eq!(
        all.iter().map(|(index, ..)| *index).collect::<Vec<_>>(),
        (0..size).collect::<Vec<_>>()
    );
    let verified: Vec<_> = all
        .iter()
        .map(|(_, _, bytes)| ledger_core::record::verify_record(bytes).expect("a valid record"))
        .collect();
    let config = ledger_core::domain::DomainConfig {
        ministry_keys: year.province.ministry_keys(),
    };
    let copy = ledger_core::projection::Projections::rebuild(
        &config,
        verified.iter().map(|record| {
            (
                record.submission(),
                ledger_core::domain::Position {
                    index: record.view().index(),
                    sequenced_at_us: record.view().sequenced_at_us(),
                },
            )
        }),
    )
    .expect("the feed replays under the domain rules");
    let live = year.node.node.projections().unwrap();
    assert!(
        copy == *live.read().unwrap(),
        "the copy equals the node's projections"
    );

    // The principal follows their school: every record of the class is in it, and so is the
    // revocation of the teacher key that was lost.
    let principal = year.client_of(&year.principal);
    let school = follow(
        &principal,
        &FeedFilter::School(year.class.school.clone()),
        300,
    )
    .await;
    let class = follow(&principal, &FeedFilter::Class(year.class.clone()), 1_000).await;
    let school_indexes: std::collections::BTreeSet<u64> =
        school.iter().map(|(index, ..)| *index).collect();
    assert_eq!(school_indexes.len(), school.len(), "no record twice");
    assert!(class
        .iter()
        .all(|(index, ..)| school_indexes.contains(index)));
    assert!(school
        .iter()
        .any(|(_, event_type, _)| event_type == "authority.revoked"));
    assert!(
        school.len() < all.len(),
        "the Ministry's own set-up is not the school's"
    );
    let learner = follow(&principal, &FeedFilter::Learner(year.learner.clone()), 50).await;
    assert!(!learner.is_empty());

    // The grade corrected after its term was sealed: its trail names the original recording,
    // the request with its reason and the approval, each proven in the signed checkpoint; the
    // transcript shows the corrected value and counts the correction.
    let (corrected, school_year, subject) = year
        .corrected_after_seal
        .clone()
        .expect("the year corrects a grade after sealing");
    let grade = AuditSubject::Grade {
        learner: corrected.clone(),
        school_year,
        subject: subject.clone(),
    };
    let trail = ministry
        .audit(&grade, None, 1_000)
        .await
        .expect("grade trail");
    let checkpoint = checked_checkpoint(&trail);
    let types: Vec<&str> = trail.data["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["event_type"].as_str().unwrap())
        .collect();
    for expected in [
        "assessment.recorded",
        "term.sealed",
        "correction.requested",
        "correction.approved",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    for entry in trail.data["entries"].as_array().unwrap() {
        let leaf = Hash::from_base64(entry["leaf_hash"].as_str().unwrap()).unwrap();
        let proof: Vec<Hash> = entry["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hash| Hash::from_base64(hash.as_str().unwrap()).unwrap())
            .collect();
        let index = entry["index"].as_u64().unwrap();
        tree::verify_inclusion(&leaf, index, checkpoint.size, &proof, &checkpoint.root)
            .expect("each event of the corrected grade is in the checkpoint");
    }
    let requested = trail.data["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["event_type"] == "correction.requested")
        .unwrap();
    assert!(requested["reason"].as_str().is_some_and(|r| !r.is_empty()));
    let transcript = ministry.transcript(&corrected).await.expect("transcript");
    assert!(
        transcript.data.to_string().contains("correction"),
        "the transcript counts corrections: {}",
        transcript.data
    );

    // The transferred learner: the receiving school's principal reads the whole record,
    // including the years and grades kept by the school that released them.
    let (moved, to_school) = year.transferred.clone().expect("a transfer");
    let receiving = year
        .province
        .keys()
        .into_keys()
        .find(|label| label == &format!("{to_school}/hieu-truong"))
        .expect("the receiving school's principal");
    let receiver = year.client_of(&receiving);
    let record = receiver
        .transcript(&moved)
        .await
        .expect("the custodian reads");
    assert!(record.data["years"]
        .as_array()
        .is_some_and(|years| !years.is_empty()));

    // Teachers do not follow whole schools, and nobody but the Ministry follows everything.
    let teacher = year.client_of(&year.teacher);
    for (client, filter) in [
        (&teacher, FeedFilter::School(year.class.school.clone())),
        (&principal, FeedFilter::All),
    ] {
        assert_eq!(
            refusal(client.feed(&filter, None, 10).await),
            (403, "read-forbidden".to_owned())
        );
    }
    teacher
        .feed(&FeedFilter::Class(year.class.clone()), None, 10)
        .await
        .expect("a teacher follows their class");
    assert_eq!(
        refusal(ministry.feed(&FeedFilter::All, Some(size + 10), 10).await),
        (400, "cursor-invalid".to_owned())
    );
}

fn hocba(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hocba"))
        .args(args)
        .output()
        .expect("run hocba")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_reads_appends_and_signs_requests_against_a_running_node() {
    let year = load_year().await;
    let keys = tempfile::tempdir().unwrap();
    let seed_file = |label: &str| {
        let path = keys
            .path()
            .join(format!("{}.seed", label.replace('/', "_")));
        let seed = year.province.signing_key(label).to_bytes();
        std::fs::write(&path, format!("{}\n", fixtures::hex::encode(&seed))).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let principal = seed_file(&year.principal);
    let base = year.node.base.clone();
    let learner = year.learner.as_str().to_owned();

    // Blocking subprocesses run off the runtime's workers, which serve the node.
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            hocba(&args.iter().map(String::as_str).collect::<Vec<_>>())
        })
    };
    let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    let output = run(args(&[
        "transcript",
        "--url",
        &base,
        "--key",
        &principal,
        &learner,
    ]))
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["data"]["learner"], learner.as_str());
    assert!(answer["checkpoint"]["note"]
        .as_str()
        .unwrap()
        .contains('\n'));

    let output = run(args(&[
        "history", "--url", &base, "--key", &principal, &learner,
    ]))
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let history: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!history["data"]["entries"].as_array().unwrap().is_empty());
    assert!(history["data"]["entries"][0]["proof"].is_array());

    // A reader the log does not know is refused: exit 1 with the code.
    let stranger = keys.path().join("stranger.seed");
    std::fs::write(&stranger, fixtures::hex::encode(&[7u8; 32])).unwrap();
    let output = run(args(&[
        "transcript",
        "--url",
        &base,
        "--key",
        stranger.to_str().unwrap(),
        &learner,
    ]))
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("auth-key-unknown"));

    // The school's feed as JSON lines, and the cursor to resume from.
    let school = year.class.school.as_str().to_owned();
    let output = run(args(&[
        "feed", "--url", &base, "--key", &principal, "--school", &school,
    ]))
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(lines.len() > 10);
    assert!(String::from_utf8_lossy(&output.stderr).contains("resume with --after"));

    // sign-request's curl config, sent as it says, is accepted by the node.
    let path = format!("/v1/learners/{learner}/transcript");
    let output = run(args(&["sign-request", "--key", &principal, "GET", &path]))
        .await
        .unwrap();
    assert!(output.status.success());
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let quoted = line
            .strip_prefix("header = \"")
            .unwrap()
            .strip_suffix('"')
            .unwrap();
        let header = quoted.replace("\\\"", "\"").replace("\\\\", "\\");
        let (name, value) = header.split_once(": ").unwrap();
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hocba_append_signs_and_appends_one_event() {
    let node = TestNode::start().await;
    let directory = tempfile::tempdir().unwrap();
    let key = directory.path().join("teacher.seed");
    std::fs::write(
        &key,
        fixtures::hex::encode(&common::key("teacher").to_bytes()),
    )
    .unwrap();
    let payload = directory.path().join("payload.json");
    std::fs::write(&payload, r#"{"learner":"HS1","value":"8.5"}"#).unwrap();
    let base = node.base.clone();
    let key = key.to_str().unwrap().to_owned();
    let payload = payload.to_str().unwrap().to_owned();
    let (key_file, payload_file) = (key.clone(), payload.clone());
    let output = tokio::task::spawn_blocking(move || {
        hocba(&[
            "append",
            "--url",
            &base,
            "--key",
            &key_file,
            "--type",
            "grade.recorded",
            "--id",
            "g-1",
            &payload_file,
        ])
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let receipt: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(receipt["index"], 0);
    assert_eq!(node.node.log().head().size, 1);

    // A printed envelope, sent twice with `hocba submit`: one record, the same receipt.
    let envelope = directory.path().join("envelope.json");
    let (base, key_file, payload_file) = (node.base.clone(), key.clone(), payload.clone());
    let printed = tokio::task::spawn_blocking(move || {
        hocba(&[
            "append",
            "--url",
            &base,
            "--key",
            &key_file,
            "--type",
            "grade.recorded",
            "--id",
            "g-2",
            "--print",
            &payload_file,
        ])
    })
    .await
    .unwrap();
    assert!(printed.status.success());
    std::fs::write(&envelope, &printed.stdout).unwrap();
    let mut receipts = Vec::new();
    for _ in 0..2 {
        let (base, envelope) = (node.base.clone(), envelope.clone());
        let output = tokio::task::spawn_blocking(move || {
            hocba(&["submit", "--url", &base, envelope.to_str().unwrap()])
        })
        .await
        .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        receipts.push(serde_json::from_slice::<Value>(&output.stdout).unwrap());
    }
    assert_eq!(receipts[0]["index"], 1);
    assert_eq!(receipts[0]["record_id"], receipts[1]["record_id"]);
    assert_eq!(receipts[1]["duplicate"], true);
    assert_eq!(node.node.log().head().size, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appointed_auditor_reads_the_province_and_signs_nothing() {
    let year = load_year().await;
    let ministry = year.province.signing_key("bo-gddt");
    let auditor = common::key("thanh-tra");
    let sign = |key: &ed25519_dalek::SigningKey, event_type: &str, id: &str, payload: Value| {
        ledger_core::record::SignedSubmission::sign(
            &ledger_core::record::Submission::new(
                PublicKey::from(key),
                ledger_node::sequencer::now_us() / 1_000,
                event_type,
                id,
                payload.as_object().unwrap().clone(),
                1,
            )
            .unwrap(),
            key,
        )
    };
    let grant = sign(
        &ministry,
        "authority.granted",
        "grant:thanh-tra-79",
        serde_json::json!({
            "grant_id": "tt-79",
            "grantee": base64::engine::general_purpose::STANDARD
                .encode(auditor.verifying_key().as_bytes()),
            "role": "thanh_tra",
            "scope": {"unit": fixtures::province::PROVINCE_CODE},
            "valid_from": "2026-01-01",
        }),
    );
    year.node
        .client
        .submit(&grant)
        .await
        .expect("the Ministry appoints an auditor");

    let reader = Client::new(&year.node.base)
        .unwrap()
        .with_signer(RequestSigner::new(auditor.clone()));
    let transcript = reader
        .transcript(&year.learner)
        .await
        .expect("the auditor reads");
    checked_checkpoint(&transcript);
    reader
        .feed(&FeedFilter::School(year.class.school.clone()), None, 10)
        .await
        .expect("and follows a school of the province");
    assert_eq!(
        refusal(reader.feed(&FeedFilter::All, None, 10).await),
        (403, "read-forbidden".to_owned())
    );

    // The role signs no school-record event.
    let size = year.node.node.log().head().size;
    let grade = sign(
        &auditor,
        "class.opened",
        "auditor-class",
        serde_json::json!({
            "school": year.class.school.as_str(),
            "school_year": year.class.school_year.to_string(),
            "class": "6Z",
            "grade": 6,
            "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 140}],
        }),
    );
    match year.node.client.submit(&grade).await {
        Err(ClientError::Api(problem)) => assert_eq!(problem.status, 403, "{problem:?}"),
        other => panic!("an auditor's event must be refused, got {other:?}"),
    }
    assert_eq!(year.node.node.log().head().size, size);
}
