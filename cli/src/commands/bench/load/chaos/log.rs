//! What a chaos run records: each fault, the errors after it by kind, and
//! when callers saw it recover; the table printed from it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::commands::bench::round;

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
    pub(super) start: Instant,
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

    pub(super) fn fault(&self, what: &str) -> usize {
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

    /// Names fault `i` once it is known what it did.
    pub(super) fn named(&self, i: usize, what: String) {
        self.faults.lock().expect("chaos log")[i].what = what;
    }

    pub(super) fn took(&self, i: usize, took: Duration) {
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
/// load itself. `true` with it when chaos may cause it: a connection error,
/// or a full disk (`53100`, with `--chaos-fill`).
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
        Some(err) if err.code().is_some_and(|c| c.code() == "53100") => {
            ("disk full (53100)".to_string(), true)
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
