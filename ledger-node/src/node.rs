//! A running node: the log, the sequencer, the checkpointer, and the [`LedgerService`] the HTTP
//! router serves, with the node's metrics ([`crate::metrics`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use ledger_api::service::BoxFuture;
use ledger_api::service::ReadQuery;
use ledger_api::wire::{ConsistencyProof, Health, Receipt, RecordWithProof, ReflectedRaw};
use ledger_api::{ApiError, LedgerService};
use ledger_core::checkpoint::{Checkpoint, Origin};
use ledger_core::key::PublicKey;
use ledger_core::note::{Note, NoteSigner, NoteVerifier};
use ledger_core::proof::TlogProof;
use ledger_core::record::{SignedSubmission, VerifiedSubmission};
use ledger_core::tile::{TilePath, TILE_HEIGHT, TILE_WIDTH};
use ledger_core::tree::Hash;
use tokio::sync::watch;

use crate::config::{self, NodeConfig};
use crate::history::History;
use crate::idempotency::IdempotencyIndex;
use crate::judge::SharedProjections;
use crate::layout::Layout;
use crate::log::{Log, LogWriter, Recovery};
use crate::metrics::{Gauges, Histogram, NodeMetrics, Unit, GROUP_COMMIT_RECORDS_BOUNDS};
use crate::reads::Reads;
use crate::sequencer::{self, Queued, Sequencer, SequencerHandle};

/// Checks a submission's signature (and canonical form), as the HTTP problem when it fails.
fn verified(submission: SignedSubmission) -> Result<VerifiedSubmission, ApiError> {
    submission
        .verify()
        .map_err(|error| ApiError::from_record_error(&error))
}

/// Checks the signature of each submission, in order. A large batch is split over the cores:
/// a loader or a vendor sending one batch at a time (the order the domain needs) would
/// otherwise keep one core checking signatures while the others wait.
fn verify_all(
    submissions: Vec<Result<SignedSubmission, ApiError>>,
) -> Vec<Result<VerifiedSubmission, ApiError>> {
    /// Below this many submissions a thread costs more than it saves.
    const PER_THREAD_MIN: usize = 64;
    crate::parallel::map_in_order(
        submissions,
        PER_THREAD_MIN,
        |submission| submission.and_then(verified),
        || Err(ApiError::internal("a signature check failed unexpectedly")),
    )
}

/// Submissions of a batch checked together before they are queued; the next part is checked
/// while the sequencer writes this one. Large enough to keep every core busy for milliseconds.
const BATCH_PART: usize = 512;

/// How often a new checkpoint is signed when the log has grown.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// Errors opening a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// Configuration problems.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The log could not be opened or is damaged.
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
    /// The checkpoint history is invalid.
    #[error("checkpoint history: {0}")]
    History(String),
    /// The domain state could not be rebuilt from the log.
    #[error("domain replay: {0}")]
    Replay(String),
}

/// The newest checkpoint: its note and what it commits to.
#[derive(Clone, Debug)]
pub struct Published {
    /// The signed note.
    pub note: Arc<Vec<u8>>,
    /// Its tree size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
}

/// How long a caller waits for a checkpoint covering a size before `503 checkpoint-pending`.
pub const CHECKPOINT_WAIT_MAX: Duration = Duration::from_secs(5);

/// Waits for published checkpoints: what reads (and identity writes) use to answer only what a
/// signed checkpoint covers. Asking wakes the checkpointer, so the wait is one group commit
/// and one signature, not a checkpoint interval.
#[derive(Clone)]
pub struct CheckpointWaiter {
    published: Arc<RwLock<Option<Published>>>,
    /// The size of each checkpoint as it is published.
    sizes: watch::Receiver<u64>,
    /// The largest size anyone waits for; the checkpointer signs as soon as the log reaches
    /// past the published checkpoint, rather than at its next tick.
    wanted: Arc<AtomicU64>,
}

impl CheckpointWaiter {
    /// The newest published checkpoint.
    #[must_use]
    pub fn published(&self) -> Option<Published> {
        self.published.read().expect("published lock").clone()
    }

