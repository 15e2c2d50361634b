//! Crash durability of the real binary: `hocba serve` is killed with SIGKILL at random moments
//! while concurrent clients append as fast as they can, then restarted, over and over.
//!
//! After every kill, read straight from the segment files:
//! - every acknowledged receipt is in the log at its index with the same leaf hash, and no index
//!   was acknowledged for two different submissions;
//! - the records are numbered 0, 1, 2, … and no submission is stored twice;
//! - what was in the log before this run of the node is still there, unchanged (a SIGKILL loses
//!   no page cache, so recovery may only cut a torn, unacknowledged tail);
//! - `hocba verify --data DIR` exits 0: framing and checksums, numbering, the hash chain, every
//!   signature, the Merkle tree against every signed checkpoint and the checkpoints' own
//!   signatures.
//!
//! After every restart, the chain continues where the durable log ends (the first new record gets
//! the index right after the last durable one), and a retry of a submission that was in flight at
//! the kill is either recognised as already stored (same index and leaf hash as in the log) or
//! stored once as a new record.
//!
//! The kill delays come from a xorshift generator; its seed is printed and can be replayed with
//! `HOCBA_CRASH_SEED=<seed>`; `HOCBA_CRASH_CYCLES=<n>` runs more (or fewer) cycles.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::SigningKey;
use ledger_api::client::Client;
use ledger_api::wire::Receipt;
use ledger_core::record::RecordView;
use ledger_core::tree;
use ledger_node::layout::Layout;

/// Kill-and-restart cycles under load.
const CYCLES: u64 = 24;
/// Concurrent appending clients.
const CLIENTS: usize = 16;
/// How long a single request may take before the test gives up on the node.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the node may take to start serving.
const START_TIMEOUT: Duration = Duration::from_secs(30);

const BINARY: &str = env!("CARGO_BIN_EXE_hocba");

