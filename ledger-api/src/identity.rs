//! The identity register over HTTP (`docs/IDENTITY.md`, "HTTP").
//!
//! ```text
//! PUT    /v1/identities/{learner}            body: the identity record (JSON), signed with it
//! GET    /v1/identities/{learner}            signed, no body
//! DELETE /v1/identities/{learner}?reason=…   signed, no body
//! ```
//!
//! Every request must carry a valid `hocba` request signature (`docs/AUTH.md`); a `PUT` covers
//! its body through `Content-Digest`. The handlers establish *who* asks and parse the input;
//! whether that key may handle the data, and the register itself, are the
//! [`IdentityService`]'s (the node's). Refusals are RFC 9457 problems with the codes of
//! [`IDENTITY_CODES`].

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ledger_core::domain::value::LearnerCode;
use ledger_core::identity::Identity;
use ledger_core::key::PublicKey;
use serde_json::{json, Value};

use crate::error::{title_of, ApiError, Fault};
use crate::service::BoxFuture;

/// The largest `PUT` body: an identity record is well under 2 KiB (names are at most
/// [`ledger_core::identity::NAME_SIZE_MAX`] bytes each).
pub const IDENTITY_BODY_SIZE_MAX: usize = 8 * 1024;

/// The largest erasure reason, in bytes.
pub const ERASURE_REASON_SIZE_MAX: usize = 500;

/// The identity register's own refusal codes, with their HTTP status; their titles are
/// [`title_of`]'s and `docs/ERRORS.md` explains them. Stable: never reused or renamed.
/// Signature and access refusals use the codes of `docs/AUTH.md`.
pub const IDENTITY_CODES: [(&str, u16); 5] = [
    ("identity-invalid", 422),
    ("identity-unknown-learner", 404),
    ("identity-commitment-mismatch", 409),
    ("identity-erased", 410),
    ("identity-not-found", 404),
];

/// The refusal `code` of [`IDENTITY_CODES`] with its status and title.
///
/// # Panics
/// If `code` is not one of [`IDENTITY_CODES`] (a programmer error).
#[must_use]
pub fn refusal(code: &str, detail: impl Into<String>) -> ApiError {
    let (code, status) = IDENTITY_CODES
        .iter()
        .find(|(known, _)| *known == code)
        .unwrap_or_else(|| panic!("{code} is not an identity register code"));
    let error = ApiError::refused(code, title_of(code), detail).with_status(*status);
    if *status == 409 {
        // A conflict with the log's state (the commitment in force), not a malformed input.
        ApiError {
            fault: Fault::Conflict,
            ..error
        }
    } else {
        error
    }
}

/// A row the register holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIdentity {
    /// The record.
    pub identity: Identity,
    /// The log index of the event (`learner.registered` or `identity.corrected`) whose
    /// commitment the record matched when it was stored.
    pub commitment_index: u64,
    /// Whether that commitment is still the one in force (false once a later correction was
    /// appended and its data not yet stored).
    pub in_force: bool,
    /// When it was stored, µs since the Unix epoch.
    pub stored_at_us: u64,
    /// The key that stored it.
    pub stored_by: PublicKey,
}

/// What remains of an erased row: no personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureNote {
    /// The learner.
    pub learner: LearnerCode,
    /// When it was erased, µs since the Unix epoch.
    pub erased_at_us: u64,
    /// The key that erased it.
    pub erased_by: PublicKey,
    /// Why (the legal ground or request).
    pub reason: String,
    /// The log index of the commitment in force when it was erased: only data for a
    /// commitment appended after it may be stored again.
    pub commitment_index: u64,
}

/// What a node provides to the identity routes. `key` is the verified signer of the request.
pub trait IdentityService: Send + Sync + 'static {
    /// Stores `identity`, once durable.
    ///
    /// # Errors
    /// `401`/`403` when `key` may not store it, `404 identity-unknown-learner`,
    /// `409 identity-commitment-mismatch` or `409 identity-erased`.
    fn put(
        &self,
        key: PublicKey,
        identity: Identity,
    ) -> BoxFuture<'_, Result<StoredIdentity, ApiError>>;

    /// The row held for `learner`.
    ///
    /// # Errors
    /// `401`/`403` when `key` may not read it, `404 identity-unknown-learner`,
    /// `404 identity-not-found`, `410 identity-erased`.
    fn get(
        &self,
        key: PublicKey,
        learner: LearnerCode,
    ) -> BoxFuture<'_, Result<StoredIdentity, ApiError>>;

    /// Erases the row of `learner` (data and salt), keeping an [`ErasureNote`], once durable.
    ///
    /// # Errors
    /// `401`/`403` when `key` may not erase it, `404 identity-unknown-learner`,
    /// `404 identity-not-found`, `410 identity-erased` when already erased.
    fn erase(
        &self,
        key: PublicKey,
        learner: LearnerCode,
        reason: String,
    ) -> BoxFuture<'_, Result<ErasureNote, ApiError>>;
}

/// The identity routes, to merge into the node's app.
pub fn routes(service: Arc<dyn IdentityService>) -> Router {
    const TEMPLATE: &str = "/v1/identities/{learner}";
    let route = put(put_identity)
        .get(get_identity)
        .delete(erase_identity)
        .layer(axum::middleware::from_fn(
            |request: Request, next: axum::middleware::Next| {
                crate::request_log::tag_route(TEMPLATE, request, next)
            },
        ));
    Router::new().route(TEMPLATE, route).with_state(service)
}

