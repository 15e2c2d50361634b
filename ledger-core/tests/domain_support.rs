//! Shared given/when/then helpers for the domain tests: real keys, real signatures, a ledger
//! driven in log order. Included by the `domain_*` test files with `#[path]`.
#![allow(dead_code)]

use base64::Engine as _;
use ed25519_dalek::SigningKey;
use ledger_core::domain::value::Semester;
use ledger_core::domain::{ClassKey, DomainConfig, DomainError, Ledger, Position};
use ledger_core::key::PublicKey;
use ledger_core::projection::Projections;
use ledger_core::record::{SignedSubmission, Submission, VerifiedSubmission};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// 2026-09-01T08:00:00+07:00, in µs.
pub const START_US: u64 = 1_788_224_400_000_000;
pub const DAY_US: u64 = 86_400_000_000;

pub const PROVINCE: &str = "79";
pub const SCHOOL: &str = "79000701";
pub const OTHER_SCHOOL: &str = "79000702";
pub const YEAR: &str = "2026-2027";
pub const CLASS: &str = "10A1";
pub const LEARNER: &str = "7900070100001";

/// A person with a deterministic test key.
pub struct Actor {
    pub label: &'static str,
    secret: SigningKey,
    pub key: PublicKey,
}

impl Actor {
    pub fn new(label: &'static str) -> Self {
        let seed: [u8; 32] = Sha256::digest(format!("hocba domain test\n{label}")).into();
        let secret = SigningKey::from_bytes(&seed);
        Self {
            label,
            key: PublicKey::from(&secret),
            secret,
        }
    }

    pub fn b64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key.to_bytes())
    }

    /// Signs an event and verifies it, as the node's append path does.
    pub fn sign(
        &self,
        event_type: &str,
        schema_version: u32,
        payload: &Value,
        n: u64,
    ) -> VerifiedSubmission {
        let Value::Object(map) = payload else {
            panic!("payloads are objects");
        };
        let submission = Submission::new(
            self.key,
            1_788_000_000_000 + n,
            event_type,
            format!("{}:{n}", self.label),
            map.clone(),
            schema_version,
        )
        .expect("a valid submission");
        SignedSubmission::sign(&submission, &self.secret)
            .verify()
            .expect("a verified submission")
    }
}

/// The cast of a small school.
pub struct Cast {
    pub ministry: Actor,
    pub so: Actor,
    pub principal: Actor,
    pub deputy: Actor,
    pub other_principal: Actor,
    pub clerk: Actor,
    pub toan: Actor,
    pub gdtc: Actor,
    pub van: Actor,
    pub homeroom: Actor,
    pub stranger: Actor,
}

impl Default for Cast {
    fn default() -> Self {
        Self {
            ministry: Actor::new("bo-gddt"),
            so: Actor::new("so-gddt-79"),
            principal: Actor::new("hieu-truong"),
            deputy: Actor::new("pho-hieu-truong"),
            other_principal: Actor::new("hieu-truong-702"),
            clerk: Actor::new("van-thu"),
            toan: Actor::new("gv-toan"),
            gdtc: Actor::new("gv-gdtc"),
            van: Actor::new("gv-van"),
            homeroom: Actor::new("gv-chu-nhiem"),
            stranger: Actor::new("stranger"),
        }
    }
}

impl Cast {
    pub fn new() -> Self {
        Self::default()
    }
}

/// A ledger driven in log order, with every accepted event kept for replay.
pub struct World {
    pub ledger: Ledger,
    pub next_index: u64,
    pub now_us: u64,
    pub accepted: Vec<(VerifiedSubmission, Position)>,
    config: DomainConfig,
    counter: u64,
}

impl World {
    pub fn new(ministry: &Actor) -> Self {
        let config = DomainConfig {
            ministry_keys: vec![ministry.key],
        };
        Self {
            ledger: Ledger::new(config.clone()),
            next_index: 0,
            now_us: START_US,
            accepted: Vec::new(),
            config,
            counter: 0,
        }
    }

