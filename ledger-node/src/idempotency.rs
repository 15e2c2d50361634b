//! The idempotency index: (author key, idempotency id) → the record that carried it.
//!
//! A retried submission returns the original receipt and is never stored twice; the same id with
//! a different body is a conflict. The index lives in sled and is **derived**: it records the
//! log size it reflects and catches up from the log on start, so deleting it loses nothing.

use std::path::Path;

use ledger_core::record::{RecordView, Submission};

use crate::log::Log;

/// The key reserved for the log size the index reflects. Author keys are 32 bytes and ids at least
/// one, so no entry key is as short as this.
const APPLIED_KEY: &[u8] = b"applied";

/// One entry: where the submission landed and a digest of its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landed {
    /// The record's index.
    pub index: u64,
    /// BLAKE3 of the submission body, to tell a retry from a conflicting reuse of the id.
    pub body_digest: [u8; 32],
}

/// The sled-backed index.
pub struct IdempotencyIndex {
    tree: sled::Db,
}

/// The index key of a submission.
#[must_use]
pub fn key_of(author: &[u8; 32], idempotency_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(32 + idempotency_id.len());
    key.extend_from_slice(author);
    key.extend_from_slice(idempotency_id.as_bytes());
    key
}

impl IdempotencyIndex {
    /// Opens the index at `path` and brings it up to date with `log`.
    ///
    /// # Errors
    /// sled or log read errors.
    pub fn open(path: &Path, log: &Log) -> Result<Self, String> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(64 * 1024 * 1024)
            .flush_every_ms(Some(1000))
            .open()
            .map_err(|error| format!("cannot open the idempotency index: {error}"))?;
        let index = Self { tree: db };
        let size = log.head().size;
        let mut applied = index.applied()?;
        if applied > size {
            // The index reflects records the log no longer has (restored from an older backup):
            // start over.
            tracing::warn!(
                applied,
                size,
                "idempotency index is ahead of the log; rebuilding"
            );
            index.tree.clear().map_err(|error| error.to_string())?;
            applied = 0;
        }
        let mut batch = Vec::new();
        for position in applied..size {
            let bytes = log
                .read_record(position)
                .map_err(|error| format!("cannot read record {position}: {error}"))?;
            let (key, landed) = entry_of(&bytes)?;
            batch.push((key, landed));
            if batch.len() == 10_000 || position + 1 == size {
                index.insert(&batch, position + 1)?;
                batch.clear();
            }
        }
        if size > applied {
            tracing::info!(
                records = size - applied,
                "idempotency index caught up from the log"
            );
        }
        Ok(index)
    }

    /// The log size this index reflects.
    ///
    /// # Errors
    /// sled errors.
    pub fn applied(&self) -> Result<u64, String> {
        Ok(self
            .tree
            .get(APPLIED_KEY)
            .map_err(|error| error.to_string())?
            .map_or(0, |value| {
                u64::from_be_bytes(value.as_ref().try_into().unwrap_or([0; 8]))
            }))
    }

    /// Looks a submission up.
    ///
    /// # Errors
    /// sled errors.
    pub fn get(&self, key: &[u8]) -> Result<Option<Landed>, String> {
        let Some(value) = self.tree.get(key).map_err(|error| error.to_string())? else {
            return Ok(None);
        };
        if value.len() != 40 {
            return Err("corrupt idempotency entry".to_owned());
        }
        Ok(Some(Landed {
            index: u64::from_be_bytes(value[..8].try_into().expect("8 bytes")),
            body_digest: value[8..].try_into().expect("32 bytes"),
        }))
    }

    /// Records entries and the log size they bring the index to, atomically.
    ///
    /// # Errors
    /// sled errors.
    pub fn insert(&self, entries: &[(Vec<u8>, Landed)], applied: u64) -> Result<(), String> {
        let mut batch = sled::Batch::default();
        for (key, landed) in entries {
            let mut value = [0u8; 40];
            value[..8].copy_from_slice(&landed.index.to_be_bytes());
            value[8..].copy_from_slice(&landed.body_digest);
            batch.insert(key.as_slice(), &value[..]);
        }
        batch.insert(APPLIED_KEY, &applied.to_be_bytes()[..]);
        self.tree
            .apply_batch(batch)
            .map_err(|error| format!("cannot update the idempotency index: {error}"))
    }
}

/// The index entry of a stored record.
///
/// # Errors
/// A record that does not decode.
pub fn entry_of(bytes: &[u8]) -> Result<(Vec<u8>, Landed), String> {
    let view = RecordView::decode(bytes).map_err(|error| error.to_string())?;
    let body = Submission::parse_body(view.body()).map_err(|error| error.to_string())?;
    Ok((
        key_of(&body.author().to_bytes(), body.idempotency_id()),
        Landed {
            index: view.index(),
            body_digest: *blake3::hash(view.body()).as_bytes(),
        },
    ))
}
