//! The domain events, parsed from a submission's `event_type`, `schema_version` and `payload`.
//!
//! Parsing checks everything that does not depend on the state: field presence and JSON types,
//! formats (codes, dates, school years), ranges. What depends on the state (who may sign, what
//! exists, what is locked) is judged in [`super::Ledger::authorise`]. `docs/EVENTS.md` is the
//! reference for every payload.

use super::error::DomainError;
use super::payload::Fields;
use super::policy::{ApprovalBy, RecordLevel, SigningPolicy};
use super::value::{
    check_text, AssessmentKind, AssessmentValue, ClassName, ConductLevel, CopyId, Date, Digest,
    GrantId, LearnerCode, Role, SchoolYear, Semester, SubjectCode, SubjectMode, Term, UnitCode,
    UnitKind,
};
use crate::canonical::Layout;
use crate::key::PublicKey;
use crate::record::Submission;
use crate::rules::tt22::TT22;
use crate::rules::year::Award;
use smol_str::SmolStr;
use std::collections::BTreeMap;

/// Most subjects in one class.
pub const SUBJECTS_MAX: usize = 40;

/// Most periods per year for one subject (a generous bound; real subjects have up to ~140).
pub const PERIODS_PER_YEAR_MAX: u64 = 1_000;

/// Most learners in one `approval.signed` batch. A batch entry is about 120 bytes, so a full
/// batch stays well under the 65,422-byte body limit.
pub const APPROVAL_ENTRIES_MAX: usize = 400;

/// Most absent sessions per semester in one count (two sessions a day for a whole semester).
pub const ABSENCE_SESSIONS_MAX: u64 = 400;

/// Longest `makeup_reason` of a make-up assessment (kiểm tra bù), in bytes.
pub const MAKEUP_REASON_MAX: usize = 500;

/// The subjects whose practical parts the principal may exempt a learner from: physical
/// education (giáo dục thể chất) and defence and security education (giáo dục quốc phòng và
/// an ninh).
pub const EXEMPTABLE_SUBJECTS: [&str; 2] = ["gdtc", "gdqp_an"];

/// A class: school, school year and class name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ClassKey {
    /// The school (or GDTX centre).
    pub school: UnitCode,
    /// The school year.
    pub school_year: SchoolYear,
    /// The class name.
    pub class: ClassName,
}

impl std::fmt::Display for ClassKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.school, self.school_year, self.class)
    }
}

/// One subject of a class, as opened.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SubjectSpec {
    /// The subject code.
    pub code: SubjectCode,
    /// Scored or commented.
    pub mode: SubjectMode,
    /// Periods per year (số tiết/năm), which fixes the number of regular assessments.
    pub periods_per_year: u16,
}

impl SubjectSpec {
    /// Regular assessments (ĐĐGtx) required per semester, TT 22 Điều 7 khoản 1, as the rule
    /// set [`TT22`] counts them: commented subjects 2; scored subjects 2 up to 35 periods a
    /// year, 3 up to 70, 4 above.
    #[must_use]
    pub fn regular_count(&self) -> u8 {
        match self.mode {
            SubjectMode::Commented => TT22.commented_regular_count,
            SubjectMode::Scored => TT22.scored_regular_count(u32::from(self.periods_per_year)),
        }
    }
}

/// What a teacher is assigned to in a class.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Duty {
    /// Teaching and assessing one subject (giáo viên bộ môn).
    Subject(SubjectCode),
    /// Homeroom (giáo viên chủ nhiệm).
    Homeroom,
}

impl Duty {
    /// The role a teacher needs for this duty.
    pub(crate) fn role(&self) -> Role {
        match self {
            Duty::Subject(_) => Role::GvBoMon,
            Duty::Homeroom => Role::GvChuNhiem,
        }
    }
}

impl std::fmt::Display for Duty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Duty::Subject(subject) => write!(f, "subject teacher of {subject}"),
            Duty::Homeroom => f.write_str("homeroom teacher (chủ nhiệm)"),
        }
    }
}

/// The value a correction sets, resolved against the corrected event's subject.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum CorrectedValue {
    Assessment(AssessmentValue),
    Conduct(ConductLevel),
}

