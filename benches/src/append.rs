//! Durable appends through `LedgerService::submit` from many concurrent in-process submitters,
//! on a node opened on a real data directory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use ledger_api::LedgerService;
use ledger_core::note::{KeyName, NoteSigner};
use ledger_core::record::{SignedSubmission, VerifiedSubmission};
use ledger_node::config;
use ledger_node::idempotency::IdempotencyIndex;
use ledger_node::layout::Layout;
use ledger_node::log::Log;
use ledger_node::node::Node;
use ledger_node::sequencer;

use crate::report::{per_second, Summary};
use crate::workload;

/// The origin of benchmark logs.
pub const ORIGIN: &str = "bench.hocba.example/log";

/// Teacher keys signing the submissions.
pub const AUTHORS: usize = 64;

/// Creates a node in the (empty) directory `data`.
pub fn create(data: &Path) {
    let signer = NoteSigner::new(
        KeyName::new(ORIGIN).expect("valid origin"),
        fixtures::keys::signing_key("bench-log"),
    );
    config::install(&Layout::new(data), &signer, config::Policy::Open).expect("install the node");
}

/// One append phase.
#[derive(Clone, Debug)]
pub struct Phase {
    pub concurrency: usize,
    pub records: u64,
    pub elapsed: Duration,
    pub latency_ms: Summary,
    pub failures: u64,
    pub first_failure: Option<String>,
    /// CPU time of this process's threads during the phase, by thread group (nanoseconds).
    pub cpu: BTreeMap<String, u64>,
}

impl Phase {
    pub fn rate(&self) -> f64 {
        per_second(self.records - self.failures, self.elapsed)
    }

    /// CPU microseconds per record spent by a thread group.
    pub fn cpu_per_record_us(&self, group: &str) -> f64 {
        self.cpu.get(group).copied().unwrap_or(0) as f64 / 1e3 / self.records.max(1) as f64
    }

    /// Cores kept busy on average by this process.
    pub fn cores_busy(&self) -> f64 {
        self.cpu.values().sum::<u64>() as f64 / 1e9 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The thread groups CPU time is reported for.
pub const THREAD_GROUPS: [&str; 4] = ["tokio-rt-worker", "sequencer", "checkpointer", "other"];

/// CPU nanoseconds of each live thread of this process, summed by group, from
/// `/proc/self/task/*/schedstat` (time on CPU in ns). Threads that exit are not counted.
pub fn thread_cpu() -> BTreeMap<String, u64> {
    let mut groups = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let name = name.trim();
        let group = if name.starts_with("tokio-rt-worker") {
            "tokio-rt-worker"
        } else if name == "sequencer" || name == "checkpointer" {
            name
        } else {
            "other"
        };
        let on_cpu: u64 = std::fs::read_to_string(path.join("schedstat"))
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .unwrap_or(0);
        *groups.entry(group.to_owned()).or_insert(0) += on_cpu;
    }
    groups
}

fn cpu_since(before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    thread_cpu()
        .into_iter()
        .map(|(group, after)| {
            let spent = after.saturating_sub(before.get(&group).copied().unwrap_or(0));
            (group, spent)
        })
        .collect()
}

/// Submits everything in `submissions` from `concurrency` tasks, each sending its share one after
/// the other (a closed loop), and measures each submit from call to receipt.
pub fn drive(
    runtime: &tokio::runtime::Runtime,
    service: &Arc<dyn LedgerService>,
    submissions: Vec<SignedSubmission>,
    concurrency: usize,
) -> Phase {
    let records = submissions.len() as u64;
    let mut shares: Vec<Vec<SignedSubmission>> = (0..concurrency)
        .map(|_| Vec::with_capacity(submissions.len() / concurrency + 1))
        .collect();
    for (position, submission) in submissions.into_iter().enumerate() {
        shares[position % concurrency].push(submission);
    }
    let cpu_before = thread_cpu();
    runtime.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let service = Arc::clone(service);
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(share.len());
                    let mut failures = 0u64;
                    let mut first_failure = None;
                    for submission in share {
                        let before = Instant::now();
                        match service.submit(submission).await {
                            Ok(_) => latencies.push(before.elapsed().as_secs_f64() * 1e3),
                            Err(error) => {
                                failures += 1;
                                first_failure.get_or_insert_with(|| format!("{error:?}"));
                            }
                        }
                    }
                    (latencies, failures, first_failure)
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(usize::try_from(records).unwrap_or(0));
        let mut failures = 0;
        let mut first_failure = None;
        for task in tasks {
            let (task_latencies, task_failures, task_first) = task.await.expect("submitter");
            latencies.extend(task_latencies);
            failures += task_failures;
            first_failure = first_failure.or(task_first);
        }
        let elapsed = start.elapsed();
        Phase {
            concurrency,
            records,
            elapsed,
            latency_ms: Summary::of(&mut latencies),
            failures,
            first_failure,
            cpu: cpu_since(&cpu_before),
        }
    })
}

