"""The results folder of ``snnrl algo`` (snnrl/cli/family.py): train one algorithm of the RL family (PPO,
REINFORCE, e-prop actor-critic, DQN) with a spiking network or an MLP for many seeds, and write a results
folder as ``snnrl train`` does: ``config.json``, ``metrics.npz`` (per seed and update), ``returns.csv``,
``summary.json`` (with the run's provenance: library versions, git commit, host, start time, wall seconds),
written atomically, the folder's life (lock, refusal of a folder holding a run, clean-up of a refused run)
that of ``snnrl train`` (results_folder). ``--set`` / ``--net`` values are parsed as
``snnrl train --set`` parses them (config_io.parse_assignments: 1e-3 is a float, true a bool).

    snnrl algo ppo --env gymnax:CartPole-v1 --seeds 4 --out runs/ppo \\
        --set total_steps=50000 --net kind=mlp --chunks 10
    snnrl algo ppo --out runs/ppo --resume      # after a kill

``--chunks N`` trains in N compiled calls with ``checkpoint.npz`` written after each (same numbers as one
call). Exit status: 0 success, 1 a loss became NaN (the checkpoint of the last good chunk is kept),
2 bad usage or input.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import time
from pathlib import Path
from typing import Any


def write_results(
    out: Path, name: str, config: Any, metrics: dict, provenance: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write metrics.npz, returns.csv (seed, update, env_steps, episode_return, spikes, synops) and
    summary.json (the mean return of the final updates over seeds (statistics.final_updates), and ``provenance`` when
    given: see
    provenance.run_provenance) to ``out``, each file atomically; return the summary."""
    import numpy as np

    from snnrl.core.storage import write_atomic, write_json, write_npz
    from snnrl.experiments.statistics import final_updates

    write_npz(out / "metrics.npz", {key: np.asarray(value) for key, value in metrics.items()})
    steps = np.cumsum(metrics["env_steps"], axis=1)
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
    summary = {
        "algorithm": name,
        "env": config.env,
        "seeds": int(steps.shape[0]),
        "env_steps": int(steps[0, -1]),
        "final_return_mean": float(np.nanmean(returns[:, final_updates(returns)])),
        "spikes_per_decision": float(np.mean(metrics["spikes_per_decision"][:, -tail:])),
        "synops_per_decision": float(np.mean(metrics["synops_per_decision"][:, -tail:])),
        **(provenance or {}),
    }
    write_json(out / "summary.json", summary)
    return summary


def config_from_file(path: Path) -> tuple[str, int, int, int, Any]:
    """(algorithm, seeds, seed, chunks, config) from a results folder's config.json."""
    from snnrl.algorithms.family.networks import NetworkConfig
    from snnrl.algorithms.family.registry import algorithm_config

    stored = json.loads(path.read_text())
    fields = dict(stored["config"])
    network = dict(fields.pop("network"))
    config = algorithm_config(stored["algorithm"], network=NetworkConfig(**network), **fields)
    return stored["algorithm"], stored["seeds"], stored["seed"], stored["chunks"], config


