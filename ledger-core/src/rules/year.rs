//! A learner's school year: subject results, learning and conduct levels, the end-of-year
//! outcome, re-assessment, awards and the results after summer.
//!
//! TT 22 Điều 8 (conduct), Điều 9 (learning) and the end-of-year provisions:
//!
//! 1. Each subject's semester and year results ([`Subject::results`]).
//! 2. The learning level of each semester and of the year ([`learning_level`]).
//! 3. The year conduct from the two semester results (the rule set's conduct table).
//! 4. The outcome, in this order: absent more than the limit (45 sessions) → not promoted; year
//!    conduct `CĐ` → summer re-training (rèn luyện trong hè); year learning `CĐ` → re-assessment
//!    (kiểm tra, đánh giá lại); otherwise promoted (or programme completed in a final grade). A
//!    learner at `CĐ` in both is sent to summer re-training first.
//! 5. Subjects to re-assess (only when the outcome is re-assessment): commented subjects at `CĐ`
//!    for the year and scored subjects with a year average below 5.0.
//! 6. The award, for a promoted learner only: Học sinh Giỏi with year conduct `T` and year
//!    learning `T`; Học sinh Xuất sắc when also at least 6 scored year averages are ≥ 9.0.
//! 7. After summer (when summer results are given and the outcome was summer re-training or
//!    re-assessment): the summer conduct replaces a `CĐ` year conduct; each re-assessment result
//!    replaces that subject's year result and the year learning level is recomputed; the learner
//!    is promoted when both are now `Đ` or better. A result not given leaves the value as it was
//!    (a learner who did not attend stays `CĐ`). Re-assessment after summer re-training depends
//!    on [`Options::reassess_after_summer_training`].

use std::collections::BTreeMap;

use super::learning::{learning_level, LearningLevel};
use super::level::{CommentResult, Level};
use super::subject::{Subject, SubjectCode, SubjectResults, SubjectValue};
use super::table::{Options, RuleSet};

/// Most subjects in one learner's year: a THPT class has about fifteen; the bound keeps the
/// work per request small.
pub const SUBJECTS_MAX: usize = 64;

/// Why a learner's year was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum YearError {
    /// Two subjects have the same code (code `subject-duplicate`).
    #[error("môn {code} xuất hiện hai lần (duplicate subject)")]
    SubjectDuplicate {
        /// The code.
        code: SubjectCode,
    },
    /// More than [`SUBJECTS_MAX`] subjects (code `subjects-too-many`).
    #[error("có {count} môn học, tối đa {SUBJECTS_MAX} (too many subjects)")]
    SubjectsTooMany {
        /// How many were given.
        count: usize,
    },
    /// A re-assessment result names a subject the learner does not take (code
    /// `subject-unknown`).
    #[error("kiểm tra lại môn {code}: không có môn này trong danh sách môn học (unknown subject)")]
    SubjectUnknown {
        /// The code.
        code: SubjectCode,
    },
    /// A re-assessment result is a score for a commented subject or a level for a scored one
    /// (code `reassessment-kind-wrong`).
    #[error(
        "kiểm tra lại môn {code}: môn đánh giá bằng {expected} nên kết quả phải là {expected} \
         (wrong kind of re-assessment result)"
    )]
    ReassessmentKindWrong {
        /// The code.
        code: SubjectCode,
        /// `"điểm số"` or `"nhận xét"`.
        expected: &'static str,
    },
    /// A re-assessment result is given for a subject that is not to be re-assessed: the year
    /// learning is not `CĐ`, or the subject passed (code `reassessment-not-eligible`).
    #[error(
        "môn {code} không thuộc diện kiểm tra, đánh giá lại (chỉ khi kết quả học tập cả năm Chưa \
         đạt, với môn nhận xét CĐ hoặc môn có ĐTBmcn dưới 5,0) (subject not eligible for \
         re-assessment)"
    )]
    ReassessmentNotEligible {
        /// The code.
        code: SubjectCode,
    },
}

impl YearError {
    /// A stable kebab-case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::SubjectDuplicate { .. } => "subject-duplicate",
            Self::SubjectsTooMany { .. } => "subjects-too-many",
            Self::SubjectUnknown { .. } => "subject-unknown",
            Self::ReassessmentKindWrong { .. } => "reassessment-kind-wrong",
            Self::ReassessmentNotEligible { .. } => "reassessment-not-eligible",
        }
    }
}

