//! The học bạ domain on the log: authority, units, school-year setup, enrolments, assessments,
//! locks, corrections and signatures, each judged at the log position where it lands.
//!
//! The node drives a [`Ledger`] in log order:
//!
//! 1. [`Ledger::authorise`] judges a [`VerifiedSubmission`] against the state at a
//!    [`Position`], without changing anything, and returns an [`AuthorisedEvent`] or a
//!    [`DomainError`] with a stable code;
//! 2. once the record is durable, [`Ledger::apply`] applies that event.
//!
//! Only `authorise` makes an [`AuthorisedEvent`] (proof-carrying: its fields are private), and
//! `apply` accepts only an event authorised against this exact state, so the state never holds
//! an event the rules would refuse. Everything is deterministic: time for validity periods is
//! the position's sequencing time, never a clock, and replaying the same events gives an equal
//! `Ledger` (the `PartialEq` and `Debug` dump compare whole states).
//!
//! `docs/EVENTS.md` is the reference for every event: its payload, who may sign it and its
//! refusal codes. The end of the year (summer results, the promotion decision, awards,
//! programme completion) is judged against the TT 22 computations of `crate::rules`, which the
//! domain calls and never re-implements (`year_end`); withdrawals, copies and extracts, and
//! identity corrections are record procedures. The principal's exemptions from the practical
//! parts of gdtc and gdqp_an are part of the learner's year; they do not change the rules'
//! computations. Which signatures a record needs is the signing policy in force for its level
//! and school year (`signing_policy.set`, set by the Ministry; [`SigningPolicy::DEFAULT`]
//! otherwise), judged at each signature's log position. What is not here: identity data (only salted
//! commitments are in the log).
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use ledger_core::domain::{DomainConfig, Ledger, Position};
//! use ledger_core::key::PublicKey;
//! use ledger_core::record::{SignedSubmission, Submission};
//!
//! let ministry = SigningKey::from_bytes(&[1; 32]);
//! let mut ledger = Ledger::new(DomainConfig {
//!     ministry_keys: vec![PublicKey::from(&ministry)],
//! });
//! let payload = serde_json::json!({"unit": "79", "kind": "province", "name": "TP. Hồ Chí Minh"});
//! let submission = Submission::new(
//!     PublicKey::from(&ministry),
//!     1_788_000_000_000,
//!     "unit.registered",
//!     "bo:unit:79",
//!     payload.as_object().unwrap().clone(),
//!     1,
//! )
//! .unwrap();
//! let verified = SignedSubmission::sign(&submission, &ministry).verify().unwrap();
//! let position = Position { index: 0, sequenced_at_us: 1_788_000_000_000_000 };
//! let event = ledger.authorise(&verified, position).unwrap();
//! ledger.apply(event);
//! assert_eq!(ledger.unit_name(&"79".parse().unwrap()), Some("TP. Hồ Chí Minh"));
//! ```

mod apply;
mod assessments;
mod authority;
mod error;
mod event;
mod judge;
mod payload;
mod policy;
mod state;
mod targets;
pub mod value;
mod year_end;

use std::collections::BTreeMap;

use crate::hashed::HashMap;

pub use error::DomainError;
pub(crate) use event::Event;
pub use event::{
    term_wire_name, ClassKey, CopyKind, Decision, Duty, Exemption, ExemptionPart, ExemptionPeriod,
    IndividualPlan, PlanAssessment, SubjectSpec, ABSENCE_SESSIONS_MAX, APPROVAL_ENTRIES_MAX,
    EVENT_TYPES, EXEMPTABLE_SUBJECTS, MAKEUP_REASON_MAX, PERIODS_PER_YEAR_MAX, SUBJECTS_MAX,
};
pub use policy::{ApprovalBy, PolicySetting, RecordLevel, SigningPolicy};
use state::{
    Assignment, Class, CorrectionRequest, Grant, IssuedCopy, Learner, Reopening, Target, Unit,
};
// The projections read a learner's year from its record, with the record's own accessors.
pub(crate) use assessments::Versions;
pub(crate) use state::{push_exact, Corrected, LearnerYear, LearnerYears};
use value::{
    AssessmentKind, AssessmentValue, ClassName, ConductLevel, CopyId, Digest, GrantId, LearnerCode,
    Role, SchoolYear, Semester, SubjectCode, Term, UnitCode,
};
pub(crate) use year_end::subject_value as summer_value;
pub use year_end::FINAL_GRADES;
pub(crate) use year_end::{merge_subject_specs, rules_for};

