#!/usr/bin/env bash
# The Python wheel's checks: build and install it (scripts/python-wheel.sh),
# type-check the tests and examples against its stubs (mypy --strict), and run
# its pytest suite against real PostgreSQL + pgvector (DATABASE_URL when set,
# else a throw-away embedded server). Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/python-wheel.sh
venv=${TRUTHGRAPH_VENV:-target/python-venv}
(cd python && "../$venv/bin/python" -m mypy tests pysrc/truthgraph_db ../examples/python)
"$venv/bin/python" -m pytest -q python/tests
