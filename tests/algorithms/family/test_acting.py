"""How each algorithm of the family acts (registry.ACTING): the acting network takes the trained params'
shapes, and frozen-weight episodes play with them."""

import jax
import numpy as np
import pytest

from snnrl.algorithms.family import registry as family
from snnrl.algorithms.family.acting import choose_action, play_episodes
from snnrl.algorithms.family.common import make_env
from snnrl.algorithms.family.networks import NetworkConfig

TINY = {"ppo": {"n_minibatches": 1}, "dqn": {"buffer_size": 16, "batch_size": 2, "learning_starts": 0}}


@pytest.mark.parametrize("name", list(family.ALGORITHMS))
def test_each_algorithm_acts_with_the_network_it_trains(name):
    config = family.algorithm_config(
        name,
        env="probe:observation",
        network=NetworkConfig(n_hidden=4),
        n_envs=2,
        n_steps=2,
        total_steps=4,
        **TINY.get(name, {}),
    )
    parts = family.PARTS[name](config)
    params = parts.result(parts.init(jax.random.key(0), parts.env_params))
    acting = family.ACTING[name](config)
    shapes = lambda tree: jax.tree.map(lambda x: x.shape, tree)  # noqa: E731
    assert shapes(acting.select(params)) == shapes(acting.network.init(jax.random.key(1)))
    env, env_params = make_env(config.env)
    batched = jax.tree.map(lambda x: x[None], params)
    keys = jax.random.split(jax.random.key(2), 3)[None]
    returns, lengths, finished = play_episodes(acting, env, env_params, batched, keys, greedy=True)
    assert returns.shape == (1, 3) and np.all(np.asarray(lengths) == 1) and np.all(finished)  # one-step episodes


def test_greedy_takes_the_argmax_and_dqn_explores_with_its_final_epsilon():
    config = family.algorithm_config("dqn", env="probe:observation", epsilon_end=1.0)
    acting = family.ACTING["dqn"](config)
    outputs = jax.numpy.array([0.0, 5.0])
    assert int(choose_action(acting, outputs, jax.random.key(0), greedy=True)) == 1
    sampled = jax.vmap(lambda key: choose_action(acting, outputs, key, greedy=False))
    actions = np.asarray(sampled(jax.random.split(jax.random.key(0), 40)))
    assert set(actions.tolist()) == {0, 1}  # epsilon 1: uniformly random actions
