//! Every refusal of the rules, each with its stable code and a message naming where the problem
//! is; together they must cover `ERROR_CODES` exactly.

use std::collections::{BTreeMap, BTreeSet};

use ledger_core::rules::assess::assess_json;
use ledger_core::rules::level::{CommentResult, Level};
use ledger_core::rules::score::Score;
use ledger_core::rules::subject::{
    Assessments, ScoredSemester, Subject, SubjectCode, SubjectValue,
};
use ledger_core::rules::tt22::TT22;
use ledger_core::rules::year::{LearnerYear, Summer};
use ledger_core::rules::ERROR_CODES;
use serde_json::{json, Value};

/// A valid grade 8 input: one scored subject with 140 periods (4 ĐĐGtx) and one commented.
fn valid() -> Value {
    let scored = json!({"regular": [8, 7.5, 9, 6], "midterm": 7, "final": 8.5});
    let commented = json!({"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"});
    json!({
        "rule_set": "TT22", "grade": 8,
        "subjects": [
            {"code": "toan", "assessment": "scored", "periods_per_year": 140,
             "semesters": [scored.clone(), scored]},
            {"code": "gdtc", "assessment": "commented", "periods_per_year": 70,
             "semesters": [commented.clone(), commented]}
        ],
        "conduct": ["T", "K"], "absent_sessions": 3
    })
}

/// `valid()` changed by `edit`, which must be refused with `code` and a message containing
/// every one of `mentions`.
fn refused(edit: impl FnOnce(&mut Value), code: &str, mentions: &[&str]) -> &'static str {
    let mut input = valid();
    edit(&mut input);
    let error = assess_json(&input).expect_err(code);
    let message = error.to_string();
    assert_eq!(error.code(), code, "{message}");
    for mention in mentions {
        assert!(
            message.contains(mention),
            "{code}: {message:?} lacks {mention:?}"
        );
    }
    ERROR_CODES
        .iter()
        .find(|known| **known == code)
        .unwrap_or_else(|| panic!("{code} is not in ERROR_CODES"))
}

#[test]
fn the_valid_input_is_accepted() {
    assert!(assess_json(&valid()).is_ok());
}

