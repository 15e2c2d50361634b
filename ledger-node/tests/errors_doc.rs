//! `docs/ERRORS.md` is the reference of every refusal code. These tests keep it and the code in
//! step: every code the API or the domain emits has its own title and a section; each section's
//! status and title are what the node sends; no section describes a code that does not exist.
//!
//! Statuses come from the code that answers: `ledger_node::judge::refusal` on a `DomainError`
//! of every variant, `ApiError::from_record_error` on every submission of the refusal vectors,
//! the problem of every `AuthError` variant, `ledger_api::identity::refusal` for every identity
//! register code (and the `409` of a put after an erasure), a live node for the API refusals a
//! test can provoke, and `status_of_api_code` for the rest (checked against the live answers
//! where there is one). The OpenAPI document's per-response codes must agree too.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ledger_api::client::ClientError;
use ledger_api::error::{status_of_api_code, title_of, ApiError, API_CODES, FALLBACK_TITLE};
use ledger_api::httpsig::AuthError;
use ledger_api::identity::IDENTITY_CODES;
use ledger_core::domain::DomainError;
use ledger_core::record::SignedSubmission;

/// One `### `code`` section of the document.
#[derive(Debug)]
struct Section {
    statuses: BTreeSet<u16>,
    title: String,
}

/// Reads `docs/ERRORS.md` into its sections. Under each heading, the first two non-blank lines
/// must be `Status: N[, N…]` and `Title: …`.
fn documented() -> BTreeMap<String, Section> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ERRORS.md");
    let text = std::fs::read_to_string(&path).expect("docs/ERRORS.md is readable");
    let mut sections = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(heading) = line.strip_prefix("### ") else {
            continue;
        };
        let code = heading
            .strip_prefix('`')
            .and_then(|rest| rest.strip_suffix('`'))
            .unwrap_or_else(|| panic!("ERRORS.md: heading {heading:?} is not a `code`"))
            .to_owned();
        let mut fields = lines.by_ref().filter(|line| !line.trim().is_empty());
        let status_line = fields.next().unwrap_or_default();
        let statuses = status_line
            .strip_prefix("Status: ")
            .unwrap_or_else(|| {
                panic!("ERRORS.md: `{code}`: expected `Status: …`, found {status_line:?}")
            })
            .split(',')
            .map(|status| {
                status.trim().parse::<u16>().unwrap_or_else(|_| {
                    panic!("ERRORS.md: `{code}`: {status:?} is not an HTTP status")
                })
            })
            .collect();
        let title_line = fields.next().unwrap_or_default();
        let title = title_line
            .strip_prefix("Title: ")
            .unwrap_or_else(|| {
                panic!("ERRORS.md: `{code}`: expected `Title: …`, found {title_line:?}")
            })
            .to_owned();
        let earlier = sections.insert(code.clone(), Section { statuses, title });
        assert!(earlier.is_none(), "ERRORS.md: `{code}` has two sections");
    }
    sections
}

