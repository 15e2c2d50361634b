//! The typed client of the HTTP API, used by the CLI, tests, benches and mirrors.

use ledger_core::domain::value::{LearnerCode, Semester, SubjectCode, UnitCode};
use ledger_core::domain::ClassKey;
use ledger_core::key::PublicKey;
use ledger_core::projection::AuditSubject;
use ledger_core::record::SignedSubmission;

use crate::error::{ApiError, Problem};
use crate::httpsig::{self, RequestSigner};
use crate::service::{AuthorityFilter, FeedFilter};
use crate::wire::{Receipt, Reflected};

/// A key as a path segment or query value: URL-safe base64 without padding.
fn key_in_path(key: &PublicKey) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_bytes())
}

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The node answered with a problem; the error is decoded from its problem details.
    #[error("the node refused the request: {0}")]
    Api(ApiError),
    /// The request did not reach the node or the answer did not arrive.
    #[error("cannot reach the node: {0}")]
    Transport(String),
    /// The node answered something this client does not understand.
    #[error("unexpected answer from the node: {0}")]
    Unexpected(String),
}

/// A client for one node.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    /// Signs reads (docs/AUTH.md); without one, only the public endpoints answer.
    signer: Option<std::sync::Arc<RequestSigner>>,
}

impl Client {
    /// A client for the node at `base` (for example `http://127.0.0.1:8080`).
    ///
    /// # Errors
    /// [`ClientError::Transport`] if the HTTP client cannot be built.
    pub fn new(base: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|error| ClientError::Transport(error.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
            signer: None,
        })
    }

    /// The same client, signing its reads with `signer`.
    #[must_use]
    pub fn with_signer(mut self, signer: RequestSigner) -> Self {
        self.signer = Some(std::sync::Arc::new(signer));
        self
    }

    /// A learner's transcript (học bạ).
    ///
    /// # Errors
    /// As [`Client::submit`]; `401`/`403` when the signer may not read it.
    pub async fn transcript(&self, learner: &LearnerCode) -> Result<Reflected, ClientError> {
        self.read(&format!("v1/learners/{learner}/transcript"))
            .await
    }

    /// A class's gradebook (sổ điểm) for one subject and semester.
    ///
    /// # Errors
    /// As [`Client::transcript`].
    pub async fn gradebook(
        &self,
        class: &ClassKey,
        subject: &SubjectCode,
        semester: Semester,
    ) -> Result<Reflected, ClientError> {
        self.read(&format!(
            "v1/schools/{}/years/{}/classes/{}/gradebook?subject={subject}&semester={}",
            class.school,
            class.school_year,
            class.class,
            semester.number()
        ))
        .await
    }

    /// One page of an audit trail, each entry with its inclusion proof: entries after index
    /// `after` (all when `None`), at most `limit`.
    ///
    /// # Errors
    /// As [`Client::transcript`].
    pub async fn audit(
        &self,
        subject: &AuditSubject,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Reflected, ClientError> {
        let path = match subject {
            AuditSubject::Learner(learner) => format!("v1/learners/{learner}/audit"),
            AuditSubject::Grade {
                learner,
                school_year,
                subject,
            } => format!("v1/learners/{learner}/years/{school_year}/subjects/{subject}/audit"),
            AuditSubject::Class(class) => format!(
                "v1/schools/{}/years/{}/classes/{}/audit",
                class.school, class.school_year, class.class
            ),
            AuditSubject::Key(key) => format!("v1/keys/{}/audit", key_in_path(key)),
        };
        let page = match after {
            Some(after) => format!("?after={after}&limit={limit}"),
            None => format!("?limit={limit}"),
        };
        self.read(&format!("{path}{page}")).await
    }

    /// Authority state: every grant, a unit's, or a key's.
    ///
    /// # Errors
    /// As [`Client::transcript`].
    pub async fn authority(&self, filter: &AuthorityFilter) -> Result<Reflected, ClientError> {
        let path = match filter {
            AuthorityFilter::All => "v1/authority".to_owned(),
            AuthorityFilter::Unit(unit) => format!("v1/authority?unit={unit}"),
            AuthorityFilter::Key(key) => format!("v1/authority?key={}", key_in_path(key)),
        };
        self.read(&path).await
    }

    /// A unit's history: names over time, parent, merges, custodian and member units (public;
    /// signed anyway when the client has a signer).
    ///
    /// # Errors
    /// As [`Client::transcript`].
    pub async fn unit(&self, unit: &UnitCode) -> Result<Reflected, ClientError> {
        self.read(&format!("v1/units/{unit}")).await
    }

    /// One page of the change feed: records after index `after` (from the start when `None`),
    /// at most `limit`, matching `filter`.
    ///
    /// # Errors
    /// As [`Client::transcript`].
    pub async fn feed(
        &self,
        filter: &FeedFilter,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Reflected, ClientError> {
        let mut query = format!("v1/feed?limit={limit}");
        if let Some(after) = after {
            query.push_str(&format!("&after={after}"));
        }
        match filter {
            FeedFilter::All => {}
            FeedFilter::School(school) => query.push_str(&format!("&school={school}")),
            FeedFilter::Class(class) => query.push_str(&format!(
                "&school={}&school_year={}&class={}",
                class.school, class.school_year, class.class
            )),
            FeedFilter::Learner(learner) => query.push_str(&format!("&learner={learner}")),
        }
        self.read(&query).await
    }

    /// A signed GET of a projection.
    /// A learner's transcript as the node sent it, unparsed: for load generators and proxies
    /// that pass answers on without reading them.
    ///
    /// # Errors
    /// As [`Client::transcript`].
    pub async fn transcript_bytes(&self, learner: &LearnerCode) -> Result<Vec<u8>, ClientError> {
        self.get(&format!("v1/learners/{learner}/transcript")).await
    }

    async fn read(&self, path: &str) -> Result<Reflected, ClientError> {
        let bytes = self.get(path).await?;
        serde_json::from_slice(&bytes).map_err(|error| ClientError::Unexpected(error.to_string()))
    }

    /// Appends a signed submission and waits for its receipt.
    ///
    /// # Errors
    /// [`ClientError::Api`] with the node's refusal, or a transport error.
    pub async fn submit(&self, submission: &SignedSubmission) -> Result<Receipt, ClientError> {
        let response = self
            .http
            .post(format!("{}/v1/submissions", self.base))
            .header("content-type", "application/json")
            .body(submission.to_wire_json())
            .send()
            .await
            .map_err(|error| ClientError::Transport(error.to_string()))?;
        let bytes = Self::body(response).await?;
        serde_json::from_slice(&bytes).map_err(|error| ClientError::Unexpected(error.to_string()))
    }

    /// Appends several signed submissions in one request (at most
    /// [`crate::router::BATCH_EVENTS_MAX`]) and waits until every accepted one is durable. The
    /// answers come in the order of `submissions`: each a receipt or that event's refusal.
    ///
    /// # Errors
    /// [`ClientError::Api`] when the whole request is refused (empty or oversized batch), or a
    /// transport error.
    pub async fn submit_batch(
        &self,
        submissions: &[SignedSubmission],
    ) -> Result<Vec<Result<Receipt, ApiError>>, ClientError> {
        let mut body = b"{\"submissions\":[".to_vec();
        for (position, submission) in submissions.iter().enumerate() {
            if position > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&submission.to_wire_json());
        }
        body.extend_from_slice(b"]}");
        let response = self
            .http
            .post(format!("{}/v1/submissions/batch", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|error| ClientError::Transport(error.to_string()))?;
        let bytes = Self::body(response).await?;
        let answer: crate::wire::BatchAnswer = serde_json::from_slice(&bytes)
            .map_err(|error| ClientError::Unexpected(error.to_string()))?;
        if answer.results.len() != submissions.len() {
            return Err(ClientError::Unexpected(format!(
                "{} answers for {} submissions",
                answer.results.len(),
                submissions.len()
            )));
        }
        answer
            .results
            .into_iter()
            .map(|item| match (item.receipt, item.problem) {
                (Some(receipt), None) => Ok(Ok(receipt)),
                (None, Some(problem)) => Ok(Err(ApiError::from_problem(problem))),
                _ => Err(ClientError::Unexpected(
                    "a batch item must carry either a receipt or a problem".to_owned(),
                )),
            })
            .collect()
    }

    /// The newest signed checkpoint.
    ///
    /// # Errors
    /// As [`Client::submit`].
    pub async fn checkpoint(&self) -> Result<Vec<u8>, ClientError> {
        self.get("log/checkpoint").await
    }

    /// The record at `index` with its inclusion proof.
    ///
    /// # Errors
    /// As [`Client::submit`].
    pub async fn record(&self, index: u64) -> Result<crate::wire::RecordWithProof, ClientError> {
        let bytes = self.get(&format!("v1/records/{index}")).await?;
        serde_json::from_slice(&bytes).map_err(|error| ClientError::Unexpected(error.to_string()))
    }

    /// A consistency proof between two tree sizes.
    ///
    /// # Errors
    /// As [`Client::submit`].
    pub async fn consistency(
        &self,
        from: u64,
        to: u64,
    ) -> Result<crate::wire::ConsistencyProof, ClientError> {
        let bytes = self
            .get(&format!("v1/proofs/consistency?from={from}&to={to}"))
            .await?;
        serde_json::from_slice(&bytes).map_err(|error| ClientError::Unexpected(error.to_string()))
    }

    /// Fetches `path` under the log prefix, e.g. `tile/0/000`.
    ///
    /// # Errors
    /// As [`Client::submit`]; a missing tile is `ClientError::Api` with status 404.
    pub async fn get_log_path(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        self.get(&format!("log/{path}")).await
    }

    async fn get(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let url = reqwest::Url::parse(&format!("{}/{path}", self.base))
            .map_err(|error| ClientError::Transport(error.to_string()))?;
        // Sign the target exactly as it will be sent, base path prefix and encoding included.
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let signed = self.signer.as_ref().map(|signer| {
            let created = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs());
            signer.sign("GET", &target, None, created, None)
        });
        let mut request = self.http.get(url);
        if let Some(signed) = &signed {
            request = httpsig::apply(request, signed);
        }
        let response = request
            .send()
            .await
            .map_err(|error| ClientError::Transport(error.to_string()))?;
        Self::body(response).await
    }

    async fn body(response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|error| ClientError::Transport(error.to_string()))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(problem) => Err(ClientError::Api(ApiError::from_problem(problem))),
            Err(_) => Err(ClientError::Unexpected(format!(
                "status {status} without problem details"
            ))),
        }
    }
}
