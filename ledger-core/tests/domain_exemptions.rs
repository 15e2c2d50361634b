//! The principal's exemptions from the practical parts of gdtc and gdqp_an
//! (`exemption.decided`) and make-up assessments (`makeup_reason` of `assessment.recorded`):
//! accepted, refused with their codes and the ledger unchanged, shown in the transcript and the
//! audit trails, and the same whether observed one event at a time or rebuilt.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{AssessmentKind, LearnerCode, SchoolYear, Semester, SubjectCode};
use ledger_core::domain::{DomainConfig, Ledger, SigningStatus};
use ledger_core::projection::{AuditSubject, Projections, Transcript};
use serde_json::{json, Value};
use support::*;

const EXEMPT: &str = "exemption.decided";
const MEDICAL: &str = "Giấy xác nhận của bệnh viện: chấn thương gối, miễn phần thực hành";

fn year() -> SchoolYear {
    YEAR.parse().unwrap()
}

fn learner() -> LearnerCode {
    LEARNER.parse().unwrap()
}

/// An exemption of the learner from the practical part of `subject` for `period`.
fn exemption(subject: &str, period: &str) -> Value {
    class_ref(json!({
        "learner": LEARNER, "subject": subject, "part": "practical", "period": period,
        "reason": MEDICAL,
    }))
}

fn year_json(transcript: &Transcript) -> Value {
    transcript.year(year()).expect("the year").to_json()
}

#[test]
fn a_principals_exemption_is_in_the_record_the_transcript_and_the_trails() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let at = w.ok(&c.principal, EXEMPT, exemption("gdtc", "year"));

    let held = w.ledger.exemptions(&learner(), year());
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].subject.as_str(), "gdtc");
    assert_eq!(held[0].part.as_str(), "practical");
    assert_eq!(held[0].reason, MEDICAL);
    assert_eq!(held[0].index, at);

    // The learner is still assessed in gdtc, as usual, on the remaining content.
    record_semester(&mut w, &c, 1);
    let gdtc: SubjectCode = "gdtc".parse().unwrap();
    assert!(w
        .ledger
        .assessment(
            &learner(),
            year(),
            &gdtc,
            Semester::First,
            AssessmentKind::Final,
            0
        )
        .is_some());

    let p = w.checked_projections();
    let transcript = p.transcript(&learner()).unwrap();
    let shown = year_json(&transcript);
    assert_eq!(
        shown["exemptions"],
        json!([{"subject": "gdtc", "part": "practical", "period": "year", "decided_in": YEAR, "reason": MEDICAL, "index": at}])
    );
    // The semester result is computed as usual (every gdtc assessment Đ).
    let gdtc_year = transcript.year(year()).unwrap().subject("gdtc").unwrap();
    assert_eq!(
        gdtc_year.semesters[0].result.map(|r| r.to_string()),
        Some("Đ".to_owned())
    );

    let learner_trail = p.audit(&AuditSubject::Learner(learner()));
    let entry = learner_trail
        .entries
        .iter()
        .find(|entry| entry.index == at)
        .expect("the learner's trail lists the exemption");
    assert_eq!(entry.event_type, EXEMPT);
    assert_eq!(entry.author, c.principal.key);
    assert_eq!(entry.reason.as_deref(), Some(MEDICAL));
    let grade_trail = p.audit(&AuditSubject::Grade {
        learner: learner(),
        school_year: year(),
        subject: gdtc.clone(),
    });
    assert!(grade_trail.indexes().contains(&at));
    let toan_trail = p.audit(&AuditSubject::Grade {
        learner: learner(),
        school_year: year(),
        subject: "toan".parse().unwrap(),
    });
    assert!(!toan_trail.indexes().contains(&at));
}

#[test]
fn a_semester_exemption_then_the_other_semester_is_accepted() {
    let c = Cast::new();
    let mut w = school_year(&c);
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_1"));
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_2"));
    let periods: Vec<_> = w
        .ledger
        .exemptions(&learner(), year())
        .iter()
        .map(|e| e.period.as_str())
        .collect();
    assert_eq!(periods, ["semester_1", "semester_2"]);
}

