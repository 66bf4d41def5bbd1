"""Run an experiment into a results folder, chunk by chunk, resumable after a crash.

Folder layout: config.json (full config), checkpoint.npz (learners + metrics so far, written
atomically after every chunk, see ``checkpoint``), metrics.npz (per game and realization: game_return,
model_state_error, model_reward_error, policy_entropy, imagined_return, interactions), returns.csv,
summary.json (with the library versions, git commit, host and start time, see ``provenance``), and while
a run writes, its lock .snnrl.lock (see ``lock``). Logging hooks: ``callbacks`` (see ``loggers``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl import __version__
from snnrl.algorithms.dreaming.hidden_layers import board_session
from snnrl.algorithms.dreaming.learner import Learner
from snnrl.core.storage import write_atomic, write_json, write_npz
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.run_identity import check_same_run
from snnrl.experiments.run.checkpoint import (
    CHECKPOINT,
    METRIC_NAMES,
    RunState,
    check_resumable_without_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from snnrl.experiments.run.family import is_family_folder
from snnrl.experiments.run.loggers import ChunkCallback
from snnrl.experiments.run.preflight import check_chip, check_out_folder
from snnrl.experiments.run.progress import ProgressReporter
from snnrl.experiments.run.provenance import run_provenance
from snnrl.experiments.run.results_folder import results_folder
from snnrl.experiments.run.signals import raise_if_terminated, sigterm_raises
from snnrl.experiments.run.sweep_results import member_column, member_label, sweep_csv, sweep_table
from snnrl.experiments.train.distributed import all_or_none, gather, is_leader
from snnrl.experiments.train.environment import prepare
from snnrl.experiments.train.members import init_learners, learner_shapes, member_keys
from snnrl.experiments.train.memory import check_compiled_fits, check_learners_fit
from snnrl.experiments.train.program import make_chunk
from snnrl.experiments.train.sharding import realization_sharding, shard

__all__ = [
    "CHECKPOINT",
    "METRIC_NAMES",
    "DivergenceError",
    "RunState",
    "load_state",
    "read_config",
    "run_experiment",
    "summarize",
]


class DivergenceError(RuntimeError):
    """A run produced NaN/inf; the checkpoint before the bad chunk is kept."""


def _chunk_function(config: ExperimentConfig, env, env_params) -> Callable:
    if env.host_side:
        from snnrl.experiments.train.host_loop import make_host_chunk

        if config.member_batch is not None:
            raise ValueError(
                f"member_batch={config.member_batch} batches a compiled program's members; environment "
                f"{config.env!r} is stepped from the host, every member at each step: leave member_batch unset"
            )
        return make_host_chunk(config, env, env_params)
    return make_chunk(config, env, env_params)


MODEL_METRICS = ("model_state_error", "model_reward_error")


def _check_finite(
    config: ExperimentConfig, metrics: dict[str, np.ndarray], learners: Learner, first_game: int
) -> dict[str, np.ndarray]:
    """The chunk's metrics, after DivergenceError naming the member, game and metric (or weight) at the
    first NaN/inf. In a sweep, members that diverge are recorded instead: their metrics are NaN from the
    chunk in which their returns or weights first held NaN/inf (their grid point's row counts them), and
    the run goes on; only when every member has diverged does it stop."""
    last_game = first_game + metrics[METRIC_NAMES[0]].shape[1] - 1
    # An arm without a world model reports NaN model errors by design.
    checked = METRIC_NAMES if config.algorithm.model_runs else tuple(n for n in METRIC_NAMES if n not in MODEL_METRICS)
    leaves = [
        (path, np.asarray(leaf))
        for path, leaf in jax.tree_util.tree_leaves_with_path(learners)
        if jnp.issubdtype(leaf.dtype, jnp.floating)
    ]
    finite_members = np.ones(config.members, bool)
    for _, leaf in leaves:
        finite_members &= np.isfinite(leaf.reshape(config.members, -1)).all(axis=1)
    bad_members = ~finite_members
    for name in checked:
        bad_members |= ~np.isfinite(metrics[name]).all(axis=1)
    if config.sweep and not bad_members.all():
        return {name: np.where(bad_members[:, None], np.nan, values) for name, values in metrics.items()}
    for name in checked:
        bad = ~np.isfinite(metrics[name])
        if bad.any():
            member, game = np.argwhere(bad)[0]
            raise DivergenceError(
                f"run diverged at game {first_game + game} ({member_label(config, member)}): {name} is "
                f"{metrics[name][member, game]}; the checkpoint before game {first_game} is kept"
            )
    for path, leaf in leaves:
        if not np.isfinite(leaf).all():
            raise DivergenceError(
                f"run diverged in games {first_game}..{last_game}: "
                f"{jax.tree_util.keystr(path)} holds NaN/inf; the checkpoint before game {first_game} is kept"
            )
    return metrics


# Which config fields set each initial weight (leaf paths of a Learner), for divergences at game 0.
INITIAL_WEIGHT_FIELDS = {
    ".agent.w_in": "algorithm.agent.lif.w_in_std",
    ".agent.weights.w_rec": "algorithm.agent.lif.w_rec_std (or n_neurons)",
    ".agent.weights.readout": "algorithm.agent.readout_std",
    ".agent.hidden": "algorithm.agent.hidden (mismatch, threshold, encoder)",
    ".world_model.w_in": "algorithm.world_model.lif.w_in_std",
    ".world_model.weights.w_rec": "algorithm.world_model.lif.w_rec_std (or n_neurons)",
    ".world_model.hidden": "algorithm.world_model.hidden (mismatch, threshold, encoder)",
}


def check_initial_learners(learners: Learner) -> None:
    """DivergenceError naming the config field that set an initial weight holding NaN/inf (an init scale
    finite in Python but overflowing float32), before any game is played."""
    for path, leaf in jax.tree_util.tree_leaves_with_path(learners):
        if jnp.issubdtype(leaf.dtype, jnp.floating) and not np.isfinite(np.asarray(leaf)).all():
            name = jax.tree_util.keystr(path)
            fields = [field for prefix, field in INITIAL_WEIGHT_FIELDS.items() if name.startswith(prefix)]
            raise DivergenceError(
                f"the initial weights {name} hold NaN/inf before game 0: the config field "
                f"{fields[0] if fields else 'setting them'} gives values float32 cannot hold; choose a smaller one"
            )


def _fresh_state(config: ExperimentConfig) -> RunState:
    base_keys = member_keys(config)
    empty = {name: np.zeros((config.members, 0), np.float32) for name in METRIC_NAMES}
    learners = init_learners(config, base_keys)
    check_initial_learners(learners)
    return RunState(learners, empty, 0.0)


def load_state(config: ExperimentConfig, folder: Path) -> RunState:
    """The RunState stored in ``folder``'s checkpoint for ``config`` (checked: see checkpoint.load_checkpoint)."""
    template = learner_shapes(config, member_keys(config))
    return load_checkpoint(config, Path(folder), template)


def _save(config: ExperimentConfig, folder: Path, state: RunState, provenance: dict) -> None:
    save_checkpoint(config, folder, state)
    _write_results(config, folder, state, provenance)


def _write_results(config: ExperimentConfig, folder: Path, state: RunState, provenance: dict) -> None:
    """metrics.npz, returns.csv and summary.json of ``state`` (all derived from the checkpoint) and
    ``provenance`` (see provenance.run_provenance)."""
    write_npz(folder / "metrics.npz", state.metrics)
    returns = state.metrics["game_return"]
    header = "game," + ",".join(member_column(config, m) for m in range(returns.shape[0]))
    rows = [f"{g}," + ",".join(f"{v:g}" for v in returns[:, g]) for g in range(returns.shape[1])]
    write_atomic(folder / "returns.csv", ("\n".join([header, *rows]) + "\n").encode())
    summary = summarize(config, state, provenance)
    write_json(folder / "summary.json", summary)
    if config.sweep:
        write_atomic(folder / "sweep.csv", sweep_csv(summary["sweep"]).encode())


def summarize(config: ExperimentConfig, state: RunState, provenance: dict | None = None) -> dict:
    """summary.json: final performance per member (realization; grid point x realization in a sweep, with
    the per-point table under "sweep", see sweep.sweep_table) and the run's bookkeeping, plus ``provenance``
    (library versions, git commit, host, start time: provenance.run_provenance) when given."""
    returns = state.metrics["game_return"]
    last = lambda n: returns[:, -n:].mean(axis=1).tolist() if returns.shape[1] else []  # noqa: E731
    return {
        "mean_return_last50": last(50),
        "mean_return_last250": last(250),
        "games": state.games_done,
        "games_planned": config.games,
        "realizations": config.realizations,
        "grid_points": config.grid_points,
        "members": config.members,
        "interactions": state.games_done * config.algorithm.awake_steps,
        "wall_seconds": state.wall_seconds,
        "seed": config.seed,
        "env": config.env,
        "mode": config.algorithm.mode,
        "preset": config.preset,
        "model_update": config.algorithm.model_update,
        "snnrl_version": __version__,
        "devices": [str(d) for d in jax.devices()],
        "processes": jax.process_count(),
        **(provenance or {}),
        **({"sweep": sweep_table(config, returns)} if config.sweep else {}),
    }


def results_format(version: str) -> str:
    """The part of an snnrl version that fixes what a config means (major.minor)."""
    return ".".join(version.split(".")[:2])


def read_config(folder: Path) -> ExperimentConfig:
    """The ExperimentConfig stored in a results folder's config.json. Refuses a folder of ``snnrl algo``
    (naming it) and a folder written by another snnrl major.minor version: its presets computed other
    things (0.1's 'official' was not the official code), so its results must not be continued or mixed with
    this version's."""
    path = Path(folder) / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"{folder} holds no config.json (is it a results folder?)")
    stored = json.loads(path.read_text())
    if is_family_folder(Path(folder)):
        raise ValueError(
            f"{folder} is a results folder of `snnrl algo` ({stored['algorithm']}), not of the dreaming loop "
            "(`snnrl train`), which this reads; snnrl eval and snnrl plot take both kinds"
        )
    version = str(stored.get("snnrl_version", "unknown"))
    if version == "unknown" or results_format(version) != results_format(__version__):
        raise ValueError(
            f"{folder} was written by snnrl {version}, this is snnrl {__version__}: its presets computed other "
            "things (0.2 made 'official' and 'neuromorphic' follow the official codes step by step), so it "
            "cannot be resumed or read as this version's results; start a new run in another folder"
        )
    return ExperimentConfig.from_dict(stored["experiment"])


