"""The random projection of a binary frame to a few world variables (the dreaming paper's Pong from pixels).

Scaling (our choice; the paper gives none): with M of entries N(0, variance) the projection f M is divided
by sqrt(variance * P) (P = pixels), i.e. the frame is projected by a matrix of entries N(0, 1/P). Then each
variable has, over matrix draws, variance (pixels on) / P <= 1, and a step that flips k pixels changes it by
about sqrt(k / P): for Pong frames the variables spread like the RAM observation (bytes / 255) and one
step moves them as much as the ball's RAM bytes move, so the official hyper-parameters (input weights,
the world model's targets in 255 x observation units, its jump threshold) apply unchanged
(tests/observations/test_projection.py measures both on random play).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp


def projection_matrix(key: jax.Array, pixels: int, dim: int, variance: float) -> jax.Array:
    """The fixed Gaussian matrix of one realization: float32 [pixels, dim], entries N(0, variance)."""
    return math.sqrt(variance) * jax.random.normal(key, (pixels, dim), jnp.float32)


def project(matrix: jax.Array, frame: jax.Array, variance: float) -> jax.Array:
    """A binary frame [H, W] (uint8 0/1) as ``dim`` variables: frame.ravel() @ matrix / sqrt(variance H W).
    float32 [dim]."""
    pixels = frame.size
    return jnp.ravel(frame).astype(jnp.float32) @ matrix * (1.0 / math.sqrt(variance * pixels))
