#!/usr/bin/env bash
# The whole test suite against a real PostgreSQL + pgvector.
# Provisions PostgreSQL 15 + pgvector when missing, checks that the committed
# generated query crate matches queries/ and migrations/, then runs every test.
# Tests use DATABASE_URL when set, else a throw-away embedded cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision-postgres.sh
cargo xtask codegen --check
cargo test --workspace --lib --bins --tests --examples
cargo test --workspace --doc
# The Python wheel (python/): build, type-check, pytest.
bash scripts/test-python.sh
