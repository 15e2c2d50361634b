//! Projection reads: transcripts, gradebooks, audit trails and authority, answered from the
//! projections the sequencer keeps, refused unless the reader's authority covers the data, and
//! proven under a signed checkpoint that covers every record the answer reflects.
//!
//! The projections follow the sequencer, which admits an event before its batch is durable. An
//! answer therefore waits until a checkpoint covers its `as_of_size`; a reader asking for it
//! wakes the checkpointer, so the wait is one group commit and one signature, not a full
//! checkpoint interval. Nothing in an answer is ever unproven or not yet durable.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use ledger_api::service::{AuthorityFilter, FeedFilter, ReadQuery};
use ledger_api::wire::{CheckpointRef, ReflectedRaw};
use ledger_api::ApiError;
use ledger_core::domain::value::{LearnerCode, UnitCode};
use ledger_core::key::PublicKey;
use ledger_core::projection::access::{AccessRefusal, ReadTarget};
use ledger_core::projection::{AuditSubject, Projections};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::judge::SharedProjections;
use crate::log::Log;
use crate::node::{CheckpointWaiter, Published};

/// The read side of a domain node.
pub struct Reads {
    pub(crate) log: Arc<Log>,
    pub(crate) projections: SharedProjections,
    pub(crate) checkpoints: CheckpointWaiter,
    pub(crate) clock: crate::sequencer::Clock,
    pub(crate) transcripts: TranscriptCache,
}

/// Most transcripts kept serialized at once.
const TRANSCRIPT_CACHE_MAX: usize = 4_096;

/// Transcripts already serialized, valid for one projections size. Any event can change a
/// transcript (a grade, but also a school renamed, a term sealed, a signing policy set), so the
/// whole cache is dropped as soon as the size moves; while nothing is appended, reading a
/// transcript again costs a copy instead of recomputing the learner's years. The access check
/// is made for every request, before the cache is looked at.
#[derive(Default)]
pub(crate) struct TranscriptCache(Mutex<CachedTranscripts>);

#[derive(Default)]
struct CachedTranscripts {
    size: u64,
    answers: HashMap<LearnerCode, Box<RawValue>>,
}

impl TranscriptCache {
    /// The serialized transcript of `learner` at `projections`' size, from the cache or built.
    fn get_or_build(
        &self,
        projections: &Projections,
        learner: &LearnerCode,
    ) -> Result<Box<RawValue>, ApiError> {
        let size = projections.as_of_size();
        {
            let cached = self.0.lock().expect("transcript cache lock");
            if cached.size == size {
                if let Some(answer) = cached.answers.get(learner) {
                    return Ok(answer.clone());
                }
            }
        }
        let transcript = projections.transcript(learner).ok_or_else(|| {
            unknown(
                "learner-unknown",
                format!("no learner {learner} in the log"),
            )
        })?;
        let answer = raw(&transcript.to_json())?;
        let mut cached = self.0.lock().expect("transcript cache lock");
        if cached.size != size || cached.answers.len() >= TRANSCRIPT_CACHE_MAX {
            cached.answers.clear();
            cached.size = size;
        }
        cached.answers.insert(learner.clone(), answer.clone());
        Ok(answer)
    }
}

/// JSON text of a built answer.
fn raw(data: &Value) -> Result<Box<RawValue>, ApiError> {
    serde_json::value::to_raw_value(data)
        .map_err(|error| ApiError::internal(format!("serialize an answer: {error}")))
}

/// What one evaluation under the projections' lock produced.
struct Answer {
    data: Value,
    as_of_size: u64,
    /// For audit trails: the indexes whose inclusion proofs go with the entries.
    proven: Option<Vec<u64>>,
}

