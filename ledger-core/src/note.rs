//! C2SP signed notes with Ed25519 keys: <https://c2sp.org/signed-note>.
//!
//! A signed note is a text ending in a newline, a blank line, and one or more signature lines
//! `— <key name> base64(key ID ‖ signature)`, each ending in a newline. This module signs and
//! verifies notes with Ed25519 keys (signature type `0x01`), byte-compatible with Go's
//! `golang.org/x/mod/sumdb/note`:
//!
//! - key ID = the first four bytes, big-endian, of SHA-256(key name ‖ `\n` ‖ `0x01` ‖ 32-byte
//!   public key);
//! - verifier key (vkey) = `<key name>+<8 hex digits of key ID>+<base64(0x01 ‖ public key)>`;
//! - signer key (skey) = `PRIVATE+KEY+<key name>+<key ID>+<base64(0x01 ‖ 32-byte seed)>`.
//!
//! Opening a note follows the spec: signatures from unknown keys (key name and key ID not both
//! matching a known verifier) are ignored; a signature from a known key must verify or the whole
//! note is refused; at least one known key's signature must verify. Unlike Go, weak
//! (small-order) public keys are refused and signatures are checked with `verify_strict`.
//!
//! # Example
//!
//! The example of Go's `sumdb/note` documentation, reproduced byte for byte:
//!
//! ```
//! use ledger_core::note::{self, NoteSigner, NoteVerifier};
//!
//! let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
//! let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
//! let text = "If you think cryptography is the answer to your problem,\n\
//!             then you don't know what your problem is.\n";
//!
//! let signer = NoteSigner::parse(skey)?;
//! assert_eq!(signer.verifier_key(), vkey);
//! let signed = note::sign(text, &[&signer])?;
//! assert_eq!(
//!     signed,
//!     format!("{text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
//! );
//!
//! let verifier = NoteVerifier::parse(vkey)?;
//! let opened = note::open(signed.as_bytes(), &[verifier])?;
//! assert_eq!(opened.text(), text);
//! assert_eq!(opened.verified_by(), &[0]);
//! # Ok::<(), ledger_core::note::NoteError>(())
//! ```

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

use crate::key::{KeyError, PublicKey};
use crate::limits::{KEY_NAME_SIZE_MAX, NOTE_SIGNATURES_MAX, NOTE_SIZE_MAX};

/// The signature type byte of plain Ed25519 note signatures.
pub const SIGNATURE_TYPE_ED25519: u8 = 0x01;

/// The prefix of every signature line: em dash (U+2014) and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// The prefix of an encoded signer key.
const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Why a signed note, key name or key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is not a well-formed signed note (code `note-malformed`).
    #[error("the signed note is malformed: {what} (ghi chú ký sai định dạng)")]
    Malformed {
        /// What is wrong.
        what: &'static str,
    },
    /// The note exceeds a size limit of [`crate::limits`] (code `note-too-large`).
    #[error("the signed note exceeds a limit: {what} (ghi chú ký vượt quá giới hạn)")]
    TooLarge {
        /// Which limit.
        what: &'static str,
    },
    /// A key name is empty, too long, or contains a space, a plus or a control character
    /// (code `key-name-invalid`).
    #[error("the key name is invalid: {what} (tên khóa không hợp lệ)")]
    KeyNameInvalid {
        /// What is wrong.
        what: &'static str,
    },
    /// An encoded verifier or signer key is malformed (code `key-malformed`).
    #[error("the encoded key is malformed: {what} (khóa sai định dạng)")]
    KeyMalformed {
        /// What is wrong.
        what: &'static str,
    },
    /// The public key is a weak (small-order) Ed25519 key (code `key-weak`).
    #[error("the public key is a weak (small-order) Ed25519 key and is refused (khóa yếu)")]
    KeyWeak,
    /// The encoded key has another signature type byte (code `key-type-unsupported`).
    #[error("the key's signature type {found:#04x} is not the expected {expected:#04x} (loại khóa không được hỗ trợ)")]
    KeyTypeUnsupported {
        /// The type byte expected.
        expected: u8,
        /// The type byte found.
        found: u8,
    },
    /// The key ID written in an encoded key is not the one computed from the key
    /// (code `key-id-mismatch`).
    #[error("the key ID {found:08x} does not match the key, whose key ID is {expected:08x} (mã khóa không khớp)")]
    KeyIdMismatch {
        /// The key ID computed from the key name and key.
        expected: u32,
        /// The key ID written in the encoding.
        found: u32,
    },
    /// A signature line from a known key (key name and key ID) does not verify
    /// (code `signature-invalid`).
    #[error("the signature of key {name}+{key_id:08x} does not verify (chữ ký không hợp lệ)")]
    SignatureInvalid {
        /// The key name of the signature line.
        name: KeyName,
        /// The key ID of the signature line.
        key_id: u32,
    },
    /// No signature from a known key is on the note (code `note-unverified`).
    #[error(
        "the note has no signature from a known key (ghi chú không có chữ ký của khóa tin cậy)"
    )]
    Unverified,
    /// Two different verifiers share a key name and key ID (code `verifiers-ambiguous`).
    #[error("two different verifiers share key name and key ID {name}+{key_id:08x} (trình xác minh trùng lặp)")]
    VerifiersAmbiguous {
        /// The shared key name.
        name: KeyName,
        /// The shared key ID.
        key_id: u32,
    },
}

