//! `hocba demo`: a node with realistic demo data on the embedded defaults.
//!
//! On an empty data directory it creates a node that enforces the học bạ rules, rooted in the
//! demo Ministry key, and appends a generated province (`fixtures::province`: THCS, THPT and
//! GDTX schools, their staff, learners and the school year) through the real append path:
//! signature checks, the domain judge, the sequencer and group commit. The year is loaded *up to
//! today*, each event sequenced at its own date, as if the node had been running since August;
//! later events are left for the schools to append. On an existing directory it just serves.
//!
//! The demo keys are deterministic and written to `DIR/demo-keys/` (hex Ed25519 seeds), so the
//! documented examples can sign more events; next to them, `roster.json` ([`Roster`]) says what
//! each teacher key may record once the year so far is loaded, which `hocba load` reads.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use fixtures::province::{Province, Spec};
use ledger_core::key::PublicKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::Policy;
use crate::sequencer::{self, Clock};

/// The demo log's origin.
pub const DEMO_ORIGIN: &str = "demo.hocba-ledger.example/so-gddt-79/2026-2027";

/// How many learners a demo has unless told otherwise: a province (105 schools of 24 classes,
/// 100,800 learners), the size the project's performance targets name.
pub const DEFAULT_LEARNERS: u64 = 100_000;

/// Up to this many learners the demo keeps five schools (two THCS, two THPT, one GDTX centre) of
/// four classes each and grows the classes; beyond it, a province of 24-class schools.
const SMALL_PROVINCE_LEARNERS_MAX: u64 = 20 * 45;

/// The generated province of a demo with about `learners` learners.
#[must_use]
pub fn province(learners: u64) -> Province {
    let learners = learners.max(1);
    let spec = if learners <= SMALL_PROVINCE_LEARNERS_MAX {
        Spec {
            classes_per_school: 4,
            learners_per_class: u32::try_from(learners.div_ceil(20)).expect("at most 45"),
            ..Spec::small()
        }
    } else {
        Spec::province(learners)
    };
    Province::generate(&spec)
}

/// The node policy of the demo: the học bạ rules under the province's Ministry keys.
#[must_use]
pub fn policy(province: &Province) -> Policy {
    Policy::Hocba {
        ministry_keys: province
            .ministry_keys()
            .iter()
            .map(|key| base64::engine::general_purpose::STANDARD.encode(key.to_bytes()))
            .collect(),
    }
}

/// A clock that reads a set time while the demo loads past events, and the machine's clock
/// once it is cleared (0).
#[derive(Clone, Default)]
pub struct LoadingClock(Arc<AtomicU64>);

impl LoadingClock {
    /// The clock to give the node.
    #[must_use]
    pub fn clock(&self) -> Clock {
        let set = Arc::clone(&self.0);
        Arc::new(move || match set.load(Ordering::SeqCst) {
            0 => sequencer::now_us(),
            at => at,
        })
    }

    /// Sequences the next event at `at_us`.
    pub fn set(&self, at_us: u64) {
        self.0.store(at_us, Ordering::SeqCst);
    }

