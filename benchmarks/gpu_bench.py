"""The GPU measurement of issue 28 (run through benchmarks/gpu.sh): on the first accelerator JAX finds, records
in benchmarks/results/gpu_<device>.json, with the device named:

- realization-steps/s of snnrl's compiled game (the ``official`` preset, JAX Pong, learning on) at the
  official world-model cadence (every step) and the per-game cadence (``model_update=game``) for 1, 10, 100
  and 1000 realizations, and the step latency at 1 realization;
- the Fig 2C study, 10 realizations, dream and none arms one after the other (``make_train``): its first
  ``--fig2c-games`` games timed after compiling and extrapolated to 2000 games (the JSON says so);
- PPO (CartPole-v1, 8 environments x 32 steps per update, 64 hidden units) steps/s with the spiking and the
  MLP network for 1, 256 and 4096 seeds in one program;
- for each, XLA's compiled memory estimate and the device's peak memory so far
  (``memory_stats()['peak_bytes_in_use']``, where the backend reports it).

Without a GPU it stops (exit 3) naming the device it found, never timing the CPU as a GPU; ``--cpu-smoke``
(or SNNRL_GPU_SMOKE=1) runs every part at a tiny size on whatever device there is (the test suite does, so
that the script never rots). Rows are written as they finish; a row that would start after
``--budget-s`` seconds is recorded as skipped, so that the whole run ends in time.

    python benchmarks/gpu_bench.py [--budget-s 420] [--fig2c-games 200] [--out PATH]
    python benchmarks/gpu_bench.py --cpu-smoke --out /tmp/gpu_smoke.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp

from snnrl.algorithms.game import play_game
from snnrl.algorithms.learner import init_learner
from snnrl.algorithms.networks import NetworkConfig
from snnrl.algorithms.ppo import PPOConfig
from snnrl.algorithms.ppo import make_train as make_ppo
from snnrl.experiments.config import preset
from snnrl.experiments.overrides import apply_overrides
from snnrl.experiments.train import make_environment, make_train

HERE = Path(__file__).resolve().parent
FULL = {"batches": (1, 10, 100, 1000), "games": 3, "fig2c_realizations": 10, "seeds": (1, 256, 4096), "ppo_steps": 2048}
SMOKE = {"batches": (1,), "games": 1, "fig2c_realizations": 1, "seeds": (1,), "ppo_steps": 256, "neurons": 16}


def device_name() -> str:
    """'platform: device kind' of the first device."""
    device = jax.devices()[0]
    return f"{device.platform}: {device.device_kind}"


def check_device(smoke: bool) -> None:
    """Exit 3 with a message naming the device found unless it is a GPU (or this is the CPU smoke run)."""
    if jax.devices()[0].platform != "gpu" and not smoke:
        print(
            f"benchmarks/gpu_bench.py: no GPU found (JAX's first device is {device_name()!r}); refusing to time "
            "the CPU as a GPU. Install jax with CUDA on a GPU machine, or pass --cpu-smoke for a tiny CPU check.",
            file=sys.stderr,
        )
        sys.exit(3)


def peak_bytes() -> int | None:
    """The device's peak bytes in use so far (None where the backend does not report it)."""
    stats = jax.devices()[0].memory_stats()
    return int(stats["peak_bytes_in_use"]) if stats and "peak_bytes_in_use" in stats else None


def compiled_bytes(compiled) -> int:
    """XLA's estimate of a compiled program's memory: arguments + outputs + temporaries - aliased."""
    m = compiled.memory_analysis()
    return int(m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes - m.alias_size_in_bytes)


def experiment(cadence: str, sizes: dict, **overrides):
    """The official preset on the JAX Pong with the world model learning per ``cadence`` ('step' or 'game')."""
    config = apply_overrides(preset("official"), env="pong", neurons=sizes.get("neurons"), **overrides)
    return config.replace(algorithm=config.algorithm.replace(model_update=cadence))


def network_steps(config) -> int:
    """Network steps of one game: model warm-up, awake steps, the dream's warm-up and steps."""
    dream = config.model_warmup_steps * config.dream.model_warmup + config.dream.steps if config.mode == "dream" else 0
    return config.model_warmup_steps + config.awake_steps + dream


def game_row(config, batch: int, games: int) -> dict:
    """Compile jit(vmap(game)) for ``batch`` realizations, play one untimed game, time ``games`` games."""
    env, params = make_environment(config)
    algorithm = config.algorithm

    def game(learner, key):
        return play_game(algorithm, env, params, learner, key)[:2]

    keys = jax.random.split(jax.random.key(0), batch)
    learners = jax.vmap(lambda k: init_learner(k, algorithm))(keys)
    learners = learners.replace(game=jnp.full((batch,), algorithm.agent_learning_start, jnp.int32))
    started = time.perf_counter()
    compiled = jax.jit(jax.vmap(game), donate_argnums=0).lower(learners, keys).compile()
    compile_s = time.perf_counter() - started
    game_keys = jax.random.split(jax.random.key(1), (games + 1, batch))
    learners, _ = jax.block_until_ready(compiled(learners, game_keys[0]))
    seconds = []
    for key in game_keys[1:]:
        started = time.perf_counter()
        learners, _ = jax.block_until_ready(compiled(learners, key))
        seconds.append(time.perf_counter() - started)
    steps, median = network_steps(algorithm), statistics.median(seconds)
    return {
        "compile_s": compile_s,
        "game_s": seconds,
        "realization_steps_per_s": batch * steps / median,
        "step_latency_s": median / steps,
        "compiled_bytes": compiled_bytes(compiled),
        "peak_bytes_so_far": peak_bytes(),
    }


