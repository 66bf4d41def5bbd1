"""The results folder of ``snnrl algo`` (snnrl/cli/family.py): train one algorithm of the RL family (PPO,
REINFORCE, e-prop actor-critic, DQN) with a spiking network or an MLP for many seeds, and write a results
folder as ``snnrl train`` does: ``config.json``, ``metrics.npz`` (per seed and update), ``returns.csv``,
``summary.json`` (with the run's provenance: library versions, git commit, host, start time, compile and
wall seconds), written atomically, the folder's life (lock, refusal of a folder holding a run, clean-up of
a refused run) that of ``snnrl train`` (results_folder). ``--set`` / ``--net`` values are parsed as
``snnrl train``'s KEY=VALUE overrides are (config_io.parse_assignments: 1e-3 is a float, true a bool).

    snnrl algo ppo --env gymnax:CartPole-v1 --seeds 4 --out runs/ppo \\
        --set total_steps=50000 --net kind=mlp --chunks 10 --log csv
    snnrl algo ppo --out runs/ppo --resume      # after a kill

``env_steps`` is cumulative everywhere (metrics.npz, returns.csv, the loggers): the environment steps of
one seed from the start of the run to the end of that update. ``--chunks N`` trains in N compiled calls of
one program with ``checkpoint.npz`` written, the progress shown and the loggers called after each (same
numbers as one call). Exit status: 0 success, 1 a loss became NaN (the checkpoint of the last good chunk
is kept), 2 bad usage or input.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

CSV_COLUMNS = ("run", "seed", "update", "metric", "value")  # the --log csv columns of an algo folder


@dataclasses.dataclass(frozen=True)
class FamilyRun:
    """What an ``snnrl algo`` folder's config.json holds: the algorithm's name, seeds trained together,
    base seed, chunks, and the algorithm's config (its dataclass, e.g. PPOConfig)."""

    algorithm: str
    seeds: int
    seed: int
    chunks: int
    config: Any

    def to_dict(self) -> dict[str, Any]:
        """The config.json tree: algorithm, seeds, seed, chunks and config (nested dicts)."""
        return {
            "algorithm": self.algorithm,
            "seeds": self.seeds,
            "seed": self.seed,
            "chunks": self.chunks,
            "config": dataclasses.asdict(self.config),
        }


def is_family_folder(folder: Path) -> bool:
    """Whether ``folder``'s config.json is an ``snnrl algo`` run's (False without a config.json)."""
    path = Path(folder) / "config.json"
    if not path.exists():
        return False
    stored = json.loads(path.read_text())
    return "algorithm" in stored and "experiment" not in stored and "config" in stored


def read_family_run(folder: Path) -> FamilyRun:
    """The run stored in an ``snnrl algo`` folder (ValueError naming the folder if it is none)."""
    from snnrl.algorithms.family.networks import NetworkConfig
    from snnrl.algorithms.family.registry import algorithm_config

    folder = Path(folder)
    if not is_family_folder(folder):
        raise ValueError(f"{folder} is no results folder of `snnrl algo` (its config.json names no algorithm)")
    stored = json.loads((folder / "config.json").read_text())
    try:
        fields = dict(stored["config"])
        network = dict(fields.pop("network"))
        config = algorithm_config(stored["algorithm"], network=NetworkConfig(**network), **fields)
        return FamilyRun(stored["algorithm"], stored["seeds"], stored["seed"], stored["chunks"], config)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"{folder}/config.json does not fit this snnrl's `snnrl algo` {stored['algorithm']} (another version, "
            f"or a damaged file): {error!r}"
        ) from error


def run_id(folder: Path) -> str:
    """The id a folder's checkpoint records: a hash of its config.json."""
    return hashlib.sha256((Path(folder) / "config.json").read_bytes()).hexdigest()[:16]


