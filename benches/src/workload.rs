//! Realistic signed submissions: grade entries of a Vietnamese school, 300–500 bytes of payload,
//! from a pool of teacher keys. Everything is deterministic in the record number.

use ed25519_dalek::SigningKey;
use ledger_core::key::PublicKey;
use ledger_core::record::{SignedSubmission, Submission, VerifiedSubmission};
use serde_json::{Map, Value};

/// The fixtures' deterministic generator (SplitMix64; not for secrets).
pub use fixtures::province::SplitMix64 as Rng;

/// Teacher keys: authors of the submissions.
pub fn authors(count: usize) -> Vec<SigningKey> {
    (0..count)
        .map(|n| fixtures::keys::signing_key(&format!("bench-teacher-{n}")))
        .collect()
}

const SUBJECTS: [(&str, &str); 10] = [
    ("toan", "Toán"),
    ("ngu_van", "Ngữ văn"),
    ("tieng_anh", "Tiếng Anh"),
    ("vat_ly", "Vật lý"),
    ("hoa_hoc", "Hóa học"),
    ("sinh_hoc", "Sinh học"),
    ("lich_su", "Lịch sử"),
    ("dia_ly", "Địa lý"),
    ("tin_hoc", "Tin học"),
    ("gdcd", "Giáo dục công dân"),
];
const KINDS: [(&str, &str); 4] = [
    ("regular", "Đánh giá thường xuyên"),
    ("regular", "Kiểm tra miệng"),
    ("midterm", "Đánh giá giữa kỳ"),
    ("final", "Đánh giá cuối kỳ"),
];
const SCHOOLS: [(&str, &str); 4] = [
    (
        "79-THPT-LQD",
        "Trường THPT Lê Quý Đôn, Quận 3, TP. Hồ Chí Minh",
    ),
    ("01-THPT-CVA", "Trường THPT Chu Văn An, Tây Hồ, Hà Nội"),
    ("46-THCS-ND", "Trường THCS Nguyễn Du, Thành phố Huế"),
    (
        "48-THPT-PCT",
        "Trường THPT Phan Châu Trinh, Hải Châu, Đà Nẵng",
    ),
];
const COMMENTS: [&str; 10] = [
    "Em có tiến bộ rõ rệt so với đầu học kỳ, cần tiếp tục phát huy.",
    "Bài làm cẩn thận, trình bày sạch đẹp; cần chú ý hơn phần lập luận.",
    "Nắm vững kiến thức cơ bản nhưng còn nhầm lẫn ở bài tập vận dụng cao.",
    "Tích cực phát biểu xây dựng bài, hoàn thành đầy đủ bài tập về nhà.",
    "Cần ôn lại chương hàm số và rèn kỹ năng tính toán nhanh, chính xác.",
    "Đọc hiểu tốt, bài nghị luận còn thiếu dẫn chứng thuyết phục.",
    "Thái độ học tập nghiêm túc; điểm số ổn định qua các lần kiểm tra.",
    "Làm thí nghiệm đúng quy trình, báo cáo đầy đủ và có nhận xét hợp lý.",
    "Vắng một buổi có phép, đã làm bài bổ sung đạt yêu cầu.",
    "Phát âm chuẩn, giao tiếp tự tin; cần mở rộng vốn từ vựng.",
];

/// The payload of grade entry number `n`: the fields of `assessment.recorded` (docs/EVENTS.md),
/// plus Vietnamese labels and a teacher's comment. No personal names (the log never holds them).
pub fn payload(n: u64) -> Map<String, Value> {
    let mut rng = Rng::new(n ^ 0x6863_6261_6c65_6467);
    let (subject, subject_name) = *rng.pick(&SUBJECTS);
    let (kind, kind_name) = *rng.pick(&KINDS);
    let (school, school_name) = *rng.pick(&SCHOOLS);
    let score_tenths = 30 + rng.below(71);
    let learner = 1 + rng.below(40_000);
    let grade = 6 + rng.below(7);
    let mut comment = (*rng.pick(&COMMENTS)).to_owned();
    if rng.below(3) == 0 {
        let extra = *rng.pick(&COMMENTS);
        comment.push(' ');
        comment.push_str(extra);
    }
    let mut payload = Map::new();
    let mut put = |key: &str, value: Value| {
        payload.insert(key.to_owned(), value);
    };
    put("class", format!("{grade}A{}", 1 + rng.below(9)).into());
    put("comment", comment.into());
    put("kind", kind.into());
    put("kind_name", kind_name.into());
    put("learner", format!("79HS2025{learner:06}").into());
    put("school", school.into());
    put("school_name", school_name.into());
    put("school_year", "2025-2026".into());
    put("semester", (1 + rng.below(2)).into());
    if kind == "regular" {
        put("slot", (1 + rng.below(4)).into());
    }
    put("subject", subject.into());
    put("subject_name", subject_name.into());
    put(
        "value",
        format!("{}.{}", score_tenths / 10, score_tenths % 10).into(),
    );
    payload
}

/// Submission number `n`, signed by one of `authors`. The idempotency id carries `tag` so that
/// separate runs against one directory never collide.
pub fn signed(authors: &[SigningKey], tag: &str, n: u64) -> SignedSubmission {
    let author = &authors[(n % authors.len() as u64) as usize];
    let body = Submission::new(
        PublicKey::from(author),
        1_790_000_000_000 + n,
        "grade.recorded",
        format!("{tag}-{n}"),
        payload(n),
        1,
    )
    .expect("a valid grade submission");
    SignedSubmission::sign(&body, author)
}

/// Submissions `first..first + count`, signed on every core.
pub fn sign_range(
    authors: &[SigningKey],
    tag: &str,
    first: u64,
    count: u64,
) -> Vec<SignedSubmission> {
    let threads = crate::report::cores() as u64;
    let per_thread = count.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let start = first + thread * per_thread;
                let end = (start + per_thread).min(first + count);
                scope.spawn(move || {
                    (start..end.max(start))
                        .map(|n| signed(authors, tag, n))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("signing thread"))
            .collect()
    })
}

/// Verifies every submission, on every core.
pub fn verify_all(submissions: &[SignedSubmission]) -> Vec<VerifiedSubmission> {
    let chunk = submissions.len().div_ceil(crate::report::cores()).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = submissions
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|submission| submission.verify().expect("a valid submission"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("verifying thread"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_realistic_and_submissions_verify() {
        let sizes: Vec<usize> = (0..2_000)
            .map(|n| {
                ledger_core::canonical::to_canonical(&Value::Object(payload(n)))
                    .expect("canonical")
                    .len()
            })
            .collect();
        let mean = sizes.iter().sum::<usize>() / sizes.len();
        assert!((300..=500).contains(&mean), "mean payload {mean} bytes");
        let authors = authors(4);
        let batch = sign_range(&authors, "t", 10, 9);
        assert_eq!(batch.len(), 9);
        for submission in &batch {
            submission.verify().expect("verifies");
        }
    }
}
