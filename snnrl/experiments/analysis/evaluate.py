"""Evaluate a trained agent: load a results folder's learners and play games with frozen weights.

    config, learners = load_run("runs/dream")                       # the last checkpoint
    returns = evaluate(config, learners, jax.random.key(1), games=100, greedy=True)   # (members, games)

``evaluate`` is one jitted program (games vmapped per member, members vmapped; on a host-side environment,
ALE, the emulators are stepped from the host between compiled agent steps); it returns new arrays and
never changes ``learners``. ``evaluate_folder`` (``snnrl eval``) writes returns.csv, summary.json and a
figure into its own folder (default FOLDER/eval), never into the run's files; it hands an ``snnrl algo``
folder to evaluate_family.evaluate_family_folder. How-to: docs/howto/evaluate.md.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.dreaming.evaluation import evaluation_action, evaluation_game, evaluation_keys
from snnrl.algorithms.dreaming.game import begin_game
from snnrl.algorithms.dreaming.hidden_layers import chip_roles
from snnrl.algorithms.dreaming.imagination import NOOP
from snnrl.algorithms.dreaming.learner import Learner
from snnrl.core.storage import write_atomic, write_json
from snnrl.experiments.analysis.evaluate_family import evaluate_family_folder
from snnrl.experiments.analysis.plots import returns_histogram
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.run.checkpoint import CHECKPOINT
from snnrl.experiments.run.family import is_family_folder
from snnrl.experiments.run.runner import load_state, read_config
from snnrl.experiments.run.sweep_results import member_column
from snnrl.experiments.train.environment import make_environment, prepare
from snnrl.experiments.train.members import member_algorithm, member_env_params, member_keys, member_values
from snnrl.observations import with_batch_size


def _refuse_other_folders(folder: Path) -> None:
    """ValueError naming ``folder`` if it is an ``snnrl algo`` folder; FileNotFoundError if it holds no
    checkpoint (or no config.json)."""
    path = folder / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"{folder} holds no config.json (is it a results folder of `snnrl train`?)")
    if is_family_folder(folder):
        algorithm = json.loads(path.read_text())["algorithm"]
        raise ValueError(
            f"{folder} is an `snnrl algo` run ({algorithm}); load it with evaluate_family.load_family_run "
            "(evaluate_folder and snnrl eval take both kinds)"
        )
    if not (folder / CHECKPOINT).exists():
        raise FileNotFoundError(f"{folder} holds no {CHECKPOINT}: its run saved no learners to evaluate")


def _spaces(env, env_params) -> tuple[tuple[int, ...], int]:
    return tuple(env.observation_space(env_params).shape), int(env.action_space(env_params).n)


def with_environment(config: ExperimentConfig, env_name: str, folder: Path) -> ExperimentConfig:
    """``config`` on environment ``env_name``; ValueError naming ``folder`` and what differs if its
    observation or action space is not the run's."""
    run_spaces = _spaces(*make_environment(config)[:2])
    other = config.replace(env=env_name)
    other_spaces = _spaces(*make_environment(other)[:2])
    names = ("observation shape", "action count")
    differing = [
        f"{name} {new} != the run's {old}"
        for name, old, new in zip(names, run_spaces, other_spaces, strict=True)
        if old != new
    ]
    if differing:
        raise ValueError(f"{folder} was trained on {config.env!r}; {env_name!r} differs: {'; '.join(differing)}")
    return other


def load_run(folder: Path | str, env: str | None = None) -> tuple[ExperimentConfig, Learner]:
    """(config fitted to its environment, learners of the last checkpoint (leading axis: members)) of a
    results folder of ``snnrl train``. ``env``: evaluate on another environment with the same observation
    and action spaces. Refuses (ValueError / FileNotFoundError naming the folder) a folder without
    checkpoint, of another snnrl version, of ``snnrl algo``, or whose hidden layers run on a real chip.
    Reads only."""
    folder = Path(folder)
    _refuse_other_folders(folder)
    config, _, _ = prepare(read_config(folder))
    learners = load_state(config, folder).learners
    if env is not None and env != config.env:
        config = with_environment(config, env, folder)
    config, _, _ = prepare(config)
    if chip_roles(config.algorithm):
        raise ValueError(f"{folder} runs hidden layers on a real chip (backend 'dynapse1'): snnrl eval cannot")
    return config, learners


def evaluate(
    config: ExperimentConfig, learners: Learner, key: jax.Array, games: int, greedy: bool = False
) -> np.ndarray:
    """Returns (members, games) of ``games`` games per member with frozen weights (member m's game g is
    played on ``split(key, members * games)[m * games + g]``), sampled or greedy (argmax) policy."""
    game_keys = jax.random.split(key, config.members * games).reshape(config.members, games)
    return np.asarray(evaluate_on_keys(config, learners, game_keys, greedy))


