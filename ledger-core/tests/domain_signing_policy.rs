//! The required-signers policy (`signing_policy.set`): the default chain without one (subject
//! confirmations, homeroom sign-off, approval by a principal or a deputy); a policy per level
//! and school year that drops the homeroom sign-off or the confirmations, or restricts approval
//! to a principal, each judged at the event's log position; refusals that change nothing; and
//! the transcript's signing steps and the authority state following the policy.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{LearnerCode, SchoolYear};
use ledger_core::domain::{ApprovalBy, RecordLevel, SigningPolicy, SigningStatus};
use serde_json::{json, Value};
use support::*;

const SET_POLICY: &str = "signing_policy.set";
const REASON: &str = "Công văn hướng dẫn ký học bạ số năm học 2026-2027";

fn year() -> SchoolYear {
    YEAR.parse().unwrap()
}

fn learner() -> LearnerCode {
    LEARNER.parse().unwrap()
}

/// A policy for `level` in the test year.
fn policy(level: &str, confirm: bool, homeroom: bool, approval_by: &str) -> Value {
    json!({
        "level": level,
        "school_year": YEAR,
        "subject_confirmation_required": confirm,
        "homeroom_sign_off_required": homeroom,
        "approval_by": approval_by,
        "reason": REASON,
    })
}

/// The learner's approval as the record stands.
fn approval(world: &World) -> Value {
    let digest = world.ledger.record_digest(&learner(), year()).unwrap();
    json!({"school": SCHOOL, "school_year": YEAR,
           "entries": [{"learner": LEARNER, "record_digest": digest.to_string()}]})
}

fn sign_off() -> Value {
    class_ref(json!({"learner": LEARNER}))
}

fn confirm(world: &mut World, teacher: &Actor, subject: &str, semester: u64) {
    world.ok(
        teacher,
        "subject.confirmed",
        class_ref(json!({"subject": subject, "semester": semester})),
    );
}

/// The test school year with both semesters recorded: a complete record.
fn complete_year(cast: &Cast) -> World {
    let mut world = school_year(cast);
    record_semester(&mut world, cast, 1);
    record_semester(&mut world, cast, 2);
    world
}

fn signing_json(world: &World, _cast: &Cast) -> Value {
    let transcript = world.checked_projections().transcript(&learner()).unwrap();
    transcript.year(year()).unwrap().to_json()["signing"].clone()
}

