"""``snnrl render``: a real game and its dream side by side as a GIF (or MP4), and the dream-vs-reality
figure of each predicted variable.

The trained networks of one realization dream from the real state after the game's NOOP warm-up, with
game N's keys; the real environment (the JAX Pong, or the real ALE for ``ale:`` runs) replays the dream's
actions from that state. Each video frame is captioned (real / dream, the game and the step). Dreams are
drawn as the papers show them: a RAM dream of the JAX Pong through its renderer with the dreamt bytes of
ball and paddles put into the real starting state (Fig 2A), an autoencoder dream (any game with frames,
e.g. ``ale:boxing``) as its decoded frames (Fig 4B). A random projection cannot be inverted, and RAM bytes
of ALE games have no renderer here: those runs get the figure, not the video (``video_unavailable`` says
why).
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.envs.pong import render as pong_render
from snnrl.experiments.analysis.dream_replay import dream_against_reality
from snnrl.experiments.analysis.plots import plot_dream_rollout, variable_names
from snnrl.experiments.run.runner import read_config
from snnrl.observations import make_pipeline
from snnrl.observations.autoencoder import decode

SCALE = 2  # pixels per frame pixel in the video
SEPARATOR = 4  # grey columns between the real frame and the dream
VIDEO_SUFFIXES = (".gif", ".mp4")
MACROBLOCK = 16  # H.264 codes frames in blocks of 16 x 16 pixels
CAPTION_HEIGHT = 14  # pixels of the caption band above each video frame


def dreamt_pong_frames(observations: np.ndarray, start) -> np.ndarray:
    """Frames uint8 [S, 210, 160] of dreamt Pong RAM observations [S, 4] (bytes / 255: ball x, ball y, enemy
    y, player y), drawn into the real PongState ``start`` (scores, serve timer) with those bytes replaced."""
    ram_bytes = jnp.clip(jnp.round(jnp.asarray(observations) * 255.0), 0, 255).astype(jnp.int32)

    def draw(row):
        ram = start.ram.replace(ball_x=row[0], ball_y=row[1], enemy_y=row[2], player_y=row[3])
        return pong_render.render(ram)

    return np.asarray(jax.vmap(draw)(ram_bytes))


def video_unavailable(config) -> str | None:
    """Why a run's dreams cannot be drawn as a video, or None when they can."""
    pipeline = config.observation.pipeline
    if pipeline == "projection":
        return "a random projection cannot be inverted into frames"
    if pipeline == "ram" and config.env != "pong":
        return f"only the JAX Pong's RAM can be drawn; {config.env!r} RAM dreams have no renderer"
    return None


def dream_frames(config, observations: np.ndarray, start) -> np.ndarray:
    """Pictures [S, 210, 160] in [0, 1] of a dream whose video is available (``video_unavailable``)."""
    if config.observation.pipeline == "autoencoder":
        ae = make_pipeline(config.observation)
        return np.asarray(decode(ae.shape, ae.params, jnp.asarray(observations)))
    return dreamt_pong_frames(observations, start).astype(np.float32)


def side_by_side(real: np.ndarray, dreamt: np.ndarray) -> np.ndarray:
    """Video frames uint8 [S, H*SCALE, (2W + SEPARATOR)*SCALE]: the real frame left, the dream right."""
    gap = np.full((*real.shape[:2], SEPARATOR), 0.5, np.float32)
    joined = np.concatenate([real.astype(np.float32), gap, dreamt.astype(np.float32)], axis=2)
    joined = np.repeat(np.repeat(joined, SCALE, axis=1), SCALE, axis=2)
    return np.round(255 * np.clip(joined, 0, 1)).astype(np.uint8)


def caption_frames(frames: np.ndarray, captions: list[tuple[str, str]]) -> np.ndarray:
    """Video frames uint8 [S, CAPTION_HEIGHT + H, W]: each frame of ``frames`` [S, H, W] (side_by_side's)
    under a black band holding its (left, right) caption, over the real half and the dream half."""
    from PIL import Image, ImageDraw

    if len(captions) != len(frames):
        raise ValueError(f"one caption pair per frame: {len(frames)} frames, {len(captions)} captions")
    half = frames.shape[2] // 2
    captioned = []
    for frame, (left, right) in zip(frames, captions, strict=True):
        band = Image.new("L", (frame.shape[1], CAPTION_HEIGHT), 0)
        draw = ImageDraw.Draw(band)
        draw.text((2, 1), left, fill=255)
        draw.text((half + 2, 1), right, fill=255)
        captioned.append(np.concatenate([np.asarray(band, np.uint8), frame], axis=0))
    return np.stack(captioned)


def frame_captions(env: str, game: int, steps: int) -> list[tuple[str, str]]:
    """(real, dream) captions of each of ``steps`` frames: which side, the game, the game's keys and the step."""
    return [(f"real: {env}, game {game}, step {t}", f"dream: {env}, game {game}, step {t}") for t in range(steps)]


def write_video(frames: np.ndarray, path: Path, fps: int = 10) -> Path:
    """GIF (imageio with Pillow) or MP4 (imageio-ffmpeg, which must be installed) of frames uint8 [S, H, W].
    An MP4's frames are padded with black at the bottom and right to multiples of 16 pixels (H.264's
    macroblock; ffmpeg would otherwise rescale them)."""
    import imageio.v3 as iio

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gif":
        iio.imwrite(path, frames, duration=1000 / fps, loop=0)
        return path
    height, width = frames.shape[1:]
    padded = np.pad(frames, ((0, 0), (0, -height % MACROBLOCK), (0, -width % MACROBLOCK)))
    try:
        iio.imwrite(path, padded, fps=fps, codec="libx264", macro_block_size=MACROBLOCK)
    except (ImportError, ValueError, OSError) as error:
        raise ValueError(
            f"MP4 needs imageio-ffmpeg (pip install imageio-ffmpeg); write a .gif instead ({error})"
        ) from error
    return path


def render_dream(folder: Path, game: int, realization: int = 0, out: Path | None = None) -> list[Path]:
    """Write the video (where the dream can be drawn, see ``video_unavailable``) and the dream-vs-reality
    figure of game ``game``'s keys for one realization of a results folder. Returns the paths written."""
    folder = Path(folder)
    config = read_config(folder)
    if not 0 <= game < config.games:
        raise ValueError(f"--game must lie in [0, {config.games}) (the run's games), got {game}")
    out = folder / "figures" / f"dream_game{game}_r{realization}.gif" if out is None else Path(out)
    if out.suffix not in VIDEO_SUFFIXES:
        raise ValueError(f"--out must end in {' or '.join(VIDEO_SUFFIXES)}, got {out.name!r}")
    replay = dream_against_reality(folder, realization, seed=game)
    paths = plot_dream_rollout(
        replay.dreamt,
        replay.real,
        replay.agent_spikes,
        replay.model_spikes,
        out.with_suffix(""),
        variable_names=variable_names(config),
    )
    if video_unavailable(config) is None:
        pictures = dream_frames(config, replay.dreamt, replay.start)
        frames = side_by_side(replay.real_frames, pictures)
        frames = caption_frames(frames, frame_captions(config.env, game, len(frames)))
        paths.insert(0, write_video(frames, out))
    return paths
