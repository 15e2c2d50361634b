//! The identity record of a learner and the salted commitment the log carries
//! (`docs/IDENTITY.md`, "hocba-ledger/identity/v1").
//!
//! The log never holds identity data: `learner.registered` and `identity.corrected` carry
//! `identity_commitment`, BLAKE3 of the record's canonical encoding. The record itself lives in
//! the identity register beside the log, which can erase it; without the salt the hash in the
//! log links to nobody.
//!
//! ```
//! use ledger_core::identity::Identity;
//!
//! let identity = Identity::from_json(&serde_json::json!({
//!     "learner": "79000001",
//!     "full_name": "Nguyễn Thị Ánh",
//!     "gender": "female",
//!     "date_of_birth": "2012-03-04",
//!     "personal_id": null,
//!     "father": null,
//!     "mother": "Trần Thị Mai",
//!     "salt": "0101010101010101010101010101010101010101010101010101010101010101",
//! }))
//! .unwrap();
//! let text = String::from_utf8(identity.canonical_encoding()).unwrap();
//! assert!(text.starts_with("hocba-ledger/identity/v1\nlearner 79000001\n"));
//! assert!(text.contains("\npersonal_id \nfather \nmother Trần Thị Mai\n"));
//! assert_eq!(identity.commitment(), *blake3::hash(text.as_bytes()).as_bytes());
//! ```
//!
//! What is not here: storage, access and erasure (the node's identity register).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::domain::value::LearnerCode;

/// The first line of the canonical encoding, naming its version.
pub const ENCODING_HEADER: &str = "hocba-ledger/identity/v1";

/// The largest name, in bytes of UTF-8: a Vietnamese full name is far shorter, and the bound
/// keeps a register row small.
pub const NAME_SIZE_MAX: usize = 200;

/// The fields of an identity record, in the order of the encoding (and of the JSON object).
pub const FIELDS: [&str; 8] = [
    "learner",
    "full_name",
    "gender",
    "date_of_birth",
    "personal_id",
    "father",
    "mother",
    "salt",
];

/// A learner's gender, as the personal ID encodes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Gender {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Gender {
    /// `male` or `female`, as in the encoding.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "male" => Some(Gender::Male),
            "female" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// A field of an identity record that breaks its rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("trường `{field}` không hợp lệ / field `{field}` is invalid: {rule}")]
pub struct IdentityError {
    /// The field, as named in the JSON object (`input` for the object itself).
    pub field: String,
    /// The rule broken.
    pub rule: String,
}

impl IdentityError {
    /// The stable refusal code: `identity-invalid`.
    pub const CODE: &'static str = "identity-invalid";

    fn new(field: &str, rule: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            rule: rule.into(),
        }
    }
}

/// The unvalidated fields of an identity record, for building one in code.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IdentityFields {
    /// The lifelong learner code (mã người học).
    pub learner: String,
    /// Full name, "Họ Đệm Tên", NFC.
    pub full_name: String,
    /// Gender.
    pub gender: Gender,
    /// Date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// The 12-digit personal ID (số định danh cá nhân), when the learner has one yet.
    pub personal_id: Option<String>,
    /// The father's full name (cha), if in the learner's file.
    pub father: Option<String>,
    /// The mother's full name (mẹ), if in the learner's file.
    pub mother: Option<String>,
    /// The per-learner salt.
    pub salt: [u8; 32],
}

