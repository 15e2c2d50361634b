//! Read access follows the authority on the log: a teacher whose grant at a school is revoked
//! reads nothing more there, even while holding a live grant at another school.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::{ClassName, LearnerCode, SchoolYear, UnitCode};
use ledger_core::domain::{ClassKey, DomainConfig};
use ledger_core::projection::access::{AccessRefusal, ReadTarget};
use ledger_core::projection::identity_access::IdentityOperation;
use ledger_core::projection::Projections;
use serde_json::json;
use support::*;

#[test]
fn a_grant_revoked_at_one_school_is_not_revived_by_a_grant_at_another() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let config = DomainConfig {
        ministry_keys: vec![c.ministry.key],
    };
    let learner = LearnerCode::parse(LEARNER).unwrap();
    let class = ClassKey {
        school: UnitCode::parse(SCHOOL).unwrap(),
        school_year: SchoolYear::parse(YEAR).unwrap(),
        class: ClassName::parse(CLASS).unwrap(),
    };
    let projections = |w: &World| {
        Projections::rebuild(&config, w.accepted.iter().map(|(s, pos)| (s, *pos)))
            .unwrap()
            .1
    };

    // Before: the homeroom teacher reads the class, the learner and the learner's identity.
    let before = projections(&w);
    let now = w.now_us;
    assert_eq!(
        before.may_read(&c.homeroom.key, now, ReadTarget::Class(&class)),
        Ok(())
    );
    assert_eq!(
        before.may_handle_identity(&c.homeroom.key, now, &learner, IdentityOperation::Get),
        Ok(())
    );

    // The teacher moves: a homeroom grant at the other school, and the grant here is revoked.
    w.ok(
        &c.other_principal,
        "authority.granted",
        grant(
            "gvcn-702",
            &c.homeroom,
            "gv_chu_nhiem",
            OTHER_SCHOOL,
            "2026-08-01",
            Some("2027-07-31"),
        ),
    );
    w.ok(
        &c.principal,
        "authority.revoked",
        json!({"grant_id": "gvcn", "reason": "Chuyển công tác"}),
    );
    let after = projections(&w);
    let now = w.now_us;
    for target in [ReadTarget::Class(&class), ReadTarget::Learner(&learner)] {
        assert!(
            matches!(
                after.may_read(&c.homeroom.key, now, target),
                Err(AccessRefusal::NotCovered { .. })
            ),
            "{target:?}"
        );
    }
    assert!(matches!(
        after.may_handle_identity(&c.homeroom.key, now, &learner, IdentityOperation::Get),
        Err(AccessRefusal::NotCovered { .. })
    ));
}
