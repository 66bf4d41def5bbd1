"""The ring buffer of the last K real games (``world_model_replay``, ours): what the world model's replayed updates
and the dreams that start from replayed games (dream.start 'replay') read.

A kept game is its L = W + T steps, the model's NOOP warm-up then the awake game: the observations the networks
saw, the actions, the world model's targets (the change in target units, then the reward target) and whether
the step's raw reward was nonzero (a point event).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.algorithms.dreaming.config import DreamingConfig


@struct.dataclass
class ReplayBuffer:
    """K kept games: observations (K, L, D), actions (K, L) int32, targets (K, L, D + 1), events (K, L) bool;
    stored () int32, the games stored so far (the next goes to slot stored % K)."""

    observations: jax.Array
    actions: jax.Array
    targets: jax.Array
    events: jax.Array
    stored: jax.Array


@struct.dataclass
class KeptGame:
    """One game of the buffer: observations (L, D), actions (L,), targets (L, D + 1), events (L,)."""

    observations: jax.Array
    actions: jax.Array
    targets: jax.Array
    events: jax.Array


def game_steps(config: DreamingConfig) -> int:
    """L, the steps of a kept game: the model's warm-up and the awake game."""
    return config.model_warmup_steps + config.awake_steps


def init_replay(config: DreamingConfig) -> ReplayBuffer | None:
    """An empty buffer of world_model_replay.games games (None when the run keeps none)."""
    if not config.world_model_replay.keeps_games:
        return None
    kept, steps, n_state = config.world_model_replay.games, game_steps(config), config.world_model.n_state
    return ReplayBuffer(
        observations=jnp.zeros((kept, steps, n_state)),
        actions=jnp.zeros((kept, steps), jnp.int32),
        targets=jnp.zeros((kept, steps, n_state + 1)),
        events=jnp.zeros((kept, steps), bool),
        stored=jnp.zeros((), jnp.int32),
    )


def store(buffer: ReplayBuffer, game: KeptGame) -> ReplayBuffer:
    """The buffer with ``game`` in the slot of the oldest kept game (stored % K)."""
    slot = buffer.stored % buffer.actions.shape[0]
    put = lambda kept, new: jax.lax.dynamic_update_index_in_dim(kept, new.astype(kept.dtype), slot, 0)  # noqa: E731
    return ReplayBuffer(
        observations=put(buffer.observations, game.observations),
        actions=put(buffer.actions, game.actions),
        targets=put(buffer.targets, game.targets),
        events=put(buffer.events, game.events),
        stored=buffer.stored + 1,
    )


def draw(buffer: ReplayBuffer, key: jax.Array) -> KeptGame:
    """One of the games stored so far (at most K), drawn uniformly; the buffer must hold at least one."""
    filled = jnp.minimum(buffer.stored, buffer.actions.shape[0])
    index = jax.random.randint(key, (), 0, filled)
    take = lambda kept: jax.lax.dynamic_index_in_dim(kept, index, 0, keepdims=False)  # noqa: E731
    return KeptGame(take(buffer.observations), take(buffer.actions), take(buffer.targets), take(buffer.events))


def replay_bytes(config: DreamingConfig) -> int:
    """Bytes of one realization's buffer (float32 observations and targets, int32 actions, bool events)."""
    kept, steps, n_state = config.world_model_replay.games, game_steps(config), config.world_model.n_state
    return kept * steps * (4 * n_state + 4 + 4 * (n_state + 1) + 1) + (4 if kept else 0)
