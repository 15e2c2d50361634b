//! One subject's assessments for a school year, validated against a rule set, and its results.
//!
//! TT 22 Điều 7 and Điều 9. A subject is either scored (đánh giá bằng nhận xét kết hợp với
//! đánh giá bằng điểm số) or commented (đánh giá bằng nhận xét). Each semester has its regular
//! assessments (ĐĐGtx, as many as the rule set requires), one mid-term (ĐĐGgk) and one end-of-term
//! assessment (ĐĐGck).
//!
//! - A scored semester gives ĐTBmhk; the year gives ĐTBmcn from the two rounded ĐTBmhk.
//! - A commented semester is `Đ` when every required assessment exists and is `Đ`, otherwise
//!   `CĐ`; the year result is the semester II result. A missing commented assessment is a
//!   distinct state (`None`), which makes the semester `CĐ`; a scored subject cannot be averaged
//!   without all its scores, so a missing score is refused.

use std::fmt;

use super::level::{CommentResult, LevelError};
use super::score::{semester_average, year_average, Average, Score, ScoreError};
use super::table::RuleSet;

/// Longest subject code, in bytes: enough for a ministry code or a school's own short name.
pub const SUBJECT_CODE_SIZE_MAX: usize = 64;

/// Why a subject's assessments were refused. The subject's code is added by the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectError {
    /// The subject code is empty, too long or holds a control character (code
    /// `subject-code-invalid`).
    #[error(
        "mã môn học {found:?} không hợp lệ: cần 1–64 byte, không có ký tự điều khiển \
         (invalid subject code)"
    )]
    CodeInvalid {
        /// The code found.
        found: String,
    },
    /// A score is out of range, too precise or not a number (code of the [`ScoreError`]).
    #[error("{slot}: {source}")]
    Score {
        /// Which assessment.
        slot: Slot,
        /// What is wrong with the score.
        source: ScoreError,
    },
    /// A level is not one of the scale's (code `level-unknown`).
    #[error("{slot}: {source}")]
    Level {
        /// Which assessment.
        slot: Slot,
        /// What is wrong with the level.
        source: LevelError,
    },
    /// A required score of a scored subject is missing (code `assessment-missing`).
    #[error("{slot}: thiếu điểm đánh giá, bắt buộc phải có (assessment missing)")]
    AssessmentMissing {
        /// Which assessment.
        slot: Slot,
    },
    /// A semester does not have the number of regular assessments the rule set requires for the
    /// subject's periods per year (code `regular-count-wrong`).
    #[error(
        "{semester}: có {found} lần ĐĐGtx, phải có đúng {expected} (theo số tiết/năm học) \
         (wrong number of regular assessments)"
    )]
    RegularCountWrong {
        /// The semester.
        semester: Semester,
        /// How many the rule set requires.
        expected: u8,
        /// How many were given.
        found: usize,
    },
    /// Fewer than two semesters were given (code `semester-missing`).
    #[error("chỉ có {found} học kì, thiếu học kì {missing} (semester missing)")]
    SemesterMissing {
        /// How many semesters were given.
        found: usize,
        /// The first missing semester.
        missing: Semester,
    },
    /// More than two semesters were given (code `semester-extra`).
    #[error("có {found} học kì, một năm học chỉ có 2 (too many semesters)")]
    SemesterExtra {
        /// How many semesters were given.
        found: usize,
    },
    /// The periods per year are missing, zero or not a whole number (code `periods-invalid`).
    #[error(
        "số tiết/năm học {found} không hợp lệ, phải là số nguyên dương (invalid periods per year)"
    )]
    PeriodsInvalid {
        /// The value found, as written (`missing` when absent).
        found: String,
    },
    /// The kind of assessment is neither `scored` nor `commented` (code
    /// `assessment-kind-unknown`).
    #[error(
        "hình thức đánh giá {found:?} không xác định, phải là \"scored\" (điểm số) hoặc \
         \"commented\" (nhận xét) (unknown assessment kind)"
    )]
    KindUnknown {
        /// The text found.
        found: String,
    },
}

