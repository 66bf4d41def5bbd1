"""What the networks observe: a pluggable stage between the environments and the networks.

    env, params = snnrl.envs.make("pong")
    env, params = observed(env, params, ObservationConfig(pipeline="projection"))
    params = env.member_params(params, base_key)       # this realization's projection matrix

Pipelines: 'ram' (the environment's own observation), 'projection' (binary frame -> fixed Gaussian
matrix -> D variables), 'autoencoder' (binary frame -> a trained autoencoder's latent). They need an
environment that renders binary 210x160 frames: the JAX Pong and the ALE games.
"""

from __future__ import annotations

import dataclasses

from snnrl.envs import frame_environments
from snnrl.observations.config import PIPELINES, ObservationConfig
from snnrl.observations.environment import ObservedEnv, ObservedParams, sensor_key, with_batch_size
from snnrl.observations.pipelines import AutoencoderPipeline, Pipeline, ProjectionPipeline

FRAME_SHAPE = (210, 160)


def renders_frames(env) -> bool:
    """True for environments that render binary 210x160 frames (the JAX Pong, ALE games)."""
    return hasattr(env, "frames") if env.host_side else hasattr(env, "render")


def make_pipeline(observation: ObservationConfig) -> Pipeline | None:
    """The pipeline of a config (None for 'ram'); loads the autoencoder, with clear errors for a
    missing file or one of another frame shape or format version."""
    if observation.pipeline == "ram":
        return None
    if observation.pipeline == "projection":
        return ProjectionPipeline(FRAME_SHAPE, observation.dim, observation.variance)
    from snnrl.observations.autoencoder import load

    shape, params = load(observation.autoencoder, frame_shape=FRAME_SHAPE)
    return AutoencoderPipeline(shape, params)


def observed(env, params, observation: ObservationConfig, env_name: str | None = None):
    """(env, params) seen through the pipeline of ``observation`` (unchanged for 'ram'). ValueError,
    before anything is computed, for an environment without frames."""
    if observation.pipeline == "ram":
        return env, params
    name = env_name or getattr(env, "name", type(env).__name__)
    if not renders_frames(env):
        raise ValueError(
            f"observation pipeline {observation.pipeline!r} reads binary 210x160 frames; environment {name!r} "
            f"renders none (environments with frames: {', '.join(frame_environments())})"
        )
    pipeline = make_pipeline(observation)
    inner_params = dataclasses.replace(params, render_frames=True)
    return ObservedEnv(env, pipeline, FRAME_SHAPE), ObservedParams(inner_params)


__all__ = [
    "FRAME_SHAPE",
    "PIPELINES",
    "AutoencoderPipeline",
    "ObservationConfig",
    "ObservedEnv",
    "ObservedParams",
    "ProjectionPipeline",
    "make_pipeline",
    "observed",
    "renders_frames",
    "sensor_key",
    "with_batch_size",
]
