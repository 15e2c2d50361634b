//! Exact scores and averages on the 10-point scale, in tenths of a point.
//!
//! Thông tư 22/2021/TT-BGDĐT: a score (điểm đánh giá) is a number from 0 to 10, an integer or
//! with one decimal; by Điều 9 the semester average ĐTBmhk and the year average ĐTBmcn are
//! rounded to one decimal. Both are kept here as whole numbers of tenths, and every average is
//! one integer division rounded half up, so no binary floating point ever touches a grade:
//!
//! ```
//! use ledger_core::rules::score::{
//!     semester_average, year_average, Average, Score, SemesterWeights, YearWeights,
//! };
//!
//! let score: Score = "8.5".parse().unwrap();
//! assert_eq!(score.tenths(), 85);
//! // 8.25 (82.5 tenths) is exactly half-way between 8.2 and 8.3: half up gives 8.3.
//! assert_eq!(Average::of_weighted_tenths(825, 10).unwrap().to_string(), "8.3");
//!
//! // The example of `docs/assess-format.md`: toán, ĐĐGtx 8, 7.5, 9, 6; ĐĐGgk 7; ĐĐGck 8.5.
//! let scores = |list: &[&str]| list.iter().map(|s| s.parse().unwrap()).collect::<Vec<Score>>();
//! let weights = SemesterWeights { regular: 1, midterm: 2, final_: 3 };
//! let one = semester_average(&scores(&["8", "7.5", "9", "6"]), "7".parse()?, "8.5".parse()?, weights);
//! let two = semester_average(&scores(&["9", "8", "8.5", "7"]), "8".parse()?, "9".parse()?, weights);
//! assert_eq!((one.to_string(), two.to_string()), ("7.8".into(), "8.4".into()));
//! let year = year_average(one, two, YearWeights { semester_one: 1, semester_two: 2 });
//! assert_eq!(year.to_string(), "8.2");
//! # Ok::<(), ledger_core::rules::score::ScoreError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// Tenths in one point of the scale.
pub const TENTHS_PER_POINT: u16 = 10;

/// The top of the scale, 10.0, in tenths.
pub const SCALE_MAX_TENTHS: u16 = 10 * TENTHS_PER_POINT;

/// Why a score was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The value is below 0 or above 10 (code `score-out-of-range`).
    #[error("điểm {value} nằm ngoài thang điểm 0–10 (score out of range)")]
    OutOfRange {
        /// The value as written.
        value: String,
    },
    /// The value has more than one decimal (code `score-too-precise`).
    #[error("điểm {value} có nhiều hơn một chữ số thập phân (score has more than one decimal)")]
    TooPrecise {
        /// The value as written.
        value: String,
    },
    /// The value is not a decimal number (code `score-not-a-number`).
    #[error("{value} không phải là điểm số (not a decimal number)")]
    NotANumber {
        /// The value as written.
        value: String,
    },
}

impl ScoreError {
    /// A stable kebab-case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::OutOfRange { .. } => "score-out-of-range",
            Self::TooPrecise { .. } => "score-too-precise",
            Self::NotANumber { .. } => "score-not-a-number",
        }
    }
}

/// One assessment's score (ĐĐGtx, ĐĐGgk, ĐĐGck or a re-assessment): 0.0 to 10.0 in steps of 0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u16);

impl Score {
    /// The top of the scale, 10.0.
    pub const MAX: Score = Score(SCALE_MAX_TENTHS);

    /// A score of `tenths` tenths of a point.
    ///
    /// # Errors
    /// [`ScoreError::OutOfRange`] above 100 tenths (10.0).
    pub fn from_tenths(tenths: u16) -> Result<Self, ScoreError> {
        if tenths > SCALE_MAX_TENTHS {
            return Err(ScoreError::OutOfRange {
                value: format_tenths(u32::from(tenths)),
            });
        }
        Ok(Self(tenths))
    }

    /// The score in tenths of a point (85 for 8.5).
    #[must_use]
    pub fn tenths(self) -> u16 {
        self.0
    }
}

impl FromStr for Score {
    type Err = ScoreError;

