//! Request and response bodies of the HTTP API.

use serde::{Deserialize, Serialize};

/// What the node answers once a submission is durable in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The record's index in the log (its leaf index in the Merkle tree).
    pub index: u64,
    /// The RFC 6962 leaf hash of the record, base64.
    pub leaf_hash: String,
    /// The record id: BLAKE3 of the record bytes, lowercase hex.
    pub record_id: String,
    /// The node's sequencing time, microseconds since the Unix epoch.
    pub sequenced_at: u64,
    /// True when this answers a retry: the submission was already in the log and nothing new was
    /// written.
    pub duplicate: bool,
}

/// The body of `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// True when the log is open and accepting appends.
    pub ready: bool,
    /// The number of durable records.
    pub log_size: u64,
    /// The size of the newest signed checkpoint.
    pub checkpoint_size: u64,
}

/// A record with its proof of inclusion, the answer of `GET /v1/records/{index}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordWithProof {
    /// The record's index.
    pub index: u64,
    /// The record bytes (docs/FORMAT.md), base64.
    pub record: String,
    /// The record id: BLAKE3 of the record bytes, lowercase hex.
    pub record_id: String,
    /// The RFC 6962 leaf hash, base64.
    pub leaf_hash: String,
    /// A C2SP `tlog-proof` of inclusion in the newest checkpoint; `null` until a checkpoint covers
    /// the record (at most about a second after it was acknowledged).
    pub proof: Option<String>,
}

/// A consistency proof between two tree sizes, the answer of `GET /v1/proofs/consistency`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size (at most the newest checkpoint's).
    pub to: u64,
    /// The RFC 9162 consistency proof, base64 hashes.
    pub proof: Vec<String>,
}

/// One event's answer in a batch append, in the order of the request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchItem {
    /// The status this event would have had alone: 201 new, 200 retry, or the refusal's.
    pub status: u16,
    /// The receipt, when the event is (or already was) durable in the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// The refusal, when the event was not appended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::error::Problem>,
}

/// The answer of `POST /v1/submissions/batch`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchAnswer {
    /// One item per submitted event, in the request's order.
    pub results: Vec<BatchItem>,
}

/// The signed checkpoint a read answer is proven under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRef {
    /// The log's origin (its name).
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The RFC 6962 root hash, base64.
    pub root: String,
    /// The whole signed note, so the answer can be checked against the log's verifier key
    /// without another request.
    pub note: String,
}

/// The answer of a projection read (transcript, gradebook, audit trail, authority).
///
/// `data` reflects exactly the first `as_of_size` records of the log, and every one of those
/// records is covered by `checkpoint` (`as_of_size ≤ checkpoint.size`): nothing in an answer is
/// unproven.
///
/// Clients read `data` as a [`serde_json::Value`]; the node sends it already serialized
/// ([`ReflectedRaw`]), so an answer built once can be sent again without rebuilding it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reflected<D = serde_json::Value> {
    /// The checkpoint that covers every record the answer reflects.
    pub checkpoint: CheckpointRef,
    /// How many records of the log the answer reflects.
    pub as_of_size: u64,
    /// The projection itself (docs/PROJECTIONS.md).
    pub data: D,
}

/// A projection answer as the node sends it: `data` is JSON text already.
pub type ReflectedRaw = Reflected<Box<serde_json::value::RawValue>>;
