//! What an applied event says to the projections, and updating them with it.

use std::collections::BTreeSet;

use super::{ClassInfo, CopyView, EnrolledVia, Enrolment, GrantInfo, Projections, Setter};
use crate::domain::value::{
    Digest, GrantId, LearnerCode, SchoolYear, Semester, SubjectCode, Term, UnitCode,
};
use crate::domain::{push_exact, ClassKey, Duty, Event, Ledger, Position, SubjectSpec};
use crate::key::PublicKey;
use crate::record::VerifiedSubmission;

/// What an applied event says, as far as the projections need it.
pub(super) enum Fact {
    Unit(UnitCode),
    UnitMerged(UnitCode, UnitCode),
    Granted(GrantId, Box<GrantInfo>),
    Revoked(GrantId, String),
    ClassOpened(ClassKey, u8, Vec<SubjectSpec>),
    TeacherAssigned(ClassKey, Duty, PublicKey),
    LearnerRegistered(LearnerCode, UnitCode),
    Enrolled(LearnerCode, ClassKey),
    TransferredOut(LearnerCode, UnitCode, SchoolYear, UnitCode, Option<String>),
    TransferredIn(LearnerCode, ClassKey, UnitCode),
    /// A value of a learner's year in a class: a grade, conduct or absences, or an exemption.
    /// What a correction can target, the ledger knows (`Ledger::setter_of`).
    Recorded(LearnerCode, ClassKey, Setting),
    /// An individual education plan for a learner's year in a class, with its reason.
    PlanDecided(LearnerCode, ClassKey, String),
    SubjectConfirmed(ClassKey, SubjectCode, Semester),
    TermSealed(UnitCode, SchoolYear, Term),
    TermReopened(UnitCode, SchoolYear, Term, String),
    CorrectionRequested(u64, String),
    /// A correction approved: the value it sets is the ledger's (`Ledger::setter_of`).
    CorrectionApproved,
    SignedOff(LearnerCode, ClassKey),
    Approval(UnitCode, SchoolYear, Vec<(LearnerCode, Digest)>),
    /// A summer result (with the subject, for a re-assessment) of a learner in a class.
    Summer(LearnerCode, ClassKey, Option<SubjectCode>),
    /// A decision on a learner's year: promotion, award, completion.
    Decided(LearnerCode, UnitCode, SchoolYear),
    Withdrawn(LearnerCode, UnitCode, SchoolYear, String),
    CopyIssued(Box<CopyView>),
    IdentityCorrected(LearnerCode, String),
    /// A signing policy for a level and school year, with its reason.
    SigningPolicySet(String),
}

/// What a value-setting event sets in a learner's year.
pub(super) enum Setting {
    /// An assessment of the subject: changes no single value of the year, only its signatures.
    Grade(SubjectCode),
    /// Conduct or absences.
    YearValue,
    /// An exemption of the subject, decided or revoked, with its reason: sets no correctable
    /// value, but touches the subject's grade trail as if it did.
    Exemption(SubjectCode, String),
}

impl Fact {
    fn reason(&self) -> Option<&str> {
        match self {
            Fact::Revoked(_, reason)
            | Fact::TermReopened(_, _, _, reason)
            | Fact::CorrectionRequested(_, reason) => Some(reason),
            Fact::TransferredOut(_, _, _, _, reason) => reason.as_deref(),
            Fact::Recorded(_, _, Setting::Exemption(_, reason)) => Some(reason),
            Fact::Withdrawn(_, _, _, reason)
            | Fact::PlanDecided(_, _, reason)
            | Fact::IdentityCorrected(_, reason)
            | Fact::SigningPolicySet(reason) => Some(reason),
            _ => None,
        }
    }
}