use crate::key::PublicKey;
use crate::record::VerifiedSubmission;

/// Where an event lands: its log index and the node's sequencing time (µs since the Unix
/// epoch).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Position {
    /// The record's index in the log.
    pub index: u64,
    /// The record's `sequenced_at`, microseconds since the Unix epoch.
    pub sequenced_at_us: u64,
}

/// The domain's configuration: what is not decided by events.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct DomainConfig {
    /// The Ministry's root keys (Bộ GDĐT). They hold the `bo_gddt` role everywhere and always;
    /// every other authority is granted by events.
    pub ministry_keys: Vec<PublicKey>,
}

/// A verified submission with its payload parsed into the domain's event (or the reason it
/// does not parse). Parsing needs no state, so a replay parses on the thread that reads the
/// records while another judges them; [`Ledger::authorise_parsed`] takes it.
#[derive(Debug)]
pub struct ParsedSubmission {
    submission: VerifiedSubmission,
    event: Result<Event, DomainError>,
}

impl ParsedSubmission {
    /// Parses `submission`'s event.
    #[must_use]
    pub fn parse(submission: VerifiedSubmission) -> Self {
        let event = Event::parse(submission.submission());
        Self { submission, event }
    }

    /// The submission.
    #[must_use]
    pub fn submission(&self) -> &VerifiedSubmission {
        &self.submission
    }

    /// The submission, without its event.
    #[must_use]
    pub fn into_submission(self) -> VerifiedSubmission {
        self.submission
    }
}

/// An event judged acceptable against a ledger state at a position.
///
/// Only [`Ledger::authorise`] makes one; [`Ledger::apply`] consumes it.
#[derive(Debug)]
#[must_use = "an authorised event does nothing until it is applied"]
pub struct AuthorisedEvent {
    event: Event,
    author: PublicKey,
    position: Position,
    /// How many events the ledger had applied when this one was authorised.
    applied_before: u64,
}

impl AuthorisedEvent {
    /// How many events the ledger had applied when it authorised this one: it applies only to
    /// that state.
    pub(crate) fn applied_before(&self) -> u64 {
        self.applied_before
    }

    /// The event type (`assessment.recorded`).
    #[must_use]
    pub fn event_type(&self) -> &'static str {
        self.event.event_type()
    }

    /// The event as the ledger parsed and resolved it.
    pub(crate) fn event(&self) -> &Event {
        &self.event
    }

    /// The author's key.
    #[must_use]
    pub fn author(&self) -> &PublicKey {
        &self.author
    }

    /// Where the event lands.
    #[must_use]
    pub fn position(&self) -> Position {
        self.position
    }
}

/// Where a learner's record for a school year stands in the signing chain.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum SigningStatus {
    /// Not signed off by the homeroom teacher (or changed since).
    Unsigned,
    /// Signed off by the homeroom teacher (giáo viên chủ nhiệm đã ký).
    SignedOff,
    /// Approved by the principal (hiệu trưởng đã duyệt), with the digest approved.
    Approved(Digest),
}

/// A unit's history, borrowed from the domain state ([`Ledger::unit_record`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UnitRecord<'a> {
    /// Province, commune, school or GDTX centre.
    pub kind: value::UnitKind,
    /// Every name, oldest first, with the log index from which it applied; never empty.
    pub names: &'a [(String, u64)],
    /// The unit it belongs to (none for a province).
    pub parent: Option<&'a UnitCode>,
    /// The successor and the index of `unit.merged`, once merged.
    pub merged: Option<(&'a UnitCode, u64)>,
}

