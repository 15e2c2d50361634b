//! The `hocba assess` format (`docs/assess-format.md`): one learner's raw assessments for one
//! school year in, the results of the rules out.
//!
//! [`parse_input`] reads a [`serde_json::Value`] by hand into validated types (a rule set, the
//! options, a [`LearnerYear`]); [`AssessInput::assess`] applies the rules; [`write_output`]
//! writes the results as one line of JSON. [`assess_json`] does all three.
//!
//! ```
//! use ledger_core::rules::assess::assess_json;
//! use serde_json::json;
//!
//! let dat = || json!({"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"});
//! let input = json!({
//!     "rule_set": "TT22", "grade": 8,
//!     "subjects": [
//!         {"code": "toan", "assessment": "scored", "periods_per_year": 140, "semesters": [
//!             {"regular": [8, 7.5, 9, 6], "midterm": 7, "final": 8.5},
//!             {"regular": [9, 8, 8.5, 7], "midterm": 8, "final": 9}]},
//!         {"code": "gdtc", "assessment": "commented", "periods_per_year": 70,
//!          "semesters": [dat(), dat()]}
//!     ],
//!     "conduct": ["T", "K"], "absent_sessions": 3
//! });
//! let output = assess_json(&input).unwrap();
//! assert!(output.starts_with(r#"{"subjects":[{"code":"toan","semesters":[7.8,8.4],"year":8.2},"#));
//! assert!(output.contains(r#""conduct":{"semesters":["T","K"],"year":"K"}"#));
//! ```
//!
//! **Numbers.** Without serde_json's `arbitrary_precision` feature a JSON number with a fraction
//! reaches us as the nearest `f64`. It is turned back into decimal text at once with Rust's
//! shortest round-trip formatting, which gives back exactly what was written for every number of
//! at most 15 significant digits (every valid score), and the text is then read as an exact
//! decimal ([`Score`]'s `FromStr`): no arithmetic is ever done in floating point. A score may
//! also be given as a decimal string (`"8.5"`), as the ledger's submissions carry grades.
//!
//! **Null.** An absent field and `null` are the same, except for the assessments of a commented
//! subject: there `null` records an assessment that did not take place (which makes the semester
//! `CĐ`), while an absent `midterm` or `final` is refused.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use super::level::{CommentResult, Level, LevelError};
use super::score::{Score, ScoreError};
use super::subject::{
    Assessments, CommentedSemester, ScoredSemester, Semester, Slot, Subject, SubjectCode,
    SubjectError, SubjectValue,
};
use super::table::{lookup, Grade, Options, RuleSet, RuleSetError, SchoolYear, ThreeLevelDrop};
use super::year::{assess_year, LearnerYear, Summer, YearError, YearResults};

/// Why an assess input was refused. Every variant names where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssessError {
    /// The input does not have the format's shape: not an object, a field of the wrong JSON
    /// type (code `input-malformed`).
    #[error("dữ liệu sai định dạng: {what} (malformed input)")]
    Malformed {
        /// What is wrong, and where.
        what: String,
    },
    /// The rule set, grade or school year was refused (code of the [`RuleSetError`]).
    #[error(transparent)]
    RuleSet(#[from] RuleSetError),
    /// An option is unknown or has a value it cannot take (code `option-invalid`).
    #[error("tùy chọn {name}: giá trị {found} không hợp lệ, phải là {expected} (invalid option)")]
    OptionInvalid {
        /// The option.
        name: String,
        /// The value found.
        found: String,
        /// What it may be.
        expected: &'static str,
    },
    /// A subject was refused (code of the [`SubjectError`]).
    #[error("môn {subject}: {source}")]
    Subject {
        /// The subject's code, or its position (`#3`) when it has no valid code.
        subject: String,
        /// What is wrong.
        source: SubjectError,
    },
    /// A semester conduct level is unknown (code `level-unknown`).
    #[error("rèn luyện {semester}: {source}")]
    Conduct {
        /// The semester.
        semester: Semester,
        /// What is wrong.
        source: LevelError,
    },
    /// `conduct` does not have exactly two semester results (code `conduct-count-wrong`).
    #[error(
        "rèn luyện: có {found} kết quả học kì, phải có đúng 2 (wrong number of conduct results)"
    )]
    ConductCountWrong {
        /// How many were given.
        found: usize,
    },
    /// The summer re-training result is unknown (code `level-unknown`).
    #[error("rèn luyện trong hè: {source}")]
    SummerConduct {
        /// What is wrong.
        source: LevelError,
    },
    /// `absent_sessions` is not a whole number of sessions (code `absent-sessions-invalid`).
    #[error("số buổi nghỉ {found} không hợp lệ, phải là số nguyên không âm (invalid absences)")]
    AbsentSessionsInvalid {
        /// The value found.
        found: String,
    },
    /// The year was refused as a whole (code of the [`YearError`]).
    #[error(transparent)]
    Year(#[from] YearError),
}

