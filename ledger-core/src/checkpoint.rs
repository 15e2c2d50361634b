//! C2SP transparency log checkpoints: <https://c2sp.org/tlog-checkpoint>.
//!
//! A checkpoint is a [signed note](crate::note) whose text is at least three non-empty lines:
//!
//! 1. the **origin**, the log's unique identity (here RECOMMENDED to equal the log's key name);
//! 2. the **tree size**, ASCII decimal without leading zeros;
//! 3. the **root hash**, base64 of the 32-byte RFC 6962 tree hash at that size;
//! 4. optional, non-empty, opaque **extension lines** (NOT RECOMMENDED).
//!
//! The spec says the log's key name SHOULD match the origin line. [`Checkpoint::open`] requires
//! it, which is what our log does; [`Checkpoint::open_for_origin`] checks against an origin the
//! client was configured with, for logs whose key name differs. Either way the origin is checked:
//! a key that signs for several logs must not let one log's checkpoint pass for another's.
//!
//! # Example
//!
//! The checkpoint of the spec, signed and opened again:
//!
//! ```
//! use ledger_core::checkpoint::Checkpoint;
//! use ledger_core::note::{KeyName, NoteSigner};
//!
//! let text = "example.com/behind-the-sofa\n\
//!             20852163\n\
//!             CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
//! let checkpoint = Checkpoint::parse(text)?;
//! assert_eq!(checkpoint.origin.as_str(), "example.com/behind-the-sofa");
//! assert_eq!(checkpoint.size, 20_852_163);
//! assert_eq!(checkpoint.to_text(), text);
//!
//! let name = KeyName::new("example.com/behind-the-sofa")?;
//! let log = NoteSigner::new(name, ed25519_dalek::SigningKey::from_bytes(&[7; 32]));
//! let signed = checkpoint.sign(&log)?;
//! assert!(signed.starts_with(&format!("{text}\n— example.com/behind-the-sofa ")));
//! assert_eq!(Checkpoint::open(signed.as_bytes(), &log.verifier())?, checkpoint);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::limits::NOTE_SIZE_MAX;
use crate::note::{self, Note, NoteError, NoteSigner, NoteVerifier};
use crate::tree::Hash;

/// Why a checkpoint or an origin was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note text is not a well-formed checkpoint (code `checkpoint-malformed`).
    #[error("the checkpoint is malformed: {what} (điểm kiểm tra sai định dạng)")]
    Malformed {
        /// What is wrong.
        what: &'static str,
    },
    /// An origin is empty or contains a control character (code `origin-invalid`).
    #[error("the origin is invalid: {what} (định danh nhật ký không hợp lệ)")]
    OriginInvalid {
        /// What is wrong.
        what: &'static str,
    },
    /// The checkpoint is for another log than the one expected (code `origin-mismatch`).
    #[error("the checkpoint's origin {found:?} is not the expected {expected:?} (sai định danh nhật ký)")]
    OriginMismatch {
        /// The origin expected.
        expected: String,
        /// The origin of the checkpoint.
        found: String,
    },
    /// The signed note was refused; its code is the note error's (for example
    /// `signature-invalid` or `note-unverified`).
    #[error(transparent)]
    Note(#[from] NoteError),
}

impl CheckpointError {
    /// A stable kebab-case code for this error, for logs and API responses.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "checkpoint-malformed",
            Self::OriginInvalid { .. } => "origin-invalid",
            Self::OriginMismatch { .. } => "origin-mismatch",
            Self::Note(error) => error.code(),
        }
    }
}

/// The origin line of a checkpoint: the log's unique identity. Non-empty, with no control
/// character (so no newline).
///
/// The spec recommends, without requiring it, a schema-less URL with no Unicode space and no
/// plus, such as `example.com/log42`: a key name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin(String);

