//! The hash map of the ledger and the projections: exact-key lookups by short codes, a dozen
//! per event, hashed with foldhash rather than SipHash.
//!
//! SipHash, the standard library's default, is built to resist whoever chooses keys to make
//! them collide; foldhash keeps a random seed per map (it is "minimally DoS-resistant") at a
//! fraction of the cost for keys this short. The keys here are learner, class, unit and key
//! codes that only an enrolled authority can introduce, each by a signed event on the log, so
//! colliding keys cannot be chosen cheaply or anonymously. `docs/decisions.md` records why.

/// A hash map with foldhash's per-map random seed.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
