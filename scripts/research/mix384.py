"""A 1M x 384 set derived from the real MiniLM set, for issue 16's 1M run
("synthetic, or derived from the real set"): each row is
normalise(x_a + R x_b + 0.25 g), x_a and x_b two distinct real passage vectors
of benches/data/minilm, R one random 384 x 384 rotation, g Gaussian noise of
norm about 1; the queries mix two held-out query vectors the same way. A
pair's cosine is about the mean of two real MiniLM cosines (the rotation
decorrelates the cross terms): real structure, not clustered, not uniform.
Written in the format `truthgraph-db bench --data DIR` reads (TGVEC001,
texts "derived passage i").

    python scripts/research/mix384.py /var/tmp/mix384/data   # ~2 min, 370 MB
"""
import gzip
import json
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from datasets import MINILM, read_tgvec  # noqa: E402

ROWS, QUERIES, DIM, BATCH = 1_000_000, 1000, 384, 20000


def unit(m):
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def mix(rng, rot, src, count, out):
    out.write(b"TGVEC001" + struct.pack("<II", count, DIM))
    for s in range(0, count, BATCH):
        n = min(count, s + BATCH) - s
        a = rng.integers(0, len(src), n)
        b = (a + rng.integers(1, len(src), n)) % len(src)
        g = rng.standard_normal((n, DIM)) / np.sqrt(DIM)
        v = unit(src[a] + src[b] @ rot.T + 0.25 * g)
        scale = np.abs(v).max(axis=1) / 127.0
        q = np.round(v / scale[:, None]).astype(np.int8)
        for i in range(n):
            out.write(struct.pack("<f", scale[i]))
            out.write(q[i].tobytes())


def main(dst):
    rng = np.random.default_rng(384)
    p = read_tgvec(os.path.join(MINILM, "passages.tgvec.gz")).astype(np.float64)
    q = read_tgvec(os.path.join(MINILM, "queries.tgvec.gz")).astype(np.float64)
    rot, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    os.makedirs(dst, exist_ok=True)
    for name, src, count in (("passages", p, ROWS), ("queries", q, QUERIES)):
        with gzip.open(os.path.join(dst, f"{name}.tgvec.gz"), "wb", compresslevel=1) as f:
            mix(rng, rot, src, count, f)
    with gzip.open(os.path.join(dst, "passages.jsonl.gz"), "wt", compresslevel=1) as f:
        for i in range(ROWS):
            f.write(json.dumps({"i": i, "text": f"derived passage {i}"}) + "\n")
    shutil.copy(os.path.join(MINILM, "queries.jsonl.gz"), dst)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/var/tmp/mix384/data")
