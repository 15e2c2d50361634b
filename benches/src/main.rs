//! Throughput and latency benchmarks of hocba-ledger, with the machine's ceilings measured in the
//! same run. See docs/BENCHMARKS.md for what each measures and the recorded results.
//!
//! `cargo run --release -p benches -- all` runs everything at quick sizes (about a minute);
//! `-- all --full` runs the sizes the document records.

mod api;
mod append;
mod ceilings;
mod disk;
mod domain;
mod proofs;
mod report;
mod restart;
mod verifying;
mod workload;

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

// The same allocator as the `hocba` binary, so the numbers are the node's; it counts the bytes
// live for the domain's memory measurement.
#[global_allocator]
static ALLOCATOR: domain::Counting = domain::counting();

use crate::append::Driver;
use crate::report::{print_machine, thousands, Table};

#[derive(Parser)]
#[command(
    about = "hocba-ledger benchmarks: every number is printed next to its target and the \
                   machine's ceiling"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything, then a summary against the targets.
    All(AllArgs),
    /// Ed25519, SHA-256 and fdatasync ceilings.
    Ceilings {
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        #[command(flatten)]
        work: Work,
    },
    /// Durable appends through service.submit; then the bytes on disk.
    Append {
        /// Records per concurrency level.
        #[arg(long, default_value_t = 50_000)]
        records: u64,
        /// Concurrent submitting tasks, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "256,1024")]
        concurrency: Vec<usize>,
        #[command(flatten)]
        work: Work,
    },
    /// `verify::verify` on an existing data directory.
    Verify {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 1)]
        repeat: usize,
        /// Which passes: with signatures, without, or both.
        #[arg(long, value_enum, default_value_t = Signatures::Both)]
        signatures: Signatures,
    },
    /// Bytes on disk of an existing data directory.
    Size {
        #[arg(long)]
        data: PathBuf,
    },
    /// Inclusion and consistency proofs from a TreeStore of `size` synthetic leaves.
    Proofs {
        #[arg(long, default_value_t = 10_000_000)]
        size: u64,
        #[arg(long, default_value_t = 100_000)]
        samples: usize,
        #[command(flatten)]
        work: Work,
    },
    /// Grows a node (new, or `--data`) to `records` through service.submit, then times restarts.
    Restart {
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        #[arg(long, default_value_t = 20_000)]
        proof_samples: usize,
        #[command(flatten)]
        work: Work,
    },
    /// The HTTP API: single and batch appends through `hocba load`'s driver, signed transcript
    /// reads, and the HTTP stack's ceiling, all on loopback.
    Api {
        #[command(flatten)]
        api: api::ApiArgs,
        #[command(flatten)]
        work: Work,
    },
    /// The domain's targets: a province's school year appended with the rules on, the rebuild of
    /// the ledger and projections from the log, and the memory they hold.
    Domain {
        #[command(flatten)]
        domain: domain::DomainArgs,
        #[command(flatten)]
        work: Work,
    },
    /// Internal: rebuilds the domain state of a node once in this process and prints the result.
    #[command(hide = true)]
    DomainRebuild {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        detail: bool,
    },
    /// Internal: opens a node once in this process and prints the timing.
    #[command(hide = true)]
    OpenOnce {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        breakdown: bool,
        #[arg(long, default_value_t = 0)]
        proof_samples: usize,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Signatures {
    Both,
    With,
    Without,
}

#[derive(Args, Clone)]
struct Work {
    /// Where scratch data directories are made (on the filesystem being measured).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Keep the data directory made by the run (its path is printed).
    #[arg(long)]
    keep: bool,
}

impl Work {
    fn directory(&self) -> PathBuf {
        let directory = self.work_dir.clone().unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&directory).expect("work directory");
        directory
    }

    fn scratch(&self, prefix: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(self.directory())
            .expect("scratch directory")
    }

    fn finish(&self, scratch: tempfile::TempDir) {
        if self.keep {
            println!("kept data directory: {}", scratch.keep().display());
        }
    }
}

