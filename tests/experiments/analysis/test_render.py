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
from snnrl.envs.pong.env import observed_bytes
from snnrl.experiments.analysis.dream_replay import dream_against_reality
from snnrl.experiments.analysis.render import (
    CAPTION_HEIGHT,
    SCALE,
    caption_frames,
    dreamt_pong_frames,
    frame_captions,
    side_by_side,
)
from snnrl.experiments.config.experiment import preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.run.runner import run_experiment
from snnrl.observations import ObservationConfig

DREAM_STEPS = 12


def small_run(folder, **changes):
    config = apply_overrides(preset("demo"), neurons=30, games=2, realizations=2, chunk_games=2, mode="dream")
    config = config.replace(
        algorithm=config.algorithm.replace(awake_steps=20, agent_learning_start=0).with_dream(steps=DREAM_STEPS),
        **changes,
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


def test_every_video_frame_is_captioned_real_and_dream_with_game_and_step():
    frames = np.full((3, 40, 300), 128, np.uint8)
    captions = frame_captions("pong", 7, 3)
    assert captions[2] == ("real: pong, game 7, step 2", "dream: pong, game 7, step 2")
    captioned = caption_frames(frames, captions)
    assert captioned.shape == (3, CAPTION_HEIGHT + 40, 300)
    np.testing.assert_array_equal(captioned[:, CAPTION_HEIGHT:], frames)  # the pictures are untouched
    band = captioned[:, :CAPTION_HEIGHT]
    assert band[:, :, :150].max() > 200 and band[:, :, 150:].max() > 200  # text over both halves
    assert np.any(band[1] != band[2])  # the step differs from frame to frame
    with pytest.raises(ValueError, match="one caption pair per frame"):
        caption_frames(frames, captions[:2])


def test_the_video_is_the_real_replay_beside_the_drawn_dream(ram_run, tmp_path):
    result = CliRunner().invoke(
        app, ["render", str(ram_run), "--game", "1", "--realization", "1", "--out", str(tmp_path / "d.gif")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.gif").exists() and (tmp_path / "d.png").exists()
    video = iio.imread(tmp_path / "d.gif")
    dreamt, real, _, _, real_frames, start = dream_against_reality(ram_run, 1, seed=1)
    expected = side_by_side(real_frames, dreamt_pong_frames(dreamt, start))
    expected = caption_frames(expected, frame_captions("pong", 1, DREAM_STEPS))
    assert video.shape[:3] == (DREAM_STEPS, CAPTION_HEIGHT + 210 * SCALE, expected.shape[2])
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


@pytest.fixture(scope="module")
def boxing_autoencoder_run(tmp_path_factory):
    """A tiny real-ALE Boxing run seen through a (small, untrained) autoencoder."""
    from snnrl.observations.autoencoder import AutoencoderShape, init_params, save

    root = tmp_path_factory.mktemp("boxing")
    shape = AutoencoderShape(hidden=(16,), latent=6)
    save(root / "ae", shape, init_params(shape, jax.random.key(0)), {})
    observation = ObservationConfig(pipeline="autoencoder", autoencoder=str(root / "ae"))
    with pytest.warns(UserWarning, match="jump_threshold"):
        return small_run(root / "run", env="ale:boxing", observation=observation)


def test_an_ale_autoencoder_dream_is_the_real_emulator_beside_the_decoded_dream(boxing_autoencoder_run, tmp_path):
    from snnrl.observations import make_pipeline
    from snnrl.observations.autoencoder import decode

    folder = boxing_autoencoder_run
    result = CliRunner().invoke(app, ["render", str(folder), "--game", "1", "--out", str(tmp_path / "b.gif")])
    assert result.exit_code == 0, result.output
    video = iio.imread(tmp_path / "b.gif")
    dreamt, real, _, _, real_frames, _ = dream_against_reality(folder, 0, seed=1)
    ae = make_pipeline(ObservationConfig(pipeline="autoencoder", autoencoder=str(folder.parent / "ae")))
    expected = side_by_side(real_frames, np.asarray(decode(ae.shape, ae.params, dreamt)))
    frames = video[..., 0] if video.ndim == 4 else video
    np.testing.assert_array_equal(frames[:, CAPTION_HEIGHT:], expected)  # under each frame's caption band
    # the left half is the real emulator: its frames are Boxing's (the ring), and they match the observations
    assert real_frames.shape == (DREAM_STEPS, 210, 160) and real_frames.mean() > 0.01
    np.testing.assert_allclose(real, np.asarray(jax.vmap(lambda f: ae.observe(ae.params, f))(real_frames)), atol=1e-6)


def test_an_mp4_holds_the_same_frames_up_to_compression(boxing_autoencoder_run, tmp_path):
    result = CliRunner().invoke(app, ["render", str(boxing_autoencoder_run), "--out", str(tmp_path / "b.mp4")])
    assert result.exit_code == 0, result.output
    gif = tmp_path / "b.gif"
    assert CliRunner().invoke(app, ["render", str(boxing_autoencoder_run), "--out", str(gif)]).exit_code == 0
    mp4_frames = iio.imread(tmp_path / "b.mp4").astype(np.float32)
    gif_frames = iio.imread(gif).astype(np.float32)
    gif_frames = gif_frames[..., 0] if gif_frames.ndim == 4 else gif_frames
    frames, height, width = gif_frames.shape
    assert mp4_frames.shape[:3] == (frames, height + -height % 16, width + -width % 16)  # padded, not rescaled
    assert np.abs(mp4_frames[:, :height, :width].mean(axis=-1) - gif_frames).mean() < 8.0  # libx264 is lossy


def test_an_ale_ram_run_gets_the_figure_and_says_why_there_is_no_video(tmp_path):
    folder = small_run(tmp_path / "ale_ram", env="ale:pong")
    result = CliRunner().invoke(app, ["render", str(folder)])
    assert result.exit_code == 0, result.output
    assert "no video: only the JAX Pong's RAM can be drawn" in result.output
    assert (folder / "figures" / "dream_game0_r0.png").exists()
    assert not (folder / "figures" / "dream_game0_r0.gif").exists()


def test_the_ale_replay_equals_the_jax_pong_replay_of_the_same_dream(ram_run):
    """One trained learner dreams after the warm-up of the JAX Pong and of the real ALE Pong, and each game
    replays the dream: paired Pong episodes agree exactly, so the two replays must too."""
    from snnrl.experiments.analysis import dream_replay
    from snnrl.experiments.run.runner import load_state, read_config
    from snnrl.experiments.train import make_environment, member_algorithm, member_keys, member_values

    config = read_config(ram_run)
    learner = jax.tree.map(lambda leaf: leaf[1], load_state(config, ram_run).learners)
    algorithm = member_algorithm(config, member_values(config)[1])
    keys = jax.random.split(jax.random.key(3), 3)
    jax_env, jax_params = make_environment(config)
    ale_env, ale_params = make_environment(config.replace(env="ale:pong"))
    dreamt, real, frames, _ = dream_replay._jax_replay(jax_env, jax_params, algorithm, learner, keys)
    ale_dreamt, ale_real, ale_frames, _ = dream_replay._host_replay(
        ale_env, ale_params, member_keys(config)[1], algorithm, learner, keys
    )
    np.testing.assert_array_equal(np.asarray(dreamt.observations), np.asarray(ale_dreamt.observations))
    np.testing.assert_array_equal(np.asarray(real), ale_real)
    np.testing.assert_array_equal(np.asarray(frames), ale_frames)
