"""Throughput of the core: one game of agent + world model (N = 500 each, learning on) for B realizations
in one ``jax.jit(jax.vmap(game))``, against the plain NumPy reference (benchmarks/numpy_reference.py)
stepping one realization at a time, the way the official code works. Same run, same machine.

A game is ``warm_up_steps`` NOOP steps of both networks (no learning; stand-in for the official code's
environment warm-up), then snnrl.algorithms.game.play_game: ``awake_steps`` real steps (the world model
takes an Adam step every step) and a dream of ``dream_steps``: 21 + 100 + 50 = 171 network steps with
DreamingConfig's defaults. The environment is a synthetic gymnax-style random walk defined here, so no
emulator is timed. Each timed JAX game is followed by timed NumPy games (the machine's load, shared or
not, hits both alike); medians, and the best games for a less loaded view. Prints realization-steps/s per B and the ratio to NumPy; writes JSON.

    python benchmarks/bench_core.py --batches 1 10 100 1000 --games 5 --numpy-games 3
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
from dataclasses import asdict
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.game import play_game
from snnrl.algorithms.learner import Learner, init_learner
from snnrl.core import lif
from snnrl.models.agent import agent_step
from snnrl.models.world_model import world_model_step

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy_reference as ref  # noqa: E402

WARM_UP_STEPS = 21
N_VARIABLES = 4


@struct.dataclass
class WalkParams:
    """Random-walk step std and probability of a non-zero reward (then +1 or -1 with equal odds)."""

    step_std: float = 0.02
    reward_probability: float = 0.02


@struct.dataclass
class WalkState:
    """Position (4,) in [0, 1]."""

    position: jax.Array


class RandomWalk:
    """gymnax-style synthetic environment: observations a random walk clipped to [0, 1]^4 (the action is
    ignored), reward +-1 with probability reward_probability, never done."""

    def reset(self, key: jax.Array, params: WalkParams) -> tuple[jax.Array, WalkState]:
        position = jax.random.uniform(key, (N_VARIABLES,))
        return position, WalkState(position)

    def step(self, key: jax.Array, state: WalkState, action: jax.Array, params: WalkParams):
        key_move, key_reward, key_sign = jax.random.split(key, 3)
        move = params.step_std * jax.random.normal(key_move, (N_VARIABLES,))
        position = jnp.clip(state.position + move, 0.0, 1.0)
        rewarded = jax.random.uniform(key_reward) < params.reward_probability
        reward = jnp.where(rewarded, jnp.where(jax.random.bernoulli(key_sign), 1.0, -1.0), 0.0)
        return position, WalkState(position), reward, jnp.zeros((), bool), jnp.zeros((), bool), {}


class NumpyRandomWalk:
    """The same random walk for the NumPy reference."""

    def __init__(self, params: WalkParams) -> None:
        self.params = params
        self.position = np.zeros(N_VARIABLES, np.float32)

    def reset(self, rng: np.random.Generator) -> np.ndarray:
        self.position = rng.random(N_VARIABLES).astype(np.float32)
        return self.position

    def step(self, rng: np.random.Generator, action: int) -> tuple[np.ndarray, float]:
        move = self.params.step_std * rng.standard_normal(N_VARIABLES)
        self.position = np.clip(self.position + move, 0.0, 1.0).astype(np.float32)
        if rng.random() < self.params.reward_probability:
            return self.position, 1.0 if rng.random() < 0.5 else -1.0
        return self.position, 0.0


def warm_up(config: DreamingConfig, learner: Learner, env: RandomWalk, params: WalkParams, key: jax.Array) -> jax.Array:
    """WARM_UP_STEPS NOOP steps of both networks from fresh states on the walk, no learning (play_game
    starts from fresh states again). Returns the spike count () so that XLA keeps the work."""
    key_reset, key_steps = jax.random.split(key)
    observation, env_state = env.reset(key_reset, params)
    noop = jnp.zeros((), jnp.int32)

    def step(carry, step_key):
        agent_state, model_state, env_state, observation = carry
        key_act, key_env = jax.random.split(step_key)
        agent_state, acted = agent_step(config.agent, learner.agent, agent_state, observation, key_act)
        model_state, predicted = world_model_step(config.world_model, learner.world_model, model_state, observation, noop)
        observation, env_state, *_ = env.step(key_env, env_state, noop, params)
        spikes = jnp.sum(acted.network.spikes) + jnp.sum(predicted.network.spikes)
        return (agent_state, model_state, env_state, observation), spikes

    initial = (lif.init_state(config.agent.lif), lif.init_state(config.world_model.lif), env_state, observation)
    _, spikes = jax.lax.scan(step, initial, jax.random.split(key_steps, WARM_UP_STEPS))
    return jnp.sum(spikes)


def batched_game(config: DreamingConfig, params: WalkParams):
    """jit(vmap(game)) over B learners (Learner with leading axis B) and keys (B, 2); the learners are
    donated. Returns (learners, GameMetrics (B,), warm-up spike counts (B,))."""
    env = RandomWalk()

    def game(learner: Learner, key: jax.Array):
        key_warm, key_game = jax.random.split(key)
        spikes = warm_up(config, learner, env, params, key_warm)
        learner, metrics = play_game(config, env, params, learner, key_game)
        return learner, metrics, spikes

    return jax.jit(jax.vmap(game), donate_argnums=0)


class NumpyGames:
    """The NumPy reference's one realization (weights initialised like a JAX learner's), playing game
    after game on the NumPy random walk; learning carries on from game to game."""

    def __init__(self, config: DreamingConfig, seed: int) -> None:
        self.config = config
        self.agent, self.model = ref.from_learner(config, init_learner(jax.random.PRNGKey(seed), config))
        self.env = NumpyRandomWalk(WalkParams())
        self.rng = np.random.default_rng(seed)
        self.sampler = ref.InverseCdfSampler(self.rng)
        self.games = 0

    def play(self) -> float:
        """Warm-up and one game; returns its wall-clock seconds."""
        start = time.perf_counter()
        ref.warm_up(self.agent, self.model, self.env, self.rng, WARM_UP_STEPS)
        ref.play_game(self.config, self.agent, self.model, self.env, self.rng, self.sampler, self.games)
        self.games += 1
        return time.perf_counter() - start


def time_batch(
    config: DreamingConfig, batch: int, games: int, numpy_games: NumpyGames, numpy_per_game: int, max_gb: float, seed: int
) -> dict:
    """Compile for B = batch, check XLA's memory estimate, run one untimed game, then time ``games``
    JAX games (learning carries on), each followed by ``numpy_per_game`` NumPy games so that both see
    the same load on a shared machine. Seconds per game are wall-clock, JAX's with block_until_ready."""
    params = WalkParams()
    keys = jax.random.split(jax.random.PRNGKey(seed), batch)
    abstract = jax.eval_shape(jax.vmap(lambda k: init_learner(k, config)), keys)
    start = time.perf_counter()
    compiled = batched_game(config, params).lower(abstract, keys).compile()
    compile_s = time.perf_counter() - start
    memory = compiled.memory_analysis()
    needed = memory.argument_size_in_bytes + memory.output_size_in_bytes + memory.temp_size_in_bytes - memory.alias_size_in_bytes
    row = {"batch": batch, "compile_s": compile_s, "estimated_bytes": int(needed)}
    if needed > max_gb * 2**30:
        return row | {"skipped": f"needs ~{needed / 2**30:.1f} GiB > --max-gb {max_gb}"}
    learners = jax.vmap(lambda k: init_learner(k, config))(keys)
    game_keys = jax.random.split(jax.random.PRNGKey(seed + 1), (games + 1, batch))
    learners, *_ = jax.block_until_ready(compiled(learners, game_keys[0]))
    jax_s, numpy_s = [], []
    for game_key in game_keys[1:]:
        start = time.perf_counter()
        learners, metrics, spikes = jax.block_until_ready(compiled(learners, game_key))
        jax_s.append(time.perf_counter() - start)
        numpy_s.extend(numpy_games.play() for _ in range(numpy_per_game))
    if not np.all(np.isfinite(np.asarray(metrics.model_state_error))) or float(jnp.min(spikes)) <= 0:
        raise RuntimeError(f"B={batch}: non-finite model error or silent networks")
    return row | {"game_s": jax_s, "median_game_s": statistics.median(jax_s), "min_game_s": min(jax_s),
                  "numpy_game_s": numpy_s, "numpy_median_game_s": statistics.median(numpy_s),
                  "numpy_min_game_s": min(numpy_s)}


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
    parser.add_argument("--numpy-games", type=int, default=3, help="timed NumPy games (one realization) after each JAX game")
    parser.add_argument("--max-gb", type=float, default=20.0, help="skip a B whose compiled memory estimate exceeds this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device-tag", default=None, help="tag of the output file name (default: backend and device)")
    parser.add_argument("--out", type=Path, default=None, help="JSON path (default benchmarks/results/core_throughput_<tag>.json)")
    args = parser.parse_args()

    config = DreamingConfig(agent_learning_start=0)
    steps = ref.steps_per_game(config, WARM_UP_STEPS)
    tag = args.device_tag or default_tag()
    out = args.out or Path(__file__).resolve().parent / "results" / f"core_throughput_{tag}.json"
    machine = machine_info()
    print(f"{machine['device']} | {machine['cpu_model']} x{machine['cpu_cores']} | jax {machine['jax']} | {steps} steps/game")

    numpy_games = NumpyGames(config, args.seed)
    numpy_games.play()
    rows = []
    for batch in args.batches:
        row = time_batch(config, batch, args.games, numpy_games, args.numpy_games, args.max_gb, args.seed)
        if "skipped" not in row:
            rate = batch * steps / row["median_game_s"]
            numpy_rate = steps / row["numpy_median_game_s"]
            best_ratio = batch * row["numpy_min_game_s"] / row["min_game_s"]
            row |= {"realization_steps_per_s": rate, "numpy_realization_steps_per_s": numpy_rate,
                    "ratio_vs_numpy": rate / numpy_rate, "ratio_vs_numpy_best_games": best_ratio}
            print(f"B={batch:5d}: compile {row['compile_s']:.1f} s | JAX {row['median_game_s']:.3f} s/game, "
                  f"{rate:.0f} realization-steps/s | NumPy (1 realization) {row['numpy_median_game_s']:.3f} s/game, "
                  f"{numpy_rate:.0f} realization-steps/s | ratio {rate / numpy_rate:.2f} (best games: {best_ratio:.2f})")
        else:
            print(f"B={batch:5d}: {row['skipped']}")
        rows.append(row)
        out.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "machine": machine,
            "load_average_after_last_row": os.getloadavg(),
            "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "game": {"warm_up_steps": WARM_UP_STEPS, "awake_steps": config.awake_steps,
                     "dream_steps": config.dream_steps, "steps": steps, "n_neurons": config.agent.lif.n_neurons,
                     "mode": config.mode, "model_update": config.model_update, "environment": asdict(WalkParams())},
            "jax": rows,
        }
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
