//! The Merkle tree's stored hashes, one file per tree level.
//!
//! `tree/level-NN` holds the hashes of level NN in index order, 32 bytes each: level 0 the leaf
//! hashes, level L the roots of the perfect subtrees of 2^L leaves. All levels together cost 64
//! bytes per record. A C2SP hash tile is a contiguous run of one level file, and any proof needs
//! O(log n) hashes, each one positioned read.
//!
//! Levels at and above [`MEMORY_LEVEL_MIN`] are also kept in memory (1/8 of all hashes: 4 bytes
//! per record), so a proof at ten million records reads at most a handful of hashes from the
//! page cache.
//!
//! **Durability:** these files are derived from the log. They are written without `fdatasync` on
//! the append path and synced just before a checkpoint is signed, so after a crash they are
//! trusted up to the newest checkpoint and recomputed from the segments beyond it.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use ledger_core::tree::{self, Hash, HashReader, StoredHash};

/// Lowest tree level mirrored in memory.
pub const MEMORY_LEVEL_MIN: u8 = 3;

/// Most levels a tree can have (2^63 leaves).
const LEVELS_MAX: usize = 64;

/// The per-level hash files of one log.
pub struct TreeStore {
    directory: PathBuf,
    files: RwLock<Vec<File>>,
    memory: RwLock<Vec<Vec<Hash>>>,
}

impl TreeStore {
    /// Opens the level files in `directory`, cutting each to what a tree of `size` leaves holds,
    /// and loads the upper levels into memory.
    ///
    /// # Errors
    /// I/O errors, or [`std::io::ErrorKind::InvalidData`] when a level file is shorter than
    /// `size` requires (the caller then rebuilds from the log).
    pub fn open(directory: &Path, size: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(directory)?;
        let mut files = Vec::new();
        let mut memory = Vec::new();
        for level in 0..LEVELS_MAX {
            let count = size >> level;
            let path = Self::level_path(directory, level);
            if count == 0 && !path.exists() {
                break;
            }
            let file = OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)?;
            let length = file.metadata()?.len();
            if length < count * 32 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is shorter than a tree of {size} needs", path.display()),
                ));
            }
            file.set_len(count * 32)?;
            let mut hashes = Vec::new();
            if level >= usize::from(MEMORY_LEVEL_MIN) && count > 0 {
                let mut bytes = vec![0u8; usize::try_from(count * 32).expect("fits in memory")];
                file.read_exact_at(&mut bytes, 0)?;
                hashes = bytes
                    .chunks_exact(32)
                    .map(|chunk| Hash(chunk.try_into().expect("32 bytes")))
                    .collect();
            }
            files.push(file);
            memory.push(hashes);
        }
        Ok(Self {
            directory: directory.to_owned(),
            files: RwLock::new(files),
            memory: RwLock::new(memory),
        })
    }

    /// Removes every level file, for a rebuild from the log.
    ///
    /// # Errors
    /// I/O errors.
    pub fn remove(directory: &Path) -> std::io::Result<()> {
        if directory.exists() {
            std::fs::remove_dir_all(directory)?;
        }
        Ok(())
    }

    fn level_path(directory: &Path, level: usize) -> PathBuf {
        directory.join(format!("level-{level:02}"))
    }

    /// Appends stored hashes, which must come in the order [`tree::CompactRange::append`] emits
    /// them (each level's indexes consecutive with what is stored).
    ///
    /// # Errors
    /// I/O errors; the caller treats them as fatal.
    pub fn append(&self, hashes: &[StoredHash]) -> std::io::Result<()> {
        let mut by_level: Vec<Vec<u8>> = Vec::new();
        for stored in hashes {
            let level = usize::from(stored.level);
            if by_level.len() <= level {
                by_level.resize_with(level + 1, Vec::new);
            }
            by_level[level].extend_from_slice(&stored.hash.0);
        }
        {
            let mut files = self.files.write().expect("tree files lock");
            for (level, bytes) in by_level.iter().enumerate() {
                if bytes.is_empty() {
                    continue;
                }
                while files.len() <= level {
                    let path = Self::level_path(&self.directory, files.len());
                    files.push(
                        OpenOptions::new()
                            .create(true)
                            .read(true)
                            .append(true)
                            .open(path)?,
                    );
                }
                files[level].write_all(bytes)?;
            }
        }
        let mut memory = self.memory.write().expect("tree memory lock");
        for stored in hashes {
            let level = usize::from(stored.level);
            if stored.level < MEMORY_LEVEL_MIN {
                continue;
            }
            if memory.len() <= level {
                memory.resize_with(level + 1, Vec::new);
            }
            debug_assert_eq!(memory[level].len() as u64, stored.index);
            memory[level].push(stored.hash);
        }
        Ok(())
    }

    /// Makes every level file durable (before a checkpoint is signed over them).
    ///
    /// # Errors
    /// I/O errors.
    pub fn sync(&self) -> std::io::Result<()> {
        for file in self.files.read().expect("tree files lock").iter() {
            file.sync_data()?;
        }
        Ok(())
    }

    /// Reads `count` consecutive hashes of `level` from `index` (a hash tile).
    ///
    /// # Errors
    /// I/O errors, or `UnexpectedEof` beyond what is stored.
    pub fn read_run(&self, level: u8, index: u64, count: u64) -> std::io::Result<Vec<u8>> {
        let level_index = usize::from(level);
        if level >= MEMORY_LEVEL_MIN {
            let memory = self.memory.read().expect("tree memory lock");
            let hashes = memory
                .get(level_index)
                .and_then(|hashes| {
                    hashes.get(usize::try_from(index).ok()?..usize::try_from(index + count).ok()?)
                })
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
            return Ok(hashes.iter().flat_map(|hash| hash.0).collect());
        }
        let files = self.files.read().expect("tree files lock");
        let file = files
            .get(level_index)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        let mut bytes = vec![0u8; usize::try_from(count * 32).expect("bounded by the caller")];
        file.read_exact_at(&mut bytes, index * 32)?;
        Ok(bytes)
    }
}