impl Fact {
    /// What the projections need of `event`, authorised from `author` at `index`: the domain
    /// has parsed and checked it, so this cannot fail.
    pub(super) fn of(event: &Event, author: &PublicKey, index: u64) -> Fact {
        match event {
            Event::UnitRegistered { unit, .. } | Event::UnitRenamed { unit, .. } => {
                Fact::Unit(unit.clone())
            }
            Event::UnitMerged { unit, successor } => {
                Fact::UnitMerged(unit.clone(), successor.clone())
            }
            Event::AuthorityGranted {
                grant_id,
                grantee,
                role,
                unit,
                school_year,
                learner,
                valid_from,
                valid_until,
            } => Fact::Granted(
                grant_id.clone(),
                Box::new(GrantInfo {
                    grantee: *grantee,
                    role: *role,
                    unit: unit.clone(),
                    school_year: *school_year,
                    learner: learner.clone(),
                    valid_from: *valid_from,
                    valid_until: *valid_until,
                    granted_at: index,
                    granted_by: *author,
                    revoked: None,
                }),
            ),
            Event::AuthorityRevoked { grant_id, reason } => {
                Fact::Revoked(grant_id.clone(), reason.clone())
            }
            Event::ClassOpened {
                class,
                grade,
                subjects,
            } => Fact::ClassOpened(class.clone(), *grade, subjects.clone()),
            Event::TeacherAssigned {
                class,
                duty,
                teacher,
            } => Fact::TeacherAssigned(class.clone(), duty.clone(), *teacher),
            Event::LearnerRegistered {
                learner, school, ..
            } => Fact::LearnerRegistered(learner.clone(), school.clone()),
            Event::LearnerEnrolled { learner, class } => {
                Fact::Enrolled(learner.clone(), class.clone())
            }
            Event::LearnerTransferredOut {
                learner,
                school,
                school_year,
                to_school,
                reason,
            } => Fact::TransferredOut(
                learner.clone(),
                school.clone(),
                *school_year,
                to_school.clone(),
                reason.clone(),
            ),
            Event::LearnerTransferredIn {
                learner,
                class,
                from_school,
            } => Fact::TransferredIn(learner.clone(), class.clone(), from_school.clone()),
            Event::AssessmentRecorded {
                learner,
                class,
                subject,
                ..
            } => Fact::Recorded(
                learner.clone(),
                class.clone(),
                Setting::Grade(subject.clone()),
            ),
            Event::ConductRecorded { learner, class, .. }
            | Event::AbsenceRecorded { learner, class, .. } => {
                Fact::Recorded(learner.clone(), class.clone(), Setting::YearValue)
            }
            // An exemption, decided or revoked, touches the learner's year and that subject's
            // grade trail like a value recorded in it, but sets no correctable value.
            Event::ExemptionDecided {
                learner,
                class,
                subject,
                reason,
                ..
            }
            | Event::ExemptionRevoked {
                learner,
                class,
                subject,
                reason,
                ..
            } => Fact::Recorded(
                learner.clone(),
                class.clone(),
                Setting::Exemption(subject.clone(), reason.clone()),
            ),
            Event::IndividualPlanDecided {
                learner,
                class,
                reason,
                ..
            } => Fact::PlanDecided(learner.clone(), class.clone(), reason.clone()),
            Event::SubjectConfirmed {
                class,
                subject,
                semester,
            } => Fact::SubjectConfirmed(class.clone(), subject.clone(), *semester),
            Event::TermSealed {
                school,
                school_year,
                term,
            } => Fact::TermSealed(school.clone(), *school_year, *term),
            Event::TermReopened {
                school,
                school_year,
                term,
                reason,
            } => Fact::TermReopened(school.clone(), *school_year, *term, reason.clone()),
            Event::CorrectionRequested { target, reason, .. } => {
                Fact::CorrectionRequested(*target, reason.clone())
            }
            Event::CorrectionApproved { .. } => Fact::CorrectionApproved,
            Event::LearnerSignedOff { learner, class } => {
                Fact::SignedOff(learner.clone(), class.clone())
            }
            Event::ApprovalSigned {
                school,
                school_year,
                entries,
            } => Fact::Approval(school.clone(), *school_year, entries.clone()),
            Event::SummerConductRecorded { learner, class, .. } => {
                Fact::Summer(learner.clone(), class.clone(), None)
            }
            Event::SummerReassessmentRecorded {
                learner,
                class,
                subject,
                ..
            } => Fact::Summer(learner.clone(), class.clone(), Some(subject.clone())),
            Event::PromotionDecided {
                learner,
                school,
                school_year,
                ..
            }
            | Event::AwardGranted {
                learner,
                school,
                school_year,
                ..
            }
            | Event::ProgrammeCompleted {
                learner,
                school,
                school_year,
            } => Fact::Decided(learner.clone(), school.clone(), *school_year),
            Event::LearnerWithdrawn {
                learner,
                school,
                school_year,
                reason,
            } => Fact::Withdrawn(
                learner.clone(),
                school.clone(),
                *school_year,
                reason.clone(),
            ),
            Event::CopyIssued {
                copy_id,
                learner,
                school,
                school_year,
                kind,
                record_digest,
                requester,
            } => Fact::CopyIssued(Box::new(CopyView {
                copy_id: copy_id.to_string(),
                learner: learner.clone(),
                school: school.clone(),
                school_year: *school_year,
                kind: *kind,
                record_digest: *record_digest,
                requester: requester.clone(),
                index,
                issued_by: *author,
            })),
            Event::IdentityCorrected {
                learner, reason, ..
            } => Fact::IdentityCorrected(learner.clone(), reason.clone()),
            Event::SigningPolicySet { reason, .. } => Fact::SigningPolicySet(reason.clone()),
        }
    }
}

