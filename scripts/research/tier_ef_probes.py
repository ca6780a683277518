"""Which queries measure a tier's `ef_search` (src/index_build/tier_ef.rs)?

A tier's own index is measured right after its build, but the library has no
held-out queries of the tier: only its rows (and, when the tenant has them,
its embeddings of the other entity type, e.g. its claims). This compares,
per data set, the recall@10 of held-out queries (the truth to predict) with
that of queries made from the tier's own rows, at ef_search 40..400, on
faiss's HNSW (M 16, efConstruction 64, as pgvector's defaults; faiss's
search differs from pgvector's in details, so read the curves against each
other, not as pgvector's figures):

- self: a stored row, its own row left out of both results;
- iso x1: a stored row moved in a random isotropic direction by its distance
  to its nearest row (what the library uses when there are no claims);
- datadir x1 / x2: moved along the difference of two random rows (a direction
  shaped like the data) by 1x / 2x that distance;
- pairsum: the sum of two random rows;
- nn-centroid3: the mean of a row's three nearest rows.

    pip install faiss-cpu numpy
    python scripts/research/tier_ef_probes.py toy|lowrank|real   # seconds each
"""
import gzip
import struct
import sys

import faiss
import numpy as np

EFS = [40, 64, 100, 150, 200, 300, 400]
PROBES = 100
rng = np.random.default_rng(1)


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def lowrank(n, dim, seed):
    """The bench's synthetic construction (cli/src/dataset.rs): 64-dim
    latent Gaussian through a random basis, plus isotropic noise."""
    r = np.random.default_rng(seed)
    basis = r.standard_normal((64, dim)).astype(np.float32)
    z = r.standard_normal((n, 64)).astype(np.float32)
    return unit(z @ basis + 2.8 * r.standard_normal((n, dim)).astype(np.float32))


def tgvec(path):
    b = gzip.open(path).read()
    rows, dim = struct.unpack("<II", b[8:16])
    a = np.frombuffer(b[16:], dtype=np.uint8).reshape(rows, 4 + dim)
    scale = a[:, :4].copy().view("<f4").reshape(rows, 1)
    return scale * a[:, 4:].view(np.int8).astype(np.float32)


def exact(x, q, k):
    return np.argsort(-(q @ x.T), axis=1)[:, :k]


def curve(index, q, truth, k=10, own=None):
    out = []
    for ef in EFS:
        index.hnsw.efSearch = ef
        _, found = index.search(q, k + (own is not None))
        hits = 0
        for i, row in enumerate(found):
            row = [j for j in row if own is None or j != own[i]][:k]
            hits += len(set(row) & set(truth[i]))
        out.append(hits / (k * len(q)))
    return out


def run(name, x, held):
    x, held = unit(x.astype(np.float32)), unit(held.astype(np.float32))
    index = faiss.IndexHNSWFlat(x.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 64
    index.add(x)
    res = {"held-out": curve(index, held, exact(x, held, 10))}
    s = rng.choice(len(x), PROBES, replace=False)
    v = x[s]
    near = exact(x, v, 11)
    truth = [[j for j in row if j != s[i]][:10] for i, row in enumerate(near)]
    res["self"] = curve(index, v, truth, own=s)
    d1 = np.linalg.norm(v - x[near[:, 1]], axis=1, keepdims=True)

    def probe(label, q):
        q = unit(q)
        res[label] = curve(index, q, exact(x, q, 10))

    probe("iso x1", v + d1 * unit(rng.standard_normal(v.shape).astype(np.float32)))
    diff = unit(x[rng.choice(len(x), PROBES)] - x[rng.choice(len(x), PROBES)])
    probe("datadir x1", v + d1 * diff)
    probe("datadir x2", v + 2 * d1 * diff)
    probe("pairsum", v + x[rng.choice(len(x), PROBES)])
    probe("nn-centroid3", x[near[:, 1]] + x[near[:, 2]] + x[near[:, 3]])
    print(f"{name}  (ef_search: {' '.join(str(e) for e in EFS)})")
    for label, c in res.items():
        print(f"  {label:14}", " ".join(f"{r:.3f}" for r in c))
    sys.stdout.flush()


which = sys.argv[1] if len(sys.argv) > 1 else "toy"
faiss.omp_set_num_threads(2)
if which == "toy":
    u = rng.standard_normal((2300, 256))
    run("uniform 256-dim, 2,000 rows", u[:2000], u[2000:])
    centres = unit(rng.standard_normal((12, 256)))
    c = unit(centres[rng.integers(0, 12, 1800)] + 0.9 / 16 * rng.standard_normal((1800, 256)))
    run("clustered 256-dim (12 centres), 1,500 rows", c[:1500], c[1500:])
elif which == "lowrank":
    for n in (5000, 10000):
        x = lowrank(n + 300, 1536, n)
        run(f"synthetic low-rank 1536-dim, {n:,} rows", x[:n], x[n:])
elif which == "real":
    p = tgvec("benches/data/minilm/passages.tgvec.gz")
    q = tgvec("benches/data/minilm/queries.tgvec.gz")
    for n in (3000, 10000, 20000):
        run(f"real MiniLM 384-dim, {n:,} passages (claims held out)", p[:n], q[:300])
