"""Results are never lost or mixed up (issue 13, items 1-4 and 6-8): one writer per folder, checkpoints
that belong to their folder's config, refusals that touch nothing, extension of finished runs, usual
file permissions, clean exits on signals, fast chip-path errors and meaningful exit codes."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.core.storage import TEMPORARY_SUFFIX, CorruptFileError, read_npz, write_npz
from snnrl.experiments.run.checkpoint import CHECKPOINT, METRIC_NAMES
from snnrl.experiments.run.lock import LOCK_NAME, FolderLockedError, StaleLockWarning, folder_lock
from snnrl.experiments.run.runner import DivergenceError, read_config, run_experiment
from tests.experiments.conftest import TINY_ENV, tiny_config
from tests.hardware.fake_samna import make_fake_samna

runner = CliRunner()
TINY_FLAGS = [
    "--preset",
    "demo",
    "--env",
    TINY_ENV,
    "--neurons",
    "20",
    "--realizations",
    "2",
    "--no-progress",
    "--no-figures",
]


def snapshot(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def metrics_of(folder):
    return read_npz(folder / "metrics.npz")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 2-game run (chunks of 1 game) and its config."""
    folder = tmp_path_factory.mktemp("finished") / "run"
    config = tiny_config(games=2, chunk_games=1)
    run_experiment(config, folder, show_progress=False)
    return folder, config


@pytest.fixture(scope="module")
def longer(tmp_path_factory, finished):
    """The finished run's config run to 4 games from the start."""
    folder = tmp_path_factory.mktemp("longer") / "run"
    run_experiment(finished[1].replace(games=4), folder, show_progress=False)
    return folder


def copy_of(folder, destination):
    destination.mkdir()
    for path in folder.iterdir():
        if path.is_file():
            (destination / path.name).write_bytes(path.read_bytes())
    return destination


# ------------------------------------------------------------------ 1. one run per folder


