//! Replaying a log's records without checking each signature again, because a signed
//! checkpoint already vouches for them.
//!
//! A node verified every submission's signature before sequencing it, and signed checkpoints
//! only over records it had sequenced. When it restarts, the records up to its newest signed
//! checkpoint are therefore proven by that checkpoint: if their leaf hashes rebuild its root,
//! they are byte for byte the records it verified. Checking the root costs one SHA-256 per
//! record; checking the signatures again costs a strict Ed25519 verification each, more than
//! everything else a replay does. Auditors do not take this shortcut (`hocba verify` checks
//! every signature); a node rebuilding its own state from its own files may.
//!
//! [`CheckpointedReplay`] hands out each record as a [`VerifiedSubmission`] at once, so that it
//! can be judged as it is read, and compares the root at the end. **Everything built from the
//! records must be discarded unless [`CheckpointedReplay::finish`] succeeds**: until then a
//! record is only as good as the disk it came from.

use crate::record::{RecordError, RecordView, Submission, VerifiedSubmission};
use crate::tree::{self, CompactRange, Hash, StoredHash};

/// Why a checkpointed replay failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A record does not decode or its body does not parse.
    #[error("record {index}: {source}")]
    Record {
        /// The record's index.
        index: u64,
        /// What is wrong with it.
        source: RecordError,
    },
    /// More records were offered than the checkpoint covers.
    #[error("record {index} is beyond the checkpoint's {size} records; verify its signature")]
    BeyondCheckpoint {
        /// The record's index.
        index: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The replay ended before the checkpoint's size.
    #[error("the replay ended after {replayed} of the checkpoint's {size} records")]
    Short {
        /// Records replayed.
        replayed: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The records' tree is not the one the checkpoint signs: they are not the records the
    /// node verified.
    #[error(
        "the {size} records replayed hash to root {found}, but the checkpoint signs {expected}"
    )]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
        /// The root the checkpoint signs (base64).
        expected: String,
        /// The root of the records replayed (base64).
        found: String,
    },
}

/// The records `0..size` of a log, checked against the root of a checkpoint of that size whose
/// signature the caller has verified.
#[derive(Debug)]
#[must_use = "the records are proven only when `finish` succeeds"]
pub struct CheckpointedReplay {
    size: u64,
    root: Hash,
    range: CompactRange,
    // The range reports the stored hashes each append completes; a replay keeps none of them.
    completed: Vec<StoredHash>,
}

impl CheckpointedReplay {
    /// A replay of the `size` records under a verified checkpoint with `root`.
    pub fn new(size: u64, root: Hash) -> Self {
        Self {
            size,
            root,
            range: CompactRange::new(),
            completed: Vec::new(),
        }
    }

