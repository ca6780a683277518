"""Markdown tables from a search_run.py JSON: `python scripts/research/report.py FILE`."""

import json
import os
import sys

import numpy as np

THRESHOLDS = (0, 1000, 2000, 3000, 5000, 7500, 10000, 15000, 20000, 10**9)


def pct(xs, p):
    return float(np.percentile(np.array(xs), p)) if len(xs) else float("nan")


# Tier rules: (rows below which this design serves the tenant, design); first match wins.
RULES = {
    "tiered vector: exact < 1K, ef 64 < 10K, ef 100 above": [
        (1000, "exact"), (10000, "B partial vector ef64"), (10**12, "B partial vector ef100")],
    "tiered vector: exact < 1K, ef 40 < 10K, ef 64 above": [
        (1000, "exact"), (10000, "B partial vector ef40"), (10**12, "B partial vector ef64")],
    "tiered vector: exact < 1K, ef 64 < 5K, ef 100 above": [
        (1000, "exact"), (5000, "B partial vector ef64"), (10**12, "B partial vector ef100")],
    "tiered vector: exact < 2K, ef 64 < 5K, ef 100 above": [
        (2000, "exact"), (5000, "B partial vector ef64"), (10**12, "B partial vector ef100")],
    "tiered halfvec: exact < 1K, ef 40 < 5K, ef 100 above": [
        (1000, "exact"), (5000, "C partial halfvec ef40 rerank20"), (10**12, "C partial halfvec ef100 rerank20")],
    "tiered bq: exact < 1K, bq ef 200 + re-rank 100 above": [
        (1000, "exact"), (10**12, "C partial bq ef200 rerank100")],
}


