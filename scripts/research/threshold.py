"""Exact against a tenant's own partial HNSW index, by tenant size, from search_run.py
JSONs (same run, interleaved): `python scripts/research/threshold.py FILE...`."""

import json
import sys

import numpy as np

DESIGNS = ("exact", "B partial vector ef64", "B partial vector ef100", "C partial bq ef200 rerank100")


def main():
    print("| data set | tenant rows | queries | exact p50 ms | " + " | ".join(
        f"{d} p50 ms (recall)" for d in DESIGNS[1:]) + " | exact / ef64 |")
    print("| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in DESIGNS[1:]) + " | ---: |")
    for path in sys.argv[1:]:
        r = json.load(open(path))
        sizes, qt = r["tenants"], r["query_tenant"]
        # Tenants of about the same size pooled (e.g. the eight 5 % tenants).
        groups = {}
        for t, n in sizes.items():
            groups.setdefault(round(n, -3) if n >= 1000 else round(n, -2), []).append(t)
        for size in sorted(groups):
            js = [j for j in range(len(qt)) if qt[j] in groups[size]]
            cells, p = [], {}
            for d in DESIGNS:
                if d not in r["per_design"]:
                    cells.append("-")
                    continue
                lat = [r["per_design"][d]["latency_ms"][j] for j in js]
                rec = np.mean([r["per_design"][d]["recall"][j] for j in js])
                p[d] = np.percentile(lat, 50)
                cells.append(f"{p[d]:.2f}" if d == "exact" else f"{p[d]:.2f} ({rec:.3f})")
            ratio = p["exact"] / p[DESIGNS[1]] if DESIGNS[1] in p else float("nan")
            name = r["dataset"].split(" (")[0]
            print(f"| {name} | {size} ({len(groups[size])} tenants) | {len(js)} | " + " | ".join(cells)
                  + f" | {ratio:.1f} |")


if __name__ == "__main__":
    main()
