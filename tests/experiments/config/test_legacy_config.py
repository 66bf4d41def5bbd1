"""snnrl 0.2 wrote the dream options as flat fields of the algorithm (algorithm.dream_start, ...): its
config.json files still load, and the flat short forms still work in overrides and sweeps."""

import json

import pytest

from snnrl.algorithms.dreaming.dream_options import FLAT_NAMES
from snnrl.experiments.config import preset
from snnrl.experiments.config.configure import configure, with_sweep
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.files import ConfigError


def flat_tree(config: ExperimentConfig) -> dict:
    """config.to_dict() as snnrl 0.2 wrote it: the dream options flat in the algorithm."""
    tree = config.to_dict()
    dream = tree["algorithm"].pop("dream")
    tree["algorithm"].update({flat: dream[name] for flat, name in FLAT_NAMES.items()})
    tree["sweep"] = [{"field": "algorithm.dream_lr_scale", "values": [1.0, 2.0]}]
    return tree


def test_a_flat_config_json_reads_as_the_nested_config(tmp_path):
    config = with_sweep(preset("dreaming"), ["dream.lr_scale=1,2"])
    assert ExperimentConfig.from_dict(flat_tree(config)) == config
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"experiment": flat_tree(config), "snnrl_version": "0.2.0"}))
    assert configure(preset("official"), path) == config


def test_the_flat_short_forms_still_override_and_sweep():
    config = configure(preset("official"), assignments=["dream_start=visited", "algorithm.dreams_per_game=3"])
    assert (config.algorithm.dream.start, config.algorithm.dream.per_game) == ("visited", 3)
    swept = with_sweep(preset("official"), ["dream_lr_scale=1,2"])
    assert swept.sweep[0].field == "algorithm.dream.lr_scale"


def test_an_option_set_both_ways_is_refused():
    tree = preset("official").to_dict()
    tree["algorithm"]["dream_start"] = "random"
    with pytest.raises(ConfigError, match="algorithm.dream_start and algorithm.dream.start are one option"):
        ExperimentConfig.from_dict(tree)
