//! The transcript (học bạ) of a learner: per school year, where they studied, every
//! assessment in force with its version count, the results TT 22 gives, conduct, absences,
//! the outcome, corrections and where the record stands in the signing chain.

use serde_json::{json, Value};

use super::json;
use super::{Projections, SigningPolicyView, YearState};
/// The rule set for a class's grade in a school year: the domain's, so that both read the rules
/// alike.
pub(crate) use crate::domain::rules_for;
use crate::domain::value::{
    AssessmentKind, AssessmentValue, ClassName, ConductLevel, Digest, LearnerCode, SchoolYear,
    Semester, SubjectCode, SubjectMode, Term, UnitCode,
};
use crate::domain::{
    term_wire_name, ClassKey, Decision, Exemption, IndividualPlan, PlanAssessment, SigningStatus,
    SubjectSpec,
};
use crate::domain::{Corrected, LearnerYear as YearRecord, Versions};
use crate::key::PublicKey;
use crate::rules::level::Level;
use crate::rules::score::{semester_average, year_average, Score};
use crate::rules::subject::{
    Assessments, CommentedSemester, ScoredSemester, Subject, SubjectValue,
};
use crate::rules::table::RuleSet;
use crate::rules::year::{assess_year, AfterSummer, Award, LearnerYear, Outcome, Summer};

/// One assessment in force.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AssessmentView {
    /// The value in force.
    pub value: AssessmentValue,
    /// How many versions it has had (1 when never changed).
    pub versions: usize,
    /// The log index of the event that set the value in force.
    pub at: u64,
    /// Whether it is a make-up (kiểm tra bù): a mid-term or final taken late; the reason is in
    /// the [`SemesterRecord`].
    pub makeup: bool,
}

impl AssessmentView {
    /// The view of a value's versions.
    fn of_versions(versions: &Versions, makeup: bool) -> Self {
        let in_force = versions.last();
        Self {
            value: in_force.value,
            versions: versions.len(),
            at: in_force.at,
            makeup,
        }
    }

    /// `{"value", "versions", "at"}`, and `"makeup": true` for a make-up.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut value = json!({"value": json::assessment_value(self.value), "versions": self.versions, "at": self.at});
        // Only make-ups carry the mark, so every other answer reads as before.
        if self.makeup {
            value["makeup"] = json!(true);
        }
        value
    }
}

fn optional_view(view: Option<&AssessmentView>) -> Value {
    json::optional(view, AssessmentView::to_json)
}

/// A mid-term or final view with its make-up reason next to the value.
fn view_with_makeup(view: Option<&AssessmentView>, reason: Option<&String>) -> Value {
    let mut value = optional_view(view);
    if let (Some(reason), Value::Object(map)) = (reason, &mut value) {
        map.insert("makeup_reason".to_owned(), json!(reason));
    }
    value
}

/// A signature on the log: the event's index and its author.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signature {
    /// The log index of the event.
    pub index: u64,
    /// The key that signed it.
    pub key: PublicKey,
}

impl Signature {
    /// `{"index", "key"}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"index": self.index, "key": json::key(&self.key)})
    }
}

/// One semester of one subject.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SemesterRecord {
    /// The regular assessments (ĐĐGtx), slot 1 first; `None` for a missing one.
    pub regular: Vec<Option<AssessmentView>>,
    /// The mid-term assessment (ĐĐGgk).
    pub midterm: Option<AssessmentView>,
    /// The end-of-term assessment (ĐĐGck).
    pub final_: Option<AssessmentView>,
    /// Why the mid-term in force was a make-up (kiểm tra bù), when it was.
    pub midterm_makeup: Option<String>,
    /// Why the final in force was a make-up, when it was.
    pub final_makeup: Option<String>,
    /// The semester result (ĐTBmhk, or Đ/CĐ): `None` while an assessment is missing.
    pub result: Option<SubjectValue>,
}

