//! The transcript and audit trail after the end of the year: before- and after-summer values,
//! the decision and award, withdrawal, copies and identity corrections; incremental
//! observation equal to a rebuild.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{LearnerCode, SchoolYear};
use ledger_core::projection::{AuditSubject, Transcript};
use serde_json::{json, Value};
use support::*;

fn year() -> SchoolYear {
    YEAR.parse().unwrap()
}

fn year_json(transcript: &Transcript) -> Value {
    transcript.year(year()).expect("the year").to_json()
}

#[test]
fn reassessment_shows_before_and_after_summer_and_the_decision() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    eoy_record(
        &mut w,
        &c,
        "10A9",
        "L2",
        ["3", "3", "8", "8", "8", "8"],
        "Đ",
        ["T", "T"],
    );
    let learner: LearnerCode = "L2".parse().unwrap();
    let before = year_json(&w.checked_projections().transcript(&learner).unwrap());
    assert_eq!(before["learning"]["year"], json!("CĐ"));
    assert_eq!(before["outcome"], json!("reassessment"));
    assert_eq!(before["reassess_subjects"], json!(["toan", "van"]));
    assert_eq!(before["summer"]["after"], Value::Null);

    let toan = w.ok(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "toan", "value": "6"})),
    );
    w.ok(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "van", "value": "6.5"})),
    );
    eoy_approve(&mut w, &c, "10A9", "L2");
    let decided = w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "promoted"})),
    );
    let projections = w.checked_projections();
    let after = year_json(&projections.transcript(&learner).unwrap());
    // Before summer stays as it was; after summer is the rules' recomputation: 6.0, 6.5 and
    // four 8.0 are Đạt (only five averages reach 6.5, Khá needs six).
    assert_eq!(after["learning"]["year"], json!("CĐ"));
    assert_eq!(after["outcome"], json!("reassessment"));
    assert_eq!(after["summer"]["conduct"], Value::Null);
    assert_eq!(
        after["summer"]["reassessments"][0],
        json!({"subject": "toan", "value": "6.0", "at": toan})
    );
    assert_eq!(
        after["summer"]["after"],
        json!({"conduct": "T", "learning": "Đ", "outcome": "promoted"})
    );
    assert_eq!(
        after["decision"],
        json!({"outcome": "promoted", "index": decided})
    );
    assert_eq!(after["award_granted"], Value::Null);
    // The re-assessment is in the grade's audit trail.
    let trail = projections.audit(&AuditSubject::Grade {
        learner: learner.clone(),
        school_year: year(),
        subject: "toan".parse().unwrap(),
    });
    assert!(trail.indexes().contains(&toan));
    assert!(projections
        .audit(&AuditSubject::Learner(learner))
        .indexes()
        .contains(&decided));
}

#[test]
fn summer_retraining_and_a_learner_who_did_not_attend() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    eoy_class(&mut w, &c, "10A8", 10, "L3");
    eoy_record(&mut w, &c, "10A9", "L2", ["8"; 6], "Đ", ["T", "CĐ"]);
    eoy_record(&mut w, &c, "10A8", "L3", ["8"; 6], "Đ", ["T", "CĐ"]);
    w.ok(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "K"})),
    );
    eoy_approve(&mut w, &c, "10A9", "L2");
    eoy_approve(&mut w, &c, "10A8", "L3");
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "promoted"})),
    );
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L3", json!({"outcome": "not_promoted"})),
    );
    let projections = w.checked_projections();
    let l2 = year_json(&projections.transcript(&"L2".parse().unwrap()).unwrap());
    assert_eq!(l2["conduct"]["year"], json!("CĐ"));
    assert_eq!(l2["outcome"], json!("summer_training"));
    assert_eq!(l2["summer"]["conduct"], json!("K"));
    assert_eq!(
        l2["summer"]["after"],
        json!({"conduct": "K", "learning": "T", "outcome": "promoted"})
    );
    let l3 = year_json(&projections.transcript(&"L3".parse().unwrap()).unwrap());
    assert_eq!(
        l3["summer"]["after"],
        json!({"conduct": "CĐ", "learning": "T", "outcome": "not_promoted"})
    );
    assert_eq!(l3["decision"]["outcome"], json!("not_promoted"));
}

#[test]
fn awards_completion_copies_and_identity_corrections_are_listed() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_good_learner(&mut w, &c, "12A9", 12, "L2");
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "completed"})),
    );
    let award = w.ok(
        &c.principal,
        "award.granted",
        eoy_learner("L2", json!({"award": "good"})),
    );
    let completed = w.ok(
        &c.principal,
        "programme.completed",
        eoy_learner("L2", json!({})),
    );
    let digest = w
        .ledger
        .record_digest(&"L2".parse().unwrap(), year())
        .unwrap();
    let copy = w.ok(&c.clerk, "copy.issued", eoy_learner("L2", json!({"copy_id": "TL-7", "kind": "extract", "record_digest": digest.to_string(), "requester": "Đại học Quốc gia"})));
    let corrected = w.ok(&c.clerk, "identity.corrected", json!({"learner": "L2", "school": SCHOOL, "identity_commitment": "b".repeat(64), "reason": "Cải chính ngày sinh"}));
    let projections = w.checked_projections();
    let learner: LearnerCode = "L2".parse().unwrap();
    let transcript = projections.transcript(&learner).unwrap();
    let json = transcript.to_json();
    let year = &json["years"][0];
    assert_eq!(year["award"], json!("good"));
    assert_eq!(
        year["award_granted"],
        json!({"award": "good", "index": award})
    );
    assert_eq!(year["programme_completed"], json!(completed));
    assert_eq!(json["copies"][0]["copy_id"], json!("TL-7"));
    assert_eq!(json["copies"][0]["kind"], json!("extract"));
    assert_eq!(
        json["copies"][0]["record_digest"],
        json!(digest.to_string())
    );
    assert_eq!(json["copies"][0]["index"], json!(copy));
    assert_eq!(
        json["identity_corrections"],
        json!([{"index": corrected, "reason": "Cải chính ngày sinh"}])
    );
    let trail = projections.audit(&AuditSubject::Learner(learner));
    assert!(trail.indexes().contains(&copy));
    let entry = trail
        .entries
        .iter()
        .find(|entry| entry.index == corrected)
        .unwrap();
    assert_eq!(entry.reason.as_deref(), Some("Cải chính ngày sinh"));
}

#[test]
fn a_withdrawal_closes_the_enrolment_in_the_transcript() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let at = w.ok(
        &c.clerk,
        "learner.withdrawn",
        json!({"learner": LEARNER, "school": SCHOOL, "school_year": YEAR, "reason": "Chuyển vùng"}),
    );
    let projections = w.checked_projections();
    let json = year_json(&projections.transcript(&LEARNER.parse().unwrap()).unwrap());
    assert_eq!(
        json["enrolments"][0]["withdrawn"],
        json!({"index": at, "reason": "Chuyển vùng"})
    );
    assert!(json["signing"]["remaining"]
        .as_array()
        .unwrap()
        .contains(&json!("confirm_subjects")));
}
