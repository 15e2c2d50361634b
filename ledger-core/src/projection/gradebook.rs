//! The gradebook (sổ điểm) of one class, subject and semester: learners × assessments, with
//! the confirmation and seal that lock it.

use serde_json::{json, Value};

use super::json;
use super::transcript::{mode_name, rules_for, SemesterRecord, Signature};
use super::Projections;
use crate::domain::value::{LearnerCode, Semester, SubjectCode, SubjectMode, Term};
use crate::domain::{ClassKey, Duty, PlanAssessment};
use crate::key::PublicKey;

/// One learner's row.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GradebookRow {
    /// The learner.
    pub learner: LearnerCode,
    /// Still enrolled in this class (`false` after a transfer out).
    pub active: bool,
    /// How the learner's individual education plan assesses the subject, if it names it: a
    /// `not_assessed` row stays empty by design, not for want of grades.
    pub plan: Option<PlanAssessment>,
    /// The assessments in force and the semester result (`None` while one is missing).
    pub semester: SemesterRecord,
}

impl GradebookRow {
    /// The row as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut value = self.semester.to_json();
        value["learner"] = json!(self.learner.as_str());
        value["active"] = json!(self.active);
        value["assessment"] = json!(self.plan.map_or("regular", PlanAssessment::as_str));
        value
    }
}

/// The gradebook of (school, year, class, subject, semester) as of a log size.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Gradebook {
    /// The log size this answer reflects.
    pub as_of_size: u64,
    /// The class.
    pub class: ClassKey,
    /// The subject.
    pub subject: SubjectCode,
    /// The semester.
    pub semester: Semester,
    /// Scored or commented.
    pub mode: SubjectMode,
    /// Regular assessments per semester.
    pub regular_count: u8,
    /// The subject teacher assigned now, and the index of the assignment.
    pub teacher: Option<(PublicKey, u64)>,
    /// The confirmation in force (the subject teacher locked the results).
    pub confirmed: Option<Signature>,
    /// Whether the semester is sealed (by its own seal or the year's).
    pub sealed: bool,
    /// Every learner ever enrolled in the class, by learner code.
    pub rows: Vec<GradebookRow>,
}

impl Gradebook {
    /// The gradebook as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "as_of_size": self.as_of_size,
            "school": self.class.school.as_str(),
            "school_year": json::text(self.class.school_year),
            "class": self.class.class.as_str(),
            "subject": self.subject.as_str(),
            "semester": self.semester.number(),
            "mode": mode_name(self.mode),
            "regular_count": self.regular_count,
            "teacher": self.teacher.as_ref().map(|(key, at)| json!({"key": json::key(key), "assigned_at": at})),
            "confirmed": json::optional(self.confirmed.as_ref(), Signature::to_json),
            "sealed": self.sealed,
            "rows": self.rows.iter().map(GradebookRow::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Projections {
    /// The gradebook of a class's subject for a semester; `None` when the class does not exist
    /// or does not study the subject.
    #[must_use]
    pub fn gradebook(
        &self,
        class: &ClassKey,
        subject: &SubjectCode,
        semester: Semester,
    ) -> Option<Gradebook> {
        let info = self.classes.get(class)?;
        let spec = info.subjects.iter().find(|spec| &spec.code == subject)?;
        let rules = rules_for(info.grade, class.school_year).ok();
        let rows = info
            .roster
            .iter()
            .map(|learner| {
                let state = self.years.get(learner, class.school_year);
                let mut record = SemesterRecord::read(
                    self.ledger.record(learner, class.school_year),
                    spec,
                    semester,
                );
                record.compute(spec.mode, rules);
                let active = state
                    .and_then(|state| {
                        state.enrolments.iter().rev().find(|enrolment| {
                            enrolment.school == class.school && enrolment.class == class.class
                        })
                    })
                    .is_some_and(|enrolment| {
                        enrolment.left.is_none() && enrolment.withdrawn.is_none()
                    });
                let plan = state
                    .and_then(|state| state.plan.as_ref())
                    .and_then(|plan| plan.subjects.get(subject).copied());
                GradebookRow {
                    learner: learner.clone(),
                    active,
                    plan,
                    semester: record,
                }
            })
            .collect();
        let sealed = [Term::Semester(semester), Term::Year].iter().any(|term| {
            self.seals
                .contains_key(&(class.school.clone(), class.school_year, *term))
        });
        Some(Gradebook {
            as_of_size: self.size,
            class: class.clone(),
            subject: subject.clone(),
            semester,
            mode: spec.mode,
            regular_count: spec.regular_count(),
            teacher: info.teachers.get(&Duty::Subject(subject.clone())).copied(),
            confirmed: self
                .confirmations
                .get(&(class.clone(), subject.clone(), semester))
                .map(|(index, key)| Signature {
                    index: *index,
                    key: *key,
                }),
            sealed,
            rows,
        })
    }
}
