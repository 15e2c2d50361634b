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
    /// Whether no index was ever added.
    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

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

/// The trails of each learner: every event that touched the learner, each of their years, and
/// each subject of each year (a grade).
///
/// The three are kept under the learner, so an event that touches a learner's year and grade
/// finds all its trails with one lookup; and a year has a dozen or more subjects, each with its
/// own short trail, so the learner code and year are not repeated per subject.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct LearnerTrails {
    learners: HashMap<LearnerCode, OneLearnerTrails>,
}

/// One learner's trails.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct OneLearnerTrails {
    own: Trail,
    /// In the order first touched (a learner has a few years).
    years: Vec<(SchoolYear, YearTrails)>,
}

/// The trails of one learner's year.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct YearTrails {
    own: Trail,
    /// In the order first touched.
    grades: Vec<(SubjectCode, Trail)>,
}

impl LearnerTrails {
    /// The learner's trails, to add to (empty ones for a learner not seen before).
    pub(crate) fn learner_mut(&mut self, learner: &LearnerCode) -> &mut OneLearnerTrails {
        self.learners.entry(learner.clone()).or_default()
    }

    /// Adds `index` to the trails of the learner and of their `school_year`, and gives the
    /// year's trails (to add to a grade's).
    pub(crate) fn touch_year(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        index: u64,
    ) -> &mut YearTrails {
        (self.learner_mut(learner).push(index))
            .year_mut(school_year)
            .push(index)
    }

    /// The learner's trail, if any event touched the learner.
    pub(crate) fn learner(&self, learner: &LearnerCode) -> Option<&Trail> {
        Some(&self.learners.get(learner)?.own).filter(|trail| !trail.is_empty())
    }

    /// The trail of the learner's year, if any event touched it.
    pub(crate) fn year(&self, learner: &LearnerCode, school_year: SchoolYear) -> Option<&Trail> {
        Some(&self.year_trails(learner, school_year)?.own).filter(|trail| !trail.is_empty())
    }

    /// The grade's trail, if any event touched it.
    pub(crate) fn grade(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subject: &SubjectCode,
    ) -> Option<&Trail> {
        find(&self.year_trails(learner, school_year)?.grades, subject)
    }

    fn year_trails(&self, learner: &LearnerCode, school_year: SchoolYear) -> Option<&YearTrails> {
        find(&self.learners.get(learner)?.years, &school_year)
    }
}

impl OneLearnerTrails {
    /// Adds `index` to the learner's own trail (see [`Trail::push`]).
    pub(crate) fn push(&mut self, index: u64) -> &mut Self {
        self.own.push(index);
        self
    }

    /// The trails of the learner's `school_year`, to add to.
    pub(crate) fn year_mut(&mut self, school_year: SchoolYear) -> &mut YearTrails {
        find_or_add(&mut self.years, &school_year)
    }
}

impl YearTrails {
    /// Adds `index` to the year's own trail (see [`Trail::push`]).
    pub(crate) fn push(&mut self, index: u64) -> &mut Self {
        self.own.push(index);
        self
    }

    /// The trail of the year's grade in `subject`, to add to.
    pub(crate) fn grade_mut(&mut self, subject: &SubjectCode) -> &mut Trail {
        find_or_add(&mut self.grades, subject)
    }
}

/// The value kept under `key` in a short list of pairs in the order first added.
fn find<'a, K: PartialEq, V>(pairs: &'a [(K, V)], key: &K) -> Option<&'a V> {
    pairs
        .iter()
        .find(|(known, _)| known == key)
        .map(|(_, value)| value)
}

/// The value kept under `key`, added empty at the end when there is none.
fn find_or_add<'a, K: PartialEq + Clone, V: Default>(
    pairs: &'a mut Vec<(K, V)>,
    key: &K,
) -> &'a mut V {
    let at = match pairs.iter().position(|(known, _)| known == key) {
        Some(at) => at,
        None => {
            pairs.push((key.clone(), V::default()));
            pairs.len() - 1
        }
    };
    &mut pairs[at].1
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
    fn learner_trails_are_kept_apart_by_learner_year_and_subject() {
        let learner: LearnerCode = "7901000100001".parse().unwrap();
        let other: LearnerCode = "7901000100002".parse().unwrap();
        let year: SchoolYear = "2025-2026".parse().unwrap();
        let next: SchoolYear = "2026-2027".parse().unwrap();
        let (toan, van): (SubjectCode, SubjectCode) =
            ("toan".parse().unwrap(), "ngu_van".parse().unwrap());
        let mut trails = LearnerTrails::default();
        trails.learner_mut(&learner).push(1).year_mut(year).push(1);
        trails
            .learner_mut(&learner)
            .year_mut(year)
            .grade_mut(&toan)
            .push(4);
        trails
            .learner_mut(&learner)
            .year_mut(year)
            .grade_mut(&van)
            .push(5);
        trails
            .learner_mut(&learner)
            .year_mut(year)
            .grade_mut(&toan)
            .push(9);
        trails
            .learner_mut(&learner)
            .year_mut(year)
            .grade_mut(&van)
            .push(2);
        trails.learner_mut(&learner).year_mut(next).push(12);
        trails
            .learner_mut(&other)
            .year_mut(year)
            .grade_mut(&toan)
            .push(3);
        let read = |trail: Option<&Trail>| trail.map(|t| t.iter().collect::<Vec<_>>());
        assert_eq!(read(trails.grade(&learner, year, &toan)), Some(vec![4, 9]));
        assert_eq!(read(trails.grade(&learner, year, &van)), Some(vec![2, 5]));
        assert_eq!(
            read(trails.grade(&learner, year, &"tin_hoc".parse().unwrap())),
            None
        );
        assert_eq!(read(trails.grade(&learner, next, &toan)), None);
        assert_eq!(read(trails.grade(&other, year, &toan)), Some(vec![3]));
        assert_eq!(read(trails.learner(&learner)), Some(vec![1]));
        assert_eq!(read(trails.year(&learner, year)), Some(vec![1]));
        assert_eq!(read(trails.year(&learner, next)), Some(vec![12]));
        // A trail nothing was added to reads as absent, as for a learner never seen.
        assert_eq!(read(trails.learner(&other)), None);
        assert_eq!(read(trails.year(&other, year)), None);
        assert_eq!(
            read(trails.learner(&"7901000100003".parse().unwrap())),
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
