"""benchmarks/controls.py --pool: the folders of one name are stacked into one arm over seeds, in order, and
runs of different lengths or a sweep's folder are refused."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import controls  # noqa: E402


def _arm(seed: int, value: float, games: int = 5) -> tuple:
    return (f"seed{seed}", {"seed": seed}, np.full((2, games), value))


def test_pooled_stacks_the_folders_of_one_name():
    found = [_arm(10, 1.0), _arm(10, 2.0), _arm(11, 3.0), _arm(11, 4.0)]
    stacked = dict((name, (configs, returns)) for name, configs, returns in controls.pooled(found, list("TPTP")))
    assert sorted(stacked) == ["P", "T"]
    configs, returns = stacked["T"]
    assert [config["seed"] for config in configs] == [10, 11]
    np.testing.assert_array_equal(returns[:, 0], [1.0, 1.0, 3.0, 3.0])
    np.testing.assert_array_equal(stacked["P"][1][:, 0], [2.0, 2.0, 4.0, 4.0])


def test_pooled_refuses_runs_of_different_lengths_and_sweeps():
    with pytest.raises(ValueError, match="pool runs of one length"):
        controls.pooled([_arm(10, 1.0), _arm(11, 1.0, games=6)], ["T", "T"])
    with pytest.raises(ValueError, match="not sweeps"):
        controls.pooled([_arm(10, 1.0), _arm(10, 2.0)], ["T"])
