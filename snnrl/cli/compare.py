"""``snnrl compare``: the statistics of arms against the first (docs/howto/evaluate.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import app, fail


@app.command()
def compare(
    folders: Annotated[
        list[Path], typer.Argument(metavar="FOLDER", help="Results folders; the first is the reference arm.")
    ],
    final_games: Annotated[int, typer.Option(min=1, help="Games of the final level (last N).")] = 250,
    window: Annotated[int, typer.Option(min=1, help="Moving-mean window (games to a level).")] = 50,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the numbers as JSON.")] = None,
) -> None:
    """Compare arms against the first: mean ± SD, Mann-Whitney, IQM.

    Also the games-to-level ratio, AUC and the CPU. How-to: docs/howto/evaluate.md."""
    from snnrl.core.storage import write_json
    from snnrl.experiments.analysis.compare import compare_folders, report

    for folder in folders:
        if not (folder / "metrics.npz").exists():
            fail(f"{folder} holds no metrics.npz (is it a results folder of `snnrl train`?)")
    try:
        result = compare_folders(folders, final_games, window)
    except (ValueError, FileNotFoundError) as error:
        fail(str(error))
    typer.echo(report(result))
    if json_out is not None:
        write_json(json_out, result)
        typer.echo(f"json: {json_out}")
