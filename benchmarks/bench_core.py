"""Throughput of the core: one faithful game of the `official` preset (agent + world model, N = 500 each,
learning on: 20 model warm-up steps, 100 awake steps, the dream's 20 warm-up and 50 steps = 190 network
steps) for B realizations in one ``jax.jit(jax.vmap(play_game))`` on the JAX Pong, against the NumPy
transcription of the official code (tests/parity/reference_official.py: float64, one realization at a
time, the way the official code works) on a recorded ALE trajectory. Same run, same machine: each timed
JAX game is followed by timed NumPy games (the machine's load hits both alike); medians, and the best
games for a less loaded view. Prints realization-steps/s per B and the ratio to NumPy; writes JSON.

    python benchmarks/bench_core.py --batches 1 10 100 --games 5 --numpy-games 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.game import play_game
from snnrl.algorithms.learner import init_learner
from snnrl.experiments.config import preset
from snnrl.experiments.train import make_environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.parity.reference_official import OfficialReference  # noqa: E402
from tests.parity.trajectory import record_ale_pong  # noqa: E402


def network_steps(config: DreamingConfig) -> int:
    """Network steps of one game: the model's warm-up, the awake steps, the dream's warm-up and steps."""
    dream = config.model_warmup_steps * config.dream.model_warmup + config.dream.steps if config.mode == "dream" else 0
    return config.model_warmup_steps + config.awake_steps + dream


def batched_game(experiment):
    """jit(vmap(game)) over B learners (leading axis B) and keys (B,) on the JAX Pong; learners donated."""
    env, params = make_environment(experiment)
    config = experiment.algorithm

    def game(learner, key):
        return play_game(config, env, params, learner, key)[:2]

    return jax.jit(jax.vmap(game), donate_argnums=0)


class NumpyGames:
    """The NumPy reference's one realization (weights initialised like a JAX learner's), playing game after
    game on one recorded ALE trajectory with random forced actions; learning carries on."""

    def __init__(self, config: DreamingConfig, seed: int) -> None:
        learner = init_learner(jax.random.key(seed), config)
        self.reference = OfficialReference.from_learner(learner)
        self.trajectory = record_ale_pong(1, config.model_warmup_steps, config.awake_steps, seed)
        self.rng = np.random.default_rng(seed)
        self.config, self.games = config, config.agent_learning_start

    def play(self) -> float:
        """One game; returns its wall-clock seconds."""
        config, trajectory = self.config, self.trajectory
        awake = trajectory.actions[config.model_warmup_steps :]
        dream = self.rng.integers(0, 3, config.dream.steps)
        start = time.perf_counter()
        self.reference.play_game(self.games, trajectory.ram, trajectory.rewards, awake, config.mode == "dream", dream)
        self.games += 1
        return time.perf_counter() - start


def time_batch(
    experiment, batch: int, games: int, numpy_games: NumpyGames, numpy_per_game: int, max_gb: float, seed: int
) -> dict:
    """Compile for B = batch, check XLA's memory estimate, run one untimed game, then time ``games`` JAX
    games (learning carries on), each followed by ``numpy_per_game`` NumPy games. Seconds per game are
    wall-clock, JAX's with block_until_ready."""
    config = experiment.algorithm
    keys = jax.random.split(jax.random.key(seed), batch)
    initial = jax.vmap(lambda k: init_learner(k, config))
    abstract = jax.eval_shape(initial, keys)
    start = time.perf_counter()
    compiled = batched_game(experiment).lower(abstract, keys).compile()
    compile_s = time.perf_counter() - start
    memory = compiled.memory_analysis()
    needed = (
        memory.argument_size_in_bytes
        + memory.output_size_in_bytes
        + memory.temp_size_in_bytes
        - memory.alias_size_in_bytes
    )
    row = {"batch": batch, "compile_s": compile_s, "estimated_bytes": int(needed)}
    if needed > max_gb * 2**30:
        return row | {"skipped": f"needs ~{needed / 2**30:.1f} GiB > --max-gb {max_gb}"}
    learners = initial(keys).replace(game=jnp.full((batch,), config.agent_learning_start, jnp.int32))
    game_keys = jax.random.split(jax.random.key(seed + 1), (games + 1, batch))
    learners, _ = jax.block_until_ready(compiled(learners, game_keys[0]))
    jax_s, numpy_s = [], []
    for game_key in game_keys[1:]:
        start = time.perf_counter()
        learners, metrics = jax.block_until_ready(compiled(learners, game_key))
        jax_s.append(time.perf_counter() - start)
        numpy_s.extend(numpy_games.play() for _ in range(numpy_per_game))
    if not np.all(np.isfinite(np.asarray(metrics.model_state_error))):
        raise RuntimeError(f"B={batch}: non-finite model error")
    return row | {
        "game_s": jax_s,
        "median_game_s": statistics.median(jax_s),
        "min_game_s": min(jax_s),
        "numpy_game_s": numpy_s,
        "numpy_median_game_s": statistics.median(numpy_s),
        "numpy_min_game_s": min(numpy_s),
    }


