//! Judging an event against the state: what must exist, who may sign, what is locked.
//!
//! Each check reads the state and refuses with the first rule broken, in the order listed for
//! the event in `docs/EVENTS.md`: things named by the payload, then the author's authority, then
//! the state of the record (enrolment, locks, completeness).

use super::authority::{
    grantors, scope_kinds, unit_admins, PRINCIPALS, REOPENERS, SCHOOL_LEADERS, SCHOOL_OFFICE,
};
use super::error::DomainError;
use super::event::{
    assessment_value, conduct_level, ClassKey, CorrectedValue, Duty, Event, Exemption,
    ExemptionPeriod, PlanAssessment, SubjectSpec,
};
use super::policy::{ApprovalBy, RecordLevel, SigningPolicy};
use super::state::{Class, EnrolmentStatus, Learner, LearnerYear, Target, Unit};
use super::value::{
    AssessmentKind, LearnerCode, Role, SchoolYear, Semester, SubjectCode, SubjectMode, Term,
    UnitCode, UnitKind,
};
use super::{Ledger, Position};
use crate::key::PublicKey;

impl Ledger {
    pub(crate) fn unit(&self, unit: &UnitCode) -> Result<&Unit, DomainError> {
        self.units
            .get(unit)
            .ok_or_else(|| DomainError::UnitUnknown {
                unit: unit.to_string(),
            })
    }

    fn active_unit(&self, unit: &UnitCode) -> Result<&Unit, DomainError> {
        let found = self.unit(unit)?;
        match &found.merged {
            Some((successor, _)) => Err(DomainError::UnitMerged {
                unit: unit.to_string(),
                successor: successor.to_string(),
            }),
            None => Ok(found),
        }
    }

    pub(super) fn active_school(&self, unit: &UnitCode) -> Result<&Unit, DomainError> {
        let found = self.active_unit(unit)?;
        if !found.kind.is_school() {
            return Err(DomainError::UnitKindInvalid {
                unit: unit.to_string(),
                kind: found.kind.to_string(),
                rule: "this needs a school or a GDTX centre".to_owned(),
            });
        }
        Ok(found)
    }

    pub(super) fn class(&self, key: &ClassKey) -> Result<&Class, DomainError> {
        self.classes
            .get(key)
            .ok_or_else(|| DomainError::ClassUnknown {
                school: key.school.to_string(),
                school_year: key.school_year.to_string(),
                class: key.class.to_string(),
            })
    }

    /// The class exists and lists `subject`.
    pub(super) fn class_subject(
        &self,
        class: &ClassKey,
        subject: &SubjectCode,
    ) -> Result<&SubjectSpec, DomainError> {
        self.class(class)?
            .subject(subject)
            .ok_or_else(|| DomainError::SubjectUnknown {
                class: class.to_string(),
                subject: subject.to_string(),
            })
    }

    pub(super) fn learner_exists(&self, learner: &LearnerCode) -> Result<(), DomainError> {
        self.known_learner(learner).map(|_| ())
    }

    /// The registered learner, or `LearnerUnknown`.
    pub(super) fn known_learner(&self, learner: &LearnerCode) -> Result<&Learner, DomainError> {
        self.learners
            .get(learner)
            .ok_or_else(|| DomainError::LearnerUnknown {
                learner: learner.to_string(),
            })
    }

    /// The author must hold one of `roles` for the class's school and year.
    pub(super) fn check_class_authority(
        &self,
        author: &PublicKey,
        roles: &[Role],
        class: &ClassKey,
        at: Position,
        action: &str,
    ) -> Result<(), DomainError> {
        self.check_authority(
            author,
            roles,
            &class.school,
            Some(class.school_year),
            at,
            action,
        )
    }

    /// For enrolling a learner in `class`: the school is active, the class exists, the author
    /// is the school's office and the learner is registered.
    fn check_enrolling(
        &self,
        author: &PublicKey,
        learner: &LearnerCode,
        class: &ClassKey,
        at: Position,
        action: &str,
    ) -> Result<(), DomainError> {
        self.active_school(&class.school)?;
        self.class(class)?;
        self.check_class_authority(author, SCHOOL_OFFICE, class, at, action)?;
        self.learner_exists(learner)
    }

    /// The learner must be registered and actively enrolled at `school` in `school_year` now;
    /// gives the learner's record for the year.
    pub(super) fn check_active_at(
        &self,
        learner: &LearnerCode,
        school: &UnitCode,
        school_year: SchoolYear,
    ) -> Result<&LearnerYear, DomainError> {
        self.learner_exists(learner)?;
        let record = self.record(learner, school_year);
        match record.and_then(|r| r.current().map(|enrolment| (r, enrolment))) {
            Some((record, enrolment))
                if enrolment.school == *school && enrolment.status == EnrolmentStatus::Active =>
            {
                Ok(record)
            }
            _ => Err(DomainError::LearnerNotEnrolled {
                learner: learner.to_string(),
                detail: format!("not actively enrolled at {school} in {school_year}"),
            }),
        }
    }

