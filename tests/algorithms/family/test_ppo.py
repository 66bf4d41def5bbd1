"""PPO with a spiking actor and critic learns every probe within its budget: 2560 environment steps (40
updates of 8 environments x 8 steps), all four probes in one program. (The MLP runs in the same loop in
benchmarks/bench_algorithms.py.)"""

from __future__ import annotations

from functools import partial

import jax
import numpy as np
import pytest

from snnrl.algorithms.family.networks import NetworkConfig
from snnrl.algorithms.family.ppo import PPOConfig, make_train, policy_value
from snnrl.core.filters import gae
from snnrl.envs.probes import all_probe_params

from .helpers import check_probes, final_returns

FAST = {"xla_backend_optimization_level": 0}


def probe_config() -> PPOConfig:
    return PPOConfig(
        env="probe:constant",
        network=NetworkConfig(n_hidden=16),
        n_envs=8,
        n_steps=8,
        total_steps=8 * 8 * 40,
        update_epochs=2,
        n_minibatches=1,
        lr=1e-2,
        gamma=0.9,
    )


def test_ppo_learns_every_probe():
    config = probe_config()
    train = jax.jit(jax.vmap(make_train(config)), compiler_options=FAST)
    params, metrics = train(jax.random.split(jax.random.key(0), 4), all_probe_params())
    assert np.all(final_returns(metrics) >= 0.95), final_returns(metrics)
    check_probes(partial(policy_value, config), params, config.gamma)
    spikes = np.asarray(metrics["spikes_per_decision"])
    assert np.all(spikes > 0) and np.all(np.asarray(metrics["synops_per_decision"]) >= spikes)


def test_gae_on_a_hand_computed_case():
    rewards = np.array([[1.0], [0.0], [2.0]])
    values = np.array([[0.5], [0.2], [0.1]])
    dones = np.array([[False], [True], [False]])
    advantages, targets = gae(rewards, values, dones, np.array([0.4]), 0.9, 0.5)
    d2 = 2.0 + 0.9 * 0.4 - 0.1
    d1 = 0.0 - 0.2  # episode ended: no bootstrap, no carry
    d0 = 1.0 + 0.9 * 0.2 - 0.5
    expected = np.array([d0 + 0.9 * 0.5 * d1, d1, d2])
    assert np.allclose(np.asarray(advantages)[:, 0], expected, atol=1e-6)
    assert np.allclose(np.asarray(targets)[:, 0], expected + values[:, 0], atol=1e-6)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(n_minibatches=3), "n_minibatches=3 must divide n_envs=8"),
        (dict(gamma=1.5), "PPOConfig.gamma"),
        (dict(total_steps=10), "less than one rollout"),
        (dict(network="lif"), "PPOConfig.network"),
    ],
)
def test_bad_config_is_named(changes, message):
    with pytest.raises(ValueError, match=message):
        PPOConfig(**changes)


def test_continuous_env_refused_before_compiling():
    with pytest.raises(ValueError, match="PPO needs a discrete action space"):
        make_train(PPOConfig(env="gymnax:Pendulum-v1"))
