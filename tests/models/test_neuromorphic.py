"""Readout-only agent and world model on the fixed hidden layer, in the shared awake/dream loop."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.dreaming.hidden_layers import hidden_layer_parameters, init_keys
from snnrl.experiments.config.experiment import ExperimentConfig, preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.train import init_learners, make_train, realization_keys
from snnrl.hardware import MappingError, make_hidden_backend
from snnrl.models.neuromorphic import FixedHiddenLayerConfig, NeuromorphicAgentConfig, hidden_parameters, layer_spec


def tiny(**overrides):
    # 100 awake steps: a random player concedes points, so returns (and policy gradients) are nonzero.
    config = apply_overrides(preset("neuromorphic"), neurons=60, games=2, realizations=2, chunk_games=2, **overrides)
    return config.replace(algorithm=config.algorithm.replace(agent_learning_start=0).with_dream(steps=10))


def test_preset_has_the_design_values():
    algorithm = preset("neuromorphic").algorithm
    assert algorithm.agent.hidden.n_hidden == 510 and algorithm.agent.hidden.mismatch == 0.2
    # docs/presets.md: one agent rate for every update of a run (0.004; 0.002 in runs that dream), x0.99 every
    # 10 000 steps, eps 1e-5 everywhere; model readouts 0.002 / 0.0004 with the same decay.
    assert algorithm.agent.learning_rate == 0.004 and algorithm.agent.dreaming_learning_rate == 0.002
    assert algorithm.dream.lr_scale == 1.0 and algorithm.agent.adam_eps == algorithm.world_model.adam_eps == 1e-5
    assert (algorithm.agent.lr_decay, algorithm.world_model.lr_decay) == (0.99, 0.99)
    assert algorithm.agent.logit_clip == 50.0 and algorithm.agent.trace_decay == 0.998
    assert (algorithm.world_model.lr_state, algorithm.world_model.lr_reward) == (0.002, 0.0004)
    assert algorithm.world_model.target_units == "ram" and algorithm.world_model.jump_threshold == 30.0
    assert algorithm.agent.hidden.count_decay == pytest.approx(0.6065, abs=1e-4)
    assert (algorithm.agent_learning_start, algorithm.awake_updates_from_game) == (51, 0)
    assert not (algorithm.baseline_runs_model or algorithm.dream.model_warmup or algorithm.dream.continues_policy_trace)
    assert algorithm.model_warmup_steps == 0
    assert preset("neuromorphic").noop_warmup == 18 and preset("neuromorphic").sticky_prob == 0.25
    config = preset("neuromorphic")
    assert ExperimentConfig.from_dict(config.to_dict()) == config


def test_each_realization_has_its_own_connectivity_and_mismatch():
    learners = init_learners(tiny(), realization_keys(0, 2))
    weights = np.asarray(learners.agent.hidden.weights)
    assert weights.shape[0] == 2 and not np.array_equal(weights[0], weights[1])
    thresholds = np.asarray(learners.agent.hidden.threshold)
    assert np.std(thresholds[0]) > 0  # 20 % mismatch spreads the thresholds
    again = init_learners(tiny(), realization_keys(0, 2))
    np.testing.assert_array_equal(weights, np.asarray(again.agent.hidden.weights))


def test_simulated_chip_without_mismatch_equals_the_jax_reference():
    key = jax.random.key(3)
    simulated = hidden_parameters(FixedHiddenLayerConfig(mismatch=0.0, n_hidden=60), "world_model", key)
    reference = hidden_parameters(FixedHiddenLayerConfig(backend="jax", n_hidden=60), "world_model", key)
    for a, b in zip(jax.tree.leaves(simulated), jax.tree.leaves(reference), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _mapped_layer(hidden: FixedHiddenLayerConfig, role: str, key: jax.Array):
    """The layer built on the host: spec -> mapper -> backend -> init_params (how snnrl <= 0.2 built it)."""
    options = {"mismatch": hidden.mismatch} if hidden.backend == "simulated" else {}
    backend = make_hidden_backend(
        hidden.backend, layer_spec(hidden, role, key), encoder=hidden.encoder, spike_mode=hidden.spike_mode, **options
    )
    return backend.init_params(jax.random.split(key)[1])


@pytest.mark.parametrize("role", ["agent", "world_model"])
@pytest.mark.parametrize(
    "hidden",
    [
        FixedHiddenLayerConfig(n_hidden=60),
        FixedHiddenLayerConfig(n_hidden=300, mismatch=0.3, connection_rule="budget"),
        FixedHiddenLayerConfig(backend="jax", n_hidden=60, threshold=0.7),
    ],
    ids=["simulated", "simulated-budget", "jax"],
)
def test_hidden_layers_drawn_in_jax_equal_the_mapped_layers(hidden, role):
    # Same keys, same random numbers, same float32 products: the runs of the host-built layers are unchanged.
    key = jax.random.key(11)
    drawn, mapped = hidden_parameters(hidden, role, key), _mapped_layer(hidden, role, key)
    for a, b in zip(jax.tree.leaves(drawn), jax.tree.leaves(mapped), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_every_realizations_hidden_layers_are_drawn_together_as_one_by_one():
    config = tiny()
    keys = realization_keys(4, 2)
    agents, models = hidden_layer_parameters(config.algorithm, keys)
    for r, key in enumerate(init_keys(keys)):
        for stacked, role, tag in ((agents, "agent", 1), (models, "world_model", 2)):
            alone = _mapped_layer(getattr(config.algorithm, role).hidden, role, jax.random.fold_in(key, tag))
            for a, b in zip(jax.tree.leaves(stacked), jax.tree.leaves(alone), strict=True):
                np.testing.assert_array_equal(np.asarray(a)[r], np.asarray(b))


def test_a_layer_the_chip_cannot_hold_is_refused_before_drawing():
    too_big = FixedHiddenLayerConfig(n_hidden=4 * 4 * 255 + 1)
    with pytest.raises(MappingError, match="do not fit on dynapse1"):
        hidden_parameters(too_big, "agent", jax.random.key(0))


@pytest.mark.parametrize("mode", ["dream", "none"])
def test_only_the_readouts_learn(mode):
    config = tiny(mode=mode)
    initial = init_learners(config, realization_keys(config.seed, config.realizations))
    learners, metrics = make_train(config)(jax.random.key(config.seed))
    for a, b in zip(jax.tree.leaves(initial.agent.hidden), jax.tree.leaves(learners.agent.hidden), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(initial.agent.weights.readout), np.asarray(learners.agent.weights.readout))
    model_learned = not np.array_equal(
        np.asarray(initial.world_model.weights.readout_state), np.asarray(learners.world_model.weights.readout_state)
    )
    # The neuromorphic code's baseline runs no world model (docs/presets.md): its errors are NaN, not measured.
    assert model_learned == (mode == "dream")
    assert np.all(np.isfinite(np.asarray(metrics.model_state_error)) == (mode == "dream"))
    imagined = np.asarray(metrics.imagined_return)
    assert np.all(imagined == 0) if mode == "none" else np.any(imagined != 0)


def test_hidden_layer_spikes_and_predictions_are_in_ram_units():
    config = tiny()
    learners = init_learners(config, realization_keys(0, 1))
    agent = jax.tree.map(lambda x: x[0], learners.agent)
    agent_config: NeuromorphicAgentConfig = config.algorithm.agent
    state = agent_config.initial_state(jax.random.key(0))
    observation = jnp.array([120.0, 100.0, 110.0, 100.0]) / 255.0
    counts = []
    for t in range(15):
        state, step = agent_config.step(agent, state, observation, jax.random.key(t))
        counts.append(float(step.network.spikes.sum()))
    assert max(counts) > 0 and np.isclose(float(step.probabilities.sum()), 1.0)


def test_bad_neuromorphic_options_are_rejected():
    with pytest.raises(
        ValueError, match=r"unknown hidden backend 'loihi'; allowed: \['jax', 'simulated', 'dynapse1'\]"
    ):
        FixedHiddenLayerConfig(backend="loihi")
    with pytest.raises(ValueError, match="mismatch"):
        FixedHiddenLayerConfig(mismatch=-0.1)
    with pytest.raises(ValueError, match="4 Pong RAM variables"):
        NeuromorphicAgentConfig(n_actions=6)


def test_logits_are_clipped_above_only_as_in_the_neuromorphic_code():
    from snnrl.models.agent import policy

    agent_config = preset("neuromorphic").algorithm.agent  # beta 5, clip 50
    with jax.enable_x64(True):  # float64: e^-150 and a clipped e^-100 are both representable
        readout = jnp.array([[20.0], [-20.0], [0.0]])
        probabilities = np.asarray(policy(agent_config, readout, jnp.array([1.0])))  # logits 100, -100, 0
    logits = np.array([50.0, -100.0, 0.0])  # the code's y[y > 50] = 50: only the top is clipped
    np.testing.assert_allclose(probabilities, np.exp(logits - 50.0) / np.exp(logits - 50.0).sum(), rtol=1e-9, atol=0)
