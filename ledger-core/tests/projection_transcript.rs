//! The projections of a school year driven through `authorise`/`apply`: the transcript against
//! averages computed here by hand from the raw scores, the gradebook, the authority state, and
//! the audit trail of a corrected grade.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{Digest, LearnerCode, SchoolYear, Semester, SubjectCode};
use ledger_core::domain::{ClassKey, SigningStatus};
use ledger_core::projection::{AuditSubject, Transcript};
use ledger_core::rules::assess::assess_json;
use serde_json::{json, Value};
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
fn class_key() -> ClassKey {
    ClassKey {
        school: SCHOOL.parse().unwrap(),
        school_year: year(),
        class: CLASS.parse().unwrap(),
    }
}

/// Raw scores of toán (4 regular, mid-term, final) per semester.
const TOAN: [([&str; 4], &str, &str); 2] = [
    (["7", "8.5", "9", "6"], "7.5", "8.5"),
    (["9", "9", "8", "10"], "8", "9.5"),
];

fn tenths(text: &str) -> u64 {
    match text.split_once('.') {
        Some((whole, tenth)) => whole.parse::<u64>().unwrap() * 10 + tenth.parse::<u64>().unwrap(),
        None => text.parse::<u64>().unwrap() * 10,
    }
}

/// n / d rounded half up, in tenths.
fn half_up(n: u64, d: u64) -> u64 {
    (2 * n + d) / (2 * d)
}

fn show(tenths: u64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (4 + 5), by hand.
fn semester_average(regular: &[&str], midterm: &str, final_: &str) -> u64 {
    let sum: u64 = regular.iter().map(|score| tenths(score)).sum();
    half_up(
        sum + 2 * tenths(midterm) + 3 * tenths(final_),
        regular.len() as u64 + 5,
    )
}

fn record_subjects(
    world: &mut World,
    cast: &Cast,
    semester: u64,
    scores: &([&str; 4], &str, &str),
) {
    let (regular, midterm, final_) = scores;
    for (slot, value) in regular.iter().enumerate() {
        world.ok(
            &cast.toan,
            "assessment.recorded",
            grade("toan", semester, "regular", Some(slot as u64 + 1), value),
        );
    }
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", semester, "midterm", None, midterm),
    );
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", semester, "final", None, final_),
    );
    for slot in 1..=2 {
        world.ok(
            &cast.gdtc,
            "assessment.recorded",
            grade("gdtc", semester, "regular", Some(slot), "Đ"),
        );
    }
    world.ok(
        &cast.gdtc,
        "assessment.recorded",
        grade("gdtc", semester, "midterm", None, "Đ"),
    );
    world.ok(
        &cast.gdtc,
        "assessment.recorded",
        grade("gdtc", semester, "final", None, "Đ"),
    );
}

/// The homeroom teacher signs the learner's year off, the principal approves its digest and
/// seals the year; returns the sign-off's index, the digest and the approval's index.
fn sign_off_approve_and_seal(world: &mut World, cast: &Cast) -> (u64, Digest, u64) {
    let signed_off = world.ok(
        &cast.homeroom,
        "learner.signed_off",
        class_ref(json!({"learner": LEARNER})),
    );
    let digest = world.ledger.record_digest(&learner(), year()).unwrap();
    let approved = world.ok(
        &cast.principal,
        "approval.signed",
        json!({"school": SCHOOL, "school_year": YEAR,
               "entries": [{"learner": LEARNER, "record_digest": digest.to_string()}]}),
    );
    world.ok(
        &cast.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "year"}),
    );
    (signed_off, digest, approved)
}

fn transcript(world: &World) -> Transcript {
    world
        .checked_projections()
        .transcript(&learner())
        .expect("a transcript")
}

