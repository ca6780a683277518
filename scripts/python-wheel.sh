#!/usr/bin/env bash
# Builds the Python wheel of TruthGraph DB (crate python/, module truthgraph_db)
# and installs it into a virtual environment, on a fresh Debian machine with the
# Rust toolchain and CPython >= 3.10 + pip (nothing else):
#   1. a venv at $TRUTHGRAPH_VENV (default target/python-venv), created once
#      (with Debian's python3 + python3-venv, installed first, when $PYTHON or
#      python3 cannot make one);
#   2. the build and test tools of python/requirements-dev.txt (maturin, numpy,
#      pytest, mypy, and sqlalchemy + asyncpg for the side-by-side benchmark),
#      installed again only when that file changes;
#   3. `maturin build --release`: an abi3 wheel (CPython >= 3.10) in target/wheels;
#   4. the wheel installed into the venv (reinstalled only when it changed).
# Idempotent: a second run with nothing changed only lets cargo check it is
# up to date. Prints the wheel's path, size and build time.
#   --debug   a debug build (faster to compile, slower to run)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${TRUTHGRAPH_VENV:-target/python-venv}
python=${PYTHON:-python3}
profile=(--release)
[[ "${1:-}" == "--debug" ]] && profile=()

if [[ ! -x "$venv/bin/python" ]]; then
    # Debian's python3 makes venvs only with python3-venv (ensurepip).
    if ! command -v "$python" >/dev/null || ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
        python=python3
    fi
    "$python" -m venv "$venv"
fi
req=python/requirements-dev.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
fi

out=target/wheels
start=$(date +%s%N)
# --compatibility linux: this build's own glibc, no manylinux audit (the
# wheel is for the machines that build it; auditwheel would need patchelf).
"$venv/bin/maturin" build "${profile[@]}" --quiet --manifest-path python/Cargo.toml \
    --interpreter "$venv/bin/python" --compatibility linux --out "$out" >&2
took_ms=$((($(date +%s%N) - start) / 1000000))
wheel=$(ls -t "$out"/truthgraph_db-*.whl | head -n1)

installed="$venv/.wheel.sha256"
have=$(sha256sum "$wheel" | cut -d' ' -f1)
if [[ "$(cat "$installed" 2>/dev/null)" != "$have" ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --force-reinstall --no-deps "$wheel"
    echo "$have" >"$installed"
fi
printf 'wheel %s (%s bytes), built in %d.%03d s, installed in %s\n' \
    "$wheel" "$(stat -c %s "$wheel")" $((took_ms / 1000)) $((took_ms % 1000)) "$venv"
