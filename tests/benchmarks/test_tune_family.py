"""benchmarks/tune_family.py: each finished run is appended to the record at once and skipped when asked
again (a stopped sweep resumes), refused when its record holds another config; a stage or setting that does
not exist is refused, naming the allowed ones."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tune(tmp_path, monkeypatch):
    """The module, recording under tmp_path, with one tiny stage (PPO on a probe)."""
    spec = importlib.util.spec_from_file_location("tune_family", ROOT / "benchmarks" / "tune_family.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RUNS", tmp_path / "runs" / "tune.json")
    tiny = {"n_envs": 2, "n_steps": 4, "n_minibatches": 1, "update_epochs": 1, "net.n_hidden": 4}
    monkeypatch.setitem(module.STAGES, "tiny", ("ppo", "probe:credit", {"small": tiny, "lr": {**tiny, "lr": 1e-2}}))
    return module


def test_runs_are_recorded_and_skipped_when_on_record(tune, capsys):
    tune.sweep("tiny", 16, 2, ["small"], ("mlp",), chunks=2)
    runs = json.loads(tune.RUNS.read_text())
    assert list(runs) == ["tiny|ppo|probe:credit|small|mlp|16|2"]
    record = runs["tiny|ppo|probe:credit|small|mlp|16|2"]
    assert len(record["final_per_seed"]) == 2 and len(record["mean"]) == 2  # 16 steps / (2 x 4) updates
    assert record["config"]["network"]["n_hidden"] == 4 and record["config"]["total_steps"] == 16
    capsys.readouterr()
    tune.sweep("tiny", 16, 2, None, ("mlp",), chunks=1)  # "small" on record, "lr" new
    out = capsys.readouterr().out
    assert "small|mlp|16|2: on record" in out and "lr|mlp|16|2: final" in out
    assert len(json.loads(tune.RUNS.read_text())) == 2
    runs = json.loads(tune.RUNS.read_text())
    runs["tiny|ppo|probe:credit|small|mlp|16|2"]["config"]["lr"] = 0.5  # e.g. the tuned defaults changed since
    tune.RUNS.write_text(json.dumps(runs))
    with pytest.raises(SystemExit, match=r"small\|mlp\|16\|2 is on record with another config"):
        tune.sweep("tiny", 16, 2, ["small"], ("mlp",), chunks=1)


def test_unknown_stage_or_setting_is_named(tune):
    with pytest.raises(SystemExit, match="unknown stage 'nope'; allowed: explore"):
        tune.sweep("nope", 16, 2, None, ("lif",), chunks=1)
    with pytest.raises(SystemExit, match=r"unknown setting\(s\) \['big'\]; stage 'tiny' has small, lr"):
        tune.sweep("tiny", 16, 2, ["big"], ("lif",), chunks=1)
