"""The value readout (CriticConfig): its returns, its local TD rule, the advantages it gives the real policy
gradient and the dreams, and a run that stores and resumes it."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.dreaming import critic as value_readout
from snnrl.algorithms.dreaming.config import CriticConfig
from snnrl.algorithms.dreaming.game import play_game
from snnrl.algorithms.dreaming.learner import init_learner
from snnrl.core.filters import discounted_returns
from snnrl.experiments.config import preset
from snnrl.experiments.config.overrides import apply_overrides
from tests.algorithms.dreaming.test_game import ENV, ENV_PARAMS, small_config
from tests.experiments.run.resume import resume_equals_uninterrupted


def _discounted(rewards, gamma):
    """core.filters.discounted_returns over the last axis."""
    return jnp.moveaxis(discounted_returns(jnp.moveaxis(jnp.asarray(rewards), -1, 0), gamma), 0, -1)


CRITIC_DREAMS = dict(dream=dict(start="visited", per_game=3, continues_policy_trace=False))


def _lambda_return_by_definition(rewards, values, gamma, lam, bootstrap):
    """G^lambda as the (1 - lam)-weighted mixture of n-step returns, the last one bootstrapped at the end."""
    steps = len(rewards)
    extended = np.append(values, bootstrap)
    returns = []
    for t in range(steps):
        remaining = steps - t
        n_step = [
            sum(gamma**k * rewards[t + k] for k in range(n)) + gamma**n * extended[t + n]
            for n in range(1, remaining + 1)
        ]
        weights = [(1 - lam) * lam ** (n - 1) for n in range(1, remaining)] + [lam ** (remaining - 1)]
        returns.append(sum(w * g for w, g in zip(weights, n_step, strict=True)))
    return np.array(returns)


@pytest.mark.parametrize("lam", [0.0, 0.6, 1.0])
def test_lambda_returns_are_the_mixture_of_n_step_returns(lam):
    rng = np.random.default_rng(0)
    rewards, values = rng.normal(size=7), rng.normal(size=7)
    got = value_readout.lambda_returns(jnp.asarray(rewards), jnp.asarray(values), 0.9, lam, jnp.asarray(0.4))
    np.testing.assert_allclose(np.asarray(got), _lambda_return_by_definition(rewards, values, 0.9, lam, 0.4), rtol=1e-5)


def test_pseudo_rewards_give_the_advantage_back_through_the_discounted_trace():
    advantages = jax.random.normal(jax.random.key(0), (3, 9))
    rewards = value_readout.advantage_rewards(advantages, 0.97)
    np.testing.assert_allclose(np.asarray(_discounted(rewards, 0.97)), np.asarray(advantages), atol=1e-5)


def test_the_local_td_rule_fits_the_returns():
    config = small_config(critic=CriticConfig(real_baseline=True, learning_rate=0.05))
    features = jax.random.uniform(jax.random.key(1), (50, 8))
    targets = features @ jnp.linspace(-1.0, 1.0, 8)
    critic = value_readout.init_critic(config, 8)
    error = lambda c: float(jnp.mean((value_readout.values(c, features) - targets) ** 2))  # noqa: E731
    before = error(critic)
    for _ in range(300):
        critic = value_readout.td_step(config, critic, features, targets)
    assert error(critic) < 0.02 * before


def test_with_a_zero_critic_the_advantages_are_the_plain_returns():
    # lam = 1: with V = 0 the lambda-return is the return discounted by gamma lam, the policy trace's by gamma.
    config = small_config(critic=CriticConfig(real_baseline=True, bootstrap_dreams=True, lam=1.0), **CRITIC_DREAMS)
    critic = value_readout.init_critic(config, 40)
    trace = jax.random.uniform(jax.random.key(2), (3, 10, 40))
    rewards = jax.random.normal(jax.random.key(3), (3, 10))
    _, pseudo = value_readout.dreams(config, critic, trace, rewards)
    np.testing.assert_allclose(np.asarray(pseudo), np.asarray(rewards), atol=1e-5)
    _, awake = value_readout.real_game(config, critic, trace[0], rewards[0])
    np.testing.assert_allclose(np.asarray(awake), np.asarray(rewards[0]), atol=1e-5)


def test_a_learned_critic_changes_the_learning_signal_by_its_values():
    config = small_config(critic=CriticConfig(real_baseline=True, bootstrap_dreams=True), **CRITIC_DREAMS)
    critic = value_readout.init_critic(config, 40).replace(weights=jnp.full((40,), 0.05))
    trace = jax.random.uniform(jax.random.key(2), (10, 40))
    rewards = jnp.zeros(10).at[4].set(1.0)
    gamma = config.agent.trace_decay
    _, awake = value_readout.real_game(config, critic, trace, rewards)
    advantage = _discounted(rewards, gamma) - value_readout.values(critic, trace)
    np.testing.assert_allclose(np.asarray(_discounted(awake, gamma)), advantage, atol=1e-5)
    _, dreamt = value_readout.dreams(config, critic, trace, rewards)
    values = value_readout.values(critic, trace)
    expected = value_readout.lambda_returns(rewards, values, gamma, 0.95, values[-1]) - values
    np.testing.assert_allclose(np.asarray(_discounted(dreamt, gamma)), expected, atol=1e-5)


def test_return_normalization_divides_the_advantages_by_the_running_spread():
    config = small_config(critic=CriticConfig(real_baseline=True, return_normalization=True))
    critic = value_readout.init_critic(config, 40).replace(return_spread=jnp.asarray(4.0))
    trace = jnp.zeros((10, 40))
    rewards = jnp.zeros(10).at[4].set(20.0)  # returns 0 to 20: a spread of 20 moves the average up
    updated, awake = value_readout.real_game(config, critic, trace, rewards)
    spread = float(updated.return_spread)
    assert spread > 4.0
    returns = _discounted(rewards, config.agent.trace_decay)
    np.testing.assert_allclose(np.asarray(_discounted(awake, config.agent.trace_decay)), returns / spread, rtol=1e-5)


def test_the_critic_learns_on_real_games_and_the_agent_learns_from_its_advantages():
    config = small_config(critic=CriticConfig(real_baseline=True, bootstrap_dreams=True), **CRITIC_DREAMS)
    plain = small_config(**CRITIC_DREAMS)
    learner = init_learner(jax.random.key(0), config)
    assert learner.critic.weights.shape == (40,) and init_learner(jax.random.key(0), plain).critic is None
    game = jax.jit(lambda cfg, l, k: play_game(cfg, ENV, ENV_PARAMS, l, k)[:2], static_argnums=0)
    with_critic, metrics = game(config, learner, jax.random.key(5))
    without, plain_metrics = game(plain, init_learner(jax.random.key(0), plain), jax.random.key(5))
    assert float(metrics.game_return) > 0, "CartPole pays a reward every step: the critic has something to learn"
    assert np.any(np.asarray(with_critic.critic.weights) != 0)
    # The same real game (the critic changes only what is learned from it) ...
    assert float(metrics.game_return) == float(plain_metrics.game_return)
    # ... and a different update: the advantages are not the returns once V has moved.
    assert not np.allclose(np.asarray(with_critic.agent.weights.readout), np.asarray(without.agent.weights.readout))


def test_a_run_with_a_critic_resumes_to_the_uninterrupted_result(tmp_path):
    config = apply_overrides(preset("dreaming"), env="pong", games=2, realizations=2, chunk_games=1, neurons=40)
    algorithm = config.algorithm.replace(awake_steps=8, agent_learning_start=0, model_warmup_steps=3).with_dream(
        steps=4, baseline="none"
    )
    algorithm = algorithm.replace(critic=CriticConfig(real_baseline=True, bootstrap_dreams=True, learns_in_dreams=True))
    config = config.replace(algorithm=algorithm)
    resumed, uninterrupted = resume_equals_uninterrupted(config, tmp_path)
    stored = json.loads((resumed / "config.json").read_text())
    assert stored["experiment"]["algorithm"]["critic"]["learns_in_dreams"] is True
    with np.load(resumed / "checkpoint.npz") as a, np.load(uninterrupted / "checkpoint.npz") as b:
        critic_leaves = [name for name in a.files if "critic" in name]
        assert critic_leaves, f"the checkpoint must store the critic; it has {a.files}"
        for name in critic_leaves:
            np.testing.assert_array_equal(a[name], b[name])


@pytest.mark.parametrize(
    ("changes", "critic", "message"),
    [
        ({}, dict(learns_in_dreams=True), "do nothing while the critic is unused"),
        ({}, dict(return_normalization=True), "do nothing while the critic is unused"),
        ({}, dict(real_baseline=True, learns_in_dreams=True), "set critic.bootstrap_dreams=true"),
        (dict(mode="none"), dict(bootstrap_dreams=True), "needs mode='dream'"),
        ({}, dict(bootstrap_dreams=True), "needs dream.continues_policy_trace=False"),
        (
            dict(dream={**CRITIC_DREAMS["dream"], "baseline": "dream_mean"}),
            dict(bootstrap_dreams=True),
            "baseline='none'",
        ),
        (dict(dream={**CRITIC_DREAMS["dream"], "length": 5}), dict(bootstrap_dreams=True), "needs dream.length=None"),
        ({}, dict(real_baseline=True, lam=1.5), "lam must"),
        ({}, dict(real_baseline=True, learning_rate=0.0), "learning_rate must"),
    ],
)
def test_bad_critic_options_are_refused_naming_the_field(changes, critic, message):
    with pytest.raises(ValueError, match=message):
        small_config(**changes, critic=CriticConfig(**critic))
