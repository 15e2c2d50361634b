//! C2SP transparency log proofs: <https://c2sp.org/tlog-proof>.
//!
//! A proof is a self-contained, offline-verifiable statement that a leaf is in the log: lines
//! separated by newlines,
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>        (optional)
//! index <decimal leaf index>
//! <base64 hash>                     (zero or more: the RFC 6962 inclusion proof, leaf first)
//!
//! <the signed checkpoint note, verbatim, with any witness cosignatures>
//! ```
//!
//! The extra data is **not authenticated**: nothing signs it, so never trust it implicitly.
//!
//! # Example
//!
//! ```
//! use ledger_core::checkpoint::{Checkpoint, Origin};
//! use ledger_core::note::{KeyName, NoteSigner};
//! use ledger_core::proof::TlogProof;
//! use ledger_core::tree::{inclusion_proof, leaf_hash, MemoryTree};
//!
//! let mut tree = MemoryTree::new();
//! for entry in [&b"a"[..], b"b", b"c"] {
//!     tree.append(leaf_hash(entry));
//! }
//! let log = NoteSigner::new(
//!     KeyName::new("hocba.example/log")?,
//!     ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
//! );
//! let checkpoint = Checkpoint::new(Origin::from(log.name()), tree.size(), tree.root());
//! let proof = TlogProof {
//!     index: 1,
//!     extra: None,
//!     hashes: inclusion_proof(1, tree.size(), &tree)?,
//!     checkpoint: checkpoint.sign(&log)?,
//! };
//! let text = proof.to_text();
//! assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 1\n"));
//!
//! let parsed = TlogProof::parse(text.as_bytes())?;
//! assert_eq!(parsed, proof);
//! let (verified, cosigned) = parsed.verify(&leaf_hash(b"b"), &log.verifier(), &[])?;
//! assert_eq!(verified, checkpoint);
//! assert!(cosigned.is_empty());
//! assert!(parsed.verify(&leaf_hash(b"x"), &log.verifier(), &[]).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::checkpoint::{parse_decimal, Checkpoint, CheckpointError, Origin};
use crate::cosignature::{CosignatureError, CosignatureVerifier};
use crate::limits::{NOTE_SIZE_MAX, PROOF_HASHES_MAX};
use crate::note::{KeyName, Note, NoteVerifier};
use crate::tree::{self, Hash};

/// The first line of every proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Most bytes of extra data accepted in a proof. The spec sets no bound; its uses (context, a
/// VRF proof) are small, and the bound keeps a hostile proof cheap to refuse.
pub const PROOF_EXTRA_SIZE_MAX: usize = 4096;

/// Largest proof text accepted: header, extra line, index line, [`PROOF_HASHES_MAX`] hash
/// lines, blank line and a note of [`NOTE_SIZE_MAX`] bytes.
pub const PROOF_SIZE_MAX: usize = HEADER.len()
    + 1
    + EXTRA_PREFIX.len()
    + PROOF_EXTRA_SIZE_MAX.div_ceil(3) * 4
    + 1
    + INDEX_PREFIX.len()
    + 20
    + 1
    + PROOF_HASHES_MAX * 45
    + 1
    + NOTE_SIZE_MAX;

const EXTRA_PREFIX: &str = "extra ";
const INDEX_PREFIX: &str = "index ";

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The text is not a well-formed proof or exceeds a limit (code `proof-malformed`).
    #[error("the proof is malformed: {what} (bằng chứng sai định dạng)")]
    Malformed {
        /// What is wrong.
        what: &'static str,
    },
    /// The checkpoint was refused; its code is the checkpoint error's (for example
    /// `signature-invalid`, `note-unverified`, `origin-mismatch`).
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A known witness's cosignature does not verify; its code is the cosignature error's.
    #[error(transparent)]
    Cosignature(#[from] CosignatureError),
    /// The inclusion proof does not lead from the leaf at the index to the checkpoint's root
    /// hash (code `proof-mismatch`).
    #[error("the inclusion proof does not match the checkpoint: {source} (bằng chứng không khớp)")]
    Mismatch {
        /// Why, as the Merkle tree check reports it.
        source: tree::Error,
    },
}