    /// The newest checkpoint once one covers `size` records.
    ///
    /// # Errors
    /// `503 checkpoint-pending` when none does within [`CHECKPOINT_WAIT_MAX`].
    pub async fn covering(&self, size: u64) -> Result<Published, ApiError> {
        if let Some(published) = self.published().filter(|published| published.size >= size) {
            return Ok(published);
        }
        self.wanted.fetch_max(size, Ordering::AcqRel);
        let mut sizes = self.sizes.clone();
        let signed = tokio::time::timeout(CHECKPOINT_WAIT_MAX, async {
            sizes.wait_for(|&signed| signed >= size).await.is_ok()
        })
        .await
        .unwrap_or(false);
        match self.published() {
            Some(published) if signed && published.size >= size => Ok(published),
            _ => Err(ApiError::unavailable(
                "checkpoint-pending",
                format!(
                    "no signed checkpoint covers the first {size} records yet; retry in a second"
                ),
            )),
        }
    }
}

/// Checkpoints with their signed notes, oldest first.
pub type SignedCheckpoints = Vec<(Checkpoint, Vec<u8>)>;

/// Reads and checks the checkpoint history of a node for writing: a torn final frame is cut.
/// Every note must carry the log's valid signature and the sizes must not decrease.
///
/// # Errors
/// A description of the first bad checkpoint.
pub fn open_history(
    layout: &Layout,
    verifier: &NoteVerifier,
) -> Result<(History, SignedCheckpoints), NodeError> {
    let (history, notes) = History::open(&layout.checkpoints())
        .map_err(|error| NodeError::History(error.to_string()))?;
    Ok((history, check_history(notes, verifier)?))
}

/// Reads and checks the checkpoint history without changing it (for tools running beside a
/// node).
///
/// # Errors
/// A description of the first bad checkpoint.
pub fn open_history_read_only(
    layout: &Layout,
    verifier: &NoteVerifier,
) -> Result<SignedCheckpoints, NodeError> {
    let bytes = match std::fs::read(layout.checkpoints()) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(NodeError::History(error.to_string())),
    };
    check_history(crate::history::read_all(&bytes).0, verifier)
}

fn check_history(
    notes: Vec<Vec<u8>>,
    verifier: &NoteVerifier,
) -> Result<SignedCheckpoints, NodeError> {
    // Only the newest signature is checked here, so a restart does not grow with the number of
    // checkpoints ever signed; `hocba verify` checks every one. The sizes must never decrease.
    let count = notes.len();
    let mut checkpoints: Vec<(Checkpoint, Vec<u8>)> = Vec::with_capacity(count);
    for (position, note) in notes.into_iter().enumerate() {
        let checkpoint = if position + 1 == count {
            Checkpoint::open(&note, verifier).map_err(|error| {
                NodeError::History(format!("checkpoint #{position} does not verify: {error}"))
            })?
        } else {
            Note::parse(&note)
                .map_err(|error| error.to_string())
                .and_then(|parsed| {
                    Checkpoint::parse(parsed.text()).map_err(|error| error.to_string())
                })
                .map_err(|error| {
                    NodeError::History(format!("checkpoint #{position} is malformed: {error}"))
                })?
        };
        if let Some((previous, _)) = checkpoints.last() {
            if checkpoint.size < previous.size {
                return Err(NodeError::History(format!(
                    "checkpoint #{position} shrinks the tree from {} to {}",
                    previous.size, checkpoint.size
                )));
            }
        }
        checkpoints.push((checkpoint, note));
    }
    Ok(checkpoints)
}

/// Removes the sled database in which earlier versions kept the idempotency index: the index
/// is derived, and its file replaces it.
fn remove_retired_sled(layout: &Layout) {
    let retired = layout.retired_sled();
    if retired.exists() {
        match std::fs::remove_dir_all(&retired) {
            Ok(()) => tracing::info!(path = %retired.display(), "removed the retired sled index"),
            Err(error) => tracing::warn!(%error, "cannot remove the retired sled index"),
        }
    }
}

