"""The JAX Pong as an environment: protocol, jit/vmap/scan at scale, bad input, termination."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.envs import auto_reset_step, make
from snnrl.envs.pong.env import PongParams, PongState, run_frames
from snnrl.envs.pong.state import reset_state
from snnrl.envs.protocol import EpisodeProtocol

ENV, PARAMS = make("pong")


def test_reset_runs_the_noop_warmup():
    obs, state = ENV.reset(jax.random.key(0), PARAMS)
    ram, _, _ = run_frames(reset_state(), jnp.zeros(21 * 4, jnp.int32))
    np.testing.assert_array_equal(np.round(obs * 255), [ram.ball_x, ram.ball_y, ram.enemy_y, ram.player_y])
    assert int(state.ram.frame) == (71 + 84) % 256
    assert obs.shape == (4,) and obs.dtype == jnp.float32
    obs0, _ = ENV.reset(jax.random.key(0), PARAMS.replace(protocol=EpisodeProtocol(noop_warmup=0)))
    assert float(obs0[1]) == pytest.approx(60 / 255)  # ALE's post-reset ball byte


def test_thousands_of_games_in_one_scan():
    batch, steps = 4096, 12
    keys = jax.random.split(jax.random.key(1), batch)

    @jax.jit
    def play(keys):
        obs, state = jax.vmap(ENV.reset, in_axes=(0, None))(keys, PARAMS)

        def body(state, t):
            step_keys = jax.vmap(lambda k: jax.random.fold_in(k, t))(keys)
            actions = jax.vmap(lambda k: jax.random.randint(k, (), 0, 3))(step_keys)
            obs, state, reward, terminated, truncated, info = jax.vmap(ENV.step, in_axes=(0, 0, 0, None))(
                step_keys, state, actions, PARAMS
            )
            return state, (obs, reward, info["frame_bytes"])

        return jax.lax.scan(body, state, jnp.arange(steps))[1]

    obs, reward, frame_bytes = play(keys)
    assert obs.shape == (steps, batch, 4) and reward.shape == (steps, batch)
    assert frame_bytes.shape == (steps, batch, 4, 4)
    assert bool(jnp.all((obs >= 0) & (obs <= 1)))
    assert len(np.unique(np.asarray(obs[-1, :, 3]))) > 5, "random play should spread the player paddles"
    again = play(keys)
    np.testing.assert_array_equal(obs, again[0])


@pytest.mark.parametrize("action", [3, -1, np.array([0, 5])])
def test_out_of_range_action_raises(action):
    _, state = ENV.reset(jax.random.key(0), PARAMS)
    with pytest.raises(ValueError, match="out of range"):
        ENV.step(jax.random.key(0), state, action, PARAMS)


def test_non_integer_action_raises():
    _, state = ENV.reset(jax.random.key(0), PARAMS)
    with pytest.raises(ValueError, match="integers"):
        ENV.step(jax.random.key(0), state, 1.5, PARAMS)


def test_under_jit_out_of_range_actions_are_clipped():
    _, state = ENV.reset(jax.random.key(0), PARAMS)
    step = jax.jit(ENV.step)
    key = jax.random.key(3)
    clipped = step(key, state, jnp.int32(7), PARAMS)[1]
    down = step(key, state, jnp.int32(2), PARAMS)[1]
    assert int(clipped.ram.resistance) == int(down.ram.resistance) > int(state.ram.resistance)


def test_horizon_truncates():
    params = PARAMS.replace(protocol=EpisodeProtocol(horizon=3))
    _, state = ENV.reset(jax.random.key(0), params)
    flags = []
    for t in range(3):
        _, state, _, terminated, truncated, _ = ENV.step(jax.random.key(t), state, 0, params)
        flags.append((bool(terminated), bool(truncated)))
    assert flags == [(False, False), (False, False), (False, True)]


def _match_point() -> PongState:
    """Player at 20 points, ball two frames from the enemy's goal line, far from the enemy paddle."""
    ram = reset_state().replace(
        ball_x=jnp.int32(54),
        ball_y=jnp.int32(120),
        ball_dx=jnp.int32(1),
        ball_dy=jnp.int32(0),
        countdown=jnp.int32(0),
        enemy_y=jnp.int32(200),
        player_score=jnp.int32(20),
    )
    return PongState(ram=ram, previous_action=jnp.int32(0), time=jnp.int32(0))


def test_the_21st_point_terminates_and_freezes_the_game():
    obs, state, reward, terminated, _, info = ENV.step(jax.random.key(0), _match_point(), 0, PARAMS)
    assert float(reward) == 1.0 and bool(terminated)
    np.testing.assert_array_equal(info["score"], [21, 0])
    later_obs, later, later_reward, still, _, _ = ENV.step(jax.random.key(1), state, 2, PARAMS)
    assert float(later_reward) == 0.0 and bool(still)
    np.testing.assert_array_equal(later_obs, obs)
    assert int(later.ram.resistance) == int(state.ram.resistance)


def test_auto_reset_starts_a_fresh_episode():
    step = auto_reset_step(ENV)
    reset_obs, _ = ENV.reset(jax.random.key(9), PARAMS)
    obs, state, reward, terminated, _, _ = step(jax.random.key(0), _match_point(), 0, PARAMS)
    assert bool(terminated) and float(reward) == 1.0
    np.testing.assert_array_equal(obs, reset_obs)
    assert int(state.ram.player_score) == 0 and int(state.time) == 0


def test_frames_on_request():
    params = PARAMS.replace(render_frames=True)
    _, state = ENV.reset(jax.random.key(0), params)
    _, state, _, _, _, info = ENV.step(jax.random.key(0), state, 1, params)
    frame = info["frame"]
    assert frame.shape == (210, 160) and frame.dtype == jnp.uint8
    np.testing.assert_array_equal(frame, ENV.render(state))
    assert int(frame[24:34].sum()) == 160 * 10  # the top wall
    assert int(frame[34:194, 140:144].sum()) == 16 * 4  # the player paddle, 16 lines of 4 pixels
    assert "frame" not in ENV.step(jax.random.key(0), state, 1, PARAMS)[5]


def test_spaces():
    assert ENV.observation_space(PARAMS).shape == (4,)
    assert ENV.action_space(PARAMS).n == 3 == ENV.num_actions
    assert not ENV.host_side
    assert isinstance(PARAMS, PongParams)