/// What happened after the school year, when known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summer {
    /// The result of summer re-training (rèn luyện trong hè).
    pub conduct: Option<Level>,
    /// Re-assessment results by subject: a score for a scored subject, `Đ`/`CĐ` for a commented
    /// one.
    pub reassessment: BTreeMap<SubjectCode, SubjectValue>,
}

/// One learner's raw year: subjects with their assessments, semester conduct, absences and
/// what happened in summer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnerYear {
    subjects: Vec<Subject>,
    conduct: [Level; 2],
    absent_sessions: u32,
    summer: Option<Summer>,
}

impl LearnerYear {
    /// Checks that subject codes are unique and bounded in number, and that every
    /// re-assessment result names a subject of the right kind.
    ///
    /// # Errors
    /// [`YearError::SubjectsTooMany`], [`YearError::SubjectDuplicate`],
    /// [`YearError::SubjectUnknown`] or [`YearError::ReassessmentKindWrong`].
    pub fn new(
        subjects: Vec<Subject>,
        conduct: [Level; 2],
        absent_sessions: u32,
        summer: Option<Summer>,
    ) -> Result<Self, YearError> {
        if subjects.len() > SUBJECTS_MAX {
            return Err(YearError::SubjectsTooMany {
                count: subjects.len(),
            });
        }
        let mut seen = BTreeMap::new();
        for subject in &subjects {
            if seen
                .insert(subject.code().clone(), subject.is_scored())
                .is_some()
            {
                return Err(YearError::SubjectDuplicate {
                    code: subject.code().clone(),
                });
            }
        }
        for (code, value) in summer.iter().flat_map(|summer| &summer.reassessment) {
            let scored = *seen
                .get(code)
                .ok_or_else(|| YearError::SubjectUnknown { code: code.clone() })?;
            if scored != matches!(value, SubjectValue::Average(_)) {
                return Err(YearError::ReassessmentKindWrong {
                    code: code.clone(),
                    expected: if scored {
                        "điểm số"
                    } else {
                        "nhận xét"
                    },
                });
            }
        }
        Ok(Self {
            subjects,
            conduct,
            absent_sessions,
            summer,
        })
    }

    /// The subjects, in the order given.
    #[must_use]
    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }
}

/// The end-of-year outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Lên lớp (or programme completed, in a final grade).
    Promoted,
    /// Ở lại lớp: not promoted.
    NotPromoted,
    /// Rèn luyện trong kì nghỉ hè: summer re-training (year conduct `CĐ`).
    SummerTraining,
    /// Kiểm tra, đánh giá lại: re-assessment (year learning `CĐ`).
    Reassessment,
}

impl Outcome {
    /// The name used in the assess format.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Promoted => "promoted",
            Self::NotPromoted => "not_promoted",
            Self::SummerTraining => "summer_training",
            Self::Reassessment => "reassessment",
        }
    }
}

/// An award (khen thưởng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Award {
    /// Học sinh Xuất sắc.
    Excellent,
    /// Học sinh Giỏi.
    Good,
}

impl Award {
    /// The name used in the assess format.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Excellent => "excellent",
            Self::Good => "good",
        }
    }
}

/// A level per semester and for the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodLevels<T> {
    /// Semester I and semester II.
    pub semesters: [T; 2],
    /// The year.
    pub year: T,
}

/// The year values after summer re-training and re-assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterSummer {
    /// Year conduct after summer re-training.
    pub conduct: Level,
    /// Year learning after re-assessment.
    pub learning: LearningLevel,
    /// The final outcome: promoted or not promoted.
    pub outcome: Outcome,
}

/// Everything the rules give for one learner's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearResults {
    /// Each subject's results, in the order given.
    pub subjects: Vec<(SubjectCode, SubjectResults)>,
    /// The learning level per semester and for the year.
    pub learning: PeriodLevels<LearningLevel>,
    /// Conduct per semester (as given) and for the year.
    pub conduct: PeriodLevels<Level>,
    /// The outcome before summer.
    pub outcome: Outcome,
    /// Sorted codes of the subjects to re-assess; empty unless the outcome is re-assessment.
    pub reassess_subjects: Vec<SubjectCode>,
    /// The award, for a promoted learner.
    pub award: Option<Award>,
    /// The values after summer, when summer results were given and the outcome called for them.
    pub after_summer: Option<AfterSummer>,
}

