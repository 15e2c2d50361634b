//! The idempotency index: (author key, idempotency id) → the record that carried it.
//!
//! A retried submission returns the original receipt and is never stored twice; the same id with
//! a different body is a conflict. The index is **derived** from the log: deleting it loses
//! nothing, and whatever it lacks is recomputed from the records on start.
//!
//! In memory it maps a 64-bit *fingerprint* of (author, id) to record indexes. A fingerprint
//! only narrows the search: every hit is confirmed against the stored record, so submissions
//! whose fingerprints collide are still told apart, and a miss (the common case: a new
//! submission) costs one hash-table probe and no I/O.
//!
//! On disk it is one file: an 8-byte magic, then one 12-byte entry per record in log order
//! (entry *i* is record *i*): the fingerprint as a little-endian u64, then the CRC-32C of the
//! record index (u64 LE) and the fingerprint. Entries are written after each group commit and
//! never synced. An entry is written only after its record is durable, so a valid entry is always
//! true; a torn, zeroed or garbled tail (a power loss) fails its CRC and is recomputed from the
//! log. Sled held this index once; its recovery alone took 2.8 s at ten million records
//! (`docs/decisions.md`).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use ledger_core::record::{RecordView, Submission};

use crate::log::Log;

/// The file's first bytes: its name and format version.
const MAGIC: &[u8; 8] = b"hbidem1\n";

/// Bytes per entry: the fingerprint and its CRC.
const ENTRY_LEN: usize = 12;

/// Entries read or written per I/O call while catching up.
const CHUNK_ENTRIES: usize = 65_536;

/// The 64-bit fingerprint of (author, idempotency id): the first 8 bytes of BLAKE3 over the
/// author key followed by the id. The key has a fixed length, so the concatenation is
/// unambiguous.
#[must_use]
pub fn fingerprint(author: &[u8; 32], idempotency_id: &str) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(author);
    hasher.update(idempotency_id.as_bytes());
    let hash = hasher.finalize();
    u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"))
}

/// The full key of a submission (author key followed by the id): exact, for maps that must
/// never confuse two submissions.
#[must_use]
pub fn key_of(author: &[u8; 32], idempotency_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(32 + idempotency_id.len());
    key.extend_from_slice(author);
    key.extend_from_slice(idempotency_id.as_bytes());
    key
}

/// The author and idempotency id of a stored record, as its full key.
///
/// # Errors
/// A record that does not decode.
pub fn key_of_record(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let body = body_of_record(bytes)?;
    Ok(key_of(&body.author().to_bytes(), body.idempotency_id()))
}

fn body_of_record(bytes: &[u8]) -> Result<Submission, String> {
    let view = RecordView::decode(bytes).map_err(|error| error.to_string())?;
    Submission::parse_body(view.body()).map_err(|error| error.to_string())
}

/// A stored record found for a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Landed {
    /// The record's index.
    pub index: u64,
    /// The record's bytes, to compare bodies and build the receipt.
    pub record: Vec<u8>,
}

/// Fingerprints are already uniform hashes: the table uses them as they are.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

type Table<V> = HashMap<u64, V, BuildHasherDefault<FingerprintHasher>>;

/// The table is split by the fingerprint's top bits so that a restart can fill the parts on
/// several cores at once: filling is bound by cache misses, not by reading the file.
const SHARD_BITS: u32 = 2;
const SHARDS: usize = 1 << SHARD_BITS;

/// One part of the table.
#[derive(Default)]
struct Shard {
    /// Fingerprint → the first record index with it.
    first: Table<u64>,
    /// Fingerprint → later record indexes with the same fingerprint (collisions; almost always
    /// empty).
    more: Table<Vec<u64>>,
}

impl Shard {
    fn remember(&mut self, fingerprint: u64, index: u64) {
        if let Some(&existing) = self.first.get(&fingerprint) {
            debug_assert_ne!(existing, index);
            self.more.entry(fingerprint).or_default().push(index);
        } else {
            self.first.insert(fingerprint, index);
        }
    }

    /// The record indexes with `fingerprint`, first one first.
    fn candidates(&self, fingerprint: u64) -> impl Iterator<Item = u64> + '_ {
        let more = self.more.get(&fingerprint).map_or(&[][..], Vec::as_slice);
        self.first
            .get(&fingerprint)
            .into_iter()
            .chain(more)
            .copied()
    }
}

fn shard_of(fingerprint: u64) -> usize {
    (fingerprint >> (64 - SHARD_BITS)) as usize
}

