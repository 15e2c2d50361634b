//! A small school year end to end, as given events → when → then, with real signatures.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{
    AssessmentKind, AssessmentValue, ConductLevel, LearnerCode, SchoolYear, Semester, SubjectCode,
    Tenths, Term, UnitCode,
};
use ledger_core::domain::{ClassKey, SigningStatus};
use serde_json::json;
use support::*;

fn learner() -> LearnerCode {
    LEARNER.parse().unwrap()
}
fn year() -> SchoolYear {
    YEAR.parse().unwrap()
}
fn toan() -> SubjectCode {
    "toan".parse().unwrap()
}
fn school() -> UnitCode {
    SCHOOL.parse().unwrap()
}
fn class_key() -> ClassKey {
    ClassKey {
        school: school(),
        school_year: year(),
        class: CLASS.parse().unwrap(),
    }
}
fn score(text: &str) -> AssessmentValue {
    AssessmentValue::Scored(Tenths::parse(text).unwrap())
}

#[test]
fn a_school_year_from_grants_to_approval() {
    // Given: Ministry → Sở → principal → teachers, class opened, learner enrolled.
    let cast = Cast::new();
    let mut world = school_year(&cast);
    assert_eq!(world.ledger.custodian(&learner()), Some(&school()));

    // When: semester 1 is recorded and the mathematics teacher confirms it.
    record_semester(&mut world, &cast, 1);
    let midterm = world
        .ledger
        .assessment(
            &learner(),
            year(),
            &toan(),
            Semester::First,
            AssessmentKind::Midterm,
            0,
        )
        .unwrap();
    assert_eq!(midterm.0, score("7.5"));
    world.ok(
        &cast.toan,
        "subject.confirmed",
        class_ref(json!({"subject": "toan", "semester": 1})),
    );
    assert!(world
        .ledger
        .is_confirmed(&class_key(), &toan(), Semester::First));

    // Then: an ordinary edit is refused...
    world.refused(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "midterm", None, "8.0"),
        "subject-confirmed",
    );
    // ...while the unconfirmed subject can still be edited.
    world.ok(
        &cast.gdtc,
        "assessment.recorded",
        grade("gdtc", 1, "final", None, "Đ"),
    );

    // When: a correction is requested, citing the mid-term event, and approved.
    let request = world.ok(&cast.toan, "correction.requested", json!({
        "target": midterm.1, "value": "8.0", "reason": "Nhập nhầm điểm giữa kỳ (bài thi ghi 8,0)",
    }));
    // The correction takes effect only when approved.
    assert_eq!(
        world
            .ledger
            .assessment(
                &learner(),
                year(),
                &toan(),
                Semester::First,
                AssessmentKind::Midterm,
                0
            )
            .unwrap()
            .0,
        score("7.5")
    );
    let approval = world.ok(
        &cast.principal,
        "correction.approved",
        json!({"request": request}),
    );
    let corrected = world
        .ledger
        .assessment(
            &learner(),
            year(),
            &toan(),
            Semester::First,
            AssessmentKind::Midterm,
            0,
        )
        .unwrap();
    assert_eq!(corrected, (score("8.0"), approval));
    assert_eq!(
        world.ledger.correction_count(&learner(), year(), &toan()),
        1
    );
    // The old version stays visible: two versions.
    assert_eq!(
        world.ledger.assessment_version_count(
            &learner(),
            year(),
            &toan(),
            Semester::First,
            AssessmentKind::Midterm,
            0
        ),
        2
    );

    // When: the principal seals semester 1.
    world.ok(
        &cast.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
    );
    assert!(world
        .ledger
        .is_sealed(&school(), year(), Term::Semester(Semester::First)));
    world.refused(
        &cast.gdtc,
        "assessment.recorded",
        grade("gdtc", 1, "final", None, "CĐ"),
        "term-sealed",
    );
    world.refused(
        &cast.homeroom,
        "conduct.recorded",
        conduct(1, "K"),
        "term-sealed",
    );

    // When: the principal reopens it with a reason; data entry resumes (and confirmations
    // are lifted, so mathematics must be confirmed again).
    world.refused(
        &cast.principal,
        "term.reopened",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
        "reason-missing",
    );
    world.ok(
        &cast.principal,
        "term.reopened",
        json!({
            "school": SCHOOL, "school_year": YEAR, "term": "semester_1",
            "reason": "Sở GDĐT yêu cầu bổ sung kết quả rèn luyện",
        }),
    );
    assert!(!world
        .ledger
        .is_sealed(&school(), year(), Term::Semester(Semester::First)));
    assert!(!world
        .ledger
        .is_confirmed(&class_key(), &toan(), Semester::First));
    assert_eq!(world.ledger.reopening_count(), 1);
    world.ok(&cast.homeroom, "conduct.recorded", conduct(1, "K"));
    assert_eq!(
        world.ledger.conduct(&learner(), year(), Semester::First),
        Some(ConductLevel::Fair)
    );

    // Semester 2, absences, then the whole year is sealed.
    record_semester(&mut world, &cast, 2);
    world.ok(
        &cast.homeroom,
        "absence.recorded",
        class_ref(json!({"learner": LEARNER, "semester": 2, "excused": 3, "unexcused": 1})),
    );
    assert_eq!(
        world.ledger.absences(&learner(), year(), Semester::Second),
        Some((3, 1))
    );

    // The subject teachers confirm both semesters (mathematics again for semester 1, since the
    // reopening lifted its confirmation); the homeroom teacher signs off; the principal
    // approves the digest of the record.
    confirm_semester(&mut world, &cast, 1);
    confirm_semester(&mut world, &cast, 2);
    assert!(world
        .ledger
        .is_confirmed(&class_key(), &toan(), Semester::First));
    world.ok(
        &cast.homeroom,
        "learner.signed_off",
        class_ref(json!({"learner": LEARNER})),
    );
    assert_eq!(
        world.ledger.signing_status(&learner(), year()),
        SigningStatus::SignedOff
    );
    let digest = world.ledger.record_digest(&learner(), year()).unwrap();
    world.ok(
        &cast.principal,
        "approval.signed",
        json!({
            "school": SCHOOL, "school_year": YEAR,
            "entries": [{"learner": LEARNER, "record_digest": digest.to_string()}],
        }),
    );
    assert_eq!(
        world.ledger.signing_status(&learner(), year()),
        SigningStatus::Approved(digest)
    );
    world.ok(
        &cast.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "year"}),
    );
    world.refused(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 2, "final", None, "10"),
        "term-sealed",
    );

    // A correction after approval produces a new version and sends the record back for
    // signing; the old approval no longer matches.
    let final_2 = world
        .ledger
        .assessment(
            &learner(),
            year(),
            &toan(),
            Semester::Second,
            AssessmentKind::Final,
            0,
        )
        .unwrap();
    let request = world.ok(
        &cast.toan,
        "correction.requested",
        json!({"target": final_2.1, "value": "9.5", "reason": "Phúc khảo bài thi cuối kỳ"}),
    );
    world.ok(
        &cast.principal,
        "correction.approved",
        json!({"request": request}),
    );
    assert_eq!(
        world.ledger.correction_count(&learner(), year(), &toan()),
        2
    );
    assert_eq!(
        world.ledger.signing_status(&learner(), year()),
        SigningStatus::Unsigned
    );
    assert_ne!(world.ledger.record_digest(&learner(), year()), Some(digest));

    // Replaying the log from scratch gives the same state.
    assert_eq!(world.rebuild(), world.ledger);
}

