//! What the audit trails say of every observed event: its type, author, sequencing time and
//! reason, by log index.
//!
//! Every event of a log has one, so the layout matters: one 16-byte row per event in a vector
//! (a log's events are contiguous from its first index), the event type by its number in
//! [`EVENT_TYPES`], authors interned (a province has thousands of keys and its log millions of
//! events; a decoded key is 192 bytes), and the reasons, which few events carry, kept aside.

use std::collections::BTreeMap;

use crate::hashed::HashMap;

use crate::domain::EVENT_TYPES;
use crate::key::PublicKey;

/// One event's metadata, as the trails read it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct EntryView<'a> {
    /// One of [`crate::domain::EVENT_TYPES`].
    pub(crate) event_type: &'static str,
    pub(crate) author: PublicKey,
    pub(crate) sequenced_at_us: u64,
    pub(crate) reason: Option<&'a str>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Row {
    sequenced_at_us: u64,
    author: u32,
    /// The position of the type in [`EVENT_TYPES`]; [`UNKNOWN_TYPE`] for another.
    event_type: u8,
}

/// The row type of a name not in [`EVENT_TYPES`] (which the domain would have refused).
const UNKNOWN_TYPE: u8 = u8::MAX;

/// The number of an event type's name.
fn type_number(name: &str) -> u8 {
    EVENT_TYPES
        .iter()
        .position(|(known, _)| *known == name)
        .and_then(|number| u8::try_from(number).ok())
        .unwrap_or(UNKNOWN_TYPE)
}

/// The name of an event type's number; `unknown` for [`UNKNOWN_TYPE`].
fn type_name(number: u8) -> &'static str {
    EVENT_TYPES
        .get(usize::from(number))
        .map_or("unknown", |(name, _)| *name)
}

/// The row of an index no event was observed at (a gap before a later index).
const ABSENT: u32 = u32::MAX;

/// The metadata of every observed event.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub(crate) struct Entries {
    /// The index of `rows[0]`.
    first: u64,
    rows: Vec<Row>,
    authors: Vec<PublicKey>,
    author_ids: HashMap<[u8; 32], u32>,
    reasons: BTreeMap<u64, String>,
}

impl Entries {
    /// Records the event at `index`, which is after every index recorded before.
    pub(crate) fn push(
        &mut self,
        index: u64,
        event_type: &str,
        author: &PublicKey,
        sequenced_at_us: u64,
        reason: Option<&str>,
    ) {
        if self.rows.is_empty() {
            self.first = index;
        }
        let position = usize::try_from(index - self.first).expect("an index of this log");
        debug_assert!(position >= self.rows.len(), "indexes are observed in order");
        let gap = Row {
            sequenced_at_us: 0,
            author: ABSENT,
            event_type: UNKNOWN_TYPE,
        };
        self.rows.resize(position, gap);
        let author = self.intern(author);
        self.rows.push(Row {
            sequenced_at_us,
            author,
            event_type: type_number(event_type),
        });
        if let Some(reason) = reason {
            self.reasons.insert(index, reason.to_owned());
        }
    }

    /// Makes room for `records` more rows at once: a replay knows the log's size, and growing
    /// to it by doubling copies every row about once more and holds the old and new rows side
    /// by side at each step.
    pub(crate) fn reserve(&mut self, records: usize) {
        self.rows.reserve_exact(records);
    }

    /// The event at `index`, if one was observed there.
    pub(crate) fn get(&self, index: u64) -> Option<EntryView<'_>> {
        let position = usize::try_from(index.checked_sub(self.first)?).ok()?;
        let row = self.rows.get(position).filter(|row| row.author != ABSENT)?;
        Some(EntryView {
            event_type: type_name(row.event_type),
            author: self.authors[row.author as usize],
            sequenced_at_us: row.sequenced_at_us,
            reason: self.reasons.get(&index).map(String::as_str),
        })
    }

    fn intern(&mut self, author: &PublicKey) -> u32 {
        let bytes = author.to_bytes();
        if let Some(&id) = self.author_ids.get(&bytes) {
            return id;
        }
        let id = u32::try_from(self.authors.len())
            .ok()
            .filter(|&id| id != ABSENT)
            .expect("fewer than 4 billion distinct authors");
        self.authors.push(*author);
        self.author_ids.insert(bytes, id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> PublicKey {
        PublicKey::from(&ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
    }

    #[test]
    fn entries_are_found_by_index_with_gaps_and_shared_authors() {
        let mut entries = Entries::default();
        entries.push(5, "unit.registered", &key(1), 10, None);
        entries.push(6, "authority.granted", &key(2), 11, Some("bổ nhiệm"));
        entries.push(9, "assessment.recorded", &key(1), 14, None);
        assert_eq!(entries.get(4), None);
        assert_eq!(entries.get(7), None, "a gap");
        assert_eq!(entries.get(10), None);
        let granted = entries.get(6).unwrap();
        assert_eq!(granted.event_type, "authority.granted");
        assert_eq!(granted.author, key(2));
        assert_eq!(granted.reason, Some("bổ nhiệm"));
        assert_eq!(entries.get(9).unwrap().author, key(1));
        assert_eq!(entries.get(9).unwrap().sequenced_at_us, 14);
        assert_eq!(entries.authors.len(), 2, "one copy of each author");
        assert_eq!(std::mem::size_of::<Row>(), 16);
    }

    #[test]
    fn every_event_type_has_a_number_and_others_read_as_unknown() {
        for (name, _) in EVENT_TYPES {
            assert_eq!(type_name(type_number(name)), name);
        }
        assert_eq!(type_name(type_number("grade.invented")), "unknown");
    }
}
