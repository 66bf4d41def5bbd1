"""benchmarks/gpu_bench.py: the CPU smoke run writes every field the GPU run records, and without a GPU and
without the smoke flag the script refuses, naming the device it found."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import gpu_bench  # noqa: E402

GAME = {"compile_s", "game_s", "realization_steps_per_s", "step_latency_s", "compiled_bytes", "peak_bytes_so_far"}
FIG2C = {"realizations", "games_timed", "run_s", "realization_steps_per_s", "extrapolated_2000_games_s", "extrapolated"}
PPO = {"compile_s", "steps_per_s", "compiled_bytes", "peak_bytes_so_far"}


def test_cpu_smoke_records_every_field(tmp_path):
    out = tmp_path / "gpu_smoke.json"
    gpu_bench.main(["--cpu-smoke", "--out", str(out)])
    record = json.loads(out.read_text())
    assert record["smoke"] is True and record["device"].startswith(jax.devices()[0].platform)
    rows = record["rows"]
    assert set(rows) == {"game/step/1", "game/game/1", "fig2c/dream", "fig2c/none", "ppo/lif/1", "ppo/mlp/1"}
    for name, row in rows.items():
        fields = GAME if name.startswith("game/") else FIG2C if name.startswith("fig2c/") else PPO
        assert fields <= set(row), (name, sorted(row))
        rate = row.get("realization_steps_per_s", row.get("steps_per_s"))
        assert rate > 0, name
    assert rows["fig2c/dream"]["extrapolated"] is True and rows["fig2c/dream"]["finite_returns"]


@pytest.mark.skipif(jax.devices()[0].platform == "gpu", reason="a GPU is present: the script would run")
def test_refuses_without_a_gpu(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SNNRL_GPU_SMOKE"}
    result = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu.sh"), "--out", str(tmp_path / "x.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "no GPU found" in result.stderr and "cpu" in result.stderr
    assert not (tmp_path / "x.json").exists()
