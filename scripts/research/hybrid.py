"""Issue 16, item 4: keyword search with a whole claim sentence (the held-out queries'
texts of benches/data/minilm) on the loaded minilm20k database (search_run.py --setup).

    python scripts/research/hybrid.py

Each variant returns the tenant's best `candidates` (60, the library's default) evidence
rows by full-text rank. Per variant: queries with at least one hit, mean hits, queries
whose hits include a passage of the query's own source document (the held-out sentence's
document: a relevance proxy), p50/p95 latency; interleaved query by query. Then the
whole hybrid statement (queries/search.sql `hybrid_search_evidence`) with today's
tsquery and with the bounded OR tsquery.
"""

import gzip
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import datasets  # noqa: E402
import db  # noqa: E402

DB = "issue16_minilm20k"
CAND = 60

# Lexemes of the sentence, OR-ed: every lexeme of to_tsvector, quoted for tsquery input.
OR_ALL = ("(SELECT coalesce(string_agg(quote_literal(l), ' | '), '')::tsquery "
          "FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) l)")
# The same without the lexemes in more than 2 % of the tenant's... of the table's rows
# (pg_stats.most_common_elems of evidence.content_tsv, kept by ANALYZE): common words
# match thousands of rows and add nothing to the ranking; at most 12 lexemes, rarest first.
OR_RARE = """(SELECT coalesce(string_agg(quote_literal(l), ' | '), '')::tsquery FROM (
    SELECT l FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) l
    LEFT JOIN (SELECT unnest(most_common_elems::text::text[]) AS elem,
                      unnest(most_common_elem_freqs[1:array_length(most_common_elems, 1)]) AS freq
               FROM pg_stats WHERE schemaname = 'public' AND tablename = 'evidence'
                 AND attname = 'content_tsv') s ON s.elem = l
    WHERE coalesce(s.freq, 0) < 0.02
    ORDER BY coalesce(s.freq, 0) LIMIT 12) r)"""


def keyword(tsq, rank="ts_rank_cd"):
    return f"""SELECT e.id FROM evidence e, (SELECT {tsq} AS q) t
WHERE e.tenant_id = %(tenant_id)s AND e.content_tsv @@ t.q
ORDER BY {rank}(e.content_tsv, t.q) DESC, e.id LIMIT {CAND}"""


VARIANTS = [
    ("websearch_to_tsquery (today: AND)", keyword("websearch_to_tsquery('english', %(text)s)")),
    ("plainto_tsquery (Python services: AND)", keyword("plainto_tsquery('english', %(text)s)")),
    ("OR of all lexemes, ts_rank_cd", keyword(OR_ALL)),
    ("OR of lexemes in < 2 % of rows (max 12), ts_rank_cd", keyword(OR_RARE)),
    ("OR of lexemes in < 2 % of rows (max 12), ts_rank", keyword(OR_RARE, "ts_rank")),
]


def hybrid(tsq):
    sql = db.library_sql("hybrid_search_evidence")
    old = "websearch_to_tsquery('english', %(text)s) q"
    assert old in sql and sql.count("@@ q") == 1 and sql.count("content_tsv, q)") == 1
    return (sql.replace(old, f"(SELECT {tsq} AS q) t").replace("@@ q", "@@ t.q")
            .replace("content_tsv, q)", "content_tsv, t.q)"))


def main():
    ds = datasets.minilm()
    srcs = [json.loads(x)["source"] for x in gzip.open(os.path.join(datasets.MINILM, "passages.jsonl.gz"), "rt")]
    qsrc = [json.loads(x)["source"] for x in gzip.open(os.path.join(datasets.MINILM, "queries.jsonl.gz"), "rt")]
    src_of = {db.row_uuid(i): srcs[i] for i in range(len(ds.passages))}
    runs = VARIANTS + [
        ("hybrid statement, today's tsquery", hybrid("websearch_to_tsquery('english', %(text)s)")),
        ("hybrid statement, OR of rare lexemes", hybrid(OR_RARE)),
    ]
    conns = [db.connect(DB, f"{db.LIB_OPTIONS} -c hnsw.ef_search=100") for _ in runs]
    conns[0].execute("ANALYZE evidence")
    nq = len(ds.queries)
    lat = np.zeros((len(runs), nq))
    hits = np.zeros((len(runs), nq), dtype=int)
    same_doc = np.zeros((len(runs), nq), dtype=bool)
    kw_hits = np.zeros((len(runs), nq), dtype=int)
    load = [os.getloadavg()]
    for n, j in enumerate(list(range(nq)) * 1):
        params = {"text": ds.query_texts[j], "tenant_id": ds.tenants[ds.query_tenant[j]],
                  "query": ds.queries[j], "k": 10, "candidates": CAND,
                  "vector_weight": 1.0, "keyword_weight": 1.0}
        rot = n % len(runs)
        for d in list(range(rot, len(runs))) + list(range(rot)):
            started = time.perf_counter()
            rows = conns[d].execute(runs[d][1], params, prepare=True).fetchall()
            lat[d, j] = (time.perf_counter() - started) * 1000
            hits[d, j] = len(rows)
            if "hybrid" in runs[d][0]:
                kw_hits[d, j] = sum(1 for r in rows if r[3] is not None)
                rows = [r for r in rows if r[3] is not None]
            same_doc[d, j] = any(src_of[r[0]] == qsrc[j] for r in rows[:10])
    load.append(os.getloadavg())
    print(f"minilm20k, {nq} held-out claim sentences as text, tenants 50/30/15/5 %, candidates {CAND}; "
          f"load average {load[0][0]:.1f} before, {load[1][0]:.1f} after")
    print()
    print("| variant | queries with >= 1 keyword hit | mean keyword hits | top-10 keyword hits include "
          "the sentence's own document | p50 ms | p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for d, (name, _sql) in enumerate(runs):
        h = kw_hits[d] if "hybrid" in name else hits[d]
        print(f"| {name} | {(h > 0).sum()} / {nq} | {h.mean():.1f} | {same_doc[d].sum()} "
              f"| {np.percentile(lat[d], 50):.2f} | {np.percentile(lat[d], 95):.2f} |")
    out = os.path.join(datasets.ROOT, "benches", "results", "research", "issue16-hybrid.json")
    json.dump({"variants": [n for n, _ in runs], "sql": {n: s for n, s in runs},
               "latency_ms": lat.round(3).tolist(), "hits": hits.tolist(),
               "keyword_hits": kw_hits.tolist(), "same_doc": same_doc.tolist(), "loadavg": load},
              open(out, "w"))


if __name__ == "__main__":
    main()