/// A validated identity record: one row of the identity register.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    learner: LearnerCode,
    fields: IdentityFields,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Personal data stays out of logs and panics: only the learner code is shown.
        f.debug_struct("Identity")
            .field("learner", &self.learner.as_str())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Validates `fields` (docs/IDENTITY.md, "The record").
    ///
    /// # Errors
    /// The first field, in encoding order, that breaks its rule.
    pub fn new(fields: IdentityFields) -> Result<Self, IdentityError> {
        let learner = LearnerCode::parse(&fields.learner)
            .map_err(|rule| IdentityError::new("learner", rule))?;
        check_name("full_name", &fields.full_name)?;
        check_date("date_of_birth", &fields.date_of_birth)?;
        if let Some(id) = &fields.personal_id {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(IdentityError::new(
                    "personal_id",
                    "must be exactly 12 ASCII digits, or null when the learner has none yet",
                ));
            }
        }
        for (field, name) in [("father", &fields.father), ("mother", &fields.mother)] {
            if let Some(name) = name {
                check_name(field, name)?;
            }
        }
        if fields.salt == [0; 32] {
            return Err(IdentityError::new(
                "salt",
                "must be 32 random bytes, not zeros",
            ));
        }
        Ok(Self { learner, fields })
    }

    /// Parses the JSON object of docs/IDENTITY.md: every field present, no other field,
    /// `personal_id`, `father` and `mother` `null` when absent.
    ///
    /// # Errors
    /// The field missing, unknown, of the wrong JSON type, or breaking its rule.
    pub fn from_json(value: &Value) -> Result<Self, IdentityError> {
        let object = value
            .as_object()
            .ok_or_else(|| IdentityError::new("input", "must be a JSON object"))?;
        if let Some(unknown) = object.keys().find(|key| !FIELDS.contains(&key.as_str())) {
            return Err(IdentityError::new(
                unknown,
                "is not a field of the identity record",
            ));
        }
        let text = |field: &str| -> Result<String, IdentityError> {
            match object.get(field) {
                Some(Value::String(text)) => Ok(text.clone()),
                Some(_) => Err(IdentityError::new(field, "must be a string")),
                None => Err(IdentityError::new(field, "is missing")),
            }
        };
        let optional = |field: &str| -> Result<Option<String>, IdentityError> {
            match object.get(field) {
                Some(Value::Null) => Ok(None),
                Some(Value::String(text)) if text.is_empty() => Err(IdentityError::new(
                    field,
                    "is empty: write null when there is no value",
                )),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(IdentityError::new(field, "must be a string or null")),
                None => Err(IdentityError::new(
                    field,
                    "is missing (null when there is no value)",
                )),
            }
        };
        let learner = text("learner")?;
        let full_name = text("full_name")?;
        let gender = Gender::parse(&text("gender")?)
            .ok_or_else(|| IdentityError::new("gender", "must be \"male\" or \"female\""))?;
        let date_of_birth = text("date_of_birth")?;
        let personal_id = optional("personal_id")?;
        let father = optional("father")?;
        let mother = optional("mother")?;
        let salt = parse_salt(&text("salt")?)?;
        Self::new(IdentityFields {
            learner,
            full_name,
            gender,
            date_of_birth,
            personal_id,
            father,
            mother,
            salt,
        })
    }

    /// The record as the JSON object [`Identity::from_json`] reads.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let f = &self.fields;
        let mut object = Map::new();
        object.insert("learner".into(), Value::from(f.learner.as_str()));
        object.insert("full_name".into(), Value::from(f.full_name.as_str()));
        object.insert("gender".into(), Value::from(f.gender.as_str()));
        object.insert(
            "date_of_birth".into(),
            Value::from(f.date_of_birth.as_str()),
        );
        object.insert("personal_id".into(), f.personal_id.clone().into());
        object.insert("father".into(), f.father.clone().into());
        object.insert("mother".into(), f.mother.clone().into());
        object.insert("salt".into(), Value::from(crate::hex::encode(&f.salt)));
        Value::Object(object)
    }

    /// The learner the record belongs to.
    #[must_use]
    pub fn learner(&self) -> &LearnerCode {
        &self.learner
    }

    /// The validated fields.
    #[must_use]
    pub fn fields(&self) -> &IdentityFields {
        &self.fields
    }

    /// The canonical encoding the commitment hashes: UTF-8 lines, each ending in one line
    /// feed, `<field> <value>` in the order of [`FIELDS`] after the header, an absent value
    /// written as nothing, the salt as 64 lowercase hex digits.
    #[must_use]
    pub fn canonical_encoding(&self) -> Vec<u8> {
        let f = &self.fields;
        let mut out = String::with_capacity(256);
        out.push_str(ENCODING_HEADER);
        out.push('\n');
        let lines: [(&str, &str); 7] = [
            ("learner", self.learner.as_str()),
            ("full_name", &f.full_name),
            ("gender", f.gender.as_str()),
            ("date_of_birth", &f.date_of_birth),
            ("personal_id", f.personal_id.as_deref().unwrap_or("")),
            ("father", f.father.as_deref().unwrap_or("")),
            ("mother", f.mother.as_deref().unwrap_or("")),
        ];
        for (field, value) in lines {
            let _ = writeln!(out, "{field} {value}");
        }
        let _ = writeln!(out, "salt {}", crate::hex::encode(&f.salt));
        out.into_bytes()
    }

    /// The `identity_commitment`: BLAKE3 (default mode, 32 bytes) of the canonical encoding.
    #[must_use]
    pub fn commitment(&self) -> [u8; 32] {
        *blake3::hash(&self.canonical_encoding()).as_bytes()
    }

    /// The commitment as the log writes it: 64 lowercase hex digits.
    #[must_use]
    pub fn commitment_hex(&self) -> String {
        crate::hex::encode(&self.commitment())
    }
}