#[test]
fn exemptions_are_refused_with_existing_codes_and_change_nothing() {
    let c = Cast::new();
    let mut w = school_year(&c);

    // Not enrolled in that class that year.
    w.ok(
        &c.clerk,
        "learner.registered",
        json!({"learner": "7900070100002", "identity_commitment": COMMITMENT, "school": SCHOOL}),
    );
    let mut other = exemption("gdtc", "year");
    other["learner"] = json!("7900070100002");
    w.refused(&c.principal, EXEMPT, other, "learner-not-enrolled");
    let mut unknown = exemption("gdtc", "year");
    unknown["learner"] = json!("7900070199999");
    w.refused(&c.principal, EXEMPT, unknown, "learner-unknown");
    let mut no_class = exemption("gdtc", "year");
    no_class["class"] = json!("10A9");
    w.refused(&c.principal, EXEMPT, no_class, "class-unknown");

    // gdqp_an may be exempted, but this class does not have it.
    w.refused(
        &c.principal,
        EXEMPT,
        exemption("gdqp_an", "year"),
        "subject-unknown",
    );
    // Only gdtc and gdqp_an have practical parts a principal exempts from.
    w.refused(
        &c.principal,
        EXEMPT,
        exemption("toan", "year"),
        "payload-invalid",
    );

    // The part and the period are closed lists.
    let mut part = exemption("gdtc", "year");
    part["part"] = json!("theory");
    w.refused(&c.principal, EXEMPT, part, "payload-invalid");
    let mut period = exemption("gdtc", "year");
    period["period"] = json!("term");
    w.refused(&c.principal, EXEMPT, period, "payload-invalid");
    let mut extra = exemption("gdtc", "year");
    extra["note"] = json!("thêm");
    w.refused(&c.principal, EXEMPT, extra, "payload-malformed");

    // A reason is required.
    let mut missing = exemption("gdtc", "year");
    missing.as_object_mut().unwrap().remove("reason");
    w.refused(&c.principal, EXEMPT, missing, "reason-missing");
    let mut blank = exemption("gdtc", "year");
    blank["reason"] = json!("   ");
    w.refused(&c.principal, EXEMPT, blank, "reason-missing");

    // Only a principal of the school for the year decides.
    w.refused(
        &c.gdtc,
        EXEMPT,
        exemption("gdtc", "year"),
        "authority-missing",
    );
    w.refused(
        &c.homeroom,
        EXEMPT,
        exemption("gdtc", "year"),
        "authority-missing",
    );
    w.refused(
        &c.deputy,
        EXEMPT,
        exemption("gdtc", "year"),
        "authority-missing",
    );
    w.refused(
        &c.clerk,
        EXEMPT,
        exemption("gdtc", "year"),
        "authority-missing",
    );
    w.refused(
        &c.other_principal,
        EXEMPT,
        exemption("gdtc", "year"),
        "authority-out-of-scope",
    );

    // A second exemption for the same learner, subject and period, or one overlapping it.
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_1"));
    let error = w.refused(
        &c.principal,
        EXEMPT,
        exemption("gdtc", "semester_1"),
        "payload-invalid",
    );
    assert!(error.to_string().contains("already exempted"), "{error}");
    w.refused(
        &c.principal,
        EXEMPT,
        exemption("gdtc", "year"),
        "payload-invalid",
    );

    // A sealed term takes no exemption; the open semester still does.
    w.ok(
        &c.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
    );
    let mut sealed = exemption("gdtc", "semester_1");
    sealed["reason"] = json!("Bổ sung hồ sơ y tế");
    w.refused(&c.principal, EXEMPT, sealed, "term-sealed");
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_2"));
    assert_eq!(w.ledger.exemptions(&learner(), year()).len(), 2);
}

#[test]
fn a_year_exemption_is_refused_when_either_semester_is_sealed() {
    let c = Cast::new();
    let mut w = school_year(&c);
    w.ok(
        &c.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_2"}),
    );
    w.refused(
        &c.principal,
        EXEMPT,
        exemption("gdtc", "year"),
        "term-sealed",
    );
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_1"));
}

