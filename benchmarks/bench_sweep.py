"""Sweep speed: a grid x realizations x games in one compiled program (``ExperimentConfig.sweep``) against
the same grid points run one after another (one compiled program each), side by side in one invocation.

    python benchmarks/bench_sweep.py --preset demo --games 500 --realizations 10 \
        --sweep agent.learning_rate=5e-4,1e-3,2e-3,4e-3 --sweep dream.lr_scale=0.25,0.5,1,2

Variants (``--variants``, default all): ``one_program`` (every member in one vmap), ``batched`` (one program
computing one grid point's realizations at a time: ``member_batch`` = realizations, ``jax.lax.map``),
``one_after_another`` (one run per grid point). All play the same games with the same keys: the script checks
that each program's returns equal the separate runs' (bit for bit on one device) and records compile and run
seconds of each in benchmarks/results/sweep_speed.json (with the machine and the jax version).
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
VARIANTS = ("one_program", "batched", "one_after_another")


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
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sweep_speed.json")
    args = parser.parse_args()
    base = apply_overrides(
        preset(args.preset), env=args.env, mode=args.mode, games=args.games, realizations=args.realizations
    )
    swept = with_sweep(base, args.sweep)
    print(f"{swept.grid_points} grid points x {swept.realizations} realizations x {swept.games} games", flush=True)
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
    }
    returns = {}
    programs = {"one_program": swept, "batched": swept.replace(member_batch=swept.realizations)}
    for variant in [variant for variant in VARIANTS if variant in args.variants]:
        if variant in programs:
            compile_s, run_s, returns[variant] = timed(programs[variant])
        else:
            compile_s = run_s = 0.0
            separate = []
            for values in grid_values(swept.sweep):
                point = base.replace(algorithm=point_algorithm(base.algorithm, swept.sweep, values))
                point_compile, point_run, point_returns = timed(point)
                compile_s, run_s = compile_s + point_compile, run_s + point_run
                separate.append(point_returns)
                print(f"  point {values.tolist()}: compile {point_compile:.1f} s, run {point_run:.1f} s", flush=True)
            returns[variant] = np.concatenate(separate)
        record[variant] = {"compile_s": compile_s, "run_s": run_s, "total_s": compile_s + run_s}
        print(f"{variant}: compile {compile_s:.1f} s, run {run_s:.1f} s", flush=True)
    if "one_after_another" in record:
        separate = record["one_after_another"]
        for variant in programs:
            if variant in record:
                record[variant]["speedup_total"] = separate["total_s"] / record[variant]["total_s"]
                record[variant]["speedup_run"] = separate["run_s"] / record[variant]["run_s"]
                difference = np.abs(returns[variant] - returns["one_after_another"])
                record[variant]["returns_equal"] = bool(np.array_equal(returns[variant], returns["one_after_another"]))
                record[variant]["returns_max_abs_difference"] = float(np.max(difference))
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