/// A parsed event. Fields named `resolved` are filled in by `authorise` from the state.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Event {
    AuthorityGranted {
        grant_id: GrantId,
        grantee: PublicKey,
        role: Role,
        unit: UnitCode,
        school_year: Option<SchoolYear>,
        /// The learner whose record a `hoc_sinh` or `phu_huynh` grant reads.
        learner: Option<LearnerCode>,
        valid_from: Date,
        valid_until: Option<Date>,
    },
    AuthorityRevoked {
        grant_id: GrantId,
        reason: String,
    },
    UnitRegistered {
        unit: UnitCode,
        kind: UnitKind,
        name: String,
        parent: Option<UnitCode>,
    },
    UnitRenamed {
        unit: UnitCode,
        name: String,
    },
    UnitMerged {
        unit: UnitCode,
        successor: UnitCode,
    },
    ClassOpened {
        class: ClassKey,
        grade: u8,
        subjects: Vec<SubjectSpec>,
    },
    TeacherAssigned {
        class: ClassKey,
        duty: Duty,
        teacher: PublicKey,
    },
    LearnerRegistered {
        learner: LearnerCode,
        identity_commitment: Digest,
        school: UnitCode,
    },
    LearnerEnrolled {
        learner: LearnerCode,
        class: ClassKey,
    },
    LearnerTransferredOut {
        learner: LearnerCode,
        school: UnitCode,
        school_year: SchoolYear,
        to_school: UnitCode,
        reason: Option<String>,
    },
    LearnerTransferredIn {
        learner: LearnerCode,
        class: ClassKey,
        from_school: UnitCode,
    },
    AssessmentRecorded {
        learner: LearnerCode,
        class: ClassKey,
        subject: SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
        slot: u8,
        /// As written: a score or a level, a few bytes, held inline (no allocation for the
        /// commonest event).
        value: SmolStr,
        /// Why a mid-term or final was taken late (kiểm tra bù), when it was.
        makeup_reason: Option<String>,
        resolved: Option<AssessmentValue>,
    },
    ConductRecorded {
        learner: LearnerCode,
        class: ClassKey,
        semester: Semester,
        value: ConductLevel,
    },
    AbsenceRecorded {
        learner: LearnerCode,
        class: ClassKey,
        semester: Semester,
        excused: u16,
        unexcused: u16,
    },
    SubjectConfirmed {
        class: ClassKey,
        subject: SubjectCode,
        semester: Semester,
    },
    TermSealed {
        school: UnitCode,
        school_year: SchoolYear,
        term: Term,
    },
    TermReopened {
        school: UnitCode,
        school_year: SchoolYear,
        term: Term,
        reason: String,
    },
    CorrectionRequested {
        target: u64,
        value: String,
        reason: String,
        resolved: Option<CorrectedValue>,
    },
    CorrectionApproved {
        request: u64,
    },
    LearnerSignedOff {
        learner: LearnerCode,
        class: ClassKey,
    },
    ApprovalSigned {
        school: UnitCode,
        school_year: SchoolYear,
        entries: Vec<(LearnerCode, Digest)>,
    },
    SummerConductRecorded {
        learner: LearnerCode,
        class: ClassKey,
        value: ConductLevel,
    },
    SummerReassessmentRecorded {
        learner: LearnerCode,
        class: ClassKey,
        subject: SubjectCode,
        value: String,
        resolved: Option<AssessmentValue>,
    },
    PromotionDecided {
        learner: LearnerCode,
        school: UnitCode,
        school_year: SchoolYear,
        outcome: Decision,
    },
    AwardGranted {
        learner: LearnerCode,
        school: UnitCode,
        school_year: SchoolYear,
        award: Award,
    },
    ProgrammeCompleted {
        learner: LearnerCode,
        school: UnitCode,
        school_year: SchoolYear,
    },
    LearnerWithdrawn {
        learner: LearnerCode,
        school: UnitCode,
        school_year: SchoolYear,
        reason: String,
    },
    CopyIssued {
        copy_id: CopyId,
        learner: LearnerCode,
        school: UnitCode,
        school_year: SchoolYear,
        kind: CopyKind,
        record_digest: Digest,
        requester: String,
    },
    IdentityCorrected {
        learner: LearnerCode,
        school: UnitCode,
        identity_commitment: Digest,
        reason: String,
    },
    ExemptionDecided {
        learner: LearnerCode,
        class: ClassKey,
        subject: SubjectCode,
        part: ExemptionPart,
        period: ExemptionPeriod,
        reason: String,
    },
    ExemptionRevoked {
        learner: LearnerCode,
        class: ClassKey,
        subject: SubjectCode,
        /// The log index of the `exemption.decided` it revokes.
        exemption: u64,
        reason: String,
    },
    IndividualPlanDecided {
        learner: LearnerCode,
        class: ClassKey,
        subjects: Vec<(SubjectCode, PlanAssessment)>,
        reason: String,
        /// The log index of the plan in force this one replaces (a revised plan).
        replaces: Option<u64>,
    },
    SigningPolicySet {
        level: RecordLevel,
        school_year: SchoolYear,
        policy: SigningPolicy,
        reason: String,
    },
}

/// The principal's end-of-year decision (`promotion.decided`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Decision {
    /// Lên lớp.
    Promoted,
    /// Ở lại lớp.
    NotPromoted,
    /// Hoàn thành chương trình (promoted in the final grade of the level: 9 or 12).
    Completed,
}

impl Decision {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Promoted => "promoted",
            Decision::NotPromoted => "not_promoted",
            Decision::Completed => "completed",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "promoted" => Ok(Decision::Promoted),
            "not_promoted" => Ok(Decision::NotPromoted),
            "completed" => Ok(Decision::Completed),
            _ => Err(format!(
                "{text:?} is not an outcome; use promoted, not_promoted or completed"
            )),
        }
    }
}

/// What `copy.issued` issues: an electronic copy (bản sao điện tử) or an extract (trích lục).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CopyKind {
    /// Bản sao: the whole record of the year.
    Copy,
    /// Trích lục: an extract of it.
    Extract,
}

impl CopyKind {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CopyKind::Copy => "copy",
            CopyKind::Extract => "extract",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "copy" => Ok(CopyKind::Copy),
            "extract" => Ok(CopyKind::Extract),
            _ => Err(format!(
                "{text:?} is not a kind of copy; use copy or extract"
            )),
        }
    }
}

/// What an exemption (`exemption.decided`) exempts the learner from.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[non_exhaustive]
pub enum ExemptionPart {
    /// The practical parts (phần thực hành): the learner is assessed on the remaining content
    /// (TT 22).
    Practical,
}

impl ExemptionPart {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExemptionPart::Practical => "practical",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "practical" => Ok(ExemptionPart::Practical),
            _ => Err(format!(
                "{text:?} is not a part a learner can be exempted from; use practical"
            )),
        }
    }
}