impl AssessError {
    /// A stable kebab-case code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "input-malformed",
            Self::RuleSet(error) => error.code(),
            Self::OptionInvalid { .. } => "option-invalid",
            Self::Subject { source, .. } => source.code(),
            Self::Conduct { source, .. } | Self::SummerConduct { source } => source.code(),
            Self::ConductCountWrong { .. } => "conduct-count-wrong",
            Self::AbsentSessionsInvalid { .. } => "absent-sessions-invalid",
            Self::Year(error) => error.code(),
        }
    }
}

/// A parsed and validated assess input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessInput {
    /// The rule set in force for the learner's grade (and school year, when given).
    pub rules: &'static RuleSet,
    /// The options: the rule set's defaults, overridden by the input's `options`.
    pub options: Options,
    /// The learner's year.
    pub year: LearnerYear,
}

impl AssessInput {
    /// Applies the rules.
    ///
    /// # Errors
    /// [`AssessError::Year`] when summer re-assessment results name a subject that is not to be
    /// re-assessed.
    pub fn assess(&self) -> Result<YearResults, AssessError> {
        Ok(assess_year(&self.year, self.rules, &self.options)?)
    }
}

/// Parses, checks, assesses and writes the output line: the whole of `hocba assess`.
///
/// # Errors
/// Any [`AssessError`]; see [`parse_input`] and [`AssessInput::assess`].
pub fn assess_json(input: &Value) -> Result<String, AssessError> {
    Ok(write_output(&parse_input(input)?.assess()?))
}

/// Reads an assess input.
///
/// Fields: `rule_set` (`"TT22"`), `grade` (1–12; the rule set must govern it), optional
/// `school_year` (`"2024-2025"`: checks that the rule set was in force), optional `options`
/// (`{"three_level_drop": "above_result" | "below_expected", "reassess_after_summer_training":
/// bool}`), `subjects`, `conduct` (two levels), optional `absent_sessions` (default 0), optional
/// `summer`. Other fields are ignored.
///
/// # Errors
/// The first problem found, in the order of the fields above.
pub fn parse_input(input: &Value) -> Result<AssessInput, AssessError> {
    let object = input
        .as_object()
        .ok_or_else(|| malformed("the input must be a JSON object (phải là một đối tượng JSON)"))?;

    let rule_set = match present(object, "rule_set") {
        Some(Value::String(name)) => name.parse()?,
        Some(other) => return Err(malformed(format!("rule_set must be a string, not {other}"))),
        None => {
            return Err(malformed(
                "rule_set is missing (thiếu bộ quy tắc, ví dụ \"TT22\")",
            ))
        }
    };
    let grade = match present(object, "grade") {
        Some(value) => whole_number(value)
            .and_then(|grade| u8::try_from(grade).ok())
            .ok_or_else(|| RuleSetError::GradeOutOfRange {
                found: value.to_string(),
            })
            .and_then(Grade::new)?,
        None => return Err(malformed("grade is missing (thiếu lớp)")),
    };
    let school_year = match present(object, "school_year") {
        Some(Value::String(text)) => Some(text.parse::<SchoolYear>()?),
        Some(other) => {
            return Err(malformed(format!(
                "school_year must be a string such as \"2024-2025\", not {other}"
            )))
        }
        None => None,
    };
    let rules = lookup(rule_set, grade, school_year)?;
    let options = parse_options(present(object, "options"), rules.default_options)?;

    let subjects = match present(object, "subjects") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| parse_subject(index, item, rules))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(malformed(format!("subjects must be an array, not {other}"))),
        None => return Err(malformed("subjects is missing (thiếu danh sách môn học)")),
    };
    let conduct = parse_conduct(present(object, "conduct"))?;
    let absent_sessions = match present(object, "absent_sessions") {
        Some(value) => whole_number(value)
            .and_then(|sessions| u32::try_from(sessions).ok())
            .ok_or_else(|| AssessError::AbsentSessionsInvalid {
                found: value.to_string(),
            })?,
        None => 0,
    };
    let summer = match present(object, "summer") {
        Some(Value::Object(summer)) => Some(parse_summer(summer, &subjects)?),
        Some(other) => return Err(malformed(format!("summer must be an object, not {other}"))),
        None => None,
    };
    let year = LearnerYear::new(subjects, conduct, absent_sessions, summer)?;
    Ok(AssessInput {
        rules,
        options,
        year,
    })
}

