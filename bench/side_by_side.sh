#!/bin/sh
# Interleaved pairs of one benchmark on an older commit and on this checkout, same machine, same
# minutes, so a change is judged against the noise of the moment:
#   sh bench/side_by_side.sh REF ROUNDS MODULE [ARGS...]
#   sh bench/side_by_side.sh 321c3f0 2 bench.load --clients 16 --duration 60
# REF's tree is exported to a temp dir and run with this checkout's .venv (python -m puts the
# tree's own code first). Results: bench/results/side-<module>-{ref,head}-<round>.json
set -e
ref=$1 rounds=$2 module=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
python="$here/.venv/bin/python"
old=$(mktemp -d /tmp/bench-ref-XXXXXX)
trap 'rm -rf "$old"' EXIT
git -C "$here" archive "$ref" | tar -x -C "$old"
mkdir -p "$here/bench/results"
name=$(echo "$module" | tr . -)
round=1
while [ "$round" -le "$rounds" ]; do
  for side in ref head; do
    tree=$here
    [ "$side" = ref ] && tree=$old
    echo "== round $round, $side ($module $*)"
    (cd "$tree" && "$python" -m "$module" "$@" --out "$here/bench/results/side-$name-$side-$round.json")
  done
  round=$((round + 1))
done