/// One refusal of every `DomainError` variant. The values are arbitrary: the status depends on
/// the variant alone.
fn domain_samples() -> Vec<DomainError> {
    let s = |text: &str| text.to_owned();
    let learner = || s("HS0001");
    let year = || s("2026-2027");
    vec![
        DomainError::EventTypeUnknown {
            event_type: s("assesment.recorded"),
        },
        DomainError::SchemaVersionUnsupported {
            event_type: s("assessment.recorded"),
            version: 2,
            supported: s("1"),
        },
        DomainError::PayloadMalformed {
            field: s("semester"),
            problem: s("not an integer"),
        },
        DomainError::PayloadInvalid {
            field: s("grade"),
            problem: s("6 to 12"),
        },
        DomainError::KeyMalformed { field: "grantee" },
        DomainError::KeyWeak { field: "teacher" },
        DomainError::PositionOutOfOrder {
            index: 1,
            sequenced_at_us: 1,
            last_index: 2,
            last_sequenced_at_us: 2,
        },
        DomainError::AuthorityMissing {
            action: s("term.sealed"),
            roles: s("hieu_truong"),
            key: s("k"),
        },
        DomainError::AuthorityOutOfScope {
            action: s("assessment.recorded"),
            unit: s("79000701"),
            year: s(", 2026-2027"),
            key: s("k"),
        },
        DomainError::AuthorityRevoked {
            action: s("a"),
            grant_id: s("g"),
            revoked_at: 3,
        },
        DomainError::AuthorityExpired {
            action: s("a"),
            grant_id: s("g"),
            valid_until: s("2026-05-31"),
        },
        DomainError::AuthorityNotYetValid {
            action: s("a"),
            grant_id: s("g"),
            valid_from: s("2026-09-01"),
        },
        DomainError::GrantScopeInvalid {
            role: s("hieu_truong"),
            unit: s("79"),
            kind: s("province"),
            rule: s("r"),
        },
        DomainError::GrantIdTaken { grant_id: s("g") },
        DomainError::GrantUnknown { grant_id: s("g") },
        DomainError::GrantAlreadyRevoked {
            grant_id: s("g"),
            revoked_at: 3,
        },
        DomainError::UnitExists {
            unit: s("79000701"),
        },
        DomainError::UnitUnknown {
            unit: s("79000701"),
        },
        DomainError::UnitKindInvalid {
            unit: s("79"),
            kind: s("province"),
            rule: s("r"),
        },
        DomainError::UnitMerged {
            unit: s("a"),
            successor: s("b"),
        },
        DomainError::UnitMergeInvalid {
            rule: s("into itself"),
        },
        DomainError::ClassExists {
            school: s("79000701"),
            school_year: year(),
            class: s("10A1"),
        },
        DomainError::ClassUnknown {
            school: s("79000701"),
            school_year: year(),
            class: s("10A1"),
        },
        DomainError::SubjectUnknown {
            class: s("10A1"),
            subject: s("toan"),
        },
        DomainError::TeacherNotAssigned {
            school: s("79000701"),
            school_year: year(),
            class: s("10A1"),
            duty: s("toan"),
        },
        DomainError::AssigneeAuthorityMissing(Box::new(DomainError::AuthorityMissing {
            action: s("teacher.assigned"),
            roles: s("gv_bo_mon"),
            key: s("k"),
        })),
        DomainError::LearnerExists { learner: learner() },
        DomainError::LearnerUnknown { learner: learner() },
        DomainError::LearnerNotEnrolled {
            learner: learner(),
            detail: s("d"),
        },
        DomainError::LearnerAlreadyEnrolled {
            learner: learner(),
            detail: s("d"),
        },
        DomainError::TransferOutMissing {
            learner: learner(),
            school: s("79000702"),
            school_year: year(),
            detail: s("d"),
        },
        DomainError::AssessmentValueInvalid {
            subject: s("toan"),
            problem: s("p"),
        },
        DomainError::AssessmentSlotInvalid {
            subject: s("toan"),
            problem: s("p"),
        },
        DomainError::SubjectConfirmed {
            class: s("10A1"),
            subject: s("toan"),
            semester: s("1"),
            confirmed_at: 4,
        },
        DomainError::TermSealed {
            school: s("79000701"),
            school_year: year(),
            term: s("1"),
            sealed_at: 5,
        },
        DomainError::SubjectAlreadyConfirmed {
            class: s("10A1"),
            subject: s("toan"),
            semester: s("1"),
            confirmed_at: 4,
        },
        DomainError::TermAlreadySealed {
            school: s("79000701"),
            school_year: year(),
            term: s("1"),
            sealed_at: 5,
        },
        DomainError::TermNotSealed {
            school: s("79000701"),
            school_year: year(),
            term: s("1"),
        },
        DomainError::ReasonMissing,
        DomainError::CorrectionTargetMissing,
        DomainError::CorrectionTargetUnknown { target: 6 },
        DomainError::CorrectionTargetSuperseded {
            target: 6,
            current: 7,
        },
        DomainError::CorrectionRequestUnknown { request: 8 },
        DomainError::CorrectionNotPending {
            request: 8,
            approved_at: 9,
        },
        DomainError::RecordIncomplete {
            learner: learner(),
            school_year: year(),
            missing: s("m"),
        },
        DomainError::SubjectsNotConfirmed {
            learner: learner(),
            school_year: year(),
            rule: s("r"),
            unconfirmed: s("u"),
        },
        DomainError::LearnerAlreadySignedOff {
            learner: learner(),
            school_year: year(),
            signed_off_at: 10,
        },
        DomainError::LearnerNotSignedOff {
            learner: learner(),
            school_year: year(),
        },
        DomainError::LearnerAlreadyApproved {
            learner: learner(),
            school_year: year(),
            approved_at: 11,
        },
        DomainError::ApprovalDigestMismatch {
            learner: learner(),
            school_year: year(),
            expected: s("00"),
        },
        DomainError::SummerTrainingNotRequired {
            learner: learner(),
            school_year: year(),
            detail: s("d"),
        },
        DomainError::ReassessmentNotRequired {
            learner: learner(),
            school_year: year(),
            subject: s("toan"),
            detail: s("d"),
        },
        DomainError::PromotionMismatch {
            learner: learner(),
            school_year: year(),
            decided: s("promoted"),
            expected: s("not_promoted"),
        },
        DomainError::PromotionAlreadyDecided {
            learner: learner(),
            school_year: year(),
            decided_at: 12,
        },
        DomainError::PromotionNotDecided {
            learner: learner(),
            school_year: year(),
        },
        DomainError::AwardNotAllowed {
            learner: learner(),
            school_year: year(),
            award: s("excellent"),
            detail: s("d"),
        },
        DomainError::AwardAlreadyGranted {
            learner: learner(),
            school_year: year(),
            granted_at: 13,
        },
        DomainError::GradeNotFinal {
            learner: learner(),
            school_year: year(),
            grade: 10,
        },
        DomainError::ProgrammeAlreadyCompleted {
            learner: learner(),
            school_year: year(),
            completed_at: 14,
        },
        DomainError::RecordNotApproved {
            learner: learner(),
            school_year: year(),
        },
        DomainError::CopyIdTaken {
            copy_id: s("c"),
            issued_at: 15,
        },
        DomainError::CopyDigestMismatch {
            learner: learner(),
            school_year: year(),
            expected: s("00"),
        },
        DomainError::IdentityUnchanged { learner: learner() },
        DomainError::SubjectNotAssessed {
            learner: learner(),
            subject: s("gdtc"),
            school_year: year(),
            plan_at: 16,
        },
        DomainError::SubjectAlreadyAssessed {
            learner: learner(),
            subject: s("gdtc"),
            school_year: year(),
            assessed_at: 17,
        },
        DomainError::ExemptionUnknown {
            learner: learner(),
            school_year: year(),
            subject: s("gdtc"),
            index: 18,
        },
    ]
}

