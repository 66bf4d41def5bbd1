"""``snnrl list`` and ``snnrl config show``: what there is to run, and a config in full (docs/howto/configure.md)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Annotated

import typer

from snnrl.cli.app import CONFIG_HELP, OVERRIDES_HELP, ConfigFormat, app, config_app, fail


@app.command(name="list")
def list_things() -> None:
    """List presets, environments and modes.

    Per environment, the commands that take it (train, algo, eval)."""
    from snnrl.choices import MODES, PRESET_NAMES
    from snnrl.envs import continuous_actions, env_spec, registered_names
    from snnrl.envs.probes import PROBE_NAMES
    from snnrl.experiments.config.experiment import PRESETS

    width = shutil.get_terminal_size().columns
    typer.echo("presets:")
    for name in PRESET_NAMES:
        typer.echo(textwrap.fill(PRESETS[name][1], width, initial_indent=f"  {name:14s} ", subsequent_indent=" " * 17))
    typer.echo("environments, and the commands that take each:")
    for name in registered_names():
        if continuous_actions(name):
            commands = "none (continuous actions; the agents pick one of n actions)"
        else:
            commands = "train, eval" if env_spec(name).host_side else "train, algo, eval"
        typer.echo(f"  {name:32s} {commands}")
    for probe in PROBE_NAMES:
        typer.echo(f"  {'probe:' + probe:32s} algo (a test of the algorithm)")
    typer.echo(f"modes: {', '.join(MODES)}")


@config_app.command("show")
def config_show(
    preset: Annotated[
        str | None,
        typer.Argument(
            metavar="PRESET",
            help=(
                "Named preset (see `snnrl list`), or an algorithm of `snnrl algo` (its defaults). Default: the "
                "preset the --config file names, else official."
            ),
        ),
    ] = None,
    overrides_: Annotated[
        list[str] | None, typer.Argument(metavar="KEY=VALUE", help=OVERRIDES_HELP, show_default=False)
    ] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    fmt: Annotated[ConfigFormat, typer.Option("--format", help="Output format.")] = ConfigFormat.yaml,
    env: Annotated[
        str | None, typer.Option("--env", help="An algorithm's tuned defaults for this environment.")
    ] = None,
) -> None:
    """Print a preset's full config, a config file and overrides applied.

    Every key there is; the output, saved to a file, is a valid --config. An algorithm of `snnrl algo`
    (ppo, reinforce, actor_critic, dqn): its config's defaults (--env: its tuned defaults there)."""
    from snnrl.choices import ALGORITHM_NAMES
    from snnrl.cli.family import show_algorithm_config
    from snnrl.experiments.config.configure import run_config
    from snnrl.experiments.config.files import dump

    assignments = list(overrides_ or [])
    if preset in ALGORITHM_NAMES:  # an algorithm of `snnrl algo`: its config's defaults
        show_algorithm_config(preset, assignments, config_file, fmt.value, env)
        return
    if env is not None:
        fail(f"--env names an algorithm's environment (`snnrl config show ppo --env ...`); {preset!r} is a preset")
    if preset is not None and "=" in preset:  # only overrides were given
        preset, assignments = None, [preset, *assignments]
    try:
        config = run_config(preset, config_file, assignments)
    except ValueError as error:
        fail(str(error))
    typer.echo(dump(config.to_dict(), fmt.value), nl=False)
