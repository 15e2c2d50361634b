//! A trail: the increasing log indexes of the events that touched one thing (a learner, a
//! learner's year or grade, a class, a key, a school).
//!
//! Every grade lands in six trails, so they are most of the projections' memory if kept as
//! `Vec<u64>`. Kept instead as the first index and then the difference from each index to the
//! next, each in LEB128 (seven bits a byte, the high bit set on every byte but the last): one
//! to three bytes an entry in a province's log instead of eight. Reading is a forward scan,
//! which is what audit answers and feed pages do anyway.

use crate::hashed::HashMap;

use crate::domain::value::{LearnerCode, SchoolYear, SubjectCode};

/// The indexes of one trail, in increasing order, without repeats.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct Trail {
    /// The first index, then each difference from the one before, as LEB128 varints; empty
    /// for an empty trail.
    bytes: Vec<u8>,
    /// The last index pushed (meaningless while `bytes` is empty).
    last: u64,
}

impl Trail {
    /// Adds `index`, normally after the last index added; adding the last again does nothing
    /// (an event can touch the same trail twice), and an older one goes to its place.
    pub(crate) fn push(&mut self, index: u64) {
        if !self.bytes.is_empty() && index <= self.last {
            if index < self.last {
                self.insert(index);
            }
            return;
        }
        let delta = if self.bytes.is_empty() {
            index
        } else {
            index - self.last
        };
        write_varint(&mut self.bytes, delta);
        self.last = index;
    }

    /// Adds an `index` older than the last in its place (an older event that a later one
    /// brings into this trail); nothing when it is there already. Rare: it re-encodes the
    /// trail.
    fn insert(&mut self, index: u64) {
        let mut indexes: Vec<u64> = self.iter().collect();
        if let Err(at) = indexes.binary_search(&index) {
            indexes.insert(at, index);
            *self = Self::default();
            for index in indexes {
                self.push(index);
            }
        }
    }

    /// The indexes, in increasing order.
    pub(crate) fn iter(&self) -> TrailIter<'_> {
        TrailIter {
            bytes: &self.bytes,
            previous: 0,
        }
    }
}

/// The trails of each grade: every event that touched one subject of one learner's year.
///
/// A learner's year has a dozen or more subjects, each with its own short trail; they are kept
/// together under the learner-year, so the learner code and year are not repeated per subject.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct GradeTrails {
    years: HashMap<(LearnerCode, SchoolYear), Vec<(SubjectCode, Trail)>>,
}

impl GradeTrails {
    fn trail_mut(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
    ) -> &mut Trail {
        let subjects = self
            .years
            .entry((learner.clone(), school_year))
            .or_default();
        let at = match subjects.iter().position(|(code, _)| code == subject) {
            Some(at) => at,
            None => {
                subjects.push((subject.clone(), Trail::default()));
                subjects.len() - 1
            }
        };
        &mut subjects[at].1
    }

    /// Adds `index` to the grade's trail, in its place (see [`Trail::push`]).
    pub(crate) fn push(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
        index: u64,
    ) {
        self.trail_mut(learner, school_year, subject).push(index);
    }

    /// The grade's trail, if any event touched it.
    pub(crate) fn get(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
    ) -> Option<&Trail> {
        self.years
            .get(&(learner.clone(), school_year))?
            .iter()
            .find(|(code, _)| code == subject)
            .map(|(_, trail)| trail)
    }
}

/// The indexes of a [`Trail`], in increasing order.
#[derive(Clone, Debug)]
pub(crate) struct TrailIter<'a> {
    bytes: &'a [u8],
    previous: u64,
}

impl Iterator for TrailIter<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let mut delta = 0u64;
        let mut shift = 0;
        loop {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            delta |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        // The first entry is the index itself: `previous` starts at 0.
        self.previous += delta;
        Some(self.previous)
    }
}

impl<'a> IntoIterator for &'a Trail {
    type Item = u64;
    type IntoIter = TrailIter<'a>;

    fn into_iter(self) -> TrailIter<'a> {
        self.iter()
    }
}

fn write_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        // Truncation intended: the low seven bits, with the continuation bit.
        bytes.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_gaps_take_one_byte_and_repeats_are_dropped() {
        let mut trail = Trail::default();
        for index in [5, 6, 6, 130, 131, 20_000, u64::MAX] {
            trail.push(index);
        }
        assert_eq!(
            trail.iter().collect::<Vec<_>>(),
            [5, 6, 130, 131, 20_000, u64::MAX]
        );
        // 5, 1, 124, 1: one byte each; 19,869: three; u64::MAX - 20,000: ten.
        assert_eq!(trail.bytes.len(), 4 + 3 + 10);
    }

    #[test]
    fn grade_trails_are_kept_apart_by_learner_year_and_subject() {
        let learner: LearnerCode = "7901000100001".parse().unwrap();
        let year: SchoolYear = "2025-2026".parse().unwrap();
        let (toan, van): (SubjectCode, SubjectCode) =
            ("toan".parse().unwrap(), "ngu_van".parse().unwrap());
        let mut grades = GradeTrails::default();
        grades.push(&learner, year, &toan, 4);
        grades.push(&learner, year, &van, 5);
        grades.push(&learner, year, &toan, 9);
        grades.push(&learner, year, &van, 2);
        let read = |subject| {
            grades
                .get(&learner, year, subject)
                .map(|t| t.iter().collect::<Vec<_>>())
        };
        assert_eq!(read(&toan), Some(vec![4, 9]));
        assert_eq!(read(&van), Some(vec![2, 5]));
        assert_eq!(read(&"tin_hoc".parse().unwrap()), None);
        assert_eq!(
            grades.get(&learner, "2024-2025".parse().unwrap(), &toan),
            None
        );
        assert_eq!(std::mem::size_of::<Trail>(), 32);
    }

    #[test]
    fn an_older_index_is_inserted_in_its_place_once() {
        let mut trail = Trail::default();
        for index in [10, 40, 90] {
            trail.push(index);
        }
        trail.push(25);
        trail.push(40);
        trail.push(100);
        assert_eq!(trail.iter().collect::<Vec<_>>(), [10, 25, 40, 90, 100]);
        trail.push(100);
        trail.push(101);
        trail.push(7);
        assert_eq!(
            trail.iter().collect::<Vec<_>>(),
            [7, 10, 25, 40, 90, 100, 101]
        );
    }

    proptest! {
        #[test]
        fn reads_back_any_increasing_sequence(gaps in proptest::collection::vec(0u64..1 << 40, 0..60)) {
            let mut expected = Vec::new();
            let mut trail = Trail::default();
            let mut index = 0u64;
            for gap in gaps {
                index += gap;
                trail.push(index);
                if expected.last() != Some(&index) {
                    expected.push(index);
                }
            }
            prop_assert_eq!(trail.iter().collect::<Vec<_>>(), expected);
        }
    }
}