/// Rebuilds the policy's state by judging every record of the log again, in order.
///
/// The records up to the newest signed checkpoint (`proven`, whose signature `open_history`
/// verified) are not signature-checked again: their leaf hashes must rebuild the checkpoint's
/// root instead (`ledger_core::replay`), and the state is returned only when they do. Records
/// after it are verified as on append. A second thread reads, parses and checks the records
/// while this one judges them, in order.
fn replay_judge(
    policy: &config::Policy,
    log: &Log,
    segments: &std::path::Path,
    proven: Option<(u64, ledger_core::tree::Hash)>,
) -> Result<(Box<dyn crate::judge::Judge>, Option<SharedProjections>), NodeError> {
    let (mut judge, projections) = crate::judge::judge_for(policy).map_err(NodeError::Replay)?;
    if *policy == config::Policy::Open {
        return Ok((judge, projections));
    }
    let size = log.head().size;
    if let Some(projections) = &projections {
        projections.write().expect("projections lock").reserve(size);
    }
    std::thread::scope(|scope| {
        let (records, taken) = std::sync::mpsc::sync_channel(REPLAY_QUEUE);
        // The judged submissions go back to the reader, which allocated them, to be freed
        // there: freeing is local and cheap on the allocating thread, and the judge is the
        // busier of the two.
        let (spent, returned) = std::sync::mpsc::channel::<Vec<VerifiedSubmission>>();
        // A send fails only once the judge has stopped on an error of its own.
        scope.spawn(move || {
            read_for_replay(segments, size, proven, |items| {
                returned.try_iter().for_each(drop);
                records.send(items).is_ok()
            });
        });
        for batch in taken {
            let mut judged = Vec::with_capacity(batch.len());
            for item in batch {
                let (parsed, position) = item?;
                judged.push(judge.admit_parsed(parsed, position).map_err(|error| {
                    NodeError::Replay(format!(
                        "record {} breaks the domain rules ({}): {}",
                        position.index, error.code, error.detail
                    ))
                })?);
            }
            // Once the reader is done, the judge frees the last few itself.
            let _ = spent.send(judged);
        }
        Ok::<(), NodeError>(())
    })?;
    if size > 0 {
        tracing::info!(
            records = size,
            proven_by_checkpoint = proven.map_or(0, |(checkpointed, _)| checkpointed),
            "domain state rebuilt from the log"
        );
    }
    Ok((judge, projections))
}

/// Batches of records read ahead of the judge during a replay.
const REPLAY_QUEUE: usize = 16;
/// Records sent to the judge at a time (one channel message each, not one per record).
const REPLAY_BATCH: usize = 256;

type ReplayItem = Result<
    (
        ledger_core::domain::ParsedSubmission,
        crate::judge::Position,
    ),
    NodeError,
>;

/// Why the reading side of a replay stopped before the end of the segments.
enum ReplayStop {
    /// All `size` records were read.
    Done,
    /// A record failed; its error was queued.
    Failed,
    /// The judge stopped (on an error of its own).
    JudgeGone,
    Io(std::io::Error),
}

impl From<std::io::Error> for ReplayStop {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

/// Sends the log's records `0..size` in order, in batches, ready to judge, until `send` says
/// stop: those under the checkpoint `proven` checked against its root (after them, the root
/// check's error if it fails), the rest verified with their signatures. The segment files are
/// read sequentially (`scan`), not record by record.
fn read_for_replay(
    segments: &std::path::Path,
    size: u64,
    proven: Option<(u64, ledger_core::tree::Hash)>,
    mut send: impl FnMut(Vec<ReplayItem>) -> bool,
) {
    let mut replay = proven.map(|(checkpointed, root)| {
        ledger_core::replay::CheckpointedReplay::new(checkpointed.min(size), root)
    });
    let read =
        |index: u64, bytes: &[u8], replay: &mut Option<ledger_core::replay::CheckpointedReplay>| {
            let (sequenced_at_us, submission) = match replay {
                Some(replay) if index < replay.size() => {
                    let (view, submission) = replay
                        .next(bytes)
                        .map_err(|error| NodeError::Replay(error.to_string()))?;
                    (view.sequenced_at_us(), submission)
                }
                _ => {
                    let record = ledger_core::record::verify_record(bytes)
                        .map_err(|error| NodeError::Replay(format!("record {index}: {error}")))?;
                    (record.view().sequenced_at_us(), record.into_submission())
                }
            };
            // The event is parsed here too, so the judging thread only judges.
            Ok((
                ledger_core::domain::ParsedSubmission::parse(submission),
                crate::judge::Position {
                    index,
                    sequenced_at_us,
                },
            ))
        };
    let mut batch = Vec::with_capacity(REPLAY_BATCH);
    let scanned = crate::scan::scan(segments, |index, bytes| {
        if index >= size {
            return Err(ReplayStop::Done);
        }
        let item = read(index, bytes, &mut replay);
        let failed = item.is_err();
        batch.push(item);
        if failed {
            return Err(ReplayStop::Failed);
        }
        if batch.len() == REPLAY_BATCH
            && !send(std::mem::replace(
                &mut batch,
                Vec::with_capacity(REPLAY_BATCH),
            ))
        {
            return Err(ReplayStop::JudgeGone);
        }
        Ok(())
    });
    let complete = match scanned {
        Ok(end) if end.records == size => true,
        Err(ReplayStop::Done) => true,
        Ok(end) => {
            batch.push(Err(NodeError::Replay(format!(
                "the segments hold {} complete records, the log {size}",
                end.records
            ))));
            false
        }
        Err(ReplayStop::Io(error)) => {
            batch.push(Err(NodeError::Replay(format!(
                "read the segments: {error}"
            ))));
            false
        }
        Err(ReplayStop::Failed | ReplayStop::JudgeGone) => false,
    };
    if complete {
        if let Some(Err(error)) = replay.map(ledger_core::replay::CheckpointedReplay::finish) {
            batch.push(Err(NodeError::Replay(error.to_string())));
        }
    }
    if !batch.is_empty() {
        send(batch);
    }
}

/// An open node.
pub struct Node {
    log: Arc<Log>,
    sequencer: Option<Sequencer>,
    published: Arc<RwLock<Option<Published>>>,
    /// For reads and identity writes that wait for a checkpoint covering their data.
    waiter: CheckpointWaiter,
    clock: sequencer::Clock,
    stop: Arc<AtomicBool>,
    checkpointer: Option<std::thread::JoinHandle<()>>,
    projections: Option<SharedProjections>,
    config: NodeConfig,
    recovery: Recovery,
    metrics: Arc<NodeMetrics>,
    /// Where the segment files are, for the log's size in bytes.
    segments_directory: PathBuf,
}

impl Node {
    /// Opens the node in `layout`: recovers the log, catches the indexes up, starts the
    /// sequencer and the checkpointer (when the node has a signing key).
    ///
    /// # Errors
    /// See [`NodeError`].
    pub fn open(layout: &Layout) -> Result<Self, NodeError> {
        Self::open_with_clock(layout, sequencer::system_clock())
    }