    /// How many records the checkpoint covers.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Takes the next record (index = records taken so far): decodes it, parses its body and
    /// checks every field as on append, and adds its leaf hash to the tree. Neither the
    /// signature nor the canonical form is checked again: the root proves the bytes are those
    /// that passed both.
    ///
    /// # Errors
    /// [`ReplayError::BeyondCheckpoint`] past `size`; [`ReplayError::Record`] for a record
    /// that does not decode, sits at another index, or whose body does not parse.
    pub fn next<'a>(
        &mut self,
        bytes: &'a [u8],
    ) -> Result<(RecordView<'a>, VerifiedSubmission), ReplayError> {
        let index = self.range.size();
        if index >= self.size {
            return Err(ReplayError::BeyondCheckpoint {
                index,
                size: self.size,
            });
        }
        let record = |source| ReplayError::Record { index, source };
        let view = RecordView::decode(bytes).map_err(record)?;
        if view.index() != index {
            return Err(record(RecordError::ChainBroken {
                index,
                problem: format!("the record says it is record {}", view.index()),
            }));
        }
        let submission = Submission::parse_proven_body(view.body()).map_err(record)?;
        self.completed.clear();
        self.range
            .append(tree::leaf_hash(bytes), &mut self.completed);
        Ok((
            view,
            VerifiedSubmission::proven_by_checkpoint(submission, view.signature()),
        ))
    }

    /// Checks that every record under the checkpoint was taken and that their tree's root is
    /// the checkpoint's.
    ///
    /// # Errors
    /// [`ReplayError::Short`] or [`ReplayError::RootMismatch`].
    pub fn finish(self) -> Result<(), ReplayError> {
        if self.range.size() != self.size {
            return Err(ReplayError::Short {
                replayed: self.range.size(),
                size: self.size,
            });
        }
        let found = self.range.root();
        if found != self.root {
            return Err(ReplayError::RootMismatch {
                size: self.size,
                expected: self.root.to_base64(),
                found: found.to_base64(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::PublicKey;
    use crate::record::{encode_record, record_id, SignedSubmission, GENESIS_PREV};
    use crate::tree::MemoryTree;

    /// Three chained records of one author, and the root of their tree.
    fn log() -> (Vec<Vec<u8>>, Hash) {
        log_ending_with(2)
    }

    /// Three chained records of one author, the last one's payload `{"n": last}`, and the root
    /// of their tree.
    fn log_ending_with(last: u64) -> (Vec<Vec<u8>>, Hash) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let mut records: Vec<Vec<u8>> = Vec::new();
        let mut tree = MemoryTree::new();
        for index in 0..3u64 {
            let mut payload = serde_json::Map::new();
            payload.insert("n".to_owned(), if index == 2 { last } else { index }.into());
            let submission = Submission::new(
                PublicKey::from(&key),
                1_700_000_000_000 + index,
                "test.event",
                format!("replay-{index}"),
                payload,
                1,
            )
            .unwrap();
            let verified = SignedSubmission::sign(&submission, &key).verify().unwrap();
            let prev = records.last().map_or(GENESIS_PREV, |last| record_id(last));
            let record = encode_record(index, 1_700_000_000_000_000 + index, &prev, &verified);
            tree.append(tree::leaf_hash(&record));
            records.push(record);
        }
        (records, tree.root())
    }

    #[test]
    fn the_records_of_the_checkpoint_replay_and_prove_its_root() {
        let (records, root) = log();
        let mut replay = CheckpointedReplay::new(3, root);
        for (index, record) in records.iter().enumerate() {
            let (view, submission) = replay.next(record).unwrap();
            assert_eq!(view.index(), index as u64);
            let verified = view.verify().unwrap();
            assert_eq!(
                submission, verified,
                "the same submission as a full verification"
            );
        }
        assert!(matches!(
            replay.next(&records[0]),
            Err(ReplayError::BeyondCheckpoint { index: 3, size: 3 })
        ));
        replay.finish().unwrap();
    }

    #[test]
    fn other_records_than_the_checkpoints_are_refused() {
        let (records, root) = log();
        // Another validly signed and chained last record, as someone writing to the disk could
        // put there: it parses, and the root gives it away.
        let (changed, _) = log_ending_with(99);
        assert_ne!(changed[2], records[2]);
        let mut replay = CheckpointedReplay::new(3, root);
        for record in &changed {
            replay.next(record).unwrap();
        }
        assert!(matches!(
            replay.finish(),
            Err(ReplayError::RootMismatch { size: 3, .. })
        ));

        // Fewer records than the checkpoint covers.
        let mut replay = CheckpointedReplay::new(3, root);
        replay.next(&records[0]).unwrap();
        assert!(matches!(
            replay.finish(),
            Err(ReplayError::Short {
                replayed: 1,
                size: 3
            })
        ));

        // A record out of place.
        let mut replay = CheckpointedReplay::new(3, root);
        assert!(matches!(
            replay.next(&records[1]),
            Err(ReplayError::Record { index: 0, .. })
        ));
    }
}