/// A tiny xorshift64* generator: deterministic from its seed, no dependencies.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // Zero is the one state xorshift never leaves.
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `low..high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

fn seed() -> u64 {
    if let Ok(text) = std::env::var("HOCBA_CRASH_SEED") {
        return text.trim().parse().expect("HOCBA_CRASH_SEED is a u64");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    now.as_secs() ^ u64::from(now.subsec_nanos()).rotate_left(32)
}

/// A running `hocba serve`.
struct Server {
    child: Child,
    base: String,
    stderr_path: PathBuf,
}

impl Server {
    /// Starts `hocba serve` on a free loopback port and waits for the line naming its address.
    fn start(data: &Path, stderr_path: PathBuf) -> Self {
        let stderr = std::fs::File::create(&stderr_path).expect("server log file");
        let mut child = Command::new(BINARY)
            .arg("serve")
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn hocba serve");
        // Read stdout on a thread: the address line is sent back, and the rest is drained so the
        // node never writes into a closed pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(address) = line.strip_prefix("hocba node serving ") {
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(address.trim().to_owned());
                    }
                }
            }
        });
        let base = match receiver.recv_timeout(START_TIMEOUT) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().expect("wait for hocba serve");
                panic!(
                    "hocba serve did not start ({status}); its log:\n{}",
                    read_log(&stderr_path)
                );
            }
        };
        Self {
            child,
            base,
            stderr_path,
        }
    }

    /// SIGKILL. Panics if the node had already exited on its own.
    fn kill(mut self) {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            panic!(
                "hocba serve exited on its own before the kill ({status}); its log:\n{}",
                read_log(&self.stderr_path)
            );
        }
        self.child.kill().expect("SIGKILL hocba serve");
        let status = self.child.wait().expect("wait for hocba serve");
        assert_eq!(
            status.signal(),
            Some(9),
            "hocba serve should have died of SIGKILL, got {status}; its log:\n{}",
            read_log(&self.stderr_path)
        );
    }
}

impl Drop for Server {
    /// A failing assertion must not leave a node running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| format!("(unreadable: {error})"))
}

/// Everything acknowledged so far, and what the log held at the last kill.
#[derive(Default)]
struct Ledger {
    /// index → (idempotency id, leaf hash base64) of every acknowledged receipt.
    acknowledged: HashMap<u64, (String, String)>,
    /// Receipts received (including duplicates answering retries).
    receipts: u64,
    /// The leaf hashes of the log at the last kill.
    durable: Vec<String>,
}

impl Ledger {
    /// Records one receipt for the submission `id`; an index may never be acknowledged for two
    /// different submissions.
    fn acknowledge(&mut self, id: &str, receipt: &Receipt) {
        self.receipts += 1;
        let entry = self
            .acknowledged
            .entry(receipt.index)
            .or_insert_with(|| (id.to_owned(), receipt.leaf_hash.clone()));
        assert_eq!(
            (entry.0.as_str(), entry.1.as_str()),
            (id, receipt.leaf_hash.as_str()),
            "index {} acknowledged for two different submissions",
            receipt.index
        );
    }
}

/// What the segment files hold once the node is dead.
struct Scanned {
    leaf_hashes: Vec<String>,
    /// A torn tail at the end of the last segment (a batch cut short by the kill).
    torn_tail: bool,
}

/// Reads the segments and checks them against everything acknowledged and the previous scan.
fn check_log(data: &Path, ledger: &Ledger, signatures: bool, when: &str) -> Scanned {
    let mut leaf_hashes = Vec::new();
    let mut stored = HashSet::new();
    let end = ledger_node::scan::scan(&Layout::new(data).segments(), |index, record| {
        let view = RecordView::decode(record).expect("stored record decodes");
        assert_eq!(view.index(), index, "{when}: record numbering");
        let key = ledger_node::idempotency::key_of_record(record).expect("key of record");
        assert!(
            stored.insert(key),
            "{when}: the submission at index {index} is stored twice"
        );
        leaf_hashes.push(tree::leaf_hash(record).to_base64());
        Ok::<(), std::io::Error>(())
    })
    .expect("scan the segments");
    if let Some((path, offset, reason)) = &end.stopped_at {
        assert!(
            end.at_end,
            "{when}: damage inside the log at {}:{offset}: {reason}",
            path.display()
        );
    }
    assert_eq!(end.records, leaf_hashes.len() as u64);

    // Nothing durable before this run of the node may change or disappear.
    assert!(
        leaf_hashes.len() >= ledger.durable.len(),
        "{when}: the log shrank from {} to {} records",
        ledger.durable.len(),
        leaf_hashes.len()
    );
    for (index, (before, now)) in ledger.durable.iter().zip(&leaf_hashes).enumerate() {
        assert_eq!(
            before, now,
            "{when}: record {index} changed across a restart"
        );
    }
    // Every acknowledged record is there, at its index, with its leaf hash.
    for (index, (id, leaf_hash)) in &ledger.acknowledged {
        let found = usize::try_from(*index)
            .ok()
            .and_then(|index| leaf_hashes.get(index));
        assert_eq!(
            found,
            Some(leaf_hash),
            "{when}: acknowledged record {index} ({id}) is missing or different in the log of {} \
             records",
            leaf_hashes.len()
        );
    }
    verify(data, signatures, when);
    Scanned {
        leaf_hashes,
        torn_tail: end.stopped_at.is_some(),
    }
}

/// Runs `hocba verify`; `signatures: false` adds `--no-signatures`.
fn verify(data: &Path, signatures: bool, when: &str) {
    let mut command = Command::new(BINARY);
    command.arg("verify").arg("--data").arg(data);
    if !signatures {
        command.arg("--no-signatures");
    }
    let output = command
        .env("RUST_LOG", "warn")
        .output()
        .expect("run hocba verify");
    assert!(
        output.status.success(),
        "{when}: hocba verify failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn submit(client: &Client, author: &SigningKey, id: &str) -> Result<Receipt, String> {
    let signed = common::submission(author, id, "7.25");
    match tokio::time::timeout(REQUEST_TIMEOUT, client.submit(&signed)).await {
        Ok(Ok(receipt)) => Ok(receipt),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Err(format!("no answer within {REQUEST_TIMEOUT:?}")),
    }
}

/// What one appending client did.
struct ClientRun {
    acknowledged: Vec<(String, Receipt)>,
    /// The submission whose request failed because of the kill: it may or may not be stored.
    in_flight: Option<String>,
    /// A failure before the kill: a bug.
    error: Option<String>,
}

async fn append_until_killed(
    client: Client,
    author: Arc<SigningKey>,
    prefix: String,
    killed: Arc<AtomicBool>,
) -> ClientRun {
    let mut run = ClientRun {
        acknowledged: Vec::new(),
        in_flight: None,
        error: None,
    };
    for n in 0.. {
        let id = format!("{prefix}-{n}");
        match submit(&client, &author, &id).await {
            Ok(receipt) => run.acknowledged.push((id, receipt)),
            Err(error) => {
                if killed.load(Ordering::Acquire) {
                    run.in_flight = Some(id);
                } else {
                    run.error = Some(format!("{id}: {error}"));
                }
                break;
            }
        }
    }
    run
}

/// After a restart: the next record continues the chain right after the durable log, and retries
/// of the submissions in flight at the kill are answered consistently with the log. Returns how
/// many retries were found already stored and how many were stored anew.
async fn after_restart(
    server: &Server,
    authors: &[Arc<SigningKey>],
    ledger: &mut Ledger,
    probe: &str,
    in_flight: &[(usize, String)],
) -> (u64, u64) {
    let client = Client::new(&server.base).expect("client");
    let durable = ledger.durable.len() as u64;
    let receipt = submit(&client, &authors[0], probe)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "{probe}: first append after restart: {error}; the node's log:\n{}",
                read_log(&server.stderr_path)
            )
        });
    assert_eq!(
        (receipt.index, receipt.duplicate),
        (durable, false),
        "{probe}: the first append after a restart must follow the last durable record"
    );
    ledger.acknowledge(probe, &receipt);
    // The retries go concurrently, as clients reconnecting after an outage would.
    let retries: Vec<_> = in_flight
        .iter()
        .map(|(author, id)| {
            let client = client.clone();
            let author = Arc::clone(&authors[*author]);
            let id = id.clone();
            tokio::spawn(async move {
                let receipt = submit(&client, &author, &id)
                    .await
                    .unwrap_or_else(|error| panic!("{id}: retry after restart: {error}"));
                (id, receipt)
            })
        })
        .collect();
    let (mut found, mut stored) = (0, 0);
    for retry in retries {
        let (id, receipt) = retry.await.expect("retry task");
        if receipt.duplicate {
            // It reached the log before the kill: the retry must name that very record.
            let index = usize::try_from(receipt.index).expect("index");
            assert_eq!(
                ledger.durable.get(index),
                Some(&receipt.leaf_hash),
                "{id}: the retry's receipt (index {index}) does not match the log at the kill"
            );
            found += 1;
        } else {
            assert!(
                receipt.index > durable,
                "{id}: stored anew at {}, inside the durable log",
                receipt.index
            );
            stored += 1;
        }
        ledger.acknowledge(&id, &receipt);
    }
    (found, stored)
}

fn cycles() -> u64 {
    std::env::var("HOCBA_CRASH_CYCLES").map_or(CYCLES, |text| {
        text.trim().parse().expect("HOCBA_CRASH_CYCLES is a number")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_records_survive_sigkill_at_random_moments() {
    let started = Instant::now();
    let seed = seed();
    let cycles = cycles();
    println!("crash_kill: seed {seed} (replay with HOCBA_CRASH_SEED={seed})");
    let mut random = XorShift::new(seed);

    let directory = tempfile::tempdir().expect("tempdir");
    let data = directory.path().join("node");
    let logs = directory.path().join("logs");
    std::fs::create_dir_all(&logs).expect("mkdir logs");
    let init = Command::new(BINARY)
        .arg("init")
        .arg("--data")
        .arg(&data)
        .args(["--origin", "crash.hocba.example/log"])
        .output()
        .expect("run hocba init");
    assert!(
        init.status.success(),
        "hocba init: {}",
        String::from_utf8_lossy(&init.stderr)
    );

    let authors: Vec<Arc<SigningKey>> = (0..CLIENTS)
        .map(|client| Arc::new(common::key(&format!("crash-client-{client}"))))
        .collect();
    let mut ledger = Ledger::default();
    let mut in_flight: Vec<(usize, String)> = Vec::new();
    let mut stats = Stats::default();

    for cycle in 0..=cycles {
        // Sometimes kill the node while it is still starting (recovering, catching its indexes
        // up, signing its first checkpoint), before it has answered anything.
        if cycle > 0 && random.between(0, 4) == 0 {
            let server = Server::start(&data, logs.join(format!("early-{cycle}.log")));
            std::thread::sleep(Duration::from_millis(random.between(0, 30)));
            server.kill();
            stats.early_kills += 1;
            let when = format!("kill during start-up before cycle {cycle}");
            ledger.durable = check_log(&data, &ledger, true, &when).leaf_hashes;
        }

        let server = Server::start(&data, logs.join(format!("serve-{cycle}.log")));
        let probe = format!("probe-{cycle}");
        let (found, stored) =
            after_restart(&server, &authors, &mut ledger, &probe, &in_flight).await;
        in_flight.clear();
        stats.retries_found += found;
        stats.retries_stored += stored;
        if cycle == cycles {
            // The last run only restarts, continues the chain and answers the retries.
            server.kill();
            ledger.durable = check_log(&data, &ledger, true, "final").leaf_hashes;
            break;
        }

        let killed = Arc::new(AtomicBool::new(false));
        let client = Client::new(&server.base).expect("client");
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|number| {
                tokio::spawn(append_until_killed(
                    client.clone(),
                    Arc::clone(&authors[number]),
                    format!("c{cycle}-t{number}"),
                    Arc::clone(&killed),
                ))
            })
            .collect();
        // A third of the kills come almost at once, the rest anywhere in the first second or so
        // (the node signs a checkpoint as it starts, then every second).
        let delay = if random.between(0, 3) == 0 {
            random.between(0, 60)
        } else {
            random.between(60, 1_200)
        };
        tokio::time::sleep(Duration::from_millis(delay)).await;
        killed.store(true, Ordering::Release);
        server.kill();
        for (number, task) in tasks.into_iter().enumerate() {
            let run = task.await.expect("client task");
            if let Some(error) = run.error {
                panic!("cycle {cycle}: a request failed before the kill: {error}");
            }
            for (id, receipt) in &run.acknowledged {
                assert!(
                    !receipt.duplicate,
                    "{id}: a fresh submission answered as a retry"
                );
                ledger.acknowledge(id, receipt);
            }
            if let Some(id) = run.in_flight {
                in_flight.push((number, id));
            }
        }
        let when = format!("after kill {cycle} ({delay} ms into the load)");
        let scanned = check_log(&data, &ledger, true, &when);
        stats.torn_tails += u64::from(scanned.torn_tail);
        ledger.durable = scanned.leaf_hashes;
    }

    // Every submission was either acknowledged or, in flight at a kill, retried until it was:
    // so every record in the log is one somebody holds a receipt for.
    assert_eq!(
        ledger.acknowledged.len(),
        ledger.durable.len(),
        "records in the log that no receipt accounts for"
    );
    println!(
        "crash_kill: {cycles} cycles (+{} kills during start-up): {} acknowledged ({} receipts), \
         {} records in the log, {} torn tails; in-flight retries {} found stored, {} stored anew; \
         verify ok; {:.1} s",
        stats.early_kills,
        ledger.acknowledged.len(),
        ledger.receipts,
        ledger.durable.len(),
        stats.torn_tails,
        stats.retries_found,
        stats.retries_stored,
        started.elapsed().as_secs_f64()
    );
}

#[derive(Default)]
struct Stats {
    early_kills: u64,
    torn_tails: u64,
    retries_found: u64,
    retries_stored: u64,
}
