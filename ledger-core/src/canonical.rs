//! Canonical JSON: the subset of RFC 8785 (JSON Canonicalization Scheme, JCS) used for signed
//! submission bodies.
//!
//! The subset is RFC 8785 restricted to documents whose every number is an integer `n` with
//! `|n| <= 2^53 - 1` ([`INTEGER_MAX`]). Fractions, exponents, negative zero and larger integers
//! are refused: decimal values such as grades travel as strings (`"8.5"`). Within this subset the
//! RFC 8785 number serialisation is just the decimal integer, so any RFC 8785 implementation
//! produces exactly our bytes and no client needs ECMAScript float formatting.
//!
//! The rules (see `docs/FORMAT.md`, "Canonical JSON"):
//!
//! - no whitespace between tokens;
//! - object members sorted by their names compared as sequences of UTF-16 code units (not by
//!   UTF-8 bytes, which differs for names mixing U+E000..U+FFFF with characters above U+FFFF);
//!   names are unique;
//! - strings escape only `"` as `\"`, `\` as `\\`, and the control characters below U+0020:
//!   U+0008, U+0009, U+000A, U+000C, U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, the others as
//!   `\u00xx` with lowercase hex; every other character (including U+007F, U+2028 and U+2029) is
//!   written as raw UTF-8;
//! - strings hold no Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every
//!   plane), as I-JSON (RFC 7493), on which RFC 8785 builds, requires;
//! - `null`, `true`, `false` as such; integers in plain decimal, `-` for negatives, no leading
//!   zeros;
//! - arrays and objects nest at most [`JSON_DEPTH_MAX`] deep.
//!
//! [`to_canonical`] serialises a [`serde_json::Value`]; [`parse_canonical`] accepts bytes only if
//! they are exactly the canonical form of what they parse to, which also refuses duplicate
//! names, escapes such as `\u0041`, a byte order mark and invalid UTF-8.

use serde_json::{Number, Value};

use crate::json_view::JsonView;
use crate::limits::JSON_DEPTH_MAX;

/// The largest magnitude of an integer in canonical JSON: 2^53 - 1, the largest integer that
/// every JSON implementation (including JavaScript's) represents exactly.
pub const INTEGER_MAX: u64 = (1 << 53) - 1;

/// Why a value or a byte string is not canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    /// The bytes are not JSON text (syntax error, invalid UTF-8, byte order mark, lone surrogate
    /// escape, nesting deeper than the parser allows). Holds the parser's description.
    #[error("not valid JSON (không phải JSON hợp lệ): {0}")]
    Syntax(String),
    /// A number has a fraction or an exponent. Decimal values travel as strings, e.g. `"8.5"`.
    #[error(
        "a number has a fraction or an exponent; only integers are allowed, decimal values such as \
         grades must be sent as strings, e.g. \"8.5\" (số thập phân phải gửi dạng chuỗi)"
    )]
    NotAnInteger,
    /// A number is negative zero (`-0`).
    #[error("a number is negative zero (-0), which is not allowed; write 0")]
    NegativeZero,
    /// An integer is larger in magnitude than 2^53 - 1.
    #[error(
        "an integer is outside -9007199254740991..=9007199254740991 (2^53 - 1); send larger \
         numbers as strings"
    )]
    IntegerOutOfRange,
    /// A string or an object member name holds a Unicode noncharacter (e.g. U+FFFF).
    #[error("a string contains the Unicode noncharacter U+{0:04X}, which is not allowed")]
    Noncharacter(u32),
    /// Arrays and objects are nested more than [`JSON_DEPTH_MAX`] deep.
    #[error("JSON is nested more than {max} levels deep (lồng quá sâu)", max = JSON_DEPTH_MAX)]
    TooDeep,
    /// The bytes parse, but are not byte for byte the canonical form of what they parse to
    /// (whitespace, member order, duplicate names, escapes, number spelling).
    #[error(
        "JSON is not in canonical form (không ở dạng chuẩn hóa) from byte {offset}: no \
         whitespace, members sorted by name, no duplicate names, only the required escapes"
    )]
    NotCanonical {
        /// Offset of the first byte that differs from the canonical form.
        offset: usize,
    },
}

/// Serialises `value` as canonical JSON.
///
/// # Errors
/// [`CanonicalError::NotAnInteger`], [`CanonicalError::NegativeZero`] or
/// [`CanonicalError::IntegerOutOfRange`] for a number outside the subset,
/// [`CanonicalError::Noncharacter`] for a string holding a noncharacter, and
/// [`CanonicalError::TooDeep`] for nesting deeper than [`JSON_DEPTH_MAX`].
pub fn to_canonical(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::new();
    write_value(&JsonView::borrowing(value), 0, &mut out)?;
    Ok(out)
}