    /// Reads a plain decimal: digits, optionally a point and more digits (`8`, `8.5`, `8.50`,
    /// `-0`). Trailing zeros after the point do not count as precision, so `8.50` is 8.5 while
    /// `8.25` has two decimals. The range is judged before the precision: `10.05` is out of range.
    fn from_str(text: &str) -> Result<Self, ScoreError> {
        let not_a_number = || ScoreError::NotANumber {
            value: text.to_owned(),
        };
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
            Some(_) => return Err(not_a_number()),
            None => (unsigned, ""),
        };
        let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(not_a_number());
        }
        let whole = whole.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        let is_zero = whole.is_empty() && fraction.is_empty();
        // At most two digits remain for anything within range, so the parse cannot overflow.
        let out_of_range = (negative && !is_zero)
            || whole.len() > 2
            || whole.parse::<u16>().unwrap_or(0) * TENTHS_PER_POINT > SCALE_MAX_TENTHS
            || (whole == "10" && !fraction.is_empty());
        if out_of_range {
            return Err(ScoreError::OutOfRange {
                value: text.to_owned(),
            });
        }
        if fraction.len() > 1 {
            return Err(ScoreError::TooPrecise {
                value: text.to_owned(),
            });
        }
        let whole = whole.parse::<u16>().unwrap_or(0);
        let tenth = fraction.parse::<u16>().unwrap_or(0);
        Self::from_tenths(whole * TENTHS_PER_POINT + tenth)
    }
}

impl fmt::Display for Score {
    /// Always one decimal: `8.0`, `8.5`, `10.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_tenths(u32::from(self.0)))
    }
}

/// An average on the 10-point scale (ĐTBmhk or ĐTBmcn), already rounded to one decimal; also a
/// threshold of the learning-level table (6.5, 8.0, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Average(u16);

impl Average {
    /// An average of exactly `tenths` tenths, for the constant tables of a rule set.
    ///
    /// # Panics
    /// Above 100 tenths: a programmer error in a table, caught when the constant is evaluated at
    /// compile time.
    #[must_use]
    pub const fn from_tenths_const(tenths: u16) -> Self {
        assert!(tenths <= SCALE_MAX_TENTHS, "an average is at most 10.0");
        Self(tenths)
    }

    /// `numerator / denominator` tenths, rounded half up to a whole number of tenths. This is
    /// the one rounding step of every average: `numerator` is a weighted sum of scores in tenths
    /// and `denominator` the sum of the weights.
    ///
    /// Returns `None` when `denominator` is 0 or the result is above 10.0 (impossible for a
    /// weighted mean of scores, whose weights sum to `denominator`).
    #[must_use]
    pub fn of_weighted_tenths(numerator: u64, denominator: u64) -> Option<Self> {
        let tenths = divide_half_up(numerator, denominator)?;
        let tenths = u16::try_from(tenths).ok()?;
        (tenths <= SCALE_MAX_TENTHS).then_some(Self(tenths))
    }

    /// The average in tenths of a point (78 for 7.8).
    #[must_use]
    pub fn tenths(self) -> u16 {
        self.0
    }
}

impl From<Score> for Average {
    /// A single score used as an average: a re-assessment result replaces the year average.
    fn from(score: Score) -> Self {
        Self(score.0)
    }
}

impl fmt::Display for Average {
    /// Always one decimal: `7.0`, `8.2`, `10.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_tenths(u32::from(self.0)))
    }
}

/// The weights of the semester average ĐTBmhk (TT 22 Điều 9: ĐĐGtx 1 each, ĐĐGgk 2, ĐĐGck 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemesterWeights {
    /// Weight of each regular assessment (ĐĐGtx).
    pub regular: u8,
    /// Weight of the mid-term assessment (ĐĐGgk).
    pub midterm: u8,
    /// Weight of the end-of-term assessment (ĐĐGck).
    pub final_: u8,
}

/// The weights of the year average ĐTBmcn (TT 22 Điều 9: semester I 1, semester II 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearWeights {
    /// Weight of the semester I average.
    pub semester_one: u8,
    /// Weight of the semester II average.
    pub semester_two: u8,
}

/// The semester average ĐTBmhk = (w·ΣĐĐGtx + w·ĐĐGgk + w·ĐĐGck) / (Σ weights), rounded half
/// up to one decimal.
///
/// # Panics
/// When every weight is zero (a programmer error in a rule-set table).
#[must_use]
pub fn semester_average(
    regular: &[Score],
    midterm: Score,
    final_: Score,
    weights: SemesterWeights,
) -> Average {
    let weighted = |score: Score, weight: u8| u64::from(score.0) * u64::from(weight);
    let numerator = regular
        .iter()
        .map(|score| weighted(*score, weights.regular))
        .sum::<u64>()
        + weighted(midterm, weights.midterm)
        + weighted(final_, weights.final_);
    let denominator = regular.len() as u64 * u64::from(weights.regular)
        + u64::from(weights.midterm)
        + u64::from(weights.final_);
    Average::of_weighted_tenths(numerator, denominator)
        .expect("a weighted mean of scores with non-zero weights is a score")
}