impl SemesterRecord {
    /// Whether every required assessment is recorded.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.midterm.is_some() && self.final_.is_some() && self.regular.iter().all(Option::is_some)
    }

    /// The semester's assessments in force in the learner's record of the year: the slots
    /// `spec` counts (a class change can leave values in slots the new specification does not
    /// count).
    pub(crate) fn read(
        record: Option<&YearRecord>,
        spec: &SubjectSpec,
        semester: Semester,
    ) -> Self {
        let found = |kind, slot| {
            record.and_then(|record| record.assessment_versions(&spec.code, semester, kind, slot))
        };
        let makeup =
            |kind| record.and_then(|record| record.assessment_makeup(&spec.code, semester, kind));
        let get = |kind, slot| {
            let makeup = makeup(kind).is_some();
            found(kind, slot).map(|versions| AssessmentView::of_versions(versions, makeup))
        };
        let makeup = |kind| makeup(kind).map(str::to_owned);
        Self {
            regular: (1..=spec.regular_count())
                .map(|slot| get(AssessmentKind::Regular, slot))
                .collect(),
            midterm: get(AssessmentKind::Midterm, 0),
            final_: get(AssessmentKind::Final, 0),
            midterm_makeup: makeup(AssessmentKind::Midterm),
            final_makeup: makeup(AssessmentKind::Final),
            result: None,
        }
    }

    /// The rules' input for this semester when complete.
    fn scored(&self) -> Option<ScoredSemester> {
        let score = |view: &Option<AssessmentView>| match view.map(|v| v.value)? {
            AssessmentValue::Scored(tenths) => Some(Score::from(tenths)),
            _ => None,
        };
        Some(ScoredSemester {
            regular: self.regular.iter().map(score).collect::<Option<Vec<_>>>()?,
            midterm: score(&self.midterm)?,
            final_: score(&self.final_)?,
        })
    }

    fn commented(&self) -> Option<CommentedSemester> {
        if !self.is_complete() {
            return None;
        }
        let comment = |view: &Option<AssessmentView>| view.and_then(|v| v.value.comment());
        Some(CommentedSemester {
            regular: self.regular.iter().map(comment).collect(),
            midterm: comment(&self.midterm),
            final_: comment(&self.final_),
        })
    }

    /// The semester result under `rules`, when every assessment is recorded.
    pub(crate) fn compute(&mut self, mode: SubjectMode, rules: Option<&RuleSet>) {
        let Some(rules) = rules else { return };
        self.result = match mode {
            SubjectMode::Scored => self.scored().map(|semester| {
                SubjectValue::Average(semester_average(
                    &semester.regular,
                    semester.midterm,
                    semester.final_,
                    rules.semester_weights,
                ))
            }),
            SubjectMode::Commented => self
                .commented()
                .map(|semester| SubjectValue::Comment(semester.result())),
        };
    }

    /// `{"regular": [...], "midterm", "final", "result"}`; a missing assessment or a pending
    /// result is `null`; a make-up mid-term or final also has `"makeup": true` and its
    /// `"makeup_reason"`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "regular": self.regular.iter().map(|view| optional_view(view.as_ref())).collect::<Vec<_>>(),
            "midterm": view_with_makeup(self.midterm.as_ref(), self.midterm_makeup.as_ref()),
            "final": view_with_makeup(self.final_.as_ref(), self.final_makeup.as_ref()),
            "complete": self.is_complete(),
            "result": json::optional(self.result, json::subject_value),
        })
    }
}

/// One subject of a learner's year.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SubjectRecord {
    /// The subject code.
    pub code: SubjectCode,
    /// Scored or commented.
    pub mode: SubjectMode,
    /// Periods per year.
    pub periods_per_year: u16,
    /// Semester I and semester II.
    pub semesters: [SemesterRecord; 2],
    /// The year result (ĐTBmcn, or Đ/CĐ): `None` while a semester is pending.
    pub year: Option<SubjectValue>,
    /// How many approved corrections changed this subject's results this year.
    pub corrections: u32,
    /// How the learner's individual education plan assesses the subject, if it names it.
    pub plan: Option<PlanAssessment>,
}

