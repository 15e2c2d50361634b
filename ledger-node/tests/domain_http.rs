//! The học bạ domain through the real append path: a generated school year submitted over HTTP
//! to a node that enforces the domain rules, refusals that change nothing, and `verify` and
//! start-up replaying the domain so that an event written around the append path is caught.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use common::{only_segment, TestNode};
use fixtures::province::{Province, Spec};
use ledger_api::client::ClientError;
use ledger_core::key::PublicKey;
use ledger_core::record::{encode_record, record_id, SignedSubmission, Submission};
use ledger_node::config::{self, Policy};
use ledger_node::frame::encode_frame;
use ledger_node::layout::Layout;
use ledger_node::node::Node;
use ledger_node::verify::{self, VerifyError};

fn domain_node_directory(province: &Province) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let ministry_keys = province
        .ministry_keys()
        .iter()
        .map(|key| base64::engine::general_purpose::STANDARD.encode(key.to_bytes()))
        .collect();
    config::install(
        &Layout::new(directory.path()),
        &common::log_signer(),
        Policy::Hocba { ministry_keys },
    )
    .unwrap();
    directory
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
    let now = Arc::new(AtomicU64::new(0));
    let clock_source = Arc::clone(&now);
    let clock: ledger_node::sequencer::Clock =
        Arc::new(move || clock_source.load(Ordering::SeqCst));
    let node = TestNode::serve_with_clock(domain_node_directory(&province), clock).await;

    // The whole generated year, in order, one submission at a time: authority is judged against
    // the log's own order, so order matters.
    let mut count = 0u64;
    let mut an_assessment = None;
    for submission in province.events() {
        let claimed_ms = submission.verify().unwrap().submission().claimed_at_ms();
        now.store(claimed_ms * 1_000, Ordering::SeqCst);
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
    let directory = node.stop();
    assert_eq!(verify_dir(directory.path()).unwrap().records, count);

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
