//! `bench load --chaos`: faults while the mixed workload runs, on a durable
//! embedded cluster of its own (`fsync` on, `synchronous_commit = on`):
//! random backends of the load database terminated every `--chaos-every`
//! seconds, the server restarted once as `pg_ctl restart -m fast` would and
//! once as `-m immediate` would (crash recovery), and with
//! `--chaos-standby` a streaming standby serving the replica reads that is
//! stopped mid-run.
//!
//! Calls that fail with a connection error (the library retried what it
//! could: reads on another connection, writes only when they never ran) are
//! counted by kind, not as failures; a write that failed so is in doubt
//! (stored or not). Any other error fails the run, as does an acknowledged
//! row missing or a row stored that was neither acknowledged nor in doubt.
//! Per fault (all times from its injection): the errors it caused, the
//! first and last of them, and when the first write and the first read sent
//! after its first error were acknowledged (recovery: the callers' outage
//! ends there; none when no caller saw the fault).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use truthgraph_db::embedded::{EmbeddedServer, StopMode, with_database};
use truthgraph_db::{Config, raw_sql};

use crate::commands::bench::round;

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
                let killed = terminate(&url, &dbname, n).await;
                let i = log.fault(&format!("terminate {} backends", killed.unwrap_or(0)));
                log.took(i, Duration::ZERO);
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

/// Terminates up to `n` random client backends of `dbname`; how many.
async fn terminate(url: &str, dbname: &str, n: i64) -> anyhow::Result<i64> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    let row = client
        .query_one(raw_sql::TERMINATE_RANDOM_BACKENDS, &[&dbname, &n])
        .await?;
    Ok(row.get(0))
}

/// One injected fault and what followed it.
struct Fault {
    what: String,
    at: Instant,
    /// How long injecting it took (a restart: until the server accepted
    /// connections again).
    took: Duration,
    errors: BTreeMap<String, usize>,
    /// The first and last failed call counted against it.
    first_error: Option<Instant>,
    last_error: Option<Instant>,
    /// The first write and read acknowledged that were sent after its first
    /// error: the callers' outage ends there.
    write_ok: Option<Instant>,
    read_ok: Option<Instant>,
}

/// What the tasks and the driver record during a chaos run.
pub struct ChaosLog {
    start: Instant,
    faults: Mutex<Vec<Fault>>,
    /// Errors before the first fault.
    before: Mutex<BTreeMap<String, usize>>,
}

impl ChaosLog {
    pub fn new(start: Instant) -> Self {
        ChaosLog {
            start,
            faults: Mutex::new(Vec::new()),
            before: Mutex::new(BTreeMap::new()),
        }
    }

    fn fault(&self, what: &str) -> usize {
        let mut f = self.faults.lock().expect("chaos log");
        f.push(Fault {
            what: what.to_string(),
            at: Instant::now(),
            took: Duration::ZERO,
            errors: BTreeMap::new(),
            first_error: None,
            last_error: None,
            write_ok: None,
            read_ok: None,
        });
        f.len() - 1
    }

    fn took(&self, i: usize, took: Duration) {
        self.faults.lock().expect("chaos log")[i].took = took;
    }

    /// A call sent at `sent` succeeded now: the recovery of each fault
    /// whose first error came before it was sent, if it had none yet.
    pub fn ok(&self, sent: Instant, write: bool) {
        let now = Instant::now();
        for f in self.faults.lock().expect("chaos log").iter_mut() {
            let slot = if write {
                &mut f.write_ok
            } else {
                &mut f.read_ok
            };
            if slot.is_none() && f.first_error.is_some_and(|e| e <= sent) {
                *slot = Some(now);
            }
        }
    }

    /// A call failed with an error of `kind`: counted against the latest fault.
    pub fn error(&self, kind: String) {
        let mut faults = self.faults.lock().expect("chaos log");
        match faults.last_mut() {
            Some(f) => {
                *f.errors.entry(kind).or_default() += 1;
                let now = Instant::now();
                f.first_error.get_or_insert(now);
                f.last_error = Some(now);
            }
            None => {
                *self
                    .before
                    .lock()
                    .expect("chaos log")
                    .entry(kind)
                    .or_default() += 1
            }
        }
    }

    /// The faults as JSON rows.
    pub fn report(&self) -> Value {
        let ms = |d: Duration| round(d.as_secs_f64() * 1000.0, 1);
        let faults = self.faults.lock().expect("chaos log");
        let rows: Vec<Value> = faults
            .iter()
            .map(|f| {
                json!({
                    "fault": f.what,
                    "at_s": round((f.at - self.start).as_secs_f64(), 2),
                    "took_ms": ms(f.took),
                    "errors": f.errors,
                    "first_error_ms": f.first_error.map(|t| ms(t - f.at)),
                    "last_error_ms": f.last_error.map(|t| ms(t - f.at)),
                    "write_recovery_ms": f.write_ok.map(|t| ms(t - f.at)),
                    "read_recovery_ms": f.read_ok.map(|t| ms(t - f.at)),
                })
            })
            .collect();
        json!({ "errors_before_faults": *self.before.lock().expect("chaos log"), "faults": rows })
    }
}

/// The kind of a failed call's error, for the chaos table: `connection
/// (<SQLSTATE or closed>)` for a lost connection, else the library's kind
/// (`pool_timeout`, `database`, …), or `check` for a failed check of the
/// load itself. `true` with it when it is a connection error.
pub fn error_kind(e: &anyhow::Error) -> (String, bool) {
    match e.downcast_ref::<truthgraph_db::Error>() {
        Some(err) if err.is_connection_error() => {
            let code = err.code().map(|c| c.code().to_string());
            let detail = code.unwrap_or_else(|| {
                let text = err.to_string();
                if text.contains("error connecting") {
                    "connect refused".into()
                } else {
                    "closed".into()
                }
            });
            (format!("connection ({detail})"), true)
        }
        Some(err) => (err.kind().to_string(), false),
        None => ("check".to_string(), false),
    }
}

/// The chaos table on stdout (markdown).
pub fn print(report: &Value) {
    println!();
    println!(
        "| fault | at s | injected in ms | errors after it (by kind) | first / last error ms | \
         write recovered ms | read recovered ms |"
    );
    println!("| --- | ---: | ---: | --- | ---: | ---: | ---: |");
    for f in report["faults"].as_array().into_iter().flatten() {
        let errors: Vec<String> = f["errors"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let n = |v: &Value| {
            if v.is_null() {
                "-".to_string()
            } else {
                v.to_string()
            }
        };
        println!(
            "| {} | {} | {} | {} | {} / {} | {} | {} |",
            f["fault"].as_str().unwrap_or("?"),
            f["at_s"],
            f["took_ms"],
            if errors.is_empty() {
                "-".into()
            } else {
                errors.join(", ")
            },
            n(&f["first_error_ms"]),
            n(&f["last_error_ms"]),
            n(&f["write_recovery_ms"]),
            n(&f["read_recovery_ms"])
        );
    }
}