impl NoteError {
    /// A stable kebab-case code for this error, for logs and API responses.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "note-malformed",
            Self::TooLarge { .. } => "note-too-large",
            Self::KeyNameInvalid { .. } => "key-name-invalid",
            Self::KeyMalformed { .. } => "key-malformed",
            Self::KeyWeak => "key-weak",
            Self::KeyTypeUnsupported { .. } => "key-type-unsupported",
            Self::KeyIdMismatch { .. } => "key-id-mismatch",
            Self::SignatureInvalid { .. } => "signature-invalid",
            Self::Unverified => "note-unverified",
            Self::VerifiersAmbiguous { .. } => "verifiers-ambiguous",
        }
    }
}

/// The name of a signing key: non-empty, at most [`KEY_NAME_SIZE_MAX`] bytes, with no Unicode
/// space, no plus (U+002B) and no control character below U+0020.
///
/// It is RECOMMENDED to be a schema-less URL such as `example.com/log42`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyName(String);

impl KeyName {
    /// Validates a key name.
    ///
    /// # Errors
    /// [`NoteError::KeyNameInvalid`] when the name is empty, longer than [`KEY_NAME_SIZE_MAX`]
    /// bytes, or contains a Unicode space, a `+` or a control character.
    pub fn new(name: impl Into<String>) -> Result<Self, NoteError> {
        let name = name.into();
        check_key_name(&name).map_err(|what| NoteError::KeyNameInvalid { what })?;
        Ok(Self(name))
    }

    /// The name as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KeyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for KeyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for KeyName {
    type Err = NoteError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::new(name)
    }
}

fn check_key_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty");
    }
    if name.len() > KEY_NAME_SIZE_MAX {
        return Err("longer than KEY_NAME_SIZE_MAX bytes");
    }
    if name.contains('+') {
        return Err("contains a plus");
    }
    if name.chars().any(char::is_whitespace) {
        return Err("contains a space");
    }
    if name.chars().any(|c| c < ' ') {
        return Err("contains a control character");
    }
    Ok(())
}

/// Refuses text with ASCII control characters other than newline, as signed notes require.
fn check_note_characters(text: &str) -> Result<(), NoteError> {
    if text.bytes().any(|b| b < b' ' && b != b'\n') {
        return Err(NoteError::Malformed {
            what: "control character other than newline",
        });
    }
    Ok(())
}

/// Computes a key ID: the first four bytes, big-endian, of
/// SHA-256(key name ‖ `\n` ‖ signature type ‖ public key).
#[must_use]
pub fn key_id(name: &KeyName, signature_type: u8, public_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update([signature_type]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The parts of an encoded key `<name>+<hex key ID>+<base64(type ‖ 32 bytes)>`.
pub(crate) struct KeyEncoding {
    pub(crate) name: KeyName,
    pub(crate) key_id: u32,
    pub(crate) material: [u8; 32],
}

/// Parses `<name>+<hex key ID>+<base64(type ‖ 32 bytes)>`, checking the type byte. The key ID is
/// returned for the caller to check against the key.
pub(crate) fn parse_key_encoding(
    encoded: &str,
    signature_type: u8,
) -> Result<KeyEncoding, NoteError> {
    // Bound the work before decoding: name, separators, 8 hex digits and base64 of 33 bytes.
    if encoded.len() > KEY_NAME_SIZE_MAX + 2 + 8 + 44 {
        return Err(NoteError::KeyMalformed { what: "too long" });
    }
    let (name, rest) = encoded.split_once('+').ok_or(NoteError::KeyMalformed {
        what: "expected <key name>+<key ID>+<key>",
    })?;
    let (id_hex, key_base64) = rest.split_once('+').ok_or(NoteError::KeyMalformed {
        what: "expected <key name>+<key ID>+<key>",
    })?;
    let name = KeyName::new(name)?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::KeyMalformed {
            what: "key ID is not 8 hexadecimal digits",
        });
    }
    let key_id = u32::from_str_radix(id_hex, 16).map_err(|_| NoteError::KeyMalformed {
        what: "key ID is not 8 hexadecimal digits",
    })?;
    let bytes = BASE64
        .decode(key_base64)
        .map_err(|_| NoteError::KeyMalformed {
            what: "key is not canonical base64",
        })?;
    let (&found, material) = bytes.split_first().ok_or(NoteError::KeyMalformed {
        what: "key is empty",
    })?;
    if found != signature_type {
        return Err(NoteError::KeyTypeUnsupported {
            expected: signature_type,
            found,
        });
    }
    let material: [u8; 32] = material.try_into().map_err(|_| NoteError::KeyMalformed {
        what: "key is not 32 bytes",
    })?;
    Ok(KeyEncoding {
        name,
        key_id,
        material,
    })
}

