//! Offline reads of a node's data directory: the domain projections replayed from the segment
//! files up to the newest signed checkpoint, so every answer reflects exactly that checkpoint.
//! Safe beside a running node: it only reads.

use ledger_core::domain::value::LearnerCode;
use ledger_core::projection::{AuditSubject, Projections};
use ledger_core::record::verify_record;
use serde_json::{json, Value};

use crate::config::{self, Policy};
use crate::judge::{DomainJudge, Judge as _, Position};
use crate::layout::Layout;
use crate::node::open_history_read_only;
use crate::scan;

/// Projections replayed up to the newest checkpoint, with that checkpoint.
pub struct Replayed {
    /// The projections.
    pub projections: Projections,
    /// The newest checkpoint's tree size.
    pub size: u64,
    /// Its root, base64.
    pub root: String,
}

/// Replays the domain of the node in `layout` up to its newest checkpoint.
///
/// # Errors
/// A description of what failed: no domain policy, no checkpoint, an unreadable or invalid log.
pub fn replay(layout: &Layout, mut progress: impl FnMut(u64)) -> Result<Replayed, String> {
    let config = config::load(layout).map_err(|error| error.to_string())?;
    let Policy::Hocba { ministry_keys } = &config.policy else {
        return Err("this node does not keep school records (its policy is `open`)".to_owned());
    };
    let verifier = config.verifier().map_err(|error| error.to_string())?;
    let checkpoints =
        open_history_read_only(layout, &verifier).map_err(|error| error.to_string())?;
    let (checkpoint, _) = checkpoints
        .last()
        .ok_or("the node has signed no checkpoint yet")?;
    let size = checkpoint.size;
    let mut judge = DomainJudge::new(crate::judge::ministry_keys_of(ministry_keys)?);
    scan::scan(&layout.segments(), |index, bytes| {
        if index >= size {
            return Ok(());
        }
        let record = verify_record(bytes)
            .map_err(|error| std::io::Error::other(format!("record {index}: {error}")))?;
        judge
            .admit(
                record.submission(),
                Position {
                    index,
                    sequenced_at_us: record.view().sequenced_at_us(),
                },
            )
            .map_err(|error| {
                std::io::Error::other(format!("record {index}: {} ({})", error.detail, error.code))
            })?;
        if index % 65_536 == 0 {
            progress(index);
        }
        Ok::<(), std::io::Error>(())
    })
    .map_err(|error| error.to_string())?;
    let projections = judge.projections();
    let projections = projections.read().expect("projections lock").clone();
    Ok(Replayed {
        projections,
        size,
        root: checkpoint.root.to_base64(),
    })
}

impl Replayed {
    fn answer(&self, body: Value) -> Value {
        json!({
            "checkpoint": {"size": self.size, "root": self.root},
            "answer": body,
        })
    }

    /// A learner's transcript (học bạ), naming the checkpoint it reflects.
    ///
    /// # Errors
    /// An invalid learner code, or a learner the log does not know.
    pub fn transcript(&self, learner: &str) -> Result<Value, String> {
        let code = LearnerCode::parse(learner)?;
        let transcript = self
            .projections
            .transcript(&code)
            .ok_or_else(|| format!("the log has no learner {learner} (không có người học)"))?;
        Ok(self.answer(transcript.to_json()))
    }

    /// Every event that touched a learner, naming the checkpoint it reflects.
    ///
    /// # Errors
    /// An invalid learner code.
    pub fn learner_history(&self, learner: &str) -> Result<Value, String> {
        let code = LearnerCode::parse(learner)?;
        Ok(self.answer(
            self.projections
                .audit(&AuditSubject::Learner(code))
                .to_json(),
        ))
    }
}
