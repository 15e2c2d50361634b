//! The Merkle tree of [RFC 9162] (which keeps the tree of RFC 6962) over records, with SHA-256.
//!
//! - A leaf hash is `SHA-256(0x00 ‖ entry)`, an interior node hash `SHA-256(0x01 ‖ left ‖ right)`,
//!   and the root of the empty tree `SHA-256("")` ([RFC 9162 §2.1.1]).
//! - A *stored hash* `(level, index)` is the hash of the perfect subtree over the leaves
//!   `[index·2^level, (index+1)·2^level)`; level 0 holds the leaf hashes. These are the only
//!   hashes that never change as the tree grows, so they are what the node writes down (and what
//!   C2SP tiles publish). Every other hash, such as the root of a tree whose size is not a power
//!   of two, is folded from at most 64 of them, so tree hashes and proofs cost `O(log n)` reads
//!   through a [`HashReader`].
//! - Proofs are generated as [RFC 9162 §2.1.3.1] and [§2.1.4.1] define them and verified with
//!   the algorithms of [§2.1.3.2] and [§2.1.4.2].
//! - [`CompactRange`] is the right edge of the tree: enough to append and to compute the root,
//!   and it reports each stored hash as the append completes it.
//!
//! ```
//! use ledger_core::tree::{leaf_hash, MemoryTree};
//!
//! // The first three entries of the test tree used by RFC 6962 implementations.
//! let mut tree = MemoryTree::new();
//! for entry in [&b""[..], &[0x00], &[0x10]] {
//!     tree.append(leaf_hash(entry));
//! }
//! assert_eq!(
//!     format!("{:?}", tree.root()),
//!     "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"
//! );
//! ```
//!
//! [RFC 9162]: https://www.rfc-editor.org/rfc/rfc9162.html
//! [RFC 9162 §2.1.1]: https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1.1
//! [RFC 9162 §2.1.3.1]: https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1.3.1
//! [§2.1.4.1]: https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1.4.1
//! [§2.1.3.2]: https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1.3.2
//! [§2.1.4.2]: https://www.rfc-editor.org/rfc/rfc9162.html#section-2.1.4.2

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::limits::PROOF_HASHES_MAX;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Length of a hash in standard padded base64: 32 bytes are 43 characters and one `=`.
const HASH_BASE64_LEN: usize = 44;

impl Hash {
    /// Size of a hash in bytes.
    pub const SIZE: usize = 32;

    /// The hash from exactly 32 bytes.
    ///
    /// # Errors
    /// [`Error::MalformedHash`] when `bytes` is not 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::MalformedHash("not 32 bytes"))?;
        Ok(Self(array))
    }

    /// The hash in standard base64 with padding, as checkpoints and proofs carry it.
    #[must_use]
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses a hash from standard padded base64 (44 characters).
    ///
    /// # Errors
    /// [`Error::MalformedHash`] when `text` is not canonical standard padded base64 of exactly 32
    /// bytes.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        // Checked first so that hostile input of any length costs nothing to refuse.
        if text.len() != HASH_BASE64_LEN {
            return Err(Error::MalformedHash("not 44 characters of base64"));
        }
        let mut bytes = [0u8; 32];
        let written = BASE64
            .decode_slice(text, &mut bytes)
            .map_err(|_| Error::MalformedHash("not canonical standard padded base64"))?;
        if written != Self::SIZE {
            return Err(Error::MalformedHash("not 32 bytes"));
        }
        Ok(Self(bytes))
    }

    /// The 32 bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for Hash {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Why a tree hash or a proof could not be computed or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A leaf index is not below the tree size: no proof of inclusion exists.
    #[error("leaf index {index} is not in a tree of size {size} (chỉ số lá ngoài phạm vi)")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The old tree size of a consistency proof is larger than the new one.
    #[error(
        "old tree size {old_size} is larger than new tree size {new_size} (kích thước cây không hợp lệ)"
    )]
    SizeOutOfRange {
        /// The old (smaller) tree size asked for.
        old_size: u64,
        /// The new tree size.
        new_size: u64,
    },
    /// A proof has more or fewer hashes than the tree sizes and leaf index call for.
    #[error("the proof has {len} hashes, {expected} expected (bằng chứng sai số lượng băm)")]
    ProofLength {
        /// Hashes in the proof.
        len: usize,
        /// Hashes a proof for these sizes and index has.
        expected: usize,
    },
    /// A proof has more than [`PROOF_HASHES_MAX`] hashes; it is refused before any hashing.
    #[error("the proof has {len} hashes, more than {PROOF_HASHES_MAX} (bằng chứng quá dài)")]
    ProofTooLong {
        /// Hashes in the proof.
        len: usize,
    },
    /// The proof is well formed but the hashes it leads to are not the given root(s).
    #[error("the proof does not match the tree root (bằng chứng không khớp với gốc cây)")]
    RootMismatch,
    /// The reader does not hold the stored hash `(level, index)`, usually because the tree it
    /// stores is smaller than the size asked for.
    #[error("stored hash at level {level}, index {index} is unavailable (không có băm)")]
    HashUnavailable {
        /// Level of the missing hash (0 = leaf hashes).
        level: u8,
        /// Index of the missing hash within its level.
        index: u64,
    },
    /// A hash is not 32 bytes or its base64 is malformed.
    #[error("malformed hash: {0} (băm không hợp lệ)")]
    MalformedHash(&'static str),
    /// The [`HashReader`] failed for a reason of its own, such as an I/O error.
    #[error("reading a stored hash failed: {0}")]
    Read(String),
}

