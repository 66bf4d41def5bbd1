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


def _fail(message: str, code: int = 2) -> None:
    """Print one error line and exit: 2 for bad usage or input, 1 for a run that failed."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def _resumed_config(out: Path, preset: str | None, overrides: dict):
    """The stored config of the run in ``out`` with ``--games`` applied; ValueError naming any other flag
    that would change the run."""
    from snnrl.experiments.overrides import apply_overrides
    from snnrl.experiments.runner import read_config

    stored = read_config(out)
    if preset is not None and preset != stored.preset:
        raise ValueError(f"--resume continues the stored run, whose preset is {stored.preset!r}; --preset {preset} "
                         "would change it (only --games may change on --resume)")
    for name, value in overrides.items():
        if name != "games" and apply_overrides(stored, **{name: value}) != stored:
            raise ValueError(f"--resume continues the stored run; --{name.replace('_', '-')} {value} would change it "
                             "(only --games may change on --resume)")
    return apply_overrides(stored, games=overrides.get("games"))


@app.command()
def train(
    out: Annotated[str, typer.Option("--out", help="Results folder (config.json, metrics, checkpoint, summary.json, figures/).")],
    preset: Annotated[Optional[str], typer.Option(help="Named preset: see `snnrl list`. Default: official.")] = None,
    env: Annotated[Optional[str], typer.Option(help="Environment, e.g. pong (JAX), ale:pong (real Atari). Default: the preset's.")] = None,
    mode: Annotated[Optional[Mode], typer.Option(help="dream, plan (look-aheads) or none (baseline). Default: the preset's.")] = None,
    realizations: Annotated[Optional[int], typer.Option(min=1, max=2**31 - 1, help="Independent realizations trained at once.")] = None,
    games: Annotated[Optional[int], typer.Option(min=1, max=2**31 - 1, help="Games per realization (with --resume: extend the run to this many).")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, max=2**32 - 1, help="Seed: same seed, same numbers.")] = None,
    n_fut: Annotated[Optional[int], typer.Option("--n-fut", min=1, help="Planning look-ahead steps (mode plan).")] = None,
    model_update: Annotated[Optional[ModelUpdate], typer.Option(help="World-model optimizer step every env step (official code) or once per game (paper).")] = None,
    dream_start: Annotated[Optional[DreamStart], typer.Option(help="Dream from the real post-reset state or a random one (mode dream).")] = None,
    neurons: Annotated[Optional[int], typer.Option(min=1, help="Neurons per network (agent and world model).")] = None,
    chunk_games: Annotated[Optional[int], typer.Option(min=1, help="Games per compiled chunk (checkpoint interval).")] = None,
    backend: Annotated[Optional[HiddenBackendChoice], typer.Option(help="Neuromorphic presets: hidden layers on the simulated DYNAP-SE, the mismatch-free JAX reference, or a real DYNAP-SE1 board (needs SynSense's samna; one board holds 4 realizations).")] = None,
    mismatch: Annotated[Optional[float], typer.Option(min=0.0, help="Neuromorphic presets: device mismatch of the simulated chip (0.2 = 20 %).")] = None,
    threshold: Annotated[Optional[float], typer.Option(help="Neuromorphic presets: firing threshold of the simulated chip's neurons (its operating point; benchmarks/calibrate_simulator.py fits it to a measured rate).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint (its stored config is used; only --games may change, to extend it).")] = False,
    progress: Annotated[bool, typer.Option(help="Show the live progress bar.")] = True,
    figures: Annotated[bool, typer.Option(help="Write the return figure into OUT/figures at the end.")] = True,
) -> None:
    """Train agent and world model (awake + dream / plan / none) and write a results folder.

    Exit status: 0 success, 1 the run failed (divergence, hardware), 2 bad usage or input, 130 / 143
    interrupted (SIGINT / SIGTERM; the last checkpoint is kept: continue with --resume)."""
    from snnrl.experiments.config import preset as load_preset
    from snnrl.experiments.overrides import apply_overrides
    from snnrl.experiments.preflight import check_out_folder
    from snnrl.experiments.runner import DivergenceError, run_experiment
    from snnrl.experiments.signals import Terminated
    from snnrl.hardware import Dynapse1UnavailableError, SamnaUnavailableError

    overrides = {name: value for name, value in dict(
        env=env, mode=mode.value if mode else None, realizations=realizations, games=games, seed=seed, n_fut=n_fut,
        model_update=model_update.value if model_update else None, dream_start=dream_start.value if dream_start else None,
        neurons=neurons, chunk_games=chunk_games, backend=backend.value if backend else None, mismatch=mismatch,
        threshold=threshold).items() if value is not None}
    try:
        folder = check_out_folder(out)
        if resume:
            config = _resumed_config(folder, preset, overrides)
        else:
            config = apply_overrides(load_preset(preset or "official"), **overrides)
    except (ValueError, FileNotFoundError) as error:
        _fail(str(error))
    try:
        summary = run_experiment(config, folder, resume=resume, show_progress=progress)
    except (FileExistsError, FileNotFoundError, ValueError) as error:  # FolderLockedError, MappingError among them
        _fail(str(error))
    except (DivergenceError, SamnaUnavailableError, Dynapse1UnavailableError) as error:
        _fail(str(error), code=1)
    except KeyboardInterrupt:
        _fail(f"interrupted; the last checkpoint in {folder} is kept: continue with --resume", code=130)
    except Terminated as terminated:
        _fail(f"terminated; the last checkpoint in {folder} is kept: continue with --resume", code=terminated.code)
    if figures:
        from snnrl.experiments.plots import plot_returns

        paths = plot_returns([folder], folder / "figures" / "returns")
        typer.echo(f"figure: {paths[0]}")
    mean = sum(summary["mean_return_last50"]) / len(summary["mean_return_last50"])
    typer.echo(f"done: {summary['games']} games x {summary['realizations']} realizations in {summary['wall_seconds']:.1f} s; "
               f"mean return over the last 50 games {mean:+.3f}; results in {folder}")


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
    try:
        paths = plot_returns(folders, out)
    except ValueError as error:
        _fail(str(error))
    for path in paths:
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
