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
        Self::new(Fault::Unavailable, 503, code, title_of(code), detail)
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

    /// The path exists but does not take this method (405); axum adds the `Allow` header.
    #[must_use]
    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(
            Fault::Refused,
            405,
            "method-not-allowed",
            title_of("method-not-allowed"),
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

/// The HTTP status of a domain refusal (`ledger_core::domain::DomainError::CODES`): 403 when the
/// author lacks the authority, 422 when the event itself breaks a rule, 409 when it conflicts
/// with the record's state (sealed, confirmed, already done).
#[must_use]
pub fn status_of_domain_code(code: &str) -> u16 {
    if code.starts_with("authority-")
        || matches!(
            code,
            "grant-scope-invalid" | "teacher-not-assigned" | "assignee-authority-missing"
        )
    {
        403
    } else if matches!(
        code,
        "event-type-unknown"
            | "schema-version-unsupported"
            | "payload-malformed"
            | "payload-invalid"
            | "key-malformed"
            | "key-weak"
            | "assessment-value-invalid"
            | "assessment-slot-invalid"
            | "reason-missing"
            | "correction-target-missing"
            | "record-incomplete"
    ) {
        422
    } else {
        409
    }
}

/// The Vietnamese-and-English title of each refusal code: every code of [`API_CODES`] and of
/// `ledger_core::domain::DomainError::CODES` has its own; an unknown code gets a generic one.
/// `docs/ERRORS.md` explains each code.
#[must_use]
pub fn title_of(code: &str) -> &'static str {
    match code {
        // Format of a submission (docs/FORMAT.md).
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
        "chain-broken" => "Chuỗi bản ghi bị đứt / Broken chain of records",
        "proof-range-invalid" => "Khoảng kích thước cây không hợp lệ / Invalid tree size range",
        // Authentication of requests (RFC 9421) and read access.
        // These five are also `httpsig::AuthError::title`, which sends them.
        "auth-missing" => "Yêu cầu chưa được ký / Request not signed",
        "auth-malformed" => "Chữ ký sai cấu trúc / Malformed request signature",
        "auth-expired" => "Chữ ký hết hạn / Request signature expired",
        "auth-digest-mismatch" => {
            "Nội dung không khớp Content-Digest / Body does not match Content-Digest"
        }
        "auth-signature-invalid" => "Chữ ký không hợp lệ / Invalid request signature",
        "auth-key-unknown" => {
            "Khóa chưa được giao quyền trên sổ này / Key holds no grant on this log"
        }
        "read-forbidden" => {
            "Vai trò không được xem dữ liệu này / Roles do not allow reading this data"
        }
        "query-invalid" => "Tham số truy vấn không hợp lệ / Invalid path or query parameter",
        "cursor-invalid" => {
            "Con trỏ theo dõi thay đổi vượt quá sổ / Change-feed cursor beyond the log"
        }
        "batch-invalid" => "Lô sự kiện rỗng hoặc quá lớn / Empty or oversized batch",
        "not-found" => "Không tìm thấy / Not found",
        "method-not-allowed" => {
            "Đường dẫn không nhận phương thức này / Method not allowed on this path"
        }
        // The log and the node.
        "checkpoint-pending" => {
            "Chưa có checkpoint bao gồm dữ liệu này / No checkpoint covers the data yet"
        }
        "log-unavailable" => "Sổ tạm dừng nhận dữ liệu / Log unavailable",
        "log-read-only" => "Nút chỉ đọc, không nhận ghi / Read-only node, no appends",
        "sequencer-busy" => "Hệ thống đang quá tải, hãy thử lại / Sequencer busy, retry",
        "internal" => "Lỗi hệ thống / Internal error",
        // Domain: events and payloads.
        "event-type-unknown" => "Loại sự kiện không được hỗ trợ / Unknown event type",
        "payload-malformed" => "Dữ liệu sự kiện sai cấu trúc / Malformed event payload",
        "payload-invalid" => "Dữ liệu sự kiện không hợp lệ / Invalid event payload",
        "position-out-of-order" => {
            "Vị trí trong sổ không đúng thứ tự / Log position out of order"
        }
        // Domain: authority (phân quyền).
        "authority-missing" => "Không có thẩm quyền / Signer has no authority for this",
        "authority-out-of-scope" => {
            "Ngoài phạm vi thẩm quyền / Authority does not cover this unit or school year"
        }
        "authority-revoked" => "Thẩm quyền đã bị thu hồi / Authority revoked",
        "authority-expired" => "Thẩm quyền đã hết hạn / Authority expired",
        "authority-not-yet-valid" => "Thẩm quyền chưa có hiệu lực / Authority not yet valid",
        "grant-scope-invalid" => {
            "Không thể giao vai trò này cho đơn vị này / Role cannot be granted for this unit"
        }
        "grant-id-taken" => "Mã giao quyền đã tồn tại / Grant id already used",
        "grant-unknown" => "Không tìm thấy quyết định giao quyền / Unknown grant",
        "grant-already-revoked" => "Quyền đã bị thu hồi trước đó / Grant already revoked",
        "teacher-not-assigned" => {
            "Giáo viên không được phân công / Signer is not the assigned teacher"
        }
        "assignee-authority-missing" => {
            "Giáo viên được phân công chưa được giao quyền / Assigned teacher holds no teacher role"
        }
        // Domain: units, classes, learners.
        "unit-exists" => "Mã đơn vị đã tồn tại / Unit already registered",
        "unit-unknown" => "Không tìm thấy đơn vị / Unknown unit",
        "unit-kind-invalid" => "Loại đơn vị không phù hợp / Wrong kind of unit",
        "unit-merged" => "Đơn vị đã sáp nhập / Unit merged into another",
        "unit-merge-invalid" => "Sáp nhập đơn vị không hợp lệ / Merge not allowed",
        "class-exists" => "Lớp đã được mở / Class already opened",
        "class-unknown" => "Không tìm thấy lớp / Unknown class",
        "subject-unknown" => "Lớp không có môn học này / Class does not study this subject",
        "learner-exists" => "Mã người học đã tồn tại / Learner already registered",
        "learner-unknown" => "Không tìm thấy người học / Unknown learner",
        "learner-not-enrolled" => {
            "Người học không thuộc lớp/trường này / Learner not enrolled there"
        }
        "learner-already-enrolled" => {
            "Người học đã có tên trong năm học này / Learner already enrolled this school year"
        }
        "transfer-out-missing" => {
            "Chưa có quyết định chuyển đi tương ứng / No matching transfer-out"
        }
        // Domain: assessments, locks (khóa sổ) and corrections.
        "assessment-value-invalid" => {
            "Điểm/kết quả đánh giá không hợp lệ / Invalid assessment value"
        }
        "assessment-slot-invalid" => "Cột điểm không hợp lệ / Invalid assessment slot",
        "subject-confirmed" => {
            "Điểm môn học đã xác nhận, khóa sổ / Subject results confirmed and locked"
        }
        "term-sealed" => "Học kỳ/năm học đã khóa sổ / Term sealed",
        "subject-already-confirmed" => {
            "Môn học đã được xác nhận trước đó / Subject already confirmed"
        }
        "term-already-sealed" => "Học kỳ/năm học đã khóa sổ trước đó / Term already sealed",
        "term-not-sealed" => "Học kỳ/năm học chưa khóa sổ / Term not sealed",
        "reason-missing" => "Phải ghi rõ lý do / Reason required",
        "correction-target-missing" => {
            "Đề nghị sửa điểm không chỉ rõ bản ghi cần sửa / Correction cites no event"
        }
        "correction-target-unknown" => {
            "Bản ghi được dẫn chiếu không thể sửa / Cited event cannot be corrected"
        }
        "correction-target-superseded" => {
            "Bản ghi được dẫn chiếu đã được thay thế / Cited event no longer in force"
        }
        "correction-request-unknown" => {
            "Không tìm thấy đề nghị sửa điểm / Unknown correction request"
        }
        "correction-not-pending" => {
            "Đề nghị sửa điểm đã được phê duyệt / Correction request already approved"
        }
        // Domain: signatures (ký, phê duyệt), end of year and record procedures.
        "record-incomplete" => "Học bạ chưa đủ dữ liệu / Record incomplete",
        "subjects-not-confirmed" => {
            "Chưa xác nhận đủ điểm các môn học / Subjects not all confirmed"
        }
        "learner-already-signed-off" => {
            "Học bạ đã được giáo viên chủ nhiệm ký / Record already signed off"
        }
        "learner-not-signed-off" => {
            "Học bạ chưa được giáo viên chủ nhiệm ký / Record not signed off by the homeroom teacher"
        }
        "learner-already-approved" => {
            "Học bạ đã được hiệu trưởng phê duyệt / Record already approved"
        }
        "approval-digest-mismatch" => {
            "Mã băm học bạ phê duyệt không khớp / Approved digest does not match the record"
        }
        "summer-training-not-required" => {
            "Không thuộc diện rèn luyện trong hè / Summer re-training not required"
        }
        "reassessment-not-required" => {
            "Môn không thuộc diện kiểm tra, đánh giá lại / Re-assessment not required"
        }
        "promotion-mismatch" => {
            "Quyết định không khớp kết quả đánh giá / Decision disagrees with the rules"
        }
        "promotion-already-decided" => {
            "Đã có quyết định lên lớp / End-of-year outcome already decided"
        }
        "promotion-not-decided" => {
            "Chưa có quyết định lên lớp / End-of-year outcome not decided"
        }
        "award-not-allowed" => "Không đủ điều kiện khen thưởng / Award not allowed by the rules",
        "award-already-granted" => "Đã khen thưởng / Award already granted",
        "grade-not-final" => "Không phải lớp cuối cấp / Not a final grade (9 or 12)",
        "programme-already-completed" => {
            "Đã xác nhận hoàn thành chương trình / Programme completion already recorded"
        }
        "record-not-approved" => {
            "Học bạ chưa được hiệu trưởng phê duyệt / Record not approved as it stands"
        }
        "copy-id-taken" => "Mã bản sao đã được dùng / Copy id already used",
        "copy-digest-mismatch" => {
            "Mã băm bản sao không khớp học bạ / Copy digest does not match the record"
        }
        "identity-unchanged" => {
            "Cam kết định danh không thay đổi / Identity commitment unchanged"
        }
        "subject-not-assessed" => {
            "Môn học không đánh giá theo kế hoạch giáo dục cá nhân / Subject not assessed under \
             the individual plan"
        }
        "subject-already-assessed" => {
            "Môn học đã có kết quả đánh giá / Subject already assessed"
        }
        "exemption-unknown" => "Không tìm thấy quyết định miễn / Unknown exemption",
        // The identity register (docs/IDENTITY.md).
        "identity-invalid" => "Dữ liệu định danh không hợp lệ / Invalid identity data",
        "identity-unknown-learner" => {
            "Người học chưa được đăng ký trên sổ / Learner not registered on the log"
        }
        "identity-commitment-mismatch" => {
            "Dữ liệu không khớp cam kết định danh trên sổ / Data does not match the identity \
             commitment on the log"
        }
        "identity-erased" => "Dữ liệu định danh đã bị xóa / Identity data erased",
        "identity-not-found" => {
            "Sổ định danh chưa có dữ liệu của người học này / No identity data held for this learner"
        }
        _ => FALLBACK_TITLE,
    }
}

