"""``make_train(config) -> train(key)``: the whole experiment as compiled chunks of games, a
``lax.scan`` over games inside, vmapped over realizations, sharded over devices.

Keys: realization r gets ``split(key, R)[r]``; its learner is initialised from ``fold_in(k_r, INIT_TAG)``
and game g is played with ``fold_in(k_r, g)``, so any chunking (and any resume point) gives the same
numbers.

Sweeps (``config.sweep``): the leading axis holds members, grid point x realization (grid-major, M = G R).
Every grid point uses the same R realization keys (common random numbers: points differ only by their
values), and each member's algorithm is the config with the grid point's values put in as traced numbers
(``sweep_axes.point_algorithm``), so the whole grid is one compiled program.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.game import GameMetrics, play_game
from snnrl.algorithms.dreaming.hidden_layers import board_session, chip_roles, hidden_layer_parameters, init_keys
from snnrl.algorithms.dreaming.learner import Learner, init_learner
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.overrides import fit_to_environment
from snnrl.experiments.config.sweep_axes import field_kind, grid_values, point_algorithm
from snnrl.experiments.train.distributed import describe_split, mesh_devices
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


def _readout_only(config: ExperimentConfig) -> bool:
    return isinstance(config.algorithm.agent, NeuromorphicAgentConfig)


def make_chunk(
    config: ExperimentConfig, env, env_params
) -> Callable[[Learner, jax.Array, jax.Array], tuple[Learner, GameMetrics]]:
    """Compiled ``chunk(learners, base_keys, games) -> (learners, metrics)``: plays the games whose
    indices are in ``games`` (C,) for every member. learners and base_keys have leading axis M (the
    realizations, times the grid points of a sweep); metrics fields are (M, C)."""

    def one_member(learner: Learner, base_key: jax.Array, games: jax.Array, values: jax.Array):
        algorithm = member_algorithm(config, values)

        params = member_env_params(env, env_params, base_key)

        def one_game(learner, game):
            return play_game(algorithm, env, params, learner, jax.random.fold_in(base_key, game))[:2]

        return jax.lax.scan(one_game, learner, games)

    values = member_values(config)
    if config.member_batch is None or config.member_batch >= config.members:
        members = jax.vmap(one_member, in_axes=(0, 0, None, 0))
        return jax.jit(lambda learners, base_keys, games: members(learners, base_keys, games, values))

    def in_batches(learners: Learner, base_keys: jax.Array, games: jax.Array):
        # lax.map vmaps member_batch members at a time and scans over the batches (a remainder last)
        member = lambda xs: one_member(xs[0], xs[1], games, xs[2])  # noqa: E731
        return jax.lax.map(member, (learners, base_keys, values), batch_size=config.member_batch)

    return jax.jit(in_batches)


def realization_sharding(config: ExperimentConfig) -> NamedSharding | None:
    """Shard the realization axis over the devices of all processes (see distributed.mesh_devices: the
    same number from each process, as many as divide R). None on one device, and for runs on the real
    chip, whose board calls run on the host (refused with several processes). ValueError with the
    numbers if R does not split evenly over the processes."""
    if chip_roles(config.algorithm):
        if config.member_batch is not None:
            raise ValueError(
                f"member_batch={config.member_batch}: a run with hidden layers on the real chip (backend "
                "'dynapse1') stimulates all its realizations together in every step: leave member_batch unset"
            )
        if jax.process_count() > 1:
            raise ValueError(
                "a run with hidden layers on the real chip (backend 'dynapse1') drives one board from "
                f"one host; it cannot be split over {jax.process_count()} processes: run it without "
                "--distributed"
            )
        return None
    devices = mesh_devices(config.members)
    if len(devices) == 1:
        return None
    if config.member_batch is not None:
        raise ValueError(
            f"member_batch={config.member_batch} computes members in sequence on one device; this run shares "
            f"its {config.members} members over {len(devices)} devices: leave member_batch unset (None)"
        )
    if jax.process_count() > 1 and len(devices) < jax.device_count():
        warnings.warn(
            f"{describe_split(config.members, devices)}; {jax.device_count() - len(devices)} device(s) "
            f"stay idle (a multiple of {jax.device_count()} members, grid points x realizations, uses them all)",
            stacklevel=2,
        )
    return NamedSharding(Mesh(np.array(devices), ("realizations",)), PartitionSpec("realizations"))


def _place(leaf, sharding: NamedSharding):
    """One array with leading axis R on the sharding's devices. Values computed on this process (the
    same on every process) are cut into the shards this process holds when the devices span several
    processes; traced values get the sharding as a constraint."""
    if isinstance(leaf, jax.core.Tracer) or sharding.is_fully_addressable:
        return jax.device_put(leaf, sharding)
    if isinstance(leaf, jax.Array) and leaf.sharding == sharding:
        return leaf
    return jax.make_array_from_callback(np.shape(leaf), sharding, lambda index: leaf[index])


def shard(tree, sharding: NamedSharding | None):
    """Place a pytree with leading axis R on the devices (no-op without a sharding). Every process must
    pass the same values."""
    return tree if sharding is None else jax.tree.map(lambda leaf: _place(leaf, sharding), tree)


def make_environment(config: ExperimentConfig):
    """(env, params) for the config: Pong and ALE environments get the run's NOOP warm-up and sticky
    actions; an observation pipeline wraps the environment (its sensors are put in per member by
    ``member_env_params``). ALE's ROM is looked up here, before anything compiles."""
    from snnrl.envs import make
    from snnrl.observations import observed

    if config.env == "pong" or config.env.startswith("ale:"):
        env, params = make(config.env, noop_warmup=config.noop_warmup, sticky_prob=config.sticky_prob)
    else:
        env, params = make(config.env)
    if config.env.startswith("ale:"):
        from snnrl.envs.ale import rom_path

        rom_path(env.spec.rom)
    _warn_latent_jumps(config)
    return observed(env, params, config.observation, config.env)


