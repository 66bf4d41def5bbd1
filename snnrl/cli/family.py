"""``snnrl algo``: train an algorithm of the RL family (ppo, reinforce, actor_critic, dqn) into a results
folder (experiments/run/family.py). How-to: docs/howto/algorithms.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import app


@app.command(
    "algo",
    short_help="Train an RL algorithm: ppo, reinforce, actor_critic, dqn.",
    help="Train an RL algorithm of the family (ppo, reinforce, actor_critic, dqn): see docs/howto/algorithms.md.",
)
def algo(
    algorithm: Annotated[str, typer.Argument(help="ppo, reinforce, actor_critic or dqn.")],
    out: Annotated[Path, typer.Option("--out", help="Results folder (created; must not hold another run).")],
    env: Annotated[str, typer.Option("--env", help="gymnax:<id>, pong or probe:<name>.")] = "gymnax:CartPole-v1",
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="Seeds trained together in one program.")] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Base random seed (>= 0).")] = 0,
    chunks: Annotated[int, typer.Option("--chunks", min=1, help="Checkpoints: the updates in this many calls.")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run of --out from its checkpoint.")] = False,
    settings: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE of the algorithm's config.")] = None,
    network: Annotated[
        list[str] | None, typer.Option("--net", help="KEY=VALUE of NetworkConfig (kind=mlp, ...).")
    ] = None,
) -> None:
    """Train ALGORITHM for --seeds seeds and write the results folder --out (with --resume, the folder's
    own config is used and the other options are ignored)."""
    from snnrl.experiments.run.family import run_family

    try:
        summary = run_family(
            algorithm,
            out,
            env=env,
            seeds=seeds,
            seed=seed,
            chunks=chunks,
            resume=resume,
            settings=settings or [],
            network=network or [],
        )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except FloatingPointError as error:
        from snnrl.experiments.run.divergence import kept_checkpoint

        typer.echo(f"error: {error}; {kept_checkpoint(out / 'checkpoint.npz')}", err=True)
        raise typer.Exit(1) from error
    typer.echo(json.dumps(summary))