/// The leaf hash of an entry: `SHA-256(0x00 ‖ entry)`.
#[must_use]
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    Hash(hasher.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left.0);
    hasher.update(right.0);
    Hash(hasher.finalize().into())
}

/// The root of the empty tree: `SHA-256("")`.
#[must_use]
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// Read access to stored hashes.
///
/// `read_hash(level, index)` returns the hash of the perfect subtree over the leaves
/// `[index·2^level, (index+1)·2^level)`. Implementations return [`Error::HashUnavailable`] for a
/// hash they do not hold and [`Error::Read`] for failures of their own.
pub trait HashReader {
    /// The stored hash at `(level, index)`.
    ///
    /// # Errors
    /// [`Error::HashUnavailable`] when the hash is not stored; [`Error::Read`] when reading fails.
    fn read_hash(&self, level: u8, index: u64) -> Result<Hash, Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hash(&self, level: u8, index: u64) -> Result<Hash, Error> {
        (**self).read_hash(level, index)
    }
}

/// The largest power of two strictly below `n`, the split point `k` of RFC 9162 §2.1.1.
/// `n` must be at least 2.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The Merkle tree hash `MTH(D[lo:hi])` of a subtree that RFC 9162's recursion reaches: `lo` is
/// a multiple of a power of two at least `hi - lo`.
///
/// Such a range splits into perfect subtrees, one per set bit of `hi - lo`, largest first, each
/// aligned to its own size, so each is a stored hash. MTH splits at the largest power of two
/// below the size, which is the first of those subtrees; folding them from the right gives the
/// same hash with one read per subtree.
fn subtree_hash<R: HashReader + ?Sized>(lo: u64, hi: u64, reader: &R) -> Result<Hash, Error> {
    debug_assert!(lo < hi);
    let width = hi - lo;
    let mut end = hi;
    let mut folded: Option<Hash> = None;
    for level in 0..64u8 {
        if (width >> level) & 1 == 0 {
            continue;
        }
        let start = end - (1 << level);
        let hash = reader.read_hash(level, start >> level)?;
        folded = Some(match folded {
            None => hash,
            Some(right) => node_hash(&hash, &right),
        });
        end = start;
    }
    // `width` is non-zero, so at least one subtree was read.
    Ok(folded.unwrap_or_else(empty_root))
}

