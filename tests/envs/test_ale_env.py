"""The host ALE environment: batches, frames, reproducibility, bad input, same protocol as JAX Pong."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from snnrl.envs import make
from snnrl.envs.ale import AleParams, new_emulator, rom_path
from snnrl.envs.protocol import EpisodeProtocol

PROTOCOL = EpisodeProtocol(noop_warmup=15, horizon=6)


@pytest.fixture(scope="module")
def pong():
    return make("ale:pong", batch_size=3, noop_warmup=15, horizon=6)


def _play(env, params, seed):
    obs, state = env.reset(jax.random.key(seed), params)
    trace = [obs]
    rng = np.random.default_rng(seed)
    for t in range(6):
        actions = rng.integers(0, env.num_actions, params.batch_size)
        obs, state, reward, terminated, truncated, info = env.step(jax.random.key(100 + t), state, actions, params)
        trace.append(obs)
    return np.stack(trace), truncated, info


def test_batch_shapes_and_protocol(pong):
    env, params = pong
    trace, truncated, info = _play(env, params, 0)
    assert trace.shape == (7, 3, 4) and trace.dtype == np.float32
    assert truncated.tolist() == [True, True, True]  # horizon 6
    assert info["frame_bytes"].shape == (3, 4, 4) and info["frame_actions"].shape == (3, 4)
    np.testing.assert_array_equal(info["score"], np.zeros((3, 2)))
    assert env.host_side and env.observation_space(params).shape == (4,)
    assert len({tuple(row) for row in trace[-1]}) > 1, "different actions should give different games"


def test_same_keys_same_games(pong):
    env, params = pong
    first, _, _ = _play(env, params, 1)
    other_env, _ = make("ale:pong")
    second, _, _ = _play(other_env, params, 1)
    np.testing.assert_array_equal(first, second)


def test_frame_actions_match_the_jax_pong_with_the_same_keys(pong):
    env, params = pong
    jax_env, jax_params = make("pong", noop_warmup=15, horizon=6)
    obs, state = env.reset(jax.random.key(0), params)
    _, jax_state = jax.vmap(jax_env.reset, in_axes=(0, None))(jax.random.split(jax.random.key(0), 3), jax_params)
    keys = jax.random.split(jax.random.key(7), 3)
    actions = np.array([1, 2, 0])
    _, _, _, _, _, info = env.step(keys, state, actions, params)
    jax_obs, _, _, _, _, jax_info = jax.vmap(jax_env.step, in_axes=(0, 0, 0, None))(
        keys, jax_state, actions, jax_params
    )
    np.testing.assert_array_equal(info["frame_actions"], jax_info["frame_actions"])
    np.testing.assert_array_equal(info["frame_bytes"], jax_info["frame_bytes"])


def test_binary_frames_on_request():
    env, params = make("ale:pong", batch_size=2, render_frames=True, noop_warmup=30)
    _, state = env.reset(jax.random.key(0), params)
    *_, info = env.step(jax.random.key(0), state, np.array([1, 2]), params)
    frames = info["frame"]
    assert frames.shape == (2, 210, 160) and frames.dtype == np.uint8
    assert set(np.unique(frames)) == {0, 1}
    assert frames[:, 24:34].all() and not frames[:, 34:194, 60:100].all()  # wall on, field mostly off


@pytest.mark.parametrize(
    "action, error",
    [(np.array([0, 3, 1]), "out of range"), (np.array([0, 1]), "shape"), (np.array([0.5, 1, 1]), "integers")],
)
def test_bad_actions_raise(pong, action, error):
    env, params = pong
    _, state = env.reset(jax.random.key(0), params)
    with pytest.raises(ValueError, match=error):
        env.step(jax.random.key(0), state, action, params)


def test_boxing_runs_with_18_actions_and_decimal_scores():
    env, params = make("ale:boxing", batch_size=2, horizon=50)
    obs, state = env.reset(jax.random.key(0), params)
    rng = np.random.default_rng(0)
    total = np.zeros(2)
    for t in range(50):
        obs, state, reward, *_, info = env.step(jax.random.key(t), state, rng.integers(0, 18, 2), params)
        total += reward
    assert env.num_actions == 18 and obs.shape == (2, 4)
    assert info["score"].sum() > 0, "random boxing lands punches within 200 frames"
    np.testing.assert_array_equal(info["score"][:, 0] - info["score"][:, 1], total)


def test_missing_rom_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="no ROM for 'no_such_game'"):
        rom_path("no_such_game")


def test_missing_ale_py_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ale_py", None)
    with pytest.raises(ImportError, match="pip install"):
        new_emulator("pong", 0)


def test_bad_batch_size_raises():
    with pytest.raises(ValueError, match="batch_size"):
        AleParams(batch_size=0)


def test_jax_pong_synced_from_the_host_env_stays_in_step():
    from snnrl.envs.pong.env import PongState
    from snnrl.envs.pong.state import state_from_ram

    env, params = make("ale:pong", batch_size=4, noop_warmup=40, horizon=60)
    jax_env, jax_params = make("pong", noop_warmup=40, horizon=60)
    obs, state = env.reset(jax.random.key(0), params)
    rng = np.random.default_rng(4)
    for t in range(20):  # desynchronise the paddles with random play first
        obs, state, *_ = env.step(jax.random.key(t), state, rng.integers(0, 3, 4), params)
    ram = state_from_ram(env.rams(), env.paddle_resistances())
    synced = PongState(
        ram=ram, previous_action=jax.numpy.asarray(state.previous_action), time=jax.numpy.asarray(state.time)
    )
    step = jax.jit(jax.vmap(jax_env.step, in_axes=(0, 0, 0, None)))
    for t in range(30):
        keys = jax.random.split(jax.random.key(1000 + t), 4)
        actions = rng.integers(0, 3, 4)
        obs, state, reward, *_ = env.step(keys, state, actions, params)
        jax_obs, synced, jax_reward, *_ = step(keys, synced, actions, jax_params)
        np.testing.assert_array_equal(np.asarray(jax_obs), obs)
        np.testing.assert_array_equal(np.asarray(jax_reward), reward)
    assert len(np.unique(obs[:, 3])) > 1
