//! Request logs and HTTP request metrics: every request gets a request id and a `tracing`
//! span, is logged once at `info` when answered, and is reported to the service, which counts
//! it for `hocba_http_requests_total`.
//!
//! # Request id
//! Taken from the request's `X-Request-Id` when it is sane (1 to [`REQUEST_ID_SIZE_MAX`]
//! visible ASCII characters, no spaces), so a caller or proxy can follow its own id through the
//! node's logs; otherwise generated as 16 hex characters. The response carries it in
//! `X-Request-Id` either way. The id is a span field, so every log line written while the
//! request is handled carries it, with the method and the route.
//!
//! # Route labels
//! Logs and metrics name the route template (`/v1/records/{index}`), never the raw path, which
//! would make one series per record. axum's `MatchedPath` needs its `matched-path` feature,
//! which this workspace builds axum without; instead the router gives each route a small layer,
//! [`tag_route`], that records its template in the span and puts a [`RouteTemplate`] in the
//! response's extensions, where [`log_request`] reads it. A request that matched no route is
//! labelled [`UNMATCHED_ROUTE`].
//!
//! # Why the service counts
//! The middleware reports to [`LedgerService::observe_request`] rather than keeping counters
//! here: the node then holds every metric in one registry and renders one exposition for
//! `GET /metrics`, and this crate keeps no state of its own.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::service::LedgerService;

/// The header that carries the request id, both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest request id taken from a request; longer ones are replaced by a generated id, so a
/// caller cannot flood the logs through it.
pub const REQUEST_ID_SIZE_MAX: usize = 64;

/// The route label of a request that matched no route (a 404 from the fallback).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The template of the route that answered, left in the response's extensions by
/// [`tag_route`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteTemplate(pub &'static str);

/// The request id the caller sent, if it is 1 to [`REQUEST_ID_SIZE_MAX`] visible ASCII
/// characters.
#[must_use]
pub fn sane_request_id(value: &HeaderValue) -> Option<&str> {
    let bytes = value.as_bytes();
    let sane =
        (1..=REQUEST_ID_SIZE_MAX).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic);
    if sane {
        value.to_str().ok()
    } else {
        None
    }
}

/// A fresh request id: 16 lowercase hex characters.
///
/// A process-wide counter hashed with SipHash under the random key of a `RandomState`: ids are
/// distinct within a process except with 64-bit-collision odds, differ between restarts, and
/// need no dependency. They correlate log lines; they are not secrets.
#[must_use]
pub fn generate_request_id() -> String {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:016x}",
        KEY.get_or_init(RandomState::new).hash_one(number)
    )
}

/// The outer middleware: gives the request its id and span, runs it, then counts it with the
/// service, sets `X-Request-Id` on the response and writes the request's `info` line.
pub async fn log_request(
    State(service): State<Arc<dyn LedgerService>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(sane_request_id)
        .map_or_else(generate_request_id, str::to_owned);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        route = tracing::field::Empty,
    );
    async move {
        let mut response = next.run(request).await;
        let latency = started.elapsed();
        // `tag_route` has named a matched route in the span already; recording it again would
        // print it twice.
        let route = match response.extensions().get::<RouteTemplate>() {
            Some(template) => template.0,
            None => {
                tracing::Span::current().record("route", UNMATCHED_ROUTE);
                UNMATCHED_ROUTE
            }
        };
        let status = response.status().as_u16();
        service.observe_request(route, status, latency);
        // Sane and generated ids are visible ASCII, so this conversion cannot fail.
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        tracing::info!(status, latency_ms = latency.as_secs_f64() * 1e3, "answered");
        response
    }
    .instrument(span)
    .await
}

/// The per-route middleware: names the route in the request's span before the handler runs
/// (so the handler's own logs carry it) and in the response for [`log_request`].
pub async fn tag_route(template: &'static str, request: Request, next: Next) -> Response {
    tracing::Span::current().record("route", template);
    let mut response = next.run(request).await;
    response.extensions_mut().insert(RouteTemplate(template));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_callers_are_taken_only_when_sane() {
        let sane = |text: &str| {
            sane_request_id(&HeaderValue::from_str(text).expect("header value")).map(str::to_owned)
        };
        assert_eq!(sane("abc-123_XYZ"), Some("abc-123_XYZ".to_owned()));
        assert_eq!(
            sane(&"a".repeat(REQUEST_ID_SIZE_MAX)).map(|id| id.len()),
            Some(64)
        );
        assert_eq!(sane(&"a".repeat(REQUEST_ID_SIZE_MAX + 1)), None);
        assert_eq!(sane(""), None);
        assert_eq!(sane("two words"), None);
        assert_eq!(sane("tab\there"), None);
        let utf8 = HeaderValue::from_bytes("mã-số".as_bytes()).expect("opaque bytes");
        assert_eq!(sane_request_id(&utf8), None);
    }

    #[test]
    fn generated_ids_are_sixteen_hex_characters_and_distinct() {
        let ids: std::collections::BTreeSet<String> =
            (0..1_000).map(|_| generate_request_id()).collect();
        assert_eq!(ids.len(), 1_000);
        assert!(ids
            .iter()
            .all(|id| id.len() == 16 && id.bytes().all(|byte| byte.is_ascii_hexdigit())));
    }
}
