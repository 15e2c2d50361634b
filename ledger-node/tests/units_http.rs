//! `GET /v1/units/{unit}` over real HTTP: public, proven under a checkpoint, and refused with
//! its documented problem for an unknown or malformed code.

mod common;

use std::sync::atomic::Ordering;

use common::TestNode;
use fixtures::province::{Province, Spec};
use ledger_core::domain::value::UnitCode;

/// A node holding a generated province's units and grants (the set-up before any class).
async fn province_units() -> (TestNode, Province) {
    let province = Province::generate(&Spec::small());
    let (node, now) = common::serve_domain(&province).await;
    for (position, submission) in province.sequenced() {
        let verified = submission.verify().unwrap();
        if verified.submission().event_type() == "class.opened" {
            break;
        }
        now.store(position.sequenced_at_us, Ordering::SeqCst);
        node.client
            .submit(&submission)
            .await
            .expect("set-up accepted");
    }
    (node, province)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_history_is_public_and_proven() {
    let (node, province) = province_units().await;
    let school = &province.schools()[0];
    let parent = school.parent.clone();
    let size = node.node.log().head().size;

    // No signature needed: the client here signs nothing.
    let answer = node
        .client
        .unit(&UnitCode::parse(&parent).unwrap())
        .await
        .expect("public read");
    assert_eq!(answer.as_of_size, size);
    assert!(
        answer.checkpoint.size >= size,
        "proven under a covering checkpoint"
    );
    let data = &answer.data;
    assert_eq!(data["unit"], parent.as_str());
    assert_eq!(data["custodian"], parent.as_str());
    assert_eq!(data["merged_into"], serde_json::Value::Null);
    let members: Vec<&str> = data["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["unit"].as_str().unwrap())
        .collect();
    assert!(members.contains(&school.code.as_str()), "{members:?}");
    let names = data["names"].as_array().unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(data["registered_at"], names[0]["from_index"]);

    let school_answer = node
        .client
        .unit(&UnitCode::parse(&school.code).unwrap())
        .await
        .unwrap();
    assert_eq!(school_answer.data["name"], school.name.as_str());
    assert_eq!(school_answer.data["parent"], parent.as_str());

    let http = reqwest::Client::new();
    let unknown = http
        .get(format!("{}/v1/units/00000000", node.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let problem: serde_json::Value =
        serde_json::from_slice(&unknown.bytes().await.unwrap()).unwrap();
    assert!(
        problem["type"].as_str().unwrap().ends_with("unit-unknown"),
        "{problem}"
    );
    let malformed = http
        .get(format!("{}/v1/units/not%20a%20code", node.base))
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(node.node.log().head().size, size, "reads write nothing");
    node.stop();
}