/// Applies `rules` (with `options`) to a learner's year.
///
/// # Errors
/// [`YearError::ReassessmentNotEligible`] when summer re-assessment results name a subject that
/// is not to be re-assessed.
pub fn assess_year(
    year: &LearnerYear,
    rules: &RuleSet,
    options: &Options,
) -> Result<YearResults, YearError> {
    let subjects: Vec<(SubjectCode, SubjectResults)> = year
        .subjects
        .iter()
        .map(|subject| (subject.code().clone(), subject.results(rules)))
        .collect();
    let period = |pick: &dyn Fn(&SubjectResults) -> SubjectValue| {
        let values: Vec<SubjectValue> = subjects.iter().map(|(_, results)| pick(results)).collect();
        learning_level(&values, rules, options)
    };
    let learning = PeriodLevels {
        semesters: [
            period(&|results| results.semesters[0]),
            period(&|results| results.semesters[1]),
        ],
        year: period(&|results| results.year),
    };
    let [conduct_one, conduct_two] = year.conduct;
    let conduct = PeriodLevels {
        semesters: year.conduct,
        year: rules.conduct_year.year(conduct_one, conduct_two),
    };

    let outcome = if year.absent_sessions > rules.absent_sessions_max {
        Outcome::NotPromoted
    } else if !conduct.year.passes() {
        Outcome::SummerTraining
    } else if !learning.year.level.passes() {
        Outcome::Reassessment
    } else {
        Outcome::Promoted
    };

    let due: Vec<SubjectCode> = if learning.year.level.passes() {
        Vec::new()
    } else {
        let mut due: Vec<SubjectCode> = subjects
            .iter()
            .filter(|(_, results)| due_for_reassessment(results.year, rules))
            .map(|(code, _)| code.clone())
            .collect();
        due.sort();
        due
    };
    if let Some(summer) = &year.summer {
        if let Some(code) = summer.reassessment.keys().find(|code| !due.contains(code)) {
            return Err(YearError::ReassessmentNotEligible { code: code.clone() });
        }
    }

    let award = (outcome == Outcome::Promoted
        && conduct.year == Level::Tot
        && learning.year.level == Level::Tot)
        .then(|| {
            let excellent = subjects
                .iter()
                .filter(|(_, results)| {
                    matches!(results.year, SubjectValue::Average(average)
                        if average >= rules.excellence.scored_count_threshold)
                })
                .count()
                >= usize::from(rules.excellence.scored_count_min);
            if excellent {
                Award::Excellent
            } else {
                Award::Good
            }
        });

    let after_summer = match (&year.summer, outcome) {
        (Some(summer), Outcome::SummerTraining | Outcome::Reassessment) => Some(after_summer(
            summer,
            &subjects,
            conduct.year,
            learning.year,
            rules,
            options,
        )),
        _ => None,
    };

    Ok(YearResults {
        subjects,
        learning,
        conduct,
        outcome,
        reassess_subjects: if outcome == Outcome::Reassessment {
            due
        } else {
            Vec::new()
        },
        award,
        after_summer,
    })
}

/// Whether a year result calls for re-assessment when the year learning is `CĐ`.
#[must_use]
pub fn due_for_reassessment(year: SubjectValue, rules: &RuleSet) -> bool {
    match year {
        SubjectValue::Comment(result) => result == CommentResult::ChuaDat,
        SubjectValue::Average(average) => average < rules.reassessment_below,
    }
}

fn after_summer(
    summer: &Summer,
    subjects: &[(SubjectCode, SubjectResults)],
    conduct: Level,
    learning: LearningLevel,
    rules: &RuleSet,
    options: &Options,
) -> AfterSummer {
    let conduct_after = if conduct.passes() {
        conduct
    } else {
        summer.conduct.unwrap_or(conduct)
    };
    // Re-assessment is open to a learner whose conduct passed during the year, and to one who
    // passed summer re-training when the option allows it.
    let reassessed = !learning.level.passes()
        && (conduct.passes() || (options.reassess_after_summer_training && conduct_after.passes()));
    let learning_after = if reassessed {
        let values: Vec<SubjectValue> = subjects
            .iter()
            .map(|(code, results)| {
                summer
                    .reassessment
                    .get(code)
                    .copied()
                    .unwrap_or(results.year)
            })
            .collect();
        learning_level(&values, rules, options)
    } else {
        learning
    };
    let outcome = if conduct_after.passes() && learning_after.level.passes() {
        Outcome::Promoted
    } else {
        Outcome::NotPromoted
    };
    AfterSummer {
        conduct: conduct_after,
        learning: learning_after,
        outcome,
    }
}
