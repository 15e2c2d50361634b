//! Read models of the log: transcripts (học bạ), gradebooks (sổ điểm), the authority state and
//! audit trails.
//!
//! A [`Projections`] is a pure function of the log: it is fed, in log order, with every event
//! the domain [`Ledger`] applies, and answers questions from what it has seen. Feeding the same
//! events gives the same projections, whether one at a time as the node applies them or all at
//! once on start ([`Projections::rebuild`]); the property tests check that at every prefix.
//!
//! It owns the domain [`Ledger`] that judges each event. The node drives it:
//!
//! 1. `let event = projections.ledger().authorise(&submission, position)?;`
//! 2. `projections.apply(&submission, event)?;`
//!
//! `apply` refuses an event authorised against another state of the ledger (the projections
//! never skip or repeat an event), applies it to the ledger, takes from the event as the
//! domain parsed it what the ledger state does not keep (who granted what, reasons, the enrolment history, the class
//! set-up) and copies from the ledger's read methods the single values in force of each
//! learner-year the event touches (conduct, absences, exemptions, signing status). Assessments,
//! one per event for most of a log, are read from the ledger when an answer is built, not
//! copied. So the domain rules are decided in one place only.
//!
//! Every answer carries `as_of_size`: the log size (last observed index + 1) it reflects; the
//! node pairs it with the checkpoint of that size. Results (averages, levels, outcome) are
//! computed by [`crate::rules`] (TT 22) when an answer is built; missing assessments stay
//! missing, and results that depend on them are pending, never zero.
//!
//! - [`transcript`]: a learner's học bạ, per school year.
//! - [`gradebook`]: one (class, subject, semester): learners × assessments.
//! - [`authority`]: who holds which role where, when, granted and revoked by whom.
//! - [`audit`]: the log indexes of every event that touched a learner, a grade, a class or a key.
//! - [`units`]: each administrative unit's and school's names over time, parent and merges.

pub mod access;
pub mod audit;
pub mod authority;
mod entries;
pub mod feed;
pub mod gradebook;
pub mod identity_access;
mod json;
mod observe;
mod trail;
pub mod transcript;
pub mod units;

use std::collections::{BTreeMap, BTreeSet};

use crate::hashed::HashMap;

use crate::domain::value::{
    AssessmentValue, ClassName, ConductLevel, Date, Digest, GrantId, LearnerCode, Role, SchoolYear,
    Semester, SubjectCode, Term, UnitCode,
};
use crate::domain::{
    AuthorisedEvent, ClassKey, CopyKind, Corrected, Decision, DomainConfig, DomainError, Duty,
    Exemption, IndividualPlan, LearnerYear, LearnerYears, Ledger, PolicySetting, Position,
    RecordLevel, SigningStatus, SubjectSpec,
};
use crate::key::PublicKey;
use crate::record::VerifiedSubmission;
use crate::rules::year::Award;

use observe::Fact;
use trail::{LearnerTrails, Trail};

pub use audit::{AuditEntry, AuditSubject, AuditTrail};
pub use authority::{AuthorityState, GrantView, Revocation, SigningPolicyView};
pub use gradebook::{Gradebook, GradebookRow};
pub use transcript::{
    AssessmentView, EnrolmentView, SemesterRecord, Signature, SigningView, SubjectRecord,
    SummerView, Transcript, TranscriptYear,
};

/// Why an event could not be observed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectionError {
    /// The ledger given is not the state right after this event: an event was skipped, fed
    /// twice, or fed out of order (a bug in the caller).
    #[error(
        "projections out of step: observed {observed} events, the ledger applied {applied} \
         (last at {last:?}), event at index {index}"
    )]
    OutOfStep {
        /// Events observed before this one.
        observed: u64,
        /// Events the ledger has applied.
        applied: u64,
        /// The ledger's last applied position.
        last: Option<Position>,
        /// The index of the event offered.
        index: u64,
    },
    /// The submission is not the one the event was authorised from.
    #[error("the submission at index {index} is not the authorised event's")]
    SubmissionMismatch {
        /// The index of the event.
        index: u64,
    },
    /// Replaying the log, the domain refused an event.
    #[error("event at index {index} refused on replay: [{code}] {message}")]
    Refused {
        /// The index of the event.
        index: u64,
        /// The domain's refusal code.
        code: &'static str,
        /// The domain's message.
        message: String,
    },
}

