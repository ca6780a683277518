"""Database helpers of the issue-16 measurement: a migrated database per data set
(the library's own schema: `truthgraph-db migrate --dimension N`), loaded by binary COPY,
and the library's search SQL read from queries/search.sql."""

import hashlib
import os
import re
import subprocess
import time
import uuid

import psycopg
from pgvector.psycopg import register_vector

from datasets import ROOT

PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "55416")
CLI = os.environ.get("TRUTHGRAPH_CLI", os.path.join(ROOT, "target", "release", "truthgraph-db"))
# The library's connection startup settings (src/settings.rs STARTUP_SETTINGS).
LIB_OPTIONS = "-c hnsw.iterative_scan=relaxed_order -c ivfflat.iterative_scan=relaxed_order -c random_page_cost=1.1"


def url(db):
    return f"postgresql://postgres@{PGHOST}:{PGPORT}/{db}"


def connect(db, options="", autocommit=True):
    conn = psycopg.connect(url(db), autocommit=autocommit, options=options)
    register_vector(conn)
    return conn


def row_uuid(i):
    return uuid.UUID(bytes=hashlib.md5(f"row-{i}".encode()).digest())


def create(db, dim, fresh=True):
    with connect("postgres") as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
        if exists and not fresh:
            return False
        if exists:
            c.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{db}" TEMPLATE template0')
    env = dict(os.environ, DATABASE_URL=url(db))
    subprocess.run([CLI, "-q", "migrate", "--dimension", str(dim)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return True


def load(db, ds, ids, table="embeddings"):
    """Evidence rows (text COPY) then embeddings (binary COPY), tenants by ds.owner."""
    with connect(db) as c:
        started = time.perf_counter()
        with c.cursor() as cur, cur.copy(
                "COPY evidence (id, tenant_id, content, source_type) FROM STDIN") as cp:
            for i in range(len(ds.passages)):
                cp.write_row((ids[i], ds.tenants[ds.owner[i]], ds.texts[i], "bench"))
        ev_s = time.perf_counter() - started
        started = time.perf_counter()
        with c.cursor() as cur, cur.copy(
                f"COPY {table} (tenant_id, entity_type, entity_id, embedding, model_name) "
                "FROM STDIN WITH (FORMAT BINARY)") as cp:
            cp.set_types(["varchar", "varchar", "uuid", "vector", "varchar"])
            for i in range(len(ds.passages)):
                cp.write_row((ds.tenants[ds.owner[i]], "evidence", ids[i], ds.passages[i], "bench"))
        emb_s = time.perf_counter() - started
        c.execute("ANALYZE evidence")
        c.execute(f"ANALYZE {table}")
    return {"evidence_copy_s": round(ev_s, 2), "embeddings_copy_s": round(emb_s, 2)}


def copy_table(db, name):
    """A copy of `embeddings` (same columns and storage) with only the btree the
    search's tenant filter uses, for a design whose vector indexes must not meet
    another design's."""
    with connect(db) as c:
        c.execute(f"DROP TABLE IF EXISTS {name}")
        c.execute(f"CREATE TABLE {name} (LIKE embeddings INCLUDING DEFAULTS INCLUDING STORAGE)")
        c.execute(f"INSERT INTO {name} SELECT * FROM embeddings ORDER BY id")
        c.execute(f"CREATE INDEX ON {name} (tenant_id, entity_type)")
        c.execute(f"VACUUM ANALYZE {name}")


def build(db, ddl, mwm="1GB"):
    """Runs one CREATE INDEX (serial: max_parallel_maintenance_workers = 0); seconds."""
    with connect(db) as c:
        c.execute(f"SET maintenance_work_mem = '{mwm}'")
        c.execute("SET max_parallel_maintenance_workers = 0")
        started = time.perf_counter()
        c.execute(ddl)
        return time.perf_counter() - started


def index_bytes(db, like):
    with connect(db) as c:
        return c.execute("SELECT coalesce(sum(pg_relation_size(indexrelid)), 0)::bigint, count(*) "
                         "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
                         "WHERE x.relname LIKE %s", (like,)).fetchone()


def library_sql(name):
    """One statement of queries/search.sql, its `:param`s as psycopg placeholders
    (the vector `:query` in binary)."""
    text = open(os.path.join(ROOT, "queries", "search.sql")).read()
    block = text.split(f"--! {name} ")[1]
    body = "\n".join(line for line in block.splitlines()[1:] if not line.startswith("--"))
    body = body.split(";")[0]
    body = re.sub(r"(?<!:):query\b", "%(query)b", body)
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", body)
