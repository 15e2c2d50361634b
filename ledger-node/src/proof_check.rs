//! `hocba proof verify`: checks a saved proof of inclusion and its record fully offline, with
//! nothing but the log's verifier key (and, if asked, witness keys).
//!
//! A *bundle* is what an auditor or a university keeps of a record:
//!
//! - the JSON answer of `GET /v1/records/{index}` ([`RecordWithProof`]: the record bytes in
//!   base64, its record id, leaf hash and a C2SP tlog-proof), or
//! - the tlog-proof text alone, with the record bytes in a separate file.
//!
//! [`check`] runs the checks in a fixed order and stops at the first that fails, so every
//! implementation reports the same [`ProofCheckError::code`]:
//!
//! 1. the bundle parses (JSON or tlog-proof text, within [`BUNDLE_SIZE_MAX`]);
//! 2. the record decodes and its author's signature verifies (strict Ed25519,
//!    [`verify_record`]);
//! 3. the record id, leaf hash and index written in the bundle agree with the record, and the
//!    proof's index is the index in the record's header;
//! 4. the checkpoint is of the log the key names (its origin is the key name) and carries a
//!    valid signature by that key;
//! 5. the inclusion proof leads from the record's leaf hash at its index to the checkpoint's
//!    root hash;
//! 6. every witness asked for has a valid tlog-cosignature on the checkpoint.
//!
//! The proof's `extra` line is ignored: nothing signs it. What passed is returned as a
//! [`Proven`], which explains itself in Vietnamese and English.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ledger_api::wire::RecordWithProof;
use ledger_core::checkpoint::{Checkpoint, Origin};
use ledger_core::cosignature::{CosignatureError, CosignatureVerifier};
use ledger_core::domain::value::VIETNAM_UTC_OFFSET_S;
use ledger_core::limits::RECORD_SIZE_MAX;
use ledger_core::note::{Note, NoteError, NoteVerifier};
use ledger_core::proof::{TlogProof, PROOF_SIZE_MAX};
use ledger_core::record::{record_id_hex, verify_record, RecordError};
use ledger_core::tree;
use serde_json::{json, Value};

/// Largest bundle accepted, in bytes: a JSON answer whose record (base64) and proof text are
/// both escaped at worst to twice their size (`\n` for a newline, `\u2014` for the three bytes
/// of an em dash, `\/`), plus room for indentation. Larger input is refused before parsing.
pub const BUNDLE_SIZE_MAX: usize =
    2 * (RECORD_SIZE_MAX.div_ceil(3) * 4) + 2 * PROOF_SIZE_MAX + 4096;

/// Exit status when every check holds.
pub const EXIT_VERIFIED: u8 = 0;
/// Exit status when a check fails: the bundle does not prove what it claims.
pub const EXIT_INVALID: u8 = 1;
/// Exit status for usage and operational errors: unreadable file, malformed key, missing
/// `--record`.
pub const EXIT_USAGE: u8 = 2;