#[test]
fn a_school_year_transcript_matches_the_hand_computed_results() {
    let cast = Cast::new();
    let mut world = school_year(&cast);

    // Semester 1 with the mid-term recorded twice (a new version), and an absence.
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 1, "midterm", None, "5"),
    );
    record_subjects(&mut world, &cast, 1, &TOAN[0]);
    world.ok(&cast.homeroom, "conduct.recorded", conduct(1, "T"));
    world.ok(
        &cast.homeroom,
        "absence.recorded",
        class_ref(json!({"learner": LEARNER, "semester": 1, "excused": 2, "unexcused": 1})),
    );

    // Mid-year: semester 1 computed, semester 2 and the year pending, never zero.
    let mid = transcript(&world);
    let y = mid.year(year()).unwrap();
    let toan_record = y.subject("toan").unwrap();
    let (r1, m1, f1) = TOAN[0];
    let s1 = semester_average(&r1, m1, f1);
    assert_eq!(
        toan_record.semesters[0].result.unwrap().to_string(),
        show(s1)
    );
    assert_eq!(toan_record.semesters[0].midterm.unwrap().versions, 2);
    assert!(toan_record.semesters[1].result.is_none());
    assert!(toan_record.semesters[1].midterm.is_none());
    assert!(toan_record.year.is_none());
    assert!(y.learning[0].is_some());
    assert!(y.learning_year.is_none() && y.outcome.is_none());
    assert!(y.signing.remaining.contains(&"complete_data"));
    let json = mid.to_json();
    assert_eq!(json["as_of_size"], json!(world.next_index));
    assert_eq!(
        json["years"][0]["subjects"][0]["semesters"][1]["midterm"],
        Value::Null
    );
    assert_eq!(
        json["years"][0]["subjects"][0]["semesters"][1]["result"],
        Value::Null
    );
    assert_eq!(
        json["years"][0]["absences"][0],
        json!({"excused": 2, "unexcused": 1})
    );

    // Semester 2, conduct, confirmations, sign-off, approval, seal.
    record_subjects(&mut world, &cast, 2, &TOAN[1]);
    world.ok(&cast.homeroom, "conduct.recorded", conduct(2, "K"));
    for semester in 1..=2 {
        world.ok(
            &cast.toan,
            "subject.confirmed",
            class_ref(json!({"subject": "toan", "semester": semester})),
        );
        world.ok(
            &cast.gdtc,
            "subject.confirmed",
            class_ref(json!({"subject": "gdtc", "semester": semester})),
        );
    }
    let (signed_off, digest, approved) = sign_off_approve_and_seal(&mut world, &cast);

    let full = transcript(&world);
    let y = full.year(year()).unwrap();
    let (r2, m2, f2) = TOAN[1];
    let s2 = semester_average(&r2, m2, f2);
    let year_average = half_up(s1 + 2 * s2, 3);
    let toan_record = y.subject("toan").unwrap();
    assert_eq!(
        toan_record.semesters[0].result.unwrap().to_string(),
        show(s1)
    );
    assert_eq!(
        toan_record.semesters[1].result.unwrap().to_string(),
        show(s2)
    );
    assert_eq!(toan_record.year.unwrap().to_string(), show(year_average));
    assert_eq!((s1, s2, year_average), (79, 89, 86));
    let gdtc = y.subject("gdtc").unwrap();
    assert_eq!(gdtc.year.unwrap().to_string(), "Đ");
    assert_eq!(toan_record.corrections, 0);
    assert_eq!(y.enrolments.len(), 1);
    assert_eq!(y.enrolments[0].class.as_str(), CLASS);
    assert_eq!(y.enrolments[0].grade, Some(10));
    assert_eq!(
        y.enrolments[0].school_name.as_deref(),
        Some("THPT Chu Văn An")
    );

    // Learning, conduct and outcome: what the rules' JSON calculator says for the same raw year.
    let subject_input = |(regular, midterm, final_): ([&str; 4], &str, &str)| json!({"regular": regular, "midterm": midterm, "final": final_});
    let commented = json!({"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"});
    let expected: Value = serde_json::from_str(
        &assess_json(&json!({
            "rule_set": "TT22", "grade": 10, "school_year": YEAR, "conduct": ["T", "K"],
            "absent_sessions": 3,
            "subjects": [
                {"code": "toan", "assessment": "scored", "periods_per_year": 105,
                 "semesters": [subject_input(TOAN[0]), subject_input(TOAN[1])]},
                {"code": "gdtc", "assessment": "commented", "periods_per_year": 70,
                 "semesters": [commented.clone(), commented]},
            ],
        }))
        .unwrap(),
    )
    .unwrap();
    let json = full.to_json();
    let got = &json["years"][0];
    // The calculator writes averages as JSON numbers; projections as exact decimal strings.
    assert_eq!(
        got["subjects"][0]["year"].as_str().unwrap(),
        expected["subjects"][0]["year"].to_string()
    );
    assert_eq!(
        got["learning"]["semesters"],
        expected["learning"]["semesters"]
    );
    assert_eq!(got["learning"]["year"], expected["learning"]["year"]);
    assert_eq!(got["conduct"]["year"], expected["conduct"]["year"]);
    assert_eq!(got["outcome"], expected["outcome"]);
    // Conduct table: row II = K, column I = T gives K.
    assert_eq!(got["conduct"]["year"], json!("K"));

    // Signing: who signed what; nothing remains.
    assert_eq!(y.signing.status, SigningStatus::Approved(digest));
    assert_eq!(y.signing.signed_off.unwrap().index, signed_off);
    assert_eq!(y.signing.signed_off.unwrap().key, cast.homeroom.key);
    assert_eq!(y.signing.approved.unwrap().0.index, approved);
    assert_eq!(y.signing.approved.unwrap().0.key, cast.principal.key);
    assert_eq!(y.signing.confirmations.len(), 4);
    assert!(y.signing.remaining.is_empty(), "{:?}", y.signing.remaining);

    // The gradebook of toán, semester 2: confirmed and sealed, the learner's row complete.
    let projections = world.checked_projections();
    let book = projections
        .gradebook(&class_key(), &toan(), Semester::Second)
        .unwrap();
    assert!(book.sealed);
    assert_eq!(book.confirmed.unwrap().key, cast.toan.key);
    assert_eq!(book.teacher.unwrap().0, cast.toan.key);
    assert_eq!(book.rows.len(), 1);
    assert_eq!(book.rows[0].semester.result.unwrap().to_string(), show(s2));
    assert_eq!(book.to_json()["rows"][0]["final"]["value"], json!("9.5"));

    // Authority: the principal's grant, granted by the Sở.
    let authority = projections.grants_of(&cast.principal.key);
    assert_eq!(authority.grants.len(), 1);
    assert_eq!(authority.grants[0].grant_id.as_str(), "ht-701");
    assert_eq!(authority.grants[0].granted_by, cast.so.key);
    assert!(authority.grants[0].revoked.is_none());
    assert_eq!(projections.authority().grants.len(), 9);
}