/// One refusal of every identity register code, as `ledger_api::identity::refusal` sends it,
/// and the one sent with another status: a put after an erasure is `409 identity-erased`
/// (`RegisterError::Erased { put: true }`; `tests/identity_register.rs` sees it over HTTP).
fn identity_samples() -> Vec<ApiError> {
    let mut samples: Vec<ApiError> = IDENTITY_CODES
        .iter()
        .map(|(code, _)| ledger_api::identity::refusal(code, "x"))
        .collect();
    samples.push(ledger_api::identity::refusal("identity-erased", "x").with_status(409));
    samples
}

/// Every code that exists: the domain's and the API layer's.
fn all_codes() -> BTreeSet<&'static str> {
    DomainError::CODES
        .iter()
        .chain(API_CODES)
        .copied()
        .collect()
}

/// The statuses with which the node answers each code, from the code that answers.
fn answered_statuses() -> BTreeMap<String, BTreeSet<u16>> {
    let mut statuses: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for error in domain_samples() {
        let problem = ledger_node::judge::refusal(&error);
        assert_eq!(problem.code, error.code());
        statuses
            .entry(problem.code)
            .or_default()
            .insert(problem.status);
    }
    for case in fixtures::format_vectors::refusals().cases {
        if case.kind != "submission" {
            continue;
        }
        let wire = match (&case.wire_utf8, &case.wire_hex) {
            (Some(text), _) => text.clone().into_bytes(),
            (None, Some(hex)) => decode_hex(hex),
            (None, None) => panic!("{}: no wire bytes", case.description),
        };
        let error = SignedSubmission::from_wire_json(&wire)
            .and_then(|signed| signed.verify())
            .expect_err(&case.description);
        let problem = ApiError::from_record_error(&error);
        assert_eq!(problem.code, case.expected_code, "{}", case.description);
        statuses
            .entry(problem.code)
            .or_default()
            .insert(problem.status);
    }
    for problem in identity_samples() {
        statuses
            .entry(problem.code)
            .or_default()
            .insert(problem.status);
    }
    for code in API_CODES {
        let status = status_of_api_code(code)
            .unwrap_or_else(|| panic!("`{code}` is in API_CODES but has no status"));
        statuses
            .entry((*code).to_owned())
            .or_default()
            .insert(status);
    }
    statuses
}