/// A name: not empty, at most [`NAME_SIZE_MAX`] bytes, words separated by single spaces
/// (U+0020) with none at either end, no control or invisible formatting character, and no
/// combining mark (a Vietnamese letter always has one precomposed NFC form; a decomposed one
/// would change the commitment's bytes while looking the same).
fn check_name(field: &str, name: &str) -> Result<(), IdentityError> {
    if name.is_empty() {
        return Err(IdentityError::new(field, "is empty"));
    }
    if name.len() > NAME_SIZE_MAX {
        return Err(IdentityError::new(
            field,
            format!("is longer than {NAME_SIZE_MAX} bytes"),
        ));
    }
    if name.starts_with(' ') || name.ends_with(' ') || name.contains("  ") {
        return Err(IdentityError::new(
            field,
            "must separate words by single spaces, with none at either end",
        ));
    }
    for c in name.chars() {
        let code = u32::from(c);
        if c.is_control() || is_invisible(code) {
            return Err(IdentityError::new(
                field,
                format!("holds the control or invisible character U+{code:04X}"),
            ));
        }
        if c != ' ' && c.is_whitespace() {
            return Err(IdentityError::new(
                field,
                format!("holds the space character U+{code:04X}: only U+0020 separates words"),
            ));
        }
        if is_combining(code) {
            return Err(IdentityError::new(
                field,
                format!(
                    "holds the combining mark U+{code:04X}: write names in Unicode NFC, with \
                     precomposed letters"
                ),
            ));
        }
    }
    Ok(())
}

/// Zero-width characters, direction marks and embeddings, word joiners, the byte order mark.
fn is_invisible(code: u32) -> bool {
    matches!(code, 0x00AD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF)
}