impl Reads {
    /// Answers `query` for `reader`.
    ///
    /// # Errors
    /// `401 auth-missing` for an unsigned request, the access refusal, `404` for an unknown
    /// learner or class, `503 checkpoint-pending` when no checkpoint covers the answer in time.
    pub async fn read(
        &self,
        reader: Option<PublicKey>,
        query: ReadQuery,
    ) -> Result<ReflectedRaw, ApiError> {
        if let ReadQuery::Unit(unit) = &query {
            return self.unit(unit).await;
        }
        let Some(reader) = reader else {
            return Err(ApiError::refused(
                "auth-missing",
                ledger_api::error::title_of("auth-missing"),
                "this read needs a request signed by an enrolled key (docs/AUTH.md); the public \
                 endpoints are /log/…, /v1/records/…, /v1/proofs/consistency, /healthz, \
                 /metrics and /openapi.json",
            )
            .with_status(401));
        };
        if let ReadQuery::Feed {
            filter,
            after,
            limit,
        } = &query
        {
            return self.feed(&reader, filter, *after, *limit);
        }
        if let ReadQuery::Transcript(learner) = &query {
            let (data, as_of_size) = {
                let projections = self.projections.read().expect("projections lock");
                projections
                    .may_read(&reader, (self.clock)(), ReadTarget::Learner(learner))
                    .map_err(|refusal| access_refused(&refusal))?;
                let data = self.transcripts.get_or_build(&projections, learner)?;
                (data, projections.as_of_size())
            };
            return self.proven(as_of_size, data).await;
        }
        let answer = {
            let projections = self.projections.read().expect("projections lock");
            evaluate(&projections, &reader, (self.clock)(), &query)?
        };
        let published = self.checkpoints.covering(answer.as_of_size).await?;
        let mut data = answer.data;
        if let Some(indexes) = answer.proven {
            self.attach_proofs(&mut data, &indexes, published.size)?;
        }
        Ok(ReflectedRaw {
            checkpoint: checkpoint_ref(&published),
            as_of_size: answer.as_of_size,
            data: raw(&data)?,
        })
    }

    /// A unit's history, public: units and schools are public facts and the answer carries no
    /// personal data. Proven like every projection answer, under a covering checkpoint.
    async fn unit(&self, unit: &UnitCode) -> Result<ReflectedRaw, ApiError> {
        let (data, as_of_size) = {
            let projections = self.projections.read().expect("projections lock");
            let view = projections.unit(unit).ok_or_else(|| {
                unknown(
                    "unit-unknown",
                    format!("no unit {unit} in the log (unit codes are permanent)"),
                )
            })?;
            (view.to_json(), projections.as_of_size())
        };
        self.proven(as_of_size, raw(&data)?).await
    }

    /// An answer reflecting the first `as_of_size` records, once a checkpoint covers them.
    async fn proven(&self, as_of_size: u64, data: Box<RawValue>) -> Result<ReflectedRaw, ApiError> {
        let published = self.checkpoints.covering(as_of_size).await?;
        Ok(ReflectedRaw {
            checkpoint: checkpoint_ref(&published),
            as_of_size,
            data,
        })
    }

    /// A page of the change feed: the matching records the newest checkpoint covers, each with
    /// its bytes, so a vendor can check them against the log and apply them in order.
    fn feed(
        &self,
        reader: &PublicKey,
        filter: &FeedFilter,
        after: Option<u64>,
        limit: usize,
    ) -> Result<ReflectedRaw, ApiError> {
        let target = match filter {
            FeedFilter::All => ReadTarget::Everything,
            FeedFilter::School(school) => ReadTarget::Unit(school),
            FeedFilter::Class(class) => ReadTarget::Class(class),
            FeedFilter::Learner(learner) => ReadTarget::Learner(learner),
        };
        let published = self.checkpoints.published().ok_or_else(|| {
            ApiError::unavailable("checkpoint-pending", "no checkpoint has been signed yet")
        })?;
        // A cursor names a record a page returned, which a checkpoint covered; checkpoints never
        // shrink, so a cursor at or beyond the newest one is not from this log.
        if let Some(after) = after.filter(|&after| after >= published.size) {
            return Err(ApiError::refused(
                "cursor-invalid",
                ledger_api::error::title_of("cursor-invalid"),
                format!(
                    "after={after} is beyond this log's newest checkpoint (size {}); resume \
                     from a cursor a page of this log returned",
                    published.size
                ),
            ));
        }
        let (page, types) = {
            let projections = self.projections.read().expect("projections lock");
            projections
                .may_read(reader, (self.clock)(), target)
                .map_err(|refusal| access_refused(&refusal))?;
            let page = projections.feed(filter, after, published.size, limit);
            let types: Vec<String> = page
                .indexes
                .iter()
                .map(|&index| {
                    projections
                        .entry(index)
                        .map_or_else(String::new, |(event_type, _)| event_type.to_owned())
                })
                .collect();
            (page, types)
        };
        let mut records = Vec::with_capacity(page.indexes.len());
        for (&index, event_type) in page.indexes.iter().zip(types) {
            let bytes = self
                .log
                .read_record(index)
                .map_err(|error| ApiError::internal(format!("read record {index}: {error}")))?;
            records.push(serde_json::json!({
                "index": index,
                "event_type": event_type,
                "leaf_hash": ledger_core::tree::leaf_hash(&bytes).to_base64(),
                "record": base64::engine::general_purpose::STANDARD.encode(&bytes),
            }));
        }
        let next_after = page.indexes.last().copied().or(after);
        Ok(ReflectedRaw {
            checkpoint: checkpoint_ref(&published),
            as_of_size: published.size,
            data: raw(&serde_json::json!({
                "records": records,
                "next_after": next_after,
                "more": page.more,
            }))?,
        })
    }

