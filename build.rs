//! Build guard and embedded down scripts.
//!
//! 1. Refuses a stale generated query crate: recomputes the hash of
//!    `queries/`, `migrations/`, `cornucopia.toml` and the cornucopia version,
//!    and fails with the command to run when it differs from the one stored in
//!    `generated/`. It never regenerates: Cargo builds that path dependency in
//!    parallel with this script, so writing it here would race.
//! 2. Embeds `migrations-down/V{n}__{name}.sql` as a table for rollbacks.

use std::path::{Path, PathBuf};

#[path = "xtask/src/inputs.rs"]
mod inputs;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    for watched in [
        "queries",
        "migrations",
        "migrations-down",
        "cornucopia.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }
    // Only the hash file, never the generated folder itself (rebuild loops).
    let hash_path = root.join(inputs::GENERATED_DIR).join(inputs::HASH_FILE);
    println!("cargo:rerun-if-changed={}", hash_path.display());

    check_generated(&root, &hash_path);
    embed_down_scripts(&root);
}

fn check_generated(root: &Path, hash_path: &Path) {
    let expected = inputs::inputs_hash(root).unwrap_or_else(|e| {
        panic!("cannot hash the codegen inputs: {e}");
    });
    let stored = std::fs::read_to_string(hash_path).unwrap_or_default();
    if stored.trim() != expected {
        eprintln!(
            "error: the generated query crate ({}/) is stale: queries/, migrations/ or \
             cornucopia.toml changed since it was generated.\n       run: {}",
            inputs::GENERATED_DIR,
            inputs::CODEGEN_COMMAND
        );
        std::process::exit(1);
    }
}

/// `V{n}__{name}` of every `.sql` file in `dir`, sorted by version.
fn versioned_files(dir: &Path) -> Vec<(i32, String, PathBuf)> {
    let mut entries: Vec<(i32, String, PathBuf)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            let (v, name) = stem
                .strip_prefix('V')
                .and_then(|s| s.split_once("__"))
                .unwrap_or_else(|| panic!("{} is not named V{{n}}__{{name}}.sql", p.display()));
            let v: i32 = v
                .parse()
                .unwrap_or_else(|_| panic!("{}: bad version", p.display()));
            (v, name.to_string(), p)
        })
        .collect();
    entries.sort();
    entries
}

fn embed_down_scripts(root: &Path) {
    let entries = versioned_files(&root.join("migrations-down"));
    // A down script must name its up migration exactly: one whose version
    // matches but whose name does not is a mistake, not a rollback.
    let ups = versioned_files(&root.join("migrations"));
    for (v, name, path) in &entries {
        if !ups.iter().any(|(uv, un, _)| uv == v && un == name) {
            eprintln!(
                "error: {} matches no migration in migrations/ (expected V{v}__<name>.sql with \
                 the same version and name as its up migration)",
                path.display()
            );
            std::process::exit(1);
        }
    }
    let mut code = String::from("/// Down scripts: (version, name, sql), oldest first.\n");
    code.push_str("pub static DOWN_SCRIPTS: &[(i32, &str, &str)] = &[\n");
    for (v, name, path) in entries {
        code.push_str(&format!(
            "    ({v}, {name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("down_scripts.rs");
    std::fs::write(out, code).unwrap();
}