/// The title of a code [`title_of`] does not know.
pub const FALLBACK_TITLE: &str = "Yêu cầu bị từ chối / Request refused";

/// Every code the HTTP layer itself emits (the domain's refusals are
/// `ledger_core::domain::DomainError::CODES`). [`status_of_api_code`] gives each one's status.
pub const API_CODES: &[&str] = &[
    // A submission's format, checked before anything else (`ApiError::from_record_error`).
    "submission-malformed",
    "submission-not-canonical",
    "submission-version-unsupported",
    "schema-version-unsupported",
    "event-type-invalid",
    "idempotency-id-invalid",
    "key-malformed",
    "key-weak",
    "signature-invalid",
    "record-too-large",
    "request-too-large",
    // Authentication (RFC 9421 request signatures) and read access.
    "auth-missing",
    "auth-malformed",
    "auth-expired",
    "auth-digest-mismatch",
    "auth-signature-invalid",
    "auth-key-unknown",
    "read-forbidden",
    // Reads.
    "query-invalid",
    "cursor-invalid",
    "batch-invalid",
    "proof-range-invalid",
    "not-found",
    "method-not-allowed",
    "learner-unknown",
    "class-unknown",
    "unit-unknown",
    // The identity register (`crate::identity`, docs/IDENTITY.md).
    "identity-invalid",
    "identity-unknown-learner",
    "identity-commitment-mismatch",
    "identity-erased",
    "identity-not-found",
    // The log and the node.
    "idempotency-conflict",
    "checkpoint-pending",
    "log-unavailable",
    "log-read-only",
    "sequencer-busy",
    "internal",
];

