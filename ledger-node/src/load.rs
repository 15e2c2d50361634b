//! `hocba load`: a load generator for capacity planning against a demo node.
//!
//! It appends what a school week brings to a demo loaded up to today: subject teachers recording
//! regular assessments (điểm đánh giá thường xuyên, scores or the Đ/CĐ comments of commented
//! subjects) for the learners of the classes they teach, a few make-up mid-term tests, and
//! homeroom teachers recording absences. Every event is valid under the domain rules: who may
//! record what comes from the demo's `roster.json` ([`crate::demo::Roster`]) and each key from
//! its seed file next to it. Every event has a fresh idempotency id and claims the time it is
//! made.
//!
//! Two parts: the [`Generator`] (pure: roster, keys, seed and time in, signed submissions out)
//! and the HTTP driver ([`execute`]): N concurrent clients, one event or a batch per request,
//! a progress line every second on standard error, and a [`Report`] at the end. With
//! `--acked FILE` each acknowledged record is written as `INDEX LEAFHASH` and flushed as soon as
//! its receipt arrives, so a crash test can check that every acknowledged record survived.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use fixtures::province::SplitMix64;
use ledger_api::client::{Client, ClientError};
use ledger_api::error::ApiError;
use ledger_api::wire::Receipt;
use ledger_core::domain::value::Date;
use ledger_core::key::PublicKey;
use ledger_core::record::{SignedSubmission, Submission};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::demo::{Roster, RosterDuty, ROSTER_FILE};
use crate::sequencer::{self, Clock};

/// `hocba load`: append realistic, valid, signed events to a demo node from concurrent clients
/// and report throughput, latency and refusals.
#[derive(Clone, Debug, clap::Args)]
pub struct LoadArgs {
    /// The node's base URL, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    pub url: String,
    /// The demo's keys directory (`DIR/demo-keys/` of `hocba demo`): the teachers' seed files and
    /// `roster.json`, which says who teaches which class and subject.
    #[arg(long)]
    pub keys: PathBuf,
    /// How many clients send requests concurrently, each waiting for its answer before sending
    /// the next request.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// How long to send requests, in seconds; requests in flight at the end are awaited.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Events per request: without it each request is one event (`POST /v1/submissions`); with
    /// it each request carries B events (`POST /v1/submissions/batch`, at most 1000).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Write one line `INDEX LEAFHASH` per acknowledged record to FILE (decimal log index, base64
    /// leaf hash), flushed as each receipt arrives.
    #[arg(long)]
    pub acked: Option<PathBuf>,
    /// Also print the final report as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Why a load run could not start or finish. Each becomes exit status 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// `roster.json` is missing or invalid.
    #[error("{path}: {what} (is it the demo-keys directory of `hocba demo`?)")]
    Roster {
        /// The roster's path.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A teacher's seed file is missing or invalid.
    #[error("{path}: {what}")]
    Key {
        /// The seed file's path.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// No duty of the roster can be recorded at this time: the year is locked, not started, or
    /// the teachers' grants have ended.
    #[error(
        "nothing to record at this time: no teacher of the roster holds a valid grant for an \
         open semester of a class with learners"
    )]
    NothingToRecord,
    /// A flag is out of range.
    #[error("{0}")]
    Usage(String),
    /// The HTTP client could not be built.
    #[error("{0}")]
    Client(ClientError),
    /// The `--acked` file could not be written.
    #[error("{path}: {error}")]
    Acked {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
}

/// How a school week's events are mixed, per thousand events. In a week a class has about 30
/// periods, in which its subject teachers check a few learners each (regular assessments,
/// including the Đ/CĐ comments of commented subjects); its homeroom teacher updates the absence
/// totals of the two or three learners absent each day; a learner missing a mid-term sits a
/// make-up test now and then.
const MIX_PER_MILLE: [(Kind, u32); 3] = [
    (Kind::Regular, 880),
    (Kind::Absence, 100),
    (Kind::Midterm, 20),
];

/// Scores by frequency: whole points 4 to 10, mostly 6 to 9.
const SCORE_WEIGHTS: [(u8, u32); 7] = [(4, 3), (5, 8), (6, 15), (7, 25), (8, 25), (9, 16), (10, 8)];

/// One commented result in this many is "CĐ" (chưa đạt).
const NOT_ACHIEVED_ONE_IN: u64 = 20;

/// The upper bound the domain puts on a semester's absence total.
const ABSENCE_SESSIONS_MAX: u16 = 400;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Regular,
    Midterm,
    Absence,
}

