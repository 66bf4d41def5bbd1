"""Frame-level fidelity of the JAX Pong against real ALE (ale-py, frame_skip 1)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.envs.pong.env import frame_unless_over
from snnrl.envs.pong.fidelity import ale_tracker_actions, record_ale_frames
from snnrl.envs.pong.frame import frame_step
from snnrl.envs.pong.render import render
from snnrl.envs.pong.state import ram_from_state, reset_state, state_from_ram
from tests.envs.helpers import random_held_actions, saved_states

MIRRORED = sorted(ram_from_state(reset_state()))


@jax.jit
def _free_run(state, actions):
    def body(state, action):
        state, reward = frame_unless_over(state, action)
        return state, (ram_from_state(state), state.resistance, reward)

    return jax.lax.scan(body, state, actions)[1]


_one_frame = jax.jit(jax.vmap(frame_step))
_render_all = jax.jit(jax.vmap(render))


@pytest.fixture(scope="module", params=["random", "tracker"])
def game(request):
    """2500 frames of ALE Pong from reset: random held actions (several points, paddle at both walls)
    or a noisy ball tracker (long rallies, many player hits)."""
    if request.param == "random":
        actions = random_held_actions(np.random.default_rng(3), 2500, 40)
    else:
        actions = ale_tracker_actions(2500, noise=0.2, seed=0)
    return actions, record_ale_frames(actions, screens=True)


def test_reset_state_is_ales(game):
    _, recorded = game
    expected = state_from_ram(recorded["rams"][0], recorded["resistance"][0])
    for name in (
        "frame",
        "ball_y",
        "enemy_y",
        "player_y",
        "paddle_smooth",
        "pot_reading",
        "countdown",
        "last_side",
        "resistance",
    ):
        assert int(getattr(reset_state(), name)) == int(getattr(expected, name)), name


def test_free_run_from_reset_matches_every_byte(game):
    actions, recorded = game
    rams, resistance, rewards = _free_run(reset_state(), jnp.asarray(actions))
    for index in MIRRORED:
        mismatch = np.nonzero(np.asarray(rams[index]) != recorded["rams"][1:, index])[0]
        assert mismatch.size == 0, f"RAM {index} differs first at frame {mismatch[:1]}"
    np.testing.assert_array_equal(np.asarray(resistance), recorded["resistance"][1:])
    points = np.diff(recorded["rams"][:, 14].astype(int)) - np.diff(recorded["rams"][:, 13].astype(int))
    np.testing.assert_array_equal(np.asarray(rewards), points)
    assert recorded["rams"][-1, 13] + recorded["rams"][-1, 14] >= 1, "the recording should contain a point"


def test_each_frame_from_ales_state_matches(game):
    actions, recorded = game
    before = state_from_ram(recorded["rams"][:-1], recorded["resistance"][:-1])
    after, _ = _one_frame(before, jnp.asarray(actions))
    predicted = ram_from_state(after)
    for index in MIRRORED:
        assert np.array_equal(np.asarray(predicted[index]), recorded["rams"][1:, index]), f"RAM {index}"


@pytest.mark.parametrize(
    "script",
    [
        np.repeat([1, 0, 2, 0], 50),  # hold up, rest, hold down, rest
        np.tile([1, 1, 1, 2], 50),  # jitter with an upward drift
        np.repeat([2, 1, 2, 1], [70, 10, 20, 100]),  # to the bottom wall, short bursts, to the top wall
    ],
    ids=["hold", "jitter", "walls"],
)
def test_player_paddle_follows_ale_from_synchronized_states(script):
    warmup = random_held_actions(np.random.default_rng(11), 900, 25)
    starts = saved_states(warmup, at=[150, 420, 777, 900])
    for start in starts:
        recorded = record_ale_frames(script, start=start)
        state = state_from_ram(recorded["rams"][0], recorded["resistance"][0])
        _, states = run_frames_with_states(state, script)
        gap = np.abs(np.asarray(states.player_y) - recorded["rams"][1:, 51].astype(int))
        assert gap.max() <= 1, f"player paddle off by {gap.max()} px"
        assert np.ptp(recorded["rams"][1:, 51]) >= 20, "the script should move the paddle"


def run_frames_with_states(state, actions):
    def body(state, action):
        state, _ = frame_step(state, action)
        return state, state

    return jax.lax.scan(body, state, jnp.asarray(actions))


def _absent_runs(ball_y: np.ndarray) -> list[int]:
    runs, length = [], 0
    for absent in ball_y == 0:
        if absent:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    return runs


def test_serve_delay_is_62_frames_in_both(game):
    actions, recorded = game
    rams, _, _ = _free_run(reset_state(), jnp.asarray(actions))
    ale_runs = _absent_runs(recorded["rams"][1:, 54])[1:]  # the first run is the game start
    jax_runs = _absent_runs(np.asarray(rams[54]))[1:]
    assert len(ale_runs) >= 1
    assert all(abs(run - 62) <= 2 for run in ale_runs), ale_runs
    assert jax_runs == ale_runs


def test_enemy_never_faster_than_ales(game):
    actions, recorded = game
    rams, _, _ = _free_run(reset_state(), jnp.asarray(actions))
    in_play = (recorded["rams"][1:-1, 54] != 0) & (recorded["rams"][2:, 54] != 0)
    ale_speed = np.abs(np.diff(recorded["rams"][1:, 50].astype(int)))[in_play]
    jax_speed = np.abs(np.diff(np.asarray(rams[50])))[in_play]
    assert ale_speed.max() == 2
    assert jax_speed.max() <= ale_speed.max()


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_rendered_objects_overlap_ales_binary_frame(game):
    _, recorded = game
    frames = slice(2, None)  # ALE draws the first two frames after reset in the attract palette
    state = state_from_ram(recorded["rams"][frames], recorded["resistance"][frames])
    rendered = np.asarray(_render_all(state)).astype(bool)
    truth = recorded["screens"][frames] != 87
    has_ball = recorded["rams"][frames, 54] != 0
    # paddles and ball: the play field between the walls (scanlines 34..193)
    ious = [_iou(rendered[t, 34:194], truth[t, 34:194]) for t in np.nonzero(has_ball)[0]]
    assert min(ious) >= 0.9
    wrong_frames = np.nonzero(np.any(rendered != truth, axis=(1, 2)))[0]
    assert wrong_frames.size == 0, f"{wrong_frames.size} frames differ, first at {wrong_frames[:3] + 2}"
