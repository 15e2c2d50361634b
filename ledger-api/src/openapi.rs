//! The OpenAPI 3.1 document of the HTTP API, built in code.
//!
//! [`document`] describes every route of [`crate::router::app`], and `GET /openapi.json`, which
//! serves this document: parameters with the patterns and ranges of the validators in
//! `ledger_core::domain::value`, request bodies, and responses with JSON Schema 2020-12 schemas
//! that follow the serde types of [`crate::wire`] and [`crate::error::Problem`] field for field.
//! Each problem response lists the codes it can carry, both in its description (with their
//! titles) and as the extension `x-problem-codes`; `docs/ERRORS.md` explains each code.
//!
//! `docs/openapi.json` is this document, pretty-printed; `ledger-api/tests/openapi.rs` fails
//! when the two differ and checks the wire types and the router against the schemas.
//!
//! The identity register's routes ([`crate::identity::routes`], which a domain node merges
//! into the app) are documented too, with the codes of [`crate::identity::IDENTITY_CODES`].
//!
//! What the document cannot say: a submission's `body` must be canonical JSON and is signed
//! byte for byte (docs/FORMAT.md); a request signature covers the exact path and query, and a
//! body through `Content-Digest` (docs/AUTH.md). Both are described in words where they apply.

use ledger_core::domain::DomainError;
use serde_json::{json, Map, Value};

use crate::error::{title_of, PROBLEM_TYPE_PREFIX};
use crate::identity::{ERASURE_REASON_SIZE_MAX, IDENTITY_BODY_SIZE_MAX};
use crate::router::{BATCH_BODY_SIZE_MAX, BATCH_EVENTS_MAX, REQUEST_BODY_SIZE_MAX};
use crate::service::{AUDIT_PAGE_MAX, FEED_PAGE_MAX};

// The info description states the longest request id the node keeps.
const _: () = assert!(crate::request_log::REQUEST_ID_SIZE_MAX == 64);

/// The OpenAPI version of the document.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// The format refusals of one submission (`ApiError::from_record_error`), all `400`.
pub const SUBMISSION_FORMAT_CODES: [&str; 9] = [
    "submission-malformed",
    "submission-not-canonical",
    "submission-version-unsupported",
    "schema-version-unsupported",
    "event-type-invalid",
    "idempotency-id-invalid",
    "key-malformed",
    "key-weak",
    "signature-invalid",
];

/// The refusals of a request signature (docs/AUTH.md section 9) and of an unknown key, all
/// `401`.
pub const AUTH_CODES: [&str; 6] = [
    "auth-missing",
    "auth-malformed",
    "auth-expired",
    "auth-digest-mismatch",
    "auth-signature-invalid",
    "auth-key-unknown",
];

/// The domain codes an append answers with `status`.
fn domain_codes(status: u16) -> Vec<&'static str> {
    DomainError::CODES
        .iter()
        .copied()
        .filter(|code| crate::error::status_of_domain_code(code) == status)
        .collect()
}

/// The whole document.
#[must_use]
pub fn document() -> Value {
    json!({
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": info(),
        "servers": [{"url": "/", "description": "Nút sổ này / this node"}],
        "tags": tags(),
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": security_schemes(),
        },
    })
}

fn info() -> Value {
    json!({
        "title": "hocba-ledger HTTP API",
        "version": env!("CARGO_PKG_VERSION"),
        "summary": "Sổ cái học bạ có thể kiểm chứng / A verifiable ledger of school records",
        "description": concat!(
            "**Tiếng Việt.** Giao diện HTTP của hocba-ledger: phần mềm quản lý trường học gửi các ",
            "sự kiện học bạ đã ký (`POST /v1/submissions`); nút sắp xếp chúng vào một sổ ",
            "Merkle chỉ ghi thêm, ghi bền vững trước khi trả biên nhận. Người có thẩm quyền đọc ",
            "học bạ, sổ điểm, nhật ký kiểm tra và phân quyền bằng yêu cầu ký theo RFC 9421 ",
            "(docs/AUTH.md); mỗi câu trả lời nêu checkpoint đã ký bao phủ nó. Checkpoint và tile ",
            "(`/log/…`) là công khai để ai cũng có thể sao lưu và kiểm toán sổ. Lỗi theo ",
            "RFC 9457 với mã ổn định (`code`), giải thích trong docs/ERRORS.md. Sổ đăng ký danh ",
            "tính (`/v1/identities/…`, docs/IDENTITY.md) lưu thông tin nhân thân của người học ",
            "bên cạnh sổ, chỉ qua yêu cầu ký của người có thẩm quyền.\n\n",
            "**English.** The HTTP API of hocba-ledger: school software appends signed ",
            "school-record events (`POST /v1/submissions`); the node sequences them into an ",
            "append-only Merkle log and makes them durable before it answers with a receipt. ",
            "Authorised readers fetch transcripts, gradebooks, audit trails, authority and the ",
            "change feed with RFC 9421 signed requests (docs/AUTH.md); every answer names the ",
            "signed checkpoint that covers it. The checkpoint and tiles (`/log/…`) are public ",
            "(c2sp.org/tlog-tiles), so anyone can mirror and audit the log. Errors are RFC 9457 ",
            "problem details with a stable `code`, explained in docs/ERRORS.md. The identity ",
            "register (`/v1/identities/…`, docs/IDENTITY.md) keeps who each learner is beside ",
            "the log, for signed requests of those entitled only.\n\n",
            "The submission envelope and its canonical JSON body are specified byte for byte in ",
            "docs/FORMAT.md; sign the body bytes you send, never a re-serialisation. Integers ",
            "are unsigned 64-bit; indexes and sizes stay below 2^53 in practice. Clients should ",
            "ignore response members they do not know: members may be added, never renamed. ",
            "Every answer carries `X-Request-Id`: the caller's own when it sent one of 1 to ",
            "64 visible ASCII characters, else one the node made; quote it when reporting a ",
            "problem, since the node's log lines carry it.",
        ),
        "license": {"name": env!("CARGO_PKG_LICENSE"), "identifier": env!("CARGO_PKG_LICENSE")},
    })
}

