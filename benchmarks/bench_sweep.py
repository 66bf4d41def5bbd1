"""Sweep speed: a grid x realizations x games in one compiled program (``ExperimentConfig.sweep``) against
the same grid points run one after another (one compiled program each), side by side in one invocation.

    python benchmarks/bench_sweep.py --preset demo --games 500 --realizations 10 \
        --sweep agent.learning_rate=5e-4,1e-3,2e-3,4e-3 --sweep dream_lr_scale=0.25,0.5,1,2

Both variants play the same games with the same keys: the script checks that the one-program returns equal
the separate runs' (bit for bit on one device) and records compile and run seconds of each in
benchmarks/results/sweep_speed.json (with the machine and the jax version).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import jax
import numpy as np

from snnrl.experiments.config import preset
from snnrl.experiments.configure import with_sweep
from snnrl.experiments.overrides import apply_overrides
from snnrl.experiments.sweep_axes import grid_values, point_algorithm
from snnrl.experiments.train import make_train

HERE = Path(__file__).parent


def timed(config) -> tuple[float, float, np.ndarray]:
    """(compile seconds, run seconds, returns (M, games)) of make_train(config) under jit."""
    key = jax.random.key(config.seed)
    started = time.perf_counter()
    compiled = jax.jit(make_train(config)).lower(key).compile()
    compiled_at = time.perf_counter()
    _, metrics = compiled(key)
    returns = np.asarray(jax.block_until_ready(metrics.game_return))
    return compiled_at - started, time.perf_counter() - compiled_at, returns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="demo")
    parser.add_argument("--env", default="pong")
    parser.add_argument("--mode", default="dream")
    parser.add_argument("--games", type=int, default=500)
    parser.add_argument("--realizations", type=int, default=10)
    parser.add_argument("--sweep", action="append", required=True, metavar="FIELD=v1,v2,...")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sweep_speed.json")
    args = parser.parse_args()
    base = apply_overrides(
        preset(args.preset), env=args.env, mode=args.mode, games=args.games, realizations=args.realizations
    )
    swept = with_sweep(base, args.sweep)
    print(f"{swept.grid_points} grid points x {swept.realizations} realizations x {swept.games} games", flush=True)
    one_compile, one_run, one_returns = timed(swept)
    print(f"one program: compile {one_compile:.1f} s, run {one_run:.1f} s", flush=True)
    separate_compile = separate_run = 0.0
    separate_returns = []
    for values in grid_values(swept.sweep):
        point = base.replace(algorithm=point_algorithm(base.algorithm, swept.sweep, values))
        compile_s, run_s, returns = timed(point)
        separate_compile += compile_s
        separate_run += run_s
        separate_returns.append(returns)
        print(f"  point {values.tolist()}: compile {compile_s:.1f} s, run {run_s:.1f} s", flush=True)
    separate_returns = np.concatenate(separate_returns)
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.processor() or platform.machine()}, {jax.device_count()} x {jax.devices()[0].platform}",
        "devices": [str(device) for device in jax.devices()],
        "jax": jax.__version__,
        "preset": args.preset,
        "env": args.env,
        "mode": args.mode,
        "sweep": [{"field": axis.field, "values": list(axis.values)} for axis in swept.sweep],
        "grid_points": swept.grid_points,
        "realizations": swept.realizations,
        "games": swept.games,
        "one_program": {"compile_s": one_compile, "run_s": one_run},
        "one_after_another": {"compile_s": separate_compile, "run_s": separate_run},
        "speedup_total": (separate_compile + separate_run) / (one_compile + one_run),
        "speedup_run": separate_run / one_run,
        "returns_equal": bool(np.array_equal(one_returns, separate_returns)),
        "returns_max_abs_difference": float(np.max(np.abs(one_returns - separate_returns))),
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
