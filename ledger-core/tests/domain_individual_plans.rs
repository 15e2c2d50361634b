//! The two exemption cases of domain.md §3 beyond one year: an exemption for the rest of the
//! school level (`exemption.decided` with `period: "level"`), in force in the learner's later
//! years at that level; accepted, refused with their codes and the ledger unchanged, shown in
//! each year's transcript and digest, and the same whether observed one event at a time or
//! rebuilt.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{LearnerCode, SchoolYear};
use ledger_core::domain::{DomainConfig, ExemptionPeriod, Ledger};
use ledger_core::projection::Projections;
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

/// Rebuilds the projections from the accepted events, checks them against one-at-a-time
/// observation, and returns them.
fn projections(world: &World, cast: &Cast) -> Projections {
    let config = DomainConfig {
        ministry_keys: vec![cast.ministry.key],
    };
    let events = || world.accepted.iter().map(|(s, p)| (s, *p));
    let (rebuilt_ledger, rebuilt) = Projections::rebuild(&config, events()).expect("replays");
    assert_eq!(rebuilt_ledger, world.ledger);
    let mut ledger = Ledger::new(config.clone());
    let mut incremental = Projections::new(&config);
    for (submission, position) in events() {
        let event = ledger.authorise(submission, position).unwrap();
        ledger.apply(event);
        incremental.observe(submission, position, &ledger).unwrap();
    }
    assert_eq!(incremental, rebuilt);
    assert_eq!(
        incremental.transcript(&learner()).map(|t| t.to_json()),
        rebuilt.transcript(&learner()).map(|t| t.to_json())
    );
    rebuilt
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
    let mut w = school_year(&c);
    let at = w.ok(
        &c.principal,
        EXEMPT,
        exemption(YEAR, CLASS, "gdtc", "level"),
    );
    next_class(&mut w, &c, NEXT_YEAR, "11A1", 11);

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

    let p = projections(&w, &c);
    let transcript = p.transcript(&learner()).unwrap();
    let shown = json!([{"subject": "gdtc", "part": "practical", "period": "level",
                        "decided_in": YEAR, "reason": MEDICAL, "index": at}]);
    for school_year in [YEAR, NEXT_YEAR] {
        assert_eq!(
            transcript.year(year(school_year)).unwrap().to_json()["exemptions"],
            shown
        );
    }
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
    projections(&w, &c);
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
    projections(&w, &c);
}

#[test]
fn overlapping_level_exemptions_are_refused_naming_the_earlier_decision() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let at = w.ok(
        &c.principal,
        EXEMPT,
        exemption(YEAR, CLASS, "gdtc", "level"),
    );
    next_class(&mut w, &c, NEXT_YEAR, "11A1", 11);
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
    projections(&w, &c);
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
    projections(&w, &c);
}