impl SubjectError {
    /// A stable kebab-case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::CodeInvalid { .. } => "subject-code-invalid",
            Self::Score { source, .. } => source.code(),
            Self::Level { source, .. } => source.code(),
            Self::AssessmentMissing { .. } => "assessment-missing",
            Self::RegularCountWrong { .. } => "regular-count-wrong",
            Self::SemesterMissing { .. } => "semester-missing",
            Self::SemesterExtra { .. } => "semester-extra",
            Self::PeriodsInvalid { .. } => "periods-invalid",
            Self::KindUnknown { .. } => "assessment-kind-unknown",
        }
    }
}

/// A subject code, e.g. `toan`, `ngu_van`: 1 to [`SUBJECT_CODE_SIZE_MAX`] bytes, no control
/// character. The subject list of a class is configuration; the code is only an identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubjectCode(String);

impl SubjectCode {
    /// Validates a subject code.
    ///
    /// # Errors
    /// [`SubjectError::CodeInvalid`] when empty, too long or holding a control character.
    pub fn new(code: impl Into<String>) -> Result<Self, SubjectError> {
        let code = code.into();
        if code.is_empty()
            || code.len() > SUBJECT_CODE_SIZE_MAX
            || code.chars().any(char::is_control)
        {
            return Err(SubjectError::CodeInvalid { found: code });
        }
        Ok(Self(code))
    }

    /// The code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A semester (học kì) of the school year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Semester {
    /// Học kì I.
    One,
    /// Học kì II.
    Two,
}

impl Semester {
    /// Both semesters, in order.
    pub const BOTH: [Self; 2] = [Self::One, Self::Two];

    /// The semester at `index` (0 or 1).
    ///
    /// # Panics
    /// For an index other than 0 or 1 (a programmer error).
    #[must_use]
    pub fn at(index: usize) -> Self {
        match index {
            0 => Self::One,
            1 => Self::Two,
            _ => panic!("a school year has two semesters, not {}", index + 1),
        }
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::One => "học kì I",
            Self::Two => "học kì II",
        })
    }
}

/// Where in a subject's record a value sits, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The `number`-th regular assessment (ĐĐGtx, counted from 1) of a semester.
    Regular {
        /// The semester.
        semester: Semester,
        /// Its position, from 1.
        number: usize,
    },
    /// The mid-term assessment (ĐĐGgk) of a semester.
    Midterm {
        /// The semester.
        semester: Semester,
    },
    /// The end-of-term assessment (ĐĐGck) of a semester.
    Final {
        /// The semester.
        semester: Semester,
    },
    /// The re-assessment result (kiểm tra, đánh giá lại) after the school year.
    Reassessment,
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Regular { semester, number } => write!(f, "{semester}, ĐĐGtx thứ {number}"),
            Self::Midterm { semester } => write!(f, "{semester}, ĐĐGgk (giữa kì)"),
            Self::Final { semester } => write!(f, "{semester}, ĐĐGck (cuối kì)"),
            Self::Reassessment => f.write_str("kết quả kiểm tra, đánh giá lại"),
        }
    }
}

/// A semester of a scored subject: every score present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoredSemester {
    /// The regular assessments (ĐĐGtx).
    pub regular: Vec<Score>,
    /// The mid-term assessment (ĐĐGgk).
    pub midterm: Score,
    /// The end-of-term assessment (ĐĐGck).
    pub final_: Score,
}

/// A semester of a commented subject; `None` marks an assessment that did not take place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentedSemester {
    /// The regular assessments (ĐĐGtx).
    pub regular: Vec<Option<CommentResult>>,
    /// The mid-term assessment (ĐĐGgk).
    pub midterm: Option<CommentResult>,
    /// The end-of-term assessment (ĐĐGck).
    pub final_: Option<CommentResult>,
}

impl CommentedSemester {
    /// `Đ` when every assessment exists and is `Đ`, otherwise `CĐ`.
    #[must_use]
    pub fn result(&self) -> CommentResult {
        let all_dat = self
            .regular
            .iter()
            .chain([&self.midterm, &self.final_])
            .all(|result| *result == Some(CommentResult::Dat));
        if all_dat {
            CommentResult::Dat
        } else {
            CommentResult::ChuaDat
        }
    }
}

/// A subject's assessments for the two semesters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assessments {
    /// A scored subject.
    Scored {
        /// Periods (tiết) per school year, which decide the number of regular assessments.
        periods_per_year: u32,
        /// Semester I and semester II.
        semesters: [ScoredSemester; 2],
    },
    /// A commented subject.
    Commented {
        /// Periods per school year, when known (it does not change the number of assessments).
        periods_per_year: Option<u32>,
        /// Semester I and semester II.
        semesters: [CommentedSemester; 2],
    },
}

