"""An environment seen through an observation pipeline: the same reset/step interface, the observation
replaced by the pipeline's output computed from the rendered binary frame.

JAX environments (the JAX Pong) stay pure JAX (jit/vmap/scan); host environments (ALE) render on the
host and the pipeline runs as one compiled, vmapped call over the batch. The pipeline's per-realization
parameters (the ``sensor``, e.g. a projection matrix) live in the params: ``member_params`` puts in one
realization's, drawn from its base key, ``batch_params`` those of a batch of realizations (host).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from snnrl.envs.base import Box, StepResult
from snnrl.observations.pipelines import Pipeline

SENSOR_TAG = 2**31 - 2  # fold_in tag of a realization's sensor (never a game index: games < 2**31 - 2)


def sensor_key(base_key: jax.Array) -> jax.Array:
    """The key a realization's pipeline parameters are drawn from: fold_in(base key, SENSOR_TAG)."""
    return jax.random.fold_in(base_key, SENSOR_TAG)


@struct.dataclass
class ObservedParams:
    """The wrapped environment's params (``inner``, rendering frames) and the pipeline's parameters
    (``sensor``; None until ``member_params`` / ``batch_params`` put them in)."""

    inner: Any
    sensor: Any = None


class ObservedEnv:
    """``inner`` (an environment that renders binary frames) observed through ``pipeline``."""

    def __init__(self, inner, pipeline: Pipeline, frame_shape: tuple[int, int]):
        self.inner = inner
        self.pipeline = pipeline
        self.frame_shape = frame_shape
        self.host_side = inner.host_side
        self.num_actions = inner.num_actions
        self.name = getattr(inner, "name", type(inner).__name__)
        self._observe_batch = jax.jit(jax.vmap(pipeline.observe))

    def member_params(self, params: ObservedParams, base_key: jax.Array) -> ObservedParams:
        """Params with one realization's sensor, drawn from its base key (may be traced)."""
        return params.replace(sensor=self.pipeline.init(sensor_key(base_key)))

    def batch_params(self, params: ObservedParams, base_keys: jax.Array) -> ObservedParams:
        """Params with the sensors of a batch of realizations, leading axis B (host environments)."""
        return params.replace(sensor=jax.vmap(lambda key: self.pipeline.init(sensor_key(key)))(base_keys))

    def _observe(self, params: ObservedParams, frame):
        if params.sensor is None:
            raise ValueError(
                "the pipeline's parameters are missing: call env.member_params(params, base_key) (JAX) or "
                "env.batch_params(params, base_keys) (host) first"
            )
        if self.host_side:
            return np.asarray(self._observe_batch(params.sensor, jnp.asarray(frame)))
        return self.pipeline.observe(params.sensor, frame)

    def reset(self, key: jax.Array, params: ObservedParams) -> tuple[jax.Array, Any]:
        """The inner reset; the observation is the pipeline's view of the reset frame."""
        _, state = self.inner.reset(key, params.inner)
        frame = self.inner.frames() if self.host_side else self.inner.render(state)
        return self._observe(params, frame), state

    def step(self, key: jax.Array, state: Any, action: jax.Array, params: ObservedParams) -> StepResult:
        """The inner step; the observation is the pipeline's view of the new frame (info["frame"])."""
        _, state, reward, terminated, truncated, info = self.inner.step(key, state, action, params.inner)
        return self._observe(params, info["frame"]), state, reward, terminated, truncated, info

    def render(self, state: Any) -> jax.Array:
        """The inner environment's binary frame (JAX environments)."""
        return self.inner.render(state)

    def frames(self) -> np.ndarray:
        """The inner environment's binary frames (host environments)."""
        return self.inner.frames()

    def observation_space(self, params: ObservedParams) -> Box:
        low, high = self.pipeline.bounds
        return Box(low, high, (self.pipeline.dim,))

    def action_space(self, params: ObservedParams):
        return self.inner.action_space(params.inner)


def with_batch_size(params, batch_size: int):
    """Host params with ``batch_size`` emulators (inside ObservedParams too)."""
    if isinstance(params, ObservedParams):
        return params.replace(inner=dataclasses.replace(params.inner, batch_size=batch_size))
    return dataclasses.replace(params, batch_size=batch_size)