impl Projections {
    /// Updates every projection with one applied event.
    pub(super) fn record(
        &mut self,
        fact: &Fact,
        submission: &VerifiedSubmission,
        position: Position,
        ledger: &Ledger,
    ) {
        let index = position.index;
        let author = *submission.author();
        self.entries.push(
            index,
            submission.submission().event_type(),
            &author,
            position.sequenced_at_us,
            fact.reason(),
        );
        Self::push_trail(&mut self.key_trail, author.to_bytes(), index);
        match fact {
            Fact::Unit(unit) => self.refresh_unit(unit, ledger),
            Fact::UnitMerged(unit, successor) => {
                self.refresh_unit(unit, ledger);
                self.refresh_unit(successor, ledger);
            }
            Fact::Granted(id, grant) => {
                Self::push_trail(&mut self.key_trail, grant.grantee.to_bytes(), index);
                self.grants.insert(id.clone(), (**grant).clone());
            }
            Fact::Revoked(id, reason) => {
                if let Some(grant) = self.grants.get_mut(id) {
                    grant.revoked = Some((index, author, reason.clone()));
                    let grantee = grant.grantee.to_bytes();
                    Self::push_trail(&mut self.key_trail, grantee, index);
                }
            }
            Fact::ClassOpened(class, grade, subjects) => {
                self.classes.insert(
                    class.clone(),
                    ClassInfo {
                        grade: *grade,
                        level: ledger.class_level(class),
                        subjects: subjects.clone(),
                        opened_at: index,
                        teachers: Default::default(),
                        roster: Default::default(),
                    },
                );
                Self::push_trail(&mut self.class_trail, class.clone(), index);
            }
            Fact::TeacherAssigned(class, duty, teacher) => {
                if let Some(info) = self.classes.get_mut(class) {
                    info.teachers.insert(duty.clone(), (*teacher, index));
                }
                Self::push_trail(&mut self.class_trail, class.clone(), index);
                Self::push_trail(&mut self.key_trail, teacher.to_bytes(), index);
            }
            Fact::LearnerRegistered(learner, school) => {
                self.learners
                    .insert(learner.clone(), (index, school.clone()));
                self.learner_trails.learner_mut(learner).push(index);
                self.refresh_identity_commitment(learner, index, ledger);
            }
            Fact::Enrolled(learner, class) | Fact::TransferredIn(learner, class, _) => {
                let via = match fact {
                    Fact::TransferredIn(_, _, from) => EnrolledVia::TransferFrom(from.clone()),
                    _ => EnrolledVia::Enrolment,
                };
                push_exact(
                    &mut self.year_mut(learner, class.school_year).enrolments,
                    Enrolment {
                        school: class.school.clone(),
                        class: class.class.clone(),
                        since: index,
                        via,
                        left: None,
                        withdrawn: None,
                    },
                );
                if let Some(info) = self.classes.get_mut(class) {
                    info.roster.insert(learner.clone());
                }
                self.touch_learner_year(learner, class, index);
                self.refresh_year(learner, class.school_year, ledger);
                // A level exemption decided in an earlier year, in force in this one, belongs
                // to this year's trail of its subject too, in its place by index.
                let earlier: Vec<(SubjectCode, u64)> = self
                    .years
                    .get(learner, class.school_year)
                    .map(|state| {
                        state
                            .exemptions
                            .iter()
                            .filter(|e| e.school_year < class.school_year)
                            .map(|e| (e.subject.clone(), e.index))
                            .collect()
                    })
                    .unwrap_or_default();
                let year = self
                    .learner_trails
                    .learner_mut(learner)
                    .year_mut(class.school_year);
                for (subject, decided) in earlier {
                    year.grade_mut(&subject).push(decided);
                }
            }
            Fact::TransferredOut(learner, school, school_year, to_school, reason) => {
                let state = self.year_mut(learner, *school_year);
                let current = state
                    .enrolments
                    .iter_mut()
                    .rev()
                    .find(|enrolment| &enrolment.school == school && enrolment.left.is_none());
                let mut class = None;
                if let Some(enrolment) = current {
                    enrolment.left = Some((index, to_school.clone(), reason.clone()));
                    class = Some(ClassKey {
                        school: school.clone(),
                        school_year: *school_year,
                        class: enrolment.class.clone(),
                    });
                }
                if let Some(class) = class {
                    self.touch_learner_year(learner, &class, index);
                } else {
                    self.learner_trails.touch_year(learner, *school_year, index);
                }
                self.refresh_year(learner, *school_year, ledger);
            }
            Fact::Recorded(learner, class, setting) => {
                let grade = match setting {
                    Setting::Grade(subject) | Setting::Exemption(subject, _) => Some(subject),
                    Setting::YearValue => None,
                };
                self.touch_learner_year_grade(learner, class, grade, index);
                match setting {
                    Setting::Grade(_) => self.refresh_signing(learner, class.school_year, ledger),
                    Setting::YearValue => self.refresh_year(learner, class.school_year, ledger),
                    Setting::Exemption(subject, _) => {
                        self.refresh_year(learner, class.school_year, ledger);
                        // An exemption for the level is in force in the learner's later years
                        // too.
                        self.refresh_later_years(
                            learner,
                            class.school_year,
                            subject,
                            index,
                            ledger,
                        );
                    }
                }
            }
            Fact::PlanDecided(learner, class, _) => {
                self.touch_learner_year(learner, class, index);
                // The plan belongs to the trail of each subject it names, as an exemption does;
                // a revised plan also to those of the plan it replaces (still projected here).
                let replaced = self
                    .years
                    .get(learner, class.school_year)
                    .and_then(|state| state.plan.as_ref());
                let subjects: BTreeSet<SubjectCode> = ledger
                    .individual_plan(learner, class.school_year)
                    .into_iter()
                    .chain(replaced)
                    .flat_map(|plan| plan.subjects.keys().cloned())
                    .collect();
                let year = self
                    .learner_trails
                    .learner_mut(learner)
                    .year_mut(class.school_year);
                for subject in subjects {
                    year.grade_mut(&subject).push(index);
                }
                // The plan changes how the year's subjects are treated, not one value.
                self.refresh_year(learner, class.school_year, ledger);
            }
            Fact::SubjectConfirmed(class, subject, semester) => {
                self.confirmations
                    .insert((class.clone(), subject.clone(), *semester), (index, author));
                Self::push_trail(&mut self.class_trail, class.clone(), index);
                Self::push_trail(
                    &mut self.lock_trail,
                    (class.clone(), subject.clone()),
                    index,
                );
            }
            Fact::TermSealed(school, school_year, term) => {
                self.seals
                    .insert((school.clone(), *school_year, *term), (index, author));
                Self::push_trail(&mut self.seal_trail, (school.clone(), *school_year), index);
            }
            Fact::TermReopened(school, school_year, term, _) => {
                self.seals.remove(&(school.clone(), *school_year, *term));
                self.refresh_confirmations(school, *school_year, ledger);
                Self::push_trail(&mut self.seal_trail, (school.clone(), *school_year), index);
            }
            Fact::CorrectionRequested(target, _) => {
                if let Some(setter) = Setter::of(ledger, *target) {
                    self.touch_setter(&setter, index);
                }
            }
            Fact::CorrectionApproved => {
                // The approval sets the value anew: the ledger knows it as a setter itself.
                if let Some(setter) = Setter::of(ledger, index) {
                    self.touch_setter(&setter, index);
                    self.refresh_year(&setter.learner, setter.class.school_year, ledger);
                }
            }
            Fact::SignedOff(learner, class) => {
                push_exact(
                    &mut self.year_mut(learner, class.school_year).sign_offs,
                    (index, author),
                );
                self.touch_learner_year(learner, class, index);
                self.refresh_year(learner, class.school_year, ledger);
            }
            Fact::Approval(school, school_year, entries) => {
                for (learner, digest) in entries {
                    let state = self.year_mut(learner, *school_year);
                    push_exact(&mut state.approvals, (index, author, *digest));
                    let class = state
                        .enrolments
                        .iter()
                        .rev()
                        .find(|enrolment| &enrolment.school == school)
                        .map(|enrolment| ClassKey {
                            school: school.clone(),
                            school_year: *school_year,
                            class: enrolment.class.clone(),
                        });
                    match class {
                        Some(class) => self.touch_learner_year(learner, &class, index),
                        None => {
                            self.learner_trails.touch_year(learner, *school_year, index);
                        }
                    }
                    self.refresh_year(learner, *school_year, ledger);
                }
            }
            Fact::Summer(learner, class, subject) => {
                self.touch_learner_year_grade(learner, class, subject.as_ref(), index);
                self.refresh_year(learner, class.school_year, ledger);
            }
            Fact::Decided(learner, school, school_year)
            | Fact::Withdrawn(learner, school, school_year, _) => {
                let state = self.year_mut(learner, *school_year);
                if let Fact::Withdrawn(_, _, _, reason) = fact {
                    if let Some(enrolment) =
                        state.enrolments.iter_mut().rev().find(|e| {
                            &e.school == school && e.left.is_none() && e.withdrawn.is_none()
                        })
                    {
                        enrolment.withdrawn = Some((index, reason.clone()));
                    }
                }
                self.touch_learner_at(learner, school, *school_year, index);
                self.refresh_year(learner, *school_year, ledger);
            }
            Fact::CopyIssued(copy) => {
                self.touch_learner_at(&copy.learner, &copy.school, copy.school_year, index);
                self.copies
                    .entry(copy.learner.clone())
                    .or_default()
                    .push((**copy).clone());
            }
            Fact::IdentityCorrected(learner, reason) => {
                self.learner_trails.learner_mut(learner).push(index);
                self.identity_corrections
                    .entry(learner.clone())
                    .or_default()
                    .push((index, reason.clone()));
                self.refresh_identity_commitment(learner, index, ledger);
            }
            Fact::SigningPolicySet(_) => self.refresh_signing_policies(ledger),
        }
        self.note_schools(fact, index, ledger);
    }

