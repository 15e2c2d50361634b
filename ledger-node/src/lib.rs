//! The running hocba-ledger node.
//!
//! - [`log`]: the canonical log (segment files with group commit) and crash recovery.
//! - [`frame`]: the on-disk frame around each record.
//! - [`tree_store`]: the stored Merkle hashes, one file per level.
//! - [`history`]: every signed checkpoint.
//! - [`idempotency`]: the index that makes retries safe.
//! - [`judge`]: the append policy the sequencer applies at each log position.
//! - [`sequencer`]: the single writer thread and its queue.
//! - [`node`]: a running node and the `LedgerService` it serves.
//! - [`offline`]: transcripts and histories replayed from the files up to the newest checkpoint.
//! - `parallel`: independent checks (signatures) split over the cores, in order.
//! - [`scan`]: read-only sequential reading of a node's segments.
//! - [`verify`], [`export`], [`static_log`], [`import`], [`audit`]: the offline and remote checks.
//! - [`assess`]: the TT 22 calculator behind `hocba assess`.
//! - [`demo`]: the demo data of `hocba demo`.
//! - [`config`], [`layout`]: what lives where in a data directory.
//!
//! Only this crate touches disks and clocks.
#![forbid(unsafe_code)]

pub mod assess;
pub mod audit;
pub mod config;
pub mod demo;
pub mod export;
pub mod frame;
pub mod history;
pub mod idempotency;
pub mod identity_register;
pub mod import;
pub mod judge;
pub mod layout;
pub mod load;
pub mod log;
pub mod metrics;
pub mod node;
pub mod offline;
mod parallel;
pub mod proof_check;
pub mod reads;
pub mod remote;
pub mod scan;
pub mod sequencer;
pub mod static_log;
pub mod tree_store;
pub mod verify;
