"""The frame autoencoder of the dreaming paper's Boxing from pixels: 33600-128-64-36-64-128-33600.

Encoder: dense + ReLU layers down to a sigmoid latent (our choice: the latent lies in (0, 1) like the RAM
observation, bytes / 255, so the official hyper-parameters apply); decoder: dense + ReLU layers back to
one logit per pixel, trained with the binary cross-entropy of the binary frame (optax). The paper names
only the layer sizes. A trained autoencoder is saved as a folder (``save`` / ``load``) and shared by every
realization of a study.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import flax.linen as nn
import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np
import optax

FORMAT = "snnrl-autoencoder"
VERSION = 1
PARAMS_FILE = "autoencoder.msgpack"
META_FILE = "autoencoder.json"


@dataclass(frozen=True)
class AutoencoderShape:
    """Frame shape (H, W), encoder hidden sizes (the decoder mirrors them) and latent size."""

    frame_shape: tuple[int, int] = (210, 160)
    hidden: tuple[int, ...] = (128, 64)
    latent: int = 36

    @property
    def pixels(self) -> int:
        return self.frame_shape[0] * self.frame_shape[1]


class Autoencoder(nn.Module):
    """Binary frames [..., H*W] (float) -> latent [..., latent] in (0, 1) -> pixel logits [..., H*W]."""

    pixels: int
    hidden: Sequence[int]
    latent: int

    def setup(self) -> None:
        self.encoder_layers = [nn.Dense(size) for size in (*self.hidden, self.latent)]
        self.decoder_layers = [nn.Dense(size) for size in (*reversed(self.hidden), self.pixels)]

    def encode(self, pixels: jax.Array) -> jax.Array:
        """[..., pixels] -> latent [..., latent] (sigmoid)."""
        x = pixels
        for layer in self.encoder_layers[:-1]:
            x = nn.relu(layer(x))
        return nn.sigmoid(self.encoder_layers[-1](x))

    def decode(self, latent: jax.Array) -> jax.Array:
        """latent [..., latent] -> pixel logits [..., pixels]."""
        x = latent
        for layer in self.decoder_layers[:-1]:
            x = nn.relu(layer(x))
        return self.decoder_layers[-1](x)

    def __call__(self, pixels: jax.Array) -> jax.Array:
        return self.decode(self.encode(pixels))


def model_of(shape: AutoencoderShape) -> Autoencoder:
    """The flax module of an autoencoder shape."""
    return Autoencoder(pixels=shape.pixels, hidden=tuple(shape.hidden), latent=shape.latent)


def init_params(shape: AutoencoderShape, key: jax.Array):
    """Fresh parameters (flax's default initializers)."""
    return model_of(shape).init(key, jnp.zeros((1, shape.pixels), jnp.float32))


def encode(shape: AutoencoderShape, params, frame: jax.Array) -> jax.Array:
    """A binary frame [H, W] (or a batch [..., H, W]) -> latent float32 [latent] (or [..., latent])."""
    pixels = frame.reshape(*frame.shape[:-2], shape.pixels).astype(jnp.float32)
    return model_of(shape).apply(params, pixels, method=Autoencoder.encode)


def decode(shape: AutoencoderShape, params, latent: jax.Array) -> jax.Array:
    """latent [..., latent] -> pixel probabilities float32 [..., H, W]."""
    logits = model_of(shape).apply(params, latent, method=Autoencoder.decode)
    return jax.nn.sigmoid(logits).reshape(*latent.shape[:-1], *shape.frame_shape)


def reconstruction_loss(logits: jax.Array, frames: jax.Array) -> jax.Array:
    """Mean binary cross-entropy per pixel (nats) of logits [B, P] against binary frames [B, P]."""
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, frames.astype(jnp.float32)))


def mean_frame_loss(train_frames: np.ndarray, test_frames: np.ndarray) -> float:
    """The loss of the best frame-independent guess: each pixel's frequency in ``train_frames`` [F, H, W]
    (clipped to [1e-4, 1 - 1e-4]) as its probability on ``test_frames`` [F', H, W]. Nats per pixel."""
    p = np.clip(train_frames.reshape(len(train_frames), -1).mean(axis=0), 1e-4, 1 - 1e-4)
    x = test_frames.reshape(len(test_frames), -1).astype(np.float64)
    return float(-np.mean(x * np.log(p) + (1 - x) * np.log1p(-p)))


def with_mean_frame_bias(shape: AutoencoderShape, params, frames: np.ndarray):
    """Params whose output biases are the logits of each pixel's frequency in ``frames`` [F, H, W]: training
    starts from the mean frame and spends its steps on what changes between frames."""
    p = np.clip(frames.reshape(len(frames), -1).mean(axis=0), 1e-4, 1 - 1e-4)
    last = f"decoder_layers_{len(shape.hidden)}"
    layers = dict(params["params"])
    layers[last] = {**layers[last], "bias": jnp.asarray(np.log(p) - np.log1p(-p), jnp.float32)}
    return {"params": layers}


@dataclass(frozen=True)
class TrainingReport:
    """Loss per epoch (train, held out) and the mean frame's held-out loss, nats per pixel."""

    train_loss: tuple[float, ...]
    held_out_loss: tuple[float, ...]
    mean_frame_loss: float