/// Formats `<name>+<hex key ID>+<base64(type ‖ 32 bytes)>`.
pub(crate) fn format_key_encoding(
    name: &KeyName,
    key_id: u32,
    signature_type: u8,
    material: &[u8; 32],
) -> String {
    let mut bytes = Vec::with_capacity(33);
    bytes.push(signature_type);
    bytes.extend_from_slice(material);
    format!("{name}+{key_id:08x}+{}", BASE64.encode(bytes))
}

/// Screens a 32-byte public key, mapping [`KeyError`] to [`NoteError`].
pub(crate) fn screen_public_key(bytes: &[u8; 32]) -> Result<PublicKey, NoteError> {
    PublicKey::from_bytes(bytes).map_err(|error| match error {
        KeyError::Weak => NoteError::KeyWeak,
        _ => NoteError::KeyMalformed {
            what: "not an Ed25519 public key",
        },
    })
}

/// Checks that the key ID written in an encoding is the one computed from the key.
pub(crate) fn check_key_id(expected: u32, found: u32) -> Result<(), NoteError> {
    if expected == found {
        Ok(())
    } else {
        Err(NoteError::KeyIdMismatch { expected, found })
    }
}

/// Formats one signature line, `— <name> base64(key ID ‖ signature)\n`.
pub(crate) fn signature_line(name: &KeyName, key_id: u32, signature: &[u8]) -> String {
    let mut payload = Vec::with_capacity(4 + signature.len());
    payload.extend_from_slice(&key_id.to_be_bytes());
    payload.extend_from_slice(signature);
    format!("{SIGNATURE_LINE_PREFIX}{name} {}\n", BASE64.encode(payload))
}

/// A verifier of Ed25519 note signatures (type `0x01`) by one named public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: KeyName,
    key_id: u32,
    key: PublicKey,
}

impl NoteVerifier {
    /// A verifier for `key` under `name`.
    #[must_use]
    pub fn new(name: KeyName, key: PublicKey) -> Self {
        let key_id = key_id(&name, SIGNATURE_TYPE_ED25519, &key.to_bytes());
        Self { name, key_id, key }
    }

    /// Parses a verifier key `<key name>+<key ID>+<base64(0x01 ‖ public key)>`.
    ///
    /// # Errors
    /// [`NoteError::KeyMalformed`] or [`NoteError::KeyNameInvalid`] for a malformed encoding,
    /// [`NoteError::KeyTypeUnsupported`] when the type byte is not `0x01`,
    /// [`NoteError::KeyWeak`] for a small-order key, and [`NoteError::KeyIdMismatch`] when the
    /// key ID is not the one computed from the key name and key.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let encoding = parse_key_encoding(vkey, SIGNATURE_TYPE_ED25519)?;
        let key = screen_public_key(&encoding.material)?;
        let verifier = Self::new(encoding.name, key);
        check_key_id(verifier.key_id, encoding.key_id)?;
        Ok(verifier)
    }

    /// The key name.
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

    /// The verifier key `<key name>+<key ID>+<base64(0x01 ‖ public key)>`.
    #[must_use]
    pub fn verifier_key(&self) -> String {
        format_key_encoding(
            &self.name,
            self.key_id,
            SIGNATURE_TYPE_ED25519,
            &self.key.to_bytes(),
        )
    }

    /// Whether this verifier's key name and key ID are those of `signature`.
    #[must_use]
    pub fn matches(&self, signature: &NoteSignature) -> bool {
        self.name == signature.name && self.key_id == signature.key_id
    }

    /// Whether `signature` (without key ID) verifies over `text` under this key.
    fn verifies(&self, text: &str, signature: &[u8]) -> bool {
        self.key.verify(text.as_bytes(), signature).is_ok()
    }
}

impl std::fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.verifier_key())
    }
}

/// A named Ed25519 signing key for notes (signature type `0x01`).
///
/// Its `Debug` output shows the key name and key ID only, never the secret.
#[derive(Clone)]
pub struct NoteSigner {
    name: KeyName,
    key_id: u32,
    key: SigningKey,
}

