//! Who may read what: read access follows the same authority the log records for writing.
//!
//! A reader is a key. It may read:
//!
//! - everything, if it is one of the Ministry's root keys;
//! - through a live grant of a unit role (Sở GDĐT, UBND xã, principal, deputy, GDTX director,
//!   clerk, inspector `thanh_tra`): every school under the grant's unit — the school's
//!   classes, the learners who were ever registered or enrolled there (their whole record, as
//!   the custodian chain needs it), and the keys granted there;
//! - through a live teacher grant (subject or homeroom teacher): the classes the key is
//!   assigned to, and the learners on those classes' rosters;
//! - through a live learner or parent grant (`hoc_sinh`, `phu_huynh`): the one learner the grant
//!   names, their whole record across schools and years, and nothing else;
//! - its own key's trail and grants.
//!
//! A grant is live for reading when it is not revoked and `now` lies in its validity period.
//! A unit covers a school when it is the school or one of its ancestors, following a merged
//! unit to its successor; reads follow the unit, not the grant's school year.

use super::{GrantInfo, Projections};
use crate::domain::value::{LearnerCode, Role, UnitCode};
use crate::domain::ClassKey;
use crate::key::PublicKey;

/// What a read is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadTarget<'a> {
    /// A learner's record (transcript, audit trail, grades).
    Learner(&'a LearnerCode),
    /// A class (gradebook, audit trail).
    Class(&'a ClassKey),
    /// A key's trail and grants.
    Key(&'a PublicKey),
    /// The grants of a unit.
    Unit(&'a UnitCode),
    /// The whole log (every grant, an unfiltered change feed).
    Everything,
}

/// Why a read is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefusal {
    /// The key never held any role on this log.
    #[error("khóa này chưa từng được cấp quyền trên sổ này / this key has never been granted a role on this log")]
    UnknownKey,
    /// The key's grants are all revoked or outside their validity period.
    #[error("mọi quyền của khóa này đã bị thu hồi hoặc hết hạn / every grant of this key is revoked or expired")]
    NoLiveGrant,
    /// The key's live grants do not cover the data.
    #[error("quyền của khóa này không bao gồm {what} / this key's roles do not cover {what}")]
    NotCovered {
        /// What was asked for.
        what: String,
    },
}

impl AccessRefusal {
    /// The stable problem code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKey => "auth-key-unknown",
            Self::NoLiveGrant | Self::NotCovered { .. } => "read-forbidden",
        }
    }
}

const TEACHER_ROLES: &[Role] = &[Role::GvBoMon, Role::GvChuNhiem];

impl Projections {
    /// Whether `reader` may read `target` at `now_us` (µs since the Unix epoch).
    ///
    /// # Errors
    /// The reason the read is refused.
    pub fn may_read(
        &self,
        reader: &PublicKey,
        now_us: u64,
        target: ReadTarget<'_>,
    ) -> Result<(), AccessRefusal> {
        if self.ministry_keys.contains(reader) {
            return Ok(());
        }
        let live = self.live_grants(reader, now_us)?;
        let units: Vec<&UnitCode> = live
            .iter()
            .filter(|grant| {
                !TEACHER_ROLES.contains(&grant.role) && !grant.role.is_for_one_learner()
            })
            .map(|grant| &grant.unit)
            .collect();
        // A learner's or parent's grant reads that learner's record wherever it is kept now.
        let own_learner = |learner: &LearnerCode| {
            live.iter()
                .any(|grant| grant.learner.as_ref() == Some(learner))
        };
        // A teacher reads a class only through a live teacher grant over that class's school: a
        // grant revoked at one school is not revived by a grant at another.
        let teaches_at = |class: &ClassKey| {
            self.assigned(reader, class)
                && live.iter().any(|grant| {
                    TEACHER_ROLES.contains(&grant.role) && self.covers(&grant.unit, &class.school)
                })
        };
        let covers_school = |school: &UnitCode| units.iter().any(|unit| self.covers(unit, school));
        let allowed = match target {
            ReadTarget::Everything => false,
            ReadTarget::Unit(unit) => covers_school(unit),
            ReadTarget::Class(class) => covers_school(&class.school) || teaches_at(class),
            ReadTarget::Learner(learner) => {
                own_learner(learner)
                    || self
                        .schools_of(learner)
                        .iter()
                        .any(|school| covers_school(school))
                    || self
                        .classes
                        .iter()
                        .any(|(class, info)| info.roster.contains(learner) && teaches_at(class))
            }
            ReadTarget::Key(key) => {
                key == reader
                    || self
                        .grants
                        .values()
                        .any(|grant| &grant.grantee == key && covers_school(&grant.unit))
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(AccessRefusal::NotCovered {
                what: describe(target),
            })
        }
    }

    /// The grants `key` holds and may use at `now_us`: not revoked, and `now_us` within their
    /// validity period.
    ///
    /// # Errors
    /// [`AccessRefusal::UnknownKey`] when the key never held a grant;
    /// [`AccessRefusal::NoLiveGrant`] when none is live.
    pub(super) fn live_grants(
        &self,
        key: &PublicKey,
        now_us: u64,
    ) -> Result<Vec<&GrantInfo>, AccessRefusal> {
        let held: Vec<&GrantInfo> = self
            .grants
            .values()
            .filter(|grant| &grant.grantee == key)
            .collect();
        if held.is_empty() {
            return Err(AccessRefusal::UnknownKey);
        }
        let live: Vec<&GrantInfo> = held
            .into_iter()
            .filter(|grant| {
                grant.revoked.is_none()
                    && grant.valid_from.start_us() <= now_us
                    && grant
                        .valid_until
                        .is_none_or(|until| now_us < until.end_us())
            })
            .collect();
        if live.is_empty() {
            return Err(AccessRefusal::NoLiveGrant);
        }
        Ok(live)
    }

    /// Whether `scope` is `unit` or one of its ancestors, following merges to the successor.
    pub(super) fn covers(&self, scope: &UnitCode, unit: &UnitCode) -> bool {
        let mut current = unit;
        // Each step climbs or moves to a successor; the bound guards against any cycle.
        for _ in 0..=self.units.len() {
            if current == scope {
                return true;
            }
            let Some(unit) = self.units.get(current) else {
                return false;
            };
            match (&unit.merged, &unit.parent) {
                (Some((successor, _)), _) => current = successor,
                (None, Some(parent)) => current = parent,
                (None, None) => return false,
            }
        }
        false
    }

    fn assigned(&self, teacher: &PublicKey, class: &ClassKey) -> bool {
        self.classes.get(class).is_some_and(|info| {
            info.teachers
                .values()
                .any(|(assigned, _)| assigned == teacher)
        })
    }

    /// The schools that registered or ever enrolled the learner.
    pub(super) fn schools_of(&self, learner: &LearnerCode) -> Vec<&UnitCode> {
        let registered = self.learners.get(learner).map(|(_, school)| school);
        let enrolled = self
            .years
            .years(learner)
            .flat_map(|(_, state)| state.enrolments.iter().map(|enrolment| &enrolment.school));
        registered.into_iter().chain(enrolled).collect()
    }
}

fn describe(target: ReadTarget<'_>) -> String {
    match target {
        ReadTarget::Learner(learner) => format!("learner {learner}"),
        ReadTarget::Class(class) => format!("class {class}"),
        ReadTarget::Key(key) => format!("key {}", super::json::key(key).as_str().unwrap_or("")),
        ReadTarget::Unit(unit) => format!("unit {unit}"),
        ReadTarget::Everything => "the whole log (only the Ministry reads it all)".to_owned(),
    }
}
