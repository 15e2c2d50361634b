//! `hocba verify`: re-checks a node's data directory offline, trusting nothing derived.
//!
//! From the segment files alone it checks framing and checksums, the index sequence and BLAKE3
//! chain, every submission's signature (strict Ed25519, weak keys refused), recomputes the Merkle
//! tree and compares it with every checkpoint in the history, whose signatures and sizes it checks
//! too. It stops at the first problem and names its index.

use std::path::PathBuf;

use ledger_core::checkpoint::Checkpoint;
use ledger_core::record::{verify_record, ChainVerifier, VerifiedRecord, VerifiedSubmission};
use ledger_core::tree::{self, CompactRange};

use crate::config;
use crate::history;
use crate::layout::Layout;
use crate::scan;

/// Records checked together: their signatures split across the cores, then in log order.
const SIGNATURE_CHUNK: usize = 4096;

/// A problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {index}: {what}")]
pub struct Problem {
    /// The first bad index (for checkpoint problems, the checkpoint's tree size).
    pub index: u64,
    /// What is wrong with it.
    pub what: String,
}

/// Why verification could not be completed or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The data is invalid (exit status 1).
    #[error("{0}")]
    Invalid(Problem),
    /// The data could not be read (exit status 2).
    #[error("cannot verify: {0}")]
    Operational(String),
}

impl From<std::io::Error> for VerifyError {
    fn from(error: std::io::Error) -> Self {
        Self::Operational(error.to_string())
    }
}

fn invalid(index: u64, what: impl Into<String>) -> VerifyError {
    VerifyError::Invalid(Problem {
        index,
        what: what.into(),
    })
}

/// What a successful verification covered.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Records checked.
    pub records: u64,
    /// Checkpoints checked.
    pub checkpoints: usize,
    /// The tree root over all records, base64.
    pub root: String,
    /// A torn tail beyond the newest checkpoint, if present: (segment, offset). It holds no
    /// acknowledged record and is cut when the node next starts.
    pub torn_tail: Option<(PathBuf, u64)>,
}

/// Options of `verify`.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Re-check every signature (the default); without it only structure, chain and tree.
    pub signatures: bool,
}

