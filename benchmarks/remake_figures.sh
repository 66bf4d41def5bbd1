#!/usr/bin/env bash
# Re-make every published comparison on the faithful presets (snnrl 0.2), full scale: 10 realizations x 2000
# games per arm. Resumable: rerun the script and every arm continues from its last checkpoint (50 games).
# Baselines are shared through links. Order = priority (the run ends where the machine's time ends).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
ROOT=benchmarks/runs
arms() { "$PY" benchmarks/arms.py "$@"; }
share() { mkdir -p "$ROOT/$2"; [ -e "$ROOT/$2/$3" ] || ln -s "../$1/$3" "$ROOT/$2/$3"; }

# Fig 2C, JAX Pong: dreaming vs the baseline.
arms --name fig2c_pong --preset official --env pong --arm dream --arm none
# Neuromorphic (simulated chip, 20 % mismatch), hidden-layer threshold 4.0 (~1 Hz).
arms --name neuromorphic_threshold_4.0 --preset neuromorphic --arm dream:threshold=4.0 --arm none:threshold=4.0
# Fig 3: planning with look-aheads of n_fut steps every 2 n_fut real steps.
share fig2c_pong fig3_pong none
arms --name fig3_pong --preset official --env pong --arm plan:n_fut=1 --arm plan:n_fut=8 \
    --arm plan:n_fut=2 --arm plan:n_fut=4 --arm none
# Fig 2D (policy learning only in dreams) and Fig 2E (world model frozen after 80 000 real interactions).
share fig2c_pong fig2de_pong none
arms --name fig2de_pong --preset official --env pong --arm dream:model_learning_stop=80000 \
    --arm dream:agent_learns_awake=false --arm none
# Mismatch sweep (threshold 3.0, ~3 Hz).
for m in 0.2 0.0 0.1 0.3; do
    arms --name "mismatch_$m" --preset neuromorphic --arm "dream:threshold=3.0,mismatch=$m" --arm "none:threshold=3.0,mismatch=$m"
done
# Fig 2C on real ALE Pong.
arms --name fig2c_ale --preset official --env ale:pong --arm dream --arm none
