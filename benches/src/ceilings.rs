//! The machine's ceilings, measured in the same run as the targets: Ed25519 verification (single
//! `verify_strict`, the full submission check, and `verify_batch`), SHA-256, and `fdatasync`.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signature, VerifyingKey};
use ledger_core::key::PublicKey;
use ledger_core::record::{signing_input, SignedSubmission, Submission};
use sha2::{Digest as _, Sha256};

use crate::report::{cores, per_second, thousands, Summary, Table};
use crate::workload;

/// What the other benchmarks are compared with.
#[derive(Clone, Debug, Default)]
pub struct Ceilings {
    pub strict_one_core: f64,
    pub strict_all_cores: f64,
    pub submission_all_cores: f64,
    /// (batch size, signatures/s on all cores)
    pub batch_all_cores: Vec<(usize, f64)>,
    pub sha256_mb_s: f64,
    pub leaf_hashes_one_core: f64,
    pub leaf_hashes_all_cores: f64,
    pub fdatasync_per_s: f64,
    pub fdatasync_p50_us: f64,
    pub fdatasync_p99_us: f64,
}

impl Ceilings {
    /// The best batch-verification rate.
    pub fn batch_best(&self) -> f64 {
        self.batch_all_cores
            .iter()
            .map(|(_, rate)| *rate)
            .fold(0.0, f64::max)
    }
}

/// Runs `work(thread, round)` on `threads` threads until `duration` has passed; `work` returns
/// the operations it did. Returns operations per second of wall time.
fn rate_for(threads: usize, duration: Duration, work: impl Fn(usize, usize) -> u64 + Sync) -> f64 {
    let start = Instant::now();
    let work = &work;
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    let mut done = 0;
                    let mut round = 0;
                    while start.elapsed() < duration {
                        done += work(thread, round);
                        round += 1;
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("worker"))
            .sum()
    });
    per_second(total, start.elapsed())
}

struct Material {
    submissions: Vec<SignedSubmission>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<Signature>,
    keys: Vec<VerifyingKey>,
}

fn material(count: u64) -> Material {
    let authors = workload::authors(64);
    let submissions = workload::sign_range(&authors, "ceiling", 0, count);
    let messages = submissions
        .iter()
        .map(|submission| signing_input(&submission.body))
        .collect();
    let signatures = submissions
        .iter()
        .map(|submission| Signature::from_bytes(&submission.signature))
        .collect();
    let keys = submissions
        .iter()
        .map(|submission| {
            Submission::parse_body(&submission.body)
                .expect("valid body")
                .author()
                .verifying_key()
        })
        .collect();
    Material {
        submissions,
        messages,
        signatures,
        keys,
    }
}