    /// The learner must be registered and actively enrolled in `class` now.
    pub(super) fn check_enrolled(
        &self,
        learner: &LearnerCode,
        class: &ClassKey,
    ) -> Result<(), DomainError> {
        self.learner_exists(learner)?;
        let current = self
            .record(learner, class.school_year)
            .and_then(LearnerYear::current);
        let detail = match current {
            None => format!("not enrolled anywhere in {}", class.school_year),
            Some(enrolment) => match &enrolment.status {
                EnrolmentStatus::Active
                    if enrolment.school == class.school && enrolment.class == class.class =>
                {
                    return Ok(())
                }
                EnrolmentStatus::Active => format!(
                    "enrolled in class {} at {}, not class {} at {}",
                    enrolment.class, enrolment.school, class.class, class.school
                ),
                EnrolmentStatus::TransferredOut { to_school, .. }
                | EnrolmentStatus::Transferred { to_school, .. } => format!(
                    "transferred out of {} to {to_school} (đã chuyển trường)",
                    enrolment.school
                ),
                EnrolmentStatus::Withdrawn { at, .. } => format!(
                    "withdrawn from {} at log index {at} (đã thôi học)",
                    enrolment.school
                ),
            },
        };
        Err(DomainError::LearnerNotEnrolled {
            learner: learner.to_string(),
            detail,
        })
    }

    /// The author must hold `role` for the class's school and year, and be the teacher assigned
    /// to `duty` in the class.
    pub(super) fn check_teacher(
        &self,
        author: &PublicKey,
        class: &ClassKey,
        duty: &Duty,
        at: Position,
        action: &str,
    ) -> Result<(), DomainError> {
        self.check_class_authority(author, &[duty.role()], class, at, action)?;
        match self.assignments.get(&(class.clone(), duty.clone())) {
            Some(assignment) if assignment.teacher == *author => Ok(()),
            _ => Err(DomainError::TeacherNotAssigned {
                school: class.school.to_string(),
                school_year: class.school_year.to_string(),
                class: class.class.to_string(),
                duty: duty.to_string(),
            }),
        }
    }

    /// Either a school leader of the school, or the teacher assigned to `duty`.
    fn check_teacher_or_leader(
        &self,
        author: &PublicKey,
        class: &ClassKey,
        duty: &Duty,
        at: Position,
        action: &str,
    ) -> Result<(), DomainError> {
        let leader = self.check_class_authority(author, SCHOOL_LEADERS, class, at, action);
        if leader.is_ok() {
            return Ok(());
        }
        match self.check_teacher(author, class, duty, at, action) {
            Ok(()) => Ok(()),
            // A key that is no teacher at all is better told why it fails as a leader.
            Err(DomainError::AuthorityMissing { .. }) => leader,
            Err(error) => Err(error),
        }
    }

    /// Refuses an exemption decision or revocation when a semester its period covers is sealed.
    fn check_period_unlocked(
        &self,
        class: &ClassKey,
        period: ExemptionPeriod,
    ) -> Result<(), DomainError> {
        Semester::BOTH
            .into_iter()
            .filter(|semester| period.covers(*semester))
            .try_for_each(|semester| self.check_unlocked(class, None, semester))
    }

    /// Refuses changes to a sealed term or, with `subject`, a confirmed subject.
    fn check_unlocked(
        &self,
        class: &ClassKey,
        subject: Option<&SubjectCode>,
        semester: Semester,
    ) -> Result<(), DomainError> {
        if let Some((term, sealed_at)) =
            self.seal_of(&class.school, class.school_year, Term::Semester(semester))
        {
            return Err(DomainError::TermSealed {
                school: class.school.to_string(),
                school_year: class.school_year.to_string(),
                term: term.to_string(),
                sealed_at,
            });
        }
        if let Some(subject) = subject {
            if let Some(confirmed_at) = self.confirmed_at(class, subject, semester) {
                return Err(DomainError::SubjectConfirmed {
                    class: class.class.to_string(),
                    subject: subject.to_string(),
                    semester: semester.to_string(),
                    confirmed_at,
                });
            }
        }
        Ok(())
    }

    /// The index of the event whose value is in force for `target`, the class it was set in,
    /// and a mode to read a new value with.
    fn target_now(&self, target: &Target) -> Option<(u64, ClassKey, Option<SubjectMode>)> {
        let (learner, school_year) = target.learner_year();
        let record = self.record(&learner, school_year)?;
        Some(match target {
            Target::Assessment { slot, .. } => {
                let version = record.assessments.versions(slot)?.last();
                (
                    version.at,
                    record.class_of(version, school_year),
                    Some(version.value.mode()),
                )
            }
            Target::Conduct { semester, .. } => {
                let version = record.conduct.get(semester)?.last()?;
                (version.at, record.class_of(version, school_year), None)
            }
        })
    }