#[derive(Args, Clone)]
struct AllArgs {
    /// The documented sizes (several minutes); without it, quick sizes (about a minute).
    #[arg(long)]
    full: bool,
    /// Seconds per ceiling measurement [quick 1, full 3].
    #[arg(long)]
    ceiling_seconds: Option<f64>,
    /// Records appended per concurrency level [quick 20000, full 300000].
    #[arg(long)]
    append_records: Option<u64>,
    /// Concurrent submitters, comma separated [quick 256,1024; full 256,512,1024].
    #[arg(long, value_delimiter = ',')]
    concurrency: Option<Vec<usize>>,
    /// Runs of each verify [quick 1, full 3].
    #[arg(long)]
    verify_repeat: Option<usize>,
    /// Grow the node to this many records before timing restarts; 0 keeps the append
    /// benchmark's size [quick 0, full 4000000].
    #[arg(long)]
    restart_records: Option<u64>,
    /// Timed restarts [quick 2, full 3].
    #[arg(long)]
    restart_repeat: Option<usize>,
    /// Leaves in the proof benchmark's tree [quick 1000000, full 10000000].
    #[arg(long)]
    proof_size: Option<u64>,
    /// Proofs of each kind timed [quick 20000, full 200000].
    #[arg(long)]
    proof_samples: Option<usize>,
    #[command(flatten)]
    work: Work,
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::All(args) => all(&args),
        Command::Api { api, work } => {
            print_machine(&work.directory());
            api::run(&api, &work.directory());
        }
        Command::Ceilings { seconds, work } => {
            print_machine(&work.directory());
            ceilings::run(seconds, &work.directory());
        }
        Command::Append {
            records,
            concurrency,
            work,
        } => {
            print_machine(&work.directory());
            let scratch = work.scratch("append-");
            append_phases(scratch.path(), &work.directory(), records, &concurrency);
            disk::measure(scratch.path());
            work.finish(scratch);
        }
        Command::Verify {
            data,
            repeat,
            signatures,
        } => {
            print_machine(&data);
            let modes: &[bool] = match signatures {
                Signatures::Both => &[true, false],
                Signatures::With => &[true],
                Signatures::Without => &[false],
            };
            verifying::run(&data, repeat, modes);
        }
        Command::Size { data } => {
            disk::measure(&data);
        }
        Command::Proofs {
            size,
            samples,
            work,
        } => {
            print_machine(&work.directory());
            proofs::run(&work.directory(), size, samples);
        }
        Command::Restart {
            data,
            records,
            repeat,
            proof_samples,
            work,
        } => {
            print_machine(&work.directory());
            let scratch = work.scratch("restart-");
            let data = data.unwrap_or_else(|| {
                append::create(scratch.path());
                scratch.path().to_owned()
            });
            restart::run(&data, records, repeat, proof_samples, 100_000, 1024);
            work.finish(scratch);
        }
        Command::Domain { domain, work } => {
            print_machine(&work.directory());
            domain::run(&domain, &work);
        }
        Command::DomainRebuild { data, detail } => {
            exit_with_parent();
            domain::rebuild_once(&data, detail);
        }
        Command::OpenOnce {
            data,
            breakdown,
            proof_samples,
        } => {
            exit_with_parent();
            restart::open_once(&data, breakdown, proof_samples);
        }
    }
}

