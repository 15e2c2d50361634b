//! Audit trails: the log indexes of every event that touched a learner, a grade, a class or a
//! key, with what the node needs to add inclusion proofs.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::json;
use super::{Projections, Trail};
use crate::domain::value::{LearnerCode, SchoolYear, SubjectCode};
use crate::domain::ClassKey;
use crate::key::PublicKey;

/// What an audit trail is about.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AuditSubject {
    /// Every event naming the learner (registration, enrolments, transfers, every value,
    /// corrections, signatures).
    Learner(LearnerCode),
    /// One subject's grades of a learner in a year: the recordings, correction requests and
    /// approvals, the confirmations of that subject in the learner's classes that year, the
    /// seals and reopenings of those schools' year, and the learner's sign-offs and approvals.
    Grade {
        /// The learner.
        learner: LearnerCode,
        /// The school year.
        school_year: SchoolYear,
        /// The subject.
        subject: SubjectCode,
    },
    /// A class: its opening, teacher assignments, enrolments and transfers, every value
    /// recorded in it and its corrections, confirmations, sign-offs and approvals, and the
    /// seals and reopenings of its school's year.
    Class(ClassKey),
    /// A key: every event it signed, and every grant, revocation or assignment naming it.
    Key(PublicKey),
}

impl AuditSubject {
    fn to_json(&self) -> Value {
        match self {
            Self::Learner(learner) => json!({"learner": learner.as_str()}),
            Self::Grade {
                learner,
                school_year,
                subject,
            } => json!({
                "learner": learner.as_str(),
                "school_year": json::text(school_year),
                "subject": subject.as_str(),
            }),
            Self::Class(class) => json!({
                "school": class.school.as_str(),
                "school_year": json::text(class.school_year),
                "class": class.class.as_str(),
            }),
            Self::Key(key) => json!({"key": json::key(key)}),
        }
    }
}

/// One event of a trail.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuditEntry {
    /// The log index.
    pub index: u64,
    /// The event type.
    pub event_type: String,
    /// The author's key.
    pub author: PublicKey,
    /// The sequencing time, µs since the Unix epoch.
    pub sequenced_at_us: u64,
    /// The reason, for events that carry one.
    pub reason: Option<String>,
}

impl AuditEntry {
    /// The entry as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "index": self.index,
            "event_type": self.event_type,
            "author": json::key(&self.author),
            "sequenced_at_us": self.sequenced_at_us,
            "reason": self.reason,
        })
    }
}

/// An audit trail as of a log size, oldest first.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuditTrail {
    /// The log size this answer reflects.
    pub as_of_size: u64,
    /// What the trail is about.
    pub subject: AuditSubject,
    /// The events, by log index.
    pub entries: Vec<AuditEntry>,
}

impl AuditTrail {
    /// The log indexes.
    #[must_use]
    pub fn indexes(&self) -> Vec<u64> {
        self.entries.iter().map(|entry| entry.index).collect()
    }

    /// The trail as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "as_of_size": self.as_of_size,
            "subject": self.subject.to_json(),
            "entries": self.entries.iter().map(AuditEntry::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Projections {
    /// The audit trail of a learner, a grade, a class or a key (empty when nothing touched it).
    #[must_use]
    pub fn audit(&self, subject: &AuditSubject) -> AuditTrail {
        self.trail_of(subject, self.trail_indexes(subject).into_iter())
    }

    /// One page of an audit trail: at most `limit` entries after index `after` (from the start
    /// when `None`), with the trail's whole length and whether entries follow the page. Only
    /// the page's entries are built, so paging through a long trail stays cheap.
    #[must_use]
    pub fn audit_page(
        &self,
        subject: &AuditSubject,
        after: Option<u64>,
        limit: usize,
    ) -> (AuditTrail, usize, bool) {
        let indexes = self.trail_indexes(subject);
        let start = after.map_or(0, |after| after.saturating_add(1));
        let mut page: Vec<u64> = indexes.range(start..).copied().take(limit + 1).collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (
            self.trail_of(subject, page.into_iter()),
            indexes.len(),
            more,
        )
    }

    fn trail_of(&self, subject: &AuditSubject, indexes: impl Iterator<Item = u64>) -> AuditTrail {
        AuditTrail {
            as_of_size: self.size,
            subject: subject.clone(),
            entries: indexes
                .filter_map(|index| {
                    self.entries.get(index).map(|entry| AuditEntry {
                        index,
                        event_type: entry.event_type.to_owned(),
                        author: entry.author,
                        sequenced_at_us: entry.sequenced_at_us,
                        reason: entry.reason.map(str::to_owned),
                    })
                })
                .collect(),
        }
    }

    /// The log indexes of every event in the subject's trail.
    fn trail_indexes(&self, subject: &AuditSubject) -> BTreeSet<u64> {
        let mut indexes = BTreeSet::new();
        let mut add = |trail: Option<&Trail>| indexes.extend(trail.into_iter().flatten());
        match subject {
            AuditSubject::Learner(learner) => add(self.learner_trails.learner(learner)),
            AuditSubject::Class(class) => {
                add(self.class_trail.get(class));
                add(self
                    .seal_trail
                    .get(&(class.school.clone(), class.school_year)));
            }
            AuditSubject::Key(key) => add(self.key_trail.get(&key.to_bytes())),
            AuditSubject::Grade {
                learner,
                school_year,
                subject,
            } => {
                add(self.learner_trails.grade(learner, *school_year, subject));
                if let Some(state) = self.years.get(learner, *school_year) {
                    for enrolment in &state.enrolments {
                        let class = ClassKey {
                            school: enrolment.school.clone(),
                            school_year: *school_year,
                            class: enrolment.class.clone(),
                        };
                        add(self.lock_trail.get(&(class, subject.clone())));
                        add(self
                            .seal_trail
                            .get(&(enrolment.school.clone(), *school_year)));
                    }
                }
                let signatures = (self.learner_trails.year(learner, *school_year))
                    .into_iter()
                    .flatten();
                indexes.extend(signatures.filter(|index| {
                    self.entries.get(*index).is_some_and(|entry| {
                        matches!(entry.event_type, "learner.signed_off" | "approval.signed")
                    })
                }));
            }
        }
        indexes
    }
}
