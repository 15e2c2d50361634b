//! Every refusal code of the domain, each triggered by a real signed event against a small school
//! year, asserting the code and that the state is unchanged (see `World::refused`).

#[path = "domain_support.rs"]
mod support;

use std::collections::BTreeSet;

use base64::Engine as _;
use ledger_core::domain::{DomainError, Position};
use serde_json::json;
use support::*;

/// Given a fresh school year, does what it takes to trigger `code`, ending with the refused
/// event (which `World::refused` checks).
#[allow(clippy::too_many_lines)]
fn trigger(code: &str, c: &Cast, w: &mut World) -> DomainError {
    match code {
        "event-type-unknown" => w.refused(&c.toan, "grade.recorded", json!({}), code),
        "schema-version-unsupported" => w.refused_version(
            &c.toan,
            "assessment.recorded",
            2,
            grade("toan", 1, "final", None, "8"),
            code,
        ),
        "payload-malformed" => {
            let mut payload = grade("toan", 1, "final", None, "8");
            payload["comment"] = json!("Tiến bộ");
            w.refused(&c.toan, "assessment.recorded", payload, code)
        }
        "payload-invalid" => w.refused(
            &c.principal,
            "class.opened",
            class_ref(json!({"class": "13A1", "grade": 13, "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 35}]})),
            code,
        ),
        "key-malformed" => {
            let mut payload = grant("bad", &c.stranger, "gv_bo_mon", SCHOOL, "2026-09-01", None);
            payload["grantee"] = json!("AAAA");
            w.refused(&c.principal, "authority.granted", payload, code)
        }
        "key-weak" => {
            let mut identity = [0u8; 32];
            identity[0] = 1;
            let mut payload = grant("weak", &c.stranger, "gv_bo_mon", SCHOOL, "2026-09-01", None);
            payload["grantee"] = json!(base64::engine::general_purpose::STANDARD.encode(identity));
            w.refused(&c.principal, "authority.granted", payload, code)
        }
        "authority-missing" => w.refused(
            &c.toan,
            "term.sealed",
            json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
            code,
        ),
        "authority-out-of-scope" => w.refused(
            &c.other_principal,
            "class.opened",
            class_ref(json!({"class": "10A2", "grade": 10, "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 35}]})),
            code,
        ),
        "authority-revoked" => {
            w.ok(&c.principal, "authority.revoked", json!({"grant_id": "gv-toan", "reason": "Mất khóa"}));
            w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8"), code)
        }
        "authority-expired" => {
            w.advance_days(365);
            w.refused(&c.toan, "assessment.recorded", grade("toan", 2, "final", None, "8"), code)
        }
        "authority-not-yet-valid" => {
            let future = Actor::new("ht-702-future");
            w.ok(&c.so, "authority.granted", grant("ht-702-b", &future, "hieu_truong", OTHER_SCHOOL, "2027-01-01", None));
            w.refused(
                &future,
                "class.opened",
                json!({"school": OTHER_SCHOOL, "school_year": YEAR, "class": "10B1", "grade": 10,
                       "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 35}]}),
                code,
            )
        }
        "grant-scope-invalid" => w.refused(
            &c.so,
            "authority.granted",
            grant("ht-79", &c.stranger, "hieu_truong", PROVINCE, "2026-09-01", None),
            code,
        ),
        "grant-id-taken" => w.refused(
            &c.principal,
            "authority.granted",
            grant("gv-toan", &c.stranger, "gv_bo_mon", SCHOOL, "2026-09-01", None),
            code,
        ),
        "grant-unknown" => w.refused(
            &c.principal,
            "authority.revoked",
            json!({"grant_id": "gv-hoa", "reason": "Chuyển công tác"}),
            code,
        ),
        "grant-already-revoked" => {
            let revoke = json!({"grant_id": "gv-van", "reason": "Chuyển công tác"});
            w.ok(&c.principal, "authority.revoked", revoke.clone());
            w.refused(&c.principal, "authority.revoked", revoke, code)
        }
        "unit-exists" => w.refused(
            &c.so,
            "unit.registered",
            json!({"unit": SCHOOL, "kind": "school", "name": "THPT Chu Văn An", "parent": PROVINCE}),
            code,
        ),
        "unit-unknown" => w.refused(
            &c.so,
            "unit.registered",
            json!({"unit": "80000001", "kind": "school", "name": "THPT Long An", "parent": "80"}),
            code,
        ),
        "unit-kind-invalid" => w.refused(
            &c.so,
            "unit.registered",
            json!({"unit": "79-xa-1", "kind": "commune", "name": "Phường Sài Gòn", "parent": SCHOOL}),
            code,
        ),
        "unit-merged" => {
            w.ok(&c.so, "unit.merged", json!({"unit": SCHOOL, "successor": OTHER_SCHOOL}));
            w.refused(&c.clerk, "learner.registered", json!({"learner": "X2", "identity_commitment": COMMITMENT, "school": SCHOOL}), code)
        }
        "unit-merge-invalid" => w.refused(
            &c.so,
            "unit.merged",
            json!({"unit": SCHOOL, "successor": PROVINCE}),
            code,
        ),
        "class-exists" => w.refused(
            &c.principal,
            "class.opened",
            class_ref(json!({"grade": 10, "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 35}]})),
            code,
        ),
        "class-unknown" => {
            let mut payload = grade("toan", 1, "final", None, "8");
            payload["class"] = json!("10A9");
            w.refused(&c.toan, "assessment.recorded", payload, code)
        }
        "subject-unknown" => w.refused(&c.toan, "assessment.recorded", grade("hoa", 1, "final", None, "8"), code),
        "teacher-not-assigned" => {
            // The literature teacher holds gv_bo_mon at the school, but is not assigned toán.
            w.refused(&c.van, "assessment.recorded", grade("toan", 1, "final", None, "8"), code)
        }
        "assignee-authority-missing" => w.refused(
            &c.principal,
            "teacher.assigned",
            class_ref(json!({"duty": "subject", "subject": "toan", "teacher": c.stranger.b64()})),
            code,
        ),
        "learner-exists" => w.refused(
            &c.clerk,
            "learner.registered",
            json!({"learner": LEARNER, "identity_commitment": COMMITMENT, "school": SCHOOL}),
            code,
        ),
        "learner-unknown" => w.refused(&c.clerk, "learner.enrolled", class_ref(json!({"learner": "X999"})), code),
        "learner-not-enrolled" => {
            w.ok(&c.clerk, "learner.registered", json!({"learner": "X2", "identity_commitment": COMMITMENT, "school": SCHOOL}));
            let mut payload = grade("toan", 1, "final", None, "8");
            payload["learner"] = json!("X2");
            w.refused(&c.toan, "assessment.recorded", payload, code)
        }
        "learner-already-enrolled" => {
            w.refused(&c.clerk, "learner.enrolled", class_ref(json!({"learner": LEARNER})), code)
        }
        "transfer-out-missing" => {
            w.ok(&c.other_principal, "class.opened", json!({
                "school": OTHER_SCHOOL, "school_year": YEAR, "class": "10B2", "grade": 10,
                "subjects": [{"code": "toan", "mode": "scored", "periods_per_year": 105}],
            }));
            w.refused(
                &c.other_principal,
                "learner.transferred_in",
                json!({"learner": LEARNER, "school": OTHER_SCHOOL, "school_year": YEAR, "class": "10B2", "from_school": SCHOOL}),
                code,
            )
        }
        "assessment-value-invalid" => {
            for bad in ["8.25", "-1", "Đ", "8,5"] {
                w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, bad), code);
            }
            w.refused(&c.gdtc, "assessment.recorded", grade("gdtc", 1, "final", None, "8"), code);
            w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "10.5"), code)
        }
        "assessment-slot-invalid" => {
            w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "midterm", Some(1), "8"), code);
            w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "regular", None, "8"), code);
            w.refused(&c.gdtc, "assessment.recorded", grade("gdtc", 1, "regular", Some(3), "Đ"), code);
            w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "regular", Some(5), "8"), code)
        }
        "subject-confirmed" => {
            w.ok(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8"));
            w.ok(&c.toan, "subject.confirmed", class_ref(json!({"subject": "toan", "semester": 1})));
            w.refused(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "9"), code)
        }
        "term-sealed" => {
            w.ok(&c.principal, "term.sealed", json!({"school": SCHOOL, "school_year": YEAR, "term": "year"}));
            w.refused(&c.gdtc, "assessment.recorded", grade("gdtc", 2, "final", None, "Đ"), code)
        }
        "subject-already-confirmed" => {
            let confirm = class_ref(json!({"subject": "toan", "semester": 2}));
            w.ok(&c.toan, "subject.confirmed", confirm.clone());
            w.refused(&c.toan, "subject.confirmed", confirm, code)
        }
        "term-already-sealed" => {
            w.ok(&c.principal, "term.sealed", json!({"school": SCHOOL, "school_year": YEAR, "term": "year"}));
            w.refused(&c.principal, "term.sealed", json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_2"}), code)
        }
        "term-not-sealed" => w.refused(
            &c.principal,
            "term.reopened",
            json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1", "reason": "Bổ sung"}),
            code,
        ),
        "reason-missing" => {
            let target = w.ok(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8"));
            w.refused(&c.toan, "correction.requested", json!({"target": target, "value": "9", "reason": "  "}), code);
            w.refused(&c.toan, "correction.requested", json!({"target": target, "value": "9"}), code)
        }
        "correction-target-missing" => {
            w.refused(&c.toan, "correction.requested", json!({"value": "9", "reason": "Nhập nhầm"}), code)
        }
        "correction-target-unknown" => {
            // Index 1 is a grant: not a value that can be corrected.
            w.refused(&c.toan, "correction.requested", json!({"target": 1, "value": "9", "reason": "Nhập nhầm"}), code)
        }
        "correction-target-superseded" => {
            let first = w.ok(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8"));
            w.ok(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8.5"));
            w.refused(&c.toan, "correction.requested", json!({"target": first, "value": "9", "reason": "Nhập nhầm"}), code)
        }
        "correction-request-unknown" => {
            let target = w.ok(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8"));
            w.refused(&c.principal, "correction.approved", json!({"request": target}), code)
        }
        "correction-not-pending" => {
            let target = w.ok(&c.toan, "assessment.recorded", grade("toan", 1, "final", None, "8"));
            let request = w.ok(&c.toan, "correction.requested", json!({"target": target, "value": "9", "reason": "Nhập nhầm"}));
            w.ok(&c.principal, "correction.approved", json!({"request": request}));
            w.refused(&c.principal, "correction.approved", json!({"request": request}), code)
        }
        "record-incomplete" => {
            record_semester(w, c, 1);
            // Semester 2 lacks the final assessment of toán.
            for slot in 1..=4 {
                w.ok(&c.toan, "assessment.recorded", grade("toan", 2, "regular", Some(slot), "8"));
            }
            w.ok(&c.toan, "assessment.recorded", grade("toan", 2, "midterm", None, "8"));
            let error = w.refused(&c.homeroom, "learner.signed_off", class_ref(json!({"learner": LEARNER})), code);
            assert!(error.to_string().contains("ĐĐGck"), "{error}");
            error
        }
        "subjects-not-confirmed" => {
            // The default chain requires both semesters confirmed; gdtc's second is not.
            record_semester(w, c, 1);
            record_semester(w, c, 2);
            confirm_semester(w, c, 1);
            w.ok(&c.toan, "subject.confirmed", class_ref(json!({"subject": "toan", "semester": 2})));
            let error = w.refused(&c.homeroom, "learner.signed_off", class_ref(json!({"learner": LEARNER})), code);
            assert!(error.to_string().contains("gdtc, semester 2"), "{error}");
            error
        }
        "learner-already-signed-off" => {
            record_semester(w, c, 1);
            record_semester(w, c, 2);
            confirm_semester(w, c, 1);
            confirm_semester(w, c, 2);
            w.ok(&c.homeroom, "learner.signed_off", class_ref(json!({"learner": LEARNER})));
            w.refused(&c.homeroom, "learner.signed_off", class_ref(json!({"learner": LEARNER})), code)
        }
        "learner-not-signed-off" => {
            record_semester(w, c, 1);
            record_semester(w, c, 2);
            let digest = w.ledger.record_digest(&LEARNER.parse().unwrap(), YEAR.parse().unwrap()).unwrap();
            w.refused(&c.principal, "approval.signed", approval(&digest.to_string()), code)
        }
        "learner-already-approved" => {
            record_semester(w, c, 1);
            record_semester(w, c, 2);
            confirm_semester(w, c, 1);
            confirm_semester(w, c, 2);
            w.ok(&c.homeroom, "learner.signed_off", class_ref(json!({"learner": LEARNER})));
            let digest = w.ledger.record_digest(&LEARNER.parse().unwrap(), YEAR.parse().unwrap()).unwrap();
            w.ok(&c.principal, "approval.signed", approval(&digest.to_string()));
            w.refused(&c.principal, "approval.signed", approval(&digest.to_string()), code)
        }
        "approval-digest-mismatch" => {
            record_semester(w, c, 1);
            record_semester(w, c, 2);
            confirm_semester(w, c, 1);
            confirm_semester(w, c, 2);
            w.ok(&c.homeroom, "learner.signed_off", class_ref(json!({"learner": LEARNER})));
            w.refused(&c.principal, "approval.signed", approval(COMMITMENT), code)
        }
        "summer-training-not-required" => {
            eoy_class(w, c, "10A9", 10, "L2");
            eoy_record(w, c, "10A9", "L2", ["8"; 6], "Đ", ["T", "T"]);
            w.refused(&c.homeroom, "summer.conduct_recorded", eoy_ref("10A9", "L2", json!({"value": "Đ"})), code)
        }
        "reassessment-not-required" => {
            eoy_class(w, c, "10A9", 10, "L2");
            // Learning CĐ (two averages below 3.5): toán and văn are re-assessed, not lý.
            eoy_record(w, c, "10A9", "L2", ["3", "3", "8", "8", "8", "8"], "Đ", ["T", "T"]);
            w.ok(&c.toan, "summer.reassessment_recorded", eoy_ref("10A9", "L2", json!({"subject": "toan", "value": "6"})));
            w.refused(&c.toan, "summer.reassessment_recorded", eoy_ref("10A9", "L2", json!({"subject": "ly", "value": "9"})), code)
        }
        "promotion-mismatch" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            let error = w.refused(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "not_promoted"})), code);
            assert!(error.to_string().contains("the rules give promoted"), "{error}");
            error
        }
        "promotion-already-decided" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            w.ok(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "promoted"})));
            w.refused(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "promoted"})), code)
        }
        "promotion-not-decided" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            w.refused(&c.principal, "award.granted", eoy_learner("L2", json!({"award": "good"})), code)
        }
        "award-not-allowed" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            w.ok(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "promoted"})));
            w.refused(&c.principal, "award.granted", eoy_learner("L2", json!({"award": "excellent"})), code)
        }
        "award-already-granted" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            w.ok(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "promoted"})));
            w.ok(&c.principal, "award.granted", eoy_learner("L2", json!({"award": "good"})));
            w.refused(&c.principal, "award.granted", eoy_learner("L2", json!({"award": "good"})), code)
        }
        "grade-not-final" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            w.ok(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "promoted"})));
            w.refused(&c.principal, "programme.completed", eoy_learner("L2", json!({})), code)
        }
        "programme-already-completed" => {
            eoy_good_learner(w, c, "12A9", 12, "L2");
            w.ok(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "completed"})));
            w.ok(&c.principal, "programme.completed", eoy_learner("L2", json!({})));
            w.refused(&c.principal, "programme.completed", eoy_learner("L2", json!({})), code)
        }
        "record-not-approved" => {
            eoy_class(w, c, "10A9", 10, "L2");
            eoy_record(w, c, "10A9", "L2", ["8"; 6], "Đ", ["T", "T"]);
            w.refused(&c.principal, "promotion.decided", eoy_learner("L2", json!({"outcome": "promoted"})), code)
        }
        "copy-id-taken" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            let digest = w.ledger.record_digest(&"L2".parse().unwrap(), YEAR.parse().unwrap()).unwrap();
            let copy = eoy_learner("L2", json!({"copy_id": "BS-2027-0001", "kind": "copy", "record_digest": digest.to_string(), "requester": "Cha mẹ học sinh"}));
            w.ok(&c.clerk, "copy.issued", copy.clone());
            w.refused(&c.principal, "copy.issued", copy, code)
        }
        "copy-digest-mismatch" => {
            eoy_good_learner(w, c, "10A9", 10, "L2");
            w.refused(&c.clerk, "copy.issued", eoy_learner("L2", json!({"copy_id": "TL-1", "kind": "extract", "record_digest": COMMITMENT, "requester": "Trường THPT Lê Quý Đôn"})), code)
        }
        "identity-unchanged" => w.refused(
            &c.clerk,
            "identity.corrected",
            json!({"learner": LEARNER, "school": SCHOOL, "identity_commitment": COMMITMENT, "reason": "Cải chính hộ tịch"}),
            code,
        ),
        "subject-not-assessed" => {
            w.ok(&c.principal, "individual_plan.decided", class_ref(json!({"learner": LEARNER, "subjects": [{"subject": "gdtc", "assessment": "not_assessed"}], "reason": "Kế hoạch giáo dục cá nhân"})));
            w.refused(&c.gdtc, "assessment.recorded", class_ref(json!({"learner": LEARNER, "subject": "gdtc", "semester": 1, "kind": "final", "value": "Đ"})), code)
        }
        "subject-already-assessed" => {
            w.ok(&c.gdtc, "assessment.recorded", class_ref(json!({"learner": LEARNER, "subject": "gdtc", "semester": 1, "kind": "final", "value": "Đ"})));
            w.refused(&c.principal, "individual_plan.decided", class_ref(json!({"learner": LEARNER, "subjects": [{"subject": "gdtc", "assessment": "not_assessed"}], "reason": "Kế hoạch giáo dục cá nhân"})), code)
        }
        "exemption-unknown" => w.refused(
            &c.principal,
            "exemption.revoked",
            class_ref(json!({"learner": LEARNER, "subject": "gdtc", "exemption": 3, "reason": "Thu hồi quyết định miễn"})),
            code,
        ),
        other => panic!("no scenario triggers {other}"),
    }
}