/// The wire name of a term or exemption period: `semester_1`, `semester_2` or `year`.
#[must_use]
pub fn term_wire_name(term: Term) -> &'static str {
    match term {
        Term::Semester(Semester::First) => "semester_1",
        Term::Semester(Semester::Second) => "semester_2",
        Term::Year => "year",
    }
}

/// The period an exemption (`exemption.decided`) covers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ExemptionPeriod {
    /// One semester or the year it is decided in.
    Term(Term),
    /// The year it is decided in and every later year of the learner at the same school level
    /// (cấp học), without a decision each year.
    Level,
}

impl ExemptionPeriod {
    /// The wire name: `semester_1`, `semester_2`, `year` or `level`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExemptionPeriod::Term(term) => term_wire_name(term),
            ExemptionPeriod::Level => "level",
        }
    }

    /// Whether it covers `semester` of the year it is decided in.
    #[must_use]
    pub fn covers(self, semester: Semester) -> bool {
        match self {
            ExemptionPeriod::Term(term) => term.covers(semester),
            ExemptionPeriod::Level => true,
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        if text == "level" {
            return Ok(ExemptionPeriod::Level);
        }
        Term::parse(text).map(ExemptionPeriod::Term).map_err(|_| {
            format!(
                "{text:?} is not an exemption period; use semester_1, semester_2, year or level"
            )
        })
    }
}

/// How a learner with disabilities is assessed in a subject under an individual education plan
/// (kế hoạch giáo dục cá nhân, `individual_plan.decided`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum PlanAssessment {
    /// Assessed on the individual plan: assessments are recorded and computed as usual.
    IndividualPlan,
    /// Not assessed: the subject's results are absent by design.
    NotAssessed,
}

impl PlanAssessment {
    /// The wire name: `individual_plan` or `not_assessed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PlanAssessment::IndividualPlan => "individual_plan",
            PlanAssessment::NotAssessed => "not_assessed",
        }
    }

    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "individual_plan" => Ok(PlanAssessment::IndividualPlan),
            "not_assessed" => Ok(PlanAssessment::NotAssessed),
            _ => Err(format!(
                "{text:?} is not a way of assessment; use individual_plan or not_assessed"
            )),
        }
    }
}

/// A principal's individual education plan for a learner's year, as the year holds it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IndividualPlan {
    /// How each subject it names is assessed, by subject.
    pub subjects: BTreeMap<SubjectCode, PlanAssessment>,
    /// Why (the learner's disability, the plan's reference, …).
    pub reason: String,
    /// The log index of the `individual_plan.decided` event.
    pub index: u64,
}

impl IndividualPlan {
    /// Whether the plan excludes `subject` from assessment.
    #[must_use]
    pub fn excludes(&self, subject: &SubjectCode) -> bool {
        self.subjects.get(subject) == Some(&PlanAssessment::NotAssessed)
    }
}

/// A principal's exemption of a learner (miễn học phần thực hành), as the learner's years
/// hold it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Exemption {
    /// The subject: `gdtc` or `gdqp_an`.
    pub subject: SubjectCode,
    /// What the learner is exempted from.
    pub part: ExemptionPart,
    /// For which period: one semester, the year, or the rest of the level.
    pub period: ExemptionPeriod,
    /// Why (medical grounds, …).
    pub reason: String,
    /// The log index of the `exemption.decided` event.
    pub index: u64,
    /// The school year it was decided in.
    pub school_year: SchoolYear,
    /// The level of the class it was decided in: the level a `level` exemption covers.
    pub level: RecordLevel,
}

impl Exemption {
    /// Whether this exemption, in force in a year, and one for `period` decided in that year
    /// cover a semester in common (a `level` exemption covers every semester of its years).
    #[must_use]
    pub fn overlaps(&self, period: ExemptionPeriod) -> bool {
        Semester::BOTH
            .iter()
            .any(|semester| self.period.covers(*semester) && period.covers(*semester))
    }
}

fn award_parse(text: &str) -> Result<Award, String> {
    match text {
        "excellent" => Ok(Award::Excellent),
        "good" => Ok(Award::Good),
        _ => Err(format!("{text:?} is not an award; use excellent or good")),
    }
}

/// Every event type, with the schema versions this code reads.
pub const EVENT_TYPES: [(&str, &[u32]); 33] = [
    ("authority.granted", &[1]),
    ("authority.revoked", &[1]),
    ("unit.registered", &[1]),
    ("unit.renamed", &[1]),
    ("unit.merged", &[1]),
    ("class.opened", &[1]),
    ("teacher.assigned", &[1]),
    ("learner.registered", &[1]),
    ("learner.enrolled", &[1]),
    ("learner.transferred_out", &[1]),
    ("learner.transferred_in", &[1]),
    ("assessment.recorded", &[1]),
    ("conduct.recorded", &[1]),
    ("absence.recorded", &[1]),
    ("subject.confirmed", &[1]),
    ("term.sealed", &[1]),
    ("term.reopened", &[1]),
    ("correction.requested", &[1]),
    ("correction.approved", &[1]),
    ("learner.signed_off", &[1]),
    ("approval.signed", &[1]),
    ("summer.conduct_recorded", &[1]),
    ("summer.reassessment_recorded", &[1]),
    ("promotion.decided", &[1]),
    ("award.granted", &[1]),
    ("programme.completed", &[1]),
    ("learner.withdrawn", &[1]),
    ("copy.issued", &[1]),
    ("identity.corrected", &[1]),
    ("exemption.decided", &[1]),
    ("exemption.revoked", &[1]),
    ("individual_plan.decided", &[1]),
    ("signing_policy.set", &[1]),
];

