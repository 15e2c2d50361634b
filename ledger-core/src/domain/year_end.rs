//! The end of the school year and after: the TT 22 results of a learner's year as the ledger
//! holds it (computed by `crate::rules`, never here), summer re-training and re-assessment, the
//! principal's promotion decision, awards and programme completion; and the record procedures
//! that close an enrolment (withdrawal), issue copies and extracts, and correct identity
//! commitments.

use super::authority::{PRINCIPALS, SCHOOL_OFFICE};
use super::error::DomainError;
use super::event::{assessment_value, Decision, Duty, Event, SubjectSpec};
use super::state::{EnrolmentStatus, LearnerYear};
use super::value::{
    AssessmentKind, AssessmentValue, ConductLevel, Digest, LearnerCode, SchoolYear, Semester,
    SubjectCode, SubjectMode, UnitCode,
};
use super::{ClassKey, CopyKind, Ledger, Position};
use crate::key::PublicKey;
use crate::rules::score::{Average, Score};
use crate::rules::subject::{self, Assessments, CommentedSemester, ScoredSemester, Subject};
use crate::rules::table::{self, Grade, RuleSet, RuleSetId};
use crate::rules::year::{
    self, assess_year, due_for_reassessment, AfterSummer, Award, Outcome, Summer, YearResults,
};

/// The final grades of the two levels: completing grade 9 completes THCS, grade 12 THPT.
pub const FINAL_GRADES: [u8; 2] = [9, 12];

/// The rule set for a class's grade in a school year (TT 22).
pub(crate) fn rules_for(grade: u8, school_year: SchoolYear) -> Result<&'static RuleSet, String> {
    let grade = Grade::new(grade).map_err(|error| format!("[{}] {error}", error.code()))?;
    let year = table::SchoolYear::new(school_year.start_year())
        .map_err(|error| format!("[{}] {error}", error.code()))?;
    table::lookup(RuleSetId::Tt22, grade, Some(year))
        .map_err(|error| format!("[{}] {error}", error.code()))
}

/// The subjects of a year's classes, in order: those of every class, the latest class's
/// specification winning, in order of first appearance. The ledger and the transcript both
/// read a learner's year with it.
pub(crate) fn merge_subject_specs<'a>(
    classes: impl IntoIterator<Item = &'a [SubjectSpec]>,
) -> Vec<SubjectSpec> {
    let mut subjects: Vec<SubjectSpec> = Vec::new();
    for spec in classes.into_iter().flatten() {
        match subjects.iter_mut().find(|known| known.code == spec.code) {
            Some(known) => *known = spec.clone(),
            None => subjects.push(spec.clone()),
        }
    }
    subjects
}

/// Reads semester I then semester II, stopping at the first that cannot be read.
fn both_semesters<T>(
    mut read: impl FnMut(Semester) -> Result<T, String>,
) -> Result<[T; 2], String> {
    let [first, second] = Semester::BOTH;
    Ok([read(first)?, read(second)?])
}

/// A re-assessment result as the rules read it.
pub(crate) fn subject_value(value: AssessmentValue) -> subject::SubjectValue {
    match value {
        AssessmentValue::Scored(tenths) => {
            subject::SubjectValue::Average(Average::from(Score::from(tenths)))
        }
        other => subject::SubjectValue::Comment(
            other
                .comment()
                .unwrap_or(crate::rules::level::CommentResult::ChuaDat),
        ),
    }
}

/// What the rules give for a learner's year as the ledger holds it.
#[derive(Clone, Debug)]
pub(crate) struct Evaluation {
    /// The grade of the learner's current class.
    pub(crate) grade: u8,
    /// The results before summer.
    pub(crate) before: YearResults,
    /// The results after summer with the summer results recorded so far (a result not recorded
    /// leaves the value as it was); `None` unless the outcome called for summer.
    pub(crate) after: Option<AfterSummer>,
    /// The subjects the rules send to re-assessment now.
    pub(crate) due: Vec<SubjectCode>,
}

