//! Runs the proof verifiers over the RFC 6962 vectors of `transparency-dev/merkle` (see the
//! README next to them): every file must get its `wantErr` answer.
//!
//! A hash that does not decode as standard base64 of exactly 32 bytes (the "garbage" cases,
//! empty strings) cannot reach the typed verifiers, and counts as an error.

use std::path::{Path, PathBuf};

use ledger_core::tree::{verify_consistency, verify_inclusion, Hash};
use serde::Deserialize;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/vectors/rfc6962-proofs"
);

/// Files whose `wantErr` answer this crate does not give, with the reason.
///
/// The reference verifier compares roots as opaque byte strings, so for equal sizes it accepts
/// two equal 12-byte "roots". A root here is a 32-byte SHA-256 hash; anything else is refused
/// when decoded, before verification.
const DIVERGENT: &[&str] = &["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Inclusion {
    #[serde(rename = "leafIdx")]
    leaf_index: u64,
    #[serde(rename = "treeSize")]
    tree_size: u64,
    root: String,
    #[serde(rename = "leafHash")]
    leaf_hash: String,
    proof: Option<Vec<String>>,
    #[allow(dead_code)]
    desc: String,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    #[allow(dead_code)]
    desc: String,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

/// Why a case was refused: while decoding its hashes, or by the verifier.
#[derive(Debug, PartialEq)]
enum Refusal {
    Decoding,
    Verification,
}

fn decode_proof(proof: Option<&Vec<String>>) -> Result<Vec<Hash>, Refusal> {
    proof
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|text| Hash::from_base64(text).map_err(|_| Refusal::Decoding))
        .collect()
}

fn decode(text: &str) -> Result<Hash, Refusal> {
    Hash::from_base64(text).map_err(|_| Refusal::Decoding)
}

fn check_inclusion(case: &Inclusion) -> Result<(), Refusal> {
    let leaf = decode(&case.leaf_hash)?;
    let root = decode(&case.root)?;
    let proof = decode_proof(case.proof.as_ref())?;
    verify_inclusion(&leaf, case.leaf_index, case.tree_size, &proof, &root)
        .map_err(|_| Refusal::Verification)
}

fn check_consistency(case: &Consistency) -> Result<(), Refusal> {
    let root1 = decode(&case.root1)?;
    let root2 = decode(&case.root2)?;
    let proof = decode_proof(case.proof.as_ref())?;
    verify_consistency(case.size1, case.size2, &proof, &root1, &root2)
        .map_err(|_| Refusal::Verification)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_vector_gets_its_answer() {
    let root = Path::new(VECTORS);
    let mut files = Vec::new();
    json_files(&root.join("inclusion"), &mut files);
    let inclusion_files = files.len();
    json_files(&root.join("consistency"), &mut files);
    files.sort();

    let mut failures = Vec::new();
    let mut divergent_seen = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for path in &files {
        let name = path
            .strip_prefix(root)
            .expect("under the vector directory")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("readable vector");
        let (outcome, want_err) = if name.starts_with("inclusion/") {
            let case: Inclusion =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (check_inclusion(&case), case.want_err)
        } else {
            let case: Consistency =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (check_consistency(&case), case.want_err)
        };
        if outcome.is_ok() {
            accepted += 1;
        } else {
            refused += 1;
        }
        if DIVERGENT.contains(&name.as_str()) {
            // Still pinned down: refused, and refused for its malformed roots alone.
            assert!(!want_err, "{name}");
            assert_eq!(outcome, Err(Refusal::Decoding), "{name}");
            divergent_seen.push(name);
            continue;
        }
        if outcome.is_err() != want_err {
            failures.push(format!("{name}: wantErr {want_err}, got {outcome:?}"));
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        divergent_seen, DIVERGENT,
        "the divergent files are all present"
    );
    assert!(files.len() > 150, "only {} vector files found", files.len());
    assert!(inclusion_files > 50 && files.len() - inclusion_files > 50);
    // Both answers occur, so neither an always-accepting nor an always-refusing verifier passes.
    assert!(
        accepted >= 10 && refused >= 100,
        "{accepted} accepted, {refused} refused"
    );
}