/// Why a bundle was refused. Each variant has a stable [`code`](ProofCheckError::code); the
/// `Display` text is English, [`ProofCheckError::vietnamese`] says the same in Vietnamese.
///
/// [`ProofCheckError::is_usage`] variants are the caller's mistakes (exit status 2); all others
/// mean the bundle does not prove what it claims (exit status 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofCheckError {
    /// The log's verifier key is not a signed-note verifier key `name+hexid+base64`
    /// (code `vkey-malformed`; usage error).
    #[error("the log's verifier key (--vkey) is malformed: {source}")]
    VkeyMalformed {
        /// Why the key was refused.
        source: NoteError,
    },
    /// A witness's verifier key is not a tlog-cosignature (type 0x04) verifier key
    /// (code `witness-key-malformed`; usage error).
    #[error("the witness key {witness:?} (--witness) is malformed: {source}")]
    WitnessKeyMalformed {
        /// The key as given.
        witness: String,
        /// Why the key was refused.
        source: CosignatureError,
    },
    /// The bundle is tlog-proof text and no record bytes were given (code `record-required`;
    /// usage error).
    #[error("the bundle is a tlog-proof without the record: give the record file with --record")]
    RecordRequired,
    /// Step 1: the bundle is neither the JSON of a record with its proof nor tlog-proof text
    /// (code `bundle-malformed`).
    #[error("the bundle is malformed: {what}")]
    BundleMalformed {
        /// What is wrong.
        what: String,
    },
    /// Step 1: the JSON bundle has no proof: no checkpoint covered the record yet when it was
    /// saved (code `proof-missing`).
    #[error(
        "the bundle has no proof: no checkpoint covered the record yet when it was saved; \
         fetch GET /v1/records/{index} again"
    )]
    ProofMissing {
        /// The record's index as the bundle states it.
        index: u64,
    },
    /// Step 1: a record file was given with a JSON bundle and differs from the record inside
    /// it (code `record-conflict`).
    #[error("the record file differs from the record inside the JSON bundle")]
    RecordConflict,
    /// Step 2: the record does not decode or its author's signature does not verify
    /// (code `record-invalid`; the record error's own code is in the message).
    #[error("the record is invalid [{}]: {source}", source.code())]
    RecordInvalid {
        /// Why the record was refused.
        source: RecordError,
    },
    /// Step 3: the record id written in the bundle is not BLAKE3 of the record
    /// (code `record-id-mismatch`).
    #[error("the bundle's record id {claimed} is not the record's id {actual}")]
    RecordIdMismatch {
        /// The id written in the bundle.
        claimed: String,
        /// BLAKE3 of the record, hex.
        actual: String,
    },
    /// Step 3: the leaf hash written in the bundle is not SHA-256(0x00 ‖ record)
    /// (code `leaf-hash-mismatch`).
    #[error("the bundle's leaf hash {claimed} is not the record's leaf hash {actual}")]
    LeafHashMismatch {
        /// The leaf hash written in the bundle.
        claimed: String,
        /// The record's leaf hash, base64.
        actual: String,
    },
    /// Step 3: the bundle's index or the proof's index is not the index in the record's
    /// header (code `index-mismatch`).
    #[error("{} says index {claimed}, but the record is at index {actual}", what.english())]
    IndexMismatch {
        /// Which index disagrees.
        what: IndexSource,
        /// The index it states.
        claimed: u64,
        /// The index in the record's header.
        actual: u64,
    },
    /// Step 4: the checkpoint is of another log than the one the key names
    /// (code `log-mismatch`).
    #[error("the checkpoint is of log `{found}`, but the key is of log `{expected}`")]
    LogMismatch {
        /// The key name of `--vkey`.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
    /// Step 4: the checkpoint has no valid signature by the log's key (code
    /// `checkpoint-unverified`).
    #[error("the checkpoint is not signed by the log's key: {source}")]
    CheckpointUnverified {
        /// Why the signature check failed.
        source: NoteError,
    },
    /// Step 5: the inclusion proof does not lead from the record's leaf hash at its index to
    /// the checkpoint's root (code `inclusion-invalid`).
    #[error("the inclusion proof does not lead to the checkpoint's root: {source}")]
    InclusionInvalid {
        /// Why, as the Merkle tree check reports it.
        source: tree::Error,
    },
    /// Step 6: a witness asked for has not cosigned the checkpoint (code `witness-missing`).
    #[error("witness {witness} has not cosigned the checkpoint")]
    WitnessMissing {
        /// The witness's key name.
        witness: String,
    },
    /// Step 6: a witness's cosignature line does not verify (code `witness-invalid`).
    #[error("the cosignature of witness {witness} does not verify: {source}")]
    WitnessInvalid {
        /// The witness's key name.
        witness: String,
        /// Why it does not verify.
        source: CosignatureError,
    },
}

/// Which index of a bundle disagrees with the record's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexSource {
    /// The `index` member of the JSON bundle.
    Bundle,
    /// The `index` line of the tlog-proof.
    Proof,
}

impl IndexSource {
    fn english(self) -> &'static str {
        match self {
            Self::Bundle => "the bundle",
            Self::Proof => "the proof",
        }
    }

    fn vietnamese(self) -> &'static str {
        match self {
            Self::Bundle => "tệp bằng chứng",
            Self::Proof => "bằng chứng",
        }
    }
}

impl ProofCheckError {
    /// Every code [`ProofCheckError::code`] can return, in the order of the checks.
    pub const CODES: [&'static str; 15] = [
        "vkey-malformed",
        "witness-key-malformed",
        "record-required",
        "bundle-malformed",
        "proof-missing",
        "record-conflict",
        "record-invalid",
        "record-id-mismatch",
        "leaf-hash-mismatch",
        "index-mismatch",
        "log-mismatch",
        "checkpoint-unverified",
        "inclusion-invalid",
        "witness-missing",
        "witness-invalid",
    ];

