//! The checkpoint history: every checkpoint the node ever signed, in order.
//!
//! Signed checkpoints are the log's public statements. The history is append-only, framed like
//! the segments, and `fdatasync`'d before a checkpoint is published, so the node always knows the
//! newest checkpoint it may have shown anyone, and never signs one inconsistent with it.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::Path;

use crate::frame::{decode_frame, encode_frame, Decoded};

/// Largest stored note.
const NOTE_SIZE_MAX: usize = ledger_core::limits::NOTE_SIZE_MAX;

/// The append side of the history.
pub struct History {
    file: File,
}

impl History {
    /// Opens (creating if needed) the history at `path` and returns it with every stored note.
    /// A torn final frame (a crash while appending) is cut off: it was never published.
    ///
    /// # Errors
    /// I/O errors.
    pub fn open(path: &Path) -> std::io::Result<(Self, Vec<Vec<u8>>)> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let (notes, valid) = read_all(&bytes);
        if valid < bytes.len() {
            tracing::warn!(
                dropped_bytes = bytes.len() - valid,
                "cutting a torn checkpoint record off the history"
            );
            file.set_len(valid as u64)?;
            file.sync_data()?;
        }
        Ok((Self { file }, notes))
    }

    /// Appends a signed checkpoint and makes it durable.
    ///
    /// # Errors
    /// I/O errors; the checkpoint must then not be published.
    pub fn append(&mut self, note: &[u8]) -> std::io::Result<()> {
        let mut frame = Vec::with_capacity(note.len() + 8);
        encode_frame(note, &mut frame);
        self.file.write_all(&frame)?;
        // After this line the checkpoint survives power loss and may be published.
        self.file.sync_data()
    }
}

/// Reads every complete note in `bytes`; returns them and the length of the valid prefix.
#[must_use]
pub fn read_all(bytes: &[u8]) -> (Vec<Vec<u8>>, usize) {
    let mut notes = Vec::new();
    let mut position = 0;
    while let Decoded::Frame { payload, size } = decode_frame(&bytes[position..], NOTE_SIZE_MAX) {
        notes.push(payload.to_vec());
        position += size;
    }
    (notes, position)
}