/// Writes the results as one line of JSON, in the format's field order. Averages have exactly
/// one decimal (`8.0`, as the vectors write them); levels are abbreviations.
#[must_use]
pub fn write_output(results: &YearResults) -> String {
    let mut out = String::from("{\"subjects\":[");
    for (index, (code, subject)) in results.subjects.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"code\":");
        write_string(&mut out, code.as_str());
        let _ = write!(
            out,
            ",\"semesters\":[{},{}],\"year\":{}}}",
            value_json(subject.semesters[0]),
            value_json(subject.semesters[1]),
            value_json(subject.year)
        );
    }
    let learning = &results.learning;
    let conduct = &results.conduct;
    let _ = write!(
        out,
        "],\"learning\":{{\"semesters\":[\"{}\",\"{}\"],\"year\":\"{}\"}}",
        learning.semesters[0].level, learning.semesters[1].level, learning.year.level
    );
    let _ = write!(
        out,
        ",\"conduct\":{{\"semesters\":[\"{}\",\"{}\"],\"year\":\"{}\"}}",
        conduct.semesters[0], conduct.semesters[1], conduct.year
    );
    let _ = write!(
        out,
        ",\"outcome\":\"{}\",\"reassess_subjects\":[",
        results.outcome.name()
    );
    for (index, code) in results.reassess_subjects.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_string(&mut out, code.as_str());
    }
    out.push_str("],\"award\":");
    match results.award {
        Some(award) => {
            let _ = write!(out, "\"{}\"", award.name());
        }
        None => out.push_str("null"),
    }
    if let Some(after) = &results.after_summer {
        let _ = write!(
            out,
            ",\"after_summer\":{{\"conduct\":\"{}\",\"learning\":\"{}\",\"outcome\":\"{}\"}}",
            after.conduct,
            after.learning.level,
            after.outcome.name()
        );
    }
    out.push('}');
    out
}

fn malformed(what: impl Into<String>) -> AssessError {
    AssessError::Malformed { what: what.into() }
}

/// A field's value, treating `null` as absent.
fn present<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|value| !value.is_null())
}

/// A JSON number as the decimal text it was written as (see the module doc).
fn number_text(number: &Number) -> String {
    if let Some(unsigned) = number.as_u64() {
        unsigned.to_string()
    } else if let Some(signed) = number.as_i64() {
        signed.to_string()
    } else {
        // serde_json numbers are finite, so this is plain decimal digits.
        number
            .as_f64()
            .map(|float| format!("{float}"))
            .unwrap_or_default()
    }
}

