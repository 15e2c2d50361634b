//! The authority state: who holds which role where, valid when, granted and revoked by whom.

use serde_json::{json, Value};

use super::json;
use super::{GrantInfo, Projections};
use crate::domain::value::{Date, GrantId, Role, SchoolYear, UnitCode};
use crate::key::PublicKey;

/// A revocation: its index, the revoking key and the reason.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Revocation {
    /// The log index of `authority.revoked`; the grant counts for no position after it.
    pub index: u64,
    /// The key that revoked it.
    pub by: PublicKey,
    /// The reason given.
    pub reason: String,
}

/// One grant.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GrantView {
    /// The grant id.
    pub grant_id: GrantId,
    /// The key holding the role.
    pub grantee: PublicKey,
    /// The role.
    pub role: Role,
    /// The unit of the scope (and every unit under it).
    pub unit: UnitCode,
    /// The school year of the scope, if limited to one.
    pub school_year: Option<SchoolYear>,
    /// First day of validity (Vietnam time).
    pub valid_from: Date,
    /// Last day of validity (inclusive), if any.
    pub valid_until: Option<Date>,
    /// The log index of `authority.granted`.
    pub granted_at: u64,
    /// The granting key.
    pub granted_by: PublicKey,
    /// The revocation, if revoked.
    pub revoked: Option<Revocation>,
}

impl GrantView {
    fn new(grant_id: &GrantId, grant: &GrantInfo) -> Self {
        Self {
            grant_id: grant_id.clone(),
            grantee: grant.grantee,
            role: grant.role,
            unit: grant.unit.clone(),
            school_year: grant.school_year,
            valid_from: grant.valid_from,
            valid_until: grant.valid_until,
            granted_at: grant.granted_at,
            granted_by: grant.granted_by,
            revoked: grant
                .revoked
                .as_ref()
                .map(|(index, by, reason)| Revocation {
                    index: *index,
                    by: *by,
                    reason: reason.clone(),
                }),
        }
    }

    /// The grant as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "grant_id": self.grant_id.as_str(),
            "grantee": json::key(&self.grantee),
            "role": self.role.as_str(),
            "scope": {"unit": self.unit.as_str(), "school_year": self.school_year.map(json::text)},
            "valid_from": json::text(self.valid_from),
            "valid_until": self.valid_until.map(json::text),
            "granted_at": self.granted_at,
            "granted_by": json::key(&self.granted_by),
            "revoked": self.revoked.as_ref().map(|revocation| json!({
                "index": revocation.index,
                "by": json::key(&revocation.by),
                "reason": revocation.reason,
            })),
        })
    }
}

/// The authority state as of a log size.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AuthorityState {
    /// The log size this answer reflects.
    pub as_of_size: u64,
    /// The Ministry's root keys (`bo_gddt` everywhere, always; configuration, not events).
    pub ministry_keys: Vec<PublicKey>,
    /// The grants, by grant id.
    pub grants: Vec<GrantView>,
}

impl AuthorityState {
    /// The state as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "as_of_size": self.as_of_size,
            "ministry_keys": self.ministry_keys.iter().map(json::key).collect::<Vec<_>>(),
            "grants": self.grants.iter().map(GrantView::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Projections {
    /// Every grant ever made, by grant id, with its revocation if any.
    #[must_use]
    pub fn authority(&self) -> AuthorityState {
        self.authority_where(|_| true)
    }

    /// The grants held by `key`.
    #[must_use]
    pub fn grants_of(&self, key: &PublicKey) -> AuthorityState {
        self.authority_where(|grant| &grant.grantee == key)
    }

    /// The grants scoped exactly to `unit` (not those of units above it).
    #[must_use]
    pub fn grants_at(&self, unit: &UnitCode) -> AuthorityState {
        self.authority_where(|grant| &grant.unit == unit)
    }

    fn authority_where(&self, keep: impl Fn(&GrantInfo) -> bool) -> AuthorityState {
        AuthorityState {
            as_of_size: self.size,
            ministry_keys: self.ministry_keys.clone(),
            grants: self
                .grants
                .iter()
                .filter(|(_, grant)| keep(grant))
                .map(|(id, grant)| GrantView::new(id, grant))
                .collect(),
        }
    }
}
