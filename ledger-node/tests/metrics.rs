//! `GET /metrics` over real HTTP on loopback: after a known mix of appends (accepted, retried,
//! refused; single and batch) the counters equal what was done, the histograms are well formed
//! and agree with the counters, the gauges match the log, HTTP requests are counted by route
//! template, and every response carries a request id.

mod common;

use std::collections::BTreeMap;

use common::{key, submission, TestNode};
use ledger_api::client::ClientError;

/// One sample line of the exposition: name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text format 0.0.4 as far as this node writes it: `# HELP`/`# TYPE` comments and
/// `name{label="value",…} number` samples, with `\"`, `\\` and `\n` escapes in label values.
/// Returns the samples and the declared type of each family.
fn parse(text: &str) -> (Vec<Sample>, BTreeMap<String, String>) {
    let mut samples = Vec::new();
    let mut types = BTreeMap::new();
    let mut helped = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP has a name and a text");
            assert!(!help.is_empty(), "empty HELP for {name}");
            helped.push(name.to_owned());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE has a name and a kind");
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "unknown type {kind}"
            );
            assert!(
                helped.last().is_some_and(|helped| helped == name),
                "TYPE of {name} follows its HELP"
            );
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "{name} declared twice"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment: {line}");
        let (series, value) = line.rsplit_once(' ').expect("sample has a value");
        let value: f64 = value.parse().expect("numeric value");
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), BTreeMap::new()),
            Some((name, labels)) => {
                let labels = labels.strip_suffix('}').expect("labels close");
                (name.to_owned(), parse_labels(labels))
            }
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|family| types.get(*family).is_some_and(|kind| kind == "histogram"))
            })
            .unwrap_or(&name);
        assert!(
            types.contains_key(family),
            "{name} has no TYPE line before it"
        );
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    (samples, types)
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"").expect("label name");
        let mut value = String::new();
        let mut characters = after.char_indices();
        let end = loop {
            match characters.next().expect("label value closes") {
                (_, '\\') => match characters.next().expect("escape").1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                (at, '"') => break at,
                (_, other) => value.push(other),
            }
        };
        labels.insert(name.to_owned(), value);
        rest = after[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&after[end + 1..]);
    }
    labels
}

/// The value of the one sample named `name` whose labels include `wanted`.
fn value(samples: &[Sample], name: &str, wanted: &[(&str, &str)]) -> f64 {
    let matching: Vec<&Sample> = samples
        .iter()
        .filter(|sample| {
            sample.name == name
                && wanted.iter().all(|(label, value)| {
                    sample.labels.get(*label).map(String::as_str) == Some(value)
                })
        })
        .collect();
    assert_eq!(matching.len(), 1, "one {name} {wanted:?} in {matching:?}");
    matching[0].value
}

/// Checks a histogram family: buckets in increasing `le`, cumulative counts never decreasing,
/// `+Inf` equal to `_count`. Returns the `le` bounds and `_count`.
fn check_histogram(samples: &[Sample], family: &str) -> (Vec<String>, f64) {
    let buckets: Vec<&Sample> = samples
        .iter()
        .filter(|sample| sample.name == format!("{family}_bucket"))
        .collect();
    let mut bounds = Vec::new();
    let mut previous_bound = f64::NEG_INFINITY;
    let mut previous_count = 0.0;
    for bucket in &buckets {
        let le = bucket.labels.get("le").expect("bucket has le");
        let bound: f64 = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse().expect("numeric le")
        };
        assert!(bound > previous_bound, "{family}: le {le} out of order");
        assert!(
            bucket.value >= previous_count,
            "{family}: bucket le={le} holds {} < {previous_count}",
            bucket.value
        );
        previous_bound = bound;
        previous_count = bucket.value;
        bounds.push(le.clone());
    }
    assert_eq!(bounds.last().map(String::as_str), Some("+Inf"));
    let count = value(samples, &format!("{family}_count"), &[]);
    assert_eq!(previous_count, count, "{family}: +Inf bucket equals _count");
    value(samples, &format!("{family}_sum"), &[]);
    (bounds, count)
}