    /// The stable kebab-case code of this refusal.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::VkeyMalformed { .. } => "vkey-malformed",
            Self::WitnessKeyMalformed { .. } => "witness-key-malformed",
            Self::RecordRequired => "record-required",
            Self::BundleMalformed { .. } => "bundle-malformed",
            Self::ProofMissing { .. } => "proof-missing",
            Self::RecordConflict => "record-conflict",
            Self::RecordInvalid { .. } => "record-invalid",
            Self::RecordIdMismatch { .. } => "record-id-mismatch",
            Self::LeafHashMismatch { .. } => "leaf-hash-mismatch",
            Self::IndexMismatch { .. } => "index-mismatch",
            Self::LogMismatch { .. } => "log-mismatch",
            Self::CheckpointUnverified { .. } => "checkpoint-unverified",
            Self::InclusionInvalid { .. } => "inclusion-invalid",
            Self::WitnessMissing { .. } => "witness-missing",
            Self::WitnessInvalid { .. } => "witness-invalid",
        }
    }

    /// Whether this is the caller's mistake (a malformed key, a missing `--record`) rather than
    /// a bundle that fails a check.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::VkeyMalformed { .. } | Self::WitnessKeyMalformed { .. } | Self::RecordRequired
        )
    }

    /// The same reason in Vietnamese.
    #[must_use]
    pub fn vietnamese(&self) -> String {
        match self {
            Self::VkeyMalformed { source } => {
                format!(
                    "khóa xác minh của sổ (--vkey) sai định dạng [{}]",
                    source.code()
                )
            }
            Self::WitnessKeyMalformed { witness, source } => format!(
                "khóa nhân chứng {witness:?} (--witness) sai định dạng [{}]",
                source.code()
            ),
            Self::RecordRequired => "tệp là bằng chứng tlog-proof không kèm bản ghi: hãy đưa tệp \
                                     bản ghi bằng --record"
                .to_owned(),
            Self::BundleMalformed { what } => format!("tệp bằng chứng sai định dạng: {what}"),
            Self::ProofMissing { index } => format!(
                "tệp không có bằng chứng: khi được lưu, bản ghi chưa nằm trong điểm kiểm tra nào; \
                 hãy tải lại GET /v1/records/{index}"
            ),
            Self::RecordConflict => {
                "tệp bản ghi khác với bản ghi nằm trong tệp bằng chứng JSON".to_owned()
            }
            Self::RecordInvalid { source } => {
                format!("bản ghi không hợp lệ [{}]", source.code())
            }
            Self::RecordIdMismatch { claimed, actual } => {
                format!("mã bản ghi ghi trong tệp ({claimed}) không phải mã của bản ghi ({actual})")
            }
            Self::LeafHashMismatch { claimed, actual } => {
                format!("băm lá ghi trong tệp ({claimed}) không phải băm lá của bản ghi ({actual})")
            }
            Self::IndexMismatch {
                what,
                claimed,
                actual,
            } => format!(
                "{} ghi số thứ tự {claimed}, nhưng bản ghi mang số thứ tự {actual}",
                what.vietnamese()
            ),
            Self::LogMismatch { expected, found } => {
                format!("điểm kiểm tra thuộc sổ `{found}`, nhưng khóa là của sổ `{expected}`")
            }
            Self::CheckpointUnverified { source } => format!(
                "điểm kiểm tra không có chữ ký hợp lệ của khóa của sổ [{}]",
                source.code()
            ),
            Self::InclusionInvalid { .. } => {
                "bằng chứng Merkle không dẫn từ băm lá của bản ghi tới gốc của điểm kiểm tra"
                    .to_owned()
            }
            Self::WitnessMissing { witness } => {
                format!("nhân chứng {witness} chưa đồng ký điểm kiểm tra")
            }
            Self::WitnessInvalid { witness, source } => format!(
                "chữ ký đồng ký của nhân chứng {witness} không hợp lệ [{}]",
                source.code()
            ),
        }
    }
}

/// A witness whose cosignature on the checkpoint verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's key name.
    pub name: String,
    /// The cosignature's timestamp: seconds since the Unix epoch (the latest, if several).
    pub timestamp: u64,
}

/// What a bundle proved: the record, the checkpoint that includes it and who cosigned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proven {
    /// The log's origin (its key name).
    pub origin: String,
    /// The checkpoint's tree size.
    pub checkpoint_size: u64,
    /// The checkpoint's root hash, base64.
    pub checkpoint_root: String,
    /// The record's index in the log.
    pub index: u64,
    /// The record id: BLAKE3 of the record, hex.
    pub record_id: String,
    /// The record's leaf hash, base64.
    pub leaf_hash: String,
    /// The submission's event type.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// The author's Ed25519 public key, base64.
    pub author: String,
    /// The author's idempotency id.
    pub idempotency_id: String,
    /// The author's own clock at submission, Unix milliseconds (not checked by the log).
    pub claimed_at_ms: u64,
    /// The log's sequencing time, Unix microseconds (covered by the leaf hash).
    pub sequenced_at_us: u64,
    /// The witnesses asked for, each with its cosignature's time, in the order given.
    pub witnesses: Vec<Cosigned>,
}

impl Cosigned {
    /// The cosignature's time in UTC, ISO 8601 (`2026-09-21T14:15:00Z`).
    #[must_use]
    pub fn utc(&self) -> String {
        Moment::from_s(self.timestamp).utc()
    }

    /// The cosignature's time in Vietnam time (`2026-09-21T21:15:00+07:00`).
    #[must_use]
    pub fn vietnam(&self) -> String {
        Moment::from_s(self.timestamp).vietnam()
    }
}

impl Proven {
    /// The author's claimed time in UTC, ISO 8601 with milliseconds.
    #[must_use]
    pub fn claimed_at_utc(&self) -> String {
        Moment::from_ms(self.claimed_at_ms).utc()
    }