/// A subject result: an average for a scored subject, `Đ`/`CĐ` for a commented one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectValue {
    /// ĐTBmhk or ĐTBmcn (or a re-assessment score replacing ĐTBmcn).
    Average(Average),
    /// The result of a commented subject.
    Comment(CommentResult),
}

impl fmt::Display for SubjectValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Average(average) => average.fmt(f),
            Self::Comment(result) => result.fmt(f),
        }
    }
}

/// A subject's results: per semester and for the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectResults {
    /// Semester I and semester II.
    pub semesters: [SubjectValue; 2],
    /// The year.
    pub year: SubjectValue,
}

/// A subject whose assessments meet the rule set's requirements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    code: SubjectCode,
    assessments: Assessments,
}

impl Subject {
    /// Checks the assessments against `rules`: periods per year positive, and the number of
    /// regular assessments in each semester as the rule set requires.
    ///
    /// # Errors
    /// [`SubjectError::PeriodsInvalid`] or [`SubjectError::RegularCountWrong`].
    pub fn new(
        code: SubjectCode,
        assessments: Assessments,
        rules: &RuleSet,
    ) -> Result<Self, SubjectError> {
        let (periods, expected, counts) = match &assessments {
            Assessments::Scored {
                periods_per_year,
                semesters,
            } => (
                Some(*periods_per_year),
                rules.scored_regular_count(*periods_per_year),
                semesters.each_ref().map(|semester| semester.regular.len()),
            ),
            Assessments::Commented {
                periods_per_year,
                semesters,
            } => (
                *periods_per_year,
                rules.commented_regular_count,
                semesters.each_ref().map(|semester| semester.regular.len()),
            ),
        };
        if periods == Some(0) {
            return Err(SubjectError::PeriodsInvalid {
                found: "0".to_owned(),
            });
        }
        for (semester, found) in Semester::BOTH.into_iter().zip(counts) {
            if found != usize::from(expected) {
                return Err(SubjectError::RegularCountWrong {
                    semester,
                    expected,
                    found,
                });
            }
        }
        Ok(Self { code, assessments })
    }

    /// The subject code.
    #[must_use]
    pub fn code(&self) -> &SubjectCode {
        &self.code
    }

    /// The assessments.
    #[must_use]
    pub fn assessments(&self) -> &Assessments {
        &self.assessments
    }

    /// Whether the subject is scored (has averages) rather than commented.
    #[must_use]
    pub fn is_scored(&self) -> bool {
        matches!(self.assessments, Assessments::Scored { .. })
    }

