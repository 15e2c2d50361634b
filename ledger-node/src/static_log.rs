//! A log published as static C2SP `tlog-tiles` (an export on disk or a node over HTTP), read and
//! verified as a stream: the checkpoint's signature, every hash tile against the hashes
//! recomputed from the level below, the root against the checkpoint, and optionally every entry
//! (leaf hash, chain, signature). Memory stays bounded by one tile per level.

use std::path::PathBuf;

use ledger_core::checkpoint::Checkpoint;
use ledger_core::note::NoteVerifier;
use ledger_core::record::{verify_record, ChainVerifier};
use ledger_core::tile::{self, EntryBundleId, TileId, TILE_HEIGHT, TILE_WIDTH};
use ledger_core::tree::{self, CompactRange, Hash, StoredHash};

/// Where the tiles come from.
pub trait Source {
    /// Fetches `path` relative to the log's prefix (`checkpoint`, `tile/0/000`, …).
    ///
    /// # Errors
    /// A description of why the path could not be fetched.
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String>;
}

/// A log exported to a directory by `hocba export`.
pub struct DirectorySource(pub PathBuf);

impl Source for DirectorySource {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String> {
        let file = self.0.join(path);
        std::fs::read(&file).map_err(|error| format!("{}: {error}", file.display()))
    }
}

/// A log served over HTTP under `base` (for example `http://127.0.0.1:8080/log`).
pub struct HttpSource {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl HttpSource {
    /// A source for the log at `base`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base: &str) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        Ok(Self {
            runtime,
            client: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        })
    }
}

impl Source for HttpSource {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, String> {
        let url = format!("{}/{path}", self.base);
        self.runtime.block_on(async {
            let response = self
                .client
                .get(&url)
                .send()
                .await
                .map_err(|error| format!("{url}: {error}"))?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("{url}: HTTP {status}"));
            }
            response
                .bytes()
                .await
                .map(|bytes| bytes.to_vec())
                .map_err(|error| format!("{url}: {error}"))
        })
    }
}

/// The source for a location given on the command line: an `http(s)://` URL or a directory.
///
/// # Errors
/// When an HTTP client cannot be built.
pub fn source_for(location: &str) -> Result<Box<dyn Source>, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        Ok(Box::new(HttpSource::new(location)?))
    } else {
        Ok(Box::new(DirectorySource(PathBuf::from(location))))
    }
}

/// Why a static log did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StaticError {
    /// Something could not be fetched.
    #[error("cannot fetch {0}")]
    Fetch(String),
    /// The checkpoint does not verify with the given key.
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
    /// The data contradicts itself or the checkpoint, first at `index`.
    #[error("record {index}: {what}")]
    Invalid {
        /// The first bad index.
        index: u64,
        /// What is wrong.
        what: String,
    },
}

/// What to check beyond the hash tiles.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Fetch the entry bundles and check each record's leaf hash and the chain.
    pub entries: bool,
    /// Also re-check every record's signature (needs `entries`).
    pub signatures: bool,
}

/// A verified static log.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Its signed note, byte for byte.
    pub note: Vec<u8>,
    /// The tree roots at the sizes asked for, recomputed from the tiles.
    pub roots: Vec<(u64, Hash)>,
}

fn invalid(index: u64, what: impl Into<String>) -> StaticError {
    StaticError::Invalid {
        index,
        what: what.into(),
    }
}

