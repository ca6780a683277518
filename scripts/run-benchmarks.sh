#!/usr/bin/env bash
# Runs the measurements behind BENCHMARKS.md and writes their JSON to
# benches/results/. Each run uses a fresh database on the embedded server in
# $TRUTHGRAPH_PGDATA (default /var/tmp/tg-bench/pgdata) or on DATABASE_URL.
#
#   bash scripts/run-benchmarks.sh minilm    # 20K x 384 real embeddings, every index kind (~10 min)
#   bash scripts/run-benchmarks.sh default   # 20K x 384 real, exact and the default only (~2 min)
#   bash scripts/run-benchmarks.sh mpnet     # 8K x 768 real embeddings (all-mpnet-base-v2), hnsw (~5 min)
#   bash scripts/run-benchmarks.sh 10k       # 10K x 1536 synthetic, every index kind (~10 min)
#   bash scripts/run-benchmarks.sh 100k      # 100K x 1536 synthetic, the default, then tune (~25 min)
set -euo pipefail
cd "$(dirname "$0")/.."
export TRUTHGRAPH_PGDATA="${TRUTHGRAPH_PGDATA:-/var/tmp/tg-bench/pgdata}"
mkdir -p benches/results "$(dirname "$TRUTHGRAPH_PGDATA")"
cargo build -q --release -p truthgraph-db-cli
bin=target/release/truthgraph-db
out=benches/results
case "${1:-}" in
  minilm)
    $bin bench --data benches/data/minilm --vectors 20000 --queries 1000 \
      --indexes hnsw,hnsw32,hnsw-strict,ivfflat,ivfflat100,halfvec > $out/minilm-20k.json ;;
  default)
    $bin bench --data benches/data/minilm --vectors 20000 --queries 1000 --indexes none \
      > $out/minilm-20k-default.json ;;
  mpnet)
    $bin bench --data benches/data/mpnet --vectors 8000 --queries 400 --indexes hnsw \
      > $out/mpnet-8k.json ;;
  10k)
    $bin bench --vectors 10000 --dim 1536 --queries 500 --tenants 100 \
      --indexes hnsw,ivfflat,ivfflat100,halfvec,bq > $out/synthetic-10k-1536.json ;;
  100k)
    $bin bench --vectors 100000 --dim 1536 --queries 200 --indexes none --keep \
      > $out/synthetic-100k-1536.json
    db=$(grep -o '"database": *"[^"]*"' $out/synthetic-100k-1536.json | cut -d'"' -f4)
    echo "tune on $db" >&2
    $bin tune --database "$db" --recall 0.98 > $out/synthetic-100k-1536-tune.txt ;;
  *) echo "usage: $0 minilm|default|mpnet|10k|100k" >&2; exit 2 ;;
esac
