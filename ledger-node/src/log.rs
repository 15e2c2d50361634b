//! The canonical log: append-only segment files of framed records, plus the derived record
//! offsets and stored Merkle hashes, and the recovery that reconciles them after a crash.
//!
//! One [`LogWriter`] (owned by the sequencer thread) appends; any number of readers share the
//! [`Log`]. Readers only look at records below the published [`Head`], which moves only after the
//! records under it are durable.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use ledger_core::limits::RECORD_SIZE_MAX;
use ledger_core::record;
use ledger_core::tree::{self, CompactRange, Hash, StoredHash};

use crate::frame::{self, Decoded, FRAME_HEADER_SIZE};
use crate::layout::{sync_directory, Layout};
use crate::tree_store::TreeStore;

/// A segment is closed and a new one started once it holds this many bytes. Bounded segments
/// keep recovery scans and backups in manageable pieces.
pub const SEGMENT_SIZE_TARGET: u64 = 256 * 1024 * 1024;

/// Errors opening or appending to the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A file could not be read or written. Fatal on the append path.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The segments contradict themselves or the checkpoint history in a way a crash cannot
    /// explain. The node refuses to start; an operator must investigate (`hocba verify`).
    #[error("the log is damaged at index {index}: {reason}")]
    Damaged {
        /// The first index that is wrong.
        index: u64,
        /// What is wrong.
        reason: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The durable end of the log as readers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Number of durable records.
    pub size: u64,
    /// The Merkle tree root at `size`.
    pub root: Hash,
    /// BLAKE3 of the last record (zeros for an empty log): the next record's `prev`.
    pub last_record_id: [u8; 32],
    /// Sequencing time of the last record, microseconds since the Unix epoch.
    pub last_sequenced_at: u64,
}

impl Head {
    fn empty() -> Self {
        Self {
            size: 0,
            root: tree::empty_root(),
            last_record_id: [0; 32],
            last_sequenced_at: 0,
        }
    }
}

struct Segment {
    first_index: u64,
    file: File,
}

/// The shared, read side of the log.
pub struct Log {
    segments_directory: PathBuf,
    segments: RwLock<Vec<Segment>>,
    offsets: File,
    tree: TreeStore,
    offsets_path: PathBuf,
    head: RwLock<Head>,
}

/// What recovery found and did.
#[derive(Clone, Debug, Default)]
pub struct Recovery {
    /// Records replayed from the segments to rebuild derived state.
    pub replayed: u64,
    /// Bytes of a torn tail cut off the last segment.
    pub truncated_bytes: u64,
}

impl Log {
    /// The published head.
    #[must_use]
    pub fn head(&self) -> Head {
        *self.head.read().expect("head lock")
    }

    /// The stored Merkle hashes.
    #[must_use]
    pub fn tree(&self) -> &TreeStore {
        &self.tree
    }

