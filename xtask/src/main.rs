//! Development tasks: `cargo xtask codegen [--check]`.
//!
//! `codegen` regenerates the query crate in `generated/` from `queries/*.sql`:
//! it loads `migrations/V*.sql` in numeric version order into a fresh database
//! (on `DATABASE_URL`, or on a throw-away embedded PostgreSQL when unset),
//! runs cornucopia into a temporary directory, copies only files whose bytes
//! changed, removes files cornucopia no longer writes, and stores the hash of
//! all inputs for `build.rs`. `--check` writes nothing and fails when the
//! committed crate differs from a fresh generation.
//!
//! Beside cornucopia's output it writes `src/sql.rs` into the generated crate:
//! the SQL text of every query as cornucopia prepared it (`$n` parameters), so
//! tests and benches EXPLAIN or hand-prepare exactly what the typed functions
//! run (see `sql_module`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod inputs;
mod sql_module;

use truthgraph_pg_embed as server;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        _ => Err("usage: cargo xtask codegen [--check]".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// `migrations/V{n}__*.sql`, sorted by the number `n` (V10 after V9).
fn migration_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(root.join("migrations"))
        .map_err(|e| format!("migrations/: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let version = name.strip_prefix('V')?.split_once("__")?.0.parse().ok()?;
            name.ends_with(".sql").then_some((version, p))
        })
        .collect();
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

fn codegen(check: bool) -> Result<(), String> {
    let started = std::time::Instant::now();
    let root = workspace_root();
    let generated = root.join(inputs::GENERATED_DIR);
    let schema = migration_files(&root)?;

    // Keep the embedded server (if any) alive until generation is done.
    let (_server, url) = match std::env::var("DATABASE_URL") {
        // cornucopia appends the scratch database's name to the server URL.
        Ok(url) if !url.trim().is_empty() => (None, server::strip_database(&url)),
        _ => {
            let s = server::EmbeddedServer::temporary().map_err(|e| e.to_string())?;
            let url = server::strip_database(&s.url("postgres"));
            (Some(s), url)
        }
    };

    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = tmp.path().join("generated");
    let config = cornucopia::config::Config::builder_from_file(root.join("cornucopia.toml"))
        .map_err(|e| format!("cornucopia.toml: {e}"))?
        .queries(root.join("queries"))
        .destination(&out)
        .build();
    let db_name = format!("truthgraph_codegen_{}", std::process::id());
    cornucopia::gen_fresh(&url, &db_name, &schema, None, false, config)
        .map_err(|e| format!("cornucopia: {e:?}"))?;
    sql_module::add(&out)?;

    let fresh = list_files(&out)?;
    let committed = list_files(&generated).unwrap_or_default();
    let mut changed = Vec::new();
    for rel in &fresh {
        let new = std::fs::read(out.join(rel)).map_err(|e| e.to_string())?;
        if std::fs::read(generated.join(rel)).ok().as_deref() != Some(new.as_slice()) {
            changed.push(rel.clone());
            if !check {
                let dest = generated.join(rel);
                std::fs::create_dir_all(dest.parent().unwrap()).map_err(|e| e.to_string())?;
                std::fs::write(&dest, new).map_err(|e| e.to_string())?;
            }
        }
    }
    let stale: Vec<&PathBuf> = committed.difference(&fresh).collect();
    let hash = inputs::inputs_hash(&root).map_err(|e| e.to_string())?;
    let hash_path = generated.join(inputs::HASH_FILE);
    let hash_ok = std::fs::read_to_string(&hash_path).is_ok_and(|h| h.trim() == hash);

    if check {
        if changed.is_empty() && stale.is_empty() && hash_ok {
            println!("generated/ is up to date ({} files)", fresh.len());
            return Ok(());
        }
        let mut msg = String::from("generated/ differs from a fresh generation:");
        for f in &changed {
            msg.push_str(&format!("\n  changed: {}", f.display()));
        }
        for f in &stale {
            msg.push_str(&format!("\n  not generated any more: {}", f.display()));
        }
        if !hash_ok {
            msg.push_str(&format!("\n  {} is out of date", inputs::HASH_FILE));
        }
        msg.push_str(&format!("\nrun: {}", inputs::CODEGEN_COMMAND));
        return Err(msg);
    }
    for f in &stale {
        std::fs::remove_file(generated.join(f)).map_err(|e| e.to_string())?;
    }
    if !hash_ok {
        std::fs::write(&hash_path, format!("{hash}\n")).map_err(|e| e.to_string())?;
    }
    println!(
        "generated/: {} changed, {} removed, {} unchanged, in {:.1?}",
        changed.len(),
        stale.len(),
        fresh.len() - changed.len(),
        started.elapsed()
    );
    Ok(())
}

/// Relative paths of the files under `dir`, without `target/` and the hash file.
fn list_files(dir: &Path) -> Result<BTreeSet<PathBuf>, String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if rel == Path::new("target") || rel == Path::new(inputs::HASH_FILE) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel);
            }
        }
    }
    Ok(out)
}
