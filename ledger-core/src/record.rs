//! The signed submission, its signing input, and the sequenced record the log stores.
//!
//! The byte formats are specified in `docs/FORMAT.md` ("hocba-ledger entry format, version 1");
//! this module is their reference implementation. In short:
//!
//! - A **submission body** is a canonical JSON object ([`crate::canonical`]) with exactly the
//!   fields `author`, `claimed_at`, `event_type`, `idempotency_id`, `payload`,
//!   `schema_version` and `v`.
//! - The **signing input** is `hocba-ledger/submission/v1` ‖ 0x0A ‖ body; the author's Ed25519
//!   key signs it.
//! - On the wire a **signed submission** is `{"body": <body>, "signature": "<base64>"}`; the
//!   node keeps the exact bytes of `body`.
//! - A **record** (a Merkle leaf) is `version | index | sequenced_at | prev | signature | body`,
//!   113 header bytes then the body; `prev` is the BLAKE3 hash of the previous record, the
//!   record id is the BLAKE3 hash of the record.
//!
//! The types carry proof of what was checked: only [`SignedSubmission::verify`] (and
//! [`verify_record`]) make a [`VerifiedSubmission`], and only a [`VerifiedSubmission`] can be
//! encoded into a record with [`encode_record`].

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::canonical::{self, leading_integer, CanonicalError, Layout, INTEGER_MAX};
use crate::json_view::Text;
use crate::key::{KeyError, PublicKey};
use crate::limits::{EVENT_TYPE_SIZE_MAX, IDEMPOTENCY_ID_SIZE_MAX, RECORD_SIZE_MAX};

/// The only submission format version: the value of the body's `v` field.
pub const SUBMISSION_VERSION: u64 = 1;

/// The domain-separation context signed before the body. The signing input is this, then one
/// line feed (0x0A), then the body bytes.
pub const SIGNING_CONTEXT: &[u8] = b"hocba-ledger/submission/v1";

/// The record format version: the first byte of every record.
pub const RECORD_VERSION: u8 = 0x01;

/// Bytes before the body in a record: version (1), index (8), sequenced_at (8), prev (32),
/// signature (64).
pub const RECORD_HEADER_SIZE: usize = 1 + 8 + 8 + 32 + 64;

/// Largest submission body, in bytes: what is left of [`RECORD_SIZE_MAX`] after the header.
pub const BODY_SIZE_MAX: usize = RECORD_SIZE_MAX - RECORD_HEADER_SIZE;

/// Largest wire envelope accepted by [`SignedSubmission::from_wire_json`], in bytes: the largest
/// body, the envelope around it (112 bytes compact) and up to 1 KiB of whitespace.
pub const WIRE_SIZE_MAX: usize = BODY_SIZE_MAX + 112 + 1024;

/// The `prev` of the record at index 0: 32 zero bytes.
pub const GENESIS_PREV: [u8; 32] = [0; 32];

/// Length of an Ed25519 signature.
pub const SIGNATURE_SIZE: usize = 64;

/// The fields of a submission body, in canonical order.
pub const BODY_FIELDS: [&str; 7] = [
    "author",
    "claimed_at",
    "event_type",
    "idempotency_id",
    "payload",
    "schema_version",
    "v",
];

const OFFSET_INDEX: usize = 1;
const OFFSET_SEQUENCED_AT: usize = 9;
const OFFSET_PREV: usize = 17;
const OFFSET_SIGNATURE: usize = 49;

/// Why a submission, a record or a chain of records was refused.
///
/// Each variant has a stable machine-readable [`code`](RecordError::code); the `Display` text is
/// meant for the IT staff of a school and names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The envelope or the body does not have the required structure: not a JSON object, a
    /// field missing, unknown or duplicated, or a field of the wrong JSON type (code
    /// `submission-malformed`).
    #[error(
        "the submission is malformed (dữ liệu gửi sai cấu trúc): {}: {problem}",
        location(field)
    )]
    SubmissionMalformed {
        /// The field at fault: a body field, `body` or `signature` for the envelope's members,
        /// or empty for the envelope as a whole.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The body is not canonical JSON (code `submission-not-canonical`).
    #[error(
        "the submission body is not canonical JSON (dữ liệu gửi không ở dạng JSON chuẩn hóa): \
         field `body`: {0}"
    )]
    NotCanonical(CanonicalError),
    /// The body's `v` is not 1 (code `submission-version-unsupported`).
    #[error(
        "the submission format version is not supported (phiên bản định dạng không được hỗ trợ): \
         field `v` is {found}, only 1 is supported"
    )]
    SubmissionVersionUnsupported {
        /// The value found, as JSON (shortened).
        found: String,
    },
    /// The body's `schema_version` is not an integer from 1 to 2^32 - 1 (code
    /// `schema-version-unsupported`).
    #[error(
        "the schema version is not supported (phiên bản lược đồ không được hỗ trợ): field \
         `schema_version` is {found}, it must be an integer from 1 to 4294967295"
    )]
    SchemaVersionUnsupported {
        /// The value found, as JSON (shortened).
        found: String,
    },
    /// The body's `event_type` breaks its rules (code `event-type-invalid`).
    #[error(
        "the event type is invalid (loại sự kiện không hợp lệ): field `event_type`: {problem}"
    )]
    EventTypeInvalid {
        /// What is wrong with it.
        problem: String,
    },
    /// The body's `idempotency_id` breaks its rules (code `idempotency-id-invalid`).
    #[error(
        "the idempotency id is invalid (mã chống gửi trùng không hợp lệ): field \
         `idempotency_id`: {problem}"
    )]
    IdempotencyIdInvalid {
        /// What is wrong with it.
        problem: String,
    },
    /// The body's `author` is not a valid Ed25519 public key (code `key-malformed`).
    #[error(
        "the author's public key is invalid (khóa công khai không hợp lệ): field `author`: \
         {problem}"
    )]
    KeyMalformed {
        /// What is wrong with it.
        problem: String,
    },
    /// The body's `author` is a weak (small-order) key (code `key-weak`).
    #[error(
        "the author's public key is a weak Ed25519 key and is refused (khóa công khai yếu): field \
         `author`"
    )]
    KeyWeak,
    /// The signature is not 64 bytes or does not verify for the body under the author's key
    /// (code `signature-invalid`).
    #[error("the signature is invalid (chữ ký không hợp lệ): field `signature`: {problem}")]
    SignatureInvalid {
        /// What is wrong with it.
        problem: String,
    },
    /// A body, an envelope or a record exceeds its size limit (code `record-too-large`).
    #[error("the {what} is too large (quá lớn): {size} bytes, the limit is {max} bytes")]
    RecordTooLarge {
        /// What is too large: `submission body`, `signed submission` or `record`.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The bytes are not a record of a known version (code `record-malformed`).
    #[error("the record is malformed (bản ghi sai cấu trúc): {problem}")]
    RecordMalformed {
        /// What is wrong with it.
        problem: String,
    },
    /// A record does not follow the previous one: wrong index or wrong `prev` hash, as after a
    /// removal, an insertion, a reordering or a modification (code `chain-broken`).
    #[error("the chain of records is broken (chuỗi bản ghi bị đứt) at index {index}: {problem}")]
    ChainBroken {
        /// The index the offending record claims.
        index: u64,
        /// What does not match.
        problem: String,
    },
}