/// The year average ĐTBmcn = (w·ĐTBmhk I + w·ĐTBmhk II) / (Σ weights) from the already rounded
/// semester averages, rounded half up to one decimal.
///
/// # Panics
/// When both weights are zero (a programmer error in a rule-set table).
#[must_use]
pub fn year_average(semester_one: Average, semester_two: Average, weights: YearWeights) -> Average {
    let numerator = u64::from(semester_one.0) * u64::from(weights.semester_one)
        + u64::from(semester_two.0) * u64::from(weights.semester_two);
    let denominator = u64::from(weights.semester_one) + u64::from(weights.semester_two);
    Average::of_weighted_tenths(numerator, denominator)
        .expect("a weighted mean of averages with non-zero weights is an average")
}

/// `numerator / denominator` rounded half up (ties away from zero; all values are
/// non-negative), in integers only; `None` for a zero denominator or on overflow.
#[must_use]
pub fn divide_half_up(numerator: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    // floor(n/d + 1/2) = floor((2n + d) / 2d)
    let doubled = numerator.checked_mul(2)?.checked_add(denominator)?;
    Some(doubled / denominator.checked_mul(2)?)
}

/// `tenths` written with exactly one decimal (`85` → `8.5`, `70` → `7.0`).
fn format_tenths(tenths: u32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> Result<Score, ScoreError> {
        text.parse()
    }

    #[test]
    fn reads_integers_and_one_decimal() {
        assert_eq!(score("0").unwrap().tenths(), 0);
        assert_eq!(score("-0").unwrap().tenths(), 0);
        assert_eq!(score("7").unwrap().tenths(), 70);
        assert_eq!(score("7.5").unwrap().tenths(), 75);
        assert_eq!(score("7.50").unwrap().tenths(), 75);
        assert_eq!(score("007.0").unwrap().tenths(), 70);
        assert_eq!(score("10").unwrap().tenths(), 100);
        assert_eq!(score("10.0").unwrap().tenths(), 100);
    }

    #[test]
    fn refuses_out_of_range_before_too_precise() {
        for bad in [
            "10.1",
            "10.05",
            "11",
            "100",
            "-0.1",
            "-1",
            "-0.05",
            "99999999999999999999",
        ] {
            assert_eq!(
                score(bad).unwrap_err().code(),
                "score-out-of-range",
                "{bad}"
            );
        }
        for bad in ["8.25", "0.01", "9.99", "7.000001"] {
            assert_eq!(score(bad).unwrap_err().code(), "score-too-precise", "{bad}");
        }
        for bad in ["", "-", ".5", "5.", "8,5", "1e1", "+5", " 5", "Đ", "5.5.5"] {
            assert_eq!(
                score(bad).unwrap_err().code(),
                "score-not-a-number",
                "{bad:?}"
            );
        }
        assert_eq!(
            Score::from_tenths(101).unwrap_err().code(),
            "score-out-of-range"
        );
    }

    #[test]
    fn rounds_half_up() {
        assert_eq!(divide_half_up(825, 100), Some(8)); // 8.25 → 8 (whole units here)
        assert_eq!(Average::of_weighted_tenths(825, 10).unwrap().tenths(), 83); // 8.25 → 8.3
        assert_eq!(Average::of_weighted_tenths(824, 10).unwrap().tenths(), 82);
        assert_eq!(Average::of_weighted_tenths(70, 9).unwrap().tenths(), 8); // 0.777… → 0.8
        assert_eq!(Average::of_weighted_tenths(1, 2).unwrap().tenths(), 1); // 0.05 → 0.1
        assert_eq!(Average::of_weighted_tenths(0, 9).unwrap().tenths(), 0);
        assert_eq!(Average::of_weighted_tenths(1, 0), None);
        assert_eq!(Average::of_weighted_tenths(1005, 10), None); // 10.05 → 10.1
        assert_eq!(Average::of_weighted_tenths(1004, 10).unwrap().tenths(), 100);
    }

    #[test]
    fn writes_one_decimal() {
        assert_eq!(score("7").unwrap().to_string(), "7.0");
        assert_eq!(Average::from_tenths_const(100).to_string(), "10.0");
        assert_eq!(Average::from_tenths_const(5).to_string(), "0.5");
    }
}
