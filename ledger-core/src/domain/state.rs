//! The pieces of the domain state. Everything is kept in ordered maps so that two ledgers built
//! from the same events are equal field by field (and print the same debug dump).

use std::collections::BTreeMap;

use super::assessments::{Assessments, Versions};

use super::event::{
    ClassKey, CopyKind, CorrectedValue, Decision, Exemption, ExemptionPeriod, IndividualPlan,
    SubjectSpec,
};
use super::value::{
    AssessmentKind, AssessmentValue, ClassName, ConductLevel, Date, Digest, LearnerCode, Role,
    SchoolYear, Semester, SubjectCode, Term, UnitCode, UnitKind,
};
use crate::hashed::HashMap;
use crate::key::PublicKey;
use crate::rules::year::Award;

/// Pushes `item`, growing `items` by exactly one when it is full. For the lists a learner's
/// year holds one of in the common case (enrolments, sign-offs, approvals): a first `push`
/// reserves room for four, and with a decoded key in an item that is most of a learner's
/// memory.
pub(crate) fn push_exact<T>(items: &mut Vec<T>, item: T) {
    if items.len() == items.capacity() {
        items.reserve_exact(1);
    }
    items.push(item);
}

/// A grant of a role to a key (`authority.granted`), and its revocation if any.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Grant {
    pub(crate) grantee: PublicKey,
    pub(crate) role: Role,
    pub(crate) unit: UnitCode,
    pub(crate) school_year: Option<SchoolYear>,
    /// The learner a `hoc_sinh` or `phu_huynh` grant reads; `None` for every other role.
    pub(crate) learner: Option<LearnerCode>,
    pub(crate) valid_from: Date,
    pub(crate) valid_until: Option<Date>,
    pub(crate) granted_by: PublicKey,
    pub(crate) granted_at: u64,
    /// The index of the revocation and its reason.
    pub(crate) revoked: Option<(u64, String)>,
}

/// An administrative unit or school, with its names over time.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Unit {
    pub(crate) kind: UnitKind,
    /// Every name, with the index from which it applies; never empty.
    pub(crate) names: Vec<(String, u64)>,
    pub(crate) parent: Option<UnitCode>,
    /// The successor and the index of the merge.
    pub(crate) merged: Option<(UnitCode, u64)>,
}

/// A class opened for a school year.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Class {
    pub(crate) grade: u8,
    pub(crate) subjects: Vec<SubjectSpec>,
    pub(crate) opened_at: u64,
}

impl Class {
    pub(crate) fn subject(&self, code: &SubjectCode) -> Option<&SubjectSpec> {
        self.subjects.iter().find(|spec| spec.code == *code)
    }

    /// How many assessment slots a learner's complete year in this class fills: each subject's
    /// regular slots, mid-term and end-of-term, in both semesters.
    pub(crate) fn assessment_slots(&self) -> usize {
        let per_semester: usize = self
            .subjects
            .iter()
            .map(|spec| usize::from(spec.regular_count()) + 2)
            .sum();
        per_semester * Semester::BOTH.len()
    }
}

/// A teacher's assignment to a duty in a class.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Assignment {
    pub(crate) teacher: PublicKey,
    pub(crate) assigned_at: u64,
}

/// A registered learner: the code and a salted commitment to identity data kept elsewhere.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Learner {
    pub(crate) identity_commitment: Digest,
    pub(crate) registered_by: UnitCode,
    pub(crate) registered_at: u64,
    /// Earlier commitments replaced by `identity.corrected`: (commitment, index of the
    /// correction that replaced it, reason), oldest first.
    pub(crate) identity_history: Vec<(Digest, u64, String)>,
}

/// Where an enrolment stands.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum EnrolmentStatus {
    /// The learner studies here; the school is the custodian.
    Active,
    /// The school released the learner to `to_school`, which has not received them yet.
    TransferredOut { to_school: UnitCode, at: u64 },
    /// The receiving school took the learner in.
    Transferred {
        to_school: UnitCode,
        at: u64,
        received_at: u64,
    },
    /// The learner left the school (thôi học) at `at`; the enrolment is closed.
    Withdrawn { at: u64, reason: String },
}

/// One stay of a learner in a class during a school year.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Enrolment {
    pub(crate) school: UnitCode,
    pub(crate) class: ClassName,
    pub(crate) enrolled_at: u64,
    pub(crate) from_school: Option<UnitCode>,
    pub(crate) status: EnrolmentStatus,
}