impl RecordError {
    /// The stable, machine-readable code of this refusal (see `docs/FORMAT.md`, "Refusal
    /// codes").
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::SubmissionMalformed { .. } => "submission-malformed",
            Self::NotCanonical(_) => "submission-not-canonical",
            Self::SubmissionVersionUnsupported { .. } => "submission-version-unsupported",
            Self::SchemaVersionUnsupported { .. } => "schema-version-unsupported",
            Self::EventTypeInvalid { .. } => "event-type-invalid",
            Self::IdempotencyIdInvalid { .. } => "idempotency-id-invalid",
            Self::KeyMalformed { .. } => "key-malformed",
            Self::KeyWeak => "key-weak",
            Self::SignatureInvalid { .. } => "signature-invalid",
            Self::RecordTooLarge { .. } => "record-too-large",
            Self::RecordMalformed { .. } => "record-malformed",
            Self::ChainBroken { .. } => "chain-broken",
        }
    }

    fn malformed(field: &str, problem: impl Into<String>) -> Self {
        Self::SubmissionMalformed {
            field: shorten(field),
            problem: problem.into(),
        }
    }
}

impl From<CanonicalError> for RecordError {
    fn from(error: CanonicalError) -> Self {
        Self::NotCanonical(error)
    }
}

/// Shortens text that came from the input before it is put into an error message.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    if text.chars().count() <= MAX_CHARS {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX_CHARS).collect();
        short.push('…');
        short
    }
}

fn location(field: &str) -> String {
    if field.is_empty() {
        "the signed submission (envelope)".to_owned()
    } else {
        format!("field `{field}`")
    }
}

fn describe(value: &Value) -> String {
    shorten(&value.to_string())
}

/// The signing input for `body`: [`SIGNING_CONTEXT`], a line feed (0x0A), then `body`.
#[must_use]
pub fn signing_input(body: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(SIGNING_CONTEXT.len() + 1 + body.len());
    input.extend_from_slice(SIGNING_CONTEXT);
    input.push(b'\n');
    input.extend_from_slice(body);
    input
}

/// Checks an event type: 1 to [`EVENT_TYPE_SIZE_MAX`] bytes matching `[a-z][a-z0-9_.]*`.
///
/// # Errors
/// [`RecordError::EventTypeInvalid`] naming the rule that is broken.
pub fn check_event_type(event_type: &str) -> Result<(), RecordError> {
    let invalid = |problem: &str| RecordError::EventTypeInvalid {
        problem: problem.to_owned(),
    };
    let bytes = event_type.as_bytes();
    match bytes.first() {
        None => return Err(invalid("it is empty")),
        Some(first) if !first.is_ascii_lowercase() => {
            return Err(invalid("it must start with a lowercase letter a-z"));
        }
        Some(_) => {}
    }
    if bytes.len() > EVENT_TYPE_SIZE_MAX {
        return Err(RecordError::EventTypeInvalid {
            problem: format!(
                "it is {} bytes long, the limit is {EVENT_TYPE_SIZE_MAX}",
                bytes.len()
            ),
        });
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'.')
    {
        return Err(invalid(
            "it may contain only lowercase letters a-z, digits 0-9, '_' and '.'",
        ));
    }
    Ok(())
}

/// Checks an idempotency id: 1 to [`IDEMPOTENCY_ID_SIZE_MAX`] bytes of `[A-Za-z0-9._:-]`.
///
/// # Errors
/// [`RecordError::IdempotencyIdInvalid`] naming the rule that is broken.
pub fn check_idempotency_id(idempotency_id: &str) -> Result<(), RecordError> {
    let bytes = idempotency_id.as_bytes();
    if bytes.is_empty() {
        return Err(RecordError::IdempotencyIdInvalid {
            problem: "it is empty".to_owned(),
        });
    }
    if bytes.len() > IDEMPOTENCY_ID_SIZE_MAX {
        return Err(RecordError::IdempotencyIdInvalid {
            problem: format!(
                "it is {} bytes long, the limit is {IDEMPOTENCY_ID_SIZE_MAX}",
                bytes.len()
            ),
        });
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    {
        return Err(RecordError::IdempotencyIdInvalid {
            problem: "it may contain only letters A-Z a-z, digits 0-9 and '.', '_', ':', '-'"
                .to_owned(),
        });
    }
    Ok(())
}

fn check_schema_version(value: u64) -> Result<u32, RecordError> {
    match u32::try_from(value) {
        Ok(version) if version >= 1 => Ok(version),
        _ => Err(RecordError::SchemaVersionUnsupported {
            found: value.to_string(),
        }),
    }
}

fn check_claimed_at(value: u64) -> Result<u64, RecordError> {
    if value > INTEGER_MAX {
        return Err(RecordError::malformed(
            "claimed_at",
            "it must be an integer from 0 to 9007199254740991 (Unix time in milliseconds)",
        ));
    }
    Ok(value)
}

/// Whether the y coordinate of a 32-byte Ed25519 point encoding (the low 255 bits, little
/// endian) is below p = 2^255 - 19, as RFC 8032 requires. Only 19 encodings fail.
fn is_canonical_y(encoding: &[u8]) -> bool {
    match encoding {
        [first, middle @ .., last] if middle.len() == 30 => {
            !(*first >= 0xED && middle.iter().all(|b| *b == 0xFF) && last & 0x7F == 0x7F)
        }
        _ => false,
    }
}

fn check_body_size(size: usize) -> Result<(), RecordError> {
    if size > BODY_SIZE_MAX {
        return Err(RecordError::RecordTooLarge {
            what: "submission body",
            size,
            max: BODY_SIZE_MAX,
        });
    }
    Ok(())
}

fn key_error(error: KeyError) -> RecordError {
    match error {
        KeyError::Weak => RecordError::KeyWeak,
        KeyError::BadSignature => RecordError::SignatureInvalid {
            problem: "it does not verify for this body under the author's key".to_owned(),
        },
        _ => RecordError::KeyMalformed {
            problem: "it is not a valid Ed25519 public key".to_owned(),
        },
    }
}

/// Where a body read by [`Submission::from_canonical_layout`] comes from: what it may assume.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BodyOrigin {
    /// Well-formed JSON, not yet accepted as a submission.
    WellFormed,
    /// Bytes that [`Submission::parse_body`] accepted when they were appended.
    Proven,
}

