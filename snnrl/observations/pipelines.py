"""Observation pipelines: a binary frame in, a few variables out, with per-realization parameters.

Each pipeline has ``init(key) -> sensor`` (the parameters of one realization, e.g. its projection matrix)
and ``observe(sensor, frame) -> observation`` (frame uint8 [H, W] -> float32 [dim]), pure JAX functions
that are vmapped over realizations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax

from snnrl.observations import autoencoder
from snnrl.observations.projection import project, projection_matrix


@dataclass(frozen=True)
class ProjectionPipeline:
    """Frame -> ``dim`` variables through a fixed Gaussian matrix drawn per realization (projection.py)."""

    frame_shape: tuple[int, int]
    dim: int
    variance: float

    def init(self, key: jax.Array) -> jax.Array:
        """This realization's matrix: float32 [H W, dim]."""
        return projection_matrix(key, self.frame_shape[0] * self.frame_shape[1], self.dim, self.variance)

    def observe(self, sensor: jax.Array, frame: jax.Array) -> jax.Array:
        """uint8 [H, W] -> float32 [dim]."""
        return project(sensor, frame, self.variance)

    @property
    def bounds(self) -> tuple[float, float]:
        return -float("inf"), float("inf")


@dataclass(frozen=True)
class AutoencoderPipeline:
    """Frame -> the trained autoencoder's latent (shared by every realization)."""

    shape: autoencoder.AutoencoderShape
    params: Any

    @property
    def dim(self) -> int:
        return self.shape.latent

    def init(self, key: jax.Array) -> Any:
        """The encoder parameters (the same for every realization; ``key`` unused)."""
        return self.params

    def observe(self, sensor: Any, frame: jax.Array) -> jax.Array:
        """uint8 [H, W] -> latent float32 [latent] in (0, 1)."""
        return autoencoder.encode(self.shape, sensor, frame)

    @property
    def bounds(self) -> tuple[float, float]:
        return 0.0, 1.0


Pipeline = ProjectionPipeline | AutoencoderPipeline