    /// Opens the node with the sequencer reading `clock` instead of the machine's clock (for
    /// tests and simulations that replay a school year at its own dates).
    ///
    /// # Errors
    /// See [`NodeError`].
    pub fn open_with_clock(layout: &Layout, clock: sequencer::Clock) -> Result<Self, NodeError> {
        let config = config::load(layout)?;
        let verifier = config.verifier()?;
        let signer = config::load_signer(layout, &config)?;
        let (history, checkpoints) = open_history(layout, &verifier)?;
        let newest = checkpoints.last().map(|(checkpoint, note)| Published {
            note: Arc::new(note.clone()),
            size: checkpoint.size,
            root: checkpoint.root,
        });
        // The newest signed checkpoint: the log must hold it, and it proves the records the
        // domain replays under it.
        let proven = newest
            .as_ref()
            .map(|published| (published.size, published.root));
        let (log, writer, recovery) = Log::open(layout, proven)?;
        tracing::info!(
            size = log.head().size,
            replayed = recovery.replayed,
            truncated_bytes = recovery.truncated_bytes,
            "log open"
        );
        let (sizes_sender, sizes) =
            watch::channel(newest.as_ref().map_or(0, |published| published.size));
        let published = Arc::new(RwLock::new(newest));
        let stop = Arc::new(AtomicBool::new(false));
        let waiter = CheckpointWaiter {
            published: Arc::clone(&published),
            sizes,
            wanted: Arc::new(AtomicU64::new(0)),
        };
        let metrics = Arc::new(NodeMetrics::new());
        let mut projections = None;
        let (sequencer, checkpointer) = match signer {
            Some(signer) => {
                remove_retired_sled(layout);
                // The idempotency index opens on its own thread while the log replays: the
                // sequencer needs both, and the replay leaves part of a core idle.
                let opening = {
                    let (path, log) = (layout.idempotency(), Arc::clone(&log));
                    std::thread::Builder::new()
                        .name("idempotency".into())
                        .spawn(move || IdempotencyIndex::open(&path, &log))
                        .expect("spawn the idempotency index thread")
                };
                let replayed = replay_judge(&config.policy, &log, &layout.segments(), proven);
                let (judge, judged) = match replayed {
                    Ok(replayed) => replayed,
                    Err(error) => {
                        // Leave no thread behind with the index file open.
                        let _ = opening.join();
                        return Err(error);
                    }
                };
                let open_index: sequencer::IndexOpener = Box::new(move |_| {
                    opening
                        .join()
                        .unwrap_or_else(|_| Err("the idempotency index thread panicked".into()))
                });
                projections = judged;
                let sequencer = sequencer::start(writer, open_index, judge, Arc::clone(&clock));
                let checkpointer = start_checkpointer(
                    Arc::clone(&log),
                    signer,
                    history,
                    Publication {
                        published: Arc::clone(&published),
                        sizes: sizes_sender,
                        wanted: Arc::clone(&waiter.wanted),
                        metrics: Arc::clone(&metrics),
                    },
                    Arc::clone(&stop),
                );
                (Some(sequencer), Some(checkpointer))
            }
            None => (None, None),
        };
        Ok(Self {
            log,
            sequencer,
            published,
            waiter,
            clock,
            stop,
            checkpointer,
            projections,
            config,
            recovery,
            metrics,
            segments_directory: layout.segments(),
        })
    }

