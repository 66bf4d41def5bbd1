#!/usr/bin/env bash
# Issue 25's pre-registered test (benchmarks/RESULTS.md, "Pre-registration"): the tuned baseline T, the dreaming
# preset P and its shuffled control S at the fresh seeds 10-12, 10 x 2000 games each, resumable (a second call
# continues every unfinished run). QUEUE=1 or QUEUE=2 runs half of the runs, for two processes side by side.
# Then: python benchmarks/controls.py benchmarks/runs/confirm_controls/seed10/* --reference T --control S ...
set -uo pipefail
cd "$(dirname "$0")/.."
SNNRL=${SNNRL:-snnrl}
ROOT=benchmarks/runs/confirm_controls
run() {  # folder, arguments...
  local out=$1; shift
  mkdir -p "$(dirname "$out")"
  if [ -f "$out/summary.json" ] && python3 -c "import json,sys; s=json.load(open('$out/summary.json')); sys.exit(s['games'] != s['games_planned'])"; then return; fi
  if [ -f "$out/config.json" ]; then "$SNNRL" train --out "$out" --resume > "$out.log" 2>&1
  else "$SNNRL" train "$@" --out "$out" > "$out.log" 2>&1; fi
  echo "$out rc=$?" >> "$ROOT/queue.log"
}
common="--env pong --games 2000 --realizations 10"
for seed in 10 11 12; do
  if [ "${QUEUE:-1}" = 1 ] || [ -z "${QUEUE:-}" ]; then
    run "$ROOT/seed$seed/T" --preset official --mode none $common --seed $seed \
      agent.learning_rate=3e-3 awake_updates_per_game=2 baseline_runs_model=false
    run "$ROOT/seed$seed/S" --preset dreaming --mode dream $common --seed $seed imagined_reward_control=shuffle
  fi
  if [ "${QUEUE:-2}" = 2 ] || [ -z "${QUEUE:-}" ]; then
    run "$ROOT/seed$seed/P" --preset dreaming --mode dream $common --seed $seed
  fi
done