/// The common case of an `assessment.recorded` payload (most of a log's events): every field
/// present once, written plainly, and valid, read by the payload's canonical layout
/// ([`Layout`]) rather than through a [`crate::json_view::JsonView`] and [`Fields`]. `None`
/// for anything else (a field missing, unknown, repeated, escaped, of another type or
/// invalid, a make-up reason), which [`Event::parse_fields`] then reads, naming the problem;
/// for a payload both accept, both give the same event (tested).
fn typical_grade(payload: &str) -> Option<Event> {
    let mut members = Layout::object(payload)?;
    let class = members.text("class")?;
    let kind = AssessmentKind::parse(members.text("kind")?).ok()?;
    let learner = members.text("learner")?;
    // A make-up reason would stand here, and is read by the fields.
    let school = members.text("school")?;
    let school_year = members.text("school_year")?;
    let semester = members.integer("semester")?;
    let slot = match members.next_is("slot") {
        true => Some(members.integer("slot")?),
        false => None,
    };
    let subject = SubjectCode::parse(members.text("subject")?).ok()?;
    let value = members.text("value")?;
    members.finish()?;
    let slot = assessment_slot(kind, slot, &subject).ok()?;
    Some(Event::AssessmentRecorded {
        learner: LearnerCode::parse(learner).ok()?,
        class: ClassKey {
            school: UnitCode::parse(school).ok()?,
            school_year: SchoolYear::parse(school_year).ok()?,
            class: ClassName::parse(class).ok()?,
        },
        subject,
        semester: Semester::from_number(semester).ok()?,
        kind,
        slot,
        value: SmolStr::new(value),
        makeup_reason: None,
        resolved: None,
    })
}

/// The slot (cột điểm) of a `kind` assessment of `subject`, from the payload's `slot`: regular
/// assessments are numbered from 1 (a number beyond 255 is kept as 255, beyond every subject's
/// slots, so the rules refuse it), mid-term and final ones have none (0).
fn assessment_slot(
    kind: AssessmentKind,
    slot: Option<u64>,
    subject: &SubjectCode,
) -> Result<u8, DomainError> {
    match (kind, slot) {
        (AssessmentKind::Regular, Some(slot)) => Ok(u8::try_from(slot).unwrap_or(u8::MAX)),
        (AssessmentKind::Regular, None) => Err(DomainError::AssessmentSlotInvalid {
            subject: subject.to_string(),
            problem: "a regular assessment needs a slot (cột điểm) from 1".to_owned(),
        }),
        (_, None) => Ok(0),
        (_, Some(_)) => Err(DomainError::AssessmentSlotInvalid {
            subject: subject.to_string(),
            problem: format!(
                "a {} assessment has no slot; slots number regular assessments",
                kind.as_str()
            ),
        }),
    }
}

fn class_key(fields: &mut Fields<'_>) -> Result<ClassKey, DomainError> {
    Ok(ClassKey {
        school: fields.parse("school", UnitCode::parse)?,
        school_year: fields.parse("school_year", SchoolYear::parse)?,
        class: fields.parse("class", ClassName::parse)?,
    })
}

fn semester(fields: &mut Fields<'_>) -> Result<Semester, DomainError> {
    let number = fields.u64("semester")?;
    Semester::from_number(number).map_err(|problem| fields.invalid("semester", problem))
}

fn reason(fields: &mut Fields<'_>) -> Result<String, DomainError> {
    let text = fields.opt_str("reason")?.unwrap_or("");
    if text.trim().is_empty() {
        return Err(DomainError::ReasonMissing);
    }
    check_text(text).map_err(|problem| fields.invalid("reason", problem))?;
    Ok(text.to_owned())
}

/// Reads an assessment value of `subject`, assessed in `mode`.
pub(crate) fn assessment_value(
    value: &str,
    mode: SubjectMode,
    subject: &SubjectCode,
) -> Result<AssessmentValue, DomainError> {
    AssessmentValue::parse(value, mode).map_err(|problem| DomainError::AssessmentValueInvalid {
        subject: subject.to_string(),
        problem,
    })
}

/// Reads a conduct level.
pub(crate) fn conduct_level(value: &str) -> Result<ConductLevel, DomainError> {
    ConductLevel::parse(value).map_err(|problem| DomainError::AssessmentValueInvalid {
        subject: "conduct (rèn luyện)".to_owned(),
        problem,
    })
}

/// The optional `makeup_reason` of an assessment of `kind`: only a mid-term or final can be
/// made up (kiểm tra bù); regular assessments are spread over the semester and have none.
fn makeup_reason(
    fields: &mut Fields<'_>,
    kind: AssessmentKind,
) -> Result<Option<String>, DomainError> {
    let Some(text) = fields.opt_str("makeup_reason")? else {
        return Ok(None);
    };
    if kind == AssessmentKind::Regular {
        return Err(fields.invalid(
            "makeup_reason",
            "only a mid-term (ĐĐGgk) or end-of-term (ĐĐGck) assessment is made up (kiểm tra \
             bù); a regular assessment (ĐĐGtx) has no make-up",
        ));
    }
    check_text(text).map_err(|problem| fields.invalid("makeup_reason", problem))?;
    if text.len() > MAKEUP_REASON_MAX {
        return Err(fields.invalid(
            "makeup_reason",
            format!(
                "it is {} bytes long, at most {MAKEUP_REASON_MAX} are allowed",
                text.len()
            ),
        ));
    }
    Ok(Some(text.to_owned()))
}