/// Parses `bytes` as JSON and accepts them only if they are exactly their own canonical form.
///
/// # Errors
/// [`CanonicalError::Syntax`] for bytes that are not JSON text, the errors of [`to_canonical`]
/// for values outside the subset, and [`CanonicalError::NotCanonical`] for JSON that is not byte
/// for byte canonical.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, CanonicalError> {
    check_canonical(bytes)?;
    serde_json::from_slice(bytes).map_err(|error| CanonicalError::Syntax(error.to_string()))
}

/// [`parse_canonical`] without building a `Value`: the check every append makes.
pub(crate) fn check_canonical(bytes: &[u8]) -> Result<(), CanonicalError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // Worded by serde_json, as every other syntax error: bytes that are not UTF-8 are
        // never JSON text.
        let problem = serde_json::from_slice::<Value>(bytes)
            .err()
            .map_or_else(|| "invalid UTF-8".to_owned(), |error| error.to_string());
        return Err(CanonicalError::Syntax(problem));
    };
    let view = JsonView::parse(text).map_err(|error| CanonicalError::Syntax(error.to_string()))?;
    let mut canonical = Vec::with_capacity(bytes.len());
    write_value(&view, 0, &mut canonical)?;
    if canonical != bytes {
        let offset = canonical
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| canonical.len().min(bytes.len()));
        return Err(CanonicalError::NotCanonical { offset });
    }
    Ok(())
}