/// The HTTP status with which the API layer emits `code`, or `None` for a code not in
/// [`API_CODES`]. (`learner-unknown`, `class-unknown`, `unit-unknown` and the key and schema codes are also
/// domain refusals, which the node answers with its own status. `identity-erased` is `410` for
/// a read or an erasure of erased data, the status given here, and `409` for a put that
/// conflicts with the erasure.)
#[must_use]
pub fn status_of_api_code(code: &str) -> Option<u16> {
    let status = match code {
        "submission-malformed"
        | "submission-not-canonical"
        | "submission-version-unsupported"
        | "schema-version-unsupported"
        | "event-type-invalid"
        | "idempotency-id-invalid"
        | "key-malformed"
        | "key-weak"
        | "signature-invalid"
        | "query-invalid"
        | "cursor-invalid"
        | "batch-invalid"
        | "proof-range-invalid" => 400,
        "auth-missing"
        | "auth-malformed"
        | "auth-expired"
        | "auth-digest-mismatch"
        | "auth-signature-invalid"
        | "auth-key-unknown" => 401,
        "read-forbidden" => 403,
        "not-found"
        | "learner-unknown"
        | "class-unknown"
        | "unit-unknown"
        | "identity-unknown-learner"
        | "identity-not-found" => 404,
        "method-not-allowed" => 405,
        "idempotency-conflict" | "identity-commitment-mismatch" => 409,
        "identity-erased" => 410,
        "record-too-large" | "request-too-large" => 413,
        "identity-invalid" => 422,
        "internal" => 500,
        "checkpoint-pending" | "log-unavailable" | "log-read-only" | "sequencer-busy" => 503,
        _ => return None,
    };
    Some(status)
}
