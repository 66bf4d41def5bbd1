"""``snnrl eval``: play games with a results folder's trained learners, weights frozen (docs/howto/evaluate.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import app, fail


@app.command("eval")
def eval_(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="Results folder of `snnrl train` or `snnrl algo`.")],
    games: Annotated[int, typer.Option(min=1, help="Games per realization (algo: episodes per seed).")] = 100,
    greedy: Annotated[bool, typer.Option("--greedy", help="Argmax policy instead of sampling.")] = False,
    env: Annotated[str | None, typer.Option(help="Another environment, same spaces.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder. Default: FOLDER/eval.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed of the evaluation games.")] = 0,
) -> None:
    """Evaluate a trained agent with frozen weights.

    Writes returns.csv, summary.json, returns.png. How-to: docs/howto/evaluate.md."""
    from snnrl.experiments.analysis.evaluate import evaluate_folder

    try:
        summary, paths = evaluate_folder(folder, games, greedy, out, env, seed)
    except (ValueError, FileNotFoundError) as error:
        fail(str(error))
    for path in paths:
        typer.echo(path)
    played = (
        f"{summary['seeds']} seeds x {summary['episodes']} episodes ({summary['episodes_cut']} cut at the step limit)"
        if "episodes" in summary  # an `snnrl algo` folder's (evaluate_family.summarize_family)
        else f"{summary['members']} realizations x {summary['games']} games"
    )
    typer.echo(
        f"eval: {summary['env']} · {summary['policy']} policy · {played} · mean return "
        f"{summary['mean_return']:+.3f} ± {summary['sd_return']:.3f} (SD), ± {summary['se_return']:.3f} (SE)"
    )