def _write_config(config: ExperimentConfig, folder: Path) -> None:
    write_json(folder / "config.json", {"experiment": config.to_dict(), "snnrl_version": __version__})


def _open_run(config: ExperimentConfig | None, folder: Path, resume: bool):
    """Inside the folder's lock: the run's config (fitted to its environment), environment and starting
    state, every check done before anything is written. For resume: the stored config, with ``games``
    from ``config`` if one is given (any other difference is refused)."""
    if resume:
        stored = read_config(folder)
        requested = stored if config is None else config
        check_chip(requested)
        config, env, env_params = prepare(requested, environment_of=stored)
        check_same_run(stored, config, str(folder))
    else:
        config, env, env_params = prepare(config)
    check_learners_fit(config, _device_count(config))
    if resume and (folder / CHECKPOINT).exists():
        state = load_state(config, folder)
    else:
        if resume:
            check_resumable_without_checkpoint(folder)
        state = _fresh_state(config)
    return config, env, env_params, state


def _device_count(config: ExperimentConfig) -> int:
    sharding = realization_sharding(config)
    return 1 if sharding is None else len(sharding.device_set)


def _compiled_chunk(config: ExperimentConfig, env, env_params, learners, base_keys, first: int) -> Callable:
    """The chunk function; for JAX environments with the learners' buffers donated (a chunk updates them
    in place instead of holding two copies: the learners passed in must not be used again), compiled
    ahead for full chunks and checked by XLA's memory analysis (ValueError if it will not fit). A short
    last chunk is padded to that length (``_padded``): no second program."""
    chunk = _chunk_function(config, env, env_params)
    if not hasattr(chunk, "lower"):
        return chunk
    chunk = jax.jit(chunk, donate_argnums=0)
    if first >= config.games:
        return chunk
    length = min(config.chunk_games, config.games - first)
    compiled = chunk.lower(learners, base_keys, _game_indices(first, first + length)).compile()
    check_compiled_fits(config, compiled)
    return lambda learners, keys, games: _padded(compiled, length, learners, keys, games)