/// Creates a node in `data` and appends `records` per concurrency level.
/// Then hands `records` pre-verified submissions to a bare sequencer on a scratch log under
/// `work`, to separate the writer's ceiling from verification.
fn append_phases(
    data: &Path,
    work: &Path,
    records: u64,
    levels: &[usize],
) -> (Vec<append::Phase>, append::Phase) {
    append::create(data);
    let driver = Driver::open(data);
    let mut phases = Vec::new();
    for &concurrency in levels {
        eprintln!(
            "append: signing {} submissions, then submitting them from {concurrency} tasks",
            thousands(records as f64)
        );
        phases.push(driver.phase(records, concurrency));
    }
    let covered = driver.close();
    let widest = *levels.iter().max().unwrap_or(&1024);
    eprintln!("append: the sequencer alone, {widest} tasks, submissions verified beforehand");
    let bare = tempfile::Builder::new()
        .prefix("sequencer-")
        .tempdir_in(work)
        .expect("scratch directory");
    let alone = append::sequencer_alone(bare.path(), records, widest);
    drop(bare);
    let mut table = Table::new(
        &format!(
            "Durable appends through service.submit ({} submitting tasks on a {}-worker tokio \
             runtime; signing done beforehand, untimed)",
            levels
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/"),
            report::cores()
        ),
        &[
            "path",
            "tasks",
            "records",
            "seconds",
            "appends/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            "failures",
        ],
    );
    for (phase, path) in phases
        .iter()
        .map(|phase| (phase, "service.submit"))
        .chain([(&alone, "sequencer alone (pre-verified)")])
    {
        table.row(vec![
            path.into(),
            phase.concurrency.to_string(),
            thousands(phase.records as f64),
            format!("{:.2}", phase.elapsed.as_secs_f64()),
            thousands(phase.rate()),
            format!("{:.1}", phase.latency_ms.p50),
            format!("{:.1}", phase.latency_ms.p90),
            format!("{:.1}", phase.latency_ms.p99),
            format!("{:.1}", phase.latency_ms.p999),
            format!("{:.1}", phase.latency_ms.max),
            phase.failures.to_string(),
        ]);
        if let Some(failure) = &phase.first_failure {
            println!("first failure at {} tasks: {failure}", phase.concurrency);
        }
    }
    table.print();
    let mut headers = vec!["path", "tasks"];
    headers.extend(append::THREAD_GROUPS);
    headers.push("cores busy");
    let ceiling_header = format!(
        "appends/s if all {} cores were ours: min(cores / CPU per record, 1 / sequencer CPU per \
         record)",
        report::cores()
    );
    headers.push(&ceiling_header);
    let mut table = Table::new(
        "CPU µs per appended record, by thread (from /proc/self/task/*/schedstat; `other` \
         includes the benchmark's own bookkeeping)",
        &headers,
    );
    for (phase, path) in phases
        .iter()
        .map(|phase| (phase, "service.submit"))
        .chain([(&alone, "sequencer alone")])
    {
        let mut row = vec![path.to_owned(), phase.concurrency.to_string()];
        row.extend(
            append::THREAD_GROUPS
                .iter()
                .map(|group| format!("{:.1}", phase.cpu_per_record_us(group))),
        );
        row.push(format!("{:.2}", phase.cores_busy()));
        let cpu_per_record: f64 = append::THREAD_GROUPS
            .iter()
            .map(|group| phase.cpu_per_record_us(group))
            .sum();
        let sequencer = phase.cpu_per_record_us("sequencer");
        row.push(thousands(
            (report::cores() as f64 * 1e6 / cpu_per_record).min(1e6 / sequencer),
        ));
        table.row(row);
    }
    table.print();
    if !covered {
        println!("note: no checkpoint covered every record within 10 s of the last append");
    }
    (phases, alone)
}

/// Whether `value` meets a target, and by how much it misses.
fn verdict(value: f64, target: f64, higher_is_better: bool) -> String {
    let met = if higher_is_better {
        value >= target
    } else {
        value <= target
    };
    if met {
        "met".to_owned()
    } else if higher_is_better {
        format!("missed ({:.0}% of target)", 100.0 * value / target)
    } else {
        format!("missed ({:.1}× target)", value / target)
    }
}