impl Evaluation {
    /// The decision the rules call for: the outcome after summer when summer applies; promoted
    /// becomes completed in a final grade.
    pub(crate) fn decision(&self) -> Decision {
        let outcome = match (self.before.outcome, &self.after) {
            (Outcome::SummerTraining | Outcome::Reassessment, Some(after)) => after.outcome,
            (outcome, _) => outcome,
        };
        match outcome {
            Outcome::Promoted if FINAL_GRADES.contains(&self.grade) => Decision::Completed,
            Outcome::Promoted => Decision::Promoted,
            _ => Decision::NotPromoted,
        }
    }
}

impl Ledger {
    /// The subjects a learner's year covers: those of every class enrolled in that year, the
    /// latest class's specification winning, in order of first appearance (as the transcript).
    fn year_specs(&self, record: &LearnerYear, school_year: SchoolYear) -> Vec<SubjectSpec> {
        merge_subject_specs(record.enrolments.iter().map(|enrolment| {
            self.classes
                .get(&enrolment.class_key(school_year))
                .map_or(&[][..], |c| &c.subjects)
        }))
    }

    /// The grade of the learner's latest class in the year.
    pub(crate) fn year_grade(&self, record: &LearnerYear, school_year: SchoolYear) -> Option<u8> {
        let enrolment = record.current()?;
        self.classes
            .get(&enrolment.class_key(school_year))
            .map(|class| class.grade)
    }

    /// The rules' subject from the values in force, or what is missing.
    fn rules_subject(
        record: &LearnerYear,
        spec: &SubjectSpec,
        rules: &RuleSet,
    ) -> Result<Subject, String> {
        let value = |semester: Semester, kind: AssessmentKind, slot: u8| {
            record
                .assessment_versions(&spec.code, semester, kind, slot)
                .map(|versions| versions.last().value)
                .ok_or_else(|| format!("the assessments of {} in {semester}", spec.code))
        };
        let code = subject::SubjectCode::new(spec.code.as_str())
            .map_err(|error| format!("[{}] {error}", error.code()))?;
        let periods = u32::from(spec.periods_per_year);
        let assessments = match spec.mode {
            SubjectMode::Scored => {
                let score = |semester, kind, slot| -> Result<Score, String> {
                    match value(semester, kind, slot)? {
                        AssessmentValue::Scored(tenths) => Ok(Score::from(tenths)),
                        _ => Err(format!("a score of {}", spec.code)),
                    }
                };
                let semesters = both_semesters(|semester| {
                    Ok(ScoredSemester {
                        regular: (1..=spec.regular_count())
                            .map(|slot| score(semester, AssessmentKind::Regular, slot))
                            .collect::<Result<Vec<_>, _>>()?,
                        midterm: score(semester, AssessmentKind::Midterm, 0)?,
                        final_: score(semester, AssessmentKind::Final, 0)?,
                    })
                })?;
                Assessments::Scored {
                    periods_per_year: periods,
                    semesters,
                }
            }
            SubjectMode::Commented => {
                let comment = |semester, kind, slot| {
                    value(semester, kind, slot).map(AssessmentValue::comment)
                };
                let semesters = both_semesters(|semester| {
                    Ok(CommentedSemester {
                        regular: (1..=spec.regular_count())
                            .map(|slot| comment(semester, AssessmentKind::Regular, slot))
                            .collect::<Result<Vec<_>, _>>()?,
                        midterm: comment(semester, AssessmentKind::Midterm, 0)?,
                        final_: comment(semester, AssessmentKind::Final, 0)?,
                    })
                })?;
                Assessments::Commented {
                    periods_per_year: Some(periods),
                    semesters,
                }
            }
        };
        Subject::new(code, assessments, rules)
            .map_err(|error| format!("[{}] {error}", error.code()))
    }