    pub fn position(&self) -> Position {
        Position {
            index: self.next_index,
            sequenced_at_us: self.now_us,
        }
    }

    pub fn advance_days(&mut self, days: u64) {
        self.now_us += days * DAY_US;
    }

    /// Submits an event with schema version 1; applies it when authorised.
    pub fn submit(
        &mut self,
        who: &Actor,
        event_type: &str,
        payload: Value,
    ) -> Result<u64, DomainError> {
        self.submit_version(who, event_type, 1, payload)
    }

    pub fn submit_version(
        &mut self,
        who: &Actor,
        event_type: &str,
        schema_version: u32,
        payload: Value,
    ) -> Result<u64, DomainError> {
        self.counter += 1;
        let submission = who.sign(event_type, schema_version, &payload, self.counter);
        let position = self.position();
        let before = self.ledger.clone();
        match self.ledger.authorise(&submission, position) {
            Ok(event) => {
                assert_eq!(event.event_type(), event_type);
                assert_eq!(event.position(), position);
                self.ledger.apply(event);
                self.accepted.push((submission, position));
                self.next_index += 1;
                self.now_us += 1_000_000;
                Ok(position.index)
            }
            Err(error) => {
                // A refusal changes nothing: same state, same debug dump.
                assert_eq!(self.ledger, before);
                assert_eq!(format!("{:?}", self.ledger), format!("{before:?}"));
                Err(error)
            }
        }
    }

    /// Expects the event to be accepted; returns its index.
    #[track_caller]
    pub fn ok(&mut self, who: &Actor, event_type: &str, payload: Value) -> u64 {
        match self.submit(who, event_type, payload) {
            Ok(index) => index,
            Err(error) => panic!(
                "{event_type} by {} refused: [{}] {error}",
                who.label,
                error.code()
            ),
        }
    }

    /// Expects the event to be refused with `code`, leaving the state unchanged.
    #[track_caller]
    pub fn refused(
        &mut self,
        who: &Actor,
        event_type: &str,
        payload: Value,
        code: &str,
    ) -> DomainError {
        self.refused_version(who, event_type, 1, payload, code)
    }

    #[track_caller]
    pub fn refused_version(
        &mut self,
        who: &Actor,
        event_type: &str,
        schema_version: u32,
        payload: Value,
        code: &str,
    ) -> DomainError {
        let before = self.ledger.clone();
        match self.submit_version(who, event_type, schema_version, payload) {
            Ok(index) => panic!(
                "{event_type} by {} accepted at {index}, expected {code}",
                who.label
            ),
            Err(error) => {
                assert_eq!(error.code(), code, "refused for another reason: {error}");
                assert!(!error.to_string().is_empty());
                assert_eq!(self.ledger, before);
                error
            }
        }
    }

    /// Rebuilds a fresh ledger from the accepted events, re-authorising each.
    /// The projections of the accepted events, rebuilt; checks that the rebuilt ledger is this
    /// one and that observing one event at a time gives the same projections.
    pub fn checked_projections(&self) -> Projections {
        let events = || self.accepted.iter().map(|(s, p)| (s, *p));
        let rebuilt =
            Projections::rebuild(&self.config, events()).expect("the accepted log replays");
        assert_eq!(rebuilt.ledger(), &self.ledger);
        assert_eq!(rebuilt.as_of_size(), self.next_index);
        let mut incremental = Projections::new(&self.config);
        for (submission, position) in events() {
            let event = incremental
                .ledger()
                .authorise(submission, position)
                .unwrap();
            incremental.apply(submission, event).unwrap();
        }
        assert_eq!(incremental, rebuilt);
        self.check_signing_status(&rebuilt);
        rebuilt
    }

