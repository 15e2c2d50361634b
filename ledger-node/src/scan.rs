//! Read-only, sequential reading of a node's segment files, for `verify` and `export`. Works
//! on the data directory of a running node: it never writes.

use std::path::{Path, PathBuf};

use ledger_core::limits::RECORD_SIZE_MAX;

use crate::frame::{decode_frame, Decoded, FRAME_HEADER_SIZE};

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
/// Each segment is read through a buffer of about [`READ_CHUNK`] bytes, not whole: a segment
/// may be 256 MiB.
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
        let mut frames = FrameReader::new(std::fs::File::open(&path)?);
        loop {
            let offset = frames.offset();
            match frames.next()? {
                Decoded::End => break,
                Decoded::Frame { payload, .. } => {
                    visit(end.records, payload)?;
                    end.records += 1;
                }
                Decoded::Invalid(reason) => {
                    end.stopped_at = Some((path.clone(), offset, reason.to_owned()));
                    end.at_end = position + 1 == count;
                    return Ok(end);
                }
            }
        }
    }
    Ok(end)
}

/// Bytes read from a segment file at a time.
pub const READ_CHUNK: usize = 1 << 20;

/// The frames of one segment file, in order, read through a bounded buffer. Each frame is
/// decoded from a window that holds the whole frame or everything up to the end of the file,
/// so the answers are those of `decode_frame` on the whole file.
struct FrameReader<R> {
    source: R,
    buffer: Vec<u8>,
    /// Where the next frame starts in `buffer`.
    start: usize,
    /// The file offset of `buffer[0]`.
    base: u64,
    at_eof: bool,
}

impl<R: std::io::Read> FrameReader<R> {
    fn new(source: R) -> Self {
        Self {
            source,
            buffer: Vec::with_capacity(READ_CHUNK),
            start: 0,
            base: 0,
            at_eof: false,
        }
    }

    /// The file offset of the next frame.
    fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// The next frame, `End` at the end of the file, or `Invalid` where the bytes are not one.
    fn next(&mut self) -> std::io::Result<Decoded<'_>> {
        self.fill(FRAME_HEADER_SIZE)?;
        let ahead = &self.buffer[self.start..];
        if ahead.len() >= FRAME_HEADER_SIZE {
            let length = u32::from_be_bytes(ahead[..4].try_into().expect("4 bytes")) as usize;
            if length <= RECORD_SIZE_MAX {
                self.fill(FRAME_HEADER_SIZE + length)?;
            }
        }
        let decoded = decode_frame(&self.buffer[self.start..], RECORD_SIZE_MAX);
        if let Decoded::Frame { size, .. } = decoded {
            self.start += size;
        }
        Ok(decoded)
    }

    /// Reads until `wanted` bytes lie ahead of `start`, or the file ends.
    fn fill(&mut self, wanted: usize) -> std::io::Result<()> {
        while self.buffer.len() - self.start < wanted && !self.at_eof {
            if self.start > 0 {
                self.buffer.drain(..self.start);
                self.base += self.start as u64;
                self.start = 0;
            }
            let have = self.buffer.len();
            let room = wanted.max(READ_CHUNK);
            self.buffer.resize(have + room, 0);
            let read = loop {
                match self.source.read(&mut self.buffer[have..]) {
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    result => break result,
                }
            };
            match read {
                Ok(read) => {
                    self.buffer.truncate(have + read);
                    self.at_eof = read == 0;
                }
                Err(error) => {
                    self.buffer.truncate(have);
                    return Err(error);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::encode_frame;

    /// Every frame and every damage is decoded as `decode_frame` does on the whole file, with
    /// frames that straddle the buffer's refills.
    #[test]
    fn reads_frames_as_the_whole_file_decodes_them() {
        // Frames of every size up to the largest, past several refills of the buffer.
        let mut file = Vec::new();
        let mut n = 0usize;
        while file.len() < 3 * READ_CHUNK {
            let size = (n * 7_919) % (RECORD_SIZE_MAX + 1);
            encode_frame(&vec![n as u8; size], &mut file);
            n += 1;
        }
        encode_frame(&[], &mut file);
        let whole = file.len();
        // Whole; torn in the last frames; a checksum broken past the first refill; a length
        // beyond the largest record.
        let mut broken = file.clone();
        broken[READ_CHUNK + 100] ^= 1;
        let mut too_long = file.clone();
        too_long[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        let cases = [
            file.clone(),
            file[..whole - 1].to_vec(),
            file[..whole - 30].to_vec(),
            file[..whole - 9].to_vec(),
            broken,
            too_long,
        ];
        for bytes in &cases {
            let cut = bytes.len();
            let bytes = bytes.as_slice();
            let mut expected = Vec::new();
            let mut cursor = 0;
            loop {
                match decode_frame(&bytes[cursor..], RECORD_SIZE_MAX) {
                    Decoded::Frame { payload, size } => {
                        expected.push(Ok((cursor as u64, payload.to_vec())));
                        cursor += size;
                    }
                    Decoded::End => break,
                    Decoded::Invalid(reason) => {
                        expected.push(Err((cursor as u64, reason)));
                        break;
                    }
                }
            }
            let mut frames = FrameReader::new(bytes);
            let mut found = Vec::new();
            loop {
                let offset = frames.offset();
                match frames.next().unwrap() {
                    Decoded::Frame { payload, .. } => found.push(Ok((offset, payload.to_vec()))),
                    Decoded::End => break,
                    Decoded::Invalid(reason) => {
                        found.push(Err((offset, reason)));
                        break;
                    }
                }
            }
            assert_eq!(found, expected, "a file of {cut} bytes");
        }
    }
}