impl ProjectionError {
    fn refused(index: u64, error: &DomainError) -> Self {
        Self::Refused {
            index,
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// A class as opened, with its teachers and everyone ever enrolled in it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct ClassInfo {
    pub(crate) grade: u8,
    /// The level of its records, which picks the signing policy.
    pub(crate) level: Option<RecordLevel>,
    pub(crate) subjects: Vec<SubjectSpec>,
    pub(crate) opened_at: u64,
    pub(crate) teachers: BTreeMap<Duty, (PublicKey, u64)>,
    pub(crate) roster: BTreeSet<LearnerCode>,
}

/// How an enrolment began.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum EnrolledVia {
    Enrolment,
    TransferFrom(UnitCode),
}

/// One enrolment of a learner in a school year.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Enrolment {
    pub(crate) school: UnitCode,
    pub(crate) class: ClassName,
    pub(crate) since: u64,
    pub(crate) via: EnrolledVia,
    /// Transferred out: at, to which school, reason.
    pub(crate) left: Option<(u64, UnitCode, Option<String>)>,
    /// Withdrawn (thôi học): at, reason.
    pub(crate) withdrawn: Option<(u64, String)>,
}

/// A learner's school year: enrolment history from events, the year's single values in force
/// copied from the ledger. Assessments are not copied: there is one per event for most of a
/// log, so answers read them from the ledger's record of the year (`Projections::ledger`).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct YearState {
    pub(crate) enrolments: Vec<Enrolment>,
    pub(crate) conduct: [Option<ConductLevel>; 2],
    pub(crate) absences: [Option<(u16, u16)>; 2],
    pub(crate) conduct_corrections: u32,
    pub(crate) signing: Option<SigningStatus>,
    /// Whether the homeroom sign-off is in force (an approval may stand without one when the
    /// policy does not require it).
    pub(crate) signed_off: bool,
    pub(crate) sign_offs: Vec<(u64, PublicKey)>,
    pub(crate) approvals: Vec<(u64, PublicKey, Digest)>,
    pub(crate) summer_conduct: Option<ConductLevel>,
    pub(crate) reassessments: Vec<(SubjectCode, AssessmentValue, u64)>,
    pub(crate) decision: Option<(Decision, u64)>,
    pub(crate) award: Option<(Award, u64)>,
    pub(crate) completed: Option<u64>,
    pub(crate) exemptions: Vec<Exemption>,
    pub(crate) plan: Option<IndividualPlan>,
}

impl YearState {
    /// Copies the signing status and sign-off in force from the ledger's record of the year.
    fn copy_signing(&mut self, record: Option<&LearnerYear>) {
        self.signing = Some(record.map_or(SigningStatus::Unsigned, LearnerYear::signing_status));
        self.signed_off = record.is_some_and(|r| r.signed_off.is_some());
    }
}

/// An electronic copy or extract issued (`copy.issued`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CopyView {
    /// The copy's own id.
    pub copy_id: String,
    /// The learner.
    pub learner: LearnerCode,
    /// The issuing school.
    pub school: UnitCode,
    /// The school year copied.
    pub school_year: SchoolYear,
    /// Copy (bản sao) or extract (trích lục).
    pub kind: CopyKind,
    /// The record digest the copy reflects.
    pub record_digest: Digest,
    /// Who asked for it.
    pub requester: String,
    /// The log index of the `copy.issued` event.
    pub index: u64,
    /// The key that issued it.
    pub issued_by: PublicKey,
}

impl CopyView {
    /// The copy as JSON.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "copy_id": self.copy_id,
            "learner": self.learner.as_str(),
            "school": self.school.as_str(),
            "school_year": json::text(self.school_year),
            "kind": self.kind.as_str(),
            "record_digest": json::text(self.record_digest),
            "requester": self.requester,
            "index": self.index,
            "issued_by": json::key(&self.issued_by),
        })
    }
}

/// What an event that sets a correctable value set.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Setter {
    pub(crate) learner: LearnerCode,
    pub(crate) class: ClassKey,
    /// `None` for conduct.
    pub(crate) subject: Option<SubjectCode>,
}