    /// The domain projections, for a node with the học bạ policy and a signing key. They reflect
    /// every durable record admitted so far (`as_of_size`).
    #[must_use]
    pub fn projections(&self) -> Option<SharedProjections> {
        self.projections.clone()
    }

    /// The node's configuration.
    #[must_use]
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// Whether the node takes appends: a node without a signing key always is; a writing node
    /// once its sequencer has opened the idempotency index (and until it stops on an error).
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.sequencer
            .as_ref()
            .is_none_or(|sequencer| sequencer.handle().is_ready())
    }

    /// What recovery did on open.
    #[must_use]
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// The log.
    #[must_use]
    pub fn log(&self) -> &Arc<Log> {
        &self.log
    }

    /// Waits for checkpoints of this node.
    #[must_use]
    pub fn checkpoint_waiter(&self) -> CheckpointWaiter {
        self.waiter.clone()
    }

    /// The newest published checkpoint.
    #[must_use]
    pub fn published(&self) -> Option<Published> {
        self.published.read().expect("published lock").clone()
    }

    /// The service the HTTP router serves.
    #[must_use]
    pub fn service(&self) -> Arc<dyn LedgerService> {
        Arc::new(NodeService {
            log: Arc::clone(&self.log),
            sequencer: self
                .sequencer
                .as_ref()
                .map(|sequencer| sequencer.handle().clone()),
            published: Arc::clone(&self.published),
            metrics: Arc::clone(&self.metrics),
            segments_directory: self.segments_directory.clone(),
            reads: self.projections.as_ref().map(|projections| {
                Arc::new(Reads {
                    log: Arc::clone(&self.log),
                    projections: Arc::clone(projections),
                    checkpoints: self.checkpoint_waiter(),
                    clock: Arc::clone(&self.clock),
                    transcripts: crate::reads::TranscriptCache::default(),
                })
            }),
        })
    }
}