#[test]
fn a_key_revoked_at_n_signs_nothing_after_n_and_keeps_what_it_signed_before() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    let before = world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "regular", Some(1), "6.5"),
    );

    let revoked_at = world.ok(
        &cast.principal,
        "authority.revoked",
        json!({"grant_id": "gv-toan", "reason": "Khóa bị mất (lost key)"}),
    );
    assert!(revoked_at > before);
    let error = world.refused(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "regular", Some(2), "7"),
        "authority-revoked",
    );
    assert!(error.to_string().contains(&revoked_at.to_string()));
    // What it signed before stays in the state.
    assert_eq!(
        world.ledger.assessment(
            &learner(),
            year(),
            &toan(),
            Semester::First,
            AssessmentKind::Regular,
            1
        ),
        Some((score("6.5"), before))
    );

    // The lost key is replaced: grant a new key and assign it; it takes over.
    let new_key = Actor::new("gv-toan-new");
    world.ok(
        &cast.principal,
        "authority.granted",
        grant(
            "gv-toan-2",
            &new_key,
            "gv_bo_mon",
            SCHOOL,
            "2026-09-01",
            Some("2027-07-31"),
        ),
    );
    world.ok(
        &cast.principal,
        "teacher.assigned",
        class_ref(json!({"duty": "subject", "subject": "toan", "teacher": new_key.b64()})),
    );
    world.ok(
        &new_key,
        "assessment.recorded",
        grade("toan", 1, "regular", Some(2), "7"),
    );
    world.refused(
        &cast.principal,
        "authority.revoked",
        json!({"grant_id": "gv-toan", "reason": "again"}),
        "grant-already-revoked",
    );

    // Grants the principal made stay valid after the principal's own grant is revoked.
    world.ok(
        &cast.so,
        "authority.revoked",
        json!({"grant_id": "ht-701", "reason": "Nghỉ hưu"}),
    );
    world.ok(
        &new_key,
        "assessment.recorded",
        grade("toan", 1, "regular", Some(3), "7"),
    );
    world.refused(
        &cast.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
        "authority-revoked",
    );

    assert_eq!(world.rebuild(), world.ledger);
}

