"""``snnrl list`` and ``snnrl config show``: what there is to run, and a config in full (docs/howto/configure.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import CONFIG_HELP, OVERRIDES_HELP, ConfigFormat, app, config_app, fail


@app.command(name="list")
def list_things() -> None:
    """List presets, environments and modes."""
    from snnrl.algorithms.dreaming.config import MODES
    from snnrl.envs import registered_names
    from snnrl.experiments.config.experiment import PRESETS

    typer.echo("presets:")
    for name, (_, description) in sorted(PRESETS.items()):
        typer.echo(f"  {name:12s} {description}")
    typer.echo("environments:")
    for name in registered_names():
        typer.echo(f"  {name}")
    typer.echo(f"modes: {', '.join(MODES)}")


@config_app.command("show")
def config_show(
    preset: Annotated[
        str | None,
        typer.Argument(
            metavar="PRESET",
            help=(
                "Named preset (see `snnrl list`), or an algorithm of `snnrl algo` (ppo, reinforce, actor_critic, "
                "dqn). Default: the preset the --config file names, else official."
            ),
        ),
    ] = None,
    overrides_: Annotated[
        list[str] | None, typer.Argument(metavar="KEY=VALUE", help=OVERRIDES_HELP, show_default=False)
    ] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    fmt: Annotated[ConfigFormat, typer.Option("--format", help="Output format.")] = ConfigFormat.yaml,
) -> None:
    """Print the full config of a preset with a config file and overrides applied (every key there is);
    the output, saved to a file, is a valid --config."""
    from snnrl.algorithms.family.registry import ALGORITHMS
    from snnrl.cli.family import show_algorithm_config
    from snnrl.experiments.config.configure import run_config
    from snnrl.experiments.config.files import dump

    assignments = list(overrides_ or [])
    if preset in ALGORITHMS:  # an algorithm of `snnrl algo`: its config's defaults
        show_algorithm_config(preset, assignments, config_file, fmt.value)
        return
    if preset is not None and "=" in preset:  # only overrides were given
        preset, assignments = None, [preset, *assignments]
    try:
        config = run_config(preset, config_file, assignments)
    except ValueError as error:
        fail(str(error))
    typer.echo(dump(config.to_dict(), fmt.value), nl=False)
