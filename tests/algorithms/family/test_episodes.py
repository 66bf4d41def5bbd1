"""Batched gymnax episodes: auto-reset, per-episode returns, truncation, refusal of continuous actions."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.family.common import make_env
from snnrl.algorithms.family.episodes import batched_env, discrete_actions, episode_means


def run(env_name: str, n_steps: int, action: int, max_steps: int | None = None):
    env, params = make_env(env_name)
    if max_steps is not None:
        params = params.replace(max_steps_in_episode=max_steps)
    reset, step = batched_env(env, 3)
    carry = reset(jax.random.key(0), params)

    def body(carry, key):
        new, log = step(key, carry, jnp.full((3,), action, jnp.int32), params)
        return new, (log, new.start, new.env_state.time)

    return jax.lax.scan(body, carry, jax.random.split(jax.random.key(1), n_steps))


def test_cartpole_episodes_auto_reset_and_log_their_own_returns():
    carry, (log, start, time) = jax.jit(lambda: run("gymnax:CartPole-v1", 60, 1))()
    done = np.asarray(log.done)
    assert done.sum(0).min() >= 3  # always pushing right: the pole falls within ~10 steps, repeatedly
    assert np.array_equal(np.asarray(start), done)  # the network is told to reset exactly after an end
    assert np.all(np.asarray(time)[done] == 0)  # and the next observation is a fresh episode's
    lengths = np.asarray(log.finished_length)[done]
    assert np.allclose(np.asarray(log.finished_return)[done], lengths)  # CartPole: reward 1 per step
    assert np.all(np.asarray(log.terminated)[done]) and not np.any(np.asarray(log.truncated))
    for env in range(3):  # the lengths of one env's episodes add up to the steps before its last end
        ends = np.flatnonzero(done[:, env])
        assert np.asarray(log.finished_length)[:, env][done[:, env]].sum() == ends[-1] + 1
    mean_return, _, count = episode_means(log)
    assert int(count) == done.sum() and float(mean_return) == pytest.approx(lengths.mean())


def test_truncation_ends_an_episode_and_is_logged():
    _, (log, start, _) = jax.jit(lambda: run("gymnax:CartPole-v1", 12, 0, max_steps=4))()
    # the pole needs ~9 steps to fall, so every episode is cut by the 4-step limit: truncated, not terminated
    expected = np.zeros((12, 3), bool)
    expected[3::4] = True
    assert np.array_equal(np.asarray(log.truncated), expected) and not np.asarray(log.terminated).any()
    assert np.array_equal(np.asarray(start), expected)
    assert np.all(np.asarray(log.finished_length)[expected] == 4)


def test_continuous_actions_are_refused_by_name():
    env, params = make_env("gymnax:Pendulum-v1")
    with pytest.raises(ValueError, match="PPO needs a discrete action space.*Pendulum"):
        discrete_actions(env, params, "PPO")


def test_unknown_env_names_are_refused():
    with pytest.raises(ValueError, match="unknown probe 'probe:x'"):
        make_env("probe:x")
    with pytest.raises(ValueError, match="unknown environment"):
        make_env("gymnax:Nope-v0")