impl Setter {
    /// What the value-setting event at `index` set, as the ledger keeps it.
    pub(crate) fn of(ledger: &Ledger, index: u64) -> Option<Self> {
        let (learner, class, subject) = ledger.setter_of(index)?;
        Some(Self {
            learner,
            class,
            subject,
        })
    }
}

/// A grant, from its `authority.granted` event.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct GrantInfo {
    pub(crate) grantee: PublicKey,
    pub(crate) role: Role,
    pub(crate) unit: UnitCode,
    pub(crate) school_year: Option<SchoolYear>,
    /// The learner a `hoc_sinh` or `phu_huynh` grant reads.
    pub(crate) learner: Option<LearnerCode>,
    pub(crate) valid_from: Date,
    pub(crate) valid_until: Option<Date>,
    pub(crate) granted_at: u64,
    pub(crate) granted_by: PublicKey,
    pub(crate) revoked: Option<(u64, PublicKey, String)>,
}

/// The projections of the log: transcripts, gradebooks, authority and audit trails.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Projections {
    /// The domain state after every observed event: the judge of the next event, and where
    /// answers read what the projections do not copy (assessments and their versions).
    ledger: Ledger,
    observed: u64,
    size: u64,
    ministry_keys: Vec<PublicKey>,
    // Audit. Trails are only ever looked up by their exact key, several per event: hashed,
    // not ordered.
    entries: entries::Entries,
    learner_trails: LearnerTrails,
    class_trail: HashMap<ClassKey, Trail>,
    lock_trail: HashMap<(ClassKey, SubjectCode), Trail>,
    seal_trail: HashMap<(UnitCode, SchoolYear), Trail>,
    key_trail: HashMap<[u8; 32], Trail>,
    school_trail: HashMap<UnitCode, Trail>,
    // Set-up and records.
    /// Each unit's names over time, parent and merge (what read access follows, and the
    /// school names transcripts show).
    units: BTreeMap<UnitCode, units::UnitHistory>,
    classes: BTreeMap<ClassKey, ClassInfo>,
    learners: BTreeMap<LearnerCode, (u64, UnitCode)>,
    /// Each learner's projected years.
    years: LearnerYears<YearState>,
    confirmations: BTreeMap<(ClassKey, SubjectCode, Semester), (u64, PublicKey)>,
    seals: BTreeMap<(UnitCode, SchoolYear, Term), (u64, PublicKey)>,
    // Authority.
    grants: BTreeMap<GrantId, GrantInfo>,
    // Copies and identity corrections, by learner.
    copies: BTreeMap<LearnerCode, Vec<CopyView>>,
    identity_corrections: BTreeMap<LearnerCode, Vec<(u64, String)>>,
    /// The identity commitment in force per learner, with the index of the event that set it
    /// (`learner.registered`, then each `identity.corrected`): what the identity register
    /// checks its rows against.
    identity_commitments: BTreeMap<LearnerCode, (u64, [u8; 32])>,
    /// The signing policy in force per level and school year (`signing_policy.set`).
    signing_policies: BTreeMap<(RecordLevel, SchoolYear), PolicySetting>,
}

impl Projections {
    /// Empty projections, for a log whose domain has this configuration (the Ministry's root
    /// keys appear in the authority state).
    #[must_use]
    pub fn new(config: &DomainConfig) -> Self {
        Self {
            ledger: Ledger::new(config.clone()),
            ministry_keys: config.ministry_keys.clone(),
            ..Self::default()
        }
    }

    /// Makes room for `records` more records to be observed (a replay knows how many), so
    /// the per-record tables are allocated once at their size.
    pub fn reserve(&mut self, records: u64) {
        self.entries
            .reserve(usize::try_from(records).unwrap_or(usize::MAX));
    }

