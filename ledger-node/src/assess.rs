//! `hocba assess FILE|-`: the year-assessment calculator (`docs/assess-format.md`).
//!
//! The rules live in `ledger_core::rules`; this module only bounds the input, decodes the JSON
//! text and turns a refusal into the message for standard error. `main` reads the file or
//! standard input, prints the line [`run`] returns, or prints the message and exits non-zero
//! with nothing on standard output.

use ledger_core::rules::assess::assess_json;

/// Largest input accepted, in bytes. A learner's year with every subject of a THPT class is a
/// few kilobytes; `ledger_core::rules::year::SUBJECTS_MAX` subjects fit in well under this.
pub const INPUT_SIZE_MAX: usize = 1024 * 1024;

/// Runs the calculator on one learner's input (the bytes of the JSON file).
///
/// Returns the output: one line of JSON, without a trailing newline.
///
/// # Errors
/// The message for standard error, starting with the refusal's stable code in brackets, e.g.
/// `error[score-out-of-range]: môn toan: học kì I, ĐĐGtx thứ 3: điểm 10.5 nằm ngoài thang điểm
/// 0–10 (score out of range)`.
pub fn run(input: &[u8]) -> Result<String, String> {
    if input.len() > INPUT_SIZE_MAX {
        return Err(format!(
            "error[input-too-large]: dữ liệu {} byte vượt quá giới hạn {INPUT_SIZE_MAX} byte \
             (input too large)",
            input.len()
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(input).map_err(|error| {
        format!("error[input-malformed]: không phải JSON hợp lệ: {error} (not valid JSON)")
    })?;
    assess_json(&value).map_err(|error| format!("error[{}]: {error}", error.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INPUT: &str = r#"{
        "rule_set": "TT22", "grade": 8,
        "subjects": [
            {"code": "toan", "assessment": "scored", "periods_per_year": 140,
             "semesters": [
                {"regular": [8, 7.5, 9, 6], "midterm": 7, "final": 8.5},
                {"regular": [9, 8, 8.5, 7], "midterm": 8, "final": 9}]},
            {"code": "gdtc", "assessment": "commented", "periods_per_year": 70,
             "semesters": [
                {"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"},
                {"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"}]}
        ],
        "conduct": ["T", "K"], "absent_sessions": 3, "summer": {"conduct": "Đ"}
    }"#;

    #[test]
    fn prints_one_json_line() {
        let output = run(INPUT.as_bytes()).unwrap();
        assert!(!output.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&output).unwrap();
        assert_eq!(
            value["subjects"][0],
            serde_json::json!({"code": "toan", "semesters": [7.8, 8.4], "year": 8.2})
        );
        assert_eq!(value["conduct"]["year"], "K");
        // Two scored subjects only: no learning level above Chưa đạt, so re-assessment (and the
        // summer conduct is not needed: after_summer keeps the year conduct).
        assert_eq!(value["outcome"], "reassessment");
        assert_eq!(value["reassess_subjects"], serde_json::json!([]));
    }

    #[test]
    fn refuses_with_the_code_and_the_place() {
        let bad = INPUT.replacen("\"midterm\": 7,", "\"midterm\": 7.25,", 1);
        let message = run(bad.as_bytes()).unwrap_err();
        assert!(message.starts_with("error[score-too-precise]: môn toan: học kì I, ĐĐGgk"));
        assert!(run(b"{").unwrap_err().starts_with("error[input-malformed]"));
        assert!(run(&vec![b' '; INPUT_SIZE_MAX + 1])
            .unwrap_err()
            .starts_with("error[input-too-large]"));
    }
}
