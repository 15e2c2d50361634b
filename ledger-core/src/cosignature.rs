//! C2SP transparency log cosignatures, Ed25519 version: <https://c2sp.org/tlog-cosignature>.
//!
//! A witness (cosigner) that has checked a checkpoint's consistency adds its own signature line
//! to the checkpoint note. For Ed25519 cosignatures (signature type `0x04`):
//!
//! - key ID = the first four bytes of SHA-256(key name ‖ `\n` ‖ `0x04` ‖ 32-byte public key);
//! - the signature line's payload is key ID (4 bytes) ‖ timestamp (u64, big-endian, POSIX
//!   seconds, at most 2^63 − 1) ‖ Ed25519 signature (64 bytes);
//! - the signed message is `cosignature/v1\ntime <timestamp>\n` followed by the whole checkpoint
//!   text, extension lines and final newline included.
//!
//! The message does not commit to the cosigner's name, so one key must serve one cosigner only.
//! Verifier keys are `<key name>+<key ID>+<base64(0x04 ‖ public key)>`; signer keys, our own
//! format for the witness, are `PRIVATE+KEY+<key name>+<key ID>+<base64(0x04 ‖ seed)>`. The
//! ML-DSA-44 cosignature type of the spec is not implemented.
//!
//! # Example
//!
//! ```
//! use ledger_core::checkpoint::Checkpoint;
//! use ledger_core::cosignature::{self, CosignatureSigner, CosignatureVerifier};
//! use ledger_core::note::{KeyName, Note};
//!
//! let text = "example.com/behind-the-sofa\n\
//!             20852163\n\
//!             CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
//! // The signed message of the spec's example.
//! assert_eq!(
//!     cosignature::signed_message(text, 1679315147),
//!     format!("cosignature/v1\ntime 1679315147\n{text}").into_bytes()
//! );
//!
//! let witness = CosignatureSigner::new(
//!     KeyName::new("witness.example.com/w1")?,
//!     ed25519_dalek::SigningKey::from_bytes(&[3; 32]),
//! );
//! let checkpoint = Checkpoint::parse(text)?;
//! let line = witness.cosign(&checkpoint, 1679315147)?;
//! assert!(line.starts_with("— witness.example.com/w1 "));
//!
//! // Any note signature may precede it; here a made-up one from an unknown key.
//! let note = format!("{text}\n— example.com/behind-the-sofa AAAAAAA=\n{line}");
//! let verifier = CosignatureVerifier::parse(&witness.verifier_key())?;
//! assert_eq!(verifier.verify(&Note::parse(note.as_bytes())?)?, 1679315147);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use ed25519_dalek::{Signer as _, SigningKey};

use crate::checkpoint::Checkpoint;
use crate::key::PublicKey;
use crate::note::{
    self, check_key_id, format_key_encoding, parse_key_encoding, screen_public_key, KeyName, Note,
    NoteError, NoteSignature,
};

/// The signature type byte of Ed25519 cosignatures (`cosignature/v1`).
pub const SIGNATURE_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// The largest timestamp a cosignature may carry: 2^63 − 1.
pub const TIMESTAMP_MAX: u64 = i64::MAX as u64;

/// The prefix of an encoded signer key.
const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Length of a cosignature after the key ID: timestamp and Ed25519 signature.
const PAYLOAD_SIZE: usize = 8 + 64;

/// Why a cosignature or a cosigner key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// A key or key name was refused; its code is the note error's (for example `key-weak`,
    /// `key-id-mismatch`, `key-type-unsupported`, `key-malformed`).
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint to cosign would not parse back (code `cosignature-malformed`).
    #[error("cannot cosign: {what} (không thể đồng ký)")]
    Malformed {
        /// What is wrong.
        what: &'static str,
    },
    /// The timestamp exceeds 2^63 − 1 (code `timestamp-out-of-range`).
    #[error(
        "the cosignature timestamp {timestamp} exceeds 2^63 - 1 (dấu thời gian ngoài phạm vi)"
    )]
    TimestampOutOfRange {
        /// The timestamp.
        timestamp: u64,
    },
    /// The cosigner's signature line does not verify (code `signature-invalid`).
    #[error("the cosignature of {name} does not verify (chữ ký đồng ký không hợp lệ)")]
    SignatureInvalid {
        /// The cosigner's key name.
        name: KeyName,
    },
    /// The note has no signature line with the cosigner's key name and key ID
    /// (code `cosignature-missing`).
    #[error("the note has no cosignature of {name} (thiếu chữ ký đồng ký)")]
    Missing {
        /// The cosigner's key name.
        name: KeyName,
    },
}