impl Origin {
    /// Validates an origin.
    ///
    /// # Errors
    /// [`CheckpointError::OriginInvalid`] when the origin is empty, longer than
    /// [`NOTE_SIZE_MAX`] bytes, or contains a control character.
    pub fn new(origin: impl Into<String>) -> Result<Self, CheckpointError> {
        let origin = origin.into();
        check_line(&origin).map_err(|what| CheckpointError::OriginInvalid { what })?;
        Ok(Self(origin))
    }

    /// The origin as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Origin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Origin {
    type Err = CheckpointError;

    fn from_str(origin: &str) -> Result<Self, Self::Err> {
        Self::new(origin)
    }
}

impl From<&note::KeyName> for Origin {
    /// A key name is always a valid origin.
    fn from(name: &note::KeyName) -> Self {
        Self(name.as_str().to_owned())
    }
}

/// Checks one non-empty line of note text: no control character, newline included.
fn check_line(line: &str) -> Result<(), &'static str> {
    if line.is_empty() {
        return Err("empty");
    }
    if line.len() > NOTE_SIZE_MAX {
        return Err("longer than NOTE_SIZE_MAX bytes");
    }
    if line.bytes().any(|b| b < b' ') {
        return Err("contains a control character");
    }
    Ok(())
}

/// A transparency log checkpoint: origin, tree size, root hash and extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity.
    pub origin: Origin,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 root hash of the tree at `size`.
    pub root: Hash,
    /// Opaque extension lines, each non-empty without newline (NOT RECOMMENDED by the spec).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    #[must_use]
    pub fn new(origin: Origin, size: u64, root: Hash) -> Self {
        Self {
            origin,
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n` then each extension line and `\n`.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parses a checkpoint's note text (not a signed note: see [`Checkpoint::open`]).
    ///
    /// # Errors
    /// [`CheckpointError::Malformed`] when the text is over [`NOTE_SIZE_MAX`] bytes, does not
    /// end with a newline, has fewer than three lines, an empty line or a control character, a
    /// tree size that is not decimal without leading zeros or overflows `u64`, or a root hash
    /// that is not the canonical base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        if text.len() > NOTE_SIZE_MAX {
            return Err(CheckpointError::Malformed {
                what: "text larger than NOTE_SIZE_MAX bytes",
            });
        }
        let body = text.strip_suffix('\n').ok_or(CheckpointError::Malformed {
            what: "text does not end with a newline",
        })?;
        let mut lines = body.split('\n');
        let mut next_line = |what| lines.next().ok_or(CheckpointError::Malformed { what });
        let origin = next_line("no origin line")?;
        let size = next_line("no tree size line")?;
        let root = next_line("no root hash line")?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();

        let origin = Origin::new(origin).map_err(|_| CheckpointError::Malformed {
            what: "origin line is empty or has a control character",
        })?;
        let size = parse_decimal(size).ok_or(CheckpointError::Malformed {
            what: "tree size is not decimal without leading zeros",
        })?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::Malformed {
            what: "root hash is not base64 of 32 bytes",
        })?;
        if extensions.iter().any(|line| check_line(line).is_err()) {
            return Err(CheckpointError::Malformed {
                what: "extension line is empty or has a control character",
            });
        }
        Ok(Self {
            origin,
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint as a note with the log's key.
    ///
    /// The spec says the log's key name SHOULD be the origin; [`Checkpoint::open`] requires it.
    ///
    /// # Errors
    /// [`CheckpointError::Malformed`] when an extension line is empty or has a control
    /// character, and [`CheckpointError::Note`] when the note would exceed a limit.
    pub fn sign(&self, log: &NoteSigner) -> Result<String, CheckpointError> {
        self.check_extensions()?;
        Ok(note::sign(&self.to_text(), &[log])?)
    }

    /// Refuses extension lines that would not parse back: empty or with a control character.
    pub(crate) fn check_extensions(&self) -> Result<(), CheckpointError> {
        if self.extensions.iter().any(|line| check_line(line).is_err()) {
            return Err(CheckpointError::Malformed {
                what: "extension line is empty or has a control character",
            });
        }
        Ok(())
    }

    /// Opens a signed checkpoint: the log's signature must verify (other signatures, such as
    /// witness cosignatures, are ignored) and the origin must equal the log's key name.
    ///
    /// # Errors
    /// [`CheckpointError::Note`] when the note is malformed or lacks a valid signature of
    /// `log`, [`CheckpointError::Malformed`] when its text is not a checkpoint, and
    /// [`CheckpointError::OriginMismatch`] when the origin is not the log's key name.
    pub fn open(note: &[u8], log: &NoteVerifier) -> Result<Self, CheckpointError> {
        Self::from_note(&Note::parse(note)?, &Origin::from(log.name()), log)
    }

    /// Opens a signed checkpoint of the log with `origin`, signed by `log` whatever its key
    /// name.
    ///
    /// # Errors
    /// As [`Checkpoint::open`], with `origin` as the expected origin.
    pub fn open_for_origin(
        note: &[u8],
        origin: &Origin,
        log: &NoteVerifier,
    ) -> Result<Self, CheckpointError> {
        Self::from_note(&Note::parse(note)?, origin, log)
    }

    /// Verifies the log's signature on an already parsed note, then parses the checkpoint and
    /// checks its origin.
    ///
    /// # Errors
    /// As [`Checkpoint::open_for_origin`].
    pub fn from_note(
        note: &Note,
        origin: &Origin,
        log: &NoteVerifier,
    ) -> Result<Self, CheckpointError> {
        note.verify(std::slice::from_ref(log))?;
        let checkpoint = Self::parse(note.text())?;
        if &checkpoint.origin != origin {
            return Err(CheckpointError::OriginMismatch {
                expected: origin.as_str().to_owned(),
                found: checkpoint.origin.0,
            });
        }
        Ok(checkpoint)
    }
}

/// Parses ASCII decimal with no sign and no leading zeros (except `0` itself).
pub(crate) fn parse_decimal(digits: &str) -> Option<u64> {
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::KeyName;
    use ed25519_dalek::SigningKey;

    const SPEC_TEXT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    fn log(name: &str) -> NoteSigner {
        NoteSigner::new(
            KeyName::new(name).unwrap(),
            SigningKey::from_bytes(&[5; 32]),
        )
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint::new(
            Origin::new("hocba.example/log").unwrap(),
            42,
            Hash([0xab; 32]),
        )
    }

    #[test]
    fn round_trips() {
        let parsed = Checkpoint::parse(SPEC_TEXT).unwrap();
        assert_eq!(parsed.to_text(), SPEC_TEXT);
        assert!(parsed.extensions.is_empty());

        let mut with_extensions = checkpoint();
        with_extensions.extensions = vec!["ext one".into(), "— two".into()];
        let text = with_extensions.to_text();
        assert!(text.ends_with("\next one\n— two\n"));
        assert_eq!(Checkpoint::parse(&text).unwrap(), with_extensions);

        let signer = log("hocba.example/log");
        let signed = with_extensions.sign(&signer).unwrap();
        assert_eq!(
            Checkpoint::open(signed.as_bytes(), &signer.verifier()).unwrap(),
            with_extensions
        );

        let empty = Checkpoint::new(Origin::new("o").unwrap(), 0, Hash::default());
        assert_eq!(Checkpoint::parse(&empty.to_text()).unwrap(), empty);
        let max = Checkpoint::new(Origin::new("o").unwrap(), u64::MAX, Hash::default());
        assert_eq!(Checkpoint::parse(&max.to_text()).unwrap(), max);
    }

    #[test]
    fn malformed_texts_refused() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        for bad in [
            String::new(),
            "\n".to_owned(),
            format!("o\n1\n{root}"),
            "o\n1\n".to_owned(),
            format!("\n1\n{root}\n"),
            format!("o\n\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n00\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n 1\n{root}\n"),
            format!("o\n1 \n{root}\n"),
            format!("o\n0x1\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n".to_owned(),
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".to_owned(),
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Ia\n".to_owned(),
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n".to_owned(),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\next\n\n"),
            format!("o\n1\n{root}\n\next\n"),
            format!("o\r\n1\n{root}\n"),
            format!("o\n1\n{root}\ne\tx\n"),
        ] {
            let error = Checkpoint::parse(&bad).unwrap_err();
            assert_eq!(error.code(), "checkpoint-malformed", "{bad:?}");
        }
        assert_eq!(
            Checkpoint::parse(&"x".repeat(NOTE_SIZE_MAX + 1))
                .unwrap_err()
                .code(),
            "checkpoint-malformed"
        );
        assert_eq!(
            Checkpoint::parse(&format!("o\n0\n{root}\n")).unwrap().size,
            0
        );
    }

    #[test]
    fn origins() {
        assert!(Origin::new("example.com/log42").is_ok());
        // Not recommended, but allowed by the spec.
        assert!(Origin::new("a log with spaces+plus").is_ok());
        for bad in ["", "a\nb", "a\u{0}b", "a\tb"] {
            assert_eq!(Origin::new(bad).unwrap_err().code(), "origin-invalid");
        }
    }

    #[test]
    fn every_single_byte_change_fails() {
        let signer = log("hocba.example/log");
        let verifier = signer.verifier();
        let mut checkpoint = checkpoint();
        checkpoint.extensions = vec!["ext".into()];
        let signed = checkpoint.sign(&signer).unwrap();
        let bytes = signed.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [bytes[i] ^ 0x01, bytes[i] ^ 0x20, b'\n', b'0'] {
                if replacement == bytes[i] {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[i] = replacement;
                assert!(
                    Checkpoint::open(&changed, &verifier).is_err(),
                    "change at {i} to {replacement:#04x} accepted"
                );
            }
        }
    }

    #[test]
    fn origin_must_match() {
        let signer = log("hocba.example/log");
        let mut other = checkpoint();
        other.origin = Origin::new("hocba.example/other-log").unwrap();
        let signed = other.sign(&signer).unwrap();
        let error = Checkpoint::open(signed.as_bytes(), &signer.verifier()).unwrap_err();
        assert_eq!(error.code(), "origin-mismatch");
        assert_eq!(
            Checkpoint::open_for_origin(signed.as_bytes(), &other.origin, &signer.verifier())
                .unwrap(),
            other
        );
        let error = Checkpoint::open_for_origin(
            signed.as_bytes(),
            &Origin::new("hocba.example/log").unwrap(),
            &signer.verifier(),
        )
        .unwrap_err();
        assert!(matches!(error, CheckpointError::OriginMismatch { .. }));
    }

    #[test]
    fn wrong_key_or_unsigned_refused() {
        let signer = log("hocba.example/log");
        let signed = checkpoint().sign(&signer).unwrap();
        let impostor = NoteSigner::new(
            KeyName::new("hocba.example/log").unwrap(),
            SigningKey::from_bytes(&[6; 32]),
        );
        let error = Checkpoint::open(signed.as_bytes(), &impostor.verifier()).unwrap_err();
        assert_eq!(error.code(), "note-unverified");
        // A signature line with the right name and key ID but a wrong signature.
        let line = crate::note::NoteSignature {
            name: signer.name().clone(),
            key_id: signer.key_id(),
            signature: vec![0; 64],
        }
        .to_line();
        let text = checkpoint().to_text();
        let forged_note = format!("{text}\n{line}");
        let error = Checkpoint::open(forged_note.as_bytes(), &signer.verifier()).unwrap_err();
        assert_eq!(error.code(), "signature-invalid");
    }

    #[test]
    fn sign_refuses_bad_extensions() {
        let signer = log("hocba.example/log");
        for bad in ["", "a\nb", "a\rb"] {
            let mut checkpoint = checkpoint();
            checkpoint.extensions = vec![bad.to_owned()];
            assert_eq!(
                checkpoint.sign(&signer).unwrap_err().code(),
                "checkpoint-malformed"
            );
        }
    }
}
