"""The `dreaming` preset (ours) is the official algorithm plus options that only change how the agent learns
from the world model, so the faithful baseline (mode none) is the same under both presets: comparisons of
dreaming arms with a stored official baseline (benchmarks/stored_baseline_comparison.py) rest on this."""

from __future__ import annotations

import jax
import numpy as np

from snnrl.algorithms.dreaming.config import MODEL_USE_FIELDS
from snnrl.experiments.config.experiment import preset
from snnrl.experiments.config.files import flatten
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.train import init_learners, make_train, realization_keys


def test_the_dreaming_preset_differs_from_official_only_in_how_the_model_is_used():
    dreaming, official = flatten(preset("dreaming").to_dict()), flatten(preset("official").to_dict())
    differing = {key for key in dreaming.keys() | official.keys() if dreaming.get(key) != official.get(key)}
    assert differing - {"preset"} <= {f"algorithm.{field}" for field in MODEL_USE_FIELDS}
    assert "algorithm.dream.start" in differing  # it is not the official preset under another name


def small_baseline(name: str):
    """The preset's baseline (mode none) on CartPole (a reward every step, so the agent's updates, and anything
    that could disturb them, shape the returns) at 20 neurons, 4 games of 12 steps, 2 realizations."""
    config = apply_overrides(
        preset(name), env="gymnax:CartPole-v1", mode="none", neurons=20, games=4, realizations=2, chunk_games=4
    )
    algorithm = config.algorithm.replace(awake_steps=12, agent_learning_start=1, model_warmup_steps=3)
    return config.replace(algorithm=algorithm)


def test_the_baseline_earns_the_same_returns_under_both_presets():
    runs = {}
    for name in ("official", "dreaming"):
        config = small_baseline(name)
        learners, metrics = jax.jit(make_train(config))(jax.random.key(config.seed))
        runs[name] = (np.asarray(metrics.game_return), [np.asarray(leaf) for leaf in jax.tree.leaves(learners.agent)])
    (official_returns, official_agent), (dreaming_returns, dreaming_agent) = runs["official"], runs["dreaming"]
    np.testing.assert_array_equal(official_returns, dreaming_returns)
    for official_leaf, dreaming_leaf in zip(official_agent, dreaming_agent, strict=True):
        np.testing.assert_array_equal(official_leaf, dreaming_leaf)
    # equal because nothing of the options reaches the agent, not because the agent did not learn
    config = small_baseline("official")
    untrained = jax.tree.leaves(init_learners(config, realization_keys(config.seed, config.realizations)).agent)
    assert any(not np.array_equal(np.asarray(a), b) for a, b in zip(untrained, official_agent, strict=True))
