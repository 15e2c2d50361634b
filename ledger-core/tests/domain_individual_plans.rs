//! The two exemption cases of domain.md §3 beyond one year's practical part: an exemption for
//! the rest of the school level (`exemption.decided` with `period: "level"`), in force in the
//! learner's later years at that level; and the individual education plan of a learner with
//! disabilities (`individual_plan.decided`), under which a subject is assessed on the plan or
//! not assessed. Each accepted, refused with its codes and the ledger unchanged, shown in the
//! transcript and the record digest, and the same whether observed one event at a time or
//! rebuilt.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{LearnerCode, SchoolYear, Semester};
use ledger_core::domain::{DomainConfig, ExemptionPeriod};
use ledger_core::projection::{AuditSubject, Projections};
use serde_json::{json, Value};
use support::*;

const EXEMPT: &str = "exemption.decided";
const MEDICAL: &str = "Giấy xác nhận của bệnh viện: bệnh tim bẩm sinh, miễn phần thực hành";
const NEXT_YEAR: &str = "2027-2028";
const LATER_YEAR: &str = "2028-2029";

fn year(text: &str) -> SchoolYear {
    text.parse().unwrap()
}

fn learner() -> LearnerCode {
    LEARNER.parse().unwrap()
}

/// A payload naming the learner in `class` of `school_year`, with `extra` fields.
fn in_class(school_year: &str, class: &str, extra: Value) -> Value {
    let mut payload = json!({"school": SCHOOL, "school_year": school_year, "class": class,
                             "learner": LEARNER});
    if let (Value::Object(target), Value::Object(more)) = (&mut payload, extra) {
        target.extend(more);
    }
    payload
}

/// An exemption of the learner in `class` of `school_year` from the practical part of `subject`.
fn exemption(school_year: &str, class: &str, subject: &str, period: &str) -> Value {
    in_class(
        school_year,
        class,
        json!({"subject": subject, "part": "practical", "period": period, "reason": MEDICAL}),
    )
}

/// Opens `class` of `grade` in `school_year` (toan and gdtc, as the first year's class) and
/// enrols the learner there.
fn next_class(w: &mut World, c: &Cast, school_year: &str, class: &str, grade: u64) {
    w.ok(
        &c.principal,
        "class.opened",
        json!({"school": SCHOOL, "school_year": school_year, "class": class, "grade": grade,
        "subjects": [
            {"code": "toan", "mode": "scored", "periods_per_year": 105},
            {"code": "gdtc", "mode": "commented", "periods_per_year": 70},
        ]}),
    );
    w.ok(
        &c.principal,
        "learner.enrolled",
        in_class(school_year, class, json!({})),
    );
}

/// The test school's year with the learner exempted from gdtc's practical part for the level,
/// then enrolled in grade 11 the next year; and the index of the exemption.
fn exempted_for_the_level(c: &Cast) -> (World, u64) {
    let mut w = school_year(c);
    let at = w.ok(
        &c.principal,
        EXEMPT,
        exemption(YEAR, CLASS, "gdtc", "level"),
    );
    next_class(&mut w, c, NEXT_YEAR, "11A1", 11);
    (w, at)
}

/// The indexes in the learner's audit trail of `subject` in `school_year`.
fn subject_trail(p: &Projections, school_year: &str, subject: &str) -> Vec<u64> {
    p.audit(&AuditSubject::Grade {
        learner: learner(),
        school_year: year(school_year),
        subject: subject.parse().unwrap(),
    })
    .indexes()
}

