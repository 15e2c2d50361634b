//! Shared helpers of the node's integration tests: a node on a temporary directory served over
//! real HTTP on loopback, deterministic keys and signed submissions.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use fixtures::province::Province;

use ed25519_dalek::SigningKey;
use ledger_api::client::Client;
use ledger_core::key::PublicKey;
use ledger_core::note::{KeyName, NoteSigner};
use ledger_core::record::{SignedSubmission, Submission};
use ledger_node::config;
use ledger_node::layout::Layout;
use ledger_node::node::Node;
use serde_json::{json, Map, Value};

/// The origin every test log uses.
pub const ORIGIN: &str = "test.hocba.example/log";

/// A deterministic key from a label.
pub fn key(label: &str) -> SigningKey {
    let digest = blake3::hash(format!("hocba-ledger test key\n{label}").as_bytes());
    SigningKey::from_bytes(digest.as_bytes())
}

/// The log signer of the test logs.
pub fn log_signer() -> NoteSigner {
    NoteSigner::new(KeyName::new(ORIGIN).expect("valid name"), key("log"))
}

/// A signed grade-like submission.
pub fn submission(author: &SigningKey, idempotency_id: &str, score: &str) -> SignedSubmission {
    let mut payload = Map::new();
    payload.insert("learner".into(), json!("HS-0101-0001"));
    payload.insert("subject".into(), json!("toan"));
    payload.insert("score".into(), Value::String(score.to_owned()));
    payload.insert("note".into(), json!("Điểm kiểm tra thường xuyên"));
    let body = Submission::new(
        PublicKey::from(author),
        1_790_000_000_000,
        "grade.recorded",
        idempotency_id,
        payload,
        1,
    )
    .expect("valid submission");
    SignedSubmission::sign(&body, author)
}

/// A data directory for a node of the học bạ domain rooted in `province`'s Ministry keys.
pub fn domain_directory(province: &Province) -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("tempdir");
    let ministry_keys = province
        .ministry_keys()
        .iter()
        .map(|key| base64::engine::general_purpose::STANDARD.encode(key.to_bytes()))
        .collect();
    config::install(
        &Layout::new(directory.path()),
        &log_signer(),
        config::Policy::Hocba { ministry_keys },
    )
    .expect("install");
    directory
}

/// A domain node for `province`, served with a clock the test sets: a generated year is
/// replayed at its own dates, each event sequenced at its claimed time.
pub async fn serve_domain(province: &Province) -> (TestNode, Arc<AtomicU64>) {
    let now = Arc::new(AtomicU64::new(0));
    let source = Arc::clone(&now);
    let node = TestNode::serve_with_clock(
        domain_directory(province),
        Arc::new(move || source.load(Ordering::SeqCst)),
    )
    .await;
    (node, now)
}

/// A node on a temporary directory, served on loopback.
pub struct TestNode {
    pub directory: tempfile::TempDir,
    pub node: Node,
    pub base: String,
    pub client: Client,
    server: tokio::task::JoinHandle<()>,
}

impl TestNode {
    /// Creates a node with the test log key and serves it.
    pub async fn start() -> Self {
        let directory = tempfile::tempdir().expect("tempdir");
        config::install(
            &Layout::new(directory.path()),
            &log_signer(),
            config::Policy::Open,
        )
        .expect("install");
        Self::serve(directory).await
    }

    /// Serves an existing data directory.
    pub async fn serve(directory: tempfile::TempDir) -> Self {
        let node = Node::open(&Layout::new(directory.path())).expect("open node");
        Self::serve_node(directory, node).await
    }

    /// Serves an existing data directory with the sequencer reading `clock`.
    pub async fn serve_with_clock(
        directory: tempfile::TempDir,
        clock: ledger_node::sequencer::Clock,
    ) -> Self {
        let node = Node::open_with_clock(&Layout::new(directory.path()), clock).expect("open node");
        Self::serve_node(directory, node).await
    }

    async fn serve_node(directory: tempfile::TempDir, node: Node) -> Self {
        // The sequencer opens the idempotency index on its own thread; tests that count health
        // answers want a node that is ready from its first request.
        for _ in 0..500 {
            if node.is_ready() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(node.is_ready(), "the node is ready within 5 s");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = ledger_api::router::app(node.service());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        let client = Client::new(&base).expect("client");
        Self {
            directory,
            node,
            base,
            client,
            server,
        }
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.directory.path()
    }

    /// Waits until a checkpoint of at least `size` is published.
    pub async fn wait_for_checkpoint(&self, size: u64) {
        for _ in 0..100 {
            if self
                .node
                .published()
                .is_some_and(|published| published.size >= size)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no checkpoint of size {size} within 5 s");
    }

    /// Appends `count` submissions from `clients` concurrent clients; returns the receipts.
    pub async fn append_many(
        &self,
        prefix: &str,
        count: usize,
        clients: usize,
    ) -> Vec<ledger_api::wire::Receipt> {
        let author = Arc::new(key("teacher"));
        let mut tasks = Vec::new();
        for client_number in 0..clients {
            let client = self.client.clone();
            let author = Arc::clone(&author);
            let prefix = prefix.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut receipts = Vec::new();
                for n in (client_number..count).step_by(clients) {
                    let signed = submission(&author, &format!("{prefix}-{n}"), "8.5");
                    receipts.push(client.submit(&signed).await.expect("append"));
                }
                receipts
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.expect("client task"));
        }
        all.sort_by_key(|receipt| receipt.index);
        all
    }
}

impl TestNode {
    /// Stops serving and closes the node; returns its data directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.server.abort();
        self.node.close();
        self.directory
    }
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The single segment file of a small log.
pub fn only_segment(data: &Path) -> PathBuf {
    let segments = ledger_node::scan::segment_files(&Layout::new(data).segments()).expect("list");
    assert_eq!(segments.len(), 1, "small test logs have one segment");
    segments[0].1.clone()
}