    fn check_target_current(
        &self,
        target_index: u64,
        target: &Target,
    ) -> Result<ClassKey, DomainError> {
        let Some((current, class, _)) = self.target_now(target) else {
            return Err(DomainError::CorrectionTargetUnknown {
                target: target_index,
            });
        };
        if current != target_index {
            return Err(DomainError::CorrectionTargetSuperseded {
                target: target_index,
                current,
            });
        }
        Ok(class)
    }

    /// The first thing missing from a learner's record for sign-off, if any.
    fn first_missing(&self, record: Option<&LearnerYear>, class: &Class) -> Option<String> {
        for semester in Semester::BOTH {
            let excluded = |spec: &&SubjectSpec| {
                record
                    .and_then(|r| r.plan.as_ref())
                    .is_some_and(|plan| plan.excludes(&spec.code))
            };
            // A subject the plan does not assess has no results to complete.
            for spec in class.subjects.iter().filter(|spec| !excluded(spec)) {
                let mut needed = vec![(AssessmentKind::Midterm, 0), (AssessmentKind::Final, 0)];
                needed
                    .extend((1..=spec.regular_count()).map(|slot| (AssessmentKind::Regular, slot)));
                for (kind, slot) in needed {
                    if record
                        .and_then(|r| r.assessment_versions(&spec.code, semester, kind, slot))
                        .is_none()
                    {
                        let which = if kind == AssessmentKind::Regular {
                            format!("regular assessment {slot} (ĐĐGtx)")
                        } else if kind == AssessmentKind::Midterm {
                            "the mid-term assessment (ĐĐGgk)".to_owned()
                        } else {
                            "the end-of-term assessment (ĐĐGck)".to_owned()
                        };
                        return Some(format!("{which} of {} in {semester}", spec.code));
                    }
                }
            }
            if record.and_then(|r| r.conduct.get(&semester)).is_none() {
                return Some(format!("the conduct result (rèn luyện) of {semester}"));
            }
        }
        None
    }

    /// The signing policy in force for the records of `class`, with their level (the default
    /// chain, without a level, for a class not on the log).
    fn class_signing_policy(&self, class: &ClassKey) -> (Option<RecordLevel>, SigningPolicy) {
        match self.class_level(class) {
            Some(level) => (Some(level), self.signing_policy(level, class.school_year)),
            None => (None, SigningPolicy::DEFAULT),
        }
    }

    /// Under a policy requiring subject confirmation: every subject of `class` is confirmed for
    /// both semesters, or `subjects-not-confirmed` naming the first that is not.
    fn check_subjects_confirmed(
        &self,
        learner: &LearnerCode,
        class: &ClassKey,
        level: Option<RecordLevel>,
        step: &str,
    ) -> Result<(), DomainError> {
        let subjects = self.class(class)?.subjects.iter();
        let unconfirmed = Semester::BOTH.into_iter().find_map(|semester| {
            subjects
                .clone()
                .find(|spec| self.confirmed_at(class, &spec.code, semester).is_none())
                .map(|spec| (spec, semester))
        });
        match unconfirmed {
            None => Ok(()),
            Some((spec, semester)) => Err(DomainError::SubjectsNotConfirmed {
                learner: learner.to_string(),
                school_year: class.school_year.to_string(),
                rule: format!(
                    "the signing policy for {} requires every subject of class {} to be \
                     confirmed by its subject teacher (subject.confirmed) for both semesters \
                     before {step}",
                    level.map_or("this level", RecordLevel::as_str),
                    class.class
                ),
                unconfirmed: format!("{}, {semester}", spec.code),
            }),
        }
    }