impl SubjectRecord {
    fn rules_subject(&self, rules: &RuleSet) -> Option<Subject> {
        let code = crate::rules::subject::SubjectCode::new(self.code.as_str()).ok()?;
        let assessments = match self.mode {
            SubjectMode::Scored => Assessments::Scored {
                periods_per_year: u32::from(self.periods_per_year),
                semesters: [self.semesters[0].scored()?, self.semesters[1].scored()?],
            },
            SubjectMode::Commented => Assessments::Commented {
                periods_per_year: Some(u32::from(self.periods_per_year)),
                semesters: [
                    self.semesters[0].commented()?,
                    self.semesters[1].commented()?,
                ],
            },
        };
        Subject::new(code, assessments, rules).ok()
    }

    /// Whether the individual education plan excludes the subject: results absent by design.
    #[must_use]
    pub fn is_not_assessed(&self) -> bool {
        self.plan == Some(PlanAssessment::NotAssessed)
    }

    /// `{"code", "mode", "periods_per_year", "assessment", "semesters", "year",
    /// "corrections"}`; `assessment` is `regular`, or the plan's `individual_plan` or
    /// `not_assessed`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code.as_str(),
            "mode": mode_name(self.mode),
            "periods_per_year": self.periods_per_year,
            "assessment": self.plan.map_or("regular", PlanAssessment::as_str),
            "semesters": self.semesters.iter().map(SemesterRecord::to_json).collect::<Vec<_>>(),
            "year": json::optional(self.year, json::subject_value),
            "corrections": self.corrections,
        })
    }
}

pub(crate) fn mode_name(mode: SubjectMode) -> &'static str {
    match mode {
        SubjectMode::Scored => "scored",
        SubjectMode::Commented => "commented",
    }
}

/// One enrolment in the year.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EnrolmentView {
    /// The school.
    pub school: UnitCode,
    /// The school's current name.
    pub school_name: Option<String>,
    /// The class.
    pub class: ClassName,
    /// The class's grade (6–12).
    pub grade: Option<u8>,
    /// The log index of the enrolment (or transfer-in).
    pub since: u64,
    /// For a transfer-in: the sending school.
    pub transferred_from: Option<UnitCode>,
    /// For a transfer-out: its index, the receiving school and the reason, if any.
    pub transferred_out: Option<(u64, UnitCode, Option<String>)>,
    /// For a withdrawal (thôi học): its index and reason.
    pub withdrawn: Option<(u64, String)>,
}

impl EnrolmentView {
    /// The enrolment as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "school": self.school.as_str(),
            "school_name": self.school_name,
            "class": self.class.as_str(),
            "grade": self.grade,
            "since": self.since,
            "transferred_from": self.transferred_from.as_ref().map(UnitCode::as_str),
            "transferred_out": self.transferred_out.as_ref().map(|(at, to, reason)| {
                json!({"index": at, "to_school": to.as_str(), "reason": reason})
            }),
            "withdrawn": self.withdrawn.as_ref().map(|(at, reason)| json!({"index": at, "reason": reason})),
        })
    }
}

/// Where the learner's year stands in the signing chain.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SigningView {
    /// The status in force (a change to the record clears sign-off and approval).
    pub status: SigningStatus,
    /// The homeroom teacher's sign-off in force.
    pub signed_off: Option<Signature>,
    /// The principal's approval in force, with the digest approved.
    pub approved: Option<(Signature, Digest)>,
    /// Sign-offs and approvals ever given, including those a later change cleared.
    pub history: Vec<(&'static str, Signature)>,
    /// Subject confirmations in force in the current class: (subject, semester, signature).
    pub confirmations: Vec<(SubjectCode, Semester, Signature)>,
    /// Seals in force at the current school for the year: (term, signature).
    pub seals: Vec<(Term, Signature)>,
    /// The signing policy in force for the level of the learner's latest class that year
    /// (the default chain unless `signing_policy.set` says otherwise); `None` without a class.
    pub policy: Option<SigningPolicyView>,
    /// The steps that policy requires before approval, in order, among `complete_data`,
    /// `confirm_subjects`, `homeroom_sign_off`, `principal_approval`.
    pub required: Vec<&'static str>,
    /// The steps that remain, in order, among `complete_data`, `confirm_subjects`,
    /// `homeroom_sign_off`, `principal_approval`, `seal_year`: the required steps not done,
    /// and the subject confirmations and the year's seal (which lock the record) while
    /// missing. `homeroom_sign_off` is listed only while the policy requires it.
    pub remaining: Vec<&'static str>,
}