impl Node {
    /// Stops appending and signing and waits for both threads: afterwards the node's files are
    /// closed (another process may open the directory) and its services answer
    /// `503 log-unavailable` to appends.
    pub fn close(&mut self) {
        if let Some(sequencer) = &mut self.sequencer {
            sequencer.stop();
        }
        self.stop.store(true, Ordering::Release);
        if let Some(checkpointer) = self.checkpointer.take() {
            let _ = checkpointer.join();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.close();
    }
}

/// Where the checkpointer publishes, and how readers ask it for a checkpoint.
struct Publication {
    published: Arc<RwLock<Option<Published>>>,
    sizes: watch::Sender<u64>,
    /// The largest tree size a waiting reader needs a checkpoint for.
    wanted: Arc<AtomicU64>,
    /// Told of each publication, for the checkpoint's age.
    metrics: Arc<NodeMetrics>,
}

/// The shortest gap between two checkpoints signed because a reader asked: bounds the fsyncs
/// of the history under heavy reading and writing.
const CHECKPOINT_ON_DEMAND_GAP: Duration = Duration::from_millis(50);

fn start_checkpointer(
    log: Arc<Log>,
    signer: NoteSigner,
    mut history: History,
    publication: Publication,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("checkpointer".to_owned())
        .spawn(move || {
            while !stop.load(Ordering::Acquire) {
                match sign_if_grown(&log, &signer, &mut history, &publication.published) {
                    Ok(Some(size)) => {
                        publication.metrics.checkpoint_published();
                        publication.sizes.send_replace(size);
                    }
                    Ok(None) => {}
                    Err(error) => {
                        // Without a durable history the node could later sign an inconsistent
                        // checkpoint; stop signing and let the operator restart.
                        tracing::error!(%error, "checkpoint signing failed; no further checkpoints");
                        return;
                    }
                }
                // Sleep in short steps so that closing the node and readers' requests are
                // served promptly.
                let started = std::time::Instant::now();
                while started.elapsed() < CHECKPOINT_INTERVAL && !stop.load(Ordering::Acquire) {
                    // A reader waits for a size beyond the published checkpoint, and the log
                    // has grown (its batch may still be on its way to disk: keep polling).
                    let published = *publication.sizes.borrow();
                    if started.elapsed() >= CHECKPOINT_ON_DEMAND_GAP
                        && publication.wanted.load(Ordering::Acquire) > published
                        && log.head().size > published
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        })
        .expect("spawn the checkpointer thread")
}

/// Signs and publishes a checkpoint for the current head if it is newer than the published one;
/// returns its size.
fn sign_if_grown(
    log: &Log,
    signer: &NoteSigner,
    history: &mut History,
    published: &RwLock<Option<Published>>,
) -> Result<Option<u64>, String> {
    let head = log.head();
    let current = published.read().expect("published lock").clone();
    if current
        .as_ref()
        .is_some_and(|published| published.size >= head.size)
    {
        return Ok(None);
    }
    // The stored hashes and offsets under this checkpoint must survive a crash, because recovery
    // trusts them up to the newest checkpoint.
    LogWriter::sync_derived(log).map_err(|error| format!("sync derived files: {error}"))?;
    let origin = Origin::new(signer.name().as_str())
        .map_err(|error| format!("build checkpoint: {error}"))?;
    let note = Checkpoint::new(origin, head.size, head.root)
        .sign(signer)
        .map_err(|error| format!("sign checkpoint: {error}"))?
        .into_bytes();
    history
        .append(&note)
        .map_err(|error| format!("append to the checkpoint history: {error}"))?;
    // Durable in the history: now it may be shown to the world.
    *published.write().expect("published lock") = Some(Published {
        note: Arc::new(note),
        size: head.size,
        root: head.root,
    });
    Ok(Some(head.size))
}

struct NodeService {
    log: Arc<Log>,
    sequencer: Option<SequencerHandle>,
    published: Arc<RwLock<Option<Published>>>,
    /// The projection reads, on a node that keeps the học bạ projections.
    reads: Option<Arc<Reads>>,
    metrics: Arc<NodeMetrics>,
    segments_directory: PathBuf,
}

impl NodeService {
    fn checkpoint_size(&self) -> u64 {
        self.published
            .read()
            .expect("published lock")
            .as_ref()
            .map_or(0, |published| published.size)
    }

    async fn submit_unobserved(&self, submission: SignedSubmission) -> Result<Receipt, ApiError> {
        let Some(sequencer) = &self.sequencer else {
            return Err(read_only());
        };
        sequencer.submit(verified(submission)?).await
    }

    async fn submit_batch_unobserved(
        &self,
        submissions: Vec<Result<SignedSubmission, ApiError>>,
    ) -> Vec<Result<Receipt, ApiError>> {
        let Some(sequencer) = &self.sequencer else {
            return submissions.iter().map(|_| Err(read_only())).collect();
        };
        // Room for the whole batch first, so it is refused whole or queued whole. Then the
        // signatures are checked off the async workers, a part at a time on every core, and
        // each part's verified submissions are queued in order while the next part is
        // checked: the sequencer writes part n as part n + 1 is verified, instead of the
        // cores waiting for the sequencer and the sequencer for the cores.
        let count = submissions.len();
        let mut room = match sequencer.reserve(count) {
            Ok(room) => room,
            Err(refusal) => return (0..count).map(|_| Err(refusal.clone())).collect(),
        };
        let mut answers: Vec<Result<Queued, ApiError>> = Vec::with_capacity(count);
        let mut rest = submissions.into_iter();
        while rest.len() > 0 {
            let part: Vec<_> = rest.by_ref().take(BATCH_PART).collect();
            let part_len = part.len();
            match tokio::task::spawn_blocking(move || verify_all(part)).await {
                Ok(checked) => answers.extend(
                    checked
                        .into_iter()
                        .map(|submission| submission.map(|verified| room.send(verified))),
                ),
                Err(error) => {
                    let failed =
                        ApiError::internal(format!("signature checks of a batch failed: {error}"));
                    answers.extend((0..part_len).map(|_| Err(failed.clone())));
                }
            }
        }
        drop(room);
        let mut receipts = Vec::with_capacity(count);
        for answer in answers {
            receipts.push(match answer {
                Ok(queued) => queued.answer().await,
                Err(refusal) => Err(refusal),
            });
        }
        receipts
    }

    /// The gauges, read now.
    fn gauges(&self) -> Gauges {
        let log_size_records = self.log.head().size;
        let projection_lag_records = self.reads.as_ref().map_or(0, |reads| {
            let as_of_size = reads
                .projections
                .read()
                .expect("projections lock")
                .as_of_size();
            // The projections follow the sequencer, which admits an event a moment before its
            // batch is durable, so they may be ahead of the head: that is no lag.
            log_size_records.saturating_sub(as_of_size)
        });
        Gauges {
            log_size_records,
            log_size_bytes: segment_bytes(&self.segments_directory),
            checkpoint_size_records: self.checkpoint_size(),
            projection_lag_records,
            sequencer_queue_depth: self
                .sequencer
                .as_ref()
                .map(|sequencer| sequencer.queue_depth() as u64),
        }
    }
}

/// The total size of the segment files: one directory listing and one `stat` per segment
/// (segments are hundreds of megabytes, so there are few). `None` when they cannot be listed.
fn segment_bytes(directory: &std::path::Path) -> Option<u64> {
    let segments = crate::scan::segment_files(directory).ok()?;
    segments.iter().try_fold(0u64, |total, (_, path)| {
        Some(total + std::fs::metadata(path).ok()?.len())
    })
}

/// Reads a hash tile or an entry bundle of a tree of `size` from the log.
///
/// # Errors
/// `404 not-found` beyond `size`; `500` for read failures.
pub fn read_tile(log: &Log, path: &TilePath, size: u64) -> Result<Vec<u8>, ApiError> {
    let missing =
        || ApiError::not_found(format!("{} is beyond the tree of size {size}", path.path()));
    match path {
        TilePath::Hash(tile) => {
            let level = tile.level() * TILE_HEIGHT;
            let first = tile.index() * TILE_WIDTH;
            let width = u64::from(tile.width());
            // The hashes at this level that a tree of `size` holds.
            let available = size >> level;
            let full = width == TILE_WIDTH;
            if first + width > available || (!full && first + width != available) {
                return Err(missing());
            }
            log.tree()
                .read_run(level, first, width)
                .map_err(|error| ApiError::internal(format!("read tile: {error}")))
        }
        TilePath::Entries(bundle) => {
            let first = bundle.index() * TILE_WIDTH;
            let width = u64::from(bundle.width());
            let full = width == TILE_WIDTH;
            if first + width > size || (!full && first + width != size) {
                return Err(missing());
            }
            let mut records = Vec::with_capacity(usize::try_from(width).unwrap_or(0));
            for index in first..first + width {
                records.push(log.read_record(index).map_err(|error| {
                    ApiError::internal(format!("read record {index}: {error}"))
                })?);
            }
            ledger_core::tile::encode_entry_bundle(records.iter().map(Vec::as_slice))
                .map_err(|error| ApiError::internal(format!("encode entry bundle: {error}")))
        }
    }
}

fn read_only() -> ApiError {
    ApiError::unavailable(
        "log-read-only",
        "this node is a read-only mirror (it has no signing key) and accepts no appends",
    )
}

impl LedgerService for NodeService {
    fn checkpoint(&self) -> Result<Vec<u8>, ApiError> {
        self.published
            .read()
            .expect("published lock")
            .as_ref()
            .map(|published| published.note.to_vec())
            .ok_or_else(|| {
                ApiError::unavailable("log-unavailable", "no checkpoint has been signed yet")
            })
    }

    fn tile(&self, path: &TilePath) -> Result<Vec<u8>, ApiError> {
        read_tile(&self.log, path, self.checkpoint_size())
    }

    fn submit(&self, submission: SignedSubmission) -> BoxFuture<'_, Result<Receipt, ApiError>> {
        Box::pin(async move {
            let started = Instant::now();
            let answer = self.submit_unobserved(submission).await;
            self.metrics.observe_append(&answer, started.elapsed());
            answer
        })
    }

    fn submit_batch(
        &self,
        submissions: Vec<Result<SignedSubmission, ApiError>>,
    ) -> BoxFuture<'_, Vec<Result<Receipt, ApiError>>> {
        Box::pin(async move {
            let started = Instant::now();
            let answers = self.submit_batch_unobserved(submissions).await;
            // Every event of the batch is answered at once, so each waited as long as the batch.
            let latency = started.elapsed();
            for answer in &answers {
                self.metrics.observe_append(answer, latency);
            }
            answers
        })
    }

    fn read(
        &self,
        reader: Option<PublicKey>,
        query: ReadQuery,
    ) -> BoxFuture<'_, Result<ReflectedRaw, ApiError>> {
        Box::pin(async move {
            let Some(reads) = &self.reads else {
                return Err(ApiError::not_found(
                    "this log does not keep the học bạ projections (it runs the open policy)",
                ));
            };
            reads.read(reader, query).await
        })
    }

