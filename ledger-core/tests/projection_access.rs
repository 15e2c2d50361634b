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
        Projections::rebuild(&config, w.accepted.iter().map(|(s, pos)| (s, *pos))).unwrap()
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

fn family_grant(id: &str, who: &Actor, role: &str, unit: &str, learner: &str) -> serde_json::Value {
    let mut payload = grant(id, who, role, unit, "2026-08-01", None);
    payload["scope"]["learner"] = json!(learner);
    payload
}

#[test]
fn a_parent_reads_the_named_learner_and_nothing_else() {
    const SIBLING: &str = "7900070100002";
    let c = Cast::new();
    let mut w = school_year(&c);
    w.ok(
        &c.clerk,
        "learner.registered",
        json!({"learner": SIBLING, "identity_commitment": COMMITMENT, "school": SCHOOL}),
    );
    let parent = &c.stranger;
    w.ok(
        &c.clerk,
        "authority.granted",
        family_grant("ph-00001", parent, "phu_huynh", SCHOOL, LEARNER),
    );
    let learner = LearnerCode::parse(LEARNER).unwrap();
    let sibling = LearnerCode::parse(SIBLING).unwrap();
    let school = UnitCode::parse(SCHOOL).unwrap();
    let class = ClassKey {
        school: school.clone(),
        school_year: SchoolYear::parse(YEAR).unwrap(),
        class: ClassName::parse(CLASS).unwrap(),
    };

    let projections = w.checked_projections();
    let now = w.now_us;
    assert_eq!(
        projections.may_read(&parent.key, now, ReadTarget::Learner(&learner)),
        Ok(())
    );
    assert_eq!(
        projections.may_handle_identity(&parent.key, now, &learner, IdentityOperation::Get),
        Ok(())
    );
    for target in [
        ReadTarget::Learner(&sibling),
        ReadTarget::Class(&class),
        ReadTarget::Unit(&school),
        ReadTarget::Key(&c.homeroom.key),
        ReadTarget::Everything,
    ] {
        assert!(
            matches!(
                projections.may_read(&parent.key, now, target),
                Err(AccessRefusal::NotCovered { .. })
            ),
            "{target:?}"
        );
    }
    for operation in [IdentityOperation::Put, IdentityOperation::Erase] {
        assert!(matches!(
            projections.may_handle_identity(&parent.key, now, &learner, operation),
            Err(AccessRefusal::NotCovered { .. })
        ));
    }
    let authority = projections.grants_at(&school);
    let shown = authority
        .grants
        .iter()
        .find(|grant| grant.grant_id.as_str() == "ph-00001")
        .expect("the school lists the grant");
    assert_eq!(shown.to_json()["scope"]["learner"], json!(LEARNER));

    // The grant reads; it signs nothing.
    w.refused(
        parent,
        "assessment.recorded",
        grade("toan", 1, "regular", Some(1), "8"),
        "authority-missing",
    );
    w.refused(
        parent,
        "authority.granted",
        family_grant("ph-00002", &c.van, "phu_huynh", SCHOOL, LEARNER),
        "authority-missing",
    );

    // Revoked by the school, it reads nothing more.
    w.ok(
        &c.principal,
        "authority.revoked",
        json!({"grant_id": "ph-00001", "reason": "Phụ huynh báo mất điện thoại"}),
    );
    let after = w.checked_projections();
    assert_eq!(
        after.may_read(&parent.key, w.now_us, ReadTarget::Learner(&learner)),
        Err(AccessRefusal::NoLiveGrant)
    );
}

#[test]
fn a_family_grant_names_a_learner_whose_record_the_school_holds() {
    let c = Cast::new();
    let mut w = school_year(&c);
    let mut unnamed = family_grant("hs-1", &c.stranger, "hoc_sinh", SCHOOL, LEARNER);
    unnamed["scope"].as_object_mut().unwrap().remove("learner");
    let refusals = [
        // A learner or parent grant without a learner, and a staff grant with one.
        (&c.clerk, unnamed, "grant-scope-invalid"),
        (
            &c.principal,
            family_grant("gv-x", &c.stranger, "gv_bo_mon", SCHOOL, LEARNER),
            "grant-scope-invalid",
        ),
        // A learner nobody registered, and one whose record another school holds.
        (
            &c.clerk,
            family_grant("hs-2", &c.stranger, "hoc_sinh", SCHOOL, "7900070199999"),
            "learner-unknown",
        ),
        (
            &c.other_principal,
            family_grant("hs-3", &c.stranger, "hoc_sinh", OTHER_SCHOOL, LEARNER),
            "grant-scope-invalid",
        ),
        // Not at a province, and not by a teacher.
        (
            &c.so,
            family_grant("hs-4", &c.stranger, "hoc_sinh", PROVINCE, LEARNER),
            "grant-scope-invalid",
        ),
        (
            &c.homeroom,
            family_grant("hs-5", &c.stranger, "hoc_sinh", SCHOOL, LEARNER),
            "authority-missing",
        ),
    ];
    for (who, payload, code) in refusals {
        w.refused(who, "authority.granted", payload, code);
    }
    // The school office issues it.
    w.ok(
        &c.deputy,
        "authority.granted",
        family_grant("hs-6", &c.stranger, "hoc_sinh", SCHOOL, LEARNER),
    );
}
