"""``snnrl train``: the dreaming loop's results folder from a preset, a config file, overrides and flags. How-to:
docs/howto/train.md, docs/howto/configure.md, docs/howto/logging.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
    out: Annotated[
        str, typer.Option("--out", help="Results folder (config.json, metrics, checkpoint, summary.json, figures/).")
    ],
    overrides_: Annotated[
        list[str] | None, typer.Argument(metavar="KEY=VALUE", help=OVERRIDES_HELP, show_default=False)
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="Named preset: see `snnrl list`. Default: the preset the --config file names, else official."
        ),
    ] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    env: Annotated[
        str | None, typer.Option(help="Environment, e.g. pong (JAX), ale:pong (real Atari). Default: the preset's.")
    ] = None,
    mode: Annotated[
        Mode | None, typer.Option(help="dream, plan (look-aheads) or none (baseline). Default: the preset's.")
    ] = None,
    realizations: Annotated[
        int | None, typer.Option(min=1, max=2**31 - 1, help="Independent realizations trained at once.")
    ] = None,
    games: Annotated[
        int | None,
        typer.Option(min=1, max=2**31 - 1, help="Games per realization (with --resume: extend the run to this many)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, max=2**32 - 1, help="Seed: same seed, same numbers.")] = None,
    n_fut: Annotated[int | None, typer.Option("--n-fut", min=1, help="Planning look-ahead steps (mode plan).")] = None,
    model_update: Annotated[
        ModelUpdate | None,
        typer.Option(help="World-model optimizer step every env step (official code) or once per game (paper)."),
    ] = None,
    dream_start: Annotated[
        DreamStart | None,
        typer.Option(
            help="Dream from the real post-reset state, a random one, a state visited in the last game, or one of "
            "the games kept by world_model_replay.games (replay) (mode dream)."
        ),
    ] = None,
    neurons: Annotated[int | None, typer.Option(min=1, help="Neurons per network (agent and world model).")] = None,
    chunk_games: Annotated[
        int | None, typer.Option(min=1, help="Games per compiled chunk (checkpoint interval).")
    ] = None,
    backend: Annotated[
        HiddenBackendChoice | None,
        typer.Option(
            help=(
                "Neuromorphic presets: hidden layers on the simulated DYNAP-SE, the mismatch-free JAX reference, or "
                "a real DYNAP-SE1 board (needs SynSense's samna; one board holds 4 realizations)."
            )
        ),
    ] = None,
    mismatch: Annotated[
        float | None,
        typer.Option(min=0.0, help="Neuromorphic presets: device mismatch of the simulated chip (0.2 = 20 %)."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help=(
                "Neuromorphic presets: firing threshold of the simulated chip's neurons (its operating point; "
                "benchmarks/calibrate_simulator.py fits it to a measured rate)."
            )
        ),
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FIELD=v1,v2,...",
            help=(
                "Sweep a numeric field over these values (repeatable: the grid of all fields). The whole grid x "
                "realizations trains in one compiled program; OUT gets sweep.csv and a figure per field. See "
                "docs/howto/sweeps.md."
            ),
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help=(
                "Continue the run in --out from its last checkpoint (its stored config is used; only --games may "
                "change, to extend it)."
            ),
        ),
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show the live progress bar.")] = True,
    figures: Annotated[bool, typer.Option(help="Write the return figure into OUT/figures at the end.")] = True,
    log: Annotated[
        list[LoggerChoice] | None,
        typer.Option(
            help=(
                "Log every chunk's metrics (repeatable): csv (OUT/metrics.csv, tidy), tensorboard (OUT/tensorboard), "
                "wandb (needs snnrl[wandb])."
            )
        ),
    ] = None,
    distributed: Annotated[
        bool,
        typer.Option(
            "--distributed",
            help=(
                "One run over several processes or hosts (jax.distributed): start the same command in every process; "
                "realizations are sharded over all their devices, process 0 writes --out (a disk every process "
                "sees). See docs/howto/distributed.md."
            ),
        ),
    ] = False,
    coordinator: Annotated[
        str | None,
        typer.Option(
            help=(
                "--distributed: HOST:PORT where process 0 serves the coordinator (the same in every process). "
                "Default: $SNNRL_COORDINATOR, else found by JAX under SLURM / Open MPI."
            )
        ),
    ] = None,
    num_processes: Annotated[
        int | None,
        typer.Option(
            min=1, help="--distributed: how many processes. Default: $SNNRL_NUM_PROCESSES, else from SLURM / Open MPI."
        ),
    ] = None,
    process_id: Annotated[
        int | None,
        typer.Option(
            min=0,
            help=(
                "--distributed: this process's id, 0..N-1 (0 writes the results). Default: $SNNRL_PROCESS_ID, else "
                "from SLURM / Open MPI."
            ),
        ),
    ] = None,
    init_timeout: Annotated[
        int,
        typer.Option(min=1, help="--distributed: seconds to wait for the coordinator and every process to connect."),
    ] = 300,
    heartbeat_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            help=(
                "--distributed: seconds after which a silent process counts as dead and the others stop (the last "
                "checkpoint is kept)."
            ),
        ),
    ] = 100,
) -> None:
    """Train agent and world model (awake + dream / plan / none) and write a results folder.

    The config: --preset, then --config FILE, then the KEY=VALUE overrides, then the flags below (which
    are shorthands for common fields). Exit status: 0 success, 1 the run failed (divergence, hardware),
    2 bad usage or input, 130 / 143 interrupted (SIGINT / SIGTERM; the last checkpoint is kept: continue
    with --resume)."""
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
