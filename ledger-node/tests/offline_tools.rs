//! `verify`, `export`, `import` and `audit` on real data directories and exported tile trees,
//! including tampered copies: each tool must report the problem and the first bad index.

mod common;

use std::path::Path;

use common::{copy_tree, only_segment, TestNode};
use ledger_core::tile::{self, EntryBundleId, TileId};
use ledger_node::audit::{self, Outcome};
use ledger_node::frame::encode_frame;
use ledger_node::layout::Layout;
use ledger_node::static_log::{DirectorySource, StaticError};
use ledger_node::verify::{self, VerifyError};
use ledger_node::{export, import, scan};

/// A stopped node with `count` records and a checkpoint covering them.
async fn stopped_node(prefix: &str, count: usize) -> tempfile::TempDir {
    let node = TestNode::start().await;
    node.append_many(prefix, count, 8).await;
    node.wait_for_checkpoint(count as u64).await;
    node.stop()
}

fn verify_dir(data: &Path) -> Result<verify::Report, VerifyError> {
    verify::verify(
        &Layout::new(data),
        verify::Options { signatures: true },
        |_| {},
    )
}

fn bad_index(result: Result<verify::Report, VerifyError>) -> (u64, String) {
    match result {
        Err(VerifyError::Invalid(problem)) => (problem.index, problem.what),
        other => panic!("expected an invalid log, got {other:?}"),
    }
}

