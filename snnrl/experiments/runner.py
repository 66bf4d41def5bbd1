"""Run an experiment into a results folder, chunk by chunk, resumable after a crash.

Folder layout: config.json (full config), checkpoint.npz (learners + metrics so far, written
atomically after every chunk), metrics.npz (per game and realization: game_return, model_state_error,
model_reward_error, policy_entropy, imagined_return, interactions), returns.csv, summary.json.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from snnrl import __version__
from snnrl.algorithms.game import GameMetrics
from snnrl.algorithms.learner import Learner
from snnrl.experiments.config import ExperimentConfig
from snnrl.experiments.overrides import fit_to_environment
from snnrl.experiments.progress import ProgressReporter
from snnrl.experiments.storage import load_pytree, save_pytree, write_atomic, write_json, write_npz
from snnrl.experiments.hidden_layers import board_session
from snnrl.experiments.train import init_learners, learner_shapes, make_environment, make_chunk, realization_keys, realization_sharding, shard

METRIC_NAMES = tuple(GameMetrics.__dataclass_fields__)
CHECKPOINT = "checkpoint.npz"


class DivergenceError(RuntimeError):
    """A run produced NaN/inf; the checkpoint before the bad chunk is kept."""


@dataclass
class RunState:
    """Host-side progress of a run: learners, metrics so far (name -> (R, games_done)), wall seconds."""

    learners: Learner
    metrics: dict[str, np.ndarray]
    wall_seconds: float

    @property
    def games_done(self) -> int:
        return self.metrics["game_return"].shape[1]


def _chunk_function(config: ExperimentConfig, env, env_params) -> Callable:
    if getattr(env, "host_side", False):
        from snnrl.experiments.host_loop import make_host_chunk

        return make_host_chunk(config, env, env_params)
    return make_chunk(config, env, env_params)


MODEL_METRICS = ("model_state_error", "model_reward_error")


def _check_finite(config: ExperimentConfig, metrics: dict[str, np.ndarray], learners: Learner, first_game: int) -> None:
    last_game = first_game + metrics[METRIC_NAMES[0]].shape[1] - 1
    # An arm without a world model reports NaN model errors by design.
    checked = METRIC_NAMES if config.algorithm.model_runs else tuple(n for n in METRIC_NAMES if n not in MODEL_METRICS)
    for name in checked:
        bad = ~np.isfinite(metrics[name])
        if bad.any():
            realization, game = np.argwhere(bad)[0]
            raise DivergenceError(
                f"run diverged at game {first_game + game} (realization {realization}): {name} is "
                f"{metrics[name][realization, game]}; the checkpoint before game {first_game} is kept"
            )
    leaves = jax.tree_util.tree_leaves_with_path(learners)
    for path, leaf in leaves:
        if jnp.issubdtype(leaf.dtype, jnp.floating) and not bool(jnp.all(jnp.isfinite(leaf))):
            raise DivergenceError(
                f"run diverged in games {first_game}..{last_game}: "
                f"{jax.tree_util.keystr(path)} holds NaN/inf; the checkpoint before game {first_game} is kept"
            )


def _fresh_state(config: ExperimentConfig) -> RunState:
    base_keys = realization_keys(config.seed, config.realizations)
    empty = {name: np.zeros((config.realizations, 0), np.float32) for name in METRIC_NAMES}
    return RunState(init_learners(config, base_keys), empty, 0.0)


def load_state(config: ExperimentConfig, folder: Path) -> RunState:
    template = learner_shapes(config, realization_keys(config.seed, config.realizations))
    learners, extra = load_pytree(folder / CHECKPOINT, template)
    metrics = {name: extra[f"metric_{name}"] for name in METRIC_NAMES}
    return RunState(jax.tree.map(jnp.asarray, learners), metrics, float(extra["wall_seconds"]))


def _save(config: ExperimentConfig, folder: Path, state: RunState) -> None:
    extra = {f"metric_{name}": values for name, values in state.metrics.items()}
    extra["wall_seconds"] = np.asarray(state.wall_seconds)
    save_pytree(folder / CHECKPOINT, state.learners, extra)
    write_npz(folder / "metrics.npz", state.metrics)
    returns = state.metrics["game_return"]
    header = "game," + ",".join(f"realization_{r}" for r in range(returns.shape[0]))
    rows = [f"{g}," + ",".join(f"{v:g}" for v in returns[:, g]) for g in range(returns.shape[1])]
    write_atomic(folder / "returns.csv", ("\n".join([header, *rows]) + "\n").encode())
    write_json(folder / "summary.json", summarize(config, state))


def summarize(config: ExperimentConfig, state: RunState) -> dict:
    """summary.json: final performance per realization and the run's bookkeeping."""
    returns = state.metrics["game_return"]
    last = lambda n: returns[:, -n:].mean(axis=1).tolist() if returns.shape[1] else []  # noqa: E731
    return {
        "mean_return_last50": last(50),
        "mean_return_last250": last(250),
        "games": state.games_done,
        "games_planned": config.games,
        "realizations": config.realizations,
        "interactions": state.games_done * config.algorithm.awake_steps,
        "wall_seconds": state.wall_seconds,
        "seed": config.seed,
        "env": config.env,
        "mode": config.algorithm.mode,
        "preset": config.preset,
        "model_update": config.algorithm.model_update,
        "snnrl_version": __version__,
        "devices": [str(d) for d in jax.devices()],
    }