fn term_name(term: Term) -> &'static str {
    term_wire_name(term)
}

impl SigningView {
    /// The signing state as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "status": json::signing_status(self.status),
            "signed_off": json::optional(self.signed_off.as_ref(), Signature::to_json),
            "approved": self.approved.as_ref().map(|(signature, digest)| {
                let mut value = signature.to_json();
                value["record_digest"] = json::text(digest);
                value
            }),
            "history": self.history.iter().map(|(what, signature)| {
                let mut value = signature.to_json();
                value["step"] = json!(what);
                value
            }).collect::<Vec<_>>(),
            "confirmations": self.confirmations.iter().map(|(subject, semester, signature)| {
                let mut value = signature.to_json();
                value["subject"] = json!(subject.as_str());
                value["semester"] = json!(semester.number());
                value
            }).collect::<Vec<_>>(),
            "seals": self.seals.iter().map(|(term, signature)| {
                let mut value = signature.to_json();
                value["term"] = json!(term_name(*term));
                value
            }).collect::<Vec<_>>(),
            "policy": json::optional(self.policy.as_ref(), SigningPolicyView::to_json),
            "required": self.required,
            "remaining": self.remaining,
        })
    }
}

/// One school year of a transcript.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TranscriptYear {
    /// The school year.
    pub school_year: SchoolYear,
    /// Every enrolment of the year, oldest first (a transfer gives two).
    pub enrolments: Vec<EnrolmentView>,
    /// Why the rules could not be applied (no class, or a grade the rule set does not govern).
    pub rules_error: Option<String>,
    /// Every subject of the classes enrolled in.
    pub subjects: Vec<SubjectRecord>,
    /// Learning level (học tập) per semester: `None` while a subject's result is pending.
    pub learning: [Option<Level>; 2],
    /// Learning level for the year.
    pub learning_year: Option<Level>,
    /// Conduct (rèn luyện) per semester, as recorded.
    pub conduct: [Option<ConductLevel>; 2],
    /// Conduct for the year, from the two semesters.
    pub conduct_year: Option<Level>,
    /// Approved corrections of conduct this year.
    pub conduct_corrections: u32,
    /// Sessions absent per semester, (excused, unexcused); `None` when never recorded.
    pub absences: [Option<(u16, u16)>; 2],
    /// The outcome before summer, once every result and both conducts are known.
    pub outcome: Option<Outcome>,
    /// The award, for a promoted learner.
    pub award: Option<Award>,
    /// The subjects to re-assess when the outcome is re-assessment.
    pub reassess_subjects: Vec<String>,
    /// Summer re-training and re-assessment: the results recorded and the values after summer.
    pub summer: SummerView,
    /// The principal's decision (`promotion.decided`) and its index.
    pub decision: Option<(Decision, u64)>,
    /// The award granted (`award.granted`) and its index.
    pub award_granted: Option<(Award, u64)>,
    /// The index of the principal's record of programme completion.
    pub programme_completed: Option<u64>,
    /// The principal's exemptions from practical parts (`exemption.decided`), in log order.
    /// The results above are computed as usual: an exemption changes no computation.
    pub exemptions: Vec<Exemption>,
    /// The principal's individual education plan (`individual_plan.decided`); the learning
    /// level and outcome above are computed over the subjects it does not exclude.
    pub individual_plan: Option<IndividualPlan>,
    /// The signing chain.
    pub signing: SigningView,
}

