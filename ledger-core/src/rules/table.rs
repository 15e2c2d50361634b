//! Rule sets as data, keyed by (rule set, school level, school year), and their options.
//!
//! A [`RuleSet`] holds every number and table of one assessment regulation: how many regular
//! assessments a subject needs, the weights of the averages, the learning-level criteria, the
//! conduct year table, the absence limit, the re-assessment threshold and the award criteria.
//! The computations ([`super::subject`], [`super::learning`], [`super::year`]) read only the
//! table, so a new regulation is a new table. [`lookup`] finds the table in force:
//!
//! ```
//! use ledger_core::rules::table::{lookup, Grade, RuleSetId, SchoolYear};
//!
//! let grade = Grade::new(9).unwrap();
//! let rules = lookup(RuleSetId::Tt22, grade, Some("2024-2025".parse().unwrap())).unwrap();
//! assert_eq!(rules.absent_sessions_max, 45);
//! // Grade 9 moved to TT 22 only in 2024-2025 (the GDPT 2018 rollout).
//! let error = lookup(RuleSetId::Tt22, grade, Some("2023-2024".parse().unwrap())).unwrap_err();
//! assert_eq!(error.code(), "rule-set-not-applicable");
//! ```
//!
//! Where the regulation can be read two ways the choice is an [`Options`] field, with the
//! default stated on the field (see `docs/RULES.md`).

use std::fmt;
use std::str::FromStr;

use super::level::Level;
use super::score::{Average, SemesterWeights, YearWeights};

/// Why no rule set could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleSetError {
    /// The rule-set name is not known (code `rule-set-unknown`).
    #[error("bộ quy tắc {found:?} không xác định; dùng \"TT22\" (unknown rule set)")]
    Unknown {
        /// The name found.
        found: String,
    },
    /// The rule set is known but not implemented yet (code `rule-set-unsupported`).
    #[error("bộ quy tắc {id} chưa được hỗ trợ (rule set not implemented yet)")]
    Unsupported {
        /// The rule set.
        id: RuleSetId,
    },
    /// The rule set does not govern this grade in this school year (code
    /// `rule-set-not-applicable`).
    #[error("bộ quy tắc {id} không áp dụng cho lớp {grade}{year} (rule set not in force)")]
    NotApplicable {
        /// The rule set.
        id: RuleSetId,
        /// The grade.
        grade: Grade,
        /// `" năm học YYYY-YYYY"`, or empty when no school year was given.
        year: String,
    },
    /// The grade is not 1 to 12 (code `grade-out-of-range`).
    #[error("lớp {found} không hợp lệ, phải từ 1 đến 12 (grade out of range)")]
    GradeOutOfRange {
        /// The grade as found.
        found: String,
    },
    /// The school year is not `YYYY-YYYY` with consecutive years (code `school-year-invalid`).
    #[error("năm học {found:?} không hợp lệ, phải có dạng \"2024-2025\" (invalid school year)")]
    SchoolYearInvalid {
        /// The text found.
        found: String,
    },
}

impl RuleSetError {
    /// A stable kebab-case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unknown { .. } => "rule-set-unknown",
            Self::Unsupported { .. } => "rule-set-unsupported",
            Self::NotApplicable { .. } => "rule-set-not-applicable",
            Self::GradeOutOfRange { .. } => "grade-out-of-range",
            Self::SchoolYearInvalid { .. } => "school-year-invalid",
        }
    }
}

/// An assessment regulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleSetId {
    /// Thông tư 22/2021/TT-BGDĐT: THCS and THPT (grades 6–12). Implemented.
    Tt22,
    /// Thông tư 43/2021/TT-BGDĐT: continuing education (GDTX), mirroring TT 22 with its own
    /// subject list. Not implemented yet: its table goes next to [`super::tt22::TT22`].
    Tt43,
    /// Thông tư 58/2011/TT-BGDĐT as amended by Thông tư 26/2020/TT-BGDĐT: legacy records.
    /// Not implemented yet: a different scale (Giỏi/Khá/Trung bình/Yếu/Kém) needs its own table.
    Tt58,
}

impl RuleSetId {
    /// The name used in the assess format: `TT22`, `TT43`, `TT58`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Tt22 => "TT22",
            Self::Tt43 => "TT43",
            Self::Tt58 => "TT58",
        }
    }
}