#[test]
fn a_grade_entered_after_a_reopening_lifts_the_sign_off_and_the_approval() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    for semester in 1..=2 {
        record_subjects(&mut world, &cast, semester, &TOAN[semester as usize - 1]);
        world.ok(&cast.homeroom, "conduct.recorded", conduct(semester, "T"));
        confirm_semester(&mut world, &cast, semester);
    }
    let (_, digest, _) = sign_off_approve_and_seal(&mut world, &cast);
    let signed = transcript(&world);
    let y = signed.year(year()).unwrap();
    assert_eq!(y.signing.status, SigningStatus::Approved(digest));
    assert!(y.signing.signed_off.is_some());

    // Reopening keeps the signatures; the first grade entered afterwards lifts them.
    world.ok(
        &cast.principal,
        "term.reopened",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "year",
               "reason": "Sở GDĐT yêu cầu nhập lại điểm cuối kì"}),
    );
    let reopened = transcript(&world);
    let y = reopened.year(year()).unwrap();
    assert_eq!(y.signing.status, SigningStatus::Approved(digest));
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", 2, "final", None, "9"),
    );
    let changed = transcript(&world);
    let y = changed.year(year()).unwrap();
    assert_eq!(y.signing.status, SigningStatus::Unsigned);
    assert!(y.signing.signed_off.is_none());
    assert!(y.signing.approved.is_none());
    assert_eq!(y.signing.history.len(), 2);
    assert!(y.signing.remaining.contains(&"homeroom_sign_off"));
}