/// What happened in summer: the results recorded (the before-summer values are the year's
/// own) and what the rules give after summer.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct SummerView {
    /// The summer re-training result in force (rèn luyện trong hè).
    pub conduct: Option<ConductLevel>,
    /// The re-assessment results in force (kiểm tra, đánh giá lại): subject, value, index.
    pub reassessments: Vec<(SubjectCode, AssessmentValue, u64)>,
    /// The year conduct, learning and outcome after summer (TT 22 `after_summer`), once a
    /// summer result or the decision is recorded for a learner the year sent to summer; a
    /// result not recorded leaves the value as it was.
    pub after: Option<AfterSummer>,
}

impl SummerView {
    /// `{"conduct", "reassessments": [{"subject", "value", "at"}], "after": {"conduct",
    /// "learning", "outcome"}}`.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "conduct": json::optional(self.conduct, json::conduct),
            "reassessments": self.reassessments.iter().map(|(subject, value, at)| json!({
                "subject": subject.as_str(),
                "value": json::assessment_value(*value),
                "at": at,
            })).collect::<Vec<_>>(),
            "after": self.after.map(|after| json!({
                "conduct": json::text(after.conduct),
                "learning": json::text(after.learning.level),
                "outcome": after.outcome.name(),
            })),
        })
    }
}

impl TranscriptYear {
    /// The subject with this code.
    #[must_use]
    pub fn subject(&self, code: &str) -> Option<&SubjectRecord> {
        self.subjects
            .iter()
            .find(|subject| subject.code.as_str() == code)
    }

    /// The year as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let level = |level: Option<Level>| json::optional(level, json::text);
        json!({
            "school_year": json::text(self.school_year),
            "enrolments": self.enrolments.iter().map(EnrolmentView::to_json).collect::<Vec<_>>(),
            "rules_error": self.rules_error,
            "subjects": self.subjects.iter().map(SubjectRecord::to_json).collect::<Vec<_>>(),
            "learning": {"semesters": [level(self.learning[0]), level(self.learning[1])], "year": level(self.learning_year)},
            "conduct": {
                "semesters": self.conduct.map(|c| json::optional(c, json::conduct)),
                "year": level(self.conduct_year),
                "corrections": self.conduct_corrections,
            },
            "absences": self.absences.map(|a| json::optional(a, |(excused, unexcused)| json!({"excused": excused, "unexcused": unexcused}))),
            "outcome": self.outcome.map(Outcome::name),
            "award": self.award.map(Award::name),
            "reassess_subjects": self.reassess_subjects,
            "summer": self.summer.to_json(),
            "decision": self.decision.map(|(decision, at)| json!({"outcome": decision.as_str(), "index": at})),
            "award_granted": self.award_granted.map(|(award, at)| json!({"award": award.name(), "index": at})),
            "programme_completed": self.programme_completed,
            "individual_plan": self.individual_plan.as_ref().map(|plan| json!({
                "subjects": plan.subjects.iter().map(|(subject, assessment)| json!({
                    "subject": subject.as_str(),
                    "assessment": assessment.as_str(),
                })).collect::<Vec<_>>(),
                "reason": plan.reason,
                "index": plan.index,
            })),
            "exemptions": self.exemptions.iter().map(|exemption| json!({
                "subject": exemption.subject.as_str(),
                "part": exemption.part.as_str(),
                "period": exemption.period.as_str(),
                "decided_in": exemption.school_year.to_string(),
                "reason": exemption.reason,
                "index": exemption.index,
            })).collect::<Vec<_>>(),
            "signing": self.signing.to_json(),
        })
    }
}

/// A learner's transcript (học bạ) as of a log size.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Transcript {
    /// The log size this answer reflects.
    pub as_of_size: u64,
    /// The learner.
    pub learner: LearnerCode,
    /// The registration: its index and the registering school.
    pub registered: Option<(u64, UnitCode)>,
    /// The school years, oldest first.
    pub years: Vec<TranscriptYear>,
    /// Identity corrections (`identity.corrected`): index and reason, oldest first (the
    /// commitments themselves stay in the ledger and the erasable register).
    pub identity_corrections: Vec<(u64, String)>,
    /// Electronic copies and extracts issued from the record, oldest first.
    pub copies: Vec<super::CopyView>,
}

