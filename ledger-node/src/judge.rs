//! The append policy: what the sequencer asks before it sequences a verified submission.
//!
//! A submission is judged against the state *at the log position where it will land*, in log
//! order, by the single sequencer; a refused submission changes nothing. The same judge replays
//! the log on start and in `verify`, so a record that its own append path would have refused is
//! reported as invalid.

use ledger_api::ApiError;
use ledger_core::domain::{self, DomainConfig, DomainError, ParsedSubmission};
use ledger_core::key::PublicKey;
use ledger_core::record::VerifiedSubmission;

use std::sync::{Arc, RwLock};

use ledger_core::projection::{ProjectionError, Projections};

use crate::config::Policy;

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

    /// [`Judge::admit`] for a submission whose event was parsed ahead, on another thread (a
    /// replay's reader). Gives the submission back, so that the replay can free it on the
    /// thread that allocated it, off the judging thread.
    ///
    /// # Errors
    /// As [`Judge::admit`].
    fn admit_parsed(
        &mut self,
        parsed: ParsedSubmission,
        position: Position,
    ) -> Result<VerifiedSubmission, ApiError> {
        self.admit(parsed.submission(), position)?;
        Ok(parsed.into_submission())
    }
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

/// The projections a domain node maintains, shared between the sequencer (which updates them as
/// it admits events) and readers.
pub type SharedProjections = Arc<RwLock<Projections>>;

/// The học bạ policy: every event is judged by the domain rules (authority, school-record
/// events, locks and corrections) against the state at its log position, and the projections
/// (transcripts, gradebooks, authority, audit trails) follow each admitted event. The state is
/// the projections' ledger: the judge is its only writer, readers share it.
pub struct DomainJudge {
    projections: SharedProjections,
}

impl DomainJudge {
    /// A judge with the empty state for these Ministry root keys.
    #[must_use]
    pub fn new(ministry_keys: Vec<PublicKey>) -> Self {
        let config = DomainConfig { ministry_keys };
        Self {
            projections: Arc::new(RwLock::new(Projections::new(&config))),
        }
    }

    /// The projections, for readers.
    #[must_use]
    pub fn projections(&self) -> SharedProjections {
        Arc::clone(&self.projections)
    }
}

impl DomainJudge {
    /// Judges under the read lock (readers go on meanwhile, and nothing else writes), then
    /// has the ledger and the projections take the admitted event together under the write
    /// lock.
    fn judge_and_apply<T, R>(
        &mut self,
        authorise: impl FnOnce(&Projections) -> Result<T, DomainError>,
        apply: impl FnOnce(&mut Projections, T) -> Result<R, ProjectionError>,
    ) -> Result<R, ApiError> {
        let authorised = authorise(&self.projections.read().expect("projections lock"))
            .map_err(|error| refusal(&error))?;
        apply(
            &mut self.projections.write().expect("projections lock"),
            authorised,
        )
        .map_err(|error| ApiError::internal(format!("projection update: {error}")))
    }
}

impl Judge for DomainJudge {
    fn admit(
        &mut self,
        submission: &VerifiedSubmission,
        position: Position,
    ) -> Result<(), ApiError> {
        let position = domain_position(position);
        self.judge_and_apply(
            |projections| projections.ledger().authorise(submission, position),
            |projections, event| projections.apply(submission, event),
        )
    }

    fn admit_parsed(
        &mut self,
        parsed: ParsedSubmission,
        position: Position,
    ) -> Result<VerifiedSubmission, ApiError> {
        let position = domain_position(position);
        self.judge_and_apply(
            |projections| projections.ledger().authorise_parsed(parsed, position),
            |projections, (submission, event)| {
                projections.apply(&submission, event).map(|()| submission)
            },
        )
    }
}

fn domain_position(position: Position) -> domain::Position {
    domain::Position {
        index: position.index,
        sequenced_at_us: position.sequenced_at_us,
    }
}

/// The HTTP problem of a domain refusal: 403 when the author lacks the authority, 409 when the
/// event conflicts with the record's state (sealed, confirmed, already done), 422 when the event
/// itself breaks a rule.
#[must_use]
pub fn refusal(error: &DomainError) -> ApiError {
    let code = error.code();
    let status = ledger_api::error::status_of_domain_code(code);
    ApiError::refused(code, ledger_api::error::title_of(code), error.to_string())
        .with_status(status)
}

/// Parses the Ministry root keys of a `hocba` policy (base64 Ed25519 public keys, screened).
///
/// # Errors
/// A key that is not base64 or not a valid, strong Ed25519 key.
pub fn ministry_keys_of(ministry_keys: &[String]) -> Result<Vec<PublicKey>, String> {
    use base64::Engine as _;
    ministry_keys
        .iter()
        .map(|key| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(key)
                .map_err(|error| format!("ministry key {key:?}: {error}"))?;
            PublicKey::from_bytes(&bytes).map_err(|error| format!("ministry key {key:?}: {error}"))
        })
        .collect()
}

/// The judge a node's policy asks for, with the projections it maintains (none for the open
/// policy).
///
/// # Errors
/// A Ministry key in the configuration that is not a valid, strong Ed25519 key.
pub fn judge_for(policy: &Policy) -> Result<(Box<dyn Judge>, Option<SharedProjections>), String> {
    match policy {
        Policy::Open => Ok((Box::new(Open), None)),
        Policy::Hocba { ministry_keys } => {
            let keys = ministry_keys_of(ministry_keys)?;
            let judge = DomainJudge::new(keys);
            let projections = judge.projections();
            Ok((Box::new(judge), Some(projections)))
        }
    }
}