impl CosignatureError {
    /// A stable kebab-case code for this error, for logs and API responses.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Note(error) => error.code(),
            Self::Malformed { .. } => "cosignature-malformed",
            Self::TimestampOutOfRange { .. } => "timestamp-out-of-range",
            Self::SignatureInvalid { .. } => "signature-invalid",
            Self::Missing { .. } => "cosignature-missing",
        }
    }
}

/// The message an Ed25519 cosignature signs: `cosignature/v1\ntime <timestamp>\n` followed by
/// the checkpoint text (final newline included, signature lines excluded).
#[must_use]
pub fn signed_message(checkpoint_text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// A verifier of one cosigner's Ed25519 cosignatures (signature type `0x04`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: KeyName,
    key_id: u32,
    key: PublicKey,
}

impl CosignatureVerifier {
    /// A verifier for `key` under `name`.
    #[must_use]
    pub fn new(name: KeyName, key: PublicKey) -> Self {
        let key_id = note::key_id(&name, SIGNATURE_TYPE_COSIGNATURE_V1, &key.to_bytes());
        Self { name, key_id, key }
    }

    /// Parses a verifier key `<key name>+<key ID>+<base64(0x04 ‖ public key)>`.
    ///
    /// # Errors
    /// [`CosignatureError::Note`] with [`NoteError::KeyMalformed`] or
    /// [`NoteError::KeyNameInvalid`] for a malformed encoding, [`NoteError::KeyTypeUnsupported`]
    /// when the type byte is not `0x04`, [`NoteError::KeyWeak`] for a small-order key, and
    /// [`NoteError::KeyIdMismatch`] when the key ID is not the one computed with type `0x04`.
    pub fn parse(vkey: &str) -> Result<Self, CosignatureError> {
        let encoding = parse_key_encoding(vkey, SIGNATURE_TYPE_COSIGNATURE_V1)?;
        let key = screen_public_key(&encoding.material)?;
        let verifier = Self::new(encoding.name, key);
        check_key_id(verifier.key_id, encoding.key_id)?;
        Ok(verifier)
    }

    /// The cosigner's key name.
    #[must_use]
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key ID.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The verifier key `<key name>+<key ID>+<base64(0x04 ‖ public key)>`.
    #[must_use]
    pub fn verifier_key(&self) -> String {
        format_key_encoding(
            &self.name,
            self.key_id,
            SIGNATURE_TYPE_COSIGNATURE_V1,
            &self.key.to_bytes(),
        )
    }

    /// Verifies this cosigner's signature lines on `note` and returns the cosignature's
    /// timestamp (the latest, should the cosigner have signed more than once).
    ///
    /// Only the note text is checked here, not the log's signature: see
    /// [`Checkpoint::from_note`] for that. A caller may refuse timestamps in the future.
    ///
    /// # Errors
    /// [`CosignatureError::Missing`] when no signature line has this key name and key ID;
    /// [`CosignatureError::SignatureInvalid`] or [`CosignatureError::TimestampOutOfRange`] when
    /// one of them does not verify.
    pub fn verify(&self, note: &Note) -> Result<u64, CosignatureError> {
        let mut latest = None;
        for signature in note.signatures() {
            if signature.name == self.name && signature.key_id == self.key_id {
                let timestamp = self.verify_signature(note.text(), &signature.signature)?;
                latest = latest.max(Some(timestamp));
            }
        }
        latest.ok_or_else(|| CosignatureError::Missing {
            name: self.name.clone(),
        })
    }

    /// Verifies one cosignature (timestamp ‖ signature, the key ID removed) over
    /// `checkpoint_text` and returns its timestamp.
    ///
    /// # Errors
    /// [`CosignatureError::SignatureInvalid`] when the cosignature is not 72 bytes or does not
    /// verify, and [`CosignatureError::TimestampOutOfRange`] when its timestamp exceeds 2^63 − 1.
    pub fn verify_signature(
        &self,
        checkpoint_text: &str,
        cosignature: &[u8],
    ) -> Result<u64, CosignatureError> {
        let invalid = || CosignatureError::SignatureInvalid {
            name: self.name.clone(),
        };
        if cosignature.len() != PAYLOAD_SIZE {
            return Err(invalid());
        }
        let (timestamp, signature) = cosignature.split_at(8);
        let timestamp = u64::from_be_bytes(timestamp.try_into().map_err(|_| invalid())?);
        if timestamp > TIMESTAMP_MAX {
            return Err(CosignatureError::TimestampOutOfRange { timestamp });
        }
        self.key
            .verify(&signed_message(checkpoint_text, timestamp), signature)
            .map_err(|_| invalid())?;
        Ok(timestamp)
    }
}