def results_format(version: str) -> str:
    """The part of an snnrl version that fixes what a config means (major.minor)."""
    return ".".join(version.split(".")[:2])


def read_config(folder: Path) -> ExperimentConfig:
    """The ExperimentConfig stored in a results folder's config.json. Refuses a folder written by another
    snnrl major.minor version: its presets computed other things (0.1's 'official' was not the official
    code), so its results must not be continued or mixed with this version's."""
    path = Path(folder) / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"{folder} holds no config.json (is it a results folder?)")
    stored = json.loads(path.read_text())
    version = str(stored.get("snnrl_version", "unknown"))
    if version == "unknown" or results_format(version) != results_format(__version__):
        raise ValueError(
            f"{folder} was written by snnrl {version}, this is snnrl {__version__}: its presets computed other "
            "things (0.2 made 'official' and 'neuromorphic' follow the official codes step by step), so it "
            "cannot be resumed or read as this version's results; start a new run in another folder"
        )
    return ExperimentConfig.from_dict(stored["experiment"])


def prepare_folder(config: ExperimentConfig, folder: Path, resume: bool) -> ExperimentConfig:
    """Create or reopen a results folder. Resuming takes the stored config; a fresh run refuses a folder
    that already holds a checkpoint."""
    folder = Path(folder)
    has_checkpoint = (folder / CHECKPOINT).exists()
    if resume:
        return read_config(folder)
    if has_checkpoint:
        raise FileExistsError(f"{folder} already holds a run (checkpoint.npz); pass --resume or choose another --out")
    write_json(folder / "config.json", {"experiment": config.to_dict(), "snnrl_version": __version__})
    return config


def run_experiment(
    config: ExperimentConfig | None, folder: Path | str, resume: bool = False, show_progress: bool = True
) -> dict:
    """Run ``config`` into ``folder``, or with resume=True continue the run stored there (its config.json
    is used; ``config`` may be None). Returns the summary dict. Raises DivergenceError on NaN."""
    folder = Path(folder)
    if resume:
        config = read_config(folder)
    env, env_params = make_environment(config)
    config = prepare_folder(fit_to_environment(config, env, env_params), folder, resume)
    state = load_state(config, folder) if resume and (folder / CHECKPOINT).exists() else _fresh_state(config)
    chunk = _chunk_function(config, env, env_params)
    sharding = realization_sharding(config)
    base_keys = shard(realization_keys(config.seed, config.realizations), sharding)
    learners = shard(state.learners, sharding)
    with board_session(config.algorithm, base_keys), ProgressReporter(config, state.games_done, enabled=show_progress) as progress:
        while state.games_done < config.games:
            first = state.games_done
            games = jnp.arange(first, min(first + config.chunk_games, config.games))
            started = time.perf_counter()
            learners, chunk_metrics = chunk(learners, base_keys, games)
            chunk_metrics = {name: np.asarray(getattr(chunk_metrics, name)) for name in METRIC_NAMES}
            _check_finite(config, chunk_metrics, learners, first)
            elapsed = time.perf_counter() - started
            metrics = {name: np.concatenate([state.metrics[name], chunk_metrics[name]], axis=1) for name in METRIC_NAMES}
            state = RunState(learners, metrics, state.wall_seconds + elapsed)
            _save(config, folder, state)
            progress.update(state.games_done, chunk_metrics["game_return"], len(games) * config.algorithm.awake_steps * config.realizations / elapsed)
    return summarize(config, state)
