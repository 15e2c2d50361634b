//! C2SP [`tlog-tiles`]: tile paths, hash tiles and entry bundles.
//!
//! The tree of [`crate::tree`] is published as *tiles*: a hash tile at tile level `L` and index
//! `N` holds the stored hashes at tree level `8·L` with indexes `N·256 .. N·256 + width`; an
//! entry bundle at index `N` holds the entries `N·256 .. N·256 + width`. A tile is *full* at
//! width 256 and *partial* below; partial tiles exist only at the right edge of the tree.
//!
//! Paths are `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, with `<N>` written as
//! zero-padded groups of three digits, all but the last prefixed by `x`:
//!
//! ```
//! use ledger_core::tile::{TileId, TilePath};
//!
//! let tile = TileId::new(0, 1_234_067, 256).unwrap();
//! assert_eq!(tile.path(), "tile/0/x001/x234/067");
//! let partial = TilePath::parse("tile/entries/x001/x234/067.p/8").unwrap();
//! assert!(partial.is_partial());
//! // Only the one canonical spelling of a tile is accepted.
//! assert!(TilePath::parse("tile/0/x000/067").is_err());
//! ```
//!
//! Level and index are bounded by what a tree of fewer than 2^64 leaves can publish: tile
//! levels 0 to 7 (the spec's syntax allows up to 63, but level 8 would hold hashes of subtrees
//! of 2^64 leaves) and indexes whose hashes or entries fit in such a tree. So arithmetic on a
//! valid [`TileId`] or [`EntryBundleId`] cannot overflow.
//!
//! [`tlog-tiles`]: https://c2sp.org/tlog-tiles

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::limits::RECORD_SIZE_MAX;
use crate::tree::Hash;

/// Tree levels per tile level: a tile is a subtree of height 8.
pub const TILE_HEIGHT: u8 = 8;

/// Hashes in a full hash tile, entries in a full entry bundle.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;

/// The highest tile level a tree of fewer than 2^64 leaves has (tree level 56).
pub const TILE_LEVEL_MAX: u8 = 7;

/// [`TILE_WIDTH`] as the type widths have.
const FULL_WIDTH: u16 = 1 << TILE_HEIGHT;

/// Why a tile path, a tile or an entry bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path is not the canonical spelling of a tile or entry bundle path.
    #[error("not a canonical tile path (đường dẫn tile không hợp lệ)")]
    MalformedPath,
    /// The tile level is above [`TILE_LEVEL_MAX`]: no tree has such a tile.
    #[error("tile level {level} is above {TILE_LEVEL_MAX} (cấp tile ngoài phạm vi)")]
    LevelOutOfRange {
        /// The level asked for.
        level: u8,
    },
    /// The tile index is so large that only a tree of 2^64 or more leaves would publish it.
    #[error("tile index {index} is out of range (chỉ số tile ngoài phạm vi)")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
    },
    /// A width is not between 1 and 256.
    #[error("tile width {width} is not between 1 and {TILE_WIDTH} (độ rộng tile không hợp lệ)")]
    InvalidWidth {
        /// The width asked for.
        width: u16,
    },
    /// An entry is longer than [`RECORD_SIZE_MAX`], the most a 16-bit length prefix can say.
    #[error("an entry of {len} bytes is longer than {RECORD_SIZE_MAX} (bản ghi quá lớn)")]
    EntryTooLarge {
        /// The entry's length in bytes.
        len: usize,
    },
    /// A bundle or hash tile would hold no entry or more than 256.
    #[error("{count} items do not make a tile of 1 to {TILE_WIDTH} (số phần tử không hợp lệ)")]
    InvalidCount {
        /// The number of entries or hashes.
        count: usize,
    },
    /// An entry bundle ends inside a length prefix or an entry.
    #[error("the entry bundle is truncated (gói bản ghi bị cắt cụt)")]
    Truncated,
    /// Bytes follow the 256th entry of an entry bundle.
    #[error("bytes follow the last entry of the bundle (dữ liệu thừa)")]
    TrailingBytes,
    /// A hash tile is not `32 · width` bytes long.
    #[error("a hash tile of width {width} must be {expected} bytes, not {len} (sai độ dài tile)")]
    WrongLength {
        /// Bytes given.
        len: usize,
        /// The width the tile was expected to have.
        width: u16,
        /// Bytes a tile of that width has.
        expected: usize,
    },
}