/// The index: the table in memory and the file that lets a restart skip re-reading the log.
pub struct IdempotencyIndex {
    shards: Vec<Shard>,
    file: File,
    /// The log size the index reflects.
    applied: u64,
}

impl IdempotencyIndex {
    /// Opens the index file at `path` (creating it) and brings it up to date with `log`.
    ///
    /// # Errors
    /// File or log read errors.
    pub fn open(path: &Path, log: &Log) -> Result<Self, String> {
        let io = |error: std::io::Error| format!("idempotency index {}: {error}", path.display());
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
            .map_err(io)?;
        let size = log.head().size;
        let fingerprints = read_valid(&mut file, size).map_err(io)?;
        let valid = fingerprints.len() as u64;
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let mut index = Self {
            shards: fill_shards(&fingerprints, size),
            file,
            applied: valid,
        };
        drop(fingerprints);
        if valid < size {
            tracing::info!(
                from = valid,
                records = size - valid,
                "idempotency index: catching up from the log"
            );
        }
        index.catch_up(log, size)?;
        Ok(index)
    }

    /// Adds the records from `self.applied` up to `size` by reading them from the log.
    fn catch_up(&mut self, log: &Log, size: u64) -> Result<(), String> {
        let mut batch = Vec::with_capacity(CHUNK_ENTRIES);
        while self.applied < size {
            let position = self.applied + batch.len() as u64;
            let bytes = log
                .read_record(position)
                .map_err(|error| format!("cannot read record {position}: {error}"))?;
            let body = body_of_record(&bytes)
                .map_err(|error| format!("record {position} does not decode: {error}"))?;
            batch.push(fingerprint(
                &body.author().to_bytes(),
                body.idempotency_id(),
            ));
            if batch.len() == CHUNK_ENTRIES || position + 1 == size {
                self.insert(&batch)?;
                batch.clear();
            }
        }
        Ok(())
    }

    /// The log size this index reflects.
    #[must_use]
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// The stored record that carried (author, id), if any.
    ///
    /// # Errors
    /// Log read errors, or a record that does not decode.
    pub fn get(
        &self,
        log: &Log,
        author: &[u8; 32],
        idempotency_id: &str,
    ) -> Result<Option<Landed>, String> {
        let fingerprint = fingerprint(author, idempotency_id);
        let mut wanted = None;
        for index in self.shards[shard_of(fingerprint)].candidates(fingerprint) {
            let record = log
                .read_record(index)
                .map_err(|error| format!("cannot read record {index}: {error}"))?;
            let wanted = wanted.get_or_insert_with(|| key_of(author, idempotency_id));
            if key_of_record(&record)? == *wanted {
                return Ok(Some(Landed { index, record }));
            }
        }
        Ok(None)
    }

    /// Records the fingerprints of the next records of the log, in order (the first is record
    /// `applied()`), and writes them to the file.
    ///
    /// # Errors
    /// Write errors. The table is updated only when the write succeeded; on an error the caller
    /// must stop appending (a restart recomputes the index from the log).
    pub fn insert(&mut self, fingerprints: &[u64]) -> Result<(), String> {
        let mut bytes = Vec::with_capacity(fingerprints.len() * ENTRY_LEN);
        for (offset, &fingerprint) in fingerprints.iter().enumerate() {
            bytes.extend_from_slice(&entry_bytes(self.applied + offset as u64, fingerprint));
        }
        self.file
            .write_all(&bytes)
            .map_err(|error| format!("cannot update the idempotency index: {error}"))?;
        for &fingerprint in fingerprints {
            self.shards[shard_of(fingerprint)].remember(fingerprint, self.applied);
            self.applied += 1;
        }
        Ok(())
    }
}

/// Reads the file's valid entries (at most `size`: entries beyond the log are stale), cuts the
/// file after them, and returns their fingerprints in log order. A file without the magic is
/// started over.
fn read_valid(file: &mut File, size: u64) -> std::io::Result<Vec<u64>> {
    let length = file.metadata()?.len();
    let mut magic = [0u8; 8];
    if length < 8 || {
        file.read_exact(&mut magic)?;
        &magic != MAGIC
    } {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(MAGIC)?;
        return Ok(Vec::new());
    }
    let stored = ((length - 8) / ENTRY_LEN as u64).min(size);
    let mut fingerprints = Vec::with_capacity(usize::try_from(stored).unwrap_or(0));
    let mut chunk = vec![0u8; CHUNK_ENTRIES * ENTRY_LEN];
    'read: while (fingerprints.len() as u64) < stored {
        let want = usize::try_from(stored - fingerprints.len() as u64)
            .unwrap_or(usize::MAX)
            .min(CHUNK_ENTRIES);
        let bytes = &mut chunk[..want * ENTRY_LEN];
        file.read_exact(bytes)?;
        for entry in bytes.chunks_exact(ENTRY_LEN) {
            let index = fingerprints.len() as u64;
            let fingerprint = u64::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
            if entry != entry_bytes(index, fingerprint) {
                tracing::warn!(
                    index,
                    "idempotency index: entry fails its check; recomputing from here"
                );
                break 'read;
            }
            fingerprints.push(fingerprint);
        }
    }
    file.set_len(8 + fingerprints.len() as u64 * ENTRY_LEN as u64)?;
    Ok(fingerprints)
}

