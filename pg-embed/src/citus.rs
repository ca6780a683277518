//! A Citus cluster on this machine, for tests: one coordinator and N workers,
//! each a throw-away embedded cluster (as [`EmbeddedServer::temporary`], on
//! its own port and temporary directory) started with
//! `shared_preload_libraries = citus`.
//!
//! This module manages processes only. What lives inside a database
//! (`CREATE EXTENSION citus`, `citus_add_node`, pgvector) is per database in
//! Citus, so the caller does it: `truthgraph_db::testing_citus`.
//!
//! Citus (AGPL-3.0) is a server extension built and installed by
//! `scripts/provision-citus.sh`; nothing here links it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cluster::{RunAs, chown, find_bindir, init_cluster, run_as};
use crate::{EmbeddedServer, Error, memory};

/// The settings of every node, beside the memory ones of every embedded server.
const NODE_SETTINGS: [&str; 10] = [
    "shared_preload_libraries=citus",
    // Loopback on one machine: no TLS between the nodes. (With Citus's default,
    // `sslmode=require`, its first CREATE EXTENSION turns `ssl` on with a
    // self-signed certificate.)
    "citus.node_conninfo=sslmode=disable",
    // Eight shards per distributed table (Citus's default is 32): four per
    // worker, enough for routing and co-location to be real, and fewer tables
    // to create per test.
    "citus.shard_count=8",
    // Throw-away: speed over durability.
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    // The coordinator opens up to 16 connections per worker for one
    // multi-shard statement, for every session of the tests.
    "max_connections=300",
    "shared_buffers=128MB",
    // Citus starts a maintenance daemon (a background worker) for every
    // database that has the extension: one per test database.
    "max_worker_processes=128",
    // Shard moves (citus_move_shard_placement) use logical replication.
    "wal_level=logical",
];

/// A running Citus cluster: a coordinator and its workers, all started by
/// this process and stopped (their files deleted) when it is dropped or the
/// process ends, as every [`EmbeddedServer::temporary`].
#[derive(Debug)]
pub struct CitusCluster {
    coordinator: EmbeddedServer,
    workers: Vec<EmbeddedServer>,
    started_in: Duration,
}

impl CitusCluster {
    /// Starts a coordinator and `workers` workers at once (`initdb` and start,
    /// in parallel). Each node has Citus preloaded; the nodes know nothing of
    /// each other until a database adds them (`citus_add_node`).
    ///
    /// # Errors
    /// [`Error`] when Citus is not installed for the PostgreSQL found (the
    /// message says to run `scripts/provision-citus.sh`), or when a node does
    /// not start (its log is quoted).
    pub fn temporary(workers: usize) -> Result<Self, Error> {
        let started = Instant::now();
        let bin = find_bindir()?;
        check_installed(&bin)?;
        let run_as = run_as()?;
        let mut nodes = std::thread::scope(|s| {
            let handles: Vec<_> = (0..=workers)
                .map(|i| {
                    let bin = &bin;
                    s.spawn(move || {
                        start_node(bin, run_as, if i == 0 { "coordinator" } else { "worker" })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::server("a Citus node's start panicked")))
                })
                .collect::<Result<Vec<_>, Error>>()
        })?;
        let coordinator = nodes.remove(0);
        let cluster = CitusCluster {
            coordinator,
            workers: nodes,
            started_in: started.elapsed(),
        };
        tracing::debug!(
            coordinator = cluster.coordinator.port(),
            workers = ?cluster.workers.iter().map(EmbeddedServer::port).collect::<Vec<_>>(),
            started_in = ?cluster.started_in,
            "Citus cluster started"
        );
        Ok(cluster)
    }

    /// The coordinator: where a database's distributed tables are created and queried.
    pub fn coordinator(&self) -> &EmbeddedServer {
        &self.coordinator
    }

    /// The workers, in start order.
    pub fn workers(&self) -> &[EmbeddedServer] {
        &self.workers
    }

    /// How long [`CitusCluster::temporary`] took, from the first `initdb` to
    /// the last node accepting connections.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Stops every node and waits until they are gone (and their files
    /// deleted).
    ///
    /// # Errors
    /// The first node whose supervisor did not exit cleanly (every node is
    /// stopped regardless).
    pub fn stop(self) -> Result<(), Error> {
        let mut first = Ok(());
        for node in self.workers.into_iter().chain([self.coordinator]) {
            let stopped = node.stop();
            if first.is_ok() {
                first = stopped;
            }
        }
        first
    }
}

/// Fails with what to run when the server at `bin` has no Citus.
fn check_installed(bin: &Path) -> Result<(), Error> {
    let pkglib = Command::new(bin.join("pg_config"))
        .arg("--pkglibdir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .unwrap_or_else(|| bin.parent().unwrap_or(bin).join("lib"));
    if pkglib.join("citus.so").is_file() {
        Ok(())
    } else {
        Err(Error::server(format!(
            "Citus is not installed for the PostgreSQL at {} (no citus.so in {}): \
             run scripts/provision-citus.sh",
            bin.display(),
            pkglib.display()
        )))
    }
}

/// A throw-away node; a port taken between the probe and the bind, or any
/// other failed start, is tried again from scratch (as a temporary server).
fn start_node(bin: &Path, run_as: Option<RunAs>, role: &str) -> Result<EmbeddedServer, Error> {
    let mut last = None;
    for _ in 0..3 {
        match try_node(bin, run_as, role) {
            Ok(server) => return Ok(server),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::server(format!("the Citus {role} did not start"))))
}

fn try_node(bin: &Path, run_as: Option<RunAs>, role: &str) -> Result<EmbeddedServer, Error> {
    let root = tempfile::Builder::new()
        .prefix(&format!("truthgraph-citus-{role}-"))
        .tempdir()
        .map_err(|e| Error::server(format!("cannot create a temporary directory: {e}")))?
        .keep();
    if let Some(user) = run_as {
        chown(&root, user)?;
    }
    let data = root.join("data");
    if let Err(e) = init_cluster(bin, &data, run_as, None) {
        let _ = std::fs::remove_dir_all(&root);
        return Err(e);
    }
    let mut extra: Vec<String> = NODE_SETTINGS.map(String::from).into();
    extra.extend(memory::settings());
    EmbeddedServer::start(bin, &data, &root, Some(&root), run_as, &extra, None)
}