    /// Back to the machine's clock.
    pub fn clear(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

/// Writes the demo signing keys to `directory`, one `<label>.seed` file each (hex; demo use only).
///
/// # Errors
/// I/O errors.
pub fn write_keys(province: &Province, directory: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    let auditor = (AUDITOR_LABEL.to_owned(), auditor_key(province));
    let parent = (PARENT_LABEL.to_owned(), parent_key(province));
    for (label, key) in province.keys().into_iter().chain([auditor, parent]) {
        std::fs::write(
            directory.join(seed_file_name(&label)),
            format!("{}\n", fixtures::hex::encode(&key.to_bytes())),
        )?;
    }
    std::fs::write(directory.join("README"), KEYS_README)
}

/// Most submissions handed to the sequencer at once while loading.
const LOAD_CHUNK_MAX: usize = 4_096;

/// Days of events generated ahead of the one being appended.
const DAYS_AHEAD: usize = 2;

/// Appends the province's events claimed up to `until_ms` through `service`, in order, and then
/// the auditor's grant at the machine's time; returns how many events of the year it appended.
///
/// Events go a calendar day (Vietnam time) at a time, through the batch path, with the clock set
/// to the day's last claimed time: each event is sequenced on its own day and never before its
/// claimed time, which is all the domain reads from time (validity dates are days), and a day's
/// events share group commits instead of waiting for one `fdatasync` each. The events are
/// generated and signed on a thread of their own, a few days ahead of the day the node is
/// checking and appending, so a first start keeps every core busy. `progress` hears after each
/// day.
///
/// # Errors
/// The first refused event, with its position in the year.
pub async fn load(
    service: &dyn ledger_api::LedgerService,
    province: &Province,
    clock: &LoadingClock,
    until_ms: u64,
    progress: impl Fn(LoadProgress),
) -> Result<u64, String> {
    let (sender, mut days) = tokio::sync::mpsc::channel(DAYS_AHEAD);
    let generated = province.clone();
    std::thread::Builder::new()
        .name("demo-events".to_owned())
        .spawn(move || {
            // Stops early when the loading stops listening (an event was refused).
            group_by_day(&generated, until_ms, |day| {
                sender.blocking_send(day).is_ok()
            });
        })
        .map_err(|error| format!("cannot start the demo's event generator: {error}"))?;
    let mut count = 0u64;
    let mut first_day = None;
    while let Some(day) = days.recv().await {
        let first_day = *first_day.get_or_insert(day_of(day.last_ms));
        let last_ms = day.last_ms;
        count += append_day(service, clock, day.events, last_ms, count).await?;
        progress(LoadProgress {
            events: count,
            days_done: day_of(last_ms).saturating_sub(first_day) + 1,
            days: day_of(until_ms).saturating_sub(first_day) + 1,
        });
    }
    clock.clear();
    // The Ministry appoints the demo's auditor over the province, and the first school gives a
    // parent access to their child's record, today.
    let today_ms = crate::sequencer::now_us() / 1_000;
    for (what, grant) in [
        ("auditor", auditor_grant(province, today_ms)),
        ("parent", parent_grant(province, today_ms)),
    ] {
        service
            .submit(grant)
            .await
            .map_err(|error| format!("demo {what} grant: {error}"))?;
    }
    Ok(count)
}

/// How far a demo's loading is, after a day of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadProgress {
    /// Events appended so far.
    pub events: u64,
    /// Days loaded, counted from the year's first event's day (Vietnam time).
    pub days_done: u64,
    /// Days from that first day to the cutoff's, both counted.
    pub days: u64,
}

/// One calendar day's events (Vietnam time), in order, and the last one's claimed time.
#[derive(Default)]
struct Day {
    last_ms: u64,
    events: Vec<ledger_core::record::SignedSubmission>,
}

/// The day (Vietnam time) of a time in milliseconds, counted from 1970-01-01.
fn day_of(at_ms: u64) -> u64 {
    const DAY_MS: u64 = 86_400_000;
    let offset_ms =
        u64::try_from(ledger_core::domain::value::VIETNAM_UTC_OFFSET_S).unwrap_or(0) * 1_000;
    (at_ms + offset_ms) / DAY_MS
}

/// Hands the province's events claimed up to `until_ms` to `send` a day at a time, in order,
/// while it returns true. Each event's claimed time comes from the generator, which sets it.
fn group_by_day(province: &Province, until_ms: u64, mut send: impl FnMut(Day) -> bool) {
    let mut day = Day::default();
    for (position, submission) in province.sequenced() {
        let claimed_ms = position.sequenced_at_us / 1_000;
        if claimed_ms > until_ms {
            break;
        }
        if !day.events.is_empty()
            && day_of(claimed_ms) != day_of(day.last_ms)
            && !send(std::mem::take(&mut day))
        {
            return;
        }
        day.last_ms = claimed_ms;
        day.events.push(submission);
    }
    if !day.events.is_empty() {
        send(day);
    }
}

/// Appends one day's events in order, in chunks through the batch path, sequenced at `at_ms`
/// (the day's last claimed time); `first` is the first event's position in the year. Returns how
/// many it appended.
async fn append_day(
    service: &dyn ledger_api::LedgerService,
    clock: &LoadingClock,
    events: Vec<ledger_core::record::SignedSubmission>,
    at_ms: u64,
    first: u64,
) -> Result<u64, String> {
    clock.set(at_ms * 1_000);
    let mut done = 0u64;
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let chunk: Vec<_> = events.by_ref().take(LOAD_CHUNK_MAX).map(Ok).collect();
        for answer in service.submit_batch(chunk).await {
            answer.map_err(|error| format!("demo event {}: {error}", first + done))?;
            done += 1;
        }
    }
    Ok(done)
}

