"""``snnrl plot`` and ``snnrl render``: figures and videos of finished results folders (docs/howto/plot.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import app, fail


@app.command()
def plot(
    folders: Annotated[
        list[Path],
        typer.Argument(metavar="FOLDER", help="Results folders (e.g. a dreaming run and a baseline run)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Figure path without extension (PNG and PDF are written).")] = Path(
        "returns"
    ),
    dream: Annotated[
        bool, typer.Option(help="Also draw a dream rollout and a spike raster (JAX environments).")
    ] = False,
) -> None:
    """Plot return vs real interactions of results folders.

    Median, 80th percentile, standard error and single runs; `snnrl algo` folders: mean and standard error
    over seeds vs environment steps. How-to: docs/howto/plot.md."""
    from snnrl.experiments.analysis.family_plots import plot_folders
    from snnrl.experiments.analysis.plots import plot_dream

    for folder in folders:
        if not (folder / "metrics.npz").exists():
            fail(f"{folder} holds no metrics.npz (is it a results folder?)")
    try:
        paths = plot_folders(folders, out)
    except ValueError as error:
        fail(str(error))
    for path in paths:
        typer.echo(path)
    if dream:
        try:
            paths = plot_dream(folders[0], out.parent / f"{out.name}_dream")
        except ValueError as error:
            fail(str(error))
        for path in paths:
            typer.echo(path)


@app.command()
def render(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="Results folder of a run (JAX Pong or ALE).")],
    game: Annotated[int, typer.Option(help="Dream with this game's keys (the trained networks, from the reset).")] = 0,
    realization: Annotated[int, typer.Option(help="Which realization (member) dreams.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Video path (.gif, or .mp4 with imageio-ffmpeg); default FOLDER/figures/.")
    ] = None,
) -> None:
    """Write a real game and its dream side by side (GIF/MP4).

    Also the dream-vs-reality figure. How-to: docs/howto/plot.md."""
    from snnrl.experiments.analysis.render import render_dream, video_unavailable
    from snnrl.experiments.run.runner import read_config

    if not (folder / "checkpoint.npz").exists():
        fail(f"{folder} holds no checkpoint.npz (is it a results folder?)")
    try:
        paths = render_dream(folder, game, realization, out)
    except (ValueError, FileNotFoundError) as error:
        fail(str(error))
    for path in paths:
        typer.echo(path)
    reason = video_unavailable(read_config(folder))
    if reason is not None:
        typer.echo(f"no video: {reason}; the figure shows the dream against reality")
