//! Properties of the Merkle tree: proofs from stored hashes equal the RFC 9162 definitions
//! computed straight from the leaves, verify, and stop verifying when anything is changed;
//! `CompactRange`, `MemoryTree` and `tree_hash` agree at every size.

use std::sync::OnceLock;

use ledger_core::tree::{
    consistency_proof, empty_root, inclusion_proof, leaf_hash, node_hash, tree_hash,
    verify_consistency, verify_inclusion, CompactRange, Hash, HashReader, MemoryTree,
};
use proptest::prelude::*;
use proptest::sample::Index;

/// Leaves in the shared tree; every tree size tested is at most this.
const LEAVES: u64 = 2048;

struct Fixture {
    leaves: Vec<Hash>,
    tree: MemoryTree,
}

/// One tree of [`LEAVES`] leaves: stored hashes never change as a tree grows, so every smaller
/// tree is read from it with `tree_hash(size, ..)` and proofs at `size`.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let leaves: Vec<Hash> = (0..LEAVES)
            .map(|i| leaf_hash(format!("hồ sơ {i}").as_bytes()))
            .collect();
        let mut tree = MemoryTree::new();
        for leaf in &leaves {
            tree.append(*leaf);
        }
        Fixture { leaves, tree }
    })
}

// The reference: RFC 9162 §2.1 written as its recursive definitions, over the leaf hashes.

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]) with the leaf hashes given.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// Which side of the running hash a proof hash goes on: `true` when it is the left operand.
type Shape = Vec<bool>;

/// PATH(m, D[n]) with, for each hash, whether it is a left sibling.
fn path(m: usize, leaves: &[Hash]) -> Vec<(Hash, bool)> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut proof = path(m, &leaves[..k]);
        proof.push((mth(&leaves[k..]), false));
        proof
    } else {
        let mut proof = path(m - k, &leaves[k..]);
        proof.push((mth(&leaves[..k]), true));
        proof
    }
}

/// SUBPROOF(m, D[n], b) with, for each hash, whether it is a left sibling (it then enters both
/// the old and the new root). The seed (the old tree's last perfect subtree) counts as left.
fn subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<(Hash, bool)> {
    let n = leaves.len();
    if m == n {
        return if whole {
            Vec::new()
        } else {
            vec![(mth(leaves), true)]
        };
    }
    let k = split(n);
    if m <= k {
        let mut proof = subproof(m, &leaves[..k], whole);
        proof.push((mth(&leaves[k..]), false));
        proof
    } else {
        let mut proof = subproof(m - k, &leaves[k..], false);
        proof.push((mth(&leaves[..k]), true));
        proof
    }
}

fn inclusion_shape(index: u64, size: u64) -> Option<Shape> {
    let leaves = &fixture().leaves;
    (index < size && size <= LEAVES).then(|| {
        path(index as usize, &leaves[..size as usize])
            .into_iter()
            .map(|(_, left)| left)
            .collect()
    })
}

fn consistency_shape(old_size: u64, new_size: u64) -> Option<Shape> {
    let leaves = &fixture().leaves;
    (0 < old_size && old_size < new_size && new_size <= LEAVES).then(|| {
        subproof(old_size as usize, &leaves[..new_size as usize], true)
            .into_iter()
            .map(|(_, left)| left)
            .collect()
    })
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut flipped = *hash;
    flipped.0[bit / 8] ^= 1 << (bit % 8);
    flipped
}

fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1..=LEAVES).prop_flat_map(|size| (Just(size), 0..size))
}

fn sizes() -> impl Strategy<Value = (u64, u64)> {
    (0..=LEAVES).prop_flat_map(|new_size| (0..=new_size, Just(new_size)))
}

