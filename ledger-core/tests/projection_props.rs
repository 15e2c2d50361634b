//! Property: the projections are a function of the log. Fed one event at a time, as the node
//! applies them, they equal the projections rebuilt from scratch at every prefix (whole state
//! and every answer's JSON).

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{
    AssessmentKind, LearnerCode, SchoolYear, Semester, SubjectCode, Term,
};
use ledger_core::domain::{ClassKey, DomainConfig, Ledger};
use ledger_core::projection::{AuditSubject, ProjectionError, Projections};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::*;

#[derive(Debug, Clone)]
enum Step {
    Grade(u8, u8, u8, u8, u8),
    Conduct(u8, u8),
    Absence(u8, u8),
    Confirm(u8, u8),
    Seal(u8),
    Reopen(u8),
    Correct(u8, u8),
    ApproveCorrection(u8),
    SignOff,
    Approve,
    Revoke,
    SetPolicy(u8),
    Plan(u8),
    Exempt(u8),
    RevokeExemption(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0..2u8, 1..=2u8, 0..3u8, 1..=4u8, 0..=100u8)
            .prop_map(|(s, sem, kind, slot, v)| Step::Grade(s, sem, kind, slot, v)),
        2 => (1..=2u8, 0..4u8).prop_map(|(sem, level)| Step::Conduct(sem, level)),
        1 => (1..=2u8, 0..60u8).prop_map(|(sem, n)| Step::Absence(sem, n)),
        1 => (0..2u8, 1..=2u8).prop_map(|(s, sem)| Step::Confirm(s, sem)),
        1 => (0..3u8).prop_map(Step::Seal),
        1 => (0..3u8).prop_map(Step::Reopen),
        2 => (any::<u8>(), 0..=100u8).prop_map(|(back, v)| Step::Correct(back, v)),
        2 => any::<u8>().prop_map(Step::ApproveCorrection),
        1 => Just(Step::SignOff),
        1 => Just(Step::Approve),
        1 => Just(Step::Revoke),
        1 => any::<u8>().prop_map(Step::SetPolicy),
        1 => any::<u8>().prop_map(Step::Plan),
        1 => any::<u8>().prop_map(Step::Exempt),
        1 => any::<u8>().prop_map(Step::RevokeExemption),
    ]
}

const SUBJECTS: [&str; 2] = ["toan", "gdtc"];
const KINDS: [&str; 3] = ["regular", "midterm", "final"];
const TERMS: [&str; 3] = ["semester_1", "semester_2", "year"];
const LEVELS: [&str; 4] = ["T", "K", "Đ", "CĐ"];

fn value(subject: u8, v: u8) -> String {
    if subject == 1 {
        if v % 3 == 0 { "CĐ" } else { "Đ" }.to_owned()
    } else {
        format!("{}.{}", v / 10, v % 10)
    }
}

/// The `back`-th latest accepted event of one of `types`, if any.
fn pick(world: &World, back: u8, types: &[&str]) -> Option<u64> {
    let found: Vec<u64> = world
        .accepted
        .iter()
        .filter(|(s, _)| types.contains(&s.submission().event_type()))
        .map(|(_, p)| p.index)
        .collect();
    (!found.is_empty()).then(|| found[found.len() - 1 - usize::from(back) % found.len()])
}