impl NoteSigner {
    /// A signer for `key` under `name`.
    #[must_use]
    pub fn new(name: KeyName, key: SigningKey) -> Self {
        let key_id = key_id(
            &name,
            SIGNATURE_TYPE_ED25519,
            key.verifying_key().as_bytes(),
        );
        Self { name, key_id, key }
    }

    /// Parses a signer key `PRIVATE+KEY+<key name>+<key ID>+<base64(0x01 ‖ 32-byte seed)>`, the
    /// format of Go's `note.GenerateKey`.
    ///
    /// # Errors
    /// [`NoteError::KeyMalformed`] or [`NoteError::KeyNameInvalid`] for a malformed encoding,
    /// [`NoteError::KeyTypeUnsupported`] when the type byte is not `0x01`, and
    /// [`NoteError::KeyIdMismatch`] when the key ID is not the one of the derived public key.
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix(SIGNER_KEY_PREFIX)
            .ok_or(NoteError::KeyMalformed {
                what: "signer key does not start with PRIVATE+KEY+",
            })?;
        let encoding = parse_key_encoding(rest, SIGNATURE_TYPE_ED25519)?;
        let signer = Self::new(encoding.name, SigningKey::from_bytes(&encoding.material));
        check_key_id(signer.key_id, encoding.key_id)?;
        Ok(signer)
    }

    /// The signer key `PRIVATE+KEY+<key name>+<key ID>+<base64(0x01 ‖ seed)>`.
    ///
    /// This string is the secret key: store it as a secret.
    #[must_use]
    pub fn signer_key(&self) -> String {
        format!(
            "{SIGNER_KEY_PREFIX}{}",
            format_key_encoding(
                &self.name,
                self.key_id,
                SIGNATURE_TYPE_ED25519,
                &self.key.to_bytes()
            )
        )
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key ID.
    #[must_use]
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier for this signer's public key.
    #[must_use]
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier::new(self.name.clone(), PublicKey::from(&self.key))
    }

    /// The verifier key `<key name>+<key ID>+<base64(0x01 ‖ public key)>`.
    #[must_use]
    pub fn verifier_key(&self) -> String {
        self.verifier().verifier_key()
    }

    /// The signature line of this key over `text`, newline included.
    fn signature_line(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        signature_line(&self.name, self.key_id, &signature.to_bytes())
    }
}

impl std::fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// One signature line of a note: key name, key ID and the signature bytes after the key ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: KeyName,
    /// The key ID.
    pub key_id: u32,
    /// The signature, without the key ID (at least one byte).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The signature line, `— <key name> base64(key ID ‖ signature)\n`.
    #[must_use]
    pub fn to_line(&self) -> String {
        signature_line(&self.name, self.key_id, &self.signature)
    }
}