/// The root of the tree of the first `size` leaves held by `reader`.
///
/// Reads one stored hash per set bit of `size`.
///
/// # Errors
/// [`Error::HashUnavailable`] or [`Error::Read`] from the reader, e.g. when it holds fewer than
/// `size` leaves.
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Hash, Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    subtree_hash(0, size, reader)
}

/// The inclusion proof (audit path) of the leaf at `index` in the tree of size `size`, as
/// RFC 9162 §2.1.3.1 defines it: sibling hashes from the leaf up to the root.
///
/// At most 64 hashes, read with at most 128 reads.
///
/// # Errors
/// [`Error::IndexOutOfRange`] when `index >= size`; [`Error::HashUnavailable`] or
/// [`Error::Read`] from the reader.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    // RFC 9162's PATH recursion, walked from the root down; the path is listed leaf first.
    // Only a sibling that ends at `size` can be an imperfect subtree, and once the walk turns
    // left it never meets the right edge again, so at most one sibling costs more than a read.
    let mut proof = Vec::with_capacity(64);
    let (mut lo, mut hi) = (0, size);
    while hi - lo > 1 {
        let mid = lo + split_point(hi - lo);
        if index < mid {
            proof.push(subtree_hash(mid, hi, reader)?);
            hi = mid;
        } else {
            proof.push(subtree_hash(lo, mid, reader)?);
            lo = mid;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof between the trees of sizes `old_size` and `new_size`, as RFC 9162
/// §2.1.4.1 defines it. It is empty when `old_size` is 0 or equals `new_size`: those trees are
/// consistent without proof.
///
/// # Errors
/// [`Error::SizeOutOfRange`] when `old_size > new_size`; [`Error::HashUnavailable`] or
/// [`Error::Read`] from the reader.
pub fn consistency_proof<R: HashReader + ?Sized>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<Vec<Hash>, Error> {
    if old_size > new_size {
        return Err(Error::SizeOutOfRange { old_size, new_size });
    }
    let mut proof = Vec::with_capacity(64);
    if old_size == 0 || old_size == new_size {
        return Ok(proof);
    }
    // RFC 9162's SUBPROOF recursion, walked from the root down. `whole_old_tree` is its flag
    // `b`: while it holds, the old tree is a prefix the verifier already knows the hash of.
    let (mut lo, mut hi) = (0, new_size);
    let mut whole_old_tree = true;
    while old_size != hi {
        let mid = lo + split_point(hi - lo);
        if old_size <= mid {
            proof.push(subtree_hash(mid, hi, reader)?);
            hi = mid;
        } else {
            proof.push(subtree_hash(lo, mid, reader)?);
            lo = mid;
            whole_old_tree = false;
        }
    }
    if !whole_old_tree {
        proof.push(subtree_hash(lo, hi, reader)?);
    }
    proof.reverse();
    Ok(proof)
}

/// `bits::len(x)`: the number of bits needed to write `x`.
fn bit_length(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// The number of hashes in the inclusion proof of `index` in a tree of `size` (`index < size`).
///
/// Below the level where the leaf's path leaves the tree's right edge every node has a sibling
/// (`inner` levels); above it the path follows the right edge and has a sibling exactly where
/// the index has a set bit.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = bit_length(index ^ (size - 1));
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// The number of hashes in the consistency proof between `0 < old_size < new_size`.
///
/// The largest perfect subtree ending at `old_size` (level `trailing_zeros(old_size)`) is the
/// proof's first hash, unless it is the whole old tree, whose root the verifier has; the rest
/// is that subtree's inclusion path in the new tree.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    let level = old_size.trailing_zeros();
    let index = (old_size - 1) >> level;
    let last = (new_size - 1) >> level;
    let seed = usize::from(!old_size.is_power_of_two());
    seed + inclusion_proof_len(index, last + 1)
}

fn check_proof_limit(proof: &[Hash]) -> Result<(), Error> {
    if proof.len() > PROOF_HASHES_MAX {
        return Err(Error::ProofTooLong { len: proof.len() });
    }
    Ok(())
}

/// Verifies that `leaf` is the leaf hash at `index` in the tree of size `size` with root `root`,
/// by RFC 9162 §2.1.3.2.
///
/// # Errors
/// [`Error::ProofTooLong`] for more than [`PROOF_HASHES_MAX`] hashes;
/// [`Error::IndexOutOfRange`] when `index >= size`; [`Error::ProofLength`] when the proof does
/// not have the number of hashes this index and size call for; [`Error::RootMismatch`] when the
/// proof does not lead to `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), Error> {
    check_proof_limit(proof)?;
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(Error::ProofLength {
            len: proof.len(),
            expected,
        });
    }
    // Steps 2 to 5 of §2.1.3.2. The length check above makes the loop's own length checks
    // unreachable; they stay because they are the RFC's and cost nothing.
    let length_error = Error::ProofLength {
        len: proof.len(),
        expected,
    };
    let mut f_n = index;
    let mut s_n = size - 1;
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(length_error);
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(length_error);
    }
    if r != *root {
        return Err(Error::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of size `new_size` with root `new_root` extends the tree of size
/// `old_size` with root `old_root`, by RFC 9162 §2.1.4.2.
///
/// The RFC defines the algorithm for `0 < old_size < new_size`. For the other cases:
/// equal sizes need an empty proof and equal roots; an old size of 0 needs an empty proof and
/// `old_root` equal to [`empty_root`] (every tree extends the empty tree).
///
/// # Errors
/// [`Error::ProofTooLong`] for more than [`PROOF_HASHES_MAX`] hashes;
/// [`Error::SizeOutOfRange`] when `old_size > new_size`; [`Error::ProofLength`] when the proof
/// does not have the number of hashes these sizes call for; [`Error::RootMismatch`] when the
/// proof does not lead to both roots.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), Error> {
    check_proof_limit(proof)?;
    if old_size > new_size {
        return Err(Error::SizeOutOfRange { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(Error::ProofLength {
                len: proof.len(),
                expected: 0,
            });
        }
        if old_size == 0 && *old_root != empty_root() {
            return Err(Error::RootMismatch);
        }
        if old_size == new_size && old_root != new_root {
            return Err(Error::RootMismatch);
        }
        return Ok(());
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(Error::ProofLength {
            len: proof.len(),
            expected,
        });
    }
    let length_error = Error::ProofLength {
        len: proof.len(),
        expected,
    };
    // Steps 1 and 2: a non-empty path (guaranteed by the length check, since old_size <
    // new_size), with `old_root` in front when the old tree is a perfect subtree.
    let (seed, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(length_error),
        }
    };
    // Steps 3 to 7.
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut f_r = seed;
    let mut s_r = seed;
    for c in rest {
        if s_n == 0 {
            return Err(length_error);
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(length_error);
    }
    if f_r != *old_root || s_r != *new_root {
        return Err(Error::RootMismatch);
    }
    Ok(())
}

/// A stored hash, named by its place in the tree: see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoredHash {
    /// Height of the perfect subtree (0 = a leaf hash).
    pub level: u8,
    /// Index of the subtree within its level.
    pub index: u64,
    /// The subtree's hash.
    pub hash: Hash,
}

/// The right edge of a tree: its size and the roots of the perfect subtrees it splits into,
/// largest (leftmost) first, one per set bit of the size.
///
/// Enough to append leaves and compute the root without reading anything else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    hashes: Vec<Hash>,
}