/// Fills the shards from fingerprints in log order, one thread per shard.
fn fill_shards(fingerprints: &[u64], size: u64) -> Vec<Shard> {
    let per_shard = usize::try_from(size / SHARDS as u64).unwrap_or(0) + 1024;
    std::thread::scope(|scope| {
        let fillers: Vec<_> = (0..SHARDS)
            .map(|number| {
                scope.spawn(move || {
                    let mut shard = Shard::default();
                    shard.first.reserve(per_shard);
                    for (index, &fingerprint) in fingerprints.iter().enumerate() {
                        if shard_of(fingerprint) == number {
                            shard.remember(fingerprint, index as u64);
                        }
                    }
                    shard
                })
            })
            .collect();
        fillers
            .into_iter()
            .map(|filler| filler.join().expect("a shard filler panicked"))
            .collect()
    })
}

/// One entry as stored: the fingerprint, then the CRC of index and fingerprint.
fn entry_bytes(index: u64, fingerprint: u64) -> [u8; ENTRY_LEN] {
    let mut entry = [0u8; ENTRY_LEN];
    entry[..8].copy_from_slice(&fingerprint.to_le_bytes());
    entry[8..].copy_from_slice(&entry_crc(index, fingerprint).to_le_bytes());
    entry
}

/// The check of one entry: CRC-32C of the record index and the fingerprint, both u64 LE.
fn entry_crc(index: u64, fingerprint: u64) -> u32 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&index.to_le_bytes());
    bytes[8..].copy_from_slice(&fingerprint.to_le_bytes());
    crc32c::crc32c(&bytes)
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use ledger_core::key::PublicKey;
    use ledger_core::record::{SignedSubmission, Submission};
    use serde_json::{json, Map};

    use super::*;
    use crate::layout::Layout;

    fn submission(author: &SigningKey, id: &str) -> ledger_core::record::VerifiedSubmission {
        let mut payload = Map::new();
        payload.insert("n".into(), json!(id));
        let body = Submission::new(PublicKey::from(author), 1, "test.recorded", id, payload, 1)
            .expect("valid submission");
        SignedSubmission::sign(&body, author)
            .verify()
            .expect("verifies")
    }

    /// Two submissions whose fingerprints collide are still told apart: a hit is only a
    /// candidate until the record confirms it.
    #[test]
    fn colliding_fingerprints_are_resolved_by_the_records() {
        let directory = tempfile::tempdir().expect("tempdir");
        let layout = Layout::new(directory.path());
        let (log, mut writer, _) = Log::open(&layout, None).expect("open the log");
        let author = SigningKey::from_bytes(&[7; 32]);
        for id in ["a", "b"] {
            writer.stage(&submission(&author, id), 1_000);
        }
        writer.commit().expect("commit");
        let mut index = IdempotencyIndex::open(&layout.idempotency(), &log).expect("open");
        let key = author.verifying_key().to_bytes();
        assert_eq!(
            index.get(&log, &key, "a").unwrap().map(|l| l.index),
            Some(0)
        );
        assert_eq!(
            index.get(&log, &key, "b").unwrap().map(|l| l.index),
            Some(1)
        );
        assert_eq!(index.get(&log, &key, "c").unwrap(), None);

        // Pretend "a" and "b" share a fingerprint, with "b" found first.
        let a = fingerprint(&key, "a");
        let shard = &mut index.shards[shard_of(a)];
        shard.first.insert(a, 1);
        shard.more.insert(a, vec![0]);
        assert_eq!(
            index.get(&log, &key, "a").unwrap().map(|l| l.index),
            Some(0)
        );
        // A fingerprint that leads only to another record finds nothing.
        let shard = &mut index.shards[shard_of(a)];
        shard.more.remove(&a);
        shard.first.insert(a, 1);
        assert_eq!(index.get(&log, &key, "a").unwrap(), None);
    }
}
