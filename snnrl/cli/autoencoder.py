"""``snnrl autoencoder``: collect binary frames of random play, train the frame autoencoder and save it
(experiments/run/autoencoder.py), for runs with ``observation.pipeline=autoencoder`` (docs/howto/pixels.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import app


@app.command(
    "autoencoder",
    help=(
        "Train the frame autoencoder on random play.\n\nFor runs with observation.pipeline=autoencoder "
        "(docs/howto/pixels.md)."
    ),
)
def autoencoder(
    out: Annotated[Path, typer.Option(help="Folder for the autoencoder (created).")],
    env: Annotated[str, typer.Option(help="Frames of: pong (JAX Pong), ale:pong or ale:boxing.")] = "ale:boxing",
    frames: Annotated[int, typer.Option(help="Random-play frames to collect (10 % held out).")] = 10000,
    epochs: Annotated[int, typer.Option(help="Passes over the training frames.")] = 20,
    batch_size: Annotated[int, typer.Option(help="Frames per Adam step.")] = 128,
    seed: Annotated[int, typer.Option(help="Seed of the play and of the initial weights.")] = 0,
) -> None:
    """Train the frame autoencoder (33600-128-64-36-64-128-33600) on random play and save it."""
    from snnrl.experiments.run.autoencoder import train_autoencoder

    if (out / "autoencoder.json").exists():
        typer.echo(f"error: {out} already holds an autoencoder; choose another --out", err=True)
        raise typer.Exit(2)
    try:
        meta = train_autoencoder(env, frames, out, epochs=epochs, seed=seed, batch_size=batch_size)
    except (ValueError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"done: {frames} frames of {env}; held-out loss {meta['held_out_loss'][-1]:.4f} nats/pixel vs "
        f"{meta['mean_frame_loss']:.4f} for the mean frame; autoencoder in {out} (loss.png, reconstruction.png)"
    )
