//! ed25519-dalek's `verify_strict` decision, reached with less work.
//!
//! `verify_strict` accepts a signature (R, s) on message M under key A when s < ℓ, R decodes to
//! a point not of small order, A is not of small order, and the encoding of
//! E = \[s\]B − \[k\]A, with k = SHA-512(R ‖ A ‖ M) mod ℓ, equals R's 32 bytes. Two of those
//! steps repeat work already done, and one can be done from a table:
//! - A passed screening when it entered the system ([`super::PublicKey`]), so it is not of
//!   small order;
//! - when E's encoding equals R's bytes, R decodes to exactly E (an encoding made by
//!   compression is canonical), so R is of small order exactly when E is. Checking E, a few
//!   doublings, replaces decoding R, a square root;
//! - \[k\]A comes from a table of A's multiples once A has signed often (the same fixed-base
//!   method as \[s\]B from the basepoint's table), instead of a double-and-add that pays about
//!   250 doublings per check.
//!
//! The decision is the same for every input, which the tests check against `verify_strict`
//! itself, on valid, damaged and crafted signatures. A few thousand teachers sign millions of
//! records a year, so a table (30 KiB, built in about a millisecond, worth about 60 checks)
//! pays for itself many times over for the keys that sign in bulk.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable as _;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest as _, Sha512};

/// Checks a key has signed before it gets a table: building one costs about 60 checks'
/// savings, and a key that has signed 16 times is one that signs in bulk (a teacher enters a
/// class's grades at a time), so occasional signers rarely pay for one and bulk signers soon
/// stop paying the slower check.
const TABLE_AFTER_CHECKS: u32 = 16;

/// Most tables kept (30 KiB each, so 480 MiB at most); beyond, the least recently used one
/// goes. A province of 100,000 learners has about 10,000 keys that sign in bulk: they all fit,
/// for about 300 MiB. With 2,048 tables they took turns, and appends were 15 % slower.
const TABLES_MAX: usize = 16_384;

/// Most keys whose checks are counted; beyond, the counts start over.
const COUNTED_MAX: usize = 65_536;

/// The tables of the keys that sign often, and how often the others have signed.
static TABLES: Mutex<Option<Tables>> = Mutex::new(None);

/// Whether `signature` (R ‖ s) is a valid signature of `message` under the screened key `key`,
/// exactly as `VerifyingKey::verify_strict` decides.
pub(super) fn verify_strict(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    decide(key, message, signature, table_of(key).as_deref())
}

/// The decision, with \[k\]A from `table` when the key has one.
fn decide(
    key: &VerifyingKey,
    message: &[u8],
    signature: &[u8; 64],
    table: Option<&EdwardsBasepointTable>,
) -> bool {
    let (r, s) = signature.split_at(32);
    let s: [u8; 32] = s.try_into().expect("32 bytes");
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
        return false;
    };
    let hash = Sha512::new()
        .chain_update(r)
        .chain_update(key.as_bytes())
        .chain_update(message);
    let k = Scalar::from_hash(hash);
    let expected_r = match table {
        Some(table) => ED25519_BASEPOINT_TABLE.mul_base(&s) - table.mul_base(&k),
        None => EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-key.to_edwards(), &s),
    };
    expected_r.compress().as_bytes() == r && !expected_r.is_small_order()
}

/// The key's table if it has one; otherwise counts the check, and builds the table (outside
/// the lock) when this check is the one that earns it.
fn table_of(key: &VerifyingKey) -> Option<Arc<EdwardsBasepointTable>> {
    let bytes = key.to_bytes();
    {
        let mut tables = TABLES.lock().unwrap_or_else(PoisonError::into_inner);
        let tables = tables.get_or_insert_with(Tables::default);
        if let Some(table) = tables.get(&bytes) {
            return Some(table);
        }
        if !tables.count(bytes) {
            return None;
        }
    }
    let table = Arc::new(EdwardsBasepointTable::create(&key.to_edwards()));
    let mut tables = TABLES.lock().unwrap_or_else(PoisonError::into_inner);
    tables
        .get_or_insert_with(Tables::default)
        .insert(bytes, Arc::clone(&table));
    Some(table)
}

/// A bounded set of tables, evicted by the clock algorithm (an approximation of least
/// recently used: a table used since the hand last passed gets a second chance).
#[derive(Default)]
struct Tables {
    slot_of: HashMap<[u8; 32], usize>,
    slots: Vec<Slot>,
    hand: usize,
    checks: HashMap<[u8; 32], u32>,
}

struct Slot {
    key: [u8; 32],
    table: Arc<EdwardsBasepointTable>,
    used: bool,
}