    /// Every learner-year the transcripts show has the signing status the ledger holds: the
    /// projections copy it after the events that can change it (a grade among them).
    fn check_signing_status(&self, projections: &Projections) {
        let learners: std::collections::BTreeSet<String> = self
            .accepted
            .iter()
            .filter_map(|(submission, _)| {
                let payload = submission.submission().payload();
                payload.get("learner")?.as_str().map(str::to_owned)
            })
            .collect();
        for code in learners {
            let learner = ledger_core::domain::value::LearnerCode::parse(&code).unwrap();
            let Some(transcript) = projections.transcript(&learner) else {
                continue;
            };
            for year in &transcript.years {
                assert_eq!(
                    year.signing.status,
                    self.ledger.signing_status(&learner, year.school_year),
                    "{code} {}",
                    year.school_year
                );
            }
        }
    }

    pub fn rebuild(&self) -> Ledger {
        let mut ledger = Ledger::new(self.config.clone());
        for (submission, position) in &self.accepted {
            let event = ledger
                .authorise(submission, *position)
                .expect("an accepted event is accepted again on replay");
            ledger.apply(event);
        }
        ledger
    }
}

// ---- payload builders ------------------------------------------------------------------------

pub fn grant(
    id: &str,
    grantee: &Actor,
    role: &str,
    unit: &str,
    from: &str,
    until: Option<&str>,
) -> Value {
    let mut payload = json!({
        "grant_id": id,
        "grantee": grantee.b64(),
        "role": role,
        "scope": {"unit": unit},
        "valid_from": from,
    });
    if let Some(until) = until {
        payload["valid_until"] = json!(until);
    }
    payload
}

/// A signing policy for the test class's level (THPT) and year, its steps chosen by the low
/// bits of `flags`: 1 subject confirmation, 2 homeroom sign-off, 4 deputies may approve.
pub fn signing_policy(flags: u8) -> Value {
    json!({
        "level": "thpt",
        "school_year": YEAR,
        "subject_confirmation_required": flags & 1 != 0,
        "homeroom_sign_off_required": flags & 2 != 0,
        "approval_by": if flags & 4 != 0 { "principal_or_deputy" } else { "principal" },
        "reason": "Hướng dẫn ký học bạ số",
    })
}

pub fn class_ref(extra: Value) -> Value {
    let mut payload = json!({"school": SCHOOL, "school_year": YEAR, "class": CLASS});
    if let (Value::Object(target), Value::Object(more)) = (&mut payload, extra) {
        target.extend(more);
    }
    payload
}

pub fn grade(subject: &str, semester: u64, kind: &str, slot: Option<u64>, value: &str) -> Value {
    let mut payload = class_ref(json!({
        "learner": LEARNER, "subject": subject, "semester": semester, "kind": kind, "value": value,
    }));
    if let Some(slot) = slot {
        payload["slot"] = json!(slot);
    }
    payload
}

pub fn conduct(semester: u64, value: &str) -> Value {
    class_ref(json!({"learner": LEARNER, "semester": semester, "value": value}))
}

pub const COMMITMENT: &str = "5f1d7a2c9e3b4d6f8a0c1e2d3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a";

