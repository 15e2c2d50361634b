//! The identity register: learners' identity data beside the log (`docs/IDENTITY.md`).
//!
//! ```text
//! DIR/identities/<learner>.identity.json   the row: the record (with its salt), the log index
//!                                          of the commitment it matches, who stored it, when
//! DIR/identities/<learner>.erased.json     erasure notes: when, by which key, why, and the
//!                                          commitment index in force; no personal data
//! ```
//!
//! The register is **primary data**: it cannot be rebuilt from the log, which holds only
//! salted commitments. So every change is durable before it is answered: the new content goes
//! to a temporary file, is fsynced, renamed over the old one, and the directory is fsynced
//! (sled is not used: its flush does not fsync, see `docs/decisions.md`).
//!
//! It holds only data the log commits to: a row is stored only when its commitment equals the
//! learner's commitment in force on the log. Erasing deletes the row, salt included, so the
//! commitments in the log link to nobody and every proof still verifies; the note left behind
//! makes a later read answer "erased" and refuses the same data again until a new commitment
//! is appended after the erasure.
//!
//! [`NodeIdentityService`] serves it over HTTP (`ledger_api::identity`), with the access rule of
//! `ledger_core::projection::identity_access`.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ledger_api::identity::{refusal, ErasureNote, IdentityService, StoredIdentity};
use ledger_api::service::BoxFuture;
use ledger_api::ApiError;
use ledger_core::domain::value::LearnerCode;
use ledger_core::identity::Identity;
use ledger_core::key::PublicKey;
use ledger_core::projection::identity_access::IdentityOperation;
use serde_json::{json, Value};

use crate::judge::SharedProjections;
use crate::layout::{sync_directory, Layout};
use crate::node::CheckpointWaiter;
use ledger_core::hex::encode as hex;

/// The `format` of the register's files.
const FORMAT: &str = "hocba-ledger/identity-register/v1";

/// Why the register refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The learner is not registered on the log. `404 identity-unknown-learner`.
    #[error("learner {0} is not registered on the log")]
    UnknownLearner(LearnerCode),
    /// The record's commitment is not the learner's commitment in force.
    /// `409 identity-commitment-mismatch`.
    #[error(
        "the record's commitment {offered} is not learner {learner}'s commitment in force on the \
         log, {in_force} (set at index {index})"
    )]
    CommitmentMismatch {
        /// The learner.
        learner: LearnerCode,
        /// The record's commitment, hex.
        offered: String,
        /// The commitment in force, hex.
        in_force: String,
        /// The index of the event that set it.
        index: u64,
    },
    /// The learner's data was erased (and, for a put, no new commitment was appended since).
    /// `410 identity-erased` for a read or an erasure, `409` for a put.
    #[error(
        "learner {}'s identity data was erased at {} µs by {}: {}{}",
        .note.learner, .note.erased_at_us, key_text(&.note.erased_by), .note.reason,
        if *.put { "; store data again only after appending a new commitment (identity.corrected)" } else { "" }
    )]
    Erased {
        /// The latest erasure.
        note: Box<ErasureNote>,
        /// Whether a put was refused (rather than a read or an erasure).
        put: bool,
    },
    /// The register holds no data for the learner. `404 identity-not-found`.
    #[error("the register holds no identity data for learner {0}")]
    NotFound(LearnerCode),
    /// A file of the register is not what the register writes (damage or tampering). `500`.
    #[error("{path}: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Reading or writing the disk failed; nothing was answered as done. `500`.
    #[error("{what} {path}: {source}")]
    Io {
        /// The operation.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl RegisterError {
    /// The stable code (`internal` for node-side failures).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownLearner(_) => "identity-unknown-learner",
            Self::CommitmentMismatch { .. } => "identity-commitment-mismatch",
            Self::Erased { .. } => "identity-erased",
            Self::NotFound(_) => "identity-not-found",
            Self::Corrupt { .. } | Self::Io { .. } => "internal",
        }
    }

    fn to_api(&self) -> ApiError {
        match self {
            Self::Corrupt { .. } | Self::Io { .. } => ApiError::internal(self.to_string()),
            Self::Erased { put: false, .. } => refusal(self.code(), self.to_string()),
            // Storing again conflicts with the erasure the register holds: 409, not 410.
            Self::Erased { put: true, .. } => ApiError {
                fault: ledger_api::error::Fault::Conflict,
                ..refusal(self.code(), self.to_string()).with_status(409)
            },
            _ => refusal(self.code(), self.to_string()),
        }
    }
}

