//! The authority state: who holds which role where, valid when, granted and revoked by whom;
//! and the signing policies in force, which say whose signatures a record needs.

use serde_json::{json, Value};

use super::json;
use super::{GrantInfo, Projections};
use crate::domain::value::{Date, GrantId, LearnerCode, Role, SchoolYear, UnitCode};
use crate::domain::{PolicySetting, RecordLevel, SigningPolicy};
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
    /// The learner whose record a `hoc_sinh` or `phu_huynh` grant reads.
    pub learner: Option<LearnerCode>,
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
            learner: grant.learner.clone(),
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

    fn scope_json(&self) -> Value {
        let mut scope = json!({
            "unit": self.unit.as_str(),
            "school_year": self.school_year.map(json::text),
        });
        // Present only on the grants that name a learner, so unit grants read as before.
        if let Some(learner) = &self.learner {
            scope["learner"] = json!(learner.as_str());
        }
        scope
    }

    /// The grant as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "grant_id": self.grant_id.as_str(),
            "grantee": json::key(&self.grantee),
            "role": self.role.as_str(),
            "scope": self.scope_json(),
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

/// The signing policy in force for a level and school year: the default chain, or the last
/// `signing_policy.set` for them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SigningPolicyView {
    /// The level.
    pub level: RecordLevel,
    /// The school year.
    pub school_year: SchoolYear,
    /// The steps required.
    pub policy: SigningPolicy,
    /// The `signing_policy.set` in force, with its reason; `None` for the default chain.
    pub set: Option<(u64, String)>,
}

impl SigningPolicyView {
    fn new(level: RecordLevel, school_year: SchoolYear, setting: Option<&PolicySetting>) -> Self {
        Self {
            level,
            school_year,
            policy: setting.map_or(SigningPolicy::DEFAULT, |setting| setting.policy),
            set: setting.map(|setting| (setting.index, setting.reason.clone())),
        }
    }

    /// `{"level", "school_year", "subject_confirmation_required",
    /// "homeroom_sign_off_required", "approval_by", "required_steps", "set_at", "reason"}`;
    /// `set_at` and `reason` are `null` for the default chain.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "level": self.level.as_str(),
            "school_year": json::text(self.school_year),
            "subject_confirmation_required": self.policy.subject_confirmation_required,
            "homeroom_sign_off_required": self.policy.homeroom_sign_off_required,
            "approval_by": self.policy.approval_by.as_str(),
            "required_steps": self.policy.required_steps(),
            "set_at": self.set.as_ref().map(|(index, _)| index),
            "reason": self.set.as_ref().map(|(_, reason)| reason),
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
    /// The signing policies set on the log, in force, by level and school year (national; any
    /// other level and year follows the default chain).
    pub signing_policies: Vec<SigningPolicyView>,
}

impl AuthorityState {
    /// The state as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "as_of_size": self.as_of_size,
            "ministry_keys": self.ministry_keys.iter().map(json::key).collect::<Vec<_>>(),
            "grants": self.grants.iter().map(GrantView::to_json).collect::<Vec<_>>(),
            "signing_policies": self.signing_policies.iter().map(SigningPolicyView::to_json).collect::<Vec<_>>(),
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
            signing_policies: self
                .signing_policies
                .values()
                .map(|setting| {
                    SigningPolicyView::new(setting.level, setting.school_year, Some(setting))
                })
                .collect(),
        }
    }

    /// The signing policy in force for a level and school year (the default chain when none
    /// was set).
    #[must_use]
    pub fn signing_policy(&self, level: RecordLevel, school_year: SchoolYear) -> SigningPolicyView {
        SigningPolicyView::new(
            level,
            school_year,
            self.signing_policies.get(&(level, school_year)),
        )
    }
}
