//! The inputs of query code generation and their hash.
//!
//! Shared, by `#[path]`, between `xtask codegen` (which writes the hash into the
//! generated crate) and the root `build.rs` (which recomputes it and refuses a
//! stale generated crate). Keep it dependency-free but for `sha2`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Folder of the committed generated crate, relative to the workspace root.
pub const GENERATED_DIR: &str = "generated";
/// File in the generated crate that holds the hash of its inputs.
pub const HASH_FILE: &str = "cornucopia-inputs.sha256";
/// The command that regenerates the crate.
pub const CODEGEN_COMMAND: &str = "cargo xtask codegen";

/// Every file whose content the generated code depends on, sorted.
pub fn input_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = vec![root.join("cornucopia.toml")];
    for dir in ["queries", "migrations"] {
        let mut sql: Vec<PathBuf> = std::fs::read_dir(root.join(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        sql.sort();
        files.extend(sql);
    }
    Ok(files)
}

/// The cornucopia version recorded in `Cargo.lock`.
pub fn cornucopia_version(root: &Path) -> std::io::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"cornucopia\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(v.trim_matches('"').to_string());
        }
    }
    Err(std::io::Error::other("cornucopia is not in Cargo.lock"))
}

/// SHA-256 over the cornucopia version and each input's relative path and
/// bytes (line endings normalised, so a Windows checkout hashes the same).
pub fn inputs_hash(root: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    h.update(b"cornucopia ");
    h.update(cornucopia_version(root)?.as_bytes());
    h.update(b"\n");
    for file in input_files(root)? {
        let rel = file.strip_prefix(root).unwrap_or(&file);
        let text = std::fs::read_to_string(&file)?.replace("\r\n", "\n");
        h.update(rel.to_string_lossy().replace('\\', "/").as_bytes());
        h.update(b"\0");
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let mut out = String::new();
    for b in h.finalize() {
        let _ = write!(out, "{b:02x}");
    }
    Ok(out)
}
