"""The ``snnrl`` command: train, plot, list."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="snnrl: reinforcement learning with spiking neural networks in JAX (dreaming, planning, DYNAP-SE).",
)


class Mode(str, Enum):
    dream = "dream"
    plan = "plan"
    none = "none"


class ModelUpdate(str, Enum):
    step = "step"
    game = "game"


class DreamStart(str, Enum):
    reset = "reset"
    random = "random"


class HiddenBackendChoice(str, Enum):
    simulated = "simulated"
    jax = "jax"
    dynapse1 = "dynapse1"


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Results folder (config.json, metrics, checkpoint, summary.json, figures/).")],
    preset: Annotated[str, typer.Option(help="Named preset: see `snnrl list`.")] = "official",
    env: Annotated[Optional[str], typer.Option(help="Environment, e.g. pong (JAX), ale:pong (real Atari). Default: the preset's.")] = None,
    mode: Annotated[Optional[Mode], typer.Option(help="dream, plan (look-aheads) or none (baseline). Default: the preset's.")] = None,
    realizations: Annotated[Optional[int], typer.Option(min=1, help="Independent realizations trained at once.")] = None,
    games: Annotated[Optional[int], typer.Option(min=1, help="Games per realization.")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Seed: same seed, same numbers.")] = None,
    n_fut: Annotated[Optional[int], typer.Option("--n-fut", min=1, help="Planning look-ahead steps (mode plan).")] = None,
    model_update: Annotated[Optional[ModelUpdate], typer.Option(help="World-model optimizer step every env step (official code) or once per game (paper).")] = None,
    dream_start: Annotated[Optional[DreamStart], typer.Option(help="Dream from the real post-reset state or a random one.")] = None,
    neurons: Annotated[Optional[int], typer.Option(min=1, help="Neurons per network (agent and world model).")] = None,
    chunk_games: Annotated[Optional[int], typer.Option(min=1, help="Games per compiled chunk (checkpoint interval).")] = None,
    backend: Annotated[Optional[HiddenBackendChoice], typer.Option(help="Neuromorphic presets: hidden layers on the simulated DYNAP-SE, the mismatch-free JAX reference, or a real DYNAP-SE1 board (needs SynSense's samna; one board holds 4 realizations).")] = None,
    mismatch: Annotated[Optional[float], typer.Option(min=0.0, help="Neuromorphic presets: device mismatch of the simulated chip (0.2 = 20 %).")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Neuromorphic presets: firing threshold of the simulated chip's neurons (its operating point; benchmarks/calibrate_simulator.py fits it to a measured rate).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint (its stored config is used).")] = False,
    progress: Annotated[bool, typer.Option(help="Show the live progress bar.")] = True,
    figures: Annotated[bool, typer.Option(help="Write the return figure into OUT/figures at the end.")] = True,
) -> None:
    """Train agent and world model (awake + dream / plan / none) and write a results folder."""
    from snnrl.experiments.config import preset as load_preset
    from snnrl.experiments.runner import DivergenceError, run_experiment
    from snnrl.experiments.overrides import apply_overrides
    from snnrl.hardware import Dynapse1UnavailableError, SamnaUnavailableError

    try:
        config = load_preset(preset)
        config = apply_overrides(
            config, env=env, mode=mode.value if mode else None, realizations=realizations, games=games, seed=seed,
            n_fut=n_fut, model_update=model_update.value if model_update else None,
            dream_start=dream_start.value if dream_start else None, neurons=neurons, chunk_games=chunk_games,
            backend=backend.value if backend else None, mismatch=mismatch, threshold=threshold,
        )
    except ValueError as error:
        _fail(str(error))
    try:
        summary = run_experiment(config, out, resume=resume, show_progress=progress)
    except (DivergenceError, FileExistsError, FileNotFoundError, ValueError, SamnaUnavailableError,
            Dynapse1UnavailableError) as error:
        _fail(str(error))
    if figures:
        from snnrl.experiments.plots import plot_returns

        paths = plot_returns([out], out / "figures" / "returns")
        typer.echo(f"figure: {paths[0]}")
    mean = sum(summary["mean_return_last50"]) / len(summary["mean_return_last50"])
    typer.echo(f"done: {summary['games']} games x {summary['realizations']} realizations in {summary['wall_seconds']:.1f} s; "
               f"mean return over the last 50 games {mean:+.3f}; results in {out}")


@app.command()
def plot(
    folders: Annotated[list[Path], typer.Argument(help="Results folders (e.g. a dreaming run and a baseline run).")],
    out: Annotated[Path, typer.Option("--out", help="Figure path without extension (PNG and PDF are written).")] = Path("returns"),
    dream: Annotated[bool, typer.Option(help="Also draw a dream rollout and a spike raster (JAX environments).")] = False,
) -> None:
    """Plot return vs real interactions (median, 80th percentile, standard error, single runs)."""
    from snnrl.experiments.plots import plot_dream, plot_returns

    for folder in folders:
        if not (folder / "metrics.npz").exists():
            _fail(f"{folder} holds no metrics.npz (is it a results folder?)")
    for path in plot_returns(folders, out):
        typer.echo(path)
    if dream:
        try:
            paths = plot_dream(folders[0], out.parent / f"{out.name}_dream")
        except ValueError as error:
            _fail(str(error))
        for path in paths:
            typer.echo(path)


@app.command(name="list")
def list_things() -> None:
    """List presets, environments and modes."""
    from snnrl.envs import registered_names
    from snnrl.experiments.config import PRESETS

    typer.echo("presets:")
    for name, (_, description) in sorted(PRESETS.items()):
        typer.echo(f"  {name:12s} {description}")
    typer.echo("environments:")
    for name in registered_names():
        typer.echo(f"  {name}")
    typer.echo("modes: dream, plan, none")


if __name__ == "__main__":
    app()