/// A duty the generator can record for: whose key, which class and learners, what.
#[derive(Debug)]
struct Duty {
    key: usize,
    learners: Arc<[String]>,
    school: String,
    school_year: String,
    class: String,
    semester: u8,
    subject: Option<Subject>,
}

#[derive(Debug)]
struct Subject {
    code: String,
    commented: bool,
    regular_slots: u8,
}

/// Makes signed, valid events from a roster: pure (no clock, no I/O), so tests can replay what
/// it makes against the domain rules.
#[derive(Debug)]
pub struct Generator {
    keys: Vec<(SigningKey, PublicKey)>,
    subject_duties: Vec<Duty>,
    homeroom_duties: Vec<Duty>,
    rng: SplitMix64,
    run_id: String,
    issued: u64,
    /// Absence totals so far per (learner, semester): each event sets the totals, so they grow.
    absences: HashMap<(String, u8), (u16, u16)>,
}

impl Generator {
    /// A generator of the duties of `roster` that `keys` (by label) can sign at `now_ms` (Unix
    /// ms): the teacher's grant is valid that day and the class has learners. Idempotency ids
    /// are `load:<run_id>:<n>`, so `run_id` must be new for each run (and made of letters,
    /// digits, `.`, `_` or `-`).
    ///
    /// # Errors
    /// [`LoadError::NothingToRecord`] when no duty can be recorded; [`LoadError::Key`] when a
    /// teacher of a usable duty has no key in `keys`.
    pub fn new(
        roster: &Roster,
        keys: &HashMap<String, SigningKey>,
        now_ms: u64,
        seed: u64,
        run_id: &str,
    ) -> Result<Self, LoadError> {
        let classes: HashMap<(&str, &str, &str), Arc<[String]>> = roster
            .classes
            .iter()
            .map(|class| {
                (
                    (
                        class.school.as_str(),
                        class.school_year.as_str(),
                        class.class.as_str(),
                    ),
                    Arc::from(class.learners.clone()),
                )
            })
            .collect();
        let mut generator = Self {
            keys: Vec::new(),
            subject_duties: Vec::new(),
            homeroom_duties: Vec::new(),
            rng: SplitMix64::new(seed),
            run_id: run_id.to_owned(),
            issued: 0,
            absences: HashMap::new(),
        };
        let now_us = now_ms.saturating_mul(1_000);
        for teacher in &roster.teachers {
            if !grant_valid(&teacher.valid_from, teacher.valid_until.as_deref(), now_us) {
                continue;
            }
            let duties: Vec<(&RosterDuty, Arc<[String]>)> = teacher
                .duties
                .iter()
                .filter_map(|duty| {
                    let learners = classes.get(&(
                        duty.school.as_str(),
                        duty.school_year.as_str(),
                        duty.class.as_str(),
                    ))?;
                    (!learners.is_empty()).then(|| (duty, Arc::clone(learners)))
                })
                .collect();
            if duties.is_empty() {
                continue;
            }
            let secret = keys.get(&teacher.label).ok_or_else(|| LoadError::Key {
                path: PathBuf::from(&teacher.seed),
                what: format!("no key for {}", teacher.label),
            })?;
            let key = generator.keys.len();
            generator
                .keys
                .push((secret.clone(), PublicKey::from(secret)));
            for (duty, learners) in duties {
                let subject = match (&duty.subject, duty.regular_slots) {
                    (Some(code), Some(slots)) if duty.duty == "subject" && slots > 0 => {
                        Some(Subject {
                            code: code.clone(),
                            commented: duty.mode.as_deref() == Some("commented"),
                            regular_slots: slots,
                        })
                    }
                    _ if duty.duty == "homeroom" => None,
                    _ => continue,
                };
                let entry = Duty {
                    key,
                    learners,
                    school: duty.school.clone(),
                    school_year: duty.school_year.clone(),
                    class: duty.class.clone(),
                    semester: duty.semester,
                    subject,
                };
                if entry.subject.is_some() {
                    generator.subject_duties.push(entry);
                } else {
                    generator.homeroom_duties.push(entry);
                }
            }
        }
        if generator.subject_duties.is_empty() && generator.homeroom_duties.is_empty() {
            return Err(LoadError::NothingToRecord);
        }
        Ok(generator)
    }