type Service = State<Arc<dyn IdentityService>>;

/// The `{learner}` segment as extracted, undecodable bytes included.
type LearnerPath = Result<Path<String>, axum::extract::rejection::PathRejection>;

/// The learner code of the path, or `422 identity-invalid` naming what is wrong with it.
fn learner_of(path: LearnerPath) -> Result<LearnerCode, ApiError> {
    let Path(learner) = path.map_err(|rejection| {
        refusal(
            "identity-invalid",
            format!("the path's learner code: {}", rejection.body_text()),
        )
    })?;
    LearnerCode::parse(&learner).map_err(|rule| {
        refusal(
            "identity-invalid",
            format!("the path's learner code: {rule}"),
        )
    })
}

async fn put_identity(
    State(service): Service,
    learner: LearnerPath,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let (key, body) = signed(request).await?;
    let learner = learner_of(learner)?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|error| refusal("identity-invalid", format!("body is not JSON: {error}")))?;
    let identity = Identity::from_json(&value)
        .map_err(|error| refusal("identity-invalid", error.to_string()))?;
    if identity.learner() != &learner {
        return Err(refusal(
            "identity-invalid",
            format!(
                "field `learner` is {}, the path names {learner}",
                identity.learner()
            ),
        ));
    }
    let stored = service.put(key, identity).await?;
    Ok(Json(stored_json(&stored)))
}

async fn get_identity(
    State(service): Service,
    learner: LearnerPath,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let (key, _) = signed(request).await?;
    let learner = learner_of(learner)?;
    let stored = service.get(key, learner).await?;
    Ok(Json(stored_json(&stored)))
}

async fn erase_identity(
    State(service): Service,
    learner: LearnerPath,
    request: Request,
) -> Result<Response, ApiError> {
    let reason = reason_of(request.uri().query());
    let (key, _) = signed(request).await?;
    let learner = learner_of(learner)?;
    let reason = reason?;
    let note = service.erase(key, learner, reason).await?;
    let body = json!({
        "learner": note.learner.as_str(),
        "erased": true,
        "erased_at_us": note.erased_at_us,
        "erased_by": BASE64.encode(note.erased_by.to_bytes()),
        "reason": note.reason,
        "commitment_index": note.commitment_index,
    });
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// Verifies the request's signature over its target and whole body; returns the key and body.
async fn signed(request: Request) -> Result<(PublicKey, axum::body::Bytes), ApiError> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, IDENTITY_BODY_SIZE_MAX)
        .await
        .map_err(|_| {
            ApiError::refused(
                "request-too-large",
                title_of("request-too-large"),
                format!("the body exceeds {IDENTITY_BODY_SIZE_MAX} bytes"),
            )
            .with_status(413)
        })?;
    let key = crate::auth::verify_parts(&parts, &body)?;
    Ok((key, body))
}

/// The `reason` query parameter: required, percent-decoded UTF-8, at most
/// [`ERASURE_REASON_SIZE_MAX`] bytes, no control characters.
fn reason_of(query: Option<&str>) -> Result<String, ApiError> {
    let invalid = |rule: &str| refusal("identity-invalid", format!("query `reason` {rule}"));
    let raw = query
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("reason="))
        .ok_or_else(|| invalid("is missing: say why the data is erased"))?;
    let reason = percent_decode(raw).ok_or_else(|| invalid("is not percent-encoded UTF-8"))?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("is empty: say why the data is erased"));
    }
    if reason.len() > ERASURE_REASON_SIZE_MAX {
        return Err(invalid(&format!(
            "is longer than {ERASURE_REASON_SIZE_MAX} bytes"
        )));
    }
    if reason.chars().any(char::is_control) {
        return Err(invalid("holds a control character"));
    }
    Ok(reason.to_owned())
}

/// Decodes `%XX` escapes and `+` (a space, as in form encoding).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' => {
                let pair = text.get(at + 1..at + 3)?;
                out.push(u8::from_str_radix(pair, 16).ok()?);
                at += 3;
            }
            b'+' => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn stored_json(stored: &StoredIdentity) -> Value {
    json!({
        "learner": stored.identity.learner().as_str(),
        "identity": stored.identity.to_json(),
        "commitment": stored.identity.commitment_hex(),
        "commitment_index": stored.commitment_index,
        "in_force": stored.in_force,
        "stored_at_us": stored.stored_at_us,
        "stored_by": BASE64.encode(stored.stored_by.to_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_status() {
        for (code, status) in IDENTITY_CODES {
            let error = refusal(code, "x");
            assert_eq!((error.code.as_str(), error.status), (code, status));
            let conflict = error.fault == Fault::Conflict;
            assert_eq!(conflict, status == 409, "{code}");
        }
    }

    #[test]
    fn reasons_are_decoded_and_checked() {
        assert_eq!(
            reason_of(Some("reason=Y%C3%AAu+c%E1%BA%A7u%20x%C3%B3a")).unwrap(),
            "Yêu cầu xóa"
        );
        assert_eq!(reason_of(Some("x=1&reason=a")).unwrap(), "a");
        for bad in [
            None,
            Some(""),
            Some("reason="),
            Some("reason=%0A"),
            Some("reason=%ZZ"),
        ] {
            assert_eq!(
                reason_of(bad).unwrap_err().code,
                "identity-invalid",
                "{bad:?}"
            );
        }
        let long = format!("reason={}", "a".repeat(ERASURE_REASON_SIZE_MAX + 1));
        assert!(reason_of(Some(&long)).is_err());
    }
}
