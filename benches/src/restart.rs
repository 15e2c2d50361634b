//! Restart of a large node to serving: `Node::open` timed in a fresh process, so nothing of the
//! node that wrote the directory (threads, file locks, caches of its own) is still around. The
//! operating system's page cache is warm: the files were just written.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ledger_node::config;
use ledger_node::idempotency::IdempotencyIndex;
use ledger_node::layout::Layout;
use ledger_node::log::Log;
use ledger_node::node::{open_history, Node};
use serde_json::{json, Value};

use crate::append::Driver;
use crate::proofs;
use crate::report::{thousands, Table};

/// Prefix of the line a child prints its result on.
const RESULT: &str = "RESULT ";

/// One timed open.
#[derive(Clone, Debug)]
pub struct Open {
    pub size: u64,
    /// `Node::open` returned: the node serves reads, tiles and proofs.
    pub open: Duration,
    /// From the start of `Node::open` until the sequencer has its idempotency index and takes
    /// appends.
    pub ready: Duration,
    pub replayed: u64,
}

/// Where the time of an open goes.
#[derive(Clone, Debug, Default)]
pub struct Breakdown {
    pub config_ms: f64,
    pub history_ms: f64,
    pub checkpoints: usize,
    pub log_ms: f64,
    /// Reading the whole last segment again, alone (what `Log::open` does when it resumes).
    pub read_last_segment_ms: f64,
    /// `TreeStore::open` alone.
    pub tree_open_ms: f64,
    pub replayed: u64,
    pub index_ms: f64,
}

/// Result of the restart benchmark.
#[derive(Clone, Debug)]
pub struct RestartRun {
    pub size: u64,
    /// The steps of `Node::open` right after the writing process exited: the real restart.
    pub first: Breakdown,
    /// Timed `Node::open`s after that (steady state: nothing left over from the writer).
    pub opens: Vec<Open>,
}

impl Breakdown {
    /// The steps' total: `Node::open` minus starting its threads.
    pub fn total_ms(&self) -> f64 {
        self.config_ms + self.history_ms + self.log_ms + self.index_ms
    }
}

impl RestartRun {
    /// The median of the timed opens.
    pub fn steady(&self) -> &Open {
        let mut opens: Vec<&Open> = self.opens.iter().collect();
        opens.sort_by_key(|open| open.open);
        opens[opens.len() / 2]
    }
}

