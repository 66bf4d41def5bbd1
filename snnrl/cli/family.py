"""``snnrl algo``: train an algorithm of the RL family (ppo, reinforce, actor_critic, dqn) into a results
folder (experiments/run/family.py). How-to: docs/howto/algorithms.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import LoggerChoice, app, fail


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
    chunks: Annotated[
        int | None,
        typer.Option("--chunks", min=1, help="Calls (progress, checkpoint). Default: up to 10 dividing the updates."),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run of --out from its checkpoint.")] = False,
    settings: Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE of the algorithm's config.")] = None,
    network: Annotated[
        list[str] | None, typer.Option("--net", help="KEY=VALUE of NetworkConfig (kind=mlp, ...).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress (a bar, or a line per chunk).")] = True,
    figures: Annotated[bool, typer.Option(help="Write OUT/figures/returns.png at the end.")] = True,
    log: Annotated[
        list[LoggerChoice] | None, typer.Option(help="Log each chunk: csv, tensorboard, wandb (repeatable).")
    ] = None,
    max_checkpoint_gb: Annotated[
        float | None,
        typer.Option(min=0.0, help="Refuse a checkpoint (every seed's state) above this many GB. Default: 2."),
    ] = None,
) -> None:
    """Train ALGORITHM for --seeds seeds and write the results folder --out (with --resume, the folder's
    own config is used and the other options are ignored). `snnrl config show ALGORITHM` prints the
    defaults."""
    from snnrl.core.storage import WriteFailedError
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
            show_progress=progress,
            log=[choice.value for choice in log or []],
            max_checkpoint_gb=max_checkpoint_gb,
        )
    except ValueError as error:
        fail(str(error))
    except WriteFailedError as error:
        fail(str(error), code=1)
    except FloatingPointError as error:
        from snnrl.experiments.run.divergence import kept_checkpoint

        fail(f"{error}; {kept_checkpoint(out / 'checkpoint.npz')}", code=1)
    if figures:
        from snnrl.experiments.analysis.family_plots import plot_family_returns

        typer.echo(f"figure: {plot_family_returns([out], out / 'figures' / 'returns')[0]}")
    typer.echo(describe_summary(summary, out))


def describe_summary(summary: dict, out: Path) -> str:
    """The last lines of ``snnrl algo``: what ran, how long, the final return and the spiking cost."""
    spread = f" ± {summary['final_return_se']:.3f} (s.e. over seeds)" if summary["seeds"] > 1 else ""
    return (
        f"done: {summary['algorithm']} on {summary['env']}, {summary['seeds']} seeds x {summary['updates']} updates "
        f"({summary['env_steps']:,} environment steps per seed) in {summary['wall_seconds']:.1f} s of training "
        f"(+ {summary['compile_seconds']:.1f} s compiling)\n"
        f"final return (last 10 % of the updates): {summary['final_return_mean']:+.3f}{spread}; "
        f"{summary['spikes_per_decision']:.1f} spikes and {summary['synops_per_decision']:.0f} SynOps per decision\n"
        f"results in {out}"
    )


def show_algorithm_config(
    algorithm: str, assignments: list[str], config_file: Path | None, fmt: str, env: str | None = None
) -> None:
    """``snnrl config show ppo [--env ENV]``: the algorithm's config with every field at its default for
    ``env`` (the tuned defaults of family/tuned.py where there are some; None: the config's own environment),
    the network's under ``network``, in ``fmt`` (yaml, json); KEY=VALUE overrides and --config belong to
    `snnrl algo` (--set, --net) and are refused."""
    import dataclasses

    from snnrl.algorithms.family.registry import algorithm_config
    from snnrl.experiments.config.files import dump

    if assignments or config_file is not None:
        fail(
            f"`snnrl config show {algorithm}` prints the defaults of {algorithm}'s config; set fields with "
            f"`snnrl algo {algorithm} --set KEY=VALUE --net KEY=VALUE`"
        )
    try:
        config = algorithm_config(algorithm) if env is None else algorithm_config(algorithm, env=env)
    except (TypeError, ValueError, KeyError) as error:
        fail(str(error))
    typer.echo(dump(dataclasses.asdict(config), fmt), nl=False)