impl FromStr for RuleSetId {
    type Err = RuleSetError;

    fn from_str(text: &str) -> Result<Self, RuleSetError> {
        [Self::Tt22, Self::Tt43, Self::Tt58]
            .into_iter()
            .find(|id| id.name() == text)
            .ok_or_else(|| RuleSetError::Unknown {
                found: text.to_owned(),
            })
    }
}

impl fmt::Display for RuleSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A school level (cấp học).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchoolLevel {
    /// Primary (tiểu học), grades 1–5.
    TieuHoc,
    /// Lower secondary (trung học cơ sở, THCS), grades 6–9.
    Thcs,
    /// Upper secondary (trung học phổ thông, THPT), grades 10–12.
    Thpt,
}

/// A grade (lớp), 1 to 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grade(u8);

impl Grade {
    /// Validates a grade.
    ///
    /// # Errors
    /// [`RuleSetError::GradeOutOfRange`] outside 1..=12.
    pub fn new(grade: u8) -> Result<Self, RuleSetError> {
        if (1..=12).contains(&grade) {
            Ok(Self(grade))
        } else {
            Err(RuleSetError::GradeOutOfRange {
                found: grade.to_string(),
            })
        }
    }

    /// The grade number.
    #[must_use]
    pub fn number(self) -> u8 {
        self.0
    }

    /// The school level the grade belongs to.
    #[must_use]
    pub fn level(self) -> SchoolLevel {
        match self.0 {
            1..=5 => SchoolLevel::TieuHoc,
            6..=9 => SchoolLevel::Thcs,
            _ => SchoolLevel::Thpt,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A school year (năm học), written `2024-2025`; identified by the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchoolYear(u16);

impl SchoolYear {
    /// The school year starting in `start` (2024 for 2024-2025).
    ///
    /// # Errors
    /// [`RuleSetError::SchoolYearInvalid`] outside 1900..=9998.
    pub fn new(start: u16) -> Result<Self, RuleSetError> {
        if (1900..=9998).contains(&start) {
            Ok(Self(start))
        } else {
            Err(RuleSetError::SchoolYearInvalid {
                found: start.to_string(),
            })
        }
    }

    /// The calendar year the school year starts in.
    #[must_use]
    pub fn start(self) -> u16 {
        self.0
    }
}

impl FromStr for SchoolYear {
    type Err = RuleSetError;

    fn from_str(text: &str) -> Result<Self, RuleSetError> {
        let invalid = || RuleSetError::SchoolYearInvalid {
            found: text.to_owned(),
        };
        let (start, end) = text.split_once('-').ok_or_else(invalid)?;
        let year = |part: &str| {
            (part.len() == 4 && part.bytes().all(|byte| byte.is_ascii_digit()))
                .then(|| part.parse::<u16>().ok())
                .flatten()
        };
        match (year(start), year(end)) {
            (Some(start), Some(end)) if end == start + 1 => Self::new(start).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0, self.0 + 1)
    }
}

/// The first school year in which a rule set governs a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradeIntroduction {
    /// The grade number.
    pub grade: u8,
    /// The first school year, by its starting calendar year.
    pub first_school_year: u16,
}

/// How many regular assessments (ĐĐGtx) a scored subject needs per semester, by its periods per
/// year: the first band whose maximum is at least the subject's periods applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegularCountBand {
    /// The most periods per year of the band; `None` for no maximum.
    pub periods_per_year_max: Option<u32>,
    /// Regular assessments per semester.
    pub count: u8,
}

/// One row of the learning-level table: the level is reached when every condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LearningCriterion {
    /// The level this row gives.
    pub level: Level,
    /// Most commented subjects allowed at Chưa đạt.
    pub commented_chua_dat_max: u8,
    /// Every scored subject's average is at least this.
    pub scored_floor: Average,
    /// At least this many scored subjects …
    pub scored_count_min: u8,
    /// … have an average of at least this.
    pub scored_count_threshold: Average,
}

/// The conduct year table: the year result from the two semester results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConductYearTable {
    /// Rows are the semester II result, columns the semester I result, both in the order
    /// `T`, `K`, `Đ`, `CĐ` (as printed in the regulation).
    pub rows: [[Level; 4]; 4],
}

