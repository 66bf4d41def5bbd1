"""``snnrl autoencoder``: collect binary frames of random play, train the frame autoencoder, save it with
its loss curve and a reconstruction figure, for runs with ``observation.pipeline=autoencoder``.

    snnrl autoencoder --env ale:boxing --frames 10000 --out autoencoders/boxing
    snnrl train --env ale:boxing observation.pipeline=autoencoder observation.autoencoder=autoencoders/boxing
"""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np
from matplotlib.figure import Figure

from snnrl.envs import frame_environments
from snnrl.experiments.run.preflight import check_out_folder
from snnrl.experiments.train.memory import check_fits
from snnrl.observations import FRAME_SHAPE
from snnrl.observations.autoencoder import AutoencoderShape, TrainingReport, decode, encode, save, train
from snnrl.observations.frames import random_play_frames

FRAMES_HELD = 3  # copies of the frames held at once: the collected batches, their array, the training views


def train_autoencoder(
    env_name: str, frames: int, out: Path, *, epochs: int = 20, seed: int = 0, batch_size: int = 128
) -> dict:
    """Collect ``frames`` random-play frames of ``env_name``, train, save into ``out`` (autoencoder files,
    loss.png, reconstruction.png). Returns the saved description. Before anything is collected: ValueError
    for a bad argument, an ``out`` that cannot be written (preflight.OutFolderError) or frames that will not fit
    in the memory this process may take (memory.check_fits)."""
    if env_name not in frame_environments():
        raise ValueError(
            f"--env must be one of {', '.join(frame_environments())} (environments with frames), got {env_name!r}"
        )
    for name, value, minimum in (
        ("frames", frames, 2 * batch_size),
        ("epochs", epochs, 1),
        ("batch-size", batch_size, 1),
    ):
        if value < minimum:
            raise ValueError(f"--{name} must be >= {minimum}, got {value}")
    out = check_out_folder(out)
    frame_bytes = FRAME_SHAPE[0] * FRAME_SHAPE[1]  # uint8 pixels
    check_fits(
        FRAMES_HELD * frames * frame_bytes,
        f"{frames} frames of {FRAME_SHAPE[0]}x{FRAME_SHAPE[1]} pixels (collected, batched and trained on)",
        f"lower --frames ({frames})",
    )
    key_frames, key_train = jax.random.split(jax.random.key(seed))
    started = time.perf_counter()
    data = random_play_frames(env_name, frames, key_frames)
    collected = time.perf_counter()
    shape = AutoencoderShape(frame_shape=FRAME_SHAPE)
    params, report = train(shape, data, key_train, epochs=epochs, batch_size=batch_size)
    trained = time.perf_counter()
    meta = {
        "env": env_name,
        "frames": frames,
        "held_out_frames": max(1, round(0.1 * frames)),
        "epochs": epochs,
        "batch_size": batch_size,
        "seed": seed,
        "train_loss": list(report.train_loss),
        "held_out_loss": list(report.held_out_loss),
        "mean_frame_loss": report.mean_frame_loss,
        "seconds": {"collect": round(collected - started, 2), "train": round(trained - collected, 2)},
    }
    save(out, shape, params, meta)
    _loss_figure(report).savefig(out / "loss.png", dpi=120, bbox_inches="tight")
    held_out = data[-meta["held_out_frames"] :]
    _reconstruction_figure(shape, params, held_out[:: max(1, len(held_out) // 4)][:4]).savefig(
        out / "reconstruction.png", dpi=120, bbox_inches="tight"
    )
    return meta


def _loss_figure(report: TrainingReport) -> Figure:
    figure = Figure(figsize=(4.8, 3.2))
    axis = figure.subplots()
    epochs = np.arange(1, len(report.train_loss) + 1)
    axis.plot(epochs, report.train_loss, label="training frames")
    axis.plot(epochs, report.held_out_loss, label="held-out frames")
    axis.axhline(report.mean_frame_loss, color="k", ls=":", label="mean frame (held out)")
    axis.set_xlabel("epoch")
    axis.set_ylabel("cross-entropy (nats / pixel)")
    axis.set_yscale("log")
    axis.legend(frameon=False, fontsize=8)
    return figure


def _reconstruction_figure(shape: AutoencoderShape, params, frames: np.ndarray) -> Figure:
    """Held-out frames (top) and their reconstructions (bottom, pixel probabilities)."""
    reconstructed = np.asarray(decode(shape, params, encode(shape, params, jax.numpy.asarray(frames))))
    figure = Figure(figsize=(1.6 * len(frames), 4.4))
    axes = figure.subplots(2, len(frames), squeeze=False)
    for column, (frame, image) in enumerate(zip(frames, reconstructed, strict=True)):
        for row, (picture, title) in enumerate(((frame, "frame"), (image, "decoded"))):
            axes[row, column].imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axes[row, column].set_title(title, fontsize=8)
            axes[row, column].axis("off")
    return figure
