"""``python -m snnrl.experiments.run.family`` (``snnrl algo``): train one algorithm of the RL family (PPO,
REINFORCE, e-prop actor-critic, DQN) with a spiking network or an MLP for many seeds, and write a results
folder as ``snnrl train`` does: ``config.json``, ``metrics.npz`` (per seed and update), ``returns.csv``,
``summary.json`` (with the run's provenance: library versions, git commit, host, start time, wall seconds),
written atomically, the folder locked against a second writer. ``--set`` / ``--net`` values are parsed as
``snnrl train --set`` parses them (config_io.parse_assignments: 1e-3 is a float, true a bool).

    python -m snnrl.experiments.run.family ppo --env gymnax:CartPole-v1 --seeds 4 --out runs/ppo \\
        --set total_steps=50000 --net kind=mlp --chunks 10
    python -m snnrl.experiments.run.family ppo --out runs/ppo --resume      # after a kill

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
from typing import Annotated, Any

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Train an RL algorithm of snnrl's family (ppo, reinforce, actor_critic, dqn).",
)


def write_results(
    out: Path, name: str, config: Any, metrics: dict, provenance: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write metrics.npz, returns.csv (seed, update, env_steps, episode_return, spikes, synops) and
    summary.json (the mean return of the final updates over seeds (statistics.final_updates), and ``provenance`` when given: see
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


@app.command()
def main(
    algorithm: Annotated[str, typer.Argument(help="ppo, reinforce, actor_critic or dqn.")],
    out: Annotated[Path, typer.Option("--out", help="Results folder (created; must not hold another run).")],
    env: Annotated[str, typer.Option("--env", help="gymnax:<id>, pong or probe:<name>.")] = "gymnax:CartPole-v1",
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Seeds trained together in one program.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Base random seed.")] = 0,
    chunks: Annotated[int, typer.Option("--chunks", min=1, help="Checkpoints: the updates in this many calls.")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run of --out from its checkpoint.")] = False,
    settings: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE of the algorithm's config.")] = None,
    network: Annotated[
        list[str] | None, typer.Option("--net", help="KEY=VALUE of NetworkConfig (kind=mlp, ...).")
    ] = None,
) -> None:
    """Train ALGORITHM for --seeds seeds and write the results folder --out (with --resume, the folder's
    own config is used and the other options are ignored)."""
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
        typer.echo(f"error: {out} {reason}", err=True)
        raise typer.Exit(2)
    try:
        if resume:
            algorithm, seeds, seed, chunks, config = config_from_file(config_path)
        else:
            net = NetworkConfig(**parse_assignments(network or []))
            config = algorithm_config(algorithm, env=env, network=net, **parse_assignments(settings or []))
    except (TypeError, ValueError, KeyError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
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
            summary = write_results(out, algorithm, config, metrics, provenance)
    except (ValueError, MemoryError, FolderLockedError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except FloatingPointError as error:
        typer.echo(f"error: {error} (the checkpoint of the last good chunk is kept)", err=True)
        raise typer.Exit(1) from error
    typer.echo(json.dumps(summary))


if __name__ == "__main__":
    app()
