"""The search designs of issue 16, as SQL with the library's semantics: tenant filter,
entity type, the per-candidate entity check of queries/search.sql, cosine `<=>`, k rows
joined to the evidence text and re-sorted."""

from db import library_sql

# The library's outer part: join the text, keep the tenant's, re-sort.
OUTER = """
CROSS JOIN LATERAL (
    SELECT e.id, e.tenant_id, e.content, e.source_url, e.source_type
    FROM evidence e WHERE e.id = hits.entity_id OFFSET 0
) e
WHERE e.tenant_id = %(tenant_id)s
ORDER BY hits.distance, e.id"""

CHECK = "(SELECT s.tenant_id = em.tenant_id FROM evidence s WHERE s.id = em.entity_id)"


def lib(table):
    """queries/search.sql `search_evidence` on `table`."""
    return library_sql("search_evidence").replace("FROM embeddings em", f"FROM {table} em")


def literal(sql):
    """The tenant as a literal: one prepared statement per tenant, whose generic plan
    can use the tenant's partial index ({TENANT} is filled in per call, quoted)."""
    return sql.replace("%(tenant_id)s", "{TENANT}")


def exact(table):
    """queries/search.sql `search_evidence_exact` on `table`."""
    return library_sql("search_evidence_exact").replace("FROM embeddings em", f"FROM {table} em")


def plain(table):
    """The hand-written pgvector query of the issue's anchor: no entity check, no text."""
    return (f"SELECT entity_id FROM {table} WHERE tenant_id = %(tenant_id)s "
            "AND entity_type = 'evidence' ORDER BY embedding <=> %(query)b LIMIT %(k)s")


def reranked(table, order_expr, candidates):
    """Candidates from a quantised index (`order_expr`), re-ranked by the full vector."""
    return f"""SELECT e.id, 1 - hits.distance AS similarity, e.content, e.source_url, e.source_type
FROM (
    SELECT c.entity_id, c.embedding <=> %(query)b AS distance
    FROM (
        SELECT em.entity_id, em.embedding
        FROM {table} em
        WHERE em.tenant_id = %(tenant_id)s AND em.entity_type = 'evidence' AND {CHECK}
        ORDER BY {order_expr}
        LIMIT {candidates}
    ) c
    ORDER BY 2
    LIMIT %(k)s
) hits{OUTER}"""


def halfvec(table, dim, candidates):
    return reranked(table, f"em.embedding::halfvec({dim}) <=> %(query)b::halfvec({dim})", candidates)


def bq(table, dim, candidates):
    return reranked(table, f"binary_quantize(em.embedding)::bit({dim}) <~> "
                           f"binary_quantize(%(query)b::vector({dim}))::bit({dim})", candidates)


def index_ddl(kind, table, dim, tenant=None, m=16, efc=64):
    """DDL of one vector index: `tenant` None = over all rows, else partial."""
    expr, ops = {
        "vector": ("embedding", "vector_cosine_ops"),
        "halfvec": (f"(embedding::halfvec({dim}))", "halfvec_cosine_ops"),
        "bq": (f"(binary_quantize(embedding)::bit({dim}))", "bit_hamming_ops"),
    }[kind]
    name = f"ix_{table}_{kind}" + (f"_{tenant.replace('-', '_')}" if tenant else "_all")
    where = f" WHERE tenant_id = '{tenant}' AND entity_type = 'evidence'" if tenant else ""
    return name, (f"CREATE INDEX {name} ON {table} USING hnsw ({expr} {ops}) "
                  f"WITH (m = {m}, ef_construction = {efc}){where}")


def designs(dim, shared="embeddings", tier="emb_tier", half="emb_q", bit="emb_q",
            shared_efs=(100, 200, 400), tier_efs=(40, 64, 100), half_efs=((40, 20), (100, 20)),
            bq_runs=((100, 40), (200, 100))):
    """(name, sql, ef_search, prepared) of every design run per query.

    prepared=True: a named prepared statement reused for every call (the library's
    statement cache; the plan cache may go generic after 5 runs). False: an unnamed
    statement per call (tokio-postgres `query_typed`), planned with the tenant's value,
    which is what lets the planner use a partial index."""
    out = [("exact", exact(shared), 100, True),
           ("plain ef100 (anchor)", plain(shared), 100, True)]
    out += [(f"A shared ef{ef}", lib(shared), ef, True) for ef in shared_efs]
    out += [(f"B partial vector ef{ef}", lib(tier), ef, False) for ef in tier_efs]
    out += [(f"B partial vector ef{tier_efs[1]} prepared", lib(tier), tier_efs[1], True),
            (f"B partial vector ef{tier_efs[1]} prepared force_custom_plan", lib(tier), tier_efs[1], True),
            (f"B partial vector ef{tier_efs[1]} prepared tenant literal", literal(lib(tier)), tier_efs[1], True)]
    out += [(f"C partial halfvec ef{ef} rerank{c}", halfvec(half, dim, c), ef, False)
            for ef, c in half_efs]
    out += [(f"C partial bq ef{ef} rerank{c}", bq(bit, dim, c), ef, False) for ef, c in bq_runs]
    return out
