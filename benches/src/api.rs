//! The HTTP API under load, on the same cores as its clients: a demo node (domain rules on)
//! served on loopback, `hocba load`'s driver appending realistic signed events one per request
//! and in batches, signed transcript reads, and the HTTP stack's own ceiling (an axum route that
//! answers "ok") measured in the same run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledger_api::client::Client;
use ledger_api::httpsig::RequestSigner;
use ledger_core::domain::value::LearnerCode;
use ledger_node::demo::{self, LoadingClock};
use ledger_node::layout::Layout;
use ledger_node::load::{self, LoadArgs};
use ledger_node::node::Node;

use crate::report::{thousands, Summary, Table};

/// What the API benchmark runs.
#[derive(clap::Args, Clone)]
pub struct ApiArgs {
    /// Learners of the demo province the node is loaded with.
    #[arg(long, default_value_t = 600)]
    pub learners: u64,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent clients for single-event appends, reads and the ceiling.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Events per batch request.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Concurrent clients sending batches.
    #[arg(long, default_value_t = 8)]
    pub batch_clients: usize,
}

/// A server runtime on its own threads, so clients and server share the machine as they would
/// on one host, without sharing an executor.
fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("server")
        .enable_all()
        .build()
        .expect("server runtime")
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("client")
        .enable_all()
        .build()
        .expect("client runtime")
}

/// Runs `clients` loops of `request` for `seconds`; returns requests answered and latencies (ms).
async fn hammer<F, Fut>(clients: usize, seconds: u64, request: F) -> (u64, Duration, Summary)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (request, stop, counter) = (
            Arc::clone(&request),
            Arc::clone(&stop),
            Arc::clone(&counter),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                assert!(request(n).await, "request {n} failed");
                latencies.push(sent.elapsed().as_secs_f64() * 1e3);
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    let elapsed = started.elapsed();
    (latencies.len() as u64, elapsed, Summary::of(&mut latencies))
}

/// The HTTP stack's ceiling: an axum route answering "ok" over loopback.
fn hello_ceiling(args: &ApiArgs) -> (f64, Summary) {
    let server = server_runtime();
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let address = listener.local_addr().expect("address");
    server.spawn(async move {
        let app = axum::Router::new().route("/hello", axum::routing::get(|| async { "ok" }));
        axum::serve(listener, app).await.expect("serve");
    });
    let http = reqwest::Client::new();
    let url = format!("http://{address}/hello");
    let (count, elapsed, latency) =
        client_runtime().block_on(hammer(args.clients, args.seconds, move |_| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                http.get(&url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        }));
    server.shutdown_background();
    (count as f64 / elapsed.as_secs_f64(), latency)
}

/// A demo node loaded with the province's school year so far, served on loopback.
struct Served {
    url: String,
    keys: std::path::PathBuf,
    auditor: ed25519_dalek::SigningKey,
    _runtime: tokio::runtime::Runtime,
    _node: Node,
}

