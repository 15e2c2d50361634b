//! The levels of Thông tư 22/2021/TT-BGDĐT and their abbreviations.
//!
//! - [`Level`]: the four-level scale of conduct (rèn luyện) and learning (học tập): Tốt (`T`),
//!   Khá (`K`), Đạt (`Đ`), Chưa đạt (`CĐ`). Levels are ordered: `CĐ < Đ < K < T`.
//! - [`CommentResult`]: the two-level scale of commented subjects (môn học đánh giá bằng nhận
//!   xét) and of each of their assessments: Đạt (`Đ`) or Chưa đạt (`CĐ`).
//!
//! ```
//! use ledger_core::rules::level::{CommentResult, Level};
//!
//! assert_eq!("CĐ".parse::<Level>().unwrap(), Level::ChuaDat);
//! assert!(Level::Kha > Level::Dat);
//! assert_eq!(CommentResult::Dat.to_string(), "Đ");
//! assert_eq!("K".parse::<CommentResult>().unwrap_err().code(), "level-unknown");
//! ```

use std::fmt;
use std::str::FromStr;

/// Why a level was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LevelError {
    /// The text is not one of the scale's abbreviations (code `level-unknown`).
    #[error("mức {found:?} không hợp lệ, phải là một trong {expected} (unknown level)")]
    Unknown {
        /// The text found.
        found: String,
        /// The abbreviations allowed, e.g. `"T", "K", "Đ", "CĐ"`.
        expected: &'static str,
    },
}

impl LevelError {
    /// A stable kebab-case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unknown { .. } => "level-unknown",
        }
    }
}

/// A conduct or learning level, ordered from the lowest (`ChuaDat`) to the highest (`Tot`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Chưa đạt (`CĐ`).
    ChuaDat,
    /// Đạt (`Đ`).
    Dat,
    /// Khá (`K`).
    Kha,
    /// Tốt (`T`).
    Tot,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Self; 4] = [Self::ChuaDat, Self::Dat, Self::Kha, Self::Tot];

    /// The abbreviation printed in the học bạ and used in the assess format.
    #[must_use]
    pub fn abbreviation(self) -> &'static str {
        match self {
            Self::Tot => "T",
            Self::Kha => "K",
            Self::Dat => "Đ",
            Self::ChuaDat => "CĐ",
        }
    }

    /// The position on the scale: 0 for `CĐ` up to 3 for `T`.
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            Self::ChuaDat => 0,
            Self::Dat => 1,
            Self::Kha => 2,
            Self::Tot => 3,
        }
    }

    /// The level at `rank` (0 for `CĐ` … 3 for `T`); ranks above 3 give `T`.
    #[must_use]
    pub fn from_rank(rank: u8) -> Self {
        match rank {
            0 => Self::ChuaDat,
            1 => Self::Dat,
            2 => Self::Kha,
            _ => Self::Tot,
        }
    }

    /// Whether the level passes: `Đ` or better.
    #[must_use]
    pub fn passes(self) -> bool {
        self >= Self::Dat
    }
}

impl FromStr for Level {
    type Err = LevelError;

    fn from_str(text: &str) -> Result<Self, LevelError> {
        Self::ALL
            .into_iter()
            .find(|level| level.abbreviation() == text)
            .ok_or_else(|| LevelError::Unknown {
                found: text.to_owned(),
                expected: r#""T", "K", "Đ", "CĐ""#,
            })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation())
    }
}

/// The result of a commented subject, or of one of its assessments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommentResult {
    /// Chưa đạt (`CĐ`).
    ChuaDat,
    /// Đạt (`Đ`).
    Dat,
}

impl CommentResult {
    /// The abbreviation printed in the học bạ and used in the assess format.
    #[must_use]
    pub fn abbreviation(self) -> &'static str {
        match self {
            Self::Dat => "Đ",
            Self::ChuaDat => "CĐ",
        }
    }
}

impl FromStr for CommentResult {
    type Err = LevelError;

    fn from_str(text: &str) -> Result<Self, LevelError> {
        match text {
            "Đ" => Ok(Self::Dat),
            "CĐ" => Ok(Self::ChuaDat),
            _ => Err(LevelError::Unknown {
                found: text.to_owned(),
                expected: r#""Đ", "CĐ""#,
            }),
        }
    }
}

impl fmt::Display for CommentResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.abbreviation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_abbreviation() {
        for level in Level::ALL {
            assert_eq!(level.abbreviation().parse::<Level>().unwrap(), level);
            assert_eq!(Level::from_rank(level.rank()), level);
        }
        for result in [CommentResult::Dat, CommentResult::ChuaDat] {
            assert_eq!(result.to_string().parse::<CommentResult>().unwrap(), result);
        }
    }

    #[test]
    fn refuses_anything_else() {
        // "D" (Latin D) and the decomposed or lower-case forms are not the regulation's letters.
        for bad in ["", "D", "CD", "đ", "cđ", "Tốt", "t", " T", "A"] {
            assert_eq!(
                bad.parse::<Level>().unwrap_err().code(),
                "level-unknown",
                "{bad:?}"
            );
        }
        for bad in ["T", "K", "D", "Đạt", ""] {
            assert_eq!(
                bad.parse::<CommentResult>().unwrap_err().code(),
                "level-unknown",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn orders_lowest_first() {
        assert!(Level::ChuaDat < Level::Dat && Level::Dat < Level::Kha && Level::Kha < Level::Tot);
        assert!(Level::Dat.passes() && !Level::ChuaDat.passes());
    }
}