    /// Copies the signing policies in force from the ledger.
    fn refresh_signing_policies(&mut self, ledger: &Ledger) {
        for setting in ledger.signing_policy_settings() {
            self.signing_policies
                .insert((setting.level, setting.school_year), setting.clone());
        }
    }

    /// Copies the learner's identity commitment in force from the ledger, which has just
    /// applied the event at `index` that set it.
    fn refresh_identity_commitment(&mut self, learner: &LearnerCode, index: u64, ledger: &Ledger) {
        if let Some(commitment) = ledger.identity_commitment(learner) {
            self.identity_commitments
                .insert(learner.clone(), (index, *commitment.as_bytes()));
        }
    }

    /// Adds an event about a learner's year at a school to the trails of the learner, the year
    /// and the learner's latest class there that year.
    fn touch_learner_at(
        &mut self,
        learner: &LearnerCode,
        school: &UnitCode,
        school_year: SchoolYear,
        index: u64,
    ) {
        let class = self
            .years
            .get(learner, school_year)
            .and_then(|state| state.enrolments.iter().rev().find(|e| &e.school == school))
            .map(|enrolment| ClassKey {
                school: school.clone(),
                school_year,
                class: enrolment.class.clone(),
            });
        match class {
            Some(class) => self.touch_learner_year(learner, &class, index),
            None => {
                self.learner_trails.touch_year(learner, school_year, index);
            }
        }
    }