fn key_text(key: &PublicKey) -> String {
    BASE64.encode(key.to_bytes())
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> RegisterError + 'a {
    move |source| RegisterError::Io {
        what,
        path: path.to_owned(),
        source,
    }
}

/// A row of the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The record.
    pub identity: Identity,
    /// The log index of the event whose commitment the record matched when stored.
    pub commitment_index: u64,
    /// When it was stored, µs since the Unix epoch.
    pub stored_at_us: u64,
    /// The key that stored it.
    pub stored_by: PublicKey,
}

/// The identity register in one directory.
#[derive(Debug)]
pub struct IdentityRegister {
    directory: PathBuf,
    /// One writer at a time: a put and an erasure of the same learner must not interleave.
    lock: Mutex<()>,
}

impl IdentityRegister {
    /// Opens (creating if needed) the register of a node's data directory, and finishes any
    /// erasure a crash interrupted.
    ///
    /// # Errors
    /// I/O errors, or a damaged file.
    pub fn open(layout: &Layout) -> Result<Self, RegisterError> {
        Self::open_directory(&layout.identities())
    }

    /// Opens (creating if needed) a register in `directory`.
    ///
    /// # Errors
    /// I/O errors, or a damaged file.
    pub fn open_directory(directory: &Path) -> Result<Self, RegisterError> {
        if !directory.is_dir() {
            std::fs::create_dir_all(directory).map_err(io("creating", directory))?;
            if let Some(parent) = directory.parent() {
                sync_directory(parent).map_err(io("syncing", parent))?;
            }
        }
        let register = Self {
            directory: directory.to_owned(),
            lock: Mutex::new(()),
        };
        let entries = std::fs::read_dir(directory).map_err(io("listing", directory))?;
        for entry in entries {
            let entry = entry.map_err(io("listing", directory))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") {
                // A write that never reached its rename: nothing was answered for it.
                std::fs::remove_file(entry.path()).map_err(io("removing", &entry.path()))?;
            } else if let Some(learner) = name.strip_suffix(".erased.json") {
                let learner =
                    LearnerCode::parse(learner).map_err(|detail| RegisterError::Corrupt {
                        path: entry.path(),
                        detail,
                    })?;
                // A crash between the note and the removal leaves the row: remove it now.
                register.row_unless_erased(&learner)?;
            }
        }
        Ok(register)
    }

    /// The directory.
    #[must_use]
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Stores `identity`, durably, if its commitment is the one in force on the log:
    /// `in_force` is the learner's (index, commitment) from
    /// `Projections::identity_commitment_index` and `Projections::identity_commitment`
    /// (`None` for a learner the log does not know). Replaces the learner's earlier row.
    ///
    /// # Errors
    /// [`RegisterError::UnknownLearner`], [`RegisterError::CommitmentMismatch`],
    /// [`RegisterError::Erased`] when the data was erased and no commitment was appended since;
    /// I/O errors (then the row may or may not be stored; nothing was answered).
    pub fn put(
        &self,
        identity: &Identity,
        in_force: Option<(u64, [u8; 32])>,
        by: PublicKey,
        now_us: u64,
    ) -> Result<Row, RegisterError> {
        let learner = identity.learner();
        let Some((index, commitment)) = in_force else {
            return Err(RegisterError::UnknownLearner(learner.clone()));
        };
        if identity.commitment() != commitment {
            return Err(RegisterError::CommitmentMismatch {
                learner: learner.clone(),
                offered: identity.commitment_hex(),
                in_force: hex(&commitment),
                index,
            });
        }
        let _guard = self.guard();
        if let Some(note) = self.erasures(learner)?.pop() {
            if note.commitment_index >= index {
                return Err(RegisterError::Erased {
                    note: Box::new(note),
                    put: true,
                });
            }
        }
        // Never replace a row of a newer commitment with an older one: two puts racing around a
        // correction must leave the corrected data.
        if let Some(row) = self.read_row(learner)? {
            if row.commitment_index > index {
                return Err(RegisterError::CommitmentMismatch {
                    learner: learner.clone(),
                    offered: identity.commitment_hex(),
                    in_force: row.identity.commitment_hex(),
                    index: row.commitment_index,
                });
            }
        }
        let row = Row {
            identity: identity.clone(),
            commitment_index: index,
            stored_at_us: now_us,
            stored_by: by,
        };
        let content = json!({
            "format": FORMAT,
            "identity": identity.to_json(),
            "commitment": identity.commitment_hex(),
            "commitment_index": index,
            "stored_at_us": now_us,
            "stored_by": key_text(&by),
        });
        self.write_durably(&self.row_path(learner), &content)?;
        // Durable from here: the row survives a crash.
        Ok(row)
    }

    /// The row held for `learner`.
    ///
    /// # Errors
    /// [`RegisterError::Erased`] after an erasure, [`RegisterError::NotFound`] when nothing was
    /// ever stored; I/O errors or a damaged file.
    pub fn get(&self, learner: &LearnerCode) -> Result<Row, RegisterError> {
        let _guard = self.guard();
        match self.row_unless_erased(learner)? {
            Some(row) => Ok(row),
            None => match self.erasures(learner)?.pop() {
                Some(note) => Err(RegisterError::Erased {
                    note: Box::new(note),
                    put: false,
                }),
                None => Err(RegisterError::NotFound(learner.clone())),
            },
        }
    }

    /// Erases `learner`'s row (the data and its salt), durably, leaving an erasure note.
    /// `in_force_index` is the index of the learner's commitment in force on the log: only
    /// data for a commitment appended after it may be stored again.
    ///
    /// # Errors
    /// [`RegisterError::Erased`] when already erased, [`RegisterError::NotFound`] when nothing
    /// is held; I/O errors (then the erasure may or may not be done; nothing was answered, and
    /// reopening the register finishes one whose note is durable).
    pub fn erase(
        &self,
        learner: &LearnerCode,
        by: PublicKey,
        reason: &str,
        in_force_index: u64,
        now_us: u64,
    ) -> Result<ErasureNote, RegisterError> {
        let _guard = self.guard();
        let mut notes = self.erasures(learner)?;
        let Some(row) = self.row_unless_erased(learner)? else {
            return Err(match notes.pop() {
                Some(note) => RegisterError::Erased {
                    note: Box::new(note),
                    put: false,
                },
                None => RegisterError::NotFound(learner.clone()),
            });
        };
        let note = ErasureNote {
            learner: learner.clone(),
            erased_at_us: now_us,
            erased_by: by,
            reason: reason.to_owned(),
            commitment_index: in_force_index.max(row.commitment_index),
        };
        notes.push(note.clone());
        let content = json!({
            "format": FORMAT,
            "learner": learner.as_str(),
            "erasures": notes.iter().map(|note| json!({
                "erased_at_us": note.erased_at_us,
                "erased_by": key_text(&note.erased_by),
                "reason": note.reason,
                "commitment_index": note.commitment_index,
            })).collect::<Vec<_>>(),
        });
        // The note first: once it is durable the erasure is decided, and a crash before the
        // removal below is finished by `open` (and no read returns the row meanwhile).
        self.write_durably(&self.note_path(learner), &content)?;
        self.remove_durably(&self.row_path(learner))?;
        Ok(note)
    }

    fn guard(&self) -> MutexGuard<'_, ()> {
        // A panic while holding the lock cannot leave a file half-written (writes go through a
        // rename), so a poisoned lock is safe to take.
        self.lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn row_path(&self, learner: &LearnerCode) -> PathBuf {
        self.directory.join(format!("{learner}.identity.json"))
    }

    fn note_path(&self, learner: &LearnerCode) -> PathBuf {
        self.directory.join(format!("{learner}.erased.json"))
    }

    /// The row, unless an erasure at or after its commitment covers it, in which case a crash
    /// interrupted that erasure and the row is removed now.
    fn row_unless_erased(&self, learner: &LearnerCode) -> Result<Option<Row>, RegisterError> {
        let Some(row) = self.read_row(learner)? else {
            return Ok(None);
        };
        let erased = self
            .erasures(learner)?
            .last()
            .is_some_and(|note| note.commitment_index >= row.commitment_index);
        if erased {
            self.remove_durably(&self.row_path(learner))?;
            return Ok(None);
        }
        Ok(Some(row))
    }

    fn read_row(&self, learner: &LearnerCode) -> Result<Option<Row>, RegisterError> {
        let path = self.row_path(learner);
        let Some(value) = read_json(&path)? else {
            return Ok(None);
        };
        let corrupt = |detail: String| RegisterError::Corrupt {
            path: path.clone(),
            detail,
        };
        let identity =
            Identity::from_json(&value["identity"]).map_err(|error| corrupt(error.to_string()))?;
        // Pair check: the commitment written beside the data must be the data's.
        if value["commitment"].as_str() != Some(identity.commitment_hex().as_str())
            || identity.learner() != learner
        {
            return Err(corrupt(
                "the stored commitment or learner does not match the data".into(),
            ));
        }
        Ok(Some(Row {
            identity,
            commitment_index: number(&value, "commitment_index")
                .ok_or_else(|| corrupt("commitment_index is missing".into()))?,
            stored_at_us: number(&value, "stored_at_us")
                .ok_or_else(|| corrupt("stored_at_us is missing".into()))?,
            stored_by: key(&value, "stored_by")
                .ok_or_else(|| corrupt("stored_by is not a key".into()))?,
        }))
    }

    /// The learner's erasure notes, oldest first.
    fn erasures(&self, learner: &LearnerCode) -> Result<Vec<ErasureNote>, RegisterError> {
        let path = self.note_path(learner);
        let Some(value) = read_json(&path)? else {
            return Ok(Vec::new());
        };
        let corrupt = || RegisterError::Corrupt {
            path: path.clone(),
            detail: "not an erasure note of this register".into(),
        };
        value["erasures"]
            .as_array()
            .ok_or_else(corrupt)?
            .iter()
            .map(|note| {
                Ok(ErasureNote {
                    learner: learner.clone(),
                    erased_at_us: number(note, "erased_at_us").ok_or_else(corrupt)?,
                    erased_by: key(note, "erased_by").ok_or_else(corrupt)?,
                    reason: note["reason"].as_str().ok_or_else(corrupt)?.to_owned(),
                    commitment_index: number(note, "commitment_index").ok_or_else(corrupt)?,
                })
            })
            .collect()
    }

    /// Writes `content` to `path` so that, on return, it survives power loss: temporary file,
    /// fsync, rename over `path`, fsync of the directory.
    fn write_durably(&self, path: &Path, content: &Value) -> Result<(), RegisterError> {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = self.directory.join(format!(".{name}.tmp"));
        let mut bytes =
            serde_json::to_vec_pretty(content).map_err(|error| RegisterError::Corrupt {
                path: path.to_owned(),
                detail: error.to_string(),
            })?;
        bytes.push(b'\n');
        let mut file = File::create(&temporary).map_err(io("creating", &temporary))?;
        file.write_all(&bytes).map_err(io("writing", &temporary))?;
        file.sync_all().map_err(io("syncing", &temporary))?;
        drop(file);
        std::fs::rename(&temporary, path).map_err(io("renaming", &temporary))?;
        sync_directory(&self.directory).map_err(io("syncing", &self.directory))
    }

    /// Removes `path` so that, on return, the removal survives power loss.
    fn remove_durably(&self, path: &Path) -> Result<(), RegisterError> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(io("removing", path)(error)),
        }
        sync_directory(&self.directory).map_err(io("syncing", &self.directory))
    }
}

