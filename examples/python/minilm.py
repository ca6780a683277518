"""Reads the shipped real-text embedding set (benches/data/minilm: 20,000
passages and 1,000 held-out queries, all-MiniLM-L6-v2, 384 dims).

Format (benches/data/minilm/README.md): ``*.tgvec.gz`` is gzip of b"TGVEC001",
u32 LE rows, u32 LE dim, then per row an f32 LE scale and ``dim`` int8 values
(vector = scale * int8); ``*.jsonl.gz`` has one {"i", "text", "source"} per line.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).resolve().parents[2] / "benches" / "data" / "minilm"


def read_vectors(path: Path) -> npt.NDArray[np.float32]:
    """The dequantised float32 vectors, one row each."""
    raw = gzip.decompress(path.read_bytes())
    if raw[:8] != b"TGVEC001":
        raise ValueError(f"{path}: not a TGVEC001 file")
    rows, dim = np.frombuffer(raw, dtype="<u4", count=2, offset=8)
    records = np.frombuffer(
        raw, dtype=np.dtype([("scale", "<f4"), ("q", "i1", (int(dim),))]), count=int(rows), offset=16
    )
    scaled: npt.NDArray[np.float32] = records["q"].astype(np.float32) * records["scale"][:, None]
    return scaled.astype(np.float32)


def read_texts(path: Path) -> list[dict[str, str]]:
    """The JSON lines, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def load(limit: int | None = None) -> tuple[list[dict[str, str]], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """(passages, passage vectors, query vectors), the first `limit` passages."""
    passages = read_texts(DATA / "passages.jsonl.gz")[:limit]
    vectors = read_vectors(DATA / "passages.tgvec.gz")[: len(passages)]
    queries = read_vectors(DATA / "queries.tgvec.gz")
    return passages, vectors, queries
