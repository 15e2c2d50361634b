//! The axum routes. Each handler extracts its input, calls one [`LedgerService`] method and
//! returns; there is no domain logic and no storage here.
//!
//! Every request passes through [`crate::request_log`]: a request id, a span, one log line and
//! a count by route template, which `GET /metrics` serves with the node's other metrics.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use ledger_core::domain::value::{
    ClassName, LearnerCode, SchoolYear, Semester, SubjectCode, UnitCode,
};
use ledger_core::domain::ClassKey;
use ledger_core::key::PublicKey;
use ledger_core::projection::AuditSubject;
use ledger_core::record::SignedSubmission;
use ledger_core::tile::TilePath;

use crate::auth::Reader;
use crate::error::ApiError;
use crate::service::{
    AuthorityFilter, FeedFilter, LedgerService, ReadQuery, AUDIT_PAGE_MAX, FEED_PAGE_MAX,
};
use crate::wire::{BatchAnswer, BatchItem};

/// Largest request body accepted, in bytes: one record plus the JSON envelope and base64
/// signature, with room for escaping. Larger bodies get `413 request-too-large`.
pub const REQUEST_BODY_SIZE_MAX: usize = 256 * 1024;
const _: () = assert!(REQUEST_BODY_SIZE_MAX > ledger_core::limits::RECORD_SIZE_MAX * 2);

/// Most events in one batch append.
pub const BATCH_EVENTS_MAX: usize = 1_000;

/// Largest body of a batch append, in bytes.
pub const BATCH_BODY_SIZE_MAX: usize = 8 * 1024 * 1024;

/// The content type of `GET /metrics`: the Prometheus text exposition format 0.0.4.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

type Service = Arc<dyn LedgerService>;

/// Builds the router over a service.
pub fn app(service: Service) -> Router {
    app_with(service, Router::new())
}

/// Builds the router over a service with `extra` routes (such as the identity register's)
/// served beside the API's, under the same request log, metrics and unknown-path answer.
/// Tag each extra route with [`crate::request_log::tag_route`] so it is counted by template.
pub fn app_with(service: Service, extra: Router) -> Router {
    let routes: Vec<(&'static str, MethodRouter<Service>)> = vec![
        ("/log/checkpoint", get(checkpoint)),
        ("/log/tile/{*path}", get(tile)),
        ("/v1/submissions", post(submit)),
        (
            "/v1/submissions/batch",
            post(submit_batch).layer(DefaultBodyLimit::max(BATCH_BODY_SIZE_MAX)),
        ),
        ("/v1/records/{index}", get(record)),
        ("/v1/learners/{learner}/transcript", get(transcript)),
        ("/v1/learners/{learner}/audit", get(learner_audit)),
        (
            "/v1/learners/{learner}/years/{school_year}/subjects/{subject}/audit",
            get(grade_audit),
        ),
        (
            "/v1/schools/{school}/years/{school_year}/classes/{class}/gradebook",
            get(gradebook),
        ),
        (
            "/v1/schools/{school}/years/{school_year}/classes/{class}/audit",
            get(class_audit),
        ),
        ("/v1/keys/{key}/audit", get(key_audit)),
        ("/v1/authority", get(authority)),
        ("/v1/units/{unit}", get(unit)),
        ("/v1/feed", get(feed)),
        ("/v1/proofs/consistency", get(consistency)),
        ("/healthz", get(health)),
        ("/metrics", get(metrics)),
        ("/openapi.json", get(openapi)),
    ];
    routes
        .into_iter()
        .fold(Router::new(), |router, (template, route)| {
            // Each route names its template for the request log (see `request_log`).
            let tagged = route.layer(middleware::from_fn(move |request: Request, next: Next| {
                crate::request_log::tag_route(template, request, next)
            }));
            router.route(template, tagged)
        })
        .layer(DefaultBodyLimit::max(REQUEST_BODY_SIZE_MAX))
        .with_state(Arc::clone(&service))
        .merge(extra)
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(
            service,
            crate::request_log::log_request,
        ))
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
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(path) = path.map_err(|_| ApiError::not_found("no such tile path"))?;
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

fn too_large(rejection: &BytesRejection, max: usize) -> ApiError {
    ApiError::refused(
        "request-too-large",
        crate::error::title_of("request-too-large"),
        format!(
            "the request body could not be read ({rejection}); at most {max} bytes are accepted"
        ),
    )
    .with_status(413)
}

async fn submit(
    State(service): State<Service>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|rejection| too_large(&rejection, REQUEST_BODY_SIZE_MAX))?;
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

/// The body of `POST /v1/submissions/batch`: the wire envelopes, each kept as its exact bytes
/// so that one malformed event is refused alone.
#[derive(serde::Deserialize)]
struct BatchRequest<'a> {
    #[serde(borrow)]
    submissions: Vec<&'a serde_json::value::RawValue>,
}

