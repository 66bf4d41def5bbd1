"""The one Typer app of the ``snnrl`` command, its ``config`` group, the choice lists of its options (each
derived from the tuple or registry that defines it) and the one way a command fails."""

from __future__ import annotations

from enum import Enum

import typer

from snnrl.algorithms.dreaming.config import DREAM_STARTS, MODEL_UPDATES, MODES
from snnrl.experiments.config.files import FILE_FORMATS
from snnrl.experiments.run.loggers import LOGGER_NAMES
from snnrl.hardware.backend import backend_names

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="snnrl: reinforcement learning with spiking neural networks in JAX (dreaming, planning, DYNAP-SE).",
)
config_app = typer.Typer(
    no_args_is_help=True, help="Inspect configurations: `snnrl config show PRESET [KEY=VALUE ...]`."
)
app.add_typer(config_app, name="config")

OVERRIDES_HELP = (
    "Dotted overrides KEY=VALUE of any config field, applied after --preset and --config, e.g. "
    "algorithm.agent.learning_rate=2e-3 world_model.lif.tau_m=5 (a key not found at the top is looked "
    "up under algorithm.); `snnrl config show` lists every key."
)
CONFIG_HELP = (
    "Config file (.json, .yaml): a full or partial config tree merged on top of --preset (a results "
    "folder's config.json works)."
)


def _show_version(value: bool) -> None:
    if value:
        from snnrl import __version__

        typer.echo(f"snnrl {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    compile_cache: bool = typer.Option(
        True, help="JAX's compilation cache on disk ($SNNRL_COMPILE_CACHE: 0 or a folder)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print snnrl's version and exit."
    ),
) -> None:
    """snnrl: reinforcement learning with spiking neural networks in JAX (dreaming, planning, DYNAP-SE)."""
    from snnrl.cli.startup import enable_compile_cache

    enable_compile_cache(disabled=not compile_cache)


def choices(name: str, values) -> type[Enum]:
    """A str Enum of ``values`` (Typer's choice list), in their order."""
    return Enum(name, {value: value for value in dict.fromkeys(values)}, type=str)


Mode = choices("Mode", MODES)
ModelUpdate = choices("ModelUpdate", MODEL_UPDATES)
DreamStart = choices("DreamStart", DREAM_STARTS)
HiddenBackendChoice = choices("HiddenBackendChoice", backend_names())
LoggerChoice = choices("LoggerChoice", LOGGER_NAMES)
ConfigFormat = choices("ConfigFormat", FILE_FORMATS.values())


def fail(message: str, code: int = 2) -> None:
    """Print one error line and exit: 2 for bad usage or input, 1 for a run that failed."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)