    /// The domain state after every event applied so far: what the next event is judged
    /// against ([`Ledger::authorise`]).
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Replays a log from the start: authorises each event against the ledger and applies
    /// it.
    ///
    /// # Errors
    /// [`ProjectionError::Refused`] when the domain refuses an event (the log is not a log of
    /// this domain), or any error of [`Projections::apply`].
    pub fn rebuild<'a>(
        config: &DomainConfig,
        events: impl IntoIterator<Item = (&'a VerifiedSubmission, Position)>,
    ) -> Result<Self, ProjectionError> {
        let mut projections = Self::new(config);
        for (submission, position) in events {
            let event = projections
                .ledger
                .authorise(submission, position)
                .map_err(|error| ProjectionError::refused(position.index, &error))?;
            projections.apply(submission, event)?;
        }
        Ok(projections)
    }

    /// Applies an event the ledger authorised to the ledger, and updates the projections from
    /// it: the node's step.
    ///
    /// # Errors
    /// [`ProjectionError::SubmissionMismatch`] (nothing is applied) when `submission` is not
    /// the one `event` was authorised from (other author or type);
    /// [`ProjectionError::OutOfStep`] (nothing is applied) when `event` was not authorised
    /// against this ledger's state.
    pub fn apply(
        &mut self,
        submission: &VerifiedSubmission,
        event: AuthorisedEvent,
    ) -> Result<(), ProjectionError> {
        let position = event.position();
        if event.author() != submission.author()
            || event.event_type() != submission.submission().event_type()
        {
            return Err(ProjectionError::SubmissionMismatch {
                index: position.index,
            });
        }
        if event.applied_before() != self.ledger.applied_count() {
            return Err(ProjectionError::OutOfStep {
                observed: self.observed,
                applied: self.ledger.applied_count(),
                last: self.ledger.last_position(),
                index: position.index,
            });
        }
        let fact = Fact::of(event.event(), event.author(), position.index);
        self.ledger.apply(event);
        // Observing reads the ledger while it updates the rest of `self`: lend it out (an
        // empty `Ledger` costs no allocation).
        let ledger = std::mem::take(&mut self.ledger);
        let observed = self.observe(&fact, submission, position, &ledger);
        self.ledger = ledger;
        observed
    }

    /// Observes the event at `position`, which `ledger_after` has just applied (and which was
    /// authorised from `submission`). On error nothing changes.
    fn observe(
        &mut self,
        fact: &Fact,
        submission: &VerifiedSubmission,
        position: Position,
        ledger_after: &Ledger,
    ) -> Result<(), ProjectionError> {
        if ledger_after.applied_count() != self.observed + 1
            || ledger_after.last_position() != Some(position)
        {
            return Err(ProjectionError::OutOfStep {
                observed: self.observed,
                applied: ledger_after.applied_count(),
                last: ledger_after.last_position(),
                index: position.index,
            });
        }
        self.record(fact, submission, position, ledger_after);
        self.observed += 1;
        self.size = position.index + 1;
        Ok(())
    }

    /// The log size the projections reflect: the last observed index + 1 (0 when empty).
    #[must_use]
    pub fn as_of_size(&self) -> u64 {
        self.size
    }

    /// How many events have been observed.
    #[must_use]
    pub fn observed_count(&self) -> u64 {
        self.observed
    }

    fn push_trail<K: Eq + std::hash::Hash>(map: &mut HashMap<K, Trail>, key: K, index: u64) {
        map.entry(key).or_default().push(index);
    }

    fn year_mut(&mut self, learner: &LearnerCode, school_year: SchoolYear) -> &mut YearState {
        self.years.get_or_default(learner, school_year)
    }

    /// The subjects a learner's year covers: those of every class enrolled in that year, the
    /// latest class's specification winning, in order of first appearance.
    pub(crate) fn year_subjects(
        &self,
        school_year: SchoolYear,
        state: &YearState,
    ) -> Vec<SubjectSpec> {
        self.subjects_of(school_year, &state.enrolments)
    }

    fn subjects_of(&self, school_year: SchoolYear, enrolments: &[Enrolment]) -> Vec<SubjectSpec> {
        crate::domain::merge_subject_specs(enrolments.iter().map(|enrolment| {
            let key = ClassKey {
                school: enrolment.school.clone(),
                school_year,
                class: enrolment.class.clone(),
            };
            self.classes.get(&key).map_or(&[][..], |c| &c.subjects)
        }))
    }