fn records(data: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    scan::scan(&Layout::new(data).segments(), |_, record| {
        out.push(record.to_vec());
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    out
}

fn rewrite_segment(data: &Path, records: &[Vec<u8>]) {
    let mut bytes = Vec::new();
    for record in records {
        encode_frame(record, &mut bytes);
    }
    std::fs::write(only_segment(data), bytes).unwrap();
}

/// A tampered copy of `data`, produced by `change` on its list of records.
fn tampered(data: &Path, change: impl FnOnce(&mut Vec<Vec<u8>>)) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(data, copy.path());
    let mut list = records(copy.path());
    change(&mut list);
    rewrite_segment(copy.path(), &list);
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_first_bad_index_of_a_tampered_log() {
    let data = stopped_node("v", 300).await;
    let report = verify_dir(data.path()).expect("the untouched log verifies");
    assert_eq!((report.records, report.checkpoints > 0), (300, true));

    // A byte flipped inside a record, with the frame checksum recomputed by the attacker.
    let flipped = tampered(data.path(), |list| {
        // "toan" becomes "toam": still valid, canonical JSON, so only the signature catches it.
        let at = list[123].windows(4).position(|w| w == b"toan").unwrap();
        list[123][at + 3] = b'm';
    });
    let (index, what) = bad_index(verify_dir(flipped.path()));
    assert_eq!(index, 123, "{what}");
    assert!(what.contains("signature-invalid"), "{what}");

    // The same flip without recomputing the checksum: caught by the frame.
    let raw = tempfile::tempdir().unwrap();
    copy_tree(data.path(), raw.path());
    let segment = only_segment(raw.path());
    let mut bytes = std::fs::read(&segment).unwrap();
    let offset = records(data.path())[..50]
        .iter()
        .map(|r| r.len() + 8)
        .sum::<usize>()
        + 20;
    bytes[offset] ^= 0x80;
    std::fs::write(&segment, &bytes).unwrap();
    assert_eq!(bad_index(verify_dir(raw.path())).0, 50);

    let dropped = tampered(data.path(), |list| {
        list.remove(150);
    });
    assert_eq!(bad_index(verify_dir(dropped.path())).0, 150);
    let duplicated = tampered(data.path(), |list| {
        let copy = list[150].clone();
        list.insert(151, copy);
    });
    assert_eq!(bad_index(verify_dir(duplicated.path())).0, 151);
    let reordered = tampered(data.path(), |list| list.swap(150, 151));
    assert_eq!(bad_index(verify_dir(reordered.path())).0, 150);
    // The last record changed with its frame recomputed: the chain has no successor to break,
    // so without signature checks the tree, recomputed on its own thread, must catch it at the
    // checkpoint it breaks; with them, the record's own signature does.
    let last = tampered(data.path(), |list| {
        let record = list.last_mut().unwrap();
        let at = record.windows(4).position(|w| w == b"toan").unwrap();
        record[at + 3] = b'm';
    });
    for signatures in [false, true] {
        let (index, what) = bad_index(verify::verify(
            &Layout::new(last.path()),
            verify::Options { signatures },
            |_| {},
        ));
        assert_eq!(index, 299, "{what}");
        let expected = if signatures {
            "signature-invalid"
        } else {
            "do not hash to the root"
        };
        assert!(what.contains(expected), "{what}");
    }
    let truncated = tampered(data.path(), |list| list.truncate(200));
    let (index, what) = bad_index(verify_dir(truncated.path()));
    assert_eq!(index, 200, "{what}");

    // A truncation in the middle of a frame, inside the checkpointed range.
    let cut = tempfile::tempdir().unwrap();
    copy_tree(data.path(), cut.path());
    let segment = only_segment(cut.path());
    let length = std::fs::metadata(&segment).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(length - 10)
        .unwrap();
    assert_eq!(bad_index(verify_dir(cut.path())).0, 299);
}

fn first_bundle_path(export: &Path) -> std::path::PathBuf {
    export.join(EntryBundleId::new(0, 256).unwrap().path())
}

fn rewrite_bundle(export: &Path, change: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let path = first_bundle_path(export);
    let bytes = std::fs::read(&path).unwrap();
    let mut entries: Vec<Vec<u8>> = tile::decode_entry_bundle(&bytes)
        .unwrap()
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    change(&mut entries);
    std::fs::write(&path, tile::encode_entry_bundle(&entries).unwrap()).unwrap();
}

fn import_result(export: &Path) -> (Result<u64, StaticError>, tempfile::TempDir) {
    let target = tempfile::tempdir().unwrap();
    let data = target.path().join("node");
    let verifier = common::log_signer().verifier();
    let result = import::import(
        &DirectorySource(export.to_owned()),
        &verifier,
        &data,
        None,
        ledger_node::config::Policy::Open,
        |_| {},
    );
    (result, target)
}

fn invalid_index(result: Result<impl std::fmt::Debug, StaticError>) -> u64 {
    match result {
        Err(StaticError::Invalid { index, .. }) => index,
        other => panic!("expected an invalid tile tree, got {other:?}"),
    }
}

fn audit_dir(export: &Path, state: Option<&Path>, entries: bool) -> Result<Outcome, StaticError> {
    audit::audit(
        export.to_str().unwrap(),
        &common::log_signer().verifier(),
        state,
        entries,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_round_trip_and_tampered_exports_are_refused() {
    let data = stopped_node("e", 300).await;
    let out = tempfile::tempdir().unwrap();
    let exported = export::export(&Layout::new(data.path()), out.path(), |_| {}).unwrap();
    assert_eq!(exported.size, 300);

    // Import rebuilds a node that verifies and holds the same records.
    let (imported, target) = import_result(out.path());
    assert_eq!(imported.unwrap(), 300);
    let imported_dir = target.path().join("node");
    assert_eq!(verify_dir(&imported_dir).unwrap().records, 300);
    assert_eq!(records(&imported_dir), records(data.path()));
    // The imported mirror serves the same checkpoint and refuses appends.
    let mirror = TestNode::serve({
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&imported_dir, dir.path());
        dir
    })
    .await;
    assert_eq!(
        mirror.client.checkpoint().await.unwrap(),
        std::fs::read(out.path().join("checkpoint")).unwrap()
    );
    let refused = mirror
        .client
        .submit(&common::submission(&common::key("teacher"), "m-1", "7.0"))
        .await
        .expect_err("read-only");
    assert!(refused.to_string().contains("log-read-only"), "{refused}");

    type Change = Box<dyn FnOnce(&mut Vec<Vec<u8>>)>;
    let cases: Vec<(&str, Change, u64)> = vec![
        (
            "flipped byte",
            Box::new(|entries| {
                let last = entries[10].len() - 2;
                entries[10][last] ^= 1;
            }),
            10,
        ),
        (
            "dropped entry",
            Box::new(|entries| {
                entries.remove(30);
            }),
            30,
        ),
        (
            "duplicated entry",
            Box::new(|entries| entries[31] = entries[30].clone()),
            31,
        ),
        (
            "reordered entries",
            Box::new(|entries| entries.swap(40, 41)),
            40,
        ),
        (
            "truncated bundle",
            Box::new(|entries| entries.truncate(200)),
            200,
        ),
    ];
    for (what, change, index) in cases {
        let copy = tempfile::tempdir().unwrap();
        copy_tree(out.path(), copy.path());
        rewrite_bundle(copy.path(), change);
        let (result, target) = import_result(copy.path());
        assert_eq!(invalid_index(result), index, "import, {what}");
        assert!(
            !target.path().join("node").exists(),
            "import wrote nothing for {what}"
        );
        assert_eq!(
            invalid_index(audit_dir(copy.path(), None, true)),
            index,
            "audit, {what}"
        );
    }

    // A hash flipped in a hash tile: the entries no longer match it.
    let copy = tempfile::tempdir().unwrap();
    copy_tree(out.path(), copy.path());
    let tile_path = copy.path().join(TileId::new(0, 0, 256).unwrap().path());
    let mut tile_bytes = std::fs::read(&tile_path).unwrap();
    tile_bytes[20 * 32 + 5] ^= 1;
    std::fs::write(&tile_path, tile_bytes).unwrap();
    assert_eq!(invalid_index(audit_dir(copy.path(), None, true)), 20);
    assert!(audit_dir(copy.path(), None, false).is_err());
    assert_eq!(invalid_index(import_result(copy.path()).0), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_accepts_growth_and_reports_forks_and_rollbacks_with_both_checkpoints() {
    let node = TestNode::start().await;
    node.append_many("a", 100, 4).await;
    node.wait_for_checkpoint(100).await;
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path().join("audit-state.json");
    let base = format!("{}/log", node.base);
    let verifier = common::log_signer().verifier();
    let audit_http = |state: std::path::PathBuf| {
        let base = base.clone();
        let verifier = verifier.clone();
        tokio::task::spawn_blocking(move || audit::audit(&base, &verifier, Some(&state), true))
    };
    let first = audit_http(state.clone()).await.unwrap().unwrap();
    assert!(matches!(
        first,
        Outcome::Consistent {
            previous_size: None,
            ..
        }
    ));
    node.append_many("b", 50, 4).await;
    node.wait_for_checkpoint(150).await;
    let second = audit_http(state.clone()).await.unwrap().unwrap();
    assert!(matches!(
        second,
        Outcome::Consistent {
            previous_size: Some(100),
            ..
        }
    ));

    // Another log under the same key with a different history: a fork.
    let fork = stopped_node("fork", 200).await;
    let fork_export = tempfile::tempdir().unwrap();
    export::export(&Layout::new(fork.path()), fork_export.path(), |_| {}).unwrap();
    match audit_dir(fork_export.path(), Some(&state), false).unwrap() {
        Outcome::Forked {
            accepted,
            presented,
            ..
        } => {
            assert!(accepted.contains("\n150\n"));
            assert!(presented.contains("\n200\n"));
        }
        other => panic!("expected a fork, got {other:?}"),
    }
    // A smaller tree than accepted: a rollback.
    let small = stopped_node("small", 20).await;
    let small_export = tempfile::tempdir().unwrap();
    export::export(&Layout::new(small.path()), small_export.path(), |_| {}).unwrap();
    assert!(matches!(
        audit_dir(small_export.path(), Some(&state), false).unwrap(),
        Outcome::Forked { .. }
    ));
    // The state still holds the last consistent checkpoint.
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("150"), "{saved}");
}