def _warn_latent_jumps(config: ExperimentConfig) -> None:
    """Warn when the world model would zero large changes of an autoencoder's latent (the jump threshold
    is meant for RAM bytes that teleport, e.g. the ball after a point)."""
    model = config.algorithm.world_model
    if config.observation.pipeline != "autoencoder" or model.jump_threshold >= model.units_per_observation:
        return
    warnings.warn(
        f"world_model.jump_threshold={model.jump_threshold:g} sets to 0 every change of an autoencoder latent "
        f"larger than {model.jump_threshold / model.units_per_observation:.3g} (the latent lies in (0, 1)); about a "
        "third of the Boxing autoencoder's step changes are that large. To learn them all: "
        f"world_model.jump_threshold={model.units_per_observation + 1:g} (docs/howto/pixels.md)",
        stacklevel=3,
    )


def member_env_params(env, env_params, base_key: jax.Array):
    """The environment params of one member: with its observation pipeline's sensor (e.g. its projection
    matrix, drawn from its base key) when the environment is seen through one; else ``env_params``."""
    return env.member_params(env_params, base_key) if hasattr(env, "member_params") else env_params


def make_train(config: ExperimentConfig) -> Callable[[jax.Array], tuple[Learner, GameMetrics]]:
    """``train(key) -> (learners, metrics)`` for a JAX environment: all ``config.games`` games of all
    members (realizations, times grid points in a sweep) in one compiled program (metrics fields
    (M, games)). After distributed.initialize, the
    realizations are sharded over every process's devices and the outputs are global arrays (read them
    with distributed.gather)."""
    env, env_params = make_environment(config)
    if getattr(env, "host_side", False):
        raise ValueError(f"make_train needs a JAX environment; {config.env!r} is host-side: use run_experiment")
    config = fit_to_environment(config, env, env_params)
    from snnrl.experiments.analysis.sweep import check_sweep_runs, check_sweep_traceable  # sweep imports this module

    check_sweep_runs(config, env)
    check_sweep_traceable(config, env, env_params)
    chunk = make_chunk(config, env, env_params)
    sharding = realization_sharding(config)

    def train(key: jax.Array) -> tuple[Learner, GameMetrics]:
        if chip_roles(config.algorithm) and isinstance(key, jax.core.Tracer):
            raise ValueError(
                "a run with hidden layers on the real chip (backend 'dynapse1') is driven from the host "
                "and cannot be jitted: call make_train(config)(key) without jax.jit"
            )
        keys = member_keys(config, jax.random.split(key, config.realizations))
        learners = shard(init_learners(config, keys), sharding)
        base_keys = shard(keys, sharding)
        with board_session(config.algorithm, base_keys):
            return jax.block_until_ready(chunk(learners, base_keys, np.arange(config.games, dtype=np.int32)))

    return train
