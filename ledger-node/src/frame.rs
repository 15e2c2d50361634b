//! The on-disk frame around each record in a segment file and in the checkpoint history.
//!
//! ```text
//! length  u32 big-endian   number of payload bytes
//! crc     u32 big-endian   CRC-32C (Castagnoli) of the 4 length bytes followed by the payload
//! payload length bytes
//! ```
//!
//! The checksum covers the length so a torn write of the header is caught too. It detects torn and
//! partial writes after a crash; it is not a security measure (the BLAKE3 chain and the signed
//! Merkle tree are).

/// Bytes before the payload.
pub const FRAME_HEADER_SIZE: usize = 8;

/// Appends one frame holding `payload` to `out`.
///
/// # Panics
/// If `payload` is longer than `u32::MAX` bytes; callers bound records far below that.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    let length = u32::try_from(payload.len()).expect("frame payload fits in u32");
    let length_bytes = length.to_be_bytes();
    let crc = crc32c::crc32c_append(crc32c::crc32c(&length_bytes), payload);
    out.extend_from_slice(&length_bytes);
    out.extend_from_slice(&crc.to_be_bytes());
    out.extend_from_slice(payload);
}

/// What [`decode_frame`] found at the start of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A complete frame whose checksum holds.
    Frame {
        /// The payload.
        payload: &'a [u8],
        /// Bytes the frame occupies, header included.
        size: usize,
    },
    /// The buffer ends exactly here.
    End,
    /// The bytes here are not a valid frame: cut short, or a checksum mismatch.
    Invalid(&'static str),
}

/// Decodes the frame at the start of `buffer`, refusing payloads over `payload_size_max`.
#[must_use]
pub fn decode_frame(buffer: &[u8], payload_size_max: usize) -> Decoded<'_> {
    if buffer.is_empty() {
        return Decoded::End;
    }
    if buffer.len() < FRAME_HEADER_SIZE {
        return Decoded::Invalid("the frame header is cut short");
    }
    let length_bytes: [u8; 4] = buffer[..4].try_into().expect("4 bytes");
    let crc = u32::from_be_bytes(buffer[4..8].try_into().expect("4 bytes"));
    let length = u32::from_be_bytes(length_bytes) as usize;
    if length > payload_size_max {
        return Decoded::Invalid("the frame length exceeds the largest record");
    }
    let Some(payload) = buffer.get(FRAME_HEADER_SIZE..FRAME_HEADER_SIZE + length) else {
        return Decoded::Invalid("the frame payload is cut short");
    };
    if crc32c::crc32c_append(crc32c::crc32c(&length_bytes), payload) != crc {
        return Decoded::Invalid("the frame checksum does not match");
    }
    Decoded::Frame {
        payload,
        size: FRAME_HEADER_SIZE + length,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_detects_damage() {
        let mut buffer = Vec::new();
        encode_frame(b"hello", &mut buffer);
        encode_frame(b"", &mut buffer);
        assert_eq!(
            decode_frame(&buffer, 100),
            Decoded::Frame {
                payload: b"hello",
                size: 13
            }
        );
        assert_eq!(
            decode_frame(&buffer[13..], 100),
            Decoded::Frame {
                payload: b"",
                size: 8
            }
        );
        assert_eq!(decode_frame(&buffer[21..], 100), Decoded::End);
        for cut in 1..13 {
            assert!(matches!(
                decode_frame(&buffer[..cut], 100),
                Decoded::Invalid(_)
            ));
        }
        for position in 0..13 {
            let mut damaged = buffer.clone();
            damaged[position] ^= 0x40;
            assert!(
                matches!(decode_frame(&damaged, 100), Decoded::Invalid(_)),
                "flip at {position} not caught"
            );
        }
        assert!(matches!(decode_frame(&buffer, 4), Decoded::Invalid(_)));
    }
}