fn approval(digest: &str) -> serde_json::Value {
    json!({"school": SCHOOL, "school_year": YEAR, "entries": [{"learner": LEARNER, "record_digest": digest}]})
}

fn run(code: &str) -> DomainError {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    let error = trigger(code, &cast, &mut world);
    // A later valid event lands as if the refusal never happened.
    let mut twin = world.rebuild();
    assert_eq!(twin, world.ledger);
    world.ok(
        &cast.ministry,
        "unit.registered",
        json!({"unit": "01", "kind": "province", "name": "Hà Nội"}),
    );
    let (submission, position) = world.accepted.last().unwrap().clone();
    let event = twin.authorise(&submission, position).unwrap();
    twin.apply(event);
    assert_eq!(twin, world.ledger);
    error
}

#[test]
fn every_refusal_code_is_triggered_and_changes_nothing() {
    let mut seen = BTreeSet::new();
    for code in DomainError::CODES {
        if code == "position-out-of-order" {
            continue; // The sequencer's error; see its own test.
        }
        let error = run(code);
        assert_eq!(error.code(), code);
        seen.insert(code);
    }
    assert_eq!(seen.len(), DomainError::CODES.len() - 1);
}

#[test]
fn codes_are_unique_kebab_case() {
    let unique: BTreeSet<_> = DomainError::CODES.iter().collect();
    assert_eq!(unique.len(), DomainError::CODES.len());
    for code in DomainError::CODES {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{code}"
        );
    }
}