impl Tables {
    fn get(&mut self, key: &[u8; 32]) -> Option<Arc<EdwardsBasepointTable>> {
        let slot = &mut self.slots[*self.slot_of.get(key)?];
        slot.used = true;
        Some(Arc::clone(&slot.table))
    }

    /// Counts a check by a key without a table; true when the key has now earned one.
    fn count(&mut self, key: [u8; 32]) -> bool {
        if self.checks.len() >= COUNTED_MAX && !self.checks.contains_key(&key) {
            self.checks.clear();
        }
        let checks = self.checks.entry(key).or_insert(0);
        *checks += 1;
        if *checks < TABLE_AFTER_CHECKS {
            return false;
        }
        self.checks.remove(&key);
        true
    }

    fn insert(&mut self, key: [u8; 32], table: Arc<EdwardsBasepointTable>) {
        if self.slot_of.contains_key(&key) {
            return; // another thread built it meanwhile
        }
        let slot = Slot {
            key,
            table,
            used: true,
        };
        if self.slots.len() < TABLES_MAX {
            self.slot_of.insert(key, self.slots.len());
            self.slots.push(slot);
            return;
        }
        while self.slots[self.hand].used {
            self.slots[self.hand].used = false;
            self.hand = (self.hand + 1) % self.slots.len();
        }
        self.slot_of.remove(&self.slots[self.hand].key);
        self.slot_of.insert(key, self.hand);
        self.slots[self.hand] = slot;
        self.hand = (self.hand + 1) % self.slots.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::traits::{Identity as _, IsIdentity as _};
    use ed25519_dalek::{Signature, Signer as _, SigningKey};
    use proptest::prelude::*;

    /// The decision of ed25519-dalek's own `verify_strict`.
    fn dalek(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        key.verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    /// Our decision on both paths: without a table and with one.
    fn agrees(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
        let expected = dalek(key, message, signature);
        let table = EdwardsBasepointTable::create(&key.to_edwards());
        decide(key, message, signature, None) == expected
            && decide(key, message, signature, Some(&table)) == expected
    }

    /// The eight points of small order: T and its multiples, where T is the torsion part of
    /// a point that has one of order 8 (P minus its prime-order part, (8⁻¹ mod ℓ)·8P).
    fn eight_torsion() -> Vec<EdwardsPoint> {
        let eighth = Scalar::from(8u8).invert();
        let torsion = (0u8..)
            .filter_map(|n| {
                let point = curve25519_dalek::edwards::CompressedEdwardsY([n; 32]).decompress()?;
                let t = point - point.mul_by_cofactor() * eighth;
                let four_t = (t + t) + (t + t);
                (!four_t.is_identity()).then_some(t)
            })
            .next()
            .expect("a point with a torsion part of order 8");
        let mut points = vec![EdwardsPoint::identity()];
        for _ in 1..8 {
            points.push(points[points.len() - 1] + torsion);
        }
        assert!((torsion + points[7]).is_identity());
        points
    }

    fn key(seed: u8) -> (SigningKey, VerifyingKey) {
        let secret = SigningKey::from_bytes(&[seed; 32]);
        let public = secret.verifying_key();
        (secret, public)
    }

    #[test]
    fn valid_signatures_pass_on_both_paths() {
        let (secret, public) = key(3);
        let signature = secret.sign(b"diem kiem tra").to_bytes();
        assert!(dalek(&public, b"diem kiem tra", &signature));
        assert!(agrees(&public, b"diem kiem tra", &signature));
    }

    #[test]
    fn an_unreduced_s_is_refused() {
        let (secret, public) = key(4);
        let mut signature = secret.sign(b"m").to_bytes();
        // s + ℓ: the same scalar mod ℓ, a second encoding.
        let ell = curve25519_dalek::scalar::Scalar::ZERO - Scalar::ONE;
        let mut carry = 1u16;
        let mut plus = [0u8; 32];
        for (i, byte) in ell.to_bytes().iter().enumerate() {
            let sum = u16::from(*byte) + carry;
            plus[i] = sum as u8;
            carry = sum >> 8;
        }
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(signature[32 + i]) + u16::from(plus[i]) + carry;
            signature[32 + i] = sum as u8;
            carry = sum >> 8;
        }
        assert!(!dalek(&public, b"m", &signature));
        assert!(agrees(&public, b"m", &signature));
    }

    /// The key's holder can make E the identity: R = the identity's encoding and s = k·a. The
    /// equation holds, and only the small-order rule refuses it.
    #[test]
    fn a_small_order_r_that_satisfies_the_equation_is_refused() {
        let (secret, public) = key(5);
        let a = secret.to_scalar();
        let mut r = [0u8; 32];
        r[0] = 1;
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(public.as_bytes())
                .chain_update(b"m"),
        );
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&r);
        signature[32..].copy_from_slice(&(k * a).to_bytes());
        let e =
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-public.to_edwards(), &(k * a));
        assert_eq!(e.compress().as_bytes(), &r, "the equation holds");
        assert!(!dalek(&public, b"m", &signature));
        assert!(agrees(&public, b"m", &signature));
    }

    /// A key with a torsion component (aB + T, not itself of small order) passes screening;
    /// its holder's signatures verify only for the messages whose k kills T, on both sides.
    #[test]
    fn a_key_with_a_torsion_component_gets_the_same_decisions() {
        let (secret, _) = key(6);
        let mixed = secret.verifying_key().to_edwards() + eight_torsion()[1];
        let public = VerifyingKey::from_bytes(mixed.compress().as_bytes()).unwrap();
        assert!(!public.is_weak());
        let a = secret.to_scalar();
        let mut accepted = 0;
        for n in 0u32..64 {
            let message = n.to_le_bytes();
            let r_scalar = Scalar::from_bytes_mod_order([n as u8 + 1; 32]);
            let r = EdwardsPoint::mul_base(&r_scalar).compress();
            let k = Scalar::from_hash(
                Sha512::new()
                    .chain_update(r.as_bytes())
                    .chain_update(public.as_bytes())
                    .chain_update(message),
            );
            let mut signature = [0u8; 64];
            signature[..32].copy_from_slice(r.as_bytes());
            signature[32..].copy_from_slice(&(r_scalar + k * a).to_bytes());
            accepted += usize::from(dalek(&public, &message, &signature));
            assert!(agrees(&public, &message, &signature), "message {n}");
        }
        assert!(accepted > 0 && accepted < 64, "{accepted} of 64");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Damage anywhere (R, s or the message) gets the same answer as `verify_strict`,
        /// and so does R replaced by an encoding of a small-order point.
        #[test]
        fn damaged_signatures_get_verify_stricts_answer(
            seed in 0u8..8,
            message in proptest::collection::vec(any::<u8>(), 0..300),
            flip in 0usize..(64 + 8),
            bit in 0u8..8,
            torsion in 0usize..8,
            small_r in any::<bool>(),
        ) {
            let (secret, public) = key(seed);
            let mut signature = secret.sign(&message).to_bytes();
            let mut message = message;
            if small_r {
                signature[..32].copy_from_slice(eight_torsion()[torsion].compress().as_bytes());
            } else if flip < 64 {
                signature[flip] ^= 1 << bit;
            } else if !message.is_empty() {
                let at = flip % message.len();
                message[at] ^= 1 << bit;
            }
            prop_assert!(agrees(&public, &message, &signature));
        }
    }

    #[test]
    fn a_key_earns_its_table_after_enough_checks() {
        let mut tables = Tables::default();
        let key = [1u8; 32];
        for _ in 1..TABLE_AFTER_CHECKS {
            assert!(!tables.count(key));
        }
        assert!(tables.count(key), "the check that earns the table");
        assert!(
            !tables.count(key),
            "counting starts over until the table is in"
        );
    }

    /// A full set evicts a table not used since the hand last passed, never a used one.
    #[test]
    fn eviction_spares_the_tables_in_use() {
        let table = Arc::new(EdwardsBasepointTable::create(&EdwardsPoint::mul_base(
            &Scalar::ONE,
        )));
        let mut tables = Tables::default();
        for n in 0..TABLES_MAX {
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&n.to_le_bytes());
            tables.insert(key, Arc::clone(&table));
        }
        // The hand clears every slot's mark on its first pass, then takes slot 0; slot 0 is
        // marked again by use, so the next insertion takes slot 1.
        tables.insert([0xaa; 32], Arc::clone(&table));
        assert!(tables.get(&[0u8; 32]).is_none(), "slot 0 went first");
        assert!(tables.get(&[0xaa; 32]).is_some());
        tables.insert([0xbb; 32], Arc::clone(&table));
        assert!(tables.get(&[0xaa; 32]).is_some(), "a used table stays");
        let mut second = [0u8; 32];
        second[0] = 1;
        assert!(tables.get(&second).is_none(), "slot 1 went next");
        assert_eq!(tables.slots.len(), TABLES_MAX);
        assert_eq!(tables.slot_of.len(), TABLES_MAX);
    }
}
