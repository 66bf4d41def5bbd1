"""The projection pipeline: the matrix, the scaling choice measured on random play, the wrapped JAX Pong
and the wrapped ALE Pong giving the same observations."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.envs import make
from snnrl.observations import FRAME_SHAPE, ObservationConfig, observed, sensor_key
from snnrl.observations.projection import project, projection_matrix

PIXELS = FRAME_SHAPE[0] * FRAME_SHAPE[1]


def test_the_matrix_is_gaussian_with_the_configured_variance_and_one_per_realization():
    first = np.asarray(projection_matrix(jax.random.key(0), PIXELS, 4, 0.1))
    assert first.shape == (PIXELS, 4) and first.dtype == np.float32
    assert abs(first.mean()) < 0.005 and abs(first.var() - 0.1) < 0.003
    np.testing.assert_array_equal(first, projection_matrix(jax.random.key(0), PIXELS, 4, 0.1))
    assert not np.allclose(first, projection_matrix(jax.random.key(1), PIXELS, 4, 0.1))


def test_project_is_the_frame_times_the_matrix_over_sqrt_variance_pixels():
    frame = (jax.random.uniform(jax.random.key(2), FRAME_SHAPE) < 0.2).astype(jnp.uint8)
    matrix = projection_matrix(jax.random.key(3), PIXELS, 4, 0.1)
    expected = np.asarray(frame, np.float64).ravel() @ np.asarray(matrix, np.float64) / math.sqrt(0.1 * PIXELS)
    np.testing.assert_allclose(project(matrix, frame, 0.1), expected, rtol=1e-4, atol=1e-5)


def random_play(env, params, steps=300, seed=0):
    """Observations [steps + 1, D] of uniformly random play from a reset."""
    key = jax.random.key(seed)
    observation, state = env.reset(key, params)

    def body(state, key):
        key_action, key_step = jax.random.split(key)
        action = jax.random.randint(key_action, (), 0, 3)
        observation, state, *_ = env.step(key_step, state, action, params)
        return state, observation

    _, observations = jax.lax.scan(body, state, jax.random.split(key, steps))
    return np.concatenate([np.asarray(observation)[None], np.asarray(observations)])


def test_projected_pong_moves_like_its_ram_observation():
    """The documented scaling: projected variables spread over random play, and move per step, within a
    factor 4 of the RAM observation (bytes / 255), so the official hyper-parameters apply."""
    ram_env, ram_params = make("pong", horizon=10_000)
    env, params = observed(*make("pong", horizon=10_000), ObservationConfig(pipeline="projection"))
    params = env.member_params(params, jax.random.key(5))
    ram = random_play(ram_env, ram_params)
    pixels = random_play(env, params)
    assert pixels.shape == (301, 4) and np.all(np.isfinite(pixels))
    for statistic in (lambda x: x.std(axis=0).mean(), lambda x: np.abs(np.diff(x, axis=0)).mean()):
        ratio = statistic(pixels) / statistic(ram)
        assert 0.25 < ratio < 4, ratio


def test_the_wrapped_jax_pong_observes_the_projection_of_its_rendered_frame():
    inner, inner_params = make("pong")
    env, params = observed(inner, inner_params, ObservationConfig(pipeline="projection", dim=3, variance=0.5))
    params = env.member_params(params, jax.random.key(7))
    matrix = projection_matrix(sensor_key(jax.random.key(7)), PIXELS, 3, 0.5)
    np.testing.assert_array_equal(params.sensor, matrix)
    observation, state = env.reset(jax.random.key(0), params)
    np.testing.assert_allclose(observation, project(matrix, inner.render(state), 0.5), rtol=1e-6)
    for step in range(5):
        observation, state, *_, info = env.step(jax.random.key(step), state, jnp.int32(1), params)
        np.testing.assert_array_equal(info["frame"], inner.render(state))
        np.testing.assert_allclose(observation, project(matrix, info["frame"], 0.5), rtol=1e-6)
    assert env.observation_space(params).shape == (3,)


def test_ale_pong_and_jax_pong_give_the_same_projected_observations():
    keys = jax.random.split(jax.random.key(11), 2)
    config = ObservationConfig(pipeline="projection")
    jax_env, jax_params = observed(*make("pong"), config)
    ale_env, ale_params = observed(*make("ale:pong", batch_size=2), config)
    ale_params = ale_env.batch_params(ale_params, keys)
    ale_obs, ale_state = ale_env.reset(keys[0], ale_params)
    members = [jax_env.member_params(jax_params, key) for key in keys]
    states = []
    for b, member in enumerate(members):
        obs, state = jax_env.reset(keys[0], member)
        np.testing.assert_allclose(ale_obs[b], obs, rtol=1e-5, atol=1e-6)
        states.append(state)
    for step in range(20):
        step_keys = jax.random.split(jax.random.fold_in(keys[1], step), 2)
        actions = np.array([step % 3, (step + 1) % 3])
        ale_obs, ale_state, *_ = ale_env.step(step_keys, ale_state, actions, ale_params)
        for b, member in enumerate(members):
            obs, states[b], *_ = jax_env.step(step_keys[b], states[b], jnp.int32(actions[b]), member)
            np.testing.assert_allclose(ale_obs[b], obs, rtol=1e-5, atol=1e-6, err_msg=f"step {step}")


def test_ram_pipeline_leaves_the_environment_alone():
    env, params = make("pong")
    assert observed(env, params, ObservationConfig()) == (env, params)


def test_a_pipeline_on_an_environment_without_frames_is_refused():
    name = "gymnax:CartPole-v1"
    with pytest.raises(ValueError, match=r"reads binary 210x160 frames; environment 'gymnax:CartPole-v1' renders none"):
        observed(*make(name), ObservationConfig(pipeline="projection"), name)
