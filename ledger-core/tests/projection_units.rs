//! Units are data with history: every name with the index from which it applied, the parent,
//! merges and the custodian of a merged unit's records, as `Projections::unit` answers them,
//! the same whether observed one event at a time or rebuilt.

#[path = "domain_support.rs"]
mod support;

use ledger_core::domain::value::UnitCode;
use serde_json::json;
use support::*;

fn code(text: &str) -> UnitCode {
    text.parse().unwrap()
}

#[test]
fn a_renamed_and_merged_school_keeps_its_history_and_names_its_custodian() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    let registered = world
        .checked_projections()
        .unit(&code(SCHOOL))
        .expect("registered")
        .names[0]
        .1;
    let renamed = world.ok(
        &cast.so,
        "unit.renamed",
        json!({"unit": SCHOOL, "name": "THPT Chu Văn An (cơ sở 1)"}),
    );
    let merged = world.ok(
        &cast.so,
        "unit.merged",
        json!({"unit": SCHOOL, "successor": OTHER_SCHOOL}),
    );
    let views = world.checked_projections();

    let school = views
        .unit(&code(SCHOOL))
        .expect("the merged school is kept");
    assert_eq!(
        school.to_json(),
        json!({
            "as_of_size": world.next_index,
            "unit": SCHOOL,
            "kind": "school",
            "name": "THPT Chu Văn An (cơ sở 1)",
            "names": [
                {"name": "THPT Chu Văn An", "from_index": registered},
                {"name": "THPT Chu Văn An (cơ sở 1)", "from_index": renamed},
            ],
            "registered_at": registered,
            "parent": PROVINCE,
            "merged_into": {"unit": OTHER_SCHOOL, "at": merged},
            "custodian": OTHER_SCHOOL,
            "merged_from": [],
            "members": [],
        })
    );

    let successor = views.unit(&code(OTHER_SCHOOL)).unwrap();
    assert_eq!(successor.custodian, code(OTHER_SCHOOL));
    assert_eq!(successor.merged_from, vec![(code(SCHOOL), merged)]);

    let province = views.unit(&code(PROVINCE)).unwrap();
    assert_eq!(province.parent, None);
    assert_eq!(province.custodian, code(PROVINCE));
    let members: Vec<_> = province
        .members
        .iter()
        .map(|member| (member.unit.as_str(), member.merged_into.clone()))
        .collect();
    assert_eq!(
        members,
        vec![(SCHOOL, Some(code(OTHER_SCHOOL))), (OTHER_SCHOOL, None)]
    );

    assert_eq!(views.unit(&code("79000799")), None, "never registered");
}

/// The custodian follows a chain of merges to its end: a school merged into one that later
/// merged into a third is held by the third.
#[test]
fn the_custodian_follows_every_merge() {
    let cast = Cast::new();
    let mut world = school_year(&cast);
    world.ok(
        &cast.so,
        "unit.registered",
        json!({"unit": "79000703", "kind": "school", "name": "THPT Nguyễn Du", "parent": PROVINCE}),
    );
    world.ok(
        &cast.so,
        "unit.merged",
        json!({"unit": SCHOOL, "successor": OTHER_SCHOOL}),
    );
    world.ok(
        &cast.so,
        "unit.merged",
        json!({"unit": OTHER_SCHOOL, "successor": "79000703"}),
    );
    let views = world.checked_projections();
    assert_eq!(
        views.unit(&code(SCHOOL)).unwrap().custodian,
        code("79000703")
    );
    assert_eq!(
        views
            .unit(&code(OTHER_SCHOOL))
            .unwrap()
            .merged_into
            .map(|(unit, _)| unit),
        Some(code("79000703"))
    );
}
