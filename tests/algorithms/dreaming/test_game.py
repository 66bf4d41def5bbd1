"""The game pieces: what learns when, for every mode and ablation (gymnax CartPole: a real JAX env)."""

import functools

import gymnax
import jax
import numpy as np
import pytest

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.dream_options import DreamOptions
from snnrl.algorithms.dreaming.game import play_game
from snnrl.algorithms.dreaming.learner import init_learner
from snnrl.core.lif_config import LIFConfig
from snnrl.models.agent import AgentConfig
from snnrl.models.world_model import WorldModelConfig

ENV, ENV_PARAMS = gymnax.make("CartPole-v1")


def small_config(dream=(), **changes) -> DreamingConfig:
    # CartPole's observations are ~0.05: a higher rest potential keeps the small networks spiking.
    lif = LIFConfig(n_neurons=40, v_rest=2.0)
    agent = AgentConfig(lif=lif.replace(tau_readout=1.0), n_actions=2)
    model = WorldModelConfig(lif=lif.replace(tau_readout=2.0), n_actions=2, lr_reward=0.01, target_units="observation")
    base = dict(
        agent=agent,
        world_model=model,
        awake_steps=20,
        n_fut=2,
        agent_learning_start=0,
        model_warmup_steps=3,
    )
    return DreamingConfig(**{**base, **changes}, dream=DreamOptions(**{"steps": 10, **dict(dream)}))


@functools.cache
def compiled_game(config: DreamingConfig):
    return jax.jit(lambda learner, key: play_game(config, ENV, ENV_PARAMS, learner, key)[:2])


def play(config: DreamingConfig, games: int, seed: int = 0, learner=None):
    """Play ``games`` games (one compiled game per config, looped here); returns (initial, final, metrics)."""
    initial = init_learner(jax.random.key(seed), config) if learner is None else learner
    learner, game = initial, compiled_game(config)
    metrics = []
    for _index in range(games):
        learner, game_metrics = game(learner, jax.random.fold_in(jax.random.key(seed + 1), int(learner.game)))
        metrics.append(game_metrics)
    return initial, learner, jax.tree.map(lambda *m: np.stack(m), *metrics)


def changed(before, after) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(after), strict=False))


def agent_learned(before, after) -> bool:
    """The agent's readout or recurrent weights changed, its self-connections aside (the official agent
    zeroes them at its first optimizer step, learning or not)."""
    off_diagonal = lambda w: np.asarray(w) * (1 - np.eye(w.shape[0]))  # noqa: E731
    return changed(before.readout, after.readout) or changed(off_diagonal(before.w_rec), off_diagonal(after.w_rec))


def adam_count(learner) -> int:
    """Steps taken by the agent's recurrent Adam."""
    counts = [
        leaf
        for path, leaf in jax.tree_util.tree_leaves_with_path(learner.agent_opt_state)
        if "count" in jax.tree_util.keystr(path)
    ]
    return int(counts[0])


@pytest.mark.parametrize("mode", ["dream", "plan", "none"])
def test_every_mode_learns_both_networks_and_counts(mode):
    initial, learner, metrics = play(small_config(mode=mode), games=3)
    assert changed(initial.agent.weights, learner.agent.weights)
    assert changed(initial.world_model.weights, learner.world_model.weights)
    assert int(learner.game) == 3 and int(learner.interactions) == 60
    np.testing.assert_array_equal(np.asarray(metrics.interactions), [20, 40, 60])
    imagined = np.asarray(metrics.imagined_return)
    assert np.all(imagined == 0) if mode == "none" else np.any(imagined != 0)


def test_agent_does_not_learn_before_the_learning_start():
    initial, learner, _ = play(small_config(agent_learning_start=5), games=3)
    assert not agent_learned(initial.agent.weights, learner.agent.weights)
    assert changed(initial.world_model.weights, learner.world_model.weights)


