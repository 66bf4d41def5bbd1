"""Controls for claims about dreaming (DESIGN section 7): the baseline with as many optimizer steps per game as
a dreaming arm takes (awake_updates_per_game), and dreams whose predicted rewards lose their information
(dream.reward_control 'shuffle' / 'noise') while every imagined optimizer step stays."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.dreaming.game import _awake_updates, controlled_rewards, play_game
from snnrl.algorithms.dreaming.learner import apply_agent_update, init_learner
from snnrl.experiments.config.sweep_axes import set_field
from tests.algorithms.dreaming.test_game import ENV, ENV_PARAMS, small_config


def _gradients(learner, seed: int = 3):
    leaves, tree = jax.tree.flatten(learner.agent.weights)
    keys = jax.random.split(jax.random.key(seed), len(leaves))
    return jax.tree.unflatten(tree, [jax.random.normal(k, leaf.shape) for k, leaf in zip(keys, leaves, strict=True)])


def _same(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


def test_awake_updates_per_game_takes_that_many_adam_steps_with_the_awake_gradient():
    config = small_config(mode="none", awake_updates_per_game=3)
    learner = init_learner(jax.random.key(0), config)
    gradients, on = _gradients(learner), jnp.ones((), bool)
    by_hand = learner
    for _ in range(3):
        by_hand = apply_agent_update(config, by_hand, gradients, on, simulated=False)
    repeated = _awake_updates(config, learner, gradients, on)
    assert _same(repeated.agent.weights, by_hand.agent.weights)
    assert _same(repeated.agent_opt_state, by_hand.agent_opt_state)
    once = _awake_updates(config.replace(awake_updates_per_game=1), learner, gradients, on)
    assert not _same(once.agent.weights, by_hand.agent.weights)
    # Disabled (before the codes' first update), no step is taken however many are asked for.
    assert _same(_awake_updates(config, learner, gradients, jnp.zeros((), bool)).agent.weights, learner.agent.weights)


def test_a_swept_number_of_awake_updates_is_traced_and_equals_the_fixed_one():
    config = small_config(mode="none")
    learner = init_learner(jax.random.key(0), config)
    gradients, on = _gradients(learner), jnp.ones((), bool)

    @jax.jit
    def traced(count):
        return _awake_updates(
            set_field(config, "awake_updates_per_game", count, validate=False), learner, gradients, on
        )

    for count in (1, 2):
        fixed = _awake_updates(config.replace(awake_updates_per_game=count), learner, gradients, on)
        assert _same(traced(jnp.int32(count)).agent.weights, fixed.agent.weights)


@functools.cache
def _dream_game(control: str):
    config = small_config(dream=dict(start="visited", per_game=3, baseline="dream_mean", reward_control=control))
    learner = init_learner(jax.random.key(0), config)
    return jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k))(learner, jax.random.key(7))


def test_shuffled_rewards_are_the_same_values_in_another_order():
    config = small_config(dream=dict(per_game=3, length=6, reward_control="shuffle"))
    rewards = jax.random.normal(jax.random.key(1), (3, config.dream.steps))
    shuffled = np.asarray(controlled_rewards(config, rewards, jax.random.key(2)))
    counted, raw = shuffled[:, :6], np.asarray(rewards)
    np.testing.assert_array_equal(np.sort(counted.ravel()), np.sort(raw[:, :6].ravel()))
    assert not np.array_equal(counted, raw[:, :6]), "a permutation of 18 values must move some"
    np.testing.assert_array_equal(shuffled[:, 6:], raw[:, 6:])  # the steps that count for nothing stay
    # Across dreams, not only within each: some value moved to another dream.
    assert any(not np.isin(counted[k], raw[k, :6]).all() for k in range(3))


def test_noise_rewards_match_the_mean_and_spread_and_nothing_else():
    config = small_config(dream=dict(per_game=4, reward_control="noise"))
    rewards = 0.3 + 0.1 * jax.random.normal(jax.random.key(1), (4, config.dream.steps))
    noisy = np.asarray(controlled_rewards(config, rewards, jax.random.key(2)))
    assert noisy.shape == rewards.shape and not np.isin(noisy, np.asarray(rewards)).any()
    assert abs(noisy.mean() - 0.3) < 0.08 and 0.05 < noisy.std() < 0.2
    constant = jnp.full((4, config.dream.steps), 0.25)
    np.testing.assert_allclose(np.asarray(controlled_rewards(config, constant, jax.random.key(2))), 0.25)


def test_a_controlled_dream_keeps_its_optimizer_steps_and_changes_what_the_agent_learns():
    plain, controlled = _dream_game("none"), _dream_game("shuffle")
    # The same game and the same dreams (the control draws from its own key) ...
    np.testing.assert_array_equal(np.asarray(plain[2].awake.reward), np.asarray(controlled[2].awake.reward))
    np.testing.assert_array_equal(
        np.asarray(plain[2].dream.imagined.rewards), np.asarray(controlled[2].dream.imagined.rewards)
    )
    # ... the same number of Adam steps, different weights.
    count = lambda learner: {int(x) for x in jax.tree.leaves(learner.agent_opt_state) if np.ndim(x) == 0}  # noqa: E731
    assert count(plain[0]) == count(controlled[0])
    assert not _same(plain[0].agent.weights, controlled[0].agent.weights)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(awake_updates_per_game=0), "awake_updates_per_game must be an integer >= 1"),
        (dict(dream=dict(reward_control="reverse")), "reward_control='reverse' is not allowed"),
        (dict(mode="none", dream=dict(reward_control="shuffle")), "mode 'none' has none"),
        (dict(mode="plan", dream=dict(reward_control="noise")), "mode 'plan' has none"),
        (dict(dream=dict(length=1, reward_control="shuffle")), "at least two imagined rewards"),
    ],
)
def test_bad_controls_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        small_config(**changes)


def test_the_baselines_agent_is_the_same_with_or_without_the_world_model():
    # The tuned baseline runs with baseline_runs_model=False (twice as fast): the agent must not notice.
    game = jax.jit(lambda cfg, l, k: play_game(cfg, ENV, ENV_PARAMS, l, k)[:2], static_argnums=0)
    finals = []
    for runs_model in (True, False):
        config = small_config(mode="none", baseline_runs_model=runs_model, awake_updates_per_game=2)
        learner, returns = init_learner(jax.random.key(0), config), []
        for index in range(3):
            learner, metrics = game(config, learner, jax.random.key(index))
            returns.append(float(metrics.game_return))
        finals.append((returns, learner.agent.weights))
    assert finals[0][0] == finals[1][0]
    assert _same(finals[0][1], finals[1][1])