/// A multi-thread runtime with one worker per core (tokio's default).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// An open node with what drives it.
pub struct Driver {
    pub node: Node,
    pub service: Arc<dyn LedgerService>,
    pub runtime: tokio::runtime::Runtime,
    pub authors: Vec<SigningKey>,
    pub tag: String,
    next: AtomicU64,
}

impl Driver {
    pub fn open(data: &Path) -> Self {
        let node = Node::open(&Layout::new(data)).expect("open the node");
        let service = node.service();
        // A tag unique to this process keeps idempotency ids distinct across runs on one
        // directory.
        let tag = format!(
            "b{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_millis())
        );
        Self {
            node,
            service,
            runtime: runtime(),
            authors: workload::authors(AUTHORS),
            tag,
            next: AtomicU64::new(0),
        }
    }

    /// The log's size.
    pub fn size(&self) -> u64 {
        self.node.log().head().size
    }

    /// Signs `count` fresh submissions (untimed), then submits them (timed).
    pub fn phase(&self, count: u64, concurrency: usize) -> Phase {
        let first = self.next.fetch_add(count, Ordering::Relaxed);
        let submissions = workload::sign_range(&self.authors, &self.tag, first, count);
        drive(&self.runtime, &self.service, submissions, concurrency)
    }

    /// Appends until the log holds `target` records, in chunks of `chunk` (signing is not
    /// overlapped with appending, so memory stays bounded and the appends get every core).
    pub fn fill_to(&self, target: u64, chunk: u64, concurrency: usize, label: &str) {
        let started = Instant::now();
        while self.size() < target {
            let count = chunk.min(target - self.size());
            let phase = self.phase(count, concurrency);
            assert_eq!(
                phase.failures, 0,
                "appends failed while filling: {:?}",
                phase.first_failure
            );
            eprintln!(
                "  {label}: {} records ({:.0} appends/s in this chunk, {:.0} s so far)",
                self.size(),
                phase.rate(),
                started.elapsed().as_secs_f64()
            );
        }
    }

    /// Waits until a checkpoint covers every record (the checkpointer signs once a second), then
    /// closes the node. Returns whether it was covered.
    pub fn close(self) -> bool {
        let size = self.size();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut covered = false;
        while Instant::now() < deadline {
            if self
                .node
                .published()
                .is_some_and(|published| published.size >= size)
            {
                covered = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(self.service);
        // Dropping the node stops its sequencer and checkpointer and waits for both, so the
        // next process finds the directory free.
        drop(self.node);
        drop(self.runtime);
        covered
    }
}

/// The sequencer alone: submissions verified beforehand (untimed) are handed straight to
/// `sequencer::start`'s queue, so what is left is the single writer thread's own work
/// (idempotency lookups, hashing, framing, write, `fdatasync`, index file writes).
pub fn sequencer_alone(data: &Path, records: u64, concurrency: usize) -> Phase {
    let layout = Layout::new(data);
    let (log, writer, _) = Log::open(&layout, None).expect("open an empty log");
    let index = IdempotencyIndex::open(&layout.idempotency(), &log).expect("open the index");
    let sequencer = sequencer::start(
        writer,
        Box::new(move |_| Ok(index)),
        Box::new(ledger_node::judge::Open),
        sequencer::system_clock(),
    );
    let handle = sequencer.handle().clone();
    let authors = workload::authors(AUTHORS);
    let verified = workload::verify_all(&workload::sign_range(&authors, "seq", 0, records));
    let mut shares: Vec<Vec<VerifiedSubmission>> = (0..concurrency).map(|_| Vec::new()).collect();
    for (position, submission) in verified.into_iter().enumerate() {
        shares[position % concurrency].push(submission);
    }
    let runtime = runtime();
    let cpu_before = thread_cpu();
    let phase = runtime.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let handle = handle.clone();
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(share.len());
                    for submission in share {
                        let before = Instant::now();
                        handle.submit(submission).await.expect("sequenced");
                        latencies.push(before.elapsed().as_secs_f64() * 1e3);
                    }
                    latencies
                })
            })
            .collect();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.expect("submitter"));
        }
        Phase {
            concurrency,
            records,
            elapsed: start.elapsed(),
            latency_ms: Summary::of(&mut latencies),
            failures: 0,
            first_failure: None,
            cpu: cpu_since(&cpu_before),
        }
    });
    drop(handle);
    // Stops the sequencer thread and waits for it.
    drop(sequencer);
    phase
}