def run_family(
    algorithm: str,
    out: Path,
    *,
    env: str,
    seeds: int,
    seed: int,
    chunks: int,
    resume: bool,
    settings: list[str],
    network: list[str],
    max_checkpoint_gb: float | None = None,
) -> dict[str, Any]:
    """Train ``algorithm`` for ``seeds`` seeds into the results folder ``out`` (experiments/run/results_folder:
    locked, a fresh run refused where results lie, a refused run leaves no folder behind) and return its
    summary. With ``resume`` the folder's own config is used (env, seeds, seed and chunks are ignored; an
    ``algorithm`` or a setting that differs from the stored run's is refused naming the fields). ValueError
    for bad usage or input (a folder that holds another run or no checkpoint to resume, a bad setting, a locked
    folder, a run that does not fit in the memory this process may take or whose checkpoint would exceed
    ``max_checkpoint_gb`` GB (None: memory.CHECKPOINT_CEILING_GB); config.json is written only once every
    check has passed); core.storage.WriteFailedError when the disk fails (full, ...), the last checkpoint
    intact; FloatingPointError when a loss became NaN (the checkpoint of the last good chunk is
    kept)."""
    import jax

    from snnrl.algorithms.family.chunked import run_chunked
    from snnrl.core.storage import WriteFailedError, write_atomic
    from snnrl.experiments.run.provenance import run_provenance
    from snnrl.experiments.run.results_folder import results_folder

    config_path = out / "config.json"
    provenance = run_provenance()
    started = time.perf_counter()
    try:
        with results_folder(out, resume):
            if resume and not (out / "checkpoint.npz").exists():
                raise ValueError(f"{out} has no checkpoint to resume")
            if resume:
                algorithm, seeds, seed, chunks, config = _resumed(out, algorithm, settings, network)
                stored_config = config_path.read_bytes()
            else:
                config = _requested(algorithm, env, settings, network)
                stored = {"algorithm": algorithm, "seeds": seeds, "seed": seed, "chunks": chunks}
                stored_config = (
                    json.dumps({**stored, "config": dataclasses.asdict(config)}, indent=2, sort_keys=True) + "\n"
                ).encode()

            def checked(runner: Any) -> None:  # every check passed: only now is config.json written
                _check_runner_fits(runner, seeds, max_checkpoint_gb)
                if not resume:
                    write_atomic(config_path, stored_config)

            run_id = hashlib.sha256(stored_config).hexdigest()[:16]
            _, metrics, _ = run_chunked(
                algorithm,
                config,
                jax.random.key(seed),
                seeds,
                chunks,
                out / "checkpoint.npz",
                run_id,
                before_start=checked,
            )
            provenance["wall_seconds"] = time.perf_counter() - started  # of this call (a resumed run: the rest)
            return write_results(out, algorithm, config, metrics, provenance)
    except WriteFailedError as error:
        raise WriteFailedError(
            error.errno,
            f"{error}; the run stopped and the last checkpoint written ({out / 'checkpoint.npz'}, if any) is "
            "intact: free space, then continue with --resume",
        ) from error
    except (MemoryError, FileExistsError) as error:  # FolderLockedError is one: another writer, or results
        raise ValueError(str(error)) from error


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
    """The config of a fresh run (ValueError for a bad setting)."""
    from snnrl.algorithms.family.networks import NetworkConfig
    from snnrl.algorithms.family.registry import algorithm_config
    from snnrl.experiments.config.files import parse_assignments

    try:
        net = NetworkConfig(**parse_assignments(network))
        return algorithm_config(algorithm, env=env, network=net, **parse_assignments(settings))
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(str(error)) from error


def _resumed(out: Path, algorithm: str, settings: list[str], network: list[str]) -> tuple[str, int, int, int, Any]:
    """(algorithm, seeds, seed, chunks, config) of the run stored in ``out``; ValueError naming every field
    in which the algorithm given or a --set / --net value differs from it (a resumed run is the same run)."""
    from snnrl.experiments.config.files import parse_assignments
    from snnrl.experiments.config.run_identity import differing_fields

    try:
        stored_algorithm, seeds, seed, chunks, config = config_from_file(out / "config.json")
        requested = dataclasses.replace(
            config,
            network=dataclasses.replace(config.network, **parse_assignments(network)),
            **parse_assignments(settings),
        )
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(str(error)) from error
    differences = differing_fields(
        {"algorithm": stored_algorithm, "config": dataclasses.asdict(config)},
        {"algorithm": algorithm, "config": dataclasses.asdict(requested)},
    )
    if differences:
        raise ValueError(
            f"--resume continues the run stored in {out}; these settings differ (stored != requested): "
            f"{'; '.join(differences)}"
        )
    return stored_algorithm, seeds, seed, chunks, config