#[test]
fn a_teacher_cannot_decide_an_exemption() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let error = w.refused(
        &c.gdtc,
        EXEMPT,
        exemption("gdtc", "semester_1"),
        "authority-missing",
    );
    assert!(error.to_string().contains("hieu_truong"), "{error}");
    assert!(w.ledger.exemptions(&learner(), year()).is_empty());
}

#[test]
fn an_exemption_after_approval_changes_the_record_digest_and_clears_the_signatures() {
    let c = Cast::new();
    let mut w = school_year(&c);
    eoy_good_learner(&mut w, &c, "10A9", 10, "L2");
    let l2: LearnerCode = "L2".parse().unwrap();
    let approved = w.ledger.record_digest(&l2, year()).unwrap();
    assert_eq!(
        w.ledger.signing_status(&l2, year()),
        SigningStatus::Approved(approved)
    );
    w.ok(
        &c.principal,
        EXEMPT,
        eoy_ref(
            "10A9",
            "L2",
            json!({"subject": "gdtc", "part": "practical", "period": "year", "reason": MEDICAL}),
        ),
    );
    assert_ne!(w.ledger.record_digest(&l2, year()), Some(approved));
    assert_eq!(
        w.ledger.signing_status(&l2, year()),
        SigningStatus::Unsigned
    );
    // Signed again, the record carries the exemption.
    eoy_approve(&mut w, &c, "10A9", "L2");
    assert!(matches!(
        w.ledger.signing_status(&l2, year()),
        SigningStatus::Approved(_)
    ));
}

// ---- make-up assessments (kiểm tra bù) ---------------------------------------------------------

const LATE: &str = "Ốm ngày kiểm tra cuối kỳ, kiểm tra bù ngày 20/12";

fn makeup(kind: &str, slot: Option<u64>, value: &str, reason: Value) -> Value {
    let mut payload = grade("toan", 1, kind, slot, value);
    payload["makeup_reason"] = reason;
    payload
}

#[test]
fn a_makeup_final_shows_as_makeup_with_its_reason() {
    let c = Cast::new();
    let mut w = school_year(&c);
    w.ok(
        &c.toan,
        "assessment.recorded",
        grade("toan", 1, "midterm", None, "7"),
    );
    let at = w.ok(
        &c.toan,
        "assessment.recorded",
        makeup("final", None, "8.5", json!(LATE)),
    );
    let toan: SubjectCode = "toan".parse().unwrap();
    let makeup_of = |ledger: &Ledger, kind| {
        ledger
            .assessment_makeup(&learner(), year(), &toan, Semester::First, kind)
            .map(str::to_owned)
    };
    assert_eq!(
        makeup_of(&w.ledger, AssessmentKind::Final),
        Some(LATE.to_owned())
    );
    assert_eq!(makeup_of(&w.ledger, AssessmentKind::Midterm), None);

    let p = w.checked_projections();
    let transcript = p.transcript(&learner()).unwrap();
    let semester = &transcript
        .year(year())
        .unwrap()
        .subject("toan")
        .unwrap()
        .semesters[0];
    assert!(semester.final_.unwrap().makeup);
    assert!(!semester.midterm.unwrap().makeup);
    assert_eq!(semester.final_makeup.as_deref(), Some(LATE));
    let shown = &year_json(&transcript)["subjects"][0]["semesters"][0];
    assert_eq!(
        shown["final"],
        json!({"value": "8.5", "versions": 1, "at": at, "makeup": true, "makeup_reason": LATE})
    );
    // A value taken on time reads as before: no make-up keys at all.
    assert_eq!(shown["midterm"].as_object().unwrap().len(), 3);

    // A correction changes the value, not the fact that it was made up.
    let request = w.ok(
        &c.toan,
        "correction.requested",
        json!({"target": at, "value": "9.0", "reason": "Chấm phúc khảo"}),
    );
    w.ok(
        &c.principal,
        "correction.approved",
        json!({"request": request}),
    );
    assert_eq!(
        makeup_of(&w.ledger, AssessmentKind::Final),
        Some(LATE.to_owned())
    );
    // Recorded again without the field, the value in force is no make-up.
    w.ok(
        &c.toan,
        "assessment.recorded",
        grade("toan", 1, "final", None, "9.5"),
    );
    assert_eq!(makeup_of(&w.ledger, AssessmentKind::Final), None);
    w.checked_projections();
}