def fig2c_row(mode: str, sizes: dict, games: int) -> dict:
    """The Fig 2C arm ``mode`` for the study's realizations: ``games`` games in one make_train program, run
    twice (the first call compiles), the second timed and extrapolated to 2000 games."""
    config = experiment("step", sizes, mode=mode, games=games, realizations=sizes["fig2c_realizations"])
    train, key = make_train(config), jax.random.key(0)
    started = time.perf_counter()
    jax.block_until_ready(train(key))
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    _, metrics = jax.block_until_ready(train(key))
    run_s = time.perf_counter() - started
    steps = config.realizations * games * network_steps(config.algorithm)
    return {
        "realizations": config.realizations,
        "games_timed": games,
        "compile_and_first_run_s": first_s,
        "run_s": run_s,
        "realization_steps_per_s": steps / run_s,
        "extrapolated_2000_games_s": run_s * 2000 / games,
        "extrapolated": games != 2000,
        "finite_returns": bool(jnp.all(jnp.isfinite(metrics.game_return))),
        "peak_bytes_so_far": peak_bytes(),
    }


def ppo_row(kind: str, seeds: int, steps: int) -> dict:
    """Steps/s of PPO on CartPole-v1 (``kind`` network, 64 hidden) for ``seeds`` seeds in one program."""
    network = NetworkConfig(kind=kind, n_hidden=64)
    config = PPOConfig(env="gymnax:CartPole-v1", network=network, n_envs=8, n_steps=32, total_steps=steps)
    keys = jax.random.split(jax.random.key(0), seeds)
    started = time.perf_counter()
    compiled = jax.jit(jax.vmap(make_ppo(config))).lower(keys).compile()
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    jax.block_until_ready(compiled(keys))
    run_s = time.perf_counter() - started
    return {
        "compile_s": compile_s,
        "steps_per_s": seeds * config.total_steps / run_s,
        "compiled_bytes": compiled_bytes(compiled),
        "peak_bytes_so_far": peak_bytes(),
    }


def rows(sizes: dict, fig2c_games: int):
    """(name, thunk) of every measurement, in the order run."""
    for cadence in ("step", "game"):
        for batch in sizes["batches"]:
            yield (
                f"game/{cadence}/{batch}",
                lambda c=cadence, b=batch: game_row(experiment(c, sizes), b, sizes["games"]),
            )
    for mode in ("dream", "none"):
        yield f"fig2c/{mode}", lambda m=mode: fig2c_row(m, sizes, fig2c_games)
    for kind in ("lif", "mlp"):
        for seeds in sizes["seeds"]:
            yield f"ppo/{kind}/{seeds}", lambda k=kind, s=seeds: ppo_row(k, s, sizes["ppo_steps"])


def main(argv: list[str] | None = None) -> dict:
    """Parse, check the device, run the rows within the budget, write and return the record."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu-smoke", action="store_true", default=os.environ.get("SNNRL_GPU_SMOKE") == "1")
    parser.add_argument("--budget-s", type=float, default=420.0, help="start no row after this many seconds")
    parser.add_argument("--fig2c-games", type=int, default=None, help="games timed per Fig 2C arm (200; smoke 1)")
    parser.add_argument("--out", type=Path, default=None, help="default benchmarks/results/gpu_<device>.json")
    args = parser.parse_args(argv)
    check_device(args.cpu_smoke)
    sizes = SMOKE if args.cpu_smoke else FULL
    fig2c_games = args.fig2c_games or (1 if args.cpu_smoke else 200)
    tag = re.sub(r"[^a-z0-9]+", "-", jax.devices()[0].device_kind.lower()).strip("-")
    out = args.out or HERE / "results" / f"gpu_{tag}{'_smoke' if args.cpu_smoke else ''}.json"
    record = {
        "device": device_name(),
        "devices": [str(d) for d in jax.devices()],
        "jax": jax.__version__,
        "smoke": args.cpu_smoke,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "sizes": {k: list(v) if isinstance(v, tuple) else v for k, v in sizes.items()},
        "rows": {},
    }
    print(f"device: {record['device']}{' (CPU smoke run, tiny sizes)' if args.cpu_smoke else ''}", flush=True)
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    for name, measure in rows(sizes, fig2c_games):
        if time.perf_counter() - started > args.budget_s:
            record["rows"][name] = {"skipped": f"time budget of {args.budget_s:.0f} s spent"}
        else:
            record["rows"][name] = measure()
        print(name, json.dumps(record["rows"][name]), flush=True)
        record["elapsed_s"] = time.perf_counter() - started
        out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")
    return record


if __name__ == "__main__":
    main()