/// The record digest as `docs/EVENTS.md` specifies it, from the content lines.
fn digest_of(school_year: &str, lines: &[&str]) -> String {
    let mut lines: Vec<&str> = lines.to_vec();
    lines.sort_unstable();
    let mut text =
        format!("hocba-ledger/learner-year/v1\nlearner {LEARNER}\nschool_year {school_year}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

#[test]
fn a_level_exemption_is_in_force_in_the_later_years_of_the_level() {
    let c = Cast::new();
    let (w, at) = exempted_for_the_level(&c);
    for school_year in [YEAR, NEXT_YEAR] {
        let held = w.ledger.exemptions(&learner(), year(school_year));
        assert_eq!(held.len(), 1, "{school_year}");
        assert_eq!(held[0].period, ExemptionPeriod::Level);
        assert_eq!(held[0].index, at);
        assert_eq!(held[0].school_year, year(YEAR));
    }
    // The later year's digest covers it, as specified, naming the year it was decided in.
    let expected = digest_of(
        NEXT_YEAR,
        &[
            &format!("enrolment {SCHOOL} 11A1"),
            &format!("exemption gdtc practical level {YEAR}"),
        ],
    );
    assert_eq!(
        w.ledger
            .record_digest(&learner(), year(NEXT_YEAR))
            .unwrap()
            .to_string(),
        expected
    );
    let first = digest_of(
        YEAR,
        &[
            &format!("enrolment {SCHOOL} {CLASS}"),
            &format!("exemption gdtc practical level {YEAR}"),
        ],
    );
    assert_eq!(
        w.ledger
            .record_digest(&learner(), year(YEAR))
            .unwrap()
            .to_string(),
        first
    );

    let p = w.checked_projections();
    let transcript = p.transcript(&learner()).unwrap();
    let shown = json!([{"subject": "gdtc", "part": "practical", "period": "level",
                        "decided_in": YEAR, "reason": MEDICAL, "index": at}]);
    for school_year in [YEAR, NEXT_YEAR] {
        assert_eq!(
            transcript.year(year(school_year)).unwrap().to_json()["exemptions"],
            shown
        );
        // Decided before the later year began, it is in that year's trail of gdtc, in order.
        let trail = subject_trail(&p, school_year, "gdtc");
        assert!(trail.contains(&at), "{school_year}");
        assert!(trail.windows(2).all(|pair| pair[0] < pair[1]), "{trail:?}");
    }
}

const REVOKE: &str = "exemption.revoked";

/// The revocation of the exemption decided at `index`, in the year's class.
fn revocation(school_year: &str, class: &str, subject: &str, index: u64) -> Value {
    in_class(
        school_year,
        class,
        json!({"subject": subject, "exemption": index,
               "reason": "Quyết định miễn nhầm học sinh, thu hồi"}),
    )
}

#[test]
fn a_revoked_level_exemption_leaves_every_year_it_covered() {
    let c = Cast::new();
    let (mut w, decided) = exempted_for_the_level(&c);
    let revoked = w.ok(
        &c.principal,
        REVOKE,
        revocation(YEAR, CLASS, "gdtc", decided),
    );
    for (school_year, class) in [(YEAR, CLASS), (NEXT_YEAR, "11A1")] {
        assert!(w
            .ledger
            .exemptions(&learner(), year(school_year))
            .is_empty());
        assert_eq!(
            w.ledger
                .record_digest(&learner(), year(school_year))
                .unwrap()
                .to_string(),
            digest_of(school_year, &[&format!("enrolment {SCHOOL} {class}")]),
            "{school_year}: the digest as if never exempted"
        );
    }
    let p = w.checked_projections();
    let transcript = p.transcript(&learner()).unwrap();
    for school_year in [YEAR, NEXT_YEAR] {
        assert_eq!(
            transcript.year(year(school_year)).unwrap().to_json()["exemptions"],
            json!([])
        );
    }
    // The decision and its revocation stay in the trails, the revocation with its reason.
    let trail = p.audit(&AuditSubject::Learner(learner()));
    let entry = trail
        .entries
        .iter()
        .find(|entry| entry.index == revoked)
        .expect("the learner's trail lists the revocation");
    assert_eq!(entry.event_type, REVOKE);
    assert_eq!(
        entry.reason.as_deref(),
        Some("Quyết định miễn nhầm học sinh, thu hồi")
    );
    for school_year in [YEAR, NEXT_YEAR] {
        let trail = subject_trail(&p, school_year, "gdtc");
        assert!(
            trail.contains(&decided) && trail.contains(&revoked),
            "{school_year}: {trail:?}"
        );
    }

    // The same exemption may be decided again.
    w.ok(&c.principal, EXEMPT, exemption(YEAR, CLASS, "gdtc", "year"));
    w.checked_projections();
}

#[test]
fn revocations_are_refused_with_their_codes_and_change_nothing() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let decided = w.ok(&c.principal, EXEMPT, exemption(YEAR, CLASS, "gdtc", "year"));
    // Not an exemption, another subject's, or by a deputy.
    for (index, subject) in [(decided - 1, "gdtc"), (decided, "gdqp_an")] {
        w.refused(
            &c.principal,
            REVOKE,
            revocation(YEAR, CLASS, subject, index),
            "exemption-unknown",
        );
    }
    w.refused(
        &c.deputy,
        REVOKE,
        revocation(YEAR, CLASS, "gdtc", decided),
        "authority-missing",
    );
    let mut unexplained = revocation(YEAR, CLASS, "gdtc", decided);
    unexplained["reason"] = json!(" ");
    w.refused(&c.principal, REVOKE, unexplained, "reason-missing");
    // A semester it covers is sealed.
    w.ok(
        &c.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
    );
    w.refused(
        &c.principal,
        REVOKE,
        revocation(YEAR, CLASS, "gdtc", decided),
        "term-sealed",
    );
    w.ok(
        &c.principal,
        "term.reopened",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1",
               "reason": "Thu hồi quyết định miễn"}),
    );
    w.ok(
        &c.principal,
        REVOKE,
        revocation(YEAR, CLASS, "gdtc", decided),
    );
    // Revoked once, it is gone.
    w.refused(
        &c.principal,
        REVOKE,
        revocation(YEAR, CLASS, "gdtc", decided),
        "exemption-unknown",
    );
    w.checked_projections();
}