def _padded(compiled: Callable, length: int, learners, base_keys, games: np.ndarray):
    """``compiled`` (a chunk of ``length`` games) on ``games``, a short last chunk padded with -1 (no game;
    program.make_chunk) and its metrics cut back: one program for every chunk."""
    if len(games) == length:
        return compiled(learners, base_keys, games)
    padding = np.full(length - len(games), -1, np.int32)
    learners, metrics = compiled(learners, base_keys, np.concatenate([games, padding]))
    return learners, jax.tree.map(lambda values: values[:, : len(games)], metrics)


def _game_indices(first: int, stop: int) -> np.ndarray:
    """Game indices first..stop-1 (int32), as host values that every process passes alike."""
    return np.arange(first, stop, dtype=np.int32)


def run_experiment(
    config: ExperimentConfig | None,
    folder: Path | str,
    resume: bool = False,
    show_progress: bool = True,
    callbacks: Sequence[ChunkCallback] = (),
) -> dict:
    """Run ``config`` into ``folder``, or with resume=True continue the run stored there (its config.json
    is used; ``config`` may be None, or the stored config with more ``games`` to extend the run). Holds
    the folder's lock throughout (results_folder: FolderLockedError if another process writes there). Returns the
    summary dict. After every chunk, before its checkpoint is written, each of ``callbacks`` is called with
    (games done, the chunk's metrics as name -> (R, games in chunk) NumPy arrays, the run's config): an
    exception there stops the run with the previous checkpoint kept, and a resumed run calls them again
    for the games after its checkpoint (see loggers). Bad input (folder, config, a checkpoint of another run, a
    damaged file) raises ValueError /
    FileExistsError / FileNotFoundError before anything is written; NaN raises DivergenceError; SIGTERM
    raises signals.Terminated after cleaning up.

    After distributed.initialize, every process calls this with the same arguments: the realizations
    are sharded over all processes' devices; only process 0 takes the lock, writes the folder (which
    must be on a disk all processes see) and calls ``callbacks``; on resume every process reads the
    checkpoint. A step that fails on one process fails on all (distributed.PeerFailedError on the others).
    The summary holds compile_seconds: this session's compiling of the full chunk's program before its first
    chunk (wall_seconds counts the chunks only; a short last chunk runs that program, padded)."""
    leader = is_leader()
    with sigterm_raises(), ExitStack() as held:
        with all_or_none(f"opening the run in {folder}"):
            folder = check_out_folder(folder)
            provenance = run_provenance()
            if config is None and not resume:
                raise ValueError("run_experiment needs a config unless resume=True")
            if resume:
                read_config(folder)  # a folder that is no results folder is refused before the lock creates it
            else:
                check_chip(config)
            if leader:
                held.enter_context(results_folder(folder, resume))
            config, env, env_params, state = _open_run(config, folder, resume)
            _check_distributable(config, env)
            sharding = realization_sharding(config)
            base_keys = shard(member_keys(config), sharding)
            learners = shard(state.learners, sharding)
        with board_session(config.algorithm, base_keys):
            with all_or_none("compiling the run"):
                compiling = time.perf_counter()
                chunk = _compiled_chunk(config, env, env_params, learners, base_keys, state.games_done)
                provenance = {**provenance, "compile_seconds": time.perf_counter() - compiling}
                if leader:
                    _write_config(config, folder)
                    if state.games_done:  # a kill may have left them a chunk behind the checkpoint
                        _write_results(config, folder, state, provenance)
            with ProgressReporter(config, state.games_done, enabled=show_progress and leader) as progress:
                while state.games_done < config.games:
                    raise_if_terminated()
                    first = state.games_done
                    games = _game_indices(first, min(first + config.chunk_games, config.games))
                    started = time.perf_counter()
                    learners, chunk_metrics = chunk(learners, base_keys, games)
                    chunk_metrics = gather({name: getattr(chunk_metrics, name) for name in METRIC_NAMES})
                    host_learners = gather(learners)
                    chunk_metrics = _check_finite(config, chunk_metrics, host_learners, first)
                    raise_if_terminated()
                    elapsed = time.perf_counter() - started
                    metrics = {
                        name: np.concatenate([state.metrics[name], chunk_metrics[name]], axis=1)
                        for name in METRIC_NAMES
                    }
                    state = RunState(host_learners, metrics, state.wall_seconds + elapsed)
                    with all_or_none(f"saving games {first}..{state.games_done - 1}"):
                        if leader:
                            for callback in callbacks:
                                callback(state.games_done, chunk_metrics, config)
                            _save(config, folder, state, provenance)
                    progress.update(
                        state.games_done,
                        chunk_metrics["game_return"],
                        len(games) * config.algorithm.awake_steps * config.members / elapsed,
                    )
    return summarize(config, state, provenance)


def _check_distributable(config: ExperimentConfig, env) -> None:
    """ValueError if a run split over several processes uses a host-side environment (stepped from one
    host)."""
    if jax.process_count() > 1 and env.host_side:
        raise ValueError(
            f"environment {config.env!r} is stepped from the host, one emulator per realization; it "
            f"cannot be split over {jax.process_count()} processes: run it without --distributed, or "
            "use a JAX environment"
        )
