"""Issue 16, item 3: ingest rates on database issue16_ingest (created here, migrated
by the CLI, 1536 dims).

    python scripts/research/ingest.py [--repeat 3]

Embeddings: binary COPY of 10K x 1536 vectors (the mix1536 construction of datasets.py)
into `embeddings` without a vector index (its btrees, unique index and the entity
trigger of V7 in place), the COPY stream built in memory beforehand so the client costs
nothing; storage MAIN (V3) against PLAIN; the library's path (temporary staging table +
INSERT ... SELECT); and diagnostics without the entity trigger.
Evidence: the 20K real passage texts in batches of 5,000, as `insert_evidence_many`
(queries/evidence.sql insert_evidence_batch: one INSERT ... SELECT FROM UNNEST ...
RETURNING) and diagnostics (no RETURNING, COPY, no GIN index, no generated tsvector).
Each variant runs --repeat times, alternating; the table is truncated before each run.
"""

import argparse
import io
import os
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import datasets  # noqa: E402
import db  # noqa: E402

DB = "issue16_ingest"


def field(b):
    return struct.pack(">i", len(b)) + b


def copy_stream(tenant, ids, vectors):
    out = io.BytesIO()
    out.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
    for u, v in zip(ids, vectors):
        vec = struct.pack(">hh", len(v), 0) + v.astype(">f4").tobytes()
        out.write(struct.pack(">h", 5))
        for f in (tenant.encode(), b"evidence", u.bytes, vec, b"bench"):
            out.write(field(f))
    out.write(struct.pack(">h", -1))
    return out.getvalue()


