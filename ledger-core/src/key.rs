//! Ed25519 public keys, screened once so the rest of the code can trust them.
//!
//! A [`PublicKey`] is a valid, canonical encoding of a curve point that is **not** of small order
//! ("weak"): a weak key lets anyone produce signatures that verify for many messages, so such
//! keys are refused wherever a key enters the system (submissions, note verifiers, enrolment).
//! Signatures are checked as `verify_strict` checks them, which also refuses non-canonical and
//! small-order signature components (`check` reaches the same decision with less work).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};

mod check;

/// Keys that passed screening, by encoding. Screening costs a square root and an inversion
/// (about 13 µs), and a few thousand authors sign millions of records and requests: it is a pure
/// function of the 32 bytes, so its successes are remembered. Refusals are screened again.
static SCREENED: Mutex<Option<HashMap<[u8; 32], VerifyingKey>>> = Mutex::new(None);

/// Most keys remembered; beyond, the memory starts over.
const SCREENED_MAX: usize = 65_536;

fn screened(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    let memory = SCREENED.lock().unwrap_or_else(PoisonError::into_inner);
    memory.as_ref()?.get(bytes).copied()
}

fn remember(bytes: [u8; 32], key: VerifyingKey) {
    let mut memory = SCREENED.lock().unwrap_or_else(PoisonError::into_inner);
    let keys = memory.get_or_insert_with(HashMap::new);
    if keys.len() >= SCREENED_MAX {
        keys.clear();
    }
    keys.insert(bytes, key);
}

/// Why a public key or a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not 32 long or do not encode a point on the curve.
    #[error("the public key is not a valid Ed25519 key (khóa công khai không hợp lệ)")]
    Malformed,
    /// The key has small order and is refused (code `key-weak`).
    #[error("the public key is a weak (small-order) Ed25519 key and is refused (khóa yếu)")]
    Weak,
    /// The signature does not verify under this key (code `signature-invalid`).
    #[error("the signature does not verify (chữ ký không hợp lệ)")]
    BadSignature,
}

/// An Ed25519 public key that is well formed and not weak.
///
/// It holds the 32-byte encoding that passed screening, not the decoded point: a key travels
/// inside every submission and event (a decoded key is six times the size, and moving it cost
/// more than a replay's lookups of it), and the point is needed only to verify, where the
/// screening's memory gives it back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Parses and screens a 32-byte public key.
    ///
    /// # Errors
    /// [`KeyError::Malformed`] for bytes that are not a key, [`KeyError::Weak`] for a small-order
    /// key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let array: &[u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Self::decode(array).map(|_| Self(*array))
    }

    /// The decoded key of `array`: remembered from an earlier screening, or decoded and
    /// screened now (and remembered if it passes).
    fn decode(array: &[u8; 32]) -> Result<VerifyingKey, KeyError> {
        if let Some(key) = screened(array) {
            return Ok(key);
        }
        let key = VerifyingKey::from_bytes(array).map_err(|_| KeyError::Malformed)?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        // RFC 8032 refuses encodings whose y coordinate is not reduced mod p; dalek reduces
        // them silently, so the key would have two encodings. Re-encoding catches that.
        if key.to_edwards().compress().to_bytes() != *array {
            return Err(KeyError::Malformed);
        }
        remember(*array, key);
        Ok(key)
    }

    /// The 32-byte encoding.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The underlying dalek key: remembered from screening, or decoded again if it was
    /// forgotten (the encoding passed screening once, so it always decodes).
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        Self::decode(&self.0).expect("a screened key decodes")
    }

    /// Verifies `signature` over `message`, deciding exactly as `verify_strict` does.
    ///
    /// # Errors
    /// [`KeyError::BadSignature`] when the signature is malformed or does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        let signature: &[u8; 64] = signature.try_into().map_err(|_| KeyError::BadSignature)?;
        if check::verify_strict(&self.verifying_key(), message, signature) {
            Ok(())
        } else {
            Err(KeyError::BadSignature)
        }
    }

    /// Verifies without `verify_strict`'s extra checks; used only to compare speeds.
    #[doc(hidden)]
    pub fn verify_lax_dangerous(&self, message: &[u8], signature: &Signature) -> bool {
        self.verifying_key().verify(message, signature).is_ok()
    }
}

impl From<&ed25519_dalek::SigningKey> for PublicKey {
    fn from(key: &ed25519_dalek::SigningKey) -> Self {
        // A key derived from a secret scalar is never of small order, and is encoded canonically.
        Self(key.verifying_key().to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_small_order_keys() {
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(KeyError::Weak));
        assert_eq!(PublicKey::from_bytes(&[0u8; 31]), Err(KeyError::Malformed));
        // y = p + 3 (not reduced): a second encoding of a valid point.
        let mut unreduced = [0xffu8; 32];
        unreduced[0] = 0xf0;
        unreduced[31] = 0x7f;
        assert_eq!(PublicKey::from_bytes(&unreduced), Err(KeyError::Malformed));
    }

    /// A remembered key is the key screening gives, and refusals are never remembered.
    #[test]
    fn screening_twice_gives_the_same_answer() {
        let good = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32])
            .verifying_key()
            .to_bytes();
        let first = PublicKey::from_bytes(&good).unwrap();
        let second = PublicKey::from_bytes(&good).unwrap();
        assert_eq!(first, second);
        assert_eq!(second.to_bytes(), good);
        let mut identity = [0u8; 32];
        identity[0] = 1;
        for _ in 0..2 {
            assert_eq!(PublicKey::from_bytes(&identity), Err(KeyError::Weak));
        }
    }

    #[test]
    fn verifies_strictly() {
        use ed25519_dalek::Signer as _;
        let secret = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let key = PublicKey::from(&secret);
        let signature = secret.sign(b"hello").to_bytes();
        assert!(key.verify(b"hello", &signature).is_ok());
        assert_eq!(
            key.verify(b"hellO", &signature),
            Err(KeyError::BadSignature)
        );
    }
}
