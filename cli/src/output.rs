//! Where the CLI writes: data on stdout (text, or one JSON document with
//! `--json`), notes and progress on stderr (none with `-q`).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// The global output options.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: one JSON document on stdout.
    pub json: bool,
    /// `-q`: nothing on stderr but errors.
    pub quiet: bool,
}

impl Output {
    /// A note on stderr (not with `-q`).
    pub fn note(&self, text: std::fmt::Arguments<'_>) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// Prints `value` as the command's one JSON document.
    pub fn json(&self, value: &serde_json::Value) {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("a JSON value serialises")
        );
    }

    /// A progress bar on stderr for `total` units of `what`.
    pub fn progress(&self, what: &'static str, total: u64) -> Progress {
        Progress {
            what,
            total,
            done: 0,
            base: 0,
            started: Instant::now(),
            last: None,
            enabled: !self.quiet,
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

/// A progress bar on stderr: redrawn in place on a terminal, otherwise a
/// line every few seconds (so logs stay readable).
pub struct Progress {
    what: &'static str,
    total: u64,
    done: u64,
    /// Units already done when the count started (a running total first
    /// seen mid-way, as a build's progress is): not part of the rate.
    base: u64,
    started: Instant,
    last: Option<Instant>,
    enabled: bool,
    terminal: bool,
}

impl Progress {
    /// Adds `n` done units and redraws when due.
    pub fn advance(&mut self, n: u64) {
        self.done += n;
        self.draw_when_due();
    }

    /// Sets the done units (for progress reported as a running total); the
    /// first value sets where the rate counts from.
    pub fn set(&mut self, done: u64) {
        if self.last.is_none() {
            self.base = done;
            self.started = Instant::now();
        }
        self.done = done;
        self.draw_when_due();
    }

    /// Redraws on the first call, when the interval has passed (a terminal
    /// every 100 ms, a log every 5 s) and at the end.
    fn draw_when_due(&mut self) {
        let every = if self.terminal {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(5)
        };
        if self.last.is_none_or(|t| t.elapsed() >= every) || self.done >= self.total {
            self.draw();
        }
    }

    fn draw(&mut self) {
        self.last = Some(Instant::now());
        if !self.enabled {
            return;
        }
        let total = self.total.max(1);
        let width = 30;
        let filled = (self.done.min(total) * width / total) as usize;
        let bar = format!(
            "[{}{}] {}/{} {} ({:.0}/s)",
            "#".repeat(filled),
            "-".repeat(width as usize - filled),
            self.done,
            self.total,
            self.what,
            self.rate()
        );
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r{bar}");
            if self.done >= self.total {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(err, "{bar}");
        }
        let _ = err.flush();
    }

    /// Whether it counts `total` units of `what`.
    pub fn counts(&self, what: &str, total: u64) -> bool {
        self.what == what && self.total == total
    }

    /// Units per second since the count started.
    pub fn rate(&self) -> f64 {
        self.done.saturating_sub(self.base) as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_total_first_seen_mid_way_counts_its_rate_from_there() {
        let out = Output {
            json: false,
            quiet: true,
        };
        let mut p = out.progress("blocks", 250_000);
        p.set(55_932);
        assert_eq!(p.rate(), 0.0);
        p.set(56_932);
        assert!(p.rate() > 0.0);
        let mut q = out.progress("rows", 10);
        q.advance(4);
        assert!(q.rate() > 0.0);
    }
}