    /// The semester and year results under `rules` (the rule set the subject was checked
    /// against).
    #[must_use]
    pub fn results(&self, rules: &RuleSet) -> SubjectResults {
        match &self.assessments {
            Assessments::Scored { semesters, .. } => {
                let [one, two] = semesters.each_ref().map(|semester| {
                    semester_average(
                        &semester.regular,
                        semester.midterm,
                        semester.final_,
                        rules.semester_weights,
                    )
                });
                SubjectResults {
                    semesters: [SubjectValue::Average(one), SubjectValue::Average(two)],
                    year: SubjectValue::Average(year_average(one, two, rules.year_weights)),
                }
            }
            Assessments::Commented { semesters, .. } => {
                let [one, two] = semesters.each_ref().map(CommentedSemester::result);
                SubjectResults {
                    semesters: [SubjectValue::Comment(one), SubjectValue::Comment(two)],
                    year: SubjectValue::Comment(two),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tt22::TT22;

    fn scores(list: &[u16]) -> Vec<Score> {
        list.iter()
            .map(|tenths| Score::from_tenths(*tenths).unwrap())
            .collect()
    }

    fn scored(periods_per_year: u32, regular: [&[u16]; 2]) -> Assessments {
        let semester = |regular: &[u16]| ScoredSemester {
            regular: scores(regular),
            midterm: Score::from_tenths(70).unwrap(),
            final_: Score::from_tenths(80).unwrap(),
        };
        Assessments::Scored {
            periods_per_year,
            semesters: [semester(regular[0]), semester(regular[1])],
        }
    }

    fn code() -> SubjectCode {
        SubjectCode::new("toan").unwrap()
    }

    #[test]
    fn requires_the_regular_count_of_the_periods() {
        for (periods, count) in [(35, 2), (52, 3), (70, 3), (105, 4), (140, 4)] {
            let right = vec![80; count];
            assert!(Subject::new(code(), scored(periods, [&right, &right]), &TT22).is_ok());
            let short = vec![80; count - 1];
            let error = Subject::new(code(), scored(periods, [&right, &short]), &TT22).unwrap_err();
            assert_eq!(error.code(), "regular-count-wrong");
            assert_eq!(
                error,
                SubjectError::RegularCountWrong {
                    semester: Semester::Two,
                    expected: u8::try_from(count).unwrap(),
                    found: count - 1
                }
            );
        }
        let error = Subject::new(code(), scored(0, [&[], &[]]), &TT22).unwrap_err();
        assert_eq!(error.code(), "periods-invalid");
    }

    #[test]
    fn commented_subjects_have_two_regular_assessments() {
        let semester = |regular: usize| CommentedSemester {
            regular: vec![Some(CommentResult::Dat); regular],
            midterm: Some(CommentResult::Dat),
            final_: Some(CommentResult::Dat),
        };
        let subject = |one, two| Assessments::Commented {
            periods_per_year: Some(140),
            semesters: [semester(one), semester(two)],
        };
        assert!(Subject::new(code(), subject(2, 2), &TT22).is_ok());
        assert_eq!(
            Subject::new(code(), subject(4, 2), &TT22)
                .unwrap_err()
                .code(),
            "regular-count-wrong"
        );
    }

    #[test]
    fn commented_semester_is_dat_only_when_every_assessment_exists_and_is_dat() {
        let dat = Some(CommentResult::Dat);
        let mut semester = CommentedSemester {
            regular: vec![dat, dat],
            midterm: dat,
            final_: dat,
        };
        assert_eq!(semester.result(), CommentResult::Dat);
        semester.regular[1] = None;
        assert_eq!(semester.result(), CommentResult::ChuaDat);
        semester.regular[1] = dat;
        semester.final_ = Some(CommentResult::ChuaDat);
        assert_eq!(semester.result(), CommentResult::ChuaDat);
    }

    #[test]
    fn year_result_of_a_commented_subject_is_semester_two() {
        let semester = |result| CommentedSemester {
            regular: vec![Some(result); 2],
            midterm: Some(result),
            final_: Some(result),
        };
        let subject = Subject::new(
            code(),
            Assessments::Commented {
                periods_per_year: None,
                semesters: [
                    semester(CommentResult::ChuaDat),
                    semester(CommentResult::Dat),
                ],
            },
            &TT22,
        )
        .unwrap();
        assert_eq!(
            subject.results(&TT22).year,
            SubjectValue::Comment(CommentResult::Dat)
        );
    }

    #[test]
    fn scored_results_use_the_rounded_semester_averages() {
        // Semester I: every score 7.0 → 7.0. Semester II: (8 + 7.5 + 2·8 + 3·8.5) / 7 = 57 / 7
        // = 8.142… → 8.1. Year from the rounded averages: (7.0 + 2·8.1) / 3 = 7.733… → 7.7;
        // from the unrounded ones it would have been 7.761… → 7.8.
        let subject = Subject::new(
            code(),
            Assessments::Scored {
                periods_per_year: 35,
                semesters: [
                    ScoredSemester {
                        regular: scores(&[70, 70]),
                        midterm: Score::from_tenths(70).unwrap(),
                        final_: Score::from_tenths(70).unwrap(),
                    },
                    ScoredSemester {
                        regular: scores(&[80, 75]),
                        midterm: Score::from_tenths(80).unwrap(),
                        final_: Score::from_tenths(85).unwrap(),
                    },
                ],
            },
            &TT22,
        )
        .unwrap();
        let results = subject.results(&TT22);
        let average = |tenths| SubjectValue::Average(Average::from_tenths_const(tenths));
        assert_eq!(results.semesters, [average(70), average(81)]);
        assert_eq!(results.year, average(77));
    }

    #[test]
    fn refuses_bad_codes() {
        for bad in ["", "a\nb", &"x".repeat(65)] {
            assert_eq!(
                SubjectCode::new(bad).unwrap_err().code(),
                "subject-code-invalid"
            );
        }
        assert!(SubjectCode::new("ngữ_văn").is_ok());
    }
}