    /// Reads the record at `index`, which must be below the head.
    ///
    /// # Errors
    /// I/O errors, or `NotFound` for an index at or beyond the head.
    pub fn read_record(&self, index: u64) -> std::io::Result<Vec<u8>> {
        if index >= self.head().size {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        self.read_record_unchecked(index)
    }

    fn read_record_unchecked(&self, index: u64) -> std::io::Result<Vec<u8>> {
        let mut offset = [0u8; 8];
        self.offsets.read_exact_at(&mut offset, index * 8)?;
        let offset = u64::from_be_bytes(offset);
        let segments = self.segments.read().expect("segments lock");
        let position = segments.partition_point(|segment| segment.first_index <= index);
        let segment = &segments[position
            .checked_sub(1)
            .ok_or(std::io::ErrorKind::NotFound)?];
        let mut header = [0u8; FRAME_HEADER_SIZE];
        segment.file.read_exact_at(&mut header, offset)?;
        let length = u32::from_be_bytes(header[..4].try_into().expect("4 bytes")) as usize;
        let mut framed = vec![0u8; FRAME_HEADER_SIZE + length];
        segment.file.read_exact_at(&mut framed, offset)?;
        // Pair of the write-side check: the frame must still be intact when read.
        match frame::decode_frame(&framed, RECORD_SIZE_MAX) {
            Decoded::Frame { payload, .. } => Ok(payload.to_vec()),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("record {index} fails its frame checksum"),
            )),
        }
    }

    /// Opens the log in `layout`, recovering from a crash: derived state is trusted up to
    /// `trusted_size` (the newest checkpoint's size) and recomputed from the segments beyond it; a
    /// torn tail is cut back to the last complete record. `checkpoint` is the newest signed
    /// (size, root): the log may never be shorter than it nor disagree with its root.
    ///
    /// # Errors
    /// I/O errors, or [`LogError::Damaged`] when the segments cannot be explained by a crash.
    pub fn open(
        layout: &Layout,
        checkpoint: Option<(u64, Hash)>,
    ) -> Result<(Arc<Log>, LogWriter, Recovery), LogError> {
        let segments_directory = layout.segments();
        std::fs::create_dir_all(&segments_directory).map_err(io(&segments_directory))?;
        std::fs::create_dir_all(layout.index()).map_err(io(&layout.index()))?;
        let checkpoint_size = checkpoint.map_or(0, |(size, _)| size);

        // Derived state is trusted up to the newest checkpoint (it was synced before signing).
        let offsets_path = layout.offsets();
        let offsets_writer = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&offsets_path)
            .map_err(io(&offsets_path))?;
        let offsets_length = offsets_writer.metadata().map_err(io(&offsets_path))?.len();
        let tree_directory = layout.tree();
        let mut trusted = checkpoint_size;
        if offsets_length < trusted * 8 {
            trusted = 0;
        }
        let tree = match TreeStore::open(&tree_directory, trusted) {
            Ok(tree) if trusted > 0 || checkpoint_size == 0 => tree,
            Ok(tree) => {
                // The offsets are gone: start the stored hashes over too, so both agree.
                drop(tree);
                TreeStore::remove(&tree_directory).map_err(io(&tree_directory))?;
                TreeStore::open(&tree_directory, 0).map_err(io(&tree_directory))?
            }
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                tracing::warn!(%error, "stored hashes incomplete; rebuilding them from the log");
                trusted = 0;
                TreeStore::remove(&tree_directory).map_err(io(&tree_directory))?;
                TreeStore::open(&tree_directory, 0).map_err(io(&tree_directory))?
            }
            Err(error) => return Err(io(&tree_directory)(error)),
        };
        offsets_writer
            .set_len(trusted * 8)
            .map_err(io(&offsets_path))?;
        let offsets = File::open(&offsets_path).map_err(io(&offsets_path))?;

        let segments = list_segments(&segments_directory)?;
        let log = Arc::new(Log {
            segments_directory: segments_directory.clone(),
            segments: RwLock::new(segments),
            offsets,
            tree,
            offsets_path: offsets_path.clone(),
            head: RwLock::new(Head::empty()),
        });
        let compact =
            CompactRange::from_reader(trusted, &log.tree).map_err(|error| LogError::Damaged {
                index: trusted,
                reason: format!("stored hashes unreadable: {error}"),
            })?;
        let mut head = Head {
            size: trusted,
            root: compact.root(),
            ..Head::empty()
        };
        if trusted > 0 {
            // Start-up checks the boundary, not every record: the record that ends the trusted
            // range must be readable and intact. Damage further back is found by `hocba verify`
            // and by the checksum every read checks.
            let last =
                log.read_record_unchecked(trusted - 1)
                    .map_err(|error| LogError::Damaged {
                        index: trusted - 1,
                        reason: format!(
                            "the record cannot be read although a signed checkpoint covers it \
                         ({error}); acknowledged records are missing or damaged"
                        ),
                    })?;
            let header = header_of(&last, trusted - 1)?;
            head.last_record_id = *blake3::hash(&last).as_bytes();
            head.last_sequenced_at = header.sequenced_at;
        }
        let mut writer = LogWriter {
            log: Arc::clone(&log),
            segment: None,
            segment_size: 0,
            offsets: offsets_writer,
            offsets_path,
            compact,
            head,
            frames: Vec::new(),
            offsets_buffer: Vec::new(),
            stored: Vec::new(),
            staged_offsets: Vec::new(),
        };
        let recovery = writer.replay_tail(trusted, checkpoint_size)?;
        if writer.head.size < checkpoint_size {
            return Err(LogError::Damaged {
                index: writer.head.size,
                reason: format!(
                    "the segments end at {} records but checkpoint {checkpoint_size} was signed: \
                     acknowledged records are missing",
                    writer.head.size
                ),
            });
        }
        if let Some((size, root)) = checkpoint {
            let recomputed =
                tree::tree_hash(size, &log.tree).map_err(|error| LogError::Damaged {
                    index: size,
                    reason: format!("cannot recompute the tree: {error}"),
                })?;
            if recomputed != root {
                return Err(LogError::Damaged {
                    index: size.saturating_sub(1),
                    reason: format!(
                        "the records do not hash to the root of signed checkpoint {size}"
                    ),
                });
            }
        }
        *log.head.write().expect("head lock") = writer.head;
        Ok((log, writer, recovery))
    }
}

