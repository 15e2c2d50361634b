//! `hocba import`: rebuilds a node's data directory from a static `tlog-tiles` tree (an export),
//! after verifying all of it: checkpoint signature, every tile, every entry's leaf hash, the
//! chain and every signature. Nothing is written to the target until everything verified: the
//! data is assembled in `DIR.importing` and renamed into place at the end.

use std::io::Write as _;
use std::path::Path;

use ledger_core::note::NoteVerifier;

use crate::config::{self, NodeConfig};
use crate::frame::encode_frame;
use crate::history::History;
use crate::layout::{sync_directory, Layout};
use crate::log::SEGMENT_SIZE_TARGET;
use crate::static_log::{self, Options, StaticError};

/// Imports the log at `source` into the new data directory `target`, verifying it with
/// `verifier`; the new node judges appends (and `verify` replays) under `policy`. Copies `signing_key` (a `log.key` file) when given, making the node writable;
/// otherwise the result is a read-only mirror.
///
/// # Errors
/// [`StaticError`] when the source does not verify, or a description of an I/O failure.
pub fn import(
    source: &dyn static_log::Source,
    verifier: &NoteVerifier,
    target: &Path,
    signing_key: Option<&Path>,
    policy: crate::config::Policy,
    mut progress: impl FnMut(u64),
) -> Result<u64, StaticError> {
    let io = |error: std::io::Error| StaticError::Fetch(format!("write: {error}"));
    if target.join("node.json").exists() {
        return Err(StaticError::Fetch(format!(
            "{} already holds a node; import only into a new directory",
            target.display()
        )));
    }
    let staging = target.with_extension("importing");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io)?;
    }
    let result = import_into(
        source,
        verifier,
        &staging,
        target,
        signing_key,
        policy,
        &mut progress,
    );
    if result.is_err() {
        // Nothing of a failed import may be left where it could be mistaken for data.
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn import_into(
    source: &dyn static_log::Source,
    verifier: &NoteVerifier,
    staging: &Path,
    target: &Path,
    signing_key: Option<&Path>,
    policy: crate::config::Policy,
    progress: &mut impl FnMut(u64),
) -> Result<u64, StaticError> {
    let io = |error: std::io::Error| StaticError::Fetch(format!("write: {error}"));
    let layout = Layout::new(staging);
    std::fs::create_dir_all(layout.segments()).map_err(io)?;
    let mut segment: Option<std::fs::File> = None;
    let mut segment_size = 0u64;
    let mut buffer = Vec::new();
    let verified = static_log::walk(
        source,
        verifier,
        Options {
            entries: true,
            signatures: true,
        },
        &[],
        |index, record| {
            if segment.is_none() || segment_size >= SEGMENT_SIZE_TARGET {
                if let Some(mut file) = segment.take() {
                    file.write_all(&buffer).map_err(io)?;
                    file.sync_data().map_err(io)?;
                    buffer.clear();
                }
                let path = layout.segments().join(format!("{index:020}.seg"));
                segment = Some(std::fs::File::create(path).map_err(io)?);
                segment_size = 0;
            }
            let before = buffer.len();
            encode_frame(record, &mut buffer);
            segment_size += (buffer.len() - before) as u64;
            if buffer.len() > 8 * 1024 * 1024 {
                let file = segment.as_mut().expect("segment open");
                file.write_all(&buffer).map_err(io)?;
                buffer.clear();
            }
            if index % 65_536 == 0 {
                progress(index);
            }
            Ok(())
        },
    )?;
    if let Some(mut file) = segment.take() {
        file.write_all(&buffer).map_err(io)?;
        file.sync_data().map_err(io)?;
    }
    sync_directory(&layout.segments()).map_err(io)?;
    let (mut history, _) = History::open(&layout.checkpoints()).map_err(io)?;
    history.append(&verified.note).map_err(io)?;
    if let Some(key) = signing_key {
        std::fs::copy(key, layout.signing_key()).map_err(io)?;
        let text = std::fs::read_to_string(layout.signing_key()).map_err(io)?;
        let signer = ledger_core::note::NoteSigner::parse(text.trim())
            .map_err(|error| StaticError::Fetch(format!("signing key: {error}")))?;
        if signer.verifier_key() != verifier.verifier_key() {
            return Err(StaticError::Fetch(
                "the signing key does not belong to the log being imported".to_owned(),
            ));
        }
    }
    config::write_config(
        &layout,
        &NodeConfig {
            format: 1,
            origin: verifier.name().as_str().to_owned(),
            verifier_key: verifier.verifier_key(),
            policy,
        },
    )
    .map_err(|error| StaticError::Fetch(error.to_string()))?;
    if target.exists() {
        // An empty directory made by the operator: replace it.
        std::fs::remove_dir(target).map_err(io)?;
    }
    std::fs::rename(staging, target).map_err(io)?;
    if let Some(parent) = target
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        sync_directory(parent).map_err(io)?;
    }
    let size = verified.checkpoint.size;
    progress(size);
    Ok(size)
}
