//! The `hocba` commands that talk to a running node over HTTP with the typed client: signed
//! reads (transcript, history, feed), `append`, and `sign-request`, which produces the RFC 9421
//! headers of a request for tools such as curl.
//!
//! Keys are read from seed files: 32 bytes as 64 hex digits, the format of `DIR/demo-keys/`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ed25519_dalek::SigningKey;
use ledger_api::client::{Client, ClientError};
use ledger_api::httpsig::RequestSigner;
use ledger_api::service::FeedFilter;
use ledger_core::domain::value::{ClassName, LearnerCode, SchoolYear, UnitCode};
use ledger_core::domain::ClassKey;
use ledger_core::key::PublicKey;
use ledger_core::projection::AuditSubject;
use ledger_core::record::{SignedSubmission, Submission};

/// Where a remote command reaches the node, and as whom.
#[derive(clap::Args, Clone, Debug)]
pub struct Remote {
    /// The node's base URL, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    pub url: String,
    /// The signing key's seed file (64 hex digits), e.g. `hocba-demo/demo-keys/bo-gddt.seed`.
    #[arg(long)]
    pub key: PathBuf,
}

/// Reads a hex Ed25519 seed file.
///
/// # Errors
/// A message naming the file when it cannot be read or is not 64 hex digits.
pub fn read_seed(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("key file {}: {error}", path.display()))?;
    let bytes = fixtures::hex::decode(text.trim())
        .map_err(|error| format!("key file {}: {error}", path.display()))?;
    let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        format!(
            "key file {}: a seed is 32 bytes (64 hex digits), found {}",
            path.display(),
            bytes.len()
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

impl Remote {
    fn client(&self) -> Result<Client, String> {
        let key = read_seed(&self.key)?;
        Ok(Client::new(&self.url)
            .map_err(|error| error.to_string())?
            .with_signer(RequestSigner::new(key)))
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())
}

/// A refusal by the node is exit 1 with its problem; anything else is exit 2.
fn answer_of<T>(result: Result<T, ClientError>, print: impl FnOnce(T)) -> Result<ExitCode, String> {
    match result {
        Ok(value) => {
            print(value);
            Ok(ExitCode::SUCCESS)
        }
        Err(ClientError::Api(problem)) => {
            eprintln!(
                "refused ({} {}): {} — {}",
                problem.status, problem.code, problem.title, problem.detail
            );
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error.to_string()),
    }
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `hocba transcript --url … --key …`: the learner's transcript as the node serves it, with the
/// checkpoint it is proven under.
///
/// # Errors
/// Unreadable key, malformed learner code, unreachable node.
pub fn transcript(remote: &Remote, learner: &str) -> Result<ExitCode, String> {
    let learner = LearnerCode::parse(learner)?;
    let client = remote.client()?;
    runtime()?.block_on(async {
        answer_of(client.transcript(&learner).await, |answer| {
            println!("{}", pretty(&answer));
        })
    })
}

/// `hocba history --url … --key …`: every event that touched the learner, each with its
/// inclusion proof, all pages.
///
/// # Errors
/// As [`transcript`].
pub fn history(remote: &Remote, learner: &str) -> Result<ExitCode, String> {
    let subject = AuditSubject::Learner(LearnerCode::parse(learner)?);
    let client = remote.client()?;
    runtime()?.block_on(async {
        let mut after = None;
        let mut entries = Vec::new();
        let mut answer = loop {
            let page = match client
                .audit(&subject, after, ledger_api::service::AUDIT_PAGE_MAX)
                .await
            {
                Ok(page) => page,
                Err(error) => return answer_of::<()>(Err(error), |()| {}),
            };
            if let Some(items) = page.data["entries"].as_array() {
                entries.extend(items.iter().cloned());
            }
            after = page.data["next_after"].as_u64();
            if after.is_none() {
                break page;
            }
        };
        answer.data["entries"] = serde_json::Value::Array(entries);
        answer.data["next_after"] = serde_json::Value::Null;
        println!("{}", pretty(&answer));
        Ok(ExitCode::SUCCESS)
    })
}

/// What `hocba feed` follows.
#[derive(clap::Args, Clone, Debug)]
pub struct FeedArgs {
    /// Only records about this school (unit code).
    #[arg(long)]
    pub school: Option<String>,
    /// With --school and --class: the class's school year (`2026-2027`).
    #[arg(long)]
    pub school_year: Option<String>,
    /// With --school and --school-year: only records about this class.
    #[arg(long)]
    pub class: Option<String>,
    /// Only records about this learner.
    #[arg(long, conflicts_with_all = ["school", "class"])]
    pub learner: Option<String>,
    /// Start after this log index (the cursor printed last time); from the start without it.
    #[arg(long)]
    pub after: Option<u64>,
}

impl FeedArgs {
    fn filter(&self) -> Result<FeedFilter, String> {
        Ok(
            match (&self.school, &self.school_year, &self.class, &self.learner) {
                (None, None, None, None) => FeedFilter::All,
                (Some(school), None, None, None) => FeedFilter::School(UnitCode::parse(school)?),
                (Some(school), Some(year), Some(class), None) => FeedFilter::Class(ClassKey {
                    school: UnitCode::parse(school)?,
                    school_year: SchoolYear::parse(year)?,
                    class: ClassName::parse(class)?,
                }),
                (None, None, None, Some(learner)) => {
                    FeedFilter::Learner(LearnerCode::parse(learner)?)
                }
                _ => {
                    return Err(
                        "give --school, --school with --school-year and --class, or --learner"
                            .to_owned(),
                    )
                }
            },
        )
    }
}

/// `hocba feed`: prints every matching record the newest checkpoint covers as JSON lines
/// (`index`, `event_type`, `leaf_hash`, `record`), then the cursor to resume from on stderr.
///
/// # Errors
/// As [`transcript`].
pub fn feed(remote: &Remote, args: &FeedArgs) -> Result<ExitCode, String> {
    let filter = args.filter()?;
    let client = remote.client()?;
    runtime()?.block_on(async {
        let mut after = args.after;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        loop {
            let page = match client
                .feed(&filter, after, ledger_api::service::FEED_PAGE_MAX)
                .await
            {
                Ok(page) => page,
                Err(error) => return answer_of::<()>(Err(error), |()| {}),
            };
            for record in page.data["records"].as_array().into_iter().flatten() {
                writeln!(out, "{record}").map_err(|error| error.to_string())?;
            }
            after = page.data["next_after"].as_u64();
            if !page.data["more"].as_bool().unwrap_or(false) {
                eprintln!(
                    "checkpoint size {}; resume with --after {}",
                    page.checkpoint.size,
                    after.map_or_else(
                        || "(none: nothing matched yet)".to_owned(),
                        |a| a.to_string()
                    )
                );
                return Ok(ExitCode::SUCCESS);
            }
        }
    })
}

/// What `hocba append` appends.
#[derive(clap::Args, Clone, Debug)]
pub struct AppendArgs {
    /// The event type, e.g. `assessment.recorded` (docs/EVENTS.md).
    #[arg(long = "type")]
    pub event_type: String,
    /// The payload: a JSON object in FILE, or `-` for standard input.
    pub payload: String,
    /// The idempotency id; a retry with the same id and content returns the first receipt.
    /// Defaults to a fresh random id.
    #[arg(long)]
    pub id: Option<String>,
    /// The event's schema version.
    #[arg(long, default_value_t = 1)]
    pub schema_version: u32,
    /// Print the signed envelope (the body of `POST /v1/submissions`) instead of sending it,
    /// e.g. to send it with curl or to keep it.
    #[arg(long)]
    pub print: bool,
}

/// `hocba append`: signs one event with the key and appends it; prints the receipt once the
/// record is durable.
///
/// # Errors
/// Unreadable key or payload, a payload that is not a JSON object of canonical values,
/// unreachable node.
pub fn append(remote: &Remote, args: &AppendArgs) -> Result<ExitCode, String> {
    let key = read_seed(&remote.key)?;
    let text = if args.payload == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|error| format!("standard input: {error}"))?;
        text
    } else {
        std::fs::read_to_string(&args.payload)
            .map_err(|error| format!("{}: {error}", args.payload))?
    };
    let payload: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|error| format!("the payload must be a JSON object: {error}"))?;
    let id = match &args.id {
        Some(id) => id.clone(),
        None => {
            let mut bytes = [0u8; 12];
            getrandom::getrandom(&mut bytes).map_err(|error| error.to_string())?;
            format!("cli-{}", ledger_core::hex::encode(&bytes))
        }
    };
    let submission = Submission::new(
        PublicKey::from(&key),
        crate::sequencer::now_us() / 1_000,
        &args.event_type,
        &id,
        payload,
        args.schema_version,
    )
    .map_err(|error| error.to_string())?;
    let signed = SignedSubmission::sign(&submission, &key);
    if args.print {
        println!("{}", String::from_utf8_lossy(&signed.to_wire_json()));
        return Ok(ExitCode::SUCCESS);
    }
    let client = Client::new(&remote.url).map_err(|error| error.to_string())?;
    runtime()?.block_on(async {
        answer_of(client.submit(&signed).await, |receipt| {
            println!("{}", pretty(&receipt));
        })
    })
}

