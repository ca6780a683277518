#!/usr/bin/env bash
# The whole test suite against a real PostgreSQL + pgvector.
# Provisions PostgreSQL 15 + pgvector when missing, checks that the committed
# generated query crate matches queries/ and migrations/, then runs every test.
# Tests use DATABASE_URL when set, else a throw-away embedded cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-postgres.sh
cargo xtask codegen --check
# No backtraces: a failing test's own message (the values it saw) is what
# tells its cause, and CI keeps only the head and the tail of a long log, where
# a backtrace pushed that message out (the project's CI run of 9e9e7da).
export RUST_BACKTRACE=0
cargo test --workspace --lib --bins --tests --examples
cargo test --workspace --doc
# The Python wheel (python/): build, type-check, pytest.
bash scripts/test-python.sh
