//! `hocba export`: writes a node's log, up to its newest checkpoint, as a static C2SP
//! `tlog-tiles` tree (checkpoint, hash tiles, entry bundles) that any web server can serve. It is
//! the backup and mirror format; `hocba import` restores a node from it.
//!
//! Reads the segment files only, so it is safe next to a running node. The checkpoint is written
//! last: an interrupted export has none and cannot be mistaken for a complete one.

use std::path::{Path, PathBuf};

use ledger_core::tile::{self, EntryBundleId, TileId, TILE_HEIGHT, TILE_WIDTH};
use ledger_core::tree::{self, CompactRange, Hash, StoredHash};

use crate::config;
use crate::layout::Layout;
use crate::node::open_history_read_only;
use crate::scan;

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    /// Records exported (the newest checkpoint's size).
    pub size: u64,
    /// Files written.
    pub files: u64,
}

/// Exports the node in `layout` to `out`.
///
/// # Errors
/// A description of what failed.
pub fn export(
    layout: &Layout,
    out: &Path,
    mut progress: impl FnMut(u64),
) -> Result<Exported, String> {
    let config = config::load(layout).map_err(|error| error.to_string())?;
    let verifier = config.verifier().map_err(|error| error.to_string())?;
    let checkpoints =
        open_history_read_only(layout, &verifier).map_err(|error| error.to_string())?;
    let (checkpoint, note) = checkpoints
        .last()
        .ok_or("the node has signed no checkpoint yet; nothing to export")?;
    let size = checkpoint.size;
    std::fs::create_dir_all(out).map_err(|error| format!("{}: {error}", out.display()))?;
    let _ = std::fs::remove_file(out.join("checkpoint"));
    let mut writer = TileWriter {
        out: out.to_owned(),
        files: 0,
    };
    let mut compact = CompactRange::new();
    let mut stored: Vec<StoredHash> = Vec::new();
    let mut levels: Vec<Vec<Hash>> = vec![Vec::new()];
    let mut entries: Vec<Vec<u8>> = Vec::new();
    let end = scan::scan(&layout.segments(), |index, record| {
        if index >= size {
            return Ok(());
        }
        entries.push(record.to_vec());
        compact.append(tree::leaf_hash(record), &mut stored);
        for hash in stored.drain(..) {
            if hash.level % TILE_HEIGHT != 0 {
                continue;
            }
            let tile_level = usize::from(hash.level / TILE_HEIGHT);
            if levels.len() <= tile_level {
                levels.resize_with(tile_level + 1, Vec::new);
            }
            levels[tile_level].push(hash.hash);
            if levels[tile_level].len() == 256 {
                writer.hash_tile(tile_level, hash.index / TILE_WIDTH, &levels[tile_level])?;
                levels[tile_level].clear();
            }
        }
        if entries.len() == 256 {
            writer.bundle(index / TILE_WIDTH, &entries)?;
            entries.clear();
        }
        if index % 65_536 == 0 {
            progress(index);
        }
        Ok::<(), std::io::Error>(())
    })
    .map_err(|error| error.to_string())?;
    if end.records < size {
        return Err(format!(
            "the log holds {} records but its checkpoint has {size}: run `hocba verify`",
            end.records
        ));
    }
    if !entries.is_empty() {
        writer
            .bundle(size / TILE_WIDTH, &entries)
            .map_err(|error| error.to_string())?;
    }
    for (tile_level, hashes) in levels.iter().enumerate() {
        if !hashes.is_empty() {
            let count = size >> (tile_level * usize::from(TILE_HEIGHT));
            writer
                .hash_tile(tile_level, count / TILE_WIDTH, hashes)
                .map_err(|error| error.to_string())?;
        }
    }
    if compact.root() != checkpoint.root {
        return Err("the records do not hash to the checkpoint's root: run `hocba verify`".into());
    }
    std::fs::write(out.join("vkey"), format!("{}\n", config.verifier_key))
        .map_err(|error| error.to_string())?;
    std::fs::write(out.join("checkpoint"), note).map_err(|error| error.to_string())?;
    progress(size);
    Ok(Exported {
        size,
        files: writer.files + 2,
    })
}

struct TileWriter {
    out: PathBuf,
    files: u64,
}

impl TileWriter {
    fn write(&mut self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let file = self.out.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(file, bytes)?;
        self.files += 1;
        Ok(())
    }

    fn hash_tile(&mut self, tile_level: usize, index: u64, hashes: &[Hash]) -> std::io::Result<()> {
        let width = u16::try_from(hashes.len()).expect("at most 256");
        let level = u8::try_from(tile_level).expect("small");
        let id = TileId::new(level, index, width).expect("valid tile");
        let bytes = tile::encode_hash_tile(hashes).map_err(std::io::Error::other)?;
        self.write(&id.path(), &bytes)
    }

    fn bundle(&mut self, index: u64, entries: &[Vec<u8>]) -> std::io::Result<()> {
        let width = u16::try_from(entries.len()).expect("at most 256");
        let id = EntryBundleId::new(index, width).expect("valid bundle");
        let bytes = tile::encode_entry_bundle(entries.iter().map(Vec::as_slice))
            .map_err(std::io::Error::other)?;
        self.write(&id.path(), &bytes)
    }
}
