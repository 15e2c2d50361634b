//! The OpenAPI document against the code it describes.
//!
//! - `docs/openapi.json` is exactly `ledger_api::openapi::document()`, pretty-printed
//!   (`HOCBA_REGENERATE_OPENAPI=1 cargo test -p ledger-api --test openapi` rewrites it).
//! - Real values of the wire types, built from the format vectors and a signed checkpoint,
//!   conform to the component schemas, and the schemas declare every member they serialize.
//! - Every documented operation, called on the router over loopback with a fake service that
//!   succeeds and one that refuses, answers a documented status with a body that conforms, and
//!   each problem's code is one its response lists. The identity routes are merged in with a
//!   fake register answering by learner code, and called with signed requests until every
//!   status they document was answered.
//!
//! The schemas are checked by [`Checker`], a focused JSON Schema checker for the keywords the
//! document uses (types, required and declared members, ranges, lengths, items, `oneOf`, `not`,
//! `const`, `enum`, `$ref`). It does not evaluate `pattern`: a regular expression engine would
//! be the only reason for a heavy dependency, and `scripts/check-openapi` validates every
//! pattern against a running node with schemathesis. It refuses any keyword it does not know,
//! so the document cannot outgrow it unnoticed.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use ledger_api::error::status_of_domain_code as domain_status;
use ledger_api::error::{title_of, ApiError, Problem, API_CODES, PROBLEM_TYPE_PREFIX};
use ledger_api::httpsig::RequestSigner;
use ledger_api::identity::{ErasureNote, IdentityService, StoredIdentity};
use ledger_api::openapi::{document, AUTH_CODES};
use ledger_api::service::{BoxFuture, LedgerService, ReadQuery};
use ledger_api::wire::{
    BatchAnswer, BatchItem, CheckpointRef, ConsistencyProof, Health, Receipt, RecordWithProof,
    Reflected,
};
use ledger_core::checkpoint::{Checkpoint, Origin};
use ledger_core::domain::value::LearnerCode;
use ledger_core::domain::DomainError;
use ledger_core::identity::Identity;
use ledger_core::key::PublicKey;
use ledger_core::note::{KeyName, NoteSigner};
use ledger_core::proof::TlogProof;
use ledger_core::record::SignedSubmission;
use ledger_core::tile::TilePath;
use ledger_core::tree::{self, Hash, MemoryTree};
use serde_json::{json, Value};

// ----- The checked-in copy -------------------------------------------------------------------

fn checked_in_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

fn rendered() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("the document serializes");
    text.push('\n');
    text
}

/// The checked-in document is the one the code builds, so vendors read what the node serves.
#[test]
fn checked_in_document_is_the_generated_one() {
    let expected = rendered();
    if std::env::var("HOCBA_REGENERATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(checked_in_path(), &expected).expect("write docs/openapi.json");
        return;
    }
    let actual = std::fs::read_to_string(checked_in_path()).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/openapi.json differs from ledger_api::openapi::document(); when the change is \
         intended, run HOCBA_REGENERATE_OPENAPI=1 cargo test -p ledger-api --test openapi"
    );
}

// ----- A focused JSON Schema checker ---------------------------------------------------------

/// Keywords that only annotate.
const ANNOTATIONS: [&str; 5] = [
    "description",
    "examples",
    "title",
    "contentEncoding",
    "pattern",
];

struct Checker<'a> {
    document: &'a Value,
}