fn read_json(path: &Path) -> Result<Option<Value>, RegisterError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|error| RegisterError::Corrupt {
                    path: path.to_owned(),
                    detail: error.to_string(),
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io("reading", path)(error)),
    }
}

fn number(value: &Value, field: &str) -> Option<u64> {
    value[field].as_u64()
}

fn key(value: &Value, field: &str) -> Option<PublicKey> {
    let bytes = BASE64.decode(value[field].as_str()?).ok()?;
    PublicKey::from_bytes(&bytes).ok()
}

/// The identity register served over HTTP: access from the node's projections, data from the
/// register.
pub struct NodeIdentityService {
    register: Arc<IdentityRegister>,
    projections: SharedProjections,
    checkpoints: CheckpointWaiter,
}

impl NodeIdentityService {
    /// The service of a domain node: its register (`IdentityRegister::open(&layout)`), its
    /// projections (`Node::projections`, present for the học bạ policy) and its checkpoints
    /// (`Node::checkpoint_waiter`), which tell when a commitment is durable on the log.
    #[must_use]
    pub fn new(
        register: Arc<IdentityRegister>,
        projections: SharedProjections,
        checkpoints: CheckpointWaiter,
    ) -> Self {
        Self {
            register,
            projections,
            checkpoints,
        }
    }

