//! Property: the domain state is a deterministic function of the accepted events. Applying a
//! random sequence incrementally (refused events skipped) equals rebuilding from scratch, and
//! equals resuming from a snapshot (a clone) taken at any point.

#[path = "domain_support.rs"]
mod support;

use proptest::prelude::*;
use serde_json::{json, Value};
use support::*;

#[derive(Debug, Clone)]
enum Op {
    Grade {
        teacher: u8,
        subject: u8,
        semester: u8,
        kind: u8,
        slot: u8,
        value: u8,
    },
    Conduct {
        semester: u8,
        level: u8,
    },
    Absence {
        semester: u8,
        excused: u8,
        unexcused: u8,
    },
    Confirm {
        subject: u8,
        semester: u8,
    },
    Seal {
        term: u8,
    },
    Reopen {
        term: u8,
    },
    Request {
        back: u8,
        value: u8,
    },
    Approve {
        back: u8,
    },
    RevokeTeacher {
        which: u8,
    },
    RegrantTeacher {
        which: u8,
    },
    AdvanceDays {
        days: u8,
    },
    FillSemester {
        semester: u8,
    },
    SignOff,
    ApproveRecord,
    DeputyApproveRecord,
    SetPolicy {
        flags: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3u8, 0..2u8, 1..=2u8, 0..3u8, 0..6u8, 0..=105u8).prop_map(
            |(teacher, subject, semester, kind, slot, value)| Op::Grade { teacher, subject, semester, kind, slot, value }
        ),
        2 => (1..=2u8, 0..4u8).prop_map(|(semester, level)| Op::Conduct { semester, level }),
        1 => (1..=2u8, 0..5u8, 0..5u8).prop_map(|(semester, excused, unexcused)| Op::Absence { semester, excused, unexcused }),
        1 => (0..2u8, 1..=2u8).prop_map(|(subject, semester)| Op::Confirm { subject, semester }),
        1 => (0..3u8).prop_map(|term| Op::Seal { term }),
        1 => (0..3u8).prop_map(|term| Op::Reopen { term }),
        2 => (0..8u8, 0..=100u8).prop_map(|(back, value)| Op::Request { back, value }),
        2 => (0..4u8).prop_map(|back| Op::Approve { back }),
        1 => (0..3u8).prop_map(|which| Op::RevokeTeacher { which }),
        1 => (0..3u8).prop_map(|which| Op::RegrantTeacher { which }),
        1 => (0..60u8).prop_map(|days| Op::AdvanceDays { days }),
        1 => (1..=2u8).prop_map(|semester| Op::FillSemester { semester }),
        1 => Just(Op::SignOff),
        1 => Just(Op::ApproveRecord),
        1 => Just(Op::DeputyApproveRecord),
        1 => any::<u8>().prop_map(|flags| Op::SetPolicy { flags }),
    ]
}

const SUBJECTS: [&str; 2] = ["toan", "gdtc"];
const TERMS: [&str; 3] = ["semester_1", "semester_2", "year"];
const GRANTS: [&str; 3] = ["gv-toan", "gv-gdtc", "gv-van"];

fn value_text(subject: u8, value: u8) -> String {
    if subject == 1 {
        if value % 2 == 0 { "Đ" } else { "CĐ" }.to_owned()
    } else {
        // 0..=105 tenths: values above 100 exercise the range refusal.
        format!("{}.{}", value / 10, value % 10)
    }
}

/// The index of the `back`-th latest accepted event of one of `types` (or of any event).
fn back_index(world: &World, back: u8, types: &[&str]) -> u64 {
    let matching: Vec<u64> = world
        .accepted
        .iter()
        .filter(|(submission, _)| types.contains(&submission.submission().event_type()))
        .map(|(_, position)| position.index)
        .collect();
    match matching.len() {
        0 => {
            world.accepted[world.accepted.len() - 1 - usize::from(back) % world.accepted.len()]
                .1
                .index
        }
        count => matching[count - 1 - usize::from(back) % count],
    }
}

/// Records every assessment and the conduct of a semester (refusals skipped).
fn fill_semester(world: &mut World, cast: &Cast, semester: u64) {
    for slot in 1..=4 {
        let _ = world.submit(
            &cast.toan,
            "assessment.recorded",
            grade("toan", semester, "regular", Some(slot), "7"),
        );
    }
    for kind in ["midterm", "final"] {
        let _ = world.submit(
            &cast.toan,
            "assessment.recorded",
            grade("toan", semester, kind, None, "6.5"),
        );
        let _ = world.submit(
            &cast.gdtc,
            "assessment.recorded",
            grade("gdtc", semester, kind, None, "Đ"),
        );
    }
    for slot in 1..=2 {
        let _ = world.submit(
            &cast.gdtc,
            "assessment.recorded",
            grade("gdtc", semester, "regular", Some(slot), "Đ"),
        );
    }
    let _ = world.submit(&cast.homeroom, "conduct.recorded", conduct(semester, "K"));
}

