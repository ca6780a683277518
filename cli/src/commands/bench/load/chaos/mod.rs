//! `bench load --chaos`: faults while the mixed workload runs, on a durable
//! embedded cluster of its own (`fsync` on, `synchronous_commit = on`):
//! random backends of the load database terminated every `--chaos-every`
//! seconds, the server restarted once as `pg_ctl restart -m fast` would and
//! once as `-m immediate` would (crash recovery), and with
//! `--chaos-standby` a streaming standby serving the replica reads that is
//! stopped mid-run, and with `--chaos-fill` the cluster's file system filled
//! to ENOSPC for 3 s (a ballast file, then deleted).
//!
//! Calls that fail with a connection error (the library retried what it
//! could: reads on another connection, writes only when they never ran), and
//! while the disk is full with SQLSTATE 53100, are counted by kind, not as
//! failures; a write that failed so is in doubt
//! (stored or not). Any other error fails the run, as does an acknowledged
//! row missing or a row stored that was neither acknowledged nor in doubt.
//! Per fault (all times from its injection): the errors it caused, the
//! first and last of them, and when the first write and the first read sent
//! after its first error were acknowledged (recovery: the callers' outage
//! ends there; none when no caller saw the fault).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use truthgraph_db::embedded::{EmbeddedServer, StopMode, with_database};
use truthgraph_db::{Config, raw_sql};

mod log;

pub use log::{ChaosLog, error_kind, print};

/// The chaos mode's flags.
#[derive(clap::Args, Debug, Clone)]
pub struct ChaosArgs {
    /// Run on a durable embedded cluster of its own (DATABASE_URL is
    /// ignored) and inject faults while the workload runs: backends
    /// terminated, a fast and an immediate restart (and a standby stopped
    /// with --chaos-standby). Connection errors are then counted, not failures.
    #[arg(long)]
    chaos: bool,
    /// Seconds between two rounds of terminated backends.
    #[arg(long, default_value_t = 3)]
    chaos_every: u64,
    /// Also start a streaming standby as the replica for reads, and stop it mid-run.
    #[arg(long)]
    chaos_standby: bool,
    /// Data directory of the chaos cluster (created; default: a new one
    /// under /var/tmp, deleted afterwards).
    #[arg(long, value_name = "DIR")]
    chaos_dir: Option<PathBuf>,
    /// At 80% of the run, fill the file system holding FILE with FILE (a
    /// ballast, until ENOSPC), keep it full for 3 s, then delete FILE. Give
    /// a --chaos-dir on the same small file system (e.g. a tmpfs).
    #[arg(long, value_name = "FILE")]
    chaos_fill: Option<PathBuf>,
}

impl ChaosArgs {
    pub fn enabled(&self) -> bool {
        self.chaos
    }
}

/// The cluster the faults are injected into.
pub struct Cluster {
    server: Option<EmbeddedServer>,
    standby: Option<EmbeddedServer>,
    /// Deleted at the end (a directory this mode created).
    scratch: Option<PathBuf>,
    every: Duration,
    fill: Option<PathBuf>,
}

impl Cluster {
    /// Starts the durable cluster (and its standby).
    pub async fn start(args: &ChaosArgs) -> anyhow::Result<Self> {
        let (dir, scratch) = match &args.chaos_dir {
            Some(d) => (d.clone(), None),
            None => {
                let d = PathBuf::from(format!("/var/tmp/truthgraph-chaos-{}", std::process::id()));
                std::fs::create_dir(&d).with_context(|| format!("create {}", d.display()))?;
                (d.clone(), Some(d))
            }
        };
        let with_standby = args.chaos_standby;
        let (server, standby) = tokio::task::spawn_blocking(move || {
            let server = EmbeddedServer::persistent(&dir)?;
            let standby = if with_standby {
                Some(server.standby()?)
            } else {
                None
            };
            Ok::<_, truthgraph_db::embedded::Error>((server, standby))
        })
        .await?
        .context("start the chaos cluster")?;
        eprintln!(
            "chaos: durable cluster on port {} in {}{}",
            server.port(),
            server.data_dir().display(),
            standby
                .as_ref()
                .map_or(String::new(), |s| format!(", standby on port {}", s.port()))
        );
        Ok(Cluster {
            server: Some(server),
            standby,
            scratch,
            every: Duration::from_secs(args.chaos_every.max(1)),
            fill: args.chaos_fill.clone(),
        })
    }