impl ConductYearTable {
    /// The year conduct from the semester I and semester II results.
    #[must_use]
    pub fn year(&self, semester_one: Level, semester_two: Level) -> Level {
        let position = |level: Level| usize::from(3 - level.rank());
        self.rows[position(semester_two)][position(semester_one)]
    }
}

/// The award criteria (khen thưởng) for Học sinh Xuất sắc beyond Học sinh Giỏi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExcellenceCriterion {
    /// At least this many scored subjects …
    pub scored_count_min: u8,
    /// … have a year average of at least this.
    pub scored_count_threshold: Average,
}

/// Every number and table of one assessment regulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet {
    /// Which regulation.
    pub id: RuleSetId,
    /// The legal reference, printed in documentation and reports.
    pub reference: &'static str,
    /// The school levels the table governs.
    pub levels: &'static [SchoolLevel],
    /// When each grade came under the regulation.
    pub grades: &'static [GradeIntroduction],
    /// The last school year governed (start year), or `None` while in force.
    pub last_school_year: Option<u16>,
    /// Regular assessments per semester of a commented subject.
    pub commented_regular_count: u8,
    /// Regular assessments per semester of a scored subject, by periods per year.
    pub scored_regular_counts: &'static [RegularCountBand],
    /// Weights of the semester average.
    pub semester_weights: SemesterWeights,
    /// Weights of the year average.
    pub year_weights: YearWeights,
    /// The learning-level table, highest level first; a learner meeting no row is `CĐ`.
    pub learning_criteria: &'static [LearningCriterion],
    /// The conduct year table.
    pub conduct_year: ConductYearTable,
    /// Most sessions (buổi) a learner may be absent, excused or not, and still be promoted.
    pub absent_sessions_max: u32,
    /// Scored subjects with a year average below this are re-assessed.
    pub reassessment_below: Average,
    /// The extra criterion of Học sinh Xuất sắc.
    pub excellence: ExcellenceCriterion,
    /// The options used when the caller gives none.
    pub default_options: Options,
}

impl RuleSet {
    /// Regular assessments per semester for a scored subject with `periods_per_year` periods.
    #[must_use]
    pub fn scored_regular_count(&self, periods_per_year: u32) -> u8 {
        self.scored_regular_counts
            .iter()
            .find(|band| {
                band.periods_per_year_max
                    .is_none_or(|max| periods_per_year <= max)
            })
            .or(self.scored_regular_counts.last())
            .map_or(0, |band| band.count)
    }

    /// Whether the table governs `grade` in `school_year` (any year when `None`).
    #[must_use]
    pub fn governs(&self, grade: Grade, school_year: Option<SchoolYear>) -> bool {
        let Some(introduction) = self.grades.iter().find(|g| g.grade == grade.number()) else {
            return false;
        };
        if !self.levels.contains(&grade.level()) {
            return false;
        }
        school_year.is_none_or(|year| {
            year.start() >= introduction.first_school_year
                && self
                    .last_school_year
                    .is_none_or(|last| year.start() <= last)
        })
    }
}

/// How to adjust a learning level that dropped three levels because of one subject (TT 22
/// Điều 9 khoản 3 says "raised to the adjacent level"; with three levels between the two, the
/// adjacent level of which is ambiguous). Two-level drops give the same level either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThreeLevelDrop {
    /// One level above the level reached (would be `T`, is `CĐ` → `Đ`). **The default**: the
    /// literal reading of "điều chỉnh lên mức liền kề", and what TT 58 Điều 13 khoản 4 did in
    /// the same situation (Giỏi dropped to Yếu was adjusted to Trung bình).
    #[default]
    AboveResult,
    /// One level below the level the learner would otherwise have (would be `T`, is `CĐ` → `K`).
    BelowExpected,
}

impl ThreeLevelDrop {
    /// The name used in the assess format's `options`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::AboveResult => "above_result",
            Self::BelowExpected => "below_expected",
        }
    }
}

/// The readings of the regulation that are open to interpretation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    /// The three-level-drop adjustment; default [`ThreeLevelDrop::AboveResult`].
    pub three_level_drop: ThreeLevelDrop,
    /// Whether a learner at Chưa đạt in both year conduct and year learning, who passes summer
    /// re-training, may then be re-assessed (kiểm tra, đánh giá lại). Default `true`: the
    /// regulation lists the two remedies separately and forbids neither; when `false`, such a
    /// learner's learning stays `CĐ` and the learner is not promoted.
    pub reassess_after_summer_training: bool,
}