/// Runs one step; refusals are expected and skipped.
fn run(world: &mut World, cast: &Cast, step: &Step) {
    let term =
        |t: u8| json!({"school": SCHOOL, "school_year": YEAR, "term": TERMS[usize::from(t)]});
    let _ = match step {
        Step::Grade(s, sem, kind, slot, v) => {
            let teacher = if *s == 0 { &cast.toan } else { &cast.gdtc };
            let kind = KINDS[usize::from(*kind)];
            let slot = (kind == "regular").then_some(u64::from(*slot));
            world.submit(
                teacher,
                "assessment.recorded",
                grade(
                    SUBJECTS[usize::from(*s)],
                    u64::from(*sem),
                    kind,
                    slot,
                    &value(*s, *v),
                ),
            )
        }
        Step::Conduct(sem, level) => world.submit(
            &cast.homeroom,
            "conduct.recorded",
            conduct(u64::from(*sem), LEVELS[usize::from(*level)]),
        ),
        Step::Absence(sem, n) => world.submit(
            &cast.homeroom,
            "absence.recorded",
            class_ref(
                json!({"learner": LEARNER, "semester": sem, "excused": n, "unexcused": n / 3}),
            ),
        ),
        Step::Confirm(s, sem) => {
            let teacher = if *s == 0 { &cast.toan } else { &cast.gdtc };
            world.submit(
                teacher,
                "subject.confirmed",
                class_ref(json!({"subject": SUBJECTS[usize::from(*s)], "semester": sem})),
            )
        }
        Step::Seal(t) => world.submit(&cast.principal, "term.sealed", term(*t)),
        Step::Reopen(t) => {
            let mut payload = term(*t);
            payload["reason"] = json!("Mở lại để sửa");
            world.submit(&cast.principal, "term.reopened", payload)
        }
        Step::Correct(back, v) => {
            let Some(target) = pick(
                world,
                *back,
                &[
                    "assessment.recorded",
                    "conduct.recorded",
                    "correction.approved",
                ],
            ) else {
                return;
            };
            let new_value = match world.accepted.iter().find(|(_, p)| p.index == target) {
                Some((s, _)) if s.submission().event_type() == "conduct.recorded" => {
                    LEVELS[usize::from(*v) % 4].to_owned()
                }
                Some((s, _)) if s.submission().payload().get("subject") == Some(&json!("gdtc")) => {
                    value(1, *v)
                }
                _ => value(0, *v),
            };
            world.submit(
                &cast.principal,
                "correction.requested",
                json!({"target": target, "value": new_value, "reason": "Sửa điểm"}),
            )
        }
        Step::ApproveCorrection(back) => {
            let Some(request) = pick(world, *back, &["correction.requested"]) else {
                return;
            };
            world.submit(
                &cast.principal,
                "correction.approved",
                json!({"request": request}),
            )
        }
        Step::SignOff => world.submit(
            &cast.homeroom,
            "learner.signed_off",
            class_ref(json!({"learner": LEARNER})),
        ),
        Step::Approve => {
            let learner: LearnerCode = LEARNER.parse().unwrap();
            let Some(digest) = world.ledger.record_digest(&learner, YEAR.parse().unwrap()) else {
                return;
            };
            world.submit(
                &cast.principal,
                "approval.signed",
                json!({"school": SCHOOL, "school_year": YEAR,
                       "entries": [{"learner": LEARNER, "record_digest": digest.to_string()}]}),
            )
        }
        Step::Revoke => world.submit(
            &cast.principal,
            "authority.revoked",
            json!({"grant_id": "gv-van", "reason": "Nghỉ việc"}),
        ),
        Step::SetPolicy(flags) => {
            world.submit(&cast.ministry, "signing_policy.set", signing_policy(*flags))
        }
        Step::Plan(flags) => {
            // Each subject named or not by the low bits, assessed on the plan or not assessed.
            let subjects: Vec<Value> = SUBJECTS
                .iter()
                .enumerate()
                .filter(|(i, _)| flags >> (2 * i) & 1 != 0)
                .map(|(i, code)| {
                    let assessment = if flags >> (2 * i + 1) & 1 != 0 {
                        "not_assessed"
                    } else {
                        "individual_plan"
                    };
                    json!({"subject": code, "assessment": assessment})
                })
                .collect();
            world.submit(
                &cast.principal,
                "individual_plan.decided",
                class_ref(json!({"learner": LEARNER, "subjects": subjects,
                                 "reason": "Kế hoạch giáo dục cá nhân"})),
            )
        }
        Step::Exempt(period) => {
            let period = ["semester_1", "semester_2", "year", "level"][usize::from(*period) % 4];
            world.submit(
                &cast.principal,
                "exemption.decided",
                class_ref(
                    json!({"learner": LEARNER, "subject": "gdtc", "part": "practical",
                                 "period": period, "reason": "Miễn thực hành"}),
                ),
            )
        }
        Step::RevokeExemption(back) => {
            let Some(decided) = pick(world, *back, &["exemption.decided"]) else {
                return;
            };
            world.submit(
                &cast.principal,
                "exemption.revoked",
                class_ref(
                    json!({"learner": LEARNER, "subject": "gdtc", "exemption": decided,
                                 "reason": "Thu hồi quyết định miễn"}),
                ),
            )
        }
    };
}

/// Every answer the projections give about the test school, as JSON.
fn answers(projections: &Projections, cast: &Cast) -> Value {
    let learner: LearnerCode = LEARNER.parse().unwrap();
    let year: SchoolYear = YEAR.parse().unwrap();
    let class = ClassKey {
        school: SCHOOL.parse().unwrap(),
        school_year: year,
        class: CLASS.parse().unwrap(),
    };
    let mut books = Vec::new();
    for subject in SUBJECTS {
        let subject: SubjectCode = subject.parse().unwrap();
        for semester in Semester::BOTH {
            books.push(
                projections
                    .gradebook(&class, &subject, semester)
                    .map(|book| book.to_json()),
            );
        }
    }
    let mut trails = vec![
        projections
            .audit(&AuditSubject::Learner(learner.clone()))
            .to_json(),
        projections.audit(&AuditSubject::Class(class)).to_json(),
    ];
    for subject in SUBJECTS {
        trails.push(
            projections
                .audit(&AuditSubject::Grade {
                    learner: learner.clone(),
                    school_year: year,
                    subject: subject.parse().unwrap(),
                })
                .to_json(),
        );
    }
    for actor in [&cast.principal, &cast.toan, &cast.homeroom, &cast.van] {
        trails.push(projections.audit(&AuditSubject::Key(actor.key)).to_json());
    }
    json!({
        "transcript": projections.transcript(&learner).map(|t| t.to_json()),
        "gradebooks": books,
        "authority": projections.authority().to_json(),
        "trails": trails,
    })
}