fn check_width(width: u16) -> Result<(), TileError> {
    if width == 0 || width > FULL_WIDTH {
        return Err(TileError::InvalidWidth { width });
    }
    Ok(())
}

/// Checks that a tree of fewer than 2^64 leaves publishes the tile `(level, index, width)`:
/// the smallest such tree has `(index·256 + width)·256^level` leaves.
fn check_published(level: u8, index: u64, width: u16) -> Result<(), TileError> {
    index
        .checked_mul(TILE_WIDTH)
        .and_then(|n| n.checked_add(u64::from(width)))
        .and_then(|n| n.checked_mul(1 << (u32::from(level) * u32::from(TILE_HEIGHT))))
        .map(|_| ())
        .ok_or(TileError::IndexOutOfRange { index })
}

/// A hash tile: at tile level `level`, the stored hashes at tree level `8·level` with indexes
/// `index·256 .. index·256 + width`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    level: u8,
    index: u64,
    width: u16,
}

impl TileId {
    /// The tile at `level` and `index` with `width` hashes (256 for a full tile).
    ///
    /// # Errors
    /// [`TileError::LevelOutOfRange`] above [`TILE_LEVEL_MAX`]; [`TileError::InvalidWidth`]
    /// outside 1..=256; [`TileError::IndexOutOfRange`] when no tree of fewer than 2^64 leaves
    /// has this tile.
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > TILE_LEVEL_MAX {
            return Err(TileError::LevelOutOfRange { level });
        }
        check_width(width)?;
        check_published(level, index, width)?;
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// The tile level (0 = leaf hashes).
    #[must_use]
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The index of the tile within its level.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of hashes in the tile, 1 to 256.
    #[must_use]
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile has fewer than 256 hashes.
    #[must_use]
    pub fn is_partial(&self) -> bool {
        self.width < FULL_WIDTH
    }

    /// The tree level of the tile's hashes: `8·level`.
    #[must_use]
    pub fn tree_level(&self) -> u8 {
        self.level * TILE_HEIGHT
    }

    /// The indexes, at [`TileId::tree_level`], of the tile's hashes.
    #[must_use]
    pub fn hash_indexes(&self) -> Range<u64> {
        let start = self.index * TILE_WIDTH;
        start..start + u64::from(self.width)
    }

    /// The tile's path, e.g. `tile/0/x001/x234/067` or `tile/1/005.p/17`.
    #[must_use]
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses a hash tile path; see [`TilePath::parse`].
    ///
    /// # Errors
    /// As [`TilePath::parse`], and [`TileError::MalformedPath`] for an entry bundle path.
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        match TilePath::parse(path)? {
            TilePath::Hash(tile) => Ok(tile),
            TilePath::Entries(_) => Err(TileError::MalformedPath),
        }
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tile/{}/", self.level)?;
        write_index_and_width(f, self.index, self.width)
    }
}

/// An entry bundle: the entries `index·256 .. index·256 + width`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryBundleId {
    index: u64,
    width: u16,
}

impl EntryBundleId {
    /// The bundle at `index` with `width` entries (256 for a full bundle).
    ///
    /// # Errors
    /// [`TileError::InvalidWidth`] outside 1..=256; [`TileError::IndexOutOfRange`] when no tree
    /// of fewer than 2^64 leaves has this bundle.
    pub fn new(index: u64, width: u16) -> Result<Self, TileError> {
        check_width(width)?;
        check_published(0, index, width)?;
        Ok(Self { index, width })
    }

    /// The index of the bundle.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of entries in the bundle, 1 to 256.
    #[must_use]
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle has fewer than 256 entries.
    #[must_use]
    pub fn is_partial(&self) -> bool {
        self.width < FULL_WIDTH
    }

    /// The leaf indexes of the bundle's entries.
    #[must_use]
    pub fn entry_indexes(&self) -> Range<u64> {
        let start = self.index * TILE_WIDTH;
        start..start + u64::from(self.width)
    }