#[test]
fn the_audit_trail_of_a_corrected_grade_lists_the_original_the_request_and_the_approval() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    record_subjects(&mut world, &cast, 1, &TOAN[0]);
    world.ok(&cast.homeroom, "conduct.recorded", conduct(1, "T"));
    record_subjects(&mut world, &cast, 2, &TOAN[1]);
    world.ok(&cast.homeroom, "conduct.recorded", conduct(2, "T"));
    let original = world
        .ledger
        .assessment(
            &learner(),
            year(),
            &toan(),
            Semester::Second,
            ledger_core::domain::value::AssessmentKind::Final,
            0,
        )
        .unwrap()
        .1;
    for semester in 1..=2 {
        confirm_semester(&mut world, &cast, semester);
    }
    world.ok(
        &cast.homeroom,
        "learner.signed_off",
        class_ref(json!({"learner": LEARNER})),
    );
    world.ok(
        &cast.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "year"}),
    );
    let request = world.ok(
        &cast.toan,
        "correction.requested",
        json!({"target": original, "value": "6.5", "reason": "Nhập nhầm điểm cuối kì"}),
    );
    let approval = world.ok(
        &cast.principal,
        "correction.approved",
        json!({"request": request}),
    );

    let projections = world.checked_projections();
    let trail = projections.audit(&AuditSubject::Grade {
        learner: learner(),
        school_year: year(),
        subject: toan(),
    });
    let indexes = trail.indexes();
    for index in [original, request, approval] {
        assert!(indexes.contains(&index), "{index} missing from {indexes:?}");
    }
    let entry = |index| trail.entries.iter().find(|e| e.index == index).unwrap();
    assert_eq!(entry(original).event_type, "assessment.recorded");
    assert_eq!(entry(original).author, cast.toan.key);
    assert_eq!(entry(request).event_type, "correction.requested");
    assert_eq!(
        entry(request).reason.as_deref(),
        Some("Nhập nhầm điểm cuối kì")
    );
    assert_eq!(entry(approval).event_type, "correction.approved");
    assert_eq!(entry(approval).author, cast.principal.key);
    // gdtc's assessments are not in toán's trail.
    assert!(trail.entries.iter().all(|e| e.author != cast.gdtc.key));
    assert_eq!(trail.as_of_size, world.next_index);
    assert!(indexes.windows(2).all(|pair| pair[0] < pair[1]));

    // The correction is in force: new version, counted, and the record must be signed again.
    let t = projections.transcript(&learner()).unwrap();
    let y = t.year(year()).unwrap();
    let toan_record = y.subject("toan").unwrap();
    let final_ = toan_record.semesters[1].final_.unwrap();
    assert_eq!(final_.value.to_string(), "6.5");
    assert_eq!(final_.versions, 2);
    assert_eq!(final_.at, approval);
    assert_eq!(toan_record.corrections, 1);
    let (r2, m2, _) = TOAN[1];
    assert_eq!(
        toan_record.semesters[1].result.unwrap().to_string(),
        show(semester_average(&r2, m2, "6.5"))
    );
    assert_eq!(y.signing.status, SigningStatus::Unsigned);
    assert_eq!(y.signing.history.len(), 1);
    assert!(y.signing.remaining.contains(&"homeroom_sign_off"));

    // The learner's, the class's and the teacher's trails hold the correction too.
    for subject in [
        AuditSubject::Learner(learner()),
        AuditSubject::Class(class_key()),
    ] {
        let indexes = projections.audit(&subject).indexes();
        assert!(indexes.contains(&request) && indexes.contains(&approval));
    }
    let teacher = projections
        .audit(&AuditSubject::Key(cast.toan.key))
        .indexes();
    assert!(teacher.contains(&original) && teacher.contains(&request));
    assert!(!teacher.contains(&approval));
}
