#!/usr/bin/env python3
"""Renders `truthgraph-db bench` (and `bench load --report`) JSON as the markdown tables of BENCHMARKS.md.

    python3 scripts/bench-table.py bench.json
"""
import json
import sys


def load_test(r):
    """`truthgraph-db bench load --report FILE`."""
    tenants = ", ".join(f"{t['tenant']} {t['evidence']}/{t['claims']}" for t in r["tenants"])
    s = r["server"]
    print(f"{r['dataset']}: {r['tasks']} tasks for {r['seconds']} s, pool {r['pool_max_size']} "
          f"(at most {r['pool_max_waiting']} callers waiting); tenants (evidence/claims) {tenants}; "
          f"PostgreSQL {s['version'].split()[0]}, pgvector {s['pgvector']}, fsync={s['fsync']}, "
          f"synchronous_commit={s['synchronous_commit']}")
    print()
    print("| operation | ops | ops/s | p50 ms | p99 ms | max ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for o in r["ops"] + [dict(r["total"], kind="**total**")]:
        print(f"| {o['kind']} | {o['ops']} | {o['ops_per_s']} | {o['p50_ms']} | {o['p99_ms']} | "
              f"{o['max_ms']} | {o['errors']} |")
    print()
    print("| table | seeded | acknowledged | in doubt | stored |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for w in r["writes"]:
        print(f"| {w['table']} | {w['seeded']} | {w['acknowledged']} | {w['in_doubt']} | {w['stored']} |")
    rep = r["embeddings_replaced"]
    print(f"| embeddings replaced in place (distinct) | – | {rep['acknowledged']} | {rep['in_doubt']} "
          f"| {rep['stored']} |")
    print()
    print(f"passed: {r['passed']}; lost writes {r['lost_writes']}, "
          f"rows stored unacknowledged {r['unacknowledged_rows']}")


def main(path):
    r = json.load(open(path))
    if r.get("kind") == "load":
        return load_test(r)
    tenants = ", ".join(f"{t['tenant']} {t['rows']}" for t in r["tenants"])
    print(f"{r['dataset']}: {r['rows']} rows x {r['dim']}, {r['queries']} queries, k = {r['k']}, "
          f"tenants ({tenants}), concurrency {r['concurrency']}; "
          f"PostgreSQL {r['server']['version'].split()[0]}, pgvector {r['server']['pgvector']}")
    load = r["load"]
    print(f"\nload: {load['rows']} rows in {load['seconds']} s ({load['rows_per_s']:.0f} rows/s, {load['method']})")
    print("\nindex build (s): " + ", ".join(f"{k} {v}" for k, v in r["index_build_s"].items()))
    smallest = min(r["tenants"], key=lambda t: t["rows"])["tenant"]
    largest = max(r["tenants"], key=lambda t: t["rows"])["tenant"]
    print()
    print(f"| scenario | recall@{r['k']} | {smallest} (smallest) | p50 ms | p95 ms | p99 ms | server p50 ms "
          f"| short | ops/s | plan {largest} / {smallest} |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in r["scenarios"]:
        name = s["name"] + (" **(default)**" if s.get("default") else "")
        if s.get("default"):
            name += " " + ", ".join(f"{k}={v}" for k, v in s["params"].items() if k != "origin")
        small = s.get("recall_by_tenant", {}).get(smallest, "")
        plans = s.get("plans", {})
        plan = f"{plans.get(largest, '-')} / {plans.get(smallest, '-')}" if plans else "-"
        print(f"| {name} | {s['recall_at_10']:.4f} | {small if small == '' else f'{small:.4f}'} | "
              f"{s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s.get('server_p50_ms', '-')} | "
              f"{s['short_results']} | {s.get('concurrent_ops_per_s', '-')} | {plan} |")


if __name__ == "__main__":
    main(sys.argv[1])