/// The author key of a typical body, `text` being its standard padded base64; `None` for any
/// problem, which the field-by-field reading then names.
///
/// The last key read on this thread is remembered by its text: a log's records come in runs
/// by one author (a teacher entering a class's grades), and decoding and screening the same
/// key again is most of reading a body's short fields.
fn typical_author(text: &str) -> Option<PublicKey> {
    thread_local! {
        static LAST: std::cell::Cell<Option<([u8; 44], PublicKey)>> =
            const { std::cell::Cell::new(None) };
    }
    let written: [u8; 44] = text.as_bytes().try_into().ok()?;
    if let Some((last, key)) = LAST.get() {
        if last == written {
            return Some(key);
        }
    }
    let mut key = [0u8; 32];
    if BASE64.decode_slice(written, &mut key).ok()? != key.len() || !is_canonical_y(&key) {
        return None;
    }
    let key = PublicKey::from_bytes(&key).ok()?;
    LAST.set(Some((written, key)));
    Some(key)
}

/// Whether `text`, a slice of well-formed JSON, is exactly one object: it opens with `{` and
/// the bracket that closes it is its last byte. Brackets inside strings are skipped.
fn is_one_object(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'{') {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1 == bytes.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// Where `part`, a slice of `body` (a raw value parsed from it), stands in `body`.
fn place_in(body: &[u8], part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - body.as_ptr() as usize;
    debug_assert!(start + part.len() <= body.len(), "a slice of the body");
    start..start + part.len()
}

/// The fields of a valid submission body, together with the body's canonical bytes.
///
/// A `Submission` is valid by construction: [`Submission::new`] and [`Submission::parse_body`]
/// check every field rule, the canonical form and the size limit. It is not yet signed; see
/// [`SignedSubmission`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    author: PublicKey,
    claimed_at_ms: u64,
    /// Where the event type stands in `body` (ASCII, written without escapes).
    event_type: std::ops::Range<usize>,
    /// Where the idempotency id stands in `body` (ASCII, written without escapes).
    idempotency_id: std::ops::Range<usize>,
    /// Where the payload object stands in `body`.
    payload: std::ops::Range<usize>,
    schema_version: u32,
    body: Vec<u8>,
}

impl Submission {
    /// Builds a submission from its fields and computes its canonical body.
    ///
    /// `claimed_at_ms` is the client's own clock in Unix milliseconds (informational only).
    ///
    /// # Errors
    /// [`RecordError::SubmissionMalformed`] for `claimed_at_ms` above 2^53 - 1,
    /// [`RecordError::EventTypeInvalid`], [`RecordError::IdempotencyIdInvalid`],
    /// [`RecordError::SchemaVersionUnsupported`] for version 0, [`RecordError::NotCanonical`]
    /// when the payload holds a value outside canonical JSON (a float, a large integer, a
    /// noncharacter, nesting too deep), and [`RecordError::RecordTooLarge`] when the body would
    /// exceed [`BODY_SIZE_MAX`].
    pub fn new(
        author: PublicKey,
        claimed_at_ms: u64,
        event_type: impl Into<String>,
        idempotency_id: impl Into<String>,
        payload: Map<String, Value>,
        schema_version: u32,
    ) -> Result<Self, RecordError> {
        let event_type = event_type.into();
        let idempotency_id = idempotency_id.into();
        check_claimed_at(claimed_at_ms)?;
        check_event_type(&event_type)?;
        check_idempotency_id(&idempotency_id)?;
        check_schema_version(u64::from(schema_version))?;
        let mut body = Map::new();
        body.insert(
            "author".to_owned(),
            Value::String(BASE64.encode(author.to_bytes())),
        );
        body.insert("claimed_at".to_owned(), Value::from(claimed_at_ms));
        body.insert("event_type".to_owned(), Value::from(event_type.as_str()));
        body.insert(
            "idempotency_id".to_owned(),
            Value::from(idempotency_id.as_str()),
        );
        body.insert("payload".to_owned(), Value::Object(payload));
        body.insert("schema_version".to_owned(), Value::from(schema_version));
        body.insert("v".to_owned(), Value::from(SUBMISSION_VERSION));
        let bytes = canonical::to_canonical(&Value::Object(body))?;
        check_body_size(bytes.len())?;
        Self::from_well_formed_body(&bytes, BodyOrigin::WellFormed)
    }

    /// Parses and checks a submission body: size, canonical form, then the fields in the
    /// order given in `docs/FORMAT.md` ("Order of checks"). The signature is not checked here.
    ///
    /// # Errors
    /// [`RecordError::RecordTooLarge`] for a body above [`BODY_SIZE_MAX`],
    /// [`RecordError::NotCanonical`] for bytes that are not canonical JSON,
    /// [`RecordError::SubmissionMalformed`] for a wrong structure, and the field-specific errors
    /// ([`RecordError::SubmissionVersionUnsupported`], [`RecordError::KeyMalformed`],
    /// [`RecordError::KeyWeak`], [`RecordError::EventTypeInvalid`],
    /// [`RecordError::IdempotencyIdInvalid`], [`RecordError::SchemaVersionUnsupported`]).
    pub fn parse_body(body: &[u8]) -> Result<Self, RecordError> {
        check_body_size(body.len())?;
        canonical::check_canonical(body)?;
        Self::from_well_formed_body(body, BodyOrigin::WellFormed)
    }

    /// As [`Submission::parse_body`] for a body already proven to be one that passed it (a
    /// record under a verified checkpoint, [`crate::replay`]): every field is parsed and checked
    /// again, but the bytes are not re-encoded to compare them with their canonical form.
    ///
    /// Until the checkpoint's root is checked the bytes are only as good as the disk: a body
    /// damaged in a way its frame's CRC missed may be read into a wrong submission, which the
    /// root check then refuses with everything built from it.
    pub(crate) fn parse_proven_body(body: &[u8]) -> Result<Self, RecordError> {
        check_body_size(body.len())?;
        Self::from_well_formed_body(body, BodyOrigin::Proven)
    }

    /// The fields of a body that is well-formed JSON (checked canonical, built canonical, or
    /// proven by a checkpoint to be bytes that were), checked in the order of `docs/FORMAT.md`.
    /// The payload is only located: the domain reads it in place when it parses the event.
    fn from_well_formed_body(body: &[u8], origin: BodyOrigin) -> Result<Self, RecordError> {
        // JSON text is UTF-8, and the payload is handed out as text: checked once, whole.
        let text = std::str::from_utf8(body)
            .map_err(|error| RecordError::from(CanonicalError::Syntax(error.to_string())))?;
        match Self::from_canonical_layout(text, origin) {
            Some(submission) => Ok(submission),
            None => Self::from_text(text),
        }
    }