impl std::fmt::Display for CosignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.verifier_key())
    }
}

/// A cosigner's (witness's) named Ed25519 key, producing `cosignature/v1` signature lines.
///
/// Its `Debug` output shows the key name and key ID only, never the secret.
#[derive(Clone)]
pub struct CosignatureSigner {
    name: KeyName,
    key_id: u32,
    key: SigningKey,
}

impl CosignatureSigner {
    /// A cosigner for `key` under `name`. Use a key for one cosigner only, and never also as a
    /// note (log) key.
    #[must_use]
    pub fn new(name: KeyName, key: SigningKey) -> Self {
        let key_id = note::key_id(
            &name,
            SIGNATURE_TYPE_COSIGNATURE_V1,
            key.verifying_key().as_bytes(),
        );
        Self { name, key_id, key }
    }

    /// Parses a signer key `PRIVATE+KEY+<key name>+<key ID>+<base64(0x04 ‖ 32-byte seed)>`.
    ///
    /// # Errors
    /// [`CosignatureError::Note`] with [`NoteError::KeyMalformed`] or
    /// [`NoteError::KeyNameInvalid`] for a malformed encoding, [`NoteError::KeyTypeUnsupported`]
    /// when the type byte is not `0x04`, and [`NoteError::KeyIdMismatch`] when the key ID is not
    /// the one of the derived public key.
    pub fn parse(skey: &str) -> Result<Self, CosignatureError> {
        let rest = skey
            .strip_prefix(SIGNER_KEY_PREFIX)
            .ok_or(NoteError::KeyMalformed {
                what: "signer key does not start with PRIVATE+KEY+",
            })?;
        let encoding = parse_key_encoding(rest, SIGNATURE_TYPE_COSIGNATURE_V1)?;
        let signer = Self::new(encoding.name, SigningKey::from_bytes(&encoding.material));
        check_key_id(signer.key_id, encoding.key_id)?;
        Ok(signer)
    }

    /// The signer key `PRIVATE+KEY+<key name>+<key ID>+<base64(0x04 ‖ seed)>`.
    ///
    /// This string is the secret key: store it as a secret.
    #[must_use]
    pub fn signer_key(&self) -> String {
        format!(
            "{SIGNER_KEY_PREFIX}{}",
            format_key_encoding(
                &self.name,
                self.key_id,
                SIGNATURE_TYPE_COSIGNATURE_V1,
                &self.key.to_bytes()
            )
        )
    }

    /// The cosigner's key name.
    #[must_use]
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key ID.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier for this cosigner.
    #[must_use]
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier::new(self.name.clone(), PublicKey::from(&self.key))
    }

    /// The verifier key `<key name>+<key ID>+<base64(0x04 ‖ public key)>`.
    #[must_use]
    pub fn verifier_key(&self) -> String {
        self.verifier().verifier_key()
    }

    /// Cosigns `checkpoint` at `timestamp` (POSIX seconds, passed in by the caller) and returns
    /// the signature line, newline included, to append to the signed checkpoint note.
    ///
    /// The caller must first have verified the log's signature and the checkpoint's consistency
    /// with every checkpoint of the log it cosigned before.
    ///
    /// # Errors
    /// [`CosignatureError::TimestampOutOfRange`] for a timestamp over 2^63 − 1 and
    /// [`CosignatureError::Malformed`] for an extension line that is empty or has a control
    /// character.
    pub fn cosign(
        &self,
        checkpoint: &Checkpoint,
        timestamp: u64,
    ) -> Result<String, CosignatureError> {
        if timestamp > TIMESTAMP_MAX {
            return Err(CosignatureError::TimestampOutOfRange { timestamp });
        }
        checkpoint
            .check_extensions()
            .map_err(|_| CosignatureError::Malformed {
                what: "checkpoint extension line is empty or has a control character",
            })?;
        let message = signed_message(&checkpoint.to_text(), timestamp);
        let mut payload = Vec::with_capacity(PAYLOAD_SIZE);
        payload.extend_from_slice(&timestamp.to_be_bytes());
        payload.extend_from_slice(&self.key.sign(&message).to_bytes());
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: payload,
        }
        .to_line())
    }
}

