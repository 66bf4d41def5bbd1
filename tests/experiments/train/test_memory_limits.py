"""The memory a run is checked against is the process's real limit (cgroup v1 / v2, RLIMIT_AS, the host,
the device), named in the refusal; a sweep's grid is counted before it is built; a checkpoint has a ceiling."""

import os
import resource
import subprocess
import sys
import time

import pytest

from snnrl.experiments.config.configure import with_sweep
from snnrl.experiments.run.runner import run_experiment
from snnrl.experiments.train.memory_limits import MemoryLimit, cgroup_limits, process_limit
from tests.experiments.conftest import TINY_ENV, tiny_config


def _fake_system(tmp_path, cgroup: str, files: dict[str, str]):
    """A /proc with self/cgroup and meminfo (100 GiB available), and a cgroup mount holding ``files``."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    (proc / "meminfo").write_text(f"MemTotal: {200 * 2**20} kB\nMemAvailable: {100 * 2**20} kB\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return proc, root


def test_cgroup_v2_memory_max_less_its_use_is_the_limit(tmp_path):
    proc, root = _fake_system(
        tmp_path, "0::/job/42\n", {"job/42/memory.max": f"{6 * 2**30}\n", "job/42/memory.current": f"{2**30}\n"}
    )
    (limit,) = cgroup_limits(proc, root)
    assert limit.free == 5 * 2**30 and limit.name.startswith("cgroup v2 memory.max")
    assert process_limit(proc=proc, root=root) == limit  # tighter than the host's 100 GiB


def test_cgroup_v2_without_a_limit_and_v1_unlimited_give_none(tmp_path):
    proc, root = _fake_system(tmp_path, "0::/job\n", {"job/memory.max": "max\n"})
    assert cgroup_limits(proc, root) == []
    proc, root = _fake_system(
        tmp_path / "v1", "4:memory:/slurm/7\n", {"memory/slurm/7/memory.limit_in_bytes": "9223372036854771712\n"}
    )
    assert cgroup_limits(proc, root) == []
    assert process_limit(proc=proc, root=root).name == "the host's available memory (MemAvailable)"


def test_cgroup_v1_limit_is_read_from_its_path_or_from_the_containers_mount(tmp_path):
    files = {"memory/slurm/7/memory.limit_in_bytes": "3000\n", "memory/slurm/7/memory.usage_in_bytes": "1000\n"}
    proc, root = _fake_system(tmp_path, "9:cpu:/\n4:memory,hugetlb:/slurm/7\n", files)
    assert [limit.free for limit in cgroup_limits(proc, root)] == [2000]
    assert "cgroup v1 memory.limit_in_bytes" in cgroup_limits(proc, root)[0].name
    inside = {"memory/memory.limit_in_bytes": "5000\n", "memory/memory.usage_in_bytes": "4000\n"}
    proc, root = _fake_system(tmp_path / "container", "4:memory:/process_api/abc\n", inside)
    assert [limit.free for limit in cgroup_limits(proc, root)] == [1000]


def test_a_run_under_a_small_rlimit_as_is_refused_naming_it(tmp_path):
    limit = 4 * 2**30
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "snnrl.cli", "train", "--out", str(tmp_path / "out"), "--preset", "demo"]
        + ["--env", TINY_ENV, "--neurons", "1000", "--realizations", "100", "--games", "2", "--no-progress"],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stdout + result.stderr[-3000:]
    assert "the learners of 100 realizations need about 4.49 GiB" in result.stderr, result.stderr[-3000:]
    assert f"under RLIMIT_AS (the address-space limit, ulimit -v: {limit} bytes)" in result.stderr
    assert not (tmp_path / "out").exists()
    assert time.perf_counter() - started < 120


def test_a_billion_point_sweep_is_refused_at_once_naming_its_axes(monkeypatch):
    from snnrl.experiments.config import sweep_axes

    def built(axes):
        raise AssertionError(f"the grid of {sweep_axes.grid_size(axes)} points was built")

    monkeypatch.setattr(sweep_axes, "grid_values", built)
    values, config = ",".join(str(value) for value in range(1, 1001)), tiny_config()
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"grid has 1000000000 points \(algorithm\.agent\.beta \(1000 values\) x "):
        with_sweep(config, [f"agent.beta={values}", f"agent.learning_rate={values}", f"world_model.lr_state={values}"])
    assert time.perf_counter() - started < 2


def test_a_checkpoint_above_the_ceiling_is_refused_before_compiling(tmp_path, monkeypatch):
    from snnrl.experiments.run import runner

    def compiled(*arguments):
        raise AssertionError("compiled a run whose checkpoint exceeds the ceiling")

    monkeypatch.setattr(runner, "_compiled_chunk", compiled)
    with pytest.raises(ValueError, match=r"checkpoint would take about 0\.00 GB \(2 members x .* ceiling of 1e-05 GB"):
        run_experiment(tiny_config(), tmp_path / "run", show_progress=False, max_checkpoint_gb=1e-5)
    assert not (tmp_path / "run").exists()


class Accelerator:
    platform = "gpu"

    def memory_stats(self):
        return {"bytes_limit": 3000, "bytes_in_use": 1000}

    def __str__(self):
        return "cuda:0"


def test_the_device_limit_counts_where_jax_reports_one(tmp_path):
    proc, root = _fake_system(tmp_path, "0::/\n", {})
    assert process_limit(Accelerator(), proc, root) == MemoryLimit(2000, "the free memory of cuda:0")


def test_buffers_on_an_accelerator_only_are_checked_against_its_memory_alone(monkeypatch):
    from snnrl.experiments.train import memory, memory_limits

    monkeypatch.setattr(memory_limits, "host_available", lambda proc=None: MemoryLimit(500, "the host"))
    assert memory.memory_limit(Accelerator(), host_copy=False) == MemoryLimit(2000, "the free memory of cuda:0")
    assert memory.memory_limit(Accelerator()) == MemoryLimit(500, "the host")  # learners are gathered to the host