def composites(r, tenants):
    sizes, qt = r["tenants"], r["query_tenant"]
    pd = r["per_design"]
    ex = pd.get("exact")
    if not ex:
        return []
    out = ["Tier rules (each query served by the design its tenant's size picks; same run)", "",
           "| rule | recall@10 | worst tenant | short | p50 ms | p95 ms | p50 / exact p50 |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    ex_p50 = pct(ex["latency_ms"], 50)
    for name, rule in RULES.items():
        if any(d not in pd for _, d in rule):
            continue
        pick = [pd[next(d for lim, d in rule if sizes[qt[j]] < lim)] for j in range(len(qt))]
        lat = [pick[j]["latency_ms"][j] for j in range(len(qt))]
        rec = [pick[j]["recall"][j] for j in range(len(qt))]
        short = sum(pick[j]["short"][j] for j in range(len(qt)))
        worst = min(np.mean([rec[j] for j in range(len(qt)) if qt[j] == t]) for t in tenants)
        out.append(f"| {name} | {np.mean(rec):.4f} | {worst:.4f} | {short} | {pct(lat, 50):.2f} "
                   f"| {pct(lat, 95):.2f} | {pct(lat, 50) / ex_p50:.2f} |")
    return out + [""]


def summarise(r, build_path=None):
    out = []
    sizes, qt = r["tenants"], r["query_tenant"]
    tenants = sorted(sizes, key=lambda t: -sizes[t])
    small = tenants[-1]
    la = r["loadavg"]
    out.append(f"{r['dataset']}: {sum(sizes.values())} rows, {r['queries']} queries, k = {r['k']}, "
               f"tenants {', '.join(f'{t} {sizes[t]}' for t in tenants)}; load average (1/5/15 min) "
               f"before {la[0][0]:.1f}/{la[0][1]:.1f}/{la[0][2]:.1f}, "
               f"after warm-up {la[1][0]:.1f}, after the run {la[-1][0]:.1f}/{la[-1][1]:.1f}")
    out.append("")
    out.append("| design | ef_search | statement | recall@10 | worst tenant | smallest tenant | short "
               "| p50 ms | p95 ms | index used (largest / smallest tenant) | server ms largest / smallest "
               "| planning ms |")
    out.append("| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    for name, d in r["per_design"].items():
        meta = r["designs"][name]
        byt = {t: [d["recall"][j] for j in range(len(qt)) if qt[j] == t] for t in tenants}
        worst = min(tenants, key=lambda t: np.mean(byt[t]))
        pl = r["plans"][name]
        stmt = "prepared" if meta["prepared"] else "unnamed"
        pc = r["plan_cache"].get(name)
        if pc and pc["generic_plans"]:
            stmt += f" ({pc['generic_plans']} generic)"
        plan_ms = np.mean([pl[t]["planning_ms"] for t in tenants])
        out.append(
            f"| {name} | {meta['ef_search']} | {stmt} | {np.mean(d['recall']):.4f} | {worst} "
            f"{np.mean(byt[worst]):.4f} | {np.mean(byt[small]):.4f} | {sum(d['short'])} "
            f"| {pct(d['latency_ms'], 50):.2f} | {pct(d['latency_ms'], 95):.2f} "
            f"| {pl[tenants[0]]['index'] or 'none'} / {pl[small]['index'] or 'none'} "
            f"| {pl[tenants[0]]['execution_ms']:.2f} / {pl[small]['execution_ms']:.2f} | {plan_ms:.2f} |")
    out.append("")
    # Per tenant: p50 and recall of each design.
    names = list(r["per_design"])
    out.append("Per tenant: p50 ms / recall@10")
    out.append("")
    out.append("| tenant | rows | " + " | ".join(names) + " |")
    out.append("| --- | ---: | " + " | ".join("---:" for _ in names) + " |")
    for t in tenants:
        js = [j for j in range(len(qt)) if qt[j] == t]
        cells = []
        for n in names:
            d = r["per_design"][n]
            cells.append(f"{pct([d['latency_ms'][j] for j in js], 50):.2f} / "
                         f"{np.mean([d['recall'][j] for j in js]):.3f}")
        out.append(f"| {t} | {sizes[t]} | " + " | ".join(cells) + " |")
    out.append("")
    # Tiered: exact below a threshold, the design's partial index at or above it.
    if "exact" in r["per_design"]:
        ex = r["per_design"]["exact"]
        ex_p50 = pct(ex["latency_ms"], 50)
        out.append(f"Tiered (exact below the threshold, the partial index from it on); exact alone: "
                   f"p50 {ex_p50:.2f} ms")
        out.append("")
        out.append("| index tier | threshold rows | tenants indexed | recall@10 | worst tenant | short "
                   "| p50 ms | p95 ms | p50 / exact p50 |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for n in names:
            if not n.startswith(("B ", "C ")):
                continue
            d = r["per_design"][n]
            for th in THRESHOLDS:
                if th and th < 10**9 and not any(sizes[t] >= th for t in tenants):
                    continue
                pick = [d if sizes[qt[j]] >= th else ex for j in range(len(qt))]
                lat = [pick[j]["latency_ms"][j] for j in range(len(qt))]
                rec = [pick[j]["recall"][j] for j in range(len(qt))]
                short = sum(pick[j]["short"][j] for j in range(len(qt)))
                worst = min(np.mean([rec[j] for j in range(len(qt)) if qt[j] == t]) for t in tenants)
                idx = sum(1 for t in tenants if sizes[t] >= th)
                out.append(f"| {n} | {'all' if th == 0 else ('none' if th == 10**9 else th)} | {idx} "
                           f"| {np.mean(rec):.4f} | {worst:.4f} | {short} | {pct(lat, 50):.2f} "
                           f"| {pct(lat, 95):.2f} | {pct(lat, 50) / ex_p50:.2f} |")
        out.append("")
    out += composites(r, tenants)
    if build_path and os.path.exists(build_path):
        b = json.load(open(build_path))
        out.append("Index builds (serial, maintenance_work_mem 1GB) and sizes")
        out.append("")
        out.append("| index | build s (total) | size MB (total) | largest tenant: build s / MB |")
        out.append("| --- | ---: | ---: | --- |")
        for k, per in b["builds"].items():
            size = b["sizes"][k]
            if isinstance(size, list):
                out.append(f"| {k} | {per['all']} | {size[0] / 2**20:.1f} | - |")
            else:
                out.append(f"| {k} (one per tenant) | {sum(per.values()):.1f} "
                           f"| {sum(size.values()) / 2**20:.1f} | {per[tenants[0]]} / "
                           f"{size[tenants[0]] / 2**20:.1f} |")
        out.append("")
        out.append(f"load: {b['load']}")
    return "\n".join(out)


if __name__ == "__main__":
    path = sys.argv[1]
    r = json.load(open(path))
    print(summarise(r, path.replace(".json", "-build.json") if "-build" not in path else None))