fn all(args: &AllArgs) {
    let full = args.full;
    let pick = |quick: f64, documented: f64| if full { documented } else { quick };
    let ceiling_seconds = args.ceiling_seconds.unwrap_or(pick(1.0, 3.0));
    let append_records = args
        .append_records
        .unwrap_or(if full { 300_000 } else { 20_000 });
    let concurrency = args.concurrency.clone().unwrap_or(if full {
        vec![256, 512, 1024]
    } else {
        vec![256, 1024]
    });
    let verify_repeat = args.verify_repeat.unwrap_or(if full { 3 } else { 1 });
    let restart_records = args
        .restart_records
        .unwrap_or(if full { 4_000_000 } else { 0 });
    let restart_repeat = args.restart_repeat.unwrap_or(if full { 3 } else { 2 });
    let proof_size = args
        .proof_size
        .unwrap_or(if full { 10_000_000 } else { 1_000_000 });
    let proof_samples = args
        .proof_samples
        .unwrap_or(if full { 200_000 } else { 20_000 });
    let work = args.work.directory();
    println!(
        "benches all{}: ceilings {ceiling_seconds} s each; appends {} per level at {concurrency:?} \
         tasks; verify ×{verify_repeat}; restart at {} records ×{restart_repeat}; proofs at {} \
         leaves ×{proof_samples}",
        if full { " --full" } else { "" },
        thousands(append_records as f64),
        if restart_records == 0 {
            "the appended".to_owned()
        } else {
            thousands(restart_records as f64)
        },
        thousands(proof_size as f64),
    );
    print_machine(&work);

    eprintln!("ceilings …");
    let ceilings = ceilings::run(ceiling_seconds, &work);

    let scratch = args.work.scratch("all-");
    let data = scratch.path();
    let (phases, alone) = append_phases(data, &work, append_records, &concurrency);
    let usage = disk::measure(data);
    eprintln!("verify …");
    let passes = verifying::run(data, verify_repeat, &[true, false]);
    let (with, without) = (passes[0], passes[1]);
    eprintln!("restart …");
    // Restarts at the appended size first, then (when asked) grown: two sizes show the trend.
    let mut restarts = vec![restart::run(
        data,
        0,
        restart_repeat,
        proof_samples.min(50_000),
        100_000,
        1024,
    )];
    if restart_records > restarts[0].size {
        restarts.push(restart::run(
            data,
            restart_records,
            restart_repeat,
            proof_samples.min(50_000),
            100_000,
            *concurrency.iter().max().unwrap_or(&1024),
        ));
    }
    eprintln!("proofs …");
    let proof = proofs::run(&work, proof_size, proof_samples);

    let best = phases
        .iter()
        .max_by(|a, b| a.rate().total_cmp(&b.rate()))
        .expect("at least one append phase");
    let batch = ceilings.batch_best();
    let mut table = Table::new(
        "Summary against the targets",
        &[
            "#",
            "measure",
            "result",
            "target",
            "verdict",
            "ceiling on this machine",
        ],
    );
    table.row(vec![
        "1".into(),
        format!("durable appends, {} tasks (best level)", best.concurrency),
        format!(
            "{}/s; p50 {:.1} ms, p99 {:.1} ms",
            thousands(best.rate()),
            best.latency_ms.p50,
            best.latency_ms.p99
        ),
        "≥ 40,000/s".into(),
        verdict(best.rate(), 40_000.0, true),
        format!(
            "{:.0}% of verify_batch {}/s; {:.0}% of verify_strict {}/s; {:.0}% of \
             SignedSubmission::verify {}/s; sequencer alone {}/s; fdatasync {}/s",
            100.0 * best.rate() / batch,
            thousands(batch),
            100.0 * best.rate() / ceilings.strict_all_cores,
            thousands(ceilings.strict_all_cores),
            100.0 * best.rate() / ceilings.submission_all_cores,
            thousands(ceilings.submission_all_cores),
            thousands(alone.rate()),
            thousands(ceilings.fdatasync_per_s)
        ),
    ]);
    table.row(vec![
        "2a".into(),
        format!(
            "verify with signatures, {} records",
            thousands(with.records as f64)
        ),
        format!("{}/s", thousands(with.rate())),
        "≥ 60,000/s".into(),
        verdict(with.rate(), 60_000.0, true),
        format!(
            "verify_strict {}/s, SignedSubmission::verify {}/s on {} cores",
            thousands(ceilings.strict_all_cores),
            thousands(ceilings.submission_all_cores),
            report::cores()
        ),
    ]);
    table.row(vec![
        "2b".into(),
        format!(
            "verify without signatures, {} records",
            thousands(without.records as f64)
        ),
        format!("{}/s", thousands(without.rate())),
        "≥ 500,000/s".into(),
        verdict(without.rate(), 500_000.0, true),
        format!(
            "leaf_hash {}/s on 1 core",
            thousands(ceilings.leaf_hashes_one_core)
        ),
    ]);
    for (kind, summary) in [
        ("inclusion", proof.times.inclusion_us),
        ("consistency", proof.times.consistency_us),
    ] {
        table.row(vec![
            "3".into(),
            format!(
                "{kind} proof at {} leaves (TreeStore)",
                thousands(proof.size as f64)
            ),
            format!("p50 {:.1} µs, p99 {:.1} µs", summary.p50, summary.p99),
            "p50 ≤ 20 µs".into(),
            verdict(summary.p50, 20.0, false),
            format!(
                "{:.1} level-file reads per proof (page cache); tree built in {:.0} s, \
                 TreeStore::open {:.0} ms",
                if kind == "inclusion" {
                    proof.times.inclusion_file_reads
                } else {
                    proof.times.consistency_file_reads
                },
                proof.build.as_secs_f64(),
                proof.reopen.as_secs_f64() * 1e3
            ),
        ]);
    }
    table.row(vec![
        "4".into(),
        format!(
            "log + tree bytes / raw record bytes ({:.0} B records)",
            usage.record_bytes as f64 / usage.records.max(1) as f64
        ),
        format!("{:.3}×", usage.log_and_tree_ratio()),
        "≤ 1.3×".into(),
        verdict(usage.log_and_tree_ratio(), 1.3, false),
        "—".into(),
    ]);
    for restart in &restarts {
        let first = restart.first.total_ms();
        table.row(vec![
            "5".into(),
            format!(
                "restart at {} records, right after the writer stopped (Node::open's steps)",
                thousands(restart.size as f64)
            ),
            format!(
                "{first:.0} ms (a second open: {:.0} ms)",
                restart.steady().open.as_secs_f64() * 1e3
            ),
            "≤ 2 s at 10 M".into(),
            if restart.size >= 10_000_000 {
                verdict(first / 1e3, 2.0, false)
            } else {
                format!(
                    "{} at this size, not shown for 10 M",
                    verdict(first / 1e3, 2.0, false)
                )
            },
            format!(
                "history {:.0} ms ({} checkpoints), Log::open {:.0} ms (last segment read {:.0} \
                 ms), idempotency index {:.0} ms",
                restart.first.history_ms,
                restart.first.checkpoints,
                restart.first.log_ms,
                restart.first.read_last_segment_ms,
                restart.first.index_ms
            ),
        ]);
    }
    table.print();
    println!(
        "load average (1/5/15 min) at the end: {}",
        report::load_average()
    );
    args.work.finish(scratch);
}

/// For the internal commands a benchmark runs as its child: exits when that parent is gone.
/// A parent stopped by a signal that is not sent to the whole process group (a `kill` of its
/// pid) would otherwise leave the child rebuilding a province for minutes, with nobody to read
/// its answer. The child is re-parented then, so its parent's pid changes.
fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(500));
        if std::os::unix::process::parent_id() != parent {
            eprintln!("benches: the parent process is gone; stopping");
            std::process::exit(2);
        }
    });
}