    /// The next event, claimed at `now_ms` (Unix ms).
    ///
    /// # Panics
    /// If the generator built an invalid submission (a bug).
    pub fn next(&mut self, now_ms: u64) -> SignedSubmission {
        let mut kind = self.rng.weighted(&MIX_PER_MILLE);
        if kind == Kind::Absence && self.homeroom_duties.is_empty() {
            kind = Kind::Regular;
        }
        if kind != Kind::Absence && self.subject_duties.is_empty() {
            kind = Kind::Absence;
        }
        let (key, event_type, payload) = if kind == Kind::Absence {
            self.absence()
        } else {
            self.assessment(kind)
        };
        self.issued += 1;
        let (secret, public) = &self.keys[key];
        let submission = Submission::new(
            *public,
            now_ms,
            event_type,
            format!("load:{}:{}", self.run_id, self.issued),
            payload,
            1,
        )
        .expect("the generator builds valid submissions");
        SignedSubmission::sign(&submission, secret)
    }

    fn assessment(&mut self, kind: Kind) -> (usize, &'static str, Map<String, Value>) {
        let duty = &self.subject_duties[pick(&mut self.rng, self.subject_duties.len())];
        let subject = duty
            .subject
            .as_ref()
            .expect("subject duties have a subject");
        let learner = &duty.learners[pick(&mut self.rng, duty.learners.len())];
        let value = if subject.commented {
            if self.rng.below(NOT_ACHIEVED_ONE_IN) == 0 {
                "CĐ".to_owned()
            } else {
                "Đ".to_owned()
            }
        } else {
            let whole = self.rng.weighted(&SCORE_WEIGHTS);
            if whole < 10 && self.rng.chance(250) {
                format!("{whole}.5")
            } else {
                whole.to_string()
            }
        };
        let mut payload = json!({
            "learner": learner, "school": duty.school, "school_year": duty.school_year,
            "class": duty.class, "subject": subject.code, "semester": duty.semester,
            "value": value,
        });
        if kind == Kind::Regular {
            let slot = 1 + self.rng.below(u64::from(subject.regular_slots));
            payload["kind"] = json!("regular");
            payload["slot"] = json!(slot);
        } else {
            payload["kind"] = json!("midterm");
        }
        (duty.key, "assessment.recorded", into_map(payload))
    }

    fn absence(&mut self) -> (usize, &'static str, Map<String, Value>) {
        let duty = &self.homeroom_duties[pick(&mut self.rng, self.homeroom_duties.len())];
        let learner = &duty.learners[pick(&mut self.rng, duty.learners.len())];
        let totals = self
            .absences
            .entry((learner.clone(), duty.semester))
            .or_default();
        // Most absences are excused (có phép); one session more each time, up to the limit.
        if self.rng.chance(700) {
            totals.0 = (totals.0 + 1).min(ABSENCE_SESSIONS_MAX);
        } else {
            totals.1 = (totals.1 + 1).min(ABSENCE_SESSIONS_MAX);
        }
        let payload = json!({
            "learner": learner, "school": duty.school, "school_year": duty.school_year,
            "class": duty.class, "semester": duty.semester,
            "excused": totals.0, "unexcused": totals.1,
        });
        (duty.key, "absence.recorded", into_map(payload))
    }
}

fn pick(rng: &mut SplitMix64, count: usize) -> usize {
    usize::try_from(rng.below(count as u64)).expect("below a usize")
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("payloads are objects"),
    }
}

/// Whether a grant from `valid_from` to `valid_until` (Vietnam dates, inclusive) is valid at
/// `now_us`.
fn grant_valid(valid_from: &str, valid_until: Option<&str>, now_us: u64) -> bool {
    let Ok(from) = Date::parse(valid_from) else {
        return false;
    };
    let until = match valid_until.map(Date::parse) {
        None => u64::MAX,
        Some(Ok(until)) => until.end_us(),
        Some(Err(_)) => return false,
    };
    (from.start_us()..until).contains(&now_us)
}

