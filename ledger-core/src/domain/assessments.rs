//! Every version of every assessment of one learner's school year.
//!
//! Most events of a log are grades, so this is most of the domain state, and the layout is
//! chosen for it: the slots of a year (about a hundred) in one sorted vector, a slot's key
//! naming its subject by number within the year (a year has a few dozen subjects; a code is
//! spelled once), a version in 16 bytes (the value, the index that set it, the number of the
//! enrolment it was set in), the first version inline (most values never change), and the few
//! make-up reasons aside. A slot costs 32 bytes.

use std::collections::BTreeMap;

use super::state::{AssessmentSlot, Version};
use super::value::{AssessmentKind, AssessmentValue, Semester, SubjectCode};

/// A slot with its subject replaced by its number in [`Assessments::subjects`].
///
/// The fields are ordered as grades arrive over a year (the derived order is the vector's):
/// semester, then regular before mid-term before end-of-term, then the slot, then the subject.
/// A new grade then lands at or near the end of the vector instead of in the middle of its
/// subject's run, which moved half the year's slots on every recording.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct SlotKey {
    semester: Semester,
    kind: AssessmentKind,
    slot: u8,
    subject: u16,
}

/// A slot's versions, oldest first; the last is in force.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Versions {
    first: Version<AssessmentValue>,
    /// The versions after the first: corrections and re-recordings, rare. Boxed so that the
    /// common slot carries one pointer's width for them.
    #[allow(clippy::box_collection)]
    later: Option<Box<Vec<Version<AssessmentValue>>>>,
}

impl Versions {
    fn new(first: Version<AssessmentValue>) -> Self {
        Self { first, later: None }
    }

    fn push(&mut self, version: Version<AssessmentValue>) {
        self.later.get_or_insert_with(Box::default).push(version);
    }

    /// The version first recorded.
    pub(crate) fn first(&self) -> &Version<AssessmentValue> {
        &self.first
    }

    /// The version in force.
    pub(crate) fn last(&self) -> &Version<AssessmentValue> {
        self.later
            .as_ref()
            .and_then(|later| later.last())
            .unwrap_or(&self.first)
    }

    /// How many versions there are (1 when the value never changed).
    #[allow(clippy::len_without_is_empty)]
    pub(crate) fn len(&self) -> usize {
        1 + self.later.as_ref().map_or(0, |later| later.len())
    }

    /// The versions, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Version<AssessmentValue>> {
        std::iter::once(&self.first).chain(self.later.iter().flat_map(|later| later.iter()))
    }
}

/// The assessments of a learner's year: each slot's versions.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct Assessments {
    /// The subjects assessed this year, numbered in order of first assessment.
    subjects: Vec<SubjectCode>,
    /// Sorted by key, each key once.
    slots: Vec<(SlotKey, Versions)>,
    /// Why the recording in force of a slot was a make-up (kiểm tra bù), for those that were.
    makeups: BTreeMap<SlotKey, Box<str>>,
}

impl Assessments {
    fn key(&self, slot: &AssessmentSlot) -> Option<SlotKey> {
        let subject = self
            .subjects
            .iter()
            .position(|code| *code == slot.subject)?;
        Some(SlotKey {
            subject: u16::try_from(subject).ok()?,
            semester: slot.semester,
            kind: slot.kind,
            slot: slot.slot,
        })
    }

    fn key_or_new(&mut self, slot: &AssessmentSlot) -> SlotKey {
        if let Some(key) = self.key(slot) {
            return key;
        }
        self.subjects.push(slot.subject.clone());
        self.key(slot)
            .expect("fewer than 65,536 subjects in a learner's year")
    }

    fn slot_of(&self, key: SlotKey) -> AssessmentSlot {
        AssessmentSlot {
            subject: self.subjects[usize::from(key.subject)].clone(),
            semester: key.semester,
            kind: key.kind,
            slot: key.slot,
        }
    }

    fn find(&self, key: SlotKey) -> Result<usize, usize> {
        self.slots.binary_search_by_key(&key, |(slot, _)| *slot)
    }

    /// Every version of the slot; `None` when nothing was recorded in it.
    pub(crate) fn versions(&self, slot: &AssessmentSlot) -> Option<&Versions> {
        let at = self.find(self.key(slot)?).ok()?;
        Some(&self.slots[at].1)
    }

    /// Why the value in force in the slot was a make-up, when it was (a correction keeps the
    /// reason of the recording it corrects).
    pub(crate) fn makeup(&self, slot: &AssessmentSlot) -> Option<&str> {
        self.makeups.get(&self.key(slot)?).map(AsRef::as_ref)
    }