/// The label of the demo's auditor: an inspector (`thanh_tra`) the Ministry appoints over the
/// whole province, so the documented examples can read every school with one key.
pub const AUDITOR_LABEL: &str = "thanh-tra";

/// The demo auditor's signing key.
#[must_use]
pub fn auditor_key(province: &Province) -> ed25519_dalek::SigningKey {
    province.signing_key(AUDITOR_LABEL)
}

/// The Ministry's grant of `thanh_tra` over the province to the demo auditor, claimed at
/// `at_ms`, valid from the school year's first day.
#[must_use]
pub fn auditor_grant(province: &Province, at_ms: u64) -> ledger_core::record::SignedSubmission {
    demo_grant(
        province,
        "bo-gddt",
        &auditor_key(province),
        serde_json::json!({
            "grant_id": "thanh-tra-79",
            "role": "thanh_tra",
            "scope": {"unit": fixtures::province::PROVINCE_CODE},
        }),
        at_ms,
    )
}

/// The label of the demo's parent: the parent (`phu_huynh`) of the first learner of the first
/// school, given access to that one record by the school's clerk.
pub const PARENT_LABEL: &str = "phu-huynh";

/// The demo parent's signing key.
#[must_use]
pub fn parent_key(province: &Province) -> ed25519_dalek::SigningKey {
    province.signing_key(PARENT_LABEL)
}

/// The learner whose record the demo parent reads.
#[must_use]
pub fn parent_learner(province: &Province) -> String {
    province.learner_code(0, 0, 0)
}

/// The first school clerk's grant of `phu_huynh` for [`parent_learner`] to the demo parent,
/// claimed at `at_ms`.
#[must_use]
pub fn parent_grant(province: &Province, at_ms: u64) -> ledger_core::record::SignedSubmission {
    let school = &province.schools()[0].code;
    demo_grant(
        province,
        &format!("{school}/van-thu"),
        &parent_key(province),
        serde_json::json!({
            "grant_id": format!("phu-huynh-{}", parent_learner(province)),
            "role": "phu_huynh",
            "scope": {"unit": school, "learner": parent_learner(province)},
        }),
        at_ms,
    )
}

/// A grant of `fields` (id, role, scope) to `grantee` by the key labelled `grantor`, valid from
/// the school year's first day.
///
/// # Panics
/// Never for the generated province (its keys and the payloads above are valid by construction).
fn demo_grant(
    province: &Province,
    grantor: &str,
    grantee: &ed25519_dalek::SigningKey,
    fields: serde_json::Value,
    at_ms: u64,
) -> ledger_core::record::SignedSubmission {
    use base64::Engine as _;
    let grantor = province.signing_key(grantor);
    let mut payload = fields.as_object().expect("an object").clone();
    payload.insert(
        "grantee".to_owned(),
        base64::engine::general_purpose::STANDARD
            .encode(grantee.verifying_key().as_bytes())
            .into(),
    );
    payload.insert("valid_from".to_owned(), "2026-08-01".into());
    let id = format!("demo:grant:{}", payload["grant_id"].as_str().unwrap_or(""));
    let submission = ledger_core::record::Submission::new(
        ledger_core::key::PublicKey::from(&grantor),
        at_ms,
        "authority.granted",
        id,
        payload,
        1,
    )
    .expect("a valid submission");
    ledger_core::record::SignedSubmission::sign(&submission, &grantor)
}