impl Checker<'_> {
    fn errors(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn component(&self, name: &str) -> &Value {
        let schema = &self.document["components"]["schemas"][name];
        assert!(schema.is_object(), "no schema {name}");
        schema
    }

    #[allow(clippy::too_many_lines)]
    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(schema) = schema.as_object() else {
            panic!("{at}: a schema must be an object, got {schema}");
        };
        for (keyword, argument) in schema {
            match keyword.as_str() {
                "$ref" => {
                    let name = argument
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .unwrap_or_else(|| panic!("{at}: unsupported $ref {argument}"));
                    self.check(self.component(name), value, at, errors);
                }
                "type" => {
                    let types: Vec<&str> = match argument {
                        Value::String(one) => vec![one.as_str()],
                        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                        _ => panic!("{at}: bad type {argument}"),
                    };
                    if !types.iter().any(|t| has_type(value, t)) {
                        errors.push(format!("{at}: {value} is not of type {argument}"));
                    }
                }
                "const" => {
                    if value != argument {
                        errors.push(format!("{at}: {value} is not {argument}"));
                    }
                }
                "enum" => {
                    let allowed = argument.as_array().expect("enum is an array");
                    if !allowed.contains(value) {
                        errors.push(format!("{at}: {value} is not one of {argument}"));
                    }
                }
                "minimum" | "maximum" => {
                    if value.is_number() {
                        let below = compare(value, argument) == std::cmp::Ordering::Less;
                        let above = compare(value, argument) == std::cmp::Ordering::Greater;
                        if (keyword == "minimum" && below) || (keyword == "maximum" && above) {
                            errors.push(format!("{at}: {value} breaks {keyword} {argument}"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(text) = value.as_str() {
                        let length = text.chars().count() as u64;
                        let bound = argument.as_u64().expect("a length is an integer");
                        if (keyword == "minLength" && length < bound)
                            || (keyword == "maxLength" && length > bound)
                        {
                            errors.push(format!("{at}: length {length} breaks {keyword} {bound}"));
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = value.as_array() {
                        let count = items.len() as u64;
                        let bound = argument.as_u64().expect("a count is an integer");
                        if (keyword == "minItems" && count < bound)
                            || (keyword == "maxItems" && count > bound)
                        {
                            errors.push(format!("{at}: {count} items break {keyword} {bound}"));
                        }
                    }
                }
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(argument, item, &format!("{at}[{i}]"), errors);
                        }
                    }
                }
                "required" => {
                    if let Some(object) = value.as_object() {
                        for name in argument.as_array().expect("required is an array") {
                            let name = name.as_str().expect("a required name is a string");
                            if !object.contains_key(name) {
                                errors.push(format!("{at}: member {name} is missing"));
                            }
                        }
                    }
                }
                "properties" => {
                    let declared = argument.as_object().expect("properties is an object");
                    if let Some(object) = value.as_object() {
                        for (name, member) in object {
                            match declared.get(name) {
                                Some(property) => {
                                    self.check(property, member, &format!("{at}.{name}"), errors);
                                }
                                // Stricter than JSON Schema on purpose: a member the code
                                // serializes must be documented, even where the document lets
                                // clients expect more later.
                                None if !schema.contains_key("additionalProperties") => {
                                    errors.push(format!("{at}: member {name} is not declared"));
                                }
                                None => {}
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    let declared = schema.get("properties").and_then(Value::as_object);
                    if let Some(object) = value.as_object() {
                        for (name, member) in object {
                            if declared.is_some_and(|declared| declared.contains_key(name)) {
                                continue;
                            }
                            match argument {
                                Value::Bool(false) => {
                                    errors.push(format!("{at}: member {name} is not allowed"));
                                }
                                Value::Bool(true) => {}
                                other => self.check(other, member, &format!("{at}.{name}"), errors),
                            }
                        }
                    }
                }
                "oneOf" => {
                    let passing = argument
                        .as_array()
                        .expect("oneOf is an array")
                        .iter()
                        .filter(|option| self.errors(option, value).is_empty())
                        .count();
                    if passing != 1 {
                        errors.push(format!("{at}: {passing} options of oneOf match, not 1"));
                    }
                }
                "not" => {
                    if self.errors(argument, value).is_empty() {
                        errors.push(format!("{at}: matches a schema it must not match"));
                    }
                }
                other if ANNOTATIONS.contains(&other) => {}
                other => panic!("{at}: the checker does not know the keyword {other}"),
            }
        }
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_u64() || value.is_i64(),
        other => panic!("unknown type {other}"),
    }
}

fn compare(value: &Value, bound: &Value) -> std::cmp::Ordering {
    match (
        value.as_u64(),
        bound.as_u64(),
        value.as_i64(),
        bound.as_i64(),
    ) {
        (Some(a), Some(b), _, _) => a.cmp(&b),
        (_, _, Some(a), Some(b)) => a.cmp(&b),
        _ => {
            let (a, b) = (value.as_f64().unwrap(), bound.as_f64().unwrap());
            a.partial_cmp(&b).expect("finite numbers")
        }
    }
}

fn assert_conforms(document: &Value, name: &str, value: &Value) {
    let checker = Checker { document };
    let errors = checker.errors(
        &json!({"$ref": format!("#/components/schemas/{name}")}),
        value,
    );
    assert!(
        errors.is_empty(),
        "{name} does not conform to its schema: {errors:#?}\nvalue: {value:#}"
    );
}

fn assert_refused(document: &Value, name: &str, value: &Value) {
    let checker = Checker { document };
    let errors = checker.errors(
        &json!({"$ref": format!("#/components/schemas/{name}")}),
        value,
    );
    assert!(
        !errors.is_empty(),
        "{name} accepted a wrong value: {value:#}"
    );
}

// ----- Real values ---------------------------------------------------------------------------

/// A small log made of the format vectors' records, with a signed checkpoint.
struct Sample {
    records: Vec<Vec<u8>>,
    tree: MemoryTree,
    note: String,
    origin: String,
}

fn sample() -> Sample {
    let records: Vec<Vec<u8>> = fixtures::format_vectors::submissions()
        .cases
        .iter()
        .map(|case| fixtures::hex::decode(&case.record.bytes_hex).expect("record hex"))
        .collect();
    assert!(records.len() >= 3, "the vectors hold a few records");
    let mut tree = MemoryTree::new();
    for record in &records {
        tree.append(tree::leaf_hash(record));
    }
    let origin = "example.hocba.vn/test-log".to_owned();
    let signer = NoteSigner::new(
        KeyName::new(origin.clone()).expect("key name"),
        fixtures::keys::signing_key("openapi-test-log"),
    );
    let note = Checkpoint::new(
        Origin::new(origin.clone()).expect("origin"),
        tree.size(),
        tree.root(),
    )
    .sign(&signer)
    .expect("sign the checkpoint");
    Sample {
        records,
        tree,
        note,
        origin,
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Sample {
    fn receipt(&self, index: u64, duplicate: bool) -> Receipt {
        let record = &self.records[usize::try_from(index).unwrap()];
        Receipt {
            index,
            leaf_hash: tree::leaf_hash(record).to_base64(),
            record_id: ledger_core::record::record_id_hex(record),
            sequenced_at: 1_725_148_800_000_000 + index,
            duplicate,
        }
    }

    fn record(&self, index: u64, proven: bool) -> RecordWithProof {
        let record = &self.records[usize::try_from(index).unwrap()];
        let proof = proven.then(|| {
            TlogProof {
                index,
                extra: None,
                hashes: tree::inclusion_proof(index, self.tree.size(), &self.tree)
                    .expect("inclusion proof"),
                checkpoint: self.note.clone(),
            }
            .to_text()
        });
        RecordWithProof {
            index,
            record: base64(record),
            record_id: ledger_core::record::record_id_hex(record),
            leaf_hash: tree::leaf_hash(record).to_base64(),
            proof,
        }
    }

    fn consistency(&self, from: u64, to: u64) -> ConsistencyProof {
        ConsistencyProof {
            from,
            to,
            proof: tree::consistency_proof(from, to, &self.tree)
                .expect("consistency proof")
                .iter()
                .map(Hash::to_base64)
                .collect(),
        }
    }

    fn checkpoint_ref(&self) -> CheckpointRef {
        CheckpointRef {
            origin: self.origin.clone(),
            size: self.tree.size(),
            root: self.tree.root().to_base64(),
            note: self.note.clone(),
        }
    }

    /// A change-feed answer, shaped as the node builds it.
    fn feed(&self) -> Reflected {
        let records: Vec<Value> = self
            .records
            .iter()
            .enumerate()
            .map(|(index, record)| {
                json!({
                    "index": index,
                    "event_type": "student.enrolled",
                    "leaf_hash": tree::leaf_hash(record).to_base64(),
                    "record": base64(record),
                })
            })
            .collect();
        Reflected {
            checkpoint: self.checkpoint_ref(),
            as_of_size: self.tree.size(),
            data: json!({"records": records, "next_after": self.records.len() - 1, "more": false}),
        }
    }

    fn batch(&self) -> BatchAnswer {
        BatchAnswer {
            results: vec![
                BatchItem {
                    status: 201,
                    receipt: Some(self.receipt(0, false)),
                    problem: None,
                },
                BatchItem {
                    status: 200,
                    receipt: Some(self.receipt(1, true)),
                    problem: None,
                },
                BatchItem {
                    status: 409,
                    receipt: None,
                    problem: Some(idempotency_conflict(1).to_problem()),
                },
            ],
        }
    }
}

fn idempotency_conflict(index: u64) -> ApiError {
    ApiError::conflict(
        "idempotency-conflict",
        title_of("idempotency-conflict"),
        "this idempotency_id was already used for a different submission",
        index,
    )
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialize")
}

/// Real values of every wire type conform to their schemas, and values that break the types'
/// shape do not.
#[test]
fn wire_types_conform_to_the_schemas() {
    let document = document();
    let sample = sample();
    let size = sample.tree.size();

    assert_conforms(&document, "Receipt", &to_json(&sample.receipt(0, false)));
    assert_conforms(&document, "Receipt", &to_json(&sample.receipt(2, true)));
    assert_conforms(&document, "BatchAnswer", &to_json(&sample.batch()));
    assert_conforms(
        &document,
        "RecordWithProof",
        &to_json(&sample.record(1, true)),
    );
    assert_conforms(
        &document,
        "RecordWithProof",
        &to_json(&sample.record(2, false)),
    );
    for from in 0..=size {
        let proof = sample.consistency(from, size);
        assert_conforms(&document, "ConsistencyProof", &to_json(&proof));
    }
    assert_conforms(&document, "Reflected", &to_json(&sample.feed()));
    assert_conforms(
        &document,
        "CheckpointRef",
        &to_json(&sample.checkpoint_ref()),
    );
    for ready in [true, false] {
        let health = Health {
            ready,
            log_size: size,
            checkpoint_size: size - 1,
        };
        assert_conforms(&document, "Health", &to_json(&health));
    }
    for code in API_CODES.iter().chain(DomainError::CODES.iter()) {
        let status = ledger_api::error::status_of_api_code(code).unwrap_or(domain_status(code));
        let problem = ApiError::refused(code, title_of(code), "detail").with_status(status);
        assert_conforms(&document, "Problem", &to_json(&problem.to_problem()));
    }
    assert_conforms(
        &document,
        "Problem",
        &to_json(&idempotency_conflict(7).to_problem()),
    );
    assert_conforms(
        &document,
        "Problem",
        &to_json(&ApiError::internal("disk on fire").to_problem()),
    );

    // Every identity vector's input is an IdentityRecord, as is what the code writes back.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/vectors/identity/identities.json");
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("identity vectors"))
            .expect("identity vectors are JSON");
    for vector in vectors["vectors"].as_array().expect("vectors") {
        assert_conforms(&document, "IdentityRecord", &vector["input"]);
        let identity = Identity::from_json(&vector["input"]).expect("a valid identity");
        assert_conforms(&document, "IdentityRecord", &identity.to_json());
    }
    let mut extra = identity_record("7901000100009");
    extra["nickname"] = json!("Hạnh");
    assert_refused(&document, "IdentityRecord", &extra);
    let mut missing = identity_record("7901000100009");
    missing.as_object_mut().unwrap().remove("mother");
    assert_refused(&document, "IdentityRecord", &missing);

    // The envelope of every format vector is a SignedSubmission.
    for case in fixtures::format_vectors::submissions().cases {
        let envelope: Value = serde_json::from_str(&case.wire_json).expect("wire JSON");
        assert_conforms(&document, "SignedSubmission", &envelope);
    }

    // And the checker refuses what the types never produce.
    let mut receipt = to_json(&sample.receipt(0, false));
    receipt.as_object_mut().unwrap().remove("duplicate");
    assert_refused(&document, "Receipt", &receipt);
    let mut record = to_json(&sample.record(2, false));
    record["proof"] = json!(3);
    assert_refused(&document, "RecordWithProof", &record);
    let mut reflected = to_json(&sample.feed());
    reflected["checkpoint"]["size"] = json!(-1);
    assert_refused(&document, "Reflected", &reflected);
    let mut problem = to_json(&idempotency_conflict(7).to_problem());
    problem["undeclared"] = json!(true);
    assert_refused(&document, "Problem", &problem);
    let both = json!({"status": 201, "receipt": to_json(&sample.receipt(0, false)), "problem": to_json(&idempotency_conflict(7).to_problem())});
    assert_refused(&document, "BatchItem", &both);
    assert_refused(&document, "BatchItem", &json!({"status": 201}));
    let envelope = json!({"body": {"v": 2}, "signature": "AA=="});
    assert_refused(&document, "SignedSubmission", &envelope);
}

/// The problem responses list real codes, each with the status the code is sent with, and
/// every code of the API and the domain appears somewhere.
#[test]
fn problem_responses_list_the_codes_with_their_statuses() {
    let document = document();
    let known: BTreeSet<&str> = API_CODES
        .iter()
        .chain(DomainError::CODES.iter())
        .copied()
        .collect();
    let mut listed = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let Some(codes) = response.get("x-problem-codes") else {
                    continue;
                };
                let status: u16 = status.parse().unwrap();
                for code in codes.as_array().unwrap() {
                    let code = code.as_str().unwrap();
                    assert!(known.contains(code), "{method} {path}: unknown code {code}");
                    let description = response["description"].as_str().unwrap();
                    assert!(
                        description.contains(&format!("`{code}`: {}", title_of(code))),
                        "{method} {path} {status}: {code} is not described"
                    );
                    // A code of the domain is sent with the judge's status on appends; the
                    // API's own codes with theirs (`learner-unknown` is both).
                    let mut allowed = BTreeSet::new();
                    allowed.extend(ledger_api::error::status_of_api_code(code));
                    if DomainError::CODES.contains(&code) && path.starts_with("/v1/submissions") {
                        allowed.insert(domain_status(code));
                    }
                    // A put after an erasure conflicts with it (`409`); a read or an erasure of
                    // erased data is `410`, the status of the table.
                    if code == "identity-erased" && method == "put" {
                        allowed.insert(409);
                    }
                    assert!(
                        allowed.contains(&status),
                        "{method} {path}: {code} is sent as {allowed:?}, listed under {status}"
                    );
                    listed.insert(code);
                }
            }
        }
    }
    // `method-not-allowed` answers the methods no operation has, so no operation can list it.
    listed.insert("method-not-allowed");
    let missing: Vec<_> = known.difference(&listed).collect();
    assert!(missing.is_empty(), "codes no response lists: {missing:?}");
    for code in AUTH_CODES {
        assert_eq!(ledger_api::error::status_of_api_code(code), Some(401));
    }
}

// ----- The router against the document -------------------------------------------------------

/// A service answering every call from the sample log, or refusing every call.
struct Fake {
    sample: Sample,
    refuse: bool,
}

impl LedgerService for Fake {
    fn checkpoint(&self) -> Result<Vec<u8>, ApiError> {
        if self.refuse {
            return Err(ApiError::unavailable(
                "log-unavailable",
                "no checkpoint has been signed yet",
            ));
        }
        Ok(self.sample.note.clone().into_bytes())
    }

    fn tile(&self, path: &TilePath) -> Result<Vec<u8>, ApiError> {
        if self.refuse {
            return Err(ApiError::not_found(format!(
                "{} is beyond the tree",
                path.path()
            )));
        }
        Ok(vec![0; 32])
    }

    fn submit(&self, _: SignedSubmission) -> BoxFuture<'_, Result<Receipt, ApiError>> {
        Box::pin(async move {
            if self.refuse {
                return Err(idempotency_conflict(1));
            }
            Ok(self.sample.receipt(0, false))
        })
    }

    fn submit_batch(
        &self,
        submissions: Vec<Result<SignedSubmission, ApiError>>,
    ) -> BoxFuture<'_, Vec<Result<Receipt, ApiError>>> {
        Box::pin(async move {
            submissions
                .into_iter()
                .map(|submission| {
                    submission.and_then(|_| {
                        if self.refuse {
                            Err(idempotency_conflict(1))
                        } else {
                            Ok(self.sample.receipt(0, false))
                        }
                    })
                })
                .collect()
        })
    }

    fn read(
        &self,
        _: Option<PublicKey>,
        _: ReadQuery,
    ) -> BoxFuture<'_, Result<ledger_api::wire::ReflectedRaw, ApiError>> {
        Box::pin(async move {
            if self.refuse {
                return Err(ApiError::unavailable(
                    "checkpoint-pending",
                    "no checkpoint covers the answer yet",
                ));
            }
            let feed = self.sample.feed();
            Ok(ledger_api::wire::ReflectedRaw {
                checkpoint: feed.checkpoint,
                as_of_size: feed.as_of_size,
                data: serde_json::value::to_raw_value(&feed.data).expect("serializable"),
            })
        })
    }

    fn record(&self, index: u64) -> Result<RecordWithProof, ApiError> {
        if self.refuse || index >= self.sample.tree.size() {
            return Err(ApiError::not_found(format!(
                "the log has no record {index}"
            )));
        }
        Ok(self.sample.record(index, true))
    }

    fn consistency(&self, from: u64, to: u64) -> Result<ConsistencyProof, ApiError> {
        if self.refuse || from > to || to > self.sample.tree.size() {
            return Err(ApiError::refused(
                "proof-range-invalid",
                title_of("proof-range-invalid"),
                "need from ≤ to ≤ the checkpoint's size",
            ));
        }
        Ok(self.sample.consistency(from, to))
    }

    fn metrics(&self) -> String {
        "# TYPE hocba_log_size gauge\nhocba_log_size 3\n".to_owned()
    }

    fn observe_request(&self, _: &str, _: u16, _: std::time::Duration) {}

    fn health(&self) -> Health {
        Health {
            ready: !self.refuse,
            log_size: self.sample.tree.size(),
            checkpoint_size: self.sample.tree.size(),
        }
    }
}