    /// `config` pointed at the cluster's `postgres` database.
    pub fn admin_config(&self, config: &Config) -> Config {
        let url = self.server.as_ref().expect("server").url("postgres");
        Config {
            replica_urls: Vec::new(),
            ..config.clone()
        }
        .with_url(url)
    }

    /// `config` for the load database `name`: the standby as its replica.
    pub fn load_config(&self, config: &Config, name: &str) -> Config {
        let mut c = self.admin_config(config);
        c.replica_urls = self.standby.iter().map(|s| s.url(name)).collect();
        c
    }

    /// Injects the faults until `deadline` on database `dbname`; returns
    /// the cluster afterwards (to be stopped with [`Cluster::finish`]).
    pub async fn drive(
        mut self,
        log: std::sync::Arc<ChaosLog>,
        dbname: String,
        deadline: Instant,
    ) -> anyhow::Result<Self> {
        let total = deadline.saturating_duration_since(log.start);
        // One-off faults at fixed fractions of the run; terminations between.
        let mut once: Vec<(Duration, &str)> = vec![
            (total * 3 / 10, "restart -m fast"),
            (total * 6 / 10, "restart -m immediate"),
        ];
        if self.standby.is_some() {
            once.push((total * 45 / 100, "stop standby"));
        }
        if self.fill.is_some() {
            once.push((total * 8 / 10, "fill disk"));
        }
        once.sort();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut next_kill = log.start + self.every;
        loop {
            let now = Instant::now();
            if now + Duration::from_millis(500) >= deadline {
                break;
            }
            if let Some((at, what)) = once.first().copied()
                && log.start + at <= now
            {
                once.remove(0);
                let i = log.fault(what);
                let started = Instant::now();
                match what {
                    "fill disk" => {
                        let path = self.fill.clone().expect("fill");
                        let ballast = path.clone();
                        let bytes = tokio::task::spawn_blocking(move || fill(&ballast)).await??;
                        eprintln!("chaos: disk full ({} MiB of ballast)", bytes >> 20);
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        std::fs::remove_file(&path)
                            .with_context(|| format!("remove {}", path.display()))?;
                    }
                    "stop standby" => {
                        let standby = self.standby.take().expect("standby");
                        tokio::task::spawn_blocking(move || standby.stop()).await??;
                    }
                    _ => {
                        let mode = if what.ends_with("fast") {
                            StopMode::Fast
                        } else {
                            StopMode::Immediate
                        };
                        let mut server = self.server.take().expect("server");
                        let server = tokio::task::spawn_blocking(move || {
                            server.restart(mode).map(|()| server)
                        })
                        .await??;
                        self.server = Some(server);
                    }
                }
                log.took(i, started.elapsed());
                continue;
            }
            if now >= next_kill {
                next_kill = now + self.every;
                let n = rng.random_range(1..=3i64);
                let url = with_database(
                    &self.server.as_ref().expect("server").url("postgres"),
                    "postgres",
                );
                // Logged before it runs: a terminated backend's caller may
                // see its error before `terminate` returns.
                let i = log.fault("terminate");
                let killed = terminate(&url, &dbname, n).await;
                log.named(i, format!("terminate {} backends", killed.unwrap_or(0)));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(self)
    }

    /// Stops the servers and deletes a scratch directory.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if let Some(s) = self.standby.take() {
            s.stop()?;
        }
        if let Some(s) = self.server.take() {
            s.stop()?;
        }
        if let Some(d) = self.scratch.take() {
            std::fs::remove_dir_all(&d).with_context(|| format!("remove {}", d.display()))?;
            // The data directory's lock file, beside it.
            let _ = std::fs::remove_file(format!("{}.lock", d.display()));
        }
        Ok(())
    }
}

/// Writes `path` until its file system is full (ENOSPC); returns the bytes
/// written.
fn fill(path: &std::path::Path) -> anyhow::Result<u64> {
    use std::io::Write as _;
    let mut file =
        std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
    let chunk = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => bytes += n as u64,
            Err(e) if e.raw_os_error() == Some(libc_enospc()) => break,
            Err(e) => return Err(e).with_context(|| format!("write {}", path.display())),
        }
    }
    let _ = file.sync_all();
    Ok(bytes)
}

/// ENOSPC on Linux.
const fn libc_enospc() -> i32 {
    28
}

/// Terminates up to `n` random client backends of `dbname`; how many.
async fn terminate(url: &str, dbname: &str, n: i64) -> anyhow::Result<i64> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let row = client
        .query_one(raw_sql::TERMINATE_RANDOM_BACKENDS, &[&dbname, &n])
        .await?;
    Ok(row.get(0))
}
