//! The domain's three targets: durable appends with the học bạ rules on, the rebuild of the
//! domain state and every projection from the log without signature checks, and the memory those
//! hold, for a generated province's whole school year.
//!
//! 1. The province's events (`fixtures::province`, streamed) are signed once into a scratch file
//!    (untimed), so that generating them does not share the cores with the node.
//! 2. They are appended to a domain node on disk through `service.submit_batch`, a calendar day
//!    at a time in chunks of at most 8,192, each day sequenced at its own date, exactly as
//!    `hocba demo` loads its year: signatures checked, the domain judge on, group commit with
//!    `fdatasync`. This is measurement (a).
//! 3. Each rebuild runs in a fresh child process (so its peak memory is its own): it scans the
//!    segment files and replays every record into a `Ledger` and `Projections` (what
//!    `DomainJudge` holds and what the node rebuilds on start). The signature check is timed
//!    apart and taken out: measurement (b). One more run times each step and attributes every
//!    byte allocated to the ledger or to the projections, by event type: measurement (c).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use fixtures::province::{Draft, Province, Signer};
use ledger_core::domain::{DomainConfig, Ledger, Position};
use ledger_core::projection::Projections;
use ledger_core::record::{RecordView, SignedSubmission, Submission};
use ledger_node::demo::{self, LoadingClock};
use ledger_node::layout::Layout as DataLayout;
use ledger_node::node::Node;
use serde_json::{json, Value};

use crate::report::{mib, process_cpu_seconds, thousands, Table};

/// The benches' global allocator: mimalloc (as in the `hocba` binary) under `cap`'s counter of
/// the bytes live and their peak, so the domain's heap is measured exactly.
pub type Counting = cap::Cap<mimalloc::MiMalloc>;

/// A counting allocator with no limit.
pub const fn counting() -> Counting {
    cap::Cap::new(mimalloc::MiMalloc, usize::MAX)
}

/// Bytes allocated and not yet freed, process-wide.
pub fn live_bytes() -> usize {
    crate::ALLOCATOR.allocated()
}

/// The most bytes live at once in this process so far.
pub fn peak_bytes() -> usize {
    crate::ALLOCATOR.max_allocated()
}

/// `VmRSS` and `VmHWM` of this process, in bytes.
pub fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or(0)
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// What the domain benchmark runs.
#[derive(clap::Args, Clone)]
pub struct DomainArgs {
    /// Learners of the generated province (`Spec::province`: classes of 40, 24 per school).
    #[arg(long, default_value_t = 10_000)]
    pub learners: u64,
    /// Timed rebuilds after the one with step timers (each in a fresh process).
    #[arg(long, default_value_t = 2)]
    pub repeat: usize,
    /// Seconds per ceiling measurement (strict Ed25519 in the same run).
    #[arg(long, default_value_t = 1.0)]
    pub ceiling_seconds: f64,
    /// Rebuild from this existing domain node's data directory instead of generating and
    /// appending a province (measurement (a) is then skipped).
    #[arg(long)]
    pub data: Option<std::path::PathBuf>,
}

/// One rebuild, as a child process reports it.
#[derive(Clone, Debug, Default)]
struct Rebuild {
    records: u64,
    wall_s: f64,
    signature_s: f64,
    cpu_s: f64,
    baseline_bytes: u64,
    state_bytes: u64,
    peak_bytes: u64,
    rss: u64,
    hwm: u64,
    detail: Option<Value>,
}

impl Rebuild {
    fn without_signatures_s(&self) -> f64 {
        self.wall_s - self.signature_s
    }

    fn rate(&self) -> f64 {
        self.records as f64 / self.without_signatures_s().max(1e-9)
    }

    fn of(value: &Value) -> Self {
        let number = |field: &str| value[field].as_f64().unwrap_or(0.0);
        Self {
            records: number("records") as u64,
            wall_s: number("wall_s"),
            signature_s: number("signature_s"),
            cpu_s: number("cpu_s"),
            baseline_bytes: number("baseline_bytes") as u64,
            state_bytes: number("state_bytes") as u64,
            peak_bytes: number("peak_bytes") as u64,
            rss: number("rss") as u64,
            hwm: number("hwm") as u64,
            detail: value.get("detail").cloned(),
        }
    }
}