/// One request and the operation of the document it exercises.
struct Call {
    method: String,
    target: String,
    body: Option<String>,
    headers: Vec<(String, String)>,
    path: String,
}

/// A request for each documented operation, with the parameters' examples.
fn documented_calls(document: &Value) -> Vec<Call> {
    let mut calls = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let mut target = path.clone();
            let mut query = Vec::new();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let example = &parameter["schema"]["examples"][0];
                let text = match example {
                    Value::String(text) => text.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                match parameter["in"].as_str().unwrap() {
                    "path" => target = target.replace(&format!("{{{name}}}"), &text),
                    _ if parameter["required"] == true => query.push(format!("{name}={text}")),
                    _ => {}
                }
            }
            assert!(
                !target.contains('{'),
                "{path}: a path parameter has no example"
            );
            if !query.is_empty() {
                target = format!("{target}?{}", query.join("&"));
            }
            let body = operation["requestBody"]["content"]["application/json"]["example"]
                .as_object()
                .map(|example| serde_json::to_string(example).unwrap());
            calls.push(Call {
                method: method.to_uppercase(),
                target,
                body,
                headers: Vec::new(),
                path: path.clone(),
            });
        }
    }
    calls
}

/// Requests the router itself refuses, each with the operation it belongs to.
fn refused_calls() -> Vec<Call> {
    let call = |method: &str, target: &str, body: Option<&str>, path: &str| Call {
        method: method.to_owned(),
        target: target.to_owned(),
        body: body.map(str::to_owned),
        headers: Vec::new(),
        path: path.to_owned(),
    };
    let mut calls = vec![
        call("GET", "/log/tile/0/x000/001", None, "/log/tile/{L}/{N}"),
        call("GET", "/log/tile/entries/01", None, "/log/tile/entries/{N}"),
        call("POST", "/v1/submissions", Some("{}"), "/v1/submissions"),
        call(
            "POST",
            "/v1/submissions/batch",
            Some("{}"),
            "/v1/submissions/batch",
        ),
        call(
            "POST",
            "/v1/submissions/batch",
            Some(r#"{"submissions":[{"body":1}]}"#),
            "/v1/submissions/batch",
        ),
        call("GET", "/v1/records/abc", None, "/v1/records/{index}"),
        call("GET", "/v1/records/99", None, "/v1/records/{index}"),
        call(
            "GET",
            "/v1/proofs/consistency?from=1",
            None,
            "/v1/proofs/consistency",
        ),
        call(
            "GET",
            "/v1/proofs/consistency?from=3&to=1",
            None,
            "/v1/proofs/consistency",
        ),
        call(
            "GET",
            "/v1/learners/b%21d/transcript",
            None,
            "/v1/learners/{learner}/transcript",
        ),
        call(
            "GET",
            "/v1/learners/a1/audit?limit=0",
            None,
            "/v1/learners/{learner}/audit",
        ),
        call(
            "GET",
            "/v1/learners/a1/years/2024-2026/subjects/toan/audit",
            None,
            "/v1/learners/{learner}/years/{school_year}/subjects/{subject}/audit",
        ),
        call(
            "GET",
            "/v1/schools/s1/years/2024-2025/classes/10A1/gradebook?subject=toan&semester=3",
            None,
            "/v1/schools/{school}/years/{school_year}/classes/{class}/gradebook",
        ),
        call(
            "GET",
            "/v1/keys/not-a-key/audit",
            None,
            "/v1/keys/{key}/audit",
        ),
        call("GET", "/v1/authority?unit=a&key=b", None, "/v1/authority"),
        call("GET", "/v1/feed?learner=a1&school=s1", None, "/v1/feed"),
        call("GET", "/v1/feed?limit=1001", None, "/v1/feed"),
    ];
    let mut unsigned = call(
        "GET",
        "/v1/learners/a1/transcript",
        None,
        "/v1/learners/{learner}/transcript",
    );
    unsigned.headers = vec![
        ("signature-input".to_owned(), "hocba=garbage".to_owned()),
        ("signature".to_owned(), "x".to_owned()),
    ];
    calls.push(unsigned);
    let large = format!(
        r#"{{"body":"{}"}}"#,
        "a".repeat(ledger_api::router::REQUEST_BODY_SIZE_MAX)
    );
    calls.push(Call {
        method: "POST".to_owned(),
        target: "/v1/submissions".to_owned(),
        body: Some(large),
        headers: Vec::new(),
        path: "/v1/submissions".to_owned(),
    });
    calls
}

/// The record of docs/IDENTITY.md's example, for `learner`.
fn identity_record(learner: &str) -> Value {
    json!({
        "learner": learner,
        "full_name": "Huỳnh Thị Hạnh",
        "gender": "female",
        "date_of_birth": "2010-10-25",
        "personal_id": null,
        "father": "Huỳnh Bảo Hiếu",
        "mother": null,
        "salt": "760e3d1307362016a3eb8b673be349e45646eaa2ab8f7552ef2821c3cf9db93c",
    })
}

/// A register that answers by learner code, as the node's would: `Forbidden1` is refused
/// access, `Keyless1` has a key never granted, `Unregistered1` is not on the log, `Nothing1`
/// has no row (to read or erase), `Mismatch1` another commitment (to store), `Erased1` was
/// erased, `Pending1` waits for a checkpoint (to store), `Broken1` fails the disk; every other
/// learner succeeds.
struct FakeIdentities;

impl FakeIdentities {
    fn outcome(learner: &LearnerCode, put: bool) -> Result<(), ApiError> {
        let refusal = ledger_api::identity::refusal;
        match learner.as_str() {
            "Forbidden1" => Err(ApiError::refused(
                "read-forbidden",
                title_of("read-forbidden"),
                "this key's roles do not cover the learner",
            )
            .with_status(403)),
            "Keyless1" => Err(ApiError::refused(
                "auth-key-unknown",
                title_of("auth-key-unknown"),
                "this key has never been granted a role on this log",
            )
            .with_status(401)),
            "Unregistered1" => Err(refusal("identity-unknown-learner", "not on the log")),
            "Nothing1" if !put => Err(refusal("identity-not-found", "no row")),
            "Mismatch1" if put => Err(refusal(
                "identity-commitment-mismatch",
                "another commitment",
            )),
            // As the node's register answers a put after an erasure.
            "Erased1" if put => Err(ApiError {
                fault: ledger_api::error::Fault::Conflict,
                ..refusal("identity-erased", "erased").with_status(409)
            }),
            "Erased1" => Err(refusal("identity-erased", "erased")),
            "Pending1" if put => Err(ApiError::unavailable(
                "checkpoint-pending",
                "no signed checkpoint covers the commitment yet",
            )),
            "Broken1" => Err(ApiError::internal("the register's disk failed")),
            _ => Ok(()),
        }
    }

    fn stored(identity: Identity, key: PublicKey) -> StoredIdentity {
        StoredIdentity {
            identity,
            commitment_index: 57,
            in_force: true,
            stored_at_us: 1_795_000_000_000_000,
            stored_by: key,
        }
    }
}

impl IdentityService for FakeIdentities {
    fn put(
        &self,
        key: PublicKey,
        identity: Identity,
    ) -> BoxFuture<'_, Result<StoredIdentity, ApiError>> {
        Box::pin(async move {
            Self::outcome(identity.learner(), true)?;
            Ok(Self::stored(identity, key))
        })
    }

    fn get(
        &self,
        key: PublicKey,
        learner: LearnerCode,
    ) -> BoxFuture<'_, Result<StoredIdentity, ApiError>> {
        Box::pin(async move {
            Self::outcome(&learner, false)?;
            let identity = Identity::from_json(&identity_record(learner.as_str()))
                .expect("the example is a valid record");
            Ok(Self::stored(identity, key))
        })
    }

    fn erase(
        &self,
        key: PublicKey,
        learner: LearnerCode,
        reason: String,
    ) -> BoxFuture<'_, Result<ErasureNote, ApiError>> {
        Box::pin(async move {
            Self::outcome(&learner, false)?;
            Ok(ErasureNote {
                learner,
                erased_at_us: 1_795_000_000_000_001,
                erased_by: key,
                reason,
                commitment_index: 57,
            })
        })
    }
}

