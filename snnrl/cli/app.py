"""The one Typer app of the ``snnrl`` command, its ``config`` group, the choice lists of its options (each
derived from the light names of ``snnrl.choices``, which the registries agree with) and the one way a command
fails. Nothing here imports JAX: the commands import what they run inside their functions, so ``--help`` and
usage errors answer at once (tests/cli/test_startup.py)."""

from __future__ import annotations

from enum import Enum

import typer

from snnrl.choices import BACKEND_ON_BOARD, DREAM_STARTS, FILE_FORMATS, LOGGER_NAMES, MODEL_UPDATES, MODES

# Plain click help (no rich boxes): at 80 columns no option name is cut, and text such as snnrl[wandb] is shown
# as written instead of being read as markup.
app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="snnrl: reinforcement learning with spiking neural networks in JAX (dreaming, planning, DYNAP-SE).",
)
config_app = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Inspect configurations: `snnrl config show PRESET`.",
)
app.add_typer(config_app, name="config")

OVERRIDES_HELP = (
    "Overrides of any config field, e.g. algorithm.agent.learning_rate=2e-3 (`snnrl config show` lists every key)."
)
CONFIG_HELP = "Config file (.json, .yaml) merged on top of the preset (a run's config.json works)."


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
HiddenBackendChoice = choices("HiddenBackendChoice", BACKEND_ON_BOARD)
LoggerChoice = choices("LoggerChoice", LOGGER_NAMES)
ConfigFormat = choices("ConfigFormat", FILE_FORMATS.values())


def fail(message: str, code: int = 2) -> None:
    """Print one error line and exit: 2 for bad usage or input, 1 for a run that failed."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)
