//! Applying an authorised event to the state. Nothing here can fail: every rule was checked by
//! `judge` against this same state.

use super::event::{CorrectedValue, Event, Exemption, ExemptionPeriod, IndividualPlan};
use super::policy::PolicySetting;
use super::state::{
    push_exact, AssessmentSlot, Assignment, Class, Corrected, CorrectionRequest, Enrolment,
    EnrolmentStatus, Grant, IssuedCopy, Learner, LearnerYear, Reopening, Signature, Target, Unit,
    Version,
};
use super::value::SchoolYear;
use super::{Ledger, Position};
use crate::key::PublicKey;

impl Ledger {
    /// Clears the signatures of the learner's years after `school_year` at `level`: a `level`
    /// exemption decided or revoked in `school_year` changes what they print.
    fn later_years_changed(
        &mut self,
        learner: &super::value::LearnerCode,
        school_year: SchoolYear,
        level: super::RecordLevel,
    ) {
        let later: Vec<SchoolYear> = self
            .records
            .years(learner)
            .filter(|(year, record)| {
                *year > school_year && self.year_level(record, *year) == Some(level)
            })
            .map(|(year, _)| year)
            .collect();
        for year in later {
            self.record_mut(learner, year).changed();
        }
    }

    fn record_mut(
        &mut self,
        learner: &super::value::LearnerCode,
        school_year: SchoolYear,
    ) -> &mut LearnerYear {
        self.records.get_or_default(learner, school_year)
    }

    /// Sets the status of the learner's latest enrolment of the year, if any.
    fn set_current_status(
        &mut self,
        learner: &super::value::LearnerCode,
        school_year: SchoolYear,
        status: EnrolmentStatus,
    ) {
        if let Some(enrolment) = self.record_mut(learner, school_year).enrolments.last_mut() {
            enrolment.status = status;
        }
    }

