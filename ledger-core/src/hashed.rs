//! The hash map of the ledger and the projections: exact-key lookups by short codes, a dozen
//! per event, hashed with foldhash rather than SipHash.
//!
//! SipHash, the standard library's default, is built to resist whoever chooses keys to make
//! them collide; foldhash, keyed by a seed drawn at random once per process, is "minimally
//! DoS-resistant" at a fraction of the cost for keys this short. The keys here are learner,
//! class, unit and key codes that only an enrolled authority can introduce, each by a signed
//! event on the log, so colliding keys cannot be chosen cheaply or anonymously.
//! `docs/decisions.md` records why.

use std::hash::BuildHasher;

/// A hash map keyed by the process's foldhash seed.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, ProcessSeed>;

/// foldhash with the seed drawn once per process. A map needs no state of its own, so an
/// empty map (and an empty ledger, which the projections lend themselves for each event)
/// costs nothing to make.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct ProcessSeed;

impl BuildHasher for ProcessSeed {
    type Hasher = foldhash::fast::FoldHasher<'static>;

    fn build_hasher(&self) -> Self::Hasher {
        foldhash::fast::FoldHasher::with_seed(0, foldhash::SharedSeed::global_random())
    }
}