    /// Checks access and reads the learner's commitment in force: (index, commitment).
    fn check(
        &self,
        key: &PublicKey,
        learner: &LearnerCode,
        operation: IdentityOperation,
    ) -> Result<Option<(u64, [u8; 32])>, ApiError> {
        let projections = self
            .projections
            .read()
            .map_err(|_| ApiError::internal("the projections' lock is poisoned"))?;
        projections
            .may_handle_identity(key, crate::sequencer::now_us(), learner, operation)
            .map_err(|refusal| crate::reads::access_refused(&refusal))?;
        Ok(projections
            .identity_commitment_index(learner)
            .zip(projections.identity_commitment(learner)))
    }

    /// Waits until a signed checkpoint covers the record at `index`, so the register never
    /// holds data for a commitment a crash could still take off the log.
    async fn durable(&self, index: u64) -> Result<(), ApiError> {
        self.checkpoints.covering(index + 1).await.map(|_| ())
    }
}

/// Runs a register operation (file I/O and fsync) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RegisterError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::internal(format!("identity register task failed: {error}")))?
        .map_err(|error| error.to_api())
}

impl IdentityService for NodeIdentityService {
    fn put(
        &self,
        key: PublicKey,
        identity: Identity,
    ) -> BoxFuture<'_, Result<StoredIdentity, ApiError>> {
        Box::pin(async move {
            let learner = identity.learner().clone();
            let in_force = self.check(&key, &learner, IdentityOperation::Put)?;
            if let Some((index, commitment)) = in_force {
                if commitment == identity.commitment() {
                    self.durable(index).await?;
                }
            }
            // The wait may have let a correction or a revocation in: decide on the state now.
            let in_force = self.check(&key, &learner, IdentityOperation::Put)?;
            let register = Arc::clone(&self.register);
            let now_us = crate::sequencer::now_us();
            let row = blocking(move || register.put(&identity, in_force, key, now_us)).await?;
            Ok(stored(row, true))
        })
    }

    fn get(
        &self,
        key: PublicKey,
        learner: LearnerCode,
    ) -> BoxFuture<'_, Result<StoredIdentity, ApiError>> {
        Box::pin(async move {
            let Some((_, commitment)) = self.check(&key, &learner, IdentityOperation::Get)? else {
                return Err(RegisterError::UnknownLearner(learner).to_api());
            };
            let register = Arc::clone(&self.register);
            let row = blocking(move || register.get(&learner)).await?;
            let in_force = row.identity.commitment() == commitment;
            Ok(stored(row, in_force))
        })
    }

    fn erase(
        &self,
        key: PublicKey,
        learner: LearnerCode,
        reason: String,
    ) -> BoxFuture<'_, Result<ErasureNote, ApiError>> {
        Box::pin(async move {
            let Some((index, _)) = self.check(&key, &learner, IdentityOperation::Erase)? else {
                return Err(RegisterError::UnknownLearner(learner).to_api());
            };
            let register = Arc::clone(&self.register);
            let now_us = crate::sequencer::now_us();
            blocking(move || register.erase(&learner, key, &reason, index, now_us)).await
        })
    }
}