/// A non-negative whole number, also when written with a zero fraction (`140.0`).
fn whole_number(value: &Value) -> Option<u64> {
    let Value::Number(number) = value else {
        return None;
    };
    let text = number_text(number);
    let whole = text.strip_suffix(".0").unwrap_or(&text);
    if whole.bytes().all(|byte| byte.is_ascii_digit()) {
        whole.parse().ok()
    } else {
        None
    }
}

fn parse_score(value: &Value, slot: Slot) -> Result<Score, SubjectError> {
    let parsed = match value {
        Value::Number(number) => number_text(number).parse::<Score>(),
        Value::String(text) => text.parse::<Score>(),
        other => Err(ScoreError::NotANumber {
            value: other.to_string(),
        }),
    };
    parsed.map_err(|source| SubjectError::Score { slot, source })
}

fn level_text(value: &Value) -> Result<&str, LevelError> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(LevelError::Unknown {
            found: other.to_string(),
            expected: r#""T", "K", "Đ", "CĐ""#,
        }),
    }
}

fn parse_comment(value: &Value, slot: Slot) -> Result<CommentResult, SubjectError> {
    let parsed = match value {
        Value::String(text) => text.parse(),
        other => Err(LevelError::Unknown {
            found: other.to_string(),
            expected: r#""Đ", "CĐ""#,
        }),
    };
    parsed.map_err(|source| SubjectError::Level { slot, source })
}

fn parse_options(value: Option<&Value>, defaults: Options) -> Result<Options, AssessError> {
    let Some(value) = value else {
        return Ok(defaults);
    };
    let object = value
        .as_object()
        .ok_or_else(|| malformed(format!("options must be an object, not {value}")))?;
    let mut options = defaults;
    for (name, value) in object {
        let invalid = |expected| AssessError::OptionInvalid {
            name: name.clone(),
            found: value.to_string(),
            expected,
        };
        match name.as_str() {
            "three_level_drop" => {
                options.three_level_drop =
                    [ThreeLevelDrop::AboveResult, ThreeLevelDrop::BelowExpected]
                        .into_iter()
                        .find(|choice| value.as_str() == Some(choice.name()))
                        .ok_or_else(|| invalid(r#""above_result" or "below_expected""#))?;
            }
            "reassess_after_summer_training" => {
                options.reassess_after_summer_training =
                    value.as_bool().ok_or_else(|| invalid("true or false"))?;
            }
            _ => {
                return Err(AssessError::OptionInvalid {
                    name: name.clone(),
                    found: value.to_string(),
                    expected: "a known option: three_level_drop, reassess_after_summer_training",
                })
            }
        }
    }
    Ok(options)
}

fn parse_subject(index: usize, item: &Value, rules: &RuleSet) -> Result<Subject, AssessError> {
    let position = format!("#{}", index + 1);
    let object = item.as_object().ok_or_else(|| {
        malformed(format!(
            "subject {position} must be an object (môn học phải là một đối tượng)"
        ))
    })?;
    let code = match present(object, "code") {
        Some(Value::String(code)) => code.clone(),
        Some(other) => {
            return Err(malformed(format!(
                "subject {position}: code must be a string, not {other}"
            )))
        }
        None => {
            return Err(malformed(format!(
                "subject {position}: code is missing (thiếu mã môn)"
            )))
        }
    };
    let in_subject = |source| AssessError::Subject {
        subject: if code.is_empty() {
            position.clone()
        } else {
            code.clone()
        },
        source,
    };
    let subject_code = SubjectCode::new(code.clone()).map_err(&in_subject)?;
    let scored = match present(object, "assessment").and_then(Value::as_str) {
        Some("scored") => true,
        Some("commented") => false,
        _ => {
            let found = object
                .get("assessment")
                .map_or_else(|| "missing".to_owned(), ToString::to_string);
            return Err(in_subject(SubjectError::KindUnknown { found }));
        }
    };
    let periods_per_year = match present(object, "periods_per_year") {
        Some(value) => Some(
            whole_number(value)
                .and_then(|periods| u32::try_from(periods).ok())
                .filter(|periods| *periods > 0)
                .ok_or_else(|| {
                    in_subject(SubjectError::PeriodsInvalid {
                        found: value.to_string(),
                    })
                })?,
        ),
        None if scored => {
            return Err(in_subject(SubjectError::PeriodsInvalid {
                found: "missing".to_owned(),
            }))
        }
        None => None,
    };
    let semesters = match present(object, "semesters") {
        Some(Value::Array(semesters)) => semesters.as_slice(),
        Some(other) => {
            return Err(malformed(format!(
                "subject {code}: semesters must be an array, not {other}"
            )))
        }
        None => &[],
    };
    let [one, two] = match semesters {
        [one, two] => [one, two],
        [] | [_] => {
            return Err(in_subject(SubjectError::SemesterMissing {
                found: semesters.len(),
                missing: Semester::at(semesters.len()),
            }))
        }
        _ => {
            return Err(in_subject(SubjectError::SemesterExtra {
                found: semesters.len(),
            }))
        }
    };
    let one = semester_object(&code, Semester::One, one)?;
    let two = semester_object(&code, Semester::Two, two)?;
    let regular_one = regular_values(&code, Semester::One, one)?;
    let regular_two = regular_values(&code, Semester::Two, two)?;
    let assessments = if scored {
        Assessments::Scored {
            periods_per_year: periods_per_year.unwrap_or_default(),
            semesters: [
                parse_scored_semester(Semester::One, regular_one, one).map_err(&in_subject)?,
                parse_scored_semester(Semester::Two, regular_two, two).map_err(&in_subject)?,
            ],
        }
    } else {
        Assessments::Commented {
            periods_per_year,
            semesters: [
                parse_commented_semester(Semester::One, regular_one, one).map_err(&in_subject)?,
                parse_commented_semester(Semester::Two, regular_two, two).map_err(&in_subject)?,
            ],
        }
    };
    Subject::new(subject_code, assessments, rules).map_err(in_subject)
}

fn semester_object<'a>(
    code: &str,
    semester: Semester,
    value: &'a Value,
) -> Result<&'a Map<String, Value>, AssessError> {
    value.as_object().ok_or_else(|| {
        malformed(format!(
            "subject {code}, {semester}: must be an object with regular, midterm and final"
        ))
    })
}

