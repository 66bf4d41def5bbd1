"""Realizations over two CPU processes (jax.distributed on localhost, 2 host devices each) equal one
process with 4 devices bit for bit, also after one process is killed and the run resumed; a killed
process stops the other within the heartbeat bound; bad settings fail clearly and in bounded time."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.experiments.run.runner import load_state, read_config
from snnrl.experiments.train.distributed import (
    DistributedError,
    DistributedSettings,
    coordinator_host_port,
    initialize,
    mesh_devices,
    wait_for_coordinator,
)
from tests.experiments.conftest import TINY_ENV

GAMES = 16
HEARTBEAT = 2  # seconds: a dead process is noticed within about this
TINY = [
    "--preset",
    "demo",
    "--env",
    TINY_ENV,
    "--neurons",
    "30",
    "--realizations",
    "4",
    "--games",
    str(GAMES),
    "--chunk-games",
    "1",
    "awake_steps=20",
    "dream.steps=10",
    "agent_learning_start=0",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(devices: int, cache) -> dict:
    """CPU only, ``devices`` host devices, and one compilation cache shared by every process of the test."""
    return {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
        "JAX_COMPILATION_CACHE_DIR": str(cache),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    }


def _train(out, *arguments) -> list[str]:
    return [sys.executable, "-m", "snnrl.cli", "train", "--out", str(out), "--no-progress", "--no-figures", *arguments]


def _start_pair(out, cache, *arguments, num_processes=(2, 2), own=((), ())) -> list[subprocess.Popen]:
    """Two processes of one distributed run; ``own``: each process's further arguments."""
    port = _free_port()
    return [
        subprocess.Popen(
            _train(
                out,
                *arguments,
                *own[i],
                "--distributed",
                "--coordinator",
                f"127.0.0.1:{port}",
                "--num-processes",
                str(num_processes[i]),
                "--process-id",
                str(i),
                "--heartbeat-timeout",
                str(HEARTBEAT),
                "--init-timeout",
                "60",
            ),
            env=_environment(2, cache),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]


def _finish(process: subprocess.Popen, timeout: float) -> tuple[int, str]:
    output, errors = process.communicate(timeout=timeout)
    return process.returncode, output + errors


def _arrays(path) -> dict[str, tuple]:
    with np.load(path) as stored:
        return {
            name: (stored[name].dtype, stored[name].shape, stored[name].tobytes())
            for name in stored.files
            if name != "wall_seconds"
        }


@pytest.fixture
def launched():
    """Processes a test starts; any still running when it ends (a failed test) are killed."""
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.slow
def test_two_processes_equal_one_bit_for_bit_after_a_kill_and_resume(tmp_path, launched):
    cache, one, two = tmp_path / "cache", tmp_path / "one", tmp_path / "two"
    reference = subprocess.Popen(
        _train(one, *TINY), env=_environment(4, cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    pair = _start_pair(two, cache, *TINY)
    launched += [reference, *pair]
    deadline = time.monotonic() + 240
    while not (two / "checkpoint.npz").exists():
        assert time.monotonic() < deadline and all(p.poll() is None for p in pair), [_finish(p, 30) for p in pair]
        time.sleep(0.02)
    pair[1].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    code, output = _finish(pair[0], timeout=60)
    waited = time.monotonic() - killed
    assert code != 0, output
    assert waited < 10 * HEARTBEAT, f"process 0 ran on {waited:.1f} s after process 1 died"
    assert "another task died" in output, output  # JAX's health check: "Terminating process because ..."
    pair[1].communicate()

    state = load_state(read_config(two), two)  # the last checkpoint is intact (checked: see load_checkpoint)
    assert 1 <= state.games_done < GAMES, "the run ended before the kill: raise GAMES"
    resumed = _start_pair(two, cache, "--resume")
    launched += resumed
    for process in resumed:
        code, output = _finish(process, timeout=240)
        assert code == 0, output
    code, output = _finish(reference, timeout=240)
    assert code == 0, output

    assert _arrays(two / "metrics.npz") == _arrays(one / "metrics.npz")
    assert (two / "returns.csv").read_bytes() == (one / "returns.csv").read_bytes()
    assert _arrays(two / "checkpoint.npz") == _arrays(one / "checkpoint.npz")  # learners and metrics
    summaries = [json.loads((folder / "summary.json").read_text()) for folder in (one, two)]
    assert [summary["processes"] for summary in summaries] == [1, 2]
    assert summaries[1]["games"] == GAMES and len(summaries[1]["devices"]) == 4
    assert not (two / ".snnrl.lock").exists()


def test_a_process_given_another_process_count_stops_every_process(tmp_path, launched):
    pair = _start_pair(tmp_path / "out", tmp_path / "cache", num_processes=(2, 3))
    launched += pair
    results = [_finish(process, timeout=120) for process in pair]
    assert results[1][0] == 2 and "was given 3 processes, but the coordinator (process 0) runs 2" in results[1][1]
    assert results[0][0] == 2 and "failed on another process" in results[0][1] and "process 1:" in results[0][1]
    assert not (tmp_path / "out").exists()


def test_processes_given_different_settings_are_all_stopped_naming_the_fields(tmp_path, launched):
    without_neurons = [
        argument for index, argument in enumerate(TINY) if "--neurons" not in TINY[max(index - 1, 0) : index + 1]
    ]
    own = (["--seed", "1", "--neurons", "30"], ["--seed", "2", "--neurons", "31"])
    pair = _start_pair(tmp_path / "out", tmp_path / "cache", *without_neurons, own=own)
    launched += pair
    results = [_finish(process, timeout=120) for process in pair]
    for code, output in results:
        assert code == 2, output
        assert "the processes of this distributed run were given different settings" in output, output
        assert "process 1: " in output, output
        for difference in ("seed: 1 != 2", "algorithm.agent.lif.n_neurons: 30 != 31"):
            assert difference in output, output
    assert not (tmp_path / "out").exists()


def test_missing_settings_are_named():
    script = (
        "from snnrl.experiments.train.distributed import DistributedSettings, initialize\n"
        "try:\n    initialize(DistributedSettings())\nexcept ValueError as error:\n    print(error)\n"
    )
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLURM_", "OMPI_", "PMI_", "SNNRL_", "JAX_COORDINATOR"))
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**environment, "JAX_PLATFORMS": "cpu"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        "a distributed run needs the coordinator address, the number of processes and this process's id (JAX: "
        "coordinator_address should be defined.): give --coordinator HOST:PORT --num-processes N --process-id I"
        in result.stdout
    ), result.stdout + result.stderr[-3000:]


def test_a_busy_coordinator_port_is_named_before_jax_starts(monkeypatch):
    def jax_reached(*arguments, **settings):
        raise AssertionError("jax.distributed.initialize was called (it may crash on a busy port)")

    monkeypatch.setattr(jax.distributed, "initialize", jax_reached)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        address = f"127.0.0.1:{busy.getsockname()[1]}"
        with pytest.raises(DistributedError, match=f"process 0 could not serve the coordinator on {address} .*in use"):
            initialize(DistributedSettings(address, 2, 0, init_timeout=5))
    assert not jax.distributed.is_initialized()


def test_an_unreachable_coordinator_fails_within_the_timeout(tmp_path):
    port = _free_port()
    started = time.monotonic()
    with pytest.raises(DistributedError, match=f"could not reach the coordinator at 127.0.0.1:{port} within 1 s"):
        wait_for_coordinator(f"127.0.0.1:{port}", 1)
    assert time.monotonic() - started < 5
    result = CliRunner().invoke(
        app,
        [
            "train",
            "--out",
            str(tmp_path / "out"),
            "--distributed",
            "--coordinator",
            f"127.0.0.1:{port}",
            "--num-processes",
            "2",
            "--process-id",
            "1",
            "--init-timeout",
            "1",
        ],
    )
    assert result.exit_code == 1 and "could not reach the coordinator" in result.output, result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--distributed", "--num-processes", "2", "--process-id", "2", "--coordinator", "127.0.0.1:1"],
            "process id 2 does not exist in a run of 2 process(es): ids are 0..1",
        ),
        (
            ["--distributed", "--coordinator", "node001", "--num-processes", "2", "--process-id", "0"],
            "coordinator address 'node001' is not HOST:PORT",
        ),
        (["--process-id", "1"], "add --distributed"),
    ],
)
def test_bad_settings_are_refused_before_connecting(tmp_path, arguments, message):
    result = CliRunner().invoke(app, ["train", "--out", str(tmp_path / "out"), *arguments], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output


def test_settings_come_from_the_environment_and_flags_win():
    environ = {"SNNRL_COORDINATOR": "node7:4000", "SNNRL_NUM_PROCESSES": "4", "SNNRL_PROCESS_ID": "3"}
    assert DistributedSettings.from_environment(environ) == DistributedSettings("node7:4000", 4, 3)
    assert DistributedSettings.from_environment(environ, process_id=0).process_id == 0
    with pytest.raises(ValueError, match="SNNRL_NUM_PROCESSES='four' is not an integer"):
        DistributedSettings.from_environment({"SNNRL_NUM_PROCESSES": "four"})
    assert coordinator_host_port("[::1]:1234") == ("::1", 1234)


def _devices(processes: int, per_process: int) -> list:
    return [SimpleNamespace(process_index=p, id=p * 100 + d) for p in range(processes) for d in range(per_process)]


def test_realizations_split_evenly_over_processes_or_are_refused_with_the_numbers():
    assert [d.id for d in mesh_devices(4, _devices(2, 2))] == [0, 1, 100, 101]
    assert [d.id for d in mesh_devices(2, _devices(2, 2))] == [0, 100]  # one device per process
    assert [d.id for d in mesh_devices(12, _devices(2, 4))] == [0, 1, 2, 100, 101, 102]
    assert [d.id for d in mesh_devices(6, _devices(1, 4))] == [0, 1, 2]  # one process: as many as divide R
    with pytest.raises(
        ValueError,
        match=r"3 realizations cannot be split evenly over 2 processes \(2 x 2 devices\): "
        r"choose --realizations as a multiple of 2 \(a multiple of 4 uses every",
    ):
        mesh_devices(3, _devices(2, 2))