/// The file holding the seed of the key labelled `label` in the demo keys' directory.
#[must_use]
pub fn seed_file_name(label: &str) -> String {
    format!("{}.seed", label.replace('/', "_"))
}

/// The README of the demo keys' directory, documenting `roster.json`.
const KEYS_README: &str = r#"Deterministic demo keys (hex Ed25519 seeds), named after their holders' roles.
Public demo material: never use them for real records.

bo-gddt.seed is a Ministry root key (reads and grants everything); thanh-tra.seed is an auditor
the Ministry appointed over the whole province (role thanh_tra: reads every school, signs no
school-record event); phu-huynh.seed is a parent the first school's clerk gave access to one
learner's record (role phu_huynh: reads learner 7901000100001 and nothing else, signs nothing);
so-gddt-79.seed is the provincial department; <school>_hieu-truong.seed
are principals; <school>_gv_<subject>_<group>.seed subject teachers; <school>_gvcn_<class>.seed
homeroom teachers.

roster.json says what each teacher key may record now that the school year has been loaded up
to `loaded_until_ms`; `hocba load` reads it. Format (version 1):

  {
    "format": 1,
    "origin": "<the demo log's origin>",
    "loaded_until_ms": <Unix ms: events claimed up to this time were appended>,
    "classes": [
      {"school": "79010001", "school_year": "2026-2027", "class": "10A1", "grade": 10,
       "learners": ["7901000100001", ...]}                  (actively enrolled learners)
    ],
    "teachers": [
      {"label": "79010001/gv/toan/1", "seed": "79010001_gv_toan_1.seed",
       "valid_from": "2026-08-01", "valid_until": "2027-07-31",   (the grant, Vietnam dates)
       "duties": [
         {"school": "79010001", "school_year": "2026-2027", "class": "10A1",
          "duty": "subject", "subject": "toan", "mode": "scored", "regular_slots": 4,
          "semester": 1},
         {"school": "79010001", "school_year": "2026-2027", "class": "10A1",
          "duty": "homeroom", "semester": 1}
       ]}
    ]
  }

A duty is listed when the key is the teacher assigned to it, its grant is not revoked, and a
semester is still open for it (not sealed, and for a subject not confirmed): `semester` is the
first open one. `mode` is `scored` (values "0" to "10", one decimal) or `commented`
("Đ" or "CĐ"); `regular_slots` is the number of regular assessments per semester.
Nothing changes the state but appended events, so the roster stays true until someone appends
a lock, an assignment or a transfer, or the grant's `valid_until` passes.
"#;

/// The file name of the roster in the demo keys' directory.
pub const ROSTER_FILE: &str = "roster.json";

/// What each teacher key of a demo may record once the school year is loaded up to a time:
/// the contents of `roster.json` (documented in the keys' README).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// The file's format version: 1.
    pub format: u32,
    /// The demo log's origin.
    pub origin: String,
    /// Events claimed up to this time (Unix ms) were appended.
    pub loaded_until_ms: u64,
    /// Every opened class with its actively enrolled learners.
    pub classes: Vec<RosterClass>,
    /// Every teacher key with at least one duty it may record for now.
    pub teachers: Vec<RosterTeacher>,
}