    /// The bundle's path, e.g. `tile/entries/x001/x234/067.p/8`.
    #[must_use]
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses an entry bundle path; see [`TilePath::parse`].
    ///
    /// # Errors
    /// As [`TilePath::parse`], and [`TileError::MalformedPath`] for a hash tile path.
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        match TilePath::parse(path)? {
            TilePath::Entries(bundle) => Ok(bundle),
            TilePath::Hash(_) => Err(TileError::MalformedPath),
        }
    }
}

impl fmt::Display for EntryBundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tile/entries/")?;
        write_index_and_width(f, self.index, self.width)
    }
}

/// Writes `<N>[.p/<W>]`.
fn write_index_and_width(f: &mut fmt::Formatter<'_>, index: u64, width: u16) -> fmt::Result {
    // u64::MAX has 20 digits: at most 7 groups of three.
    let mut groups = [0u64; 7];
    let mut count = 0;
    let mut rest = index;
    loop {
        groups[count] = rest % 1000;
        count += 1;
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    for group in groups[1..count].iter().rev() {
        write!(f, "x{group:03}/")?;
    }
    write!(f, "{:03}", groups[0])?;
    if width < FULL_WIDTH {
        write!(f, ".p/{width}")?;
    }
    Ok(())
}

/// Any path under `tile/`: a hash tile or an entry bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`.
    Hash(TileId),
    /// `tile/entries/<N>[.p/<W>]`.
    Entries(EntryBundleId),
}

impl TilePath {
    /// Parses a tile path, accepting only the one canonical spelling of each tile: decimal
    /// level and width without leading zeros, index groups of exactly three digits with no
    /// leading `x000` group, `.p/<W>` only for widths 1 to 255, nothing before `tile/` or after
    /// the last element.
    ///
    /// # Errors
    /// [`TileError::MalformedPath`] for anything else; [`TileError::LevelOutOfRange`] and
    /// [`TileError::IndexOutOfRange`] for well-formed paths no tree of fewer than 2^64 leaves
    /// has.
    pub fn parse(path: &str) -> Result<Self, TileError> {
        let rest = path.strip_prefix("tile/").ok_or(TileError::MalformedPath)?;
        let (first, rest) = rest.split_once('/').ok_or(TileError::MalformedPath)?;
        let (index, width) = parse_index_and_width(rest)?;
        let parsed = if first == "entries" {
            Self::Entries(EntryBundleId::new(index, width)?)
        } else {
            // The spec allows levels 0 to 63; above TILE_LEVEL_MAX the path is well formed but
            // names nothing.
            let level = parse_decimal(first).filter(|level| *level <= 63);
            let level = u8::try_from(level.ok_or(TileError::MalformedPath)?)
                .map_err(|_| TileError::MalformedPath)?;
            Self::Hash(TileId::new(level, index, width)?)
        };
        // Writing the tile back out is the simplest complete test of canonical form: it refuses
        // leading zero groups (`x000/`) and anything the checks above let through.
        if parsed.path() != path {
            return Err(TileError::MalformedPath);
        }
        Ok(parsed)
    }

    /// The path, the inverse of [`TilePath::parse`].
    #[must_use]
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Whether the tile or bundle is partial (has a `.p/<W>` suffix).
    #[must_use]
    pub fn is_partial(&self) -> bool {
        match self {
            Self::Hash(tile) => tile.is_partial(),
            Self::Entries(bundle) => bundle.is_partial(),
        }
    }

    /// The number of hashes or entries, 1 to 256.
    #[must_use]
    pub fn width(&self) -> u16 {
        match self {
            Self::Hash(tile) => tile.width(),
            Self::Entries(bundle) => bundle.width(),
        }
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hash(tile) => fmt::Display::fmt(tile, f),
            Self::Entries(bundle) => fmt::Display::fmt(bundle, f),
        }
    }
}

impl FromStr for TilePath {
    type Err = TileError;

    fn from_str(path: &str) -> Result<Self, TileError> {
        Self::parse(path)
    }
}

/// A decimal number of at most three digits without leading zeros.
fn parse_decimal(text: &str) -> Option<u16> {
    let canonical = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.bytes().fold(0, |n, b| n * 10 + u16::from(b - b'0')))
}

