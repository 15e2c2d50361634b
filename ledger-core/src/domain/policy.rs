//! The required-signers policy (`signing_policy.set`): which steps of the signing chain a
//! learner's year must pass before the record is signed off and approved, per school level and
//! school year.
//!
//! No published text yet fixes who must sign a secondary record, so the Ministry sets it on the
//! log. Without a policy the default is the chain schools practise (domain.md §2): every subject
//! teacher confirms their subject's results for both semesters, the homeroom teacher signs off
//! the complete record, and a principal, or a deputy signing on the principal's behalf, approves
//! it. A policy applies from its log position on: a signature given before it stays valid.

use super::authority::{PRINCIPALS, SCHOOL_LEADERS};
use super::value::{Role, SchoolYear, UnitKind};
use std::fmt;

/// The level a learner's year is studied at (cấp học), as signing policies name it.
///
/// THCS and THPT are told apart by the class's grade (6–9, 10–12); a class of a GDTX centre is
/// `gdtx` whatever its grade, since continuing education has its own regulation (TT 43).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum RecordLevel {
    /// Lower secondary (trung học cơ sở), grades 6–9 at a school.
    Thcs,
    /// Upper secondary (trung học phổ thông), grades 10–12 at a school.
    Thpt,
    /// Continuing education (giáo dục thường xuyên): any class of a GDTX centre.
    Gdtx,
}

impl RecordLevel {
    /// Every level, in order.
    pub const ALL: [RecordLevel; 3] = [RecordLevel::Thcs, RecordLevel::Thpt, RecordLevel::Gdtx];

    /// The level of a class of `grade` at a unit of `kind`.
    #[must_use]
    pub fn of_class(kind: UnitKind, grade: u8) -> Self {
        match (kind, grade) {
            (UnitKind::GdtxCentre, _) => RecordLevel::Gdtx,
            (_, 0..=9) => RecordLevel::Thcs,
            _ => RecordLevel::Thpt,
        }
    }

    /// The wire name: `thcs`, `thpt`, `gdtx`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RecordLevel::Thcs => "thcs",
            RecordLevel::Thpt => "thpt",
            RecordLevel::Gdtx => "gdtx",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// A sentence listing the levels.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
            .ok_or_else(|| format!("{text:?} is not a school level; use thcs, thpt or gdtx"))
    }
}

impl fmt::Display for RecordLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may sign `approval.signed`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ApprovalBy {
    /// A principal proper: `hieu_truong`, or `giam_doc_trung_tam` for a GDTX centre.
    Principal,
    /// A principal, or a deputy (`pho_hieu_truong`) signing on the principal's behalf.
    PrincipalOrDeputy,
}

impl ApprovalBy {
    /// The wire name: `principal`, `principal_or_deputy`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalBy::Principal => "principal",
            ApprovalBy::PrincipalOrDeputy => "principal_or_deputy",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// A sentence listing the choices.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "principal" => Ok(ApprovalBy::Principal),
            "principal_or_deputy" => Ok(ApprovalBy::PrincipalOrDeputy),
            _ => Err(format!(
                "{text:?} is not an approver; use principal or principal_or_deputy"
            )),
        }
    }

    /// The roles that may approve.
    #[must_use]
    pub fn roles(self) -> &'static [Role] {
        match self {
            ApprovalBy::Principal => PRINCIPALS,
            ApprovalBy::PrincipalOrDeputy => SCHOOL_LEADERS,
        }
    }
}

/// The steps a policy requires before a record is approved.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SigningPolicy {
    /// Every subject of the learner's class must be confirmed (`subject.confirmed`) for both
    /// semesters before the record is signed off or approved.
    pub subject_confirmation_required: bool,
    /// The homeroom teacher's sign-off must precede the approval; when not required, the
    /// approver may approve a complete record directly (completeness is checked then).
    pub homeroom_sign_off_required: bool,
    /// Who may approve.
    pub approval_by: ApprovalBy,
}

impl SigningPolicy {
    /// The chain in force without a policy (domain.md §2): subject teachers confirm, the
    /// homeroom teacher signs off, a principal or a deputy on the principal's behalf approves.
    pub const DEFAULT: SigningPolicy = SigningPolicy {
        subject_confirmation_required: true,
        homeroom_sign_off_required: true,
        approval_by: ApprovalBy::PrincipalOrDeputy,
    };

    /// The steps this policy requires before approval, in chain order, by their transcript
    /// names: `complete_data`, `confirm_subjects`, `homeroom_sign_off`, `principal_approval`.
    #[must_use]
    pub fn required_steps(&self) -> Vec<&'static str> {
        let mut steps = vec!["complete_data"];
        if self.subject_confirmation_required {
            steps.push("confirm_subjects");
        }
        if self.homeroom_sign_off_required {
            steps.push("homeroom_sign_off");
        }
        steps.push("principal_approval");
        steps
    }
}

impl Default for SigningPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A policy set on the log for one level and school year (`signing_policy.set`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PolicySetting {
    /// The level.
    pub level: RecordLevel,
    /// The school year.
    pub school_year: SchoolYear,
    /// The steps required.
    pub policy: SigningPolicy,
    /// Why it was set.
    pub reason: String,
    /// The log index of the `signing_policy.set` event; it applies to later positions.
    pub index: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_grade_and_the_gdtx_centre() {
        let cases = [
            (UnitKind::School, 6, RecordLevel::Thcs),
            (UnitKind::School, 9, RecordLevel::Thcs),
            (UnitKind::School, 10, RecordLevel::Thpt),
            (UnitKind::School, 12, RecordLevel::Thpt),
            (UnitKind::GdtxCentre, 8, RecordLevel::Gdtx),
            (UnitKind::GdtxCentre, 11, RecordLevel::Gdtx),
        ];
        for (kind, grade, level) in cases {
            assert_eq!(
                RecordLevel::of_class(kind, grade),
                level,
                "{kind:?} {grade}"
            );
        }
        for level in RecordLevel::ALL {
            assert_eq!(RecordLevel::parse(level.as_str()), Ok(level));
        }
        assert!(RecordLevel::parse("tieu_hoc").is_err());
    }

    #[test]
    fn the_default_is_the_chain_schools_practise() {
        assert_eq!(
            SigningPolicy::DEFAULT.required_steps(),
            [
                "complete_data",
                "confirm_subjects",
                "homeroom_sign_off",
                "principal_approval"
            ]
        );
        assert_eq!(SigningPolicy::DEFAULT.approval_by.roles(), SCHOOL_LEADERS);
        assert_eq!(ApprovalBy::Principal.roles(), PRINCIPALS);
    }
}
