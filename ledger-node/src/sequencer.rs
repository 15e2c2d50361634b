//! The single sequencer: it orders verified submissions, writes them with group commit, and
//! acknowledges each only after the `fdatasync` that made it durable has returned.
//!
//! Signature checks happen before a submission reaches the queue, on every core; the sequencer
//! itself only checks idempotency, hashes, writes and syncs. It runs on its own thread because
//! its work is blocking I/O.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use ledger_api::wire::Receipt;
use ledger_api::ApiError;
use ledger_core::record::VerifiedSubmission;
use tokio::sync::{mpsc, oneshot};

use crate::idempotency::{fingerprint, key_of, IdempotencyIndex, Landed};
use crate::judge::{Judge, Position};
use crate::log::{Log, LogWriter, Staged};
use crate::metrics::{Histogram, Unit, GROUP_COMMIT_RECORDS_BOUNDS};

/// Most submissions waiting for the sequencer. Beyond it appends are refused with
/// `503 sequencer-busy` and a `Retry-After`, so memory stays bounded under overload.
pub const SEQUENCER_QUEUE_MAX: usize = 16_384;

/// Most records written by one group commit. Bounds the latency of the batch's first member
/// and the size of one write.
pub const BATCH_RECORDS_MAX: usize = 4_096;

/// A submission waiting to be sequenced.
pub struct Pending {
    /// The verified submission.
    pub submission: VerifiedSubmission,
    /// Where the receipt (or the refusal) goes once the batch is durable.
    pub reply: oneshot::Sender<Result<Receipt, ApiError>>,
}

/// Room reserved in the sequencer's queue ([`SequencerHandle::reserve`]).
pub struct Room<'a> {
    permits: Option<mpsc::PermitIterator<'a, Message>>,
}

impl Room<'_> {
    /// Queues `submission` in the room reserved for it, after everything sent before it.
    ///
    /// # Panics
    /// When more submissions are sent than room was reserved for (a caller's bug).
    pub fn send(&mut self, submission: VerifiedSubmission) -> Queued {
        let permit = self
            .permits
            .as_mut()
            .and_then(Iterator::next)
            .expect("a submission sent beyond the room reserved");
        let (reply, receipt) = oneshot::channel();
        permit.send(Message::Append(Pending { submission, reply }));
        Queued(receipt)
    }
}

/// A queued submission's answer, to come once its batch is durable (or refused).
pub struct Queued(oneshot::Receiver<Result<Receipt, ApiError>>);

impl Queued {
    /// Waits for the receipt or the refusal.
    ///
    /// # Errors
    /// As for [`SequencerHandle::submit`].
    pub async fn answer(self) -> Result<Receipt, ApiError> {
        self.0.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// What the sequencer's queue carries.
// `Stop` is sent once per node; boxing every append to shrink it would cost an allocation each.
#[allow(clippy::large_enum_variant)]
enum Message {
    Append(Pending),
    /// Finish the batch in hand, then stop: the node is closing.
    Stop,
}

/// The sending side of the sequencer's queue.
#[derive(Clone)]
pub struct SequencerHandle {
    queue: mpsc::Sender<Message>,
    failed: Arc<AtomicBool>,
    /// Set once the idempotency index is open: appends queue until then.
    ready: Arc<AtomicBool>,
    /// New records per group commit, observed by the sequencer thread.
    group_commits: Arc<Histogram>,
}

impl SequencerHandle {
    /// Queues a submission and waits for its receipt.
    ///
    /// # Errors
    /// `503 sequencer-busy` when the queue is full, `503 log-unavailable` once the sequencer has
    /// stopped, or the submission's own refusal (`409 idempotency-conflict`).
    pub async fn submit(&self, submission: VerifiedSubmission) -> Result<Receipt, ApiError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(stopped());
        }
        let (reply, receipt) = oneshot::channel();
        self.queue
            .try_send(Message::Append(Pending { submission, reply }))
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => ApiError::unavailable(
                    "sequencer-busy",
                    "the log's queue is full; retry after a second",
                ),
                mpsc::error::TrySendError::Closed(_) => stopped(),
            })?;
        receipt.await.map_err(|_| stopped())?
    }

    /// Reserves room in the queue for `count` submissions, all or none, to be sent one by one
    /// through the [`Room`] as they are ready: a batch whose signatures are checked in parts
    /// sends each part while the next is checked, and is still never cut in two by a full queue.
    /// Room not used is given back when the `Room` is dropped.
    ///
    /// # Errors
    /// `503 sequencer-busy` when the queue cannot take `count` more, `503 log-unavailable` once
    /// the sequencer has stopped.
    pub fn reserve(&self, count: usize) -> Result<Room<'_>, ApiError> {
        if self.failed.load(Ordering::Acquire) {
            return Err(stopped());
        }
        if count == 0 {
            return Ok(Room { permits: None });
        }
        match self.queue.try_reserve_many(count) {
            Ok(permits) => Ok(Room {
                permits: Some(permits),
            }),
            Err(mpsc::error::TrySendError::Full(())) => Err(ApiError::unavailable(
                "sequencer-busy",
                "the log's queue cannot take the whole batch now; retry after a second",
            )),
            Err(mpsc::error::TrySendError::Closed(())) => Err(stopped()),
        }
    }

    /// False once the sequencer has stopped on a fatal error.
    #[must_use]
    pub fn is_running(&self) -> bool {
        !self.failed.load(Ordering::Acquire)
    }

    /// True once the idempotency index is open and the sequencer takes appends, until it stops.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) && self.is_running()
    }

    /// Submissions waiting in the queue, not yet taken into a batch.
    #[must_use]
    pub fn queue_depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// The histogram of new records written per group commit (its count is the number of
    /// group commits that wrote anything).
    #[must_use]
    pub fn group_commits(&self) -> &Histogram {
        &self.group_commits
    }
}

