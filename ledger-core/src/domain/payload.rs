//! Reading an event's payload: each field read once, by name, with its JSON type checked, and
//! any field left unread refused at the end.
//!
//! Structure problems (a field missing, unknown, or of the wrong JSON type) are
//! `payload-malformed`; a field that has the right type but breaks its rule is `payload-invalid`.

use crate::json_view::{JsonView, Members};
use base64::Engine as _;

use super::error::DomainError;
use crate::key::{KeyError, PublicKey};

/// A payload object being read field by field.
pub(crate) struct Fields<'a> {
    map: &'a Members<'a>,
    prefix: String,
    read: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(map: &'a Members<'a>) -> Self {
        Self::nested(map, String::new())
    }

    fn nested(map: &'a Members<'a>, prefix: String) -> Self {
        Self {
            map,
            prefix,
            // Every field present is read once: one allocation, not one per doubling.
            read: Vec::with_capacity(map.len()),
        }
    }

    fn name(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    pub(crate) fn malformed(&self, field: &str, problem: impl Into<String>) -> DomainError {
        DomainError::PayloadMalformed {
            field: self.name(field),
            problem: problem.into(),
        }
    }

    pub(crate) fn invalid(&self, field: &str, problem: impl Into<String>) -> DomainError {
        DomainError::PayloadInvalid {
            field: self.name(field),
            problem: problem.into(),
        }
    }

    fn get(&mut self, field: &'static str) -> Option<&'a JsonView<'a>> {
        self.read.push(field);
        JsonView::member(self.map, field)
    }

    pub(crate) fn opt_str(&mut self, field: &'static str) -> Result<Option<&'a str>, DomainError> {
        match self.get(field) {
            None => Ok(None),
            Some(JsonView::String(text)) => Ok(Some(text)),
            Some(_) => Err(self.malformed(field, "it must be a string")),
        }
    }

    pub(crate) fn str(&mut self, field: &'static str) -> Result<&'a str, DomainError> {
        self.opt_str(field)?
            .ok_or_else(|| self.malformed(field, "the field is missing"))
    }

    pub(crate) fn opt_u64(&mut self, field: &'static str) -> Result<Option<u64>, DomainError> {
        match self.get(field) {
            None => Ok(None),
            Some(JsonView::Number(number)) => number
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.malformed(field, "it must be a non-negative integer")),
            Some(_) => Err(self.malformed(field, "it must be an integer")),
        }
    }

    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, DomainError> {
        self.opt_u64(field)?
            .ok_or_else(|| self.malformed(field, "the field is missing"))
    }

    pub(crate) fn bool(&mut self, field: &'static str) -> Result<bool, DomainError> {
        match self.get(field) {
            None => Err(self.malformed(field, "the field is missing")),
            Some(JsonView::Bool(value)) => Ok(*value),
            Some(_) => Err(self.malformed(field, "it must be true or false")),
        }
    }

    pub(crate) fn array(&mut self, field: &'static str) -> Result<&'a [JsonView<'a>], DomainError> {
        match self.get(field) {
            None => Err(self.malformed(field, "the field is missing")),
            Some(JsonView::Array(items)) => Ok(items),
            Some(_) => Err(self.malformed(field, "it must be an array")),
        }
    }

    /// Reads a nested object, e.g. `scope`, or the item `index` of an array named `field`.
    pub(crate) fn object_at(
        &self,
        field: &str,
        index: Option<usize>,
        value: &'a JsonView<'a>,
    ) -> Result<Fields<'a>, DomainError> {
        let name = match index {
            Some(index) => format!("{field}[{index}]"),
            None => field.to_owned(),
        };
        match value {
            JsonView::Object(map) => Ok(Fields::nested(map, format!("{}{name}.", self.prefix))),
            _ => Err(self.malformed(&name, "it must be an object")),
        }
    }

    pub(crate) fn object(&mut self, field: &'static str) -> Result<Fields<'a>, DomainError> {
        let value = self
            .get(field)
            .ok_or_else(|| self.malformed(field, "the field is missing"))?;
        self.object_at(field, None, value)
    }

    /// Reads a string field and parses it with `parse`, whose error becomes `payload-invalid`.
    pub(crate) fn parse<T>(
        &mut self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, DomainError> {
        let text = self.str(field)?;
        parse(text).map_err(|problem| self.invalid(field, problem))
    }

    /// Like [`Fields::parse`] for an optional field.
    pub(crate) fn opt_parse<T>(
        &mut self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, DomainError> {
        match self.opt_str(field)? {
            None => Ok(None),
            Some(text) => parse(text)
                .map(Some)
                .map_err(|problem| self.invalid(field, problem)),
        }
    }

    /// Reads a public key: standard padded base64 of 32 bytes, screened for weakness.
    pub(crate) fn key(&mut self, field: &'static str) -> Result<PublicKey, DomainError> {
        let text = self.str(field)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| DomainError::KeyMalformed { field })?;
        PublicKey::from_bytes(&bytes).map_err(|error| match error {
            KeyError::Weak => DomainError::KeyWeak { field },
            _ => DomainError::KeyMalformed { field },
        })
    }

    /// Refuses any field that was not read.
    pub(crate) fn finish(self) -> Result<(), DomainError> {
        match self
            .map
            .iter()
            .map(|(name, _)| name)
            .find(|name| !self.read.contains(&name.as_ref()))
        {
            Some(unknown) => Err(self.malformed(
                unknown,
                "unknown field (trường không được định nghĩa cho sự kiện này)",
            )),
            None => Ok(()),
        }
    }
}

/// Encodes a key for messages and digests: standard padded base64.
pub(crate) fn key_base64(key: &PublicKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.to_bytes())
}