impl CompactRange {
    /// The range of the empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree size: number of leaves appended.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the perfect subtrees, largest (leftmost) first.
    #[must_use]
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a leaf hash. Pushes onto `out` every stored hash the append completes, lowest
    /// level first: the leaf itself at level 0, then each parent it completes.
    ///
    /// # Panics
    /// If the tree already holds `u64::MAX` leaves.
    pub fn append(&mut self, leaf: Hash, out: &mut Vec<StoredHash>) {
        let index = self.size;
        self.size = index
            .checked_add(1)
            .expect("a tree holds fewer than 2^64 leaves");
        out.push(StoredHash {
            level: 0,
            index,
            hash: leaf,
        });
        // Each trailing set bit of the old size is a perfect subtree of the same height just
        // left of the new one: merging them completes the parent. `index` is below u64::MAX, so
        // it has a zero bit and the loop stops before level 64.
        let mut hash = leaf;
        let mut level = 0u8;
        while (index >> level) & 1 == 1 {
            let left = self.hashes.pop().expect("one hash per set bit of the size");
            hash = node_hash(&left, &hash);
            level += 1;
            out.push(StoredHash {
                level,
                index: index >> level,
                hash,
            });
        }
        self.hashes.push(hash);
    }

    /// The root of the tree: [`empty_root`] for size 0.
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut hashes = self.hashes.iter().rev();
        let Some(last) = hashes.next() else {
            return empty_root();
        };
        hashes.fold(*last, |right, left| node_hash(left, &right))
    }

    /// Restores the range of the tree of `size` leaves from stored hashes, with one read per set
    /// bit of `size`.
    ///
    /// # Errors
    /// [`Error::HashUnavailable`] or [`Error::Read`] from the reader.
    pub fn from_reader<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Self, Error> {
        let mut hashes = Vec::with_capacity(size.count_ones() as usize);
        let mut start = 0u64;
        for level in (0..64u8).rev() {
            if (size >> level) & 1 == 1 {
                hashes.push(reader.read_hash(level, start >> level)?);
                start += 1 << level;
            }
        }
        Ok(Self { size, hashes })
    }
}

