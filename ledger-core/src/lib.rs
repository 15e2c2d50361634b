//! The pure logic of hocba-ledger.
//!
//! Everything here is deterministic and free of I/O: no clock, no file system, no network, no
//! async runtime. The node passes in time and randomness; this crate computes and checks.
//!
//! Modules follow the formats they implement, one format per module:
//!
//! - [`tree`]: the RFC 6962/9162 Merkle tree over records with SHA-256 (leaf and node hashes,
//!   tree hashes of any size from stored hashes, inclusion and consistency proofs).
//! - [`tile`]: C2SP `tlog-tiles` paths, hash tiles and entry bundles.
//! - [`note`]: C2SP `signed-note` with Ed25519 keys.
//! - [`checkpoint`]: C2SP `tlog-checkpoint`.
//! - [`cosignature`]: C2SP `tlog-cosignature` (verification of witness cosignatures).
//! - [`proof`]: C2SP `tlog-proof` bundles (offline proofs of inclusion).
//! - [`canonical`]: the canonical JSON encoding (an RFC 8785 subset) of signed submissions.
//! - [`record`]: the signed submission, its signing input, and the sequenced record the log
//!   stores (see `docs/FORMAT.md`).
//! - [`domain`]: authority and school-record events, judged at their log position.
//! - [`rules`]: assessment rule sets (Thông tư 22/2021 and their configuration).
//! - [`projection`]: read models rebuilt from the log: transcripts, gradebooks, authority
//!   state and audit trails.
//! - `json_view`: JSON read in place (payloads, without an allocation per string).
//! - [`key`]: Ed25519 public keys screened for weakness.
//! - [`limits`]: every size limit, with its reason.
//!
//! What is not here: HTTP (in `ledger-api`), storage and the sequencer (in `ledger-node`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canonical;
pub mod checkpoint;
pub mod cosignature;
pub mod domain;
mod hashed;
pub mod hex;
pub mod identity;
mod json_view;
pub mod key;
pub mod limits;
pub mod note;
pub mod projection;
pub mod proof;
pub mod record;
pub mod replay;
pub mod rules;
pub mod tile;
pub mod tree;