#[test]
fn a_level_exemption_does_not_reach_another_level() {
    let c = Cast::new();
    let mut w = school_year(&c);
    // A grade 9 class: THCS. The learner then moves up to THPT.
    w.ok(
        &c.principal,
        "class.opened",
        json!({"school": SCHOOL, "school_year": YEAR, "class": "9A1", "grade": 9,
               "subjects": [{"code": "gdtc", "mode": "commented", "periods_per_year": 70}]}),
    );
    let other: LearnerCode = "7900070100002".parse().unwrap();
    w.ok(
        &c.clerk,
        "learner.registered",
        json!({"learner": other.to_string(), "identity_commitment": COMMITMENT, "school": SCHOOL}),
    );
    w.ok(
        &c.clerk,
        "learner.enrolled",
        json!({"school": SCHOOL, "school_year": YEAR, "class": "9A1", "learner": other.to_string()}),
    );
    w.ok(
        &c.principal,
        EXEMPT,
        json!({"school": SCHOOL, "school_year": YEAR, "class": "9A1", "learner": other.to_string(),
               "subject": "gdtc", "part": "practical", "period": "level", "reason": MEDICAL}),
    );
    next_class(&mut w, &c, NEXT_YEAR, "10A2", 10);
    w.ok(
        &c.principal,
        "learner.enrolled",
        json!({"school": SCHOOL, "school_year": NEXT_YEAR, "class": "10A2",
               "learner": other.to_string()}),
    );
    assert_eq!(w.ledger.exemptions(&other, year(YEAR)).len(), 1);
    assert!(w.ledger.exemptions(&other, year(NEXT_YEAR)).is_empty());
    // So a new exemption at the new level is not an overlap.
    w.ok(
        &c.principal,
        EXEMPT,
        json!({"school": SCHOOL, "school_year": NEXT_YEAR, "class": "10A2",
               "learner": other.to_string(), "subject": "gdtc", "part": "practical",
               "period": "year", "reason": MEDICAL}),
    );
    w.checked_projections();
}

#[test]
fn a_level_exemption_decided_after_a_later_years_record_reaches_it() {
    let c = Cast::new();
    let mut w = school_year(&c);
    next_class(&mut w, &c, NEXT_YEAR, "11A1", 11);
    let before = w.ledger.record_digest(&learner(), year(NEXT_YEAR)).unwrap();
    // Decided in the first year after the later year's record exists: it reaches it.
    w.ok(
        &c.principal,
        EXEMPT,
        exemption(YEAR, CLASS, "gdtc", "level"),
    );
    assert_ne!(
        w.ledger.record_digest(&learner(), year(NEXT_YEAR)).unwrap(),
        before
    );
    assert_eq!(w.ledger.exemptions(&learner(), year(NEXT_YEAR)).len(), 1);
    let decided = w.next_index - 1;
    let p = w.checked_projections();
    assert!(subject_trail(&p, NEXT_YEAR, "gdtc").contains(&decided));
}