    /// Copies the signing status of a learner's year from the ledger after a grade: a grade
    /// changes no single value of the year (assessments are read from the ledger when an
    /// answer is built), but it lifts the year's sign-off and approval. A year not projected
    /// yet gets the whole copy.
    fn refresh_signing(&mut self, learner: &LearnerCode, school_year: SchoolYear, ledger: &Ledger) {
        let Some(state) = self.years.get_mut(learner, school_year) else {
            return self.refresh_year(learner, school_year, ledger);
        };
        state.copy_signing(ledger.record(learner, school_year));
    }

    /// Copies the single values in force of a learner's year from the ledger (conduct,
    /// absences, signatures, summer results, decisions, exemptions, the plan). Assessments are
    /// read from the ledger when an answer is built.
    fn refresh_year(&mut self, learner: &LearnerCode, school_year: SchoolYear, ledger: &Ledger) {
        let exemptions = ledger.exemptions(learner, school_year);
        let record = ledger.record(learner, school_year);
        let state = self.year_mut(learner, school_year);
        state.conduct = Semester::BOTH.map(|s| record.and_then(|r| r.conduct_in_force(s)));
        state.absences = Semester::BOTH.map(|s| record.and_then(|r| r.absences_in(s)));
        state.conduct_corrections = record.map_or(0, |r| r.correction_count(&Corrected::Conduct));
        state.copy_signing(record);
        state.summer_conduct = record.and_then(LearnerYear::summer_conduct_in_force);
        state.reassessments = record
            .map(LearnerYear::reassessments_in_force)
            .unwrap_or_default();
        state.decision = record.and_then(LearnerYear::decision_in_force);
        state.award = record.and_then(LearnerYear::award_in_force);
        state.completed = record.and_then(LearnerYear::completed_at);
        state.exemptions = exemptions;
        state.plan = record.and_then(|r| r.plan.clone());
    }

    /// Re-copies the single values (exemptions and signatures among them) of the learner's
    /// years after `school_year` that the projections hold, after the exemption event at
    /// `index`: a later year whose exemptions it changed lists it in its own trail and in its
    /// trail of `subject`.
    fn refresh_later_years(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
        index: u64,
        ledger: &Ledger,
    ) {
        let later: Vec<SchoolYear> = self
            .years
            .years(learner)
            .map(|(year, _)| year)
            .filter(|year| *year > school_year)
            .collect();
        for year in later {
            let before = self
                .years
                .get(learner, year)
                .map(|state| state.exemptions.clone());
            self.refresh_year(learner, year, ledger);
            if self.years.get(learner, year).map(|state| &state.exemptions) != before.as_ref() {
                (self.learner_trails.learner_mut(learner).year_mut(year))
                    .push(index)
                    .grade_mut(subject)
                    .push(index);
            }
        }
    }

    /// The learner's identity commitment in force (`docs/IDENTITY.md`): set by
    /// `learner.registered`, replaced by each `identity.corrected`. `None` for an unknown
    /// learner.
    #[must_use]
    pub fn identity_commitment(&self, learner: &LearnerCode) -> Option<[u8; 32]> {
        self.identity_commitments
            .get(learner)
            .map(|(_, commitment)| *commitment)
    }

    /// The log index of the event that set the learner's identity commitment in force.
    #[must_use]
    pub fn identity_commitment_index(&self, learner: &LearnerCode) -> Option<u64> {
        self.identity_commitments
            .get(learner)
            .map(|(index, _)| *index)
    }

    /// The electronic copies and extracts issued from the learner's record, oldest first.
    #[must_use]
    pub fn copies(&self, learner: &LearnerCode) -> Vec<CopyView> {
        self.copies.get(learner).cloned().unwrap_or_default()
    }

    /// Copies the subject confirmations of every class of a school year from the ledger
    /// (a reopening lifts them).
    fn refresh_confirmations(
        &mut self,
        school: &UnitCode,
        school_year: SchoolYear,
        ledger: &Ledger,
    ) {
        let lifted: Vec<_> = self
            .confirmations
            .keys()
            .filter(|(class, subject, semester)| {
                &class.school == school
                    && class.school_year == school_year
                    && !ledger.is_confirmed(class, subject, *semester)
            })
            .cloned()
            .collect();
        for key in lifted {
            self.confirmations.remove(&key);
        }
    }
}