/// Which assessment: subject, semester, kind and slot (0 for mid-term and final).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct AssessmentSlot {
    pub(crate) subject: SubjectCode,
    pub(crate) semester: Semester,
    pub(crate) kind: AssessmentKind,
    pub(crate) slot: u8,
}

/// One version of a value: what it was, which event set it, and where. There is one per grade
/// of a log, so it names its school and class by the number of the year's enrolment it was set
/// in rather than spelling them out. (A correction's request is the one whose `approved_at` is
/// `at`.)
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Version<T> {
    /// The index of the event that set it (an `*.recorded` or a `correction.approved`).
    pub(crate) at: u64,
    /// Which of the year's enrolments (`LearnerYear::enrolments`, which only grows) the value
    /// was recorded in: a `*.recorded` event names the learner's current class, and a
    /// correction keeps the class of the value it corrects.
    pub(crate) enrolment: u32,
    pub(crate) value: T,
}

impl<T: Clone> Version<T> {
    /// A value set by the `*.recorded` event at `at`, in the learner's current enrolment of
    /// `record` (the judge checked that the event names it).
    pub(crate) fn recorded(value: T, at: u64, record: &LearnerYear) -> Self {
        Self {
            value,
            at,
            enrolment: record.current_enrolment_number(),
        }
    }

    /// The version an approved correction at `at` sets in place of this one: in the school
    /// and class of the value it corrects.
    pub(crate) fn corrected(&self, value: T, at: u64) -> Self {
        Self {
            at,
            enrolment: self.enrolment,
            value,
        }
    }
}

/// What a correction counts against (the paper học bạ counts corrections per subject).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Corrected {
    Subject(SubjectCode),
    Conduct,
}

/// The homeroom teacher's sign-off or the principal's approval: who and at which index.
/// A learner's year holds up to five, so the key is kept as its 32 bytes, not decoded
/// (192 bytes).
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Signature {
    pub(crate) by: [u8; 32],
    pub(crate) at: u64,
}

/// Every learner's records, one per school year, by learner code (hashed: looked up by exact
/// code, never iterated), each learner's in a short vector in year order: a learner has a
/// handful, and the rules read a learner's earlier and later years (level exemptions, the
/// custodian). The ledger keeps its [`LearnerYear`]s so, and the projections their copy of
/// each year.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct LearnerYears<T = LearnerYear>(HashMap<LearnerCode, Vec<(SchoolYear, T)>>);

impl<T> Default for LearnerYears<T> {
    fn default() -> Self {
        Self(HashMap::default())
    }
}

impl<T> LearnerYears<T> {
    pub(crate) fn get(&self, learner: &LearnerCode, school_year: SchoolYear) -> Option<&T> {
        self.years(learner)
            .find(|(year, _)| *year == school_year)
            .map(|(_, record)| record)
    }

    pub(crate) fn get_mut(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<&mut T> {
        self.0
            .get_mut(learner)?
            .iter_mut()
            .find(|(year, _)| *year == school_year)
            .map(|(_, record)| record)
    }

    /// The learner's records of every school year, oldest first.
    pub(crate) fn years(&self, learner: &LearnerCode) -> impl Iterator<Item = (SchoolYear, &T)> {
        self.0
            .get(learner)
            .into_iter()
            .flatten()
            .map(|(year, record)| (*year, record))
    }
}

impl<T: Default> LearnerYears<T> {
    /// The year's record, created empty (in its place by year) when there is none.
    pub(crate) fn get_or_default(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> &mut T {
        let years = self.0.entry(learner.clone()).or_default();
        let at = match years.binary_search_by_key(&school_year, |(year, _)| *year) {
            Ok(at) => at,
            Err(at) => {
                // Exactly one more: most learners have one year in a log, and a `Vec` would
                // otherwise reserve room for four records.
                years.reserve_exact(1);
                years.insert(at, (school_year, T::default()));
                at
            }
        };
        &mut years[at].1
    }
}

/// A learner's record for one school year.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct LearnerYear {
    pub(crate) enrolments: Vec<Enrolment>,
    /// Every version of every assessment, oldest first; the last is in force.
    pub(crate) assessments: Assessments,
    pub(crate) conduct: BTreeMap<Semester, Vec<Version<ConductLevel>>>,
    /// Excused and unexcused sessions absent, and the index that set them.
    pub(crate) absences: BTreeMap<Semester, (u16, u16, u64)>,
    pub(crate) corrections: BTreeMap<Corrected, u32>,
    pub(crate) signed_off: Option<Signature>,
    pub(crate) approved: Option<(Signature, Digest)>,
    /// Every version of the summer re-training result (rèn luyện trong hè), oldest first.
    pub(crate) summer_conduct: Vec<Version<ConductLevel>>,
    /// Every version of each re-assessment result (kiểm tra, đánh giá lại), oldest first.
    pub(crate) reassessments: BTreeMap<SubjectCode, Vec<Version<AssessmentValue>>>,
    /// The principal's end-of-year decision.
    pub(crate) decision: Option<(Decision, Signature)>,
    /// The award granted.
    pub(crate) award: Option<(Award, Signature)>,
    /// The programme completion recorded by the principal.
    pub(crate) completed: Option<Signature>,
    /// The principal's exemptions (`exemption.decided`), in log order.
    pub(crate) exemptions: Vec<Exemption>,
    /// The principal's individual education plan (`individual_plan.decided`).
    pub(crate) plan: Option<IndividualPlan>,
    /// The year's number in the ledger's `Targets`, from the first value set in it.
    pub(crate) target_number: Option<u32>,
}

impl LearnerYear {
    /// The latest enrolment.
    pub(crate) fn current(&self) -> Option<&Enrolment> {
        self.enrolments.last()
    }