    fn record(&self, index: u64) -> Result<RecordWithProof, ApiError> {
        let bytes = self.log.read_record(index).map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                ApiError::not_found(format!("the log has no record {index}"))
            } else {
                ApiError::internal(format!("read record {index}: {error}"))
            }
        })?;
        let leaf_hash = ledger_core::tree::leaf_hash(&bytes);
        let published = self.published.read().expect("published lock").clone();
        let proof = match published {
            Some(published) if index < published.size => {
                let hashes =
                    ledger_core::tree::inclusion_proof(index, published.size, self.log.tree())
                        .map_err(|error| ApiError::internal(format!("inclusion proof: {error}")))?;
                Some(
                    TlogProof {
                        index,
                        extra: None,
                        hashes,
                        checkpoint: String::from_utf8_lossy(&published.note).into_owned(),
                    }
                    .to_text(),
                )
            }
            _ => None,
        };
        Ok(RecordWithProof {
            index,
            record: base64::engine::general_purpose::STANDARD.encode(&bytes),
            record_id: ledger_core::hex::encode(blake3::hash(&bytes).as_bytes()),
            leaf_hash: leaf_hash.to_base64(),
            proof,
        })
    }

    fn consistency(&self, from: u64, to: u64) -> Result<ConsistencyProof, ApiError> {
        let size = self.checkpoint_size();
        if from > to || to > size {
            return Err(ApiError::refused(
                "proof-range-invalid",
                ledger_api::error::title_of("proof-range-invalid"),
                format!(
                    "need from ≤ to ≤ {size} (the newest checkpoint); got from={from}, to={to}"
                ),
            ));
        }
        let proof = ledger_core::tree::consistency_proof(from, to, self.log.tree())
            .map_err(|error| ApiError::internal(format!("consistency proof: {error}")))?;
        Ok(ConsistencyProof {
            from,
            to,
            proof: proof.iter().map(Hash::to_base64).collect(),
        })
    }

    fn health(&self) -> Health {
        Health {
            ready: self
                .sequencer
                .as_ref()
                .is_none_or(SequencerHandle::is_ready),
            log_size: self.log.head().size,
            checkpoint_size: self.checkpoint_size(),
        }
    }

    fn metrics(&self) -> String {
        let gauges = self.gauges();
        match &self.sequencer {
            Some(sequencer) => self.metrics.render(&gauges, sequencer.group_commits()),
            // A mirror never commits: its group-commit families are rendered empty.
            None => self.metrics.render(
                &gauges,
                &Histogram::new(&GROUP_COMMIT_RECORDS_BOUNDS, Unit::Count),
            ),
        }
    }

    fn observe_request(&self, route: &str, status: u16, latency: Duration) {
        self.metrics.observe_request(route, status, latency);
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use ledger_core::record::Submission;
    use serde_json::{json, Map};

    use super::*;

    /// A large batch is checked on several threads and answered in its own order, refusals
    /// in their places.
    #[test]
    fn a_large_batch_keeps_its_order_and_its_refusals() {
        let author = SigningKey::from_bytes(&[7; 32]);
        let signed = |n: usize| {
            let mut payload = Map::new();
            payload.insert("n".into(), json!(n));
            let id = format!("batch-{n}");
            let body = Submission::new(
                PublicKey::from(&author),
                1,
                "test.recorded",
                &id,
                payload,
                1,
            )
            .expect("valid submission");
            SignedSubmission::sign(&body, &author)
        };
        let refused = [3, 64, 130, 199];
        let batch: Vec<_> = (0..200)
            .map(|n| {
                let mut submission = signed(n);
                if n == 64 {
                    return Err(ApiError::internal("refused before the check"));
                }
                if refused.contains(&n) {
                    submission.signature[0] ^= 1;
                }
                Ok(submission)
            })
            .collect();
        let checked = verify_all(batch);
        assert_eq!(checked.len(), 200);
        for (n, answer) in checked.iter().enumerate() {
            match answer {
                Ok(verified) => {
                    assert!(!refused.contains(&n), "submission {n} passed");
                    let expected = format!("batch-{n}");
                    assert_eq!(verified.submission().idempotency_id(), expected);
                }
                Err(_) => assert!(refused.contains(&n), "submission {n} refused"),
            }
        }
    }
}
