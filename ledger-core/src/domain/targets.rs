//! Which value each value-setting event set, by log index: a correction cites the index of the
//! event whose value it corrects.
//!
//! Most events of a log set a value (a grade), so the layout matters: one fixed-size row per
//! log index in a vector (a ledger's events are contiguous), with learner-years and subjects
//! numbered once instead of spelled out in every row. A row is 12 bytes; a map entry holding
//! a [`Target`] with its codes cost about ten times that. A learner-year keeps its own number
//! (`LearnerYear::target_number`): the ledger has the record in hand whenever it sets one of
//! its values, so numbering costs no lookup of its own.

use super::state::{AssessmentSlot, Target};
use super::value::{AssessmentKind, LearnerCode, SchoolYear, Semester, SubjectCode};
use crate::hashed::HashMap;

/// A target with its learner-year and subject replaced by their numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Row {
    Assessment {
        year: u32,
        subject: u16,
        semester: Semester,
        kind: AssessmentKind,
        slot: u8,
    },
    Conduct {
        year: u32,
        semester: Semester,
    },
}

/// Every value-setting event's target, by log index.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct Targets {
    /// The index of `rows[0]`.
    first: u64,
    /// `None` for an event that set no correctable value.
    rows: Vec<Option<Row>>,
    years: Vec<(LearnerCode, SchoolYear)>,
    subjects: Vec<SubjectCode>,
    subject_numbers: HashMap<SubjectCode, u16>,
}

impl Targets {
    /// Records that the event at `index`, after every index recorded before, set `target`.
    /// `year_number` is the target learner-year's number, kept with its record: `None` until
    /// this numbers it.
    pub(crate) fn insert(&mut self, index: u64, target: &Target, year_number: &mut Option<u32>) {
        let row = match target {
            Target::Assessment {
                learner,
                school_year,
                slot,
            } => Row::Assessment {
                year: self.year_number(learner, *school_year, year_number),
                subject: self.subject_number(&slot.subject),
                semester: slot.semester,
                kind: slot.kind,
                slot: slot.slot,
            },
            Target::Conduct {
                learner,
                school_year,
                semester,
            } => Row::Conduct {
                year: self.year_number(learner, *school_year, year_number),
                semester: *semester,
            },
        };
        if self.rows.is_empty() {
            self.first = index;
        }
        let position = usize::try_from(index - self.first).expect("an index of this log");
        debug_assert!(
            position >= self.rows.len(),
            "targets are recorded in log order"
        );
        self.rows.resize(position, None);
        self.rows.push(Some(row));
    }

    /// What the event at `index` set, if it set a correctable value.
    pub(crate) fn get(&self, index: u64) -> Option<Target> {
        let position = usize::try_from(index.checked_sub(self.first)?).ok()?;
        let row = (*self.rows.get(position)?)?;
        let year = |number: u32| &self.years[number as usize];
        Some(match row {
            Row::Assessment {
                year: number,
                subject,
                semester,
                kind,
                slot,
            } => {
                let (learner, school_year) = year(number);
                Target::Assessment {
                    learner: learner.clone(),
                    school_year: *school_year,
                    slot: AssessmentSlot {
                        subject: self.subjects[usize::from(subject)].clone(),
                        semester,
                        kind,
                        slot,
                    },
                }
            }
            Row::Conduct {
                year: number,
                semester,
            } => {
                let (learner, school_year) = year(number);
                Target::Conduct {
                    learner: learner.clone(),
                    school_year: *school_year,
                    semester,
                }
            }
        })
    }

    fn year_number(
        &mut self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        number: &mut Option<u32>,
    ) -> u32 {
        *number.get_or_insert_with(|| {
            let next = u32::try_from(self.years.len()).expect("fewer than 2^32 learner-years");
            self.years.push((learner.clone(), school_year));
            next
        })
    }

    fn subject_number(&mut self, subject: &SubjectCode) -> u16 {
        if let Some(number) = self.subject_numbers.get(subject) {
            return *number;
        }
        // Subject codes come from class set-ups: a few dozen in any real log.
        let number = u16::try_from(self.subjects.len()).expect("fewer than 65,536 subject codes");
        self.subjects.push(subject.clone());
        self.subject_numbers.insert(subject.clone(), number);
        number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner(code: &str) -> LearnerCode {
        code.parse().unwrap()
    }

    fn year(text: &str) -> SchoolYear {
        text.parse().unwrap()
    }

    fn grade(learner_code: &str, subject: &str, slot: u8) -> Target {
        Target::Assessment {
            learner: learner(learner_code),
            school_year: year("2025-2026"),
            slot: AssessmentSlot {
                subject: subject.parse().unwrap(),
                semester: Semester::Second,
                kind: AssessmentKind::Regular,
                slot,
            },
        }
    }

    #[test]
    fn reads_back_what_was_recorded_and_nothing_at_other_indexes() {
        let mut targets = Targets::default();
        let conduct = Target::Conduct {
            learner: learner("7901000100002"),
            school_year: year("2024-2025"),
            semester: Semester::First,
        };
        // Each learner-year's number, as its record keeps it.
        let mut numbers = std::collections::BTreeMap::new();
        let mut insert = |index: u64, target: &Target| {
            let number = numbers.entry(target.learner_year()).or_insert(None);
            targets.insert(index, target, number);
        };
        insert(7, &grade("7901000100001", "toan", 1));
        insert(8, &grade("7901000100001", "ngu_van", 2));
        insert(12, &conduct);
        insert(13, &grade("7901000100002", "toan", 3));
        assert_eq!(targets.get(7), Some(grade("7901000100001", "toan", 1)));
        assert_eq!(targets.get(8), Some(grade("7901000100001", "ngu_van", 2)));
        assert_eq!(targets.get(12), Some(conduct));
        assert_eq!(targets.get(13), Some(grade("7901000100002", "toan", 3)));
        for absent in [0, 6, 9, 11, 14, u64::MAX] {
            assert_eq!(targets.get(absent), None, "index {absent}");
        }
        // Three learner-years and two subjects, each numbered once.
        assert_eq!(targets.years.len(), 3);
        assert_eq!(targets.subjects.len(), 2);
        assert_eq!(std::mem::size_of::<Option<Row>>(), 12);
    }
}