async fn submit_batch(
    State(service): State<Service>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|rejection| too_large(&rejection, BATCH_BODY_SIZE_MAX))?;
    let batch_invalid = |detail: String| {
        ApiError::refused(
            "batch-invalid",
            crate::error::title_of("batch-invalid"),
            detail,
        )
    };
    let request: BatchRequest<'_> = serde_json::from_slice(&body).map_err(|error| {
        batch_invalid(format!(
            "the body must be a JSON object {{\"submissions\": [envelope, ...]}} ({error})"
        ))
    })?;
    let count = request.submissions.len();
    if count == 0 || count > BATCH_EVENTS_MAX {
        return Err(batch_invalid(format!(
            "a batch carries 1 to {BATCH_EVENTS_MAX} submissions; this one has {count}"
        )));
    }
    let submissions = request
        .submissions
        .iter()
        .map(|raw| {
            SignedSubmission::from_wire_json(raw.get().as_bytes())
                .map_err(|error| ApiError::from_record_error(&error))
        })
        .collect();
    let results = service
        .submit_batch(submissions)
        .await
        .into_iter()
        .map(|answer| match answer {
            Ok(receipt) => BatchItem {
                status: if receipt.duplicate { 200 } else { 201 },
                receipt: Some(receipt),
                problem: None,
            },
            Err(error) => BatchItem {
                status: error.status,
                receipt: None,
                problem: Some(error.to_problem()),
            },
        })
        .collect();
    Ok(Json(BatchAnswer { results }).into_response())
}