    /// Makes room for `slots` slots at the year's first recording, so the vector is allocated
    /// once at the size a complete year needs instead of doubling its way there (copying
    /// itself each time and ending a quarter empty). Later calls change nothing.
    pub(crate) fn expect_slots(&mut self, slots: impl FnOnce() -> usize) {
        if self.slots.capacity() == 0 {
            self.slots.reserve_exact(slots());
        }
    }

    /// A recording (`assessment.recorded`): a new version in force, a make-up or not.
    pub(crate) fn record(
        &mut self,
        slot: &AssessmentSlot,
        version: Version<AssessmentValue>,
        makeup: Option<Box<str>>,
    ) {
        let key = self.key_or_new(slot);
        match self.find(key) {
            Ok(at) => self.slots[at].1.push(version),
            Err(at) => self.slots.insert(at, (key, Versions::new(version))),
        }
        match makeup {
            Some(reason) => self.makeups.insert(key, reason),
            None => self.makeups.remove(&key),
        };
    }

    /// An approved correction: `value`, set at `at`, in force in the slot, in the class of the
    /// value it corrects. Nothing when the slot holds no value.
    pub(crate) fn correct(&mut self, slot: &AssessmentSlot, value: AssessmentValue, at: u64) {
        let Some(Ok(position)) = self.key(slot).map(|key| self.find(key)) else {
            return;
        };
        let versions = &mut self.slots[position].1;
        let correction = versions.last().corrected(value, at);
        versions.push(correction);
    }

    /// The index of the first recording in any slot of `subject`, if any.
    pub(crate) fn first_recorded(&self, subject: &SubjectCode) -> Option<u64> {
        let number = self.subjects.iter().position(|code| code == subject)?;
        self.slots
            .iter()
            .filter(|(key, _)| usize::from(key.subject) == number)
            .map(|(_, versions)| versions.first().at)
            .min()
    }

    /// Every slot with a value in force: the slot, that value, and whether it was a make-up.
    pub(crate) fn in_force(
        &self,
    ) -> impl Iterator<Item = (AssessmentSlot, AssessmentValue, bool)> + '_ {
        self.slots.iter().map(|(key, versions)| {
            (
                self.slot_of(*key),
                versions.last().value,
                self.makeups.contains_key(key),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::value::Tenths;

    fn slot(subject: &str, kind: AssessmentKind) -> AssessmentSlot {
        AssessmentSlot {
            subject: subject.parse().unwrap(),
            semester: Semester::First,
            kind,
            slot: 0,
        }
    }

    fn version(tenths: &str, at: u64) -> Version<AssessmentValue> {
        Version {
            value: AssessmentValue::Scored(Tenths::parse(tenths).unwrap()),
            at,
            enrolment: 0,
        }
    }

    #[test]
    fn a_correction_keeps_the_make_up_and_a_new_recording_replaces_it() {
        let mut year = Assessments::default();
        let final_ = slot("toan", AssessmentKind::Final);
        year.record(&final_, version("7.5", 10), Some("ốm".into()));
        year.record(
            &slot("ngu_van", AssessmentKind::Final),
            version("8", 11),
            None,
        );
        year.correct(
            &final_,
            AssessmentValue::Scored(Tenths::parse("8.5").unwrap()),
            20,
        );
        assert_eq!(year.versions(&final_).map(Versions::len), Some(2));
        assert_eq!(year.makeup(&final_), Some("ốm"));
        year.record(&final_, version("9", 30), None);
        assert_eq!(year.makeup(&final_), None);
        let versions = year.versions(&final_).unwrap();
        assert_eq!(
            versions.iter().map(|v| v.at).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        assert_eq!((versions.first().at, versions.last().at), (10, 30));
        assert_eq!(year.first_recorded(&"toan".parse().unwrap()), Some(10));
        assert_eq!(year.first_recorded(&"tin_hoc".parse().unwrap()), None);
        assert_eq!(year.subjects.len(), 2);
        assert_eq!(year.in_force().count(), 2);
        assert_eq!(std::mem::size_of::<Version<AssessmentValue>>(), 16);
        assert_eq!(std::mem::size_of::<(SlotKey, Versions)>(), 32);
    }

    #[test]
    fn correcting_an_empty_slot_does_nothing() {
        let mut year = Assessments::default();
        let midterm = slot("toan", AssessmentKind::Midterm);
        year.correct(&midterm, AssessmentValue::Passed, 5);
        assert_eq!(year, Assessments::default());
    }
}