/// Reads and verifies the log in `source`; calls `on_record` with each verified record in order
/// when `options.entries` is set; returns the checkpoint and the roots at `sizes`.
///
/// # Errors
/// See [`StaticError`].
pub fn walk(
    source: &dyn Source,
    verifier: &NoteVerifier,
    options: Options,
    sizes: &[u64],
    mut on_record: impl FnMut(u64, &[u8]) -> Result<(), StaticError>,
) -> Result<Verified, StaticError> {
    let note = source.fetch("checkpoint").map_err(StaticError::Fetch)?;
    let checkpoint = Checkpoint::open(&note, verifier)
        .map_err(|error| StaticError::Checkpoint(error.to_string()))?;
    let size = checkpoint.size;
    let mut compact = CompactRange::new();
    let mut stored: Vec<StoredHash> = Vec::new();
    let mut chain = ChainVerifier::new();
    let mut roots = Vec::new();
    for &wanted in sizes {
        if wanted == 0 {
            roots.push((0, tree::empty_root()));
        }
    }
    // Hashes recomputed at each tile level ≥ 1, waiting for their tile to be complete.
    let mut pending: Vec<Vec<Hash>> = Vec::new();
    let mut index = 0u64;
    while index < size {
        let tile_index = index / TILE_WIDTH;
        let width = u16::try_from((size - index).min(TILE_WIDTH)).expect("at most 256");
        let tile_id = TileId::new(0, tile_index, width).expect("valid tile");
        let leaves = fetch_hash_tile(source, &tile_id, index)?;
        if options.entries {
            let bundle_id = EntryBundleId::new(tile_index, width).expect("valid bundle");
            let bytes = source
                .fetch(&bundle_id.path())
                .map_err(StaticError::Fetch)?;
            let entries = tile::decode_entry_bundle(&bytes)
                .map_err(|error| invalid(index, format!("entry bundle: {error}")))?;
            for (offset, (entry, leaf)) in entries.iter().zip(&leaves).enumerate() {
                let position = index + offset as u64;
                if tree::leaf_hash(entry) != *leaf {
                    return Err(invalid(
                        position,
                        "the entry does not match its leaf hash in the hash tile",
                    ));
                }
                chain
                    .push(entry)
                    .map_err(|error| invalid(position, format!("{error} ({})", error.code())))?;
                if options.signatures {
                    verify_record(entry).map_err(|error| {
                        invalid(position, format!("{error} ({})", error.code()))
                    })?;
                }
                on_record(position, entry)?;
            }
            if entries.len() != leaves.len() {
                return Err(invalid(
                    index + entries.len().min(leaves.len()) as u64,
                    format!(
                        "entry bundle {} holds {} entries, expected {}",
                        bundle_id.path(),
                        entries.len(),
                        leaves.len()
                    ),
                ));
            }
        }
        for leaf in leaves {
            compact.append(leaf, &mut stored);
            for hash in stored.drain(..) {
                if hash.level == 0 || hash.level % TILE_HEIGHT != 0 {
                    continue;
                }
                let tile_level = usize::from(hash.level / TILE_HEIGHT);
                if pending.len() <= tile_level {
                    pending.resize_with(tile_level + 1, Vec::new);
                }
                pending[tile_level].push(hash.hash);
                if pending[tile_level].len() == 256 {
                    let first = hash.index + 1 - TILE_WIDTH;
                    check_upper_tile(source, &pending[tile_level], tile_level, first, 256)?;
                    pending[tile_level].clear();
                }
            }
            index += 1;
            if sizes.contains(&index) {
                roots.push((index, compact.root()));
            }
        }
    }
    // The partial tiles on the right edge of the upper levels.
    for (tile_level, hashes) in pending.iter().enumerate() {
        if !hashes.is_empty() {
            let level = u32::try_from(tile_level).expect("small") * u32::from(TILE_HEIGHT);
            let count = size >> level;
            let first = count - hashes.len() as u64;
            let width = u16::try_from(hashes.len()).expect("under 256");
            check_upper_tile(source, hashes, tile_level, first, width)?;
        }
    }
    if compact.root() != checkpoint.root {
        return Err(invalid(
            size.saturating_sub(1),
            "the tiles do not hash to the checkpoint's root",
        ));
    }
    Ok(Verified {
        checkpoint,
        note,
        roots,
    })
}

fn fetch_hash_tile(
    source: &dyn Source,
    tile_id: &TileId,
    first_index: u64,
) -> Result<Vec<Hash>, StaticError> {
    let bytes = source.fetch(&tile_id.path()).map_err(StaticError::Fetch)?;
    tile::decode_hash_tile(&bytes, tile_id.width()).map_err(|error| {
        invalid(
            first_index,
            format!("hash tile {}: {error}", tile_id.path()),
        )
    })
}

fn check_upper_tile(
    source: &dyn Source,
    expected: &[Hash],
    tile_level: usize,
    first: u64,
    width: u16,
) -> Result<(), StaticError> {
    let level = u8::try_from(tile_level).expect("small");
    let tile_id = TileId::new(level, first / TILE_WIDTH, width).expect("valid tile");
    let leaf_index = first << (u32::from(level) * u32::from(TILE_HEIGHT));
    let fetched = fetch_hash_tile(source, &tile_id, leaf_index)?;
    if let Some(position) = fetched.iter().zip(expected).position(|(a, b)| a != b) {
        let span = 1u64 << (u32::from(level) * u32::from(TILE_HEIGHT));
        return Err(invalid(
            leaf_index + position as u64 * span,
            format!(
                "hash tile {} does not match the hashes recomputed from the level below",
                tile_id.path()
            ),
        ));
    }
    Ok(())
}
