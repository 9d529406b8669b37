#!/bin/sh
# The issue #5 runs, one after another (never two benchmarks at once): sh bench/run_all.sh TAG
set -e
tag=${1:-base}
shift || true
for workers in 1 2; do
  for clients in 4 16; do
    .venv/bin/python -m bench.load --clients "$clients" --duration 60 --workers "$workers" \
      --out "bench/results/$tag-c$clients-w$workers.json" "$@"
  done
done
