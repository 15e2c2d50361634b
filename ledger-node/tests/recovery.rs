//! Recovery from what a crash can leave on disk: a torn tail is cut back to the last complete
//! record; damage inside data covered by a signed checkpoint stops the node instead.

mod common;

use common::{only_segment, TestNode};
use ledger_node::layout::Layout;
use ledger_node::node::Node;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_is_cut_and_appends_continue() {
    let node = TestNode::start().await;
    let receipts = node.append_many("t", 20, 2).await;
    node.wait_for_checkpoint(20).await;
    let directory = node.stop();
    let segment = only_segment(directory.path());
    let intact = std::fs::read(&segment).unwrap();
    // Half of a frame: a plausible header and part of a record, as a torn write leaves it.
    let mut torn = intact.clone();
    torn.extend_from_slice(&[0, 0, 1, 200, 0xde, 0xad, 0xbe, 0xef, 1, 0, 0]);
    std::fs::write(&segment, &torn).unwrap();

    let node = TestNode::serve(directory).await;
    assert_eq!(node.node.recovery().truncated_bytes, 11);
    assert_eq!(node.node.log().head().size, 20);
    assert_eq!(
        std::fs::read(&segment).unwrap(),
        intact,
        "cut exactly at the tail"
    );
    for receipt in &receipts {
        assert_eq!(
            ledger_core::tree::leaf_hash(&node.node.log().read_record(receipt.index).unwrap())
                .to_base64(),
            receipt.leaf_hash
        );
    }
    let more = node.append_many("u", 3, 1).await;
    assert_eq!(more[0].index, 20);
    node.wait_for_checkpoint(23).await;
    let directory = node.stop();
    ledger_node::verify::verify(
        &Layout::new(directory.path()),
        ledger_node::verify::Options { signatures: true },
        |_| {},
    )
    .expect("the recovered log verifies");
}

/// Start-up checks the end of the checkpointed range, not every record (that would cost a full
/// scan at every restart): damage further back is caught by the checksum on every read and
/// reported by `verify`; records missing under a signed checkpoint stop the node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_under_a_checkpoint_is_never_served_and_missing_records_stop_the_node() {
    let node = TestNode::start().await;
    node.append_many("d", 20, 2).await;
    node.wait_for_checkpoint(20).await;
    let directory = node.stop();
    let segment = only_segment(directory.path());
    let intact = std::fs::read(&segment).unwrap();
    let mut bytes = intact.clone();
    bytes[100] ^= 0x01;
    std::fs::write(&segment, &bytes).unwrap();

    let node = TestNode::serve(directory).await;
    let error = node.client.record(0).await.expect_err("damaged record");
    assert!(
        matches!(error, ledger_api::client::ClientError::Api(ref problem) if problem.status == 500),
        "{error}"
    );
    assert!(node.client.record(1).await.is_ok());
    let directory = node.stop();
    let problem = ledger_node::verify::verify(
        &Layout::new(directory.path()),
        ledger_node::verify::Options { signatures: true },
        |_| {},
    )
    .expect_err("verify reports it");
    assert!(problem.to_string().contains("record 0"), "{problem}");

    let mut shorter = intact;
    shorter.truncate(shorter.len() / 2);
    std::fs::write(&segment, &shorter).unwrap();
    let error = Node::open(&Layout::new(directory.path()))
        .err()
        .expect("refuses to start");
    let message = error.to_string();
    assert!(
        message.contains("acknowledged records are missing"),
        "{message}"
    );
}