#[test]
fn a_makeup_is_in_the_record_digest_only_when_present() {
    let c = Cast::new();
    let mut on_time = school_year(&c);
    let mut late = school_year(&c);
    on_time.ok(
        &c.toan,
        "assessment.recorded",
        grade("toan", 1, "final", None, "8"),
    );
    late.ok(
        &c.toan,
        "assessment.recorded",
        makeup("final", None, "8", json!(LATE)),
    );
    let digest = |w: &World| w.ledger.record_digest(&learner(), year()).unwrap();
    assert_ne!(digest(&on_time), digest(&late));
}

#[test]
fn a_makeup_is_refused_on_regular_assessments_and_must_be_proper_text() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let error = w.refused(
        &c.toan,
        "assessment.recorded",
        makeup("regular", Some(1), "8", json!(LATE)),
        "payload-invalid",
    );
    assert!(error.to_string().contains("makeup_reason"), "{error}");
    for bad in [
        json!(""),
        json!("  "),
        json!("a".repeat(501)),
        json!("dòng\nhai"),
    ] {
        w.refused(
            &c.toan,
            "assessment.recorded",
            makeup("final", None, "8", bad),
            "payload-invalid",
        );
    }
    w.refused(
        &c.toan,
        "assessment.recorded",
        makeup("midterm", None, "8", json!(true)),
        "payload-malformed",
    );
    // An unknown field is still refused.
    let mut unknown = makeup("final", None, "8", json!(LATE));
    unknown["makeup"] = json!(true);
    w.refused(&c.toan, "assessment.recorded", unknown, "payload-malformed");
    // 500 bytes is the limit.
    w.ok(
        &c.toan,
        "assessment.recorded",
        makeup("midterm", None, "8", json!("b".repeat(500))),
    );
}

#[test]
fn projections_after_a_rebuild_equal_the_incremental_ones() {
    let c = Cast::new();
    let mut w = school_year(&c);
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_1"));
    record_semester(&mut w, &c, 1);
    w.ok(
        &c.toan,
        "assessment.recorded",
        makeup("final", None, "6.5", json!(LATE)),
    );
    w.ok(&c.principal, EXEMPT, exemption("gdtc", "semester_2"));
    let mut midterm = grade("gdtc", 2, "midterm", None, "Đ");
    midterm["semester"] = json!(2);
    midterm["makeup_reason"] = json!("Tham gia hội khỏe Phù Đổng");
    w.ok(&c.gdtc, "assessment.recorded", midterm);
    // `projections` asserts the equality at the end; check it at every prefix too.
    let config = DomainConfig {
        ministry_keys: vec![c.ministry.key],
    };
    let mut incremental = Projections::new(&config);
    for (done, (submission, position)) in w.accepted.iter().enumerate() {
        let event = incremental
            .ledger()
            .authorise(submission, *position)
            .unwrap();
        incremental.apply(submission, event).unwrap();
        let prefix = w.accepted[..=done].iter().map(|(s, p)| (s, *p));
        let rebuilt = Projections::rebuild(&config, prefix).unwrap();
        assert_eq!(rebuilt, incremental, "after index {}", position.index);
    }
    let p = w.checked_projections();
    let shown = year_json(&p.transcript(&learner()).unwrap());
    assert_eq!(shown["exemptions"].as_array().unwrap().len(), 2);
    assert_eq!(
        shown["subjects"][0]["semesters"][0]["final"]["makeup"],
        json!(true)
    );
    assert_eq!(
        shown["subjects"][1]["semesters"][1]["midterm"]["makeup_reason"],
        json!("Tham gia hội khỏe Phù Đổng")
    );
}
