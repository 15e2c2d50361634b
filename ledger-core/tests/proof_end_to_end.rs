//! End to end through the public API: a log signs a checkpoint, witnesses cosign it, a proof of
//! inclusion is written as text, parsed and verified; random changes to it are caught.

use ed25519_dalek::SigningKey;
use ledger_core::checkpoint::{Checkpoint, Origin};
use ledger_core::cosignature::{CosignatureSigner, CosignatureVerifier};
use ledger_core::note::{self, KeyName, NoteSigner, NoteVerifier};
use ledger_core::proof::TlogProof;
use ledger_core::tree::{inclusion_proof, leaf_hash, Hash, MemoryTree};
use proptest::prelude::*;

fn entry(i: u64) -> Vec<u8> {
    format!("{{\"hoc_sinh\":{i}}}").into_bytes()
}

struct Setup {
    log: NoteSigner,
    witnesses: Vec<CosignatureSigner>,
}

impl Setup {
    fn new() -> Self {
        // Keys go through their text encodings, as a deployment would store them.
        let log = NoteSigner::new(
            KeyName::new("hocba.example/so-lieu").unwrap(),
            SigningKey::from_bytes(&[11; 32]),
        );
        let log = NoteSigner::parse(&log.signer_key()).unwrap();
        let witnesses = (0..3u8)
            .map(|i| {
                let w = CosignatureSigner::new(
                    KeyName::new(format!("witness{i}.example")).unwrap(),
                    SigningKey::from_bytes(&[20 + i; 32]),
                );
                CosignatureSigner::parse(&w.signer_key()).unwrap()
            })
            .collect();
        Self { log, witnesses }
    }

    fn log_verifier(&self) -> NoteVerifier {
        NoteVerifier::parse(&self.log.verifier_key()).unwrap()
    }

    fn witness_verifiers(&self) -> Vec<CosignatureVerifier> {
        self.witnesses
            .iter()
            .map(|w| CosignatureVerifier::parse(&w.verifier_key()).unwrap())
            .collect()
    }

    /// A proof for `index` in a tree of `size`, cosigned by the first `cosigners` witnesses.
    fn proof(&self, index: u64, size: u64, cosigners: usize, extra: Option<Vec<u8>>) -> TlogProof {
        let mut tree = MemoryTree::new();
        for i in 0..size {
            tree.append(leaf_hash(&entry(i)));
        }
        let checkpoint = Checkpoint::new(Origin::from(self.log.name()), size, tree.root());
        let mut signed = checkpoint.sign(&self.log).unwrap();
        // Each witness checks the log's signature before cosigning.
        let seen = Checkpoint::open(signed.as_bytes(), &self.log_verifier()).unwrap();
        for w in &self.witnesses[..cosigners] {
            signed.push_str(&w.cosign(&seen, 1_760_000_000).unwrap());
        }
        TlogProof {
            index,
            extra,
            hashes: inclusion_proof(index, size, &tree).unwrap(),
            checkpoint: signed,
        }
    }
}

#[test]
fn cosigned_proof_verifies_and_names_its_witnesses() {
    let setup = Setup::new();
    let proof = setup.proof(3, 10, 2, None);
    let text = proof.to_text();
    let parsed = TlogProof::parse(text.as_bytes()).unwrap();
    let (checkpoint, cosigned) = parsed
        .verify(
            &leaf_hash(&entry(3)),
            &setup.log_verifier(),
            &setup.witness_verifiers(),
        )
        .unwrap();
    assert_eq!(checkpoint.size, 10);
    let names: Vec<&str> = cosigned.iter().map(KeyName::as_str).collect();
    assert_eq!(names, ["witness0.example", "witness1.example"]);
    // The checkpoint note is an ordinary signed note: the log's key alone opens it.
    let opened = note::open(parsed.checkpoint.as_bytes(), &[setup.log_verifier()]).unwrap();
    assert_eq!(opened.text(), checkpoint.to_text());
    assert_eq!(opened.note().signatures().len(), 3);
}

#[test]
fn proof_for_another_entry_or_log_fails() {
    let setup = Setup::new();
    let proof = setup.proof(4, 6, 1, None);
    let error = proof
        .verify(&leaf_hash(&entry(5)), &setup.log_verifier(), &[])
        .unwrap_err();
    assert_eq!(error.code(), "proof-mismatch");
    let other_log = NoteSigner::new(
        KeyName::new("hocba.example/khac").unwrap(),
        SigningKey::from_bytes(&[12; 32]),
    );
    let error = proof
        .verify(&leaf_hash(&entry(4)), &other_log.verifier(), &[])
        .unwrap_err();
    assert_eq!(error.code(), "note-unverified");
    let error = proof
        .verify(&Hash([0; 32]), &setup.log_verifier(), &[])
        .unwrap_err();
    assert_eq!(error.code(), "proof-mismatch");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn proofs_round_trip_and_verify(
        (size, index) in (1u64..200).prop_flat_map(|size| (Just(size), 0..size)),
        cosigners in 0usize..=3,
        extra in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
    ) {
        let setup = Setup::new();
        let proof = setup.proof(index, size, cosigners, extra);
        let parsed = TlogProof::parse(proof.to_text().as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &proof);
        let (checkpoint, cosigned) = parsed
            .verify(&leaf_hash(&entry(index)), &setup.log_verifier(), &setup.witness_verifiers())
            .unwrap();
        prop_assert_eq!(checkpoint.size, size);
        prop_assert_eq!(cosigned.len(), cosigners);
    }

    #[test]
    fn changed_proofs_fail(
        (size, index) in (1u64..64).prop_flat_map(|size| (Just(size), 0..size)),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let setup = Setup::new();
        let proof = setup.proof(index, size, 1, None);
        let mut bytes = proof.to_text().into_bytes();
        let i = position.index(bytes.len());
        bytes[i] ^= flip;
        let witnesses = setup.witness_verifiers();
        let accepted = TlogProof::parse(&bytes)
            .and_then(|p| p.verify(&leaf_hash(&entry(index)), &setup.log_verifier(), &witnesses))
            .is_ok_and(|(_, cosigned)| cosigned.len() == 1);
        prop_assert!(!accepted, "change at {} by {:#04x} accepted", i, flip);
    }
}
