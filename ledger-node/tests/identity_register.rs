//! The identity register end to end: real files in a temporary directory, real HTTP on
//! loopback, a domain node loaded with a generated school year. The register holds only data
//! the log commits to, answers only those entitled, follows corrections, erases without
//! breaking a proof, and survives a restart.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use fixtures::province::{Province, Spec};
use ledger_api::httpsig::{self, RequestSigner};
use ledger_core::domain::value::LearnerCode;
use ledger_core::key::PublicKey;
use ledger_core::record::{SignedSubmission, Submission};
use ledger_node::config::{self, Policy};
use ledger_node::identity_register::{IdentityRegister, NodeIdentityService};
use ledger_node::layout::Layout;
use ledger_node::node::Node;
use serde_json::{json, Value};

/// A node serving the ledger's routes and the identity routes, as `hocba serve` would.
struct Served {
    node: Node,
    base: String,
    server: tokio::task::JoinHandle<()>,
}

async fn serve(data: &Path, clock: ledger_node::sequencer::Clock) -> Served {
    let layout = Layout::new(data);
    let node = Node::open_with_clock(&layout, clock).expect("open node");
    let register = Arc::new(IdentityRegister::open(&layout).expect("open register"));
    let service = NodeIdentityService::new(
        register,
        node.projections().expect("a domain node"),
        node.checkpoint_waiter(),
    );
    let app = ledger_api::router::app_with(
        node.service(),
        ledger_api::identity::routes(Arc::new(service)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    Served { node, base, server }
}

impl Served {
    fn stop(mut self) {
        self.server.abort();
        self.node.close();
    }
}

/// A grant as the test tracks it: grantee, role, unit, has a school year, valid until.
type Grant = (String, String, String, bool, Option<String>);

/// Who is who in the loaded year.
struct People {
    /// An office key with a live grant without a school year (it registered learners).
    office: String,
    subject_teacher: String,
    homeroom_teacher: String,
    /// The Sở GDĐT key, and the province unit it is granted over.
    so: (String, String),
    /// Two learners of the class, both registered by `office`.
    learners: [LearnerCode; 2],
}

fn b64(key: &PublicKey) -> String {
    BASE64.encode(key.to_bytes())
}

fn label_of(province: &Province, key_b64: &str) -> String {
    province
        .keys()
        .into_iter()
        .find(|(_, key)| BASE64.encode(key.verifying_key().as_bytes()) == key_b64)
        .map(|(label, _)| label)
        .expect("a fixture key")
}

/// Loads the one-class year, each event sequenced at its own claimed time.
async fn load_year(province: &Province, served: &Served, now: &AtomicU64) -> People {
    let client = ledger_api::client::Client::new(&served.base).unwrap();
    let today = today_in_vietnam();
    // Grants by id: (grantee, role, unit, has a school year, valid_until).
    let mut grants: HashMap<String, Grant> = HashMap::new();
    let mut revoked: HashSet<String> = HashSet::new();
    let mut registered: Vec<(String, String)> = Vec::new();
    let mut subject_teacher = None;
    let mut homeroom_teacher = None;
    for submission in province.events() {
        let verified = submission.verify().unwrap();
        let event = verified.submission();
        let payload = event.payload();
        let text = |field: &str| {
            payload
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        match event.event_type() {
            "authority.granted" => {
                grants.insert(
                    text("grant_id"),
                    (
                        text("grantee"),
                        text("role"),
                        payload["scope"]["unit"].as_str().unwrap().to_owned(),
                        payload["scope"].get("school_year").is_some(),
                        payload
                            .get("valid_until")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    ),
                );
            }
            "authority.revoked" => {
                revoked.insert(grants[&text("grant_id")].0.clone());
            }
            "learner.registered" => {
                registered.push((text("learner"), b64(verified.author())));
            }
            "teacher.assigned" if text("duty") == "subject" => {
                subject_teacher = Some(text("teacher"));
            }
            "teacher.assigned" if text("duty") == "homeroom" => {
                homeroom_teacher = Some(text("teacher"));
            }
            _ => {}
        }
        now.store(event.claimed_at_ms() * 1_000, Ordering::SeqCst);
        client.submit(&submission).await.expect("accepted");
    }
    // From here on the node runs "today": grants are checked against the wall clock.
    now.store(ledger_node::sequencer::now_us(), Ordering::SeqCst);
    let office_ok = |key: &String| {
        !revoked.contains(key)
            && grants.values().any(|(grantee, role, _, has_year, until)| {
                grantee == key
                    && [
                        "hieu_truong",
                        "pho_hieu_truong",
                        "giam_doc_trung_tam",
                        "van_thu",
                    ]
                    .contains(&role.as_str())
                    && !has_year
                    && until
                        .as_ref()
                        .is_none_or(|until| until.as_str() >= today.as_str())
            })
    };
    let office = registered
        .iter()
        .map(|(_, author)| author)
        .find(|author| office_ok(author))
        .expect("a live office key that registered learners")
        .clone();
    let mut learners = registered
        .iter()
        .filter(|(_, author)| author == &office)
        .map(|(learner, _)| LearnerCode::parse(learner).unwrap());
    let learners = [learners.next().unwrap(), learners.next().unwrap()];
    let teacher = |key: Option<String>| {
        let key = key.expect("an assignment");
        assert!(!revoked.contains(&key), "the teacher's grant is live");
        label_of(province, &key)
    };
    let so = grants
        .values()
        .find(|(grantee, role, ..)| role == "so_gddt" && !revoked.contains(grantee))
        .map(|(grantee, _, unit, ..)| (label_of(province, grantee), unit.clone()))
        .expect("a Sở GDĐT grant");
    People {
        so,
        office: label_of(province, &office),
        subject_teacher: teacher(subject_teacher),
        homeroom_teacher: teacher(homeroom_teacher),
        learners,
    }
}

/// Today's date in Vietnam time (UTC+7), `YYYY-MM-DD`, from the system clock.
fn today_in_vietnam() -> String {
    let days = (ledger_node::sequencer::now_us() / 1_000_000 + 7 * 3600) / 86_400;
    // H. Hinnant's civil_from_days.
    let z = i64::try_from(days).unwrap() + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Sends a request signed by `label`'s key (with its body, when there is one).
async fn send(
    base: &str,
    province: &Province,
    label: Option<&str>,
    method: &str,
    target: &str,
    body: Option<&[u8]>,
) -> (u16, Value) {
    let key = label.map(|label| province.signing_key(label));
    send_as(base, key.as_ref(), method, target, body).await
}

/// Sends a request signed by `key`, or unsigned.
async fn send_as(
    base: &str,
    key: Option<&ed25519_dalek::SigningKey>,
    method: &str,
    target: &str,
    body: Option<&[u8]>,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let method_value = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut builder = http.request(method_value, format!("{base}{target}"));
    if let Some(body) = body {
        builder = builder
            .header("Content-Type", "application/json")
            .body(body.to_vec());
    }
    if let Some(key) = key {
        let signer = RequestSigner::new(key.clone());
        let created = ledger_node::sequencer::now_us() / 1_000_000;
        builder = httpsig::apply(builder, &signer.sign(method, target, body, created, None));
    }
    let response = builder.send().await.expect("response");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn code(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["code"].as_str().unwrap_or(""))
}

fn files(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A correction of `learner`'s identity: the same person under a corrected name, new salt.
fn corrected(identity: &Value) -> Value {
    let mut changed = identity.clone();
    let name = changed["full_name"].as_str().unwrap().to_owned();
    changed["full_name"] = json!(format!("{name} Anh"));
    changed["salt"] = json!("5a".repeat(32));
    changed
}

/// A submission signed by `key`, claimed now.
fn signed_submission(
    key: &ed25519_dalek::SigningKey,
    event_type: &str,
    idempotency_id: &str,
    payload: Value,
) -> SignedSubmission {
    let body = Submission::new(
        PublicKey::from(key),
        ledger_node::sequencer::now_us() / 1_000,
        event_type,
        idempotency_id,
        payload.as_object().unwrap().clone(),
        1,
    )
    .unwrap();
    SignedSubmission::sign(&body, key)
}

fn hex(bytes: [u8; 32]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn commitment_of(identity: &Value) -> String {
    ledger_core::identity::Identity::from_json(identity)
        .unwrap()
        .commitment_hex()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_holds_what_the_log_commits_to_and_only_the_entitled_see_it() {
    let province = Province::generate(&Spec::one_class());
    let directory = tempfile::tempdir().unwrap();
    let layout = Layout::new(directory.path());
    let ministry_keys = province
        .ministry_keys()
        .iter()
        .map(|key| BASE64.encode(key.to_bytes()))
        .collect();
    config::install(
        &layout,
        &common::log_signer(),
        Policy::Hocba { ministry_keys },
    )
    .unwrap();
    let now = Arc::new(AtomicU64::new(0));
    let source = Arc::clone(&now);
    let clock: ledger_node::sequencer::Clock = Arc::new(move || source.load(Ordering::SeqCst));
    let served = serve(directory.path(), Arc::clone(&clock)).await;
    let people = load_year(&province, &served, &now).await;
    let base = served.base.clone();
    let office = Some(people.office.as_str());
    let [first, second] = people.learners.clone();
    let target = |learner: &LearnerCode| format!("/v1/identities/{learner}");
    let identity_of =
        |learner: &LearnerCode| province.identity(learner.as_str()).unwrap().to_json();
    let register_dir = layout.identities();

    // The office stores a learner's identity and reads it back.
    let data = identity_of(&first);
    let body = serde_json::to_vec(&data).unwrap();
    let put = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&first),
        Some(&body),
    )
    .await;
    assert_eq!(put.0, 200, "{}", put.1);
    assert_eq!(put.1["commitment"], json!(commitment_of(&data)));
    let got = send(&base, &province, office, "GET", &target(&first), None).await;
    assert_eq!(got.0, 200, "{}", got.1);
    assert_eq!(
        (&got.1["identity"], &got.1["in_force"]),
        (&data, &json!(true))
    );
    assert_eq!(files(&register_dir), [format!("{first}.identity.json")]);

    // A wrong commitment (another salt) is refused and nothing is written.
    let mut wrong = identity_of(&second);
    wrong["salt"] = json!("77".repeat(32));
    let body = serde_json::to_vec(&wrong).unwrap();
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&second),
        Some(&body),
    )
    .await;
    assert_eq!(code(&answer), (409, "identity-commitment-mismatch"));
    assert_eq!(files(&register_dir), [format!("{first}.identity.json")]);
    // Invalid data, and data under another learner's path, are refused before anything else.
    let mut invalid = identity_of(&second);
    invalid["personal_id"] = json!("12345");
    let body = serde_json::to_vec(&invalid).unwrap();
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&second),
        Some(&body),
    )
    .await;
    assert_eq!(code(&answer), (422, "identity-invalid"));
    assert!(answer.1["detail"].as_str().unwrap().contains("personal_id"));
    let body = serde_json::to_vec(&identity_of(&second)).unwrap();
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&first),
        Some(&body),
    )
    .await;
    assert_eq!(code(&answer), (422, "identity-invalid"));
    // The right data for the second learner is stored.
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&second),
        Some(&body),
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);

    // Signatures: none, or one that does not cover the body sent.
    let answer = send(&base, &province, None, "GET", &target(&first), None).await;
    assert_eq!(code(&answer), (401, "auth-missing"));
    let signer = RequestSigner::new(province.signing_key(&people.office));
    let created = ledger_node::sequencer::now_us() / 1_000_000;
    let signed = signer.sign("PUT", &target(&second), Some(b"{}"), created, None);
    let request = reqwest::Client::new()
        .put(format!("{base}{}", target(&second)))
        .body(body.clone());
    let status = httpsig::apply(request, &signed)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 401);

    // Who may read: the homeroom teacher yes, a subject teacher no, the Ministry yes.
    let teacher = Some(people.subject_teacher.as_str());
    let answer = send(&base, &province, teacher, "GET", &target(&first), None).await;
    assert_eq!(code(&answer), (403, "read-forbidden"));
    let body_first = serde_json::to_vec(&data).unwrap();
    let answer = send(
        &base,
        &province,
        teacher,
        "PUT",
        &target(&first),
        Some(&body_first),
    )
    .await;
    assert_eq!(code(&answer), (403, "read-forbidden"));
    let homeroom = Some(people.homeroom_teacher.as_str());
    let answer = send(&base, &province, homeroom, "GET", &target(&first), None).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let answer = send(
        &base,
        &province,
        homeroom,
        "DELETE",
        &format!("{}?reason=x", target(&first)),
        None,
    )
    .await;
    assert_eq!(code(&answer), (403, "read-forbidden"));
    let ministry = province
        .keys()
        .into_iter()
        .find(|(_, key)| province.ministry_keys().contains(&PublicKey::from(key)))
        .map(|(label, _)| label)
        .expect("a ministry key label");
    let answer = send(
        &base,
        &province,
        Some(&ministry),
        "GET",
        &target(&first),
        None,
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let unknown = LearnerCode::parse("7999999999999").unwrap();
    let answer = send(
        &base,
        &province,
        Some(&ministry),
        "GET",
        &target(&unknown),
        None,
    )
    .await;
    assert_eq!(code(&answer), (404, "identity-unknown-learner"));
    let answer = send(&base, &province, office, "GET", &target(&unknown), None).await;
    assert_eq!(code(&answer), (403, "read-forbidden"));
    // The Sở reads; an auditor it appoints over the province (thanh_tra) does not.
    let (so, province_unit) = &people.so;
    let answer = send(&base, &province, Some(so), "GET", &target(&first), None).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let answer = send(
        &base,
        &province,
        Some(so),
        "PUT",
        &target(&first),
        Some(&body_first),
    )
    .await;
    assert_eq!(code(&answer), (403, "read-forbidden"));
    let auditor = common::key("identity-register auditor");
    let client = ledger_api::client::Client::new(&base).unwrap();
    let grant = signed_submission(
        &province.signing_key(so),
        "authority.granted",
        "grant:identity-register-auditor",
        json!({
            "grant_id": "identity-register-auditor",
            "grantee": b64(&PublicKey::from(&auditor)),
            "role": "thanh_tra",
            "scope": {"unit": province_unit},
            "valid_from": today_in_vietnam(),
        }),
    );
    client.submit(&grant).await.expect("the auditor's grant");
    let answer = send_as(&base, Some(&auditor), "GET", &target(&first), None).await;
    assert_eq!(code(&answer), (403, "read-forbidden"));

    // A correction: the log first gets the new commitment, then the register the new data.
    let new_data = corrected(&data);
    let principal = province.signing_key(&people.office);
    {
        let projections = served.node.projections().unwrap();
        let projections = projections.read().unwrap();
        assert_eq!(
            projections.identity_commitment(&first).map(hex),
            Some(commitment_of(&data))
        );
    }
    let school_code = province
        .events()
        .find_map(|signed| {
            let verified = signed.verify().unwrap();
            let event = verified.submission();
            (event.event_type() == "learner.registered"
                && event.payload()["learner"] == json!(first.as_str()))
            .then(|| event.payload()["school"].clone())
        })
        .unwrap();
    let correction = signed_submission(
        &principal,
        "identity.corrected",
        &format!("identity:{first}:1"),
        json!({
            "learner": first.as_str(),
            "school": school_code,
            "identity_commitment": commitment_of(&new_data),
            "reason": "Sửa họ tên theo giấy khai sinh",
        }),
    );
    let receipt = client
        .submit(&correction)
        .await
        .expect("identity.corrected accepted");
    {
        let projections = served.node.projections().unwrap();
        let projections = projections.read().unwrap();
        assert_eq!(
            projections.identity_commitment_index(&first),
            Some(receipt.index)
        );
    }
    let got = send(&base, &province, office, "GET", &target(&first), None).await;
    assert_eq!((got.0, &got.1["in_force"]), (200, &json!(false)));
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&first),
        Some(&body_first),
    )
    .await;
    assert_eq!(code(&answer), (409, "identity-commitment-mismatch"));
    let new_body = serde_json::to_vec(&new_data).unwrap();
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&first),
        Some(&new_body),
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["commitment_index"], json!(receipt.index));
    let got = send(&base, &province, office, "GET", &target(&first), None).await;
    assert_eq!(
        (&got.1["identity"], &got.1["in_force"]),
        (&new_data, &json!(true))
    );

    // Erasure: the row goes, a note without personal data stays, the log still verifies.
    let answer = send(&base, &province, office, "DELETE", &target(&first), None).await;
    assert_eq!(
        code(&answer),
        (422, "identity-invalid"),
        "a reason is required"
    );
    let erase = format!(
        "{}?reason=Y%C3%AAu+c%E1%BA%A7u+x%C3%B3a+d%E1%BB%AF+li%E1%BB%87u",
        target(&first)
    );
    let answer = send(&base, &province, office, "DELETE", &erase, None).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["reason"], json!("Yêu cầu xóa dữ liệu"));
    assert_eq!(
        files(&register_dir),
        [
            format!("{first}.erased.json"),
            format!("{second}.identity.json")
        ]
    );
    let note = std::fs::read_to_string(register_dir.join(format!("{first}.erased.json"))).unwrap();
    let name = new_data["full_name"].as_str().unwrap();
    assert!(
        !note.contains(name) && !note.contains(&"5a".repeat(32)),
        "{note}"
    );
    let answer = send(&base, &province, office, "GET", &target(&first), None).await;
    assert_eq!(code(&answer), (410, "identity-erased"));
    let answer = send(
        &base,
        &province,
        office,
        "PUT",
        &target(&first),
        Some(&new_body),
    )
    .await;
    assert_eq!(code(&answer), (409, "identity-erased"));
    let answer = send(&base, &province, office, "DELETE", &erase, None).await;
    assert_eq!(code(&answer), (410, "identity-erased"));
    wait_for_size(&served.node, receipt.index + 1).await;
    let report = ledger_node::verify::verify(
        &layout,
        ledger_node::verify::Options { signatures: true },
        |_| {},
    )
    .expect("the log verifies after the erasure");
    assert!(report.records > receipt.index);

    // A restart: the register answers as before.
    served.stop();
    let served = serve(directory.path(), clock).await;
    let base = served.base.clone();
    let answer = send(&base, &province, office, "GET", &target(&second), None).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["identity"], identity_of(&second));
    let answer = send(&base, &province, office, "GET", &target(&first), None).await;
    assert_eq!(code(&answer), (410, "identity-erased"));
    served.stop();
}

async fn wait_for_size(node: &Node, size: u64) {
    for _ in 0..100 {
        if node
            .published()
            .is_some_and(|published| published.size >= size)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no checkpoint of size {size} within 5 s");
}