/// The combining-mark blocks: Combining Diacritical Marks (and Extended, Supplement, for
/// Symbols) and Combining Half Marks.
fn is_combining(code: u32) -> bool {
    matches!(
        code,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

/// `YYYY-MM-DD`, a day that exists, year 1900 to 2999.
fn check_date(field: &str, text: &str) -> Result<(), IdentityError> {
    // The value is not echoed: refusals may be logged, and a date of birth is personal data.
    let bad = || {
        IdentityError::new(
            field,
            "is not a date that exists, written YYYY-MM-DD like \"2012-03-04\"",
        )
    };
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(at, b)| at == 4 || at == 7 || b.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| -> u32 {
        text[range]
            .bytes()
            .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    if !(1900..=2999).contains(&year) {
        return Err(IdentityError::new(field, "has a year outside 1900 to 2999"));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&day) {
        return Err(bad());
    }
    Ok(())
}

fn parse_salt(text: &str) -> Result<[u8; 32], IdentityError> {
    let bad = || IdentityError::new("salt", "must be 64 lowercase hex digits (32 bytes)");
    if text.len() != 64 {
        return Err(bad());
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut salt = [0u8; 32];
    for (byte, pair) in salt.iter_mut().zip(text.as_bytes().chunks(2)) {
        *byte = digit(pair[0]).ok_or_else(bad)? << 4 | digit(pair[1]).ok_or_else(bad)?;
    }
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "learner": "79000001",
            "full_name": "Nguyễn Thị Ánh",
            "gender": "female",
            "date_of_birth": "2012-02-29",
            "personal_id": "079312000123",
            "father": "Nguyễn Văn Hùng",
            "mother": null,
            "salt": "00".repeat(31) + "01",
        })
    }

    fn refused_field(value: &Value) -> String {
        Identity::from_json(value).expect_err("refused").field
    }

    fn with(field: &str, value: Value) -> Value {
        let mut input = sample();
        input[field] = value;
        input
    }

    #[test]
    fn json_round_trips() {
        let identity = Identity::from_json(&sample()).unwrap();
        assert_eq!(identity.to_json(), sample());
        assert_eq!(Identity::from_json(&identity.to_json()).unwrap(), identity);
    }

    #[test]
    fn encoding_is_the_documented_lines() {
        let identity = Identity::from_json(&sample()).unwrap();
        let expected = format!(
            "hocba-ledger/identity/v1\nlearner 79000001\nfull_name Nguyễn Thị Ánh\ngender female\n\
             date_of_birth 2012-02-29\npersonal_id 079312000123\nfather Nguyễn Văn Hùng\n\
             mother \nsalt {}01\n",
            "00".repeat(31)
        );
        assert_eq!(identity.canonical_encoding(), expected.as_bytes());
        assert_eq!(
            identity.commitment(),
            *blake3::hash(expected.as_bytes()).as_bytes()
        );
        assert_eq!(identity.commitment_hex().len(), 64);
    }

    #[test]
    fn every_field_counts_in_the_commitment() {
        let base = Identity::from_json(&sample()).unwrap().commitment();
        for (field, value) in [
            ("full_name", json!("Nguyễn Thị Anh")),
            ("gender", json!("male")),
            ("date_of_birth", json!("2012-03-01")),
            ("personal_id", Value::Null),
            ("father", Value::Null),
            ("mother", json!("Lê Thị Hoa")),
            ("salt", json!("00".repeat(31) + "02")),
        ] {
            let other = Identity::from_json(&with(field, value)).unwrap();
            assert_ne!(other.commitment(), base, "{field}");
        }
    }

    #[test]
    fn refusals_name_their_field() {
        let decomposed = "Nguye\u{302}\u{303}n Thi\u{323} A\u{301}nh";
        let cases = [
            (with("full_name", json!(decomposed)), "full_name"),
            (with("full_name", json!("")), "full_name"),
            (with("full_name", json!("Nguyễn  Ánh")), "full_name"),
            (with("full_name", json!(" Ánh")), "full_name"),
            (with("full_name", json!("Ánh\nNguyễn")), "full_name"),
            (with("full_name", json!("Á\u{200B}nh")), "full_name"),
            (with("full_name", json!("Á\u{00A0}nh")), "full_name"),
            (with("full_name", json!("Á".repeat(101))), "full_name"),
            (with("father", json!("Văn\tHùng")), "father"),
            (with("mother", json!("")), "mother"),
            (with("gender", json!("nam")), "gender"),
            (with("date_of_birth", json!("2013-02-29")), "date_of_birth"),
            (with("date_of_birth", json!("12-03-2012")), "date_of_birth"),
            (with("date_of_birth", json!("1899-12-31")), "date_of_birth"),
            (with("personal_id", json!("07931200012")), "personal_id"),
            (with("personal_id", json!("07931200012a")), "personal_id"),
            (with("personal_id", json!("")), "personal_id"),
            (with("salt", json!("AA".repeat(32))), "salt"),
            (with("salt", json!("00".repeat(32))), "salt"),
            (with("salt", json!("00".repeat(31))), "salt"),
            (with("learner", json!("not a code!")), "learner"),
            (with("learner", json!(7)), "learner"),
            (with("nickname", json!("Bé")), "nickname"),
            (json!([1]), "input"),
        ];
        for (input, field) in cases {
            assert_eq!(refused_field(&input), field, "{input}");
        }
        let mut missing = sample();
        missing.as_object_mut().unwrap().remove("mother");
        assert_eq!(refused_field(&missing), "mother");
    }

    #[test]
    fn debug_shows_no_personal_data() {
        let identity = Identity::from_json(&sample()).unwrap();
        let shown = format!("{identity:?}");
        assert!(
            shown.contains("79000001") && !shown.contains("Ánh"),
            "{shown}"
        );
    }

    /// The vectors of docs/IDENTITY.md, also checked by scripts/check_identity_vectors.py.
    #[test]
    fn vectors() {
        let file: Value = serde_json::from_str(include_str!(
            "../../fixtures/vectors/identity/identities.json"
        ))
        .unwrap();
        let vectors = file["vectors"].as_array().unwrap();
        assert!((3..=5).contains(&vectors.len()));
        for vector in vectors {
            let identity = Identity::from_json(&vector["input"]).unwrap();
            let encoding = vector["canonical_encoding"].as_str().unwrap();
            assert_eq!(identity.canonical_encoding(), encoding.as_bytes());
            assert_eq!(
                identity.commitment_hex(),
                vector["commitment"].as_str().unwrap()
            );
            assert_eq!(identity.to_json(), vector["input"]);
        }
        let refusals = file["refusals"].as_array().unwrap();
        assert!(!refusals.is_empty());
        for refusal in refusals {
            assert_eq!(
                refused_field(&refusal["input"]),
                refusal["field"].as_str().unwrap(),
                "{}",
                refusal["description"]
            );
        }
    }
}