impl HashReader for TreeStore {
    fn read_hash(&self, level: u8, index: u64) -> Result<Hash, tree::Error> {
        if level >= MEMORY_LEVEL_MIN {
            let memory = self.memory.read().expect("tree memory lock");
            return memory
                .get(usize::from(level))
                .and_then(|hashes| hashes.get(usize::try_from(index).ok()?))
                .copied()
                .ok_or(tree::Error::HashUnavailable { level, index });
        }
        let files = self.files.read().expect("tree files lock");
        let file = files
            .get(usize::from(level))
            .ok_or(tree::Error::HashUnavailable { level, index })?;
        let mut hash = [0u8; 32];
        file.read_exact_at(&mut hash, index * 32)
            .map_err(|_| tree::Error::HashUnavailable { level, index })?;
        Ok(Hash(hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger_core::tree::{CompactRange, MemoryTree};

    fn leaf(n: u64) -> Hash {
        tree::leaf_hash(&n.to_be_bytes())
    }

    /// The files answer exactly what an in-memory tree answers, across reopenings that cut them
    /// back to a smaller size (what recovery does up to the newest checkpoint).
    #[test]
    fn stored_hashes_serve_proofs_and_survive_reopening() {
        let directory = tempfile::tempdir().unwrap();
        let mut memory = MemoryTree::new();
        let mut compact = CompactRange::new();
        let mut stored = Vec::new();
        let store = TreeStore::open(directory.path(), 0).unwrap();
        for n in 0..1000 {
            memory.append(leaf(n));
            compact.append(leaf(n), &mut stored);
            store.append(&stored).unwrap();
            stored.clear();
        }
        for size in [1, 2, 3, 255, 256, 257, 777, 1000] {
            assert_eq!(
                tree::tree_hash(size, &store).unwrap(),
                tree::tree_hash(size, &memory).unwrap()
            );
            for index in [0, size / 2, size - 1] {
                let proof = tree::inclusion_proof(index, size, &store).unwrap();
                assert_eq!(proof, tree::inclusion_proof(index, size, &memory).unwrap());
                let root = tree::tree_hash(size, &store).unwrap();
                tree::verify_inclusion(&leaf(index), index, size, &proof, &root).unwrap();
            }
        }
        let proof = tree::consistency_proof(300, 1000, &store).unwrap();
        tree::verify_consistency(
            300,
            1000,
            &proof,
            &tree::tree_hash(300, &memory).unwrap(),
            &memory.root(),
        )
        .unwrap();
        assert_eq!(
            store.read_run(0, 256, 256).unwrap(),
            (256..512).flat_map(|n| leaf(n).0).collect::<Vec<u8>>()
        );
        drop(store);

        // Reopen cut back to 600 leaves, then continue appending.
        let store = TreeStore::open(directory.path(), 600).unwrap();
        let mut compact = CompactRange::from_reader(600, &store).unwrap();
        assert_eq!(compact.root(), tree::tree_hash(600, &memory).unwrap());
        for n in 600..1000 {
            compact.append(leaf(n), &mut stored);
            store.append(&stored).unwrap();
            stored.clear();
        }
        assert_eq!(tree::tree_hash(1000, &store).unwrap(), memory.root());
        assert!(
            TreeStore::open(directory.path(), 5000).is_err(),
            "shorter than needed"
        );
    }
}
