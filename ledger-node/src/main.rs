//! `hocba`: the hocba-ledger node and its tools.
//!
//! Exit status: 0 when everything holds, 1 when a check found a problem (verification failed, a
//! fork was detected), 2 for usage or operational errors (missing files, unreachable node).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use ledger_core::note::NoteVerifier;
use ledger_node::audit::{self, Outcome};
use ledger_node::config;
use ledger_node::layout::Layout;
use ledger_node::node::Node;
use ledger_node::static_log::{self, StaticError};
use ledger_node::verify::{self, VerifyError};

// The node allocates and frees many small strings and JSON values per event and per answer;
// mimalloc halves that cost against the system allocator (docs/BENCHMARKS.md, section 6).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// hocba-ledger: a verifiable, append-only ledger of school-record (học bạ) changes.
#[derive(Parser)]
#[command(name = "hocba", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new node: its Ed25519 log key and configuration. Prints the verifier key that
    /// auditors and witnesses need. Refuses to overwrite an existing node.
    Init {
        /// The node's data directory (created if missing).
        #[arg(long)]
        data: PathBuf,
        /// The log's origin: a unique name such as `so-gddt-hanoi.example/2026-2027`, printed on
        /// the first line of every checkpoint.
        #[arg(long)]
        origin: String,
        /// A Ministry root key (base64 Ed25519 public key); repeat for several. With at least
        /// one, the node enforces the học bạ domain rules (authority, events, locks,
        /// corrections); without, it admits every correctly signed submission.
        #[arg(long = "ministry-key")]
        ministry_keys: Vec<String>,
    },
    /// Run a demo node on the embedded defaults: on an empty data directory, create a node that
    /// enforces the học bạ rules and append a generated province's school year so far (schools,
    /// staff and their authority, classes, learners, assessments, corrections, a transfer, a
    /// revoked key) through the real append path, each event at its own date; on an existing
    /// one, just serve it. Prints the URL and the verifier key; the demo keys are written to
    /// DIR/demo-keys/.
    Demo {
        /// The data directory.
        #[arg(long, default_value = "./hocba-demo")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// About how many learners the generated province has (rounded up to whole classes or
        /// schools).
        /// The default is a province: 105 schools of 24 classes, 100,800 learners and about 4.5
        /// million events of the year so far, loaded in about 6 minutes on two cores (2.6 GB
        /// on disk). Up to 900 make a five-school province in seconds (`--learners 600` is the
        /// one `docs/API.md` walks through). Read only when the data directory is created.
        #[arg(long)]
        learners: Option<u64>,
    },
    /// Append realistic, valid, signed events to a demo node from concurrent clients, for
    /// capacity planning: regular assessments, make-up mid-terms and absences, by the teachers of
    /// the demo's roster (`DIR/demo-keys/roster.json`). Prints events acknowledged, events and
    /// requests per second, latency percentiles per request, refusals by problem code and
    /// transport errors. Exit 0 for a healthy run, 1 when anything was refused or failed.
    Load(ledger_node::load::LoadArgs),
    /// Compute one learner's year results under the assessment rules (TT 22): subject averages
    /// and levels, learning and conduct, promotion outcome, re-assessment subjects, award, and
    /// the results after summer. Reads the JSON input from FILE (or `-` for standard input) and
    /// prints one JSON object; invalid input is refused with a message naming the subject.
    Assess {
        /// The input file, or `-` for standard input.
        file: String,
    },
    /// Print a learner's transcript (học bạ) as JSON with the signed checkpoint it reflects:
    /// offline from a node's files (`--data`), or from a running node with a signed request
    /// (`--url` and `--key`).
    Transcript(LearnerRead),
    /// Print every event that touched a learner (who, when, why, at which log index): offline
    /// from a node's files (`--data`), or from a running node (`--url`, `--key`) with each
    /// event's proof of inclusion in the signed checkpoint.
    History(LearnerRead),
    /// Sign one event with a key and append it to a running node; prints the receipt (index,
    /// leaf hash, record id) once the record is durable. Refusals print their code (exit 1).
    Append {
        #[command(flatten)]
        remote: ledger_node::remote::Remote,
        #[command(flatten)]
        event: ledger_node::remote::AppendArgs,
    },
    /// Send a signed envelope saved earlier (`hocba append --print`) and print the receipt.
    /// Sending the same envelope again is the safe retry: the node answers with the original
    /// receipt and stores nothing twice.
    Submit {
        /// A running node's base URL.
        #[arg(long)]
        url: String,
        /// The envelope file (`{"body":…,"signature":"…"}`).
        envelope: PathBuf,
    },
    /// Follow the change feed of a running node: every record (or those about a school, a class
    /// or a learner) that the newest checkpoint covers, as JSON lines, so a school system can
    /// rebuild its own copy. Prints the cursor to resume from.
    Feed {
        #[command(flatten)]
        remote: ledger_node::remote::Remote,
        #[command(flatten)]
        feed: ledger_node::remote::FeedArgs,
    },
    /// Print the RFC 9421 signature headers of one request as a curl config, so that
    /// `hocba sign-request --key K GET /v1/… | curl -K - http://node/v1/…` sends it signed.
    SignRequest {
        /// The signing key's seed file (64 hex digits).
        #[arg(long)]
        key: PathBuf,
        /// The HTTP method, e.g. GET.
        method: String,
        /// The path and query exactly as sent, e.g. `/v1/learners/HS1/transcript`.
        path: String,
        /// The request body, for requests that carry one.
        #[arg(long)]
        body: Option<PathBuf>,
    },
    /// Check a saved proof of inclusion and its record offline, with only the log's verifier key.
    Proof {
        #[command(subcommand)]
        command: ProofCommand,
    },
    /// Print the node's verifier key (`name+id+key`, c2sp.org/signed-note).
    Vkey {
        /// The node's data directory.
        #[arg(long)]
        data: PathBuf,
    },
    /// Serve the node over HTTP: the C2SP log endpoints (`/log/checkpoint`, `/log/tile/…`) and
    /// `POST /v1/submissions`, which answers with a receipt only once the record is durable.
    /// Never creates a log: run `hocba init` first.
    Serve {
        /// The node's data directory.
        #[arg(long)]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Re-check everything offline: framing and checksums, the index sequence and hash chain,
    /// every signature, the Merkle tree against every stored checkpoint, and the checkpoints'
    /// signatures and mutual consistency. Exit 0 when all holds; 1 naming the first bad index.
    Verify {
        /// The node's data directory.
        #[arg(long)]
        data: PathBuf,
        /// Skip the signature checks (structure, chain and tree only).
        #[arg(long)]
        no_signatures: bool,
    },
    /// Write the log, up to its newest checkpoint, as a static C2SP tlog-tiles tree (checkpoint,
    /// hash tiles, entry bundles) that any web server can serve: the backup and mirror format.
    Export {
        /// The node's data directory.
        #[arg(long)]
        data: PathBuf,
        /// The output directory.
        #[arg(long)]
        to: PathBuf,
    },
    /// Rebuild a node's data directory from an export, after verifying all of it (signatures,
    /// tiles, entries, chain). Without `--key` the result is a read-only mirror.
    Import {
        /// The export directory (or an http(s):// log prefix).
        #[arg(long)]
        from: String,
        /// The new data directory.
        #[arg(long)]
        data: PathBuf,
        /// The log's verifier key. Defaults to the `vkey` file in the export, which is then
        /// trusted as found: pass the key you know to actually authenticate the backup.
        #[arg(long)]
        vkey: Option<String>,
        /// The log's signing key file (`log.key`), to make the imported node writable.
        #[arg(long)]
        key: Option<PathBuf>,
        /// A Ministry root key of the log's domain policy (repeatable), as given to `init`.
        #[arg(long = "ministry-key")]
        ministry_keys: Vec<String>,
    },
    /// Audit a remote log (the Ministry's check): fetch its checkpoint and tiles, verify the
    /// signature, recompute the tree, and prove it extends the last checkpoint accepted from the
    /// same log (kept in the state file). A rewritten or forked history is reported with both
    /// signed checkpoints as evidence (exit 1).
    Audit {
        /// The log's prefix, e.g. `http://127.0.0.1:8080/log`, or an export directory.
        url: String,
        /// The log's verifier key.
        #[arg(long)]
        vkey: String,
        /// Where the last accepted checkpoint is kept between audits.
        #[arg(long)]
        state: Option<PathBuf>,
        /// Also fetch every entry bundle and check each record's hash, chain and signature.
        #[arg(long)]
        entries: bool,
    },
}