/// The domain state: authority, units, school-year setup, enrolments, assessments, locks,
/// corrections and signatures.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Ledger {
    config: DomainConfig,
    applied: u64,
    last: Option<Position>,
    // Looked up by exact key while judging every event: hashed (never iterated).
    grants: HashMap<GrantId, Grant>,
    grants_by_key: HashMap<[u8; 32], Vec<GrantId>>,
    units: HashMap<UnitCode, Unit>,
    classes: HashMap<ClassKey, Class>,
    assignments: HashMap<(ClassKey, Duty), Assignment>,
    learners: HashMap<LearnerCode, Learner>,
    records: LearnerYears,
    // A reopening filters these two; the result does not depend on the order.
    confirmations: HashMap<(ClassKey, SubjectCode, Semester), u64>,
    seals: HashMap<(UnitCode, SchoolYear, Term), u64>,
    reopenings: Vec<Reopening>,
    /// Every event that set a correctable value, by index.
    targets: targets::Targets,
    /// Every correction request, by index.
    corrections: BTreeMap<u64, CorrectionRequest>,
    /// Every electronic copy or extract issued, by copy id.
    copies: BTreeMap<CopyId, IssuedCopy>,
    /// Every signing policy set, per level and school year, oldest first; the last is in force.
    signing_policies: BTreeMap<(RecordLevel, SchoolYear), Vec<PolicySetting>>,
}