fn tags() -> Value {
    json!([
        {"name": "log", "description": "Public C2SP read paths: the signed checkpoint and tiles (c2sp.org/tlog-tiles)."},
        {"name": "submissions", "description": "Appending signed events (docs/FORMAT.md, docs/EVENTS.md)."},
        {"name": "proofs", "description": "Records with inclusion proofs, and consistency proofs."},
        {"name": "reads", "description": "Projection reads (docs/PROJECTIONS.md), signed by an enrolled key (docs/AUTH.md)."},
        {"name": "identities", "description": "The identity register beside the log (docs/IDENTITY.md): who each learner is, stored, read and erased by signed requests of those entitled. Served by a node that keeps the học bạ projections."},
        {"name": "node", "description": "Health, metrics and this document."},
    ])
}

// ----- Schemas of values -------------------------------------------------------------------

const U64_MAX: u64 = u64::MAX;

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn uint(description: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": U64_MAX, "description": description})
}

/// Standard base64 (with padding) of a 32-byte value: 43 characters and one `=`.
const BASE64_32_PATTERN: &str = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$";

/// Standard base64 (with padding) of a 64-byte value: 86 characters and `==`.
const BASE64_64_PATTERN: &str = "^[A-Za-z0-9+/]{85}[AQgw]==$";

fn base64_32(description: &str) -> Value {
    json!({"type": "string", "pattern": BASE64_32_PATTERN, "description": description})
}

fn learner_code() -> Value {
    json!({
        "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9]+$",
        "description": "Mã người học / learner code: ASCII letters and digits, 1 to 64 bytes.",
        "examples": ["7901000100001"],
    })
}

fn unit_code() -> Value {
    json!({
        "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$",
        "description": "Mã đơn vị / unit or school code: ASCII letters, digits, `_` and `-`, 1 to 64 bytes.",
        "examples": ["79010001"],
    })
}

fn class_name() -> Value {
    json!({
        "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$",
        "description": "Tên lớp / class name within a school and school year: ASCII letters, digits, `_`, `.` and `-`, 1 to 64 bytes.",
        "examples": ["10A1"],
    })
}

fn subject_code() -> Value {
    json!({
        "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z][a-z0-9_]*$",
        "description": "Mã môn học / subject code: lowercase ASCII letters, digits and `_`, starting with a letter, 1 to 64 bytes.",
        "examples": ["toan"],
    })
}

fn school_year() -> Value {
    json!({
        "type": "string", "pattern": "^2[0-9]{3}-2[0-9]{3}$",
        "description": "Năm học / school year `YYYY-YYYY`: the second year is the first plus one, the first from 2000 to 2998.",
        "examples": ["2026-2027"],
    })
}

fn public_key_text() -> Value {
    json!({
        "type": "string", "pattern": "^[A-Za-z0-9+/_-]{42}[AEIMQUYcgkosw048]={0,1}$",
        "description": "An Ed25519 public key (32 bytes) in base64, standard or URL-safe, padded or not. In a path, use the URL-safe alphabet (or percent-encode `/` and `+`). It must be a valid, non-weak key.",
        "examples": ["PEzDFUDfZ3zdnzjEuhLG_3myuXCkVhqMG-tKOGOxxLo"],
    })
}

/// A name of an identity record (docs/IDENTITY.md section 1). JSON Schema counts characters,
/// the rule bytes: the description says so.
fn identity_name(what: &str, nullable: bool) -> Value {
    let types = if nullable {
        json!(["string", "null"])
    } else {
        json!("string")
    };
    json!({
        "type": types, "minLength": 1, "maxLength": ledger_core::identity::NAME_SIZE_MAX,
        "pattern": "^[^\\s]+( [^\\s]+)*$",
        "description": format!("{what}: at most {} bytes of UTF-8 in NFC with no combining mark (one precomposed form per Vietnamese letter), words separated by single spaces, no control or invisible formatting character.{}", ledger_core::identity::NAME_SIZE_MAX, if nullable { " `null` when there is none, never `\"\"`." } else { "" }),
    })
}

/// The identity record, the body of `PUT /v1/identities/{learner}`.
fn identity_record() -> Value {
    json!({
        "type": "object",
        "description": "The identity record (docs/IDENTITY.md section 1): exactly these eight members. Its commitment, a BLAKE3 hash of its canonical encoding (section 2), must be the learner's commitment in force on the log.",
        "required": ["learner", "full_name", "gender", "date_of_birth", "personal_id", "father", "mother", "salt"],
        "additionalProperties": false,
        "properties": {
            "learner": learner_code(),
            "full_name": identity_name("Họ, đệm, tên / the learner's full name", false),
            "gender": {"type": "string", "enum": ["male", "female"], "description": "As the personal ID encodes it."},
            "date_of_birth": {"type": "string", "pattern": "^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", "description": "`YYYY-MM-DD`, a day that exists, year 1900 to 2999."},
            "personal_id": {"type": ["string", "null"], "pattern": "^[0-9]{12}$", "description": "Số định danh cá nhân: exactly 12 ASCII digits; `null` while the learner has none yet."},
            "father": identity_name("The father's full name (cha)", true),
            "mother": identity_name("The mother's full name (mẹ)", true),
            "salt": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "32 bytes as 64 lowercase hex digits, not all zeros, drawn at random by the register for each commitment."},
        },
    })
}