    /// The fields of any body text, its syntax checked as it is read: the payload located
    /// and its JSON syntax checked, not read.
    fn from_text(text: &str) -> Result<Self, RecordError> {
        match Self::from_typical_body(text) {
            Some(submission) => Ok(submission),
            None => Self::read_body(text),
        }
    }

    /// The common case of [`Submission::from_well_formed_body`], read without a JSON parser:
    /// a canonical body is its seven members in one order, so the fields are found by the
    /// text between them, and the payload (most of the bytes) is only measured, by its
    /// brackets, to make sure it is one object; the domain parses it later anyway.
    ///
    /// Only for text known to be well-formed JSON (which the bracket count relies on), or
    /// a body already accepted ([`BodyOrigin::Proven`]), whose payload is not measured again.
    /// `None` for anything else, which [`Submission::from_text`] then reads; for a body both
    /// accept, both give the same submission (tested).
    fn from_canonical_layout(body: &str, origin: BodyOrigin) -> Option<Self> {
        let mut members = Layout::object(body)?;
        let author = members.text("author")?;
        let claimed_at = members.integer("claimed_at")?;
        let event_type = members.text("event_type")?;
        let idempotency_id = members.text("idempotency_id")?;
        members.name("payload")?;
        // The body's last members, read from its end: `,"schema_version":N,"v":1`.
        let rest = members.rest().strip_suffix(r#","v":1"#)?;
        let digits = rest.bytes().rev().take_while(u8::is_ascii_digit).count();
        let (rest, schema_version) = rest.split_at(rest.len() - digits);
        let payload = rest.strip_suffix(r#","schema_version":"#)?;
        let (schema_version, _) = leading_integer(schema_version)?;
        // What remains must be the payload alone, not the payload and other members; a
        // proven body passed this check when it was appended.
        if origin == BodyOrigin::WellFormed && !is_one_object(payload) {
            return None;
        }
        Self::from_typical_fields(
            body,
            [author, event_type, idempotency_id, payload],
            claimed_at,
            schema_version,
        )
    }

    /// A submission of `body` from its fields as a typical body's readings find them (the
    /// texts all slices of `body`: author, event type, idempotency id and payload), if each is
    /// valid.
    fn from_typical_fields(
        body: &str,
        [author, event_type, idempotency_id, payload]: [&str; 4],
        claimed_at: u64,
        schema_version: u64,
    ) -> Option<Self> {
        let author = typical_author(author)?;
        let claimed_at_ms = check_claimed_at(claimed_at).ok()?;
        check_event_type(event_type).ok()?;
        check_idempotency_id(idempotency_id).ok()?;
        let schema_version = check_schema_version(schema_version).ok()?;
        Some(Self {
            author,
            claimed_at_ms,
            event_type: place_in(body.as_bytes(), event_type),
            idempotency_id: place_in(body.as_bytes(), idempotency_id),
            payload: place_in(body.as_bytes(), payload),
            schema_version,
            body: body.as_bytes().to_vec(),
        })
    }

    /// The common case of [`Submission::from_text`], read straight into typed fields: every
    /// field present once, of its type, and valid. `None` for anything else, which
    /// [`Submission::read_body`] then reads field by field to name the first problem in the
    /// documented order; for a body both accept, both give the same submission (tested).
    fn from_typical_body(body: &str) -> Option<Self> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Typical<'a> {
            #[serde(borrow)]
            author: Text<'a>,
            claimed_at: u64,
            #[serde(borrow)]
            event_type: Text<'a>,
            #[serde(borrow)]
            idempotency_id: Text<'a>,
            #[serde(borrow)]
            payload: &'a RawValue,
            schema_version: u64,
            v: u64,
        }
        let typical: Typical<'_> = serde_json::from_str(body).ok()?;
        if typical.v != SUBMISSION_VERSION {
            return None;
        }
        let (Cow::Borrowed(author), Cow::Borrowed(event_type), Cow::Borrowed(idempotency_id)) = (
            typical.author.0,
            typical.event_type.0,
            typical.idempotency_id.0,
        ) else {
            return None;
        };
        let payload = typical.payload.get();
        if !payload.starts_with('{') {
            return None;
        }
        Self::from_typical_fields(
            body,
            [author, event_type, idempotency_id, payload],
            typical.claimed_at,
            typical.schema_version,
        )
    }