fn decode_hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd-length hex");
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex digits"))
        .collect()
}

#[test]
fn every_domain_variant_has_a_sample() {
    // A new variant without a sample would escape the status check below.
    let samples: Vec<&str> = domain_samples().iter().map(DomainError::code).collect();
    let sampled: BTreeSet<&str> = samples.iter().copied().collect();
    assert_eq!(samples.len(), sampled.len(), "a variant is sampled twice");
    let codes: BTreeSet<&str> = DomainError::CODES.iter().copied().collect();
    assert_eq!(sampled, codes);
}

#[test]
fn api_codes_are_listed_once() {
    let unique: BTreeSet<&str> = API_CODES.iter().copied().collect();
    assert_eq!(
        unique.len(),
        API_CODES.len(),
        "API_CODES lists a code twice"
    );
    assert_eq!(status_of_api_code("no-such-code"), None);
}

#[test]
fn identity_codes_are_api_codes_with_their_status_and_title() {
    for (code, status) in IDENTITY_CODES {
        assert!(API_CODES.contains(&code), "`{code}` is not in API_CODES");
        assert_eq!(status_of_api_code(code), Some(status), "`{code}`: status");
        let problem = ledger_api::identity::refusal(code, "x");
        assert_eq!(
            (problem.status, problem.title.as_str()),
            (status, title_of(code)),
            "`{code}`: problem sent"
        );
    }
    let identity_api_codes = API_CODES
        .iter()
        .filter(|code| code.starts_with("identity-"))
        .count();
    assert_eq!(identity_api_codes, IDENTITY_CODES.len());
}

#[test]
fn every_code_has_its_own_bilingual_title() {
    for code in all_codes() {
        let title = title_of(code);
        assert_ne!(
            title, FALLBACK_TITLE,
            "`{code}` has only the fallback title"
        );
        let (vietnamese, english) = title
            .split_once(" / ")
            .unwrap_or_else(|| panic!("`{code}`: title {title:?} is not \"Vietnamese / English\""));
        assert!(
            !vietnamese.trim().is_empty() && !english.trim().is_empty(),
            "`{code}`: title {title:?} has an empty half"
        );
    }
    assert_eq!(title_of("no-such-code"), FALLBACK_TITLE);
}

#[test]
fn every_code_is_documented_and_every_section_is_a_code() {
    let sections = documented();
    let codes = all_codes();
    let missing: Vec<&&str> = codes
        .iter()
        .filter(|code| !sections.contains_key(**code))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a section in ERRORS.md: {missing:?}"
    );
    let stale: Vec<&String> = sections
        .keys()
        .filter(|code| !codes.contains(code.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "ERRORS.md documents codes that exist nowhere: {stale:?}"
    );
}

#[test]
fn documented_titles_are_the_titles_sent() {
    for (code, section) in documented() {
        assert_eq!(
            section.title,
            title_of(&code),
            "ERRORS.md: title of `{code}`"
        );
    }
}

#[test]
fn documented_statuses_are_the_statuses_answered() {
    let answered = answered_statuses();
    for (code, section) in documented() {
        let Some(statuses) = answered.get(&code) else {
            continue; // a stale section, reported by its own test
        };
        assert_eq!(&section.statuses, statuses, "ERRORS.md: status of `{code}`");
    }
}

