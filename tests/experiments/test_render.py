"""snnrl render: the video shows the real replay left and the drawn dream right, frame for frame; the
figure is written for every pipeline; bad requests are refused before anything is computed."""

import re

import imageio.v3 as iio
import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from snnrl.cli import app
from snnrl.envs import make
from snnrl.envs.pong import observed_bytes
from snnrl.experiments.config import preset
from snnrl.experiments.dream_replay import dream_against_reality
from snnrl.experiments.overrides import apply_overrides
from snnrl.experiments.render import SCALE, dreamt_pong_frames, side_by_side
from snnrl.experiments.runner import run_experiment
from snnrl.observations import ObservationConfig

DREAM_STEPS = 12


def small_run(folder, **changes):
    config = apply_overrides(preset("demo"), neurons=30, games=2, realizations=2, chunk_games=2, mode="dream")
    config = config.replace(
        algorithm=config.algorithm.replace(awake_steps=20, dream_steps=DREAM_STEPS, agent_learning_start=0), **changes
    )
    run_experiment(config, folder, show_progress=False)
    return folder


@pytest.fixture(scope="module")
def ram_run(tmp_path_factory):
    return small_run(tmp_path_factory.mktemp("render") / "ram")


def test_a_dreamt_state_equal_to_the_real_one_draws_the_real_frame():
    env, params = make("pong")
    _, state = env.reset(jax.random.key(0), params)
    for step in range(30):
        _, state, *_ = env.step(jax.random.key(step), state, step % 3, params)
    observation = np.asarray(observed_bytes(state.ram))[None] / 255.0
    np.testing.assert_array_equal(dreamt_pong_frames(observation, state)[0], env.render(state))


def test_the_video_is_the_real_replay_beside_the_drawn_dream(ram_run, tmp_path):
    result = CliRunner().invoke(
        app, ["render", str(ram_run), "--game", "1", "--realization", "1", "--out", str(tmp_path / "d.gif")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.gif").exists() and (tmp_path / "d.png").exists()
    video = iio.imread(tmp_path / "d.gif")
    dreamt, real, _, _, real_frames, start = dream_against_reality(ram_run, 1, seed=1, frames=True)
    expected = side_by_side(real_frames, dreamt_pong_frames(dreamt, start))
    assert video.shape[:3] == (DREAM_STEPS, 210 * SCALE, expected.shape[2])
    np.testing.assert_array_equal(video[..., 0] if video.ndim == 4 else video, expected)
    assert np.any(real_frames[1:] != real_frames[:-1])  # the replay moves


def test_a_projection_run_gets_the_figure_but_no_video(tmp_path):
    folder = small_run(tmp_path / "pixels", observation=ObservationConfig(pipeline="projection"))
    result = CliRunner().invoke(app, ["render", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "figures" / "dream_game0_r0.png").exists() and not (
        folder / "figures" / "dream_game0_r0.gif"
    ).exists()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--game", "2"], r"--game must lie in \[0, 2\)"),
        (["--out", "video.avi"], r"--out must end in .gif or .mp4"),
    ],
)
def test_bad_render_requests_are_refused(ram_run, arguments, message):
    result = CliRunner().invoke(app, ["render", str(ram_run), *arguments])
    assert result.exit_code == 2 and re.search(message, result.output), result.output


def test_render_refuses_a_folder_without_a_run(tmp_path):
    result = CliRunner().invoke(app, ["render", str(tmp_path)])
    assert result.exit_code == 2 and "holds no checkpoint.npz" in result.output