/// Signed requests to the identity routes that reach every answer the fake register gives,
/// and the refusals of the routes themselves.
fn identity_calls() -> Vec<Call> {
    let signer = RequestSigner::new(fixtures::keys::signing_key("openapi-test-identity"));
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let path = "/v1/identities/{learner}";
    let call = |method: &str, target: String, body: Option<String>, sign_body: bool| {
        let signed = signer.sign(
            method,
            &target,
            body.as_deref().filter(|_| sign_body).map(str::as_bytes),
            created,
            None,
        );
        let mut headers = vec![
            ("signature-input".to_owned(), signed.signature_input),
            ("signature".to_owned(), signed.signature),
        ];
        if let Some(digest) = signed.content_digest {
            headers.push(("content-digest".to_owned(), digest));
        }
        Call {
            method: method.to_owned(),
            target,
            body,
            headers,
            path: path.to_owned(),
        }
    };
    let reason = "?reason=Y%C3%AAu+c%E1%BA%A7u+x%C3%B3a+s%E1%BB%91+12%2F2026";
    let mut calls = Vec::new();
    for learner in [
        "7901000100009",
        "Forbidden1",
        "Keyless1",
        "Unregistered1",
        "Nothing1",
        "Mismatch1",
        "Erased1",
        "Pending1",
        "Broken1",
    ] {
        let target = format!("/v1/identities/{learner}");
        let body = identity_record(learner).to_string();
        calls.push(call("PUT", target.clone(), Some(body), true));
        calls.push(call("GET", target.clone(), None, false));
        calls.push(call("DELETE", format!("{target}{reason}"), None, false));
    }
    let record = |learner: &str| Some(identity_record(learner).to_string());
    // The body's learner is not the path's; the body is not JSON; the path's code is malformed.
    calls.push(call(
        "PUT",
        "/v1/identities/7901000100001".to_owned(),
        record("7901000100009"),
        true,
    ));
    calls.push(call(
        "PUT",
        "/v1/identities/7901000100009".to_owned(),
        Some("{\"learner\":".to_owned()),
        true,
    ));
    calls.push(call(
        "PUT",
        "/v1/identities/b%21d".to_owned(),
        record("7901000100009"),
        true,
    ));
    calls.push(call("GET", "/v1/identities/b%21d".to_owned(), None, false));
    calls.push(call(
        "DELETE",
        format!("/v1/identities/b%21d{reason}"),
        None,
        false,
    ));
    // An erasure without a reason, or with a control character in it.
    calls.push(call(
        "DELETE",
        "/v1/identities/7901000100009".to_owned(),
        None,
        false,
    ));
    calls.push(call(
        "DELETE",
        "/v1/identities/7901000100009?reason=a%0Ab".to_owned(),
        None,
        false,
    ));
    // A body the signature does not cover; a body above the limit.
    calls.push(call(
        "PUT",
        "/v1/identities/7901000100009".to_owned(),
        record("7901000100009"),
        false,
    ));
    calls.push(call(
        "PUT",
        "/v1/identities/7901000100009".to_owned(),
        Some(" ".repeat(ledger_api::identity::IDENTITY_BODY_SIZE_MAX + 1)),
        true,
    ));
    calls
}