/// Given: the Ministry, the Sở of province 79, school 79000701 with its principal, deputy,
/// clerk and teachers, class 10A1 (toán scored with 105 periods: 4 regular slots; gdtc
/// commented: 2), the teachers assigned, and learner 7900070100001 enrolled.
pub fn school_year(cast: &Cast) -> World {
    let mut world = World::new(&cast.ministry);
    let c = cast;
    world.ok(
        &c.ministry,
        "unit.registered",
        json!({"unit": PROVINCE, "kind": "province", "name": "Thành phố Hồ Chí Minh"}),
    );
    world.ok(
        &c.ministry,
        "authority.granted",
        grant("so-79", &c.so, "so_gddt", PROVINCE, "2026-01-01", None),
    );
    world.ok(
        &c.so,
        "unit.registered",
        json!({"unit": SCHOOL, "kind": "school", "name": "THPT Chu Văn An", "parent": PROVINCE}),
    );
    world.ok(&c.so, "unit.registered", json!({"unit": OTHER_SCHOOL, "kind": "school", "name": "THPT Lê Quý Đôn", "parent": PROVINCE}));
    world.ok(
        &c.so,
        "authority.granted",
        grant(
            "ht-701",
            &c.principal,
            "hieu_truong",
            SCHOOL,
            "2026-08-01",
            None,
        ),
    );
    world.ok(
        &c.so,
        "authority.granted",
        grant(
            "pht-701",
            &c.deputy,
            "pho_hieu_truong",
            SCHOOL,
            "2026-08-01",
            None,
        ),
    );
    world.ok(
        &c.so,
        "authority.granted",
        grant(
            "ht-702",
            &c.other_principal,
            "hieu_truong",
            OTHER_SCHOOL,
            "2026-08-01",
            None,
        ),
    );
    for (id, who, role) in [
        ("vt-701", &c.clerk, "van_thu"),
        ("gv-toan", &c.toan, "gv_bo_mon"),
        ("gv-gdtc", &c.gdtc, "gv_bo_mon"),
        ("gv-van", &c.van, "gv_bo_mon"),
        ("gvcn", &c.homeroom, "gv_chu_nhiem"),
    ] {
        world.ok(
            &c.principal,
            "authority.granted",
            grant(id, who, role, SCHOOL, "2026-08-01", Some("2027-07-31")),
        );
    }
    world.ok(
        &c.principal,
        "class.opened",
        class_ref(json!({
            "grade": 10,
            "subjects": [
                {"code": "toan", "mode": "scored", "periods_per_year": 105},
                {"code": "gdtc", "mode": "commented", "periods_per_year": 70},
            ],
        })),
    );
    world.ok(
        &c.principal,
        "teacher.assigned",
        class_ref(json!({"duty": "subject", "subject": "toan", "teacher": c.toan.b64()})),
    );
    world.ok(
        &c.deputy,
        "teacher.assigned",
        class_ref(json!({"duty": "subject", "subject": "gdtc", "teacher": c.gdtc.b64()})),
    );
    world.ok(
        &c.principal,
        "teacher.assigned",
        class_ref(json!({"duty": "homeroom", "teacher": c.homeroom.b64()})),
    );
    world.ok(
        &c.clerk,
        "learner.registered",
        json!({"learner": LEARNER, "identity_commitment": COMMITMENT, "school": SCHOOL}),
    );
    world.ok(
        &c.clerk,
        "learner.enrolled",
        class_ref(json!({"learner": LEARNER})),
    );
    world
}

/// Records every assessment of both subjects for `semester`, and the conduct.
pub fn record_semester(world: &mut World, cast: &Cast, semester: u64) {
    for slot in 1..=4 {
        world.ok(
            &cast.toan,
            "assessment.recorded",
            grade("toan", semester, "regular", Some(slot), "8"),
        );
    }
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", semester, "midterm", None, "7.5"),
    );
    world.ok(
        &cast.toan,
        "assessment.recorded",
        grade("toan", semester, "final", None, "9.0"),
    );
    for slot in 1..=2 {
        world.ok(
            &cast.gdtc,
            "assessment.recorded",
            grade("gdtc", semester, "regular", Some(slot), "Đ"),
        );
    }
    world.ok(
        &cast.gdtc,
        "assessment.recorded",
        grade("gdtc", semester, "midterm", None, "Đ"),
    );
    world.ok(
        &cast.gdtc,
        "assessment.recorded",
        grade("gdtc", semester, "final", None, "Đ"),
    );
    world.ok(&cast.homeroom, "conduct.recorded", conduct(semester, "T"));
}

