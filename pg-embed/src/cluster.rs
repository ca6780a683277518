//! The operating-system side of a cluster: finding the binaries, the
//! unprivileged account to run them as when we are root, directory
//! ownership, `initdb`, and a free port.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Error;
use crate::datadir::DataDirLock;

/// The unprivileged account to run PostgreSQL as, when this process is root.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunAs {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// Finds the directory holding `initdb` and `postgres`.
///
/// Order: `TRUTHGRAPH_PG_BINDIR`, the newest `/usr/lib/postgresql/<N>/bin`
/// (Debian's layout), then `pg_config --bindir`.
pub(crate) fn find_bindir() -> Result<PathBuf, Error> {
    let has_server = |dir: &Path| dir.join("postgres").is_file() && dir.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("TRUTHGRAPH_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(Error::server(format!(
                "TRUTHGRAPH_PG_BINDIR={} has no postgres and initdb",
                dir.display()
            )))
        };
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((major, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Ok(bin);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    Err(Error::server(
        "PostgreSQL server binaries not found: run scripts/provision-postgres.sh, \
         set TRUTHGRAPH_PG_BINDIR, or set DATABASE_URL to use an existing server",
    ))
}

pub(crate) fn run_as() -> Result<Option<RunAs>, Error> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|e| Error::server(format!("cannot read /etc/passwd: {e}")))?;
    passwd
        .lines()
        .find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == "postgres").then(|| {
                Some(RunAs {
                    uid: f[2].parse().ok()?,
                    gid: f[3].parse().ok()?,
                })
            })?
        })
        .map(Some)
        .ok_or_else(|| {
            Error::server(
                "running as root, and PostgreSQL refuses to run as root, but there is no \
                 `postgres` user to run it as (install postgresql-15, which creates it)",
            )
        })
}

pub(crate) fn chown(path: &Path, user: RunAs) -> Result<(), Error> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)))
        .map_err(|e| Error::server(format!("cannot hand {} to postgres: {e}", path.display())))
}

/// Fails with a clear message when the `postgres` user cannot reach `dir`
/// (e.g. a checkout under `/root`, which is mode 700).
pub(crate) fn check_reachable(dir: &Path, user: RunAs) -> Result<(), Error> {
    let ok = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"test -r "$1" && test -w "$1" && test -x "$1""#)
        .arg("sh")
        .arg(dir)
        .uid(user.uid)
        .gid(user.gid)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(Error::server(format!(
            "the postgres user cannot reach {} (a parent directory is private); set \
             TRUTHGRAPH_PGDATA to a directory it can reach, e.g. /var/tmp/truthgraph-pgdata",
            dir.display()
        )))
    }
}

/// Runs `initdb` on `data` (as the `postgres` user when we are root); it
/// inherits `lock` so that the directory stays locked while it runs, even if
/// we are killed first.
pub(crate) fn init_cluster(
    bin: &Path,
    data: &Path,
    run_as: Option<RunAs>,
    lock: Option<&DataDirLock>,
) -> Result<(), Error> {
    let mut cmd = Command::new(bin.join("initdb"));
    cmd.arg("-D")
        .arg(data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ])
        .env("TZ", "UTC")
        .stdin(Stdio::null());
    // initdb uses the working directory; make sure the postgres user can stat it.
    cmd.current_dir(data.parent().unwrap_or(Path::new("/")));
    if let Some(user) = run_as {
        cmd.uid(user.uid).gid(user.gid).current_dir("/");
    }
    if let Some(lock) = lock {
        lock.pass_to(&mut cmd);
    }
    let out = cmd
        .output()
        .map_err(|e| Error::server(format!("cannot run initdb: {e}")))?;
    if !out.status.success() {
        return Err(Error::server(format!(
            "initdb {} failed: {}",
            data.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Whether the server whose binaries are in `bin` has the loadable module
/// `name` (`<bin>/../lib/<name>.so`, Debian's layout, else `pg_config
/// --pkglibdir`): a `shared_preload_libraries` entry without its file stops
/// the server from starting.
pub(crate) fn has_library(bin: &Path, name: &str) -> bool {
    let file = format!("{name}.so");
    if bin
        .parent()
        .is_some_and(|p| p.join("lib").join(&file).is_file())
    {
        return true;
    }
    Command::new(bin.join("pg_config"))
        .arg("--pkglibdir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|dir| Path::new(dir.trim()).join(&file).is_file())
}

/// Whether the `postgresql.conf` of the cluster in `data` should get
/// `autoprewarm` (its first line): the file has the `made` comment (a
/// cluster this crate created), not that line (it was added already, or
/// is there commented out by someone who wants it off), and no
/// `shared_preload_libraries` setting of its own (appending ours would
/// replace it).
pub(crate) fn wants_autoprewarm(data: &Path, made: &str, autoprewarm: &str) -> Result<bool, Error> {
    let path = data.join("postgresql.conf");
    let conf = std::fs::read_to_string(&path)
        .map_err(|e| Error::server(format!("cannot read {}: {e}", path.display())))?;
    let marker = autoprewarm.lines().next().unwrap_or(autoprewarm);
    let own_setting = conf
        .lines()
        .any(|l| l.trim_start().starts_with("shared_preload_libraries"));
    Ok(conf.contains(made) && !conf.contains(marker) && !own_setting)
}

/// Appends `lines` to the `postgresql.conf` of the cluster in `data` (a
/// later line wins over initdb's).
pub(crate) fn append_conf(data: &Path, lines: &str) -> Result<(), Error> {
    use std::io::Write as _;
    let path = data.join("postgresql.conf");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("\n{lines}").as_bytes()))
        .map_err(|e| Error::server(format!("cannot write {}: {e}", path.display())))
}

pub(crate) fn free_port() -> Result<u16, Error> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::server(format!("no free TCP port on 127.0.0.1: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autoprewarm_goes_only_into_our_clusters_that_name_no_preload_of_their_own() {
        let made = "# made by us";
        let line = "# autoprewarm\nshared_preload_libraries = 'pg_prewarm'\n";
        let dir = tempfile::tempdir().unwrap();
        let wants = |conf: &str| {
            std::fs::write(dir.path().join("postgresql.conf"), conf).unwrap();
            wants_autoprewarm(dir.path(), made, line).unwrap()
        };
        assert!(wants(
            "max_connections = 100\n# made by us\nshared_buffers = '1GB'\n"
        ));
        // Not ours; ours with it already; ours with it commented out.
        assert!(!wants("shared_buffers = '1GB'\n"));
        assert!(!wants(&format!("{made}\n{line}")));
        assert!(!wants(&format!(
            "{made}\n# autoprewarm\n#shared_preload_libraries = 'pg_prewarm'\n"
        )));
        // Ours with an operator's own setting (initdb's commented one does not count).
        assert!(!wants(&format!(
            "{made}\n  shared_preload_libraries = 'citus'\n"
        )));
        assert!(wants(&format!("#shared_preload_libraries = ''\n{made}\n")));
    }
}
