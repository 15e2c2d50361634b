//! The học bạ domain through the real append path: a generated school year submitted over HTTP
//! to a node that enforces the domain rules, refusals that change nothing, and `verify` and
//! start-up replaying the domain so that an event written around the append path is caught.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;

use common::only_segment;
use fixtures::province::{Province, Spec};
use ledger_api::client::ClientError;
use ledger_core::domain::value::LearnerCode;
use ledger_core::key::PublicKey;
use ledger_core::record::{encode_record, record_id, SignedSubmission, Submission};
use ledger_node::frame::encode_frame;
use ledger_node::layout::Layout;
use ledger_node::node::Node;
use ledger_node::verify::{self, VerifyError};
use serde_json::Value;

/// One learner's regular, mid-term and final scores of a subject in a semester, in tenths.
#[derive(Default)]
struct Scores {
    regular: BTreeMap<u64, u64>,
    midterm: Option<u64>,
    final_: Option<u64>,
}

impl Scores {
    fn complete(&self) -> bool {
        self.midterm.is_some() && self.final_.is_some() && !self.regular.is_empty()
    }

    /// The semester average as TT 22 defines it, in exact integer arithmetic.
    fn expected_average(&self) -> String {
        let count = self.regular.len() as u64;
        let sum: u64 = self.regular.values().sum::<u64>()
            + 2 * self.midterm.unwrap()
            + 3 * self.final_.unwrap();
        let divisor = count + 5;
        let tenths = (2 * sum + divisor) / (2 * divisor);
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

fn tenths(value: &str) -> u64 {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    whole.parse::<u64>().unwrap() * 10 + fraction.parse::<u64>().unwrap()
}

fn record_for_check(
    submission: &SignedSubmission,
    index: u64,
    learner_of_index: &mut HashMap<u64, String>,
    corrected: &mut HashSet<String>,
    toan: &mut BTreeMap<String, Scores>,
) {
    let verified = submission.verify().unwrap();
    let payload = verified.submission().payload();
    let text = |field: &str| {
        payload
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    match verified.submission().event_type() {
        "assessment.recorded" => {
            let learner = text("learner").unwrap();
            learner_of_index.insert(index, learner.clone());
            if text("subject").as_deref() != Some("toan") || payload["semester"] != 1 {
                return;
            }
            let scores = toan.entry(learner).or_default();
            let value = tenths(&text("value").unwrap());
            match text("kind").as_deref() {
                Some("regular") => {
                    scores
                        .regular
                        .insert(payload["slot"].as_u64().unwrap(), value);
                }
                Some("midterm") => scores.midterm = Some(value),
                Some("final") => scores.final_ = Some(value),
                other => panic!("unexpected kind {other:?}"),
            }
        }
        "conduct.recorded" => {
            learner_of_index.insert(index, text("learner").unwrap());
        }
        "correction.requested" => {
            if let Some(learner) = payload["target"]
                .as_u64()
                .and_then(|target| learner_of_index.get(&target))
            {
                corrected.insert(learner.clone());
            }
        }
        _ => {}
    }
}

/// The semester result of a subject in the first year of a transcript's JSON.
fn subject_semester_result(transcript: &Value, subject: &str, semester: usize) -> Option<String> {
    fn find<'a>(value: &'a Value, subject: &str) -> Option<&'a Value> {
        match value {
            Value::Object(map) => {
                if map.get("code").and_then(Value::as_str) == Some(subject)
                    && map.contains_key("semesters")
                {
                    return Some(value);
                }
                map.values().find_map(|child| find(child, subject))
            }
            Value::Array(items) => items.iter().find_map(|child| find(child, subject)),
            _ => None,
        }
    }
    let record = find(transcript, subject)?;
    let result = &record["semesters"][semester]["result"];
    result
        .as_str()
        .map(str::to_owned)
        .or_else(|| result.as_f64().map(|number| format!("{number:.1}")))
}

fn verify_dir(data: &std::path::Path) -> Result<verify::Report, VerifyError> {
    verify::verify(
        &Layout::new(data),
        verify::Options { signatures: true },
        |_| {},
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_year_is_judged_at_each_position_and_verify_replays_the_domain() {
    let province = Province::generate(&Spec::one_class());
    // The year is replayed at its own dates: the sequencer's clock is set to each event's
    // claimed time before it is submitted, as the generator's sequenced positions assume.
    let (node, now) = common::serve_domain(&province).await;

    // The whole generated year, in order, one submission at a time: authority is judged against
    // the log's own order, so order matters.
    let mut count = 0u64;
    let mut an_assessment = None;
    // For an independent check of the transcript: each learner's `toan` semester-1 scores, and
    // which learners had anything corrected.
    let mut learner_of_index: HashMap<u64, String> = HashMap::new();
    let mut corrected: HashSet<String> = HashSet::new();
    let mut toan: BTreeMap<String, Scores> = BTreeMap::new();
    for submission in province.events() {
        let claimed_ms = submission.verify().unwrap().submission().claimed_at_ms();
        now.store(claimed_ms * 1_000, Ordering::SeqCst);
        record_for_check(
            &submission,
            count,
            &mut learner_of_index,
            &mut corrected,
            &mut toan,
        );
        let verified = submission.verify().unwrap();
        if an_assessment.is_none() && verified.submission().event_type() == "assessment.recorded" {
            an_assessment = Some(verified.submission().payload().clone());
        }
        let receipt = node
            .client
            .submit(&submission)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "event {count} ({}) refused: {error}",
                    verified.submission().event_type()
                )
            });
        assert_eq!(receipt.index, count);
        count += 1;
    }
    assert!(count > 100, "a school year has many events, got {count}");