impl Transcript {
    /// The year with this school year.
    #[must_use]
    pub fn year(&self, school_year: SchoolYear) -> Option<&TranscriptYear> {
        self.years
            .iter()
            .find(|year| year.school_year == school_year)
    }

    /// The transcript as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "as_of_size": self.as_of_size,
            "learner": self.learner.as_str(),
            "registered": self.registered.as_ref().map(|(at, school)| json!({"index": at, "school": school.as_str()})),
            "years": self.years.iter().map(TranscriptYear::to_json).collect::<Vec<_>>(),
            "identity_corrections": self.identity_corrections.iter().map(|(at, reason)| json!({"index": at, "reason": reason})).collect::<Vec<_>>(),
            "copies": self.copies.iter().map(super::CopyView::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Projections {
    /// The learner's transcript; `None` for a learner the log never named.
    #[must_use]
    pub fn transcript(&self, learner: &LearnerCode) -> Option<Transcript> {
        let registered = self.learners.get(learner).cloned();
        let years: Vec<TranscriptYear> = self
            .years
            .years(learner)
            .map(|(school_year, state)| self.transcript_year(learner, school_year, state))
            .collect();
        if registered.is_none() && years.is_empty() {
            return None;
        }
        Some(Transcript {
            as_of_size: self.size,
            learner: learner.clone(),
            registered,
            years,
            identity_corrections: self
                .identity_corrections
                .get(learner)
                .cloned()
                .unwrap_or_default(),
            copies: self.copies(learner),
        })
    }

    fn transcript_year(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        state: &YearState,
    ) -> TranscriptYear {
        let record = self.ledger.record(learner, school_year);
        let class_of = |school: &UnitCode, class: &ClassName| ClassKey {
            school: school.clone(),
            school_year,
            class: class.clone(),
        };
        let enrolments: Vec<EnrolmentView> = state
            .enrolments
            .iter()
            .map(|enrolment| EnrolmentView {
                school: enrolment.school.clone(),
                school_name: self.unit_name(&enrolment.school).map(str::to_owned),
                class: enrolment.class.clone(),
                grade: self
                    .classes
                    .get(&class_of(&enrolment.school, &enrolment.class))
                    .map(|info| info.grade),
                since: enrolment.since,
                transferred_from: match &enrolment.via {
                    super::EnrolledVia::TransferFrom(from) => Some(from.clone()),
                    super::EnrolledVia::Enrolment => None,
                },
                transferred_out: enrolment.left.clone(),
                withdrawn: enrolment.withdrawn.clone(),
            })
            .collect();
        let rules = match enrolments.last().and_then(|enrolment| enrolment.grade) {
            Some(grade) => rules_for(grade, school_year),
            None => Err("no class enrolment this year".to_owned()),
        };
        let rule_set = rules.as_ref().ok().copied();

        let mut subjects: Vec<SubjectRecord> = self
            .year_subjects(school_year, state)
            .iter()
            .map(|spec| {
                let mut semesters =
                    Semester::BOTH.map(|semester| SemesterRecord::read(record, spec, semester));
                for semester in &mut semesters {
                    semester.compute(spec.mode, rule_set);
                }
                let year = match (rule_set, semesters[0].result, semesters[1].result) {
                    (
                        Some(rules),
                        Some(SubjectValue::Average(one)),
                        Some(SubjectValue::Average(two)),
                    ) => Some(SubjectValue::Average(year_average(
                        one,
                        two,
                        rules.year_weights,
                    ))),
                    (Some(_), Some(SubjectValue::Comment(_)), Some(SubjectValue::Comment(two))) => {
                        Some(SubjectValue::Comment(two))
                    }
                    _ => None,
                };
                SubjectRecord {
                    code: spec.code.clone(),
                    mode: spec.mode,
                    periods_per_year: spec.periods_per_year,
                    semesters,
                    year,
                    corrections: record.map_or(0, |record| {
                        record.correction_count(&Corrected::Subject(spec.code.clone()))
                    }),
                    plan: state
                        .plan
                        .as_ref()
                        .and_then(|plan| plan.subjects.get(&spec.code).copied()),
                }
            })
            .collect();

        let mut year = TranscriptYear {
            school_year,
            enrolments,
            rules_error: rules.err(),
            subjects: Vec::new(),
            learning: [None, None],
            learning_year: None,
            conduct: state.conduct,
            conduct_year: None,
            conduct_corrections: state.conduct_corrections,
            absences: state.absences,
            outcome: None,
            award: None,
            reassess_subjects: Vec::new(),
            summer: SummerView {
                conduct: state.summer_conduct,
                reassessments: state.reassessments.clone(),
                after: None,
            },
            decision: state.decision,
            award_granted: state.award,
            programme_completed: state.completed,
            exemptions: state.exemptions.clone(),
            individual_plan: state.plan.clone(),
            signing: self.signing_view(school_year, state, &subjects),
        };
        // Rule `individual-plan-not-assessed` (RULES.md §10): the year's levels and outcome are
        // computed over the subjects the learner is assessed in.
        let assessed = |subject: &&SubjectRecord| !subject.is_not_assessed();
        if let Some(rules) = rule_set {
            let options = rules.default_options;
            let level_of = |values: Option<Vec<SubjectValue>>| {
                values.filter(|values| !values.is_empty()).map(|values| {
                    crate::rules::learning::learning_level(&values, rules, &options).level
                })
            };
            for (index, learning) in year.learning.iter_mut().enumerate() {
                *learning = level_of(
                    subjects
                        .iter()
                        .filter(assessed)
                        .map(|s| s.semesters[index].result)
                        .collect(),
                );
            }
            year.learning_year =
                level_of(subjects.iter().filter(assessed).map(|s| s.year).collect());
            if let [Some(one), Some(two)] = state.conduct {
                year.conduct_year = Some(rules.conduct_year.year(one.level(), two.level()));
                let absent: u32 = state
                    .absences
                    .iter()
                    .flatten()
                    .map(|(excused, unexcused)| u32::from(*excused) + u32::from(*unexcused))
                    .sum();
                let rules_subjects: Option<Vec<Subject>> = subjects
                    .iter()
                    .filter(assessed)
                    .map(|s| s.rules_subject(rules))
                    .collect();
                // Summer applies once a summer result or the decision is recorded; a result
                // not recorded leaves the value as it was.
                let summer = (state.summer_conduct.is_some()
                    || !state.reassessments.is_empty()
                    || state.decision.is_some())
                .then(|| Summer {
                    conduct: state.summer_conduct.map(ConductLevel::level),
                    reassessment: state
                        .reassessments
                        .iter()
                        .filter_map(|(code, value, _)| {
                            let code =
                                crate::rules::subject::SubjectCode::new(code.as_str()).ok()?;
                            Some((code, crate::domain::summer_value(*value)))
                        })
                        .collect(),
                });
                let assess = |summer: Option<Summer>| {
                    rules_subjects
                        .clone()
                        .filter(|list| !list.is_empty())
                        .and_then(|list| {
                            LearnerYear::new(list, [one.level(), two.level()], absent, summer).ok()
                        })
                        .and_then(|learner_year| assess_year(&learner_year, rules, &options).ok())
                };
                // A re-assessment a later correction made ineligible is left out (as the
                // domain does) rather than hiding every result.
                let results = assess(summer.clone()).or_else(|| {
                    assess(None).map(|mut results| {
                        results.after_summer = None;
                        results
                    })
                });
                if let Some(results) = results {
                    // The full computation agrees with the partial one; take its values.
                    let assessed_subjects = subjects.iter_mut().filter(|s| !s.is_not_assessed());
                    for (record, (_, computed)) in assessed_subjects.zip(&results.subjects) {
                        record.semesters[0].result = Some(computed.semesters[0]);
                        record.semesters[1].result = Some(computed.semesters[1]);
                        record.year = Some(computed.year);
                    }
                    year.learning = results.learning.semesters.map(|level| Some(level.level));
                    year.learning_year = Some(results.learning.year.level);
                    year.conduct_year = Some(results.conduct.year);
                    year.outcome = Some(results.outcome);
                    year.award = results.award;
                    year.summer.after = results.after_summer;
                    year.reassess_subjects = results
                        .reassess_subjects
                        .iter()
                        .map(|code| code.as_str().to_owned())
                        .collect();
                }
            }
        }
        year.subjects = subjects;
        year
    }

    fn signing_view(
        &self,
        school_year: SchoolYear,
        state: &YearState,
        subjects: &[SubjectRecord],
    ) -> SigningView {
        let status = state.signing.unwrap_or(SigningStatus::Unsigned);
        let signature = |(index, key): (u64, PublicKey)| Signature { index, key };
        // An approval stands without a sign-off where the policy does not require one.
        let signed_off = state
            .signed_off
            .then(|| state.sign_offs.last().map(|(i, k)| signature((*i, *k))))
            .flatten();
        let approved = match status {
            SigningStatus::Approved(digest) => state
                .approvals
                .last()
                .map(|(i, k, _)| (signature((*i, *k)), digest)),
            _ => None,
        };
        let mut history: Vec<(&'static str, Signature)> = state
            .sign_offs
            .iter()
            .map(|(i, k)| ("homeroom_sign_off", signature((*i, *k))))
            .chain(
                state
                    .approvals
                    .iter()
                    .map(|(i, k, _)| ("principal_approval", signature((*i, *k)))),
            )
            .collect();
        history.sort_by_key(|(_, signature)| signature.index);

        let policy = state.enrolments.last().and_then(|enrolment| {
            let class = ClassKey {
                school: enrolment.school.clone(),
                school_year,
                class: enrolment.class.clone(),
            };
            let level = self.classes.get(&class)?.level?;
            Some(self.signing_policy(level, school_year))
        });
        let policy_steps = policy
            .as_ref()
            .map_or(crate::domain::SigningPolicy::DEFAULT, |view| view.policy);
        let current = state
            .enrolments
            .last()
            .filter(|enrolment| enrolment.left.is_none() && enrolment.withdrawn.is_none());
        let mut confirmations = Vec::new();
        let mut unconfirmed = false;
        let mut seals = Vec::new();
        let mut year_sealed = false;
        if let Some(enrolment) = current {
            let class = ClassKey {
                school: enrolment.school.clone(),
                school_year,
                class: enrolment.class.clone(),
            };
            for spec in self.classes.get(&class).map_or(&[][..], |c| &c.subjects) {
                for semester in Semester::BOTH {
                    match self
                        .confirmations
                        .get(&(class.clone(), spec.code.clone(), semester))
                    {
                        Some(found) => {
                            confirmations.push((spec.code.clone(), semester, signature(*found)))
                        }
                        None => unconfirmed = true,
                    }
                }
            }
            for term in [
                Term::Semester(Semester::First),
                Term::Semester(Semester::Second),
                Term::Year,
            ] {
                if let Some(found) = self
                    .seals
                    .get(&(enrolment.school.clone(), school_year, term))
                {
                    seals.push((term, signature(*found)));
                    year_sealed |= term == Term::Year;
                }
            }
        }
        let complete = !subjects.is_empty()
            && subjects
                .iter()
                .filter(|s| !s.is_not_assessed())
                .all(|s| s.semesters.iter().all(SemesterRecord::is_complete))
            && state.conduct.iter().all(Option::is_some);
        let mut remaining = Vec::new();
        if !complete {
            remaining.push("complete_data");
        }
        if unconfirmed || current.is_none() {
            remaining.push("confirm_subjects");
        }
        if policy_steps.homeroom_sign_off_required && matches!(status, SigningStatus::Unsigned) {
            remaining.push("homeroom_sign_off");
        }
        if !matches!(status, SigningStatus::Approved(_)) {
            remaining.push("principal_approval");
        }
        if !year_sealed {
            remaining.push("seal_year");
        }
        SigningView {
            status,
            signed_off,
            approved,
            history,
            confirmations,
            seals,
            policy,
            required: policy_steps.required_steps(),
            remaining,
        }
    }
}
