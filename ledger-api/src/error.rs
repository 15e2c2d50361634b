//! Errors of the HTTP API, rendered as RFC 9457 problem details.
//!
//! Every refusal carries a stable, kebab-case `code` (for example `signature-invalid`). The
//! problem `type` is `urn:hocba:problem:<code>`; codes are never reused or renamed. The `title`
//! is Vietnamese and English; `detail` names the field and the rule.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The prefix of every problem `type` URI.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:hocba:problem:";

/// Whose fault an error is, which decides its HTTP status family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// The input breaks a rule: 4xx with details. Nothing was written.
    Refused,
    /// The input conflicts with the log's state (a reused idempotency id with a different body):
    /// 409 with the conflicting index.
    Conflict,
    /// The node cannot take the request now (queue full, log stopped): 503, retry later.
    Unavailable,
    /// A bug or an operating failure on the node: 500, logged, no details.
    Internal,
}

/// An API error: the stable code, the HTTP status and the explanation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Stable machine-readable code, e.g. `signature-invalid`.
    pub code: String,
    /// Short title, Vietnamese and English.
    pub title: String,
    /// What is wrong, naming the field and the rule.
    pub detail: String,
    /// The index of the conflicting or offending record, where there is one.
    pub index: Option<u64>,
    /// Whose fault it is.
    pub fault: Fault,
}

/// The RFC 9457 JSON body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:hocba:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short title, Vietnamese and English.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What is wrong.
    pub detail: String,
    /// The stable code (also the last part of `type`).
    pub code: String,
    /// The index of the conflicting record, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

impl ApiError {
    /// A refusal of bad input (status 400 unless given otherwise by [`ApiError::with_status`]).
    #[must_use]
    pub fn refused(code: &str, title: &str, detail: impl Into<String>) -> Self {
        Self::new(Fault::Refused, 400, code, title, detail)
    }

    /// A conflict with the log's state (409).
    #[must_use]
    pub fn conflict(code: &str, title: &str, detail: impl Into<String>, index: u64) -> Self {
        let mut error = Self::new(Fault::Conflict, 409, code, title, detail);
        error.index = Some(index);
        error
    }

    /// The node cannot serve this now (503).
    #[must_use]
    pub fn unavailable(code: &str, detail: impl Into<String>) -> Self {
        Self::new(
            Fault::Unavailable,
            503,
            code,
            "Hệ thống tạm thời không nhận yêu cầu / Temporarily unavailable",
            detail,
        )
    }

    /// A node-side failure (500). The detail is logged, not sent.
    #[must_use]
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            Fault::Internal,
            500,
            "internal",
            "Lỗi hệ thống / Internal error",
            detail,
        )
    }

    /// The resource does not exist (404).
    #[must_use]
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            Fault::Refused,
            404,
            "not-found",
            "Không tìm thấy / Not found",
            detail,
        )
    }

    /// Replaces the HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Attaches the index of the offending record.
    #[must_use]
    pub fn with_index(mut self, index: u64) -> Self {
        self.index = Some(index);
        self
    }

    fn new(fault: Fault, status: u16, code: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            title: title.to_owned(),
            detail: detail.into(),
            index: None,
            fault,
        }
    }

    /// The problem-details body. Internal errors carry no detail.
    #[must_use]
    pub fn to_problem(&self) -> Problem {
        let detail = if self.fault == Fault::Internal {
            "the node failed to handle the request; the operator has the details in the log"
                .to_owned()
        } else {
            self.detail.clone()
        };
        Problem {
            problem_type: format!("{PROBLEM_TYPE_PREFIX}{}", self.code),
            title: self.title.clone(),
            status: self.status,
            detail,
            code: self.code.clone(),
            index: self.index,
        }
    }

    /// Rebuilds an error from a problem body received by a client.
    #[must_use]
    pub fn from_problem(problem: Problem) -> Self {
        let fault = match problem.status {
            409 => Fault::Conflict,
            503 => Fault::Unavailable,
            500..=599 => Fault::Internal,
            _ => Fault::Refused,
        };
        Self {
            status: problem.status,
            code: problem.code,
            title: problem.title,
            detail: problem.detail,
            index: problem.index,
            fault,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.fault == Fault::Internal {
            tracing::error!(code = %self.code, detail = %self.detail, "internal error");
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        if self.fault == Fault::Unavailable {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

impl ApiError {
    /// Maps a refused submission to its problem. `record-too-large` is 413; every other format
    /// refusal is 400.
    #[must_use]
    pub fn from_record_error(error: &ledger_core::record::RecordError) -> Self {
        let code = error.code();
        let status = if code == "record-too-large" { 413 } else { 400 };
        Self::refused(code, title_of(code), error.to_string()).with_status(status)
    }
}

/// The Vietnamese-and-English title of each refusal code.
#[must_use]
pub fn title_of(code: &str) -> &'static str {
    match code {
        "submission-malformed" => "Bản ghi gửi lên sai cấu trúc / Malformed submission",
        "submission-not-canonical" => {
            "Bản ghi không ở dạng JSON chuẩn tắc / Submission is not canonical JSON"
        }
        "submission-version-unsupported" => {
            "Phiên bản định dạng không được hỗ trợ / Unsupported submission format version"
        }
        "schema-version-unsupported" => {
            "Phiên bản lược đồ sự kiện không được hỗ trợ / Unsupported event schema version"
        }
        "event-type-invalid" => "Loại sự kiện không hợp lệ / Invalid event type",
        "idempotency-id-invalid" => "Mã chống trùng không hợp lệ / Invalid idempotency id",
        "idempotency-conflict" => {
            "Mã chống trùng đã dùng cho nội dung khác / Idempotency id reused with different content"
        }
        "key-malformed" => "Khóa công khai không hợp lệ / Malformed public key",
        "key-weak" => "Khóa yếu bị từ chối / Weak key refused",
        "signature-invalid" => "Chữ ký không hợp lệ / Invalid signature",
        "record-too-large" => "Bản ghi quá lớn / Record too large",
        "request-too-large" => "Yêu cầu quá lớn / Request body too large",
        "record-malformed" => "Bản ghi sai cấu trúc / Malformed record",
        "proof-range-invalid" => "Khoảng kích thước cây không hợp lệ / Invalid tree size range",
        _ => "Yêu cầu bị từ chối / Request refused",
    }
}
