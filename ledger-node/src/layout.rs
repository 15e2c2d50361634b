//! Where a node keeps what, and what losing each costs.
//!
//! ```text
//! DIR/node.json        configuration: origin and the log's public verifier key
//! DIR/log.key          the log's signing key: the node's most important secret (mode 0600)
//! DIR/log/*.seg        segment files of framed records: THE TRUTH, append-only, fdatasync'd
//!                      before any acknowledgement; named by the index of their first record
//! DIR/checkpoints      every signed checkpoint, framed, fdatasync'd before it is published:
//!                      the log's signed statements, kept to prove it never forked
//! DIR/tree/level-NN    stored Merkle hashes: derived, rebuilt from the segments if lost
//! DIR/index/offsets    record index -> position in its segment: derived
//! DIR/index/idempotency  idempotency index: derived, caught up from the log on start
//! ```

use std::path::{Path, PathBuf};

/// The paths inside one node's data directory.
#[derive(Clone, Debug)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The layout of the data directory `root`.
    #[must_use]
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    /// The data directory itself.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The configuration file.
    #[must_use]
    pub fn config(&self) -> PathBuf {
        self.root.join("node.json")
    }

    /// The log's signing key.
    #[must_use]
    pub fn signing_key(&self) -> PathBuf {
        self.root.join("log.key")
    }

    /// The directory of segment files.
    #[must_use]
    pub fn segments(&self) -> PathBuf {
        self.root.join("log")
    }

    /// The checkpoint history.
    #[must_use]
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// The stored Merkle hashes.
    #[must_use]
    pub fn tree(&self) -> PathBuf {
        self.root.join("tree")
    }

    /// The directory of derived indexes.
    #[must_use]
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }

    /// The record offsets file.
    #[must_use]
    pub fn offsets(&self) -> PathBuf {
        self.index().join("offsets")
    }

    /// The idempotency index file.
    #[must_use]
    pub fn idempotency(&self) -> PathBuf {
        self.index().join("idempotency")
    }

    /// Where earlier versions kept the idempotency index (a sled database); removed on open.
    #[must_use]
    pub fn retired_sled(&self) -> PathBuf {
        self.index().join("sled")
    }

    /// The identity register: one file per learner, primary data (it cannot be rebuilt from
    /// the log), fsynced before any answer; see `identity_register`.
    #[must_use]
    pub fn identities(&self) -> PathBuf {
        self.root.join("identities")
    }
}

/// Makes a directory entry durable: a new or renamed file survives power loss only once its
/// directory is synced.
///
/// # Errors
/// I/O errors.
pub fn sync_directory(directory: &Path) -> std::io::Result<()> {
    std::fs::File::open(directory)?.sync_all()
}
