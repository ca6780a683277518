"""The output files of make_dataset.py: int8 vectors, gzip, JSONL, hashes, versions."""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata as md
import io
import json
import struct
from pathlib import Path

MAGIC = b"TGVEC001"

# --------------------------------------------------------------------------- output


def quantize(x):
    import numpy as np
    x = np.asarray(x, dtype=np.float32)
    m = np.abs(x).max(axis=1)
    scale = (m / 127.0).astype(np.float32)
    safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(x / safe[:, None]), -127, 127).astype(np.int8)
    return scale, q


def dequantize(scale, q):
    import numpy as np
    return q.astype(np.float32) * scale[:, None].astype(np.float32)


def gz_bytes(raw: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(raw)
    return buf.getvalue()


def tgvec_bytes(scale, q) -> bytes:
    import numpy as np
    n, dim = q.shape
    rec = np.empty(n, dtype=[("s", "<f4"), ("v", "i1", (dim,))])
    rec["s"] = scale
    rec["v"] = q
    return MAGIC + struct.pack("<II", n, dim) + rec.tobytes()


def jsonl_bytes(rows) -> bytes:
    return "".join(
        json.dumps({"i": i, "text": r["text"], "source": r["source"]}, ensure_ascii=False,
                   separators=(",", ":")) + "\n" for i, r in enumerate(rows)).encode("utf-8")


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    if not path.exists():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def ver(pkg: str) -> str:
    try:
        return md.version(pkg)
    except md.PackageNotFoundError:
        return "n/a"