#[test]
fn without_a_policy_the_default_chain_applies() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    assert_eq!(
        w.ledger.signing_policy(RecordLevel::Thpt, year()),
        SigningPolicy::DEFAULT
    );
    assert_eq!(
        SigningPolicy::DEFAULT,
        SigningPolicy {
            subject_confirmation_required: true,
            homeroom_sign_off_required: true,
            approval_by: ApprovalBy::PrincipalOrDeputy,
        }
    );
    assert!(w
        .ledger
        .signing_policy_setting(RecordLevel::Thpt, year())
        .is_none());
    // Neither the principal nor a deputy approves before the homeroom sign-off, and the
    // homeroom teacher signs off only once every subject is confirmed for both semesters.
    for approver in [&c.principal, &c.deputy] {
        w.refused(
            approver,
            "approval.signed",
            approval(&w),
            "learner-not-signed-off",
        );
    }
    w.refused(
        &c.homeroom,
        "learner.signed_off",
        sign_off(),
        "subjects-not-confirmed",
    );
    for semester in [1, 2] {
        confirm_semester(&mut w, &c, semester);
    }
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    // Approval stays with the school's leadership: not a teacher, not another school's
    // principal.
    w.refused(
        &c.homeroom,
        "approval.signed",
        approval(&w),
        "authority-missing",
    );
    w.refused(
        &c.other_principal,
        "approval.signed",
        approval(&w),
        "authority-out-of-scope",
    );
    w.ok(&c.principal, "approval.signed", approval(&w));
    assert!(matches!(
        w.ledger.signing_status(&learner(), year()),
        SigningStatus::Approved(_)
    ));

    let signing = signing_json(&w, &c);
    assert_eq!(signing["status"], "approved");
    assert_eq!(signing["approved"]["key"], json!(c.principal.b64()));
    assert_eq!(
        signing["required"],
        json!([
            "complete_data",
            "confirm_subjects",
            "homeroom_sign_off",
            "principal_approval"
        ])
    );
    assert_eq!(signing["remaining"], json!(["seal_year"]));
    assert_eq!(signing["policy"]["level"], "thpt");
    assert_eq!(signing["policy"]["subject_confirmation_required"], true);
    assert_eq!(signing["policy"]["homeroom_sign_off_required"], true);
    assert_eq!(signing["policy"]["approval_by"], "principal_or_deputy");
    assert_eq!(signing["policy"]["set_at"], Value::Null);
    assert_eq!(signing["policy"]["reason"], Value::Null);
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn under_the_default_a_sign_off_needs_every_confirmation_and_a_deputy_may_approve() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    let error = w.refused(
        &c.homeroom,
        "learner.signed_off",
        sign_off(),
        "subjects-not-confirmed",
    );
    let message = error.to_string();
    assert!(
        message.contains("not confirmed: toan, semester 1"),
        "{message}"
    );
    assert!(message.contains("homeroom sign-off"), "{message}");
    // Semester 1 confirmed is not enough: both semesters are.
    confirm_semester(&mut w, &c, 1);
    let error = w.refused(
        &c.homeroom,
        "learner.signed_off",
        sign_off(),
        "subjects-not-confirmed",
    );
    assert!(
        error
            .to_string()
            .contains("not confirmed: toan, semester 2"),
        "{error}"
    );
    let signing = signing_json(&w, &c);
    assert_eq!(
        signing["remaining"],
        json!([
            "confirm_subjects",
            "homeroom_sign_off",
            "principal_approval",
            "seal_year"
        ])
    );
    confirm_semester(&mut w, &c, 2);
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    // The deputy (pho_hieu_truong) approves on the principal's behalf.
    w.ok(&c.deputy, "approval.signed", approval(&w));
    assert!(matches!(
        w.ledger.signing_status(&learner(), year()),
        SigningStatus::Approved(_)
    ));
    let signing = signing_json(&w, &c);
    assert_eq!(signing["status"], "approved");
    assert_eq!(signing["approved"]["key"], json!(c.deputy.b64()));
    assert_eq!(signing["remaining"], json!(["seal_year"]));
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn without_the_homeroom_step_the_principal_approves_a_complete_record_directly() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let at = w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", false, false, "principal"),
    );
    record_semester(&mut w, &c, 1);
    // Completeness moves to the approval: the first missing item is named.
    let error = w.refused(
        &c.principal,
        "approval.signed",
        approval(&w),
        "record-incomplete",
    );
    assert!(error.to_string().contains("toan in semester 2"), "{error}");
    record_semester(&mut w, &c, 2);
    w.ok(&c.principal, "approval.signed", approval(&w));
    assert!(matches!(
        w.ledger.signing_status(&learner(), year()),
        SigningStatus::Approved(_)
    ));
    assert!(!w.ledger.is_signed_off(&learner(), year()));

    let signing = signing_json(&w, &c);
    assert_eq!(signing["signed_off"], Value::Null);
    assert_eq!(signing["approved"]["key"], json!(c.principal.b64()));
    assert_eq!(
        signing["required"],
        json!(["complete_data", "principal_approval"])
    );
    assert_eq!(
        signing["remaining"],
        json!(["confirm_subjects", "seal_year"])
    );
    assert_eq!(signing["policy"]["homeroom_sign_off_required"], false);
    assert_eq!(signing["policy"]["set_at"], json!(at));
    assert_eq!(signing["policy"]["reason"], REASON);
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn a_policy_requiring_confirmation_refuses_signing_until_every_subject_is_confirmed() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", true, true, "principal"),
    );

    let error = w.refused(
        &c.homeroom,
        "learner.signed_off",
        sign_off(),
        "subjects-not-confirmed",
    );
    let message = error.to_string();
    assert!(
        message.contains("not confirmed: toan, semester 1"),
        "{message}"
    );
    assert!(message.contains("homeroom sign-off"), "{message}");
    confirm(&mut w, &c.toan, "toan", 1);
    confirm(&mut w, &c.gdtc, "gdtc", 1);
    confirm(&mut w, &c.toan, "toan", 2);
    let error = w.refused(
        &c.homeroom,
        "learner.signed_off",
        sign_off(),
        "subjects-not-confirmed",
    );
    assert!(
        error
            .to_string()
            .contains("not confirmed: gdtc, semester 2"),
        "{error}"
    );
    let signing = signing_json(&w, &c);
    assert_eq!(
        signing["required"],
        json!([
            "complete_data",
            "confirm_subjects",
            "homeroom_sign_off",
            "principal_approval"
        ])
    );
    assert_eq!(
        signing["remaining"],
        json!([
            "confirm_subjects",
            "homeroom_sign_off",
            "principal_approval",
            "seal_year"
        ])
    );

    confirm(&mut w, &c.gdtc, "gdtc", 2);
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    w.ok(&c.principal, "approval.signed", approval(&w));
    let signing = signing_json(&w, &c);
    assert_eq!(signing["remaining"], json!(["seal_year"]));
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn an_approval_without_sign_off_also_needs_the_confirmations() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", true, false, "principal"),
    );
    let error = w.refused(
        &c.principal,
        "approval.signed",
        approval(&w),
        "subjects-not-confirmed",
    );
    assert!(error.to_string().contains("before the approval"), "{error}");
    for semester in [1, 2] {
        confirm(&mut w, &c.toan, "toan", semester);
        confirm(&mut w, &c.gdtc, "gdtc", semester);
    }
    w.ok(&c.principal, "approval.signed", approval(&w));
}