/// Per event type: count, time per step and bytes kept, from the detailed rebuild.
#[derive(Clone, Debug, Default)]
struct Steps {
    count: u64,
    read_parse_ns: u64,
    signature_ns: u64,
    authorise_ns: u64,
    apply_ns: u64,
    observe_ns: u64,
    drop_ns: u64,
    ledger_bytes: i64,
    projection_bytes: i64,
}

impl Steps {
    fn add(&mut self, other: &Self) {
        self.count += other.count;
        self.read_parse_ns += other.read_parse_ns;
        self.signature_ns += other.signature_ns;
        self.authorise_ns += other.authorise_ns;
        self.apply_ns += other.apply_ns;
        self.observe_ns += other.observe_ns;
        self.drop_ns += other.drop_ns;
        self.ledger_bytes += other.ledger_bytes;
        self.projection_bytes += other.projection_bytes;
    }

    fn to_json(&self) -> Value {
        json!({
            "count": self.count,
            "read_parse_ns": self.read_parse_ns,
            "signature_ns": self.signature_ns,
            "authorise_ns": self.authorise_ns,
            "apply_ns": self.apply_ns,
            "observe_ns": self.observe_ns,
            "drop_ns": self.drop_ns,
            "ledger_bytes": self.ledger_bytes,
            "projection_bytes": self.projection_bytes,
        })
    }

    fn of(value: &Value) -> Self {
        let unsigned = |field: &str| value[field].as_u64().unwrap_or(0);
        let signed = |field: &str| value[field].as_i64().unwrap_or(0);
        Self {
            count: unsigned("count"),
            read_parse_ns: unsigned("read_parse_ns"),
            signature_ns: unsigned("signature_ns"),
            authorise_ns: unsigned("authorise_ns"),
            apply_ns: unsigned("apply_ns"),
            observe_ns: unsigned("observe_ns"),
            drop_ns: unsigned("drop_ns"),
            ledger_bytes: signed("ledger_bytes"),
            projection_bytes: signed("projection_bytes"),
        }
    }
}

