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

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.dreaming.game import GameMetrics, play_game
from snnrl.algorithms.dreaming.hidden_layers import board_session, chip_roles
from snnrl.algorithms.dreaming.learner import Learner
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.train.environment import prepare
from snnrl.experiments.train.members import (
    init_learners,
    member_algorithm,
    member_env_params,
    member_keys,
    member_values,
)
from snnrl.experiments.train.sharding import realization_sharding, shard


def make_chunk(
    config: ExperimentConfig, env, env_params
) -> Callable[[Learner, jax.Array, jax.Array], tuple[Learner, GameMetrics]]:
    """Compiled ``chunk(learners, base_keys, games) -> (learners, metrics)``: plays the games whose
    indices are in ``games`` (C,) for every member; an index -1 plays nothing (learners unchanged, zero
    metrics): a short last chunk padded to the compiled length runs the same program. learners and
    base_keys have leading axis M (the realizations, times the grid points of a sweep); metrics fields are
    (M, C)."""

    def one_member(learner: Learner, base_key: jax.Array, games: jax.Array, values: jax.Array):
        algorithm = member_algorithm(config, values)

        params = member_env_params(env, env_params, base_key)

        def played(learner, game):
            return play_game(algorithm, env, params, learner, jax.random.fold_in(base_key, game))[:2]

        def one_game(learner, game):
            # A negative index pads a short last chunk to the compiled length: no game, zero metrics.
            skipped = lambda learner, game: (  # noqa: E731
                learner,
                jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), jax.eval_shape(played, learner, game)[1]),
            )
            return jax.lax.cond(game >= 0, played, skipped, learner, game)

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


def make_train(config: ExperimentConfig) -> Callable[[jax.Array], tuple[Learner, GameMetrics]]:
    """``train(key) -> (learners, metrics)`` for a JAX environment: all ``config.games`` games of all
    members (realizations, times grid points in a sweep) in one compiled program (metrics fields
    (M, games)). After distributed.initialize, the
    realizations are sharded over every process's devices and the outputs are global arrays (read them
    with distributed.gather)."""
    config, env, env_params = prepare(config, jax_only=True)
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
