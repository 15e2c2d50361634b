//! JSON read in place: strings borrowed from the input wherever they hold no escape.
//!
//! A record's payload is read once by the domain and once by the projections, on every append
//! and on every replay of the log. A `serde_json::Value` allocates each key and each string;
//! a [`JsonView`] allocates only its arrays and objects (and a string that has an escape), so
//! a grade's payload costs two allocations instead of about twenty.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// A JSON string, borrowed from the input unless it holds an escape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// A JSON value read in place. An object keeps its members in the input's order; a repeated
/// name is found at its last occurrence, as `serde_json::Value` keeps the last.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonView<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<JsonView<'a>>),
    Object(Vec<(Cow<'a, str>, JsonView<'a>)>),
}

/// The members of a JSON object, read in place.
pub(crate) type Members<'a> = [(Cow<'a, str>, JsonView<'a>)];

impl<'a> JsonView<'a> {
    /// Parses `text`, which must be one JSON value.
    pub(crate) fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// `value` read in place: its strings borrowed (for one encoder of both).
    pub(crate) fn borrowing(value: &'a Value) -> Self {
        match value {
            Value::Null => JsonView::Null,
            Value::Bool(value) => JsonView::Bool(*value),
            Value::Number(number) => JsonView::Number(number.clone()),
            Value::String(text) => JsonView::String(Cow::Borrowed(text)),
            Value::Array(items) => JsonView::Array(items.iter().map(Self::borrowing).collect()),
            Value::Object(members) => JsonView::Object(
                members
                    .iter()
                    .map(|(name, value)| (Cow::Borrowed(name.as_str()), Self::borrowing(value)))
                    .collect(),
            ),
        }
    }

    /// The member `name` of an object's `members` (its last occurrence).
    pub(crate) fn member<'m>(members: &'m Members<'a>, name: &str) -> Option<&'m JsonView<'a>> {
        members
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    pub(crate) fn as_object(&self) -> Option<&Members<'a>> {
        match self {
            JsonView::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The same value as a `serde_json::Value` (to check the reading against serde_json's).
    #[cfg(test)]
    pub(crate) fn to_value(&self) -> Value {
        match self {
            JsonView::Null => Value::Null,
            JsonView::Bool(value) => Value::Bool(*value),
            JsonView::Number(number) => Value::Number(number.clone()),
            JsonView::String(text) => Value::String(text.to_string()),
            JsonView::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            JsonView::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(key, value)| (key.to_string(), value.to_value()))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for JsonView<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ViewVisitor)
    }
}

struct ViewVisitor;

/// Members of a typical event payload (a grade has nine).
const OBJECT_MEMBERS_TYPICAL: usize = 12;

impl<'de> Visitor<'de> for ViewVisitor {
    type Value = JsonView<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(JsonView::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(JsonView::Bool(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(JsonView::Number(value.into()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(JsonView::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(value).map_or(JsonView::Null, JsonView::Number))
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(JsonView::String(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(JsonView::String(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(JsonView::String(Cow::Owned(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(JsonView::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // serde_json gives no size hint: room for a typical event's members in one allocation
        // rather than three doublings.
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(OBJECT_MEMBERS_TYPICAL));
        while let Some((Text(key), value)) = map.next_entry::<Text<'de>, JsonView<'de>>()? {
            members.push((key, value));
        }
        Ok(JsonView::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let view = JsonView::parse(r#"{"a":"Toán","b":"x\"y","c":[1,-2,true,null]}"#).unwrap();
        let members = view.as_object().unwrap();
        assert!(matches!(
            JsonView::member(members, "a"),
            Some(JsonView::String(Cow::Borrowed("Toán")))
        ));
        assert!(matches!(
            JsonView::member(members, "b"),
            Some(JsonView::String(Cow::Owned(text))) if text == "x\"y"
        ));
        let Some(JsonView::Array(items)) = JsonView::member(members, "c") else {
            panic!("c is an array");
        };
        assert_eq!(items[0], JsonView::Number(1.into()));
        assert_eq!(items[1], JsonView::Number((-2).into()));
    }

    #[test]
    fn reads_as_serde_json_does() {
        for text in [
            r#"{"z":1,"a":{"b":[1.5,"\u00e1",{"c":null}]},"n":-7}"#,
            r#"[true,false,"",{}]"#,
            r#"{"k":1,"k":2}"#,
        ] {
            let view = JsonView::parse(text).unwrap();
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(view.to_value(), value, "{text}");
        }
        let view = JsonView::parse(r#"{"k":1,"k":2}"#).unwrap();
        let last = JsonView::member(view.as_object().unwrap(), "k").unwrap();
        assert_eq!(last, &JsonView::Number(2.into()));
    }
}