async fn get(base: &str, path: &str, request_id: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(request_id) = request_id {
        request = request.header("x-request-id", request_id);
    }
    request.send().await.expect("get")
}

fn request_id_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .expect("every response carries a request id")
        .to_str()
        .expect("ASCII")
        .to_owned()
}

fn is_generated(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_was_done_and_requests_carry_ids() {
    let node = TestNode::start().await;
    let author = key("teacher");

    // Single appends: three accepted, one retry, one refused (same id, other content).
    for n in 0..3 {
        let receipt = node
            .client
            .submit(&submission(&author, &format!("m-{n}"), "8.5"))
            .await
            .expect("append");
        assert!(!receipt.duplicate);
    }
    let retry = node
        .client
        .submit(&submission(&author, "m-1", "8.5"))
        .await
        .expect("retry");
    assert!(retry.duplicate);
    let refused = node
        .client
        .submit(&submission(&author, "m-2", "9.0"))
        .await
        .expect_err("conflict");
    assert!(
        matches!(refused, ClientError::Api(ref problem) if problem.code == "idempotency-conflict")
    );

    // A batch: two new, one retry of an older record, one conflict inside the batch.
    let answers = node
        .client
        .submit_batch(&[
            submission(&author, "m-3", "7.0"),
            submission(&author, "m-4", "7.5"),
            submission(&author, "m-0", "8.5"),
            submission(&author, "m-4", "6.0"),
        ])
        .await
        .expect("batch");
    let duplicates: Vec<Option<bool>> = answers
        .iter()
        .map(|answer| answer.as_ref().ok().map(|receipt| receipt.duplicate))
        .collect();
    assert_eq!(duplicates, [Some(false), Some(false), Some(true), None]);
    assert_eq!(
        answers[3].as_ref().expect_err("conflict").code,
        "idempotency-conflict"
    );
    let (accepted, duplicate, conflicts) = (5.0, 2.0, 2.0);
    let answered = accepted + duplicate + conflicts;

    // Requests labelled by template and the fallback, and request ids both ways.
    assert_eq!(get(&node.base, "/v1/records/0", None).await.status(), 200);
    let missing = get(&node.base, "/no/such/path", Some("caller-id-42")).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        request_id_of(&missing),
        "caller-id-42",
        "a sane id is echoed"
    );
    let generated = get(&node.base, "/healthz", None).await;
    let first = request_id_of(&generated);
    assert!(is_generated(&first), "generated id {first:?}");
    let second = request_id_of(&get(&node.base, "/healthz", None).await);
    assert!(is_generated(&second) && second != first, "fresh ids");
    let long = "x".repeat(65);
    for insane in ["has space", long.as_str()] {
        let replaced = request_id_of(&get(&node.base, "/healthz", Some(insane)).await);
        assert!(
            is_generated(&replaced),
            "{insane:?} replaced by {replaced:?}"
        );
    }

    node.wait_for_checkpoint(5).await;
    let response = get(&node.base, "/metrics", Some("scrape-1")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(request_id_of(&response), "scrape-1");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("body");
    let (samples, types) = parse(&text);

    for (family, kind) in [
        ("hocba_appends_total", "counter"),
        ("hocba_append_latency_seconds", "histogram"),
        ("hocba_group_commit_records", "histogram"),
        ("hocba_group_commits_total", "counter"),
        ("hocba_log_size_records", "gauge"),
        ("hocba_log_size_bytes", "gauge"),
        ("hocba_checkpoint_size_records", "gauge"),
        ("hocba_checkpoint_age_seconds", "gauge"),
        ("hocba_projection_lag_records", "gauge"),
        ("hocba_sequencer_queue_depth", "gauge"),
        ("hocba_http_requests_total", "counter"),
        ("hocba_http_request_duration_seconds", "histogram"),
    ] {
        assert_eq!(
            types.get(family).map(String::as_str),
            Some(kind),
            "{family}"
        );
    }

    // Appends: per event, single and batch alike.
    let appends = |wanted: &[(&str, &str)]| value(&samples, "hocba_appends_total", wanted);
    assert_eq!(appends(&[("outcome", "accepted")]), accepted);
    assert_eq!(appends(&[("outcome", "duplicate")]), duplicate);
    assert_eq!(
        appends(&[("outcome", "refused"), ("code", "idempotency-conflict")]),
        conflicts
    );
    let refusal_series = samples
        .iter()
        .filter(|sample| sample.name == "hocba_appends_total")
        .filter(|sample| sample.labels.get("outcome").map(String::as_str) == Some("refused"))
        .count();
    assert_eq!(refusal_series, 1, "no other refusal was counted");
    assert!(samples
        .iter()
        .filter(|sample| sample.name == "hocba_appends_total")
        .all(
            |sample| sample.labels.contains_key("code") == (sample.labels["outcome"] == "refused")
        ));

    let (bounds, count) = check_histogram(&samples, "hocba_append_latency_seconds");
    assert_eq!(count, answered, "one latency per answered append");
    assert_eq!(bounds.first().map(String::as_str), Some("0.001"));
    assert!(bounds.iter().any(|bound| bound == "10"));

    // Group commits: every new record was written by one of them.
    let (bounds, commits) = check_histogram(&samples, "hocba_group_commit_records");
    assert_eq!(bounds.first().map(String::as_str), Some("1"));
    assert!(bounds.iter().any(|bound| bound == "4096"));
    assert!(commits >= 1.0);
    assert_eq!(value(&samples, "hocba_group_commits_total", &[]), commits);
    assert_eq!(
        value(&samples, "hocba_group_commit_records_sum", &[]),
        accepted
    );

    // Gauges against the node itself.
    let head = node.node.log().head().size;
    assert_eq!(head, 5);
    assert_eq!(value(&samples, "hocba_log_size_records", &[]), head as f64);
    let segment_bytes = std::fs::metadata(common::only_segment(node.path()))
        .expect("segment")
        .len();
    assert_eq!(
        value(&samples, "hocba_log_size_bytes", &[]),
        segment_bytes as f64
    );
    assert_eq!(
        value(&samples, "hocba_checkpoint_size_records", &[]),
        node.node.published().expect("published").size as f64
    );
    let age = value(&samples, "hocba_checkpoint_age_seconds", &[]);
    assert!((0.0..60.0).contains(&age), "checkpoint age {age}");
    assert_eq!(value(&samples, "hocba_projection_lag_records", &[]), 0.0);
    assert_eq!(value(&samples, "hocba_sequencer_queue_depth", &[]), 0.0);

    // HTTP requests by route template, never by raw path.
    let requests = |route: &str, status: &str| {
        value(
            &samples,
            "hocba_http_requests_total",
            &[("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("/v1/submissions", "201"), 3.0);
    assert_eq!(requests("/v1/submissions", "200"), 1.0);
    assert_eq!(requests("/v1/submissions", "409"), 1.0);
    assert_eq!(requests("/v1/submissions/batch", "200"), 1.0);
    assert_eq!(requests("/v1/records/{index}", "200"), 1.0);
    assert_eq!(requests("unmatched", "404"), 1.0);
    assert_eq!(requests("/healthz", "200"), 4.0);
    assert!(!text.contains("/v1/records/0") && !text.contains("/no/such/path"));
    let (_, http_count) = check_histogram(&samples, "hocba_http_request_duration_seconds");
    let counted: f64 = samples
        .iter()
        .filter(|sample| sample.name == "hocba_http_requests_total")
        .map(|sample| sample.value)
        .sum();
    assert_eq!(http_count, counted, "one duration per counted request");

    // The scrape itself is counted once it is answered.
    let again = get(&node.base, "/metrics", None)
        .await
        .text()
        .await
        .unwrap();
    let (samples, _) = parse(&again);
    assert_eq!(
        value(
            &samples,
            "hocba_http_requests_total",
            &[("route", "/metrics"), ("status", "200")]
        ),
        1.0
    );
}
