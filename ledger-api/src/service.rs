//! The service a node implements and the router serves.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use ledger_core::domain::value::{LearnerCode, Semester, SubjectCode, UnitCode};
use ledger_core::domain::ClassKey;
use ledger_core::key::PublicKey;
use ledger_core::projection::audit::AuditSubject;
pub use ledger_core::projection::feed::FeedFilter;
use ledger_core::record::SignedSubmission;
use ledger_core::tile::TilePath;

use crate::error::ApiError;
use crate::wire::{ConsistencyProof, Health, Receipt, RecordWithProof, ReflectedRaw};

/// Most audit entries in one answer; longer trails are paged with `after`.
pub const AUDIT_PAGE_MAX: usize = 1_000;

/// A projection read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadQuery {
    /// A learner's transcript (học bạ) across years and schools.
    Transcript(LearnerCode),
    /// A class's gradebook (sổ điểm) for one subject and semester.
    Gradebook {
        /// The class.
        class: ClassKey,
        /// The subject.
        subject: SubjectCode,
        /// The semester.
        semester: Semester,
    },
    /// The audit trail of a learner, grade, class or key, each entry with its inclusion proof.
    Audit {
        /// What the trail is about.
        subject: AuditSubject,
        /// Only entries with a larger index (for paging).
        after: Option<u64>,
        /// At most this many entries (1 to [`AUDIT_PAGE_MAX`]).
        limit: usize,
    },
    /// Authority state: who holds which role where, when, and who granted it.
    Authority(AuthorityFilter),
    /// A unit's history: names over time, parent, merges, custodian, member units. Public:
    /// administrative units and schools are public facts, and the answer holds no personal data.
    Unit(UnitCode),
    /// The change feed: the records a vendor follows to rebuild its own copy.
    Feed {
        /// Which records.
        filter: FeedFilter,
        /// Only records with a larger index (the cursor).
        after: Option<u64>,
        /// At most this many records (1 to [`FEED_PAGE_MAX`]).
        limit: usize,
    },
}

/// Most records in one change-feed page.
pub const FEED_PAGE_MAX: usize = 1_000;

/// Which grants an authority read returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorityFilter {
    /// Every grant ever made.
    All,
    /// The grants scoped exactly to a unit.
    Unit(UnitCode),
    /// The grants held by a key.
    Key(PublicKey),
}

/// A boxed future, so the trait stays object safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a node provides to the HTTP layer.
///
/// Reads are synchronous: they are bounded reads of immutable data that is already on disk or in
/// memory. Appends are asynchronous because they wait for the group commit.
pub trait LedgerService: Send + Sync + 'static {
    /// The newest signed checkpoint, as a C2SP signed note.
    ///
    /// # Errors
    /// `503 log-unavailable` before the first checkpoint is signed.
    fn checkpoint(&self) -> Result<Vec<u8>, ApiError>;

    /// A hash tile or an entry bundle as c2sp.org/tlog-tiles defines it.
    ///
    /// # Errors
    /// `404 not-found` for a tile beyond the newest checkpoint.
    fn tile(&self, path: &TilePath) -> Result<Vec<u8>, ApiError>;

    /// Appends a signed submission; resolves once it is durable, with its receipt. A retry of a
    /// submission already in the log resolves with the original receipt.
    fn submit(&self, submission: SignedSubmission) -> BoxFuture<'_, Result<Receipt, ApiError>>;

    /// Appends several submissions in their order; resolves once every accepted one is durable,
    /// with one answer per submission (an entry that could not even be parsed arrives as its
    /// refusal and is answered with it). Each is judged on its own, after the ones before it.
    fn submit_batch(
        &self,
        submissions: Vec<Result<SignedSubmission, ApiError>>,
    ) -> BoxFuture<'_, Vec<Result<Receipt, ApiError>>>;

    /// Answers a projection read for `reader` (the key that signed the request, `None` when the
    /// request was not signed), once a signed checkpoint covers everything the answer reflects.
    ///
    /// # Errors
    /// `401`/`403` when the reader may not see the data, `404` for an unknown learner or class,
    /// `503 checkpoint-pending` when no checkpoint covers the data in time.
    fn read(
        &self,
        reader: Option<PublicKey>,
        query: ReadQuery,
    ) -> BoxFuture<'_, Result<ReflectedRaw, ApiError>>;

    /// The record at `index` with a `tlog-proof` of its inclusion in the newest checkpoint.
    ///
    /// # Errors
    /// `404 not-found` for an index beyond the log.
    fn record(&self, index: u64) -> Result<RecordWithProof, ApiError>;

    /// A consistency proof from tree size `from` to `to`.
    ///
    /// # Errors
    /// `400 proof-range-invalid` unless `from ≤ to ≤` the newest checkpoint's size.
    fn consistency(&self, from: u64, to: u64) -> Result<ConsistencyProof, ApiError>;

    /// Readiness and sizes.
    fn health(&self) -> Health;

    /// The node's metrics in the Prometheus text exposition format 0.0.4, served as
    /// `GET /metrics`. Includes the HTTP requests reported through
    /// [`LedgerService::observe_request`].
    fn metrics(&self) -> String;

    /// Counts one answered HTTP request: the route template it matched (never the raw path;
    /// [`crate::request_log::UNMATCHED_ROUTE`] when none did), the response status and the time
    /// from its arrival to its response. Called by the request-log middleware once per request.
    fn observe_request(&self, route: &str, status: u16, latency: Duration);
}