/// Where `transcript` and `history` read a learner's record: a node's files or a running node.
#[derive(clap::Args)]
struct LearnerRead {
    /// The node's data directory (offline, up to its newest signed checkpoint).
    #[arg(long, conflicts_with_all = ["url", "key"], required_unless_present = "url")]
    data: Option<PathBuf>,
    /// A running node's base URL.
    #[arg(long, requires = "key")]
    url: Option<String>,
    /// The reader's key seed file (64 hex digits), e.g. `hocba-demo/demo-keys/bo-gddt.seed`.
    #[arg(long, requires = "url")]
    key: Option<PathBuf>,
    /// The learner code (mã người học).
    learner: String,
}

impl LearnerRead {
    /// Answers offline with `offline` or over HTTP with `online`.
    fn run(
        self,
        offline: fn(&ledger_node::offline::Replayed, &str) -> Result<serde_json::Value, String>,
        online: fn(&ledger_node::remote::Remote, &str) -> Result<ExitCode, String>,
    ) -> Result<ExitCode, String> {
        match (self.data, self.url, self.key) {
            (Some(data), _, _) => {
                let replayed = ledger_node::offline::replay(&Layout::new(&data), |_| {})?;
                println!("{}", offline(&replayed, &self.learner)?);
                Ok(ExitCode::SUCCESS)
            }
            (None, Some(url), Some(key)) => {
                online(&ledger_node::remote::Remote { url, key }, &self.learner)
            }
            _ => Err("give --data DIR, or --url URL with --key FILE".to_owned()),
        }
    }
}