/// The refusals a running node gives without special set-up, each with its status and title as
/// sent over HTTP, against `status_of_api_code` and the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_node_answers_as_documented() {
    let node = common::TestNode::start().await;
    let author = common::key("errors-doc author");
    node.client
        .submit(&common::submission(&author, "errors-doc-1", "8.5"))
        .await
        .expect("first submission");

    let mut answers: Vec<ApiError> = Vec::new();
    let mut refused = |result: Result<(), ClientError>, what: &str| match result {
        Err(ClientError::Api(error)) => answers.push(error),
        other => panic!("{what}: expected a problem, got {other:?}"),
    };
    refused(
        node.client
            .submit(&common::submission(&author, "errors-doc-1", "9.0"))
            .await
            .map(drop),
        "same idempotency id, other content",
    );
    refused(
        node.client.record(5000).await.map(drop),
        "record beyond the log",
    );
    refused(node.client.consistency(2, 1).await.map(drop), "from > to");
    for (what, body) in [
        ("not JSON", b"{\"body\":".to_vec()),
        ("too large", vec![b' '; 300_000]),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/submissions", node.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect(what);
        let bytes = response.bytes().await.expect(what);
        let problem = serde_json::from_slice(&bytes).expect(what);
        answers.push(ApiError::from_problem(problem));
    }
    // A path that exists, with a method it does not take: a problem, and `Allow`.
    let response = reqwest::Client::new()
        .delete(format!("{}/v1/submissions", node.base))
        .send()
        .await
        .expect("DELETE /v1/submissions");
    assert_eq!(
        response
            .headers()
            .get("allow")
            .map(|allow| allow.as_bytes()),
        Some(&b"POST"[..])
    );
    let bytes = response.bytes().await.expect("405 body");
    answers.push(ApiError::from_problem(
        serde_json::from_slice(&bytes).expect("a problem document"),
    ));

    let expected = [
        ("idempotency-conflict", Some(0)),
        ("not-found", None),
        ("proof-range-invalid", None),
        ("submission-malformed", None),
        ("request-too-large", None),
        ("method-not-allowed", None),
    ];
    assert_eq!(answers.len(), expected.len());
    let sections = documented();
    for (error, (code, index)) in answers.iter().zip(expected) {
        assert_eq!(error.code, code);
        assert_eq!(error.index, index, "`{code}`: index");
        assert_eq!(error.title, title_of(code), "`{code}`: title sent");
        assert_eq!(
            status_of_api_code(code),
            Some(error.status),
            "`{code}`: status table"
        );
        let section = &sections[code];
        assert!(
            section.statuses.contains(&error.status),
            "ERRORS.md: `{code}` is answered {}, documented {:?}",
            error.status,
            section.statuses
        );
    }
}

#[test]
fn request_signature_refusals_are_sent_as_documented() {
    // `httpsig` builds these problems itself, with its own titles.
    let text = || "x".to_owned();
    let refusals = [
        AuthError::Missing {
            vi: text(),
            en: text(),
        },
        AuthError::Malformed {
            vi: text(),
            en: text(),
        },
        AuthError::Expired {
            created: 0,
            now: 1_000,
        },
        AuthError::DigestMismatch {
            vi: text(),
            en: text(),
        },
        AuthError::SignatureInvalid {
            vi: text(),
            en: text(),
        },
    ];
    let sections = documented();
    for refusal in &refusals {
        let problem = ApiError::from(refusal);
        let section = &sections[problem.code.as_str()];
        assert_eq!(
            problem.title, section.title,
            "`{}`: title sent",
            problem.code
        );
        assert!(
            section.statuses.contains(&problem.status),
            "ERRORS.md: `{}` is sent with {}, documented {:?}",
            problem.code,
            problem.status,
            section.statuses
        );
    }
}

#[test]
fn openapi_problem_codes_are_documented_with_their_status() {
    let document = ledger_api::openapi::document();
    let sections = documented();
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            let Some(responses) = operation.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            for (status, response) in responses {
                let Some(codes) = response.get("x-problem-codes").and_then(|c| c.as_array()) else {
                    continue;
                };
                let status: u16 = status.parse().expect("numeric status");
                for code in codes {
                    let code = code.as_str().expect("code string");
                    let section = sections.get(code).unwrap_or_else(|| {
                        panic!("{method} {path}: OpenAPI lists `{code}`, ERRORS.md has no section")
                    });
                    assert!(
                        section.statuses.contains(&status),
                        "{method} {path}: OpenAPI lists `{code}` under {status}, ERRORS.md says {:?}",
                        section.statuses
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 0, "the OpenAPI document lists no problem codes");
}
