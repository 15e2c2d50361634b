//! Who is asking: the key that signed a read request.
//!
//! Reads other than the public C2SP endpoints are signed by an enrolled key (docs/AUTH.md). The
//! extractor only establishes *which* key signed; whether that key may see the data is the
//! node's decision, made against the authority state the answer reflects.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use ledger_core::key::PublicKey;

use crate::error::ApiError;
use crate::httpsig;

/// The verified signer of a request, or `None` for an unsigned one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader(pub Option<PublicKey>);

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let signed = parts.headers.contains_key("signature")
            || parts.headers.contains_key("signature-input");
        if !signed {
            return Ok(Self(None));
        }
        // Reads carry no body; a signed request with a body is verified by its own handler.
        Ok(Self(Some(verify_parts(parts, b"")?)))
    }
}

/// Verifies the RFC 9421 signature of a request, given its head and its whole body, against the
/// node's clock; returns the key that signed it.
///
/// # Errors
/// The `401` problem of the first check that fails (docs/AUTH.md).
pub fn verify_parts(parts: &Parts, body: &[u8]) -> Result<PublicKey, ApiError> {
    let target = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_owned(),
        |target| target.as_str().to_owned(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    Ok(httpsig::verify_request(
        parts.method.as_str(),
        &target,
        &parts.headers,
        body,
        now,
    )?)
}