/// Parses `<N>[.p/<W>]`.
fn parse_index_and_width(text: &str) -> Result<(u64, u16), TileError> {
    let (groups, width) = match text.split_once(".p/") {
        Some((groups, width)) => {
            let width = parse_decimal(width)
                .filter(|w| (1..FULL_WIDTH).contains(w))
                .ok_or(TileError::MalformedPath)?;
            (groups, width)
        }
        None => (text, FULL_WIDTH),
    };
    let mut index: u64 = 0;
    let mut groups = groups.split('/').peekable();
    while let Some(group) = groups.next() {
        let digits = if groups.peek().is_some() {
            group.strip_prefix('x').ok_or(TileError::MalformedPath)?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TileError::MalformedPath);
        }
        let value = digits.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'));
        index = index
            .checked_mul(1000)
            .and_then(|n| n.checked_add(value))
            .ok_or(TileError::IndexOutOfRange { index: u64::MAX })?;
    }
    Ok((index, width))
}

/// Every hash tile a tree of `size` leaves publishes, full and partial, level by level and by
/// index within a level.
///
/// At tile level `L` there are `⌊size / 256^L⌋` hashes: a full tile per 256 of them and a
/// partial tile for the rest, if any. The list is about `size / 255` long.
#[must_use]
pub fn hash_tiles(size: u64) -> Vec<TileId> {
    let mut tiles = Vec::new();
    let mut hashes = size;
    let mut level = 0;
    while hashes > 0 {
        let full = hashes / TILE_WIDTH;
        tiles.extend((0..full).map(|index| TileId {
            level,
            index,
            width: FULL_WIDTH,
        }));
        // The remainder of a division by 256 fits in u16.
        let rest = (hashes % TILE_WIDTH) as u16;
        if rest > 0 {
            tiles.push(TileId {
                level,
                index: full,
                width: rest,
            });
        }
        hashes = full;
        level += 1;
    }
    tiles
}

/// Every entry bundle a tree of `size` leaves publishes: a full bundle per 256 entries and a
/// partial one for the rest, if any.
#[must_use]
pub fn entry_bundles(size: u64) -> Vec<EntryBundleId> {
    let full = size / TILE_WIDTH;
    let mut bundles: Vec<EntryBundleId> = (0..full)
        .map(|index| EntryBundleId {
            index,
            width: FULL_WIDTH,
        })
        .collect();
    let rest = (size % TILE_WIDTH) as u16;
    if rest > 0 {
        bundles.push(EntryBundleId {
            index: full,
            width: rest,
        });
    }
    bundles
}

/// Encodes an entry bundle: each entry prefixed by its length as a big-endian `u16`.
///
/// # Errors
/// [`TileError::EntryTooLarge`] for an entry over [`RECORD_SIZE_MAX`] bytes;
/// [`TileError::InvalidCount`] for no entry or more than 256.
pub fn encode_entry_bundle<I>(entries: I) -> Result<Vec<u8>, TileError>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut bundle = Vec::new();
    let mut count = 0;
    for entry in entries {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len())
            .ok()
            .filter(|len| usize::from(*len) <= RECORD_SIZE_MAX)
            .ok_or(TileError::EntryTooLarge { len: entry.len() })?;
        count += 1;
        if count > TILE_WIDTH as usize {
            return Err(TileError::InvalidCount { count });
        }
        bundle.extend_from_slice(&len.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    if count == 0 {
        return Err(TileError::InvalidCount { count });
    }
    Ok(bundle)
}

/// Decodes an entry bundle into its 1 to 256 entries, borrowed from `bytes`.
///
/// # Errors
/// [`TileError::InvalidCount`] for an empty bundle; [`TileError::Truncated`] when the bytes end
/// inside a length prefix or an entry; [`TileError::TrailingBytes`] for bytes after a 256th
/// entry.
pub fn decode_entry_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if entries.len() == TILE_WIDTH as usize {
            return Err(TileError::TrailingBytes);
        }
        let (prefix, after) = rest.split_at_checked(2).ok_or(TileError::Truncated)?;
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let (entry, after) = after.split_at_checked(len).ok_or(TileError::Truncated)?;
        entries.push(entry);
        rest = after;
    }
    if entries.is_empty() {
        return Err(TileError::InvalidCount { count: 0 });
    }
    Ok(entries)
}

