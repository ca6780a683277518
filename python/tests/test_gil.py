"""The GIL is released while a database call runs: see gil_probe.py."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from truthgraph_db.testing import TestDatabase


def test_python_threads_run_while_a_call_waits_on_the_database(tdb: TestDatabase) -> None:
    probe = pathlib.Path(__file__).with_name("gil_probe.py")
    done = subprocess.run(
        [sys.executable, str(probe), tdb.url], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