fn stopped() -> ApiError {
    ApiError::unavailable(
        "log-unavailable",
        "the log stopped after a storage error and accepts no appends until it is restarted",
    )
}

/// The running sequencer thread, owned by the node.
pub struct Sequencer {
    handle: SequencerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sequencer {
    /// A handle for submitting.
    #[must_use]
    pub fn handle(&self) -> &SequencerHandle {
        &self.handle
    }

    /// Lets the sequencer finish what it holds, then stops it and waits: afterwards its files
    /// and the idempotency index are closed, and submissions get `503 log-unavailable`.
    pub fn stop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        // The queue may be full; the sequencer drains it, so the stop message gets in.
        while let Err(mpsc::error::TrySendError::Full(_)) =
            self.handle.queue.try_send(Message::Stop)
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = thread.join();
    }
}

impl Drop for Sequencer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Opens the idempotency index for the log it is given.
pub type IndexOpener = Box<dyn FnOnce(&Log) -> Result<IdempotencyIndex, String> + Send>;

/// Starts the sequencer thread. Its first work is `open_index`: filling the index of a large
/// log takes a while, and the node serves reads meanwhile; appends wait in the queue and
/// [`SequencerHandle::is_ready`] tells health checks when they are taken.
///
/// # Panics
/// If the thread cannot be spawned.
#[must_use]
pub fn start(
    writer: LogWriter,
    open_index: IndexOpener,
    judge: Box<dyn Judge>,
    clock: Clock,
) -> Sequencer {
    let (queue, receiver) = mpsc::channel(SEQUENCER_QUEUE_MAX);
    let failed = Arc::new(AtomicBool::new(false));
    let thread_failed = Arc::clone(&failed);
    let ready = Arc::new(AtomicBool::new(false));
    let thread_ready = Arc::clone(&ready);
    let group_commits = Arc::new(Histogram::new(&GROUP_COMMIT_RECORDS_BOUNDS, Unit::Count));
    let thread_group_commits = Arc::clone(&group_commits);
    let thread = std::thread::Builder::new()
        .name("sequencer".to_owned())
        .spawn(move || {
            let index = match open_index(writer.log()) {
                Ok(index) => index,
                Err(error) => {
                    tracing::error!(%error, "cannot open the idempotency index; appends are refused");
                    thread_failed.store(true, Ordering::Release);
                    return;
                }
            };
            thread_ready.store(true, Ordering::Release);
            tracing::info!(records = index.applied(), "idempotency index open; taking appends");
            if let Err(error) = run(
                writer,
                index,
                judge,
                &clock,
                &thread_group_commits,
                receiver,
            ) {
                tracing::error!(%error, "the sequencer stopped; restart the node to recover");
            }
            thread_failed.store(true, Ordering::Release);
        })
        .expect("spawn the sequencer thread");
    Sequencer {
        handle: SequencerHandle {
            queue,
            failed,
            ready,
            group_commits,
        },
        thread: Some(thread),
    }
}

/// The sequencer's clock: microseconds since the Unix epoch. Nodes use [`system_clock`]; tests
/// and simulations pass their own, so time is an input, never read behind the caller's back.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The machine's clock.
#[must_use]
pub fn system_clock() -> Clock {
    Arc::new(now_us)
}

/// Microseconds since the Unix epoch, from the node's clock.
#[must_use]
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        })
}

enum Outcome {
    /// A new record, at this position in `staged`.
    New(usize),
    /// A retry of a submission staged earlier in the same batch.
    SameAs(usize),
    /// Answered without writing (a retry of an older record, or a conflict).
    Done(Result<Receipt, ApiError>),
}