    fn refresh_unit(&mut self, unit: &UnitCode, ledger: &Ledger) {
        if let Some(record) = ledger.unit_record(unit) {
            self.units.insert(unit.clone(), record.into());
        }
    }

    /// Adds an event to the trails of the learner, their year and the class.
    fn touch_learner_year(&mut self, learner: &LearnerCode, class: &ClassKey, index: u64) {
        self.touch_learner_year_grade(learner, class, None, index);
    }

    /// Adds an event to the trails of the learner, their year, the year's grade in `subject`
    /// if it names one, and the class.
    fn touch_learner_year_grade(
        &mut self,
        learner: &LearnerCode,
        class: &ClassKey,
        subject: Option<&SubjectCode>,
        index: u64,
    ) {
        let year = self
            .learner_trails
            .touch_year(learner, class.school_year, index);
        if let Some(subject) = subject {
            year.grade_mut(subject).push(index);
        }
        Self::push_trail(&mut self.class_trail, class.clone(), index);
    }

    /// Adds a correction event to the trails of the value it corrects.
    fn touch_setter(&mut self, setter: &Setter, index: u64) {
        Self::push_trail(&mut self.class_trail, setter.class.clone(), index);
        let learner = self.learner_trails.learner_mut(&setter.learner).push(index);
        if let Some(subject) = &setter.subject {
            (learner.year_mut(setter.class.school_year))
                .grade_mut(subject)
                .push(index);
        }
    }
}
