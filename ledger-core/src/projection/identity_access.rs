//! Who may handle a learner's identity data in the identity register (`docs/IDENTITY.md`,
//! "Who may handle identity data").
//!
//! Narrower than the read access of [`super::access`], by data minimisation (Nghị định
//! 13/2023/NĐ-CP): the school record is readable by everyone who works with it, the identity
//! behind it only by those who must know who the learner is.
//!
//! - **put and erase**: the school office (`hieu_truong`, `pho_hieu_truong`,
//!   `giam_doc_trung_tam`, `van_thu`) of a school that registered or ever enrolled the learner,
//!   through a live grant *without a school year* — the authority that signs
//!   `learner.registered` and `identity.corrected`, whose commitments the register's rows must
//!   match;
//! - **get**: those, through any live grant over such a school; the learner's homeroom teacher
//!   (a live `gv_chu_nhiem` grant and the homeroom duty of a class with the learner on its
//!   roster); `so_gddt` and `ubnd_xa` over such a school; the Ministry's root keys;
//! - **get** also: the learner and their parents, through a live `hoc_sinh` or `phu_huynh` grant
//!   naming the learner (the data subject's right of access, Luật 91/2025/QH15);
//! - never subject teachers (`gv_bo_mon`) or inspectors (`thanh_tra`): they work with the
//!   record, which names the learner by code only.
//!
//! Refusals are the [`AccessRefusal`]s of reads, with the same codes.

use super::access::AccessRefusal;
use super::{GrantInfo, Projections};
use crate::domain::value::{LearnerCode, Role};
use crate::domain::Duty;
use crate::key::PublicKey;

/// What is done with a learner's identity data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityOperation {
    /// Store the data the commitment in force commits to.
    Put,
    /// Read the data.
    Get,
    /// Erase the data and its salt.
    Erase,
}

impl IdentityOperation {
    fn describe(self) -> &'static str {
        match self {
            Self::Put => "storing",
            Self::Get => "reading",
            Self::Erase => "erasing",
        }
    }
}

/// The school office: the roles that sign `learner.registered` and `identity.corrected`.
const OFFICE_ROLES: &[Role] = &[
    Role::HieuTruong,
    Role::PhoHieuTruong,
    Role::GiamDocTrungTam,
    Role::VanThu,
];

/// Supervisors above the school who may read identity data.
const SUPERVISOR_ROLES: &[Role] = &[Role::SoGddt, Role::UbndXa];

impl Projections {
    /// Whether `key` may do `operation` on `learner`'s identity data at `now_us` (µs since the
    /// Unix epoch). The check does not depend on whether the learner exists, so a refusal
    /// reveals nothing; the register then answers for unknown learners.
    ///
    /// # Errors
    /// [`AccessRefusal::UnknownKey`] for a key never granted a role on this log,
    /// [`AccessRefusal::NoLiveGrant`] when all its grants are revoked or expired,
    /// [`AccessRefusal::NotCovered`] when its live grants do not allow `operation`.
    pub fn may_handle_identity(
        &self,
        key: &PublicKey,
        now_us: u64,
        learner: &LearnerCode,
        operation: IdentityOperation,
    ) -> Result<(), AccessRefusal> {
        let is_ministry = self.ministry_keys.contains(key);
        if is_ministry && operation == IdentityOperation::Get {
            return Ok(());
        }
        // A Ministry key holds its role from configuration, not from grants.
        let live = match self.live_grants(key, now_us) {
            Ok(live) => live,
            Err(_) if is_ministry => Vec::new(),
            Err(refusal) => return Err(refusal),
        };
        let schools = self.schools_of(learner);
        let over_a_school = |grant: &GrantInfo| {
            schools
                .iter()
                .any(|school| self.covers(&grant.unit, school))
        };
        let allowed = match operation {
            IdentityOperation::Put | IdentityOperation::Erase => live.iter().any(|grant| {
                OFFICE_ROLES.contains(&grant.role)
                    && grant.school_year.is_none()
                    && over_a_school(grant)
            }),
            IdentityOperation::Get => {
                // The data subject and their parents see what is held about them.
                live.iter()
                    .any(|grant| grant.learner.as_ref() == Some(learner))
                    || live.iter().any(|grant| {
                        (OFFICE_ROLES.contains(&grant.role)
                            || SUPERVISOR_ROLES.contains(&grant.role))
                            && over_a_school(grant)
                    })
                    || self.classes.iter().any(|(class_key, class)| {
                        // The homeroom teacher of a class with the learner on its roster, through a
                        // live homeroom grant over that class's school and year.
                        class.roster.contains(learner)
                            && class
                                .teachers
                                .get(&Duty::Homeroom)
                                .is_some_and(|(teacher, _)| teacher == key)
                            && live.iter().any(|grant| {
                                grant.role == Role::GvChuNhiem
                                    && self.covers(&grant.unit, &class_key.school)
                                    && grant
                                        .school_year
                                        .is_none_or(|year| year == class_key.school_year)
                            })
                    })
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(AccessRefusal::NotCovered {
                what: format!(
                    "{} the identity data of learner {learner}",
                    operation.describe()
                ),
            })
        }
    }
}