/// Reads `roster.json` from the demo keys' `directory`.
///
/// # Errors
/// [`LoadError::Roster`] when it is missing or invalid.
pub fn read_roster(directory: &Path) -> Result<Roster, LoadError> {
    let path = directory.join(ROSTER_FILE);
    let invalid = |what: String| LoadError::Roster {
        path: path.clone(),
        what,
    };
    let bytes = std::fs::read(&path).map_err(|error| invalid(error.to_string()))?;
    let roster: Roster =
        serde_json::from_slice(&bytes).map_err(|error| invalid(error.to_string()))?;
    if roster.format != 1 {
        return Err(invalid(format!("unknown roster format {}", roster.format)));
    }
    Ok(roster)
}

/// Reads the seed file of every teacher of `roster` from `directory`, by label.
///
/// # Errors
/// [`LoadError::Key`] when a seed file is missing or not 32 bytes of hex.
pub fn read_keys(
    directory: &Path,
    roster: &Roster,
) -> Result<HashMap<String, SigningKey>, LoadError> {
    roster
        .teachers
        .iter()
        .map(|teacher| {
            let path = directory.join(&teacher.seed);
            let invalid = |what: String| LoadError::Key {
                path: path.clone(),
                what,
            };
            let text =
                std::fs::read_to_string(&path).map_err(|error| invalid(error.to_string()))?;
            let bytes = fixtures::hex::decode(text.trim()).map_err(invalid)?;
            let seed: [u8; 32] = bytes
                .try_into()
                .map_err(|_| invalid("a seed is 32 bytes (64 hex digits)".to_owned()))?;
            Ok((teacher.label.clone(), SigningKey::from_bytes(&seed)))
        })
        .collect()
}

/// Latency of requests, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

/// The refusals of one problem code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusals {
    /// Events refused with the code.
    pub count: u64,
    /// The detail of the first refusal.
    pub first_detail: String,
}

/// What a load run did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Concurrent clients.
    pub clients: usize,
    /// Events per request.
    pub batch: usize,
    /// From the first request to the last answer, in seconds.
    pub elapsed_s: f64,
    /// Events acknowledged with a receipt.
    pub acknowledged: u64,
    /// Requests answered (with receipts or refusals).
    pub requests: u64,
    /// Acknowledged events per second.
    pub events_per_s: f64,
    /// Requests per second.
    pub requests_per_s: f64,
    /// Latency per request, from sending to the whole answer.
    pub latency: Latency,
    /// Refused events by problem code (none in a healthy run).
    pub refusals: BTreeMap<String, Refusals>,
    /// Requests that got no answer (connection failures, timeouts) or one the client could not
    /// read.
    pub transport_errors: u64,
    /// The first transport error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_transport_error: Option<String>,
}

impl Report {
    /// True when nothing was refused and every request was answered.
    #[must_use]
    pub fn healthy(&self) -> bool {
        self.refusals.is_empty() && self.transport_errors == 0
    }

    /// The report for people, several lines.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "acknowledged {} events in {:.1} s: {:.1} events/s, {:.1} requests/s ({} clients, {} \
             event{} per request)\n",
            self.acknowledged,
            self.elapsed_s,
            self.events_per_s,
            self.requests_per_s,
            self.clients,
            self.batch,
            if self.batch == 1 { "" } else { "s" },
        );
        text.push_str(&format!(
            "latency per request: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
            self.latency.p50_ms, self.latency.p90_ms, self.latency.p99_ms, self.latency.max_ms
        ));
        if self.refusals.is_empty() {
            text.push_str("refusals: none\n");
        } else {
            for (code, refusals) in &self.refusals {
                text.push_str(&format!(
                    "refused {code}: {} events; first: {}\n",
                    refusals.count, refusals.first_detail
                ));
            }
        }
        text.push_str(&format!("transport errors: {}", self.transport_errors));
        if let Some(first) = &self.first_transport_error {
            text.push_str(&format!(" (first: {first})"));
        }
        text.push('\n');
        text
    }
}