/// A class of the roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterClass {
    /// The school's unit code.
    pub school: String,
    /// The school year (`2026-2027`).
    pub school_year: String,
    /// The class name (`10A1`).
    pub class: String,
    /// The grade, 6 to 12.
    pub grade: u8,
    /// The learner codes actively enrolled in the class, in order.
    pub learners: Vec<String>,
}

/// A teacher key of the roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterTeacher {
    /// The key's label ([`Province::keys`]).
    pub label: String,
    /// The seed file's name in the keys' directory.
    pub seed: String,
    /// First day of the teacher grant (Vietnam time).
    pub valid_from: String,
    /// Last day of the teacher grant, if it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// What the key may record.
    pub duties: Vec<RosterDuty>,
}

/// One duty of a teacher: a subject of a class, or a class's homeroom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterDuty {
    /// The school's unit code.
    pub school: String,
    /// The school year.
    pub school_year: String,
    /// The class name.
    pub class: String,
    /// `subject` (assessments) or `homeroom` (conduct, absences, sign-off).
    pub duty: String,
    /// The subject code, for a subject duty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `scored` or `commented`, for a subject duty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Regular assessments (ĐĐGtx) per semester, for a subject duty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regular_slots: Option<u8>,
    /// The first semester still open for this duty.
    pub semester: u8,
}

/// The roster of `province` once its events claimed up to `until_ms` are appended (to an empty
/// log, in order, as `hocba demo` does).
///
/// It is read off those events as they were generated: assignments (the latest per duty),
/// enrolments, transfers and withdrawals, grants and revocations, confirmations, seals and
/// reopenings, the only events that change who may record what.
#[must_use]
pub fn roster(province: &Province, origin: &str, until_ms: u64) -> Roster {
    let labels: HashMap<String, String> = province
        .keys()
        .into_iter()
        .map(|(label, key)| {
            let public = PublicKey::from(&key);
            (
                base64::engine::general_purpose::STANDARD.encode(public.to_bytes()),
                label,
            )
        })
        .collect();
    let mut state = RosterState::default();
    for draft in province.drafts() {
        if draft.claimed_at_ms > until_ms {
            break;
        }
        state.apply(draft.event_type, &draft.payload);
    }
    state.roster(province, &labels, origin, until_ms)
}

/// The demo keys' directory inside a demo node's data directory.
#[must_use]
pub fn keys_directory(data: &Path) -> std::path::PathBuf {
    data.join("demo-keys")
}

/// Creates a demo node in `data`: its configuration under the province's Ministry keys, the
/// demo keys and the roster of what each teacher may record once the year is loaded up to
/// `until_ms`. Loading the year ([`load`]) comes next, through the opened node.
///
/// # Errors
/// A message for a directory that already holds a node, or an I/O error.
pub fn create(
    data: &Path,
    province: &Province,
    until_ms: u64,
) -> Result<crate::config::NodeConfig, String> {
    let config = crate::config::init(
        &crate::layout::Layout::new(data),
        DEMO_ORIGIN,
        policy(province),
    )
    .map_err(|error| error.to_string())?;
    let keys = keys_directory(data);
    write_keys(province, &keys).map_err(|error| error.to_string())?;
    write_roster(province, &config.origin, until_ms, &keys).map_err(|error| error.to_string())?;
    Ok(config)
}

/// Writes `roster.json` ([`roster`]) into the demo keys' `directory`.
///
/// # Errors
/// I/O errors.
pub fn write_roster(
    province: &Province,
    origin: &str,
    until_ms: u64,
    directory: &Path,
) -> std::io::Result<()> {
    let roster = roster(province, origin, until_ms);
    let mut json = serde_json::to_vec_pretty(&roster).map_err(std::io::Error::other)?;
    json.push(b'\n');
    std::fs::create_dir_all(directory)?;
    std::fs::write(directory.join(ROSTER_FILE), json)
}

/// A class, a duty, or a lock: keys of the roster's fold.
type ClassId = (String, String, String);

