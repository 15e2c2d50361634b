//! The learning level (kết quả học tập) of a semester or a year, with the single-subject
//! adjustment.
//!
//! TT 22 Điều 9. The level is the first row of the rule set's learning table whose conditions
//! all hold (for TT 22: Tốt, Khá, Đạt), otherwise Chưa đạt. Each row has two kinds of condition:
//!
//! - *floors*, which every subject must meet on its own: every commented subject `Đ` (or at
//!   most one `CĐ`), every scored average at least the row's floor;
//! - a *count*: at least 6 scored averages at least the row's threshold.
//!
//! **Adjustment (Điều 9 khoản 3).** When the level is two or more levels below the level the
//! learner would have if one single subject did not have to meet the floors (that subject still
//! counts, with its real result, towards the count), the level is raised to the adjacent level.
//! Only a subject failing a floor can cause such a drop, so if two subjects fail a floor neither
//! excuses the other and nothing is adjusted. For a two-level drop the adjacent level is the one
//! between; for a three-level drop (would be `T`, is `CĐ`) it is chosen by
//! [`Options::three_level_drop`].
//!
//! ```
//! use ledger_core::rules::learning::learning_level;
//! use ledger_core::rules::level::Level;
//! use ledger_core::rules::score::Average;
//! use ledger_core::rules::subject::SubjectValue;
//! use ledger_core::rules::tt22::TT22;
//!
//! let average = |tenths| SubjectValue::Average(Average::from_tenths_const(tenths));
//! // Eight subjects at 8.5 would be Tốt; one at 3.0 (< 3.5) makes it Chưa đạt by itself: raised
//! // to Đạt under the default reading.
//! let mut values = vec![average(85); 8];
//! values.push(average(30));
//! let level = learning_level(&values, &TT22, &TT22.default_options);
//! assert_eq!((level.unadjusted, level.level), (Level::ChuaDat, Level::Dat));
//! assert_eq!(level.adjusted_for, Some(8));
//! ```

use super::level::{CommentResult, Level};
use super::subject::SubjectValue;
use super::table::{LearningCriterion, Options, RuleSet, ThreeLevelDrop};

/// A learning level and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LearningLevel {
    /// The level, after any adjustment.
    pub level: Level,
    /// The level from the table alone.
    pub unadjusted: Level,
    /// The index (in the values given) of the single subject that caused an adjusted drop.
    pub adjusted_for: Option<usize>,
}

/// The learning level of one period (a semester, or the year) from the results of every subject
/// in that period, in any order.
#[must_use]
pub fn learning_level(
    values: &[SubjectValue],
    rules: &RuleSet,
    options: &Options,
) -> LearningLevel {
    let unadjusted = table_level(values, rules, None);
    let expected = (0..values.len())
        .map(|excused| (table_level(values, rules, Some(excused)), excused))
        .max_by_key(|(level, excused)| (*level, std::cmp::Reverse(*excused)));
    match expected {
        Some((expected, excused)) if expected.rank() >= unadjusted.rank() + 2 => {
            let level = if expected.rank() == unadjusted.rank() + 2 {
                Level::from_rank(unadjusted.rank() + 1)
            } else {
                match options.three_level_drop {
                    ThreeLevelDrop::AboveResult => Level::from_rank(unadjusted.rank() + 1),
                    ThreeLevelDrop::BelowExpected => Level::from_rank(expected.rank() - 1),
                }
            };
            LearningLevel {
                level,
                unadjusted,
                adjusted_for: Some(excused),
            }
        }
        _ => LearningLevel {
            level: unadjusted,
            unadjusted,
            adjusted_for: None,
        },
    }
}

/// The level from the table: the first row met, else `CĐ`. The subject at `excused` need not
/// meet the floors but still counts towards the count.
fn table_level(values: &[SubjectValue], rules: &RuleSet, excused: Option<usize>) -> Level {
    rules
        .learning_criteria
        .iter()
        .find(|criterion| meets(criterion, values, excused))
        .map_or(Level::ChuaDat, |criterion| criterion.level)
}