def test_a_second_writer_fails_at_once_naming_the_first_whose_results_stay_intact(tmp_path):
    folder = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "snnrl.cli",
        "train",
        *TINY_FLAGS,
        "--games",
        "100000",
        "--chunk-games",
        "1",
        "--seed",
        "3",
        "--out",
        str(folder),
    ]
    # The child starts with SIGTERM blocked, as under a launcher that blocks it: the run must still stop.
    first = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,  # not the xdist worker's channel
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM}),
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (folder / "summary.json").exists():
        time.sleep(0.05)
    try:
        with pytest.raises(FolderLockedError, match=rf"in use by another run: PID {first.pid} on host"):
            run_experiment(tiny_config(games=2), folder, show_progress=False)
        result = runner.invoke(app, ["train", *TINY_FLAGS, "--games", "2", "--out", str(folder)])
        assert result.exit_code == 2 and f"PID {first.pid}" in result.output
        assert read_config(folder).seed == 3
    finally:
        first.send_signal(signal.SIGTERM)
        # communicate drains stderr while waiting (a full pipe would block the child's exit).
        try:
            _, stderr = first.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            first.kill()  # never leave the hung writer running
            raise
    assert first.returncode == 128 + signal.SIGTERM, stderr.decode()
    assert not (folder / LOCK_NAME).exists() and not list(folder.glob(f".*{TEMPORARY_SUFFIX}"))
    done = json.loads((folder / "summary.json").read_text())["games"]
    resumed = runner.invoke(
        app, ["train", "--out", str(folder), "--resume", "--games", str(done + 1), "--no-progress", "--no-figures"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert read_config(folder).seed == 3 and metrics_of(folder)["game_return"].shape == (2, done + 1)


def test_a_stale_lock_is_reported_and_taken_over(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / LOCK_NAME).write_text(json.dumps({"pid": 2**22 + 12345, "host": "gone", "started": "yesterday"}))
    with pytest.warns(StaleLockWarning, match=r"PID 4206649 on host gone .* ended without releasing it"):
        with folder_lock(folder) as holder:
            assert json.loads((folder / LOCK_NAME).read_text()) == holder and holder["pid"] == os.getpid()
    assert not (folder / LOCK_NAME).exists()


def test_resume_refuses_a_checkpoint_of_another_run_naming_the_fields(tmp_path, finished):
    folder, config = finished
    other = tmp_path / "other"
    run_experiment(config.replace(seed=7), other, show_progress=False)
    mixed = copy_of(folder, tmp_path / "mixed")
    (mixed / CHECKPOINT).write_bytes((other / CHECKPOINT).read_bytes())
    before = snapshot(mixed)
    with pytest.raises(ValueError, match=r"belongs to another run.*seed: 7 != 0"):
        run_experiment(None, mixed, resume=True, show_progress=False)
    assert snapshot(mixed) == before


def test_a_checkpoint_written_before_an_option_existed_still_resumes(tmp_path, finished, longer):
    """An option added later (here dream.error_threshold) takes its default: the older run is the same run,
    unless the option is set to something else."""
    folder, config = finished
    old = copy_of(folder, tmp_path / "old")
    arrays = read_npz(old / CHECKPOINT)
    identity = json.loads(str(arrays["meta_identity"]))
    del identity["algorithm"]["dream"]["error_threshold"]  # as a version without the option wrote it
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    arrays.update(
        meta_identity=np.asarray(text), meta_identity_hash=np.asarray(hashlib.sha256(text.encode()).hexdigest())
    )
    write_npz(old / CHECKPOINT, arrays)
    stored = json.loads((old / "config.json").read_text())
    del stored["experiment"]["algorithm"]["dream"]["error_threshold"]
    (old / "config.json").write_text(json.dumps(stored))
    other = copy_of(old, tmp_path / "other")
    run_experiment(config.replace(games=4), old, resume=True, show_progress=False)
    for name in METRIC_NAMES:
        np.testing.assert_array_equal(metrics_of(old)[name], metrics_of(longer)[name])
    stored["experiment"]["algorithm"]["dream"]["error_threshold"] = 0.5  # the option set: another run
    (other / "config.json").write_text(json.dumps(stored))
    with pytest.raises(ValueError, match=r"belongs to another run.*dream.error_threshold: '\(absent\)' != 0.5"):
        run_experiment(None, other, resume=True, show_progress=False)


def test_a_checkpoint_whose_identity_was_stripped_is_refused_on_resume_and_by_eval(tmp_path, finished):
    """The named checkpoints always record their run: one without that record is not continued or evaluated
    under whatever config.json lies beside it (the positional files of snnrl 0.2.0 still load:
    tests/experiments/run/test_checkpoint_format.py)."""
    folder, config = finished
    old = copy_of(folder, tmp_path / "old")
    arrays = {k: v for k, v in read_npz(old / CHECKPOINT).items() if not k.startswith("meta_")}
    write_npz(old / CHECKPOINT, arrays)
    before = snapshot(old)
    with pytest.raises(ValueError, match=r"checkpoint.npz records no run identity \(its meta_identity_hash"):
        run_experiment(config.replace(games=4), old, resume=True, show_progress=False)
    evaluated = runner.invoke(app, ["eval", str(old), "--games", "1", "--out", str(tmp_path / "eval")])
    assert evaluated.exit_code == 2 and "records no run identity" in evaluated.output, evaluated.output
    assert snapshot(old) == before and not (tmp_path / "eval").exists()


# ------------------------------------------------------------------ 2. refusals that touch nothing


def test_resume_without_checkpoint_refuses_instead_of_restarting(tmp_path, finished):
    folder = copy_of(finished[0], tmp_path / "run")
    (folder / CHECKPOINT).unlink()
    before = snapshot(folder)
    with pytest.raises(FileExistsError, match=r"metrics.npz, returns.csv, summary.json but no checkpoint.npz"):
        run_experiment(None, folder, resume=True, show_progress=False)
    assert snapshot(folder) == before


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _drop_metric(path):
    arrays = read_npz(path)
    arrays.pop(next(name for name in arrays if "game_return" in name))
    write_npz(path, arrays)


def _other_values(path):
    arrays = read_npz(path)
    arrays["game_return"] = arrays["game_return"] + 1
    write_npz(path, arrays)


@pytest.mark.parametrize(
    "name, damage, message",
    [
        (CHECKPOINT, lambda p: p.write_bytes(b""), "is empty"),
        (CHECKPOINT, _truncate, "not an .npz archive"),
        (CHECKPOINT, lambda p: p.write_text("not a checkpoint"), "not an .npz archive"),
        (CHECKPOINT, _drop_metric, "incomplete: it lacks metric_game_return"),
        ("metrics.npz", _truncate, "not an .npz archive"),
        ("metrics.npz", _drop_metric, "incomplete: it lacks game_return"),
        ("metrics.npz", _other_values, "mixes two runs"),
    ],
)
def test_damaged_files_are_named_and_nothing_is_touched(tmp_path, finished, name, damage, message):
    folder = copy_of(finished[0], tmp_path / "run")
    damage(folder / name)
    before = snapshot(folder)
    with pytest.raises(ValueError, match=rf"{name}.*{message}|{message}"):
        run_experiment(None, folder, resume=True, show_progress=False)
    result = runner.invoke(app, ["train", "--out", str(folder), "--resume", "--no-progress", "--no-figures"])
    assert result.exit_code == 2 and name in result.output
    assert "Aborted" not in result.output and "pickle" not in result.output
    assert snapshot(folder) == before


def test_corrupt_npz_reports_the_file(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(CorruptFileError, match=str(path)):
        read_npz(path)


# ------------------------------------------------------------------ 3. extending a run


def test_resume_with_more_games_extends_a_finished_run_to_the_longer_runs_numbers(tmp_path, finished, longer):
    folder = copy_of(finished[0], tmp_path / "run")
    result = runner.invoke(
        app, ["train", "--out", str(folder), "--resume", "--games", "4", "--no-progress", "--no-figures"]
    )
    assert result.exit_code == 0, result.output
    assert read_config(folder).games == 4
    for name in METRIC_NAMES:
        np.testing.assert_array_equal(metrics_of(folder)[name], metrics_of(longer)[name])


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--seed", "5"], "--seed 5 would change it"),
        (["--neurons", "21"], "--neurons 21 would change it"),
        (["--preset", "official"], "--preset official would change it"),
        (["--games", "1"], "cannot be shortened"),
    ],
)
def test_resume_refuses_any_other_changed_flag(tmp_path, finished, flags, message):
    folder = copy_of(finished[0], tmp_path / "run")
    before = snapshot(folder)
    result = runner.invoke(app, ["train", "--out", str(folder), "--resume", *flags, "--no-progress", "--no-figures"])
    assert result.exit_code == 2 and message in result.output, result.output
    assert snapshot(folder) == before


def test_resume_with_a_changed_config_from_python_names_the_fields(tmp_path, finished):
    folder = copy_of(finished[0], tmp_path / "run")
    with pytest.raises(ValueError, match=r"only --games may change.*chunk_games: 1 != 2"):
        run_experiment(finished[1].replace(chunk_games=2), folder, resume=True, show_progress=False)


# ------------------------------------------------------------------ 4. permissions and signals


def test_results_files_get_the_usual_permissions(tmp_path, finished):
    from snnrl.core.storage import write_text

    previous = os.umask(0o022)
    try:
        write_text(tmp_path / "layer.json", "{}")
        for path in [tmp_path / "layer.json", *finished[0].iterdir()]:
            if path.is_file():
                assert path.stat().st_mode & 0o777 == 0o644, path
    finally:
        os.umask(previous)


def test_a_stop_during_a_write_removes_the_temporary_file(tmp_path, monkeypatch):
    from snnrl.core import storage
    from snnrl.experiments.run.signals import Terminated

    real_fsync = os.fsync

    def fsync_then_stop(descriptor):  # a second signal's Terminated, raised in the middle of the write
        real_fsync(descriptor)
        raise Terminated(128 + signal.SIGTERM)

    monkeypatch.setattr(storage.os, "fsync", fsync_then_stop)
    with pytest.raises(Terminated):
        storage.write_atomic(tmp_path / "metrics.npz", b"data")
    assert list(tmp_path.iterdir()) == []


def test_a_sigterm_whose_exception_python_swallows_still_stops_the_run(tmp_path):
    """SIGTERM handled inside a garbage-collection callback (JAX registers one) raises where Python only
    prints "Exception ignored": the run must stop anyway, at the next chunk, with its checkpoint."""
    import gc

    from snnrl.experiments.run.signals import Terminated

    def terminate_inside_gc(info_phase, info):
        gc.callbacks.remove(terminate_inside_gc)
        os.kill(os.getpid(), signal.SIGTERM)

    def after_first_game(games_done, metrics, config):
        if games_done == 1:
            gc.callbacks.append(terminate_inside_gc)
            gc.collect()

    folder = tmp_path / "run"
    with pytest.raises(Terminated):
        run_experiment(tiny_config(games=4, chunk_games=1), folder, show_progress=False, callbacks=[after_first_game])
    assert json.loads((folder / "summary.json").read_text())["games"] == 1
    assert not (folder / LOCK_NAME).exists()


# ------------------------------------------------------------------ 6. --out and bounds


@pytest.mark.parametrize(
    "make_out, message",
    [
        (lambda tmp: "", "--out is empty"),
        (lambda tmp: (tmp / "file").write_text("x") and str(tmp / "file"), "is a file, not a folder"),
        (lambda tmp: (tmp / "file").write_text("x") and str(tmp / "file" / "run"), "file, not a folder"),
    ],
)
def test_bad_out_is_one_line_naming_out(tmp_path, make_out, message):
    out = make_out(tmp_path)
    result = runner.invoke(app, ["train", "--out", out, *TINY_FLAGS])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_out_on_a_read_only_filesystem_is_refused(tmp_path, monkeypatch):
    from snnrl.core import output_paths

    real = os.statvfs
    monkeypatch.setattr(
        output_paths.os, "statvfs", lambda path: type("S", (), {"f_flag": real(path).f_flag | os.ST_RDONLY})()
    )
    with pytest.raises(ValueError, match="--out .* is on a read-only filesystem"):
        run_experiment(tiny_config(), tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--seed", str(2**32)], "--seed"),
        (["--games", str(2**31)], "--games"),
        (["--realizations", str(2**31)], "--realizations"),
    ],
)
def test_seed_games_and_realizations_are_bounded(tmp_path, flags, message):
    result = runner.invoke(app, ["train", "--out", str(tmp_path / "run"), *TINY_FLAGS[:-4], *flags])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "run").exists()


