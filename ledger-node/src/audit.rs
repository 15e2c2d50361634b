//! `hocba audit`: the Ministry's check of a remote log.
//!
//! Fetches the checkpoint and every tile, verifies the log's signature, recomputes the whole
//! tree from the leaf hashes (and, with entries, from the records themselves), and proves that the
//! new checkpoint extends the last one this auditor accepted from that origin (kept in a state
//! file). A log that rewrote, forked or rolled back its history is reported with both signed
//! checkpoints as evidence.

use std::path::Path;

use ledger_core::checkpoint::Checkpoint;
use ledger_core::note::NoteVerifier;
use serde::{Deserialize, Serialize};

use crate::static_log::{self, Options, StaticError};

/// The auditor's memory of one log: the newest checkpoint it accepted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditState {
    /// The log's origin.
    pub origin: String,
    /// The accepted signed checkpoint, verbatim.
    pub checkpoint: String,
}

/// The outcome of an audit.
#[derive(Debug)]
pub enum Outcome {
    /// Everything verified and the new checkpoint extends the accepted one.
    Consistent {
        /// The new checkpoint.
        checkpoint: Checkpoint,
        /// The previously accepted size, if any.
        previous_size: Option<u64>,
    },
    /// The log contradicts a checkpoint it signed before: both notes are the evidence.
    Forked {
        /// What contradicts what.
        what: String,
        /// The previously accepted signed checkpoint.
        accepted: String,
        /// The new signed checkpoint.
        presented: String,
    },
}

/// Audits the log at `location` (an `http(s)://` prefix or an export directory).
///
/// # Errors
/// [`StaticError`] when the log does not verify or cannot be fetched; I/O problems with the
/// state file are reported as [`StaticError::Fetch`].
pub fn audit(
    location: &str,
    verifier: &NoteVerifier,
    state_path: Option<&Path>,
    entries: bool,
) -> Result<Outcome, StaticError> {
    let source = static_log::source_for(location).map_err(StaticError::Fetch)?;
    let state: Option<AuditState> = match state_path {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path)
                .map_err(|error| StaticError::Fetch(format!("{}: {error}", path.display())))?;
            Some(serde_json::from_slice(&bytes).map_err(|error| {
                StaticError::Fetch(format!("state file {}: {error}", path.display()))
            })?)
        }
        _ => None,
    };
    let accepted = match &state {
        Some(state) => Some(
            Checkpoint::open(state.checkpoint.as_bytes(), verifier).map_err(|error| {
                StaticError::Fetch(format!(
                    "the state file's checkpoint does not verify with this key: {error}"
                ))
            })?,
        ),
        None => None,
    };
    let sizes: Vec<u64> = accepted.iter().map(|checkpoint| checkpoint.size).collect();
    let verified = static_log::walk(
        source.as_ref(),
        verifier,
        Options {
            entries,
            signatures: entries,
        },
        &sizes,
        |_, _| Ok(()),
    )?;
    let presented = String::from_utf8_lossy(&verified.note).into_owned();
    if let (Some(accepted), Some(state)) = (&accepted, &state) {
        if verified.checkpoint.size < accepted.size {
            return Ok(Outcome::Forked {
                what: format!(
                    "the log now shows {} records but earlier signed a checkpoint of {}: it rolled \
                     back its history",
                    verified.checkpoint.size,
                    accepted.size
                ),
                accepted: state.checkpoint.clone(),
                presented,
            });
        }
        let root = verified
            .roots
            .iter()
            .find(|(size, _)| *size == accepted.size)
            .map(|(_, root)| *root);
        if root != Some(accepted.root) {
            return Ok(Outcome::Forked {
                what: format!(
                    "the first {} records no longer hash to the root the log signed earlier: it \
                     rewrote or forked its history",
                    accepted.size
                ),
                accepted: state.checkpoint.clone(),
                presented,
            });
        }
    }
    if let Some(path) = state_path {
        let new_state = AuditState {
            origin: verifier.name().as_str().to_owned(),
            checkpoint: presented,
        };
        let temporary = path.with_extension("tmp");
        std::fs::write(
            &temporary,
            serde_json::to_vec_pretty(&new_state).expect("state serialises"),
        )
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|error| StaticError::Fetch(format!("{}: {error}", path.display())))?;
    }
    Ok(Outcome::Consistent {
        previous_size: accepted.as_ref().map(|checkpoint| checkpoint.size),
        checkpoint: verified.checkpoint,
    })
}