@pytest.mark.parametrize(
    "mode, updates_from, expected", [("none", 1, 2), ("dream", 1, 5), ("none", 0, 3), ("none", None, 0)]
)
def test_idle_optimizer_steps_before_learning_starts(mode, updates_from, expected):
    # DESIGN 1c item 6: the official agent's Adam steps (with zero gradients) from game 1 on, and after
    # every dream from game 0 on; the neuromorphic one from game 0; None: no step before learning.
    config = small_config(mode=mode, agent_learning_start=10, awake_updates_from_game=updates_from)
    initial, learner, _ = play(config, games=3)
    assert adam_count(learner) == expected
    assert not agent_learned(initial.agent.weights, learner.agent.weights)
    diagonal = np.diag(np.asarray(learner.agent.weights.w_rec))
    assert np.all(diagonal == 0) if expected else np.all(diagonal == np.diag(np.asarray(initial.agent.weights.w_rec)))


def test_policy_learning_only_in_dreams_ablation():
    # Fig 2D: no awake policy learning; without dreams the agent must then stay fixed.
    initial, learner, _ = play(small_config(mode="none", agent_learns_awake=False), games=3)
    assert not agent_learned(initial.agent.weights, learner.agent.weights)
    initial, learner, _ = play(small_config(mode="dream", agent_learns_awake=False), games=3)
    assert agent_learned(initial.agent.weights, learner.agent.weights)


def test_model_learning_stops_after_the_interaction_budget():
    # Fig 2E: the model stops after 40 interactions = 2 games of 20 steps.
    config = small_config(model_learning_stop=40)
    _, after_two, _ = play(config, games=2)
    _, after_four, _ = play(config, games=2, learner=after_two)
    for a, b in zip(
        jax.tree.leaves(after_two.world_model.weights), jax.tree.leaves(after_four.world_model.weights), strict=False
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("model_update", ["step", "game"])
def test_world_model_reward_prediction_error_falls(model_update):
    # CartPole pays +1 per step; its state changes are tiny, so the reward error is the clear signal.
    config = small_config(mode="none", model_update=model_update)
    _, _, metrics = play(config, games=60)
    error = np.asarray(metrics.model_reward_error)
    assert error[-10:].mean() < 0.5 * error[:10].mean()


def test_dream_start_random_differs_from_reset():
    _, reset_learner, _ = play(small_config(dream=dict(start="reset")), games=2)
    _, random_learner, _ = play(small_config(dream=dict(start="random")), games=2)
    assert changed(reset_learner.agent.weights, random_learner.agent.weights)


def test_bad_algorithm_values_are_rejected_before_compiling():
    with pytest.raises(ValueError, match="mode"):
        small_config(mode="sleep")
    with pytest.raises(ValueError, match="n_fut"):
        small_config(n_fut=0)
    with pytest.raises(ValueError, match="model_update"):
        small_config(model_update="epoch")
    with pytest.raises(ValueError, match="disagree"):
        small_config(agent=AgentConfig(n_actions=3))


def test_values_the_official_codes_never_had_are_rejected_naming_the_field():
    from snnrl.models.neuromorphic import NeuromorphicAgentConfig, NeuromorphicWorldModelConfig

    with pytest.raises(ValueError, match="WorldModelConfig.action_scale"):
        WorldModelConfig(action_scale=0.0)
    with pytest.raises(
        ValueError, match=r"WorldModelConfig.target_units='bytes' is unknown; allowed: \['ram', 'observation'\]"
    ):
        WorldModelConfig(target_units="bytes")
    with pytest.raises(ValueError, match="WorldModelConfig.recurrent_diagonal"):
        WorldModelConfig(recurrent_diagonal="zero_after_update")
    with pytest.raises(ValueError, match="AgentConfig.recurrent_diagonal"):
        AgentConfig(recurrent_diagonal="learned")
    with pytest.raises(ValueError, match="lr_decay"):
        NeuromorphicWorldModelConfig(lr_decay=1.5)
    with pytest.raises(ValueError, match="dreaming_learning_rate"):
        NeuromorphicAgentConfig(dreaming_learning_rate=0.0)
    with pytest.raises(ValueError, match="awake_updates_from_game"):
        small_config(awake_updates_from_game=-1)
    with pytest.raises(ValueError, match="model_warmup_steps is 0"):
        small_config(model_warmup_steps=0)
    with pytest.raises(ValueError, match="dream.eligibility_reset needs a recurrent agent"):
        DreamingConfig(
            agent=NeuromorphicAgentConfig(),
            world_model=NeuromorphicWorldModelConfig(),
            model_warmup_steps=0,
            dream=DreamOptions(model_warmup=False),
        )