#[test]
fn overlapping_level_exemptions_are_refused_naming_the_earlier_decision() {
    let c = Cast::new();
    let (mut w, at) = exempted_for_the_level(&c);
    next_class(&mut w, &c, LATER_YEAR, "12A1", 12);
    let unchanged = w.ledger.clone();
    for (school_year, class, period) in [
        (YEAR, CLASS, "semester_1"),
        (YEAR, CLASS, "level"),
        (NEXT_YEAR, "11A1", "year"),
        (NEXT_YEAR, "11A1", "semester_2"),
        (LATER_YEAR, "12A1", "level"),
    ] {
        let err = w
            .refused(
                &c.principal,
                EXEMPT,
                exemption(school_year, class, "gdtc", period),
                "payload-invalid",
            )
            .to_string();
        assert!(
            err.contains(&format!("log index {at}")),
            "{school_year} {period}: {err}"
        );
    }
    assert_eq!(w.ledger, unchanged);
    w.checked_projections();
}

#[test]
fn a_level_exemption_after_a_later_years_exemption_is_refused() {
    let c = Cast::new();
    let mut w = school_year(&c);
    next_class(&mut w, &c, NEXT_YEAR, "11A1", 11);
    let later = w.ok(
        &c.principal,
        EXEMPT,
        exemption(NEXT_YEAR, "11A1", "gdtc", "semester_2"),
    );
    let err = w
        .refused(
            &c.principal,
            EXEMPT,
            exemption(YEAR, CLASS, "gdtc", "level"),
            "payload-invalid",
        )
        .to_string();
    assert!(err.contains(&format!("log index {later}")), "{err}");
    // The first year alone is still open to a year exemption.
    w.ok(&c.principal, EXEMPT, exemption(YEAR, CLASS, "gdtc", "year"));
    w.checked_projections();
}

const PLAN: &str = "individual_plan.decided";
const DISABILITY: &str = "Kế hoạch giáo dục cá nhân số 12/KH: khuyết tật vận động";
const EOY_LEARNER: &str = "7900070100009";
const EOY_CLASS: &str = "10A9";

/// A plan for `learner` in `class` of the first year, naming `subjects` as (code, assessment).
fn plan(class: &str, learner: &str, subjects: &[(&str, &str)]) -> Value {
    let subjects: Vec<Value> = subjects
        .iter()
        .map(|(code, assessment)| json!({"subject": code, "assessment": assessment}))
        .collect();
    eoy_ref(
        class,
        learner,
        json!({"subjects": subjects, "reason": DISABILITY}),
    )
}

/// Every assessment of the six scored subjects of an [`eoy_class`] at `score`, both
/// semesters, and conduct T: gdtc is left out.
fn record_all_but_gdtc(w: &mut World, c: &Cast, score: &str) {
    for semester in [1, 2] {
        for code in EOY_SUBJECTS {
            let mut kinds = vec![json!({"kind": "midterm"}), json!({"kind": "final"})];
            kinds.extend((1..=2).map(|slot| json!({"kind": "regular", "slot": slot})));
            for kind in kinds {
                let mut payload = eoy_ref(
                    EOY_CLASS,
                    EOY_LEARNER,
                    json!({"subject": code, "semester": semester, "value": score}),
                );
                if let (Value::Object(target), Value::Object(more)) = (&mut payload, kind) {
                    target.extend(more);
                }
                w.ok(&c.toan, "assessment.recorded", payload);
            }
        }
        w.ok(
            &c.homeroom,
            "conduct.recorded",
            eoy_ref(
                EOY_CLASS,
                EOY_LEARNER,
                json!({"semester": semester, "value": "T"}),
            ),
        );
    }
}

/// The test school's year with the end-of-year class and its learner.
fn eoy_world(c: &Cast) -> World {
    let mut w = school_year(c);
    eoy_class(&mut w, c, EOY_CLASS, 10, EOY_LEARNER);
    w
}

/// The principal's plan marking gdtc not assessed for the end-of-year learner; its index.
fn exclude_gdtc(w: &mut World, c: &Cast) -> u64 {
    w.ok(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("gdtc", "not_assessed")]),
    )
}

fn eoy_learner_code() -> LearnerCode {
    EOY_LEARNER.parse().unwrap()
}

/// Rebuilds and checks the projections as [`projections`] does, for the plan's learner.
fn plan_projections(world: &World, cast: &Cast) -> Projections {
    let rebuilt = world.checked_projections();
    let config = DomainConfig {
        ministry_keys: vec![cast.ministry.key],
    };
    let mut incremental = Projections::new(&config);
    for (submission, position) in world.accepted.iter().map(|(s, p)| (s, *p)) {
        let event = incremental
            .ledger()
            .authorise(submission, position)
            .unwrap();
        incremental.apply(submission, event).unwrap();
    }
    assert_eq!(
        incremental
            .transcript(&eoy_learner_code())
            .map(|t| t.to_json()),
        rebuilt.transcript(&eoy_learner_code()).map(|t| t.to_json())
    );
    rebuilt
}