    /// [`Submission::from_text`] field by field, each problem named in the documented order.
    fn read_body(body: &str) -> Result<Self, RecordError> {
        let fields: BTreeMap<Text<'_>, &RawValue> = match serde_json::from_str(body) {
            Ok(fields) => fields,
            Err(error) => {
                return Err(match serde_json::from_str::<Value>(body) {
                    Err(_) => RecordError::from(CanonicalError::Syntax(error.to_string())),
                    Ok(_) => RecordError::malformed(
                        "body",
                        "it must be a JSON object with the fields author, claimed_at, \
                         event_type, idempotency_id, payload, schema_version and v",
                    ),
                })
            }
        };
        // Numbers and the version are read as values (no allocation); strings in place.
        let scalar = |name: &str| -> Option<Value> {
            fields
                .get(name)
                .and_then(|raw| serde_json::from_str(raw.get()).ok())
        };
        let text = |name: &str| -> Option<Text<'_>> {
            fields
                .get(name)
                .and_then(|raw| serde_json::from_str(raw.get()).ok())
        };

        match fields.get("v") {
            None => return Err(RecordError::malformed("v", "the field is missing")),
            Some(_) if scalar("v").and_then(|v| v.as_u64()) == Some(SUBMISSION_VERSION) => {}
            Some(other) => {
                let found = serde_json::from_str::<Value>(other.get())
                    .map_or_else(|_| shorten(other.get()), |value| describe(&value));
                return Err(RecordError::SubmissionVersionUnsupported { found });
            }
        }
        for name in BODY_FIELDS {
            if !fields.contains_key(name) {
                return Err(RecordError::malformed(name, "the field is missing"));
            }
        }
        if let Some(unknown) = fields
            .keys()
            .find(|name| !BODY_FIELDS.contains(&name.0.as_ref()))
        {
            return Err(RecordError::malformed(
                &unknown.0,
                "the field is not part of submission format version 1",
            ));
        }

        let Some(Text(author)) = text("author") else {
            return Err(RecordError::malformed(
                "author",
                "it must be a string: the base64 of the 32-byte Ed25519 public key",
            ));
        };
        let author_bytes =
            BASE64
                .decode(author.as_bytes())
                .map_err(|_| RecordError::KeyMalformed {
                    problem: "it is not standard padded base64".to_owned(),
                })?;
        if author_bytes.len() != 32 {
            return Err(RecordError::KeyMalformed {
                problem: format!("it decodes to {} bytes, not 32", author_bytes.len()),
            });
        }
        if !is_canonical_y(&author_bytes) {
            return Err(RecordError::KeyMalformed {
                problem: "it is a non-canonical encoding (y is not below 2^255 - 19)".to_owned(),
            });
        }
        let author = PublicKey::from_bytes(&author_bytes).map_err(key_error)?;

        let claimed_at_ms = match scalar("claimed_at").as_ref().and_then(Value::as_u64) {
            Some(ms) => check_claimed_at(ms)?,
            None => {
                return Err(RecordError::malformed(
                    "claimed_at",
                    "it must be a non-negative integer (Unix time in milliseconds)",
                ))
            }
        };

        let Some(Text(event_type)) = text("event_type") else {
            return Err(RecordError::malformed("event_type", "it must be a string"));
        };
        check_event_type(&event_type)?;
        // No character either allows is escaped in canonical JSON, so any body that is
        // canonical holds both as they are; the submission keeps where they stand.
        let unescaped = |name: &str, text: Cow<'_, str>| match text {
            Cow::Borrowed(text) => Ok(place_in(body.as_bytes(), text)),
            Cow::Owned(_) => Err(RecordError::malformed(
                name,
                "it must be written without escapes, as canonical JSON writes it",
            )),
        };
        let event_type = unescaped("event_type", event_type)?;

        let Some(Text(idempotency_id)) = text("idempotency_id") else {
            return Err(RecordError::malformed(
                "idempotency_id",
                "it must be a string",
            ));
        };
        check_idempotency_id(&idempotency_id)?;
        let idempotency_id = unescaped("idempotency_id", idempotency_id)?;

        let payload = match fields.get("payload") {
            Some(raw) if raw.get().starts_with('{') => place_in(body.as_bytes(), raw.get()),
            _ => {
                return Err(RecordError::malformed(
                    "payload",
                    "it must be a JSON object (the event)",
                ))
            }
        };

        let schema_version = match scalar("schema_version") {
            Some(Value::Number(number)) => match number.as_u64() {
                Some(version) => check_schema_version(version)?,
                None => {
                    return Err(RecordError::SchemaVersionUnsupported {
                        found: number.to_string(),
                    })
                }
            },
            _ => {
                return Err(RecordError::malformed(
                    "schema_version",
                    "it must be an integer",
                ))
            }
        };

        Ok(Self {
            author,
            claimed_at_ms,
            event_type,
            idempotency_id,
            payload,
            schema_version,
            body: body.as_bytes().to_vec(),
        })
    }

    /// The author's public key (field `author`).
    #[must_use]
    pub fn author(&self) -> &PublicKey {
        &self.author
    }

    /// The client's claimed time, Unix milliseconds (field `claimed_at`). Informational: the
    /// node's own time is the record's `sequenced_at`.
    #[must_use]
    pub fn claimed_at_ms(&self) -> u64 {
        self.claimed_at_ms
    }

    /// The event type (field `event_type`).
    #[must_use]
    pub fn event_type(&self) -> &str {
        self.ascii(&self.event_type)
    }

    /// The idempotency id (field `idempotency_id`).
    #[must_use]
    pub fn idempotency_id(&self) -> &str {
        self.ascii(&self.idempotency_id)
    }

    /// A field of the body checked to be ASCII when the body was read.
    fn ascii(&self, range: &std::ops::Range<usize>) -> &str {
        std::str::from_utf8(&self.body[range.clone()]).expect("a field checked to be ASCII")
    }

    /// The event (field `payload`), parsed from the body on each call: for tools and tests.
    /// The domain reads [`Submission::payload_json`] in place.
    #[must_use]
    pub fn payload(&self) -> Map<String, Value> {
        serde_json::from_str(self.payload_json()).expect("a submission's payload is an object")
    }

    /// The event (field `payload`) exactly as it stands in the canonical body.
    #[must_use]
    pub fn payload_json(&self) -> &str {
        std::str::from_utf8(&self.body[self.payload.clone()])
            .expect("a submission's body is UTF-8 JSON, its payload a whole value")
    }

    /// The version of the payload's schema for this event type (field `schema_version`).
    #[must_use]
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// The canonical body bytes: what is signed (after the context) and stored in the record.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// A submission body with a signature, as received or as produced by a client; not yet
/// checked. Call [`SignedSubmission::verify`] to check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedSubmission {
    /// The body bytes, exactly as signed.
    pub body: Vec<u8>,
    /// The Ed25519 signature over [`signing_input`] of the body.
    pub signature: [u8; 64],
}

impl SignedSubmission {
    /// Signs a submission's body with `key`.
    ///
    /// The key should be the one whose public key is the submission's author; if it is not,
    /// [`SignedSubmission::verify`] refuses the result with `signature-invalid`.
    #[must_use]
    pub fn sign(submission: &Submission, key: &SigningKey) -> Self {
        Self::sign_body(submission.body().to_vec(), key)
    }

    /// Signs arbitrary body bytes without checking them (for tests and tools that need to
    /// produce refusable submissions).
    #[must_use]
    pub fn sign_body(body: Vec<u8>, key: &SigningKey) -> Self {
        let signature = key.sign(&signing_input(&body)).to_bytes();
        Self { body, signature }
    }

    /// Parses the wire envelope `{"body": <body>, "signature": "<base64>"}`, keeping the exact
    /// bytes of `body`. Whitespace is allowed around the envelope's tokens (not inside `body`,
    /// which [`SignedSubmission::verify`] requires to be canonical).
    ///
    /// # Errors
    /// [`RecordError::RecordTooLarge`] for input above [`WIRE_SIZE_MAX`] or a body above
    /// [`BODY_SIZE_MAX`], [`RecordError::SubmissionMalformed`] when the input is not a JSON
    /// object with exactly the members `body` and `signature` (each once, `signature` a
    /// string), and [`RecordError::SignatureInvalid`] when `signature` is not standard padded
    /// base64 of 64 bytes.
    pub fn from_wire_json(bytes: &[u8]) -> Result<Self, RecordError> {
        if bytes.len() > WIRE_SIZE_MAX {
            return Err(RecordError::RecordTooLarge {
                what: "signed submission",
                size: bytes.len(),
                max: WIRE_SIZE_MAX,
            });
        }
        let envelope = parse_envelope(bytes)?;
        check_body_size(envelope.body.len())?;
        let decoded = BASE64.decode(envelope.signature.as_bytes()).map_err(|_| {
            RecordError::SignatureInvalid {
                problem: "it is not standard padded base64".to_owned(),
            }
        })?;
        let signature: [u8; 64] =
            decoded
                .as_slice()
                .try_into()
                .map_err(|_| RecordError::SignatureInvalid {
                    problem: format!("it decodes to {} bytes, not 64", decoded.len()),
                })?;
        Ok(Self {
            body: envelope.body.to_vec(),
            signature,
        })
    }