fn stored(row: Row, in_force: bool) -> StoredIdentity {
    StoredIdentity {
        identity: row.identity,
        commitment_index: row.commitment_index,
        in_force,
        stored_at_us: row.stored_at_us,
        stored_by: row.stored_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(salt: u8) -> Identity {
        Identity::from_json(&json!({
            "learner": "7901000100001",
            "full_name": "Nguyễn Thị Ánh",
            "gender": "female",
            "date_of_birth": "2011-12-11",
            "personal_id": null,
            "father": null,
            "mother": "Trần Thị Mai",
            "salt": format!("{salt:02x}").repeat(32),
        }))
        .unwrap()
    }

    fn clerk() -> PublicKey {
        PublicKey::from(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    }

    #[test]
    fn put_get_erase_and_the_rules_around_them() {
        let directory = tempfile::tempdir().unwrap();
        let register = IdentityRegister::open_directory(directory.path()).unwrap();
        let first = identity(1);
        let learner = first.learner().clone();
        let in_force = Some((4, first.commitment()));
        assert_eq!(
            register.get(&learner).unwrap_err().code(),
            "identity-not-found"
        );
        assert_eq!(
            register.put(&first, None, clerk(), 1).unwrap_err().code(),
            "identity-unknown-learner"
        );
        let other = identity(2);
        assert_eq!(
            register
                .put(&other, in_force, clerk(), 1)
                .unwrap_err()
                .code(),
            "identity-commitment-mismatch"
        );
        assert!(std::fs::read_dir(directory.path())
            .unwrap()
            .next()
            .is_none());
        register.put(&first, in_force, clerk(), 1).unwrap();
        assert_eq!(register.get(&learner).unwrap().identity, first);
        // Reopened, it holds the same row.
        let register = IdentityRegister::open_directory(directory.path()).unwrap();
        assert_eq!(register.get(&learner).unwrap().commitment_index, 4);
        let note = register
            .erase(&learner, clerk(), "yêu cầu xóa", 4, 2)
            .unwrap();
        assert_eq!(note.commitment_index, 4);
        assert!(!register.row_path(&learner).exists());
        let erased = std::fs::read_to_string(register.note_path(&learner)).unwrap();
        assert!(
            !erased.contains("Ánh") && !erased.contains("0101"),
            "{erased}"
        );
        assert_eq!(
            register.get(&learner).unwrap_err().code(),
            "identity-erased"
        );
        assert_eq!(
            register
                .erase(&learner, clerk(), "again", 4, 3)
                .unwrap_err()
                .code(),
            "identity-erased"
        );
        // The same data again is refused; data for a later commitment is not.
        assert_eq!(
            register
                .put(&first, in_force, clerk(), 3)
                .unwrap_err()
                .code(),
            "identity-erased"
        );
        register
            .put(&other, Some((9, other.commitment())), clerk(), 4)
            .unwrap();
        assert_eq!(register.get(&learner).unwrap().identity, other);
    }

    #[test]
    fn open_finishes_an_interrupted_erasure_and_drops_temporaries() {
        let directory = tempfile::tempdir().unwrap();
        let register = IdentityRegister::open_directory(directory.path()).unwrap();
        let first = identity(1);
        let learner = first.learner().clone();
        register
            .put(&first, Some((4, first.commitment())), clerk(), 1)
            .unwrap();
        let row = std::fs::read(register.row_path(&learner)).unwrap();
        register.erase(&learner, clerk(), "xóa", 4, 2).unwrap();
        // As if the process died after the note was durable, before the row was removed.
        std::fs::write(register.row_path(&learner), row).unwrap();
        std::fs::write(directory.path().join(".x.identity.json.tmp"), b"{").unwrap();
        let register = IdentityRegister::open_directory(directory.path()).unwrap();
        assert!(!register.row_path(&learner).exists());
        assert!(!directory.path().join(".x.identity.json.tmp").exists());
        assert_eq!(
            register.get(&learner).unwrap_err().code(),
            "identity-erased"
        );
    }

    #[test]
    fn an_older_commitment_never_replaces_a_newer_row() {
        let directory = tempfile::tempdir().unwrap();
        let register = IdentityRegister::open_directory(directory.path()).unwrap();
        let (old, corrected) = (identity(1), identity(2));
        // The corrected data (commitment at index 9) lands first; a put that was decided
        // against the registration (index 4) arrives late and must not overwrite it.
        register
            .put(&corrected, Some((9, corrected.commitment())), clerk(), 1)
            .unwrap();
        let late = register.put(&old, Some((4, old.commitment())), clerk(), 2);
        assert_eq!(late.unwrap_err().code(), "identity-commitment-mismatch");
        assert_eq!(register.get(old.learner()).unwrap().identity, corrected);
    }

    #[test]
    fn a_tampered_row_is_reported_not_served() {
        let directory = tempfile::tempdir().unwrap();
        let register = IdentityRegister::open_directory(directory.path()).unwrap();
        let first = identity(1);
        register
            .put(&first, Some((4, first.commitment())), clerk(), 1)
            .unwrap();
        let path = register.row_path(first.learner());
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("Trần Thị Mai", "Trần Thị Mại")).unwrap();
        assert!(matches!(
            register.get(first.learner()),
            Err(RegisterError::Corrupt { .. })
        ));
    }
}