#[test]
fn events_docs_list_every_code_and_event_type() {
    let docs = include_str!("../../docs/EVENTS.md");
    for code in DomainError::CODES {
        assert!(
            docs.contains(&format!("`{code}`")),
            "docs/EVENTS.md lacks {code}"
        );
    }
    for (event_type, _) in ledger_core::domain::EVENT_TYPES {
        assert!(
            docs.contains(&format!("`{event_type}`")),
            "docs/EVENTS.md lacks {event_type}"
        );
    }
}

#[test]
fn a_position_not_after_the_last_is_refused() {
    let cast = Cast::new();
    let world = school_year(&cast);
    let submission = cast.ministry.sign(
        "unit.registered",
        1,
        &json!({"unit": "01", "kind": "province", "name": "Hà Nội"}),
        9_999,
    );
    let last = world.ledger.last_position().unwrap();
    for position in [
        last,
        Position {
            index: last.index + 1,
            sequenced_at_us: last.sequenced_at_us - 1,
        },
    ] {
        let error = world.ledger.authorise(&submission, position).unwrap_err();
        assert_eq!(error.code(), "position-out-of-order");
    }
}

// The refusals the design brief names, one test each, for readable failures.
#[test]
fn grade_by_a_teacher_not_assigned_is_refused() {
    run("teacher-not-assigned");
}
#[test]
fn value_outside_the_rules_is_refused() {
    run("assessment-value-invalid");
}
#[test]
fn edit_of_a_confirmed_subject_is_refused() {
    run("subject-confirmed");
}
#[test]
fn edit_of_a_sealed_term_is_refused() {
    run("term-sealed");
}
#[test]
fn sign_off_of_an_incomplete_record_is_refused() {
    run("record-incomplete");
}
#[test]
fn event_by_a_revoked_key_is_refused() {
    run("authority-revoked");
}
#[test]
fn event_by_an_expired_key_is_refused() {
    run("authority-expired");
}
#[test]
fn correction_citing_nothing_is_refused() {
    run("correction-target-missing");
}
#[test]
fn correction_without_a_reason_is_refused() {
    run("reason-missing");
}
#[test]
fn transfer_in_without_transfer_out_is_refused() {
    run("transfer-out-missing");
}
#[test]
fn unknown_event_type_is_refused() {
    run("event-type-unknown");
}
#[test]
fn unsupported_schema_version_is_refused() {
    run("schema-version-unsupported");
}