def train(
    shape: AutoencoderShape,
    frames: np.ndarray,
    key: jax.Array,
    *,
    epochs: int = 20,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    held_out: float = 0.1,
):
    """Train on binary frames uint8 [F, H, W] (the last ``held_out`` fraction is held out) with Adam.
    Returns (params, TrainingReport)."""
    frames = np.asarray(frames, np.uint8)
    if frames.ndim != 3 or frames.shape[1:] != tuple(shape.frame_shape):
        raise ValueError(
            f"frames must have shape (F, {shape.frame_shape[0]}, {shape.frame_shape[1]}), got {frames.shape}"
        )
    n_test = max(1, int(round(held_out * len(frames))))
    if len(frames) - n_test < batch_size:
        raise ValueError(f"{len(frames)} frames leave fewer than one batch of {batch_size} to train on")
    train_frames, test_frames = frames[:-n_test], frames[-n_test:]
    model = model_of(shape)
    key_init, key_order = jax.random.split(key)
    params = with_mean_frame_bias(shape, init_params(shape, key_init), train_frames)
    optimizer = optax.adam(learning_rate)
    opt_state = optimizer.init(params)

    def loss_of(params, batch):
        return reconstruction_loss(model.apply(params, batch.astype(jnp.float32)), batch)

    @jax.jit
    def update(params, opt_state, batch):
        loss, grads = jax.value_and_grad(loss_of)(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    evaluate = jax.jit(loss_of)
    flat_train = train_frames.reshape(len(train_frames), -1)
    flat_test = test_frames.reshape(len(test_frames), -1)
    batches = len(flat_train) // batch_size
    train_loss, test_loss = [], []
    for epoch in range(epochs):
        order = np.asarray(jax.random.permutation(jax.random.fold_in(key_order, epoch), len(flat_train)))
        losses = []
        for b in range(batches):
            batch = jnp.asarray(flat_train[order[b * batch_size : (b + 1) * batch_size]])
            params, opt_state, loss = update(params, opt_state, batch)
            losses.append(float(loss))
        train_loss.append(float(np.mean(losses)))
        test_loss.append(_batched_loss(evaluate, params, flat_test, batch_size))
    report = TrainingReport(tuple(train_loss), tuple(test_loss), mean_frame_loss(train_frames, test_frames))
    return params, report


def _batched_loss(evaluate, params, flat: np.ndarray, batch_size: int) -> float:
    total = 0.0
    for start in range(0, len(flat), batch_size):
        batch = flat[start : start + batch_size]
        total += float(evaluate(params, jnp.asarray(batch))) * len(batch)
    return total / len(flat)


def save(folder: Path | str, shape: AutoencoderShape, params, metadata: dict) -> Path:
    """Write the parameters (flax msgpack) and a JSON description (format, version, shape, ``metadata``)
    into ``folder``. Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PARAMS_FILE).write_bytes(flax.serialization.to_bytes(params))
    meta = {"format": FORMAT, "version": VERSION, "shape": asdict(shape), **metadata}
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return folder


def read_metadata(folder: Path | str) -> dict:
    """The JSON description of a saved autoencoder; clear errors for a missing or foreign folder."""
    folder = Path(folder)
    path = folder / META_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder} holds no autoencoder ({META_FILE} missing): train one with `snnrl autoencoder --out {folder}`"
        )
    meta = json.loads(path.read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not an snnrl autoencoder (format {meta.get('format')!r}, expected {FORMAT!r})")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"{path} is autoencoder format version {meta.get('version')!r}; this snnrl reads version {VERSION}: "
            "train it again with `snnrl autoencoder`"
        )
    return meta


def load(folder: Path | str, frame_shape: tuple[int, int] | None = None):
    """(shape, params) of a saved autoencoder. ValueError if its frames are not ``frame_shape`` (H, W) or
    its parameters do not have the shapes its description names."""
    meta = read_metadata(folder)
    raw = meta["shape"]
    shape = AutoencoderShape(tuple(raw["frame_shape"]), tuple(raw["hidden"]), int(raw["latent"]))
    if frame_shape is not None and tuple(frame_shape) != shape.frame_shape:
        raise ValueError(
            f"the autoencoder in {folder} encodes frames of shape {shape.frame_shape}; this environment's frames "
            f"are {tuple(frame_shape)}"
        )
    template = jax.eval_shape(lambda: init_params(shape, jax.random.key(0)))
    template = jax.tree.map(lambda leaf: np.zeros(leaf.shape, leaf.dtype), template)
    try:
        params = flax.serialization.from_bytes(template, (Path(folder) / PARAMS_FILE).read_bytes())
    except (ValueError, KeyError) as error:
        raise ValueError(
            f"the parameters in {Path(folder) / PARAMS_FILE} do not match its description {raw}: {error}"
        ) from error
    for got, want in zip(jax.tree.leaves(params), jax.tree.leaves(template), strict=True):
        if np.shape(got) != np.shape(want):
            raise ValueError(
                f"the parameters in {Path(folder) / PARAMS_FILE} do not match its description {raw}: an array of "
                f"shape {np.shape(got)} where {np.shape(want)} is expected"
            )
    return shape, jax.tree.map(jnp.asarray, params)