#[test]
fn validity_periods_are_days_in_vietnam_time() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    // The teachers' grants run until 2027-07-31 inclusive, Vietnam time.
    // 2027-07-31T23:59:59+07:00 is still valid.
    let last_second_us = 1_817_053_199_000_000;
    world.now_us = last_second_us;
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 2, "regular", Some(1), "5"),
    );
    world.now_us = last_second_us + 1_000_000;
    world.refused(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 2, "regular", Some(2), "5"),
        "authority-expired",
    );

    // A grant starting in the future is not valid yet.
    let mut world = school_year(&cast);
    let late = Actor::new("gv-late");
    world.ok(
        &cast.principal,
        "authority.granted",
        grant("gv-late", &late, "gv_bo_mon", SCHOOL, "2026-10-01", None),
    );
    world.refused(
        &cast.principal,
        "teacher.assigned",
        class_ref(json!({"duty": "subject", "subject": "toan", "teacher": late.b64()})),
        "assignee-authority-missing",
    );
    world.advance_days(30);
    world.ok(
        &cast.principal,
        "teacher.assigned",
        class_ref(json!({"duty": "subject", "subject": "toan", "teacher": late.b64()})),
    );
}

#[test]
fn a_transfer_gives_the_receiving_school_the_record() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "midterm", None, "6"),
    );
    world.ok(
        &cast.other_principal,
        "class.opened",
        json!({
            "school": OTHER_SCHOOL, "school_year": YEAR, "class": "10B2", "grade": 10,
            "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 105}],
        }),
    );
    let transfer_in = json!({"learner": LEARNER, "school": OTHER_SCHOOL, "school_year": YEAR, "class": "10B2", "from_school": SCHOOL});
    world.refused(
        &cast.other_principal,
        "learner.transferred_in",
        transfer_in.clone(),
        "transfer-out-missing",
    );
    world.ok(
        &cast.principal,
        "learner.transferred_out",
        json!({
            "learner": LEARNER, "school": SCHOOL, "school_year": YEAR, "to_school": OTHER_SCHOOL,
            "reason": "Gia đình chuyển nơi ở",
        }),
    );
    assert_eq!(world.ledger.custodian(&learner()), None);
    world.refused(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "final", None, "6"),
        "learner-not-enrolled",
    );
    world.ok(
        &cast.other_principal,
        "learner.transferred_in",
        transfer_in.clone(),
    );
    assert_eq!(
        world.ledger.custodian(&learner()),
        Some(&OTHER_SCHOOL.parse().unwrap())
    );
    world.refused(
        &cast.other_principal,
        "learner.transferred_in",
        transfer_in,
        "transfer-out-missing",
    );
    // The earlier result travels with the record.
    assert!(world
        .ledger
        .assessment(
            &learner(),
            year(),
            &toan(),
            Semester::First,
            AssessmentKind::Midterm,
            0
        )
        .is_some());
    assert_eq!(world.rebuild(), world.ledger);
}

#[test]
fn units_have_history_and_merged_units_pass_to_their_successor() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    let recorded = world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "final", None, "4"),
    );
    world.ok(
        &cast.so,
        "unit.renamed",
        json!({"unit": SCHOOL, "name": "THPT Chu Văn An (cơ sở 1)"}),
    );
    assert_eq!(
        world.ledger.unit_name(&school()),
        Some("THPT Chu Văn An (cơ sở 1)")
    );
    world.ok(
        &cast.so,
        "unit.merged",
        json!({"unit": SCHOOL, "successor": OTHER_SCHOOL}),
    );
    assert_eq!(
        world.ledger.successor(&school()),
        Some(&OTHER_SCHOOL.parse().unwrap())
    );
    // The merged school opens nothing new...
    world.refused(&cast.principal, "class.opened", class_ref(json!({"class": "10A9", "grade": 10, "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 35}]})), "unit-merged");
    // ...and the successor's principal is now custodian of its records: it approves a
    // correction of a result recorded there.
    let request = world.ok(
        &cast.toan,
        "correction.requested",
        json!({"target": recorded, "value": "4.5", "reason": "Cộng sai điểm"}),
    );
    world.ok(
        &cast.other_principal,
        "correction.approved",
        json!({"request": request}),
    );
    assert_eq!(
        world.ledger.correction_count(&learner(), year(), &toan()),
        1
    );
    assert_eq!(world.rebuild(), world.ledger);
}