def lscpu_model() -> str:
    """The CPU's model name from lscpu ('' where lscpu is missing)."""
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    match = re.search(r"^Model name:\s*(.+)$", output, re.MULTILINE)
    return match.group(1).strip() if match else ""


def machine_info() -> dict:
    """What the figures were measured on."""
    device = jax.devices()[0]
    return {
        "cpu_model": lscpu_model() or platform.processor(),
        "cpu_cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "numpy": np.__version__,
        "backend": jax.default_backend(),
        "device": f"{device.platform}: {device.device_kind}",
    }


def default_tag() -> str:
    """backend-device kind (GPU) or backend-CPU model, lower case with dashes."""
    device = jax.devices()[0]
    name = device.device_kind if device.platform != "cpu" else lscpu_model() or "cpu"
    return re.sub(r"[^a-z0-9]+", "-", f"{jax.default_backend()}-{name}".lower()).strip("-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 10, 100, 1000], help="realizations B")
    parser.add_argument("--games", type=int, default=3, help="timed JAX games per B (after one untimed)")
    parser.add_argument(
        "--numpy-games", type=int, default=3, help="timed NumPy games (one realization) after each JAX game"
    )
    parser.add_argument(
        "--max-gb", type=float, default=20.0, help="skip a B whose compiled memory estimate exceeds this"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device-tag", default=None, help="tag of the output file name (default: backend and device)")
    parser.add_argument(
        "--out", type=Path, default=None, help="JSON path (default benchmarks/results/core_throughput_<tag>.json)"
    )
    args = parser.parse_args()

    experiment = preset("official")
    config = experiment.algorithm
    steps = network_steps(config)
    tag = args.device_tag or default_tag()
    out = args.out or Path(__file__).resolve().parent / "results" / f"core_throughput_{tag}.json"
    machine = machine_info()
    print(
        f"{machine['device']} | {machine['cpu_model']} x{machine['cpu_cores']} | jax {machine['jax']} | {steps} steps/game"
    )

    numpy_games = NumpyGames(config, args.seed)
    numpy_games.play()
    rows = []
    for batch in args.batches:
        row = time_batch(experiment, batch, args.games, numpy_games, args.numpy_games, args.max_gb, args.seed)
        if "skipped" not in row:
            rate = batch * steps / row["median_game_s"]
            numpy_rate = steps / row["numpy_median_game_s"]
            best_ratio = batch * row["numpy_min_game_s"] / row["min_game_s"]
            row |= {
                "realization_steps_per_s": rate,
                "numpy_realization_steps_per_s": numpy_rate,
                "ratio_vs_numpy": rate / numpy_rate,
                "ratio_vs_numpy_best_games": best_ratio,
            }
            print(
                f"B={batch:5d}: compile {row['compile_s']:.1f} s | JAX {row['median_game_s']:.3f} s/game, "
                f"{rate:.0f} realization-steps/s | NumPy (1 realization) {row['numpy_median_game_s']:.3f} s/game, "
                f"{numpy_rate:.0f} realization-steps/s | ratio {rate / numpy_rate:.2f} (best games: {best_ratio:.2f})"
            )
        else:
            print(f"B={batch:5d}: {row['skipped']}")
        rows.append(row)
        out.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "machine": machine,
            "load_average_after_last_row": os.getloadavg(),
            "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "game": {
                "preset": "official",
                "model_warmup_steps": config.model_warmup_steps,
                "awake_steps": config.awake_steps,
                "dream_steps": config.dream.steps,
                "network_steps": steps,
                "n_neurons": config.agent.lif.n_neurons,
                "mode": config.mode,
                "model_update": config.model_update,
                "environment": "JAX Pong / recorded ALE Pong",
            },
            "jax": rows,
        }
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