/// `hocba load`: runs on its own runtime, prints the report (and the JSON report with
/// `--json`) on standard output and the progress on standard error. Exit status 0 for a
/// healthy run, 1 when events were refused or requests failed, 2 when the run could not start.
#[must_use]
pub fn run(args: LoadArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(execute(&args)) {
        Ok(report) => {
            print!("{}", report.to_text());
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string(&report).expect("reports serialise")
                );
            }
            if report.healthy() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs a load as `args` say with the machine's clock.
///
/// # Errors
/// A [`LoadError`] when the roster, the keys, the flags or the `--acked` file are unusable.
pub async fn execute(args: &LoadArgs) -> Result<Report, LoadError> {
    execute_with_clock(args, Arc::new(sequencer::now_us)).await
}

/// Runs a load as `args` say, reading the time events claim and grants are judged at from
/// `clock` (µs): tests give it the clock of a node replaying a school-year date.
///
/// # Errors
/// As [`execute`].
pub async fn execute_with_clock(args: &LoadArgs, clock: Clock) -> Result<Report, LoadError> {
    if args.clients == 0 {
        return Err(LoadError::Usage("--clients must be at least 1".to_owned()));
    }
    let batch = args.batch.unwrap_or(1);
    if !(1..=ledger_api::router::BATCH_EVENTS_MAX).contains(&batch) {
        return Err(LoadError::Usage(format!(
            "--batch must be 1 to {}",
            ledger_api::router::BATCH_EVENTS_MAX
        )));
    }
    let roster = read_roster(&args.keys)?;
    let keys = read_keys(&args.keys, &roster)?;
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random)
        .map_err(|error| LoadError::Usage(format!("no randomness: {error}")))?;
    let run_id = fixtures::hex::encode(&random[..8]);
    let seed = u64::from_le_bytes(random[8..].try_into().expect("8 bytes"));
    let generator = Generator::new(&roster, &keys, clock() / 1_000, seed, &run_id)?;
    let client = Client::new(&args.url).map_err(LoadError::Client)?;
    let acked = args.acked.as_deref().map(AckedWriter::start).transpose()?;
    let driver = Driver {
        client,
        generator: Arc::new(Mutex::new(generator)),
        clock,
        batch: args.batch,
        counters: Arc::default(),
        acked: acked.as_ref().map(AckedWriter::sender),
    };
    let report = driver.drive(args.clients, args.seconds).await;
    if let Some(writer) = acked {
        writer.finish()?;
    }
    Ok(report)
}

/// Totals shared by the clients, read by the progress line.
#[derive(Default)]
struct Counters {
    acknowledged: AtomicU64,
    requests: AtomicU64,
    refused: AtomicU64,
    transport_errors: AtomicU64,
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    refusals: BTreeMap<String, Refusals>,
    transport_errors: u64,
    first_transport_error: Option<String>,
}

impl Tally {
    fn refused(&mut self, error: &ApiError, events: u64) {
        self.refusals
            .entry(error.code.clone())
            .or_insert_with(|| Refusals {
                count: 0,
                first_detail: error.detail.clone(),
            })
            .count += events;
    }

    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        for (code, refusals) in other.refusals {
            self.refusals
                .entry(code)
                .and_modify(|mine| mine.count += refusals.count)
                .or_insert(refusals);
        }
        self.transport_errors += other.transport_errors;
        if self.first_transport_error.is_none() {
            self.first_transport_error = other.first_transport_error;
        }
    }
}

/// After a request that got no answer or a 503, a client waits this long before the next one,
/// so that a stopped node is not hammered.
const BACKOFF: Duration = Duration::from_millis(100);

struct Driver {
    client: Client,
    generator: Arc<Mutex<Generator>>,
    clock: Clock,
    batch: Option<usize>,
    counters: Arc<Counters>,
    acked: Option<mpsc::Sender<(u64, String)>>,
}