def evaluate_on_keys(config: ExperimentConfig, learners: Learner, game_keys: jax.Array, greedy: bool = False):
    """Returns (members, games) of the games on ``game_keys`` (members, games), one compiled program (a
    host-side environment: its emulators stepped from the host, compiled agent steps; evaluate_on_host)."""
    config, env, env_params = prepare(config)
    if env.host_side:
        return evaluate_on_host(config, env, env_params, learners, game_keys, greedy)

    def member(learner: Learner, base_key: jax.Array, values: jax.Array, keys: jax.Array) -> jax.Array:
        algorithm = member_algorithm(config, values)
        params = member_env_params(env, env_params, base_key)
        game = lambda key: evaluation_game(algorithm, env, params, learner, key, greedy)  # noqa: E731
        return jax.vmap(game)(keys)

    program = jax.jit(jax.vmap(member))
    return program(learners, member_keys(config), member_values(config), game_keys)


def evaluate_on_host(config: ExperimentConfig, env, env_params, learners: Learner, game_keys, greedy: bool):
    """``evaluate_on_keys`` for a host-side environment (ALE): one emulator per realization, stepped together
    from the host (as experiments.train.host_loop; every emulator reset with the first realization's key),
    the agents' steps compiled and vmapped. Returns (R, games)."""
    algorithm = config.algorithm
    params = with_batch_size(env_params, config.realizations)
    base_keys = member_keys(config)
    params = env.batch_params(params, base_keys) if hasattr(env, "batch_params") else params
    split = jax.jit(jax.vmap(lambda key: evaluation_keys(key, algorithm.awake_steps, algorithm.model_warmup_steps)))
    begin = jax.jit(jax.vmap(lambda learner, key: begin_game(algorithm, learner, key).agent_state))
    act = jax.jit(jax.vmap(lambda l, s, o, k: evaluation_action(algorithm, l, s, o, k, greedy)))  # noqa: E741
    noops = np.full((config.realizations,), NOOP, np.int32)
    returns = np.zeros(game_keys.shape, np.float32)
    for game in range(game_keys.shape[1]):
        key_reset, sample_keys, env_keys, key_begin, warmup_keys = split(game_keys[:, game])
        observation, env_state = env.reset(key_reset[0], params)
        for step in range(algorithm.model_warmup_steps):
            observation, env_state, *_ = env.step(warmup_keys[:, step], env_state, noops, params)
        agent_state = begin(learners, key_begin)
        for step in range(algorithm.awake_steps):
            agent_state, action = act(learners, agent_state, jnp.asarray(observation), sample_keys[:, step])
            observation, env_state, reward, *_ = env.step(env_keys[:, step], env_state, np.asarray(action), params)
            returns[:, game] += np.asarray(reward, np.float32)
    return returns


def summarize_returns(config: ExperimentConfig, returns: np.ndarray, greedy: bool, folder: Path, seed: int) -> dict:
    """summary.json of an evaluation: mean, SD and standard error over all games, per member the mean."""
    flat = returns.reshape(-1)
    return {
        "folder": str(folder),
        "env": config.env,
        "preset": config.preset,
        "mode": config.algorithm.mode,
        "policy": "greedy" if greedy else "sampled",
        "games": int(returns.shape[1]),
        "members": int(returns.shape[0]),
        "seed": seed,
        "mean_return": float(flat.mean()),
        "sd_return": float(flat.std(ddof=1)) if flat.size > 1 else 0.0,
        "se_return": float(flat.std(ddof=1) / math.sqrt(flat.size)) if flat.size > 1 else 0.0,
        "mean_return_per_member": {member_column(config, m): float(returns[m].mean()) for m in range(len(returns))},
    }


def _figure(config: ExperimentConfig, returns: np.ndarray, summary: dict, out: Path) -> Path:
    title = (
        f"eval: {config.preset}, {config.env}, {config.algorithm.mode}, {summary['policy']} policy, "
        f"{summary['members']} realizations x {summary['games']} games"
    )
    return returns_histogram(returns, title, "return per game (frozen weights)", out / "returns.png")


def evaluate_folder(
    folder: Path | str,
    games: int = 100,
    greedy: bool = False,
    out: Path | None = None,
    env: str | None = None,
    seed: int = 0,
) -> tuple[dict, list[Path]]:
    """``snnrl eval``: evaluate the folder's learners and write returns.csv, summary.json and returns.png
    into ``out`` (default FOLDER/eval; a folder inside the run's, never one of its files). Returns the
    summary and the written paths. Everything is checked before anything is written. An ``snnrl algo``
    folder is evaluated by evaluate_family.evaluate_family_folder (``games`` episodes per seed)."""
    folder = Path(folder)
    if is_family_folder(folder):
        return evaluate_family_folder(folder, games, greedy, out, env, seed)
    config, learners = load_run(folder, env)
    out = folder / "eval" if out is None else Path(out)
    returns = evaluate(config, learners, jax.random.key(seed), games, greedy)
    summary = summarize_returns(config, returns, greedy, folder, seed)
    out.mkdir(parents=True, exist_ok=True)
    header = "game," + ",".join(member_column(config, m) for m in range(returns.shape[0]))
    rows = [f"{g}," + ",".join(f"{v:g}" for v in returns[:, g]) for g in range(returns.shape[1])]
    write_atomic(out / "returns.csv", ("\n".join([header, *rows]) + "\n").encode())
    write_json(out / "summary.json", summary)
    return summary, [out / "returns.csv", out / "summary.json", _figure(config, returns, summary, out)]