/// A parsed, not yet verified, signed note: its text and its signature lines.
///
/// Do not act on the text of a `Note`; use [`open`] or [`Note::verify`] first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// Parses a signed note without verifying any signature.
    ///
    /// # Errors
    /// [`NoteError::TooLarge`] for a note over [`NOTE_SIZE_MAX`] bytes or with more than
    /// [`NOTE_SIGNATURES_MAX`] signature lines; [`NoteError::Malformed`] for anything else that
    /// is not a signed note: invalid UTF-8, a control character other than newline, no blank
    /// line before the signature lines, no signature line, a malformed signature line.
    pub fn parse(note: &[u8]) -> Result<Self, NoteError> {
        if note.len() > NOTE_SIZE_MAX {
            return Err(NoteError::TooLarge {
                what: "note larger than NOTE_SIZE_MAX bytes",
            });
        }
        let note = std::str::from_utf8(note).map_err(|_| NoteError::Malformed {
            what: "not valid UTF-8",
        })?;
        check_note_characters(note)?;
        // The text is separated from the signatures by the last blank line.
        let split = note.rfind("\n\n").ok_or(NoteError::Malformed {
            what: "no blank line before the signature lines",
        })?;
        let (text, lines) = (&note[..=split], &note[split + 2..]);
        if lines.is_empty() {
            return Err(NoteError::Malformed {
                what: "no signature line",
            });
        }
        if !lines.ends_with('\n') {
            return Err(NoteError::Malformed {
                what: "signature lines do not end with a newline",
            });
        }
        if lines.bytes().filter(|&b| b == b'\n').count() > NOTE_SIGNATURES_MAX {
            return Err(NoteError::TooLarge {
                what: "more than NOTE_SIGNATURES_MAX signatures",
            });
        }
        let signatures = lines
            .split_terminator('\n')
            .map(parse_signature_line)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note text, final newline included, not yet verified.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in the order of the note.
    #[must_use]
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Serialises the note: text, blank line, signature lines.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1 + 128 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        out
    }

    /// Verifies the signatures of known keys and returns the indexes, ascending and without
    /// repeats, of the `verifiers` whose signature verified.
    ///
    /// A signature line is from a known key when both its key name and key ID are those of a
    /// verifier; other lines are ignored. Every signature line of a known key must verify.
    ///
    /// # Errors
    /// [`NoteError::VerifiersAmbiguous`] when two different verifiers share key name and key
    /// ID, [`NoteError::SignatureInvalid`] when a known key's signature does not verify, and
    /// [`NoteError::Unverified`] when no known key signed the note.
    pub fn verify(&self, verifiers: &[NoteVerifier]) -> Result<Vec<usize>, NoteError> {
        for (i, a) in verifiers.iter().enumerate() {
            if let Some(b) = verifiers[i + 1..]
                .iter()
                .find(|b| a.name == b.name && a.key_id == b.key_id)
            {
                if a.key != b.key {
                    return Err(NoteError::VerifiersAmbiguous {
                        name: a.name.clone(),
                        key_id: a.key_id,
                    });
                }
            }
        }
        let mut verified = Vec::new();
        for signature in &self.signatures {
            let Some(index) = verifiers.iter().position(|v| v.matches(signature)) else {
                continue;
            };
            if !verifiers[index].verifies(&self.text, &signature.signature) {
                return Err(NoteError::SignatureInvalid {
                    name: signature.name.clone(),
                    key_id: signature.key_id,
                });
            }
            verified.push(index);
        }
        if verified.is_empty() {
            return Err(NoteError::Unverified);
        }
        verified.sort_unstable();
        verified.dedup();
        Ok(verified)
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, NoteError> {
    let line = line
        .strip_prefix(SIGNATURE_LINE_PREFIX)
        .ok_or(NoteError::Malformed {
            what: "signature line does not start with an em dash and a space",
        })?;
    let (name, payload) = line.split_once(' ').ok_or(NoteError::Malformed {
        what: "signature line has no space after the key name",
    })?;
    let name = KeyName::new(name).map_err(|_| NoteError::Malformed {
        what: "invalid key name in a signature line",
    })?;
    let payload = BASE64.decode(payload).map_err(|_| NoteError::Malformed {
        what: "signature is not canonical base64",
    })?;
    if payload.len() < 5 {
        return Err(NoteError::Malformed {
            what: "signature shorter than 5 bytes",
        });
    }
    let (id, signature) = payload.split_at(4);
    Ok(NoteSignature {
        name,
        key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
        signature: signature.to_vec(),
    })
}

/// A note whose signatures from known keys all verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    note: Note,
    verified_by: Vec<usize>,
}

impl VerifiedNote {
    /// The verified text, final newline included.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.note.text
    }

    /// The indexes, ascending, into the verifiers given to [`open`] whose signature verified.
    #[must_use]
    pub fn verified_by(&self) -> &[usize] {
        &self.verified_by
    }

    /// The parsed note, with every signature line (verified or ignored).
    #[must_use]
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// The parsed note.
    #[must_use]
    pub fn into_note(self) -> Note {
        self.note
    }
}

/// Signs `text` with each signer and returns the signed note.
///
/// # Errors
/// [`NoteError::Malformed`] when the text does not end with a newline, contains a control
/// character other than newline, or there is no signer; [`NoteError::TooLarge`] when there are
/// more than [`NOTE_SIGNATURES_MAX`] signers or the note would exceed [`NOTE_SIZE_MAX`] bytes.
pub fn sign(text: &str, signers: &[&NoteSigner]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed {
            what: "text does not end with a newline",
        });
    }
    check_note_characters(text)?;
    if signers.is_empty() {
        return Err(NoteError::Malformed { what: "no signer" });
    }
    if signers.len() > NOTE_SIGNATURES_MAX {
        return Err(NoteError::TooLarge {
            what: "more than NOTE_SIGNATURES_MAX signatures",
        });
    }
    if text.len() > NOTE_SIZE_MAX {
        return Err(NoteError::TooLarge {
            what: "note larger than NOTE_SIZE_MAX bytes",
        });
    }
    let mut note = String::with_capacity(text.len() + 1 + 128 * signers.len());
    note.push_str(text);
    note.push('\n');
    for signer in signers {
        note.push_str(&signer.signature_line(text));
    }
    if note.len() > NOTE_SIZE_MAX {
        return Err(NoteError::TooLarge {
            what: "note larger than NOTE_SIZE_MAX bytes",
        });
    }
    Ok(note)
}

