"""The papers' episode protocol as small reusable pieces, shared by the JAX Pong and the host ALE env.

One agent step = ``frameskip`` emulator frames. On every frame the action is sticky: with probability
``sticky_prob`` the previous frame's action is repeated instead of the agent's (ALE v5 semantics; the
previous action is NOOP right after reset). After reset the environment runs ``noop_warmup`` agent
steps of NOOP (the official code uses 1+20), then the episode lasts ``horizon`` agent steps.
Observation: Pong RAM bytes (ball x, ball y, enemy y, player y) / 255. Reward: +1 / -1 per point.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

PONG_RAM_INDICES = (49, 54, 50, 51)  # ball x, ball y, enemy paddle y, player paddle y
PONG_SCORE_INDICES = (14, 13)  # player points, enemy points
PONG_ALE_ACTIONS = (0, 3, 4)  # ALE NOOP, RIGHT (moves the paddle up), LEFT (down)
OBSERVATION_SCALE = np.float32(1 / 255)


@struct.dataclass
class EpisodeProtocol:
    """Frameskip, sticky actions, NOOP warm-up and horizon (defaults: ALE v5 and the official code).

    ``frameskip`` and ``noop_warmup`` fix loop lengths and are static; ``sticky_prob`` and ``horizon``
    are array leaves, so a batch of protocols can be vmapped.
    """

    sticky_prob: float = 0.25
    horizon: int = 100
    frameskip: int = struct.field(pytree_node=False, default=4)
    noop_warmup: int = struct.field(pytree_node=False, default=21)

    def __post_init__(self):
        if self.frameskip < 1:
            raise ValueError(f"frameskip must be >= 1, got {self.frameskip}")
        if self.noop_warmup < 0:
            raise ValueError(f"noop_warmup must be >= 0, got {self.noop_warmup}")


def sticky_frame_actions(
    key: jax.Array, previous: jax.Array, action: jax.Array, frameskip: int, sticky_prob: jax.Array
) -> jax.Array:
    """The action executed on each of the ``frameskip`` frames of one agent step: int32 [frameskip].

    Frame i keeps the action of frame i-1 with probability ``sticky_prob`` (frame -1 executed
    ``previous``), else takes ``action``. Once taken, the agent's action stays. Scalars in; vmap for B.
    """
    keep = jax.random.uniform(key, (frameskip,)) < sticky_prob
    switched = jnp.cumsum(jnp.logical_not(keep).astype(jnp.int32)) > 0
    return jnp.where(switched, action, previous).astype(jnp.int32)


def ram_observation(ram_bytes):
    """Observation from RAM bytes [..., 4] (Pong: ball x, ball y, enemy y, player y): float32 bytes/255.

    Numpy in, numpy out (host envs); JAX in, JAX out. Both multiply by the same float32 constant, so the
    JAX Pong and the ALE env give bit-identical observations for identical bytes (XLA would turn a
    division by 255 into this multiplication anyway)."""
    xp = np if isinstance(ram_bytes, np.ndarray) else jnp
    return xp.asarray(ram_bytes, xp.float32) * OBSERVATION_SCALE