/// Submits `op`; refusals are expected and simply skipped.
fn step(world: &mut World, cast: &Cast, op: &Op, regrants: &mut u32) {
    let teachers = [&cast.toan, &cast.gdtc, &cast.van];
    let (who, event_type, payload): (&Actor, &str, Value) = match *op {
        Op::Grade {
            teacher,
            subject,
            semester,
            kind,
            slot,
            value,
        } => {
            let kind_name = ["regular", "midterm", "final"][usize::from(kind)];
            let slot = (kind == 0).then_some(u64::from(slot));
            let payload = grade(
                SUBJECTS[usize::from(subject)],
                u64::from(semester),
                kind_name,
                slot,
                &value_text(subject, value),
            );
            (
                teachers[usize::from(teacher)],
                "assessment.recorded",
                payload,
            )
        }
        Op::Conduct { semester, level } => (
            &cast.homeroom,
            "conduct.recorded",
            conduct(
                u64::from(semester),
                ["T", "K", "Đ", "CĐ"][usize::from(level)],
            ),
        ),
        Op::Absence {
            semester,
            excused,
            unexcused,
        } => (
            &cast.homeroom,
            "absence.recorded",
            class_ref(
                json!({"learner": LEARNER, "semester": semester, "excused": excused, "unexcused": unexcused}),
            ),
        ),
        Op::Confirm { subject, semester } => (
            teachers[usize::from(subject)],
            "subject.confirmed",
            class_ref(json!({"subject": SUBJECTS[usize::from(subject)], "semester": semester})),
        ),
        Op::Seal { term } => (
            &cast.principal,
            "term.sealed",
            json!({"school": SCHOOL, "school_year": YEAR, "term": TERMS[usize::from(term)]}),
        ),
        Op::Reopen { term } => (
            &cast.principal,
            "term.reopened",
            json!({"school": SCHOOL, "school_year": YEAR, "term": TERMS[usize::from(term)], "reason": "Kiểm tra lại"}),
        ),
        Op::Request { back, value } => (
            &cast.principal,
            "correction.requested",
            json!({"target": back_index(world, back, &["assessment.recorded", "conduct.recorded", "correction.approved"]), "value": value_text(0, value), "reason": "Sửa điểm"}),
        ),
        Op::Approve { back } => (
            &cast.principal,
            "correction.approved",
            json!({"request": back_index(world, back, &["correction.requested"])}),
        ),
        Op::RevokeTeacher { which } => (
            &cast.principal,
            "authority.revoked",
            json!({"grant_id": GRANTS[usize::from(which)], "reason": "Thu hồi"}),
        ),
        Op::RegrantTeacher { which } => {
            *regrants += 1;
            let id = format!("{}-{regrants}", GRANTS[usize::from(which)]);
            (
                &cast.principal,
                "authority.granted",
                grant(
                    &id,
                    teachers[usize::from(which)],
                    "gv_bo_mon",
                    SCHOOL,
                    "2026-08-01",
                    Some("2027-07-31"),
                ),
            )
        }
        Op::AdvanceDays { days } => {
            world.advance_days(u64::from(days));
            return;
        }
        Op::FillSemester { semester } => {
            fill_semester(world, cast, u64::from(semester));
            return;
        }
        Op::SignOff => {
            // Give the sign-off a fair chance: complete what is still open first.
            fill_semester(world, cast, 1);
            fill_semester(world, cast, 2);
            (
                &cast.homeroom,
                "learner.signed_off",
                class_ref(json!({"learner": LEARNER})),
            )
        }
        Op::ApproveRecord | Op::DeputyApproveRecord => {
            let digest = world
                .ledger
                .record_digest(&LEARNER.parse().unwrap(), YEAR.parse().unwrap())
                .map(|d| d.to_string())
                .unwrap_or_default();
            let approver = match op {
                Op::DeputyApproveRecord => &cast.deputy,
                _ => &cast.principal,
            };
            (
                approver,
                "approval.signed",
                json!({"school": SCHOOL, "school_year": YEAR, "entries": [{"learner": LEARNER, "record_digest": digest}]}),
            )
        }
        Op::SetPolicy { flags } => {
            // Bit 3 has the Sở try it, which only the Ministry may do.
            let signer = if flags & 8 != 0 {
                &cast.so
            } else {
                &cast.ministry
            };
            (signer, "signing_policy.set", signing_policy(flags))
        }
    };
    let _ = world.submit(who, event_type, payload);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn incremental_equals_rebuilt(ops in proptest::collection::vec(op(), 1..80), cut in any::<prop::sample::Index>()) {
        let cast = Cast::new();
        let mut world = school_year(&cast);
        let setup = world.accepted.len();
        let mut regrants = 0;
        let cut = cut.index(ops.len());
        let mut snapshot = None;
        for (position, op) in ops.iter().enumerate() {
            if position == cut {
                snapshot = Some((world.ledger.clone(), world.accepted.len()));
            }
            step(&mut world, &cast, op, &mut regrants);
        }

        // Rebuilt from scratch: every accepted event is accepted again, to an equal state.
        let rebuilt = world.rebuild();
        prop_assert_eq!(&rebuilt, &world.ledger);
        prop_assert_eq!(rebuilt.applied_count(), world.accepted.len() as u64);

        // Resumed from a snapshot taken mid-way: the same.
        let (mut resumed, from) = snapshot.expect("cut < len");
        for (submission, position) in &world.accepted[from..] {
            let event = resumed.authorise(submission, *position).expect("accepted on resume");
            resumed.apply(event);
        }
        prop_assert_eq!(&resumed, &world.ledger);
        prop_assert!(world.accepted.len() >= setup);
    }
}
