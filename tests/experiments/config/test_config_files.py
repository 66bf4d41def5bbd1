"""Configuration from files and dotted overrides (issue 14, item 1): every field of the tree can be set,
files round-trip, and bad keys, types and values are named with where they came from."""

import dataclasses
import json
from typing import Literal

import pytest

from snnrl.experiments.config.configure import configure, run_config
from snnrl.experiments.config.experiment import PRESETS, ExperimentConfig, preset
from snnrl.experiments.config.files import (
    ConfigError,
    build_dataclass,
    dump,
    flatten,
    parse_assignments,
    read_config_file,
)
from snnrl.models.neuromorphic import NeuromorphicAgentConfig


def every_leaf(name):
    return flatten(preset(name).to_dict())


def as_text(value):
    """A value as typed on the command line (YAML)."""
    return "null" if value is None else json.dumps(value)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_field_of_every_preset_can_be_set_by_a_dotted_override(name):
    base = preset(name)
    leaves = every_leaf(name)
    # The tree's leaves are exactly the dataclass fields (plus the networks' kind tags).
    assert sum(1 for path in leaves if path.endswith(".kind")) == 2
    for path, value in leaves.items():
        assert configure(base, assignments=[f"{path}={as_text(value)}"]) == base, path
    # Each override reaches its field: give every float field a new value the checks accept.
    changed = {
        path: value * 0.5
        for path, value in leaves.items()
        if isinstance(value, float)
        and value > 0
        and not path.endswith(("decay", "sticky_prob", "count_decay", "mismatch"))
    }
    config = configure(base, assignments=[f"{path}={value!r}" for path, value in changed.items()])
    for path, value in changed.items():
        assert flatten(config.to_dict())[path] == value, path


def test_short_forms_resolve_under_algorithm_and_ints_become_floats():
    config = configure(
        preset("demo"),
        assignments=[
            "agent.learning_rate=2e-3",
            "world_model.lif.tau_m=5",
            "n_fut=3",
            "mode=plan",
            "games=10",
            "model_learning_stop=none",
        ],
    )
    assert config.algorithm.agent.learning_rate == 0.002
    assert config.algorithm.world_model.lif.tau_m == 5.0 and isinstance(config.algorithm.world_model.lif.tau_m, float)
    assert (config.algorithm.n_fut, config.algorithm.mode, config.games) == (3, "plan", 10)
    assert config.algorithm.model_learning_stop is None


@pytest.mark.parametrize(
    "assignment, message",
    [
        (
            "agent.learning_rat=1",
            "unknown config key 'agent.learning_rat' (in overrides); did you mean 'algorithm.agent.learning_rate'?",
        ),
        ("gmes=3", "did you mean 'games'?"),
        ("n_neuron=3", "did you mean 'algorithm.agent.lif.n_neurons'?"),
        ("tau_m=3", "ambiguous; write the full key: algorithm.agent.lif.tau_m, algorithm.world_model.lif.tau_m"),
        ("agent.lif=3", "algorithm.agent.lif (in overrides) is a group of fields"),
        ("world_model.lif.tau_m=fast", 'field "algorithm.world_model.lif.tau_m" - should be "float"'),
        ("agent.lif.n_neurons=5.5", 'field "algorithm.agent.lif.n_neurons" - should be "int"'),
        ("agent_learns_awake=3", 'field "algorithm.agent_learns_awake" - should be "bool"'),
        ("games=0", "ExperimentConfig.games must be an integer >= 1"),
        ("mode=sleep", "DreamingConfig.mode='sleep' is not allowed"),
        ("agent.kind=spiking", "algorithm.agent.kind='spiking' is not allowed"),
        ("learning_rate", "is not KEY=VALUE"),
        ("=3", "is not KEY=VALUE"),
    ],
)
def test_bad_overrides_name_the_key_and_the_closest_valid_one(assignment, message):
    with pytest.raises(ConfigError) as error:
        configure(preset("demo"), assignments=[assignment])
    assert message in str(error.value)


@pytest.mark.parametrize(
    "key, suggestion",
    [
        ("gamez", "did you mean 'games'?"),  # not 'algorithm.mode' (close only through the prefix both share)
        ("sed", "did you mean 'seed'?"),
        ("realisations", "did you mean 'realizations'?"),
        ("dream.lr_scal", "did you mean 'algorithm.dream.lr_scale'?"),
        ("xyz", None),
        ("algorithm.blorp", None),
    ],
)
def test_did_you_mean_names_only_a_key_a_letter_or_two_away(key, suggestion):
    with pytest.raises(ConfigError) as error:
        configure(preset("demo"), assignments=[f"{key}=1"])
    message = str(error.value)
    if suggestion is None:
        assert "did you mean" not in message and f"unknown config key {key!r}" in message
    else:
        assert suggestion in message


@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_config_show_output_is_a_config_file_giving_the_same_config(tmp_path, name, fmt):
    config = preset(name)
    path = tmp_path / f"config.{fmt}"
    path.write_text(dump(config.to_dict(), fmt))
    assert configure(preset("official"), path) == config
    assert run_config(None, path) == config  # the file names its preset