#[derive(Subcommand)]
enum ProofCommand {
    /// Check a record saved from `GET /v1/records/{index}` (or its tlog-proof text with the
    /// record bytes) offline: the author's signature, the log's signed checkpoint, the inclusion
    /// proof and any required witness cosignatures. Exit 0 when all holds, 1 naming the failed
    /// check, 2 for an unreadable file or a malformed key.
    Verify(ledger_node::proof_check::ProofVerifyArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Init {
            data,
            origin,
            ministry_keys,
        } => {
            let config = config::init(&Layout::new(&data), &origin, policy_of(ministry_keys))
                .map_err(|error| error.to_string())?;
            println!("{}", config.verifier_key);
            Ok(ExitCode::SUCCESS)
        }
        Command::Assess { file } => {
            let input = if file == "-" {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                    .map_err(|error| format!("standard input: {error}"))?;
                bytes
            } else {
                std::fs::read(&file).map_err(|error| format!("{file}: {error}"))?
            };
            match ledger_node::assess::run(&input) {
                Ok(output) => {
                    println!("{output}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(message) => {
                    // Input that breaks the rules is a usage error: exit status 2.
                    eprintln!("{message}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Transcript(read) => read.run(
            ledger_node::offline::Replayed::transcript,
            ledger_node::remote::transcript,
        ),
        Command::History(read) => read.run(
            ledger_node::offline::Replayed::learner_history,
            ledger_node::remote::history,
        ),
        Command::Append { remote, event } => ledger_node::remote::append(&remote, &event),
        Command::Feed { remote, feed } => ledger_node::remote::feed(&remote, &feed),
        Command::Submit { url, envelope } => ledger_node::remote::submit(&url, &envelope),
        Command::SignRequest {
            key,
            method,
            path,
            body,
        } => ledger_node::remote::sign_request(&key, &method, &path, body.as_deref()),
        Command::Proof {
            command: ProofCommand::Verify(args),
        } => Ok(ledger_node::proof_check::run(&args)),
        Command::Vkey { data } => {
            let config = config::load(&Layout::new(&data)).map_err(|error| error.to_string())?;
            println!("{}", config.verifier_key);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { data, listen } => serve(&data, &listen, None),
        Command::Load(args) => Ok(ledger_node::load::run(args)),
        Command::Demo {
            data,
            listen,
            learners,
        } => {
            let layout = Layout::new(&data);
            if layout.config().exists() {
                if learners.is_some() {
                    eprintln!(
                        "{} already holds a node: serving it as it is (--learners applies only \
                         when a demo is created; use another --data for another size)",
                        data.display()
                    );
                }
                return serve(&data, &listen, None);
            }
            let learners = learners.unwrap_or(ledger_node::demo::DEFAULT_LEARNERS);
            let province = ledger_node::demo::province(learners);
            // The roster and the loading share one cutoff: later events are left for the schools.
            let until_ms = ledger_node::sequencer::now_us() / 1_000;
            let config = ledger_node::demo::create(&data, &province, until_ms)?;
            eprintln!(
                "created a demo node in {} ({}) with {} learners",
                data.display(),
                config.origin,
                province.spec().learner_count()
            );
            serve(&data, &listen, Some((province, until_ms)))
        }
        Command::Verify {
            data,
            no_signatures,
        } => {
            let bar = progress_bar("verifying");
            let result = verify::verify(
                &Layout::new(&data),
                verify::Options {
                    signatures: !no_signatures,
                },
                |done| bar.set_position(done),
            );
            bar.finish_and_clear();
            match result {
                Ok(report) => {
                    println!(
                        "ok: {} records, {} checkpoints, root {}",
                        report.records, report.checkpoints, report.root
                    );
                    if let Some((path, offset)) = report.torn_tail {
                        println!(
                            "note: {} has a torn tail at byte {offset} (an unacknowledged write \
                             cut short by a crash); the node cuts it on its next start",
                            path.display()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(VerifyError::Invalid(problem)) => {
                    println!("INVALID at index {}: {}", problem.index, problem.what);
                    Ok(ExitCode::from(1))
                }
                Err(error) => Err(error.to_string()),
            }
        }
        Command::Export { data, to } => {
            let bar = progress_bar("exporting");
            let result = ledger_node::export::export(&Layout::new(&data), &to, |done| {
                bar.set_position(done)
            });
            bar.finish_and_clear();
            let exported = result?;
            println!(
                "exported {} records ({} files) to {}",
                exported.size,
                exported.files,
                to.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            from,
            data,
            vkey,
            key,
            ministry_keys,
        } => {
            let source = static_log::source_for(&from)?;
            let vkey = match vkey {
                Some(vkey) => vkey,
                None => {
                    let found =
                        String::from_utf8_lossy(&source.fetch("vkey").map_err(|error| {
                            format!("no --vkey given and none in the export: {error}")
                        })?)
                        .trim()
                        .to_owned();
                    eprintln!("warning: trusting the verifier key found in the export: {found}");
                    found
                }
            };
            let verifier = parse_vkey(&vkey)?;
            let bar = progress_bar("importing");
            let result = ledger_node::import::import(
                source.as_ref(),
                &verifier,
                &data,
                key.as_deref(),
                policy_of(ministry_keys),
                |done| bar.set_position(done),
            );
            bar.finish_and_clear();
            match result {
                Ok(size) => {
                    println!(
                        "imported and verified {size} records into {}",
                        data.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error @ (StaticError::Invalid { .. } | StaticError::Checkpoint(_))) => {
                    println!("INVALID: {error}; nothing was imported");
                    Ok(ExitCode::from(1))
                }
                Err(error) => Err(error.to_string()),
            }
        }
        Command::Audit {
            url,
            vkey,
            state,
            entries,
        } => {
            let verifier = parse_vkey(&vkey)?;
            match audit::audit(&url, &verifier, state.as_deref(), entries) {
                Ok(Outcome::Consistent {
                    checkpoint,
                    previous_size,
                }) => {
                    match previous_size {
                        Some(previous) => println!(
                            "ok: {} at size {}, root {}; consistent with the accepted size {previous}",
                            checkpoint.origin,
                            checkpoint.size,
                            checkpoint.root.to_base64()
                        ),
                        None => println!(
                            "ok: {} at size {}, root {} (first audit of this log)",
                            checkpoint.origin,
                            checkpoint.size,
                            checkpoint.root.to_base64()
                        ),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Ok(Outcome::Forked {
                    what,
                    accepted,
                    presented,
                }) => {
                    println!("FORK DETECTED: {what}");
                    println!("\n--- checkpoint accepted earlier ---\n{accepted}");
                    println!("--- checkpoint presented now ---\n{presented}");
                    Ok(ExitCode::from(1))
                }
                Err(error @ (StaticError::Invalid { .. } | StaticError::Checkpoint(_))) => {
                    println!("INVALID: {error}");
                    Ok(ExitCode::from(1))
                }
                Err(error) => Err(error.to_string()),
            }
        }
    }
}

fn policy_of(ministry_keys: Vec<String>) -> config::Policy {
    if ministry_keys.is_empty() {
        config::Policy::Open
    } else {
        config::Policy::Hocba { ministry_keys }
    }
}

fn parse_vkey(vkey: &str) -> Result<NoteVerifier, String> {
    NoteVerifier::parse(vkey.trim()).map_err(|error| format!("--vkey: {error}"))
}

fn progress_bar(what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {human_pos} records ({per_sec})")
            .expect("valid template"),
    );
    bar.set_message(what);
    bar
}

fn serve(
    data: &Path,
    listen: &str,
    demo: Option<(fixtures::province::Province, u64)>,
) -> Result<ExitCode, String> {
    let layout = Layout::new(data);
    let clock = ledger_node::demo::LoadingClock::default();
    let node = Node::open_with_clock(&layout, clock.clock()).map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        if let Some((province, until_ms)) = demo {
            load_demo(&node, &province, &clock, until_ms).await?;
            // Serve once a signed checkpoint covers the loaded year, so every read and proof
            // the README shows works from the first request.
            let size = node.log().head().size;
            if let Err(error) = node.checkpoint_waiter().covering(size).await {
                tracing::warn!(%error, "serving before a checkpoint covers the loaded year");
            }
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|error| format!("cannot listen on {listen}: {error}"))?;
        let address = listener.local_addr().map_err(|error| error.to_string())?;
        println!("hocba node serving http://{address}");
        println!("log origin: {}", node.config().origin);
        println!("verifier key: {}", node.config().verifier_key);
        let mut identity_routes = axum::Router::new();
        // A node that keeps the học bạ projections also serves the identity register beside
        // its log (docs/IDENTITY.md).
        if let Some(projections) = node.projections() {
            let register = ledger_node::identity_register::IdentityRegister::open(&layout)
                .map_err(|error| error.to_string())?;
            let identities = ledger_node::identity_register::NodeIdentityService::new(
                std::sync::Arc::new(register),
                projections,
                node.checkpoint_waiter(),
            );
            identity_routes = ledger_api::identity::routes(std::sync::Arc::new(identities));
        }
        let app = ledger_api::router::app_with(node.service(), identity_routes);
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|error| error.to_string())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Appends the province's events claimed up to `until_ms`, in order, each sequenced at its own
/// date.
async fn load_demo(
    node: &Node,
    province: &fixtures::province::Province,
    clock: &ledger_node::demo::LoadingClock,
    until_ms: u64,
) -> Result<(), String> {
    let service = node.service();
    eprintln!(
        "loading the school year so far of {} learners through the append path (a province \
         takes several minutes on two cores; later starts just serve)",
        province.spec().learner_count()
    );
    // The bar counts days of the year: the events of a day are appended together.
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} day {pos} of {len} [{wide_bar}] {msg} events, {elapsed} (about {eta} left)",
        )
        .expect("valid template"),
    );
    let count = ledger_node::demo::load(service.as_ref(), province, clock, until_ms, |done| {
        bar.set_length(done.days);
        bar.set_position(done.days_done);
        bar.set_message(indicatif::HumanCount(done.events).to_string());
    })
    .await?;
    bar.finish_and_clear();
    eprintln!("appended {count} events of the school year so far");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal");
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
}