#[test]
fn an_individual_plan_is_in_the_record_the_digest_and_the_transcript() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    let at = w.ok(
        &c.principal,
        PLAN,
        plan(
            EOY_CLASS,
            EOY_LEARNER,
            &[("gdtc", "not_assessed"), ("van", "individual_plan")],
        ),
    );
    let held = w
        .ledger
        .individual_plan(&eoy_learner_code(), year(YEAR))
        .expect("the plan");
    assert_eq!(held.index, at);
    assert_eq!(held.reason, DISABILITY);
    assert!(held.excludes(&"gdtc".parse().unwrap()));
    assert!(!held.excludes(&"van".parse().unwrap()));

    // The digest covers it, one line a subject.
    let expected = blake3::hash(
        format!(
            "hocba-ledger/learner-year/v1\nlearner {EOY_LEARNER}\nschool_year {YEAR}\n\
             enrolment {SCHOOL} {EOY_CLASS}\nindividual_plan gdtc not_assessed\n\
             individual_plan van individual_plan\n"
        )
        .as_bytes(),
    )
    .to_hex()
    .to_string();
    assert_eq!(
        w.ledger
            .record_digest(&eoy_learner_code(), year(YEAR))
            .unwrap()
            .to_string(),
        expected
    );

    let p = plan_projections(&w, &c);
    let shown = p
        .transcript(&eoy_learner_code())
        .unwrap()
        .year(year(YEAR))
        .unwrap()
        .to_json();
    assert_eq!(
        shown["individual_plan"],
        json!({"subjects": [{"subject": "gdtc", "assessment": "not_assessed"},
                            {"subject": "van", "assessment": "individual_plan"}],
               "reason": DISABILITY, "index": at})
    );
    let assessment_of = |code: &str| {
        shown["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|subject| subject["code"] == code)
            .unwrap()["assessment"]
            .clone()
    };
    assert_eq!(assessment_of("gdtc"), "not_assessed");
    assert_eq!(assessment_of("van"), "individual_plan");
    assert_eq!(assessment_of("toan"), "regular");

    // The class's gradebooks mark the learner's row the same way, so an empty row reads as
    // intended and not as missing grades.
    let class = ledger_core::domain::ClassKey {
        school: SCHOOL.parse().unwrap(),
        school_year: year(YEAR),
        class: EOY_CLASS.parse().unwrap(),
    };
    for (subject, expected) in [
        ("gdtc", "not_assessed"),
        ("van", "individual_plan"),
        ("toan", "regular"),
    ] {
        let gradebook = p
            .gradebook(&class, &subject.parse().unwrap(), Semester::First)
            .expect("the class studies the subject")
            .to_json();
        let row = gradebook["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["learner"] == EOY_LEARNER)
            .expect("the learner's row")
            .clone();
        assert_eq!(row["assessment"], expected, "{subject}");
    }

    let trail = p.audit(&AuditSubject::Learner(eoy_learner_code()));
    let entry = trail
        .entries
        .iter()
        .find(|entry| entry.index == at)
        .expect("the learner's trail lists the plan");
    assert_eq!(entry.event_type, PLAN);
    assert_eq!(entry.author, c.principal.key);
    assert_eq!(entry.reason.as_deref(), Some(DISABILITY));
    let grade_trail = |subject: &str| {
        p.audit(&AuditSubject::Grade {
            learner: eoy_learner_code(),
            school_year: year(YEAR),
            subject: subject.parse().unwrap(),
        })
        .indexes()
    };
    assert!(grade_trail("gdtc").contains(&at));
    assert!(grade_trail("van").contains(&at));
    assert!(!grade_trail("toan").contains(&at));
}

#[test]
fn an_assessment_in_a_subject_not_assessed_is_refused() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    let at = exclude_gdtc(&mut w, &c);
    let err = w.refused(
        &c.gdtc,
        "assessment.recorded",
        eoy_ref(
            EOY_CLASS,
            EOY_LEARNER,
            json!({"subject": "gdtc", "semester": 1, "kind": "midterm", "value": "Đ"}),
        ),
        "subject-not-assessed",
    );
    assert!(
        err.to_string().contains(&format!("log index {at}")),
        "{err}"
    );
    // A subject on the individual plan is assessed as usual.
    w.ok(
        &c.toan,
        "assessment.recorded",
        eoy_ref(
            EOY_CLASS,
            EOY_LEARNER,
            json!({"subject": "van", "semester": 1, "kind": "midterm", "value": "7"}),
        ),
    );
    plan_projections(&w, &c);
}