/// A semester's regular assessments: an absent list is an empty one (the count check then says
/// how many are missing).
fn regular_values<'a>(
    code: &str,
    semester: Semester,
    object: &'a Map<String, Value>,
) -> Result<&'a [Value], AssessError> {
    match present(object, "regular") {
        Some(Value::Array(values)) => Ok(values),
        Some(other) => Err(malformed(format!(
            "subject {code}, {semester}: regular must be an array, not {other}"
        ))),
        None => Ok(&[]),
    }
}

fn parse_scored_semester(
    semester: Semester,
    regular: &[Value],
    object: &Map<String, Value>,
) -> Result<ScoredSemester, SubjectError> {
    let regular = regular
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let slot = Slot::Regular {
                semester,
                number: index + 1,
            };
            if value.is_null() {
                Err(SubjectError::AssessmentMissing { slot })
            } else {
                parse_score(value, slot)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let required = |name: &str, slot: Slot| match present(object, name) {
        Some(value) => parse_score(value, slot),
        None => Err(SubjectError::AssessmentMissing { slot }),
    };
    Ok(ScoredSemester {
        regular,
        midterm: required("midterm", Slot::Midterm { semester })?,
        final_: required("final", Slot::Final { semester })?,
    })
}

fn parse_commented_semester(
    semester: Semester,
    regular: &[Value],
    object: &Map<String, Value>,
) -> Result<CommentedSemester, SubjectError> {
    let optional = |value: &Value, slot: Slot| {
        if value.is_null() {
            Ok(None)
        } else {
            parse_comment(value, slot).map(Some)
        }
    };
    let regular = regular
        .iter()
        .enumerate()
        .map(|(index, value)| {
            optional(
                value,
                Slot::Regular {
                    semester,
                    number: index + 1,
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let required = |name: &str, slot: Slot| match object.get(name) {
        Some(value) => optional(value, slot),
        None => Err(SubjectError::AssessmentMissing { slot }),
    };
    Ok(CommentedSemester {
        regular,
        midterm: required("midterm", Slot::Midterm { semester })?,
        final_: required("final", Slot::Final { semester })?,
    })
}

fn parse_conduct(value: Option<&Value>) -> Result<[Level; 2], AssessError> {
    let items = match value {
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => {
            return Err(malformed(format!(
                "conduct must be an array of two levels, not {other}"
            )))
        }
        None => &[],
    };
    let [one, two] = items else {
        return Err(AssessError::ConductCountWrong { found: items.len() });
    };
    let level = |semester: Semester, value: &Value| {
        level_text(value)
            .and_then(str::parse::<Level>)
            .map_err(|source| AssessError::Conduct { semester, source })
    };
    Ok([level(Semester::One, one)?, level(Semester::Two, two)?])
}

fn parse_summer(summer: &Map<String, Value>, subjects: &[Subject]) -> Result<Summer, AssessError> {
    let conduct = match present(summer, "conduct") {
        Some(value) => Some(
            level_text(value)
                .and_then(str::parse::<Level>)
                .map_err(|source| AssessError::SummerConduct { source })?,
        ),
        None => None,
    };
    let mut reassessment = BTreeMap::new();
    match present(summer, "reassessment") {
        Some(Value::Object(results)) => {
            for (code, value) in results {
                let in_subject = |source| AssessError::Subject {
                    subject: code.clone(),
                    source,
                };
                let subject_code = SubjectCode::new(code.clone()).map_err(in_subject)?;
                let subject = subjects
                    .iter()
                    .find(|subject| *subject.code() == subject_code)
                    .ok_or_else(|| YearError::SubjectUnknown {
                        code: subject_code.clone(),
                    })?;
                let result = if subject.is_scored() {
                    parse_score(value, Slot::Reassessment)
                        .map(|score| SubjectValue::Average(score.into()))
                } else {
                    parse_comment(value, Slot::Reassessment).map(SubjectValue::Comment)
                };
                reassessment.insert(subject_code, result.map_err(in_subject)?);
            }
        }
        Some(other) => {
            return Err(malformed(format!(
                "summer.reassessment must be an object of subject code → result, not {other}"
            )))
        }
        None => {}
    }
    Ok(Summer {
        conduct,
        reassessment,
    })
}

fn value_json(value: SubjectValue) -> String {
    match value {
        SubjectValue::Average(average) => average.to_string(),
        SubjectValue::Comment(result) => format!("\"{result}\""),
    }
}

/// Appends `text` as a JSON string: `"` and `\` escaped, control characters as `\u00xx`.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_as_written() {
        let text = |json: &str| number_text(&serde_json::from_str::<Number>(json).unwrap());
        assert_eq!(text("6.9"), "6.9");
        assert_eq!(text("8.0"), "8");
        assert_eq!(text("0.1"), "0.1");
        assert_eq!(text("8.25"), "8.25");
        assert_eq!(text("1e1"), "10");
        assert_eq!(text("-0.0"), "-0");
        assert_eq!(text("-3"), "-3");
        assert_eq!(text("1e300").len(), 301);
        assert_eq!(whole_number(&serde_json::json!(140.0)), Some(140));
        assert_eq!(whole_number(&serde_json::json!(140.5)), None);
        assert_eq!(whole_number(&serde_json::json!(-1)), None);
        assert_eq!(whole_number(&serde_json::json!("140")), None);
    }

    #[test]
    fn escapes_strings() {
        let mut out = String::new();
        write_string(&mut out, "a\"b\\c\u{1}ữ");
        assert_eq!(out, "\"a\\\"b\\\\c\\u0001ữ\"");
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            "a\"b\\c\u{1}ữ"
        );
    }
}