fn schemas() -> Value {
    let problem_code_pattern = "^[a-z0-9]+(-[a-z0-9]+)*$";
    json!({
        "SignedSubmission": {
            "type": "object",
            "description": "The wire envelope of one signed submission (docs/FORMAT.md section 5). `body` is sent as the exact canonical JSON bytes that were signed: build the envelope by concatenating bytes, `{\"body\":` + body + `,\"signature\":\"` + base64 + `\"}`. At most 66,558 bytes.",
            "required": ["body", "signature"],
            "additionalProperties": false,
            "properties": {
                "body": schema_ref("SubmissionBody"),
                "signature": {
                    "type": "string", "pattern": BASE64_64_PATTERN,
                    "description": "Standard base64 of the 64-byte Ed25519 signature of `hocba-ledger/submission/v1` + LF + the body bytes.",
                },
            },
        },
        "SubmissionBody": {
            "type": "object",
            "description": "The signed body (docs/FORMAT.md section 3): canonical JSON (RFC 8785 subset: names sorted by UTF-16 code units, no whitespace, integers only), at most 65,422 bytes.",
            "required": ["author", "claimed_at", "event_type", "idempotency_id", "payload", "schema_version", "v"],
            "additionalProperties": false,
            "properties": {
                "author": base64_32("Standard base64 of the author's 32-byte Ed25519 public key."),
                "claimed_at": {"type": "integer", "minimum": 0, "maximum": 9_007_199_254_740_991_u64, "description": "The client's clock, Unix milliseconds (informational)."},
                "event_type": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z][a-z0-9_.]*$", "description": "The event type, e.g. `grade.recorded` (docs/EVENTS.md)."},
                "idempotency_id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]+$", "description": "Chosen by the client, unique per author for one event; a retry with the same body gets the original receipt."},
                "payload": {"type": "object", "description": "The event itself, per `event_type` and `schema_version` (docs/EVENTS.md)."},
                "schema_version": {"type": "integer", "minimum": 1, "maximum": 4_294_967_295_u64, "description": "Version of the payload's schema for this event type."},
                "v": {"const": 1, "description": "Submission format version: 1."},
            },
        },
        "BatchRequest": {
            "type": "object",
            "description": "Several envelopes appended in order, each judged on its own after the ones before it. An element that is not a valid envelope is refused alone, in its place of the answer.",
            "required": ["submissions"],
            "properties": {
                "submissions": {
                    "type": "array", "minItems": 1, "maxItems": BATCH_EVENTS_MAX,
                    "items": schema_ref("SignedSubmission"),
                },
            },
        },
        "Receipt": {
            "type": "object",
            "description": "What the node answers once a submission is durable in the log.",
            "required": ["index", "leaf_hash", "record_id", "sequenced_at", "duplicate"],
            "properties": {
                "index": uint("The record's index in the log (its leaf index in the Merkle tree)."),
                "leaf_hash": base64_32("The RFC 6962 leaf hash of the record, base64."),
                "record_id": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "BLAKE3 of the record bytes, lowercase hex."},
                "sequenced_at": uint("The node's sequencing time, microseconds since the Unix epoch."),
                "duplicate": {"type": "boolean", "description": "True when this answers a retry: the submission was already in the log and nothing new was written."},
            },
        },
        "BatchItem": {
            "type": "object",
            "description": "One event's answer, in the request's order: `receipt` when the event is (or already was) durable, `problem` when it was not appended; never both.",
            "required": ["status"],
            "properties": {
                "status": {"type": "integer", "minimum": 100, "maximum": 599, "description": "The status this event would have had alone: 201 new, 200 retry, or the refusal's."},
                "receipt": schema_ref("Receipt"),
                "problem": schema_ref("Problem"),
            },
            "oneOf": [
                {"required": ["receipt"], "not": {"required": ["problem"]}},
                {"required": ["problem"], "not": {"required": ["receipt"]}},
            ],
        },
        "BatchAnswer": {
            "type": "object",
            "description": "The answer of a batch append.",
            "required": ["results"],
            "properties": {
                "results": {"type": "array", "items": schema_ref("BatchItem"), "description": "One item per submitted event, in the request's order."},
            },
        },
        "RecordWithProof": {
            "type": "object",
            "description": "A record with its proof of inclusion.",
            "required": ["index", "record", "record_id", "leaf_hash", "proof"],
            "properties": {
                "index": uint("The record's index."),
                "record": {"type": "string", "contentEncoding": "base64", "description": "The record bytes (docs/FORMAT.md section 6), standard base64."},
                "record_id": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "BLAKE3 of the record bytes, lowercase hex."},
                "leaf_hash": base64_32("The RFC 6962 leaf hash, base64."),
                "proof": {"type": ["string", "null"], "description": "A C2SP tlog-proof of inclusion in the newest checkpoint; `null` until a checkpoint covers the record (about a second after it was acknowledged)."},
            },
        },
        "ConsistencyProof": {
            "type": "object",
            "description": "An RFC 9162 consistency proof between two tree sizes.",
            "required": ["from", "to", "proof"],
            "properties": {
                "from": uint("The older tree size."),
                "to": uint("The newer tree size (at most the newest checkpoint's)."),
                "proof": {"type": "array", "maxItems": ledger_core::limits::PROOF_HASHES_MAX, "items": base64_32("A hash, base64."), "description": "The proof's hashes, in order."},
            },
        },
        "Health": {
            "type": "object",
            "description": "Readiness and sizes.",
            "required": ["ready", "log_size", "checkpoint_size"],
            "properties": {
                "ready": {"type": "boolean", "description": "True when the log is open and accepting appends (a read-only mirror is always ready)."},
                "log_size": uint("The number of durable records."),
                "checkpoint_size": uint("The size of the newest signed checkpoint."),
            },
        },
        "CheckpointRef": {
            "type": "object",
            "description": "The signed checkpoint a read answer is proven under.",
            "required": ["origin", "size", "root", "note"],
            "properties": {
                "origin": {"type": "string", "minLength": 1, "description": "The log's origin (its name), the checkpoint's first line."},
                "size": uint("The tree size."),
                "root": base64_32("The RFC 6962 root hash, base64."),
                "note": {"type": "string", "description": "The whole signed note (c2sp.org/tlog-checkpoint), so the answer can be checked against the log's verifier key without another request."},
            },
        },
        "Reflected": {
            "type": "object",
            "description": "A projection read. `data` reflects exactly the first `as_of_size` records of the log, all covered by `checkpoint` (`as_of_size ≤ checkpoint.size`).",
            "required": ["checkpoint", "as_of_size", "data"],
            "properties": {
                "checkpoint": schema_ref("CheckpointRef"),
                "as_of_size": uint("How many records of the log the answer reflects."),
                "data": schema_ref("ProjectionData"),
            },
        },
        "ProjectionData": {
            "type": "object",
            "description": "The projection itself, an open object whose members depend on the read; docs/PROJECTIONS.md specifies them. Transcript: registration and, per school year, enrolments, subjects with each semester's assessments in force, results, conduct, absences, outcome, award, summer results, exemptions, the individual education plan and signing status (the signing policy in force, its required steps and those remaining). Gradebook: mode, teacher, confirmation, seal and one row per learner. Audit trails: `entries` (index, event type, author, sequencing time, reason, `leaf_hash` and `proof`, the inclusion proof's hashes under `checkpoint`), `total_entries`, `next_after` (the `after` for the next page, or `null`). Authority: the Ministry keys, every grant and the signing policies in force. Feed: `records` (index, event_type, leaf_hash, record in base64), `next_after` and `more`. Missing values are `null`, never zero; decimals are strings with one decimal (`\"8.0\"`).",
        },
        "IdentityRecord": identity_record(),
        "IdentityRow": {
            "type": "object",
            "description": "A row of the identity register (docs/IDENTITY.md section 6).",
            "required": ["learner", "identity", "commitment", "commitment_index", "in_force", "stored_at_us", "stored_by"],
            "properties": {
                "learner": learner_code(),
                "identity": schema_ref("IdentityRecord"),
                "commitment": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "The record's identity commitment: BLAKE3 of its canonical encoding, lowercase hex (docs/IDENTITY.md section 2)."},
                "commitment_index": uint("The log index of the event (`learner.registered` or `identity.corrected`) whose commitment the record matched when it was stored."),
                "in_force": {"type": "boolean", "description": "Whether that commitment is still the learner's commitment in force: false after an `identity.corrected` until the corrected record is stored."},
                "stored_at_us": uint("When the row was stored, microseconds since the Unix epoch."),
                "stored_by": base64_32("The public key that stored it, standard base64."),
            },
        },
        "ErasureNote": {
            "type": "object",
            "description": "What the register keeps of an erased row: no personal data (docs/IDENTITY.md section 4).",
            "required": ["learner", "erased", "erased_at_us", "erased_by", "reason", "commitment_index"],
            "properties": {
                "learner": learner_code(),
                "erased": {"const": true, "description": "Always true."},
                "erased_at_us": uint("When the data was erased, microseconds since the Unix epoch."),
                "erased_by": base64_32("The public key that erased it, standard base64."),
                "reason": {"type": "string", "minLength": 1, "maxLength": ERASURE_REASON_SIZE_MAX, "description": "Why, as given in the request (the legal ground or the request's reference)."},
                "commitment_index": uint("The log index of the commitment in force at the erasure: only data for a commitment appended after it may be stored again."),
            },
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details with the stable `code` (docs/ERRORS.md). Served as `application/problem+json`.",
            "required": ["type", "title", "status", "detail", "code"],
            "properties": {
                "type": {"type": "string", "pattern": format!("^{PROBLEM_TYPE_PREFIX}[a-z0-9]+(-[a-z0-9]+)*$"), "description": format!("`{PROBLEM_TYPE_PREFIX}` followed by the code: a name, not a web address.")},
                "title": {"type": "string", "description": "A short title, Vietnamese then English, the same for every problem of a code."},
                "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status, repeated."},
                "detail": {"type": "string", "description": "What is wrong in this request, naming the field and the rule. For `internal`, a fixed sentence."},
                "code": {"type": "string", "pattern": problem_code_pattern, "description": "The stable code, the last part of `type`. Codes are never reused or renamed."},
                "index": uint("Only where one record is in the way (`idempotency-conflict`): its log index. Absent otherwise."),
            },
        },
    })
}