/// Documented routes the router may not serve yet: skipped while it answers them with a bare
/// 404, checked like the others once it serves them.
const NODE_ROUTES: [&str; 1] = ["/openapi.json"];

async fn serve(service: Fake) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = ledger_api::router::app_with(
        Arc::new(service),
        ledger_api::identity::routes(Arc::new(FakeIdentities)),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// Sends `call` and checks the answer against the operation's documented responses; returns
/// the status, or `None` for a node route this router does not serve.
async fn check_call(document: &Value, base: &str, call: &Call) -> Option<u16> {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(call.method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{base}{}", call.target));
    if let Some(body) = &call.body {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    for (name, value) in &call.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    let body = response.bytes().await.unwrap();
    let what = format!("{} {} ({status})", call.method, call.target);
    if status == 404 && content_type.is_none() && NODE_ROUTES.contains(&call.path.as_str()) {
        return None;
    }
    let operation = &document["paths"][&call.path][call.method.to_lowercase()];
    let documented = &operation["responses"][status.to_string()];
    assert!(documented.is_object(), "{what}: status not documented");
    let content_type = content_type.unwrap_or_default();
    let media = content_type.split(';').next().unwrap().trim();
    let content = &documented["content"][media];
    assert!(content.is_object(), "{what}: {media} not documented");
    if media.ends_with("json") {
        let value: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|error| panic!("{what}: not JSON ({error})"));
        let errors = Checker { document }.errors(&content["schema"], &value);
        assert!(errors.is_empty(), "{what}: {errors:#?}\n{value:#}");
        if media == "application/problem+json" {
            let problem: Problem = serde_json::from_value(value).unwrap();
            assert_eq!(problem.status, status, "{what}");
            assert_eq!(
                problem.problem_type,
                format!("{PROBLEM_TYPE_PREFIX}{}", problem.code)
            );
            let codes = documented["x-problem-codes"].as_array().unwrap();
            assert!(
                codes.contains(&json!(problem.code)),
                "{what}: {} is not among the documented codes {codes:?}",
                problem.code
            );
        }
    }
    Some(status)
}

/// Every documented operation answers, on success and on refusal, with a documented status and
/// a body that conforms; the router's own refusals are documented too.
#[tokio::test]
async fn the_router_answers_as_documented() {
    let document = document();
    let mut statuses = BTreeSet::new();
    for refuse in [false, true] {
        let base = serve(Fake {
            sample: sample(),
            refuse,
        })
        .await;
        for call in documented_calls(&document) {
            if let Some(status) = check_call(&document, &base, &call).await {
                statuses.insert((call.path.clone(), call.method.clone(), status));
            }
        }
        if refuse {
            for call in refused_calls().into_iter().chain(identity_calls()) {
                if let Some(status) = check_call(&document, &base, &call).await {
                    statuses.insert((call.path.clone(), call.method.clone(), status));
                }
            }
        }
    }
    // Every status the identity operations document was answered.
    let identities = "/v1/identities/{learner}";
    for (method, operation) in document["paths"][identities].as_object().unwrap() {
        for status in operation["responses"].as_object().unwrap().keys() {
            let status: u16 = status.parse().unwrap();
            let method = method.to_uppercase();
            assert!(
                statuses.contains(&(identities.to_owned(), method.clone(), status)),
                "{method} {identities} never answered {status}"
            );
        }
    }
    // The run reached both the successes and the refusals of the main operations.
    for expected in [
        ("/v1/submissions", "POST", 201),
        ("/v1/submissions", "POST", 400),
        ("/v1/submissions", "POST", 409),
        ("/v1/submissions", "POST", 413),
        ("/v1/submissions/batch", "POST", 200),
        ("/v1/submissions/batch", "POST", 400),
        ("/v1/learners/{learner}/transcript", "GET", 200),
        ("/v1/learners/{learner}/transcript", "GET", 400),
        ("/v1/learners/{learner}/transcript", "GET", 401),
        ("/v1/learners/{learner}/transcript", "GET", 503),
        ("/v1/records/{index}", "GET", 404),
        ("/log/tile/{L}/{N}", "GET", 200),
        ("/healthz", "GET", 503),
    ] {
        let (path, method, status) = expected;
        assert!(
            statuses.contains(&(path.to_owned(), method.to_owned(), status)),
            "{method} {path} never answered {status}"
        );
    }
}