#[test]
fn every_refusal_has_its_code_and_names_the_place() {
    let mut seen = BTreeSet::new();
    let mut case = |edit: &dyn Fn(&mut Value), code: &str, mentions: &[&str]| {
        seen.insert(refused(edit, code, mentions));
    };

    case(
        &|i| i["subjects"][0]["semesters"][0]["regular"][2] = json!(10.5),
        "score-out-of-range",
        &["môn toan", "học kì I", "ĐĐGtx thứ 3", "10.5"],
    );
    case(
        &|i| i["subjects"][0]["semesters"][1]["final"] = json!(-1),
        "score-out-of-range",
        &["môn toan", "học kì II", "ĐĐGck"],
    );
    case(
        &|i| i["subjects"][0]["semesters"][1]["midterm"] = json!(8.25),
        "score-too-precise",
        &["môn toan", "học kì II", "ĐĐGgk", "8.25"],
    );
    case(
        &|i| i["subjects"][0]["semesters"][0]["midterm"] = json!("Đ"),
        "score-not-a-number",
        &["môn toan", "ĐĐGgk"],
    );
    case(
        &|i| i["subjects"][0]["semesters"][0]["regular"] = json!([8, 7, 9]),
        "regular-count-wrong",
        &["môn toan", "học kì I", "3", "4"],
    );
    case(
        &|i| i["subjects"][0]["periods_per_year"] = json!(52),
        "regular-count-wrong",
        &["môn toan", "3"],
    );
    case(
        &|i| i["subjects"][1]["semesters"][1]["regular"] = json!(["Đ"]),
        "regular-count-wrong",
        &["môn gdtc", "học kì II"],
    );
    case(
        &|i| i["subjects"][1]["semesters"][0]["final"] = json!("T"),
        "level-unknown",
        &["môn gdtc", "học kì I", "ĐĐGck", "\"T\""],
    );
    case(
        &|i| i["conduct"][1] = json!("Tốt"),
        "level-unknown",
        &["rèn luyện", "học kì II"],
    );
    case(
        &|i| i["summer"] = json!({"conduct": "X"}),
        "level-unknown",
        &["hè"],
    );
    case(
        &|i| {
            i["subjects"][0]["semesters"].as_array_mut().unwrap().pop();
        },
        "semester-missing",
        &["môn toan", "học kì II"],
    );
    case(
        &|i| i["subjects"][1]["semesters"] = json!([]),
        "semester-missing",
        &["môn gdtc"],
    );
    case(
        &|i| {
            let extra = i["subjects"][0]["semesters"][0].clone();
            i["subjects"][0]["semesters"]
                .as_array_mut()
                .unwrap()
                .push(extra);
        },
        "semester-extra",
        &["môn toan", "3"],
    );
    case(
        &|i| {
            i["subjects"][0]["semesters"][0]
                .as_object_mut()
                .unwrap()
                .remove("midterm");
        },
        "assessment-missing",
        &["môn toan", "học kì I", "ĐĐGgk"],
    );
    case(
        &|i| i["subjects"][0]["semesters"][1]["final"] = Value::Null,
        "assessment-missing",
        &["môn toan", "học kì II", "ĐĐGck"],
    );
    case(
        &|i| {
            i["subjects"][1]["semesters"][1]
                .as_object_mut()
                .unwrap()
                .remove("final");
        },
        "assessment-missing",
        &["môn gdtc", "học kì II"],
    );
    case(
        &|i| i["subjects"][0]["periods_per_year"] = json!(0),
        "periods-invalid",
        &["môn toan"],
    );
    case(
        &|i| {
            i["subjects"][0]
                .as_object_mut()
                .unwrap()
                .remove("periods_per_year");
        },
        "periods-invalid",
        &["môn toan"],
    );
    case(
        &|i| i["subjects"][0]["assessment"] = json!("graded"),
        "assessment-kind-unknown",
        &["môn toan", "graded"],
    );
    case(
        &|i| i["subjects"][0]["code"] = json!(""),
        "subject-code-invalid",
        &["#1"],
    );
    case(
        &|i| i["subjects"][1]["code"] = json!("toan"),
        "subject-duplicate",
        &["toan"],
    );
    case(
        &|i| {
            let subject = i["subjects"][1].clone();
            let list = i["subjects"].as_array_mut().unwrap();
            for n in 0..64 {
                let mut subject = subject.clone();
                subject["code"] = json!(format!("mon_{n}"));
                list.push(subject);
            }
        },
        "subjects-too-many",
        &["66"],
    );
    case(
        &|i| i["summer"] = json!({"reassessment": {"sinh_hoc": 6}}),
        "subject-unknown",
        &["sinh_hoc"],
    );
    case(
        &|i| i["summer"] = json!({"reassessment": {"toan": 6}}),
        "reassessment-not-eligible",
        &["toan"],
    );
    case(
        &|i| i["conduct"] = json!(["T"]),
        "conduct-count-wrong",
        &["1"],
    );
    case(
        &|i| {
            i.as_object_mut().unwrap().remove("conduct");
        },
        "conduct-count-wrong",
        &["0"],
    );
    case(
        &|i| i["absent_sessions"] = json!(-2),
        "absent-sessions-invalid",
        &["-2"],
    );
    case(
        &|i| i["absent_sessions"] = json!(2.5),
        "absent-sessions-invalid",
        &["2.5"],
    );
    case(&|i| i["grade"] = json!(13), "grade-out-of-range", &["13"]);
    case(
        &|i| i["grade"] = json!(5),
        "rule-set-not-applicable",
        &["TT22", "5"],
    );
    case(
        &|i| i["school_year"] = json!("2022-2023"),
        "rule-set-not-applicable",
        &["lớp 8", "2022-2023"],
    );
    case(
        &|i| i["school_year"] = json!("2024"),
        "school-year-invalid",
        &["2024"],
    );
    case(
        &|i| i["rule_set"] = json!("TT99"),
        "rule-set-unknown",
        &["TT99"],
    );
    case(
        &|i| i["rule_set"] = json!("TT58"),
        "rule-set-unsupported",
        &["TT58"],
    );
    case(
        &|i| i["options"] = json!({"three_level_drop": "up"}),
        "option-invalid",
        &["three_level_drop"],
    );
    case(
        &|i| i["options"] = json!({"lenient": true}),
        "option-invalid",
        &["lenient"],
    );
    case(&|i| *i = json!([]), "input-malformed", &["object"]);
    case(
        &|i| i["subjects"] = json!({}),
        "input-malformed",
        &["subjects"],
    );
    case(
        &|i| i["subjects"][0]["semesters"][0]["regular"] = json!(8),
        "input-malformed",
        &["toan", "regular"],
    );

    // Not reachable from the JSON format, which reads a re-assessment result by the subject's
    // kind; reachable from the API.
    let semester = |tenths| ScoredSemester {
        regular: vec![Score::from_tenths(tenths).unwrap(); 2],
        midterm: Score::from_tenths(tenths).unwrap(),
        final_: Score::from_tenths(tenths).unwrap(),
    };
    let toan = SubjectCode::new("toan").unwrap();
    let subject = Subject::new(
        toan.clone(),
        Assessments::Scored {
            periods_per_year: 35,
            semesters: [semester(20), semester(20)],
        },
        &TT22,
    )
    .unwrap();
    let summer = Summer {
        conduct: None,
        reassessment: BTreeMap::from([(toan, SubjectValue::Comment(CommentResult::Dat))]),
    };
    let error = LearnerYear::new(vec![subject], [Level::Tot; 2], 0, Some(summer)).unwrap_err();
    assert_eq!(error.code(), "reassessment-kind-wrong");
    assert!(error.to_string().contains("toan"));
    seen.insert("reassessment-kind-wrong");

    let all: BTreeSet<&str> = ERROR_CODES.iter().copied().collect();
    assert_eq!(
        seen, all,
        "every code has a case, and every case's code is listed"
    );
    let mut sorted = ERROR_CODES.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, ERROR_CODES, "ERROR_CODES is sorted");
}