#[test]
fn the_year_is_signed_decided_and_computed_over_the_assessed_subjects() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    exclude_gdtc(&mut w, &c);
    record_all_but_gdtc(&mut w, &c, "8");
    // Complete but for gdtc, which the plan does not assess: signed off and approved.
    eoy_approve(&mut w, &c, EOY_CLASS, EOY_LEARNER);
    assert!(w.ledger.is_signed_off(&eoy_learner_code(), year(YEAR)));
    // Six averages of 8.0 and conduct T: Tốt, promoted, Học sinh Giỏi.
    w.ok(
        &c.principal,
        "promotion.decided",
        eoy_learner(EOY_LEARNER, json!({"outcome": "promoted"})),
    );
    w.ok(
        &c.principal,
        "award.granted",
        eoy_learner(EOY_LEARNER, json!({"award": "good"})),
    );

    let p = plan_projections(&w, &c);
    let shown = p
        .transcript(&eoy_learner_code())
        .unwrap()
        .year(year(YEAR))
        .unwrap()
        .to_json();
    assert_eq!(shown["learning"]["year"], "T");
    assert_eq!(shown["outcome"], "promoted");
    assert_eq!(shown["award"], "good");
    assert!(!shown["signing"]["remaining"]
        .as_array()
        .unwrap()
        .contains(&json!("complete_data")));
    let gdtc = shown["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|subject| subject["code"] == "gdtc")
        .unwrap()
        .clone();
    assert_eq!(gdtc["assessment"], "not_assessed");
    assert_eq!(gdtc["year"], Value::Null);
}

#[test]
fn without_the_plan_the_same_record_is_incomplete() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    record_all_but_gdtc(&mut w, &c, "8");
    for semester in [1, 2] {
        eoy_confirm(&mut w, &c, EOY_CLASS, semester);
    }
    w.refused(
        &c.homeroom,
        "learner.signed_off",
        eoy_ref(EOY_CLASS, EOY_LEARNER, json!({})),
        "record-incomplete",
    );
}

#[test]
fn a_plan_clears_the_signatures_of_the_year() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    eoy_record(
        &mut w,
        &c,
        EOY_CLASS,
        EOY_LEARNER,
        ["8"; 6],
        "Đ",
        ["T", "T"],
    );
    eoy_approve(&mut w, &c, EOY_CLASS, EOY_LEARNER);
    w.ok(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("gdtc", "individual_plan")]),
    );
    assert!(!w.ledger.is_signed_off(&eoy_learner_code(), year(YEAR)));
    plan_projections(&w, &c);
}

