"""Input that would silently do nothing or something else is refused, naming it: an override given twice, an
empty item in a sweep's values, a negative seed for `snnrl algo`."""

import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.experiments.config.files import ConfigError, parse_assignments
from snnrl.experiments.config.sweep_axes import parse_sweep


def test_an_override_given_twice_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"override 'agent.learning_rate' is given twice"):
        parse_assignments(["agent.learning_rate=1e-3", "games=3", " agent.learning_rate=2e-3"])
    assert parse_assignments(["agent.learning_rate=1e-3", "games=3"]) == {"agent.learning_rate": 1e-3, "games": 3}


@pytest.mark.parametrize("text", ["agent.learning_rate=1e-3,,2e-3", "agent.learning_rate=1e-3,2e-3,", "beta=,3"])
def test_an_empty_sweep_value_is_refused(text):
    with pytest.raises(ValueError, match="has an empty value between commas"):
        parse_sweep([text])


def test_a_complete_sweep_list_still_parses():
    (axis,) = parse_sweep(["agent.learning_rate=1e-3, 2e-3"])
    assert axis.values == (1e-3, 2e-3)


def test_algo_refuses_a_negative_seed_before_anything_runs(tmp_path):
    result = CliRunner().invoke(app, ["algo", "ppo", "--seed", "-1", "--out", str(tmp_path / "run")])
    assert result.exit_code != 0
    assert "--seed" in result.output and "greater than or equal to 0" in result.output
    assert not (tmp_path / "run").exists()