def cumulative_steps(metrics: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``metrics`` with env_steps (seeds, updates) per update made cumulative (steps from the run's start)."""
    return {**metrics, "env_steps": np.cumsum(np.asarray(metrics["env_steps"], np.int64), axis=1)}


def write_results(
    out: Path, name: str, config: Any, metrics: dict, provenance: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write metrics.npz (env_steps cumulative), returns.csv (seed, update, env_steps, episode_return, spikes,
    synops) and summary.json (the mean return of the final updates over seeds and its standard error
    (statistics.final_updates), and ``provenance`` when given: see provenance.run_provenance) to ``out``,
    each file atomically; ``metrics`` holds env_steps per update. Return the summary."""
    from snnrl.core.storage import write_atomic, write_json, write_npz
    from snnrl.experiments.statistics import final_updates

    metrics = cumulative_steps({key: np.asarray(value) for key, value in metrics.items()})
    write_npz(out / "metrics.npz", metrics)
    steps = metrics["env_steps"]
    with io.StringIO(newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seed", "update", "env_steps", "episode_return", "spikes_per_decision", "synops_per_decision"])
        for seed in range(steps.shape[0]):
            for update in range(steps.shape[1]):
                writer.writerow(
                    [
                        seed,
                        update,
                        int(steps[seed, update]),
                        float(metrics["episode_return"][seed, update]),
                        float(metrics["spikes_per_decision"][seed, update]),
                        float(metrics["synops_per_decision"][seed, update]),
                    ]
                )
        write_atomic(out / "returns.csv", handle.getvalue().encode())
    tail = max(1, steps.shape[1] // 10)
    returns = np.asarray(metrics["episode_return"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a seed that ended no episode in the final updates
        per_seed = np.nanmean(returns[:, final_updates(returns)], axis=1)
    ended = per_seed[np.isfinite(per_seed)]
    summary = {
        "algorithm": name,
        "env": config.env,
        "seeds": int(steps.shape[0]),
        "updates": int(steps.shape[1]),
        "env_steps": int(steps[0, -1]),
        "final_return_mean": float(ended.mean()) if ended.size else float("nan"),
        "final_return_se": float(ended.std(ddof=1) / np.sqrt(ended.size)) if ended.size > 1 else 0.0,
        "spikes_per_decision": float(np.mean(metrics["spikes_per_decision"][:, -tail:])),
        "synops_per_decision": float(np.mean(metrics["synops_per_decision"][:, -tail:])),
        **(provenance or {}),
    }
    write_json(out / "summary.json", summary)
    return summary


class _Reporter:
    """The ChunkObserver of an ``snnrl algo`` run: compile seconds, then per chunk the loggers (updates
    done, the chunk's metrics with env_steps cumulative, the run) and the progress line or bar."""

    def __init__(self, run: FamilyRun, progress: Any, loggers: Sequence[Callable], steps_before: np.ndarray):
        self.run, self.progress, self.loggers = run, progress, loggers
        self.steps = steps_before  # (seeds,) env steps of the updates done before this call
        self.compile_seconds = 0.0

    def compiled(self, seconds: float) -> None:
        self.compile_seconds = seconds

    def chunk_done(self, updates_done: int, metrics: dict[str, np.ndarray], seconds: float) -> None:
        per_update = np.asarray(metrics["env_steps"], np.int64)
        cumulative = self.steps[:, None] + np.cumsum(per_update, axis=1)
        for logger in self.loggers:
            logger(updates_done, {**metrics, "env_steps": cumulative}, self.run)
        self.steps = cumulative[:, -1]
        self.progress.update(updates_done, metrics["episode_return"], per_update.sum() / max(seconds, 1e-9))


def run_family(
    algorithm: str,
    out: Path,
    *,
    env: str,
    seeds: int,
    seed: int,
    chunks: int | None,
    resume: bool,
    settings: list[str],
    network: list[str],
    show_progress: bool = False,
    log: Sequence[str] = (),
    max_checkpoint_gb: float | None = None,
) -> dict[str, Any]:
    """Train ``algorithm`` for ``seeds`` seeds into the results folder ``out`` (experiments/run/results_folder:
    locked, a fresh run refused where results lie, a refused run leaves no folder behind) and return its
    summary (with compile_seconds apart from wall_seconds). ``chunks`` None: chunked.default_chunks of the
    updates. With ``resume`` the folder's own config is used (env, seeds, seed and chunks are ignored; an
    ``algorithm`` or a setting that differs from the stored run's is refused naming the fields).
    ``show_progress``: the progress bar or lines (experiments/run/progress); ``log``: logger names
    (loggers.LOGGER_NAMES; csv columns CSV_COLUMNS, step = update). ValueError for bad usage or input (a
    folder that holds another run or no checkpoint to resume, a bad setting, a locked folder, a run that
    does not fit in the memory this process may take or whose checkpoint would exceed ``max_checkpoint_gb``
    GB (None: memory.CHECKPOINT_CEILING_GB), a logger whose package is missing; config.json is written only
    once every check has passed); core.storage.WriteFailedError when the disk fails (full, ...), the last
    checkpoint intact; FloatingPointError when a loss became NaN (the checkpoint of the last good chunk is
    kept)."""
    import jax

    from snnrl.algorithms.family.chunked import count_updates, default_chunks, run_chunked
    from snnrl.core.storage import WriteFailedError, read_npz, write_atomic
    from snnrl.experiments.run.loggers import close_loggers, make_loggers
    from snnrl.experiments.run.progress import ChunkProgress
    from snnrl.experiments.run.provenance import run_provenance
    from snnrl.experiments.run.results_folder import results_folder

    provenance = run_provenance()
    loggers: list[Callable] = []
    try:
        with results_folder(out, resume):
            if resume and not (out / "checkpoint.npz").exists():
                raise ValueError(f"{out} has no checkpoint to resume")
            if resume:
                run = _resumed(out, algorithm, settings, network)
                stored_config = (out / "config.json").read_bytes()
            else:
                config = _requested(algorithm, env, settings, network)
                chunks = default_chunks(algorithm, config) if chunks is None else chunks
                run = FamilyRun(algorithm, seeds, seed, chunks, config)
                stored_config = (json.dumps(run.to_dict(), indent=2, sort_keys=True) + "\n").encode()
            loggers = make_loggers(list(log), out, csv_columns=CSV_COLUMNS)

            def checked(runner: Any) -> None:  # every check passed: only now is config.json written
                _check_runner_fits(runner, run.seeds, max_checkpoint_gb)
                if not resume:
                    write_atomic(out / "config.json", stored_config)

            total = count_updates(run.algorithm, run.config)
            done_updates, done_steps = 0, np.zeros(run.seeds, np.int64)
            if (out / "checkpoint.npz").exists():
                stored = read_npz(out / "checkpoint.npz", required=("done",))
                done_updates = int(stored["done"]) * (total // run.chunks)
                if "metric_env_steps" in stored:
                    done_steps = np.asarray(stored["metric_env_steps"], np.int64).sum(axis=1)
            label = f"{run.algorithm} · {run.config.env} · {run.seeds} seeds"
            started = time.perf_counter()
            with ChunkProgress(label, total, done_updates, "updates", "env steps", enabled=show_progress) as progress:
                reporter = _Reporter(run, progress, loggers, done_steps)
                _, metrics, _ = run_chunked(
                    run.algorithm,
                    run.config,
                    jax.random.key(run.seed),
                    run.seeds,
                    run.chunks,
                    out / "checkpoint.npz",
                    hashlib.sha256(stored_config).hexdigest()[:16],
                    observer=reporter,
                    before_start=checked,
                )
            provenance["compile_seconds"] = reporter.compile_seconds
            # of this call (a resumed run: the rest), compiling excluded
            provenance["wall_seconds"] = time.perf_counter() - started - reporter.compile_seconds
            return write_results(out, run.algorithm, run.config, metrics, provenance)
    except WriteFailedError as error:
        raise WriteFailedError(
            error.errno,
            f"{error}; the run stopped and the last checkpoint written ({out / 'checkpoint.npz'}, if any) is "
            "intact: free space, then continue with --resume",
        ) from error
    except (MemoryError, FileExistsError) as error:  # FolderLockedError is one: another writer, or results
        raise ValueError(str(error)) from error
    finally:
        close_loggers(loggers)


def _check_runner_fits(runner: Any, seeds: int, max_checkpoint_gb: float | None) -> None:
    """ValueError if the runner of every seed (``runner``: its shapes; weights, optimizer and environment
    states, replay buffers) does not fit in the memory this process may take (a chunk holds it twice: in and
    out), or its checkpoint would exceed ``max_checkpoint_gb``."""
    from snnrl.experiments.train.memory import CHECKPOINT_CEILING_GB, check_below_ceiling, check_fits, tree_bytes

    ceiling = (CHECKPOINT_CEILING_GB if max_checkpoint_gb is None else max_checkpoint_gb) * 1e9

    size = tree_bytes(runner)
    advice = f"lower --seeds ({seeds}), the network's size or the replay buffer (--set buffer_size=...)"
    check_fits(2 * size, f"the training states of {seeds} seeds (networks, optimizers, replay buffers)", advice)
    check_below_ceiling(size, ceiling, f"the training states of {seeds} seeds", advice)


def _requested(algorithm: str, env: str, settings: list[str], network: list[str]) -> Any:
    """The config of a fresh run: the algorithm's tuned defaults for ``env`` (family/tuned.py), under the
    --set and --net fields (ValueError for a bad setting)."""
    from snnrl.algorithms.family.registry import algorithm_config
    from snnrl.experiments.config.files import parse_assignments

    try:
        return algorithm_config(algorithm, env=env, network=parse_assignments(network), **parse_assignments(settings))
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(str(error)) from error


def _resumed(out: Path, algorithm: str, settings: list[str], network: list[str]) -> FamilyRun:
    """The run stored in ``out``; ValueError naming every field in which the algorithm given or a --set /
    --net value differs from it (a resumed run is the same run)."""
    from snnrl.experiments.config.files import parse_assignments
    from snnrl.experiments.config.run_identity import differing_fields

    try:
        run = read_family_run(out)
        requested = dataclasses.replace(
            run.config,
            network=dataclasses.replace(run.config.network, **parse_assignments(network)),
            **parse_assignments(settings),
        )
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(str(error)) from error
    differences = differing_fields(
        {"algorithm": run.algorithm, "config": dataclasses.asdict(run.config)},
        {"algorithm": algorithm, "config": dataclasses.asdict(requested)},
    )
    if differences:
        raise ValueError(
            f"--resume continues the run stored in {out}; these settings differ (stored != requested): "
            f"{'; '.join(differences)}"
        )
    return run