def test_a_results_config_json_is_a_config_file(tmp_path):
    config = configure(preset("neuromorphic"), assignments=["games=7", "agent.hidden.n_hidden=40"])
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"experiment": config.to_dict(), "snnrl_version": "0.2.1"}))
    assert run_config(None, path) == config
    assert run_config("official", path) == config  # a full tree replaces the preset, networks' kinds included


def test_a_partial_yaml_file_merges_on_the_preset_and_overrides_win(tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("games: 30\nagent:\n  learning_rate: 0.005\nalgorithm:\n  world_model:\n    lif:\n      tau_m: 5\n")
    config = run_config("demo", path, ["games=40"])
    assert config == preset("demo").replace(
        games=40,
        algorithm=preset("demo").algorithm.replace(
            agent=preset("demo").algorithm.agent.replace(learning_rate=0.005),
            world_model=preset("demo").algorithm.world_model.replace(
                lif=preset("demo").algorithm.world_model.lif.replace(tau_m=5.0)
            ),
        ),
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("games: many\n", 'field "games" - should be "int" instead of value "many" of type "str" (from {path})'),
        ("algorithm:\n  agent:\n    learnin_rate: 0.1\n", "(in {path}); did you mean 'algorithm.agent.learning_rate'?"),
        ("- 1\n- 2\n", "config file {path} must hold a mapping"),
        ("games: [1\n", "config file {path} is not valid YAML"),
        ("agent:\n  beta: 1e39\n", "AgentConfig.beta=1e+39 overflows float32"),
        ("agent:\n  lif:\n    v_th: -1.0e+40\n", "LIFConfig.v_th=-1e+40 overflows float32"),
    ],
)
def test_a_bad_file_names_the_field_and_the_file(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        run_config("demo", path)
    assert message.format(path=path) in str(error.value)


def test_file_checks(tmp_path):
    with pytest.raises(ConfigError, match="must end in .json, .yaml, .yml"):
        read_config_file(tmp_path / "config.toml")
    with pytest.raises(ConfigError, match="does not exist"):
        read_config_file(tmp_path / "absent.yaml")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match="broken.json is not valid JSON"):
        read_config_file(tmp_path / "broken.json")


def test_switching_a_network_kind_starts_from_that_kinds_defaults():
    config = configure(
        preset("demo"),
        assignments=[
            "agent.kind=neuromorphic",
            "world_model.kind=neuromorphic",
            "dream.eligibility_reset=false",
            "agent.hidden.n_hidden=40",
        ],
    )
    assert isinstance(config.algorithm.agent, NeuromorphicAgentConfig)
    assert config.algorithm.agent == NeuromorphicAgentConfig().replace(
        hidden=NeuromorphicAgentConfig().hidden.replace(n_hidden=40)
    )


def test_values_are_parsed_as_yaml():
    assert parse_assignments(["a=2e-3", "b=5", "c=true", "d=null", "e=dream", "f=[1, 2]", "g.h=1.0"]) == {
        "a": 0.002,
        "b": 5,
        "c": True,
        "d": None,
        "e": "dream",
        "f": [1, 2],
        "g.h": 1.0,
    }


@dataclasses.dataclass(frozen=True)
class Shapes:
    sizes: tuple[int, ...] = (1, 2)
    kind: Literal["a", "b"] = "a"
    limit: float | None = None
    count: int = 1
    scale: float = 1.0


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"sizes": [3, 4]}, Shapes(sizes=(3, 4))),
        ({"kind": "b", "limit": 2}, Shapes(kind="b", limit=2.0)),
        ({"limit": "none", "scale": 3}, Shapes(limit=None, scale=3.0)),
    ],
)
def test_tuples_literals_optionals_and_numbers_round_trip(data, expected):
    built = build_dataclass(Shapes, data)
    assert built == expected and type(built.scale) is float
    assert build_dataclass(Shapes, dataclasses.asdict(built)) == built
    assert build_dataclass(Shapes, json.loads(json.dumps(dataclasses.asdict(built)))) == built


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "c"}, 'field "kind"'),
        ({"count": 1.0}, 'field "count" - should be "int"'),
        ({"sizes": ["x"]}, 'field "sizes"'),
        ({"scale": True}, 'field "scale" - should be "float"'),
        ({"other": 1}, '"other"'),
    ],
)
def test_wrong_types_are_named(data, message):
    with pytest.raises(ConfigError, match="from f.yaml") as error:
        build_dataclass(Shapes, data, source="f.yaml")
    assert message in str(error.value)


def test_from_dict_round_trips_every_preset():
    for name in PRESETS:
        config = preset(name)
        assert ExperimentConfig.from_dict(json.loads(config.to_json())) == config


@pytest.mark.parametrize("name", ["official", "neuromorphic"])
def test_every_float_field_refuses_a_value_float32_cannot_hold(name):
    base = preset(name)
    floats = [key for key, value in flatten(base.to_dict()).items() if isinstance(value, float)]
    assert len(floats) > 20
    for key in floats:
        with pytest.raises(ConfigError, match="overflows float32"):
            configure(base, assignments=[f"{key}=1e39"])
