"""Deep Q-learning with a spiking Q-network learns every probe within its budget (6400 environment steps:
8 environments x 800 decisions, all four probes in one program); the replay buffer's memory is checked
before compiling."""

from __future__ import annotations

from functools import partial

import jax
import numpy as np
import pytest

from snnrl.algorithms.family import dqn
from snnrl.algorithms.family.dqn import DQNConfig, greedy_policy_value, make_train
from snnrl.algorithms.family.networks import NetworkConfig
from snnrl.envs.probes import all_probe_params

from .helpers import check_probes

FAST = {"xla_backend_optimization_level": 0}


def test_dqn_learns_every_probe():
    config = DQNConfig(
        env="probe:constant",
        network=NetworkConfig(n_hidden=16),
        n_envs=8,
        n_steps=40,
        total_steps=8 * 40 * 20,
        buffer_size=1000,
        learning_starts=64,
        batch_size=32,
        target_every=20,
        gamma=0.9,
        epsilon_fraction=0.3,
        lr=3e-3,
    )
    train = jax.jit(jax.vmap(make_train(config)), compiler_options=FAST)
    params, metrics = train(jax.random.split(jax.random.key(0), 4), all_probe_params())
    assert np.all(np.isfinite(np.asarray(metrics["loss"])))
    check_probes(partial(greedy_policy_value, config), params, config.gamma, action_prob=0.99)


def test_replay_buffer_larger_than_memory_is_refused_before_compiling(monkeypatch):
    monkeypatch.setattr(dqn, "available_memory", lambda: 10 * 2**20)
    with pytest.raises(MemoryError, match=r"DQNConfig.buffer_size=1000000 needs 0\.04 GiB.*shape \(4,\)"):
        make_train(DQNConfig(buffer_size=1_000_000))


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(buffer_size=10, batch_size=64), "must hold at least one batch"),
        (dict(epsilon_end=1.5), "DQNConfig.epsilon_end"),
        (dict(target_every=0), "DQNConfig.target_every"),
    ],
)
def test_bad_config_is_named(changes, message):
    with pytest.raises(ValueError, match=message):
        DQNConfig(**changes)