    /// The compact wire envelope: `{"body":` body `,"signature":"` base64 `"}`.
    ///
    /// The body is inserted as is; for a body that is not JSON the result is not JSON either.
    #[must_use]
    pub fn to_wire_json(&self) -> Vec<u8> {
        let signature = BASE64.encode(self.signature);
        let mut out = Vec::with_capacity(self.body.len() + signature.len() + 24);
        out.extend_from_slice(b"{\"body\":");
        out.extend_from_slice(&self.body);
        out.extend_from_slice(b",\"signature\":\"");
        out.extend_from_slice(signature.as_bytes());
        out.extend_from_slice(b"\"}");
        out
    }

    /// Checks everything: body size, canonical form, every field rule, the author's key (not
    /// malformed, not weak) and the signature.
    ///
    /// # Errors
    /// The errors of [`Submission::parse_body`], then [`RecordError::SignatureInvalid`] when
    /// the signature does not verify (with `verify_strict`) under the author's key.
    pub fn verify(&self) -> Result<VerifiedSubmission, RecordError> {
        let submission = Submission::parse_body(&self.body)?;
        submission
            .author()
            .verify(&signing_input(&self.body), &self.signature)
            .map_err(key_error)?;
        Ok(VerifiedSubmission {
            submission,
            signature: self.signature,
        })
    }
}

/// A signed submission whose body, fields, key and signature have all been checked.
///
/// Only [`SignedSubmission::verify`] and [`verify_record`] make one, and
/// [`crate::replay::CheckpointedReplay`] for the records a verified checkpoint's root proves
/// (their signatures were checked when they were appended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSubmission {
    submission: Submission,
    signature: [u8; 64],
}

impl VerifiedSubmission {
    /// A submission whose record the caller proves against a signed checkpoint instead of
    /// checking its signature again (only [`crate::replay::CheckpointedReplay`]).
    pub(crate) fn proven_by_checkpoint(submission: Submission, signature: [u8; 64]) -> Self {
        Self {
            submission,
            signature,
        }
    }

    /// The canonical body bytes, exactly as signed.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        self.submission.body()
    }

    /// The verified signature.
    #[must_use]
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// The parsed fields.
    #[must_use]
    pub fn submission(&self) -> &Submission {
        &self.submission
    }

    /// The author's key, which signed the body.
    #[must_use]
    pub fn author(&self) -> &PublicKey {
        self.submission.author()
    }

    /// The unverified form, e.g. to send it again.
    #[must_use]
    pub fn to_signed(&self) -> SignedSubmission {
        SignedSubmission {
            body: self.body().to_vec(),
            signature: self.signature,
        }
    }

    /// The compact wire envelope (see [`SignedSubmission::to_wire_json`]).
    #[must_use]
    pub fn to_wire_json(&self) -> Vec<u8> {
        self.to_signed().to_wire_json()
    }
}

/// The envelope's two members, borrowed from the input.
struct Envelope<'a> {
    body: &'a [u8],
    signature: String,
}

/// A small parser for the envelope object. It exists (rather than a derived deserialiser) to
/// refuse duplicate members and to keep the body's exact bytes.
fn parse_envelope(bytes: &[u8]) -> Result<Envelope<'_>, RecordError> {
    let not_object = || {
        RecordError::malformed(
            "",
            "it must be one JSON object {\"body\": {...}, \"signature\": \"...\"}",
        )
    };
    let mut position = skip_whitespace(bytes, 0);
    if bytes.get(position) != Some(&b'{') {
        return Err(not_object());
    }
    position = skip_whitespace(bytes, position + 1);
    let mut body: Option<&[u8]> = None;
    let mut signature: Option<String> = None;
    if bytes.get(position) == Some(&b'}') {
        position += 1;
    } else {
        loop {
            let rest = bytes.get(position..).unwrap_or_default();
            let mut names = serde_json::Deserializer::from_slice(rest).into_iter::<String>();
            let Some(Ok(name)) = names.next() else {
                return Err(not_object());
            };
            position = skip_whitespace(bytes, position + names.byte_offset());
            if bytes.get(position) != Some(&b':') {
                return Err(not_object());
            }
            position = skip_whitespace(bytes, position + 1);
            let rest = bytes.get(position..).unwrap_or_default();
            let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<&RawValue>();
            let raw = match values.next() {
                Some(Ok(raw)) => raw,
                Some(Err(error)) => {
                    return Err(RecordError::malformed(
                        &name,
                        format!("it is not valid JSON: {error}"),
                    ))
                }
                None => return Err(not_object()),
            };
            position += values.byte_offset();
            match name.as_str() {
                "body" if body.is_none() => body = Some(raw.get().as_bytes()),
                "signature" if signature.is_none() => match serde_json::from_str(raw.get()) {
                    Ok(Value::String(text)) => signature = Some(text),
                    _ => {
                        return Err(RecordError::malformed(
                            "signature",
                            "it must be a string: the base64 of the 64-byte Ed25519 signature",
                        ))
                    }
                },
                "body" | "signature" => {
                    return Err(RecordError::malformed(&name, "the member appears twice"))
                }
                _ => {
                    return Err(RecordError::malformed(
                        &name,
                        "the signed submission may have only the members body and signature",
                    ))
                }
            }
            position = skip_whitespace(bytes, position);
            match bytes.get(position) {
                Some(b',') => position = skip_whitespace(bytes, position + 1),
                Some(b'}') => {
                    position += 1;
                    break;
                }
                _ => return Err(not_object()),
            }
        }
    }
    if skip_whitespace(bytes, position) != bytes.len() {
        return Err(not_object());
    }
    let Some(body) = body else {
        return Err(RecordError::malformed("body", "the member is missing"));
    };
    let Some(signature) = signature else {
        return Err(RecordError::malformed("signature", "the member is missing"));
    };
    Ok(Envelope { body, signature })
}

fn skip_whitespace(bytes: &[u8], mut position: usize) -> usize {
    while matches!(bytes.get(position), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        position += 1;
    }
    position
}

