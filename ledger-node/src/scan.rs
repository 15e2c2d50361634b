//! Read-only, sequential reading of a node's segment files, for `verify` and `export`. Works
//! on the data directory of a running node: it never writes.

use std::path::{Path, PathBuf};

use ledger_core::limits::RECORD_SIZE_MAX;

use crate::frame::{decode_frame, Decoded};

/// How a scan ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanEnd {
    /// Records read.
    pub records: u64,
    /// A damaged or partial frame where the scan stopped: (segment, byte offset, reason). At the
    /// end of the last segment this is a torn tail that the node cuts on its next start.
    pub stopped_at: Option<(PathBuf, u64, String)>,
    /// True if the damage is in the last segment with nothing valid after it.
    pub at_end: bool,
}

/// The segment files of a data directory, in order: (index of the first record, path).
///
/// # Errors
/// I/O errors.
pub fn segment_files(directory: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut segments = Vec::new();
    if !directory.exists() {
        return Ok(segments);
    }
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(first) = name
            .to_str()
            .and_then(|name| name.strip_suffix(".seg"))
            .and_then(|digits| digits.parse::<u64>().ok())
        {
            segments.push((first, entry.path()));
        }
    }
    segments.sort();
    Ok(segments)
}

/// Calls `visit(index, record)` for every record in order, stopping at the first damaged frame.
///
/// # Errors
/// I/O errors, or the first error `visit` returns.
pub fn scan<E: From<std::io::Error>>(
    directory: &Path,
    mut visit: impl FnMut(u64, &[u8]) -> Result<(), E>,
) -> Result<ScanEnd, E> {
    let segments = segment_files(directory)?;
    let mut end = ScanEnd::default();
    let count = segments.len();
    for (position, (_, path)) in segments.into_iter().enumerate() {
        let bytes = std::fs::read(&path)?;
        let mut cursor = 0;
        loop {
            match decode_frame(&bytes[cursor..], RECORD_SIZE_MAX) {
                Decoded::End => break,
                Decoded::Frame { payload, size } => {
                    visit(end.records, payload)?;
                    end.records += 1;
                    cursor += size;
                }
                Decoded::Invalid(reason) => {
                    end.stopped_at = Some((path.clone(), cursor as u64, reason.to_owned()));
                    end.at_end = position + 1 == count;
                    return Ok(end);
                }
            }
        }
    }
    Ok(end)
}