/// Encodes a hash tile: the 1 to 256 hashes concatenated.
///
/// # Errors
/// [`TileError::InvalidCount`] for no hash or more than 256.
pub fn encode_hash_tile(hashes: &[Hash]) -> Result<Vec<u8>, TileError> {
    if hashes.is_empty() || hashes.len() > TILE_WIDTH as usize {
        return Err(TileError::InvalidCount {
            count: hashes.len(),
        });
    }
    Ok(hashes.iter().flat_map(|hash| hash.0).collect())
}

/// Decodes a hash tile of `width` hashes.
///
/// # Errors
/// [`TileError::InvalidWidth`] for a width outside 1..=256; [`TileError::WrongLength`] when
/// `bytes` is not `32 · width` long.
pub fn decode_hash_tile(bytes: &[u8], width: u16) -> Result<Vec<Hash>, TileError> {
    check_width(width)?;
    let expected = usize::from(width) * Hash::SIZE;
    if bytes.len() != expected {
        return Err(TileError::WrongLength {
            len: bytes.len(),
            width,
            expected,
        });
    }
    Ok(bytes
        .chunks_exact(Hash::SIZE)
        .map(|chunk| {
            let mut hash = [0u8; 32];
            hash.copy_from_slice(chunk);
            Hash(hash)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn spec_path_examples() {
        let tile = TileId::new(0, 1_234_067, 256).unwrap();
        assert_eq!(tile.path(), "tile/0/x001/x234/067");
        assert_eq!(TileId::parse_path("tile/0/x001/x234/067"), Ok(tile));
        let partial = TileId::new(3, 1_234_067, 8).unwrap();
        assert_eq!(partial.path(), "tile/3/x001/x234/067.p/8");
        assert_eq!(TileId::new(1, 0, 1).unwrap().path(), "tile/1/000.p/1");
        assert_eq!(TileId::new(0, 5, 256).unwrap().path(), "tile/0/005");
        assert_eq!(TileId::new(0, 1000, 256).unwrap().path(), "tile/0/x001/000");
        let bundle = EntryBundleId::new(1_234_067, 255).unwrap();
        assert_eq!(bundle.path(), "tile/entries/x001/x234/067.p/255");
        assert_eq!(
            TilePath::parse("tile/entries/x001/x234/067.p/255"),
            Ok(TilePath::Entries(bundle))
        );
        assert_eq!(
            "tile/entries/000".parse::<TilePath>(),
            Ok(TilePath::Entries(EntryBundleId::new(0, 256).unwrap()))
        );
        let largest = EntryBundleId::new(u64::MAX / 256 - 1, 256).unwrap();
        assert_eq!(
            EntryBundleId::parse_path(&largest.path()),
            Ok(largest),
            "{largest}"
        );
    }

    #[test]
    fn refuses_non_canonical_paths() {
        for path in [
            "",
            "tile",
            "tile/",
            "tile/0",
            "tile/0/",
            "/tile/0/000",
            "tile/0/000/",
            "tile/00/000",
            "tile/01/000",
            "tile/+1/000",
            "tile/64/000",
            "tile/0/1",
            "tile/0/01",
            "tile/0/0001",
            "tile/0/x000/005",
            "tile/0/x001/x000",
            "tile/0/001/005",
            "tile/0/x1/005",
            "tile/0/x001",
            "tile/0/X001/005",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/005",
            "tile/0/000.p/",
            "tile/0/000.p/1/",
            "tile/0/000.p/+1",
            "tile/0/x001.p/1/005",
            "tile/0/000.P/1",
            "tile/0/-01",
            "tile/entries",
            "tile/entries/",
            "tile/entries/x000/001",
            "tile/entry/000",
            "tile/data/000",
            "tile/0/ 000",
            "tile/0/000 ",
            "tile/0/0\u{661}0",
        ] {
            assert!(TilePath::parse(path).is_err(), "{path:?}");
        }
        // Well formed, but no tree of fewer than 2^64 leaves has these.
        assert_eq!(
            TilePath::parse("tile/8/000.p/1"),
            Err(TileError::LevelOutOfRange { level: 8 })
        );
        assert!(matches!(
            TilePath::parse("tile/7/001"),
            Err(TileError::IndexOutOfRange { .. })
        ));
        assert!(TilePath::parse("tile/7/000.p/255").is_ok());
        assert!(TilePath::parse("tile/7/000").is_err());
        assert!(TilePath::parse("tile/0/x018/x446/x744/x073/x709/x551/615").is_err());
        assert!(TileId::parse_path("tile/entries/000").is_err());
        assert!(EntryBundleId::parse_path("tile/0/000").is_err());
        assert_eq!(
            TileId::new(0, 0, 0),
            Err(TileError::InvalidWidth { width: 0 })
        );
        assert_eq!(
            TileId::new(0, 0, 257),
            Err(TileError::InvalidWidth { width: 257 })
        );
    }

    #[test]
    fn spec_tile_counts() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
        // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
        // 17, and one partial level 2 tile of width 1."
        let tiles = hash_tiles(70_000);
        let summary = |level: u8| -> (usize, Vec<u16>) {
            let at_level: Vec<&TileId> = tiles.iter().filter(|t| t.level() == level).collect();
            let full = at_level.iter().filter(|t| !t.is_partial()).count();
            let partial = at_level
                .iter()
                .filter(|t| t.is_partial())
                .map(|t| t.width())
                .collect();
            (full, partial)
        };
        assert_eq!(summary(0), (273, vec![112]));
        assert_eq!(summary(1), (1, vec![17]));
        assert_eq!(summary(2), (0, vec![1]));
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
        // tile of width 1."
        assert_eq!(
            hash_tiles(256),
            vec![
                TileId::new(0, 0, 256).unwrap(),
                TileId::new(1, 0, 1).unwrap()
            ]
        );
        assert!(hash_tiles(0).is_empty());
        assert_eq!(entry_bundles(0), vec![]);
        assert_eq!(
            entry_bundles(513),
            vec![
                EntryBundleId::new(0, 256).unwrap(),
                EntryBundleId::new(1, 256).unwrap(),
                EntryBundleId::new(2, 1).unwrap(),
            ]
        );
        // The top of the largest tree: one partial tile at level 7.
        let top = TileId::new(7, 0, 255).unwrap();
        assert_eq!((top.tree_level(), top.hash_indexes()), (56, 0..255));
    }

    #[test]
    fn entry_bundle_edges() {
        let bundle = encode_entry_bundle([&b"ab"[..], b"", b"c"]).unwrap();
        assert_eq!(bundle, [0, 2, b'a', b'b', 0, 0, 0, 1, b'c']);
        assert_eq!(
            decode_entry_bundle(&bundle),
            Ok(vec![&b"ab"[..], b"", b"c"])
        );
        assert_eq!(
            decode_entry_bundle(&bundle[..bundle.len() - 1]),
            Err(TileError::Truncated)
        );
        assert_eq!(decode_entry_bundle(&[0]), Err(TileError::Truncated));
        assert_eq!(
            decode_entry_bundle(&[]),
            Err(TileError::InvalidCount { count: 0 })
        );
        let mut too_long = [0u8; 2].repeat(256);
        assert_eq!(decode_entry_bundle(&too_long).map(|e| e.len()), Ok(256));
        too_long.push(0);
        assert_eq!(
            decode_entry_bundle(&too_long),
            Err(TileError::TrailingBytes)
        );
        let empty: [&[u8]; 0] = [];
        assert_eq!(
            encode_entry_bundle(empty),
            Err(TileError::InvalidCount { count: 0 })
        );
        assert_eq!(
            encode_entry_bundle(vec![b"x"; 257]),
            Err(TileError::InvalidCount { count: 257 })
        );
        let big = vec![0u8; RECORD_SIZE_MAX];
        let encoded = encode_entry_bundle([&big]).unwrap();
        assert_eq!(decode_entry_bundle(&encoded), Ok(vec![&big[..]]));
        assert_eq!(
            encode_entry_bundle([vec![0u8; RECORD_SIZE_MAX + 1]]),
            Err(TileError::EntryTooLarge {
                len: RECORD_SIZE_MAX + 1
            })
        );
    }

    #[test]
    fn hash_tile_edges() {
        let hashes = [Hash([1; 32]), Hash([2; 32])];
        let tile = encode_hash_tile(&hashes).unwrap();
        assert_eq!(tile.len(), 64);
        assert_eq!(decode_hash_tile(&tile, 2), Ok(hashes.to_vec()));
        assert_eq!(
            decode_hash_tile(&tile, 3),
            Err(TileError::WrongLength {
                len: 64,
                width: 3,
                expected: 96
            })
        );
        assert_eq!(
            decode_hash_tile(&tile[..63], 2).map(|_| ()),
            Err(TileError::WrongLength {
                len: 63,
                width: 2,
                expected: 64
            })
        );
        assert!(decode_hash_tile(&[], 0).is_err());
        assert!(encode_hash_tile(&[]).is_err());
        assert!(encode_hash_tile(&[Hash::default(); 257]).is_err());
        assert_eq!(
            encode_hash_tile(&[Hash::default(); 256]).map(|t| t.len()),
            Ok(8192)
        );
    }

    fn tile_ids() -> impl Strategy<Value = TileId> {
        (0..=TILE_LEVEL_MAX, any::<u64>(), 1..=FULL_WIDTH).prop_map(|(level, index, width)| {
            // Scale the index into the range a tree of this level can have.
            let bits = 64 - 8 * (u32::from(level) + 1);
            let index = index.checked_shr(64 - bits).unwrap_or(0);
            let index = index.saturating_sub(1);
            let width = if level == TILE_LEVEL_MAX {
                width.min(FULL_WIDTH - 1)
            } else {
                width
            };
            TileId::new(level, index, width).unwrap()
        })
    }

    proptest! {
        #[test]
        fn tile_paths_round_trip(tile in tile_ids()) {
            prop_assert_eq!(TilePath::parse(&tile.path()), Ok(TilePath::Hash(tile)));
        }

        #[test]
        fn bundle_paths_round_trip(index in 0..u64::MAX / 256, width in 1..=FULL_WIDTH) {
            let bundle = EntryBundleId::new(index, width).unwrap();
            prop_assert_eq!(TilePath::parse(&bundle.path()), Ok(TilePath::Entries(bundle)));
        }

        #[test]
        fn parsed_paths_are_canonical(path in "tile/(entries|[0-9]{1,2})(/x?[0-9]{1,4}){1,3}(\\.p/[0-9]{1,3})?") {
            if let Ok(parsed) = TilePath::parse(&path) {
                prop_assert_eq!(parsed.path(), path);
            }
        }

        #[test]
        fn bundles_round_trip(
            entries in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..=256),
            extra in any::<u8>(),
        ) {
            let bundle = encode_entry_bundle(&entries).unwrap();
            let decoded = decode_entry_bundle(&bundle).unwrap();
            prop_assert_eq!(decoded, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
            prop_assert!(decode_entry_bundle(&bundle[..bundle.len() - 1]).is_err());
            let mut longer = bundle.clone();
            longer.push(extra);
            prop_assert!(decode_entry_bundle(&longer).is_err());
        }

        #[test]
        fn hash_tiles_cover_each_level(size in any::<u64>()) {
            // Only counted, not listed: a large size has too many tiles to list.
            let mut hashes = size;
            let mut level = 0;
            while hashes > 0 {
                let last = TileId::new(level, hashes / TILE_WIDTH, (hashes % TILE_WIDTH) as u16);
                if hashes % TILE_WIDTH == 0 {
                    prop_assert!(last.is_err());
                } else {
                    prop_assert!(last.is_ok());
                }
                hashes /= TILE_WIDTH;
                level += 1;
            }
            prop_assert!(level <= TILE_LEVEL_MAX + 1);
        }

        #[test]
        fn small_trees_list_tiles_in_order(size in 0..200_000u64) {
            let tiles = hash_tiles(size);
            let mut count = size;
            for level in 0..=TILE_LEVEL_MAX {
                let widths: u64 = tiles
                    .iter()
                    .filter(|t| t.level() == level)
                    .map(|t| u64::from(t.width()))
                    .sum();
                prop_assert_eq!(widths, count);
                count /= TILE_WIDTH;
            }
            prop_assert!(tiles.windows(2).all(|w| w[0] < w[1]));
            let bundles = entry_bundles(size);
            prop_assert_eq!(bundles.iter().map(|b| u64::from(b.width())).sum::<u64>(), size);
            prop_assert!(bundles.iter().enumerate().all(|(i, b)| b.index() == i as u64));
        }
    }
}