/// A whole tree in memory: every stored hash, one `Vec` per level.
///
/// For tests and for tools that recompute a tree from its entries; the node keeps its stored
/// hashes on disk instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// The empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree size: number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends a leaf hash and every stored hash it completes.
    pub fn append(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let hashes = &mut self.levels[level];
            hashes.push(hash);
            // An even count means the new hash completed a pair: its parent is now stored too.
            if hashes.len() % 2 == 1 {
                break;
            }
            hash = node_hash(&hashes[hashes.len() - 2], &hash);
            level += 1;
        }
    }

    /// The root of the whole tree: [`empty_root`] for size 0.
    #[must_use]
    pub fn root(&self) -> Hash {
        tree_hash(self.size(), self).expect("a memory tree holds every stored hash of its size")
    }
}

impl HashReader for MemoryTree {
    fn read_hash(&self, level: u8, index: u64) -> Result<Hash, Error> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels.get(usize::from(level))?.get(i))
            .copied()
            .ok_or(Error::HashUnavailable { level, index })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// The eight entries of the test tree shared by RFC 6962 implementations.
    const ENTRIES: [&[u8]; 8] = [
        b"",
        &[0x00],
        &[0x10],
        &[0x20, 0x21],
        &[0x30, 0x31],
        &[0x40, 0x41, 0x42, 0x43],
        &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        &[
            0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
            0x6e, 0x6f,
        ],
    ];

    /// Roots of the trees of the first 1 to 8 of [`ENTRIES`].
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn test_tree() -> MemoryTree {
        let mut tree = MemoryTree::new();
        for entry in ENTRIES {
            tree.append(leaf_hash(entry));
        }
        tree
    }

    #[test]
    fn golden_hashes() {
        assert_eq!(
            format!("{:?}", empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let tree = test_tree();
        for (size, root) in (1..=8).zip(ROOTS) {
            assert_eq!(format!("{:?}", tree_hash(size, &tree).unwrap()), root);
        }
        assert_eq!(format!("{:?}", tree.root()), ROOTS[7]);
    }

    #[test]
    fn base64_round_trip_and_refusals() {
        let hash = leaf_hash(b"");
        assert_eq!(
            hash.to_base64(),
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0="
        );
        assert_eq!(Hash::from_base64(&hash.to_base64()), Ok(hash));
        for bad in [
            "",
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0",
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0==",
            "bjQLnP-zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
            // Non-zero trailing bits: not the canonical encoding of any 32 bytes.
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB1=",
            "ZG9uJ3QgY2FyZSAy",
        ] {
            assert!(
                matches!(Hash::from_base64(bad), Err(Error::MalformedHash(_))),
                "{bad}"
            );
        }
        assert_eq!(Hash::from_slice(&[7; 32]), Ok(Hash([7; 32])));
        assert!(Hash::from_slice(&[7; 31]).is_err());
    }

    #[test]
    fn inclusion_proof_of_the_test_tree() {
        let tree = test_tree();
        let proof = inclusion_proof(0, 8, &tree).unwrap();
        // Sibling leaf, then the hash of leaves 2..4, then of leaves 4..8.
        assert_eq!(
            proof,
            vec![
                tree.read_hash(0, 1).unwrap(),
                tree.read_hash(1, 1).unwrap(),
                tree.read_hash(2, 1).unwrap(),
            ]
        );
        let root = tree.root();
        for size in 1..=8 {
            let root = tree_hash(size, &tree).unwrap();
            for index in 0..size {
                let leaf = tree.read_hash(0, index).unwrap();
                let proof = inclusion_proof(index, size, &tree).unwrap();
                assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
            }
        }
        assert_eq!(
            inclusion_proof(8, 8, &tree),
            Err(Error::IndexOutOfRange { index: 8, size: 8 })
        );
        assert_eq!(
            inclusion_proof(3, 9, &tree),
            Err(Error::HashUnavailable { level: 0, index: 8 })
        );
        let leaf = tree.read_hash(0, 0).unwrap();
        assert_eq!(
            verify_inclusion(&leaf, 0, 8, &proof[..2], &root),
            Err(Error::ProofLength {
                len: 2,
                expected: 3
            })
        );
        assert_eq!(
            verify_inclusion(&leaf, 1, 8, &proof, &root),
            Err(Error::RootMismatch)
        );
    }

    #[test]
    fn consistency_edge_cases() {
        let tree = test_tree();
        let empty = empty_root();
        let root3 = tree_hash(3, &tree).unwrap();
        let root8 = tree.root();
        assert_eq!(verify_consistency(0, 0, &[], &empty, &empty), Ok(()));
        assert_eq!(verify_consistency(0, 8, &[], &empty, &root8), Ok(()));
        assert_eq!(
            verify_consistency(0, 8, &[], &root3, &root8),
            Err(Error::RootMismatch)
        );
        assert_eq!(
            verify_consistency(0, 8, &[empty], &empty, &root8),
            Err(Error::ProofLength {
                len: 1,
                expected: 0
            })
        );
        assert_eq!(verify_consistency(3, 3, &[], &root3, &root3), Ok(()));
        assert_eq!(
            verify_consistency(3, 3, &[], &root3, &root8),
            Err(Error::RootMismatch)
        );
        assert!(verify_consistency(3, 3, &[root3], &root3, &root3).is_err());
        assert_eq!(
            verify_consistency(8, 3, &[], &root8, &root3),
            Err(Error::SizeOutOfRange {
                old_size: 8,
                new_size: 3
            })
        );
        assert_eq!(
            consistency_proof(8, 3, &tree),
            Err(Error::SizeOutOfRange {
                old_size: 8,
                new_size: 3
            })
        );
        assert_eq!(consistency_proof(0, 8, &tree), Ok(vec![]));
        assert_eq!(consistency_proof(8, 8, &tree), Ok(vec![]));
        let proof = consistency_proof(3, 8, &tree).unwrap();
        assert_eq!(verify_consistency(3, 8, &proof, &root3, &root8), Ok(()));
        assert_eq!(
            verify_consistency(3, 8, &proof, &root8, &root8),
            Err(Error::RootMismatch)
        );
        let too_long = vec![empty; PROOF_HASHES_MAX + 1];
        assert_eq!(
            verify_consistency(3, 8, &too_long, &root3, &root8),
            Err(Error::ProofTooLong { len: 65 })
        );
        assert_eq!(
            verify_inclusion(&empty, 3, 8, &too_long, &root8),
            Err(Error::ProofTooLong { len: 65 })
        );
    }

    #[test]
    fn proof_lengths_match_generated_proofs() {
        let mut tree = MemoryTree::new();
        for i in 0u32..70 {
            tree.append(leaf_hash(&i.to_be_bytes()));
        }
        for new_size in 1..=70 {
            for old_size in 1..new_size {
                let proof = consistency_proof(old_size, new_size, &tree).unwrap();
                assert_eq!(proof.len(), consistency_proof_len(old_size, new_size));
            }
            for index in 0..new_size {
                let proof = inclusion_proof(index, new_size, &tree).unwrap();
                assert_eq!(proof.len(), inclusion_proof_len(index, new_size));
            }
        }
        // The largest trees: no overflow, and at most 64 hashes.
        assert_eq!(inclusion_proof_len(0, u64::MAX), 64);
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
        assert!(consistency_proof_len(u64::MAX - 1, u64::MAX) <= 65);
    }

    /// A reader that makes up a hash for any position and counts the reads.
    struct CountingReader {
        reads: Cell<usize>,
    }

    impl HashReader for CountingReader {
        fn read_hash(&self, level: u8, index: u64) -> Result<Hash, Error> {
            self.reads.set(self.reads.get() + 1);
            let mut bytes = [0u8; 32];
            bytes[0] = level;
            bytes[1..9].copy_from_slice(&index.to_be_bytes());
            Ok(Hash(bytes))
        }
    }

    #[test]
    fn proofs_read_logarithmically_many_hashes() {
        let reader = CountingReader {
            reads: Cell::new(0),
        };
        let mut worst = 0;
        for size in [10_000_000u64, 10_000_001, 16_777_215, 9_999_999] {
            for index in [0, 1, size / 2, size - 2, size - 1] {
                reader.reads.set(0);
                inclusion_proof(index, size, &reader).unwrap();
                worst = worst.max(reader.reads.get());
            }
            for old_size in [1, 2, 3, size / 3, size - 1] {
                reader.reads.set(0);
                consistency_proof(old_size, size, &reader).unwrap();
                worst = worst.max(reader.reads.get());
            }
            reader.reads.set(0);
            tree_hash(size, &reader).unwrap();
            assert!(reader.reads.get() <= 24);
        }
        assert!(worst <= 50, "{worst} reads");
        reader.reads.set(0);
        inclusion_proof(u64::MAX / 3, u64::MAX, &reader).unwrap();
        assert!(reader.reads.get() <= 128);
    }

    #[test]
    fn compact_range_and_memory_tree_agree() {
        let mut tree = MemoryTree::new();
        let mut range = CompactRange::new();
        let mut stored = Vec::new();
        assert_eq!(range.root(), empty_root());
        assert_eq!(tree.root(), empty_root());
        for (i, entry) in ENTRIES.iter().enumerate() {
            let leaf = leaf_hash(entry);
            tree.append(leaf);
            range.append(leaf, &mut stored);
            assert_eq!(range.size(), tree.size());
            assert_eq!(format!("{:?}", range.root()), ROOTS[i]);
            assert_eq!(
                CompactRange::from_reader(range.size(), &tree).unwrap(),
                range
            );
        }
        // 8 leaves, 4 + 2 + 1 parents, each reported once in completion order.
        assert_eq!(stored.len(), 15);
        for s in &stored {
            assert_eq!(tree.read_hash(s.level, s.index), Ok(s.hash));
        }
        assert_eq!(stored.last().map(|s| (s.level, s.index)), Some((3, 0)));
    }

    #[test]
    fn works_through_dyn_reader() {
        let tree = test_tree();
        let reader: &dyn HashReader = &tree;
        assert_eq!(tree_hash(8, reader).unwrap(), tree.root());
        assert_eq!(tree_hash(8, &reader).unwrap(), tree.root());
        let boxed: Box<dyn HashReader> = Box::new(tree.clone());
        assert_eq!(
            inclusion_proof(2, 5, boxed.as_ref()).unwrap(),
            inclusion_proof(2, 5, &tree).unwrap()
        );
    }
}