impl Ledger {
    /// An empty ledger whose root of trust is `config`.
    #[must_use]
    pub fn new(config: DomainConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Judges a verified submission against the state at `position`, without changing
    /// anything.
    ///
    /// # Errors
    /// A [`DomainError`] naming the first rule the event breaks: its type or schema version
    /// (`event-type-unknown`, `schema-version-unsupported`), its payload (`payload-malformed`,
    /// `payload-invalid`, …), the author's authority at `position` (`authority-*`), or the
    /// state (`subject-confirmed`, `term-sealed`, …). `position-out-of-order` when `position`
    /// is not after the last applied event.
    pub fn authorise(
        &self,
        submission: &VerifiedSubmission,
        position: Position,
    ) -> Result<AuthorisedEvent, DomainError> {
        self.check_position(position)?;
        let event = Event::parse(submission.submission())?;
        self.authorise_event(event, *submission.author(), position)
    }

    /// [`Ledger::authorise`] for a submission whose event was parsed ahead (on another
    /// thread, [`ParsedSubmission`]); gives the submission back with the authorised event.
    ///
    /// # Errors
    /// As [`Ledger::authorise`], in the same order.
    pub fn authorise_parsed(
        &self,
        parsed: ParsedSubmission,
        position: Position,
    ) -> Result<(VerifiedSubmission, AuthorisedEvent), DomainError> {
        self.check_position(position)?;
        let ParsedSubmission { submission, event } = parsed;
        let event = self.authorise_event(event?, *submission.author(), position)?;
        Ok((submission, event))
    }

    fn check_position(&self, position: Position) -> Result<(), DomainError> {
        match self.last {
            Some(last)
                if position.index <= last.index
                    || position.sequenced_at_us < last.sequenced_at_us =>
            {
                Err(DomainError::PositionOutOfOrder {
                    index: position.index,
                    sequenced_at_us: position.sequenced_at_us,
                    last_index: last.index,
                    last_sequenced_at_us: last.sequenced_at_us,
                })
            }
            _ => Ok(()),
        }
    }

    fn authorise_event(
        &self,
        mut event: Event,
        author: PublicKey,
        position: Position,
    ) -> Result<AuthorisedEvent, DomainError> {
        self.judge(&mut event, &author, position)?;
        Ok(AuthorisedEvent {
            event,
            author,
            position,
            applied_before: self.applied,
        })
    }

    /// Applies an event previously authorised against this exact state (the sequencer calls
    /// `authorise` then `apply`, in log order).
    ///
    /// # Panics
    /// When `event` was authorised against another state (another ledger, or this one before
    /// other events were applied): a programming error in the caller.
    pub fn apply(&mut self, event: AuthorisedEvent) {
        assert_eq!(
            event.applied_before, self.applied,
            "an event must be applied to the state it was authorised against"
        );
        let AuthorisedEvent {
            event,
            author,
            position,
            ..
        } = event;
        self.apply_event(event, author, position);
        self.applied += 1;
        self.last = Some(position);
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &DomainConfig {
        &self.config
    }

    /// How many events have been applied.
    #[must_use]
    pub fn applied_count(&self) -> u64 {
        self.applied
    }

    /// The position of the last applied event.
    #[must_use]
    pub fn last_position(&self) -> Option<Position> {
        self.last
    }

    /// Whether `key` holds `role` for `unit` (and `school_year`, if given) at `position`: the
    /// check the node uses for read access.
    #[must_use]
    pub fn holds_role(
        &self,
        key: &PublicKey,
        role: Role,
        unit: &UnitCode,
        school_year: Option<SchoolYear>,
        position: Position,
    ) -> bool {
        self.check_authority(key, &[role], unit, school_year, position, "reading")
            .is_ok()
    }

    /// A unit's current name.
    #[must_use]
    pub fn unit_name(&self, unit: &UnitCode) -> Option<&str> {
        self.units
            .get(unit)
            .and_then(|found| found.names.last())
            .map(|(name, _)| name.as_str())
    }

    /// The unit a unit belongs to (a school's commune or province, a commune's province).
    #[must_use]
    pub fn unit_parent(&self, unit: &UnitCode) -> Option<&UnitCode> {
        self.units.get(unit).and_then(|found| found.parent.as_ref())
    }

    /// The unit a merged unit was merged into.
    #[must_use]
    pub fn successor(&self, unit: &UnitCode) -> Option<&UnitCode> {
        self.units
            .get(unit)
            .and_then(|found| found.merged.as_ref())
            .map(|(successor, _)| successor)
    }

    /// A unit's history as the log recorded it: kind, every name with the index from which it
    /// applied, parent and, once merged, the successor with the index of the merge.
    #[must_use]
    pub fn unit_record(&self, unit: &UnitCode) -> Option<UnitRecord<'_>> {
        self.units.get(unit).map(|found| UnitRecord {
            kind: found.kind,
            names: &found.names,
            parent: found.parent.as_ref(),
            merged: found
                .merged
                .as_ref()
                .map(|(successor, index)| (successor, *index)),
        })
    }

    /// The school holding the learner's record now: the school of their active enrolment in
    /// the latest school year they are enrolled in, if that enrolment is active.
    #[must_use]
    pub fn custodian(&self, learner: &LearnerCode) -> Option<&UnitCode> {
        let (_, record) = self.records.years(learner).last()?;
        let enrolment = record.current()?;
        matches!(enrolment.status, state::EnrolmentStatus::Active).then_some(&enrolment.school)
    }

    /// The learner's current class in a school year (school, class), if actively enrolled.
    #[must_use]
    pub fn enrolment(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<(&UnitCode, &ClassName)> {
        let enrolment = self.record(learner, school_year)?.current()?;
        matches!(enrolment.status, state::EnrolmentStatus::Active)
            .then_some((&enrolment.school, &enrolment.class))
    }

    /// The assessment value in force, with the index of the event that set it.
    #[must_use]
    pub fn assessment(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
        slot: u8,
    ) -> Option<(AssessmentValue, u64)> {
        let version = self
            .assessment_versions(learner, school_year, subject, semester, kind, slot)?
            .last();
        Some((version.value, version.at))
    }

    /// Why the mid-term or final in force was a make-up (kiểm tra bù), when it was: the
    /// `makeup_reason` of the recording it comes from (a correction keeps it). `None` for a
    /// regular assessment, which is never made up.
    #[must_use]
    pub fn assessment_makeup(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
    ) -> Option<&str> {
        self.record(learner, school_year)?
            .assessment_makeup(subject, semester, kind)
    }

    /// The principal's exemptions in force for the learner in the year, in log order: those
    /// decided in it (`exemption.decided`) and the `level` exemptions decided in an earlier
    /// year at the level of the year's latest class.
    #[must_use]
    pub fn exemptions(&self, learner: &LearnerCode, school_year: SchoolYear) -> Vec<Exemption> {
        let Some(record) = self.record(learner, school_year) else {
            return Vec::new();
        };
        let mut found = record.exemptions.clone();
        let mut earlier = self
            .records
            .years(learner)
            .take_while(|(year, _)| *year < school_year)
            .flat_map(|(_, earlier)| &earlier.exemptions)
            .filter(|e| e.period == ExemptionPeriod::Level)
            .peekable();
        // The year's level is looked up only for a learner with a level exemption before it.
        if earlier.peek().is_some() {
            if let Some(level) = self.year_level(record, school_year) {
                found.extend(earlier.filter(|e| e.level == level).cloned());
            }
        }
        found.sort_by_key(|e| e.index);
        found
    }

    /// The principal's individual education plan for the learner's year
    /// (`individual_plan.decided`), if any.
    #[must_use]
    pub fn individual_plan(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<&IndividualPlan> {
        self.record(learner, school_year)?.plan.as_ref()
    }

    /// The level of a learner's year: that of its latest class.
    fn year_level(&self, record: &LearnerYear, school_year: SchoolYear) -> Option<RecordLevel> {
        let enrolment = record.current()?;
        self.class_level(&ClassKey {
            school: enrolment.school.clone(),
            school_year,
            class: enrolment.class.clone(),
        })
    }

    /// The record digest of a learner's year (`docs/EVENTS.md`, "Record digest").
    fn digest_of(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        record: &LearnerYear,
    ) -> Digest {
        record.digest(learner, school_year, &self.exemptions(learner, school_year))
    }

    /// How many versions an assessment has had (1 when never changed), 0 when it has none.
    #[must_use]
    pub fn assessment_version_count(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
        slot: u8,
    ) -> usize {
        self.assessment_versions(learner, school_year, subject, semester, kind, slot)
            .map_or(0, Versions::len)
    }

    /// Every version of an assessment, oldest first; `slot` counts only for a regular one.
    fn assessment_versions(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
        slot: u8,
    ) -> Option<&Versions> {
        self.record(learner, school_year)?
            .assessment_versions(subject, semester, kind, slot)
    }

    /// The conduct level in force for a semester.
    #[must_use]
    pub fn conduct(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        semester: Semester,
    ) -> Option<ConductLevel> {
        self.record(learner, school_year)?
            .conduct_in_force(semester)
    }

    /// Sessions absent in a semester: (excused, unexcused).
    #[must_use]
    pub fn absences(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        semester: Semester,
    ) -> Option<(u16, u16)> {
        self.record(learner, school_year)?.absences_in(semester)
    }

    /// How many approved corrections changed a subject's results for the learner in the year
    /// (the count the paper học bạ prints per subject).
    #[must_use]
    pub fn correction_count(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
    ) -> u32 {
        self.correction_count_of(learner, school_year, &Corrected::Subject(subject.clone()))
    }

    /// How many approved corrections changed the learner's conduct in the year.
    #[must_use]
    pub fn conduct_correction_count(&self, learner: &LearnerCode, school_year: SchoolYear) -> u32 {
        self.correction_count_of(learner, school_year, &Corrected::Conduct)
    }

    fn correction_count_of(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        corrected: &Corrected,
    ) -> u32 {
        self.record(learner, school_year)
            .map_or(0, |record| record.correction_count(corrected))
    }

    /// The digest of the learner's record for the year as it stands, which `approval.signed`
    /// must carry (see `docs/EVENTS.md`, "Record digest").
    #[must_use]
    pub fn record_digest(&self, learner: &LearnerCode, school_year: SchoolYear) -> Option<Digest> {
        self.record(learner, school_year)
            .map(|record| self.digest_of(learner, school_year, record))
    }

    /// Where the learner's record for the year stands in the signing chain.
    #[must_use]
    pub fn signing_status(&self, learner: &LearnerCode, school_year: SchoolYear) -> SigningStatus {
        self.record(learner, school_year)
            .map_or(SigningStatus::Unsigned, LearnerYear::signing_status)
    }

    /// Whether the homeroom teacher's sign-off of the learner's year is in force (a change to
    /// the record clears it; a policy without the sign-off step lets an approval stand without
    /// one).
    #[must_use]
    pub fn is_signed_off(&self, learner: &LearnerCode, school_year: SchoolYear) -> bool {
        self.record(learner, school_year)
            .is_some_and(|record| record.signed_off.is_some())
    }

    /// The signing policy in force for a level and school year: the last `signing_policy.set`
    /// for them, or [`SigningPolicy::DEFAULT`] when none was set.
    #[must_use]
    pub fn signing_policy(&self, level: RecordLevel, school_year: SchoolYear) -> SigningPolicy {
        self.signing_policy_setting(level, school_year)
            .map_or(SigningPolicy::DEFAULT, |setting| setting.policy)
    }

    /// The `signing_policy.set` in force for a level and school year, if any.
    #[must_use]
    pub fn signing_policy_setting(
        &self,
        level: RecordLevel,
        school_year: SchoolYear,
    ) -> Option<&PolicySetting> {
        self.signing_policies
            .get(&(level, school_year))
            .and_then(|settings| settings.last())
    }

    /// Every signing policy set, by level and school year, each oldest first (the last is in
    /// force).
    pub fn signing_policy_settings(&self) -> impl Iterator<Item = &PolicySetting> {
        self.signing_policies.values().flatten()
    }

    /// The level of a class's records: its school's kind and its grade; `None` for a class or
    /// school not on the log.
    #[must_use]
    pub fn class_level(&self, class: &ClassKey) -> Option<RecordLevel> {
        let grade = self.classes.get(class)?.grade;
        let kind = self.units.get(&class.school)?.kind;
        Some(RecordLevel::of_class(kind, grade))
    }

    /// Whether a term is sealed (a semester is also sealed when its whole year is).
    #[must_use]
    pub fn is_sealed(&self, school: &UnitCode, school_year: SchoolYear, term: Term) -> bool {
        self.seal_of(school, school_year, term).is_some()
    }

    /// Whether a subject's results for a semester are confirmed.
    #[must_use]
    pub fn is_confirmed(
        &self,
        class: &ClassKey,
        subject: &SubjectCode,
        semester: Semester,
    ) -> bool {
        self.confirmed_at(class, subject, semester).is_some()
    }

    /// How many times terms have been reopened, across all schools.
    #[must_use]
    pub fn reopening_count(&self) -> usize {
        self.reopenings.len()
    }

    /// What the value-setting event at `index` set (an `assessment.recorded`,
    /// `conduct.recorded` or `correction.approved`): the learner, the class it was recorded in,
    /// and the subject (`None` for conduct). The projections read corrections' targets here
    /// instead of keeping a copy.
    pub(crate) fn setter_of(
        &self,
        index: u64,
    ) -> Option<(LearnerCode, ClassKey, Option<SubjectCode>)> {
        let target = self.targets.get(index)?;
        let (learner, school_year) = target.learner_year();
        let record = self.record(&learner, school_year)?;
        let (class, subject) = match &target {
            Target::Assessment { slot, .. } => {
                let version = record
                    .assessments
                    .versions(slot)?
                    .iter()
                    .find(|v| v.at == index)?;
                (
                    record.class_of(version, school_year),
                    Some(slot.subject.clone()),
                )
            }
            Target::Conduct { semester, .. } => {
                let version = record
                    .conduct
                    .get(semester)?
                    .iter()
                    .find(|v| v.at == index)?;
                (record.class_of(version, school_year), None)
            }
        };
        Some((learner, class, subject))
    }

    /// A learner's record for a school year.
    pub(crate) fn record(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<&LearnerYear> {
        self.records.get(learner, school_year)
    }

    /// The index of the confirmation of a subject's results for a semester.
    fn confirmed_at(
        &self,
        class: &ClassKey,
        subject: &SubjectCode,
        semester: Semester,
    ) -> Option<u64> {
        self.confirmations
            .get(&(class.clone(), subject.clone(), semester))
            .copied()
    }

    /// The index of the seal locking `term`: its own, or the whole year's.
    fn seal_of(
        &self,
        school: &UnitCode,
        school_year: SchoolYear,
        term: Term,
    ) -> Option<(Term, u64)> {
        let own = self
            .seals
            .get(&(school.clone(), school_year, term))
            .map(|at| (term, *at));
        own.or_else(|| {
            self.seals
                .get(&(school.clone(), school_year, Term::Year))
                .map(|at| (Term::Year, *at))
        })
    }
}
