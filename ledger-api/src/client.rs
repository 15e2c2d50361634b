//! The typed client of the HTTP API, used by the CLI, tests, benches and mirrors.

use ledger_core::record::SignedSubmission;

use crate::error::{ApiError, Problem};
use crate::wire::Receipt;

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
        })
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
        let response = self
            .http
            .get(format!("{}/{path}", self.base))
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