    /// Adds each audit entry's leaf hash and its inclusion proof in the checkpoint of `size`.
    fn attach_proofs(&self, data: &mut Value, indexes: &[u64], size: u64) -> Result<(), ApiError> {
        let Some(entries) = data.get_mut("entries").and_then(Value::as_array_mut) else {
            return Err(ApiError::internal("an audit answer without entries"));
        };
        for (entry, &index) in entries.iter_mut().zip(indexes) {
            let bytes = self
                .log
                .read_record(index)
                .map_err(|error| ApiError::internal(format!("read record {index}: {error}")))?;
            let proof = ledger_core::tree::inclusion_proof(index, size, self.log.tree())
                .map_err(|error| ApiError::internal(format!("inclusion proof: {error}")))?;
            entry["leaf_hash"] = Value::String(ledger_core::tree::leaf_hash(&bytes).to_base64());
            entry["proof"] = proof
                .iter()
                .map(|hash| Value::String(hash.to_base64()))
                .collect();
        }
        Ok(())
    }
}

/// Checks access and computes the answer from the projections.
fn evaluate(
    projections: &Projections,
    reader: &PublicKey,
    now_us: u64,
    query: &ReadQuery,
) -> Result<Answer, ApiError> {
    let allow = |target: ReadTarget<'_>| {
        projections
            .may_read(reader, now_us, target)
            .map_err(|refusal| access_refused(&refusal))
    };
    let as_of_size = projections.as_of_size();
    let plain = |data: Value| Answer {
        data,
        as_of_size,
        proven: None,
    };
    match query {
        ReadQuery::Gradebook {
            class,
            subject,
            semester,
        } => {
            allow(ReadTarget::Class(class))?;
            let gradebook = projections
                .gradebook(class, subject, *semester)
                .ok_or_else(|| {
                    unknown(
                        "class-unknown",
                        format!("no class {class} in the log, or it does not study {subject}"),
                    )
                })?;
            Ok(plain(gradebook.to_json()))
        }
        ReadQuery::Audit {
            subject,
            after,
            limit,
        } => {
            let target = match subject {
                AuditSubject::Learner(learner) | AuditSubject::Grade { learner, .. } => {
                    ReadTarget::Learner(learner)
                }
                AuditSubject::Class(class) => ReadTarget::Class(class),
                AuditSubject::Key(key) => ReadTarget::Key(key),
            };
            allow(target)?;
            let (trail, total, more) = projections.audit_page(subject, *after, *limit);
            let indexes = trail.indexes();
            let mut data = trail.to_json();
            data["total_entries"] = Value::from(total);
            data["more"] = Value::from(more);
            data["next_after"] = match (more, indexes.last()) {
                (true, Some(&last)) => Value::from(last),
                _ => Value::Null,
            };
            Ok(Answer {
                data,
                as_of_size,
                proven: Some(indexes),
            })
        }
        ReadQuery::Transcript(_) | ReadQuery::Feed { .. } | ReadQuery::Unit(_) => {
            Err(ApiError::internal(
                "transcripts, the feed and unit histories are answered before evaluate",
            ))
        }
        ReadQuery::Authority(filter) => {
            let state = match filter {
                AuthorityFilter::All => {
                    allow(ReadTarget::Everything)?;
                    projections.authority()
                }
                AuthorityFilter::Unit(unit) => {
                    allow(ReadTarget::Unit(unit))?;
                    projections.grants_at(unit)
                }
                AuthorityFilter::Key(key) => {
                    allow(ReadTarget::Key(key))?;
                    projections.grants_of(key)
                }
            };
            Ok(plain(state.to_json()))
        }
    }
}

/// The HTTP problem of an access refusal: 401 for a key the log never granted anything, 403
/// otherwise.
pub(crate) fn access_refused(refusal: &AccessRefusal) -> ApiError {
    let code = refusal.code();
    let status = if code == "auth-key-unknown" { 401 } else { 403 };
    ApiError::refused(code, ledger_api::error::title_of(code), refusal.to_string())
        .with_status(status)
}

fn unknown(code: &str, detail: String) -> ApiError {
    ApiError::refused(code, ledger_api::error::title_of(code), detail).with_status(404)
}

fn checkpoint_ref(published: &Published) -> CheckpointRef {
    let note = String::from_utf8_lossy(&published.note).into_owned();
    CheckpointRef {
        origin: note.lines().next().unwrap_or_default().to_owned(),
        size: published.size,
        root: published.root.to_base64(),
        note,
    }
}