/// Grows the node in `data` to `target` records (if smaller), then times `repeat` opens.
pub fn run(
    data: &Path,
    target: u64,
    repeat: usize,
    proof_samples: usize,
    chunk: u64,
    concurrency: usize,
) -> RestartRun {
    let driver = Driver::open(data);
    if driver.size() < target {
        let start = Instant::now();
        eprintln!(
            "restart: filling the node from {} to {} records through service.submit",
            thousands(driver.size() as f64),
            thousands(target as f64)
        );
        driver.fill_to(target, chunk, concurrency, "restart fill");
        eprintln!("restart: filled in {:.0} s", start.elapsed().as_secs_f64());
    }
    driver.close();

    // The steps one by one, first right after the writer exited (whatever it left for the next
    // open to do), then again after the timed opens (steady state).
    let first = breakdown_child(data);
    let mut opens = Vec::new();
    let mut table = Table::new(
        "Restart: Node::open in a fresh process, after the steps below were timed once (warm \
         page cache)",
        &[
            "open",
            "records",
            "replayed past the checkpoint",
            "Node::open ms (serving)",
            "until appends are taken ms",
        ],
    );
    for attempt in 0..repeat.max(1) {
        // Proofs from the reopened node's own tree, once.
        let samples = if attempt == 0 { proof_samples } else { 0 };
        let result = child(data, false, samples);
        let open = Open {
            size: result["size"].as_u64().unwrap_or(0),
            open: Duration::from_secs_f64(result["open_ms"].as_f64().unwrap_or(0.0) / 1e3),
            ready: Duration::from_secs_f64(result["ready_ms"].as_f64().unwrap_or(0.0) / 1e3),
            replayed: result["replayed"].as_u64().unwrap_or(0),
        };
        table.row(vec![
            (attempt + 1).to_string(),
            thousands(open.size as f64),
            thousands(open.replayed as f64),
            format!("{:.0}", open.open.as_secs_f64() * 1e3),
            format!("{:.0}", open.ready.as_secs_f64() * 1e3),
        ]);
        opens.push(open);
    }
    table.print();

    let breakdown = breakdown_child(data);
    let segments = ledger_node::scan::segment_files(&Layout::new(data).segments())
        .map_or(0, |segments| segments.len());
    let last_segment_mib = ledger_node::scan::segment_files(&Layout::new(data).segments())
        .ok()
        .and_then(|segments| segments.last().cloned())
        .and_then(|(_, path)| std::fs::metadata(path).ok())
        .map_or(0.0, |metadata| crate::report::mib(metadata.len()));
    let mut table = Table::new(
        &format!(
            "Restart breakdown at {} records: the steps of Node::open, timed one by one in a \
             fresh process",
            thousands(opens[0].size as f64)
        ),
        &[
            "step",
            "ms, right after the writer exited",
            "ms, steady",
            "what it does",
        ],
    );
    let steps: [(&str, f64, f64, String); 7] = [
        (
            "config + signing key",
            first.config_ms,
            breakdown.config_ms,
            "read node.json and log.key".into(),
        ),
        (
            "open_history",
            first.history_ms,
            breakdown.history_ms,
            format!(
                "read and verify all {} signed checkpoints ({:.0} µs each)",
                breakdown.checkpoints,
                breakdown.history_ms * 1e3 / breakdown.checkpoints.max(1) as f64
            ),
        ),
        (
            "Log::open",
            first.log_ms,
            breakdown.log_ms,
            format!(
                "TreeStore::open (levels ≥ 3 into memory), tree_hash, read the whole last \
                 segment ({last_segment_mib:.0} MiB; {segments} segments), replay {} + {} \
                 records",
                first.replayed, breakdown.replayed
            ),
        ),
        (
            "  of which: reading the last segment",
            first.read_last_segment_ms,
            breakdown.read_last_segment_ms,
            "std::fs::read of the last segment, timed again on its own".into(),
        ),
        (
            "  of which: TreeStore::open",
            first.tree_open_ms,
            breakdown.tree_open_ms,
            "timed again on its own".into(),
        ),
        (
            "IdempotencyIndex::open",
            first.index_ms,
            breakdown.index_ms,
            "read the index file and catch it up with the log".into(),
        ),
        (
            "total (Node::open without starting its threads)",
            first.total_ms(),
            breakdown.total_ms(),
            "the first column is the restart that follows a writer stopping".into(),
        ),
    ];
    for (step, first, steady, what) in steps {
        table.row(vec![
            step.into(),
            format!("{first:.1}"),
            format!("{steady:.1}"),
            what,
        ]);
    }
    table.print();
    RestartRun {
        size: opens[0].size,
        first,
        opens,
    }
}

fn breakdown_child(data: &Path) -> Breakdown {
    let result = child(data, true, 0);
    let number = |key: &str| result[key].as_f64().unwrap_or(0.0);
    Breakdown {
        config_ms: number("config_ms"),
        history_ms: number("history_ms"),
        checkpoints: result["checkpoints"].as_u64().unwrap_or(0) as usize,
        log_ms: number("log_ms"),
        read_last_segment_ms: number("read_last_segment_ms"),
        tree_open_ms: number("tree_open_ms"),
        replayed: result["replayed"].as_u64().unwrap_or(0),
        index_ms: number("index_ms"),
    }
}