/// The idempotency index is derived: whatever a crash or an operator does to its file, the node
/// recomputes what is missing from the log, and a retry still returns its original receipt
/// instead of storing the submission twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_or_missing_idempotency_index_is_recomputed_and_retries_stay_single() {
    let node = TestNode::start().await;
    let receipts = node.append_many("i", 20, 2).await;
    node.wait_for_checkpoint(20).await;
    let mut directory = node.stop();
    let index_file = Layout::new(directory.path()).idempotency();
    let intact = std::fs::read(&index_file).unwrap();
    assert_eq!(
        intact.len(),
        8 + 20 * 12,
        "a magic and one entry per record"
    );

    let mut garbled = intact.clone();
    garbled[8 + 15 * 12] ^= 0x40; // entry 15's fingerprint no longer matches its check
    let mut torn = intact.clone();
    torn.truncate(8 + 7 * 12 + 5);
    let mut zeroed = intact.clone();
    zeroed[8 + 12 * 12..].fill(0); // a length that grew without its data, as a power loss can
    let damages: [(&str, Option<Vec<u8>>); 5] = [
        ("garbled entry", Some(garbled)),
        ("torn tail", Some(torn)),
        ("zeroed tail", Some(zeroed)),
        ("wrong magic", Some(b"not an index".to_vec())),
        ("deleted", None),
    ];
    for (damage, contents) in damages {
        match contents {
            Some(bytes) => std::fs::write(&index_file, bytes).unwrap(),
            None => std::fs::remove_file(&index_file).unwrap(),
        }
        let node = TestNode::serve(directory).await;
        assert_eq!(
            std::fs::read(&index_file).unwrap(),
            intact,
            "{damage}: the file is recomputed exactly"
        );
        let author = common::key("teacher");
        for n in (0..20).step_by(3) {
            let retry = common::submission(&author, &format!("i-{n}"), "8.5");
            let answer = node.client.submit(&retry).await.expect("retry");
            assert!(
                answer.duplicate,
                "{damage}: a retry is answered, not stored"
            );
            let original = &receipts[usize::try_from(answer.index).unwrap()];
            assert_eq!(answer.leaf_hash, original.leaf_hash, "{damage}");
        }
        let conflicting = common::submission(&author, "i-3", "2.0");
        let refusal = node.client.submit(&conflicting).await.unwrap_err();
        assert!(
            refusal.to_string().contains("idempotency-conflict"),
            "{damage}: {refusal}"
        );
        assert_eq!(
            node.node.log().head().size,
            20,
            "{damage}: nothing was stored"
        );
        directory = node.stop();
    }

    // A node of an earlier version kept the index in sled: the leftover database is removed.
    let retired = Layout::new(directory.path()).retired_sled();
    std::fs::create_dir_all(&retired).unwrap();
    std::fs::write(retired.join("db"), b"old").unwrap();
    let node = TestNode::serve(directory).await;
    assert!(!retired.exists());
    let more = node.append_many("j", 2, 1).await;
    assert_eq!(more[0].index, 20);
    node.stop();
}

/// A Ministry event of the domain, signed by the province's Ministry key.
fn ministry_event(
    province: &fixtures::province::Province,
    event_type: &str,
    id: &str,
    payload: serde_json::Value,
) -> ledger_core::record::SignedSubmission {
    let ministry = province.signing_key("bo-gddt");
    let submission = ledger_core::record::Submission::new(
        ledger_core::key::PublicKey::from(&ministry),
        1_788_000_000_000,
        event_type,
        id,
        payload.as_object().unwrap().clone(),
        1,
    )
    .unwrap();
    ledger_core::record::SignedSubmission::sign(&submission, &ministry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_node_rebuilds_from_records_its_checkpoint_proves_and_from_no_others() {
    let province = fixtures::province::Province::generate(&fixtures::province::Spec::one_class());
    let (node, now) = common::serve_domain(&province).await;
    now.store(1_788_000_000_000_000, std::sync::atomic::Ordering::SeqCst);
    let name = |n: u32| serde_json::json!({"unit": "79", "name": format!("Tỉnh thử {n}")});
    let mut events = vec![ministry_event(
        &province,
        "unit.registered",
        "unit-79",
        serde_json::json!({"unit": "79", "kind": "province", "name": "Tỉnh thử 0"}),
    )];
    events.extend(
        (1..=3).map(|n| ministry_event(&province, "unit.renamed", &format!("rename-{n}"), name(n))),
    );
    for event in &events {
        node.client.submit(event).await.expect("a Ministry event");
    }
    node.wait_for_checkpoint(4).await;
    let directory = node.stop();

    // A restart replays the four records under the checkpoint without their signatures, and
    // the state is the one they make.
    let layout = Layout::new(directory.path());
    {
        let node = Node::open(&layout).expect("the node restarts");
        let unit = ledger_core::domain::value::UnitCode::parse("79").unwrap();
        let projections = node.projections().unwrap();
        let view = projections
            .read()
            .unwrap()
            .unit(&unit)
            .expect("the province");
        let names: Vec<&str> = view.names.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            ["Tỉnh thử 0", "Tỉnh thử 1", "Tỉnh thử 2", "Tỉnh thử 3"]
        );
    }

    // The last record replaced on disk by another one, validly signed by the same Ministry key
    // and chained to the one before: the checkpoint's root gives it away.
    let segment = only_segment(directory.path());
    let mut records = Vec::new();
    ledger_node::scan::scan(&layout.segments(), |_, record| {
        records.push(record.to_vec());
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    let last = ledger_core::record::RecordView::decode(&records[3]).unwrap();
    let forged = ministry_event(&province, "unit.renamed", "rename-3", name(99));
    records[3] = ledger_core::record::encode_record(
        3,
        last.sequenced_at_us(),
        &ledger_core::record::record_id(&records[2]),
        &forged.verify().unwrap(),
    );
    let mut bytes = Vec::new();
    for record in &records {
        ledger_node::frame::encode_frame(record, &mut bytes);
    }
    std::fs::write(&segment, &bytes).unwrap();
    let error = Node::open(&layout)
        .err()
        .expect("a node whose records are not its checkpoint's does not start");
    assert!(error.to_string().contains("checkpoint signs"), "{error}");
}
