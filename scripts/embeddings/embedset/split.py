"""Chunking into passages and the corpus / held-out query split of make_dataset.py."""

from __future__ import annotations

import random
import sys
from collections import defaultdict

from .text import norm_key

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