fn serve_demo(args: &ApiArgs, directory: &std::path::Path) -> Served {
    let province = demo::province(args.learners);
    let layout = Layout::new(directory);
    let until_ms = ledger_node::sequencer::now_us() / 1_000;
    demo::create(directory, &province, until_ms).expect("a new demo node");
    let keys = demo::keys_directory(directory);
    let clock = LoadingClock::default();
    let node = Node::open_with_clock(&layout, clock.clock()).expect("open");
    let runtime = server_runtime();
    let service = node.service();
    let started = Instant::now();
    let count = runtime
        .block_on(demo::load(
            service.as_ref(),
            &province,
            &clock,
            until_ms,
            |_| {},
        ))
        .expect("the demo year loads");
    println!(
        "demo node: {} learners, {} events loaded in {:.1} s",
        province.spec().learner_count(),
        thousands(count as f64),
        started.elapsed().as_secs_f64()
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let app = ledger_api::router::app(node.service());
    runtime.spawn(async move { axum::serve(listener, app).await.expect("serve") });
    Served {
        url,
        keys,
        auditor: demo::auditor_key(&province),
        _runtime: runtime,
        _node: node,
    }
}

fn appends(served: &Served, clients: usize, seconds: u64, batch: Option<usize>) -> load::Report {
    let args = LoadArgs {
        url: served.url.clone(),
        keys: served.keys.clone(),
        clients,
        seconds,
        batch,
        acked: None,
        json: false,
    };
    let report = client_runtime()
        .block_on(load::execute(&args))
        .expect("load run");
    assert!(report.healthy(), "{}", report.to_text());
    report
}

fn transcript_reads(args: &ApiArgs, served: &Served) -> (f64, Summary) {
    let auditor = served.auditor.clone();
    let roster = load::read_roster(&served.keys).expect("roster");
    let learners: Arc<Vec<LearnerCode>> = Arc::new(
        roster
            .classes
            .iter()
            .flat_map(|class| class.learners.iter())
            .map(|code| LearnerCode::parse(code).expect("a learner code"))
            .collect(),
    );
    let client = Client::new(&served.url)
        .expect("client")
        .with_signer(RequestSigner::new(auditor));
    let (count, elapsed, latency) =
        client_runtime().block_on(hammer(args.clients, args.seconds, move |n| {
            let (client, learners) = (client.clone(), Arc::clone(&learners));
            async move {
                let learner = &learners[(n as usize * 7919) % learners.len()];
                // Status checked, body kept as bytes: the clients share the node's two cores, and
                // parsing every answer would measure the load generator, not the node.
                client.transcript_bytes(learner).await.is_ok()
            }
        }));
    (count as f64 / elapsed.as_secs_f64(), latency)
}

/// Runs every API measurement and prints them next to their targets.
pub fn run(args: &ApiArgs, work_dir: &std::path::Path) {
    let (hello_rate, hello_latency) = hello_ceiling(args);
    let scratch = tempfile::Builder::new()
        .prefix("api-")
        .tempdir_in(work_dir)
        .expect("scratch");
    let served = serve_demo(args, scratch.path());
    let single = appends(&served, args.clients, args.seconds, None);
    let batched = appends(&served, args.batch_clients, args.seconds, Some(args.batch));
    let (read_rate, read_latency) = transcript_reads(args, &served);

    let mut table = Table::new(
        &format!(
            "HTTP API on loopback, clients on the same cores ({} s each)",
            args.seconds
        ),
        &[
            "measurement",
            "clients",
            "rate",
            "p50 ms",
            "p99 ms",
            "target",
        ],
    );
    table.row(vec![
        "hello-world ceiling (axum GET)".to_owned(),
        args.clients.to_string(),
        format!("{} req/s", thousands(hello_rate)),
        format!("{:.2}", hello_latency.p50),
        format!("{:.2}", hello_latency.p99),
        "the stack's limit".to_owned(),
    ]);
    table.row(vec![
        "single-event appends".to_owned(),
        args.clients.to_string(),
        format!("{} events/s", thousands(single.events_per_s)),
        format!("{:.2}", single.latency.p50_ms),
        format!("{:.2}", single.latency.p99_ms),
        "≥ 15,000 events/s, p99 ≤ 25 ms".to_owned(),
    ]);
    table.row(vec![
        format!("batch appends ({} per request)", args.batch),
        args.batch_clients.to_string(),
        format!("{} events/s", thousands(batched.events_per_s)),
        format!("{:.2}", batched.latency.p50_ms),
        format!("{:.2}", batched.latency.p99_ms),
        "≥ 30,000 events/s".to_owned(),
    ]);
    table.row(vec![
        "signed transcript reads".to_owned(),
        args.clients.to_string(),
        format!("{} req/s", thousands(read_rate)),
        format!("{:.2}", read_latency.p50),
        format!("{:.2}", read_latency.p99),
        "≥ 10,000 req/s".to_owned(),
    ]);
    table.print();
}
