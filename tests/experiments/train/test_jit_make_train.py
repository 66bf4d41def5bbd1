"""``jax.jit(make_train(config))(key)`` (the README's Python API) works for every preset: the fixed hidden
layers of the neuromorphic preset are drawn in JAX inside the compiled program."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from snnrl.experiments.config.experiment import PRESETS, preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.train import init_learners, make_train, realization_keys


def tiny_preset(name: str, **changes):
    """The preset at a tiny size: 20 neurons, 2 games of 3 awake and 3 dream steps, 1 realization."""
    config = apply_overrides(preset(name), neurons=20, games=2, realizations=1, chunk_games=2, **changes)
    return config.replace(algorithm=config.algorithm.replace(awake_steps=3, agent_learning_start=0).with_dream(steps=3))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_traces_under_jit(name):
    # eval_shape traces train exactly as jax.jit does (a traced key), without compiling the games.
    config = tiny_preset(name)
    learners, metrics = jax.eval_shape(jax.jit(make_train(config)), jax.random.key(0))
    assert metrics.game_return.shape == (1, 2)
    expected = jax.eval_shape(lambda k: init_learners(config, k), realization_keys(0, 1))
    assert jax.tree.structure(learners) == jax.tree.structure(expected)


def test_the_neuromorphic_preset_trains_under_jit():
    config = tiny_preset("neuromorphic")
    learners, metrics = jax.jit(make_train(config))(jax.random.key(config.seed))
    assert np.isfinite(np.asarray(metrics.game_return)).all() and metrics.game_return.shape == (1, 2)
    eager = init_learners(config, realization_keys(config.seed, 1))
    # The connectivity is drawn inside the compiled program with the same random numbers as outside it
    # (the mismatch factors may differ in the last bit: XLA fuses the compiled normal draws differently).
    np.testing.assert_array_equal(np.asarray(learners.agent.hidden.weights), np.asarray(eager.agent.hidden.weights))
    np.testing.assert_allclose(
        np.asarray(learners.world_model.hidden.gain), np.asarray(eager.world_model.hidden.gain), rtol=1e-6
    )


def test_a_run_on_the_real_chip_is_refused_under_jit():
    config = tiny_preset("neuromorphic", backend="dynapse1")
    with pytest.raises(ValueError, match="real chip .* cannot be jitted"):
        jax.eval_shape(jax.jit(make_train(config)), jax.random.key(0))


def test_member_batch_is_refused_on_the_real_chip():
    with pytest.raises(ValueError, match="member_batch=1: a run with hidden layers on the real chip"):
        make_train(tiny_preset("neuromorphic", backend="dynapse1").replace(member_batch=1))