    /// The author's claimed time in Vietnam time (UTC+7), ISO 8601 with milliseconds.
    #[must_use]
    pub fn claimed_at_vietnam(&self) -> String {
        Moment::from_ms(self.claimed_at_ms).vietnam()
    }

    /// The log's sequencing time in UTC, ISO 8601 with microseconds.
    #[must_use]
    pub fn sequenced_at_utc(&self) -> String {
        Moment::from_us(self.sequenced_at_us).utc()
    }

    /// The log's sequencing time in Vietnam time (UTC+7), ISO 8601 with microseconds.
    #[must_use]
    pub fn sequenced_at_vietnam(&self) -> String {
        Moment::from_us(self.sequenced_at_us).vietnam()
    }

    /// A plain-words report, each line in Vietnamese first, then in English.
    #[must_use]
    pub fn explain(&self) -> String {
        let (claimed_utc, claimed_vietnam) = (self.claimed_at_utc(), self.claimed_at_vietnam());
        let (sequenced_utc, sequenced_vietnam) =
            (self.sequenced_at_utc(), self.sequenced_at_vietnam());
        let mut lines: Vec<String> = vec![
            format!(
                "Bản ghi số {} (sự kiện {}, lược đồ phiên bản {}) do khóa {} ký, đã nằm trong \
                 điểm kiểm tra kích thước {} của sổ `{}`.",
                self.index,
                self.event_type,
                self.schema_version,
                self.author,
                self.checkpoint_size,
                self.origin
            ),
            format!(
                "Record {} (event {}, schema version {}), signed by key {}, is included in \
                 checkpoint of size {} of log `{}`.",
                self.index,
                self.event_type,
                self.schema_version,
                self.author,
                self.checkpoint_size,
                self.origin
            ),
            format!("Gốc cây Merkle của điểm kiểm tra: {}", self.checkpoint_root),
            format!(
                "Merkle tree root of the checkpoint: {}",
                self.checkpoint_root
            ),
            format!(
                "Mã bản ghi (BLAKE3): {}; băm lá (SHA-256): {}",
                self.record_id, self.leaf_hash
            ),
            format!(
                "Record id (BLAKE3): {}; leaf hash (SHA-256): {}",
                self.record_id, self.leaf_hash
            ),
            format!("Mã chống gửi trùng: {}", self.idempotency_id),
            format!("Idempotency id: {}", self.idempotency_id),
            format!("Sổ ghi nhận lúc {sequenced_vietnam} giờ Việt Nam ({sequenced_utc})."),
            format!("Sequenced by the log at {sequenced_utc} ({sequenced_vietnam} Vietnam time)."),
            format!(
                "Bên gửi khai lúc {claimed_vietnam} giờ Việt Nam ({claimed_utc}); sổ không kiểm \
                 tra thời điểm này."
            ),
            format!(
                "Claimed by the sender at {claimed_utc} ({claimed_vietnam} Vietnam time); the log \
                 does not check this time."
            ),
        ];
        if self.witnesses.is_empty() {
            lines.push(
                "Không yêu cầu nhân chứng nào (--witness): chỉ chữ ký của sổ được kiểm tra."
                    .to_owned(),
            );
            lines.push(
                "No witness was required (--witness): only the log's signature was checked."
                    .to_owned(),
            );
        }
        for witness in &self.witnesses {
            lines.push(format!(
                "Nhân chứng {} đã đồng ký điểm kiểm tra này lúc {} giờ Việt Nam ({}).",
                witness.name,
                witness.vietnam(),
                witness.utc()
            ));
            lines.push(format!(
                "Witness {} cosigned this checkpoint at {} ({} Vietnam time).",
                witness.name,
                witness.utc(),
                witness.vietnam()
            ));
        }
        lines.push(
            "Chữ ký của tác giả, chữ ký của sổ và bằng chứng Merkle đều hợp lệ, được kiểm tra \
             ngoại tuyến chỉ bằng khóa xác minh của sổ."
                .to_owned(),
        );
        lines.push(
            "The author's signature, the log's signature and the Merkle proof all hold, checked \
             offline with only the log's verifier key."
                .to_owned(),
        );
        lines.push(
            "Lưu ý: điều này chứng minh bản ghi có trong sổ, không chứng minh đây là thông tin \
             mới nhất; một bản ghi sau có thể đính chính nó."
                .to_owned(),
        );
        lines.push(
            "Note: this proves the record is in the log, not that it is the latest word; a later \
             record may correct it."
                .to_owned(),
        );
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// The report as JSON, for `--json`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let witnesses: Vec<Value> = self
            .witnesses
            .iter()
            .map(|witness| {
                json!({
                    "name": witness.name,
                    "timestamp": witness.timestamp,
                    "utc": witness.utc(),
                    "vietnam": witness.vietnam(),
                })
            })
            .collect();
        json!({
            "verified": true,
            "origin": self.origin,
            "checkpoint": {
                "size": self.checkpoint_size,
                "root": self.checkpoint_root,
            },
            "record": {
                "index": self.index,
                "record_id": self.record_id,
                "leaf_hash": self.leaf_hash,
                "event_type": self.event_type,
                "schema_version": self.schema_version,
                "author": self.author,
                "idempotency_id": self.idempotency_id,
                "claimed_at": {
                    "unix_ms": self.claimed_at_ms,
                    "utc": self.claimed_at_utc(),
                    "vietnam": self.claimed_at_vietnam(),
                },
                "sequenced_at": {
                    "unix_us": self.sequenced_at_us,
                    "utc": self.sequenced_at_utc(),
                    "vietnam": self.sequenced_at_vietnam(),
                },
            },
            "witnesses": witnesses,
        })
    }
}

