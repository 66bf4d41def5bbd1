"""Shared tiny experiment configurations (gymnax CartPole: a real JAX environment that compiles fast)."""

import pytest

from snnrl.experiments.config.experiment import preset
from snnrl.experiments.config.overrides import apply_overrides

TINY_ENV = "gymnax:CartPole-v1"


def tiny_config(**changes):
    config = apply_overrides(preset("demo"), env=TINY_ENV, neurons=30, games=6, realizations=2, chunk_games=2)
    algorithm = config.algorithm.replace(awake_steps=20, agent_learning_start=0).with_dream(steps=10)
    return config.replace(algorithm=algorithm, **changes)


@pytest.fixture
def tiny():
    return tiny_config