/// Each subject teacher confirms their subject of `class` for `semester` (`subject.confirmed`,
/// khóa sổ): `subjects` are the class's subjects with their assigned teachers. A subject
/// already confirmed for the semester is left as it is.
pub fn confirm_subjects(w: &mut World, class: &str, semester: u64, subjects: &[(&str, &Actor)]) {
    let key = ClassKey {
        school: SCHOOL.parse().unwrap(),
        school_year: YEAR.parse().unwrap(),
        class: class.parse().unwrap(),
    };
    let term = match semester {
        1 => Semester::First,
        2 => Semester::Second,
        _ => panic!("semester {semester}"),
    };
    for (subject, teacher) in subjects {
        if !w.ledger.is_confirmed(&key, &subject.parse().unwrap(), term) {
            w.ok(
                teacher,
                "subject.confirmed",
                json!({"school": SCHOOL, "school_year": YEAR, "class": class,
                       "subject": subject, "semester": semester}),
            );
        }
    }
}

/// The subject teachers of class 10A1 (toán, gdtc) confirm both subjects for `semester`.
pub fn confirm_semester(world: &mut World, cast: &Cast, semester: u64) {
    confirm_subjects(
        world,
        CLASS,
        semester,
        &[("toan", &cast.toan), ("gdtc", &cast.gdtc)],
    );
}

// ---- end of year -----------------------------------------------------------------------------

/// The scored subjects of an end-of-year class: six, so that the TT 22 learning levels apply
/// (each level counts at least 6 scored subjects).
pub const EOY_SUBJECTS: [&str; 6] = ["toan", "van", "anh", "ly", "hoa", "su"];

/// A payload naming `learner` in `class` of the school and year, with `extra` fields.
pub fn eoy_ref(class: &str, learner: &str, extra: Value) -> Value {
    let mut payload =
        json!({"school": SCHOOL, "school_year": YEAR, "class": class, "learner": learner});
    if let (Value::Object(target), Value::Object(more)) = (&mut payload, extra) {
        target.extend(more);
    }
    payload
}

/// A payload naming `learner` at the school in the year (decisions, copies), with `extra`.
pub fn eoy_learner(learner: &str, extra: Value) -> Value {
    let mut payload = json!({"school": SCHOOL, "school_year": YEAR, "learner": learner});
    if let (Value::Object(target), Value::Object(more)) = (&mut payload, extra) {
        target.extend(more);
    }
    payload
}

/// Opens `class` in `grade` with the six [`EOY_SUBJECTS`] (35 periods a year: 2 regular
/// slots) taught by `toan` and `gdtc` commented; assigns the homeroom teacher; registers and
/// enrols `learner`.
pub fn eoy_class(w: &mut World, c: &Cast, class: &str, grade: u64, learner: &str) {
    let mut subjects: Vec<Value> = EOY_SUBJECTS
        .iter()
        .map(|code| json!({"code": code, "mode": "scored", "periods_per_year": 35}))
        .collect();
    subjects.push(json!({"code": "gdtc", "mode": "commented", "periods_per_year": 70}));
    let class_payload = |extra: Value| {
        let mut payload = json!({"school": SCHOOL, "school_year": YEAR, "class": class});
        if let (Value::Object(target), Value::Object(more)) = (&mut payload, extra) {
            target.extend(more);
        }
        payload
    };
    w.ok(
        &c.principal,
        "class.opened",
        class_payload(json!({"grade": grade, "subjects": subjects})),
    );
    for code in EOY_SUBJECTS {
        w.ok(
            &c.principal,
            "teacher.assigned",
            class_payload(json!({"duty": "subject", "subject": code, "teacher": c.toan.b64()})),
        );
    }
    w.ok(
        &c.principal,
        "teacher.assigned",
        class_payload(json!({"duty": "subject", "subject": "gdtc", "teacher": c.gdtc.b64()})),
    );
    w.ok(
        &c.principal,
        "teacher.assigned",
        class_payload(json!({"duty": "homeroom", "teacher": c.homeroom.b64()})),
    );
    w.ok(
        &c.clerk,
        "learner.registered",
        json!({"learner": learner, "identity_commitment": COMMITMENT, "school": SCHOOL}),
    );
    w.ok(
        &c.clerk,
        "learner.enrolled",
        eoy_ref(class, learner, json!({})),
    );
}

