//! Inclusion and consistency proofs from the node's real `TreeStore`, filled with the stored
//! hashes `CompactRange` emits for synthetic leaf hashes.

use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

use ledger_core::tree::{self, CompactRange, Hash, HashReader, StoredHash};
use ledger_node::tree_store::{TreeStore, MEMORY_LEVEL_MIN};

use crate::report::{mib, per_second, thousands, Summary, Table};
use crate::workload::Rng;

/// Latencies of one kind of proof, in microseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProofTimes {
    pub inclusion_us: Summary,
    pub consistency_us: Summary,
    /// Mean positioned reads from the level files (levels below the memory levels) per proof.
    pub inclusion_file_reads: f64,
    pub consistency_file_reads: f64,
}

/// The synthetic leaf hash of leaf `index`.
fn synthetic_leaf(index: u64) -> Hash {
    tree::leaf_hash(&index.to_be_bytes())
}

/// Counts reads that go to the level files rather than memory.
struct Counting<'a, R: HashReader> {
    inner: &'a R,
    file_reads: Cell<u64>,
}

impl<R: HashReader> HashReader for Counting<'_, R> {
    fn read_hash(&self, level: u8, index: u64) -> Result<Hash, tree::Error> {
        if level < MEMORY_LEVEL_MIN {
            self.file_reads.set(self.file_reads.get() + 1);
        }
        self.inner.read_hash(level, index)
    }
}

/// Times `samples` inclusion proofs (random index, tree of `size`) and `samples` consistency
/// proofs (random old size, new size `size`), each call separately. Every 64th proof is also
/// checked against the root (untimed); `leaf` gives leaf hashes when they are known.
pub fn measure<R: HashReader>(
    reader: &R,
    size: u64,
    samples: usize,
    seed: u64,
    leaf: Option<&dyn Fn(u64) -> Hash>,
) -> ProofTimes {
    let root = tree::tree_hash(size, reader).expect("root");
    let mut rng = Rng::new(seed);
    let mut inclusion = Vec::with_capacity(samples);
    for sample in 0..samples {
        let index = rng.below(size);
        let start = Instant::now();
        let proof = tree::inclusion_proof(index, size, reader).expect("inclusion proof");
        inclusion.push(start.elapsed().as_secs_f64() * 1e6);
        if sample % 64 == 0 {
            if let Some(leaf) = leaf {
                tree::verify_inclusion(&leaf(index), index, size, &proof, &root)
                    .expect("the inclusion proof verifies");
            }
        }
        std::hint::black_box(proof);
    }
    let mut consistency = Vec::with_capacity(samples);
    for sample in 0..samples {
        let old = 1 + rng.below(size - 1);
        let start = Instant::now();
        let proof = tree::consistency_proof(old, size, reader).expect("consistency proof");
        consistency.push(start.elapsed().as_secs_f64() * 1e6);
        if sample % 64 == 0 {
            let old_root = tree::tree_hash(old, reader).expect("old root");
            tree::verify_consistency(old, size, &proof, &old_root, &root)
                .expect("the consistency proof verifies");
        }
        std::hint::black_box(proof);
    }
    // Reads per proof, on a separate pass so counting does not disturb the timings.
    let counting = Counting {
        inner: reader,
        file_reads: Cell::new(0),
    };
    let mut rng = Rng::new(seed ^ 1);
    let probes = 1_000;
    for _ in 0..probes {
        tree::inclusion_proof(rng.below(size), size, &counting).expect("inclusion proof");
    }
    let inclusion_file_reads = counting.file_reads.replace(0) as f64 / f64::from(probes);
    for _ in 0..probes {
        tree::consistency_proof(1 + rng.below(size - 1), size, &counting)
            .expect("consistency proof");
    }
    let consistency_file_reads = counting.file_reads.get() as f64 / f64::from(probes);
    ProofTimes {
        inclusion_us: Summary::of(&mut inclusion),
        consistency_us: Summary::of(&mut consistency),
        inclusion_file_reads,
        consistency_file_reads,
    }
}

/// Result of the proof benchmark.
#[derive(Clone, Copy, Debug)]
pub struct ProofRun {
    pub size: u64,
    pub build: Duration,
    pub reopen: Duration,
    pub times: ProofTimes,
}

/// Fills a `TreeStore` under `work` with `size` synthetic leaves, reopens it as a restarted node
/// would, and times proofs from it.
pub fn run(work: &Path, size: u64, samples: usize) -> ProofRun {
    let scratch = tempfile::Builder::new()
        .prefix("proofs-")
        .tempdir_in(work)
        .expect("scratch directory");
    let directory = scratch.path().join("tree");
    let start = Instant::now();
    let root = {
        let store = TreeStore::open(&directory, 0).expect("open an empty tree store");
        let mut compact = CompactRange::new();
        let mut stored: Vec<StoredHash> = Vec::with_capacity(1 << 17);
        for index in 0..size {
            compact.append(synthetic_leaf(index), &mut stored);
            if stored.len() >= 1 << 16 {
                store.append(&stored).expect("append stored hashes");
                stored.clear();
            }
            if index > 0 && index % 2_000_000 == 0 {
                eprintln!(
                    "  tree: {} leaves ({:.0} s)",
                    thousands(index as f64),
                    start.elapsed().as_secs_f64()
                );
            }
        }
        store.append(&stored).expect("append stored hashes");
        compact.root()
    };
    let build = start.elapsed();
    let start = Instant::now();
    let store = TreeStore::open(&directory, size).expect("reopen the tree store");
    let reopen = start.elapsed();
    assert_eq!(
        tree::tree_hash(size, &store).expect("root"),
        root,
        "the stored hashes give the root"
    );
    let times = measure(
        &store,
        size,
        samples,
        0x7072_6f6f_6673,
        Some(&synthetic_leaf),
    );
    let on_disk: u64 = std::fs::read_dir(&directory)
        .expect("tree directory")
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();
    print(
        &format!(
            "Proofs from the node's TreeStore at {} leaves (synthetic leaves via CompactRange; \
             built in {:.1} s, {:.0} MiB of level files, TreeStore::open {:.0} ms)",
            thousands(size as f64),
            build.as_secs_f64(),
            mib(on_disk),
            reopen.as_secs_f64() * 1e3
        ),
        samples,
        &times,
    );
    ProofRun {
        size,
        build,
        reopen,
        times,
    }
}

/// Prints proof timings.
pub fn print(title: &str, samples: usize, times: &ProofTimes) {
    let mut table = Table::new(
        title,
        &[
            "proof",
            "samples",
            "p50 µs",
            "p90 µs",
            "p99 µs",
            "max µs",
            "proofs/s (1 thread)",
            "level-file reads/proof",
        ],
    );
    for (name, summary, reads) in [
        (
            "inclusion (random index)",
            times.inclusion_us,
            times.inclusion_file_reads,
        ),
        (
            "consistency (random old size → current)",
            times.consistency_us,
            times.consistency_file_reads,
        ),
    ] {
        table.row(vec![
            name.into(),
            thousands(samples as f64),
            format!("{:.1}", summary.p50),
            format!("{:.1}", summary.p90),
            format!("{:.1}", summary.p99),
            format!("{:.0}", summary.max),
            thousands(per_second(
                summary.count as u64,
                Duration::from_secs_f64(summary.mean * summary.count as f64 / 1e6),
            )),
            format!("{reads:.1}"),
        ]);
    }
    table.print();
}
