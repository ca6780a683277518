//! Pause points in the embedded server's programs.

/// Where [`PausingBindir`] stops: at a `postgres` run whose first argument
/// is this (`initdb` runs `postgres -V`, then `--check` twice, `--boot`,
/// `--single`; the server itself starts with `-D`), or, for
/// [`PausingBindir::INITDB_EXIT`], once `initdb` has done all its work and
/// is about to exit successfully.
pub type PausePoint = &'static str;

/// A PostgreSQL bin directory for `TRUTHGRAPH_PG_BINDIR` whose programs stop
/// at a chosen point until released: `postgres` is a script that waits there
/// before it runs the real one, and `initdb` a copy of the real one (so it
/// runs the `postgres` beside it) behind a script that can wait before it
/// exits. The process that waits is blocked for certain, so whatever is done
/// meanwhile (a `SIGKILL`, a second command) happens at that point of the
/// work, however fast the machine. A waiting program goes on once released,
/// and when the directory is dropped or deleted.
pub struct PausingBindir {
    /// The bin directory.
    pub bin: std::path::PathBuf,
    /// Where the waiting script writes `paused` and reads `released`.
    signals: std::path::PathBuf,
}

impl PausingBindir {
    /// The last moment of `initdb`: every file written, not yet exited.
    pub const INITDB_EXIT: PausePoint = "initdb-exit";

    /// Makes the directory inside `parent` (which the `postgres` user must
    /// be able to reach when the tests run as root).
    pub fn new(parent: &std::path::Path) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let real = real_bindir();
        let bin = parent.join("bin");
        let signals = parent.join("signals");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&signals).unwrap();
        std::fs::set_permissions(&signals, std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::copy(real.join("initdb"), bin.join("initdb.real")).unwrap();
        let wait = r#"wait_here() {
    echo $$ > "$TG_PAUSE_DIR/paused.tmp" && mv "$TG_PAUSE_DIR/paused.tmp" "$TG_PAUSE_DIR/paused"
    while [ -d "$TG_PAUSE_DIR" ] && [ ! -e "$TG_PAUSE_DIR/released" ]; do sleep 0.02; done
}"#;
        let postgres = format!(
            "#!/bin/sh\n{wait}\nif [ -n \"$TG_PAUSE_AT\" ] && [ \"$1\" = \"$TG_PAUSE_AT\" ]; then wait_here; fi\n\
             exec '{}' \"$@\"\n",
            real.join("postgres").display()
        );
        let initdb = format!(
            "#!/bin/sh\n{wait}\n'{}' \"$@\"\nstatus=$?\n\
             if [ $status -eq 0 ] && [ \"$TG_PAUSE_AT\" = '{}' ]; then wait_here; fi\nexit $status\n",
            bin.join("initdb.real").display(),
            Self::INITDB_EXIT
        );
        for (name, text) in [("postgres", postgres), ("initdb", initdb)] {
            std::fs::write(bin.join(name), text).unwrap();
        }
        for name in ["postgres", "initdb", "initdb.real"] {
            std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        PausingBindir { bin, signals }
    }

    /// Sets `cmd` to use this directory and to stop at `at` (`None`: run
    /// straight through).
    pub fn apply(&self, cmd: &mut std::process::Command, at: Option<PausePoint>) {
        cmd.env("TRUTHGRAPH_PG_BINDIR", &self.bin)
            .env("TG_PAUSE_DIR", &self.signals);
        match at {
            Some(at) => cmd.env("TG_PAUSE_AT", at),
            None => cmd.env_remove("TG_PAUSE_AT"),
        };
    }

    /// Waits (up to 120 s) until a program stopped at the pause point;
    /// panics if `ended()` says the command ended first.
    pub fn wait_paused(&self, mut ended: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while !self.signals.join("paused").exists() {
            assert!(
                !ended(),
                "the command ended before it reached its pause point"
            );
            assert!(
                std::time::Instant::now() < deadline,
                "the pause point was not reached within 120 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Lets the stopped program go on (and every later one run through).
    pub fn release(&self) {
        std::fs::write(self.signals.join("released"), "").unwrap();
    }
}

impl Drop for PausingBindir {
    /// Never leaves a program waiting (e.g. when a test panicked).
    fn drop(&mut self) {
        let _ = std::fs::write(self.signals.join("released"), "");
    }
}

/// The real PostgreSQL bin directory, found as the library finds it.
fn real_bindir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("TRUTHGRAPH_PG_BINDIR") {
        return dir.into();
    }
    let mut debian: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return bin;
    }
    let out = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config");
    String::from_utf8_lossy(&out.stdout).trim().into()
}
