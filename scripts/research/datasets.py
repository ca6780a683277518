"""Data sets of the issue-16 measurement (see docs/research/issue16-designs.md).

* ``minilm20k``: the committed real set benches/data/minilm (20K x 384 MiniLM passages,
  1,000 held-out claim-like queries), tenants 50/30/15/5 % assigned by the same hash
  as ``truthgraph-db bench`` (``tenant_of`` in src/bin/truthgraph-db/bench/mod.rs).
* ``mix1536``: N x 1536 vectors DERIVED from the real set: each row is
  normalise(Q_a x_a + Q_b x_b + s * Q_c g), where x_a, x_b are two distinct real
  MiniLM passage vectors, Q_a, Q_b, Q_c are disjoint 384-column blocks of one random
  orthonormal 1536 x 1536 matrix and g is Gaussian noise (s = 0.25). A query mixes two
  held-out query vectors the same way. So cos(v, v') is (up to the noise and the norm)
  the mean of two real MiniLM cosines: real structure, twice the intrinsic dimension
  of MiniLM, all 1536 coordinates used. Neither clustered nor uniform.
* ``lowrank1536``: the bench's own synthetic construction (src/bin/truthgraph-db/dataset.rs:
  64-dim Gaussian latent basis, isotropic noise 0.35 * sqrt(64), normalised), ported
  to numpy with its own seed: same distribution as ``truthgraph-db bench`` without
  --data, not the same vectors (the bench uses ChaCha8).
"""

import gzip
import json
import os
import struct

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MINILM = os.path.join(ROOT, "benches", "data", "minilm")


def read_tgvec(path):
    raw = gzip.open(path, "rb").read()
    assert raw[:8] == b"TGVEC001", path
    rows, dim = struct.unpack("<II", raw[8:16])
    stride = 4 + dim
    buf = np.frombuffer(raw, dtype=np.uint8, offset=16, count=rows * stride).reshape(rows, stride)
    scale = buf[:, :4].copy().view("<f4").reshape(rows, 1)
    vals = buf[:, 4:].copy().view(np.int8).astype(np.float32)
    return (vals * scale).astype(np.float32)


def read_texts(path):
    with gzip.open(path, "rt") as f:
        return [json.loads(line)["text"] for line in f]


def tenant_of(i, weights):
    """The bench's deterministic tenant of row i (weights in percent)."""
    total = sum(weights)
    h = (((i * 0x9E3779B97F4A7C15) % (1 << 64)) >> 32) % total
    acc = 0
    for t, w in enumerate(weights):
        acc += w
        if h < acc:
            return t
    return len(weights) - 1


def unit(m):
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


class Dataset:
    def __init__(self, name, passages, texts, queries, query_texts, weights):
        self.name = name
        self.passages = passages
        self.texts = texts
        self.queries = queries
        self.query_texts = query_texts
        self.weights = weights
        self.dim = passages.shape[1]
        self.owner = np.array([tenant_of(i, weights) for i in range(len(passages))])
        self.tenants = [f"tenant-{t + 1}" for t in range(len(weights))]
        # Queries assigned to tenants in turn, as the bench does.
        self.query_tenant = np.arange(len(queries)) % len(weights)


def minilm(n=20000, nq=1000, weights=(50, 30, 15, 5)):
    p = read_tgvec(os.path.join(MINILM, "passages.tgvec.gz"))[:n]
    q = read_tgvec(os.path.join(MINILM, "queries.tgvec.gz"))[:nq]
    t = read_texts(os.path.join(MINILM, "passages.jsonl.gz"))[:n]
    qt = read_texts(os.path.join(MINILM, "queries.jsonl.gz"))[:nq]
    return Dataset(f"minilm {n} x 384 (real)", p, t, q, qt, list(weights))


def mix1536(n, nq, weights, seed=1536, noise=0.25):
    rng = np.random.default_rng(seed)
    p = read_tgvec(os.path.join(MINILM, "passages.tgvec.gz")).astype(np.float64)
    q = read_tgvec(os.path.join(MINILM, "queries.tgvec.gz")).astype(np.float64)
    basis, _ = np.linalg.qr(rng.standard_normal((1536, 1536)))
    qa, qb, qc = basis[:, :384], basis[:, 384:768], basis[:, 768:1152]

    def mix(src, count):
        a = rng.integers(0, len(src), count)
        b = (a + rng.integers(1, len(src), count)) % len(src)
        g = rng.standard_normal((count, 384)) / np.sqrt(384)
        out = np.empty((count, 1536), dtype=np.float32)
        for s in range(0, count, 10000):
            e = min(count, s + 10000)
            out[s:e] = unit(src[a[s:e]] @ qa.T + src[b[s:e]] @ qb.T + noise * (g[s:e] @ qc.T))
        return out

    passages = mix(p, n)
    queries = mix(q, nq)
    texts = [f"derived passage {i}" for i in range(n)]
    return Dataset(f"mix1536 {n} x 1536 (derived from MiniLM)", passages, texts, queries,
                   [f"derived query {i}" for i in range(nq)], list(weights))


def lowrank1536(n, nq, weights, seed=42, dim=1536, latent=64):
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((latent, dim)).astype(np.float32)

    def points(count):
        z = rng.standard_normal((count, latent)).astype(np.float32)
        noise = 0.35 * np.sqrt(latent) * rng.standard_normal((count, dim)).astype(np.float32)
        return unit(z @ basis + noise)

    passages = points(n)
    queries = points(nq)
    return Dataset(f"lowrank1536 {n} x {dim} (bench's synthetic construction, numpy)", passages,
                   [f"synthetic passage {i}" for i in range(n)], queries,
                   [f"synthetic query {i}" for i in range(nq)], list(weights))


def get(name):
    if name == "minilm20k":
        return minilm()
    if name == "minilm20k-small":
        # Two more tenants of ~1 % and ~0.5 % (about 200 and 100 rows) to find the
        # crossover of exact and the partial index below 1,000 rows at 384 dims.
        return minilm(weights=(50, 30, 15, 3, 1, 1))
    if name == "mix100k":
        return mix1536(100000, 720, [30, 10, 10, 5, 5, 5, 5, 5, 5, 5, 5, 2, 2, 2, 1, 1, 1, 1])
    if name == "mix20k":
        return mix1536(20000, 400, [50, 30, 15, 5])
    if name == "lowrank10k":
        return lowrank1536(10000, 1000, [50, 30, 15, 5])
    raise SystemExit(f"unknown data set {name}")


def exact_truth(ds, k=10):
    """Exact top-k per query within its tenant, float64 cosine distance:
    (ids as row indexes, the k-th distance for tie-tolerant recall)."""
    p = ds.passages.astype(np.float64)
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    q = ds.queries.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    truth, kth = [], []
    rows_of = {t: np.nonzero(ds.owner == t)[0] for t in range(len(ds.weights))}
    for j in range(len(q)):
        rows = rows_of[ds.query_tenant[j]]
        d = 1.0 - p[rows] @ q[j]
        top = np.argsort(d, kind="stable")[:k]
        truth.append(rows[top])
        kth.append(d[top[-1]])
    return truth, np.array(kth)
