//! The table of Thông tư 22/2021/TT-BGDĐT (assessment of THCS and THPT learners), in force for
//! grade 6 from 2021-2022, grades 7 and 10 from 2022-2023, grades 8 and 11 from 2023-2024 and
//! grades 9 and 12 from 2024-2025.
//!
//! Every value below cites its provision; `docs/RULES.md` explains the computations that read
//! them. Articles are cited by number for the assessments (Điều 7), conduct (Điều 8) and learning
//! (Điều 9); the end-of-year provisions are cited by subject.
//!
//! ```
//! use ledger_core::rules::level::Level;
//! use ledger_core::rules::tt22::TT22;
//!
//! assert_eq!(TT22.scored_regular_count(35), 2);
//! assert_eq!(TT22.scored_regular_count(52), 3);
//! assert_eq!(TT22.scored_regular_count(105), 4);
//! assert_eq!(TT22.conduct_year.year(Level::Tot, Level::Dat), Level::Kha);
//! ```

use super::level::Level::{self, ChuaDat, Dat, Kha, Tot};
use super::score::{Average, SemesterWeights, YearWeights};
use super::table::{
    ConductYearTable, ExcellenceCriterion, GradeIntroduction, LearningCriterion, Options,
    RegularCountBand, RuleSet, RuleSetId, SchoolLevel,
};

const fn points(tenths: u16) -> Average {
    Average::from_tenths_const(tenths)
}

const fn introduced(grade: u8, first_school_year: u16) -> GradeIntroduction {
    GradeIntroduction {
        grade,
        first_school_year,
    }
}

/// The learning-level rows (Điều 9): Tốt, Khá, Đạt; anything else is Chưa đạt.
const LEARNING: [LearningCriterion; 3] = [
    // Tốt: every commented subject Đ; every average ≥ 6.5, at least 6 of them ≥ 8.0.
    LearningCriterion {
        level: Tot,
        commented_chua_dat_max: 0,
        scored_floor: points(65),
        scored_count_min: 6,
        scored_count_threshold: points(80),
    },
    // Khá: every commented subject Đ; every average ≥ 5.0, at least 6 of them ≥ 6.5.
    LearningCriterion {
        level: Kha,
        commented_chua_dat_max: 0,
        scored_floor: points(50),
        scored_count_min: 6,
        scored_count_threshold: points(65),
    },
    // Đạt: at most one commented subject CĐ; no average below 3.5, at least 6 of them ≥ 5.0.
    LearningCriterion {
        level: Dat,
        commented_chua_dat_max: 1,
        scored_floor: points(35),
        scored_count_min: 6,
        scored_count_threshold: points(50),
    },
];

/// The conduct year table (Điều 8): rows semester II, columns semester I, order T, K, Đ, CĐ.
const CONDUCT_YEAR: [[Level; 4]; 4] = [
    [Tot, Tot, Kha, Kha],
    [Kha, Kha, Kha, Dat],
    [Kha, Dat, Dat, Dat],
    [ChuaDat, ChuaDat, ChuaDat, ChuaDat],
];

/// Thông tư 22/2021/TT-BGDĐT.
pub static TT22: RuleSet = RuleSet {
    id: RuleSetId::Tt22,
    reference: "Thông tư 22/2021/TT-BGDĐT ngày 20/07/2021 quy định về đánh giá học sinh trung học \
                cơ sở và học sinh trung học phổ thông",
    levels: &[SchoolLevel::Thcs, SchoolLevel::Thpt],
    // The implementation schedule (lộ trình): the GDPT 2018 rollout, one grade per level a year.
    grades: &[
        introduced(6, 2021),
        introduced(7, 2022),
        introduced(8, 2023),
        introduced(9, 2024),
        introduced(10, 2022),
        introduced(11, 2023),
        introduced(12, 2024),
    ],
    last_school_year: None,
    // Điều 7: commented subjects, 2 ĐĐGtx per semester.
    commented_regular_count: 2,
    // Điều 7: scored subjects, ≤ 35 periods/year 2 ĐĐGtx, ≤ 70 periods 3, more 4.
    scored_regular_counts: &[
        RegularCountBand {
            periods_per_year_max: Some(35),
            count: 2,
        },
        RegularCountBand {
            periods_per_year_max: Some(70),
            count: 3,
        },
        RegularCountBand {
            periods_per_year_max: None,
            count: 4,
        },
    ],
    // Điều 9: ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5).
    semester_weights: SemesterWeights {
        regular: 1,
        midterm: 2,
        final_: 3,
    },
    // Điều 9: ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3.
    year_weights: YearWeights {
        semester_one: 1,
        semester_two: 2,
    },
    learning_criteria: &LEARNING,
    conduct_year: ConductYearTable { rows: CONDUCT_YEAR },
    // Promotion: absent more than 45 sessions in the year (excused or not) → not promoted.
    absent_sessions_max: 45,
    // Re-assessment: scored subjects with ĐTBmcn below 5.0 (and commented subjects at CĐ).
    reassessment_below: points(50),
    // Học sinh Xuất sắc: Giỏi, and at least 6 subjects with ĐTBmcn ≥ 9.0.
    excellence: ExcellenceCriterion {
        scored_count_min: 6,
        scored_count_threshold: points(90),
    },
    default_options: Options::DEFAULT,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_counts_follow_the_period_bands() {
        for (periods, count) in [(0, 2), (1, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4)] {
            assert_eq!(TT22.scored_regular_count(periods), count, "{periods}");
        }
        assert_eq!(TT22.scored_regular_count(u32::MAX), 4);
        assert_eq!(TT22.commented_regular_count, 2);
    }

    #[test]
    fn conduct_table_matches_the_regulation_cell_by_cell() {
        use Level::{ChuaDat as C, Dat as D, Kha as K, Tot as T};
        // Row = semester II, column = semester I: (II, [year for I = T, K, Đ, CĐ]).
        let expected = [
            (T, [T, T, K, K]),
            (K, [K, K, K, D]),
            (D, [K, D, D, D]),
            (C, [C, C, C, C]),
        ];
        for (two, row) in expected {
            for (one, year) in [T, K, D, C].into_iter().zip(row) {
                assert_eq!(TT22.conduct_year.year(one, two), year, "I {one}, II {two}");
            }
        }
    }

    #[test]
    fn learning_rows_run_from_the_highest_level() {
        let levels: Vec<Level> = TT22.learning_criteria.iter().map(|row| row.level).collect();
        assert_eq!(levels, [Tot, Kha, Dat]);
    }
}