/// Checks a saved bundle and its record offline; see the module documentation for the checks
/// and their order.
///
/// `bundle` is the JSON of a [`RecordWithProof`] (first non-space byte `{`) or tlog-proof text;
/// for text, `record` (the raw record bytes) is required. With JSON, a `record` given must be
/// the record inside it. `log_vkey` is the log's signed-note verifier key; `witnesses` are
/// tlog-cosignature verifier keys that must all have cosigned the checkpoint.
///
/// # Errors
/// The first check that fails, as a [`ProofCheckError`]; the keys are parsed before anything
/// else ([`ProofCheckError::VkeyMalformed`], [`ProofCheckError::WitnessKeyMalformed`]).
pub fn check(
    bundle: &[u8],
    record: Option<&[u8]>,
    log_vkey: &str,
    witnesses: &[String],
) -> Result<Proven, ProofCheckError> {
    let log = NoteVerifier::parse(log_vkey.trim())
        .map_err(|source| ProofCheckError::VkeyMalformed { source })?;
    let witnesses = witnesses
        .iter()
        .map(|witness| {
            CosignatureVerifier::parse(witness.trim()).map_err(|source| {
                ProofCheckError::WitnessKeyMalformed {
                    witness: witness.clone(),
                    source,
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    // 1. The bundle parses.
    let parsed = parse_bundle(bundle, record)?;
    let record = parsed.record.as_slice();
    let proof = &parsed.proof;

    // 2. The record decodes and its author's signature verifies.
    let verified =
        verify_record(record).map_err(|source| ProofCheckError::RecordInvalid { source })?;
    let view = verified.view();
    let submission = verified.submission().submission();

    // 3. What the bundle states agrees with the record.
    let record_id = record_id_hex(record);
    let leaf = tree::leaf_hash(record);
    if let Some(claims) = &parsed.claims {
        if claims.record_id != record_id {
            return Err(ProofCheckError::RecordIdMismatch {
                claimed: claims.record_id.clone(),
                actual: record_id,
            });
        }
        if claims.leaf_hash != leaf.to_base64() {
            return Err(ProofCheckError::LeafHashMismatch {
                claimed: claims.leaf_hash.clone(),
                actual: leaf.to_base64(),
            });
        }
        if claims.index != view.index() {
            return Err(ProofCheckError::IndexMismatch {
                what: IndexSource::Bundle,
                claimed: claims.index,
                actual: view.index(),
            });
        }
    }
    // A log could place a record at another position than its header says; the proof must be
    // for the position the record itself names.
    if proof.index != view.index() {
        return Err(ProofCheckError::IndexMismatch {
            what: IndexSource::Proof,
            claimed: proof.index,
            actual: view.index(),
        });
    }

    // 4. The checkpoint is this log's and signed by its key. The origin is compared first, from
    // the still unauthenticated text, only to name the likelier mistake (a key of another log);
    // the signature must hold either way.
    let malformed = |what: &str| ProofCheckError::BundleMalformed {
        what: format!("the proof's checkpoint: {what}"),
    };
    let note =
        Note::parse(proof.checkpoint.as_bytes()).map_err(|error| malformed(&error.to_string()))?;
    let checkpoint =
        Checkpoint::parse(note.text()).map_err(|error| malformed(&error.to_string()))?;
    if checkpoint.origin != Origin::from(log.name()) {
        return Err(ProofCheckError::LogMismatch {
            expected: log.name().to_string(),
            found: checkpoint.origin.to_string(),
        });
    }
    note.verify(std::slice::from_ref(&log))
        .map_err(|source| ProofCheckError::CheckpointUnverified { source })?;

    // 5. The record's leaf hash is in the tree the checkpoint commits to.
    tree::verify_inclusion(
        &leaf,
        proof.index,
        checkpoint.size,
        &proof.hashes,
        &checkpoint.root,
    )
    .map_err(|source| ProofCheckError::InclusionInvalid { source })?;

    // 6. Every witness asked for cosigned this checkpoint.
    let mut cosigned: Vec<Cosigned> = Vec::with_capacity(witnesses.len());
    for witness in &witnesses {
        let name = witness.name().to_string();
        let timestamp = match witness.verify(&note) {
            Ok(timestamp) => timestamp,
            Err(CosignatureError::Missing { .. }) => {
                return Err(ProofCheckError::WitnessMissing { witness: name })
            }
            Err(source) => {
                return Err(ProofCheckError::WitnessInvalid {
                    witness: name,
                    source,
                })
            }
        };
        if !cosigned.iter().any(|seen| seen.name == name) {
            cosigned.push(Cosigned { name, timestamp });
        }
    }

    Ok(Proven {
        origin: checkpoint.origin.to_string(),
        checkpoint_size: checkpoint.size,
        checkpoint_root: checkpoint.root.to_base64(),
        index: view.index(),
        record_id,
        leaf_hash: leaf.to_base64(),
        event_type: submission.event_type().to_owned(),
        schema_version: submission.schema_version(),
        author: BASE64.encode(submission.author().to_bytes()),
        idempotency_id: submission.idempotency_id().to_owned(),
        claimed_at_ms: submission.claimed_at_ms(),
        sequenced_at_us: view.sequenced_at_us(),
        witnesses: cosigned,
    })
}

/// The record id, leaf hash and index a JSON bundle states about its record.
struct Claims {
    index: u64,
    record_id: String,
    leaf_hash: String,
}

/// A bundle after step 1.
struct ParsedBundle {
    record: Vec<u8>,
    proof: TlogProof,
    /// Present for JSON bundles only: tlog-proof text states nothing but the index.
    claims: Option<Claims>,
}

/// Step 1: parses a JSON or tlog-proof bundle.
fn parse_bundle(bundle: &[u8], record: Option<&[u8]>) -> Result<ParsedBundle, ProofCheckError> {
    let malformed = |what: String| ProofCheckError::BundleMalformed { what };
    if bundle.len() > BUNDLE_SIZE_MAX {
        return Err(malformed(format!(
            "{} bytes, more than the {BUNDLE_SIZE_MAX} accepted",
            bundle.len()
        )));
    }
    let parse_proof = |text: &[u8]| {
        TlogProof::parse(text).map_err(|error| malformed(format!("not a tlog-proof: {error}")))
    };
    let is_json = bundle
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'{');
    if !is_json {
        let proof = parse_proof(bundle)?;
        let record = record.ok_or(ProofCheckError::RecordRequired)?;
        return Ok(ParsedBundle {
            record: record.to_vec(),
            proof,
            claims: None,
        });
    }

    let answer: RecordWithProof = serde_json::from_slice(bundle).map_err(|error| {
        malformed(format!(
            "not the JSON of GET /v1/records/{{index}}: {error}"
        ))
    })?;
    let bytes = BASE64
        .decode(&answer.record)
        .map_err(|_| malformed("`record` is not canonical base64".to_owned()))?;
    if record.is_some_and(|given| given != bytes.as_slice()) {
        return Err(ProofCheckError::RecordConflict);
    }
    let text = answer.proof.ok_or(ProofCheckError::ProofMissing {
        index: answer.index,
    })?;
    Ok(ParsedBundle {
        record: bytes,
        proof: parse_proof(text.as_bytes())?,
        claims: Some(Claims {
            index: answer.index,
            record_id: answer.record_id,
            leaf_hash: answer.leaf_hash,
        }),
    })
}

/// A point in time, shown as ISO 8601 in UTC and in Vietnam time (UTC+7, no daylight saving).
struct Moment {
    unix_us: u64,
    /// Digits of the fraction of a second shown: 0, 3 or 6, the precision of the source.
    fraction_digits: u32,
}

impl Moment {
    fn from_s(unix_s: u64) -> Self {
        Self {
            unix_us: unix_s.saturating_mul(1_000_000),
            fraction_digits: 0,
        }
    }

    fn from_ms(unix_ms: u64) -> Self {
        Self {
            unix_us: unix_ms.saturating_mul(1_000),
            fraction_digits: 3,
        }
    }

    fn from_us(unix_us: u64) -> Self {
        Self {
            unix_us,
            fraction_digits: 6,
        }
    }

    fn utc(&self) -> String {
        self.render(0, "Z")
    }

    fn vietnam(&self) -> String {
        self.render(VIETNAM_UTC_OFFSET_S, "+07:00")
    }

    fn render(&self, offset_s: i64, suffix: &str) -> String {
        // u64 microseconds are under 2^64 / 10^6 < 2^45 seconds: no overflow in i64.
        let seconds = i64::try_from(self.unix_us / 1_000_000).unwrap_or(i64::MAX) + offset_s;
        let micros = self.unix_us % 1_000_000;
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        let second_of_day = seconds.rem_euclid(86_400);
        let mut text = String::with_capacity(32);
        if year > 9999 {
            // ISO 8601 expanded year representation.
            text.push('+');
        }
        let _ = write!(
            text,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        );
        if self.fraction_digits > 0 {
            let fraction = micros / 10u64.pow(6 - self.fraction_digits);
            let _ = write!(
                text,
                ".{fraction:0width$}",
                width = self.fraction_digits as usize
            );
        }
        text.push_str(suffix);
        text
    }
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Month is 1..=12 and day 1..=31 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// `hocba proof verify`: check a saved proof of inclusion and its record offline.
#[derive(Debug, Clone, clap::Args)]
pub struct ProofVerifyArgs {
    /// The saved bundle: the JSON answer of `GET /v1/records/{index}`, or the tlog-proof text
    /// alone (then give the record with --record). `-` reads standard input.
    pub file: PathBuf,
    /// The log's verifier key, `name+hexid+base64` (as `hocba vkey` prints it). The only thing
    /// trusted: the checkpoint must be signed by it and its origin must be the key's name.
    #[arg(long)]
    pub vkey: String,
    /// A witness's verifier key (tlog-cosignature, type 0x04) that must have cosigned the
    /// checkpoint; repeat for several. A missing or invalid cosignature fails the check.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// The raw record bytes, required when FILE is tlog-proof text. With a JSON bundle it is
    /// optional and must equal the record inside it.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Print the result as JSON on standard output instead of the explanation.
    #[arg(long)]
    pub json: bool,
}

/// Runs `hocba proof verify` on the process's standard output and error.
///
/// Exit status 0 when every check holds (the explanation is printed), 1 when a check fails (the
/// reason in Vietnamese and English and its code go to standard error), 2 for an unreadable
/// file, a malformed key or a missing `--record`.
#[must_use]
pub fn run(args: &ProofVerifyArgs) -> ExitCode {
    let status = run_with(
        args,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    ExitCode::from(status)
}

/// Runs `hocba proof verify`, writing to `out` and `err`; returns the exit status
/// ([`EXIT_VERIFIED`], [`EXIT_INVALID`] or [`EXIT_USAGE`]).
///
/// Write errors (such as a closed pipe) are ignored: the exit status still tells the outcome.
pub fn run_with(args: &ProofVerifyArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let bundle = match read_bounded(&args.file, BUNDLE_SIZE_MAX) {
        Ok(bytes) => bytes,
        Err(message) => {
            let _ = writeln!(err, "lỗi / error: {message}");
            return EXIT_USAGE;
        }
    };
    let record = match &args.record {
        Some(path) => match read_bounded(path, RECORD_SIZE_MAX) {
            Ok(bytes) => Some(bytes),
            Err(message) => {
                let _ = writeln!(err, "lỗi / error: {message}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    match check(&bundle, record.as_deref(), &args.vkey, &args.witnesses) {
        Ok(proven) => {
            if args.json {
                let _ = writeln!(out, "{:#}", proven.to_json());
            } else {
                let _ = write!(out, "{}", proven.explain());
            }
            EXIT_VERIFIED
        }
        Err(error) => {
            let (status, vi, en) = if error.is_usage() {
                (EXIT_USAGE, "LỖI SỬ DỤNG", "USAGE ERROR")
            } else {
                (EXIT_INVALID, "KHÔNG HỢP LỆ", "INVALID")
            };
            let _ = writeln!(err, "{vi}: {}", error.vietnamese());
            let _ = writeln!(err, "{en}: {error}");
            let _ = writeln!(err, "mã lỗi / code: {}", error.code());
            if args.json {
                let _ = writeln!(
                    out,
                    "{:#}",
                    json!({
                        "verified": false,
                        "code": error.code(),
                        "message": error.to_string(),
                        "message_vi": error.vietnamese(),
                    })
                );
            }
            status
        }
    }
}

/// Reads at most `max + 1` bytes of `path` (`-` for standard input), so that an oversized
/// input is refused by the checks without being read whole.
fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes))
    };
    result.map_err(|error| format!("{}: {error}", path.display()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use ledger_core::cosignature::CosignatureSigner;
    use ledger_core::key::PublicKey;
    use ledger_core::note::{KeyName, NoteSigner};
    use ledger_core::record::{encode_record, SignedSubmission, Submission, GENESIS_PREV};
    use ledger_core::tree::{inclusion_proof, MemoryTree};
    use serde_json::Map;

    #[test]
    fn renders_times_in_utc_and_vietnam_time() {
        // The sequencing time of FORMAT.md's worked example: 2024-09-01T00:00:00Z.
        let moment = Moment::from_us(1_725_148_800_000_000);
        assert_eq!(moment.utc(), "2024-09-01T00:00:00.000000Z");
        assert_eq!(moment.vietnam(), "2024-09-01T07:00:00.000000+07:00");
        // The next record, sequenced at 1725148801250017 µs.
        assert_eq!(
            Moment::from_us(1_725_148_801_250_017).utc(),
            "2024-09-01T00:00:01.250017Z"
        );
        // Its claimed time, in milliseconds, crossing midnight in Vietnam time.
        let claimed = Moment::from_ms(1_725_148_799_512);
        assert_eq!(claimed.utc(), "2024-08-31T23:59:59.512Z");
        assert_eq!(claimed.vietnam(), "2024-09-01T06:59:59.512+07:00");
        // 17:00 UTC on the last day of a leap February is the next day in Vietnam.
        let leap = Moment::from_s(1_709_226_000);
        assert_eq!(leap.utc(), "2024-02-29T17:00:00Z");
        assert_eq!(leap.vietnam(), "2024-03-01T00:00:00+07:00");
        assert_eq!(Moment::from_s(0).utc(), "1970-01-01T00:00:00Z");
        // The largest claimed time (2^53 - 1 ms) needs an expanded year.
        assert!(Moment::from_ms(9_007_199_254_740_991)
            .utc()
            .starts_with("+287396-10-12T"));
    }

    #[test]
    fn civil_dates_round_trip_every_day_for_centuries() {
        let mut expected = (1970i64, 1u32, 1u32);
        for days in 0..150_000 {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            let (year, month, day) = expected;
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let length = match month {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            expected = if day < length {
                (year, month, day + 1)
            } else if month < 12 {
                (year, month + 1, 1)
            } else {
                (year + 1, 1, 1)
            };
        }
    }

    /// A log of three records in memory: its signer, the records and a proof of `index`.
    fn small_log(index: u64) -> (NoteSigner, Vec<Vec<u8>>, TlogProof) {
        let author = SigningKey::from_bytes(&[9; 32]);
        let log = NoteSigner::new(
            KeyName::new("unit.hocba.example/log").unwrap(),
            SigningKey::from_bytes(&[8; 32]),
        );
        let mut records = Vec::new();
        let mut tree = MemoryTree::new();
        let mut prev = GENESIS_PREV;
        for i in 0..3u64 {
            let mut payload = Map::new();
            payload.insert("n".into(), json!(i));
            let submission = Submission::new(
                PublicKey::from(&author),
                1_725_148_799_512,
                "grade.recorded",
                format!("unit-{i}"),
                payload,
                1,
            )
            .unwrap();
            let verified = SignedSubmission::sign(&submission, &author)
                .verify()
                .unwrap();
            let record = encode_record(i, 1_725_148_800_000_000 + i, &prev, &verified);
            prev = ledger_core::record::record_id(&record);
            tree.append(tree::leaf_hash(&record));
            records.push(record);
        }
        let checkpoint = Checkpoint::new(Origin::from(log.name()), tree.size(), tree.root());
        let proof = TlogProof {
            index,
            extra: None,
            hashes: inclusion_proof(index, tree.size(), &tree).unwrap(),
            checkpoint: checkpoint.sign(&log).unwrap(),
        };
        (log, records, proof)
    }

    #[test]
    fn text_bundle_verifies_and_explains_itself() {
        let (log, records, proof) = small_log(1);
        let proven = check(
            proof.to_text().as_bytes(),
            Some(&records[1]),
            &log.verifier_key(),
            &[],
        )
        .unwrap();
        assert_eq!((proven.index, proven.checkpoint_size), (1, 3));
        assert_eq!(proven.idempotency_id, "unit-1");
        let explanation = proven.explain();
        let lines: Vec<&str> = explanation.lines().collect();
        assert!(lines[0].starts_with("Bản ghi số 1 (sự kiện grade.recorded"));
        assert!(lines[1].starts_with("Record 1 (event grade.recorded"));
        assert!(lines[1].ends_with("of log `unit.hocba.example/log`."));
        assert_eq!(lines.len() % 2, 0, "every line has its translation");
        assert!(explanation.contains("2024-09-01T07:00:00.000001+07:00"));
        assert_eq!(proven.to_json()["record"]["index"], 1);
    }

    #[test]
    fn witnesses_named_twice_are_listed_once() {
        let (log, records, mut proof) = small_log(0);
        let witness = CosignatureSigner::new(
            KeyName::new("witness.example/w").unwrap(),
            SigningKey::from_bytes(&[7; 32]),
        );
        let checkpoint = Checkpoint::open(proof.checkpoint.as_bytes(), &log.verifier()).unwrap();
        proof
            .checkpoint
            .push_str(&witness.cosign(&checkpoint, 1_725_148_900).unwrap());
        let key = witness.verifier_key();
        let proven = check(
            proof.to_text().as_bytes(),
            Some(&records[0]),
            &log.verifier_key(),
            &[key.clone(), key],
        )
        .unwrap();
        assert_eq!(
            proven.witnesses,
            vec![Cosigned {
                name: "witness.example/w".into(),
                timestamp: 1_725_148_900
            }]
        );
    }

    #[test]
    fn codes_are_listed_once_and_usage_errors_are_the_first_three() {
        let mut sorted = ProofCheckError::CODES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ProofCheckError::CODES.len());
        assert!(ProofCheckError::RecordRequired.is_usage());
        assert!(!ProofCheckError::RecordConflict.is_usage());
        assert_eq!(
            ProofCheckError::CODES[2],
            ProofCheckError::RecordRequired.code()
        );
    }
}
