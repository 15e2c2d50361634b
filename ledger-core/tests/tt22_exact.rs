//! Averages are exact: every result is checked against exact rational arithmetic (integers
//! only), exhaustively where the domain is small and by property tests elsewhere; every valid
//! score survives the JSON input path unchanged, and every two-decimal score is refused.

use ledger_core::rules::assess::assess_json;
use ledger_core::rules::score::{semester_average, year_average, Average, Score};
use ledger_core::rules::tt22::TT22;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Whether `rounded` tenths is `numerator / denominator` tenths rounded half up, judged with
/// exact rational comparisons: rounded - 1/2 <= n/d < rounded + 1/2.
fn is_half_up(rounded: u16, numerator: u64, denominator: u64) -> bool {
    let (r, n, d) = (
        i128::from(rounded),
        i128::from(numerator),
        i128::from(denominator),
    );
    (2 * r - 1) * d <= 2 * n && 2 * n < (2 * r + 1) * d
}

fn score(tenths: u16) -> Score {
    Score::from_tenths(tenths).unwrap()
}

#[test]
fn year_average_is_exact_for_every_pair_of_semester_averages() {
    for one in 0..=100 {
        for two in 0..=100 {
            let year = year_average(
                Average::from_tenths_const(one),
                Average::from_tenths_const(two),
                TT22.year_weights,
            );
            let numerator = u64::from(one) + 2 * u64::from(two);
            assert!(
                is_half_up(year.tenths(), numerator, 3),
                "{one} {two} → {year}"
            );
        }
    }
}

#[test]
fn half_way_cases_round_up() {
    // Three ĐĐGtx make the denominator 8, so exact halves occur. ĐĐGtx 8.4, 8.0, 8.0, ĐĐGgk 8.0:
    // with ĐĐGck 8.3, (8.4 + 8 + 8 + 16 + 24.9) / 8 = 65.3 / 8 = 8.1625 → 8.2;
    // with ĐĐGck 8.0, (8.4 + 8 + 8 + 16 + 24) / 8 = 64.4 / 8 = 8.05, a true half → 8.1.
    let regular = [score(84), score(80), score(80)];
    let weights = TT22.semester_weights;
    assert_eq!(
        semester_average(&regular, score(80), score(83), weights).to_string(),
        "8.2"
    );
    assert_eq!(
        semester_average(&regular, score(80), score(80), weights).to_string(),
        "8.1"
    );
    // Year: (8.1 + 2·8.3) / 3 = 24.7 / 3 = 8.2333… → 8.2; (7.5 + 2·8.5) / 3 = 8.1666… → 8.2;
    // (8.2 + 2·8.3)/3 = 8.2666… → 8.3.
    let year = |one, two| {
        year_average(
            Average::from_tenths_const(one),
            Average::from_tenths_const(two),
            TT22.year_weights,
        )
        .to_string()
    };
    assert_eq!(year(81, 83), "8.2");
    assert_eq!(year(75, 85), "8.2");
    assert_eq!(year(82, 83), "8.3");
    assert_eq!(
        Average::of_weighted_tenths(825, 10).unwrap().to_string(),
        "8.3"
    );
}

proptest! {
    #[test]
    fn semester_average_is_exact(
        regular in prop::collection::vec(0u16..=100, 2..=4),
        midterm in 0u16..=100,
        final_ in 0u16..=100,
    ) {
        let scores: Vec<Score> = regular.iter().map(|tenths| score(*tenths)).collect();
        let average = semester_average(&scores, score(midterm), score(final_), TT22.semester_weights);
        let numerator: u64 = regular.iter().map(|t| u64::from(*t)).sum::<u64>()
            + 2 * u64::from(midterm) + 3 * u64::from(final_);
        let denominator = regular.len() as u64 + 5;
        prop_assert!(is_half_up(average.tenths(), numerator, denominator));
        prop_assert!(average.tenths() <= 100);
    }

    #[test]
    fn scores_read_from_text_are_exact(whole in 0u16..=10, tenth in 0u16..=9, zeros in 0usize..3) {
        let text = format!("{whole}.{tenth}{}", "0".repeat(zeros));
        let parsed = text.parse::<Score>();
        if whole == 10 && tenth > 0 {
            prop_assert_eq!(parsed.unwrap_err().code(), "score-out-of-range");
        } else {
            prop_assert_eq!(parsed.unwrap().tenths(), whole * 10 + tenth);
        }
    }
}

/// An input whose one scored subject has every score written as `score` (JSON text).
fn input_with_every_score(score: &str) -> Value {
    let semester =
        format!(r#"{{"regular": [{score}, {score}], "midterm": {score}, "final": {score}}}"#);
    let subject = format!(
        r#"{{"code": "toan", "assessment": "scored", "periods_per_year": 35,
            "semesters": [{semester}, {semester}]}}"#
    );
    let mut input = json!({"rule_set": "TT22", "grade": 6, "conduct": ["T", "T"]});
    input["subjects"] = json!([serde_json::from_str::<Value>(&subject).unwrap()]);
    input
}

#[test]
fn every_valid_score_passes_through_json_unchanged() {
    for tenths in 0..=100u16 {
        let written = format!("{}.{}", tenths / 10, tenths % 10);
        let output = assess_json(&input_with_every_score(&written)).expect(&written);
        let expected = format!(r#""semesters":[{written},{written}],"year":{written}}}"#);
        assert!(output.contains(&expected), "{written}: {output}");
        if tenths % 10 == 0 {
            let integer = (tenths / 10).to_string();
            assert!(assess_json(&input_with_every_score(&integer))
                .unwrap()
                .contains(&expected));
        }
    }
}

#[test]
fn every_two_decimal_score_is_refused() {
    for hundredths in (0..=1000u16).filter(|h| h % 10 != 0) {
        let written = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        let error = assess_json(&input_with_every_score(&written)).expect_err(&written);
        assert_eq!(error.code(), "score-too-precise", "{written}");
    }
    for written in ["10.01", "10.1", "11", "-0.1", "1e2"] {
        let error = assess_json(&input_with_every_score(written)).expect_err(written);
        assert_eq!(error.code(), "score-out-of-range", "{written}");
    }
}