def test_too_many_realizations_are_refused_before_compiling(tmp_path):
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"will not fit in memory: the learners of 1000000000 realizations"):
        run_experiment(tiny_config(realizations=10**9), tmp_path / "run", show_progress=False)
    assert time.perf_counter() - started < 10
    assert not (tmp_path / "run" / "config.json").exists()


def test_xla_memory_analysis_refuses_a_chunk_that_does_not_fit(tmp_path, monkeypatch):
    from snnrl.experiments.train import memory
    from snnrl.experiments.train.memory_limits import MemoryLimit

    monkeypatch.setattr(memory, "check_learners_fit", lambda config, devices=1: None)
    monkeypatch.setattr("snnrl.experiments.run.runner.check_learners_fit", lambda config, devices=1: None)
    monkeypatch.setattr(memory, "memory_limit", lambda device, host_copy=True: MemoryLimit(1000, "a test limit"))
    with pytest.raises(ValueError, match=r"will not fit in memory: chunks of 2 games need about"):
        run_experiment(tiny_config(), tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run" / "config.json").exists()


# ------------------------------------------------------------------ 7. the chip path fails fast


def chip_config():
    from snnrl.experiments.config.experiment import preset
    from snnrl.experiments.config.overrides import apply_overrides

    return apply_overrides(preset("neuromorphic"), env="pong", games=1, realizations=1, backend="dynapse1")


@pytest.mark.parametrize("boards", [None, 0])
def test_the_chip_path_fails_fast_before_writing_anything(tmp_path, monkeypatch, boards):
    from snnrl.hardware import Dynapse1UnavailableError, SamnaUnavailableError

    for name in [n for n in sys.modules if n == "samna" or n.startswith("samna.")]:
        monkeypatch.delitem(sys.modules, name)
    if boards is None:
        monkeypatch.setattr(sys, "path", [p for p in sys.path if "site-packages" not in p or "snnrl" in p])
    else:
        monkeypatch.setitem(sys.modules, "samna", make_fake_samna(n_boards=boards)[0])
    config = chip_config()
    started = time.perf_counter()
    with pytest.raises(SamnaUnavailableError if boards is None else Dynapse1UnavailableError):
        run_experiment(config, tmp_path / "run", show_progress=False)
    assert time.perf_counter() - started < 0.5
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------ 8. exit codes and divergence at init


def test_initial_weights_float32_cannot_hold_are_named_as_an_input_with_their_config_field(tmp_path):
    from snnrl.experiments.run.runner import NonFiniteInputError

    config = tiny_config(games=1)
    agent = config.algorithm.agent
    config = config.replace(  # finite in float32, but scaled normal draws above 1.13 overflow it
        algorithm=config.algorithm.replace(agent=agent.replace(lif=agent.lif.replace(w_in_std=3e38)))
    )
    with pytest.raises(NonFiniteInputError, match=r"agent.w_in .*an input, not a divergence.*agent.lif.w_in_std"):
        run_experiment(config, tmp_path / "run", show_progress=False)
    assert not (tmp_path / "run" / CHECKPOINT).exists()


@pytest.mark.parametrize(
    "error, code",
    [
        (DivergenceError("run diverged at game 3"), 1),
        (ValueError("bad"), 2),
    ],
)
def test_exit_codes(tmp_path, monkeypatch, error, code):
    import snnrl.experiments.run.runner as runner_module

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(runner_module, "run_experiment", fail)
    result = runner.invoke(app, ["train", "--out", str(tmp_path / "run"), *TINY_FLAGS, "--games", "1"])
    assert result.exit_code == code and str(error) in result.output


def test_a_missing_samna_exits_with_1(tmp_path, monkeypatch):
    for name in [n for n in sys.modules if n == "samna" or n.startswith("samna.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if "site-packages" not in p or "snnrl" in p])
    result = runner.invoke(
        app,
        [
            "train",
            "--out",
            str(tmp_path / "run"),
            "--preset",
            "neuromorphic",
            "--backend",
            "dynapse1",
            "--realizations",
            "1",
        ],
    )
    assert result.exit_code == 1 and "samna is not installed" in result.output