fn nanos(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The prefix of the line a rebuild child prints its result on.
const RESULT_PREFIX: &str = "domain-rebuild-result ";

/// Replays every record of the domain node in `data` into a fresh `Ledger` and `Projections`,
/// timing the signature check apart; prints the result as one JSON line (run in a child
/// process by [`run`]). With `detail`, each step is timed and the bytes each keeps are counted,
/// by event type.
///
/// # Panics
/// When the data directory is not a domain node's, or a record does not replay.
pub fn rebuild_once(data: &Path, detail: bool) {
    let layout = DataLayout::new(data);
    let config = ledger_node::config::load(&layout).expect("node.json");
    let ministry_keys = match &config.policy {
        ledger_node::config::Policy::Hocba { ministry_keys } => {
            ledger_node::judge::ministry_keys_of(ministry_keys).expect("ministry keys")
        }
        ledger_node::config::Policy::Open => panic!("not a domain node"),
    };
    let domain = DomainConfig { ministry_keys };
    let cpu_before = process_cpu_seconds();
    let baseline = live_bytes();
    let mut projections = Projections::new(&domain);
    // With `detail`, a bare ledger is replayed beside the projections (which hold their own):
    // its steps and bytes are the ledger's share, the rest of each `Projections::apply` is
    // the projections'. Its heap is taken out of the state measured at the end.
    let mut bare = detail.then(|| Ledger::new(domain.clone()));
    let mut signature = Duration::ZERO;
    let mut steps: Vec<(String, Steps)> = Vec::new();
    let started = Instant::now();
    let end = ledger_node::scan::scan(&layout.segments(), |index, bytes| {
        let t0 = Instant::now();
        // What a replay without signature checks must do: decode the record, parse its body.
        let view = RecordView::decode(bytes).expect("a record");
        let parsed = Submission::parse_body(view.body()).expect("a body");
        let read_parse = nanos(t0);
        // The signature check (which parses the body again), timed and taken out.
        let t1 = Instant::now();
        drop(parsed);
        let record = ledger_core::record::verify_record(bytes).expect("a verified record");
        let checked = t1.elapsed();
        signature += checked;
        let position = Position {
            index,
            sequenced_at_us: view.sequenced_at_us(),
        };
        let submission = record.submission();
        let refused = |error| panic!("record {index} refused on replay: {error}");
        let mut ledger_step = (0, 0, 0);
        if let Some(bare) = bare.as_mut() {
            let t = Instant::now();
            let event = bare.authorise(submission, position).unwrap_or_else(refused);
            let authorise = nanos(t);
            let live = live_bytes();
            let t = Instant::now();
            bare.apply(event);
            ledger_step = (authorise, nanos(t), live_bytes() as i64 - live as i64);
        }
        let t2 = Instant::now();
        let event = projections
            .ledger()
            .authorise(submission, position)
            .unwrap_or_else(refused);
        let authorise = nanos(t2);
        let live3 = live_bytes();
        let t3 = Instant::now();
        projections
            .apply(submission, event)
            .unwrap_or_else(|error| panic!("record {index} not observed: {error}"));
        let apply = nanos(t3);
        let live4 = live_bytes();
        let event_type = submission.submission().event_type().to_owned();
        let t5 = Instant::now();
        drop(record);
        let dropped = nanos(t5);
        if detail {
            let (_, ledger_apply, ledger_bytes) = ledger_step;
            let step = Steps {
                count: 1,
                read_parse_ns: read_parse,
                signature_ns: u64::try_from(checked.as_nanos()).unwrap_or(0),
                authorise_ns: authorise,
                apply_ns: ledger_apply,
                observe_ns: apply.saturating_sub(ledger_apply),
                drop_ns: dropped,
                ledger_bytes,
                projection_bytes: live4 as i64 - live3 as i64 - ledger_bytes,
            };
            match steps.iter_mut().find(|(name, _)| *name == event_type) {
                Some((_, total)) => total.add(&step),
                None => steps.push((event_type, step)),
            }
        }
        Ok::<(), std::io::Error>(())
    })
    .expect("the segments scan");
    let wall = started.elapsed();
    let cpu = process_cpu_seconds() - cpu_before;
    let bare_bytes: i64 = steps.iter().map(|(_, step)| step.ledger_bytes).sum();
    let state = (live_bytes().saturating_sub(baseline) as i64 - bare_bytes).max(0) as usize;
    // The peak since the process started: the child did nothing sizeable before the replay.
    let peak = peak_bytes().saturating_sub(baseline);
    let (rss, hwm) = rss();
    assert_eq!(
        projections.ledger().applied_count(),
        end.records,
        "every record replayed"
    );
    let mut result = json!({
        "records": end.records,
        "wall_s": wall.as_secs_f64(),
        "signature_s": signature.as_secs_f64(),
        "cpu_s": cpu,
        "baseline_bytes": baseline,
        "state_bytes": state,
        "peak_bytes": peak,
        "rss": rss,
        "hwm": hwm,
    });
    if detail {
        result["detail"] = steps
            .iter()
            .map(|(name, step)| (name.clone(), step.to_json()))
            .collect::<serde_json::Map<String, Value>>()
            .into();
    }
    println!("{RESULT_PREFIX}{result}");
    // Keep the state alive until measured.
    drop((bare, projections));
}

/// This binary, even when a build has replaced its file since it started.
const THIS_BINARY: &str = "/proc/self/exe";

/// Runs [`rebuild_once`] in a fresh process of this binary.
fn rebuild_in_child(data: &Path, detail: bool) -> Rebuild {
    let mut command = std::process::Command::new(THIS_BINARY);
    command.arg("domain-rebuild").arg("--data").arg(data);
    if detail {
        command.arg("--detail");
    }
    let output = command.output().expect("the rebuild child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "rebuild child failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(RESULT_PREFIX))
        .expect("the child's result line");
    let rebuild = Rebuild::of(&serde_json::from_str(line).expect("the child's JSON"));
    eprintln!(
        "domain: rebuilt {} records in {:.1} s ({:.1} s of signature checks: {}/s without); heap \
         held {:.1} MiB",
        thousands(rebuild.records as f64),
        rebuild.wall_s,
        rebuild.signature_s,
        thousands(rebuild.rate()),
        mib(rebuild.state_bytes)
    );
    rebuild
}

/// Signs the province's whole year into `path` (per event: the claimed time, the body's length,
/// the body, the signature), drafting on this thread and signing on every core. Returns the
/// number of events.
fn generate(province: &Province, path: &Path) -> u64 {
    const CHUNK: usize = 8_192;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("events"));
    let mut drafts = province.drafts();
    let workers = crate::report::cores().max(1);
    let mut count = 0u64;
    let mut signers: Vec<Signer<'_>> = (0..workers).map(|_| Signer::new(province)).collect();
    loop {
        let chunk: Vec<Draft> = drafts.by_ref().take(CHUNK * workers).collect();
        if chunk.is_empty() {
            break;
        }
        let share = chunk.len().div_ceil(workers);
        let signed: Vec<Vec<(u64, SignedSubmission)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(share)
                .zip(signers.iter_mut())
                .map(|(part, signer)| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|draft| (draft.claimed_at_ms, signer.sign(draft)))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().expect("signer"))
                .collect()
        });
        for (claimed_ms, submission) in signed.iter().flatten() {
            let length = u32::try_from(submission.body.len()).expect("a small body");
            out.write_all(&claimed_ms.to_le_bytes()).expect("write");
            out.write_all(&length.to_le_bytes()).expect("write");
            out.write_all(&submission.body).expect("write");
            out.write_all(&submission.signature).expect("write");
            count += 1;
        }
        if count % (CHUNK as u64 * 64) < (CHUNK * workers) as u64 {
            eprintln!("domain: {} events signed", thousands(count as f64));
        }
    }
    out.flush().expect("flush");
    count
}

