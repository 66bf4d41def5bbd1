"""Evaluate a trained agent of ``snnrl algo``: load the learners of its folder's last checkpoint and play
episodes with frozen weights (the family's counterpart of evaluate.py, which ``snnrl eval`` hands
``snnrl algo`` folders to).

    run, params = load_family_run("runs/ppo")                  # params: a leading seed axis
    result = evaluate_family(run, params, jax.random.key(1), episodes=100, greedy=True)
    result.returns                                              # (seeds, episodes)

One jitted program plays every episode (episodes vmapped per seed, seeds vmapped; algorithms/family/acting);
it returns new arrays and never changes ``params``. An episode runs until the environment ends it, or is
cut after ``max_steps`` decisions (counted in the summary). How-to: docs/howto/evaluate.md.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, NamedTuple

import jax
import numpy as np

from snnrl.algorithms.family.acting import play_episodes
from snnrl.algorithms.family.chunked import trained_params
from snnrl.algorithms.family.common import make_env
from snnrl.algorithms.family.registry import ACTING
from snnrl.core.storage import write_atomic, write_json
from snnrl.experiments.analysis.plots import returns_histogram
from snnrl.experiments.run.family import FamilyRun, read_family_run, run_id

CHECKPOINT = "checkpoint.npz"
MAX_STEPS = 10_000  # decisions after which an evaluation episode is cut


class FamilyEvaluation(NamedTuple):
    """Per seed and episode (seeds, episodes): return, length (decisions) and whether the environment ended
    the episode (False: cut after max_steps)."""

    returns: np.ndarray
    lengths: np.ndarray
    finished: np.ndarray


def _spaces(env_name: str) -> tuple[tuple[int, ...], Any]:
    env, env_params = make_env(env_name)
    space = env.action_space(env_params)
    return tuple(env.observation_space(env_params).shape), getattr(space, "n", type(space).__name__)


def with_family_environment(run: FamilyRun, env_name: str, folder: Path) -> FamilyRun:
    """``run`` on environment ``env_name``; ValueError naming ``folder`` and what differs if its observation
    shape or action count is not the run's."""
    differing = [
        f"{name} {new} != the run's {old}"
        for name, old, new in zip(
            ("observation shape", "action count"), _spaces(run.config.env), _spaces(env_name), strict=True
        )
        if old != new
    ]
    if differing:
        raise ValueError(f"{folder} was trained on {run.config.env!r}; {env_name!r} differs: {'; '.join(differing)}")
    return dataclasses.replace(run, config=dataclasses.replace(run.config, env=env_name))


def load_family_run(folder: Path | str, env: str | None = None) -> tuple[FamilyRun, Any]:
    """(run, params with a leading seed axis from the last checkpoint) of an ``snnrl algo`` folder. ``env``:
    evaluate on another environment with the same observation and action spaces. Refuses (ValueError /
    FileNotFoundError naming the folder) a folder that is no ``snnrl algo`` run, has no checkpoint, or whose
    checkpoint or config does not fit this snnrl (another version). Reads only."""
    folder = Path(folder)
    run = read_family_run(folder)
    if not (folder / CHECKPOINT).exists():
        raise FileNotFoundError(f"{folder} holds no {CHECKPOINT}: its run saved no learners to evaluate")
    try:
        params, _ = trained_params(run.algorithm, run.config, run.seeds, folder / CHECKPOINT, run_id(folder))
    except (KeyError, TypeError) as error:
        raise ValueError(f"{folder}/{CHECKPOINT} does not fit this snnrl's {run.algorithm}: {error}") from error
    if env is not None and env != run.config.env:
        run = with_family_environment(run, env, folder)
    return run, params


def evaluate_family(
    run: FamilyRun, params: Any, key: jax.Array, episodes: int, greedy: bool = False, max_steps: int = MAX_STEPS
) -> FamilyEvaluation:
    """``episodes`` episodes per seed with frozen ``params`` (seed s's episode e is played on
    ``split(key, seeds * episodes)[s * episodes + e]``), sampled or greedy (acting.choose_action)."""
    if not isinstance(episodes, int) or episodes < 1:
        raise ValueError(f"episodes must be an integer >= 1, got {episodes!r}")
    env, env_params = make_env(run.config.env)
    keys = jax.random.split(key, run.seeds * episodes).reshape(run.seeds, episodes)
    acting = ACTING[run.algorithm](run.config)
    returns, lengths, finished = play_episodes(acting, env, env_params, params, keys, greedy, max_steps)
    return FamilyEvaluation(np.asarray(returns), np.asarray(lengths), np.asarray(finished))


def summarize_family(run: FamilyRun, result: FamilyEvaluation, greedy: bool, folder: Path, seed: int) -> dict:
    """summary.json of an evaluation: mean, SD and standard error over all episodes, per seed the mean,
    mean length and the episodes cut at max_steps."""
    flat = result.returns.reshape(-1)
    spread = flat.size > 1
    return {
        "folder": str(folder),
        "algorithm": run.algorithm,
        "env": run.config.env,
        "policy": "greedy" if greedy else "sampled",
        "episodes": int(result.returns.shape[1]),
        "seeds": int(result.returns.shape[0]),
        "seed": seed,
        "mean_return": float(flat.mean()),
        "sd_return": float(flat.std(ddof=1)) if spread else 0.0,
        "se_return": float(flat.std(ddof=1) / math.sqrt(flat.size)) if spread else 0.0,
        "mean_length": float(result.lengths.mean()),
        "episodes_cut": int((~result.finished).sum()),
        "mean_return_per_seed": {f"seed_{s}": float(result.returns[s].mean()) for s in range(result.returns.shape[0])},
    }


def evaluate_family_folder(
    folder: Path | str,
    episodes: int = 100,
    greedy: bool = False,
    out: Path | None = None,
    env: str | None = None,
    seed: int = 0,
) -> tuple[dict, list[Path]]:
    """``snnrl eval`` of an ``snnrl algo`` folder: write returns.csv (episode, seed_0, ...), summary.json and
    returns.png into ``out`` (default FOLDER/eval; a folder of its own, never one of the run's files). Returns
    the summary and the written paths. Everything is checked before anything is written."""
    folder = Path(folder)
    run, params = load_family_run(folder, env)
    out = folder / "eval" if out is None else Path(out)
    result = evaluate_family(run, params, jax.random.key(seed), episodes, greedy)
    summary = summarize_family(run, result, greedy, folder, seed)
    out.mkdir(parents=True, exist_ok=True)
    returns = result.returns
    header = "episode," + ",".join(f"seed_{s}" for s in range(returns.shape[0]))
    rows = [f"{e}," + ",".join(f"{v:g}" for v in returns[:, e]) for e in range(returns.shape[1])]
    write_atomic(out / "returns.csv", ("\n".join([header, *rows]) + "\n").encode())
    write_json(out / "summary.json", summary)
    title = (
        f"eval: {run.algorithm}, {run.config.env}, {run.config.network.kind} N = {run.config.network.n_hidden}, "
        f"{summary['policy']} policy, {summary['seeds']} seeds x {summary['episodes']} episodes"
    )
    figure = returns_histogram(returns, title, "return per episode (frozen weights)", out / "returns.png")
    return summary, [out / "returns.csv", out / "summary.json", figure]