async fn record(
    State(service): State<Service>,
    index: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(index) = index.map_err(|_| ApiError::not_found("no such record path"))?;
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

async fn metrics(State(service): State<Service>) -> Response {
    let mut response = service.metrics().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(METRICS_CONTENT_TYPE),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
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

/// A path or query value that does not parse: `400 query-invalid`, naming the parameter.
fn invalid(what: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::refused(
        "query-invalid",
        crate::error::title_of("query-invalid"),
        format!("{what}: {problem}"),
    )
}

fn parsed<T>(
    what: &str,
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ApiError> {
    parse(text).map_err(|problem| invalid(what, problem))
}

fn class_key(school: &str, school_year: &str, class: &str) -> Result<ClassKey, ApiError> {
    Ok(ClassKey {
        school: parsed("school", school, UnitCode::parse)?,
        school_year: parsed("school_year", school_year, SchoolYear::parse)?,
        class: parsed("class", class, ClassName::parse)?,
    })
}

/// A public key in a path or query: standard or URL-safe base64, padded or not.
fn key_of(text: &str) -> Result<PublicKey, ApiError> {
    use base64::Engine as _;
    let standard: String = text
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(standard)
        .map_err(|error| invalid("key", format!("not base64 ({error})")))?;
    PublicKey::from_bytes(&bytes).map_err(|error| invalid("key", error))
}

async fn answer(service: &Service, reader: Reader, query: ReadQuery) -> Result<Response, ApiError> {
    Ok(Json(service.read(reader.0, query).await?).into_response())
}

async fn transcript(
    State(service): State<Service>,
    reader: Reader,
    learner: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(learner) = learner.map_err(|rejection| invalid("path", rejection.body_text()))?;
    let learner = parsed("learner", &learner, LearnerCode::parse)?;
    answer(&service, reader, ReadQuery::Transcript(learner)).await
}

/// The query of a gradebook read.
#[derive(serde::Deserialize)]
struct GradebookQuery {
    subject: String,
    semester: u64,
}

async fn gradebook(
    State(service): State<Service>,
    reader: Reader,
    class: Result<Path<(String, String, String)>, PathRejection>,
    query: Result<Query<GradebookQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((school, school_year, class)) =
        class.map_err(|rejection| invalid("path", rejection.body_text()))?;
    let Query(query) = query.map_err(|rejection| {
        invalid(
            "query",
            format!("give ?subject=CODE&semester=1|2 ({rejection})"),
        )
    })?;
    let query = ReadQuery::Gradebook {
        class: class_key(&school, &school_year, &class)?,
        subject: parsed("subject", &query.subject, SubjectCode::parse)?,
        semester: Semester::from_number(query.semester)
            .map_err(|problem| invalid("semester", problem))?,
    };
    answer(&service, reader, query).await
}

/// The paging of an audit read.
#[derive(serde::Deserialize)]
struct Page {
    after: Option<u64>,
    limit: Option<usize>,
}

async fn audit(
    service: &Service,
    reader: Reader,
    subject: AuditSubject,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(page) = page.map_err(|rejection| {
        invalid("query", format!("give ?after=INDEX&limit=N ({rejection})"))
    })?;
    let limit = page.limit.unwrap_or(AUDIT_PAGE_MAX);
    if limit == 0 || limit > AUDIT_PAGE_MAX {
        return Err(invalid("limit", format!("must be 1 to {AUDIT_PAGE_MAX}")));
    }
    let query = ReadQuery::Audit {
        subject,
        after: page.after,
        limit,
    };
    answer(service, reader, query).await
}

async fn learner_audit(
    State(service): State<Service>,
    reader: Reader,
    learner: Result<Path<String>, PathRejection>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(learner) = learner.map_err(|rejection| invalid("path", rejection.body_text()))?;
    let learner = parsed("learner", &learner, LearnerCode::parse)?;
    audit(&service, reader, AuditSubject::Learner(learner), page).await
}

async fn grade_audit(
    State(service): State<Service>,
    reader: Reader,
    grade: Result<Path<(String, String, String)>, PathRejection>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((learner, school_year, subject)) =
        grade.map_err(|rejection| invalid("path", rejection.body_text()))?;
    let subject = AuditSubject::Grade {
        learner: parsed("learner", &learner, LearnerCode::parse)?,
        school_year: parsed("school_year", &school_year, SchoolYear::parse)?,
        subject: parsed("subject", &subject, SubjectCode::parse)?,
    };
    audit(&service, reader, subject, page).await
}

async fn class_audit(
    State(service): State<Service>,
    reader: Reader,
    class: Result<Path<(String, String, String)>, PathRejection>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((school, school_year, class)) =
        class.map_err(|rejection| invalid("path", rejection.body_text()))?;
    let class = class_key(&school, &school_year, &class)?;
    audit(&service, reader, AuditSubject::Class(class), page).await
}

async fn key_audit(
    State(service): State<Service>,
    reader: Reader,
    key: Result<Path<String>, PathRejection>,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path(key) = key.map_err(|rejection| invalid("path", rejection.body_text()))?;
    audit(&service, reader, AuditSubject::Key(key_of(&key)?), page).await
}

/// The filter of an authority read.
#[derive(serde::Deserialize)]
struct AuthorityQuery {
    unit: Option<String>,
    key: Option<String>,
}

async fn authority(
    State(service): State<Service>,
    reader: Reader,
    query: Result<Query<AuthorityQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|rejection| {
        invalid(
            "query",
            format!("give ?unit=CODE or ?key=KEY or nothing ({rejection})"),
        )
    })?;
    let filter = match (query.unit, query.key) {
        (None, None) => AuthorityFilter::All,
        (Some(unit), None) => AuthorityFilter::Unit(parsed("unit", &unit, UnitCode::parse)?),
        (None, Some(key)) => AuthorityFilter::Key(key_of(&key)?),
        (Some(_), Some(_)) => return Err(invalid("query", "give unit or key, not both")),
    };
    answer(&service, reader, ReadQuery::Authority(filter)).await
}

async fn unit(
    State(service): State<Service>,
    reader: Reader,
    unit: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(unit) = unit.map_err(|rejection| invalid("path", rejection.body_text()))?;
    let unit = parsed("unit", &unit, UnitCode::parse)?;
    answer(&service, reader, ReadQuery::Unit(unit)).await
}

/// The query of a change-feed read.
#[derive(serde::Deserialize)]
struct FeedQuery {
    after: Option<u64>,
    limit: Option<usize>,
    school: Option<String>,
    school_year: Option<String>,
    class: Option<String>,
    learner: Option<String>,
}

async fn feed(
    State(service): State<Service>,
    reader: Reader,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|rejection| {
        invalid(
            "query",
            format!(
                "give ?after=INDEX&limit=N with at most one filter: school=CODE, \
                 school=CODE&school_year=YYYY-YYYY&class=NAME, or learner=CODE ({rejection})"
            ),
        )
    })?;
    let limit = query.limit.unwrap_or(FEED_PAGE_MAX);
    if limit == 0 || limit > FEED_PAGE_MAX {
        return Err(invalid("limit", format!("must be 1 to {FEED_PAGE_MAX}")));
    }
    let filter = match (query.school, query.school_year, query.class, query.learner) {
        (None, None, None, None) => FeedFilter::All,
        (Some(school), None, None, None) => {
            FeedFilter::School(parsed("school", &school, UnitCode::parse)?)
        }
        (Some(school), Some(school_year), Some(class), None) => {
            FeedFilter::Class(class_key(&school, &school_year, &class)?)
        }
        (None, None, None, Some(learner)) => {
            FeedFilter::Learner(parsed("learner", &learner, LearnerCode::parse)?)
        }
        _ => {
            return Err(invalid(
                "query",
                "filter by school, by school+school_year+class, or by learner, one at a time",
            ))
        }
    };
    let query = ReadQuery::Feed {
        filter,
        after: query.after,
        limit,
    };
    answer(&service, reader, query).await
}

/// The OpenAPI 3.1 document of this API, built once from the code (docs/openapi.json is its
/// checked-in copy).
async fn openapi() -> Response {
    static BODY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body =
        BODY.get_or_init(|| serde_json::to_vec(&crate::openapi::document()).unwrap_or_default());
    let mut response = body.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Any path the API does not serve: a `404 not-found` problem, never an empty answer.
async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::method_not_allowed(format!(
        "{} does not take {method}; the Allow header lists what it takes (docs/API.md)",
        uri.path()
    ))
}

async fn unknown_path(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "the API serves no {}; see docs/API.md or /openapi.json (keys in paths are URL-safe base64)",
        uri.path()
    ))
}
