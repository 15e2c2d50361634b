//! The README's main command end to end: `hocba demo` creates and loads a node, writes the demo
//! keys and roster, and serves; the auditor's key reads over signed HTTP, `hocba load` appends
//! and every acknowledged record is in the log; a second start just serves the same log.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use ledger_api::client::Client;
use ledger_api::httpsig::RequestSigner;
use ledger_api::service::FeedFilter;

/// A `hocba demo` child process and the URL it serves.
struct Demo {
    child: Child,
    url: String,
}

impl Demo {
    fn start(data: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hocba"))
            .args(["demo", "--data"])
            .arg(data)
            .args(["--listen", "127.0.0.1:0", "--learners", "40"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hocba demo");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the demo prints its URL before anything else ends")
                .expect("read stdout");
            if let Some(url) = line.strip_prefix("hocba node serving ") {
                break url.to_owned();
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, url }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn seed(path: &std::path::Path) -> ed25519_dalek::SigningKey {
    ledger_node::remote::read_seed(path).expect("a demo seed")
}

#[test]
fn the_demo_serves_signed_reads_takes_load_and_restarts_on_its_own_log() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path().join("hocba-demo");
    let keys = data.join("demo-keys");
    let demo = Demo::start(&data);
    assert!(keys.join("roster.json").exists());
    assert!(keys.join("bo-gddt.seed").exists());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let auditor = Client::new(&demo.url)
        .unwrap()
        .with_signer(RequestSigner::new(seed(&keys.join("thanh-tra.seed"))));
    let size_before = runtime.block_on(async {
        // The auditor follows the whole province school by school: the first page of a school
        // feed, under a checkpoint of the log.
        let ministry = Client::new(&demo.url)
            .unwrap()
            .with_signer(RequestSigner::new(seed(&keys.join("bo-gddt.seed"))));
        let everything = ministry
            .feed(&FeedFilter::All, None, 5)
            .await
            .expect("the Ministry reads the whole feed");
        let grants = ministry
            .authority(&ledger_api::service::AuthorityFilter::All)
            .await
            .expect("every grant");
        let school = grants.data["grants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|grant| grant["role"] == "hieu_truong")
            .and_then(|grant| grant["scope"]["unit"].as_str())
            .expect("a principal's school")
            .to_owned();
        auditor
            .feed(
                &FeedFilter::School(ledger_core::domain::value::UnitCode::parse(&school).unwrap()),
                None,
                5,
            )
            .await
            .expect("the auditor reads a school of the province");
        assert!(everything.checkpoint.size > 0);

        // The demo parent reads the one learner their grant names, and no other.
        let child = grants.data["grants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|grant| grant["role"] == "phu_huynh")
            .and_then(|grant| grant["scope"]["learner"].as_str())
            .expect("the demo parent's grant names a learner")
            .to_owned();
        let parent = Client::new(&demo.url)
            .unwrap()
            .with_signer(RequestSigner::new(seed(&keys.join("phu-huynh.seed"))));
        let child = ledger_core::domain::value::LearnerCode::parse(&child).unwrap();
        let transcript = parent
            .transcript(&child)
            .await
            .expect("the parent reads their child's record");
        assert_eq!(transcript.data["learner"], child.as_str());
        let roster: serde_json::Value =
            serde_json::from_slice(&std::fs::read(keys.join("roster.json")).unwrap()).unwrap();
        let classmate = roster["classes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|class| class["learners"].as_array().unwrap())
            .filter_map(|learner| learner.as_str())
            .find(|learner| *learner != child.as_str())
            .expect("another learner");
        let classmate = ledger_core::domain::value::LearnerCode::parse(classmate).unwrap();
        match parent.transcript(&classmate).await {
            Err(ledger_api::client::ClientError::Api(problem)) => {
                assert_eq!(
                    (problem.status, problem.code.as_str()),
                    (403, "read-forbidden")
                );
            }
            other => panic!("a parent reads only their child's record, got {other:?}"),
        }
        log_size(&demo.url).await
    });
    assert!(size_before > 100, "the demo loaded a school year so far");

    // `hocba load` against the demo: no refusals, every acknowledged record in the log.
    let acked = directory.path().join("acked.txt");
    let output = Command::new(env!("CARGO_BIN_EXE_hocba"))
        .args(["load", "--url", &demo.url, "--keys"])
        .arg(&keys)
        .args(["--clients", "4", "--seconds", "1", "--acked"])
        .arg(&acked)
        .output()
        .expect("run hocba load");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = std::fs::read_to_string(&acked).unwrap();
    assert!(
        lines.lines().count() > 0,
        "the load run acknowledged records"
    );
    runtime.block_on(async {
        let public = Client::new(&demo.url).unwrap();
        for line in lines.lines().take(20) {
            let (index, leaf) = line.split_once(' ').unwrap();
            let record = public.record(index.parse().unwrap()).await.unwrap();
            assert_eq!(record.leaf_hash, leaf);
        }
    });
    drop(demo);

    // A second start serves the existing log without loading anything again.
    let demo = Demo::start(&data);
    let size_after = runtime.block_on(log_size(&demo.url));
    assert_eq!(size_after, size_before + lines.lines().count() as u64);
}

/// The durable log size a node reports at `/healthz`.
async fn log_size(url: &str) -> u64 {
    let body = reqwest::get(format!("{url}/healthz"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    health["log_size"].as_u64().unwrap()
}