struct Header {
    index: u64,
    sequenced_at: u64,
    prev: [u8; 32],
}

fn header_of(bytes: &[u8], expected_index: u64) -> Result<Header, LogError> {
    let view = record::RecordView::decode(bytes).map_err(|error| LogError::Damaged {
        index: expected_index,
        reason: error.to_string(),
    })?;
    Ok(Header {
        index: view.index(),
        sequenced_at: view.sequenced_at_us(),
        prev: view.prev(),
    })
}

/// The bytes of `path` from `offset` to the end (none when the file is shorter).
fn read_from(path: &Path, offset: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _};
    let mut file = File::open(path)?;
    let length = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(length.saturating_sub(offset)).unwrap_or(0));
    if offset < length {
        file.seek(std::io::SeekFrom::Start(offset))?;
        file.read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

fn segment_name(first_index: u64) -> String {
    format!("{first_index:020}.seg")
}

fn list_segments(directory: &Path) -> Result<Vec<Segment>, LogError> {
    let mut segments = Vec::new();
    for entry in std::fs::read_dir(directory).map_err(io(directory))? {
        let entry = entry.map_err(io(directory))?;
        let name = entry.file_name();
        let Some(first_index) = name
            .to_str()
            .and_then(|name| name.strip_suffix(".seg"))
            .and_then(|digits| digits.parse::<u64>().ok())
        else {
            continue;
        };
        let path = entry.path();
        let file = File::open(&path).map_err(io(&path))?;
        segments.push(Segment { first_index, file });
    }
    segments.sort_by_key(|segment| segment.first_index);
    Ok(segments)
}

/// What the sequencer gets back for each staged record.
#[derive(Clone, Copy, Debug)]
pub struct Staged {
    /// The record's index.
    pub index: u64,
    /// Its sequencing time.
    pub sequenced_at: u64,
    /// BLAKE3 of the record bytes.
    pub record_id: [u8; 32],
    /// Its RFC 6962 leaf hash.
    pub leaf_hash: Hash,
}

/// The single writer of the log. Records are staged in memory, then committed together: one
/// write and one `fdatasync` for the whole batch (group commit).
pub struct LogWriter {
    log: Arc<Log>,
    segment: Option<File>,
    segment_size: u64,
    offsets: File,
    offsets_path: PathBuf,
    compact: CompactRange,
    head: Head,
    frames: Vec<u8>,
    offsets_buffer: Vec<u8>,
    stored: Vec<StoredHash>,
    staged_offsets: Vec<u64>,
}

impl LogWriter {
    /// The shared read side.
    #[must_use]
    pub fn log(&self) -> &Arc<Log> {
        &self.log
    }

    /// The head including staged, not yet committed records.
    #[must_use]
    pub fn staged_head(&self) -> Head {
        self.head
    }

    /// The sequencing time the next staged record gets at clock reading `now_us`: strictly
    /// after the previous record's, even if the clock stalls or steps back.
    #[must_use]
    pub fn next_sequenced_at(&self, now_us: u64) -> u64 {
        now_us.max(self.head.last_sequenced_at + 1)
    }

    /// Sequences one verified submission: assigns the next index, a sequencing time strictly
    /// after the previous one, and the chain hash; nothing is durable until [`LogWriter::commit`].
    ///
    pub fn stage(&mut self, submission: &record::VerifiedSubmission, now_us: u64) -> Staged {
        let index = self.head.size;
        let sequenced_at = self.next_sequenced_at(now_us);
        let bytes =
            record::encode_record(index, sequenced_at, &self.head.last_record_id, submission);
        self.stage_bytes(index, sequenced_at, &bytes)
    }

    fn stage_bytes(&mut self, index: u64, sequenced_at: u64, bytes: &[u8]) -> Staged {
        let record_id = *blake3::hash(bytes).as_bytes();
        let leaf_hash = tree::leaf_hash(bytes);
        self.staged_offsets
            .push(self.segment_size + self.frames.len() as u64);
        frame::encode_frame(bytes, &mut self.frames);
        self.compact.append(leaf_hash, &mut self.stored);
        self.head.size = index + 1;
        self.head.last_record_id = record_id;
        self.head.last_sequenced_at = sequenced_at;
        Staged {
            index,
            sequenced_at,
            record_id,
            leaf_hash,
        }
    }

    /// Writes every staged record, makes it durable, updates the derived files and publishes the
    /// new head. Returns only after `fdatasync` returned: the caller may acknowledge then.
    ///
    /// # Errors
    /// I/O errors. They are fatal: the staged state is unknown on disk, so the sequencer stops
    /// and the node must be restarted to recover from what is durable.
    pub fn commit(&mut self) -> Result<Head, LogError> {
        if self.frames.is_empty() {
            return Ok(self.head);
        }
        let first_index = self.head.size - self.staged_offsets.len() as u64;
        if self.segment.is_none() || self.segment_size >= SEGMENT_SIZE_TARGET {
            self.start_segment(first_index)?;
            // Offsets staged against the old segment now start at 0 in the new one.
            let shift = self.staged_offsets[0];
            for offset in &mut self.staged_offsets {
                *offset -= shift;
            }
        }
        let segment = self.segment.as_mut().expect("segment open");
        let path = self.log.segments_directory.clone();
        segment.write_all(&self.frames).map_err(io(&path))?;
        segment.sync_data().map_err(io(&path))?;
        // The batch is durable: from here a crash keeps every record in it, and recovery rebuilds
        // the derived state below from the segment.
        self.segment_size += self.frames.len() as u64;
        self.frames.clear();
        self.offsets_buffer.clear();
        for offset in self.staged_offsets.drain(..) {
            self.offsets_buffer.extend_from_slice(&offset.to_be_bytes());
        }
        self.offsets
            .write_all(&self.offsets_buffer)
            .map_err(io(&self.offsets_path))?;
        self.log
            .tree
            .append(&self.stored)
            .map_err(io(&self.log.segments_directory))?;
        self.stored.clear();
        self.head.root = self.compact.root();
        *self.log.head.write().expect("head lock") = self.head;
        Ok(self.head)
    }

    fn start_segment(&mut self, first_index: u64) -> Result<(), LogError> {
        let directory = self.log.segments_directory.clone();
        let path = directory.join(segment_name(first_index));
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        // The new file's name must survive a crash before records in it are acknowledged.
        sync_directory(&directory).map_err(io(&directory))?;
        let reader = File::open(&path).map_err(io(&path))?;
        let mut segments = self.log.segments.write().expect("segments lock");
        if segments
            .last()
            .is_none_or(|last| last.first_index != first_index)
        {
            segments.push(Segment {
                first_index,
                file: reader,
            });
        }
        drop(segments);
        self.segment_size = file.metadata().map_err(io(&path))?.len();
        self.segment = Some(file);
        Ok(())
    }

    /// Makes the derived files durable (before a checkpoint is signed over them).
    ///
    /// # Errors
    /// I/O errors.
    pub fn sync_derived(log: &Log) -> std::io::Result<()> {
        OpenOptions::new()
            .append(true)
            .open(&log.offsets_path)?
            .sync_data()?;
        log.tree.sync()
    }

    /// Reads the segments from record `from` on, rebuilding offsets and stored hashes and cutting
    /// a torn tail. Records below `checkpoint_size` must all be intact.
    fn replay_tail(&mut self, from: u64, checkpoint_size: u64) -> Result<Recovery, LogError> {
        let mut recovery = Recovery::default();
        let segments: Vec<(u64, PathBuf)> = self
            .log
            .segments
            .read()
            .expect("segments lock")
            .iter()
            .map(|segment| {
                (
                    segment.first_index,
                    self.log
                        .segments_directory
                        .join(segment_name(segment.first_index)),
                )
            })
            .collect();
        // Resume in the segment holding the last trusted record, just after it.
        let start = segments
            .partition_point(|(first, _)| *first <= from.saturating_sub(1))
            .saturating_sub(1);
        let mut start_offset = if from == 0 {
            0
        } else {
            let mut offset = [0u8; 8];
            self.log
                .offsets
                .read_exact_at(&mut offset, (from - 1) * 8)
                .map_err(io(&self.offsets_path))?;
            let last = self
                .log
                .read_record_unchecked(from - 1)
                .map_err(io(&self.log.segments_directory))?;
            u64::from_be_bytes(offset) + (FRAME_HEADER_SIZE + last.len()) as u64
        };
        let count = segments.len();
        for (position, (first_index, path)) in segments.into_iter().enumerate().skip(start) {
            let is_last = position + 1 == count;
            // Only the part after the last trusted record is read: a restart costs what the
            // crash left unsynced, not the whole segment.
            let base = start_offset;
            start_offset = 0;
            let bytes = read_from(&path, base).map_err(io(&path))?;
            let mut cursor = 0usize;
            if base == 0 && first_index != self.head.size {
                return Err(LogError::Damaged {
                    index: self.head.size,
                    reason: format!(
                        "segment {} should start at record {}",
                        path.display(),
                        self.head.size
                    ),
                });
            }
            self.segment_size = base;
            loop {
                let problem = match frame::decode_frame(&bytes[cursor..], RECORD_SIZE_MAX) {
                    Decoded::End => None,
                    Decoded::Invalid(reason) => Some(reason.to_owned()),
                    Decoded::Frame { payload, size } => match self.check_next(payload) {
                        Ok(header) => {
                            self.stage_bytes(header.index, header.sequenced_at, payload);
                            cursor += size;
                            recovery.replayed += 1;
                            continue;
                        }
                        Err(reason) => Some(reason),
                    },
                };
                let Some(reason) = problem else { break };
                if !is_last || self.head.size < checkpoint_size {
                    return Err(LogError::Damaged {
                        index: self.head.size,
                        reason: format!(
                            "{reason} in {} at byte {}, inside data that was acknowledged",
                            path.display(),
                            base + cursor as u64
                        ),
                    });
                }
                // A torn tail: the crash happened during the write of a batch that was never
                // acknowledged. Cut it and make the cut durable before accepting new appends.
                let dropped = bytes.len() - cursor;
                tracing::warn!(
                    segment = %path.display(),
                    at = base + cursor as u64,
                    dropped_bytes = dropped,
                    %reason,
                    "cutting a torn tail off the log"
                );
                let file = OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(io(&path))?;
                file.set_len(base + cursor as u64).map_err(io(&path))?;
                file.sync_all().map_err(io(&path))?;
                recovery.truncated_bytes += dropped as u64;
                break;
            }
            // Flush the replayed records of this segment into the derived files.
            self.flush_replayed(base + cursor as u64)?;
            if is_last {
                let file = OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .map_err(io(&path))?;
                self.segment = Some(file);
            }
        }
        Ok(recovery)
    }

    fn flush_replayed(&mut self, segment_size: u64) -> Result<(), LogError> {
        // The frames are already on disk: only the derived files need the replayed records.
        self.frames.clear();
        self.offsets_buffer.clear();
        for offset in self.staged_offsets.drain(..) {
            self.offsets_buffer.extend_from_slice(&offset.to_be_bytes());
        }
        self.offsets
            .write_all(&self.offsets_buffer)
            .map_err(io(&self.offsets_path))?;
        self.log
            .tree
            .append(&self.stored)
            .map_err(io(&self.log.segments_directory))?;
        self.stored.clear();
        self.segment_size = segment_size;
        self.head.root = self.compact.root();
        Ok(())
    }

    fn check_next(&self, payload: &[u8]) -> Result<Header, String> {
        let header = header_of(payload, self.head.size).map_err(|error| error.to_string())?;
        if header.index != self.head.size {
            return Err(format!(
                "record claims index {} where {} was expected",
                header.index, self.head.size
            ));
        }
        if header.prev != self.head.last_record_id {
            return Err("the record's previous-record hash breaks the chain".to_owned());
        }
        if header.sequenced_at <= self.head.last_sequenced_at {
            return Err("the sequencing time does not increase".to_owned());
        }
        Ok(header)
    }
}
