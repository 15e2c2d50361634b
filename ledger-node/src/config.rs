//! A node's configuration (`node.json`) and its signing key (`log.key`).
//!
//! Only `hocba init` creates them; `serve` never creates a log, so a typo in `--data` cannot
//! start a second, empty log under the same origin.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;

use ed25519_dalek::SigningKey;
use ledger_core::note::{KeyName, NoteSigner, NoteVerifier};
use serde::{Deserialize, Serialize};

use crate::layout::{sync_directory, Layout};

/// The current `node.json` format.
const CONFIG_FORMAT: u32 = 1;

/// What the node admits besides a valid signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Policy {
    /// Every correctly signed submission (a log whose events are judged elsewhere).
    #[default]
    Open,
    /// The học bạ domain rules, rooted in the Ministry's keys (base64 Ed25519 public keys).
    Hocba {
        /// The Ministry's root keys.
        ministry_keys: Vec<String>,
    },
}

/// The contents of `node.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeConfig {
    /// The file's format version.
    pub format: u32,
    /// The log's origin: the first line of every checkpoint and the key name of its signature.
    pub origin: String,
    /// The log's public verifier key, `name+id+key` as c2sp.org/signed-note defines it.
    pub verifier_key: String,
    /// What the node admits.
    #[serde(default)]
    pub policy: Policy,
}

/// Errors handling the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `init` on a directory that already holds a node.
    #[error("{0} already holds a node; refusing to overwrite it")]
    Exists(String),
    /// The directory holds no node (`hocba init` first).
    #[error("{0} holds no node: create one with `hocba init --data {0} --origin ORIGIN`")]
    Missing(String),
    /// A file is unreadable or invalid.
    #[error("{0}")]
    Invalid(String),
    /// An I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Creates a node in `layout`: a fresh Ed25519 log key and `node.json`. Returns the verifier key.
///
/// # Errors
/// [`ConfigError::Exists`] if a node is already there; invalid origins; I/O errors.
pub fn init(layout: &Layout, origin: &str, policy: Policy) -> Result<NodeConfig, ConfigError> {
    if layout.config().exists() || layout.signing_key().exists() {
        return Err(ConfigError::Exists(layout.root().display().to_string()));
    }
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|error| ConfigError::Invalid(format!("no randomness for the key: {error}")))?;
    let name = KeyName::new(origin)
        .map_err(|error| ConfigError::Invalid(format!("origin {origin:?}: {error}")))?;
    let signer = NoteSigner::new(name, SigningKey::from_bytes(&seed));
    install(layout, &signer, policy)
}

/// Writes `node.json` and `log.key` for an existing signer (import with a key, tests).
///
/// # Errors
/// [`ConfigError::Exists`] if a node is already there; I/O errors.
pub fn install(
    layout: &Layout,
    signer: &NoteSigner,
    policy: Policy,
) -> Result<NodeConfig, ConfigError> {
    if layout.config().exists() || layout.signing_key().exists() {
        return Err(ConfigError::Exists(layout.root().display().to_string()));
    }
    crate::judge::judge_for(&policy).map_err(ConfigError::Invalid)?;
    std::fs::create_dir_all(layout.root())?;
    let mut key_file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(layout.signing_key())?;
    key_file.write_all(signer.signer_key().as_bytes())?;
    key_file.write_all(b"\n")?;
    key_file.sync_all()?;
    let config = NodeConfig {
        format: CONFIG_FORMAT,
        origin: signer.name().as_str().to_owned(),
        verifier_key: signer.verifier_key(),
        policy,
    };
    write_config(layout, &config)?;
    Ok(config)
}

/// Writes `node.json` for a node without a signing key (a verified mirror made by `import`).
///
/// # Errors
/// I/O errors.
pub fn write_config(layout: &Layout, config: &NodeConfig) -> Result<(), ConfigError> {
    std::fs::create_dir_all(layout.root())?;
    let temporary = layout.root().join("node.json.tmp");
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(&serde_json::to_vec_pretty(config).expect("config serialises"))?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    std::fs::rename(&temporary, layout.config())?;
    sync_directory(layout.root())?;
    Ok(())
}

/// Reads `node.json`.
///
/// # Errors
/// [`ConfigError::Missing`] when there is no node; [`ConfigError::Invalid`] for a bad file.
pub fn load(layout: &Layout) -> Result<NodeConfig, ConfigError> {
    let path = layout.config();
    if !path.exists() {
        return Err(ConfigError::Missing(layout.root().display().to_string()));
    }
    let config: NodeConfig = serde_json::from_slice(&std::fs::read(&path)?)
        .map_err(|error| ConfigError::Invalid(format!("{}: {error}", path.display())))?;
    if config.format != CONFIG_FORMAT {
        return Err(ConfigError::Invalid(format!(
            "{}: format {} is not supported (expected {CONFIG_FORMAT})",
            path.display(),
            config.format
        )));
    }
    Ok(config)
}

impl NodeConfig {
    /// The parsed verifier key.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a malformed key.
    pub fn verifier(&self) -> Result<NoteVerifier, ConfigError> {
        NoteVerifier::parse(&self.verifier_key)
            .map_err(|error| ConfigError::Invalid(format!("verifier key: {error}")))
    }
}

/// Reads the log's signing key, if this node has one, and checks it matches the configuration.
///
/// # Errors
/// [`ConfigError::Invalid`] for a malformed key or one that does not match `node.json`.
pub fn load_signer(
    layout: &Layout,
    config: &NodeConfig,
) -> Result<Option<NoteSigner>, ConfigError> {
    let path = layout.signing_key();
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)?;
    let signer = NoteSigner::parse(text.trim())
        .map_err(|error| ConfigError::Invalid(format!("{}: {error}", path.display())))?;
    if signer.verifier_key() != config.verifier_key {
        return Err(ConfigError::Invalid(format!(
            "{} does not match the verifier key in node.json",
            path.display()
        )));
    }
    Ok(Some(signer))
}