    #[allow(clippy::too_many_lines)]
    pub(crate) fn apply_event(&mut self, event: Event, author: PublicKey, at: Position) {
        let index = at.index;
        let signature = Signature {
            by: author.to_bytes(),
            at: index,
        };
        match event {
            Event::AuthorityGranted {
                grant_id,
                grantee,
                role,
                unit,
                school_year,
                learner,
                valid_from,
                valid_until,
            } => {
                self.grants_by_key
                    .entry(grantee.to_bytes())
                    .or_default()
                    .push(grant_id.clone());
                self.grants.insert(
                    grant_id,
                    Grant {
                        grantee,
                        role,
                        unit,
                        school_year,
                        learner,
                        valid_from,
                        valid_until,
                        granted_by: author,
                        granted_at: index,
                        revoked: None,
                    },
                );
            }
            Event::AuthorityRevoked { grant_id, reason } => {
                if let Some(grant) = self.grants.get_mut(&grant_id) {
                    grant.revoked = Some((index, reason));
                }
            }
            Event::UnitRegistered {
                unit,
                kind,
                name,
                parent,
            } => {
                self.units.insert(
                    unit,
                    Unit {
                        kind,
                        names: vec![(name, index)],
                        parent,
                        merged: None,
                    },
                );
            }
            Event::UnitRenamed { unit, name } => {
                if let Some(found) = self.units.get_mut(&unit) {
                    found.names.push((name, index));
                }
            }
            Event::UnitMerged { unit, successor } => {
                if let Some(found) = self.units.get_mut(&unit) {
                    found.merged = Some((successor, index));
                }
            }
            Event::ClassOpened {
                class,
                grade,
                subjects,
            } => {
                self.classes.insert(
                    class,
                    Class {
                        grade,
                        subjects,
                        opened_at: index,
                    },
                );
            }
            Event::TeacherAssigned {
                class,
                duty,
                teacher,
            } => {
                self.assignments.insert(
                    (class, duty),
                    Assignment {
                        teacher,
                        assigned_at: index,
                    },
                );
            }
            Event::LearnerRegistered {
                learner,
                identity_commitment,
                school,
            } => {
                self.learners.insert(
                    learner,
                    Learner {
                        identity_commitment,
                        registered_by: school,
                        registered_at: index,
                        identity_history: Vec::new(),
                    },
                );
            }
            Event::LearnerEnrolled { learner, class } => {
                push_exact(
                    &mut self.record_mut(&learner, class.school_year).enrolments,
                    Enrolment {
                        school: class.school,
                        class: class.class,
                        enrolled_at: index,
                        from_school: None,
                        status: EnrolmentStatus::Active,
                    },
                );
            }
            Event::LearnerTransferredOut {
                learner,
                school_year,
                to_school,
                ..
            } => {
                self.set_current_status(
                    &learner,
                    school_year,
                    EnrolmentStatus::TransferredOut {
                        to_school,
                        at: index,
                    },
                );
            }
            Event::LearnerTransferredIn {
                learner,
                class,
                from_school,
            } => {
                let record = self.record_mut(&learner, class.school_year);
                if let Some(enrolment) = record.enrolments.last_mut() {
                    if let EnrolmentStatus::TransferredOut { to_school, at } = &enrolment.status {
                        enrolment.status = EnrolmentStatus::Transferred {
                            to_school: to_school.clone(),
                            at: *at,
                            received_at: index,
                        };
                    }
                }
                push_exact(
                    &mut record.enrolments,
                    Enrolment {
                        school: class.school,
                        class: class.class,
                        enrolled_at: index,
                        from_school: Some(from_school),
                        status: EnrolmentStatus::Active,
                    },
                );
                record.changed();
            }
            Event::AssessmentRecorded {
                learner,
                class,
                subject,
                semester,
                kind,
                slot,
                makeup_reason,
                resolved,
                ..
            } => {
                let Some(value) = resolved else {
                    return;
                };
                let slot = AssessmentSlot {
                    subject,
                    semester,
                    kind,
                    slot,
                };
                let record = self.records.get_or_default(&learner, class.school_year);
                record.assessments.expect_slots(|| {
                    self.classes
                        .get(&class)
                        .map_or(0, super::state::Class::assessment_slots)
                });
                self.targets.insert(
                    index,
                    &Target::Assessment {
                        learner: learner.clone(),
                        school_year: class.school_year,
                        slot: slot.clone(),
                    },
                    &mut record.target_number,
                );
                let version = Version::recorded(value, index, record);
                record.assessments.record(
                    &slot,
                    version,
                    makeup_reason.map(String::into_boxed_str),
                );
                record.changed();
            }
            Event::ConductRecorded {
                learner,
                class,
                semester,
                value,
            } => {
                let record = self.records.get_or_default(&learner, class.school_year);
                self.targets.insert(
                    index,
                    &Target::Conduct {
                        learner: learner.clone(),
                        school_year: class.school_year,
                        semester,
                    },
                    &mut record.target_number,
                );
                let version = Version::recorded(value, index, record);
                push_exact(record.conduct.entry(semester).or_default(), version);
                record.changed();
            }
            Event::AbsenceRecorded {
                learner,
                class,
                semester,
                excused,
                unexcused,
            } => {
                let record = self.record_mut(&learner, class.school_year);
                record
                    .absences
                    .insert(semester, (excused, unexcused, index));
                record.changed();
            }
            Event::SubjectConfirmed {
                class,
                subject,
                semester,
            } => {
                self.confirmations.insert((class, subject, semester), index);
            }
            Event::TermSealed {
                school,
                school_year,
                term,
            } => {
                self.seals.insert((school, school_year, term), index);
            }
            Event::TermReopened {
                school,
                school_year,
                term,
                reason,
            } => {
                let sealed_at = self
                    .seals
                    .remove(&(school.clone(), school_year, term))
                    .unwrap_or(index);
                // Reopening returns the term to data entry: the subject confirmations it covers
                // are lifted too, and teachers confirm again.
                self.confirmations.retain(|(class, _, semester), _| {
                    !(class.school == school
                        && class.school_year == school_year
                        && term.covers(*semester))
                });
                self.reopenings.push(Reopening {
                    school,
                    school_year,
                    term,
                    sealed_at,
                    reopened_at: index,
                    reason,
                });
            }
            Event::CorrectionRequested {
                target,
                reason,
                resolved,
                ..
            } => {
                let (Some(value), Some(found)) = (resolved, self.targets.get(target)) else {
                    return;
                };
                self.corrections.insert(
                    index,
                    CorrectionRequest {
                        target_index: target,
                        target: found,
                        value,
                        reason,
                        requested_by: author,
                        approved_at: None,
                    },
                );
            }
            Event::CorrectionApproved { request } => {
                let Some(found) = self.corrections.get_mut(&request) else {
                    return;
                };
                found.approved_at = Some(index);
                let target = found.target.clone();
                let value = found.value;
                let (learner, school_year) = target.learner_year();
                let record = self.records.get_or_default(&learner, school_year);
                self.targets
                    .insert(index, &target, &mut record.target_number);
                let corrected = match (target, value) {
                    (Target::Assessment { slot, .. }, CorrectedValue::Assessment(value)) => {
                        record.assessments.correct(&slot, value, index);
                        Some(Corrected::Subject(slot.subject))
                    }
                    (Target::Conduct { semester, .. }, CorrectedValue::Conduct(value)) => {
                        if let Some(versions) = record.conduct.get_mut(&semester) {
                            if let Some(correction) =
                                versions.last().map(|v| v.corrected(value, index))
                            {
                                push_exact(versions, correction);
                            }
                        }
                        Some(Corrected::Conduct)
                    }
                    // `judge` resolves the value from the target's own kind.
                    _ => None,
                };
                if let Some(corrected) = corrected {
                    *record.corrections.entry(corrected).or_default() += 1;
                }
                record.changed();
            }
            Event::LearnerSignedOff { learner, class } => {
                self.record_mut(&learner, class.school_year).signed_off = Some(signature);
            }
            Event::ApprovalSigned {
                school_year,
                entries,
                ..
            } => {
                for (learner, digest) in entries {
                    self.record_mut(&learner, school_year).approved =
                        Some((signature.clone(), digest));
                }
            }
            Event::SummerConductRecorded {
                learner,
                class,
                value,
            } => {
                let record = self.record_mut(&learner, class.school_year);
                let version = Version::recorded(value, index, record);
                record.summer_conduct.push(version);
                record.changed();
            }
            Event::SummerReassessmentRecorded {
                learner,
                class,
                subject,
                resolved,
                ..
            } => {
                let Some(value) = resolved else {
                    return;
                };
                let record = self.record_mut(&learner, class.school_year);
                let version = Version::recorded(value, index, record);
                push_exact(record.reassessments.entry(subject).or_default(), version);
                record.changed();
            }
            Event::PromotionDecided {
                learner,
                school_year,
                outcome,
                ..
            } => {
                self.record_mut(&learner, school_year).decision = Some((outcome, signature));
            }
            Event::AwardGranted {
                learner,
                school_year,
                award,
                ..
            } => {
                self.record_mut(&learner, school_year).award = Some((award, signature));
            }
            Event::ProgrammeCompleted {
                learner,
                school_year,
                ..
            } => {
                self.record_mut(&learner, school_year).completed = Some(signature);
            }
            Event::LearnerWithdrawn {
                learner,
                school_year,
                reason,
                ..
            } => {
                self.set_current_status(
                    &learner,
                    school_year,
                    EnrolmentStatus::Withdrawn { at: index, reason },
                );
            }
            Event::CopyIssued {
                copy_id,
                learner,
                school,
                school_year,
                kind,
                record_digest,
                requester,
            } => {
                self.copies.insert(
                    copy_id,
                    IssuedCopy {
                        learner,
                        school,
                        school_year,
                        kind,
                        record_digest,
                        requester,
                        issued_by: author,
                        issued_at: index,
                    },
                );
            }
            Event::IdentityCorrected {
                learner,
                identity_commitment,
                reason,
                ..
            } => {
                if let Some(found) = self.learners.get_mut(&learner) {
                    let old =
                        std::mem::replace(&mut found.identity_commitment, identity_commitment);
                    found.identity_history.push((old, index, reason));
                }
            }
            Event::ExemptionDecided {
                learner,
                class,
                subject,
                part,
                period,
                reason,
            } => {
                let Some(level) = self.class_level(&class) else {
                    return; // judged: the class is on the log
                };
                if period == ExemptionPeriod::Level {
                    // The later years it covers print it too: their signatures no longer match.
                    self.later_years_changed(&learner, class.school_year, level);
                }
                let record = self.record_mut(&learner, class.school_year);
                record.exemptions.push(Exemption {
                    subject,
                    part,
                    period,
                    reason,
                    index,
                    school_year: class.school_year,
                    level,
                });
                // The học bạ prints the exemption: a sign-off or approval given before it no
                // longer matches the record.
                record.changed();
            }
            Event::ExemptionRevoked {
                learner,
                class,
                exemption,
                ..
            } => {
                let record = self.record_mut(&learner, class.school_year);
                let Some(position) = record.exemptions.iter().position(|e| e.index == exemption)
                else {
                    return; // judged: the exemption is in this record
                };
                let revoked = record.exemptions.remove(position);
                // The học bạ no longer prints it: signatures given with it no longer match.
                record.changed();
                if revoked.period == ExemptionPeriod::Level {
                    self.later_years_changed(&learner, class.school_year, revoked.level);
                }
            }
            Event::IndividualPlanDecided {
                learner,
                class,
                subjects,
                reason,
                ..
            } => {
                // A revised plan replaces the one in force whole (judged: `replaces` names it).
                let record = self.record_mut(&learner, class.school_year);
                record.plan = Some(IndividualPlan {
                    subjects: subjects.into_iter().collect(),
                    reason,
                    index,
                });
                // The học bạ prints the plan: signatures given before it no longer match.
                record.changed();
            }
            Event::SigningPolicySet {
                level,
                school_year,
                policy,
                reason,
            } => {
                // A policy governs later signatures only: no sign-off or approval is cleared.
                self.signing_policies
                    .entry((level, school_year))
                    .or_default()
                    .push(PolicySetting {
                        level,
                        school_year,
                        policy,
                        reason,
                        index,
                    });
            }
        }
    }
}
