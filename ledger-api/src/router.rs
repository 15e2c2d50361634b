//! The axum routes. Each handler extracts its input, calls one [`LedgerService`] method and
//! returns; there is no domain logic and no storage here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ledger_core::record::SignedSubmission;
use ledger_core::tile::TilePath;

use crate::error::ApiError;
use crate::service::LedgerService;

/// Largest request body accepted, in bytes: one record plus the JSON envelope and base64
/// signature, with room for escaping. Larger bodies get `413 request-too-large`.
pub const REQUEST_BODY_SIZE_MAX: usize = 256 * 1024;
const _: () = assert!(REQUEST_BODY_SIZE_MAX > ledger_core::limits::RECORD_SIZE_MAX * 2);

type Service = Arc<dyn LedgerService>;

/// Builds the router over a service.
pub fn app(service: Service) -> Router {
    Router::new()
        .route("/log/checkpoint", get(checkpoint))
        .route("/log/tile/{*path}", get(tile))
        .route("/v1/submissions", post(submit))
        .route("/v1/records/{index}", get(record))
        .route("/v1/proofs/consistency", get(consistency))
        .route("/healthz", get(health))
        .layer(DefaultBodyLimit::max(REQUEST_BODY_SIZE_MAX))
        .with_state(service)
}

async fn checkpoint(State(service): State<Service>) -> Result<Response, ApiError> {
    let note = service.checkpoint()?;
    let mut response = note.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn tile(
    State(service): State<Service>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    let full_path = format!("tile/{path}");
    let tile = TilePath::parse(&full_path)
        .map_err(|_| ApiError::not_found(format!("no such tile path: {full_path}")))?;
    let partial = tile.is_partial();
    let bytes = service.tile(&tile)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    // Full tiles never change; partial ones are replaced as the tree grows.
    let cache = if partial {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

async fn submit(
    State(service): State<Service>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|rejection| {
        ApiError::refused(
            "request-too-large",
            crate::error::title_of("request-too-large"),
            format!(
                "the request body could not be read ({rejection}); at most {REQUEST_BODY_SIZE_MAX} bytes are accepted"
            ),
        )
        .with_status(413)
    })?;
    let submission = SignedSubmission::from_wire_json(&body)
        .map_err(|error| ApiError::from_record_error(&error))?;
    let receipt = service.submit(submission).await?;
    let status = if receipt.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(receipt)).into_response())
}

async fn record(
    State(service): State<Service>,
    Path(index): Path<String>,
) -> Result<Response, ApiError> {
    let index = index
        .parse::<u64>()
        .map_err(|_| ApiError::not_found(format!("no record index {index:?}")))?;
    Ok(Json(service.record(index)?).into_response())
}

/// The query of `GET /v1/proofs/consistency`.
#[derive(serde::Deserialize)]
struct Range {
    from: u64,
    to: u64,
}

async fn consistency(
    State(service): State<Service>,
    query: Result<Query<Range>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(range) = query.map_err(|rejection| {
        ApiError::refused(
            "proof-range-invalid",
            crate::error::title_of("proof-range-invalid"),
            format!("give the tree sizes as ?from=M&to=N with M ≤ N ({rejection})"),
        )
    })?;
    Ok(Json(service.consistency(range.from, range.to)?).into_response())
}

async fn health(State(service): State<Service>) -> Response {
    let health = service.health();
    let status = if health.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health)).into_response()
}