/// Reads the events file written by [`generate`], in order: each event's claimed time and
/// the signed submission.
struct EventsFile(BufReader<std::fs::File>);

impl Iterator for EventsFile {
    type Item = (u64, SignedSubmission);

    fn next(&mut self) -> Option<(u64, SignedSubmission)> {
        let mut claimed_ms = [0u8; 8];
        self.0.read_exact(&mut claimed_ms).ok()?;
        let mut length = [0u8; 4];
        self.0.read_exact(&mut length).expect("a whole length");
        let mut body = vec![0u8; u32::from_le_bytes(length) as usize];
        self.0.read_exact(&mut body).expect("a whole body");
        let mut signature = [0u8; 64];
        self.0
            .read_exact(&mut signature)
            .expect("a whole signature");
        Some((
            u64::from_le_bytes(claimed_ms),
            SignedSubmission { body, signature },
        ))
    }
}

/// The events file's events, a day at a time (by Vietnam's calendar), read on their own thread
/// a few days ahead of the appends, as `hocba demo` prepares its days: each day with the claimed
/// time of its last event.
fn days_of(events: &Path) -> std::sync::mpsc::Receiver<(u64, Vec<SignedSubmission>)> {
    const DAY_MS: u64 = 86_400_000;
    let offset_ms =
        u64::try_from(ledger_core::domain::value::VIETNAM_UTC_OFFSET_S).unwrap_or(0) * 1_000;
    let day_of = move |claimed_ms: u64| (claimed_ms + offset_ms) / DAY_MS;
    let file = EventsFile(BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(events).expect("events"),
    ));
    let (days, received) = std::sync::mpsc::sync_channel(4);
    std::thread::spawn(move || {
        let mut day: Vec<SignedSubmission> = Vec::new();
        let mut day_last_ms = 0u64;
        for (claimed_ms, submission) in file {
            let new_day = !day.is_empty() && day_of(claimed_ms) != day_of(day_last_ms);
            if new_day && days.send((day_last_ms, std::mem::take(&mut day))).is_err() {
                return; // the appends stopped
            }
            day_last_ms = claimed_ms;
            day.push(submission);
        }
        if !day.is_empty() {
            let _ = days.send((day_last_ms, day));
        }
    });
    received
}