/// Verifies the node in `layout`.
///
/// # Errors
/// [`VerifyError::Invalid`] naming the first bad index; [`VerifyError::Operational`] when the
/// data cannot be read.
pub fn verify(
    layout: &Layout,
    options: Options,
    mut progress: impl FnMut(u64),
) -> Result<Report, VerifyError> {
    let config =
        config::load(layout).map_err(|error| VerifyError::Operational(error.to_string()))?;
    let verifier = config
        .verifier()
        .map_err(|error| VerifyError::Operational(error.to_string()))?;
    let history_bytes = match std::fs::read(layout.checkpoints()) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let (notes, _) = history::read_all(&history_bytes);
    let mut checkpoints = Vec::with_capacity(notes.len());
    for note in &notes {
        let checkpoint = Checkpoint::open(note, &verifier).map_err(|error| {
            invalid(
                0,
                format!("a checkpoint in the history does not verify: {error}"),
            )
        })?;
        if let Some(previous) = checkpoints.last() {
            let previous: &Checkpoint = previous;
            if checkpoint.size < previous.size {
                return Err(invalid(
                    checkpoint.size,
                    format!(
                        "checkpoint history goes backwards from size {} to {}",
                        previous.size, checkpoint.size
                    ),
                ));
            }
        }
        checkpoints.push(checkpoint);
    }
    let newest_size = checkpoints.last().map_or(0, |checkpoint| checkpoint.size);

    let (judge, _) = crate::judge::judge_for(&config.policy).map_err(VerifyError::Operational)?;
    let judged = config.policy != crate::config::Policy::Open;
    // The Merkle tree is recomputed on a second thread while this one reads, checks the chain
    // and replays the domain; the signatures of each chunk are checked on every core first.
    let (to_hasher, from_scanner) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(4);
    let mut pending: Vec<(u64, Vec<u8>)> = Vec::with_capacity(SIGNATURE_CHUNK);
    let (hashed, scanned) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| tree_of(from_scanner, &checkpoints));
        let mut in_order = InOrder {
            chain: ChainVerifier::new(),
            judge: judged.then_some(judge),
            signatures: options.signatures || judged,
            ready: None,
            to_hash: Vec::with_capacity(HASH_CHUNK),
            to_hasher,
            progress: &mut progress,
        };
        let mut scanned = scan::scan(&layout.segments(), |index, bytes| {
            pending.push((index, bytes.to_vec()));
            if pending.len() == SIGNATURE_CHUNK {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(SIGNATURE_CHUNK));
                in_order.push(full)?;
            }
            Ok::<(), VerifyError>(())
        });
        // The records before a torn or damaged tail are checked too, before the tail counts.
        if let Ok(end) = scanned {
            scanned = in_order.finish(std::mem::take(&mut pending)).map(|()| end);
        }
        // Everything read so far goes to the hasher, whatever stopped the scan, so that a
        // mismatch at an earlier checkpoint is found and reported first.
        let InOrder {
            to_hash, to_hasher, ..
        } = in_order;
        let _ = to_hasher.send(to_hash);
        drop(to_hasher);
        (hasher.join().expect("the tree thread"), scanned)
    });
    let compact = hashed?;
    let end = scanned?;
    progress(end.records);
    let mut torn_tail = None;
    if let Some((path, offset, reason)) = end.stopped_at {
        if !end.at_end || end.records < newest_size {
            return Err(invalid(
                end.records,
                format!("{reason} in {} at byte {offset}", path.display()),
            ));
        }
        torn_tail = Some((path, offset));
    }
    if end.records < newest_size {
        return Err(invalid(
            end.records,
            format!(
                "the log ends after {} records but checkpoint {newest_size} was signed: records \
                 are missing",
                end.records
            ),
        ));
    }
    Ok(Report {
        records: end.records,
        checkpoints: checkpoints.len(),
        root: compact.root().to_base64(),
        torn_tail,
    })
}

/// The signature checks of `chunk` on every core, in order (none when `signatures` is off).
fn check_signatures(chunk: &Chunk, signatures: bool) -> Checked {
    /// Below this many records a thread costs more than it saves.
    const PER_THREAD_MIN: usize = 64;
    if !signatures {
        return Vec::new();
    }
    crate::parallel::map_in_order(
        chunk.iter().map(|(_, bytes)| bytes.as_slice()).collect(),
        PER_THREAD_MIN,
        |bytes| {
            verify_record(bytes)
                .map(VerifiedRecord::into_submission)
                .map_err(|error| format!("{error} ({})", error.code()))
        },
        || Err("the signature check failed unexpectedly".to_owned()),
    )
}

/// Records handed to the tree thread at a time.
const HASH_CHUNK: usize = 4096;

/// Recomputes the Merkle tree over the records it receives, in order, and checks it against
/// each signed checkpoint as its size is reached.
///
/// # Errors
/// [`VerifyError::Invalid`] at the first checkpoint whose root the records do not hash to.
fn tree_of(
    records: std::sync::mpsc::Receiver<Vec<Vec<u8>>>,
    checkpoints: &[Checkpoint],
) -> Result<CompactRange, VerifyError> {
    let mut compact = CompactRange::new();
    let mut scratch = Vec::new();
    let mut pending = 0;
    let mut check = |compact: &CompactRange| -> Result<(), VerifyError> {
        while let Some(checkpoint) = checkpoints.get(pending) {
            if checkpoint.size != compact.size() {
                break;
            }
            if compact.root() != checkpoint.root {
                return Err(invalid(
                    checkpoint.size.saturating_sub(1),
                    format!(
                        "the records do not hash to the root of signed checkpoint {}",
                        checkpoint.size
                    ),
                ));
            }
            pending += 1;
        }
        Ok(())
    };
    check(&compact)?;
    for chunk in records {
        for bytes in chunk {
            compact.append(tree::leaf_hash(&bytes), &mut scratch);
            scratch.clear();
            check(&compact)?;
        }
    }
    Ok(compact)
}