#[test]
fn principal_or_deputy_lets_a_deputy_approve_and_principal_does_not() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", false, true, "principal"),
    );
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    w.refused(
        &c.deputy,
        "approval.signed",
        approval(&w),
        "authority-missing",
    );
    // A deputy allowed for another level is still refused for this learner's level.
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thcs", false, true, "principal_or_deputy"),
    );
    w.refused(
        &c.deputy,
        "approval.signed",
        approval(&w),
        "authority-missing",
    );
    // The later policy for the level replaces the earlier one.
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", false, true, "principal_or_deputy"),
    );
    assert_eq!(
        w.ledger
            .signing_policy(RecordLevel::Thpt, year())
            .approval_by,
        ApprovalBy::PrincipalOrDeputy
    );
    w.ok(&c.deputy, "approval.signed", approval(&w));
    let signing = signing_json(&w, &c);
    assert_eq!(signing["approved"]["key"], json!(c.deputy.b64()));
    assert_eq!(signing["policy"]["approval_by"], "principal_or_deputy");
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn a_policy_holds_only_for_its_level_and_school_year() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    // Class 10A1 of a school is THPT: neither a GDTX policy nor next year's applies, so the
    // default chain holds, step by step.
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("gdtx", false, false, "principal"),
    );
    let mut next_year = policy("thpt", false, false, "principal");
    next_year["school_year"] = json!("2027-2028");
    w.ok(&c.ministry, SET_POLICY, next_year);
    assert_eq!(
        w.ledger.signing_policy(RecordLevel::Thpt, year()),
        SigningPolicy::DEFAULT
    );
    w.refused(
        &c.principal,
        "approval.signed",
        approval(&w),
        "learner-not-signed-off",
    );
    w.refused(
        &c.homeroom,
        "learner.signed_off",
        sign_off(),
        "subjects-not-confirmed",
    );
    for semester in [1, 2] {
        confirm_semester(&mut w, &c, semester);
    }
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    w.ok(&c.deputy, "approval.signed", approval(&w));
    assert!(matches!(
        w.ledger.signing_status(&learner(), year()),
        SigningStatus::Approved(_)
    ));
}

#[test]
fn a_policy_from_anyone_but_the_ministry_or_malformed_is_refused_and_changes_nothing() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    let digest = w.ledger.record_digest(&learner(), year());
    let good = policy("thpt", true, false, "principal_or_deputy");
    // `World::refused` checks that the state and its debug dump are unchanged.
    for who in [&c.so, &c.principal, &c.stranger] {
        let error = w.refused(who, SET_POLICY, good.clone(), "authority-missing");
        assert!(error.to_string().contains("bo_gddt"), "{error}");
    }
    let mut bad_level = good.clone();
    bad_level["level"] = json!("tieu_hoc");
    w.refused(&c.ministry, SET_POLICY, bad_level, "payload-invalid");
    let mut bad_approver = good.clone();
    bad_approver["approval_by"] = json!("deputy");
    w.refused(&c.ministry, SET_POLICY, bad_approver, "payload-invalid");
    let mut not_a_bool = good.clone();
    not_a_bool["homeroom_sign_off_required"] = json!("false");
    w.refused(&c.ministry, SET_POLICY, not_a_bool, "payload-malformed");
    let mut unknown = good.clone();
    unknown["seal_required"] = json!(true);
    w.refused(&c.ministry, SET_POLICY, unknown, "payload-malformed");
    let mut no_reason = good.clone();
    no_reason["reason"] = json!("  ");
    w.refused(&c.ministry, SET_POLICY, no_reason, "reason-missing");
    w.refused_version(
        &c.ministry,
        SET_POLICY,
        2,
        good,
        "schema-version-unsupported",
    );

    // Nothing was set: the default chain still holds, and the log replays to the same state.
    assert!(w
        .ledger
        .signing_policy_setting(RecordLevel::Thpt, year())
        .is_none());
    assert_eq!(w.ledger.record_digest(&learner(), year()), digest);
    assert_eq!(w.rebuild(), w.ledger);
    w.refused(
        &c.principal,
        "approval.signed",
        approval(&w),
        "learner-not-signed-off",
    );
}