/// Orders two object member names as RFC 8785 requires: by UTF-16 code units.
#[must_use]
pub fn compare_names(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn write_value(
    value: &JsonView<'_>,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), CanonicalError> {
    match value {
        JsonView::Null => out.extend_from_slice(b"null"),
        JsonView::Bool(true) => out.extend_from_slice(b"true"),
        JsonView::Bool(false) => out.extend_from_slice(b"false"),
        JsonView::Number(number) => write_number(number, out)?,
        JsonView::String(string) => write_string(string, out)?,
        JsonView::Array(items) => {
            let depth = enter(depth)?;
            out.push(b'[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_value(item, depth, out)?;
            }
            out.push(b']');
        }
        JsonView::Object(members) => {
            let depth = enter(depth)?;
            // A repeated name keeps its last value, as a `Value` does: the bytes then differ
            // from the input's, which is how a duplicate is refused.
            let mut sorted: Vec<&(_, JsonView<'_>)> = members.iter().collect();
            sorted.sort_by(|a, b| compare_names(&a.0, &b.0));
            let mut unique: Vec<&(_, JsonView<'_>)> = Vec::with_capacity(sorted.len());
            for member in sorted {
                match unique.last_mut() {
                    Some(last) if last.0 == member.0 => *last = member,
                    _ => unique.push(member),
                }
            }
            out.push(b'{');
            for (position, (name, member)) in unique.into_iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_string(name, out)?;
                out.push(b':');
                write_value(member, depth, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn enter(depth: usize) -> Result<usize, CanonicalError> {
    let depth = depth + 1;
    if depth > JSON_DEPTH_MAX {
        return Err(CanonicalError::TooDeep);
    }
    Ok(depth)
}

fn write_number(number: &Number, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    if let Some(unsigned) = number.as_u64() {
        if unsigned > INTEGER_MAX {
            return Err(CanonicalError::IntegerOutOfRange);
        }
        out.extend_from_slice(unsigned.to_string().as_bytes());
        return Ok(());
    }
    if let Some(signed) = number.as_i64() {
        if signed.unsigned_abs() > INTEGER_MAX {
            return Err(CanonicalError::IntegerOutOfRange);
        }
        out.extend_from_slice(signed.to_string().as_bytes());
        return Ok(());
    }
    // Neither u64 nor i64: serde_json holds it as a float, which the input spelled with a
    // fraction or an exponent, as -0, or as an integer too large for 64 bits.
    let float = number.as_f64().unwrap_or(f64::NAN);
    if float == 0.0 && float.is_sign_negative() {
        Err(CanonicalError::NegativeZero)
    } else if float.fract() == 0.0 && float.abs() > INTEGER_MAX as f64 {
        Err(CanonicalError::IntegerOutOfRange)
    } else {
        Err(CanonicalError::NotAnInteger)
    }
}

fn is_noncharacter(c: char) -> bool {
    let code = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&code) || (code & 0xFFFE) == 0xFFFE
}

fn write_string(string: &str, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    // Runs of characters written as they are (all but the escaped ones) are copied whole;
    // only a character outside ASCII is decoded, to refuse a noncharacter.
    let bytes = string.as_bytes();
    let mut run_start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte >= 0x80 {
            let c = string[at..]
                .chars()
                .next()
                .expect("a character starts here");
            if is_noncharacter(c) {
                return Err(CanonicalError::Noncharacter(u32::from(c)));
            }
            at += c.len_utf8();
            continue;
        }
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => b"",
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[run_start..at]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xF)]);
        } else {
            out.extend_from_slice(escape);
        }
        at += 1;
        run_start = at;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
    Ok(())
}

/// A canonical JSON object read by its layout, member after member in their fixed order,
/// without a JSON parser: the fast path for the bodies and payloads that make up most of a
/// log. Canonical text writes an object's members sorted, with no whitespace, and a string
/// with nothing to escape exactly as it is, so a string member of known name is the text
/// between fixed markers. Every reading is `None` where the text departs from what is
/// expected (another member, an escape, a number that is not a plain integer); the caller
/// then reads the text with a JSON reader, which decides every refusal.
///
/// Only for text known to be well-formed JSON (in practice canonical): that a string without a
/// backslash ends at the next quote relies on it, and the layout alone does not check the
/// syntax of what it skips.
pub(crate) struct Layout<'a> {
    rest: &'a str,
    first: bool,
}

impl<'a> Layout<'a> {
    /// The members of the object `text`.
    pub(crate) fn object(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix('{')?.strip_suffix('}')?;
        Some(Self { rest, first: true })
    }

    /// Whether the next member is `name`.
    pub(crate) fn next_is(&self, name: &str) -> bool {
        self.after_name(name).is_some()
    }

    /// Steps over the next member's name, which must be `name`.
    pub(crate) fn name(&mut self, name: &str) -> Option<()> {
        self.rest = self.after_name(name)?;
        self.first = false;
        Some(())
    }

    /// The text after the next member's name, if that is `name`.
    fn after_name(&self, name: &str) -> Option<&'a str> {
        let rest = if self.first {
            self.rest
        } else {
            self.rest.strip_prefix(',')?
        };
        rest.strip_prefix('"')?
            .strip_prefix(name)?
            .strip_prefix("\":")
    }

    /// The next member, `name`, a string written without escapes.
    pub(crate) fn text(&mut self, name: &str) -> Option<&'a str> {
        self.name(name)?;
        let (text, rest) = self.rest.strip_prefix('"')?.split_once('"')?;
        if text.contains('\\') {
            return None;
        }
        self.rest = rest;
        Some(text)
    }

    /// The next member, `name`, a non-negative integer.
    pub(crate) fn integer(&mut self, name: &str) -> Option<u64> {
        self.name(name)?;
        let (number, rest) = leading_integer(self.rest)?;
        self.rest = rest;
        Some(number)
    }

    /// The text after the members read so far (from the next value, or the comma before the
    /// next member), up to the object's closing brace.
    pub(crate) fn rest(self) -> &'a str {
        self.rest
    }

    /// Checks that every member was read.
    pub(crate) fn finish(self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// A non-negative integer as canonical JSON writes it (no sign, no leading zero, at most 16
/// digits), and the text after it.
pub(crate) fn leading_integer(text: &str) -> Option<(u64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 16 || (digits > 1 && text.starts_with('0')) {
        return None;
    }
    let (number, rest) = text.split_at(digits);
    Some((number.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_by_utf16_code_units() {
        // U+1F600 is D83D DE00 in UTF-16, which sorts before U+E000 (E000) and U+FF21 (FF21),
        // although its UTF-8 bytes (F0 ...) sort after theirs (EE ..., EF ...).
        let value = json!({"\u{FF21}": 3, "\u{E000}": 2, "\u{1F600}": 1, "z": 0});
        let bytes = to_canonical(&value).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "{\"z\":0,\"\u{1F600}\":1,\"\u{E000}\":2,\"\u{FF21}\":3}"
        );
    }

    #[test]
    fn escapes_only_what_rfc_8785_escapes() {
        let value = json!("\"\\/\u{8}\t\n\u{c}\r\u{0}\u{1f}\u{7f}\u{2028}é");
        let bytes = to_canonical(&value).unwrap();
        assert_eq!(
            bytes,
            "\"\\\"\\\\/\\b\\t\\n\\f\\r\\u0000\\u001f\u{7f}\u{2028}é\"".as_bytes()
        );
    }

    proptest::proptest! {
        /// Any string without a noncharacter is written as serde_json writes it (which
        /// escapes what RFC 8785 escapes, the same way); a noncharacter anywhere is refused.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::char::range('\u{0}', '\u{7f}'),
                    proptest::char::any(),
                    proptest::sample::select(vec!['"', '\\', '\n', '\u{1f}', 'ệ', '\u{FDD0}', '\u{FFFE}', '\u{1FFFF}']),
                ],
                0..40,
            )
        ) {
            let string: String = parts.into_iter().collect();
            let mut written = Vec::new();
            let result = write_string(&string, &mut written);
            if string.chars().any(is_noncharacter) {
                proptest::prop_assert!(result.is_err());
            } else {
                proptest::prop_assert!(result.is_ok());
                proptest::prop_assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(&string).unwrap()
                );
            }
        }
    }
}