/// Records as read: (index, bytes).
type Chunk = Vec<(u64, Vec<u8>)>;
/// A chunk's signature checks, in its order (empty when signatures are not checked).
type Checked = Vec<Result<VerifiedSubmission, String>>;

/// Checks chunks of records in log order: each chunk's signatures on every core while the
/// chunk before it goes, record by record, through the chain, the domain and the hand-over to
/// the tree thread.
struct InOrder<'p, P> {
    chain: ChainVerifier,
    /// The domain replayed in log order, exactly as the sequencer judged it (None for a log
    /// without domain rules): a record the append path would have refused is invalid here.
    judge: Option<Box<dyn crate::judge::Judge>>,
    /// Whether each record's signature is checked (always for a judged log: the domain takes
    /// only verified submissions).
    signatures: bool,
    /// The last chunk pushed, its signatures checked, not yet through the rest.
    ready: Option<(Chunk, Checked)>,
    to_hash: Vec<Vec<u8>>,
    to_hasher: std::sync::mpsc::SyncSender<Vec<Vec<u8>>>,
    progress: &'p mut P,
}

impl<P: FnMut(u64)> InOrder<'_, P> {
    /// Checks the signatures of `chunk` while the chunk before it goes through the rest.
    fn push(&mut self, chunk: Chunk) -> Result<(), VerifyError> {
        let ready = self.ready.take();
        let signatures = self.signatures;
        let (checked, earlier) = std::thread::scope(|scope| {
            let checking = scope.spawn(|| check_signatures(&chunk, signatures));
            let earlier = ready.map_or(Ok(()), |(chunk, checked)| self.rest(chunk, checked));
            let checked = checking.join().unwrap_or_else(|_| {
                let failed = "the signature check failed unexpectedly".to_owned();
                vec![Err(failed); chunk.len()]
            });
            (checked, earlier)
        });
        earlier?;
        self.ready = Some((chunk, checked));
        Ok(())
    }

    /// Checks the last records, `chunk`, and everything still waiting.
    fn finish(&mut self, chunk: Chunk) -> Result<(), VerifyError> {
        self.push(chunk)?;
        match self.ready.take() {
            Some((chunk, checked)) => self.rest(chunk, checked),
            None => Ok(()),
        }
    }

    /// Takes `chunk`, whose signatures are `checked`, through the chain, the domain and the
    /// tree thread, stopping at its first bad record.
    fn rest(&mut self, chunk: Chunk, checked: Checked) -> Result<(), VerifyError> {
        let mut verified = checked.into_iter();
        for (index, bytes) in chunk {
            let verified = verified.next();
            let sequenced_at_us = match self.chain.push(&bytes) {
                Ok(view) => view.sequenced_at_us(),
                // A damaged record breaks the chain at its successor; report the record itself
                // if its own signature fails.
                Err(error) => {
                    let what = match verified {
                        Some(Err(signature)) => signature,
                        _ => format!("{error} ({})", error.code()),
                    };
                    return Err(invalid(index, what));
                }
            };
            if let Some(verified) = verified {
                let submission = verified.map_err(|what| invalid(index, what))?;
                if let Some(judge) = &mut self.judge {
                    let position = crate::judge::Position {
                        index,
                        sequenced_at_us,
                    };
                    judge.admit(&submission, position).map_err(|error| {
                        invalid(
                            index,
                            format!("breaks the domain rules ({}): {}", error.code, error.detail),
                        )
                    })?;
                }
            }
            self.to_hash.push(bytes);
            if self.to_hash.len() == HASH_CHUNK {
                let full = std::mem::replace(&mut self.to_hash, Vec::with_capacity(HASH_CHUNK));
                if self.to_hasher.send(full).is_err() {
                    // The hasher stopped on a checkpoint that does not match; its problem is
                    // earlier in the log than this record and is the one reported.
                    return Err(VerifyError::Operational(
                        "the tree check stopped".to_owned(),
                    ));
                }
            }
            if index % 65_536 == 0 {
                (self.progress)(index);
            }
        }
        Ok(())
    }
}
