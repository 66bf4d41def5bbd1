"""The probe environments give the rewards their docstring promises (so learning tests on them mean something)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.envs.probes import PROBE_NAMES, all_probe_params, make_probe


def play(name: str, policy, seed: int) -> tuple[list[float], list[np.ndarray]]:
    """Rewards and observations of one episode, actions from policy(obs, t)."""
    env, params = make_probe(name)
    obs, state = env.reset(jax.random.key(seed), params)
    rewards, observations = [], [np.asarray(obs)]
    for t in range(3):
        obs, state, reward, terminated, truncated, _ = env.step(jax.random.key(99), state, policy(obs, t), params)
        rewards.append(float(reward))
        observations.append(np.asarray(obs))
        assert not bool(truncated)
        if bool(terminated):
            return rewards, observations
    raise AssertionError("probe episode did not terminate")


def matching(obs, t):
    return jnp.int32(obs[0] > 0)


def opposite(obs, t):
    return jnp.int32(obs[0] <= 0)


@pytest.mark.parametrize("seed", range(4))
def test_rewards_of_optimal_and_bad_policies(seed):
    for policy in (matching, opposite):
        assert play("constant", policy, seed)[0] == [1.0]
        assert play("delayed", policy, seed)[0] == [0.0, 1.0]
    assert play("observation", matching, seed)[0] == [1.0]
    assert play("observation", opposite, seed)[0] == [0.0]
    assert play("credit", matching, seed)[0] == [0.0, 1.0]
    assert play("credit", opposite, seed)[0] == [0.0, 0.0]


def test_credit_second_action_does_not_matter_and_second_state_shows_the_first_action():
    first_match_then_1 = lambda obs, t: jnp.int32(obs[0] > 0) if t == 0 else jnp.int32(1)  # noqa: E731
    first_miss_then_0 = lambda obs, t: jnp.int32(obs[0] <= 0) if t == 0 else jnp.int32(0)  # noqa: E731
    for seed in range(4):
        rewards, observations = play("credit", first_match_then_1, seed)
        assert rewards == [0.0, 1.0]
        assert abs(observations[0][0]) == 1.0 and observations[1].tolist() == [0.0, 1.0]
        rewards, observations = play("credit", first_miss_then_0, seed)
        assert rewards == [0.0, 0.0] and observations[1].tolist() == [0.0, -1.0]


def test_cues_take_both_signs():
    env, params = make_probe("observation")
    cues = {float(env.reset(jax.random.key(s), params)[0][0]) for s in range(16)}
    assert cues == {-1.0, 1.0}


def test_all_probes_vmap_in_one_program():
    env, _ = make_probe("constant")
    params = all_probe_params()
    obs, state = jax.vmap(env.reset, in_axes=(None, 0))(jax.random.key(0), params)
    obs, state, reward, terminated, *_ = jax.vmap(env.step, in_axes=(None, 0, None, 0))(
        jax.random.key(1), state, jnp.int32(1), params
    )
    assert obs.shape == (len(PROBE_NAMES), 2)
    assert terminated.tolist() == [True, True, False, False] and reward[0] == 1.0 and reward[2] == 0.0


def test_unknown_probe_is_named():
    with pytest.raises(ValueError, match="unknown probe 'nope'.*constant"):
        make_probe("nope")
