//! TT 22 rules end to end through the assess format: given a learner's year, when assessed,
//! then these results. Each case builds its input from subjects whose every assessment has the
//! same value, so each subject's semester and year averages are that value.

use ledger_core::rules::assess::assess_json;
use serde_json::{json, Value};

/// A scored subject whose every score is `score` (so every average is `score`).
fn scored(code: &str, score: f64) -> Value {
    let semester =
        json!({"regular": [score, score, score, score], "midterm": score, "final": score});
    json!({"code": code, "assessment": "scored", "periods_per_year": 105,
           "semesters": [semester.clone(), semester]})
}

/// A commented subject with these semester results.
fn commented(code: &str, one: &str, two: &str) -> Value {
    let semester =
        |level: &str| json!({"regular": [level, level], "midterm": level, "final": level});
    json!({"code": code, "assessment": "commented", "periods_per_year": 70,
           "semesters": [semester(one), semester(two)]})
}

/// A grade 10 learner: eight scored subjects with these averages, four commented subjects at Đ.
fn learner(averages: [f64; 8], conduct: [&str; 2], absent_sessions: u32) -> Value {
    let mut subjects: Vec<Value> = averages
        .iter()
        .enumerate()
        .map(|(index, average)| scored(&format!("mon_{index}"), *average))
        .collect();
    for code in ["gdtc", "hdtn_hn", "gddp", "am_nhac"] {
        subjects.push(commented(code, "Đ", "Đ"));
    }
    json!({"rule_set": "TT22", "grade": 10, "subjects": subjects, "conduct": conduct,
           "absent_sessions": absent_sessions})
}

fn assess(input: &Value) -> Value {
    let output = assess_json(input).unwrap_or_else(|error| panic!("refused: {error}"));
    serde_json::from_str(&output).expect("the output is JSON")
}

fn check(input: &Value, expected: &Value) {
    let output = assess(input);
    for (name, value) in expected.as_object().expect("an object") {
        assert_eq!(output.get(name), Some(value), "{name} in {output}");
    }
}

const TOT: [f64; 8] = [9.0, 9.0, 9.0, 8.0, 8.0, 8.0, 7.0, 6.5];

#[test]
fn promoted_learner_with_tot_and_tot_is_hoc_sinh_gioi() {
    check(
        &learner(TOT, ["T", "T"], 0),
        &json!({"learning": {"semesters": ["T", "T"], "year": "T"},
                "conduct": {"semesters": ["T", "T"], "year": "T"},
                "outcome": "promoted", "reassess_subjects": [], "award": "good"}),
    );
}

#[test]
fn six_year_averages_of_nine_make_hoc_sinh_xuat_sac() {
    let averages = [9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 7.0, 6.5];
    check(
        &learner(averages, ["T", "T"], 0),
        &json!({"award": "excellent"}),
    );
    let five = [9.0, 9.0, 9.0, 9.0, 9.0, 8.9, 7.0, 6.5];
    check(&learner(five, ["T", "T"], 0), &json!({"award": "good"}));
}

#[test]
fn no_award_without_tot_conduct_or_when_not_promoted() {
    check(
        &learner(TOT, ["T", "K"], 0),
        &json!({"conduct": {"semesters": ["T", "K"], "year": "K"}, "award": null}),
    );
    check(
        &learner(TOT, ["T", "T"], 46),
        &json!({"outcome": "not_promoted", "award": null}),
    );
}

#[test]
fn absences_up_to_45_sessions_are_allowed() {
    check(
        &learner(TOT, ["T", "T"], 45),
        &json!({"outcome": "promoted"}),
    );
    check(
        &learner(TOT, ["T", "T"], 46),
        &json!({"outcome": "not_promoted"}),
    );
    // Without absent_sessions, no absences.
    let mut input = learner(TOT, ["T", "T"], 0);
    input.as_object_mut().unwrap().remove("absent_sessions");
    check(&input, &json!({"outcome": "promoted"}));
}

#[test]
fn conduct_chua_dat_sends_to_summer_training_and_its_result_decides() {
    let mut input = learner(TOT, ["K", "CĐ"], 0);
    check(
        &input,
        &json!({"outcome": "summer_training", "award": null}),
    );
    assert!(
        assess(&input).get("after_summer").is_none(),
        "no summer given"
    );
    input["summer"] = json!({"conduct": "Đ"});
    check(
        &input,
        &json!({"after_summer": {"conduct": "Đ", "learning": "T", "outcome": "promoted"}}),
    );
    input["summer"] = json!({"conduct": "CĐ"});
    check(
        &input,
        &json!({"after_summer": {"conduct": "CĐ", "learning": "T", "outcome": "not_promoted"}}),
    );
    // A learner who did not attend (no summer conduct) stays CĐ.
    input["summer"] = json!({});
    check(
        &input,
        &json!({"after_summer": {"conduct": "CĐ", "learning": "T", "outcome": "not_promoted"}}),
    );
}