    /// The number of the latest enrolment (0 when there is none).
    fn current_enrolment_number(&self) -> u32 {
        u32::try_from(self.enrolments.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    /// The class a version was set in: its enrolment's school and class.
    pub(crate) fn class_of<T>(&self, version: &Version<T>, school_year: SchoolYear) -> ClassKey {
        let enrolment = usize::try_from(version.enrolment)
            .ok()
            .and_then(|number| self.enrolments.get(number))
            .expect("a version names one of its year's enrolments");
        ClassKey {
            school: enrolment.school.clone(),
            school_year,
            class: enrolment.class.clone(),
        }
    }

    /// Every version of an assessment, oldest first; `slot` counts only for a regular one.
    pub(crate) fn assessment_versions(
        &self,
        subject: &SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
        slot: u8,
    ) -> Option<&Versions> {
        let slot = AssessmentSlot {
            subject: subject.clone(),
            semester,
            kind,
            slot: if kind == AssessmentKind::Regular {
                slot
            } else {
                0
            },
        };
        self.assessments.versions(&slot)
    }

    /// Why the mid-term or final in force was a make-up (kiểm tra bù), when it was.
    pub(crate) fn assessment_makeup(
        &self,
        subject: &SubjectCode,
        semester: Semester,
        kind: AssessmentKind,
    ) -> Option<&str> {
        if kind == AssessmentKind::Regular {
            return None;
        }
        self.assessments.makeup(&AssessmentSlot {
            subject: subject.clone(),
            semester,
            kind,
            slot: 0,
        })
    }

    /// The conduct level in force for a semester.
    pub(crate) fn conduct_in_force(&self, semester: Semester) -> Option<ConductLevel> {
        self.conduct
            .get(&semester)?
            .last()
            .map(|version| version.value)
    }

    /// Sessions absent in a semester: (excused, unexcused).
    pub(crate) fn absences_in(&self, semester: Semester) -> Option<(u16, u16)> {
        self.absences
            .get(&semester)
            .map(|(excused, unexcused, _)| (*excused, *unexcused))
    }

    /// How many approved corrections changed `corrected`.
    pub(crate) fn correction_count(&self, corrected: &Corrected) -> u32 {
        self.corrections.get(corrected).copied().unwrap_or(0)
    }

    /// Where the record stands in the signing chain.
    pub(crate) fn signing_status(&self) -> super::SigningStatus {
        match (&self.approved, &self.signed_off) {
            (Some((_, digest)), _) => super::SigningStatus::Approved(*digest),
            (None, Some(_)) => super::SigningStatus::SignedOff,
            (None, None) => super::SigningStatus::Unsigned,
        }
    }

    /// The summer re-training result in force.
    pub(crate) fn summer_conduct_in_force(&self) -> Option<ConductLevel> {
        self.summer_conduct.last().map(|version| version.value)
    }

    /// The re-assessment results in force, by subject, with the index that set each.
    pub(crate) fn reassessments_in_force(&self) -> Vec<(SubjectCode, AssessmentValue, u64)> {
        self.reassessments
            .iter()
            .filter_map(|(code, versions)| {
                versions
                    .last()
                    .map(|version| (code.clone(), version.value, version.at))
            })
            .collect()
    }

    /// The principal's end-of-year decision, with its index.
    pub(crate) fn decision_in_force(&self) -> Option<(Decision, u64)> {
        self.decision
            .as_ref()
            .map(|(decision, signature)| (*decision, signature.at))
    }

    /// The award granted, with its index.
    pub(crate) fn award_in_force(&self) -> Option<(Award, u64)> {
        self.award
            .as_ref()
            .map(|(award, signature)| (*award, signature.at))
    }

    /// The index of the programme completion.
    pub(crate) fn completed_at(&self) -> Option<u64> {
        self.completed.as_ref().map(|signature| signature.at)
    }

    /// A change to the record: any sign-off and approval no longer match it.
    pub(crate) fn changed(&mut self) {
        self.signed_off = None;
        self.approved = None;
    }

    /// The canonical digest of the record's content; see `docs/EVENTS.md`, "Record digest".
    /// `exemptions` are those in force for the year: its own and the `level` exemptions of
    /// earlier years that cover it (`Ledger::exemptions`).
    pub(crate) fn digest(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        exemptions: &[Exemption],
    ) -> Digest {
        let mut lines = DigestLines::default();
        for enrolment in &self.enrolments {
            lines.push(format_args!(
                "enrolment {} {}",
                enrolment.school, enrolment.class
            ));
        }
        for (slot, value, makeup) in self.assessments.in_force() {
            lines.assessment(&slot, value);
            if makeup {
                lines.push(format_args!(
                    "makeup {} {} {}",
                    slot.subject,
                    slot.semester.number(),
                    slot.kind.as_str()
                ));
            }
        }
        for (semester, versions) in &self.conduct {
            if let Some(version) = versions.last() {
                lines.push(format_args!(
                    "conduct {} {}",
                    semester.number(),
                    version.value
                ));
            }
        }
        if let Some(version) = self.summer_conduct.last() {
            lines.push(format_args!("summer_conduct {}", version.value));
        }
        for (subject, versions) in &self.reassessments {
            if let Some(version) = versions.last() {
                lines.push(format_args!("reassessment {subject} {}", version.value));
            }
        }
        for exemption in exemptions {
            let (subject, part, period) = (
                &exemption.subject,
                exemption.part.as_str(),
                exemption.period.as_str(),
            );
            // A level exemption is printed in every year it covers, naming the year decided.
            match exemption.period {
                ExemptionPeriod::Level => lines.push(format_args!(
                    "exemption {subject} {part} {period} {}",
                    exemption.school_year
                )),
                ExemptionPeriod::Term(_) => {
                    lines.push(format_args!("exemption {subject} {part} {period}"));
                }
            }
        }
        for (subject, assessment) in self.plan.iter().flat_map(|plan| &plan.subjects) {
            lines.push(format_args!(
                "individual_plan {subject} {}",
                assessment.as_str()
            ));
        }
        for (semester, (excused, unexcused, _)) in &self.absences {
            lines.push(format_args!(
                "absence {} {excused} {unexcused}",
                semester.number()
            ));
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"hocba-ledger/learner-year/v1\n");
        hasher.update(format!("learner {learner}\nschool_year {school_year}\n").as_bytes());
        for line in lines.sorted() {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
        }
        Digest::from_bytes(*hasher.finalize().as_bytes())
    }
}

/// The content lines of a record digest, written into one buffer (a record has a hundred or
/// more, and a batch approval digests every record it lists).
#[derive(Default)]
struct DigestLines {
    text: String,
    spans: Vec<std::ops::Range<usize>>,
}

impl DigestLines {
    fn push(&mut self, line: std::fmt::Arguments<'_>) {
        let start = self.text.len();
        std::fmt::Write::write_fmt(&mut self.text, line).expect("writing to a String");
        self.spans.push(start..self.text.len());
    }

    /// `assessment <subject> <semester> <kind> <slot> <value>`, written by hand: a record has
    /// a hundred or more, and the formatting machinery would cost more than the rest of the
    /// digest.
    fn assessment(&mut self, slot: &AssessmentSlot, value: AssessmentValue) {
        let start = self.text.len();
        let text = &mut self.text;
        text.push_str("assessment ");
        text.push_str(slot.subject.as_str());
        text.push(' ');
        push_decimal(text, u32::from(slot.semester.number()));
        text.push(' ');
        text.push_str(slot.kind.as_str());
        text.push(' ');
        push_decimal(text, u32::from(slot.slot));
        text.push(' ');
        match value {
            AssessmentValue::Scored(score) => {
                let tenths = u32::from(score.score().tenths());
                push_decimal(text, tenths / 10);
                text.push('.');
                push_decimal(text, tenths % 10);
            }
            commented => std::fmt::Write::write_fmt(text, format_args!("{commented}"))
                .expect("writing to a String"),
        }
        self.spans.push(start..self.text.len());
    }

    /// The lines, sorted by byte value.
    fn sorted(&self) -> impl Iterator<Item = &str> {
        let mut lines: Vec<&str> = self
            .spans
            .iter()
            .map(|span| &self.text[span.clone()])
            .collect();
        lines.sort_unstable();
        lines.into_iter()
    }
}

fn push_decimal(text: &mut String, mut number: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + u8::try_from(number % 10).expect("a digit");
        number /= 10;
        if number == 0 {
            break;
        }
    }
    text.push_str(std::str::from_utf8(&digits[at..]).expect("ASCII digits"));
}

/// The value a correctable event set: an assessment or a conduct level.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    Assessment {
        learner: LearnerCode,
        school_year: SchoolYear,
        slot: AssessmentSlot,
    },
    Conduct {
        learner: LearnerCode,
        school_year: SchoolYear,
        semester: Semester,
    },
}