/// The part of the domain state the roster needs, folded over the generated events.
#[derive(Default)]
struct RosterState {
    opened: BTreeSet<ClassId>,
    /// (class, subject or None for homeroom) -> the assigned teacher's key (base64).
    assigned: BTreeMap<(ClassId, Option<String>), String>,
    /// learner -> the class of the active enrolment.
    enrolled: HashMap<String, ClassId>,
    /// grant id -> the grant.
    grants: HashMap<String, GrantRow>,
    /// grantee key (base64) -> the ids of its grants.
    grants_by_key: HashMap<String, Vec<String>>,
    /// (class, subject, semester) confirmed.
    confirmed: HashSet<(ClassId, String, u64)>,
    /// (school, school year, term) sealed.
    sealed: HashSet<(String, String, String)>,
}

struct GrantRow {
    role: String,
    unit: String,
    school_year: Option<String>,
    valid_from: String,
    valid_until: Option<String>,
    revoked: bool,
}

fn text(payload: &Map<String, Value>, field: &str) -> String {
    payload
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn class_of(payload: &Map<String, Value>) -> ClassId {
    (
        text(payload, "school"),
        text(payload, "school_year"),
        text(payload, "class"),
    )
}

impl RosterState {
    fn apply(&mut self, event_type: &str, payload: &Map<String, Value>) {
        match event_type {
            "class.opened" => {
                self.opened.insert(class_of(payload));
            }
            "teacher.assigned" => {
                let subject = payload
                    .get("subject")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.assigned
                    .insert((class_of(payload), subject), text(payload, "teacher"));
            }
            "learner.enrolled" | "learner.transferred_in" => {
                self.enrolled
                    .insert(text(payload, "learner"), class_of(payload));
            }
            "learner.transferred_out" | "learner.withdrawn" => {
                self.enrolled.remove(&text(payload, "learner"));
            }
            "authority.granted" => {
                let scope = payload.get("scope").and_then(Value::as_object);
                let scope_text = |field: &str| {
                    scope
                        .and_then(|scope| scope.get(field))
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                };
                let grant_id = text(payload, "grant_id");
                self.grants_by_key
                    .entry(text(payload, "grantee"))
                    .or_default()
                    .push(grant_id.clone());
                self.grants.insert(
                    grant_id,
                    GrantRow {
                        role: text(payload, "role"),
                        unit: scope_text("unit").unwrap_or_default(),
                        school_year: scope_text("school_year"),
                        valid_from: text(payload, "valid_from"),
                        valid_until: payload
                            .get("valid_until")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        revoked: false,
                    },
                );
            }
            "authority.revoked" => {
                if let Some(grant) = self.grants.get_mut(&text(payload, "grant_id")) {
                    grant.revoked = true;
                }
            }
            "subject.confirmed" => {
                let semester = payload.get("semester").and_then(Value::as_u64).unwrap_or(0);
                self.confirmed
                    .insert((class_of(payload), text(payload, "subject"), semester));
            }
            "term.sealed" => {
                self.sealed.insert((
                    text(payload, "school"),
                    text(payload, "school_year"),
                    text(payload, "term"),
                ));
            }
            "term.reopened" => {
                let (school, year, term) = (
                    text(payload, "school"),
                    text(payload, "school_year"),
                    text(payload, "term"),
                );
                // Reopening lifts the seal and the confirmations of the semesters it covers.
                self.confirmed.retain(|((s, y, _), _, semester)| {
                    !(s == &school
                        && y == &year
                        && (term == "year" || term == format!("semester_{semester}")))
                });
                self.sealed.remove(&(school, year, term));
            }
            _ => {}
        }
    }

    /// The first semester open for a duty: neither the semester nor the year sealed, and for a
    /// subject not confirmed.
    fn open_semester(&self, class: &ClassId, subject: Option<&str>) -> Option<u8> {
        let (school, year, _) = class;
        let sealed = |term: &str| {
            self.sealed
                .contains(&(school.clone(), year.clone(), term.to_owned()))
        };
        if sealed("year") {
            return None;
        }
        [1u8, 2].into_iter().find(|&semester| {
            !sealed(&format!("semester_{semester}"))
                && subject.is_none_or(|subject| {
                    !self.confirmed.contains(&(
                        class.clone(),
                        subject.to_owned(),
                        u64::from(semester),
                    ))
                })
        })
    }

    /// The unrevoked grant of `role` that `key` holds for the school and year of `class`.
    fn teacher_grant(&self, key: &str, role: &str, class: &ClassId) -> Option<&GrantRow> {
        let (school, year, _) = class;
        let ids = self.grants_by_key.get(key)?;
        ids.iter()
            .filter_map(|id| self.grants.get(id))
            .find(|grant| {
                grant.role == role
                    && !grant.revoked
                    && &grant.unit == school
                    && grant.school_year.as_ref().is_none_or(|y| y == year)
            })
    }

    fn roster(
        &self,
        province: &Province,
        labels: &HashMap<String, String>,
        origin: &str,
        until_ms: u64,
    ) -> Roster {
        let generated: HashMap<(&str, &str), &fixtures::province::Class> = province
            .schools()
            .iter()
            .flat_map(|school| {
                school
                    .classes
                    .iter()
                    .map(move |class| ((school.code.as_str(), class.name.as_str()), class))
            })
            .collect();
        let generated_class =
            |(school, _, name): &ClassId| generated.get(&(school.as_str(), name.as_str())).copied();
        let mut learners: BTreeMap<&ClassId, Vec<String>> = BTreeMap::new();
        for (learner, class) in &self.enrolled {
            learners.entry(class).or_default().push(learner.clone());
        }
        let classes = self
            .opened
            .iter()
            .filter_map(|class| {
                let (school, year, name) = class;
                let grade = generated_class(class)?.grade;
                let mut codes = learners.get(class).cloned().unwrap_or_default();
                codes.sort();
                Some(RosterClass {
                    school: school.clone(),
                    school_year: year.clone(),
                    class: name.clone(),
                    grade,
                    learners: codes,
                })
            })
            .collect();
        let mut teachers: BTreeMap<&str, RosterTeacher> = BTreeMap::new();
        for ((class, subject), key) in &self.assigned {
            let Some(label) = labels.get(key) else {
                continue;
            };
            let role = if subject.is_some() {
                "gv_bo_mon"
            } else {
                "gv_chu_nhiem"
            };
            let Some(grant) = self.teacher_grant(key, role, class) else {
                continue;
            };
            let Some(semester) = self.open_semester(class, subject.as_deref()) else {
                continue;
            };
            let spec = subject.as_deref().and_then(|code| {
                generated_class(class)?
                    .subjects
                    .iter()
                    .find(|spec| spec.code == code)
                    .copied()
            });
            let (school, year, name) = class;
            teachers
                .entry(label)
                .or_insert_with(|| RosterTeacher {
                    label: label.clone(),
                    seed: seed_file_name(label),
                    valid_from: grant.valid_from.clone(),
                    valid_until: grant.valid_until.clone(),
                    duties: Vec::new(),
                })
                .duties
                .push(RosterDuty {
                    school: school.clone(),
                    school_year: year.clone(),
                    class: name.clone(),
                    duty: if subject.is_some() {
                        "subject"
                    } else {
                        "homeroom"
                    }
                    .to_owned(),
                    subject: subject.clone(),
                    mode: spec.map(|s| s.mode.as_str().to_owned()),
                    regular_slots: spec.map(|s| s.regular_count()),
                    semester,
                });
        }
        Roster {
            format: 1,
            origin: origin.to_owned(),
            loaded_until_ms: until_ms,
            classes,
            teachers: teachers.into_values().collect(),
        }
    }
}