#[test]
fn a_policy_set_later_never_invalidates_an_earlier_signature() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    // Signed under a lenient policy: no confirmations, a deputy approves.
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", false, true, "principal_or_deputy"),
    );
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    w.ok(&c.deputy, "approval.signed", approval(&w));
    let approved = w.ledger.signing_status(&learner(), year());
    let digest = w.ledger.record_digest(&learner(), year()).unwrap();

    // A stricter policy after the approval: confirmations, and no deputy.
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", true, true, "principal"),
    );
    assert_eq!(w.ledger.signing_status(&learner(), year()), approved);
    assert!(w.ledger.is_signed_off(&learner(), year()));
    // The approval still counts for what requires one: an electronic copy.
    w.ok(
        &c.clerk,
        "copy.issued",
        eoy_learner(
            LEARNER,
            json!({"copy_id": "BS-2027-0001", "kind": "copy",
                   "record_digest": digest.to_string(), "requester": "Cha mẹ học sinh"}),
        ),
    );
    let signing = signing_json(&w, &c);
    assert_eq!(signing["status"], "approved");
    assert_eq!(signing["approved"]["key"], json!(c.deputy.b64()));
    assert_eq!(signing["policy"]["approval_by"], "principal");
    assert_eq!(
        signing["remaining"],
        json!(["confirm_subjects", "seal_year"])
    );
    assert_eq!(w.rebuild(), w.ledger);
}

#[test]
fn a_sign_off_before_a_policy_stands_but_the_approval_follows_the_policy_in_force() {
    let c = Cast::new();
    let mut w = complete_year(&c);
    // Signed off under a policy without confirmations; a stricter one follows.
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", false, true, "principal"),
    );
    w.ok(&c.homeroom, "learner.signed_off", sign_off());
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", true, true, "principal"),
    );
    assert!(w.ledger.is_signed_off(&learner(), year()));
    w.refused(
        &c.principal,
        "approval.signed",
        approval(&w),
        "subjects-not-confirmed",
    );
    for semester in [1, 2] {
        confirm(&mut w, &c.toan, "toan", semester);
        confirm(&mut w, &c.gdtc, "gdtc", semester);
    }
    w.ok(&c.principal, "approval.signed", approval(&w));
}

#[test]
fn the_authority_state_shows_the_policies_in_force() {
    let c = Cast::new();
    let mut w = school_year(&c);
    w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", true, true, "principal"),
    );
    let at = w.ok(
        &c.ministry,
        SET_POLICY,
        policy("thpt", false, false, "principal_or_deputy"),
    );
    let projections = w.checked_projections();
    let state = projections.authority().to_json();
    assert_eq!(
        state["signing_policies"],
        json!([{
            "level": "thpt",
            "school_year": YEAR,
            "subject_confirmation_required": false,
            "homeroom_sign_off_required": false,
            "approval_by": "principal_or_deputy",
            "required_steps": ["complete_data", "principal_approval"],
            "set_at": at,
            "reason": REASON,
        }])
    );
    let thcs = projections.signing_policy(RecordLevel::Thcs, year());
    assert_eq!(thcs.policy, SigningPolicy::DEFAULT);
    assert_eq!(thcs.set, None);
    // The audit trail of the Ministry's key lists the event with its reason.
    let trail = projections.audit(&ledger_core::projection::AuditSubject::Key(c.ministry.key));
    let last = trail.entries.last().unwrap();
    assert_eq!((last.index, last.event_type.as_str()), (at, SET_POLICY));
    assert_eq!(last.reason.as_deref(), Some(REASON));
}
