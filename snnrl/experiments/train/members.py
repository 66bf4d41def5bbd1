"""The members of a run (realizations, times the grid points of a sweep; M = G R, grid-major): their keys,
swept values, algorithm configs and fresh learners, and the checks that a sweep can be one compiled
program."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.game import play_game
from snnrl.algorithms.dreaming.hidden_layers import hidden_layer_parameters, init_keys
from snnrl.algorithms.dreaming.learner import Learner, init_learner
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.sweep_axes import field_kind, grid_values, point_algorithm
from snnrl.hardware.backend import on_board
from snnrl.models.neuromorphic import NeuromorphicAgentConfig


def realization_keys(seed: int, realizations: int) -> jax.Array:
    """One base key per realization. (R,) keys."""
    return jax.random.split(jax.random.key(seed), realizations)


def member_keys(config: ExperimentConfig, keys: jax.Array | None = None) -> jax.Array:
    """Each member's base key (M,): the realization keys (R,) (default: from config.seed) repeated for
    every grid point."""
    keys = realization_keys(config.seed, config.realizations) if keys is None else keys
    return keys if not config.sweep else keys[np.tile(np.arange(config.realizations), config.grid_points)]


def member_values(config: ExperimentConfig) -> np.ndarray:
    """Each member's swept values (M, F) float32 (F = 0 without a sweep)."""
    return np.repeat(grid_values(config.sweep), config.realizations, axis=0).astype(np.float32)


def member_algorithm(config: ExperimentConfig, values: jax.Array) -> DreamingConfig:
    """The algorithm of the member whose swept values are ``values`` (F,) (may be traced; integer fields
    are rounded to int32). Without a sweep: config.algorithm itself."""
    if not config.sweep:
        return config.algorithm
    cast = [
        jnp.round(value).astype(jnp.int32) if field_kind(config.algorithm, axis) is int else value
        for axis, value in zip(config.sweep, values, strict=True)
    ]
    return point_algorithm(config.algorithm, config.sweep, cast, validate=False)


def _readout_only(config: ExperimentConfig) -> bool:
    return isinstance(config.algorithm.agent, NeuromorphicAgentConfig)


def init_learners(config: ExperimentConfig, base_keys: jax.Array) -> Learner:
    """Fresh learners, one per member (leading axis M = R without a sweep; ``base_keys`` (M,), see
    ``member_keys``). Readout-only (neuromorphic) networks get their fixed hidden layers first, each
    realization its own connectivity and mismatch, drawn in JAX (see ``hidden_layers``): ``base_keys``
    may be traced."""
    if config.sweep:
        return jax.vmap(partial(_init_member, config))(base_keys, jnp.asarray(member_values(config)))
    hidden = hidden_layer_parameters(config.algorithm, base_keys) if _readout_only(config) else None
    if hidden is None:
        return jax.vmap(lambda k: init_learner(k, config.algorithm))(init_keys(base_keys))
    return jax.vmap(lambda k, h: init_learner(k, config.algorithm, h))(init_keys(base_keys), hidden)


def _init_member(config: ExperimentConfig, base_key: jax.Array, values: jax.Array) -> Learner:
    """One sweep member's fresh learner (its hidden layers drawn with its own values, e.g. mismatch)."""
    algorithm = member_algorithm(config, values)
    hidden = None
    if _readout_only(config):
        hidden = jax.tree.map(lambda leaf: leaf[0], hidden_layer_parameters(algorithm, base_key[None]))
    return init_learner(init_keys(base_key[None])[0], algorithm, hidden)


def learner_shapes(config: ExperimentConfig, base_keys: jax.Array) -> Learner:
    """Shapes and dtypes of ``init_learners(config, base_keys)`` (jax.ShapeDtypeStruct leaves) without
    computing anything."""
    return jax.eval_shape(partial(init_learners, config), base_keys)


def member_env_params(env, env_params, base_key: jax.Array):
    """The environment params of one member: with its observation pipeline's sensor (e.g. its projection
    matrix, drawn from its base key) when the environment is seen through one; else ``env_params``."""
    return env.member_params(env_params, base_key) if hasattr(env, "member_params") else env_params


def check_sweep_runs(config: ExperimentConfig, env) -> None:
    """ValueError if the run has a sweep that cannot be one compiled program: a host-stepped environment
    (ALE) or hidden layers on the real chip."""
    if not config.sweep:
        return
    if env.host_side:
        raise ValueError(
            f"a sweep trains its whole grid in one compiled program; environment {config.env!r} is stepped "
            "from the host: sweep on a JAX environment (pong, gymnax), or run one experiment per value"
        )
    hidden = getattr(config.algorithm.agent, "hidden", None)
    if hidden is not None and any(map(on_board, (hidden.backend, config.algorithm.world_model.hidden.backend))):
        raise ValueError(
            "a sweep cannot drive the real chip (backend 'dynapse1'): sweep on the simulated chip "
            "(backend 'simulated') or the JAX reference ('jax')"
        )


TRACING_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError, TypeError, ValueError)


def check_sweep_traceable(config: ExperimentConfig, env, env_params) -> None:
    """Before compiling: trace one member's first game with the swept values as JAX values (nothing is
    computed). ValueError naming the field if the code uses one of them as a fixed Python value (a shape,
    a loop length, a Python branch), which one program cannot vary."""
    if not config.sweep:
        return

    def first_game(config: ExperimentConfig):
        keys = member_keys(config)
        learner = jax.tree.map(lambda leaf: leaf[0], init_learners(config, keys))
        values = jnp.asarray(grid_values(config.sweep)[0], jnp.float32)
        params = member_env_params(env, env_params, keys[0])
        return play_game(member_algorithm(config, values), env, params, learner, jax.random.key(0))[1]

    try:
        jax.eval_shape(lambda: first_game(config))
        return
    except TRACING_ERRORS:
        pass
    for axis in config.sweep:
        try:
            jax.eval_shape(lambda axis=axis: first_game(config.replace(sweep=(axis,))))
        except TRACING_ERRORS as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(
                f"cannot sweep {axis.field!r}: the compiled game uses it as a fixed value (a shape, a loop "
                f"length or a Python branch), so one program cannot vary it; run one experiment per value "
                f"({type(error).__name__}: {first_line[:200]})"
            ) from None
    jax.eval_shape(lambda: first_game(config))  # fails only with several fields together: the error as it is