fn exempt_subject(text: &str) -> Result<SubjectCode, String> {
    let subject = SubjectCode::parse(text)?;
    if !EXEMPTABLE_SUBJECTS.contains(&subject.as_str()) {
        return Err(format!(
            "{subject} has no practical part a principal exempts from; use gdtc or gdqp_an"
        ));
    }
    Ok(subject)
}

fn text(fields: &mut Fields<'_>, field: &'static str) -> Result<String, DomainError> {
    fields.parse(field, |text| check_text(text).map(|()| text.to_owned()))
}

fn small(
    fields: &Fields<'_>,
    field: &'static str,
    value: u64,
    max: u64,
) -> Result<u16, DomainError> {
    if value > max {
        return Err(fields.invalid(field, format!("{value} is above the limit of {max}")));
    }
    u16::try_from(value).map_err(|_| fields.invalid(field, "too large"))
}

impl Event {
    /// Parses a submission into an event.
    pub(crate) fn parse(submission: &Submission) -> Result<Self, DomainError> {
        let event_type = submission.event_type();
        let Some((_, versions)) = EVENT_TYPES.iter().find(|(name, _)| *name == event_type) else {
            return Err(DomainError::EventTypeUnknown {
                event_type: event_type.to_owned(),
            });
        };
        if !versions.contains(&submission.schema_version()) {
            return Err(DomainError::SchemaVersionUnsupported {
                event_type: event_type.to_owned(),
                version: submission.schema_version(),
                supported: versions
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let payload = submission.payload_json();
        if event_type == "assessment.recorded" {
            if let Some(event) = typical_grade(payload) {
                return Ok(event);
            }
        }
        Self::parse_fields(event_type, payload)
    }

    /// Reads the payload field by field, naming the first problem (the one reading that
    /// decides every refusal).
    fn parse_fields(event_type: &str, payload: &str) -> Result<Self, DomainError> {
        // The payload was checked to be a JSON object when the body was parsed.
        let view = crate::json_view::JsonView::parse(payload).map_err(|error| {
            DomainError::PayloadMalformed {
                field: "payload".to_owned(),
                problem: error.to_string(),
            }
        })?;
        let Some(members) = view.as_object() else {
            return Err(DomainError::PayloadMalformed {
                field: "payload".to_owned(),
                problem: "it must be a JSON object (the event)".to_owned(),
            });
        };
        let mut fields = Fields::new(members);
        let event = Self::parse_v1(event_type, &mut fields)?;
        fields.finish()?;
        Ok(event)
    }

    #[allow(clippy::too_many_lines)]
    fn parse_v1(event_type: &str, f: &mut Fields<'_>) -> Result<Self, DomainError> {
        Ok(match event_type {
            "authority.granted" => {
                let grant_id = f.parse("grant_id", GrantId::parse)?;
                let grantee = f.key("grantee")?;
                let role = f.parse("role", Role::parse)?;
                let mut scope = f.object("scope")?;
                let unit = scope.parse("unit", UnitCode::parse)?;
                let school_year = scope.opt_parse("school_year", SchoolYear::parse)?;
                let learner = scope.opt_parse("learner", LearnerCode::parse)?;
                scope.finish()?;
                let valid_from = f.parse("valid_from", Date::parse)?;
                let valid_until = f.opt_parse("valid_until", Date::parse)?;
                if let Some(until) = valid_until {
                    if until < valid_from {
                        return Err(f.invalid(
                            "valid_until",
                            format!("{until} is before valid_from {valid_from}"),
                        ));
                    }
                }
                Event::AuthorityGranted {
                    grant_id,
                    grantee,
                    role,
                    unit,
                    school_year,
                    learner,
                    valid_from,
                    valid_until,
                }
            }
            "authority.revoked" => Event::AuthorityRevoked {
                grant_id: f.parse("grant_id", GrantId::parse)?,
                reason: reason(f)?,
            },
            "unit.registered" => Event::UnitRegistered {
                unit: f.parse("unit", UnitCode::parse)?,
                kind: f.parse("kind", UnitKind::parse)?,
                name: text(f, "name")?,
                parent: f.opt_parse("parent", UnitCode::parse)?,
            },
            "unit.renamed" => Event::UnitRenamed {
                unit: f.parse("unit", UnitCode::parse)?,
                name: text(f, "name")?,
            },
            "unit.merged" => Event::UnitMerged {
                unit: f.parse("unit", UnitCode::parse)?,
                successor: f.parse("successor", UnitCode::parse)?,
            },
            "class.opened" => {
                let class = class_key(f)?;
                let grade = f.u64("grade")?;
                if !(6..=12).contains(&grade) {
                    return Err(f.invalid("grade", format!("{grade} is not a grade from 6 to 12")));
                }
                let items = f.array("subjects")?;
                if items.is_empty() || items.len() > SUBJECTS_MAX {
                    return Err(f.invalid(
                        "subjects",
                        format!(
                            "a class has 1 to {SUBJECTS_MAX} subjects, not {}",
                            items.len()
                        ),
                    ));
                }
                let mut subjects: Vec<SubjectSpec> = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let mut s = f.object_at("subjects", Some(index), item)?;
                    let code = s.parse("code", SubjectCode::parse)?;
                    let mode = s.parse("mode", SubjectMode::parse)?;
                    let periods = s.u64("periods_per_year")?;
                    if periods == 0 {
                        return Err(s.invalid("periods_per_year", "it must be at least 1"));
                    }
                    let periods_per_year =
                        small(&s, "periods_per_year", periods, PERIODS_PER_YEAR_MAX)?;
                    s.finish()?;
                    if subjects.iter().any(|other| other.code == code) {
                        return Err(
                            f.invalid("subjects", format!("subject {code} is listed twice"))
                        );
                    }
                    subjects.push(SubjectSpec {
                        code,
                        mode,
                        periods_per_year,
                    });
                }
                Event::ClassOpened {
                    class,
                    grade: u8::try_from(grade).map_err(|_| f.invalid("grade", "too large"))?,
                    subjects,
                }
            }
            "teacher.assigned" => {
                let class = class_key(f)?;
                let duty_name = f.str("duty")?;
                let subject = f.opt_parse("subject", SubjectCode::parse)?;
                let duty = match (duty_name, subject) {
                    ("subject", Some(subject)) => Duty::Subject(subject),
                    ("subject", None) => {
                        return Err(f.malformed("subject", "the field is missing (duty is subject)"))
                    }
                    ("homeroom", None) => Duty::Homeroom,
                    ("homeroom", Some(_)) => {
                        return Err(f.malformed("subject", "a homeroom duty has no subject"))
                    }
                    _ => {
                        return Err(f.invalid(
                            "duty",
                            format!("{duty_name:?} is not a duty; use subject or homeroom"),
                        ))
                    }
                };
                Event::TeacherAssigned {
                    class,
                    duty,
                    teacher: f.key("teacher")?,
                }
            }
            "learner.registered" => Event::LearnerRegistered {
                learner: f.parse("learner", LearnerCode::parse)?,
                identity_commitment: f.parse("identity_commitment", Digest::parse_hex)?,
                school: f.parse("school", UnitCode::parse)?,
            },
            "learner.enrolled" => Event::LearnerEnrolled {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
            },
            "learner.transferred_out" => {
                let learner = f.parse("learner", LearnerCode::parse)?;
                let school = f.parse("school", UnitCode::parse)?;
                let school_year = f.parse("school_year", SchoolYear::parse)?;
                let to_school = f.parse("to_school", UnitCode::parse)?;
                // The reason is optional here; when given it must be proper text.
                let reason = match f.opt_str("reason")? {
                    Some(_) => Some(reason(f)?),
                    None => None,
                };
                let event = Event::LearnerTransferredOut {
                    learner,
                    school,
                    school_year,
                    to_school,
                    reason,
                };
                if let Event::LearnerTransferredOut {
                    school, to_school, ..
                } = &event
                {
                    if school == to_school {
                        return Err(f.invalid("to_school", "a school cannot transfer to itself"));
                    }
                }
                event
            }
            "learner.transferred_in" => Event::LearnerTransferredIn {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
                from_school: f.parse("from_school", UnitCode::parse)?,
            },
            "assessment.recorded" => {
                let learner = f.parse("learner", LearnerCode::parse)?;
                let class = class_key(f)?;
                let subject = f.parse("subject", SubjectCode::parse)?;
                let semester = semester(f)?;
                let kind = f.parse("kind", AssessmentKind::parse)?;
                let slot = f.opt_u64("slot")?;
                let value = SmolStr::new(f.str("value")?);
                let makeup_reason = makeup_reason(f, kind)?;
                let slot = assessment_slot(kind, slot, &subject)?;
                Event::AssessmentRecorded {
                    learner,
                    class,
                    subject,
                    semester,
                    kind,
                    slot,
                    value,
                    makeup_reason,
                    resolved: None,
                }
            }
            "conduct.recorded" => {
                let learner = f.parse("learner", LearnerCode::parse)?;
                let class = class_key(f)?;
                let semester = semester(f)?;
                let value = conduct_level(f.str("value")?)?;
                Event::ConductRecorded {
                    learner,
                    class,
                    semester,
                    value,
                }
            }
            "absence.recorded" => {
                let learner = f.parse("learner", LearnerCode::parse)?;
                let class = class_key(f)?;
                let semester = semester(f)?;
                let excused = f.u64("excused")?;
                let excused = small(f, "excused", excused, ABSENCE_SESSIONS_MAX)?;
                let unexcused = f.u64("unexcused")?;
                let unexcused = small(f, "unexcused", unexcused, ABSENCE_SESSIONS_MAX)?;
                Event::AbsenceRecorded {
                    learner,
                    class,
                    semester,
                    excused,
                    unexcused,
                }
            }
            "subject.confirmed" => Event::SubjectConfirmed {
                class: class_key(f)?,
                subject: f.parse("subject", SubjectCode::parse)?,
                semester: semester(f)?,
            },
            "term.sealed" => Event::TermSealed {
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                term: f.parse("term", Term::parse)?,
            },
            "term.reopened" => Event::TermReopened {
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                term: f.parse("term", Term::parse)?,
                reason: reason(f)?,
            },
            "correction.requested" => {
                let target = f
                    .opt_u64("target")?
                    .ok_or(DomainError::CorrectionTargetMissing)?;
                let reason = reason(f)?;
                let value = f.str("value")?.to_owned();
                Event::CorrectionRequested {
                    target,
                    value,
                    reason,
                    resolved: None,
                }
            }
            "correction.approved" => Event::CorrectionApproved {
                request: f.u64("request")?,
            },
            "learner.signed_off" => Event::LearnerSignedOff {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
            },
            "approval.signed" => {
                let school = f.parse("school", UnitCode::parse)?;
                let school_year = f.parse("school_year", SchoolYear::parse)?;
                let items = f.array("entries")?;
                if items.is_empty() || items.len() > APPROVAL_ENTRIES_MAX {
                    return Err(f.invalid(
                        "entries",
                        format!(
                            "a batch approves 1 to {APPROVAL_ENTRIES_MAX} learners, not {}",
                            items.len()
                        ),
                    ));
                }
                let mut entries: Vec<(LearnerCode, Digest)> = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let mut e = f.object_at("entries", Some(index), item)?;
                    let learner = e.parse("learner", LearnerCode::parse)?;
                    let digest = e.parse("record_digest", Digest::parse_hex)?;
                    e.finish()?;
                    if entries.iter().any(|(other, _)| *other == learner) {
                        return Err(
                            f.invalid("entries", format!("learner {learner} is listed twice"))
                        );
                    }
                    entries.push((learner, digest));
                }
                Event::ApprovalSigned {
                    school,
                    school_year,
                    entries,
                }
            }
            "summer.conduct_recorded" => Event::SummerConductRecorded {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
                value: conduct_level(f.str("value")?)?,
            },
            "summer.reassessment_recorded" => Event::SummerReassessmentRecorded {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
                subject: f.parse("subject", SubjectCode::parse)?,
                value: f.str("value")?.to_owned(),
                resolved: None,
            },
            "promotion.decided" => Event::PromotionDecided {
                learner: f.parse("learner", LearnerCode::parse)?,
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                outcome: f.parse("outcome", Decision::parse)?,
            },
            "award.granted" => Event::AwardGranted {
                learner: f.parse("learner", LearnerCode::parse)?,
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                award: f.parse("award", award_parse)?,
            },
            "programme.completed" => Event::ProgrammeCompleted {
                learner: f.parse("learner", LearnerCode::parse)?,
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
            },
            "learner.withdrawn" => Event::LearnerWithdrawn {
                learner: f.parse("learner", LearnerCode::parse)?,
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                reason: reason(f)?,
            },
            "copy.issued" => Event::CopyIssued {
                copy_id: f.parse("copy_id", CopyId::parse)?,
                learner: f.parse("learner", LearnerCode::parse)?,
                school: f.parse("school", UnitCode::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                kind: f.parse("kind", CopyKind::parse)?,
                record_digest: f.parse("record_digest", Digest::parse_hex)?,
                requester: text(f, "requester")?,
            },
            "identity.corrected" => Event::IdentityCorrected {
                learner: f.parse("learner", LearnerCode::parse)?,
                school: f.parse("school", UnitCode::parse)?,
                identity_commitment: f.parse("identity_commitment", Digest::parse_hex)?,
                reason: reason(f)?,
            },
            "exemption.decided" => Event::ExemptionDecided {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
                subject: f.parse("subject", exempt_subject)?,
                part: f.parse("part", ExemptionPart::parse)?,
                period: f.parse("period", ExemptionPeriod::parse)?,
                reason: reason(f)?,
            },
            "exemption.revoked" => Event::ExemptionRevoked {
                learner: f.parse("learner", LearnerCode::parse)?,
                class: class_key(f)?,
                subject: f.parse("subject", exempt_subject)?,
                exemption: f.u64("exemption")?,
                reason: reason(f)?,
            },
            "individual_plan.decided" => {
                let learner = f.parse("learner", LearnerCode::parse)?;
                let class = class_key(f)?;
                let items = f.array("subjects")?;
                if items.is_empty() || items.len() > SUBJECTS_MAX {
                    return Err(f.invalid(
                        "subjects",
                        format!(
                            "a plan names 1 to {SUBJECTS_MAX} subjects, not {}",
                            items.len()
                        ),
                    ));
                }
                let mut subjects = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let mut s = f.object_at("subjects", Some(index), item)?;
                    let code = s.parse("subject", SubjectCode::parse)?;
                    let assessment = s.parse("assessment", PlanAssessment::parse)?;
                    s.finish()?;
                    if subjects.iter().any(|(other, _)| *other == code) {
                        return Err(
                            f.invalid("subjects", format!("subject {code} is listed twice"))
                        );
                    }
                    subjects.push((code, assessment));
                }
                Event::IndividualPlanDecided {
                    learner,
                    class,
                    subjects,
                    reason: reason(f)?,
                    replaces: f.opt_u64("replaces")?,
                }
            }
            "signing_policy.set" => Event::SigningPolicySet {
                level: f.parse("level", RecordLevel::parse)?,
                school_year: f.parse("school_year", SchoolYear::parse)?,
                policy: SigningPolicy {
                    subject_confirmation_required: f.bool("subject_confirmation_required")?,
                    homeroom_sign_off_required: f.bool("homeroom_sign_off_required")?,
                    approval_by: f.parse("approval_by", ApprovalBy::parse)?,
                },
                reason: reason(f)?,
            },
            // EVENT_TYPES and this match list the same names; a name in one but not the other
            // is refused as unknown rather than panicking.
            _ => {
                return Err(DomainError::EventTypeUnknown {
                    event_type: event_type.to_owned(),
                })
            }
        })
    }

    /// The wire name of this event's type.
    pub(crate) fn event_type(&self) -> &'static str {
        match self {
            Event::AuthorityGranted { .. } => "authority.granted",
            Event::AuthorityRevoked { .. } => "authority.revoked",
            Event::UnitRegistered { .. } => "unit.registered",
            Event::UnitRenamed { .. } => "unit.renamed",
            Event::UnitMerged { .. } => "unit.merged",
            Event::ClassOpened { .. } => "class.opened",
            Event::TeacherAssigned { .. } => "teacher.assigned",
            Event::LearnerRegistered { .. } => "learner.registered",
            Event::LearnerEnrolled { .. } => "learner.enrolled",
            Event::LearnerTransferredOut { .. } => "learner.transferred_out",
            Event::LearnerTransferredIn { .. } => "learner.transferred_in",
            Event::AssessmentRecorded { .. } => "assessment.recorded",
            Event::ConductRecorded { .. } => "conduct.recorded",
            Event::AbsenceRecorded { .. } => "absence.recorded",
            Event::SubjectConfirmed { .. } => "subject.confirmed",
            Event::TermSealed { .. } => "term.sealed",
            Event::TermReopened { .. } => "term.reopened",
            Event::CorrectionRequested { .. } => "correction.requested",
            Event::CorrectionApproved { .. } => "correction.approved",
            Event::LearnerSignedOff { .. } => "learner.signed_off",
            Event::ApprovalSigned { .. } => "approval.signed",
            Event::SummerConductRecorded { .. } => "summer.conduct_recorded",
            Event::SummerReassessmentRecorded { .. } => "summer.reassessment_recorded",
            Event::PromotionDecided { .. } => "promotion.decided",
            Event::AwardGranted { .. } => "award.granted",
            Event::ProgrammeCompleted { .. } => "programme.completed",
            Event::LearnerWithdrawn { .. } => "learner.withdrawn",
            Event::CopyIssued { .. } => "copy.issued",
            Event::IdentityCorrected { .. } => "identity.corrected",
            Event::ExemptionDecided { .. } => "exemption.decided",
            Event::ExemptionRevoked { .. } => "exemption.revoked",
            Event::IndividualPlanDecided { .. } => "individual_plan.decided",
            Event::SigningPolicySet { .. } => "signing_policy.set",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A grade payload's members as JSON text (empty: absent): a typical grade of any kind,
    /// with one member varied in one of the ways a payload can differ (absent, `null`, escaped,
    /// of another type, out of range, another value), and maybe a make-up reason or an unknown
    /// member.
    fn grade_members() -> impl Strategy<Value = Vec<(&'static str, String)>> {
        let variation = prop_oneof![
            Just(String::new()),
            Just("null".to_owned()),
            Just("\"\\u0031\"".to_owned()),
            Just("7".to_owned()),
            Just("1.0".to_owned()),
            Just("-1".to_owned()),
            Just("300".to_owned()),
            Just("\"1\"".to_owned()),
            "\"[a-zA-Z0-9_.:-]{0,14}\"",
        ];
        (
            prop_oneof![Just("regular"), Just("midterm"), Just("final")],
            prop::option::of((0usize..10, variation)),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(kind, varied, makeup, unknown)| {
                let mut members = vec![
                    ("class", "\"10A1\"".to_owned()),
                    ("kind", format!("\"{kind}\"")),
                    ("learner", "\"0123456789012\"".to_owned()),
                    ("makeup_reason", String::new()),
                    ("school", "\"79000001\"".to_owned()),
                    ("school_year", "\"2025-2026\"".to_owned()),
                    ("semester", "2".to_owned()),
                    ("slot", if kind == "regular" { "3" } else { "" }.to_owned()),
                    ("subject", "\"toan\"".to_owned()),
                    ("value", "\"8.5\"".to_owned()),
                    ("zz", String::new()),
                ];
                if let Some((at, value)) = varied {
                    members[if at == 3 { 10 } else { at }].1 = value;
                }
                if makeup {
                    members[3].1 = "\"ốm\"".to_owned();
                }
                if unknown {
                    members[10].1 = "1".to_owned();
                }
                members
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// Whatever the typed reading of a grade accepts, the field-by-field reading accepts as
        /// the same event.
        #[test]
        fn typical_grades_read_as_field_by_field(
            members in grade_members(),
            repeat in prop::option::of(0usize..11),
        ) {
            let mut written: Vec<String> = members
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| format!("\"{name}\":{value}"))
                .collect();
            if let Some(at) = repeat.filter(|at| *at < written.len()) {
                written.push(written[at].clone());
            }
            let payload = format!("{{{}}}", written.join(","));
            if let Some(typical) = typical_grade(&payload) {
                prop_assert_eq!(
                    Event::parse_fields("assessment.recorded", &payload),
                    Ok(typical),
                    "{}",
                    payload
                );
            }
        }
    }

    #[test]
    fn a_typical_grade_is_read_by_the_typed_reading() {
        let payload = r#"{"class":"10A1","kind":"regular","learner":"0123456789012","school":"79000001","school_year":"2025-2026","semester":1,"slot":2,"subject":"toan","value":"8.5"}"#;
        let typical = typical_grade(payload).expect("typical");
        assert_eq!(
            Event::parse_fields("assessment.recorded", payload),
            Ok(typical)
        );
        let midterm = payload.replace(r#""regular""#, r#""midterm""#);
        assert!(typical_grade(&midterm).is_none(), "a mid-term has no slot");
        let midterm = midterm.replace(r#","slot":2"#, "");
        assert!(typical_grade(&midterm).is_some());
    }

    #[test]
    fn regular_counts_are_the_rule_sets() {
        let spec = |mode, periods_per_year| SubjectSpec {
            code: SubjectCode::parse("toan").unwrap(),
            mode,
            periods_per_year,
        };
        // TT 22 Điều 7 khoản 1: scored 2 up to 35 periods a year, 3 up to 70, 4 above.
        for (periods, count) in [(1, 2), (35, 2), (36, 3), (70, 3), (71, 4), (1_000, 4)] {
            assert_eq!(spec(SubjectMode::Scored, periods).regular_count(), count);
            assert_eq!(spec(SubjectMode::Commented, periods).regular_count(), 2);
        }
    }
}
