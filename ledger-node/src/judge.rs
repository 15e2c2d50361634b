//! The append policy: what the sequencer asks before it sequences a verified submission.
//!
//! A submission is judged against the state *at the log position where it will land*, in log
//! order, by the single sequencer; a refused submission changes nothing. The same judge replays
//! the log on start and in `verify`, so a record that its own append path would have refused is
//! reported as invalid.

use ledger_api::ApiError;
use ledger_core::record::VerifiedSubmission;

/// Where a submission will land.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Its log index.
    pub index: u64,
    /// Its sequencing time, microseconds since the Unix epoch.
    pub sequenced_at_us: u64,
}

/// Decides whether a verified submission may be appended at a position, and remembers what it
/// accepted.
pub trait Judge: Send {
    /// Judges `submission` at `position`; on success the judge's state includes it.
    ///
    /// # Errors
    /// The refusal, with its stable code; the judge's state is then unchanged.
    fn admit(
        &mut self,
        submission: &VerifiedSubmission,
        position: Position,
    ) -> Result<(), ApiError>;
}

/// The open policy: every correctly signed submission is admitted. For logs that carry events
/// judged elsewhere, and for testing the log layer alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct Open;

impl Judge for Open {
    fn admit(&mut self, _: &VerifiedSubmission, _: Position) -> Result<(), ApiError> {
        Ok(())
    }
}