/// Encodes the record for a verified submission: version 0x01, `index` and `sequenced_at_us`
/// (the node's clock, microseconds since the Unix epoch) as big-endian u64, `prev` (the
/// [`record_id`] of the previous record, [`GENESIS_PREV`] for index 0), the signature, then the
/// body.
///
/// The result never exceeds [`RECORD_SIZE_MAX`]: verification bounded the body.
#[must_use]
pub fn encode_record(
    index: u64,
    sequenced_at_us: u64,
    prev: &[u8; 32],
    submission: &VerifiedSubmission,
) -> Vec<u8> {
    let body = submission.body();
    let mut record = Vec::with_capacity(RECORD_HEADER_SIZE + body.len());
    record.push(RECORD_VERSION);
    record.extend_from_slice(&index.to_be_bytes());
    record.extend_from_slice(&sequenced_at_us.to_be_bytes());
    record.extend_from_slice(prev);
    record.extend_from_slice(submission.signature());
    record.extend_from_slice(body);
    record
}

/// The record id: the BLAKE3 hash of the record's bytes. It is the next record's `prev`.
#[must_use]
pub fn record_id(record: &[u8]) -> [u8; 32] {
    *blake3::hash(record).as_bytes()
}

/// The record id as lowercase hex, as shown to people and in URLs.
#[must_use]
pub fn record_id_hex(record: &[u8]) -> String {
    use std::fmt::Write as _;
    record_id(record)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// A record whose layout has been checked (version, length); its body and signature have not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView<'a> {
    bytes: &'a [u8],
}

impl<'a> RecordView<'a> {
    /// Checks the layout of a record: at most [`RECORD_SIZE_MAX`] bytes, at least the header,
    /// version [`RECORD_VERSION`].
    ///
    /// # Errors
    /// [`RecordError::RecordTooLarge`] above [`RECORD_SIZE_MAX`], and
    /// [`RecordError::RecordMalformed`] for a record shorter than the header or of another
    /// version.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, RecordError> {
        if bytes.len() > RECORD_SIZE_MAX {
            return Err(RecordError::RecordTooLarge {
                what: "record",
                size: bytes.len(),
                max: RECORD_SIZE_MAX,
            });
        }
        if bytes.len() < RECORD_HEADER_SIZE {
            return Err(RecordError::RecordMalformed {
                problem: format!(
                    "it is {} bytes long, shorter than the {RECORD_HEADER_SIZE}-byte header",
                    bytes.len()
                ),
            });
        }
        if bytes[0] != RECORD_VERSION {
            return Err(RecordError::RecordMalformed {
                problem: format!(
                    "its version byte is 0x{:02x}, only 0x{RECORD_VERSION:02x} is known",
                    bytes[0]
                ),
            });
        }
        Ok(Self { bytes })
    }

    fn array<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[offset..offset + N]);
        out
    }

    /// The record's bytes.
    #[must_use]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The record's position in the log, from 0.
    #[must_use]
    pub fn index(&self) -> u64 {
        u64::from_be_bytes(self.array(OFFSET_INDEX))
    }

    /// When the node sequenced the record: microseconds since the Unix epoch, node's clock.
    #[must_use]
    pub fn sequenced_at_us(&self) -> u64 {
        u64::from_be_bytes(self.array(OFFSET_SEQUENCED_AT))
    }

    /// The id of the previous record ([`GENESIS_PREV`] at index 0).
    #[must_use]
    pub fn prev(&self) -> [u8; 32] {
        self.array(OFFSET_PREV)
    }

    /// The author's signature over the body.
    #[must_use]
    pub fn signature(&self) -> [u8; 64] {
        self.array(OFFSET_SIGNATURE)
    }

    /// The submission body, exactly as signed.
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[RECORD_HEADER_SIZE..]
    }

    /// The record id ([`record_id`]).
    #[must_use]
    pub fn id(&self) -> [u8; 32] {
        record_id(self.bytes)
    }

    /// Re-verifies the body and the signature held in the record.
    ///
    /// # Errors
    /// The errors of [`SignedSubmission::verify`].
    pub fn verify(&self) -> Result<VerifiedSubmission, RecordError> {
        SignedSubmission {
            body: self.body().to_vec(),
            signature: self.signature(),
        }
        .verify()
    }
}

/// A record whose layout, body and signature have all been checked. Whether it sits at the
/// right place in the chain is for [`check_chain`] or [`ChainVerifier`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRecord<'a> {
    view: RecordView<'a>,
    submission: VerifiedSubmission,
}

impl<'a> VerifiedRecord<'a> {
    /// The record's header and bytes.
    #[must_use]
    pub fn view(&self) -> &RecordView<'a> {
        &self.view
    }

    /// The verified submission it holds.
    #[must_use]
    pub fn submission(&self) -> &VerifiedSubmission {
        &self.submission
    }

    /// The verified submission, without the record around it.
    #[must_use]
    pub fn into_submission(self) -> VerifiedSubmission {
        self.submission
    }
}

/// Decodes a record and re-verifies the submission in it, as an offline verifier does.
///
/// # Errors
/// The errors of [`RecordView::decode`] and of [`SignedSubmission::verify`].
pub fn verify_record(bytes: &[u8]) -> Result<VerifiedRecord<'_>, RecordError> {
    let view = RecordView::decode(bytes)?;
    let submission = view.verify()?;
    Ok(VerifiedRecord { view, submission })
}

/// Checks that `record` directly follows `prev_record` (or is the first record when
/// `prev_record` is `None`): its index is one more (0 for the first) and its `prev` is the
/// previous record's id ([`GENESIS_PREV`] for the first). Signatures are not checked.
///
/// # Errors
/// The errors of [`RecordView::decode`] for either record, and [`RecordError::ChainBroken`]
/// when the index or `prev` does not match.
pub fn check_chain(prev_record: Option<&[u8]>, record: &[u8]) -> Result<(), RecordError> {
    let mut chain = match prev_record {
        None => ChainVerifier::new(),
        Some(prev_record) => {
            let prev = RecordView::decode(prev_record)?;
            let next_index = prev
                .index()
                .checked_add(1)
                .ok_or(RecordError::ChainBroken {
                    index: prev.index(),
                    problem: "no record can follow the largest index".to_owned(),
                })?;
            ChainVerifier::resume(next_index, prev.id())
        }
    };
    chain.push(record).map(|_| ())
}