/// The append measurement.
struct Appended {
    events: u64,
    elapsed: Duration,
    cpu_s: f64,
    sequencer_cpu_s: f64,
    node_live_bytes: u64,
    node_rss: u64,
}

/// Appends the events file to a new domain node in `data`, as `hocba demo` loads its year.
fn append(province: &Province, events: &Path, data: &Path) -> Appended {
    /// Events per batch: half the sequencer's queue, so each batch is taken whole.
    const CHUNK_MAX: usize = ledger_node::sequencer::SEQUENCER_QUEUE_MAX / 2;
    let layout = DataLayout::new(data);
    ledger_node::config::init(&layout, demo::DEMO_ORIGIN, demo::policy(province))
        .expect("a new domain node");
    let clock = LoadingClock::default();
    let node = Node::open_with_clock(&layout, clock.clock()).expect("open");
    let service = node.service();
    let runtime = crate::append::runtime();
    let days = days_of(events);
    let sequencer_cpu = || {
        crate::append::thread_cpu()
            .get("sequencer")
            .copied()
            .unwrap_or(0)
    };
    let cpu_before = process_cpu_seconds();
    let sequencer_before = sequencer_cpu();
    let started = Instant::now();
    let count = runtime.block_on(async {
        let mut count = 0u64;
        for (day_last_ms, day) in days {
            clock.set(day_last_ms * 1_000);
            let before = count;
            let mut events = day.into_iter().peekable();
            while events.peek().is_some() {
                let chunk: Vec<_> = events.by_ref().take(CHUNK_MAX).map(Ok).collect();
                for answer in service.submit_batch(chunk).await {
                    if let Err(error) = answer {
                        panic!("event {count} refused: {error}");
                    }
                    count += 1;
                }
            }
            if count / 250_000 != before / 250_000 {
                eprintln!(
                    "domain: {} events appended ({:.0} s)",
                    thousands(count as f64),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        count
    });
    let elapsed = started.elapsed();
    let cpu_s = process_cpu_seconds() - cpu_before;
    let sequencer_cpu_s = sequencer_cpu().saturating_sub(sequencer_before) as f64 / 1e9;
    clock.clear();
    let node_live_bytes = live_bytes() as u64;
    let (node_rss, _) = rss();
    drop(runtime);
    drop(node);
    Appended {
        events: count,
        elapsed,
        cpu_s,
        sequencer_cpu_s,
        node_live_bytes,
        node_rss,
    }
}

fn gib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0 * 1024.0)
}

/// Generates, appends and rebuilds; prints every table.
pub fn run(args: &DomainArgs, work: &crate::Work) {
    let directory = work.directory();
    let scratch = work.scratch("domain-");
    // With `--keep`, the data outlive a failed run too.
    let kept = work.keep.then(|| scratch.path().to_owned());
    let scratch = if kept.is_some() {
        let _ = scratch.keep();
        None
    } else {
        Some(scratch)
    };
    let scratch_path = kept
        .clone()
        .or_else(|| scratch.as_ref().map(|s| s.path().to_owned()))
        .expect("a scratch directory");
    let (data, appended, learners) = match &args.data {
        Some(data) => (data.clone(), None, None),
        None => {
            let province = demo::province(args.learners);
            let learners = province.spec().learner_count();
            let events = scratch_path.join("events.bin");
            let data = scratch_path.join("node");
            eprintln!(
                "domain: signing the school year of {} learners ({} schools, {} classes)",
                thousands(learners as f64),
                province.spec().school_count(),
                province.spec().class_count()
            );
            let started = Instant::now();
            let count = generate(&province, &events);
            println!(
                "generated {} events of {} learners in {:.0} s (untimed)",
                thousands(count as f64),
                thousands(learners as f64),
                started.elapsed().as_secs_f64()
            );
            eprintln!("domain: appending");
            let appended = append(&province, &events, &data);
            eprintln!(
                "domain: appended {} events in {:.1} s, {:.1} CPU s ({:.1} on the sequencer)",
                thousands(appended.events as f64),
                appended.elapsed.as_secs_f64(),
                appended.cpu_s,
                appended.sequencer_cpu_s
            );
            std::fs::remove_file(&events).ok();
            (data, Some(appended), Some(learners))
        }
    };
    eprintln!("domain: ceilings");
    let ceilings = crate::ceilings::run(args.ceiling_seconds, &directory);
    eprintln!("domain: detailed rebuild");
    let detailed = rebuild_in_child(&data, true);
    let mut runs = Vec::new();
    for run in 0..args.repeat {
        eprintln!("domain: rebuild {} of {}", run + 1, args.repeat);
        runs.push(rebuild_in_child(&data, false));
    }
    let starts: Vec<Duration> = (0..args.repeat.max(1))
        .map(|run| {
            eprintln!("domain: node start {} of {}", run + 1, args.repeat.max(1));
            node_start(&data)
        })
        .collect();
    report(
        args,
        learners,
        appended.as_ref(),
        &ceilings,
        &detailed,
        &runs,
        &starts,
    );
    println!(
        "load average (1/5/15 min) at the end: {}",
        crate::report::load_average()
    );
    match kept {
        Some(_) => println!("kept data directory: {}", data.display()),
        None => drop(scratch),
    }
}

/// How long `Node::open` takes on the data directory: the log opened, then the domain state
/// and projections rebuilt as a node does on start (records under the newest checkpoint
/// checked against its root instead of their signatures, read and parsed on a second thread).
fn node_start(data: &Path) -> Duration {
    let started = Instant::now();
    let node = Node::open(&DataLayout::new(data)).expect("the node opens");
    let elapsed = started.elapsed();
    drop(node);
    elapsed
}

#[allow(clippy::too_many_arguments)]
fn report(
    args: &DomainArgs,
    learners: Option<u64>,
    appended: Option<&Appended>,
    ceilings: &crate::ceilings::Ceilings,
    detailed: &Rebuild,
    runs: &[Rebuild],
    starts: &[Duration],
) {
    let records = detailed.records;
    let learners_text = learners.map_or("?".to_owned(), |n| thousands(n as f64));
    let mut steps: Vec<(String, Steps)> = detailed
        .detail
        .as_ref()
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(name, value)| (name.clone(), Steps::of(value)))
                .collect()
        })
        .unwrap_or_default();
    let mut total = Steps::default();
    for (_, step) in &steps {
        total.add(step);
    }
    let per_event_us = |ns: u64, count: u64| ns as f64 / 1e3 / count.max(1) as f64;

    if let Some(appended) = appended {
        let rate = appended.events as f64 / appended.elapsed.as_secs_f64();
        let mut table = Table::new(
            &format!(
                "(a) Durable appends with the domain rules on: {learners_text} learners' school \
                 year through service.submit_batch, a day at a time in chunks of ≤ 8,192, in \
                 order"
            ),
            &[
                "events",
                "seconds",
                "events/s",
                "cores busy",
                "CPU µs/event",
                "sequencer CPU µs/event",
                "strict Ed25519 ceiling (2 cores)",
                "SignedSubmission::verify ceiling",
                "node heap after (MiB)",
                "node VmRSS after (MiB)",
            ],
        );
        table.row(vec![
            thousands(appended.events as f64),
            format!("{:.1}", appended.elapsed.as_secs_f64()),
            thousands(rate),
            format!("{:.2}", appended.cpu_s / appended.elapsed.as_secs_f64()),
            format!("{:.1}", appended.cpu_s * 1e6 / appended.events as f64),
            format!(
                "{:.1}",
                appended.sequencer_cpu_s * 1e6 / appended.events as f64
            ),
            format!("{}/s", thousands(ceilings.strict_all_cores)),
            format!("{}/s", thousands(ceilings.submission_all_cores)),
            format!("{:.0}", mib(appended.node_live_bytes)),
            format!("{:.0}", mib(appended.node_rss)),
        ]);
        table.print();
    }

    let mut table = Table::new(
        &format!(
            "(b) Rebuild of the ledger and every projection from the log ({} records), each run \
             in a fresh process",
            thousands(records as f64)
        ),
        &[
            "run",
            "wall s",
            "of which signature checks s",
            "without signatures s",
            "events/s without signatures",
            "events/s with (as on start)",
            "CPU s",
        ],
    );
    for (number, run) in [detailed].into_iter().chain(runs).enumerate() {
        table.row(vec![
            if number == 0 {
                "1 (step timers on)".to_owned()
            } else {
                (number + 1).to_string()
            },
            format!("{:.1}", run.wall_s),
            format!("{:.1}", run.signature_s),
            format!("{:.1}", run.without_signatures_s()),
            thousands(run.rate()),
            thousands(run.records as f64 / run.wall_s),
            format!("{:.1}", run.cpu_s),
        ]);
    }
    table.print();

    steps.sort_by(|a, b| {
        let cost = |s: &Steps| s.read_parse_ns + s.authorise_ns + s.apply_ns + s.observe_ns;
        cost(&b.1).cmp(&cost(&a.1))
    });
    let mut table = Table::new(
        "Where the rebuild's time goes, by event type (detailed run; µs per event, signature \
         check excluded from the share)",
        &[
            "event type",
            "events",
            "read + parse",
            "authorise",
            "ledger apply",
            "projections (apply less the ledger's)",
            "drop",
            "share of rebuild time",
            "signature check",
        ],
    );
    let rebuild_ns = total.read_parse_ns
        + total.authorise_ns
        + total.apply_ns
        + total.observe_ns
        + total.drop_ns;
    for (name, step) in steps
        .iter()
        .map(|(name, step)| (name.as_str(), step))
        .chain([("all", &total)])
    {
        let own = step.read_parse_ns + step.authorise_ns + step.apply_ns + step.observe_ns;
        table.row(vec![
            name.to_owned(),
            thousands(step.count as f64),
            format!("{:.2}", per_event_us(step.read_parse_ns, step.count)),
            format!("{:.2}", per_event_us(step.authorise_ns, step.count)),
            format!("{:.2}", per_event_us(step.apply_ns, step.count)),
            format!("{:.2}", per_event_us(step.observe_ns, step.count)),
            format!("{:.2}", per_event_us(step.drop_ns, step.count)),
            format!(
                "{:.1} %",
                100.0 * (own + step.drop_ns) as f64 / rebuild_ns.max(1) as f64
            ),
            format!("{:.1}", per_event_us(step.signature_ns, step.count)),
        ]);
    }
    table.print();

    steps.sort_by_key(|(_, step)| -(step.ledger_bytes + step.projection_bytes));
    let mut table = Table::new(
        "(c) Heap kept by the domain state, by event type (bytes still allocated after the \
         rebuild, attributed to the event whose step allocated them)",
        &[
            "event type",
            "events",
            "ledger MiB",
            "projections MiB",
            "ledger B/event",
            "projections B/event",
            "share of the heap",
        ],
    );
    let kept = (total.ledger_bytes + total.projection_bytes).max(1);
    for (name, step) in steps
        .iter()
        .map(|(name, step)| (name.as_str(), step))
        .chain([("all", &total)])
    {
        table.row(vec![
            name.to_owned(),
            thousands(step.count as f64),
            format!("{:.1}", step.ledger_bytes as f64 / 1048576.0),
            format!("{:.1}", step.projection_bytes as f64 / 1048576.0),
            format!("{:.0}", step.ledger_bytes as f64 / step.count.max(1) as f64),
            format!(
                "{:.0}",
                step.projection_bytes as f64 / step.count.max(1) as f64
            ),
            format!(
                "{:.1} %",
                100.0 * (step.ledger_bytes + step.projection_bytes) as f64 / kept as f64
            ),
        ]);
    }
    table.print();

    let mut table = Table::new(
        "(c) Memory after the rebuild (counting allocator over mimalloc; /proc/self/status)",
        &["what", "value"],
    );
    let per = |bytes: f64, count: Option<u64>| {
        count.map_or("—".to_owned(), |count| {
            format!("{:.0}", bytes / count.max(1) as f64)
        })
    };
    let state = detailed.state_bytes as f64;
    let rows = [
        (
            "heap held by Ledger + Projections".to_owned(),
            format!("{:.1} MiB", mib(detailed.state_bytes)),
        ),
        (
            "of which the ledger (judge state; the bare ledger's)".to_owned(),
            format!("{:.1} MiB", total.ledger_bytes as f64 / 1048576.0),
        ),
        (
            "of which the projections".to_owned(),
            format!("{:.1} MiB", total.projection_bytes as f64 / 1048576.0),
        ),
        (
            "heap bytes per learner / per event".to_owned(),
            format!("{} / {}", per(state, learners), per(state, Some(records))),
        ),
        (
            "heap of the process before the replay".to_owned(),
            format!("{:.1} MiB", mib(detailed.baseline_bytes)),
        ),
        (
            "peak heap during the rebuild (above the start; with the bare ledger)".to_owned(),
            format!("{:.1} MiB", mib(detailed.peak_bytes)),
        ),
        (
            "VmRSS / VmHWM of the rebuild process (with the bare ledger)".to_owned(),
            format!("{:.1} / {:.1} MiB", mib(detailed.rss), mib(detailed.hwm)),
        ),
        (
            "heap at 100,000 learners, linear in learners".to_owned(),
            learners.map_or("—".to_owned(), |learners| {
                format!("{:.2} GiB", gib(state * 100_000.0 / learners as f64))
            }),
        ),
        (
            "same runs, plain rebuilds: heap held".to_owned(),
            runs.iter()
                .map(|run| format!("{:.1}", mib(run.state_bytes)))
                .collect::<Vec<_>>()
                .join(", ")
                + " MiB",
        ),
    ];
    for (what, value) in rows {
        table.row(vec![what, value]);
    }
    table.print();

    let all_runs: Vec<&Rebuild> = [detailed].into_iter().chain(runs).collect();
    let best = all_runs
        .iter()
        .map(|run| run.rate())
        .fold(f64::NAN, f64::max);
    let median = {
        let mut rates: Vec<f64> = all_runs.iter().map(|run| run.rate()).collect();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let mut table = Table::new(
        &format!("Summary against the domain's targets ({learners_text} learners)"),
        &["#", "measure", "result", "target", "verdict"],
    );
    if let Some(appended) = appended {
        let rate = appended.events as f64 / appended.elapsed.as_secs_f64();
        table.row(vec![
            "a".into(),
            "durable appends, rules on".into(),
            format!("{}/s", thousands(rate)),
            "≥ 30,000/s".into(),
            crate::verdict(rate, 30_000.0, true),
        ]);
    }
    table.row(vec![
        "b".into(),
        format!(
            "rebuild without signatures, {} records (median of {})",
            thousands(records as f64),
            all_runs.len()
        ),
        format!("{}/s (best {}/s)", thousands(median), thousands(best)),
        "≥ 300,000/s".into(),
        crate::verdict(median, 300_000.0, true),
    ]);
    let mut start_rates: Vec<f64> = starts
        .iter()
        .map(|start| records as f64 / start.as_secs_f64())
        .collect();
    start_rates.sort_by(f64::total_cmp);
    let start_median = start_rates[start_rates.len() / 2];
    table.row(vec![
        "b".into(),
        format!(
            "node start (`Node::open`), {} records (median of {}; {})",
            thousands(records as f64),
            starts.len(),
            starts
                .iter()
                .map(|start| format!("{:.1} s", start.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("{}/s", thousands(start_median)),
        "≥ 300,000/s".into(),
        crate::verdict(start_median, 300_000.0, true),
    ]);
    if let Some(learners) = learners {
        let at_target = state * 100_000.0 / learners as f64;
        table.row(vec![
            "c".into(),
            "heap of ledger + projections, linear to 100,000 learners".into(),
            format!(
                "{:.1} MiB measured; {:.2} GiB at 100,000",
                mib(detailed.state_bytes),
                gib(at_target)
            ),
            "≤ 2 GiB".into(),
            crate::verdict(gib(at_target), 2.0, false),
        ]);
    }
    table.print();
    let _ = args;
}