#[test]
fn learning_chua_dat_lists_the_subjects_to_reassess_and_their_results_replace_the_year() {
    // Two averages below 3.5: Chưa đạt with no adjustment; 4.9 is also below 5.0.
    let averages = [3.0, 3.4, 4.9, 5.0, 6.0, 7.0, 8.0, 9.0];
    let mut input = learner(averages, ["T", "K"], 0);
    input["subjects"][9] = commented("hdtn_hn", "Đ", "CĐ");
    check(
        &input,
        &json!({"learning": {"semesters": ["CĐ", "CĐ"], "year": "CĐ"}, "outcome": "reassessment",
                "reassess_subjects": ["hdtn_hn", "mon_0", "mon_1", "mon_2"], "award": null}),
    );
    // Re-assessing two of them is enough: 3.0 → 5.0 and 3.4 → 6.0 leaves 4.9 and one CĐ: Đạt.
    input["summer"] = json!({"reassessment": {"mon_0": 5, "mon_1": "6.0"}});
    check(
        &input,
        &json!({"after_summer": {"conduct": "K", "learning": "Đ", "outcome": "promoted"}}),
    );
    // Failing the re-assessment: still Chưa đạt.
    input["summer"] = json!({"reassessment": {"mon_0": 3.2}});
    check(
        &input,
        &json!({"after_summer": {"conduct": "K", "learning": "CĐ", "outcome": "not_promoted"}}),
    );
    // A subject that passed cannot be re-assessed.
    input["summer"] = json!({"reassessment": {"mon_3": 9}});
    let error = assess_json(&input).unwrap_err();
    assert_eq!(error.code(), "reassessment-not-eligible");
    assert!(error.to_string().contains("mon_3"), "{error}");
}

#[test]
fn chua_dat_in_both_trains_first_then_reassessment_follows_the_option() {
    let averages = [3.0, 3.4, 5.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let mut input = learner(averages, ["Đ", "CĐ"], 0);
    check(
        &input,
        &json!({"outcome": "summer_training", "reassess_subjects": []}),
    );
    input["summer"] = json!({"conduct": "Đ", "reassessment": {"mon_0": 6, "mon_1": 6}});
    check(
        &input,
        &json!({"after_summer": {"conduct": "Đ", "learning": "Đ", "outcome": "promoted"}}),
    );
    // Not re-assessed when summer training failed.
    input["summer"]["conduct"] = json!("CĐ");
    check(
        &input,
        &json!({"after_summer": {"conduct": "CĐ", "learning": "CĐ", "outcome": "not_promoted"}}),
    );
    // With the option off, passing summer training does not open re-assessment.
    input["summer"]["conduct"] = json!("Đ");
    input["options"] = json!({"reassess_after_summer_training": false});
    check(
        &input,
        &json!({"after_summer": {"conduct": "Đ", "learning": "CĐ", "outcome": "not_promoted"}}),
    );
}

#[test]
fn the_single_subject_adjustment_applies_per_semester_and_year() {
    // Would be Tốt; one average of 4.0 makes it Đạt (below 5.0 rules out Khá): adjusted to Khá.
    let averages = [9.0, 9.0, 9.0, 8.0, 8.0, 8.0, 7.0, 4.0];
    check(
        &learner(averages, ["T", "T"], 0),
        &json!({"learning": {"semesters": ["K", "K"], "year": "K"}, "award": null}),
    );
    // Would be Tốt; one commented CĐ for the year makes it Đạt: adjusted to Khá.
    let mut input = learner(TOT, ["T", "T"], 0);
    input["subjects"][8] = commented("gdtc", "Đ", "CĐ");
    check(
        &input,
        &json!({"learning": {"semesters": ["T", "K"], "year": "K"}}),
    );
}

#[test]
fn the_three_level_drop_follows_the_option() {
    // Would be Tốt; one average of 2.0 makes it Chưa đạt.
    let averages = [9.0, 9.0, 9.0, 8.0, 8.0, 8.0, 7.0, 2.0];
    let mut input = learner(averages, ["T", "T"], 0);
    check(
        &input,
        &json!({"learning": {"semesters": ["Đ", "Đ"], "year": "Đ"}}),
    );
    input["options"] = json!({"three_level_drop": "below_expected"});
    check(
        &input,
        &json!({"learning": {"semesters": ["K", "K"], "year": "K"}}),
    );
    input["options"] = json!({"three_level_drop": "above_result"});
    check(
        &input,
        &json!({"learning": {"semesters": ["Đ", "Đ"], "year": "Đ"}}),
    );
}

#[test]
fn a_missing_commented_assessment_makes_the_semester_chua_dat() {
    let mut input = learner(TOT, ["T", "T"], 0);
    input["subjects"][10]["semesters"][0]["regular"][1] = Value::Null;
    let output = assess(&input);
    assert_eq!(output["subjects"][10]["semesters"], json!(["CĐ", "Đ"]));
    assert_eq!(output["subjects"][10]["year"], json!("Đ"));
}

#[test]
fn the_school_year_selects_the_rule_set_in_force() {
    let mut input = learner(TOT, ["T", "T"], 0);
    input["school_year"] = json!("2022-2023");
    check(&input, &json!({"outcome": "promoted"}));
    input["school_year"] = json!("2021-2022");
    assert_eq!(
        assess_json(&input).unwrap_err().code(),
        "rule-set-not-applicable"
    );
}

#[test]
fn scores_may_be_decimal_strings_and_whole_numbers_may_have_a_zero_fraction() {
    let mut input = learner(TOT, ["T", "T"], 0);
    input["subjects"][0]["semesters"][0]["midterm"] = json!("9.0");
    input["subjects"][0]["periods_per_year"] = json!(105.0);
    input["grade"] = json!(10.0);
    check(&input, &json!({"outcome": "promoted"}));
}
