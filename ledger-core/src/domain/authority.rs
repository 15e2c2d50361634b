//! Who may sign what: the role hierarchy and the check of a key's authority at a log position.
//!
//! The Ministry's root keys come from [`super::DomainConfig`] and hold [`Role::BoGddt`] everywhere
//! and always. Every other key holds roles only through `authority.granted` events. A grant
//! counts for an event when, at the event's position:
//!
//! - its role is one the event allows;
//! - its scope covers the event's unit: the scope's unit is the event's unit or one of its
//!   ancestors, following a merged unit to its successor instead of its parent (the successor
//!   is the custodian); and its school year, if any, is the event's school year;
//! - the position's sequencing time lies in its validity period (dates in Vietnam time,
//!   `valid_from` from 00:00, `valid_until` through 23:59:59.999999);
//! - it was not revoked earlier in the log.
//!
//! Revocation does not cascade: what a key validly signed, grants included, stays valid.

use super::error::DomainError;
use super::payload::key_base64;
use super::state::Grant;
use super::value::{Role, SchoolYear, UnitCode, UnitKind};
use super::{Ledger, Position};
use crate::key::PublicKey;

/// School leaders: principal, deputy, GDTX director.
pub(crate) const SCHOOL_LEADERS: &[Role] =
    &[Role::HieuTruong, Role::PhoHieuTruong, Role::GiamDocTrungTam];

/// Principals proper: seal terms, approve corrections and records.
pub(crate) const PRINCIPALS: &[Role] = &[Role::HieuTruong, Role::GiamDocTrungTam];

/// The school office: leaders and the clerk (registration, enrolment, transfer-in).
pub(crate) const SCHOOL_OFFICE: &[Role] = &[
    Role::HieuTruong,
    Role::PhoHieuTruong,
    Role::GiamDocTrungTam,
    Role::VanThu,
];

/// Who may reopen a sealed term: the principal or a supervising authority above.
pub(crate) const REOPENERS: &[Role] = &[
    Role::BoGddt,
    Role::SoGddt,
    Role::UbndXa,
    Role::HieuTruong,
    Role::GiamDocTrungTam,
];

/// The roles whose holders may grant (and revoke) `role`.
pub(crate) fn grantors(role: Role) -> &'static [Role] {
    match role {
        Role::BoGddt => &[],
        Role::SoGddt => &[Role::BoGddt],
        Role::UbndXa => &[Role::BoGddt, Role::SoGddt],
        Role::HieuTruong | Role::PhoHieuTruong => &[Role::BoGddt, Role::SoGddt, Role::UbndXa],
        Role::GiamDocTrungTam => &[Role::BoGddt, Role::SoGddt],
        Role::GvBoMon | Role::GvChuNhiem | Role::VanThu => {
            &[Role::HieuTruong, Role::GiamDocTrungTam]
        }
        Role::ThanhTra => &[Role::BoGddt, Role::SoGddt],
        // The school office issues families their access, as it registers and enrols learners.
        Role::HocSinh | Role::PhuHuynh => SCHOOL_OFFICE,
    }
}

/// The kinds of unit a grant of `role` may be scoped to.
pub(crate) fn scope_kinds(role: Role) -> &'static [UnitKind] {
    match role {
        Role::BoGddt => &[],
        Role::SoGddt => &[UnitKind::Province],
        Role::UbndXa => &[UnitKind::Commune],
        Role::HieuTruong | Role::PhoHieuTruong => &[UnitKind::School],
        Role::GiamDocTrungTam => &[UnitKind::GdtxCentre],
        Role::GvBoMon | Role::GvChuNhiem | Role::VanThu | Role::HocSinh | Role::PhuHuynh => {
            &[UnitKind::School, UnitKind::GdtxCentre]
        }
        Role::ThanhTra => &[
            UnitKind::Province,
            UnitKind::Commune,
            UnitKind::School,
            UnitKind::GdtxCentre,
        ],
    }
}

/// The roles that may register, rename or merge a unit of `kind` (scoped to its parent).
pub(crate) fn unit_admins(kind: UnitKind) -> &'static [Role] {
    match kind {
        UnitKind::Province => &[Role::BoGddt],
        UnitKind::Commune => &[Role::BoGddt, Role::SoGddt],
        UnitKind::School | UnitKind::GdtxCentre => &[Role::BoGddt, Role::SoGddt, Role::UbndXa],
    }
}

fn role_list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a grant does not count, best reason first.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Miss {
    OutOfScope,
    NotYetValid,
    Expired,
    Revoked,
}

impl Ledger {
    /// Whether the key is one of the configured Ministry root keys.
    pub(crate) fn is_ministry(&self, key: &PublicKey) -> bool {
        self.config.ministry_keys.contains(key)
    }