impl Driver {
    async fn drive(self, clients: usize, seconds: u64) -> Report {
        let driver = Arc::new(self);
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let progress = tokio::spawn(progress(Arc::clone(&driver.counters), started));
        let tasks: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(Arc::clone(&driver).client_loop(deadline)))
            .collect();
        let mut tally = Tally::default();
        for task in tasks {
            match task.await {
                Ok(client_tally) => tally.merge(client_tally),
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
        progress.abort();
        let elapsed_s = started.elapsed().as_secs_f64();
        let counters = &driver.counters;
        let acknowledged = counters.acknowledged.load(Ordering::SeqCst);
        let requests = counters.requests.load(Ordering::SeqCst);
        Report {
            clients,
            batch: driver.batch.unwrap_or(1),
            elapsed_s,
            acknowledged,
            requests,
            events_per_s: per_second(acknowledged, elapsed_s),
            requests_per_s: per_second(requests, elapsed_s),
            latency: latency(&mut tally.latencies_us),
            refusals: tally.refusals,
            transport_errors: tally.transport_errors,
            first_transport_error: tally.first_transport_error,
        }
    }

    async fn client_loop(self: Arc<Self>, deadline: Instant) -> Tally {
        let mut tally = Tally::default();
        while Instant::now() < deadline {
            let submissions: Vec<SignedSubmission> = {
                let mut generator = self.generator.lock().expect("generator lock");
                (0..self.batch.unwrap_or(1))
                    .map(|_| generator.next((self.clock)() / 1_000))
                    .collect()
            };
            let events = submissions.len() as u64;
            let sent = Instant::now();
            let answer = match self.batch {
                None => self
                    .client
                    .submit(&submissions[0])
                    .await
                    .map(|receipt| vec![Ok(receipt)]),
                Some(_) => self.client.submit_batch(&submissions).await,
            };
            let latency_us = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
            let backoff = match answer {
                Ok(results) => {
                    self.answered(&mut tally, latency_us, results);
                    false
                }
                Err(ClientError::Api(error)) => {
                    // The whole request was refused: every event in it counts as refused.
                    self.counters.requests.fetch_add(1, Ordering::SeqCst);
                    self.counters.refused.fetch_add(events, Ordering::SeqCst);
                    tally.latencies_us.push(latency_us);
                    tally.refused(&error, events);
                    error.status == 503
                }
                Err(error) => {
                    self.counters
                        .transport_errors
                        .fetch_add(1, Ordering::SeqCst);
                    tally.transport_errors += 1;
                    tally
                        .first_transport_error
                        .get_or_insert_with(|| error.to_string());
                    true
                }
            };
            if backoff {
                tokio::time::sleep(BACKOFF).await;
            }
        }
        tally
    }

    fn answered(
        &self,
        tally: &mut Tally,
        latency_us: u64,
        results: Vec<Result<Receipt, ApiError>>,
    ) {
        self.counters.requests.fetch_add(1, Ordering::SeqCst);
        tally.latencies_us.push(latency_us);
        for result in results {
            match result {
                Ok(receipt) => {
                    if let Some(acked) = &self.acked {
                        // The writer thread outlives the clients; a send fails only if it
                        // stopped on an I/O error, which `finish` reports.
                        let _ = acked.send((receipt.index, receipt.leaf_hash));
                    }
                    self.counters.acknowledged.fetch_add(1, Ordering::SeqCst);
                }
                Err(error) => {
                    self.counters.refused.fetch_add(1, Ordering::SeqCst);
                    tally.refused(&error, 1);
                }
            }
        }
    }
}

/// One line a second on standard error while the run lasts.
async fn progress(counters: Arc<Counters>, started: Instant) {
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.tick().await;
    let mut last = 0;
    loop {
        ticks.tick().await;
        let acknowledged = counters.acknowledged.load(Ordering::SeqCst);
        eprintln!(
            "load {:>4.0} s: {acknowledged} acknowledged, {} events/s, {} requests, {} refused, \
             {} transport errors",
            started.elapsed().as_secs_f64(),
            acknowledged - last,
            counters.requests.load(Ordering::SeqCst),
            counters.refused.load(Ordering::SeqCst),
            counters.transport_errors.load(Ordering::SeqCst),
        );
        last = acknowledged;
    }
}

#[allow(clippy::cast_precision_loss)]
fn per_second(count: u64, elapsed_s: f64) -> f64 {
    if elapsed_s > 0.0 {
        count as f64 / elapsed_s
    } else {
        0.0
    }
}

/// Percentiles by the nearest-rank method.
#[allow(clippy::cast_precision_loss)]
fn latency(latencies_us: &mut [u64]) -> Latency {
    if latencies_us.is_empty() {
        return Latency::default();
    }
    latencies_us.sort_unstable();
    let rank = |per_cent: usize| {
        let index = (latencies_us.len() * per_cent).div_ceil(100).max(1) - 1;
        latencies_us[index] as f64 / 1_000.0
    };
    Latency {
        p50_ms: rank(50),
        p90_ms: rank(90),
        p99_ms: rank(99),
        max_ms: rank(100),
    }
}

/// The `--acked` file: a thread writing and flushing one line per receipt, fed by a channel so
/// that clients never wait on the disk.
struct AckedWriter {
    path: PathBuf,
    sender: mpsc::Sender<(u64, String)>,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl AckedWriter {
    fn start(path: &Path) -> Result<Self, LoadError> {
        let mut file = std::fs::File::create(path).map_err(|error| LoadError::Acked {
            path: path.to_owned(),
            error,
        })?;
        let (sender, receiver) = mpsc::channel::<(u64, String)>();
        let thread = std::thread::spawn(move || {
            for (index, leaf_hash) in receiver {
                // One write per line, straight to the file: a crash of this process loses no
                // acknowledged line that was written.
                file.write_all(format!("{index} {leaf_hash}\n").as_bytes())?;
                file.flush()?;
            }
            Ok(())
        });
        Ok(Self {
            path: path.to_owned(),
            sender,
            thread,
        })
    }

    fn sender(&self) -> mpsc::Sender<(u64, String)> {
        self.sender.clone()
    }

    /// Waits for every line to be written; the clients' senders must be dropped first.
    fn finish(self) -> Result<(), LoadError> {
        drop(self.sender);
        let path = self.path;
        match self.thread.join() {
            Ok(result) => result.map_err(|error| LoadError::Acked { path, error }),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use ed25519_dalek::SigningKey;
    use fixtures::province::Province;
    use ledger_core::domain::value::{Date, LearnerCode, SchoolYear, Semester};
    use ledger_core::domain::{DomainConfig, Ledger, Position};

    use super::{Generator, LoadError};
    use crate::demo::{self, Roster, DEMO_ORIGIN};

    /// Noon (Vietnam time) on `date`, in Unix ms.
    fn noon_ms(date: &str) -> u64 {
        Date::parse(date).unwrap().start_us() / 1_000 + 12 * 3_600_000
    }

    fn keys(province: &Province) -> HashMap<String, SigningKey> {
        province.keys().into_iter().collect()
    }

    /// The domain state after the province's events claimed up to `until_ms`.
    fn replay(province: &Province, until_ms: u64) -> Ledger {
        let mut ledger = Ledger::new(DomainConfig {
            ministry_keys: province.ministry_keys(),
        });
        for (position, submission) in province.sequenced() {
            if position.sequenced_at_us / 1_000 > until_ms {
                break;
            }
            let event = ledger
                .authorise(&submission.verify().unwrap(), position)
                .unwrap();
            ledger.apply(event);
        }
        ledger
    }

    /// Appends `count` generated events to `ledger`, an hour after `until_ms`, one a second;
    /// every one must be authorised. Returns how many of each event type.
    fn append_generated(
        ledger: &mut Ledger,
        roster: &Roster,
        province: &Province,
        until_ms: u64,
        count: u64,
    ) -> HashMap<&'static str, u64> {
        let start_ms = until_ms + 3_600_000;
        let mut generator = Generator::new(roster, &keys(province), start_ms, 7, "test").unwrap();
        let mut types = HashMap::new();
        let first_index = ledger.last_position().unwrap().index + 1;
        for n in 0..count {
            let now_ms = start_ms + n * 1_000;
            let submission = generator.next(now_ms).verify().unwrap();
            let position = Position {
                index: first_index + n,
                sequenced_at_us: now_ms * 1_000,
            };
            let event = ledger
                .authorise(&submission, position)
                .unwrap_or_else(|error| {
                    panic!(
                        "generated event {n} refused: {error}: {:?}",
                        submission.submission().payload()
                    )
                });
            *types.entry(event.event_type()).or_default() += 1;
            ledger.apply(event);
        }
        types
    }

    #[test]
    fn generated_events_are_accepted_in_each_semester_after_the_demo() {
        // Seven learners per class: the transfer, the lost key and the GDTX visiting teacher are
        // all in the scenario.
        let province = demo::province(140);
        let first = noon_ms("2026-11-20");
        let second = noon_ms("2027-02-10");
        let mut ledger = replay(&province, first);

        let roster = demo::roster(&province, DEMO_ORIGIN, first);
        assert!(roster
            .teachers
            .iter()
            .flat_map(|teacher| &teacher.duties)
            .all(|duty| duty.semester == 1));
        let mut during_first = ledger.clone();
        let types = append_generated(&mut during_first, &roster, &province, first, 2_000);
        assert!(types["assessment.recorded"] > 1_500, "{types:?}");
        assert!(types["absence.recorded"] > 100, "{types:?}");

        // After the first semester's seal, the transfer, the revocation and the visiting
        // teacher's replacement: the second semester, with the keys that hold the duties now.
        for (position, submission) in province.sequenced() {
            let at_ms = position.sequenced_at_us / 1_000;
            if at_ms <= first {
                continue;
            }
            if at_ms > second {
                break;
            }
            let event = ledger
                .authorise(&submission.verify().unwrap(), position)
                .unwrap();
            ledger.apply(event);
        }
        let roster = demo::roster(&province, DEMO_ORIGIN, second);
        let duties: Vec<_> = roster.teachers.iter().flat_map(|t| &t.duties).collect();
        assert!(duties.iter().all(|duty| duty.semester == 2));
        let labels: Vec<&str> = roster.teachers.iter().map(|t| t.label.as_str()).collect();
        let school = &province.schools()[0].code;
        assert!(labels.contains(&format!("{school}/gv/toan/1/k2").as_str()));
        assert!(!labels.contains(&format!("{school}/gv/toan/1").as_str()));
        assert!(!labels.iter().any(|label| label.contains("gv-thinh-giang")));
        let transfer = province.transfer().expect("the demo has a transfer");
        let moved = province.learner_code(transfer.from, 0, transfer.k);
        for class in &roster.classes {
            let here =
                class.school == province.schools()[transfer.to].code && class.class == "10A1";
            assert_eq!(class.learners.contains(&moved), here, "{}", class.class);
        }
        let types = append_generated(&mut ledger, &roster, &province, second, 2_000);
        assert!(types["assessment.recorded"] > 1_500, "{types:?}");

        // Absence totals only grow, whichever learner the homeroom teacher picks.
        let year = SchoolYear::parse("2026-2027").unwrap();
        let learner = LearnerCode::parse(&roster.classes[0].learners[0]).unwrap();
        let semester = Semester::from_number(2).unwrap();
        if let Some((excused, unexcused)) = ledger.absences(&learner, year, semester) {
            assert!(excused + unexcused > 0);
        }
    }

    #[test]
    fn nothing_is_left_to_record_once_the_second_semester_is_sealed() {
        let province = demo::province(40);
        let until = noon_ms("2027-06-15");
        let roster = demo::roster(&province, DEMO_ORIGIN, until);
        assert!(roster.teachers.is_empty(), "{:?}", roster.teachers);
        let error = Generator::new(&roster, &keys(&province), until, 1, "test").unwrap_err();
        assert!(matches!(error, LoadError::NothingToRecord), "{error:?}");
    }

    #[test]
    fn duties_whose_grant_has_ended_are_left_out() {
        let province = demo::province(40);
        let until = noon_ms("2026-11-20");
        let roster = demo::roster(&province, DEMO_ORIGIN, until);
        assert!(!roster.teachers.is_empty());
        // Every teacher grant of the demo ends with the school year.
        let error = Generator::new(&roster, &keys(&province), noon_ms("2027-08-01"), 1, "test")
            .unwrap_err();
        assert!(matches!(error, LoadError::NothingToRecord), "{error:?}");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut latencies: Vec<u64> = (1..=100).rev().map(|ms| ms * 1_000).collect();
        let latency = super::latency(&mut latencies);
        assert_eq!(latency.p50_ms, 50.0);
        assert_eq!(latency.p90_ms, 90.0);
        assert_eq!(latency.p99_ms, 99.0);
        assert_eq!(latency.max_ms, 100.0);
        assert_eq!(super::latency(&mut []), super::Latency::default());
    }
}