    /// Who may sign an approval batch for `school_year` at all: a deputy as well when a policy
    /// of any level allows one that year. Each entry is then held to its own level's policy.
    fn widest_approvers(&self, school_year: SchoolYear) -> &'static [Role] {
        let deputy_allowed = RecordLevel::ALL.into_iter().any(|level| {
            self.signing_policy(level, school_year).approval_by == ApprovalBy::PrincipalOrDeputy
        });
        if deputy_allowed {
            ApprovalBy::PrincipalOrDeputy.roles()
        } else {
            ApprovalBy::Principal.roles()
        }
    }

    /// A plan is decided once per learner and year, and marks not assessed only subjects
    /// without an assessment in force (their results would otherwise vanish from the record).
    fn check_plan_fits(
        &self,
        learner: &LearnerCode,
        school_year: SchoolYear,
        subjects: &[(SubjectCode, PlanAssessment)],
        replaces: Option<u64>,
    ) -> Result<(), DomainError> {
        let record = self.record(learner, school_year);
        let in_force = record
            .and_then(|record| record.plan.as_ref())
            .map(|plan| plan.index);
        // No codes of their own: `payload-invalid`, as a second exemption.
        match (in_force, replaces) {
            (None, None) => {}
            (Some(earlier), Some(named)) if earlier == named => {}
            (Some(earlier), None) => {
                return Err(DomainError::PayloadInvalid {
                    field: "replaces".to_owned(),
                    problem: format!(
                        "learner {learner} has an individual education plan for {school_year} \
                         already (log index {earlier}); a revised plan names it in `replaces`"
                    ),
                });
            }
            (in_force, Some(named)) => {
                return Err(DomainError::PayloadInvalid {
                    field: "replaces".to_owned(),
                    problem: match in_force {
                        Some(earlier) => format!(
                            "the plan in force for learner {learner} in {school_year} is at log \
                             index {earlier}, not {named}"
                        ),
                        None => format!(
                            "learner {learner} has no individual education plan for \
                             {school_year} to replace"
                        ),
                    },
                });
            }
        }
        let Some(record) = record else {
            return Ok(());
        };
        for (subject, assessment) in subjects {
            if *assessment != PlanAssessment::NotAssessed {
                continue;
            }
            let first = record.assessments.first_recorded(subject);
            if let Some(assessed_at) = first {
                return Err(DomainError::SubjectAlreadyAssessed {
                    learner: learner.to_string(),
                    subject: subject.to_string(),
                    school_year: school_year.to_string(),
                    assessed_at,
                });
            }
        }
        Ok(())
    }

    /// An exemption in `subject` that one for `period` decided in `class`'s year would
    /// overlap: one in force that year covering a semester in common, and, for a `level`
    /// exemption, any exemption decided in a later year of the learner at the same level.
    fn overlapping_exemption(
        &self,
        learner: &LearnerCode,
        class: &ClassKey,
        subject: &SubjectCode,
        period: ExemptionPeriod,
    ) -> Option<Exemption> {
        let in_force = self.exemptions(learner, class.school_year);
        if let Some(found) = in_force
            .into_iter()
            .find(|e| e.subject == *subject && e.overlaps(period))
        {
            return Some(found);
        }
        if period != ExemptionPeriod::Level {
            return None;
        }
        let level = self.class_level(class)?;
        self.records
            .years(learner)
            .filter(|(year, record)| {
                *year > class.school_year && self.year_level(record, *year) == Some(level)
            })
            .flat_map(|(_, record)| &record.exemptions)
            .find(|e| e.subject == *subject)
            .cloned()
    }

    /// Judges one entry of an approval batch by `author` under the policy in force for the
    /// learner's current class: who may approve, then the sign-off (or, without that step,
    /// completeness), the subject confirmations, and the digest.
    fn check_approval_entry(
        &self,
        author: &PublicKey,
        (learner, digest): (&LearnerCode, &super::value::Digest),
        school: &UnitCode,
        school_year: SchoolYear,
        at: Position,
    ) -> Result<(), DomainError> {
        let record = self.check_active_at(learner, school, school_year)?;
        let class = record.current().map(|enrolment| ClassKey {
            school: enrolment.school.clone(),
            school_year,
            class: enrolment.class.clone(),
        });
        let (level, policy) = class
            .as_ref()
            .map_or((None, SigningPolicy::DEFAULT), |class| {
                self.class_signing_policy(class)
            });
        let action = "approval.signed";
        self.check_authority(
            author,
            policy.approval_by.roles(),
            school,
            Some(school_year),
            at,
            action,
        )?;
        if record.signed_off.is_none() {
            if policy.homeroom_sign_off_required {
                return Err(DomainError::LearnerNotSignedOff {
                    learner: learner.to_string(),
                    school_year: school_year.to_string(),
                });
            }
            // Without the sign-off step, the approval is where completeness is checked.
            let found = class.as_ref().and_then(|class| self.classes.get(class));
            if let Some(missing) = found.and_then(|found| self.first_missing(Some(record), found)) {
                return Err(DomainError::RecordIncomplete {
                    learner: learner.to_string(),
                    school_year: school_year.to_string(),
                    missing,
                });
            }
        }
        if let (true, Some(class)) = (policy.subject_confirmation_required, &class) {
            self.check_subjects_confirmed(learner, class, level, "the approval")?;
        }
        if let Some((approval, _)) = &record.approved {
            return Err(DomainError::LearnerAlreadyApproved {
                learner: learner.to_string(),
                school_year: school_year.to_string(),
                approved_at: approval.at,
            });
        }
        let expected = self.digest_of(learner, school_year, record);
        if expected != *digest {
            return Err(DomainError::ApprovalDigestMismatch {
                learner: learner.to_string(),
                school_year: school_year.to_string(),
                expected: expected.to_string(),
            });
        }
        Ok(())
    }

    /// A `hoc_sinh` or `phu_huynh` grant names a learner whose record the scope's school holds
    /// (the custodian, or the registering school of a learner not enrolled anywhere); no other
    /// role names a learner.
    fn check_learner_scope(
        &self,
        role: Role,
        unit: &UnitCode,
        kind: UnitKind,
        learner: Option<&LearnerCode>,
    ) -> Result<(), DomainError> {
        let refuse = |rule: String| DomainError::GrantScopeInvalid {
            role: role.to_string(),
            unit: unit.to_string(),
            kind: kind.to_string(),
            rule,
        };
        let Some(learner) = learner else {
            return if role.is_for_one_learner() {
                Err(refuse(format!(
                    "a {role} grant names the learner whose record it reads (scope.learner)"
                )))
            } else {
                Ok(())
            };
        };
        if !role.is_for_one_learner() {
            return Err(refuse(format!(
                "only hoc_sinh and phu_huynh grants name a learner; {role} serves at a unit"
            )));
        }
        let registered = self
            .learners
            .get(learner)
            .ok_or_else(|| DomainError::LearnerUnknown {
                learner: learner.to_string(),
            })?;
        let holder = self.custodian(learner).unwrap_or(&registered.registered_by);
        if self.unit_covers(unit, holder) {
            Ok(())
        } else {
            Err(refuse(format!(
                "learner {learner}'s record is held by {holder}; that school issues the access"
            )))
        }
    }

    /// Judges `event` by `author` at `at`, filling in what it resolves from the state.
    #[allow(clippy::too_many_lines)]
    pub(crate) fn judge(
        &self,
        event: &mut Event,
        author: &PublicKey,
        at: Position,
    ) -> Result<(), DomainError> {
        let action = event.event_type();
        match event {
            Event::AuthorityGranted {
                grant_id,
                role,
                unit,
                school_year,
                learner,
                ..
            } => {
                if self.grants.contains_key(grant_id) {
                    return Err(DomainError::GrantIdTaken {
                        grant_id: grant_id.to_string(),
                    });
                }
                let found = self.active_unit(unit)?;
                if !scope_kinds(*role).contains(&found.kind) {
                    let rule = if *role == Role::BoGddt {
                        "the Ministry's keys are configuration and are never granted".to_owned()
                    } else {
                        format!(
                            "{role} is granted for a {}",
                            scope_kinds(*role)
                                .iter()
                                .map(|kind| kind.as_str())
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )
                    };
                    return Err(DomainError::GrantScopeInvalid {
                        role: role.to_string(),
                        unit: unit.to_string(),
                        kind: found.kind.to_string(),
                        rule,
                    });
                }
                self.check_learner_scope(*role, unit, found.kind, learner.as_ref())?;
                self.check_authority(author, grantors(*role), unit, *school_year, at, action)
            }
            Event::AuthorityRevoked { grant_id, .. } => {
                let grant = self
                    .grants
                    .get(grant_id)
                    .ok_or_else(|| DomainError::GrantUnknown {
                        grant_id: grant_id.to_string(),
                    })?;
                if let Some((revoked_at, _)) = &grant.revoked {
                    return Err(DomainError::GrantAlreadyRevoked {
                        grant_id: grant_id.to_string(),
                        revoked_at: *revoked_at,
                    });
                }
                self.check_authority(
                    author,
                    grantors(grant.role),
                    &grant.unit,
                    grant.school_year,
                    at,
                    action,
                )
            }
            Event::UnitRegistered {
                unit, kind, parent, ..
            } => {
                if self.units.contains_key(unit) {
                    return Err(DomainError::UnitExists {
                        unit: unit.to_string(),
                    });
                }
                let allowed_parents: &[UnitKind] = match kind {
                    UnitKind::Province => &[],
                    UnitKind::Commune => &[UnitKind::Province],
                    UnitKind::School | UnitKind::GdtxCentre => {
                        &[UnitKind::Province, UnitKind::Commune]
                    }
                };
                match parent {
                    None if allowed_parents.is_empty() => {
                        self.check_authority(author, unit_admins(*kind), unit, None, at, action)
                    }
                    None => Err(DomainError::PayloadInvalid {
                        field: "parent".to_owned(),
                        problem: format!("a {kind} needs a parent unit"),
                    }),
                    Some(_) if allowed_parents.is_empty() => Err(DomainError::PayloadInvalid {
                        field: "parent".to_owned(),
                        problem: "a province has no parent unit".to_owned(),
                    }),
                    Some(parent) => {
                        let found = self.active_unit(parent)?;
                        if !allowed_parents.contains(&found.kind) {
                            return Err(DomainError::UnitKindInvalid {
                                unit: parent.to_string(),
                                kind: found.kind.to_string(),
                                rule: format!("it cannot be the parent of a {kind}"),
                            });
                        }
                        self.check_authority(author, unit_admins(*kind), parent, None, at, action)
                    }
                }
            }
            Event::UnitRenamed { unit, .. } => {
                let found = self.active_unit(unit)?;
                let scope = found.parent.as_ref().unwrap_or(unit);
                self.check_authority(author, unit_admins(found.kind), scope, None, at, action)
            }
            Event::UnitMerged { unit, successor } => {
                if unit == successor {
                    return Err(DomainError::UnitMergeInvalid {
                        rule: format!("{unit} cannot be merged into itself"),
                    });
                }
                let merged = self.active_unit(unit)?;
                let into = self.active_unit(successor)?;
                if merged.kind != into.kind {
                    return Err(DomainError::UnitMergeInvalid {
                        rule: format!(
                            "{unit} is a {} and {successor} a {}; only units of the same kind merge",
                            merged.kind, into.kind
                        ),
                    });
                }
                for (code, found) in [(&*unit, merged), (&*successor, into)] {
                    let scope = found.parent.as_ref().unwrap_or(code);
                    self.check_authority(author, unit_admins(found.kind), scope, None, at, action)?;
                }
                Ok(())
            }
            Event::ClassOpened { class, .. } => {
                self.active_school(&class.school)?;
                self.check_class_authority(author, SCHOOL_LEADERS, class, at, action)?;
                if self.classes.contains_key(class) {
                    return Err(DomainError::ClassExists {
                        school: class.school.to_string(),
                        school_year: class.school_year.to_string(),
                        class: class.class.to_string(),
                    });
                }
                Ok(())
            }
            Event::TeacherAssigned {
                class,
                duty,
                teacher,
            } => {
                match duty {
                    Duty::Subject(subject) => {
                        self.class_subject(class, subject)?;
                    }
                    Duty::Homeroom => {
                        self.class(class)?;
                    }
                }
                self.check_class_authority(author, SCHOOL_LEADERS, class, at, action)?;
                self.check_class_authority(teacher, &[duty.role()], class, at, "being assigned")
                    .map_err(|error| DomainError::AssigneeAuthorityMissing(Box::new(error)))
            }
            Event::LearnerRegistered {
                learner, school, ..
            } => {
                self.active_school(school)?;
                self.check_authority(author, SCHOOL_OFFICE, school, None, at, action)?;
                if self.learners.contains_key(learner) {
                    return Err(DomainError::LearnerExists {
                        learner: learner.to_string(),
                    });
                }
                Ok(())
            }
            Event::LearnerEnrolled { learner, class } => {
                self.check_enrolling(author, learner, class, at, action)?;
                if let Some(enrolment) = self
                    .record(learner, class.school_year)
                    .and_then(LearnerYear::current)
                    .filter(|e| !matches!(e.status, EnrolmentStatus::Withdrawn { .. }))
                {
                    return Err(DomainError::LearnerAlreadyEnrolled {
                        learner: learner.to_string(),
                        detail: format!(
                            "class {} at {}; a move within the year is a transfer \
                             (learner.transferred_out, then learner.transferred_in)",
                            enrolment.class, enrolment.school
                        ),
                    });
                }
                Ok(())
            }
            Event::LearnerTransferredOut {
                learner,
                school,
                school_year,
                to_school,
                ..
            } => {
                self.active_school(to_school)?;
                self.check_authority(
                    author,
                    SCHOOL_LEADERS,
                    school,
                    Some(*school_year),
                    at,
                    action,
                )?;
                self.check_active_at(learner, school, *school_year)
                    .map(|_| ())
            }
            Event::LearnerTransferredIn {
                learner,
                class,
                from_school,
            } => {
                self.check_enrolling(author, learner, class, at, action)?;
                let current = self
                    .record(learner, class.school_year)
                    .and_then(LearnerYear::current);
                let detail = match current {
                    None => format!(
                        "the learner is not enrolled anywhere in {}",
                        class.school_year
                    ),
                    Some(enrolment) => match &enrolment.status {
                        EnrolmentStatus::TransferredOut { to_school, .. }
                            if *to_school == class.school && enrolment.school == *from_school =>
                        {
                            return Ok(())
                        }
                        EnrolmentStatus::TransferredOut { to_school, .. } => {
                            format!("{} released the learner to {to_school}", enrolment.school)
                        }
                        _ => format!(
                            "the learner is enrolled at {} and was not released by {from_school}",
                            enrolment.school
                        ),
                    },
                };
                Err(DomainError::TransferOutMissing {
                    learner: learner.to_string(),
                    school: class.school.to_string(),
                    school_year: class.school_year.to_string(),
                    detail,
                })
            }
            Event::AssessmentRecorded {
                learner,
                class,
                subject,
                semester,
                kind,
                slot,
                value,
                resolved,
                ..
            } => {
                let spec = self.class_subject(class, subject)?;
                let parsed = assessment_value(value, spec.mode, subject)?;
                if *kind == AssessmentKind::Regular && !(1..=spec.regular_count()).contains(slot) {
                    return Err(DomainError::AssessmentSlotInvalid {
                        subject: subject.to_string(),
                        problem: format!(
                            "regular assessments of {subject} are numbered 1 to {} ({} periods a \
                             year), not {slot}",
                            spec.regular_count(),
                            spec.periods_per_year
                        ),
                    });
                }
                self.check_teacher(author, class, &Duty::Subject(subject.clone()), at, action)?;
                self.check_enrolled(learner, class)?;
                if let Some(plan) = self
                    .record(learner, class.school_year)
                    .and_then(|record| record.plan.as_ref())
                    .filter(|plan| plan.excludes(subject))
                {
                    return Err(DomainError::SubjectNotAssessed {
                        learner: learner.to_string(),
                        subject: subject.to_string(),
                        school_year: class.school_year.to_string(),
                        plan_at: plan.index,
                    });
                }
                self.check_unlocked(class, Some(subject), *semester)?;
                *resolved = Some(parsed);
                Ok(())
            }
            Event::ConductRecorded {
                learner,
                class,
                semester,
                ..
            }
            | Event::AbsenceRecorded {
                learner,
                class,
                semester,
                ..
            } => {
                self.class(class)?;
                self.check_teacher(author, class, &Duty::Homeroom, at, action)?;
                self.check_enrolled(learner, class)?;
                self.check_unlocked(class, None, *semester)
            }
            Event::SubjectConfirmed {
                class,
                subject,
                semester,
            } => {
                self.class_subject(class, subject)?;
                self.check_teacher(author, class, &Duty::Subject(subject.clone()), at, action)?;
                if let Some(confirmed_at) = self.confirmed_at(class, subject, *semester) {
                    return Err(DomainError::SubjectAlreadyConfirmed {
                        class: class.class.to_string(),
                        subject: subject.to_string(),
                        semester: semester.to_string(),
                        confirmed_at,
                    });
                }
                self.check_unlocked(class, None, *semester)
            }
            Event::TermSealed {
                school,
                school_year,
                term,
            } => {
                self.active_school(school)?;
                self.check_authority(author, PRINCIPALS, school, Some(*school_year), at, action)?;
                // A semester is sealed by its own seal or the year's; the year only by its own.
                if let Some((term, sealed_at)) = self.seal_of(school, *school_year, *term) {
                    return Err(DomainError::TermAlreadySealed {
                        school: school.to_string(),
                        school_year: school_year.to_string(),
                        term: term.to_string(),
                        sealed_at,
                    });
                }
                Ok(())
            }
            Event::TermReopened {
                school,
                school_year,
                term,
                ..
            } => {
                self.unit(school)?;
                self.check_authority(author, REOPENERS, school, Some(*school_year), at, action)?;
                if !self
                    .seals
                    .contains_key(&(school.clone(), *school_year, *term))
                {
                    return Err(DomainError::TermNotSealed {
                        school: school.to_string(),
                        school_year: school_year.to_string(),
                        term: term.to_string(),
                    });
                }
                Ok(())
            }
            Event::CorrectionRequested {
                target,
                value,
                resolved,
                ..
            } => {
                let target_index = *target;
                let found = &self.targets.get(target_index).ok_or(
                    DomainError::CorrectionTargetUnknown {
                        target: target_index,
                    },
                )?;
                let class = self.check_target_current(target_index, found)?;
                let (parsed, duty) = match found {
                    Target::Assessment { slot, .. } => {
                        let mode = self
                            .target_now(found)
                            .and_then(|(_, _, mode)| mode)
                            .unwrap_or(SubjectMode::Scored);
                        (
                            CorrectedValue::Assessment(assessment_value(
                                value,
                                mode,
                                &slot.subject,
                            )?),
                            Duty::Subject(slot.subject.clone()),
                        )
                    }
                    Target::Conduct { .. } => (
                        CorrectedValue::Conduct(conduct_level(value)?),
                        Duty::Homeroom,
                    ),
                };
                self.check_teacher_or_leader(author, &class, &duty, at, action)?;
                *resolved = Some(parsed);
                Ok(())
            }
            Event::CorrectionApproved { request } => {
                let found = self
                    .corrections
                    .get(request)
                    .ok_or(DomainError::CorrectionRequestUnknown { request: *request })?;
                if let Some(approved_at) = found.approved_at {
                    return Err(DomainError::CorrectionNotPending {
                        request: *request,
                        approved_at,
                    });
                }
                let class = self.check_target_current(found.target_index, &found.target)?;
                self.check_class_authority(author, PRINCIPALS, &class, at, action)
            }
            Event::LearnerSignedOff { learner, class } => {
                let found = self.class(class)?;
                self.check_teacher(author, class, &Duty::Homeroom, at, action)?;
                self.check_enrolled(learner, class)?;
                let record = self.record(learner, class.school_year);
                if let Some(signed) = record.and_then(|r| r.signed_off.as_ref()) {
                    return Err(DomainError::LearnerAlreadySignedOff {
                        learner: learner.to_string(),
                        school_year: class.school_year.to_string(),
                        signed_off_at: signed.at,
                    });
                }
                if let Some(missing) = self.first_missing(record, found) {
                    return Err(DomainError::RecordIncomplete {
                        learner: learner.to_string(),
                        school_year: class.school_year.to_string(),
                        missing,
                    });
                }
                let (level, policy) = self.class_signing_policy(class);
                if policy.subject_confirmation_required {
                    self.check_subjects_confirmed(learner, class, level, "the homeroom sign-off")?;
                }
                Ok(())
            }
            Event::ApprovalSigned {
                school,
                school_year,
                entries,
            } => {
                self.unit(school)?;
                let approvers = self.widest_approvers(*school_year);
                self.check_authority(author, approvers, school, Some(*school_year), at, action)?;
                for (learner, digest) in entries.iter() {
                    self.check_approval_entry(author, (learner, digest), school, *school_year, at)?;
                }
                Ok(())
            }
            Event::SigningPolicySet { .. } => {
                // National policy: only the Ministry's root keys, which no grant confers.
                self.check_ministry(author, action)
            }
            Event::ExemptionDecided {
                learner,
                class,
                subject,
                period,
                ..
            } => {
                self.class_subject(class, subject)?;
                self.check_class_authority(author, PRINCIPALS, class, at, action)?;
                self.check_enrolled(learner, class)?;
                // A sealed semester is closed to new decisions as to new values; a year's
                // exemption needs both semesters open.
                self.check_period_unlocked(class, *period)?;
                if let Some(earlier) = self.overlapping_exemption(learner, class, subject, *period)
                {
                    // No code of its own yet: `payload-invalid`, on the period.
                    return Err(DomainError::PayloadInvalid {
                        field: "period".to_owned(),
                        problem: format!(
                            "learner {learner} is already exempted from the {} part of {subject} \
                             for {} decided in {} (log index {}); a second exemption (miễn \
                             trùng) is refused",
                            earlier.part.as_str(),
                            earlier.period.as_str(),
                            earlier.school_year,
                            earlier.index
                        ),
                    });
                }
                Ok(())
            }
            Event::ExemptionRevoked {
                learner,
                class,
                subject,
                exemption,
                ..
            } => {
                self.check_class_authority(author, PRINCIPALS, class, at, action)?;
                let decided = self
                    .record(learner, class.school_year)
                    .and_then(|record| {
                        record
                            .exemptions
                            .iter()
                            .find(|decided| decided.index == *exemption)
                    })
                    .filter(|decided| &decided.subject == subject)
                    .ok_or_else(|| DomainError::ExemptionUnknown {
                        learner: learner.to_string(),
                        school_year: class.school_year.to_string(),
                        subject: subject.to_string(),
                        index: *exemption,
                    })?;
                // Revoking changes the semesters the exemption covers, as deciding it did.
                self.check_period_unlocked(class, decided.period)
            }
            Event::IndividualPlanDecided {
                learner,
                class,
                subjects,
                replaces,
                ..
            } => {
                for (subject, _) in subjects.iter() {
                    self.class_subject(class, subject)?;
                }
                self.check_class_authority(author, PRINCIPALS, class, at, action)?;
                self.check_enrolled(learner, class)?;
                // The plan is for the year: both semesters must be open.
                for semester in Semester::BOTH {
                    self.check_unlocked(class, None, semester)?;
                }
                self.check_plan_fits(learner, class.school_year, subjects, *replaces)
            }
            Event::SummerConductRecorded { .. }
            | Event::SummerReassessmentRecorded { .. }
            | Event::PromotionDecided { .. }
            | Event::AwardGranted { .. }
            | Event::ProgrammeCompleted { .. }
            | Event::LearnerWithdrawn { .. }
            | Event::CopyIssued { .. }
            | Event::IdentityCorrected { .. } => self.judge_end_of_year(event, author, at),
        }
    }
}
