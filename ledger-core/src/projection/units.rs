//! The history of administrative units and schools: every name with the log index from which
//! it applied, the parent, merges, and the custodian of a merged unit's records.
//!
//! Units change: the 2025 reorganisation merged provinces and ended districts, communes merge,
//! schools merge into a successor that keeps their records. A record keeps the codes and names
//! as they were when it was signed, so a reader needs the whole history of a unit, not only its
//! name today.

use serde_json::{json, Value};

use super::{json, Projections};
use crate::domain::value::{UnitCode, UnitKind};
use crate::domain::UnitRecord;

/// One unit as the log recorded it, copied from the domain state after each unit event.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct UnitHistory {
    pub(crate) kind: UnitKind,
    pub(crate) names: Vec<(String, u64)>,
    pub(crate) parent: Option<UnitCode>,
    pub(crate) merged: Option<(UnitCode, u64)>,
}

impl From<UnitRecord<'_>> for UnitHistory {
    fn from(record: UnitRecord<'_>) -> Self {
        Self {
            kind: record.kind,
            names: record.names.to_vec(),
            parent: record.parent.cloned(),
            merged: record
                .merged
                .map(|(successor, index)| (successor.clone(), index)),
        }
    }
}

/// A unit that belongs to another (a school of a commune, a commune of a province).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberUnit {
    /// Its code.
    pub unit: UnitCode,
    /// Its kind.
    pub kind: UnitKind,
    /// Its current name.
    pub name: String,
    /// The unit it was merged into, if it was.
    pub merged_into: Option<UnitCode>,
}

/// A unit's history, as `GET /v1/units/{unit}` answers it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnitView {
    /// The log size this answer reflects.
    pub as_of_size: u64,
    /// The unit's permanent code.
    pub unit: UnitCode,
    /// Province, commune, school or GDTX centre.
    pub kind: UnitKind,
    /// Every name, oldest first, with the log index from which it applied (the first is the
    /// registration).
    pub names: Vec<(String, u64)>,
    /// The unit it belongs to.
    pub parent: Option<UnitCode>,
    /// The successor and the index of the merge, once merged.
    pub merged_into: Option<(UnitCode, u64)>,
    /// The unit holding this unit's records now: itself, or the last successor along its
    /// merges.
    pub custodian: UnitCode,
    /// Units merged into this one, with the index of each merge.
    pub merged_from: Vec<(UnitCode, u64)>,
    /// Units whose parent this is.
    pub members: Vec<MemberUnit>,
}

impl UnitView {
    /// The answer as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "as_of_size": self.as_of_size,
            "unit": self.unit.as_str(),
            "kind": self.kind.as_str(),
            "name": self.names.last().map(|(name, _)| name.as_str()),
            "names": self.names.iter().map(|(name, from)| json!({
                "name": name, "from_index": from,
            })).collect::<Vec<_>>(),
            "registered_at": self.names.first().map(|(_, index)| *index),
            "parent": json::optional(self.parent.as_ref(), json::text),
            "merged_into": json::optional(self.merged_into.as_ref(), |(successor, at)| json!({
                "unit": successor.as_str(), "at": at,
            })),
            "custodian": self.custodian.as_str(),
            "merged_from": self.merged_from.iter().map(|(unit, at)| json!({
                "unit": unit.as_str(), "at": at,
            })).collect::<Vec<_>>(),
            "members": self.members.iter().map(|member| json!({
                "unit": member.unit.as_str(),
                "kind": member.kind.as_str(),
                "name": member.name,
                "merged_into": json::optional(member.merged_into.as_ref(), json::text),
            })).collect::<Vec<_>>(),
        })
    }
}

impl Projections {
    /// A unit's current name.
    pub(crate) fn unit_name(&self, unit: &UnitCode) -> Option<&str> {
        let found = self.units.get(unit)?;
        found.names.last().map(|(name, _)| name.as_str())
    }

    /// A unit's history, or `None` for a code the log never registered.
    #[must_use]
    pub fn unit(&self, unit: &UnitCode) -> Option<UnitView> {
        let found = self.units.get(unit)?;
        let mut merged_from = Vec::new();
        let mut members = Vec::new();
        for (code, other) in &self.units {
            if let Some((_, at)) = other.merged.as_ref().filter(|(into, _)| into == unit) {
                merged_from.push((code.clone(), *at));
            }
            if other.parent.as_ref() == Some(unit) {
                members.push(MemberUnit {
                    unit: code.clone(),
                    kind: other.kind,
                    name: other
                        .names
                        .last()
                        .map(|(name, _)| name.clone())
                        .unwrap_or_default(),
                    merged_into: other.merged.as_ref().map(|(into, _)| into.clone()),
                });
            }
        }
        merged_from.sort_by_key(|(_, at)| *at);
        Some(UnitView {
            as_of_size: self.size,
            unit: unit.clone(),
            kind: found.kind,
            names: found.names.clone(),
            parent: found.parent.clone(),
            merged_into: found.merged.clone(),
            custodian: self.custodian_unit(unit),
            merged_from,
            members,
        })
    }

    /// The last successor along a unit's merges (the unit itself when never merged). Merging
    /// into a merged unit is refused, so the chain has no cycle; the bound is only a guard.
    fn custodian_unit(&self, unit: &UnitCode) -> UnitCode {
        let mut current = unit;
        for _ in 0..=self.units.len() {
            match self
                .units
                .get(current)
                .and_then(|found| found.merged.as_ref())
            {
                Some((successor, _)) => current = successor,
                None => break,
            }
        }
        current.clone()
    }
}