proptest! {
    #[test]
    fn inclusion_proofs_are_rfc_paths_and_verify((size, index) in size_and_index()) {
        let Fixture { leaves, tree } = fixture();
        let proof = inclusion_proof(index, size, tree).unwrap();
        let reference: Vec<Hash> = path(index as usize, &leaves[..size as usize])
            .into_iter()
            .map(|(hash, _)| hash)
            .collect();
        prop_assert_eq!(&proof, &reference);
        let root = tree_hash(size, tree).unwrap();
        prop_assert_eq!(root, mth(&leaves[..size as usize]));
        prop_assert_eq!(
            verify_inclusion(&leaves[index as usize], index, size, &proof, &root),
            Ok(())
        );
    }

    #[test]
    fn changed_inclusion_inputs_fail(
        (size, index) in size_and_index(),
        position in any::<Index>(),
        bit in 0..256usize,
        other_index in 0..LEAVES + 2,
        other_size in 0..LEAVES + 2,
    ) {
        let Fixture { leaves, tree } = fixture();
        let proof = inclusion_proof(index, size, tree).unwrap();
        let root = tree_hash(size, tree).unwrap();
        let leaf = leaves[index as usize];

        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = position.index(bad.len());
            bad[at] = flip(&bad[at], bit);
            prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            prop_assert!(verify_inclusion(&leaf, index, size, &proof[1..], &root).is_err());
        }
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
        prop_assert!(verify_inclusion(&flip(&leaf, bit), index, size, &proof, &root).is_err());
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &flip(&root, bit)).is_err());

        // Another index or size gives the same result only when the verifier performs exactly
        // the same hashing, i.e. the proof has the same shape; otherwise it must fail.
        let shape = inclusion_shape(index, size);
        if other_index != index {
            let same = inclusion_shape(other_index, size) == shape;
            let result = verify_inclusion(&leaf, other_index, size, &proof, &root);
            prop_assert_eq!(result.is_ok(), same, "index {} -> {}", index, other_index);
        }
        if other_size != size {
            let same = inclusion_shape(index, other_size) == shape;
            let result = verify_inclusion(&leaf, index, other_size, &proof, &root);
            prop_assert_eq!(result.is_ok(), same, "size {} -> {}", size, other_size);
        }
    }

    #[test]
    fn consistency_proofs_are_rfc_subproofs_and_verify((old_size, new_size) in sizes()) {
        let Fixture { leaves, tree } = fixture();
        let proof = consistency_proof(old_size, new_size, tree).unwrap();
        let reference: Vec<Hash> = if old_size == 0 || old_size == new_size {
            Vec::new()
        } else {
            subproof(old_size as usize, &leaves[..new_size as usize], true)
                .into_iter()
                .map(|(hash, _)| hash)
                .collect()
        };
        prop_assert_eq!(&proof, &reference);
        let old_root = tree_hash(old_size, tree).unwrap();
        let new_root = tree_hash(new_size, tree).unwrap();
        prop_assert_eq!(
            verify_consistency(old_size, new_size, &proof, &old_root, &new_root),
            Ok(())
        );
    }

    #[test]
    fn changed_consistency_inputs_fail(
        (old_size, new_size) in sizes(),
        position in any::<Index>(),
        bit in 0..256usize,
        other_old in 0..LEAVES + 2,
        other_new in 0..LEAVES + 2,
    ) {
        let tree = &fixture().tree;
        let proof = consistency_proof(old_size, new_size, tree).unwrap();
        let old_root = tree_hash(old_size, tree).unwrap();
        let new_root = tree_hash(new_size, tree).unwrap();

        if !proof.is_empty() {
            let mut bad = proof.clone();
            let at = position.index(bad.len());
            bad[at] = flip(&bad[at], bit);
            prop_assert!(verify_consistency(old_size, new_size, &bad, &old_root, &new_root).is_err());
            prop_assert!(
                verify_consistency(old_size, new_size, &proof[1..], &old_root, &new_root).is_err()
            );
        }
        let mut longer = proof.clone();
        longer.push(new_root);
        prop_assert!(verify_consistency(old_size, new_size, &longer, &old_root, &new_root).is_err());
        let bad_old = flip(&old_root, bit);
        let bad_new = flip(&new_root, bit);
        prop_assert!(verify_consistency(old_size, new_size, &proof, &bad_old, &new_root).is_err());
        if old_size != 0 {
            // From size 0 the new root is not constrained: every tree extends the empty tree.
            prop_assert!(
                verify_consistency(old_size, new_size, &proof, &old_root, &bad_new).is_err()
            );
        }

        // Other sizes: accepted exactly when the verifier performs the same hashing.
        if let Some(shape) = consistency_shape(old_size, new_size) {
            for (old, new) in [(other_old, new_size), (old_size, other_new), (other_old, other_new)] {
                if (old, new) == (old_size, new_size) {
                    continue;
                }
                let result = verify_consistency(old, new, &proof, &old_root, &new_root);
                let same = consistency_shape(old, new).as_ref() == Some(&shape)
                    && old.is_power_of_two() == old_size.is_power_of_two();
                prop_assert_eq!(result.is_ok(), same, "({}, {}) -> ({}, {})", old_size, new_size, old, new);
            }
        }
    }
}

#[test]
fn compact_range_memory_tree_and_tree_hash_agree_at_every_size() {
    let Fixture { leaves, tree: full } = fixture();
    let mut tree = MemoryTree::new();
    let mut range = CompactRange::new();
    let mut emitted = Vec::new();
    assert_eq!(range.root(), empty_root());
    assert_eq!(tree.root(), empty_root());
    assert_eq!(tree_hash(0, full), Ok(empty_root()));
    for (i, leaf) in leaves.iter().enumerate() {
        let size = i as u64 + 1;
        tree.append(*leaf);
        let before = emitted.len();
        range.append(*leaf, &mut emitted);
        // The leaf, then one parent per trailing set bit of the old size.
        assert_eq!(
            emitted.len() - before,
            1 + (i as u64).trailing_ones() as usize
        );
        assert_eq!((range.size(), tree.size()), (size, size));
        let root = tree.root();
        assert_eq!(range.root(), root, "size {size}");
        assert_eq!(tree_hash(size, full), Ok(root), "size {size}");
        assert_eq!(
            CompactRange::from_reader(size, full).as_ref(),
            Ok(&range),
            "size {size}"
        );
    }
    assert_eq!(full.root(), mth(leaves));
    // Every stored hash is emitted exactly once, with the value the memory tree stores.
    let mut seen = std::collections::HashSet::new();
    for stored in &emitted {
        assert!(seen.insert((stored.level, stored.index)));
        assert_eq!(full.read_hash(stored.level, stored.index), Ok(stored.hash));
    }
    let total: u64 = (0..=11).map(|level| LEAVES >> level).sum();
    assert_eq!(emitted.len() as u64, total);
    assert!(full.read_hash(12, 0).is_err());
    assert!(full.read_hash(0, LEAVES).is_err());
}