fn meets(criterion: &LearningCriterion, values: &[SubjectValue], excused: Option<usize>) -> bool {
    let floored = values
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != excused)
        .map(|(_, value)| value);
    let mut chua_dat = 0usize;
    for value in floored {
        match value {
            SubjectValue::Comment(CommentResult::ChuaDat) => chua_dat += 1,
            SubjectValue::Comment(CommentResult::Dat) => {}
            SubjectValue::Average(average) => {
                if *average < criterion.scored_floor {
                    return false;
                }
            }
        }
    }
    if chua_dat > usize::from(criterion.commented_chua_dat_max) {
        return false;
    }
    let counted = values
        .iter()
        .filter(|value| {
            matches!(value, SubjectValue::Average(average)
                if *average >= criterion.scored_count_threshold)
        })
        .count();
    counted >= usize::from(criterion.scored_count_min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::score::Average;
    use crate::rules::tt22::TT22;
    use Level::{ChuaDat, Dat, Kha, Tot};

    fn average(tenths: u16) -> SubjectValue {
        SubjectValue::Average(Average::from_tenths_const(tenths))
    }

    const DAT: SubjectValue = SubjectValue::Comment(CommentResult::Dat);
    const CHUA_DAT: SubjectValue = SubjectValue::Comment(CommentResult::ChuaDat);

    fn level(values: &[SubjectValue]) -> LearningLevel {
        learning_level(values, &TT22, &Options::DEFAULT)
    }

    fn with(scored: &[u16], commented: &[SubjectValue]) -> Vec<SubjectValue> {
        scored
            .iter()
            .map(|tenths| average(*tenths))
            .chain(commented.iter().copied())
            .collect()
    }

    #[test]
    fn table_boundaries() {
        // Tốt: all ≥ 6.5, six ≥ 8.0, all commented Đ.
        assert_eq!(
            level(&with(&[80, 80, 80, 80, 80, 80, 65], &[DAT])).level,
            Tot
        );
        // Five ≥ 8.0 only: Khá.
        assert_eq!(
            level(&with(&[80, 80, 80, 80, 80, 79, 65], &[DAT])).level,
            Kha
        );
        // One at 6.4: not Tốt (one-level drop, no adjustment).
        assert_eq!(
            level(&with(&[80, 80, 80, 80, 80, 80, 64], &[DAT])).level,
            Kha
        );
        // Khá: all ≥ 5.0, six ≥ 6.5.
        assert_eq!(level(&with(&[65, 65, 65, 65, 65, 65, 50], &[])).level, Kha);
        assert_eq!(level(&with(&[65, 65, 65, 65, 65, 64, 50], &[])).level, Dat);
        // Đạt: none < 3.5, six ≥ 5.0, at most one commented CĐ.
        assert_eq!(
            level(&with(&[50, 50, 50, 50, 50, 50, 35], &[CHUA_DAT])).level,
            Dat
        );
        assert_eq!(
            level(&with(&[50, 50, 50, 50, 50, 49, 35], &[])).level,
            ChuaDat
        );
        assert_eq!(
            level(&with(&[50, 50, 50, 50, 50, 50, 35], &[CHUA_DAT, CHUA_DAT])).level,
            ChuaDat
        );
        // Two averages below 3.5: no single subject to blame, no adjustment.
        let two_low = level(&with(&[90, 90, 90, 90, 90, 90, 34, 34], &[]));
        assert_eq!((two_low.level, two_low.adjusted_for), (ChuaDat, None));
        // No subjects at all: no row's count is met.
        assert_eq!(level(&[]).level, ChuaDat);
    }

    #[test]
    fn one_commented_chua_dat_drops_tot_to_dat_and_is_adjusted_to_kha() {
        let values = with(&[90, 90, 90, 90, 90, 90, 90], &[DAT, CHUA_DAT, DAT]);
        let result = level(&values);
        assert_eq!(result.unadjusted, Dat);
        assert_eq!(result.level, Kha);
        assert_eq!(result.adjusted_for, Some(8));
    }

    #[test]
    fn one_low_average_dropping_two_levels_is_adjusted_by_one() {
        // Would be Tốt; 4.9 < 5.0 makes it Đạt: adjusted to Khá.
        let result = level(&with(&[90, 90, 90, 90, 90, 90, 49], &[DAT]));
        assert_eq!((result.unadjusted, result.level), (Dat, Kha));
        // Would be Khá; 3.4 < 3.5 makes it Chưa đạt: adjusted to Đạt.
        let result = level(&with(&[70, 70, 70, 70, 70, 70, 34], &[DAT]));
        assert_eq!((result.unadjusted, result.level), (ChuaDat, Dat));
    }

    #[test]
    fn a_one_level_drop_is_not_adjusted() {
        // The vector's grade 9 learner: Khá but for one commented CĐ → Đạt, stays Đạt.
        let result = level(&with(
            &[68, 94, 96, 62, 92, 93, 71, 100],
            &[DAT, DAT, CHUA_DAT, DAT],
        ));
        assert_eq!(
            (result.unadjusted, result.level, result.adjusted_for),
            (Dat, Dat, None)
        );
    }

    #[test]
    fn three_level_drop_follows_the_option() {
        let values = with(&[90, 90, 90, 90, 90, 90, 20], &[DAT]);
        let above = learning_level(&values, &TT22, &Options::DEFAULT);
        assert_eq!((above.unadjusted, above.level), (ChuaDat, Dat));
        let below = learning_level(
            &values,
            &TT22,
            &Options {
                three_level_drop: ThreeLevelDrop::BelowExpected,
                ..Options::DEFAULT
            },
        );
        assert_eq!((below.unadjusted, below.level), (ChuaDat, Kha));
    }

    #[test]
    fn the_excused_subject_still_counts_with_its_real_result() {
        // Five subjects at 9.0 and one at 3.0: excusing the 3.0 from the floors leaves only five
        // averages ≥ 8.0, so the learner would be Khá, not Tốt: a two-level drop → Đạt.
        let result = level(&with(&[90, 90, 90, 90, 90, 70, 30], &[]));
        assert_eq!((result.unadjusted, result.level), (ChuaDat, Dat));
        // The same under the other option: a two-level drop is read the same way.
        let other = learning_level(
            &with(&[90, 90, 90, 90, 90, 70, 30], &[]),
            &TT22,
            &Options {
                three_level_drop: ThreeLevelDrop::BelowExpected,
                ..Options::DEFAULT
            },
        );
        assert_eq!(other.level, Dat);
    }
}
