"""A 1M x 384 set derived from the real MiniLM set, for issue 16's 1M run
("synthetic, or derived from the real set"): each row is
normalise(x_a + R x_b + 0.25 g), x_a and x_b two distinct real passage vectors
of benches/data/minilm, R one random 384 x 384 rotation, g Gaussian noise of
norm about 1; the queries mix two held-out query vectors the same way. A
pair's cosine is about the mean of two real MiniLM cosines (the rotation
decorrelates the cross terms): real structure, not clustered, not uniform.
Written in the format `truthgraph-db bench --data DIR` reads (TGVEC001,
texts "derived passage i"). Any other real set of the same format works as
the source, at its own dimension, with any row count (e.g. the 1152-dim
MiniLM + mpnet set of scripts/embeddings/make_concat.py, 100K rows).

    python scripts/research/mix384.py /var/tmp/mix384/data   # ~2 min, 370 MB
    python scripts/research/mix384.py DST [SRC_DIR [ROWS]]     # another source
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

ROWS, QUERIES, BATCH = 1_000_000, 1000, 20000


def unit(m):
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def mix(rng, rot, src, count, out):
    dim = src.shape[1]
    out.write(b"TGVEC001" + struct.pack("<II", count, dim))
    for s in range(0, count, BATCH):
        n = min(count, s + BATCH) - s
        a = rng.integers(0, len(src), n)
        b = (a + rng.integers(1, len(src), n)) % len(src)
        g = rng.standard_normal((n, dim)) / np.sqrt(dim)
        v = unit(src[a] + src[b] @ rot.T + 0.25 * g)
        scale = np.abs(v).max(axis=1) / 127.0
        q = np.round(v / scale[:, None]).astype(np.int8)
        for i in range(n):
            out.write(struct.pack("<f", scale[i]))
            out.write(q[i].tobytes())


def main(dst, src_dir=MINILM, rows=ROWS):
    rng = np.random.default_rng(384)
    p = read_tgvec(os.path.join(src_dir, "passages.tgvec.gz")).astype(np.float64)
    q = read_tgvec(os.path.join(src_dir, "queries.tgvec.gz")).astype(np.float64)
    dim = p.shape[1]
    rot, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    os.makedirs(dst, exist_ok=True)
    for name, src, count in (("passages", p, rows), ("queries", q, QUERIES)):
        with gzip.open(os.path.join(dst, f"{name}.tgvec.gz"), "wb", compresslevel=1) as f:
            mix(rng, rot, src, count, f)
    with gzip.open(os.path.join(dst, "passages.jsonl.gz"), "wt", compresslevel=1) as f:
        for i in range(rows):
            f.write(json.dumps({"i": i, "text": f"derived passage {i}"}) + "\n")
    shutil.copy(os.path.join(src_dir, "queries.jsonl.gz"), dst)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0] if a else "/var/tmp/mix384/data", a[1] if len(a) > 1 else MINILM,
         int(a[2]) if len(a) > 2 else ROWS)