impl Target {
    pub(crate) fn learner_year(&self) -> (LearnerCode, SchoolYear) {
        match self {
            Target::Assessment {
                learner,
                school_year,
                ..
            }
            | Target::Conduct {
                learner,
                school_year,
                ..
            } => (learner.clone(), *school_year),
        }
    }
}

/// A correction request and, once approved, the index of the approval.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct CorrectionRequest {
    pub(crate) target_index: u64,
    pub(crate) target: Target,
    pub(crate) value: CorrectedValue,
    pub(crate) reason: String,
    pub(crate) requested_by: PublicKey,
    pub(crate) approved_at: Option<u64>,
}

/// A reopened term: which, when, why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Reopening {
    pub(crate) school: UnitCode,
    pub(crate) school_year: SchoolYear,
    pub(crate) term: Term,
    pub(crate) sealed_at: u64,
    pub(crate) reopened_at: u64,
    pub(crate) reason: String,
}

/// An electronic copy (bản sao) or extract (trích lục) issued from a learner's record.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct IssuedCopy {
    pub(crate) learner: LearnerCode,
    pub(crate) school: UnitCode,
    pub(crate) school_year: SchoolYear,
    pub(crate) kind: CopyKind,
    pub(crate) record_digest: Digest,
    pub(crate) requester: String,
    pub(crate) issued_by: PublicKey,
    pub(crate) issued_at: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::value::Tenths;

    /// The hand-written `assessment` line is the one the format spells (`docs/EVENTS.md`).
    #[test]
    fn assessment_lines_are_spelled_as_formatted() {
        let mut values = vec![AssessmentValue::Passed, AssessmentValue::NotPassed];
        for tenths in 0..=100 {
            let text = format!("{}.{}", tenths / 10, tenths % 10);
            values.push(AssessmentValue::Scored(Tenths::parse(&text).unwrap()));
        }
        for (subject, semester, kind, slot) in [
            ("toan", Semester::First, AssessmentKind::Regular, 1),
            ("ngu_van", Semester::Second, AssessmentKind::Regular, 12),
            ("gdtc", Semester::First, AssessmentKind::Midterm, 0),
            ("tin_hoc", Semester::Second, AssessmentKind::Final, 0),
            ("lich_su", Semester::First, AssessmentKind::Regular, 255),
        ] {
            let slot = AssessmentSlot {
                subject: subject.parse().unwrap(),
                semester,
                kind,
                slot,
            };
            for value in &values {
                let mut lines = DigestLines::default();
                lines.assessment(&slot, *value);
                let expected = format!(
                    "assessment {} {} {} {} {value}",
                    slot.subject,
                    slot.semester.number(),
                    slot.kind.as_str(),
                    slot.slot,
                );
                assert_eq!(lines.sorted().collect::<Vec<_>>(), [expected.as_str()]);
            }
        }
    }
}