impl std::fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignatureSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Origin;
    use crate::note::NoteSigner;
    use crate::tree::Hash;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;

    /// A real Ed25519 cosigner vkey (type 0x04), from transparency-dev/formats' tests.
    const REMORA_VKEY: &str =
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    /// A plain Ed25519 note vkey (type 0x01), from the same tests.
    const TYPE1_VKEY: &str = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6";

    fn log() -> NoteSigner {
        NoteSigner::new(
            KeyName::new("hocba.example/log").unwrap(),
            SigningKey::from_bytes(&[1; 32]),
        )
    }

    fn witness(name: &str, seed: u8) -> CosignatureSigner {
        CosignatureSigner::new(
            KeyName::new(name).unwrap(),
            SigningKey::from_bytes(&[seed; 32]),
        )
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint::new(
            Origin::new("hocba.example/log").unwrap(),
            7,
            Hash([0x11; 32]),
        )
    }

    fn cosigned_note(witnesses: &[&CosignatureSigner], timestamp: u64) -> String {
        let mut note = checkpoint().sign(&log()).unwrap();
        for w in witnesses {
            note.push_str(&w.cosign(&checkpoint(), timestamp).unwrap());
        }
        note
    }

    #[test]
    fn published_vkeys() {
        let remora = CosignatureVerifier::parse(REMORA_VKEY).unwrap();
        assert_eq!(remora.key_id(), 0xda77_ade7);
        assert_eq!(remora.name().as_str(), "remora.n621.de");
        assert_eq!(remora.verifier_key(), REMORA_VKEY);
        // The same key as a note vkey: other type byte, so another key ID.
        assert_eq!(
            CosignatureVerifier::parse(TYPE1_VKEY).unwrap_err(),
            CosignatureError::Note(NoteError::KeyTypeUnsupported {
                expected: 4,
                found: 1
            })
        );
        assert!(note::NoteVerifier::parse(TYPE1_VKEY).is_ok());
        assert_eq!(
            note::NoteVerifier::parse(REMORA_VKEY).unwrap_err().code(),
            "key-type-unsupported"
        );
    }

    #[test]
    fn round_trip_and_timestamp() {
        let w = witness("witness.example/w1", 2);
        let note = cosigned_note(&[&w], 1_700_000_000);
        let parsed = Note::parse(note.as_bytes()).unwrap();
        assert_eq!(w.verifier().verify(&parsed).unwrap(), 1_700_000_000);
        // The log's verifier ignores the cosignature.
        assert_eq!(
            Checkpoint::open(note.as_bytes(), &log().verifier()).unwrap(),
            checkpoint()
        );
        // The payload layout: key ID, big-endian timestamp, 64-byte signature.
        let line = w.cosign(&checkpoint(), 0x0102_0304_0506_0708).unwrap();
        let payload = BASE64
            .decode(line.trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        assert_eq!(payload.len(), 4 + 8 + 64);
        assert_eq!(&payload[..4], &w.key_id().to_be_bytes());
        assert_eq!(&payload[4..12], &[1, 2, 3, 4, 5, 6, 7, 8]);
        let message = signed_message(&checkpoint().to_text(), 0x0102_0304_0506_0708);
        assert!(PublicKey::from(&w.key)
            .verify(&message, &payload[12..])
            .is_ok());
        assert_eq!(
            String::from_utf8(message).unwrap(),
            format!(
                "cosignature/v1\ntime 72623859790382856\n{}",
                checkpoint().to_text()
            )
        );
    }

    #[test]
    fn signer_key_round_trip() {
        let w = witness("witness.example/w1", 2);
        let parsed = CosignatureSigner::parse(&w.signer_key()).unwrap();
        assert_eq!(parsed.verifier_key(), w.verifier_key());
        assert!(!format!("{w:?}").contains(&w.signer_key()));
        let tampered = w.signer_key().replace(
            &format!("{:08x}", w.key_id()),
            &format!("{:08x}", w.key_id() ^ 1),
        );
        assert_eq!(
            CosignatureSigner::parse(&tampered).unwrap_err().code(),
            "key-id-mismatch"
        );
        // A log (type 0x01) signer key is not a cosigner key.
        assert_eq!(
            CosignatureSigner::parse(&log().signer_key())
                .unwrap_err()
                .code(),
            "key-type-unsupported"
        );
    }

    #[test]
    fn every_single_byte_change_fails() {
        let w = witness("witness.example/w1", 2);
        let log = log().verifier();
        let cosigner = w.verifier();
        let note = cosigned_note(&[&w], 1_700_000_000);
        let bytes = note.as_bytes();
        let check = |bytes: &[u8]| -> bool {
            let Ok(opened) = Checkpoint::open(bytes, &log) else {
                return false;
            };
            let parsed = Note::parse(bytes).unwrap();
            opened == checkpoint() && cosigner.verify(&parsed).is_ok()
        };
        assert!(check(bytes));
        for i in 0..bytes.len() {
            for replacement in [bytes[i] ^ 0x01, b'\n', b'0'] {
                if replacement == bytes[i] {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[i] = replacement;
                assert!(
                    !check(&changed),
                    "change at {i} to {replacement:#04x} accepted"
                );
            }
        }
    }

    #[test]
    fn missing_invalid_and_multiple() {
        let w1 = witness("witness.example/w1", 2);
        let w2 = witness("witness.example/w2", 3);
        let note = cosigned_note(&[&w1], 10);
        let parsed = Note::parse(note.as_bytes()).unwrap();
        assert_eq!(
            w2.verifier().verify(&parsed).unwrap_err().code(),
            "cosignature-missing"
        );
        // A cosignature made for another checkpoint.
        let mut other = checkpoint();
        other.size += 1;
        let wrong = format!(
            "{}{}",
            checkpoint().sign(&log()).unwrap(),
            w1.cosign(&other, 10).unwrap()
        );
        assert_eq!(
            w1.verifier()
                .verify(&Note::parse(wrong.as_bytes()).unwrap())
                .unwrap_err()
                .code(),
            "signature-invalid"
        );
        // Two cosignatures of one witness: the latest timestamp is returned.
        let twice = format!("{note}{}", w1.cosign(&checkpoint(), 20).unwrap());
        assert_eq!(
            w1.verifier()
                .verify(&Note::parse(twice.as_bytes()).unwrap())
                .unwrap(),
            20
        );
        // A signature line with the witness's name and key ID but the wrong length.
        let short = NoteSignature {
            name: w1.name().clone(),
            key_id: w1.key_id(),
            signature: vec![0; 71],
        };
        let bad = format!("{}{}", checkpoint().sign(&log()).unwrap(), short.to_line());
        assert_eq!(
            w1.verifier()
                .verify(&Note::parse(bad.as_bytes()).unwrap())
                .unwrap_err()
                .code(),
            "signature-invalid"
        );
    }

    #[test]
    fn timestamps_limited() {
        let w = witness("witness.example/w1", 2);
        assert!(w.cosign(&checkpoint(), TIMESTAMP_MAX).is_ok());
        assert_eq!(
            w.cosign(&checkpoint(), TIMESTAMP_MAX + 1)
                .unwrap_err()
                .code(),
            "timestamp-out-of-range"
        );
        // A validly signed cosignature over a timestamp above 2^63 - 1 is still refused.
        let timestamp = u64::MAX;
        let message = signed_message(&checkpoint().to_text(), timestamp);
        let mut payload = timestamp.to_be_bytes().to_vec();
        payload.extend_from_slice(&w.key.sign(&message).to_bytes());
        let line = NoteSignature {
            name: w.name().clone(),
            key_id: w.key_id(),
            signature: payload,
        }
        .to_line();
        let note = format!("{}{line}", checkpoint().sign(&log()).unwrap());
        assert_eq!(
            w.verifier()
                .verify(&Note::parse(note.as_bytes()).unwrap())
                .unwrap_err(),
            CosignatureError::TimestampOutOfRange { timestamp }
        );
    }

    #[test]
    fn weak_and_mismatched_keys_refused() {
        let name = KeyName::new("weak.example").unwrap();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let id = note::key_id(&name, SIGNATURE_TYPE_COSIGNATURE_V1, &identity);
        let vkey = format_key_encoding(&name, id, SIGNATURE_TYPE_COSIGNATURE_V1, &identity);
        assert_eq!(
            CosignatureVerifier::parse(&vkey).unwrap_err().code(),
            "key-weak"
        );
        let wrong = REMORA_VKEY.replace("da77ade7", "da77ade8");
        assert_eq!(
            CosignatureVerifier::parse(&wrong).unwrap_err().code(),
            "key-id-mismatch"
        );
        // The key ID computed with type 0x01 instead of 0x04 is refused.
        let w = witness("witness.example/w1", 2);
        let key = w.key.verifying_key().to_bytes();
        let type1_id = note::key_id(w.name(), note::SIGNATURE_TYPE_ED25519, &key);
        let vkey = format_key_encoding(w.name(), type1_id, SIGNATURE_TYPE_COSIGNATURE_V1, &key);
        assert_eq!(
            CosignatureVerifier::parse(&vkey).unwrap_err().code(),
            "key-id-mismatch"
        );
    }

    #[test]
    fn refuses_bad_extension_lines() {
        let w = witness("witness.example/w1", 2);
        let mut checkpoint = checkpoint();
        checkpoint.extensions = vec!["a\nb".into()];
        assert_eq!(
            w.cosign(&checkpoint, 1).unwrap_err().code(),
            "cosignature-malformed"
        );
    }
}
