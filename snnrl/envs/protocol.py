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
from flax import struct

PONG_RAM_INDICES = (49, 54, 50, 51)  # ball x, ball y, enemy paddle y, player paddle y
PONG_SCORE_INDICES = (14, 13)  # player points, enemy points
PONG_ACTION_NAMES = ("NOOP", "UP", "DOWN")
PONG_ALE_ACTIONS = (0, 3, 4)  # ALE NOOP, RIGHT (moves the paddle up), LEFT (down)


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


def ram_observation(ram_bytes: jax.Array) -> jax.Array:
    """Observation from the four Pong RAM bytes [..., 4] (ball x, ball y, enemy y, player y): bytes/255."""
    return jnp.asarray(ram_bytes, jnp.float32) / 255.0
