//! Transcript answers are kept serialized between appends: a read after any append shows the
//! new state, never a stale copy, and every answer equals the transcript the projections build
//! at its `as_of_size`.

mod common;

use std::sync::atomic::Ordering;

use fixtures::province::{Province, Spec};
use ledger_api::client::Client;
use ledger_api::httpsig::RequestSigner;
use ledger_core::domain::value::LearnerCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_after_an_append_is_never_a_stale_copy() {
    let province = Province::generate(&Spec::one_class());
    let (node, now) = common::serve_domain(&province).await;
    let ministry = Client::new(&node.base)
        .unwrap()
        .with_signer(RequestSigner::new(province.signing_key("bo-gddt")));
    let projections = node.node.projections().expect("a domain node");

    let mut learner: Option<LearnerCode> = None;
    let mut changes_seen = 0;
    let mut previous: Option<serde_json::Value> = None;
    for (position, submission) in province.sequenced() {
        now.store(position.sequenced_at_us, Ordering::SeqCst);
        node.client.submit(&submission).await.expect("accepted");
        let verified = submission.verify().unwrap();
        let payload = verified.submission().payload();
        if learner.is_none() && verified.submission().event_type() == "learner.enrolled" {
            learner = Some(LearnerCode::parse(payload["learner"].as_str().unwrap()).unwrap());
        }
        let Some(learner) = &learner else { continue };
        // Read twice (the second from the cache), after every event once the learner exists.
        let first = ministry.transcript(learner).await.expect("transcript");
        let second = ministry
            .transcript(learner)
            .await
            .expect("transcript again");
        assert_eq!(first, second);
        let bytes = ministry
            .transcript_bytes(learner)
            .await
            .expect("the same, unparsed");
        assert_eq!(
            serde_json::from_slice::<ledger_api::wire::Reflected>(&bytes).unwrap(),
            first
        );
        assert_eq!(
            first.as_of_size,
            position.index + 1,
            "reflects every append"
        );
        let expected = projections
            .read()
            .unwrap()
            .transcript(learner)
            .expect("the learner")
            .to_json();
        assert_eq!(first.data, expected, "at size {}", first.as_of_size);
        if previous
            .as_ref()
            .is_some_and(|previous| *previous != first.data)
        {
            changes_seen += 1;
        }
        previous = Some(first.data);
        if changes_seen >= 25 {
            break;
        }
    }
    assert!(
        changes_seen >= 25,
        "the learner's transcript changed {changes_seen} times"
    );
    node.stop();
}
