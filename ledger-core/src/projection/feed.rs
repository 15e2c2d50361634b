//! The change feed's index: which log records concern a school, a class or a learner, so a
//! vendor can follow exactly the records it may see and rebuild its own copy from them.
//!
//! A record concerns a school when it names the school (its unit, a class of it, a transfer from
//! or to it), grants or revokes a role there, or corrects or approves a value recorded there. A
//! class's and a learner's records are their audit trails, which already include corrections,
//! sign-offs, approvals and the seals of the school's year.

use super::observe::Fact;
use super::{Projections, Trail};
use crate::domain::value::{LearnerCode, UnitCode};
use crate::domain::{ClassKey, Ledger};

/// Which records a feed page carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedFilter {
    /// Every record (only the Ministry reads the whole log).
    All,
    /// The records that concern a school or GDTX centre.
    School(UnitCode),
    /// The records that concern a class (its audit trail).
    Class(ClassKey),
    /// The records that concern a learner (their audit trail).
    Learner(LearnerCode),
}

/// One page of a feed: the record indexes, and whether more records match before the bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedPage {
    /// Matching indexes, ascending.
    pub indexes: Vec<u64>,
    /// True when matching records beyond this page exist below the bound.
    pub more: bool,
}

impl Projections {
    /// The indexes of the records matching `filter`, greater than `after` and less than
    /// `below`, at most `limit`.
    #[must_use]
    pub fn feed(
        &self,
        filter: &FeedFilter,
        after: Option<u64>,
        below: u64,
        limit: usize,
    ) -> FeedPage {
        let start = after.map_or(0, |after| after.saturating_add(1));
        // A trail is read forward from its start (`projection::trail`): about a nanosecond
        // an entry skipped.
        let from_trail = |trail: Option<&Trail>| -> Vec<u64> {
            trail
                .into_iter()
                .flatten()
                .skip_while(|&index| index < start)
                .take_while(|&index| index < below)
                .take(limit + 1)
                .collect()
        };
        let mut indexes = match filter {
            FeedFilter::All => (start..below).take(limit + 1).collect(),
            FeedFilter::School(school) => from_trail(self.school_trail.get(school)),
            FeedFilter::Learner(learner) => from_trail(self.learner_trails.learner(learner)),
            FeedFilter::Class(class) => {
                // The class's own trail and its school's seals, merged in log order.
                let mut merged = from_trail(self.class_trail.get(class));
                merged.extend(from_trail(
                    self.seal_trail
                        .get(&(class.school.clone(), class.school_year)),
                ));
                merged.sort_unstable();
                merged.dedup();
                merged
            }
        };
        let more = indexes.len() > limit;
        indexes.truncate(limit);
        FeedPage { indexes, more }
    }

    /// The event type and author of the record at `index`, once observed.
    #[must_use]
    pub fn entry(&self, index: u64) -> Option<(&'static str, crate::key::PublicKey)> {
        self.entries
            .get(index)
            .map(|meta| (meta.event_type, meta.author))
    }

    /// Adds the record at `index` to the trails of the schools it concerns. Runs after the
    /// other projections have taken the fact, so corrections find their value's setter.
    pub(super) fn note_schools(&mut self, fact: &Fact, index: u64, ledger: &Ledger) {
        let setter_school = |at: u64| ledger.setter_of(at).map(|(_, class, _)| class.school);
        let schools: Vec<UnitCode> = match fact {
            Fact::Unit(unit) => vec![unit.clone()],
            Fact::UnitMerged(unit, successor) => vec![unit.clone(), successor.clone()],
            Fact::Granted(_, grant) => vec![grant.unit.clone()],
            Fact::Revoked(id, _) => self
                .grants
                .get(id)
                .map(|grant| grant.unit.clone())
                .into_iter()
                .collect(),
            Fact::ClassOpened(class, ..)
            | Fact::TeacherAssigned(class, ..)
            | Fact::Enrolled(_, class)
            | Fact::Recorded(_, class, ..)
            | Fact::PlanDecided(_, class, _)
            | Fact::SubjectConfirmed(class, ..)
            | Fact::SignedOff(_, class)
            | Fact::Summer(_, class, _) => vec![class.school.clone()],
            Fact::LearnerRegistered(_, school)
            | Fact::TermSealed(school, ..)
            | Fact::TermReopened(school, ..)
            | Fact::Approval(school, ..)
            | Fact::Decided(_, school, _)
            | Fact::Withdrawn(_, school, ..) => vec![school.clone()],
            Fact::TransferredOut(_, school, _, to_school, _) => {
                vec![school.clone(), to_school.clone()]
            }
            Fact::TransferredIn(_, class, from_school) => {
                vec![class.school.clone(), from_school.clone()]
            }
            Fact::CorrectionRequested(target, _) => setter_school(*target).into_iter().collect(),
            Fact::CorrectionApproved => setter_school(index).into_iter().collect(),
            Fact::CopyIssued(copy) => vec![copy.school.clone()],
            Fact::IdentityCorrected(learner, _) => {
                self.schools_of(learner).into_iter().cloned().collect()
            }
            // A signing policy is national: it names no school (the authority state shows it).
            Fact::SigningPolicySet(_) => Vec::new(),
        };
        for school in schools {
            Self::push_trail(&mut self.school_trail, school, index);
        }
    }
}
