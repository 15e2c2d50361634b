//! `hocba load` against a demo node over loopback HTTP: a small demo loaded up to a date in the
//! first semester, then the load driver's clients for a few seconds. Nothing may be refused,
//! and every line of the `--acked` file must name a record of the node's log with exactly that
//! leaf hash.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::TestNode;
use fixtures::province::Province;
use ledger_core::domain::value::Date;
use ledger_node::config;
use ledger_node::demo::{self, DEMO_ORIGIN};
use ledger_node::layout::Layout;
use ledger_node::load::{self, LoadArgs, Report};
use ledger_node::sequencer::{self, Clock};

/// The demo is loaded up to noon on this day (Vietnam time), in the third wave of regular
/// assessments of the first semester, whatever today's date is.
const LOADED_UNTIL: &str = "2026-11-20";

/// The node's clock: each demo event's own time while the demo loads, then the school-year date
/// the demo stopped at, advancing with the machine's clock.
#[derive(Clone, Default)]
struct SchoolClock {
    /// A set time (µs) while loading; 0 afterwards.
    set_us: Arc<AtomicU64>,
    /// Added to the machine's clock afterwards (µs; wrapping, as the date may be in the past).
    shift_us: Arc<AtomicU64>,
}

impl SchoolClock {
    fn clock(&self) -> Clock {
        let this = self.clone();
        Arc::new(move || match this.set_us.load(Ordering::SeqCst) {
            0 => sequencer::now_us().wrapping_add(this.shift_us.load(Ordering::SeqCst)),
            at => at,
        })
    }

    /// From now on, time runs from `at_us`.
    fn run_from(&self, at_us: u64) {
        self.shift_us
            .store(at_us.wrapping_sub(sequencer::now_us()), Ordering::SeqCst);
        self.set_us.store(0, Ordering::SeqCst);
    }
}

/// Appends the province's events claimed up to `until_ms` through the node's service, each at
/// its own time, as `hocba demo` does; returns how many.
async fn load_demo(
    node: &TestNode,
    province: &Province,
    clock: &SchoolClock,
    until_ms: u64,
) -> u64 {
    let service = node.node.service();
    let mut count = 0;
    for submission in province.events() {
        let claimed_ms = submission.verify().unwrap().submission().claimed_at_ms();
        if claimed_ms > until_ms {
            break;
        }
        clock.set_us.store(claimed_ms * 1_000, Ordering::SeqCst);
        let receipt = service
            .submit(submission)
            .await
            .unwrap_or_else(|error| panic!("demo event {count}: {error}"));
        assert_eq!(receipt.index, count);
        count += 1;
    }
    count
}

/// Checks a run's `--acked` file against the node's log: each line `INDEX LEAFHASH` names a
/// record whose leaf hash is exactly that, no index twice, at or after `first_index`, and as
/// many lines as the report acknowledged.
async fn check_acked(node: &TestNode, acked: &Path, report: &Report, first_index: u64) {
    let text = std::fs::read_to_string(acked).unwrap();
    let mut seen = HashSet::new();
    for line in text.lines() {
        let (index, leaf_hash) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("line {line:?} is not `INDEX LEAFHASH`"));
        let index: u64 = index.parse().unwrap();
        assert!(index >= first_index, "{index} is a demo record");
        assert!(seen.insert(index), "index {index} acknowledged twice");
        let record = node.client.record(index).await.unwrap();
        assert_eq!(record.leaf_hash, leaf_hash, "record {index}");
    }
    assert_eq!(seen.len() as u64, report.acknowledged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_runs_refuse_nothing_and_every_acknowledged_record_is_in_the_log() {
    let province = demo::province(40);
    let directory = tempfile::tempdir().unwrap();
    config::init(
        &Layout::new(directory.path()),
        DEMO_ORIGIN,
        demo::policy(&province),
    )
    .unwrap();
    let keys = directory.path().join("demo-keys");
    demo::write_keys(&province, &keys).unwrap();
    let until_us = Date::parse(LOADED_UNTIL).unwrap().start_us() + 12 * 3_600_000_000;
    demo::write_roster(&province, DEMO_ORIGIN, until_us / 1_000, &keys).unwrap();
    let clock = SchoolClock::default();
    let node = TestNode::serve_with_clock(directory, clock.clock()).await;
    let loaded = load_demo(&node, &province, &clock, until_us / 1_000).await;
    clock.run_from(until_us);

    // One event per request from 8 clients.
    let acked = node.path().join("acked-single");
    let args = LoadArgs {
        url: node.base.clone(),
        keys: keys.clone(),
        clients: 8,
        seconds: 2,
        batch: None,
        acked: Some(acked.clone()),
        json: false,
    };
    let report = load::execute_with_clock(&args, clock.clock())
        .await
        .unwrap();
    assert!(report.refusals.is_empty(), "{}", report.to_text());
    assert_eq!(report.transport_errors, 0, "{}", report.to_text());
    assert!(report.acknowledged > 0, "{}", report.to_text());
    assert_eq!(report.requests, report.acknowledged);
    check_acked(&node, &acked, &report, loaded).await;

    // Batches of 16 events from 4 clients, after the first run's records.
    let acked = node.path().join("acked-batch");
    let args = LoadArgs {
        clients: 4,
        seconds: 1,
        batch: Some(16),
        acked: Some(acked.clone()),
        ..args
    };
    let batched = load::execute_with_clock(&args, clock.clock())
        .await
        .unwrap();
    assert!(batched.healthy(), "{}", batched.to_text());
    assert_eq!(batched.acknowledged, batched.requests * 16);
    check_acked(&node, &acked, &batched, loaded + report.acknowledged).await;
    assert_eq!(
        node.node.log().head().size,
        loaded + report.acknowledged + batched.acknowledged
    );
}

#[tokio::test]
async fn a_keys_directory_without_a_roster_is_refused_with_its_path() {
    let directory = tempfile::tempdir().unwrap();
    let args = LoadArgs {
        url: "http://127.0.0.1:9".to_owned(),
        keys: directory.path().to_owned(),
        clients: 1,
        seconds: 1,
        batch: None,
        acked: None,
        json: false,
    };
    let error = load::execute(&args).await.unwrap_err();
    assert!(matches!(error, load::LoadError::Roster { .. }), "{error:?}");
    assert!(error.to_string().contains("roster.json"), "{error}");
}
