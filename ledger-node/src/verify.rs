//! `hocba verify`: re-checks a node's data directory offline, trusting nothing derived.
//!
//! From the segment files alone it checks framing and checksums, the index sequence and BLAKE3
//! chain, every submission's signature (strict Ed25519, weak keys refused), recomputes the Merkle
//! tree and compares it with every checkpoint in the history, whose signatures and sizes it checks
//! too. It stops at the first problem and names its index.

use std::path::PathBuf;

use ledger_core::checkpoint::Checkpoint;
use ledger_core::record::{verify_record, ChainVerifier, RecordView};
use ledger_core::tree::{self, CompactRange};

use crate::config;
use crate::history;
use crate::layout::Layout;
use crate::scan;

/// Records whose signatures are checked together, split across the cores.
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

    let (mut judge, _) =
        crate::judge::judge_for(&config.policy).map_err(VerifyError::Operational)?;
    let judged = config.policy != crate::config::Policy::Open;
    let mut chain = ChainVerifier::new();
    let mut batch: Vec<(u64, Vec<u8>)> = Vec::with_capacity(SIGNATURE_CHUNK);
    // The Merkle tree is recomputed on a second thread while this one reads, checks the chain
    // and replays the domain: the two halves of the work run on two cores.
    let (to_hasher, from_scanner) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(4);
    let mut to_hash: Vec<Vec<u8>> = Vec::with_capacity(HASH_CHUNK);
    let (hashed, scanned) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| tree_of(from_scanner, &checkpoints));
        let scanned = scan::scan(&layout.segments(), |index, bytes| {
            let view: RecordView<'_> = match chain.push(bytes) {
                Ok(view) => view,
                Err(error) => {
                    // A damaged record breaks the chain at its successor; report the record
                    // itself if its own signature fails.
                    if options.signatures {
                        check_signatures(&batch)?;
                        if let Err(signature) = verify_record(bytes) {
                            return Err(invalid(
                                index,
                                format!("{signature} ({})", signature.code()),
                            ));
                        }
                    }
                    return Err(invalid(index, format!("{error} ({})", error.code())));
                }
            };
            debug_assert_eq!(view.index(), index);
            if judged {
                // The domain is replayed in log order, exactly as the sequencer judged it: a
                // record the append path would have refused is invalid here.
                let record = verify_record(bytes)
                    .map_err(|error| invalid(index, format!("{error} ({})", error.code())))?;
                judge
                    .admit(
                        record.submission(),
                        crate::judge::Position {
                            index,
                            sequenced_at_us: view.sequenced_at_us(),
                        },
                    )
                    .map_err(|error| {
                        invalid(
                            index,
                            format!("breaks the domain rules ({}): {}", error.code, error.detail),
                        )
                    })?;
            }
            to_hash.push(bytes.to_vec());
            if to_hash.len() == HASH_CHUNK
                && to_hasher
                    .send(std::mem::replace(
                        &mut to_hash,
                        Vec::with_capacity(HASH_CHUNK),
                    ))
                    .is_err()
            {
                // The hasher stopped on a checkpoint that does not match; its problem is
                // earlier in the log than this record and is the one reported.
                return Err(VerifyError::Operational(
                    "the tree check stopped".to_owned(),
                ));
            }
            // A judged log already checked this record's signature above (the domain needs the
            // verified submission); the parallel batch serves unjudged logs only.
            if options.signatures && !judged {
                batch.push((index, bytes.to_vec()));
                if batch.len() == SIGNATURE_CHUNK {
                    check_signatures(&batch)?;
                    batch.clear();
                }
            }
            if index % 65_536 == 0 {
                progress(index);
            }
            Ok::<(), VerifyError>(())
        });
        // Everything read so far goes to the hasher, whatever stopped the scan, so that a
        // mismatch at an earlier checkpoint is found and reported first.
        let _ = to_hasher.send(std::mem::take(&mut to_hash));
        drop(to_hasher);
        (hasher.join().expect("the tree thread"), scanned)
    });
    let compact = hashed?;
    let end = scanned?;
    check_signatures(&batch)?;
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

/// Checks the signatures of a chunk of records on every core; reports the lowest bad index.
fn check_signatures(batch: &[(u64, Vec<u8>)]) -> Result<(), VerifyError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = batch.len().div_ceil(threads).max(1);
    let failures: Vec<Problem> = std::thread::scope(|scope| {
        let workers: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter().find_map(|(index, bytes)| {
                        verify_record(bytes).err().map(|error| Problem {
                            index: *index,
                            what: format!("{error} ({})", error.code()),
                        })
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .filter_map(|worker| worker.join().expect("verifier thread"))
            .collect()
    });
    match failures.into_iter().min_by_key(|problem| problem.index) {
        Some(problem) => Err(VerifyError::Invalid(problem)),
        None => Ok(()),
    }
}