    // A grade by a key that holds no authority: refused with its code, nothing written.
    let stranger = common::key("stranger");
    let payload = an_assessment.expect("the year has assessments");
    let forged = SignedSubmission::sign(
        &Submission::new(
            PublicKey::from(&stranger),
            1_790_000_000_000,
            "assessment.recorded",
            "forged-1",
            payload.clone(),
            1,
        )
        .unwrap(),
        &stranger,
    );
    let refused = node.client.submit(&forged).await.expect_err("unauthorised");
    let ClientError::Api(problem) = refused else {
        panic!("expected a problem, got {refused:?}")
    };
    assert_eq!(problem.status, 403, "{problem:?}");
    assert!(problem.code.starts_with("authority-") || problem.code == "teacher-not-assigned");
    assert_eq!(node.node.log().head().size, count);
    node.wait_for_checkpoint(count).await;

    // The live transcript of a learner without corrections against a calculation made here from
    // the raw scores: ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (n + 5), half up to one decimal.
    let (learner, scores) = toan
        .iter()
        .find(|(learner, scores)| !corrected.contains(*learner) && scores.complete())
        .expect("an uncorrected learner with toan scores");
    let projections = node
        .node
        .projections()
        .expect("a domain node keeps projections");
    let live = projections
        .read()
        .unwrap()
        .transcript(&LearnerCode::parse(learner).unwrap())
        .expect("the learner has a transcript")
        .to_json();
    let result = subject_semester_result(&live, "toan", 0).expect("toan semester 1 result");
    assert_eq!(result, scores.expected_average(), "{learner}: {live}");
    let directory = node.stop();
    assert_eq!(verify_dir(directory.path()).unwrap().records, count);

    // The offline transcript, replayed from the files up to the newest checkpoint, is the same.
    let offline = ledger_node::offline::replay(&Layout::new(directory.path()), |_| {}).unwrap();
    assert_eq!(offline.size, count);
    assert_eq!(offline.transcript(learner).unwrap()["answer"], live);

    // The same forged event written around the append path: correctly framed, chained and
    // signed, but not authorised. `verify` names its index and the node refuses to start.
    let segment = only_segment(directory.path());
    let mut bytes = std::fs::read(&segment).unwrap();
    let last = ledger_node::scan::scan(&Layout::new(directory.path()).segments(), |_, _| {
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    assert_eq!(last.records, count);
    let mut previous = Vec::new();
    ledger_node::scan::scan(
        &Layout::new(directory.path()).segments(),
        |index, record| {
            if index + 1 == count {
                previous = record.to_vec();
            }
            Ok::<(), std::io::Error>(())
        },
    )
    .unwrap();
    let previous_time = ledger_core::record::RecordView::decode(&previous)
        .unwrap()
        .sequenced_at_us();
    let smuggled = encode_record(
        count,
        previous_time + 1,
        &record_id(&previous),
        &forged.verify().unwrap(),
    );
    encode_frame(&smuggled, &mut bytes);
    std::fs::write(&segment, &bytes).unwrap();
    match verify_dir(directory.path()) {
        Err(VerifyError::Invalid(problem)) => {
            assert_eq!(problem.index, count, "{problem}");
            assert!(problem.what.contains("domain"), "{problem}");
        }
        other => panic!("expected the smuggled event to be reported, got {other:?}"),
    }
    let error = Node::open(&Layout::new(directory.path()))
        .err()
        .expect("a node whose log breaks the domain rules does not start");
    assert!(
        error.to_string().contains(&format!("record {count}")),
        "{error}"
    );
}
