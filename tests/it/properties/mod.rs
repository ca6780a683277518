//! Property tests of validation and the write paths: shared runner, rules and strategies.
//!
//! Property tests over validation and the write paths, against the real
//! server: arbitrary vectors (subnormal and huge magnitudes, NaN, ±∞, zero),
//! scores (NaN, negative, above 1, subnormal, -0), labels, tenants (empty,
//! blank, 255/256 bytes, multi-byte, NUL) and texts (NUL, blank, around each
//! column's width, around the content limit). Every generated input is
//! either stored and read back exactly, or refused with
//! [`Error::InvalidInput`] naming the first bad field, and then nothing is
//! written (rows counted).
//!
//! What "acceptable" means is restated here from the documented rules
//! (`truthgraph_db::validate`), not taken from the library; vectors are also
//! checked by what the rules are for: every accepted vector, as a query,
//! gives finite similarities equal to the f64 cosine. One database per
//! property, a modest number of cases each, so the suite stays fast; a
//! failure prints the shrunk input.

mod nli;
mod records;
mod tenants;
mod vectors;

use std::future::Future;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use truthgraph_db::Error;
use truthgraph_db::validate::{MAX_VECTOR_NORM, MIN_VECTOR_NORM};

use crate::support::TestDatabase;

type Check = Result<(), TestCaseError>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `property` for `cases` inputs from `strategy` on `rt`; panics with
/// the shrunk input on failure.
fn check<S: Strategy, F: Future<Output = Check>>(
    rt: &tokio::runtime::Runtime,
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> F,
) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, |input| rt.block_on(property(input))) {
        panic!("{e}");
    }
}

async fn count(db: &TestDatabase, table: &str) -> i64 {
    db.db
        .client()
        .await
        .unwrap()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// `Ok` when `result` is the refusal of `field` by validation.
fn refused<T>(result: truthgraph_db::Result<T>, field: &str) -> Check {
    match result {
        Err(Error::InvalidInput {
            field: f,
            constraint: None,
            ..
        }) if f == field => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "expected InvalidInput on {field}, got {e:?}"
        ))),
        Ok(_) => Err(TestCaseError::fail(format!(
            "expected InvalidInput on {field}, got Ok"
        ))),
    }
}

/// The first field whose check failed, of `(field, ok)` in validation order.
fn first_bad<'a>(checks: &[(&'a str, bool)]) -> Option<&'a str> {
    checks.iter().find(|(_, ok)| !ok).map(|(f, _)| *f)
}

/// `field`, or `prefix[i].field`.
fn named(index: Option<usize>, prefix: &str, field: &str) -> String {
    match index {
        Some(i) => format!("{prefix}[{i}].{field}"),
        None => field.to_string(),
    }
}

// The documented rules, restated.

fn storable(s: &str) -> bool {
    !s.contains('\0')
}
fn said(s: &str) -> bool {
    !s.trim().is_empty() && storable(s)
}
fn fits(s: Option<&str>, max: usize) -> bool {
    s.is_none_or(|s| storable(s) && s.chars().count() <= max)
}
fn probability(x: f64) -> bool {
    x.is_finite() && (0.0..=1.0).contains(&x)
}
fn vector_ok(v: &[f32]) -> bool {
    let squared: f64 = v.iter().map(|x| f64::from(*x) * f64::from(*x)).sum();
    v.iter().all(|x| x.is_finite())
        && (MIN_VECTOR_NORM.powi(2)..=MAX_VECTOR_NORM.powi(2)).contains(&squared)
}

// Strategies.

/// A text: arbitrary Unicode, blank, NUL-laden, or a run of one character
/// around a column's width.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[a-zA-Z0-9 'é✓😀-]{1,12}",
        1 => "[ \t\n]{0,3}",
        1 => "[a-z\\x00]{1,6}",
        2 => (
            prop::sample::select(vec!['a', 'é', '✓', '😀', ' ', '\0']),
            prop::sample::select(vec![49usize, 50, 51, 99, 100, 101]),
        )
            .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ]
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.7, text())
}

/// A probability as callers might send it, right or wrong.
fn score() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0f64..=1.0,
        2 => prop::sample::select(vec![
            0.0, -0.0, 1.0, 1.0f64.next_up(), 5e-324, f64::MIN_POSITIVE, -f64::MIN_POSITIVE,
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 2.0, 1e300,
        ]),
        1 => any::<f64>(),
    ]
}