/// `hocba submit`: sends a signed envelope saved earlier (`hocba append --print`, or one a
/// school system produced) and prints the receipt. Resending the same envelope is the safe
/// retry: the node answers with the original receipt and stores nothing twice.
///
/// # Errors
/// Unreadable file, malformed envelope, unreachable node.
pub fn submit(url: &str, envelope: &Path) -> Result<ExitCode, String> {
    let bytes =
        std::fs::read(envelope).map_err(|error| format!("{}: {error}", envelope.display()))?;
    let signed = SignedSubmission::from_wire_json(bytes.trim_ascii())
        .map_err(|error| format!("{}: {error}", envelope.display()))?;
    let client = Client::new(url).map_err(|error| error.to_string())?;
    runtime()?.block_on(async {
        answer_of(client.submit(&signed).await, |receipt| {
            println!("{}", pretty(&receipt));
        })
    })
}

/// `hocba sign-request`: the RFC 9421 headers of one request, as a curl config
/// (`header = "…"` lines), so that `hocba sign-request … | curl -K - URL` sends a signed request.
///
/// # Errors
/// Unreadable key or body file.
pub fn sign_request(
    key: &Path,
    method: &str,
    path_and_query: &str,
    body: Option<&Path>,
) -> Result<ExitCode, String> {
    let signer = RequestSigner::new(read_seed(key)?);
    let body = body
        .map(|path| std::fs::read(path).map_err(|error| format!("{}: {error}", path.display())))
        .transpose()?;
    let created = crate::sequencer::now_us() / 1_000_000;
    let method = method.to_ascii_uppercase();
    let signed = signer.sign(&method, path_and_query, body.as_deref(), created, None);
    let quoted = |value: &str| value.replace('\\', "\\\\").replace('"', "\\\"");
    println!(
        "header = \"Signature-Input: {}\"",
        quoted(&signed.signature_input)
    );
    println!("header = \"Signature: {}\"", quoted(&signed.signature));
    if let Some(digest) = &signed.content_digest {
        println!("header = \"Content-Digest: {}\"", quoted(digest));
    }
    Ok(ExitCode::SUCCESS)
}