/// Runs `benches open-once` on `data` and returns its result; retries while the previous
/// process's locks are being released.
fn child(data: &Path, breakdown: bool, proof_samples: usize) -> Value {
    let executable = std::env::current_exe().expect("own executable");
    for _ in 0..10 {
        let mut command = Command::new(&executable);
        command
            .arg("open-once")
            .arg("--data")
            .arg(data)
            .arg("--proof-samples")
            .arg(proof_samples.to_string());
        if breakdown {
            command.arg("--breakdown");
        }
        let output = command.output().expect("run the child");
        let stdout = String::from_utf8_lossy(&output.stdout);
        if let Some(line) = stdout.lines().find_map(|line| line.strip_prefix(RESULT)) {
            // The child's own tables (proofs at the real size) go to our output.
            for line in stdout.lines().filter(|line| !line.starts_with(RESULT)) {
                println!("{line}");
            }
            return serde_json::from_str(line).expect("the child's result");
        }
        eprintln!(
            "open-once failed ({}), retrying: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    panic!("the node in {} could not be opened", data.display());
}

/// Times the service's proof-serving calls: `record` (read the record, its inclusion proof in
/// the newest checkpoint, encoded as a tlog-proof) and `consistency` (to the newest checkpoint).
fn serving(node: &Node, samples: usize) {
    let service = node.service();
    let Some(size) = node.published().map(|published| published.size) else {
        return;
    };
    if size < 2 {
        return;
    }
    let mut rng = crate::workload::Rng::new(size ^ 0x5345_5256);
    let mut record = Vec::with_capacity(samples);
    let mut consistency = Vec::with_capacity(samples);
    for _ in 0..samples {
        let index = rng.below(size);
        let start = Instant::now();
        let answer = service.record(index).expect("record with proof");
        record.push(start.elapsed().as_secs_f64() * 1e6);
        assert!(answer.proof.is_some(), "a proof in the checkpoint");
        let from = 1 + rng.below(size - 1);
        let start = Instant::now();
        std::hint::black_box(service.consistency(from, size).expect("consistency"));
        consistency.push(start.elapsed().as_secs_f64() * 1e6);
    }
    let mut table = Table::new(
        &format!(
            "The node's proof-serving calls at {} records (no HTTP)",
            thousands(size as f64)
        ),
        &["call", "samples", "p50 µs", "p90 µs", "p99 µs", "max µs"],
    );
    for (call, samples) in [
        ("service.record(random index) with tlog-proof", &mut record),
        ("service.consistency(random, newest)", &mut consistency),
    ] {
        let summary = crate::report::Summary::of(samples);
        table.row(vec![
            call.into(),
            thousands(summary.count as f64),
            format!("{:.1}", summary.p50),
            format!("{:.1}", summary.p90),
            format!("{:.1}", summary.p99),
            format!("{:.0}", summary.max),
        ]);
    }
    table.print();
}

/// The child: opens the node once and prints the result.
pub fn open_once(data: &Path, breakdown: bool, proof_samples: usize) {
    let layout = Layout::new(data);
    if breakdown {
        let start = Instant::now();
        let config = config::load(&layout).expect("config");
        let verifier = config.verifier().expect("verifier");
        let _signer = config::load_signer(&layout, &config).expect("signer");
        let config_ms = start.elapsed().as_secs_f64() * 1e3;
        let start = Instant::now();
        let (_history, checkpoints) = open_history(&layout, &verifier).expect("history");
        let history_ms = start.elapsed().as_secs_f64() * 1e3;
        let newest = checkpoints
            .last()
            .map(|(checkpoint, _)| (checkpoint.size, checkpoint.root));
        let start = Instant::now();
        let (log, _writer, recovery) = Log::open(&layout, newest).expect("log");
        let log_ms = start.elapsed().as_secs_f64() * 1e3;
        let start = Instant::now();
        let segments = ledger_node::scan::segment_files(&layout.segments()).expect("segments");
        if let Some((_, path)) = segments.last() {
            std::hint::black_box(std::fs::read(path).expect("read the last segment"));
        }
        let read_last_segment_ms = start.elapsed().as_secs_f64() * 1e3;
        let start = Instant::now();
        let tree = ledger_node::tree_store::TreeStore::open(&layout.tree(), log.head().size)
            .expect("tree store");
        let tree_open_ms = start.elapsed().as_secs_f64() * 1e3;
        drop(tree);
        let start = Instant::now();
        let index = IdempotencyIndex::open(&layout.idempotency(), &log).expect("index");
        let index_ms = start.elapsed().as_secs_f64() * 1e3;
        drop(index);
        println!(
            "{RESULT}{}",
            json!({
                "config_ms": config_ms,
                "history_ms": history_ms,
                "checkpoints": checkpoints.len(),
                "log_ms": log_ms,
                "read_last_segment_ms": read_last_segment_ms,
                "tree_open_ms": tree_open_ms,
                "replayed": recovery.replayed,
                "index_ms": index_ms,
            })
        );
        return;
    }
    let start = Instant::now();
    let node = Node::open(&layout).expect("open the node");
    let open_ms = start.elapsed().as_secs_f64() * 1e3;
    while !node.is_ready() {
        std::thread::sleep(Duration::from_micros(200));
    }
    let ready_ms = start.elapsed().as_secs_f64() * 1e3;
    let size = node.log().head().size;
    let replayed = node.recovery().replayed;
    if proof_samples > 0 && size > 1 {
        let times = proofs::measure(node.log().tree(), size, proof_samples, size, None);
        proofs::print(
            &format!(
                "Proofs from the reopened node's own TreeStore at {} real records",
                thousands(size as f64)
            ),
            proof_samples,
            &times,
        );
        serving(&node, proof_samples);
    }
    // Let the checkpointer cover the replayed records, so the next open is a steady one.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && node
            .published()
            .is_none_or(|published| published.size < size)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "{RESULT}{}",
        json!({ "open_ms": open_ms, "ready_ms": ready_ms, "size": size, "replayed": replayed })
    );
    drop(node);
}
