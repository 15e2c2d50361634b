//! Small helpers for the hand-built JSON of the answers.

use base64::Engine as _;
use serde_json::Value;

use crate::domain::value::{AssessmentValue, ConductLevel};
use crate::domain::SigningStatus;
use crate::key::PublicKey;
use crate::rules::subject::SubjectValue;

/// A key as the payloads write it: standard padded base64 of the 32 bytes.
pub(crate) fn key(key: &PublicKey) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(key.to_bytes()))
}

/// Any displayable value as a JSON string.
pub(crate) fn text(value: impl std::fmt::Display) -> Value {
    Value::String(value.to_string())
}

/// An optional value, `null` when absent.
pub(crate) fn optional<T>(value: Option<T>, write: impl FnOnce(T) -> Value) -> Value {
    value.map_or(Value::Null, write)
}

/// An assessment value: `"8.5"`, `"Đ"`, `"CĐ"`.
pub(crate) fn assessment_value(value: AssessmentValue) -> Value {
    text(value)
}

/// A subject result: an average with one decimal, or `Đ`/`CĐ`.
pub(crate) fn subject_value(value: SubjectValue) -> Value {
    text(value)
}

/// A conduct level abbreviation.
pub(crate) fn conduct(level: ConductLevel) -> Value {
    text(level)
}

/// The signing status name.
pub(crate) fn signing_status(status: SigningStatus) -> &'static str {
    match status {
        SigningStatus::SignedOff => "signed_off",
        SigningStatus::Approved(_) => "approved",
        _ => "unsigned",
    }
}
