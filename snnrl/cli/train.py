"""``snnrl train``: the dreaming loop's results folder from a preset, a config file, overrides and flags. How-to:
docs/howto/train.md, docs/howto/configure.md, docs/howto/logging.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from snnrl.choices import BACKEND_ON_BOARD, DEFAULT_PRESET, PRESET_NAMES
from snnrl.cli.app import (
    CONFIG_HELP,
    OVERRIDES_HELP,
    DreamStart,
    HiddenBackendChoice,
    LoggerChoice,
    Mode,
    ModelUpdate,
    app,
    fail,
)

PRESETS = "the preset's"  # the shown default of a flag whose default is the preset's value
# The shown defaults of --games, --realizations and --neurons: every preset's but demo's, and demo's
# (tests/cli/test_help.py checks them against the presets).
SCALE = ("2000, demo 600", "10, demo 4", "500, demo 200")


def _resumed_config(out: Path, preset: str | None, overrides: dict, config_file: Path | None, assignments: list[str]):
    """The stored config of the run in ``out`` with ``--games`` (or a games=N override) applied;
    ValueError naming any other flag, file value or override that would change the run."""
    from snnrl.experiments.config.configure import configure
    from snnrl.experiments.config.overrides import apply_overrides
    from snnrl.experiments.config.run_identity import check_same_run
    from snnrl.experiments.run.runner import read_config

    stored = read_config(out)
    if config_file is not None or assignments:
        requested = configure(stored, config_file, assignments)
        check_same_run(stored, requested, str(out))
        stored = stored.replace(games=requested.games)
    if preset is not None and preset != stored.preset:
        raise ValueError(
            f"--resume continues the stored run, whose preset is {stored.preset!r}; --preset {preset} "
            "would change it (only --games may change on --resume)"
        )
    for name, value in overrides.items():
        if name != "games" and apply_overrides(stored, **{name: value}) != stored:
            raise ValueError(
                f"--resume continues the stored run; --{name.replace('_', '-')} {value} would change it "
                "(only --games may change on --resume)"
            )
    return apply_overrides(stored, games=overrides.get("games"))


def _refuse_early(preset: str | None, backend: HiddenBackendChoice | None) -> None:
    """The refusals that need no JAX, made before anything is imported: an unknown preset, and a real board
    (an on-board --backend) without samna."""
    if preset is not None and preset not in PRESET_NAMES:
        fail(f"unknown preset {preset!r}; valid presets: {', '.join(sorted(PRESET_NAMES))}")
    if backend is not None and BACKEND_ON_BOARD[backend.value]:
        from snnrl.hardware.dynapse1.samna_loader import SamnaUnavailableError, check_samna

        try:
            check_samna()
        except SamnaUnavailableError as error:
            fail(str(error), code=1)


def _name_the_preset(config, config_file: Path | None) -> None:
    """The first line of a run that did not name --preset: the preset it runs and its size."""
    from snnrl.experiments.config.configure import results_config_tree
    from snnrl.experiments.config.files import read_config_file

    named = (
        config_file is not None and results_config_tree(read_config_file(config_file)).get("preset") == config.preset
    )
    source = f"named by --config {config_file}" if named else "the default: no --preset given"
    typer.echo(
        f"preset: {config.preset} ({source}): {config.games} games x "
        f"{config.realizations} realizations of {config.env}, mode {config.algorithm.mode}"
    )


def _join_distributed_run(
    coordinator: str | None,
    num_processes: int | None,
    process_id: int | None,
    init_timeout: int,
    heartbeat_timeout: int,
) -> None:
    """jax.distributed.initialize from the flags (None: $SNNRL_*, else the cluster's environment); exits
    with 2 on bad settings, 1 if the processes could not connect."""
    from snnrl.experiments.train.distributed import DistributedError, DistributedSettings, PeerFailedError, initialize

    try:
        initialize(
            DistributedSettings.from_environment(
                coordinator=coordinator,
                num_processes=num_processes,
                process_id=process_id,
                init_timeout=init_timeout,
                heartbeat_timeout=heartbeat_timeout,
            )
        )
    except ValueError as error:
        fail(str(error))
    except PeerFailedError as error:
        fail(str(error), code=2 if error.bad_input else 1)
    except DistributedError as error:
        fail(str(error), code=1)


@app.command()
def train(
    out: Annotated[str, typer.Option("--out", metavar="DIR", help="Results folder (created).", show_default=False)],
    overrides_: Annotated[
        list[str] | None, typer.Argument(metavar="KEY=VALUE", help=OVERRIDES_HELP, show_default=False)
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help=f"Preset: {', '.join(PRESET_NAMES)} (`snnrl list`).",
            show_default=f"the --config file's, else {DEFAULT_PRESET}",
        ),
    ] = None,
    config_file: Annotated[Path | None, typer.Option("--config", metavar="FILE", help=CONFIG_HELP)] = None,
    env: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Environment: pong, ale:GAME, gymnax:ID (`snnrl list`).", show_default=PRESETS
        ),
    ] = None,
    mode: Annotated[Mode | None, typer.Option(help="dream, plan or none (the baseline).", show_default=PRESETS)] = None,
    realizations: Annotated[
        int | None,
        typer.Option(min=1, max=2**31 - 1, metavar="N", help="Realizations trained at once.", show_default=SCALE[1]),
    ] = None,
    games: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=2**31 - 1,
            metavar="N",
            help="Games per realization (--resume: extend to N).",
            show_default=SCALE[0],
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=2**32 - 1, metavar="N", help="Same seed, same numbers.", show_default="0")
    ] = None,
    n_fut: Annotated[
        int | None,
        typer.Option("--n-fut", min=1, metavar="N", help="Look-ahead steps (mode plan).", show_default=PRESETS),
    ] = None,
    model_update: Annotated[
        ModelUpdate | None,
        typer.Option(help="World-model step every env step or once per game.", show_default=PRESETS),
    ] = None,
    dream_start: Annotated[
        DreamStart | None,
        typer.Option(help="Where dreams start (mode dream).", show_default=PRESETS),
    ] = None,
    neurons: Annotated[
        int | None, typer.Option(min=1, metavar="N", help="Neurons per network.", show_default=SCALE[2])
    ] = None,
    chunk_games: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Games per compiled chunk (checkpoint).", show_default=PRESETS),
    ] = None,
    backend: Annotated[
        HiddenBackendChoice | None,
        typer.Option(help="Neuromorphic presets: hidden layers' backend (docs/howto/chip.md).", show_default=PRESETS),
    ] = None,
    mismatch: Annotated[
        float | None,
        typer.Option(
            min=0.0, metavar="X", help="Neuromorphic presets: chip mismatch (0.2 = 20 %).", show_default=PRESETS
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(metavar="X", help="Neuromorphic presets: the chip neurons' threshold.", show_default=PRESETS),
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FIELD=v1,v2,...",
            help="Sweep a field over values (repeatable; docs/howto/sweep.md).",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue --out's run (only --games may change).")] = False,
    progress: Annotated[bool, typer.Option(help="Show the live progress bar.")] = True,
    figures: Annotated[bool, typer.Option(help="Write the return figure into DIR/figures.")] = True,
    log: Annotated[
        list[LoggerChoice] | None,
        typer.Option(
            help="Log each chunk (repeatable): csv, tensorboard, wandb (needs snnrl[wandb]).", show_default=False
        ),
    ] = None,
    distributed: Annotated[
        bool,
        typer.Option("--distributed", help="One run over several processes (docs/howto/distributed.md)."),
    ] = False,
    coordinator: Annotated[
        str | None,
        typer.Option(
            metavar="HOST:PORT", help="--distributed: process 0's address.", show_default="$SNNRL_COORDINATOR"
        ),
    ] = None,
    num_processes: Annotated[
        int | None,
        typer.Option(
            min=1, metavar="N", help="--distributed: how many processes.", show_default="$SNNRL_NUM_PROCESSES"
        ),
    ] = None,
    process_id: Annotated[
        int | None,
        typer.Option(min=0, metavar="I", help="--distributed: this process, 0..N-1.", show_default="$SNNRL_PROCESS_ID"),
    ] = None,
    init_timeout: Annotated[
        int, typer.Option(min=1, metavar="S", help="--distributed: seconds to wait for every process.")
    ] = 300,
    heartbeat_timeout: Annotated[
        int, typer.Option(min=1, metavar="S", help="--distributed: seconds until a silent process counts as dead.")
    ] = 100,
) -> None:
    """Train agent and world model into a results folder.

    Awake + dream / plan / none. The config: --preset, then --config FILE, then KEY=VALUE overrides, then the
    flags. Exit status: 0 done, 1 the run failed, 2 bad usage or input, 130 / 143 interrupted (the last
    checkpoint is kept: continue with --resume). How-to: docs/howto/train.md."""
    _refuse_early(preset, backend)
    from snnrl.experiments.config.configure import run_config, with_sweep
    from snnrl.experiments.config.overrides import apply_overrides
    from snnrl.experiments.run.loggers import close_loggers, make_loggers
    from snnrl.experiments.run.preflight import check_out_folder
    from snnrl.experiments.run.runner import DivergenceError, run_experiment
    from snnrl.experiments.run.signals import Terminated
    from snnrl.experiments.train.distributed import PeerFailedError, all_or_none, is_leader
    from snnrl.hardware import Dynapse1UnavailableError, SamnaUnavailableError

    overrides = {
        name: value
        for name, value in dict(
            env=env,
            mode=mode.value if mode else None,
            realizations=realizations,
            games=games,
            seed=seed,
            n_fut=n_fut,
            model_update=model_update.value if model_update else None,
            dream_start=dream_start.value if dream_start else None,
            neurons=neurons,
            chunk_games=chunk_games,
            backend=backend.value if backend else None,
            mismatch=mismatch,
            threshold=threshold,
        ).items()
        if value is not None
    }
    assignments = list(overrides_ or [])
    if distributed:
        _join_distributed_run(coordinator, num_processes, process_id, init_timeout, heartbeat_timeout)
    elif coordinator is not None or num_processes is not None or process_id is not None:
        fail("--coordinator, --num-processes and --process-id describe a distributed run: add --distributed")
    try:
        with all_or_none("reading the configuration"):
            folder = check_out_folder(out)
            if resume:
                config = _resumed_config(folder, preset, overrides, config_file, assignments)
                if sweep and with_sweep(config, sweep).sweep != config.sweep:
                    raise ValueError(
                        "--resume continues the stored run; --sweep would change its grid (only --games may "
                        "change on --resume)"
                    )
            else:
                config = with_sweep(
                    apply_overrides(run_config(preset, config_file, assignments), **overrides), sweep or []
                )
            loggers = make_loggers([choice.value for choice in log or []], folder) if is_leader() else []
    except (ValueError, FileNotFoundError) as error:
        fail(str(error))
    except PeerFailedError as error:
        fail(str(error), code=2 if error.bad_input else 1)
    if preset is None and not resume and is_leader():
        _name_the_preset(config, config_file)
    try:
        summary = run_experiment(config, folder, resume=resume, show_progress=progress, callbacks=loggers)
    except (FileExistsError, FileNotFoundError, ValueError) as error:  # FolderLockedError, MappingError among them
        fail(str(error))
    except PeerFailedError as error:
        fail(str(error), code=2 if error.bad_input else 1)
    except (DivergenceError, SamnaUnavailableError, Dynapse1UnavailableError) as error:
        fail(str(error), code=1)
    except KeyboardInterrupt:
        fail(f"interrupted; the last checkpoint in {folder} is kept: continue with --resume", code=130)
    except Terminated as terminated:
        fail(f"terminated; the last checkpoint in {folder} is kept: continue with --resume", code=terminated.code)
    finally:
        close_loggers(loggers)
    if not is_leader():
        from jax import process_index

        typer.echo(f"done: process {process_index()} of the distributed run; process 0 wrote the results in {folder}")
        return
    if config.sweep:
        _report_sweep(config, folder, summary, figures)
        return
    if figures:
        from snnrl.experiments.analysis.plots import plot_returns

        paths = plot_returns([folder], folder / "figures" / "returns")
        typer.echo(f"figure: {paths[0]}")
    mean = sum(summary["mean_return_last50"]) / len(summary["mean_return_last50"])
    typer.echo(
        f"done: {summary['games']} games x {summary['realizations']} realizations in {summary['wall_seconds']:.1f} s "
        f"of training (+ {summary['compile_seconds']:.1f} s compiling); mean return over the last 50 games "
        f"{mean:+.3f}; results in {folder}"
    )


def _report_sweep(config, folder: Path, summary: dict, figures: bool) -> None:
    """Print a sweep's per-point table (sweep.csv) and write its figures."""
    import numpy as np

    typer.echo((folder / "sweep.csv").read_text().rstrip())
    if figures:
        from snnrl.experiments.analysis.plots import plot_returns
        from snnrl.experiments.analysis.sweep import plot_sweep

        with np.load(folder / "metrics.npz") as data:
            paths = plot_sweep(config, data["game_return"], folder / "figures")
        paths += plot_returns([folder], folder / "figures" / "returns")
        typer.echo(f"figures: {', '.join(str(path) for path in paths if path.suffix == '.png')}")
    typer.echo(
        f"done: {summary['games']} games x {summary['realizations']} realizations x {summary['grid_points']} grid "
        f"points in {summary['wall_seconds']:.1f} s of training (+ {summary['compile_seconds']:.1f} s compiling); "
        f"table in {folder / 'sweep.csv'}"
    )
