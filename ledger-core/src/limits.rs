//! Every size limit of the formats, each with the reason for its number.
//!
//! Limits are checked before anything is decoded or verified, so oversized input costs nothing.

/// Largest record, in bytes. C2SP `tlog-tiles` entry bundles prefix each entry with a 16-bit
/// big-endian length, so no entry may exceed 65,535 bytes. Larger attachments are referenced by
/// hash.
pub const RECORD_SIZE_MAX: usize = 65_535;

/// Largest signed note (checkpoint plus signatures) accepted for parsing, in bytes. A checkpoint
/// is under 300 bytes; the rest leaves room for many witness cosignatures.
pub const NOTE_SIZE_MAX: usize = 16 * 1024;

/// Most signature lines accepted on one note: the log's own plus witnesses'. Bounds the work an
/// adversarial note can cause.
pub const NOTE_SIGNATURES_MAX: usize = 100;

/// Most hashes in an inclusion or consistency proof. A tree of at most 2^63 leaves needs at most
/// 63 hashes for inclusion; consistency can need one more, and RFC 9162 allows up to 64.
pub const PROOF_HASHES_MAX: usize = 64;

/// Longest key name in a signed note, in bytes, as the cosignature wire format allows.
pub const KEY_NAME_SIZE_MAX: usize = 255;

/// Deepest nesting of arrays and objects accepted in a submission body. Event payloads are flat
/// records; the bound stops stack exhaustion by hostile input.
pub const JSON_DEPTH_MAX: usize = 32;

/// Longest idempotency id, in bytes. Long enough for a UUID or a vendor's composite key.
pub const IDEMPOTENCY_ID_SIZE_MAX: usize = 128;

/// Longest event type name, in bytes.
pub const EVENT_TYPE_SIZE_MAX: usize = 64;