/// Parses a signed note and verifies it against known verifiers (see [`Note::verify`]).
///
/// # Errors
/// Those of [`Note::parse`] and [`Note::verify`].
pub fn open(note: &[u8], verifiers: &[NoteVerifier]) -> Result<VerifiedNote, NoteError> {
    let note = Note::parse(note)?;
    let verified_by = note.verify(verifiers)?;
    Ok(VerifiedNote { note, verified_by })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const SIGNED: &str = "If you think cryptography is the answer to your problem,\n\
                          then you don't know what your problem is.\n\
                          \n\
                          \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    /// Go's documented second signature, by a freshly generated key whose vkey is not given.
    const ENOCH_LINE: &str = "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    fn signer(name: &str, seed: u8) -> NoteSigner {
        NoteSigner::new(
            KeyName::new(name).unwrap(),
            SigningKey::from_bytes(&[seed; 32]),
        )
    }

    #[test]
    fn go_example_signs_and_opens() {
        let signer = NoteSigner::parse(SKEY).unwrap();
        assert_eq!(signer.key_id(), 0xc74f_20a3);
        assert_eq!(signer.signer_key(), SKEY);
        assert_eq!(signer.verifier_key(), VKEY);
        assert_eq!(sign(TEXT, &[&signer]).unwrap(), SIGNED);

        let verifier = NoteVerifier::parse(VKEY).unwrap();
        assert_eq!(verifier.name().as_str(), "PeterNeumann");
        assert_eq!(verifier.key_id(), 0xc74f_20a3);
        assert_eq!(verifier.to_string(), VKEY);
        let opened = open(SIGNED.as_bytes(), std::slice::from_ref(&verifier)).unwrap();
        assert_eq!(opened.text(), TEXT);
        assert_eq!(opened.verified_by(), &[0]);
        assert_eq!(opened.note().to_text(), SIGNED);
    }

    #[test]
    fn go_example_with_unknown_second_signature() {
        let verifier = NoteVerifier::parse(VKEY).unwrap();
        let doubly = format!("{SIGNED}{ENOCH_LINE}");
        let opened = open(doubly.as_bytes(), &[verifier]).unwrap();
        assert_eq!(opened.text(), TEXT);
        assert_eq!(opened.note().signatures().len(), 2);
        assert_eq!(opened.note().signatures()[1].name.as_str(), "EnochRoot");
        assert_eq!(opened.note().to_text(), doubly);
        // Only the unknown key: nothing verifies.
        let other = signer("PeterNeumann", 9).verifier();
        assert_eq!(
            open(doubly.as_bytes(), &[other]),
            Err(NoteError::Unverified)
        );
    }

    #[test]
    fn every_single_byte_change_fails() {
        let a = signer("example.com/a", 1);
        let signed = sign("hello\n\nworld — x\n", &[&a]).unwrap();
        let verifiers = [a.verifier()];
        assert!(open(signed.as_bytes(), &verifiers).is_ok());
        let bytes = signed.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [bytes[i] ^ 0x01, bytes[i] ^ 0x20, b'\n', b'A', b' '] {
                if replacement == bytes[i] {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[i] = replacement;
                assert!(
                    open(&changed, &verifiers).is_err(),
                    "change at {i} to {replacement:#04x} accepted"
                );
            }
            let mut removed = bytes.to_vec();
            removed.remove(i);
            assert!(open(&removed, &verifiers).is_err(), "removal at {i}");
        }
    }

    #[test]
    fn known_key_with_bad_signature_fails_whole_note() {
        let a = signer("a.example", 1);
        let b = signer("b.example", 2);
        let signed = sign("text\n", &[&a, &b]).unwrap();
        let forged_b = signer("b.example", 3);
        // A line with b's name and key ID but a wrong signature.
        let mut note = Note::parse(signed.as_bytes()).unwrap();
        note.signatures[1].signature = forged_b.key.sign(b"text\n").to_bytes().to_vec();
        let tampered = note.to_text();
        assert_eq!(
            open(tampered.as_bytes(), &[a.verifier(), b.verifier()]),
            Err(NoteError::SignatureInvalid {
                name: b.name().clone(),
                key_id: b.key_id()
            })
        );
        // Without b's verifier, b's line is ignored.
        assert!(open(tampered.as_bytes(), &[a.verifier()]).is_ok());
        let both = open(signed.as_bytes(), &[b.verifier(), a.verifier()]).unwrap();
        assert_eq!(both.verified_by(), &[0, 1]);
    }

    #[test]
    fn same_name_or_same_id_alone_is_ignored() {
        let a = signer("a.example", 1);
        let signed = sign("text\n", &[&a]).unwrap();
        let mut note = Note::parse(signed.as_bytes()).unwrap();
        note.signatures.push(NoteSignature {
            name: a.name().clone(),
            key_id: a.key_id() ^ 1,
            signature: vec![0; 64],
        });
        note.signatures.push(NoteSignature {
            name: KeyName::new("other").unwrap(),
            key_id: a.key_id(),
            signature: vec![0; 64],
        });
        let opened = open(note.to_text().as_bytes(), &[a.verifier()]).unwrap();
        assert_eq!(opened.verified_by(), &[0]);
    }

    #[test]
    fn ambiguous_verifiers_refused() {
        let a = signer("a.example", 1);
        let signed = sign("text\n", &[&a]).unwrap();
        let impostor = NoteVerifier {
            name: a.name().clone(),
            key_id: a.key_id(),
            key: PublicKey::from(&SigningKey::from_bytes(&[2; 32])),
        };
        assert!(matches!(
            open(signed.as_bytes(), &[a.verifier(), impostor]),
            Err(NoteError::VerifiersAmbiguous { .. })
        ));
        assert!(open(signed.as_bytes(), &[a.verifier(), a.verifier()]).is_ok());
    }

    #[test]
    fn verifier_key_errors() {
        // Key ID mismatch.
        let wrong_id = VKEY.replace("c74f20a3", "c74f20a4");
        assert_eq!(
            NoteVerifier::parse(&wrong_id),
            Err(NoteError::KeyIdMismatch {
                expected: 0xc74f_20a3,
                found: 0xc74f_20a4
            })
        );
        assert_eq!(
            NoteVerifier::parse(&wrong_id).unwrap_err().code(),
            "key-id-mismatch"
        );
        // Renamed key: the key ID no longer matches.
        let renamed = VKEY.replace("PeterNeumann", "PeterNeumanm");
        assert!(matches!(
            NoteVerifier::parse(&renamed),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        // Wrong type byte (0x04, a cosignature key).
        let mut bytes = BASE64.decode(VKEY.rsplit('+').next().unwrap()).unwrap();
        bytes[0] = 0x04;
        let cosig = format!("PeterNeumann+c74f20a3+{}", BASE64.encode(&bytes));
        assert_eq!(
            NoteVerifier::parse(&cosig),
            Err(NoteError::KeyTypeUnsupported {
                expected: 1,
                found: 4
            })
        );
        for bad in [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW==",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy",
            "PeterNeumann+c74f20a3+",
        ] {
            assert!(NoteVerifier::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(matches!(
            NoteVerifier::parse(
                "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
            ),
            Err(NoteError::KeyNameInvalid { .. })
        ));
    }

    #[test]
    fn weak_keys_refused() {
        let name = KeyName::new("weak.example").unwrap();
        // The identity point, of order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let id = key_id(&name, SIGNATURE_TYPE_ED25519, &identity);
        let vkey = format_key_encoding(&name, id, SIGNATURE_TYPE_ED25519, &identity);
        assert_eq!(NoteVerifier::parse(&vkey), Err(NoteError::KeyWeak));
        assert_eq!(NoteError::KeyWeak.code(), "key-weak");
        // A point of order 4 (y = 0), and the point of order 2 (y = -1 mod p).
        let zero = [0u8; 32];
        let id = key_id(&name, SIGNATURE_TYPE_ED25519, &zero);
        let vkey = format_key_encoding(&name, id, SIGNATURE_TYPE_ED25519, &zero);
        assert_eq!(NoteVerifier::parse(&vkey), Err(NoteError::KeyWeak));
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        let id = key_id(&name, SIGNATURE_TYPE_ED25519, &minus_one);
        let vkey = format_key_encoding(&name, id, SIGNATURE_TYPE_ED25519, &minus_one);
        assert_eq!(NoteVerifier::parse(&vkey), Err(NoteError::KeyWeak));
    }

    #[test]
    fn signer_key_round_trip_and_errors() {
        let a = signer("example.com/log", 42);
        let parsed = NoteSigner::parse(&a.signer_key()).unwrap();
        assert_eq!(parsed.verifier_key(), a.verifier_key());
        assert_eq!(parsed.signer_key(), a.signer_key());
        let debug = format!("{a:?}");
        assert!(debug.contains("example.com/log") && !debug.contains(&a.signer_key()));
        assert!(matches!(
            NoteSigner::parse(&SKEY.replace("c74f20a3", "00000000")),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        assert!(matches!(
            NoteSigner::parse(VKEY),
            Err(NoteError::KeyMalformed { .. })
        ));
        assert!(NoteSigner::parse(&SKEY.replace("PRIVATE", "PUBLIC")).is_err());
    }

    #[test]
    fn key_names() {
        assert!(KeyName::new("example.com/log42").is_ok());
        assert!(KeyName::new("sổ-học-bạ.example/trường").is_ok());
        assert!(KeyName::new("x".repeat(KEY_NAME_SIZE_MAX)).is_ok());
        for bad in [
            String::new(),
            "a+b".to_owned(),
            "a b".to_owned(),
            "a\tb".to_owned(),
            "a\u{a0}b".to_owned(),
            "a\u{3000}b".to_owned(),
            "a\u{2028}b".to_owned(),
            "a\u{1}b".to_owned(),
            "a\nb".to_owned(),
            "x".repeat(KEY_NAME_SIZE_MAX + 1),
        ] {
            let error = KeyName::new(bad.clone()).unwrap_err();
            assert_eq!(error.code(), "key-name-invalid", "{bad:?}");
        }
        assert_eq!(
            "a.example".parse::<KeyName>().unwrap().as_str(),
            "a.example"
        );
    }

    #[test]
    fn malformed_notes() {
        let a = signer("a.example", 1);
        let verifiers = [a.verifier()];
        let good = sign("text\n", &[&a]).unwrap();
        let line = good.strip_prefix("text\n\n").unwrap();
        for bad in [
            String::new(),
            "text\n".to_owned(),
            "text\n\n".to_owned(),
            format!("text\n{line}"),
            format!("text\n\n{}", line.trim_end()),
            format!("text\n\n{line}\n"),
            format!("text\r\n\n{line}"),
            format!("te\u{7}xt\n\n{line}"),
            format!("text\n\n{}", line.replacen('\u{2014}', "-", 1)),
            format!("text\n\n{}", line.replacen(' ', "  ", 1)),
            format!("text\n\n{}", line.replacen("a.example ", "a.example", 1)),
            "text\n\n\u{2014} a.example AAAAAA==\n".to_owned(),
            "text\n\n\u{2014} a+b AAAAAAA=\n".to_owned(),
        ] {
            let error = open(bad.as_bytes(), &verifiers).unwrap_err();
            assert_eq!(error.code(), "note-malformed", "{bad:?}: {error}");
        }
        let mut invalid_utf8 = good.clone().into_bytes();
        invalid_utf8[1] = 0xff;
        assert_eq!(
            open(&invalid_utf8, &verifiers).unwrap_err().code(),
            "note-malformed"
        );
        // Text with blank lines and a line that looks like a signature line is fine.
        let tricky = "a\n\n\u{2014} a.example AAAAAAA=\n\n";
        let signed = sign(tricky, &[&a]).unwrap();
        assert_eq!(open(signed.as_bytes(), &verifiers).unwrap().text(), tricky);
    }

    #[test]
    fn limits_enforced() {
        let a = signer("a.example", 1);
        let verifiers = [a.verifier()];
        // Signature count.
        let signed = sign("text\n", &[&a]).unwrap();
        let line = signed.strip_prefix("text\n\n").unwrap();
        let at_limit = format!("text\n\n{}", line.repeat(NOTE_SIGNATURES_MAX));
        assert!(open(at_limit.as_bytes(), &verifiers).is_ok());
        let over = format!("text\n\n{}", line.repeat(NOTE_SIGNATURES_MAX + 1));
        assert_eq!(
            open(over.as_bytes(), &verifiers).unwrap_err().code(),
            "note-too-large"
        );
        let signers: Vec<&NoteSigner> = vec![&a; NOTE_SIGNATURES_MAX + 1];
        assert_eq!(
            sign("text\n", &signers).unwrap_err().code(),
            "note-too-large"
        );
        // Size.
        let big_text = format!("{}\n", "x".repeat(NOTE_SIZE_MAX));
        assert_eq!(sign(&big_text, &[&a]).unwrap_err().code(), "note-too-large");
        let text = format!("{}\n", "x".repeat(NOTE_SIZE_MAX - line.len() - 2));
        let signed = sign(&text, &[&a]).unwrap();
        assert_eq!(signed.len(), NOTE_SIZE_MAX);
        assert!(open(signed.as_bytes(), &verifiers).is_ok());
        let text = format!("{}\n", "x".repeat(NOTE_SIZE_MAX - line.len() - 1));
        assert_eq!(sign(&text, &[&a]).unwrap_err().code(), "note-too-large");
        let mut oversized = signed.into_bytes();
        oversized.insert(0, b'x');
        assert_eq!(
            open(&oversized, &verifiers).unwrap_err().code(),
            "note-too-large"
        );
    }

    #[test]
    fn sign_refuses_bad_text() {
        let a = signer("a.example", 1);
        assert!(sign("no newline", &[&a]).is_err());
        assert!(sign("", &[&a]).is_err());
        assert!(sign("tab\there\n", &[&a]).is_err());
        assert!(sign("text\n", &[]).is_err());
    }
}