def timed_copy(c, sql, payload, before=(), after=()):
    with c.transaction():
        for s in before:
            c.execute(s)
        started = time.perf_counter()
        with c.cursor().copy(sql) as cp:
            for s in range(0, len(payload), 1 << 20):
                cp.write(payload[s:s + (1 << 20)])
        for s in after:
            c.execute(s)
    return time.perf_counter() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="", help="embeddings or evidence")
    args = ap.parse_args()
    ds = datasets.mix1536(10000, 1, [100])
    ids = [db.row_uuid(i) for i in range(10000)]
    db.create(DB, 1536)
    with db.connect(DB) as c:
        c.execute("DROP INDEX idx_embeddings_vector_cosine")
        with c.cursor().copy("COPY evidence (id, tenant_id, content) FROM STDIN") as cp:
            for u in ids:
                cp.write_row((u, "t", "x"))
        c.execute("CREATE TABLE evidence_nogen (LIKE evidence INCLUDING DEFAULTS)")
        c.execute("CREATE INDEX ON evidence_nogen (tenant_id, created_at DESC, id DESC)")
        c.execute("CREATE INDEX ON evidence_nogen (created_at)")
        c.execute("ALTER TABLE evidence_nogen ADD PRIMARY KEY (id)")
        c.execute("VACUUM ANALYZE")
    if args.only == "evidence":
        return evidence(args.repeat)
    payload = copy_stream("t", ids, ds.passages)
    direct = ("COPY embeddings (tenant_id, entity_type, entity_id, embedding, model_name) "
              "FROM STDIN (FORMAT binary)")
    staging = ("CREATE TEMPORARY TABLE embeddings_load (tenant_id varchar, entity_type varchar(20), "
               "entity_id uuid, embedding vector, model_name varchar(100)) ON COMMIT DROP")
    load_sql = ("COPY embeddings_load (tenant_id, entity_type, entity_id, embedding, model_name) "
                "FROM STDIN (FORMAT binary)")
    insert = ("INSERT INTO embeddings (tenant_id, entity_type, entity_id, embedding, model_name) "
              "SELECT tenant_id, entity_type, entity_id, embedding, model_name FROM embeddings_load")
    no_trig = "ALTER TABLE embeddings DISABLE TRIGGER check_embeddings_entity"
    trig = "ALTER TABLE embeddings ENABLE TRIGGER check_embeddings_entity"
    variants = [
        ("COPY into embeddings, storage MAIN (today)", "MAIN", direct, [], []),
        ("COPY into embeddings, storage PLAIN", "PLAIN", direct, [], []),
        ("library path (staging + INSERT SELECT), MAIN", "MAIN", load_sql, [staging], [insert]),
        ("library path (staging + INSERT SELECT), PLAIN", "PLAIN", load_sql, [staging], [insert]),
        ("library path, staging column STORAGE MAIN (not TOASTed), embeddings PLAIN", "PLAIN", load_sql,
         [staging, "ALTER TABLE embeddings_load ALTER COLUMN embedding SET STORAGE MAIN"], [insert]),
        ("COPY, PLAIN, entity trigger disabled (diagnostic)", "PLAIN", direct, [no_trig], [trig]),
        ("COPY, MAIN, entity trigger disabled (diagnostic)", "MAIN", direct, [no_trig], [trig]),
    ]
    times = {v[0]: [] for v in variants}
    sizes = {}
    load = [os.getloadavg()]
    with db.connect(DB) as c:
        for r in range(args.repeat):
            for name, storage, sql, before, after in variants:
                c.execute("TRUNCATE embeddings")
                c.execute(f"ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE {storage}")
                c.execute("CHECKPOINT")
                times[name].append(timed_copy(c, sql, payload, before, after))
                sizes[name] = c.execute("SELECT pg_total_relation_size('embeddings')").fetchone()[0]
        c.execute("ALTER TABLE embeddings ALTER COLUMN embedding SET STORAGE MAIN")
    load.append(os.getloadavg())
    print(f"Embeddings: 10,000 x 1536 by binary COPY, no vector index; load average "
          f"{load[0][0]:.1f} before, {load[1][0]:.1f} after; {args.repeat} runs each, alternating")
    print()
    print("| variant | best s | median s | rows/s (best) | rows/s (median) | table + indexes MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, t in times.items():
        print(f"| {name} | {min(t):.3f} | {np.median(t):.3f} | {10000 / min(t):,.0f} "
              f"| {10000 / np.median(t):,.0f} | {sizes[name] / 2**20:.0f} |")
    if not args.only:
        evidence(args.repeat)


def evidence(repeat):
    texts = datasets.read_texts(os.path.join(datasets.MINILM, "passages.jsonl.gz"))
    batch = 5000
    lib = ("INSERT INTO {t} (id, tenant_id, content, source_url, source_type) "
           "SELECT b.id, %(tenant)s::text, b.content, b.source_url, b.source_type "
           "FROM UNNEST(%(ids)s::uuid[], %(contents)s::text[], %(urls)s::text[], %(types)s::text[]) "
           "WITH ORDINALITY AS b(id, content, source_url, source_type, ord) ORDER BY b.ord")
    ret = " RETURNING id, tenant_id, content, source_url, source_type, created_at"
    variants = [
        ("insert_evidence_many (UNNEST ... RETURNING), today", lib.format(t="evidence") + ret, "evidence", []),
        ("same, without RETURNING", lib.format(t="evidence"), "evidence", []),
        ("same, GIN index dropped (diagnostic)", lib.format(t="evidence") + ret, "evidence",
         ["DROP INDEX idx_evidence_content_tsv"]),
        ("same, no generated tsvector and no GIN (diagnostic)", lib.format(t="evidence_nogen") + ret,
         "evidence_nogen", []),
        ("COPY text (same rows)", "COPY", "evidence", []),
    ]
    times = {v[0]: [] for v in variants}
    load = [os.getloadavg()]
    with db.connect(DB) as c:
        for r in range(repeat):
            for name, sql, table, before in variants:
                c.execute("TRUNCATE embeddings")
                c.execute(f"TRUNCATE {table} CASCADE")
                for s in before:
                    c.execute(s)
                c.execute("CHECKPOINT")
                ids = [db.row_uuid(10**6 + r * 10**5 + i) for i in range(len(texts))]
                started = time.perf_counter()
                with c.transaction():
                    for s in range(0, len(texts), batch):
                        chunk = texts[s:s + batch]
                        if sql == "COPY":
                            with c.cursor().copy(f"COPY {table} (id, tenant_id, content, source_type) "
                                                 "FROM STDIN") as cp:
                                for u, t in zip(ids[s:s + batch], chunk):
                                    cp.write_row((u, "t", t, "bench"))
                            continue
                        cur = c.execute(sql, {"tenant": "t", "ids": ids[s:s + batch], "contents": chunk,
                                              "urls": [None] * len(chunk),
                                              "types": ["bench"] * len(chunk)})
                        if "RETURNING" in sql:
                            cur.fetchall()
                times[name].append(time.perf_counter() - started)
                if before:
                    c.execute("CREATE INDEX idx_evidence_content_tsv ON evidence USING gin (content_tsv)")
        # to_tsvector alone over the same texts, server side.
        c.execute("TRUNCATE evidence_nogen")
        with c.cursor().copy("COPY evidence_nogen (id, tenant_id, content) FROM STDIN") as cp:
            for i, t in enumerate(texts):
                cp.write_row((db.row_uuid(i), "t", t))
        started = time.perf_counter()
        c.execute("SELECT sum(length(to_tsvector('english', content))) FROM evidence_nogen").fetchone()
        tsv = time.perf_counter() - started
    load.append(os.getloadavg())
    print()
    print(f"Evidence: the 20,000 real passages (mean 230 chars) in batches of {batch}, one transaction; "
          f"load average {load[0][0]:.1f} before, {load[1][0]:.1f} after; {repeat} runs each, alternating")
    print()
    print("| variant | best s | median s | rows/s (best) | rows/s (median) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    n = len(texts)
    for name, t in times.items():
        print(f"| {name} | {min(t):.3f} | {np.median(t):.3f} | {n / min(t):,.0f} | {n / np.median(t):,.0f} |")
    print()
    print(f"to_tsvector('english', content) alone over the 20,000 texts: {tsv:.3f} s "
          f"({tsv / n * 1e6:.1f} us a row, {n / tsv:,.0f} rows/s on one core)")


if __name__ == "__main__":
    main()
