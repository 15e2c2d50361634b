//! Assessment rule sets: how a learner's raw assessments become the results printed in the học
//! bạ. Thông tư 22/2021/TT-BGDĐT (THCS and THPT, grades 6–12) is implemented; Thông tư 43/2021
//! (GDTX) and Thông tư 58/2011 (legacy records) have their place in [`table::RuleSetId`] and
//! [`table::RULE_SETS`].
//!
//! The rules as implemented, their options and the regulation references are in
//! `docs/RULES.md`; the calculator's input and output in `docs/assess-format.md`.
//!
//! - [`score`]: exact scores and averages in tenths, rounded half up in integer arithmetic.
//! - [`level`]: the T/K/Đ/CĐ scale and the Đ/CĐ scale of commented subjects.
//! - [`table`]: a rule set as data, keyed by (rule set, school level, school year), and the
//!   [`table::Options`] for readings the regulation leaves open.
//! - [`tt22`]: the TT 22 table.
//! - [`subject`]: one subject's assessments, validated, and its semester and year results.
//! - [`learning`]: the learning level of a semester or year, with the single-subject
//!   adjustment.
//! - [`year`]: conduct, outcome, re-assessment, award and the results after summer.
//! - [`assess`]: the `hocba assess` JSON input and output.
//!
//! Everything is deterministic and exact: no floating point touches a grade, no I/O.
//!
//! ```
//! use ledger_core::rules::assess::assess_json;
//! use serde_json::json;
//!
//! let error = assess_json(&json!({
//!     "rule_set": "TT22", "grade": 10, "conduct": ["T", "T"],
//!     "subjects": [{"code": "toan", "assessment": "scored", "periods_per_year": 105,
//!         "semesters": [{"regular": [8, 9, 10.5, 7], "midterm": 8, "final": 8},
//!                       {"regular": [8, 9, 10, 7], "midterm": 8, "final": 8}]}]
//! }))
//! .unwrap_err();
//! assert_eq!(error.code(), "score-out-of-range");
//! assert_eq!(
//!     error.to_string(),
//!     "môn toan: học kì I, ĐĐGtx thứ 3: điểm 10.5 nằm ngoài thang điểm 0–10 (score out of range)"
//! );
//! ```

pub mod assess;
pub mod learning;
pub mod level;
pub mod score;
pub mod subject;
pub mod table;
pub mod tt22;
pub mod year;

/// Every stable error code of this module, sorted. A code is never renamed or reused.
pub const ERROR_CODES: &[&str] = &[
    "absent-sessions-invalid",
    "assessment-kind-unknown",
    "assessment-missing",
    "conduct-count-wrong",
    "grade-out-of-range",
    "input-malformed",
    "level-unknown",
    "option-invalid",
    "periods-invalid",
    "reassessment-kind-wrong",
    "reassessment-not-eligible",
    "regular-count-wrong",
    "rule-set-not-applicable",
    "rule-set-unknown",
    "rule-set-unsupported",
    "school-year-invalid",
    "score-not-a-number",
    "score-out-of-range",
    "score-too-precise",
    "semester-extra",
    "semester-missing",
    "subject-code-invalid",
    "subject-duplicate",
    "subject-unknown",
    "subjects-too-many",
];
