//! The end of the year on the log: summer re-training and re-assessment, the promotion decision
//! the rules must agree with, awards, programme completion, repeating a grade, withdrawal,
//! copies and identity corrections.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{ConductLevel, LearnerCode, SchoolYear};
use ledger_core::domain::{Decision, SigningStatus};
use ledger_core::rules::year::Award;
use serde_json::json;
use support::*;

fn code(text: &str) -> LearnerCode {
    text.parse().unwrap()
}

fn year() -> SchoolYear {
    YEAR.parse().unwrap()
}

#[test]
fn a_good_year_is_promoted_with_the_award_the_rules_give() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_good_learner(&mut w, &c, "10A9", 10, "L2");
    assert_eq!(
        w.ledger.expected_decision(&code("L2"), year()),
        Ok(Decision::Promoted)
    );
    let decided = w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "promoted"})),
    );
    assert_eq!(
        w.ledger.promotion(&code("L2"), year()),
        Some((Decision::Promoted, decided))
    );
    // The deputy is no principal.
    w.refused(
        &c.deputy,
        "award.granted",
        eoy_learner("L2", json!({"award": "good"})),
        "authority-missing",
    );
    let granted = w.ok(
        &c.principal,
        "award.granted",
        eoy_learner("L2", json!({"award": "good"})),
    );
    assert_eq!(
        w.ledger.award(&code("L2"), year()),
        Some((Award::Good, granted))
    );
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn an_excellent_final_year_completes_the_programme() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "12A9", 12, "L2");
    // Conduct K then T: T for the year.
    eoy_record(&mut w, &c, "12A9", "L2", ["9.5"; 6], "Đ", ["K", "T"]);
    eoy_approve(&mut w, &c, "12A9", "L2");
    // Promoted in grade 12 is "completed".
    w.refused(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "promoted"})),
        "promotion-mismatch",
    );
    w.refused(
        &c.principal,
        "programme.completed",
        eoy_learner("L2", json!({})),
        "promotion-not-decided",
    );
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "completed"})),
    );
    w.ok(
        &c.principal,
        "award.granted",
        eoy_learner("L2", json!({"award": "excellent"})),
    );
    let completed = w.ok(
        &c.principal,
        "programme.completed",
        eoy_learner("L2", json!({})),
    );
    assert_eq!(
        w.ledger.programme_completed(&code("L2"), year()),
        Some(completed)
    );
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn summer_retraining_replaces_the_year_conduct_and_the_record_is_signed_again() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    eoy_record(&mut w, &c, "10A9", "L2", ["8"; 6], "Đ", ["T", "CĐ"]);
    eoy_approve(&mut w, &c, "10A9", "L2");
    let before = w.ledger.record_digest(&code("L2"), year()).unwrap();
    // Not attended (nothing recorded): the year conduct stays CĐ, not promoted.
    assert_eq!(
        w.ledger.expected_decision(&code("L2"), year()),
        Ok(Decision::NotPromoted)
    );
    // Only the homeroom teacher records it; a sealed year does not lock it.
    w.ok(
        &c.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "year"}),
    );
    w.refused(
        &c.toan,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "Đ"})),
        "authority-missing",
    );
    w.refused(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "X"})),
        "assessment-value-invalid",
    );
    w.ok(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "CĐ"})),
    );
    w.ok(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "Đ"})),
    );
    assert_eq!(
        w.ledger.summer_conduct(&code("L2"), year()),
        Some(ConductLevel::Pass)
    );
    // The change cleared the approval; the digest now carries the summer result.
    assert_eq!(
        w.ledger.signing_status(&code("L2"), year()),
        SigningStatus::Unsigned
    );
    assert_ne!(w.ledger.record_digest(&code("L2"), year()), Some(before));
    w.refused(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "promoted"})),
        "record-not-approved",
    );
    eoy_approve(&mut w, &c, "10A9", "L2");
    w.refused(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "not_promoted"})),
        "promotion-mismatch",
    );
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "promoted"})),
    );
    // No award after summer; nothing more in summer once decided.
    w.refused(
        &c.principal,
        "award.granted",
        eoy_learner("L2", json!({"award": "good"})),
        "award-not-allowed",
    );
    w.refused(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "T"})),
        "promotion-already-decided",
    );
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn reassessment_of_the_subjects_the_rules_name_decides_promotion() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    eoy_class(&mut w, &c, "10A8", 10, "L3");
    for (class, learner) in [("10A9", "L2"), ("10A8", "L3")] {
        eoy_record(
            &mut w,
            &c,
            class,
            learner,
            ["3", "3", "8", "8", "8", "8"],
            "Đ",
            ["T", "T"],
        );
    }
    // Re-training is not for a learner whose conduct passed.
    w.refused(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "T"})),
        "summer-training-not-required",
    );
    w.refused(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "toan", "value": "6.25"})),
        "assessment-value-invalid",
    );
    w.refused(
        &c.gdtc,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "gdtc", "value": "Đ"})),
        "reassessment-not-required",
    );
    // L2 passes both re-assessments; L3 only one.
    w.ok(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "toan", "value": "6"})),
    );
    w.ok(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "van", "value": "6.5"})),
    );
    w.ok(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A8", "L3", json!({"subject": "toan", "value": "7"})),
    );
    let reassessed = w.ledger.reassessments(&code("L2"), year());
    assert_eq!(reassessed.len(), 2);
    assert_eq!(
        w.ledger.expected_decision(&code("L2"), year()),
        Ok(Decision::Promoted)
    );
    assert_eq!(
        w.ledger.expected_decision(&code("L3"), year()),
        Ok(Decision::NotPromoted)
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
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn a_learner_not_promoted_repeats_the_grade_next_year() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    eoy_record(&mut w, &c, "10A9", "L2", ["8"; 6], "Đ", ["CĐ", "CĐ"]);
    eoy_approve(&mut w, &c, "10A9", "L2");
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner("L2", json!({"outcome": "not_promoted"})),
    );
    // Next year: grade 10 again, a new record where nothing carries over.
    let next = "2027-2028";
    w.ok(
        &c.principal,
        "class.opened",
        json!({"school": SCHOOL, "school_year": next, "class": "10A1",
        "grade": 10, "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 105}]}),
    );
    w.ok(
        &c.clerk,
        "learner.enrolled",
        json!({"school": SCHOOL, "school_year": next, "class": "10A1", "learner": "L2"}),
    );
    let next: SchoolYear = next.parse().unwrap();
    assert!(w.ledger.enrolment(&code("L2"), next).is_some());
    assert_eq!(w.ledger.promotion(&code("L2"), next), None);
    assert_eq!(w.ledger.summer_conduct(&code("L2"), next), None);
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn withdrawal_closes_the_enrolment() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let learner = code(LEARNER);
    w.refused(
        &c.clerk,
        "learner.withdrawn",
        json!({"learner": LEARNER, "school": SCHOOL, "school_year": YEAR}),
        "reason-missing",
    );
    w.refused(
        &c.toan,
        "learner.withdrawn",
        json!({"learner": LEARNER, "school": SCHOOL, "school_year": YEAR, "reason": "Chuyển vùng"}),
        "authority-missing",
    );
    let at = w.ok(&c.clerk, "learner.withdrawn", json!({"learner": LEARNER, "school": SCHOOL, "school_year": YEAR, "reason": "Gia đình chuyển vùng"}));
    assert_eq!(
        w.ledger.withdrawal(&learner, year()),
        Some((at, "Gia đình chuyển vùng"))
    );
    assert_eq!(w.ledger.enrolment(&learner, year()), None);
    assert_eq!(w.ledger.custodian(&learner), None);
    let error = w.refused(
        &c.toan,
        "assessment.recorded",
        grade("toan", 1, "final", None, "8"),
        "learner-not-enrolled",
    );
    assert!(error.to_string().contains("thôi học"), "{error}");
    w.refused(
        &c.clerk,
        "learner.withdrawn",
        json!({"learner": LEARNER, "school": SCHOOL, "school_year": YEAR, "reason": "Lần nữa"}),
        "learner-not-enrolled",
    );
    // The learner returns in the same year.
    w.ok(
        &c.clerk,
        "learner.enrolled",
        class_ref(json!({"learner": LEARNER})),
    );
    assert!(w.ledger.enrolment(&learner, year()).is_some());
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn copies_are_logged_with_their_own_id_and_the_digest_they_reflect() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    eoy_record(&mut w, &c, "10A9", "L2", ["8"; 6], "Đ", ["T", "T"]);
    let digest = w.ledger.record_digest(&code("L2"), year()).unwrap();
    let copy = eoy_learner(
        "L2",
        json!({"copy_id": "BS-1", "kind": "copy", "record_digest": digest.to_string(), "requester": "Cha mẹ học sinh"}),
    );
    w.refused(&c.clerk, "copy.issued", copy.clone(), "record-not-approved");
    eoy_approve(&mut w, &c, "10A9", "L2");
    w.refused(&c.toan, "copy.issued", copy.clone(), "authority-missing");
    w.refused(
        &c.other_principal,
        "copy.issued",
        copy.clone(),
        "authority-out-of-scope",
    );
    let mut bad = copy.clone();
    bad["kind"] = json!("photo");
    w.refused(&c.clerk, "copy.issued", bad, "payload-invalid");
    let at = w.ok(&c.clerk, "copy.issued", copy);
    let (learner, school_year, kind, found, requester, index) =
        w.ledger.copy(&"BS-1".parse().unwrap()).unwrap();
    assert_eq!(
        (
            learner.as_str(),
            school_year,
            kind.as_str(),
            found,
            requester,
            index
        ),
        ("L2", year(), "copy", digest, "Cha mẹ học sinh", at)
    );
    w.ok(&c.principal, "copy.issued", eoy_learner("L2", json!({"copy_id": "TL-1", "kind": "extract", "record_digest": digest.to_string(), "requester": "Đại học Bách khoa"})));
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn identity_corrections_keep_the_history_and_the_learner_code() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let learner = code(LEARNER);
    let new = "a".repeat(64);
    let payload = json!({"learner": LEARNER, "school": SCHOOL, "identity_commitment": new, "reason": "Cải chính họ tên"});
    w.refused(
        &c.other_principal,
        "identity.corrected",
        payload.clone(),
        "authority-out-of-scope",
    );
    let mut no_reason = payload.clone();
    no_reason.as_object_mut().unwrap().remove("reason");
    w.refused(&c.clerk, "identity.corrected", no_reason, "reason-missing");
    let at = w.ok(&c.clerk, "identity.corrected", payload.clone());
    assert_eq!(
        w.ledger.identity_commitment(&learner).unwrap().to_string(),
        new
    );
    let history = w.ledger.identity_history(&learner);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].0.to_string(), COMMITMENT);
    assert_eq!(
        (history[0].1, history[0].2.as_str()),
        (at, "Cải chính họ tên")
    );
    w.refused(
        &c.clerk,
        "identity.corrected",
        payload,
        "identity-unchanged",
    );
    assert_eq!(
        w.ledger
            .enrolment(&learner, year())
            .map(|(s, _)| s.as_str()),
        Some(SCHOOL)
    );
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn a_learner_failing_both_is_reassessed_after_passing_summer_retraining() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_class(&mut w, &c, "10A9", 10, "L2");
    // Summer results need the whole year first.
    w.refused(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "Đ"})),
        "record-incomplete",
    );
    eoy_record(
        &mut w,
        &c,
        "10A9",
        "L2",
        ["3", "3", "8", "8", "8", "8"],
        "Đ",
        ["CĐ", "CĐ"],
    );
    // Re-assessment follows a passing summer re-training (option reassess_after_summer_training).
    let toan = eoy_ref("10A9", "L2", json!({"subject": "toan", "value": "7"}));
    w.refused(
        &c.toan,
        "summer.reassessment_recorded",
        toan.clone(),
        "reassessment-not-required",
    );
    w.ok(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "CĐ"})),
    );
    w.refused(
        &c.toan,
        "summer.reassessment_recorded",
        toan.clone(),
        "reassessment-not-required",
    );
    w.ok(
        &c.homeroom,
        "summer.conduct_recorded",
        eoy_ref("10A9", "L2", json!({"value": "Đ"})),
    );
    w.ok(&c.toan, "summer.reassessment_recorded", toan);
    assert_eq!(
        w.ledger.expected_decision(&code("L2"), year()),
        Ok(Decision::NotPromoted)
    );
    w.ok(
        &c.toan,
        "summer.reassessment_recorded",
        eoy_ref("10A9", "L2", json!({"subject": "van", "value": "5"})),
    );
    assert_eq!(
        w.ledger.expected_decision(&code("L2"), year()),
        Ok(Decision::Promoted)
    );
    assert_eq!(w.rebuild(), w.ledger);
}