/// Records the whole year of `learner` in `class`: every assessment of each scored subject at
/// its score (so its averages are that score), gdtc at `gdtc`, and the two conduct results.
pub fn eoy_record(
    w: &mut World,
    c: &Cast,
    class: &str,
    learner: &str,
    scores: [&str; 6],
    gdtc: &str,
    conduct: [&str; 2],
) {
    for semester in [1, 2] {
        for (code, score) in EOY_SUBJECTS.iter().zip(scores) {
            let mut kinds = vec![json!({"kind": "midterm"}), json!({"kind": "final"})];
            kinds.extend((1..=2).map(|slot| json!({"kind": "regular", "slot": slot})));
            for kind in kinds {
                let mut payload = eoy_ref(
                    class,
                    learner,
                    json!({"subject": code, "semester": semester, "value": score}),
                );
                if let (Value::Object(target), Value::Object(more)) = (&mut payload, kind) {
                    target.extend(more);
                }
                w.ok(&c.toan, "assessment.recorded", payload);
            }
        }
        let mut kinds = vec![json!({"kind": "midterm"}), json!({"kind": "final"})];
        kinds.extend((1..=2).map(|slot| json!({"kind": "regular", "slot": slot})));
        for kind in kinds {
            let mut payload = eoy_ref(
                class,
                learner,
                json!({"subject": "gdtc", "semester": semester, "value": gdtc}),
            );
            if let (Value::Object(target), Value::Object(more)) = (&mut payload, kind) {
                target.extend(more);
            }
            w.ok(&c.gdtc, "assessment.recorded", payload);
        }
        w.ok(
            &c.homeroom,
            "conduct.recorded",
            eoy_ref(
                class,
                learner,
                json!({"semester": semester, "value": conduct[semester as usize - 1]}),
            ),
        );
    }
}

/// The subject teachers of an [`eoy_class`] confirm its seven subjects for `semester`.
pub fn eoy_confirm(w: &mut World, c: &Cast, class: &str, semester: u64) {
    let mut subjects: Vec<(&str, &Actor)> =
        EOY_SUBJECTS.iter().map(|code| (*code, &c.toan)).collect();
    subjects.push(("gdtc", &c.gdtc));
    confirm_subjects(w, class, semester, &subjects);
}

/// Under the default chain: the subject teachers confirm both semesters (where not yet
/// confirmed), the homeroom teacher signs off and the principal approves `learner`'s year as
/// it stands.
pub fn eoy_approve(w: &mut World, c: &Cast, class: &str, learner: &str) {
    for semester in [1, 2] {
        eoy_confirm(w, c, class, semester);
    }
    w.ok(
        &c.homeroom,
        "learner.signed_off",
        eoy_ref(class, learner, json!({})),
    );
    let digest = w
        .ledger
        .record_digest(&learner.parse().unwrap(), YEAR.parse().unwrap())
        .unwrap();
    w.ok(
        &c.principal,
        "approval.signed",
        json!({"school": SCHOOL, "school_year": YEAR,
               "entries": [{"learner": learner, "record_digest": digest.to_string()}]}),
    );
}

/// A learner with a good year (every average 8.0, gdtc Đ, conduct T): promoted, Học sinh
/// Giỏi; recorded and approved in `class` of `grade`.
pub fn eoy_good_learner(w: &mut World, c: &Cast, class: &str, grade: u64, learner: &str) {
    eoy_class(w, c, class, grade, learner);
    eoy_record(w, c, class, learner, ["8"; 6], "Đ", ["T", "T"]);
    eoy_approve(w, c, class, learner);
}