/// Measures every ceiling; `directory` must be on the filesystem the data lives on.
pub fn run(seconds: f64, directory: &Path) -> Ceilings {
    let duration = Duration::from_secs_f64(seconds);
    let threads = cores();
    let sample = material(1024);
    let count = sample.messages.len();
    let mut ceilings = Ceilings::default();
    let mut table = Table::new(
        &format!("Ceilings ({threads} cores, {seconds} s each)"),
        &["what", "threads", "rate", "unit"],
    );

    let strict = |thread: usize, round: usize| {
        let at = (thread * 397 + round) % count;
        sample.keys[at]
            .verify_strict(&sample.messages[at], &sample.signatures[at])
            .expect("valid signature");
        1
    };
    ceilings.strict_one_core = rate_for(1, duration, strict);
    ceilings.strict_all_cores = rate_for(threads, duration, strict);
    table.row(vec![
        "Ed25519 verify_strict".into(),
        "1".into(),
        thousands(ceilings.strict_one_core),
        "signatures/s".into(),
    ]);
    table.row(vec![
        "Ed25519 verify_strict".into(),
        threads.to_string(),
        thousands(ceilings.strict_all_cores),
        "signatures/s".into(),
    ]);

    let submission = |thread: usize, round: usize| {
        let at = (thread * 397 + round) % count;
        sample.submissions[at].verify().expect("valid submission");
        1
    };
    let submission_one_core = rate_for(1, duration, submission);
    ceilings.submission_all_cores = rate_for(threads, duration, submission);
    for (threads, rate) in [
        (1, submission_one_core),
        (threads, ceilings.submission_all_cores),
    ] {
        table.row(vec![
            "SignedSubmission::verify (parse + canonical check + key decode + verify_strict)"
                .into(),
            threads.to_string(),
            thousands(rate),
            "submissions/s".into(),
        ]);
    }
    let parse = rate_for(1, duration, |thread, round| {
        let at = (thread * 397 + round) % count;
        std::hint::black_box(
            Submission::parse_body(&sample.submissions[at].body).expect("valid body"),
        );
        1
    });
    table.row(vec![
        "  of which Submission::parse_body (canonical JSON, fields, key decode)".into(),
        "1".into(),
        thousands(parse),
        "bodies/s".into(),
    ]);
    let key_bytes: Vec<[u8; 32]> = sample.keys.iter().map(VerifyingKey::to_bytes).collect();
    let decode = rate_for(1, duration, |thread, round| {
        let at = (thread * 397 + round) % count;
        std::hint::black_box(PublicKey::from_bytes(&key_bytes[at]).expect("valid key"));
        1
    });
    table.row(vec![
        "  of which PublicKey::from_bytes (point decompression + is_weak)".into(),
        "1".into(),
        thousands(decode),
        "keys/s".into(),
    ]);

    for batch in [64, 128, 256] {
        let batched = |thread: usize, round: usize| {
            let start = ((thread * 7 + round) * batch) % (count - batch + 1);
            let messages: Vec<&[u8]> = sample.messages[start..start + batch]
                .iter()
                .map(Vec::as_slice)
                .collect();
            ed25519_dalek::verify_batch(
                &messages,
                &sample.signatures[start..start + batch],
                &sample.keys[start..start + batch],
            )
            .expect("valid batch");
            batch as u64
        };
        let one = if batch == 64 {
            Some(rate_for(1, duration, batched))
        } else {
            None
        };
        let rate = rate_for(threads, duration, batched);
        ceilings.batch_all_cores.push((batch, rate));
        for (threads, rate) in one.map(|one| (1, one)).into_iter().chain([(threads, rate)]) {
            table.row(vec![
                format!("Ed25519 verify_batch, batches of {batch}"),
                threads.to_string(),
                thousands(rate),
                "signatures/s".into(),
            ]);
        }
    }

    let block = vec![0x5au8; 1 << 20];
    let bytes_per_second = rate_for(1, duration, |_, _| {
        std::hint::black_box(Sha256::digest(&block));
        block.len() as u64
    });
    ceilings.sha256_mb_s = bytes_per_second / 1e6;
    table.row(vec![
        "SHA-256 over 1 MiB buffers".into(),
        "1".into(),
        format!("{:.0}", ceilings.sha256_mb_s),
        "MB/s".into(),
    ]);
    let record = vec![0xa5u8; 400];
    let leaf = |_: usize, round: usize| {
        let mut record = record.clone();
        record[..8].copy_from_slice(&(round as u64).to_be_bytes());
        for _ in 0..64 {
            std::hint::black_box(ledger_core::tree::leaf_hash(&record));
        }
        64
    };
    ceilings.leaf_hashes_one_core = rate_for(1, duration, leaf);
    ceilings.leaf_hashes_all_cores = rate_for(threads, duration, leaf);
    table.row(vec![
        "leaf_hash of 400-byte records".into(),
        "1".into(),
        thousands(ceilings.leaf_hashes_one_core),
        "hashes/s".into(),
    ]);
    table.row(vec![
        "leaf_hash of 400-byte records".into(),
        threads.to_string(),
        thousands(ceilings.leaf_hashes_all_cores),
        "hashes/s".into(),
    ]);

    let (rate, latency) = fdatasync_rate(directory, duration);
    ceilings.fdatasync_per_s = rate;
    ceilings.fdatasync_p50_us = latency.p50;
    ceilings.fdatasync_p99_us = latency.p99;
    table.row(vec![
        format!(
            "append 4 KiB + fdatasync (p50 {:.0} µs, p99 {:.0} µs)",
            latency.p50, latency.p99
        ),
        "1".into(),
        thousands(rate),
        "syncs/s".into(),
    ]);
    table.print();
    ceilings
}

/// Appends 4 KiB and `fdatasync`s in a loop in a fresh file under `directory`.
fn fdatasync_rate(directory: &Path, duration: Duration) -> (f64, Summary) {
    let scratch = tempfile::Builder::new()
        .prefix("fdatasync-")
        .tempdir_in(directory)
        .expect("scratch directory");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(scratch.path().join("sync-test"))
        .expect("scratch file");
    let block = vec![0x42u8; 4096];
    let mut latencies = Vec::new();
    let start = Instant::now();
    while start.elapsed() < duration {
        let before = Instant::now();
        file.write_all(&block).expect("write");
        file.sync_data().expect("fdatasync");
        latencies.push(before.elapsed().as_secs_f64() * 1e6);
    }
    let rate = per_second(latencies.len() as u64, start.elapsed());
    (rate, Summary::of(&mut latencies))
}