/// Checks a sequence of records, in log order, for an unbroken chain: each record's index is
/// the next one and its `prev` is the id of the record before it. Detects removal, insertion,
/// reordering and modification of records. Signatures are not checked (see [`verify_record`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerifier {
    next_index: u64,
    prev_id: [u8; 32],
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// Starts at the beginning of the log: index 0, `prev` [`GENESIS_PREV`].
    #[must_use]
    pub fn new() -> Self {
        Self::resume(0, GENESIS_PREV)
    }

    /// Starts in the middle of the log: the next record must have `next_index` and `prev_id`.
    #[must_use]
    pub fn resume(next_index: u64, prev_id: [u8; 32]) -> Self {
        Self {
            next_index,
            prev_id,
        }
    }

    /// The index the next record must have.
    #[must_use]
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// The `prev` the next record must have: the id of the last record accepted.
    #[must_use]
    pub fn prev_id(&self) -> [u8; 32] {
        self.prev_id
    }

    /// Checks the next record and, if it follows, advances past it.
    ///
    /// # Errors
    /// The errors of [`RecordView::decode`], and [`RecordError::ChainBroken`] when the index
    /// or `prev` does not match; the verifier does not advance on error.
    pub fn push<'a>(&mut self, record: &'a [u8]) -> Result<RecordView<'a>, RecordError> {
        let view = RecordView::decode(record)?;
        if view.index() != self.next_index {
            return Err(RecordError::ChainBroken {
                index: view.index(),
                problem: format!(
                    "expected the record with index {}, found index {} (a record was removed, \
                     inserted or moved)",
                    self.next_index,
                    view.index()
                ),
            });
        }
        if view.prev() != self.prev_id {
            return Err(RecordError::ChainBroken {
                index: view.index(),
                problem: "its prev is not the id of the previous record (a record was \
                          replaced, modified or moved)"
                    .to_owned(),
            });
        }
        self.prev_id = view.id();
        self.next_index = self.next_index.saturating_add(1);
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn body(payload: Value, idempotency_id: &str) -> Vec<u8> {
        let Value::Object(payload) = payload else {
            panic!("an object")
        };
        let signer = SigningKey::from_bytes(&[7; 32]);
        let submission = Submission::new(
            PublicKey::from(&signer),
            1_725_148_800_000,
            "assessment.recorded",
            idempotency_id,
            payload,
            1,
        )
        .unwrap();
        submission.body().to_vec()
    }

    /// The typed reading accepts typical bodies, and whatever it accepts the field-by-field
    /// reading accepts as the same submission; so does the reading by layout, for text that
    /// is well-formed JSON (its precondition), and it accepts what the typed reading does.
    fn agrees(bytes: &[u8]) -> Option<Submission> {
        let text = std::str::from_utf8(bytes).ok()?;
        let typical = Submission::from_typical_body(text);
        if let Some(typical) = &typical {
            assert_eq!(Submission::read_body(text).as_ref(), Ok(typical));
        }
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            let by_layout = Submission::from_canonical_layout(text, BodyOrigin::WellFormed);
            if let Some(by_layout) = &by_layout {
                assert_eq!(Submission::read_body(text).as_ref(), Ok(by_layout));
                // Read again once accepted, it is the same submission.
                let proven = Submission::from_canonical_layout(text, BodyOrigin::Proven);
                assert_eq!(proven.as_ref(), Some(by_layout));
            }
            let canonical = canonical::check_canonical(bytes).is_ok();
            assert!(
                !canonical || typical.is_none() || by_layout.is_some(),
                "a canonical typical body is read by its layout: {text}"
            );
        }
        typical
    }

    #[test]
    fn the_typed_reading_takes_typical_bodies_as_the_full_one_does() {
        let payloads = [
            serde_json::json!({"learner": "0123456789012", "value": "8.5"}),
            serde_json::json!({"reason": "sửa \"điểm\" nhập sai\n", "n": -3, "list": [1, {}]}),
            serde_json::json!({}),
            // Brackets, quotes and the body's own member names inside the payload.
            serde_json::json!({"a": "}{[\\\"", "schema_version": 2, "v": {"v": 1}, "z": [[]]}),
            serde_json::json!({"t": ",\"schema_version\":1,\"v\":1}"}),
        ];
        for (n, payload) in payloads.into_iter().enumerate() {
            let bytes = body(payload, &format!("id-{n}"));
            assert!(
                agrees(&bytes).is_some(),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn the_typed_reading_leaves_every_problem_to_the_full_one() {
        let good = String::from_utf8(body(serde_json::json!({"a": 1}), "id")).unwrap();
        let variants = [
            good.replace("\"v\":1", "\"v\":2"),
            good.replace("\"v\":1", "\"v\":1,\"w\":1"),
            // A member between the payload and the version: the payload must end where its
            // own object closes.
            good.replace("\"schema_version\"", "\"q\":{},\"schema_version\""),
            good.replace("\"v\":1", "\"v\":1,\"v\":1"),
            good.replace("\"claimed_at\":1725148800000", "\"claimed_at\":\"1\""),
            good.replace("\"schema_version\":1", "\"schema_version\":0"),
            good.replace("\"payload\":{\"a\":1}", "\"payload\":[1]"),
            good.replace("\"idempotency_id\":\"id\"", "\"idempotency_id\":\"\""),
            good.replace("\"author\":\"", "\"author\":\"A"),
            good.replace("\"event_type\":\"", "\"event_type\":\"\\u0041"),
        ];
        // Each is refused by the full reading, except the repeated name, which only the
        // canonical check refuses (before either reading, on append).
        for variant in &variants {
            assert_ne!(variant, &good);
            assert!(agrees(variant.as_bytes()).is_none(), "{variant}");
        }
    }

    /// Any JSON value, nested a few levels, with strings that hold brackets, quotes and
    /// escapes.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-1000i64..1000).prop_map(Value::from),
            "[{}\\[\\]\"\\\\a-z:,é\n]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_\"{]{0,6}", inner, 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn bodies_read_by_layout_read_alike(
            members in prop::collection::btree_map("[a-z_\"{}]{1,8}", json_value(), 0..5),
            id in "[A-Za-z0-9._:-]{1,20}",
        ) {
            let payload = Value::Object(members.into_iter().collect());
            let bytes = body(payload, &id);
            prop_assert!(agrees(&bytes).is_some());
        }

        #[test]
        fn damaged_bodies_read_alike(
            cut in 0usize..200,
            at in 0usize..200,
            byte in any::<u8>(),
        ) {
            let mut bytes = body(serde_json::json!({"learner": "0123", "value": "7"}), "x");
            let at = at % bytes.len();
            bytes[at] = byte;
            bytes.truncate(bytes.len() - cut % 3);
            agrees(&bytes);
            // Whatever is accepted hands out its payload as text (a damaged byte inside a
            // string is not UTF-8: refused, never a panic later).
            let text = std::str::from_utf8(&bytes).ok();
            if let Some(Ok(submission)) = text.map(Submission::from_text) {
                prop_assert!(submission.payload_json().starts_with('{'), "an object");
            }
        }
    }
}
