"""gymnax environments behind the snnrl interface."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from snnrl.envs import continuous_actions, make
from snnrl.envs.gymnax_adapter import GymnaxEnv, gymnax_ids

NEEDS_DOWNLOAD = {"MNISTBandit-bsuite"}  # fetches MNIST over the network on creation


FAMILIES = ["CartPole-v1", "Pendulum-v1", "Breakout-MinAtar", "Catch-bsuite", "FourRooms-misc", "Pong-misc"]


def test_every_offline_gymnax_env_can_be_made():
    for env_id in sorted(set(gymnax_ids()) - NEEDS_DOWNLOAD):
        env, params = make(f"gymnax:{env_id}")
        assert env.num_actions >= 1 and env.name == f"gymnax:{env_id}" and params.max_steps_in_episode >= 1, env_id


@pytest.mark.parametrize("env_id", FAMILIES)
def test_one_env_per_family_resets_and_steps(env_id):
    key = jax.random.key(0)
    env, params = make(f"gymnax:{env_id}")
    obs, state = jax.jit(env.reset)(key, params)
    action = env.action_space(params).sample(jax.random.key(1))
    obs2, state2, reward, terminated, truncated, info = jax.jit(env.step)(jax.random.key(2), state, action, params)
    assert jnp.shape(obs2) == jnp.shape(obs)
    assert jnp.shape(reward) == () and terminated.dtype == jnp.bool_ and truncated.dtype == jnp.bool_
    assert int(state2.time) == 1


def test_time_limit_is_truncation_not_termination():
    env, params = make("gymnax:CartPole-v1")
    params = params.replace(max_steps_in_episode=5)
    obs, state = env.reset(jax.random.key(0), params)
    flags = []
    for t in range(5):
        obs, state, reward, terminated, truncated, _ = env.step(jax.random.key(t), state, t % 2, params)
        flags.append((bool(terminated), bool(truncated)))
    assert flags[-1] == (False, True) and flags[:-1] == [(False, False)] * 4


def test_falling_pole_is_termination():
    env, params = make("gymnax:CartPole-v1")
    obs, state = env.reset(jax.random.key(0), params)
    terminated = truncated = False
    for t in range(200):
        obs, state, _, terminated, truncated, _ = env.step(jax.random.key(t), state, 1, params)
        if terminated or truncated:
            break
    assert bool(terminated) and not bool(truncated) and t < 100


def test_no_auto_reset():
    env, params = make("gymnax:Catch-bsuite")
    obs, state = env.reset(jax.random.key(0), params)
    for t in range(20):
        obs, state, _, terminated, _, _ = env.step(jax.random.key(t), state, 1, params)
        if terminated:
            break
    assert bool(terminated)
    _, after, _, _, _, _ = env.step(jax.random.key(99), state, 1, params)
    assert int(after.time) == int(state.time) + 1 == t + 2  # the finished episode went on, not reset


def test_jit_and_vmap():
    env, params = make("gymnax:CartPole-v1")
    keys = jax.random.split(jax.random.key(0), 64)
    obs, state = jax.vmap(env.reset, in_axes=(0, None))(keys, params)
    step = jax.jit(jax.vmap(env.step, in_axes=(0, 0, 0, None)))
    obs, state, reward, *_ = step(keys, state, jnp.ones(64, jnp.int32), params)
    assert obs.shape == (64, 4) and float(reward.sum()) == 64.0


@pytest.mark.parametrize("action", [2, -1])
def test_out_of_range_discrete_action_raises(action):
    env, params = make("gymnax:CartPole-v1")
    _, state = env.reset(jax.random.key(0), params)
    with pytest.raises(ValueError, match="out of range"):
        env.step(jax.random.key(0), state, action, params)


@pytest.mark.parametrize(
    "env_id", ["CartPole-v1", "Pendulum-v1", "MountainCarContinuous-v0", "Reacher-misc", "Catch-bsuite"]
)
def test_the_declared_action_kind_is_the_built_environment_s(env_id):
    """`snnrl list` reads the action kind without building the environment (some download data when built)."""
    env = GymnaxEnv(env_id)
    assert continuous_actions(f"gymnax:{env_id}") == (not hasattr(env.env.action_space(env.default_params), "n"))