    /// What the rules give for the learner's year as it stands, or (as text) why they cannot be
    /// applied yet: a missing assessment or conduct, no class, a grade the rule set does not
    /// govern.
    pub(crate) fn evaluate(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Result<Evaluation, String> {
        let record = self
            .record(learner, school_year)
            .ok_or_else(|| format!("no record in {school_year}"))?;
        let grade = self
            .year_grade(record, school_year)
            .ok_or_else(|| "no class this year".to_owned())?;
        let rules = rules_for(grade, school_year)?;
        let options = rules.default_options;
        // Rule `individual-plan-not-assessed` (RULES.md §10): the year is computed over the
        // subjects the learner is assessed in.
        let subjects = self
            .year_specs(record, school_year)
            .iter()
            .filter(|spec| {
                !record
                    .plan
                    .as_ref()
                    .is_some_and(|plan| plan.excludes(&spec.code))
            })
            .map(|spec| Self::rules_subject(record, spec, rules))
            .collect::<Result<Vec<_>, _>>()?;
        let conduct_of = |semester: Semester| {
            record
                .conduct
                .get(&semester)
                .and_then(|versions| versions.last())
                .map(|version| version.value.level())
                .ok_or_else(|| format!("the conduct result (rèn luyện) of {semester}"))
        };
        let conduct = [conduct_of(Semester::First)?, conduct_of(Semester::Second)?];
        let absent: u32 = record
            .absences
            .values()
            .map(|(excused, unexcused, _)| u32::from(*excused) + u32::from(*unexcused))
            .sum();
        let assess = |summer: Option<Summer>| {
            year::LearnerYear::new(subjects.clone(), conduct, absent, summer)
                .and_then(|year| assess_year(&year, rules, &options))
                .map_err(|error| format!("[{}] {error}", error.code()))
        };
        let before = assess(None)?;
        let summer_conduct = record
            .summer_conduct
            .last()
            .map(|version| version.value.level());
        let learning_fails = !before.learning.year.level.passes();
        let due_codes: Vec<subject::SubjectCode> = match before.outcome {
            Outcome::Reassessment => before.reassess_subjects.clone(),
            Outcome::SummerTraining
                if learning_fails
                    && options.reassess_after_summer_training
                    && summer_conduct.is_some_and(|level| level.passes()) =>
            {
                let mut due: Vec<subject::SubjectCode> = before
                    .subjects
                    .iter()
                    .filter(|(_, results)| due_for_reassessment(results.year, rules))
                    .map(|(code, _)| code.clone())
                    .collect();
                due.sort();
                due
            }
            _ => Vec::new(),
        };
        let due: Vec<SubjectCode> = due_codes
            .iter()
            .filter_map(|code| SubjectCode::parse(code.as_str()).ok())
            .collect();
        let after = match before.outcome {
            Outcome::SummerTraining | Outcome::Reassessment => {
                let mut summer = Summer {
                    conduct: summer_conduct,
                    ..Summer::default()
                };
                for (code, versions) in &record.reassessments {
                    let (Some(version), Some(rules_code)) = (
                        versions.last(),
                        due_codes.iter().find(|due| due.as_str() == code.as_str()),
                    ) else {
                        continue;
                    };
                    summer
                        .reassessment
                        .insert(rules_code.clone(), subject_value(version.value));
                }
                assess(Some(summer))?.after_summer
            }
            _ => None,
        };
        Ok(Evaluation {
            grade,
            before,
            after,
            due,
        })
    }

    fn evaluated(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Result<Evaluation, DomainError> {
        self.evaluate(learner, school_year)
            .map_err(|missing| DomainError::RecordIncomplete {
                learner: learner.to_string(),
                school_year: school_year.to_string(),
                missing,
            })
    }

    /// For a summer result: the learner is enrolled in `class`, the year is not decided yet,
    /// and what the rules give for it.
    fn summer_evaluation(
        &self,
        learner: &LearnerCode,
        class: &ClassKey,
    ) -> Result<Evaluation, DomainError> {
        self.check_enrolled(learner, class)?;
        let year = class.school_year;
        if let Some(record) = self.record(learner, year) {
            Self::check_not_decided(record, learner, year)?;
        }
        self.evaluated(learner, year)
    }

    fn check_not_decided(
        record: &LearnerYear,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Result<(), DomainError> {
        match &record.decision {
            Some((_, signature)) => Err(DomainError::PromotionAlreadyDecided {
                learner: learner.to_string(),
                school_year: school_year.to_string(),
                decided_at: signature.at,
            }),
            None => Ok(()),
        }
    }

    fn check_approved(
        record: &LearnerYear,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Result<(), DomainError> {
        if record.approved.is_none() {
            return Err(DomainError::RecordNotApproved {
                learner: learner.to_string(),
                school_year: school_year.to_string(),
            });
        }
        Ok(())
    }

    /// A principal's decision on an active learner at `school` in `school_year`.
    fn check_principal_on(
        &self,
        author: &PublicKey,
        learner: &LearnerCode,
        school: &UnitCode,
        school_year: SchoolYear,
        at: Position,
        action: &str,
    ) -> Result<&LearnerYear, DomainError> {
        self.unit(school)?;
        self.check_authority(author, PRINCIPALS, school, Some(school_year), at, action)?;
        self.check_active_at(learner, school, school_year)
    }

    /// Judges the end-of-year and record-procedure events.
    #[allow(clippy::too_many_lines)]
    pub(crate) fn judge_end_of_year(
        &self,
        event: &mut Event,
        author: &PublicKey,
        at: Position,
    ) -> Result<(), DomainError> {
        let action = event.event_type();
        match event {
            Event::SummerConductRecorded { learner, class, .. } => {
                self.class(class)?;
                self.check_teacher(author, class, &Duty::Homeroom, at, action)?;
                let year = class.school_year;
                let evaluation = self.summer_evaluation(learner, class)?;
                if evaluation.before.outcome != Outcome::SummerTraining {
                    return Err(DomainError::SummerTrainingNotRequired {
                        learner: learner.to_string(),
                        school_year: year.to_string(),
                        detail: format!(
                            "year conduct {}, outcome {}",
                            evaluation.before.conduct.year,
                            evaluation.before.outcome.name()
                        ),
                    });
                }
                Ok(())
            }
            Event::SummerReassessmentRecorded {
                learner,
                class,
                subject,
                value,
                resolved,
            } => {
                let spec = self.class_subject(class, subject)?;
                let parsed = assessment_value(value, spec.mode, subject)?;
                self.check_teacher(author, class, &Duty::Subject(subject.clone()), at, action)?;
                let year = class.school_year;
                let evaluation = self.summer_evaluation(learner, class)?;
                if !evaluation.due.contains(subject) {
                    return Err(DomainError::ReassessmentNotRequired {
                        learner: learner.to_string(),
                        school_year: year.to_string(),
                        subject: subject.to_string(),
                        detail: format!(
                            "outcome {}, year learning {}, subjects to re-assess: [{}]",
                            evaluation.before.outcome.name(),
                            evaluation.before.learning.year.level,
                            evaluation
                                .due
                                .iter()
                                .map(SubjectCode::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                *resolved = Some(parsed);
                Ok(())
            }
            Event::PromotionDecided {
                learner,
                school,
                school_year,
                outcome,
            } => {
                let record =
                    self.check_principal_on(author, learner, school, *school_year, at, action)?;
                Self::check_not_decided(record, learner, *school_year)?;
                Self::check_approved(record, learner, *school_year)?;
                let expected = self.evaluated(learner, *school_year)?.decision();
                if expected != *outcome {
                    return Err(DomainError::PromotionMismatch {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        decided: outcome.as_str().to_owned(),
                        expected: expected.as_str().to_owned(),
                    });
                }
                Ok(())
            }
            Event::AwardGranted {
                learner,
                school,
                school_year,
                award,
            } => {
                let record =
                    self.check_principal_on(author, learner, school, *school_year, at, action)?;
                if let Some((_, signature)) = &record.award {
                    return Err(DomainError::AwardAlreadyGranted {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        granted_at: signature.at,
                    });
                }
                if record.decision.is_none() {
                    return Err(DomainError::PromotionNotDecided {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                    });
                }
                let allowed = self.evaluated(learner, *school_year)?.before.award;
                if allowed != Some(*award) {
                    return Err(DomainError::AwardNotAllowed {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        award: award.name().to_owned(),
                        detail: format!(
                            "the rules give {}",
                            allowed.map_or("no award", Award::name)
                        ),
                    });
                }
                Ok(())
            }
            Event::ProgrammeCompleted {
                learner,
                school,
                school_year,
            } => {
                let record =
                    self.check_principal_on(author, learner, school, *school_year, at, action)?;
                if let Some(signature) = &record.completed {
                    return Err(DomainError::ProgrammeAlreadyCompleted {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        completed_at: signature.at,
                    });
                }
                let grade = self.year_grade(record, *school_year).unwrap_or(0);
                if !FINAL_GRADES.contains(&grade) {
                    return Err(DomainError::GradeNotFinal {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        grade,
                    });
                }
                match &record.decision {
                    None => Err(DomainError::PromotionNotDecided {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                    }),
                    Some((Decision::Completed, _)) => Ok(()),
                    Some((decided, _)) => Err(DomainError::PromotionMismatch {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        decided: decided.as_str().to_owned(),
                        expected: Decision::Completed.as_str().to_owned(),
                    }),
                }
            }
            Event::LearnerWithdrawn {
                learner,
                school,
                school_year,
                ..
            } => {
                self.unit(school)?;
                self.check_authority(
                    author,
                    SCHOOL_OFFICE,
                    school,
                    Some(*school_year),
                    at,
                    action,
                )?;
                self.check_active_at(learner, school, *school_year)
                    .map(|_| ())
            }
            Event::CopyIssued {
                copy_id,
                learner,
                school,
                school_year,
                record_digest,
                ..
            } => {
                self.unit(school)?;
                self.check_authority(
                    author,
                    SCHOOL_OFFICE,
                    school,
                    Some(*school_year),
                    at,
                    action,
                )?;
                if let Some(found) = self.copies.get(copy_id) {
                    return Err(DomainError::CopyIdTaken {
                        copy_id: copy_id.to_string(),
                        issued_at: found.issued_at,
                    });
                }
                self.learner_exists(learner)?;
                let record = self.record(learner, *school_year);
                let held_here = self.custodian(learner) == Some(&*school)
                    || record.is_some_and(|r| r.enrolments.iter().any(|e| e.school == *school));
                let Some(record) = record.filter(|_| held_here) else {
                    return Err(DomainError::LearnerNotEnrolled {
                        learner: learner.to_string(),
                        detail: format!(
                            "{school} neither holds the record nor enrolled the learner in \
                             {school_year}"
                        ),
                    });
                };
                Self::check_approved(record, learner, *school_year)?;
                let expected = self.digest_of(learner, *school_year, record);
                if expected != *record_digest {
                    return Err(DomainError::CopyDigestMismatch {
                        learner: learner.to_string(),
                        school_year: school_year.to_string(),
                        expected: expected.to_string(),
                    });
                }
                Ok(())
            }
            Event::IdentityCorrected {
                learner,
                school,
                identity_commitment,
                ..
            } => {
                self.active_school(school)?;
                self.check_authority(author, SCHOOL_OFFICE, school, None, at, action)?;
                let found = self.known_learner(learner)?;
                let holder = self.custodian(learner).unwrap_or(&found.registered_by);
                if holder != school {
                    return Err(DomainError::LearnerNotEnrolled {
                        learner: learner.to_string(),
                        detail: format!("the record is held by {holder}, not {school}"),
                    });
                }
                if found.identity_commitment == *identity_commitment {
                    return Err(DomainError::IdentityUnchanged {
                        learner: learner.to_string(),
                    });
                }
                Ok(())
            }
            // `judge` sends only the events above here.
            _ => Ok(()),
        }
    }

    /// The summer re-training result in force (rèn luyện trong hè).
    #[must_use]
    pub fn summer_conduct(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<ConductLevel> {
        self.record(learner, school_year)?.summer_conduct_in_force()
    }

    /// The re-assessment results in force (kiểm tra, đánh giá lại), by subject, with the index
    /// of the event that set each.
    #[must_use]
    pub fn reassessments(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Vec<(SubjectCode, AssessmentValue, u64)> {
        self.record(learner, school_year)
            .map(LearnerYear::reassessments_in_force)
            .unwrap_or_default()
    }

    /// The principal's end-of-year decision, with its index.
    #[must_use]
    pub fn promotion(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<(Decision, u64)> {
        self.record(learner, school_year)?.decision_in_force()
    }

    /// The decision the rules call for on the learner's year as it stands (what
    /// `promotion.decided` must carry), or why it cannot be computed yet.
    ///
    /// # Errors
    /// A sentence naming what is missing (an assessment, a conduct result, the class).
    pub fn expected_decision(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Result<Decision, String> {
        self.evaluate(learner, school_year)
            .map(|evaluation| evaluation.decision())
    }

    /// The award granted, with its index.
    #[must_use]
    pub fn award(&self, learner: &LearnerCode, school_year: SchoolYear) -> Option<(Award, u64)> {
        self.record(learner, school_year)?.award_in_force()
    }

    /// The index of the principal's record of programme completion.
    #[must_use]
    pub fn programme_completed(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<u64> {
        self.record(learner, school_year)?.completed_at()
    }

    /// The index and reason of the withdrawal closing the learner's latest enrolment of the
    /// year, if it was closed so.
    #[must_use]
    pub fn withdrawal(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
    ) -> Option<(u64, &str)> {
        match &self.record(learner, school_year)?.current()?.status {
            EnrolmentStatus::Withdrawn { at, reason } => Some((*at, reason.as_str())),
            _ => None,
        }
    }

    /// The learner's identity commitment in force.
    #[must_use]
    pub fn identity_commitment(&self, learner: &LearnerCode) -> Option<Digest> {
        self.learners
            .get(learner)
            .map(|found| found.identity_commitment)
    }

    /// The commitments replaced by `identity.corrected`, oldest first: (commitment, index of
    /// the correction that replaced it, reason).
    #[must_use]
    pub fn identity_history(&self, learner: &LearnerCode) -> Vec<(Digest, u64, String)> {
        self.learners
            .get(learner)
            .map(|found| found.identity_history.clone())
            .unwrap_or_default()
    }

    /// A copy or extract issued: (learner, school year, kind, record digest, requester, index).
    #[must_use]
    pub fn copy(
        &self,
        copy_id: &super::value::CopyId,
    ) -> Option<(&LearnerCode, SchoolYear, CopyKind, Digest, &str, u64)> {
        self.copies.get(copy_id).map(|found| {
            (
                &found.learner,
                found.school_year,
                found.kind,
                found.record_digest,
                found.requester.as_str(),
                found.issued_at,
            )
        })
    }
}

impl super::state::Enrolment {
    /// The class of this enrolment in `school_year`.
    pub(crate) fn class_key(&self, school_year: SchoolYear) -> ClassKey {
        ClassKey {
            school: self.school.clone(),
            school_year,
            class: self.class.clone(),
        }
    }
}
