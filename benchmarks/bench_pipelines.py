"""Cost of each observation pipeline per agent step, side by side in one invocation: the JAX Pong with its RAM
observation, with its frame rendered and projected (D = 4), and with its frame encoded by the paper-sized
autoencoder (33600-128-64-36); real ALE Pong with RAM, and with frames grabbed and projected on the host.
Only the environment and the pipeline are timed (no networks): B games side by side, S steps each.

    python benchmarks/bench_pipelines.py --batch 10 --steps 200

Writes benchmarks/results/pipeline_cost.json (microseconds per agent step per game, the machine, jax).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

from snnrl.envs import make
from snnrl.observations import ObservationConfig, observed
from snnrl.observations.autoencoder import AutoencoderShape, init_params, save

HERE = Path(__file__).parent


def jax_env(pipeline: str, autoencoder: str = ""):
    config = ObservationConfig(pipeline=pipeline, autoencoder=autoencoder)
    return observed(*make("pong", horizon=10**6), config)


def time_jax(env, params, batch: int, steps: int, repeats: int) -> float:
    """Microseconds per agent step per game of ``steps`` random-action steps of ``batch`` games (scan, vmap)."""

    def play(key):
        member = env.member_params(params, key) if hasattr(env, "member_params") else params
        _, state = env.reset(key, member)

        def body(state, key):
            observation, state, *_ = env.step(key, state, jax.random.randint(key, (), 0, 3), member)
            return state, observation

        return jax.lax.scan(body, state, jax.random.split(key, steps))[1]

    run = jax.jit(jax.vmap(play))
    keys = jax.random.split(jax.random.key(0), batch)
    jax.block_until_ready(run(keys))
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        jax.block_until_ready(run(keys))
        best = min(best, time.perf_counter() - started)
    return 1e6 * best / (batch * steps)


def time_ale(pipeline: str, batch: int, steps: int) -> float:
    """Microseconds per agent step per game of real ALE Pong, ``batch`` emulators stepped from the host."""
    env, params = observed(*make("ale:pong", batch_size=batch, horizon=10**6), ObservationConfig(pipeline=pipeline))
    keys = jax.random.split(jax.random.key(0), batch)
    if hasattr(env, "batch_params"):
        params = env.batch_params(params, keys)
    _, state = env.reset(keys[0], params)
    rng = np.random.default_rng(0)
    env.step(keys, state, rng.integers(0, 3, batch), params)  # compiles the sticky-action draw (and pipeline)
    started = time.perf_counter()
    for step in range(steps):
        _, state, *_ = env.step(jax.random.split(jax.random.key(step), batch), state, rng.integers(0, 3, batch), params)
    return 1e6 * (time.perf_counter() - started) / (batch * steps)


def machine() -> str:
    """CPU model (lscpu) or the platform's machine name."""
    import subprocess

    lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name")), None)
    return model or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = HERE / "runs" / "bench_autoencoder"
    shape = AutoencoderShape()
    save(folder, shape, init_params(shape, jax.random.key(0)), {"env": "untrained, for timing"})
    results = {
        "jax_pong": {
            "ram": time_jax(*jax_env("ram"), args.batch, args.steps, args.repeats),
            "projection": time_jax(*jax_env("projection"), args.batch, args.steps, args.repeats),
            "autoencoder": time_jax(*jax_env("autoencoder", str(folder)), args.batch, args.steps, args.repeats),
        },
        "ale_pong": {pipeline: time_ale(pipeline, args.batch, args.steps) for pipeline in ("ram", "projection")},
    }
    for env_name, times in results.items():
        for pipeline, micros in times.items():
            print(
                f"{env_name:9s} {pipeline:12s} {micros:9.1f} us per agent step per game ({micros / times['ram']:.1f}x RAM)"
            )
    record = {
        "batch": args.batch,
        "steps": args.steps,
        "microseconds_per_step_per_game": results,
        "machine": machine(),
        "cpu_count": os.cpu_count(),
        "jax": jax.__version__,
    }
    (HERE / "results" / "pipeline_cost.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