#[test]
fn individual_plans_are_refused_with_their_codes_and_change_nothing() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    let good = || plan(EOY_CLASS, EOY_LEARNER, &[("gdtc", "not_assessed")]);

    // The payload.
    let mut extra = good();
    extra["note"] = json!("thêm");
    w.refused(&c.principal, PLAN, extra, "payload-malformed");
    let mut not_a_list = good();
    not_a_list["subjects"] = json!("gdtc");
    w.refused(&c.principal, PLAN, not_a_list, "payload-malformed");
    w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[]),
        "payload-invalid",
    );
    w.refused(
        &c.principal,
        PLAN,
        plan(
            EOY_CLASS,
            EOY_LEARNER,
            &[("gdtc", "not_assessed"), ("gdtc", "individual_plan")],
        ),
        "payload-invalid",
    );
    w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("gdtc", "exempt")]),
        "payload-invalid",
    );
    let mut missing = good();
    missing.as_object_mut().unwrap().remove("reason");
    w.refused(&c.principal, PLAN, missing, "reason-missing");

    // The class and its subjects.
    w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("tin", "not_assessed")]),
        "subject-unknown",
    );
    w.refused(
        &c.principal,
        PLAN,
        plan("10Z9", EOY_LEARNER, &[("gdtc", "not_assessed")]),
        "class-unknown",
    );

    // Only a principal of the school for the year.
    w.refused(&c.homeroom, PLAN, good(), "authority-missing");

    // A learner of the class.
    w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, LEARNER, &[("gdtc", "not_assessed")]),
        "learner-not-enrolled",
    );

    w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, "7900070199999", &[("gdtc", "not_assessed")]),
        "learner-unknown",
    );

    // An assessment in a subject it would exclude.
    let first = w.ok(
        &c.gdtc,
        "assessment.recorded",
        eoy_ref(
            EOY_CLASS,
            EOY_LEARNER,
            json!({"subject": "gdtc", "semester": 1, "kind": "midterm", "value": "Đ"}),
        ),
    );
    let err = w.refused(&c.principal, PLAN, good(), "subject-already-assessed");
    assert!(
        err.to_string().contains(&format!("log index {first}")),
        "{err}"
    );

    // One plan a year.
    let at = w.ok(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("gdtc", "individual_plan")]),
    );
    let err = w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("van", "individual_plan")]),
        "payload-invalid",
    );
    assert!(
        err.to_string().contains(&format!("log index {at}")),
        "{err}"
    );
    // A revision names the plan in force; another index, or a plan where none is, is refused.
    let mut wrong = plan(EOY_CLASS, EOY_LEARNER, &[("van", "individual_plan")]);
    wrong["replaces"] = json!(at - 1);
    w.refused(&c.principal, PLAN, wrong, "payload-invalid");
    let mut nothing = plan(EOY_CLASS, LEARNER, &[("gdtc", "individual_plan")]);
    nothing["replaces"] = json!(at);
    nothing["class"] = json!(CLASS);
    w.refused(&c.principal, PLAN, nothing, "payload-invalid");
    // A revision may not mark not assessed a subject already assessed either.
    let mut excluding = good();
    excluding["replaces"] = json!(at);
    w.refused(&c.principal, PLAN, excluding, "subject-already-assessed");
    plan_projections(&w, &c);
}

#[test]
fn a_revised_plan_replaces_the_one_in_force() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    let first = exclude_gdtc(&mut w, &c);
    let mut revised = plan(EOY_CLASS, EOY_LEARNER, &[("van", "individual_plan")]);
    revised["replaces"] = json!(first);
    let second = w.ok(&c.principal, PLAN, revised);

    let held = w
        .ledger
        .individual_plan(&eoy_learner_code(), year(YEAR))
        .expect("the revised plan");
    assert_eq!(held.index, second);
    assert!(!held.excludes(&"gdtc".parse().unwrap()));
    // gdtc is assessed again: its grades are taken.
    w.ok(
        &c.gdtc,
        "assessment.recorded",
        eoy_ref(
            EOY_CLASS,
            EOY_LEARNER,
            json!({"subject": "gdtc", "semester": 1, "kind": "midterm", "value": "Đ"}),
        ),
    );
    let p = plan_projections(&w, &c);
    let shown = p
        .transcript(&eoy_learner_code())
        .unwrap()
        .year(year(YEAR))
        .unwrap()
        .to_json();
    assert_eq!(
        shown["individual_plan"]["subjects"],
        json!([{"subject": "van", "assessment": "individual_plan"}])
    );
    // Both plans are in the trails of the subjects either names.
    for subject in ["gdtc", "van"] {
        let trail = p
            .audit(&AuditSubject::Grade {
                learner: eoy_learner_code(),
                school_year: year(YEAR),
                subject: subject.parse().unwrap(),
            })
            .indexes();
        assert!(trail.contains(&second), "{subject}");
    }
}

#[test]
fn a_plan_in_a_sealed_semester_is_refused() {
    let c = Cast::new();
    let mut w = eoy_world(&c);
    w.ok(
        &c.principal,
        "term.sealed",
        json!({"school": SCHOOL, "school_year": YEAR, "term": "semester_1"}),
    );
    w.refused(
        &c.principal,
        PLAN,
        plan(EOY_CLASS, EOY_LEARNER, &[("gdtc", "not_assessed")]),
        "term-sealed",
    );
}

#[test]
fn a_level_exemption_needs_both_semesters_of_its_year_open() {
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
        exemption(YEAR, CLASS, "gdtc", "level"),
        "term-sealed",
    );
    w.ok(
        &c.principal,
        EXEMPT,
        exemption(YEAR, CLASS, "gdtc", "semester_1"),
    );
}
