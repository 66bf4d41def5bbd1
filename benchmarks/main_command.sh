#!/usr/bin/env bash
# Issue 26: the README's main command, its two arms each invoked twice (the first with an empty compile cache,
# the second with the cache the first filled), compile and training seconds side by side; then `snnrl compare`
# prints the comparison the README quotes. Writes benchmarks/results/main_command.json.
#   bash benchmarks/main_command.sh            (SNNRL=path/to/snnrl to use another install)
set -euo pipefail
cd "$(dirname "$0")/.."
SNNRL=${SNNRL:-.venv/bin/snnrl}
PYTHON=${PYTHON:-.venv/bin/python}
ROOT=benchmarks/runs/main_command
CACHE=$ROOT/compile_cache
rm -rf "$ROOT"; mkdir -p "$ROOT"
export SNNRL_COMPILE_CACHE=$CACHE
rows=()
for invocation in first second; do
  for mode in dream none; do
    out=$ROOT/$invocation/$mode; mkdir -p "$ROOT/$invocation"
    start=$(date +%s.%N)
    "$SNNRL" train --preset demo --mode $mode --out "$out" > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
    end=$(date +%s.%N)
    rows+=("$invocation $mode $(echo "$end - $start" | bc)")
  done
done
"$SNNRL" plot $ROOT/second/dream $ROOT/second/none --out $ROOT/dream_vs_none --dream > /dev/null
"$SNNRL" compare $ROOT/second/none $ROOT/second/dream --json $ROOT/compare.json | tee $ROOT/compare.txt
"$PYTHON" - "$ROOT" "${rows[@]}" <<'PY'
import json, platform, subprocess, sys
from pathlib import Path
root = Path(sys.argv[1])
cpu = next((line.split(":", 1)[1].strip() for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), platform.processor())
rows = []
for item in sys.argv[2:]:
    invocation, mode, wall = item.split()
    summary = json.loads((root / invocation / mode / "summary.json").read_text())
    rows.append({"invocation": invocation, "mode": mode, "command_wall_s": round(float(wall), 1),
                 "compile_s": round(summary["compile_seconds"], 1), "training_s": round(summary["wall_seconds"], 1)})
record = {"command": "bash benchmarks/main_command.sh", "cpu": cpu, "cores": len(__import__("os").sched_getaffinity(0)),
          "rows": rows, "compare": json.loads((root / "compare.json").read_text()),
          "compare_text": (root / "compare.txt").read_text()}
Path("benchmarks/results/main_command.json").write_text(json.dumps(record, indent=2) + "\n")
for row in rows:
    print(row)
print("written: benchmarks/results/main_command.json")
PY
