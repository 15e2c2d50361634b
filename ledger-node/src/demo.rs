//! `hocba demo`: a node with demo data on the embedded defaults.
//!
//! On an empty data directory it creates a node and appends a school's worth of signed grade
//! submissions through the real append path (signature checks, sequencer, group commit); on an
//! existing one it just serves. The keys it signs with are deterministic (`fixtures::keys`) and
//! written to `DIR/demo-keys/`, so examples can sign more.

use std::path::Path;

use ed25519_dalek::SigningKey;
use ledger_core::key::PublicKey;
use ledger_core::record::{SignedSubmission, Submission};
use serde_json::{json, Map};

/// The demo log's origin.
pub const DEMO_ORIGIN: &str = "demo.hocba-ledger.example/thcs-nguyen-du/2026-2027";

/// The subjects of a grade-8 class (THCS) under TT 22 that are scored, with their codes.
const SUBJECTS: [(&str, &str); 8] = [
    ("ngu_van", "Ngữ văn"),
    ("toan", "Toán"),
    ("ngoai_ngu_1", "Ngoại ngữ 1"),
    ("gdcd", "Giáo dục công dân"),
    ("lich_su_dia_li", "Lịch sử và Địa lí"),
    ("khtn", "Khoa học tự nhiên"),
    ("cong_nghe", "Công nghệ"),
    ("tin_hoc", "Tin học"),
];

/// The demo teacher who signs the grade submissions.
#[must_use]
pub fn teacher_key() -> SigningKey {
    fixtures::keys::signing_key("demo teacher")
}

/// The `n`th demo submission: a regular assessment score for a learner of class 8A.
///
/// # Panics
/// Never for the generated values, which are valid by construction.
#[must_use]
pub fn submission(n: u64, teacher: &SigningKey) -> SignedSubmission {
    let learner = n / 32;
    let (code, name) = SUBJECTS[usize::try_from(n % 8).expect("small")];
    // A deterministic score from 5.0 to 10.0 with one decimal, as TT 22 allows.
    let tenths = 50 + (n.wrapping_mul(2_654_435_761) >> 7) % 51;
    let mut payload = Map::new();
    payload.insert("school_year".into(), json!("2026-2027"));
    payload.insert("class".into(), json!("8A"));
    payload.insert(
        "learner".into(),
        json!(format!("HS{:010}", 7_900_000 + learner)),
    );
    payload.insert("subject".into(), json!(code));
    payload.insert("subject_name".into(), json!(name));
    payload.insert("semester".into(), json!(1 + (n / 4) % 2));
    payload.insert("kind".into(), json!("regular"));
    payload.insert(
        "score".into(),
        json!(format!("{}.{}", tenths / 10, tenths % 10)),
    );
    let body = Submission::new(
        PublicKey::from(teacher),
        1_790_000_000_000 + n * 1_000,
        "grade.recorded",
        format!("demo-{n}"),
        payload,
        1,
    )
    .expect("demo submissions are valid");
    SignedSubmission::sign(&body, teacher)
}

/// Writes the demo signing keys to `directory` (hex seeds; demo use only).
///
/// # Errors
/// I/O errors.
pub fn write_keys(directory: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    let seed = fixtures::hex::encode(&teacher_key().to_bytes());
    std::fs::write(directory.join("teacher.seed"), format!("{seed}\n"))?;
    std::fs::write(
        directory.join("README"),
        "Deterministic demo keys (hex Ed25519 seeds). Public demo material: never use them for real records.\n",
    )
}