    /// For a national decision: `key` must be one of the Ministry's root keys (`bo_gddt` is
    /// configuration, never granted, and covers no unit in particular).
    ///
    /// # Errors
    /// `authority-missing` for any other key.
    pub(crate) fn check_ministry(&self, key: &PublicKey, action: &str) -> Result<(), DomainError> {
        if self.is_ministry(key) {
            return Ok(());
        }
        Err(DomainError::AuthorityMissing {
            action: action.to_owned(),
            roles: role_list(&[Role::BoGddt]),
            key: key_base64(key),
        })
    }

    /// Whether a grant scoped to `scope` covers `unit`: `scope` is `unit` or an ancestor,
    /// following a merged unit to its successor rather than its parent.
    pub(crate) fn unit_covers(&self, scope: &UnitCode, unit: &UnitCode) -> bool {
        let mut current = unit;
        // Each step goes to a unit of a higher kind or to a successor of the same kind that is
        // not itself merged at the time of the merge; the bound guards against any cycle anyway.
        for _ in 0..=self.units.len() {
            if current == scope {
                return true;
            }
            let Some(found) = self.units.get(current) else {
                return false;
            };
            match (&found.merged, &found.parent) {
                (Some((successor, _)), _) => current = successor,
                (None, Some(parent)) => current = parent,
                (None, None) => return false,
            }
        }
        false
    }

    fn grant_miss(
        &self,
        grant: &Grant,
        unit: &UnitCode,
        school_year: Option<SchoolYear>,
        at: Position,
    ) -> Option<Miss> {
        let year_covered = match (grant.school_year, school_year) {
            (None, _) => true,
            (Some(own), Some(wanted)) => own == wanted,
            (Some(_), None) => false,
        };
        if !year_covered || !self.unit_covers(&grant.unit, unit) {
            return Some(Miss::OutOfScope);
        }
        if grant.revoked.is_some() {
            return Some(Miss::Revoked);
        }
        if at.sequenced_at_us < grant.valid_from.start_us() {
            return Some(Miss::NotYetValid);
        }
        if grant
            .valid_until
            .is_some_and(|until| at.sequenced_at_us >= until.end_us())
        {
            return Some(Miss::Expired);
        }
        None
    }

    /// Checks that `key` holds, at `at`, one of `roles` with a scope covering `unit` and
    /// `school_year` (`None`: an event not tied to a school year, which only grants without a
    /// school year cover).
    ///
    /// # Errors
    /// `authority-missing`, `authority-out-of-scope`, `authority-revoked`, `authority-expired`
    /// or `authority-not-yet-valid`: the most telling reason among the key's grants.
    pub(crate) fn check_authority(
        &self,
        key: &PublicKey,
        roles: &[Role],
        unit: &UnitCode,
        school_year: Option<SchoolYear>,
        at: Position,
        action: &str,
    ) -> Result<(), DomainError> {
        if roles.contains(&Role::BoGddt) && self.is_ministry(key) {
            return Ok(());
        }
        let mut best: Option<(Miss, &str, &Grant)> = None;
        for id in self
            .grants_by_key
            .get(&key.to_bytes())
            .into_iter()
            .flatten()
        {
            let Some(grant) = self.grants.get(id) else {
                continue;
            };
            if !roles.contains(&grant.role) {
                continue;
            }
            match self.grant_miss(grant, unit, school_year, at) {
                None => return Ok(()),
                Some(miss) => {
                    if best.as_ref().is_none_or(|(worst, _, _)| miss > *worst) {
                        best = Some((miss, id.as_str(), grant));
                    }
                }
            }
        }
        let action = action.to_owned();
        Err(match best {
            None => DomainError::AuthorityMissing {
                action,
                roles: role_list(roles),
                key: key_base64(key),
            },
            Some((Miss::OutOfScope, _, _)) => DomainError::AuthorityOutOfScope {
                action,
                unit: unit.to_string(),
                year: school_year.map(|y| format!(", {y}")).unwrap_or_default(),
                key: key_base64(key),
            },
            Some((Miss::Revoked, id, grant)) => DomainError::AuthorityRevoked {
                action,
                grant_id: id.to_owned(),
                revoked_at: grant.revoked.as_ref().map_or(0, |(at, _)| *at),
            },
            Some((Miss::Expired, id, grant)) => DomainError::AuthorityExpired {
                action,
                grant_id: id.to_owned(),
                valid_until: grant.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            },
            Some((Miss::NotYetValid, id, grant)) => DomainError::AuthorityNotYetValid {
                action,
                grant_id: id.to_owned(),
                valid_from: grant.valid_from.to_string(),
            },
        })
    }
}