fn security_schemes() -> Value {
    let how = "hocba request signature v1, a profile of RFC 9421 with Ed25519 (docs/AUTH.md): \
               the signature covers `@method`, `@path`, `@query` (and `content-digest` with a \
               body), `created` within 300 seconds of the node's clock, `keyid` the base64 \
               public key. Send both `Signature-Input` and `Signature`.";
    json!({
        "signatureInput": {
            "type": "apiKey", "in": "header", "name": "Signature-Input",
            "description": format!("`hocba=(\"@method\" \"@path\" \"@query\");created=UNIX;keyid=\"BASE64\";alg=\"ed25519\"`. {how}"),
        },
        "signature": {
            "type": "apiKey", "in": "header", "name": "Signature",
            "description": format!("`hocba=:BASE64 OF THE 64-BYTE SIGNATURE:`. {how}"),
        },
    })
}

// ----- Responses -----------------------------------------------------------------------------

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn ok(description: &str, schema_name: &str) -> Value {
    json!({"description": description, "content": json_content(schema_ref(schema_name))})
}

/// A problem response listing `codes` with their titles.
fn problem(status: u16, codes: &[&str], when: &str) -> Value {
    let mut description = format!("{when} Codes (docs/ERRORS.md):");
    for code in codes {
        description.push_str(&format!("\n- `{code}`: {}", title_of(code)));
    }
    let mut response = json!({
        "description": description,
        "content": {"application/problem+json": {"schema": schema_ref("Problem")}},
        "x-problem-codes": codes,
    });
    let mut headers = Map::new();
    if status == 503 {
        headers.insert(
            "Retry-After".to_owned(),
            json!({"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0}}),
        );
    }
    if status == 401 {
        headers.insert(
            "Accept-Signature".to_owned(),
            json!({"description": "What to sign (RFC 9421 section 5.1): `hocba=(\"@method\" \"@path\" \"@query\");created;alg=\"ed25519\"`.", "schema": {"type": "string"}}),
        );
    }
    if !headers.is_empty() {
        response["headers"] = Value::Object(headers);
    }
    response
}

fn internal() -> Value {
    problem(
        500,
        &["internal"],
        "The node failed; the detail stays in the node's log.",
    )
}

/// The responses of a projection read: `Reflected`, or the refusals of a read.
fn read_responses(not_found: &[&str], bad_query: &[&str]) -> Value {
    json!({
        "200": ok("The answer, proven under the signed checkpoint it names.", "Reflected"),
        "400": problem(400, bad_query, "A path or query parameter is malformed; the detail names it."),
        "401": problem(401, &AUTH_CODES, "The request is not signed, its signature does not verify, or its key holds no grant on this log (docs/AUTH.md)."),
        "403": problem(403, &["read-forbidden"], "The key's live grants do not cover this data."),
        "404": problem(404, not_found, "What was asked for is not in the log, or this node runs the open policy and keeps no projections (`not-found`)."),
        "500": internal(),
        "503": problem(503, &["checkpoint-pending"], "No signed checkpoint covers the answer yet; retry in a second."),
    })
}

// ----- Parameters ----------------------------------------------------------------------------

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn query_param(name: &str, required: bool, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

fn page_params() -> Vec<Value> {
    vec![
        query_param(
            "after",
            false,
            "Only entries with a larger log index: the `next_after` of the previous page.",
            json!({"type": "integer", "minimum": 0, "maximum": U64_MAX}),
        ),
        query_param(
            "limit",
            false,
            &format!("At most this many entries, 1 to {AUDIT_PAGE_MAX} (the default)."),
            json!({"type": "integer", "minimum": 1, "maximum": AUDIT_PAGE_MAX}),
        ),
    ]
}

fn signed() -> Value {
    json!([{"signatureInput": [], "signature": []}])
}

/// A signed projection read.
fn read(
    operation_id: &str,
    summary: &str,
    description: &str,
    parameters: Vec<Value>,
    responses: Value,
) -> Value {
    json!({
        "get": {
            "operationId": operation_id,
            "tags": ["reads"],
            "summary": summary,
            "description": format!("{description} Needs a request signed by an enrolled key (docs/AUTH.md); what the key may read follows its grants on the log at the answer's position."),
            "security": signed(),
            "parameters": parameters,
            "responses": responses,
        }
    })
}

// ----- Paths ---------------------------------------------------------------------------------

fn paths() -> Value {
    let mut paths = Map::new();
    let mut add = |path: &str, item: Value| {
        paths.insert(path.to_owned(), item);
    };
    log_paths(&mut add);
    submission_paths(&mut add);
    proof_paths(&mut add);
    learner_paths(&mut add);
    class_paths(&mut add);
    other_read_paths(&mut add);
    identity_paths(&mut add);
    node_paths(&mut add);
    Value::Object(paths)
}

fn tile_index() -> Value {
    path_param(
        "N",
        "The tile index as c2sp.org/tlog-tiles spells it: groups of three digits, all but the last prefixed with `x` (`x001/x234/067`), no leading `x000/`; a partial tile adds `.p/W` with the width W from 1 to 255. Sent with literal slashes by tlog-tiles clients; the node also accepts them percent-encoded (`%2F`). A malformed or non-canonical index is `404`.",
        json!({
            "type": "string",
            "pattern": "^(x[0-9]{3}/)*[0-9]{3}(\\.p/([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))?$",
            "examples": ["000"],
        }),
    )
}

fn log_paths(add: &mut impl FnMut(&str, Value)) {
    add(
        "/log/checkpoint",
        json!({"get": {
            "operationId": "getCheckpoint",
            "tags": ["log"],
            "summary": "The newest signed checkpoint",
            "description": "A c2sp.org/tlog-checkpoint signed note: origin, tree size and root hash, then the signatures. Public, `Cache-Control: no-store`.",
            "responses": {
                "200": {"description": "The signed note.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                "500": internal(),
                "503": problem(503, &["log-unavailable"], "No checkpoint has been signed yet."),
            },
        }}),
    );
    let tile_responses = |what: &str| {
        json!({
            "200": {"description": format!("The {what}. A full one never changes (`Cache-Control: public, max-age=31536000, immutable`); a partial one is replaced as the tree grows (`no-cache`)."), "content": {"application/octet-stream": {}}},
            "404": problem(404, &["not-found"], "The path is malformed, or the tile is beyond the newest checkpoint."),
            "500": internal(),
        })
    };
    add(
        "/log/tile/{L}/{N}",
        json!({"get": {
            "operationId": "getTile",
            "tags": ["log"],
            "summary": "A hash tile",
            "description": "A hash tile of c2sp.org/tlog-tiles: up to 256 consecutive hashes of level `L`. Public.",
            "parameters": [
                path_param("L", "The tile level, 0 to 63 (levels above 7 name nothing in a tree below 2^64 leaves).", json!({"type": "integer", "minimum": 0, "maximum": 63, "examples": [0]})),
                tile_index(),
            ],
            "responses": tile_responses("hash tile: 32-byte hashes, concatenated"),
        }}),
    );
    add(
        "/log/tile/entries/{N}",
        json!({"get": {
            "operationId": "getEntryBundle",
            "tags": ["log"],
            "summary": "An entry bundle",
            "description": "An entry bundle of c2sp.org/tlog-tiles: up to 256 consecutive records, each a big-endian 16-bit length and the record bytes. Public.",
            "parameters": [tile_index()],
            "responses": tile_responses("entry bundle"),
        }}),
    );
}

fn submission_paths(add: &mut impl FnMut(&str, Value)) {
    let example = json!({
        "body": {
            "author": "PEzDFUDfZ3zdnzjEuhLG/3myuXCkVhqMG+tKOGOxxLo=",
            "claimed_at": 1_725_148_799_512_u64,
            "event_type": "student.enrolled",
            "idempotency_id": "79000701:2024-2025:enrol:000001",
            "payload": {"class": "10A1", "school_code": "79000701", "school_year": "2024-2025", "student_id": "7900070100001"},
            "schema_version": 1,
            "v": 1,
        },
        "signature": "ejFkm/+R/5m6zWdqUBOTKTpUva+hbf51vTjjmfg3uPRj0UFzzAKpgWkPHTG7UgE+SIiY7IhR4CVKaWjWjRX2DA==",
    });
    let mut conflict_codes = vec!["idempotency-conflict"];
    conflict_codes.extend(domain_codes(409));
    let unavailable = ["log-unavailable", "log-read-only", "sequencer-busy"];
    add(
        "/v1/submissions",
        json!({"post": {
            "operationId": "submit",
            "tags": ["submissions"],
            "summary": "Append one signed submission",
            "description": format!("Appends one signed submission and answers once it is durable in the log. Resending the same envelope (same author, idempotency id and body) is harmless: it answers `200` with the original receipt. The body is not request-signed: the submission carries its own signature. At most {REQUEST_BODY_SIZE_MAX} bytes are read."),
            "requestBody": {
                "required": true,
                "content": {"application/json": {"schema": schema_ref("SignedSubmission"), "example": example}},
            },
            "responses": {
                "201": ok("Appended: the record is durable.", "Receipt"),
                "200": ok("A retry: the submission was already in the log (`duplicate` is true).", "Receipt"),
                "400": problem(400, &SUBMISSION_FORMAT_CODES, "The envelope or body breaks the format (docs/FORMAT.md)."),
                "403": problem(403, &domain_codes(403), "The signer lacks the authority (phân quyền) for this event."),
                "409": problem(409, &conflict_codes, "The event conflicts with the record's state, or the idempotency id was used for other content (`index` names that record)."),
                "413": problem(413, &["record-too-large", "request-too-large"], "The envelope, body or request is too large."),
                "422": problem(422, &domain_codes(422), "The event is well formed but its content breaks a rule."),
                "500": internal(),
                "503": problem(503, &unavailable, "The node cannot take appends now; retry after `Retry-After` seconds (`log-read-only`: never on this node)."),
            },
        }}),
    );
    add(
        "/v1/submissions/batch",
        json!({"post": {
            "operationId": "submitBatch",
            "tags": ["submissions"],
            "summary": "Append several signed submissions in order",
            "description": format!("Appends 1 to {BATCH_EVENTS_MAX} envelopes in their order, each judged alone after the ones before it, and answers once every accepted one is durable. Each item carries the status it would have had alone and its receipt or problem, with the codes of `POST /v1/submissions`. At most {BATCH_BODY_SIZE_MAX} bytes are read."),
            "requestBody": {
                "required": true,
                "content": {"application/json": {"schema": schema_ref("BatchRequest"), "example": {"submissions": [example]}}},
            },
            "responses": {
                "200": ok("One answer per submission, in the request's order.", "BatchAnswer"),
                "400": problem(400, &["batch-invalid"], format!("The body is not `{{\"submissions\": [envelope, ...]}}` with 1 to {BATCH_EVENTS_MAX} elements.").as_str()),
                "413": problem(413, &["request-too-large"], "The body is too large."),
            },
        }}),
    );
}

fn proof_paths(add: &mut impl FnMut(&str, Value)) {
    add(
        "/v1/records/{index}",
        json!({"get": {
            "operationId": "getRecord",
            "tags": ["proofs"],
            "summary": "A record with its inclusion proof",
            "parameters": [path_param("index", "The record's index in the log.", json!({"type": "integer", "minimum": 0, "maximum": U64_MAX, "examples": [0]}))],
            "responses": {
                "200": ok("The record, and its proof once a checkpoint covers it.", "RecordWithProof"),
                "404": problem(404, &["not-found"], "No record at this index (or the index is not a number)."),
                "500": internal(),
            },
        }}),
    );
    let size = |name: &str, what: &str| {
        query_param(
            name,
            true,
            what,
            json!({"type": "integer", "minimum": 0, "maximum": U64_MAX, "examples": [1]}),
        )
    };
    add(
        "/v1/proofs/consistency",
        json!({"get": {
            "operationId": "getConsistencyProof",
            "tags": ["proofs"],
            "summary": "A consistency proof between two tree sizes",
            "parameters": [size("from", "The older tree size."), size("to", "The newer tree size, at most the newest checkpoint's.")],
            "responses": {
                "200": ok("The proof.", "ConsistencyProof"),
                "400": problem(400, &["proof-range-invalid"], "Not `from ≤ to ≤` the newest checkpoint's size, or a size is missing or not a number."),
                "500": internal(),
            },
        }}),
    );
}

fn learner_paths(add: &mut impl FnMut(&str, Value)) {
    let learner = || path_param("learner", "The learner's code.", learner_code());
    add(
        "/v1/learners/{learner}/transcript",
        read(
            "getTranscript",
            "A learner's transcript (học bạ)",
            "The learner's transcript across school years and schools, with results computed under the TT 22 rules (docs/PROJECTIONS.md).",
            vec![learner()],
            read_responses(&["learner-unknown", "not-found"], &["query-invalid"]),
        ),
    );
    let mut params = vec![learner()];
    params.extend(page_params());
    add(
        "/v1/learners/{learner}/audit",
        read(
            "getLearnerAudit",
            "A learner's audit trail",
            "Every event naming the learner, each with its inclusion proof, oldest first, paged.",
            params,
            read_responses(&["not-found"], &["query-invalid"]),
        ),
    );
    let mut params = vec![
        learner(),
        path_param("school_year", "The school year.", school_year()),
        path_param("subject", "The subject.", subject_code()),
    ];
    params.extend(page_params());
    add(
        "/v1/learners/{learner}/years/{school_year}/subjects/{subject}/audit",
        read(
            "getGradeAudit",
            "The audit trail of one learner's grade in a subject and school year",
            "Recordings, corrections, confirmations, seals, sign-offs and re-assessments of that grade, each with its inclusion proof, paged.",
            params,
            read_responses(&["not-found"], &["query-invalid"]),
        ),
    );
}

fn class_params() -> Vec<Value> {
    vec![
        path_param("school", "The school's unit code.", unit_code()),
        path_param("school_year", "The school year.", school_year()),
        path_param("class", "The class name.", class_name()),
    ]
}

fn class_paths(add: &mut impl FnMut(&str, Value)) {
    let mut params = class_params();
    params.push(query_param("subject", true, "The subject.", subject_code()));
    params.push(query_param(
        "semester",
        true,
        "Học kỳ / semester: 1 or 2.",
        json!({"type": "integer", "enum": [1, 2], "examples": [1]}),
    ));
    add(
        "/v1/schools/{school}/years/{school_year}/classes/{class}/gradebook",
        read(
            "getGradebook",
            "A class's gradebook (sổ điểm) for one subject and semester",
            "One row per learner ever enrolled in the class, with the semester's assessments in force and the result.",
            params,
            read_responses(&["class-unknown", "not-found"], &["query-invalid"]),
        ),
    );
    let mut params = class_params();
    params.extend(page_params());
    add(
        "/v1/schools/{school}/years/{school_year}/classes/{class}/audit",
        read(
            "getClassAudit",
            "A class's audit trail",
            "The class's opening, assignments, enrolments, transfers, values, corrections, confirmations, signatures and seals, each with its inclusion proof, paged.",
            params,
            read_responses(&["not-found"], &["query-invalid"]),
        ),
    );
}

fn other_read_paths(add: &mut impl FnMut(&str, Value)) {
    let mut params = vec![path_param("key", "The key.", public_key_text())];
    params.extend(page_params());
    add(
        "/v1/keys/{key}/audit",
        read(
            "getKeyAudit",
            "A key's audit trail",
            "Every event the key signed, and the grants, revocations and assignments naming it, each with its inclusion proof, paged.",
            params,
            read_responses(&["not-found"], &["query-invalid"]),
        ),
    );
    add(
        "/v1/authority",
        read(
            "getAuthority",
            "Authority state (phân quyền)",
            "The Ministry keys and the grants: all of them, those scoped exactly to `unit`, or those held by `key` (give at most one of the two).",
            vec![
                query_param("unit", false, "Only the grants scoped to this unit.", unit_code()),
                query_param("key", false, "Only the grants held by this key.", public_key_text()),
            ],
            read_responses(&["not-found"], &["query-invalid"]),
        ),
    );
    add(
        "/v1/units/{unit}",
        json!({"get": {
            "operationId": "getUnit",
            "tags": ["reads"],
            "summary": "A unit's history (đơn vị hành chính, trường)",
            "description": "A province, commune, school or GDTX centre as the log recorded it: every name with the log index from which it applied, its parent, the unit it was merged into and the custodian of its records now (the last successor along its merges), the units merged into it, and the units that belong to it. Public: units are public facts and the answer holds no personal data; a signature, if sent, must verify.",
            "parameters": [path_param("unit", "The unit's permanent code.", unit_code())],
            "responses": {
                "200": ok("The answer, proven under the signed checkpoint it names.", "Reflected"),
                "400": problem(400, &["query-invalid"], "The unit code is malformed; the detail says why."),
                "401": problem(401, &AUTH_CODES, "A signature was sent and does not verify (docs/AUTH.md)."),
                "404": problem(404, &["unit-unknown", "not-found"], "No unit with this code in the log, or this node runs the open policy and keeps no projections (`not-found`)."),
                "500": internal(),
                "503": problem(503, &["checkpoint-pending"], "No signed checkpoint covers the answer yet; retry in a second."),
            },
        }}),
    );
    add(
        "/v1/feed",
        read(
            "getFeed",
            "The change feed",
            &format!("The records a vendor follows to rebuild its own copy: those after the cursor `after` that the newest checkpoint covers, at most `limit` (1 to {FEED_PAGE_MAX}, the default), each with its bytes and leaf hash. Filter by at most one of: `school`; `school` + `school_year` + `class`; `learner`. Continue from `next_after` while `more` is true."),
            vec![
                query_param("after", false, "Only records with a larger index: the `next_after` of the previous page.", json!({"type": "integer", "minimum": 0, "maximum": U64_MAX})),
                query_param("limit", false, &format!("At most this many records, 1 to {FEED_PAGE_MAX}."), json!({"type": "integer", "minimum": 1, "maximum": FEED_PAGE_MAX})),
                query_param("school", false, "Only this school's records (alone, or with `school_year` and `class`).", unit_code()),
                query_param("school_year", false, "With `school` and `class`: only this class's records.", school_year()),
                query_param("class", false, "With `school` and `school_year`: only this class's records.", class_name()),
                query_param("learner", false, "Only this learner's records (alone).", learner_code()),
            ],
            read_responses(&["not-found"], &["query-invalid", "cursor-invalid"]),
        ),
    );
}

fn node_paths(add: &mut impl FnMut(&str, Value)) {
    add(
        "/healthz",
        json!({"get": {
            "operationId": "getHealth",
            "tags": ["node"],
            "summary": "Readiness and sizes",
            "responses": {
                "200": ok("The log is open and accepting appends.", "Health"),
                "503": ok("The log stopped after a storage error and accepts no appends (`ready` is false).", "Health"),
            },
        }}),
    );
    add(
        "/metrics",
        json!({"get": {
            "operationId": "getMetrics",
            "tags": ["node"],
            "summary": "Prometheus metrics",
            "description": "The node's counters and gauges in the Prometheus text exposition format (version 0.0.4).",
            "responses": {
                "200": {"description": "The metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
            },
        }}),
    );
    add(
        "/openapi.json",
        json!({"get": {
            "operationId": "getOpenApi",
            "tags": ["node"],
            "summary": "This document",
            "responses": {
                "200": {"description": "The OpenAPI 3.1 document of this API.", "content": json_content(json!({"type": "object"}))},
            },
        }}),
    );
}

fn identity_paths(add: &mut impl FnMut(&str, Value)) {
    // The example is the demo's first learner, with the identity record the demo's log commits
    // to (fixtures/vectors/identity/identities.json, the first vector).
    let mut learner_schema = learner_code();
    learner_schema["examples"] = json!(["7901000100001"]);
    let learner = path_param(
        "learner",
        "The learner's code; a `PUT` body's `learner` must be the same.",
        learner_schema,
    );
    let example = json!({
        "learner": "7901000100001",
        "full_name": "Đỗ Khánh Hạnh",
        "gender": "female",
        "date_of_birth": "2011-12-11",
        "personal_id": "074311617118",
        "father": "Đỗ Văn Cường",
        "mother": "Nguyễn Minh Mai",
        "salt": "823c3496e909cb37b2d3b4588267cf74a315f424ed808b3c2e582edc3dffe47d",
    });
    let unauthenticated = || {
        problem(401, &AUTH_CODES, "The request is not signed, its signature (or a body's `Content-Digest`) does not verify, or its key holds no grant on this log (docs/AUTH.md).")
    };
    let forbidden = || {
        problem(403, &["read-forbidden"], "The key may not do this with identity data (docs/IDENTITY.md section 5); checked before any lookup, so it reveals nothing.")
    };
    let invalid = |what: &str| problem(422, &["identity-invalid"], what);
    let held = |when: &str| {
        problem(
            404,
            &["identity-unknown-learner", "identity-not-found"],
            &format!("The learner is not registered on the log (only the Ministry is told so; others get `403`), or the register {when}."),
        )
    };
    let signed_note = "Needs a request signed by a key allowed to handle the learner's identity (docs/AUTH.md; docs/IDENTITY.md section 5).";
    add(
        "/v1/identities/{learner}",
        json!({
            "put": {
                "operationId": "putIdentity",
                "tags": ["identities"],
                "summary": "Store a learner's identity record",
                "description": format!("Stores the record, replacing the learner's earlier row, once its commitment is the learner's commitment in force on the log and a signed checkpoint covers the event that set it; answers once the row is durable. The request is signed **with its body**: send `Content-Digest` (RFC 9530, SHA-256 of the exact bytes sent) and cover `\"content-digest\"` in the signature. At most {IDENTITY_BODY_SIZE_MAX} bytes. School office keys with a grant without a school year only. {signed_note}"),
                "security": signed(),
                "parameters": [learner.clone()],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": schema_ref("IdentityRecord"), "example": example}},
                },
                "responses": {
                    "200": ok("Stored and durable: the row.", "IdentityRow"),
                    "401": unauthenticated(),
                    "403": forbidden(),
                    "404": problem(404, &["identity-unknown-learner"], "The learner is not registered on the log."),
                    "409": problem(409, &["identity-commitment-mismatch", "identity-erased"], "The record's commitment is not the learner's commitment in force (the detail gives both), or the learner's data was erased and no new commitment was appended since."),
                    "413": problem(413, &["request-too-large"], &format!("The body exceeds {IDENTITY_BODY_SIZE_MAX} bytes.")),
                    "422": invalid("The body is not JSON or breaks a rule of the record (the detail names the field), its `learner` is not the path's, or the path's learner code is malformed."),
                    "500": internal(),
                    "503": problem(503, &["checkpoint-pending"], "No signed checkpoint covers the event that set the commitment yet; retry in a second."),
                },
            },
            "get": {
                "operationId": "getIdentity",
                "tags": ["identities"],
                "summary": "Read a learner's identity record",
                "description": format!("The row the register holds for the learner, with `in_force`: whether its commitment is still the one in force on the log. {signed_note}"),
                "security": signed(),
                "parameters": [learner.clone()],
                "responses": {
                    "200": ok("The row.", "IdentityRow"),
                    "401": unauthenticated(),
                    "403": forbidden(),
                    "404": held("never stored data for the learner"),
                    "410": problem(410, &["identity-erased"], "The learner's data was erased; the detail gives when and by which key."),
                    "422": invalid("The path's learner code is malformed."),
                    "500": internal(),
                },
            },
            "delete": {
                "operationId": "eraseIdentity",
                "tags": ["identities"],
                "summary": "Erase a learner's identity record",
                "description": format!("Erases the learner's row, data and salt, and keeps an erasure note; answers once the erasure is durable. The log is unchanged and every proof still holds. School office keys with a grant without a school year only. {signed_note}"),
                "security": signed(),
                "parameters": [
                    learner,
                    query_param("reason", true, &format!("Why the data is erased: the legal ground or the request's reference, never personal data. Percent-encoded UTF-8 (`+` is a space), 1 to {ERASURE_REASON_SIZE_MAX} bytes once trimmed, no control character."), json!({"type": "string", "minLength": 1, "maxLength": ERASURE_REASON_SIZE_MAX, "examples": ["Đơn đề nghị xóa dữ liệu số 12/2026"]})),
                ],
                "responses": {
                    "200": ok("Erased and durable: the erasure note.", "ErasureNote"),
                    "401": unauthenticated(),
                    "403": forbidden(),
                    "404": held("holds no data for the learner"),
                    "410": problem(410, &["identity-erased"], "The learner's data was erased already; the detail gives when and by which key."),
                    "422": invalid("`reason` is missing, empty, too long, not percent-encoded UTF-8 or holds a control character, or the path's learner code is malformed."),
                    "500": internal(),
                },
            },
        }),
    );
}
