#!/usr/bin/env python3
"""Verify a data set written by make_dataset.py (standard library only).

    python3 scripts/embeddings/check_dataset.py benches/data/minilm
    # optional: re-embed a few passages and compare (needs the venv with the model)
    /work/venv-embed/bin/python scripts/embeddings/check_dataset.py benches/data/minilm --reembed 64
    /work/venv-embed/bin/python scripts/embeddings/check_dataset.py benches/data/mpnet --reembed 16 \
        --model /tmp/embed-work/mpnet/all-mpnet-base-v2

Checks: TGVEC001 header, row counts and dims (against manifest.json and the JSONL files),
row indices 0..n-1, non-empty text and source, dequantised norms ~1.0, int8 range,
no query text inside a passage, sha256 against manifest.json. Exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import re
import struct
import sys
from array import array
from pathlib import Path

MAGIC = b"TGVEC001"


def read_tgvec(path: Path):
    raw = gzip.decompress(path.read_bytes())
    if raw[:8] != MAGIC:
        raise ValueError(f"{path}: bad magic {raw[:8]!r}")
    n, dim = struct.unpack_from("<II", raw, 8)
    rec = 4 + dim
    if len(raw) != 16 + n * rec:
        raise ValueError(f"{path}: size {len(raw)} != 16 + {n} * {rec}")
    scales, rows = [], []
    for i in range(n):
        off = 16 + i * rec
        scales.append(struct.unpack_from("<f", raw, off)[0])
        rows.append(array("b", raw[off + 4: off + rec]))
    return n, dim, scales, rows


def read_jsonl(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def norm_key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?", default="benches/data/minilm")
    ap.add_argument("--tol", type=float, default=0.01, help="allowed |norm - 1|")
    ap.add_argument("--reembed", type=int, default=0,
                    help="re-embed this many passages with the model and compare cosines")
    ap.add_argument("--model", default=None,
                    help="model folder for --reembed (default: the package in manifest.json)")
    args = ap.parse_args()
    d = Path(args.dir)
    errors: list[str] = []
    manifest = json.loads((d / "manifest.json").read_text()) if (d / "manifest.json").exists() else {}

    for name, sha in manifest.get("sha256", {}).items():
        got = hashlib.sha256((d / name).read_bytes()).hexdigest()
        if got != sha:
            errors.append(f"{name}: sha256 {got} != manifest {sha}")

    data = {}
    for kind in ("passages", "queries"):
        n, dim, scales, rows = read_tgvec(d / f"{kind}.tgvec.gz")
        meta = read_jsonl(d / f"{kind}.jsonl.gz")
        data[kind] = (rows, scales, meta)
        if manifest and (n != manifest.get(kind) or dim != manifest.get("dim")):
            errors.append(f"{kind}: {n}x{dim} != manifest {manifest.get(kind)}x{manifest.get('dim')}")
        if len(meta) != n:
            errors.append(f"{kind}: {len(meta)} JSONL rows != {n} vectors")
        bad_i = sum(1 for i, r in enumerate(meta) if r.get("i") != i)
        empty = sum(1 for r in meta if not r.get("text") or not r.get("source"))
        if bad_i or empty:
            errors.append(f"{kind}: {bad_i} rows with wrong i, {empty} with empty text/source")
        lo, hi, worst, n127 = math.inf, -math.inf, 0.0, 0
        for s, r in zip(scales, rows):
            if min(r) < -127:
                errors.append(f"{kind}: int8 value -128 present")
                break
            n127 += max(abs(min(r)), max(r)) == 127
            nr = s * math.sqrt(sum(x * x for x in r))
            lo, hi = min(lo, nr), max(hi, nr)
            worst = max(worst, abs(nr - 1.0))
        if worst > args.tol:
            errors.append(f"{kind}: dequantised norm off by {worst:.4f} (> {args.tol})")
        if n127 != n:
            errors.append(f"{kind}: {n - n127} rows whose max |q| is not 127")
        lens = [len(r["text"]) for r in meta]
        print(f"{kind}: {n} x {dim}, norms {lo:.4f}..{hi:.4f}, text {min(lens)}..{max(lens)} chars "
              f"(mean {sum(lens) / len(lens):.0f}), {len({r['source'] for r in meta})} documents")

    pk = "\n".join(norm_key(r["text"]) for r in data["passages"][2])
    leaks = [r["i"] for r in data["queries"][2] if norm_key(r["text"]) in pk]
    if leaks:
        errors.append(f"{len(leaks)} query texts occur inside passages, e.g. row {leaks[0]}")
    qk = [norm_key(r["text"]) for r in data["queries"][2]]
    if len(set(qk)) != len(qk):
        errors.append("duplicate query texts")

    if args.reembed:
        import os
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        path = args.model or str(__import__(manifest["model"]["package"]).get_model_path())
        model = SentenceTransformer(path, device="cpu")
        rows, scales, meta = data["passages"]
        idx = list(range(0, len(meta), max(1, len(meta) // args.reembed)))[: args.reembed]
        emb = model.encode([meta[i]["text"] for i in idx], normalize_embeddings=True,
                           batch_size=manifest.get("model", {}).get("batch_size", 64))
        cos = []
        for e, i in zip(emb, idx):
            v = [scales[i] * x for x in rows[i]]
            cos.append(sum(a * b for a, b in zip(e, v)) / math.sqrt(sum(x * x for x in v)))
        print(f"re-embedded {len(idx)} passages: cosine to stored vectors min {min(cos):.5f} "
              f"mean {sum(cos) / len(cos):.5f}")
        if min(cos) < 0.999:
            errors.append(f"re-embedding differs: min cosine {min(cos):.5f}")

    for e in errors:
        print("FAIL:", e)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
