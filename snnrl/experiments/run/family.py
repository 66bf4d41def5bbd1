"""The results folder of ``snnrl algo`` (snnrl/cli/family.py): train one algorithm of the RL family (PPO,
REINFORCE, e-prop actor-critic, DQN) with a spiking network or an MLP for many seeds, and write a results
folder as ``snnrl train`` does: ``config.json``, ``metrics.npz`` (per seed and update), ``returns.csv``,
``summary.json`` (with the run's provenance: library versions, git commit, host, start time, wall seconds),
written atomically, the folder locked against a second writer. ``--set`` / ``--net`` values are parsed as
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
) -> dict[str, Any]:
    """Train ``algorithm`` for ``seeds`` seeds into the results folder ``out`` (with ``resume``, the
    folder's own config is used and the other arguments are ignored) and return its summary. ValueError for
    bad usage or input (a folder that holds another run or no checkpoint to resume, a bad setting, a locked
    folder, a run that does not fit); FloatingPointError when a loss became NaN (the checkpoint of the last
    good chunk is kept)."""
    import jax

    from snnrl.algorithms.family.chunked import run_chunked
    from snnrl.algorithms.family.networks import NetworkConfig
    from snnrl.algorithms.family.registry import algorithm_config
    from snnrl.core.storage import write_json
    from snnrl.experiments.config.files import parse_assignments
    from snnrl.experiments.run.lock import FolderLockedError, folder_lock
    from snnrl.experiments.run.provenance import run_provenance

    config_path = out / "config.json"
    if resume != (out / "checkpoint.npz").exists():
        reason = "has no checkpoint to resume" if resume else "holds a run; continue it with --resume"
        raise ValueError(f"{out} {reason}")
    try:
        if resume:
            algorithm, seeds, seed, chunks, config = config_from_file(config_path)
        else:
            net = NetworkConfig(**parse_assignments(network))
            config = algorithm_config(algorithm, env=env, network=net, **parse_assignments(settings))
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(str(error)) from error
    provenance = run_provenance()
    started = time.perf_counter()
    try:
        with folder_lock(out):
            if not resume:
                stored = {"algorithm": algorithm, "seeds": seeds, "seed": seed, "chunks": chunks}
                write_json(config_path, {**stored, "config": dataclasses.asdict(config)})
            run_id = hashlib.sha256(config_path.read_bytes()).hexdigest()[:16]
            _, metrics, _ = run_chunked(
                algorithm, config, jax.random.key(seed), seeds, chunks, out / "checkpoint.npz", run_id
            )
            provenance["wall_seconds"] = time.perf_counter() - started  # of this call (a resumed run: the rest)
            return write_results(out, algorithm, config, metrics, provenance)
    except (MemoryError, FolderLockedError) as error:
        raise ValueError(str(error)) from error