impl Options {
    /// The documented defaults.
    pub const DEFAULT: Self = Self {
        three_level_drop: ThreeLevelDrop::AboveResult,
        reassess_after_summer_training: true,
    };
}

impl Default for Options {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Every implemented rule set. Rule sets of one id must govern disjoint (grade, year) pairs.
pub static RULE_SETS: &[&RuleSet] = &[&super::tt22::TT22];

/// The rule set `id` in force for `grade` in `school_year` (the current one when `None`).
///
/// # Errors
/// [`RuleSetError::Unsupported`] for a known but unimplemented rule set;
/// [`RuleSetError::NotApplicable`] when the rule set does not govern that grade in that year.
pub fn lookup(
    id: RuleSetId,
    grade: Grade,
    school_year: Option<SchoolYear>,
) -> Result<&'static RuleSet, RuleSetError> {
    if !RULE_SETS.iter().any(|rules| rules.id == id) {
        return Err(RuleSetError::Unsupported { id });
    }
    let mut governing = RULE_SETS
        .iter()
        .filter(|rules| rules.id == id && rules.governs(grade, school_year));
    // With no school year, the newest version (listed last) is the one in force.
    let found = if school_year.is_some() {
        governing.next()
    } else {
        governing.next_back()
    };
    found.copied().ok_or_else(|| RuleSetError::NotApplicable {
        id,
        grade,
        year: school_year.map_or_else(String::new, |year| format!(" năm học {year}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_school_years() {
        assert_eq!("2024-2025".parse::<SchoolYear>().unwrap().start(), 2024);
        assert_eq!(SchoolYear::new(2024).unwrap().to_string(), "2024-2025");
        for bad in [
            "2024-2026",
            "2024",
            "24-25",
            "2024–2025",
            "2025-2024",
            "+024-2025",
            "",
        ] {
            assert_eq!(
                bad.parse::<SchoolYear>().unwrap_err().code(),
                "school-year-invalid",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn names_rule_sets() {
        for id in [RuleSetId::Tt22, RuleSetId::Tt43, RuleSetId::Tt58] {
            assert_eq!(id.name().parse::<RuleSetId>().unwrap(), id);
        }
        assert_eq!(
            "tt22".parse::<RuleSetId>().unwrap_err().code(),
            "rule-set-unknown"
        );
    }

    #[test]
    fn looks_up_by_rule_set_grade_and_year() {
        let grade = |n| Grade::new(n).unwrap();
        let year = |text: &str| Some(text.parse::<SchoolYear>().unwrap());
        assert!(lookup(RuleSetId::Tt22, grade(6), year("2021-2022")).is_ok());
        assert!(lookup(RuleSetId::Tt22, grade(12), year("2024-2025")).is_ok());
        assert!(lookup(RuleSetId::Tt22, grade(12), None).is_ok());
        for (g, y) in [
            (6, "2020-2021"),
            (7, "2021-2022"),
            (11, "2022-2023"),
            (12, "2023-2024"),
        ] {
            assert_eq!(
                lookup(RuleSetId::Tt22, grade(g), year(y))
                    .unwrap_err()
                    .code(),
                "rule-set-not-applicable"
            );
        }
        assert_eq!(
            lookup(RuleSetId::Tt22, grade(5), None).unwrap_err().code(),
            "rule-set-not-applicable"
        );
        assert_eq!(
            lookup(RuleSetId::Tt43, grade(10), None).unwrap_err().code(),
            "rule-set-unsupported"
        );
        assert_eq!(Grade::new(0).unwrap_err().code(), "grade-out-of-range");
        assert_eq!(Grade::new(13).unwrap_err().code(), "grade-out-of-range");
    }

    #[test]
    fn conduct_table_is_indexed_semester_two_by_semester_one() {
        let table = super::super::tt22::TT22.conduct_year;
        use Level::{ChuaDat as Cd, Dat as D, Kha as K, Tot as T};
        // (I, II, year), from the vectors and the regulation's table.
        for (one, two, year) in [(T, K, K), (T, D, K), (Cd, K, D), (D, K, K), (T, Cd, Cd)] {
            assert_eq!(table.year(one, two), year, "{one} {two}");
        }
    }
}