impl ProofError {
    /// A stable kebab-case code for this error, for logs and API responses.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "proof-malformed",
            Self::Checkpoint(error) => error.code(),
            Self::Cosignature(error) => error.code(),
            Self::Mismatch { .. } => "proof-mismatch",
        }
    }
}

/// A `c2sp.org/tlog-proof@v1` proof of inclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// The zero-based index of the leaf in the log.
    pub index: u64,
    /// Opaque, unauthenticated extra data.
    pub extra: Option<Vec<u8>>,
    /// The inclusion proof: sibling hashes from the leaf's up to the root's child.
    pub hashes: Vec<Hash>,
    /// The signed checkpoint note, verbatim (final newline included), with any cosignatures.
    pub checkpoint: String,
}

impl TlogProof {
    /// The proof text.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(64 + 45 * self.hashes.len() + self.checkpoint.len());
        text.push_str(HEADER);
        text.push('\n');
        if let Some(extra) = &self.extra {
            text.push_str(EXTRA_PREFIX);
            text.push_str(&BASE64.encode(extra));
            text.push('\n');
        }
        text.push_str(INDEX_PREFIX);
        text.push_str(&self.index.to_string());
        text.push('\n');
        for hash in &self.hashes {
            text.push_str(&hash.to_base64());
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint);
        text
    }

    /// Parses a proof. The checkpoint must be a well-formed signed checkpoint note; no
    /// signature is verified here (see [`TlogProof::verify`]).
    ///
    /// # Errors
    /// [`ProofError::Malformed`] when the text is over [`PROOF_SIZE_MAX`] bytes, is not UTF-8,
    /// lacks the header or index line, has an index that is not decimal without leading zeros,
    /// extra data over [`PROOF_EXTRA_SIZE_MAX`] bytes or not canonical base64, more than
    /// [`PROOF_HASHES_MAX`] hashes, a hash that is not base64 of 32 bytes, no blank line after
    /// the hashes, or a checkpoint that is not a signed checkpoint note.
    pub fn parse(text: &[u8]) -> Result<Self, ProofError> {
        let malformed = |what| ProofError::Malformed { what };
        if text.len() > PROOF_SIZE_MAX {
            return Err(malformed("proof larger than PROOF_SIZE_MAX bytes"));
        }
        let text = std::str::from_utf8(text).map_err(|_| malformed("not valid UTF-8"))?;
        let mut rest = text;
        let mut next_line = |what| -> Result<&str, ProofError> {
            let (line, after) = rest.split_once('\n').ok_or(malformed(what))?;
            rest = after;
            Ok(line)
        };

        if next_line("no header line")? != HEADER {
            return Err(malformed("first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = next_line("no index line")?;
        let extra = match line.strip_prefix(EXTRA_PREFIX) {
            Some(encoded) => {
                if encoded.len() > PROOF_EXTRA_SIZE_MAX.div_ceil(3) * 4 {
                    return Err(malformed("extra data larger than PROOF_EXTRA_SIZE_MAX"));
                }
                let extra = BASE64
                    .decode(encoded)
                    .map_err(|_| malformed("extra data is not canonical base64"))?;
                if extra.len() > PROOF_EXTRA_SIZE_MAX {
                    return Err(malformed("extra data larger than PROOF_EXTRA_SIZE_MAX"));
                }
                line = next_line("no index line")?;
                Some(extra)
            }
            None => None,
        };
        let index = line
            .strip_prefix(INDEX_PREFIX)
            .ok_or(malformed("no index line"))?;
        let index =
            parse_decimal(index).ok_or(malformed("index is not decimal without leading zeros"))?;

        let mut hashes = Vec::new();
        loop {
            let line = next_line("no blank line before the checkpoint")?;
            if line.is_empty() {
                break;
            }
            if hashes.len() == PROOF_HASHES_MAX {
                return Err(malformed("more than PROOF_HASHES_MAX hashes"));
            }
            hashes.push(
                Hash::from_base64(line).map_err(|_| malformed("hash is not base64 of 32 bytes"))?,
            );
        }

        let note = Note::parse(rest.as_bytes())
            .map_err(|_| malformed("checkpoint is not a signed note"))?;
        Checkpoint::parse(note.text())
            .map_err(|_| malformed("checkpoint note text is not a checkpoint"))?;
        Ok(Self {
            index,
            extra,
            hashes,
            checkpoint: rest.to_owned(),
        })
    }

    /// Verifies the proof for `leaf` (the leaf hash, see [`tree::leaf_hash`]): the checkpoint
    /// must be signed by `log` with origin equal to the log's key name (see
    /// [`Checkpoint::open`]), every cosignature present from a known witness must verify, and
    /// the inclusion proof must lead from `leaf` at `index` to the checkpoint's root hash.
    ///
    /// Returns the checkpoint and the names, without repeats and in the order of `witnesses`,
    /// of the witnesses whose cosignature verified. Whether they are enough is the caller's
    /// policy, as is any bound on cosignature age. The extra data is not looked at.
    ///
    /// # Errors
    /// [`ProofError::Checkpoint`] when the checkpoint is refused, [`ProofError::Cosignature`]
    /// when a known witness's cosignature does not verify, and [`ProofError::Mismatch`] when
    /// the inclusion proof does not verify (including an index not below the tree size).
    pub fn verify(
        &self,
        leaf: &Hash,
        log: &NoteVerifier,
        witnesses: &[CosignatureVerifier],
    ) -> Result<(Checkpoint, Vec<KeyName>), ProofError> {
        let note = Note::parse(self.checkpoint.as_bytes()).map_err(CheckpointError::from)?;
        let checkpoint = Checkpoint::from_note(&note, &Origin::from(log.name()), log)?;
        let mut cosigned: Vec<KeyName> = Vec::new();
        for witness in witnesses {
            match witness.verify(&note) {
                Ok(_) => {
                    if !cosigned.contains(witness.name()) {
                        cosigned.push(witness.name().clone());
                    }
                }
                Err(CosignatureError::Missing { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        tree::verify_inclusion(
            leaf,
            self.index,
            checkpoint.size,
            &self.hashes,
            &checkpoint.root,
        )
        .map_err(|source| ProofError::Mismatch { source })?;
        Ok((checkpoint, cosigned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::CosignatureSigner;
    use crate::note::NoteSigner;
    use crate::tree::{inclusion_proof, leaf_hash, MemoryTree};
    use ed25519_dalek::SigningKey;

    /// The header, extra and index lines and hashes of the spec's example (its checkpoint's
    /// signatures are elided there, so ours replaces it).
    const SPEC_HEAD: &str = "c2sp.org/tlog-proof@v1\n\
        extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n\
        index 73894\n\
        gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n\
        B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n\
        EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n\
        RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n\
        AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\
        \n";

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

    fn tree(size: u64) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for i in 0..size {
            tree.append(leaf_hash(format!("entry {i}").as_bytes()));
        }
        tree
    }

    /// A proof for `index` in a tree of `size`, cosigned by `witnesses`.
    fn proof(index: u64, size: u64, witnesses: &[&CosignatureSigner]) -> TlogProof {
        let tree = tree(size);
        let checkpoint = Checkpoint::new(Origin::from(log().name()), size, tree.root());
        let mut note = checkpoint.sign(&log()).unwrap();
        for w in witnesses {
            note.push_str(&w.cosign(&checkpoint, 1_700_000_000).unwrap());
        }
        TlogProof {
            index,
            extra: None,
            hashes: inclusion_proof(index, size, &tree).unwrap(),
            checkpoint: note,
        }
    }

    fn leaf(index: u64) -> Hash {
        leaf_hash(format!("entry {index}").as_bytes())
    }

    #[test]
    fn spec_example_layout_parses() {
        let checkpoint = proof(0, 1, &[]).checkpoint;
        let text = format!("{SPEC_HEAD}{checkpoint}");
        let parsed = TlogProof::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.index, 73894);
        assert_eq!(parsed.hashes.len(), 5);
        assert_eq!(
            parsed.hashes[0].to_base64(),
            "gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ="
        );
        let extra = parsed.extra.as_deref().unwrap();
        assert!(extra.starts_with(b"age-v1.2.1-darwin-arm64.tar.gz"));
        assert_eq!(parsed.to_text(), text);
        // Index 73894 is not in a tree of size 1.
        assert_eq!(
            parsed
                .verify(&leaf(0), &log().verifier(), &[])
                .unwrap_err()
                .code(),
            "proof-mismatch"
        );
    }

    #[test]
    fn round_trips_and_verifies_every_leaf() {
        let w1 = witness("witness.example/w1", 2);
        let w2 = witness("witness.example/w2", 3);
        for size in 1..=9 {
            for index in 0..size {
                let mut proof = proof(index, size, &[&w1]);
                if index % 2 == 1 {
                    proof.extra = Some(vec![index as u8; index as usize]);
                }
                let text = proof.to_text();
                let parsed = TlogProof::parse(text.as_bytes()).unwrap();
                assert_eq!(parsed, proof);
                let (checkpoint, cosigned) = parsed
                    .verify(
                        &leaf(index),
                        &log().verifier(),
                        &[w1.verifier(), w2.verifier(), w1.verifier()],
                    )
                    .unwrap();
                assert_eq!(checkpoint.size, size);
                assert_eq!(cosigned, vec![w1.name().clone()]);
                let wrong = parsed
                    .verify(&leaf(index + 1), &log().verifier(), &[])
                    .unwrap_err();
                assert_eq!(wrong.code(), "proof-mismatch");
            }
        }
    }

    #[test]
    fn every_single_byte_change_fails() {
        let w = witness("witness.example/w1", 2);
        let proof = proof(5, 11, &[&w]);
        let text = proof.to_text();
        let log = log().verifier();
        let witnesses = [w.verifier()];
        let check = |bytes: &[u8]| -> bool {
            TlogProof::parse(bytes)
                .and_then(|p| p.verify(&leaf(5), &log, &witnesses))
                .is_ok_and(|(_, cosigned)| cosigned.len() == 1)
        };
        let bytes = text.as_bytes();
        assert!(check(bytes));
        for i in 0..bytes.len() {
            for replacement in [bytes[i] ^ 0x01, b'\n'] {
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
            let mut removed = bytes.to_vec();
            removed.remove(i);
            assert!(!check(&removed), "removal at {i} accepted");
        }
    }

    #[test]
    fn extra_data_is_not_authenticated() {
        let mut proof = proof(2, 4, &[]);
        proof.extra = Some(b"context".to_vec());
        assert!(proof.verify(&leaf(2), &log().verifier(), &[]).is_ok());
        proof.extra = Some(b"changed".to_vec());
        assert!(proof.verify(&leaf(2), &log().verifier(), &[]).is_ok());
        proof.extra = Some(Vec::new());
        let text = proof.to_text();
        assert!(text.contains("\nextra \nindex 2\n"));
        assert_eq!(TlogProof::parse(text.as_bytes()).unwrap(), proof);
    }

    #[test]
    fn bad_signatures_refused() {
        let w = witness("witness.example/w1", 2);
        let good = proof(0, 3, &[&w]);
        // Another log key.
        let other = NoteSigner::new(
            KeyName::new("hocba.example/log").unwrap(),
            SigningKey::from_bytes(&[9; 32]),
        );
        let error = good.verify(&leaf(0), &other.verifier(), &[]).unwrap_err();
        assert_eq!(error.code(), "note-unverified");
        // A witness cosignature over another checkpoint.
        let mut forged = good.clone();
        let other_checkpoint = Checkpoint::new(Origin::from(log().name()), 99, Hash([0; 32]));
        let checkpoint = Checkpoint::new(Origin::from(log().name()), 3, tree(3).root());
        forged.checkpoint = format!(
            "{}{}",
            checkpoint.sign(&log()).unwrap(),
            w.cosign(&other_checkpoint, 1).unwrap()
        );
        let error = forged
            .verify(&leaf(0), &log().verifier(), &[w.verifier()])
            .unwrap_err();
        assert_eq!(error.code(), "signature-invalid");
        assert!(matches!(error, ProofError::Cosignature(_)));
        // Without that witness's key the bad line is ignored.
        assert!(forged.verify(&leaf(0), &log().verifier(), &[]).is_ok());
    }

    #[test]
    fn malformed_proofs_refused() {
        let good = proof(1, 3, &[]).to_text();
        let (head, checkpoint) = good.split_once("\n\n").unwrap();
        let hashes: Vec<&str> = head.lines().skip(2).collect();
        let hash_lines = hashes.join("\n");
        for bad in [
            String::new(),
            format!("c2sp.org/tlog-proof@v2\nindex 1\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex 01\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex +1\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex  1\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex 1\nextra AAAA\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nextra AA\nindex 1\n{hash_lines}\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex 1\n{hash_lines}\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex 1\n{hash_lines}\n\n"),
            format!("c2sp.org/tlog-proof@v1\nindex 1\n{hash_lines}\n\nnot a note\n"),
            format!("c2sp.org/tlog-proof@v1\nindex 1\n{hash_lines}\nAAAA\n\n{checkpoint}"),
            format!("c2sp.org/tlog-proof@v1\nindex 1\n{hash_lines}"),
            format!("c2sp.org/tlog-proof@v1\r\nindex 1\n{hash_lines}\n\n{checkpoint}"),
            // A signed note whose text is not a checkpoint.
            format!(
                "c2sp.org/tlog-proof@v1\nindex 1\n{hash_lines}\n\n{}",
                crate::note::sign("not a checkpoint\n", &[&log()]).unwrap()
            ),
        ] {
            let error = TlogProof::parse(bad.as_bytes()).unwrap_err();
            assert_eq!(error.code(), "proof-malformed", "{bad:?}");
        }
        assert!(TlogProof::parse(&[0xff]).is_err());
    }

    #[test]
    fn limits_enforced() {
        let base = proof(0, 1, &[]);
        // PROOF_HASHES_MAX hashes parse (verification then fails on the length).
        let mut many = base.clone();
        many.hashes = vec![Hash([1; 32]); PROOF_HASHES_MAX];
        let parsed = TlogProof::parse(many.to_text().as_bytes()).unwrap();
        assert_eq!(parsed.hashes.len(), PROOF_HASHES_MAX);
        assert_eq!(
            parsed
                .verify(&leaf(0), &log().verifier(), &[])
                .unwrap_err()
                .code(),
            "proof-mismatch"
        );
        many.hashes.push(Hash([1; 32]));
        assert_eq!(
            TlogProof::parse(many.to_text().as_bytes())
                .unwrap_err()
                .code(),
            "proof-malformed"
        );
        // Extra data.
        let mut extra = base.clone();
        extra.extra = Some(vec![7; PROOF_EXTRA_SIZE_MAX]);
        assert!(TlogProof::parse(extra.to_text().as_bytes()).is_ok());
        extra.extra = Some(vec![7; PROOF_EXTRA_SIZE_MAX + 1]);
        assert!(TlogProof::parse(extra.to_text().as_bytes()).is_err());
        // Whole size.
        let big = vec![b'a'; PROOF_SIZE_MAX + 1];
        assert_eq!(
            TlogProof::parse(&big).unwrap_err().code(),
            "proof-malformed"
        );
        // The largest well-formed proof fits in PROOF_SIZE_MAX.
        let mut largest = many.clone();
        largest.hashes.pop();
        largest.index = u64::MAX;
        largest.extra = Some(vec![7; PROOF_EXTRA_SIZE_MAX]);
        let text = largest.to_text();
        assert!(text.len() - largest.checkpoint.len() + NOTE_SIZE_MAX <= PROOF_SIZE_MAX);
        assert!(TlogProof::parse(text.as_bytes()).is_ok());
    }

    #[test]
    fn origin_must_be_log_key_name() {
        let tree = tree(2);
        let checkpoint =
            Checkpoint::new(Origin::new("hocba.example/other").unwrap(), 2, tree.root());
        let proof = TlogProof {
            index: 0,
            extra: None,
            hashes: inclusion_proof(0, 2, &tree).unwrap(),
            checkpoint: checkpoint.sign(&log()).unwrap(),
        };
        assert_eq!(
            proof
                .verify(&leaf(0), &log().verifier(), &[])
                .unwrap_err()
                .code(),
            "origin-mismatch"
        );
    }
}
