"""REINFORCE with a spiking policy learns every probe within its budget (5120 environment steps: 80
updates of 8 environments x 8 steps, all four probes in one program), with BPTT and with e-prop gradients."""

from __future__ import annotations

from functools import partial

import jax
import numpy as np
import pytest

from snnrl.algorithms.family.networks import NetworkConfig
from snnrl.algorithms.family.reinforce import ReinforceConfig, make_train, policy_value, returns_to_go
from snnrl.envs.probes import all_probe_params

from .helpers import check_probes, final_returns

FAST = {"xla_backend_optimization_level": 0}


@pytest.mark.parametrize("gradient", ["bptt", "eprop"])
def test_reinforce_learns_every_probe(gradient):
    config = ReinforceConfig(
        env="probe:constant",
        network=NetworkConfig(n_hidden=16),
        gradient=gradient,
        n_envs=8,
        n_steps=8,
        total_steps=8 * 8 * 80,
        lr=2e-2,
        gamma=0.9,
    )
    train = jax.jit(jax.vmap(make_train(config)), compiler_options=FAST)
    params, metrics = train(jax.random.split(jax.random.key(0), 4), all_probe_params())
    assert np.all(final_returns(metrics) >= 0.95), final_returns(metrics)
    check_probes(partial(policy_value, config), params, config.gamma)


def test_returns_to_go_cut_at_episode_ends_and_bootstrapped_at_the_tail():
    rewards = np.array([[1.0], [2.0], [3.0]])
    dones = np.array([[False], [True], [False]])
    returns = np.asarray(returns_to_go(rewards, dones, np.array([10.0]), 0.5))[:, 0]
    assert np.allclose(returns, [1.0 + 0.5 * 2.0, 2.0, 3.0 + 0.5 * 10.0])


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(gradient="rtrl"), "ReinforceConfig.gradient"),
        (dict(lr=0.0), "ReinforceConfig.lr"),
        (dict(baseline="yes"), "ReinforceConfig.baseline"),
    ],
)
def test_bad_config_is_named(changes, message):
    with pytest.raises(ValueError, match=message):
        ReinforceConfig(**changes)