/// The values the projections answer with are the ledger's values in force.
fn agrees_with_ledger(projections: &Projections, ledger: &Ledger) -> Result<(), TestCaseError> {
    let learner: LearnerCode = LEARNER.parse().unwrap();
    let year: SchoolYear = YEAR.parse().unwrap();
    let class = ClassKey {
        school: SCHOOL.parse().unwrap(),
        school_year: year,
        class: CLASS.parse().unwrap(),
    };
    let Some(transcript) = projections.transcript(&learner) else {
        return Ok(());
    };
    let Some(got) = transcript.year(year) else {
        return Ok(());
    };
    prop_assert_eq!(got.signing.status, ledger.signing_status(&learner, year));
    prop_assert_eq!(
        got.signing.signed_off.is_some(),
        ledger.is_signed_off(&learner, year)
    );
    if let Some(shown) = &got.signing.policy {
        prop_assert_eq!(shown.policy, ledger.signing_policy(shown.level, year));
    }
    for semester in Semester::BOTH {
        prop_assert_eq!(
            got.conduct[usize::from(semester.number() - 1)],
            ledger.conduct(&learner, year, semester)
        );
        prop_assert_eq!(
            got.absences[usize::from(semester.number() - 1)],
            ledger.absences(&learner, year, semester)
        );
    }
    for record in &got.subjects {
        prop_assert_eq!(
            record.corrections,
            ledger.correction_count(&learner, year, &record.code)
        );
        for semester in Semester::BOTH {
            let mine = &record.semesters[usize::from(semester.number() - 1)];
            let slots = mine
                .regular
                .iter()
                .enumerate()
                .map(|(i, view)| (AssessmentKind::Regular, i as u8 + 1, view))
                .chain([
                    (AssessmentKind::Midterm, 0, &mine.midterm),
                    (AssessmentKind::Final, 0, &mine.final_),
                ]);
            for (kind, slot, view) in slots {
                let theirs = ledger.assessment(&learner, year, &record.code, semester, kind, slot);
                prop_assert_eq!(view.map(|v| (v.value, v.at)), theirs);
                let versions = ledger.assessment_version_count(
                    &learner,
                    year,
                    &record.code,
                    semester,
                    kind,
                    slot,
                );
                prop_assert_eq!(view.map_or(0, |v| v.versions), versions);
            }
            let book = projections
                .gradebook(&class, &record.code, semester)
                .unwrap();
            prop_assert_eq!(
                book.confirmed.is_some(),
                ledger.is_confirmed(&class, &record.code, semester)
            );
            prop_assert_eq!(
                book.sealed,
                ledger.is_sealed(&class.school, year, Term::Semester(semester))
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_rebuilt_at_every_prefix(steps in proptest::collection::vec(step(), 1..60)) {
        let cast = Cast::new();
        let mut world = school_year(&cast);
        for step in &steps {
            run(&mut world, &cast, step);
        }
        let config = DomainConfig { ministry_keys: vec![cast.ministry.key] };

        // Incremental: authorise, then apply, one event at a time.
        let mut incremental = Projections::new(&config);
        for (done, (submission, position)) in world.accepted.iter().enumerate() {
            let event = incremental.ledger().authorise(submission, *position).unwrap();
            incremental.apply(submission, event).unwrap();
            let ledger = incremental.ledger();

            // Rebuilt from scratch from the prefix.
            let prefix = world.accepted[..=done].iter().map(|(s, p)| (s, *p));
            let rebuilt = Projections::rebuild(&config, prefix).unwrap();
            prop_assert_eq!(rebuilt.ledger(), ledger);
            prop_assert_eq!(rebuilt.as_of_size(), position.index + 1);
            prop_assert_eq!(&rebuilt, &incremental);
            prop_assert_eq!(answers(&rebuilt, &cast), answers(&incremental, &cast));
            // And the answers agree with the ledger's own read methods at this prefix.
            agrees_with_ledger(&incremental, ledger)?;
        }
        prop_assert_eq!(incremental.as_of_size(), world.next_index);
        prop_assert_eq!(incremental.observed_count(), world.accepted.len() as u64);

        // An event authorised against another state (here: the last one again, authorised
        // before it was applied) is refused and changes nothing.
        let before = incremental.clone();
        let (submission, position) = world.accepted.last().unwrap();
        let earlier = world.accepted[..world.accepted.len() - 1].iter().map(|(s, p)| (s, *p));
        let stale = Projections::rebuild(&config, earlier).unwrap();
        let event = stale.ledger().authorise(submission, *position).unwrap();
        let refused = incremental.apply(submission, event);
        let out_of_step = matches!(refused, Err(ProjectionError::OutOfStep { .. }));
        prop_assert!(out_of_step, "{:?}", refused);
        prop_assert_eq!(&incremental, &before);
        // The same event authorised against this state comes too late.
        prop_assert!(incremental.ledger().authorise(submission, *position).is_err());
    }
}
