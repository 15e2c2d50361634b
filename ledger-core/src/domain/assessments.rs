//! Every version of every assessment of one learner's school year.
//!
//! Most events of a log are grades, so this is most of the domain state, and the layout is
//! chosen for it: a slot's key names its subject by number within the year (a year has a few
//! dozen subjects; a code is spelled once), a version is 16 bytes (the value, the index that
//! set it, the number of the enrolment it was set in), and the few make-up reasons are kept
//! aside.

use std::collections::BTreeMap;

use super::state::{AssessmentSlot, Version};
use super::value::{AssessmentKind, AssessmentValue, Semester, SubjectCode};

/// A slot with its subject replaced by its number in [`Assessments::subjects`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct SlotKey {
    subject: u16,
    semester: Semester,
    kind: AssessmentKind,
    slot: u8,
}

/// The assessments of a learner's year: each slot's versions, oldest first, the last in force.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct Assessments {
    /// The subjects assessed this year, numbered in order of first assessment.
    subjects: Vec<SubjectCode>,
    slots: BTreeMap<SlotKey, Vec<Version<AssessmentValue>>>,
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

    /// Every version of the slot, oldest first; `None` when nothing was recorded in it.
    pub(crate) fn versions(&self, slot: &AssessmentSlot) -> Option<&[Version<AssessmentValue>]> {
        self.slots.get(&self.key(slot)?).map(Vec::as_slice)
    }

    /// Why the value in force in the slot was a make-up, when it was (a correction keeps the
    /// reason of the recording it corrects).
    pub(crate) fn makeup(&self, slot: &AssessmentSlot) -> Option<&str> {
        self.makeups.get(&self.key(slot)?).map(AsRef::as_ref)
    }

    /// A recording (`assessment.recorded`): a new version in force, a make-up or not.
    pub(crate) fn record(
        &mut self,
        slot: &AssessmentSlot,
        version: Version<AssessmentValue>,
        makeup: Option<Box<str>>,
    ) {
        let key = self.key_or_new(slot);
        // Most values never change: one version's room, not the four a first push reserves.
        self.slots
            .entry(key)
            .or_insert_with(|| Vec::with_capacity(1))
            .push(version);
        match makeup {
            Some(reason) => self.makeups.insert(key, reason),
            None => self.makeups.remove(&key),
        };
    }

    /// An approved correction: `value`, set at `at`, in force in the slot, in the class of the
    /// value it corrects. Nothing when the slot holds no value.
    pub(crate) fn correct(&mut self, slot: &AssessmentSlot, value: AssessmentValue, at: u64) {
        let Some(key) = self.key(slot) else { return };
        if let Some(versions) = self.slots.get_mut(&key) {
            Version::push_correction(versions, value, at);
        }
    }

    /// The index of the first recording in any slot of `subject`, if any.
    pub(crate) fn first_recorded(&self, subject: &SubjectCode) -> Option<u64> {
        let number = self.subjects.iter().position(|code| code == subject)?;
        self.slots
            .iter()
            .filter(|(key, _)| usize::from(key.subject) == number)
            .filter_map(|(_, versions)| versions.first().map(|version| version.at))
            .min()
    }

    /// Every slot with a value in force: the slot, that value, and whether it was a make-up.
    pub(crate) fn in_force(
        &self,
    ) -> impl Iterator<Item = (AssessmentSlot, AssessmentValue, bool)> + '_ {
        self.slots.iter().filter_map(|(key, versions)| {
            let version = versions.last()?;
            Some((
                self.slot_of(*key),
                version.value,
                self.makeups.contains_key(key),
            ))
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
        assert_eq!(year.versions(&final_).map(<[_]>::len), Some(2));
        assert_eq!(year.makeup(&final_), Some("ốm"));
        year.record(&final_, version("9", 30), None);
        assert_eq!(year.makeup(&final_), None);
        assert_eq!(year.versions(&final_).unwrap().last().unwrap().at, 30);
        assert_eq!(year.first_recorded(&"toan".parse().unwrap()), Some(10));
        assert_eq!(year.first_recorded(&"tin_hoc".parse().unwrap()), None);
        assert_eq!(year.subjects.len(), 2);
        assert_eq!(year.in_force().count(), 2);
        assert_eq!(std::mem::size_of::<Version<AssessmentValue>>(), 16);
    }

    #[test]
    fn correcting_an_empty_slot_does_nothing() {
        let mut year = Assessments::default();
        let midterm = slot("toan", AssessmentKind::Midterm);
        year.correct(&midterm, AssessmentValue::Passed, 5);
        assert_eq!(year, Assessments::default());
    }
}