fn receipt_of(staged: &Staged, duplicate: bool) -> Receipt {
    Receipt {
        index: staged.index,
        leaf_hash: staged.leaf_hash.to_base64(),
        record_id: ledger_core::hex::encode(&staged.record_id),
        sequenced_at: staged.sequenced_at,
        duplicate,
    }
}

fn run(
    mut writer: LogWriter,
    mut index: IdempotencyIndex,
    mut judge: Box<dyn Judge>,
    clock: &Clock,
    group_commits: &Histogram,
    mut receiver: mpsc::Receiver<Message>,
) -> Result<(), String> {
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH_RECORDS_MAX);
    let mut outcomes = Vec::with_capacity(BATCH_RECORDS_MAX);
    let mut staged: Vec<Staged> = Vec::with_capacity(BATCH_RECORDS_MAX);
    let mut entries = Vec::with_capacity(BATCH_RECORDS_MAX);
    let mut in_batch: HashMap<Vec<u8>, (usize, [u8; 32])> = HashMap::new();
    let mut stopping = false;
    while !stopping {
        match receiver.blocking_recv() {
            Some(Message::Append(first)) => batch.push(first),
            Some(Message::Stop) | None => break,
        }
        while batch.len() < BATCH_RECORDS_MAX {
            match receiver.try_recv() {
                Ok(Message::Append(pending)) => batch.push(pending),
                Ok(Message::Stop) => {
                    stopping = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let now = clock();
        for pending in &batch {
            let submission = &pending.submission;
            let author = submission.author().to_bytes();
            let id = submission.submission().idempotency_id();
            let key = key_of(&author, id);
            let digest = *blake3::hash(submission.body()).as_bytes();
            let outcome = if let Some(&(position, earlier)) = in_batch.get(&key) {
                if earlier == digest {
                    Outcome::SameAs(position)
                } else {
                    Outcome::Done(Err(conflict(staged[position].index)))
                }
            } else if let Some(landed) = index.get(writer.log(), &author, id)? {
                Outcome::Done(retry_receipt(&landed, digest))
            } else if let Err(refusal) = judge.admit(
                submission,
                Position {
                    index: writer.staged_head().size,
                    sequenced_at_us: writer.next_sequenced_at(now),
                },
            ) {
                Outcome::Done(Err(refusal))
            } else {
                let record = writer.stage(submission, now);
                in_batch.insert(key, (staged.len(), digest));
                entries.push(fingerprint(&author, id));
                staged.push(record);
                Outcome::New(staged.len() - 1)
            };
            outcomes.push(outcome);
        }
        // Durability point: `commit` returns after fdatasync. A failure leaves the batch's fate
        // on disk unknown, so nothing in it is acknowledged and the sequencer stops.
        let head = match writer.commit() {
            Ok(head) => head,
            Err(error) => {
                for pending in batch.drain(..) {
                    let _ = pending.reply.send(Err(stopped()));
                }
                return Err(error.to_string());
            }
        };
        if !staged.is_empty() {
            group_commits.observe(staged.len() as u64);
        }
        let index_result = if entries.is_empty() {
            Ok(())
        } else {
            debug_assert_eq!(index.applied() + entries.len() as u64, head.size);
            index.insert(&entries)
        };
        for (pending, outcome) in batch.drain(..).zip(outcomes.drain(..)) {
            let answer = match outcome {
                Outcome::New(position) => Ok(receipt_of(&staged[position], false)),
                Outcome::SameAs(position) => Ok(receipt_of(&staged[position], true)),
                Outcome::Done(answer) => answer,
            };
            // A client that went away does not matter: its record is durable either way.
            let _ = pending.reply.send(answer);
        }
        staged.clear();
        entries.clear();
        in_batch.clear();
        // Without its index entries a retry could be stored twice: stop, and let a restart
        // rebuild the index from the log.
        index_result?;
    }
    Ok(())
}

fn conflict(index: u64) -> ApiError {
    ApiError::conflict(
        "idempotency-conflict",
        ledger_api::error::title_of("idempotency-conflict"),
        format!(
            "this idempotency_id was already used by this author for a different submission, \
             stored at index {index}; use a new idempotency_id for new content"
        ),
        index,
    )
}

fn retry_receipt(landed: &Landed, digest: [u8; 32]) -> Result<Receipt, ApiError> {
    let internal = |error: ledger_core::record::RecordError| {
        ApiError::internal(format!("decode record {}: {error}", landed.index))
    };
    let view = ledger_core::record::RecordView::decode(&landed.record).map_err(internal)?;
    if *blake3::hash(view.body()).as_bytes() != digest {
        return Err(conflict(landed.index));
    }
    Ok(Receipt {
        index: landed.index,
        leaf_hash: ledger_core::tree::leaf_hash(&landed.record).to_base64(),
        record_id: ledger_core::hex::encode(blake3::hash(&landed.record).as_bytes()),
        sequenced_at: view.sequenced_at_us(),
        duplicate: true,
    })
}
