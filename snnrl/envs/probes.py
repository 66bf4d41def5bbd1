"""Probe environments: tiny JAX environments whose optimal values and actions are known, so that a test
can prove that an RL algorithm really learns (in the spirit of rejax's and Andy Jones' probes).

Every probe has 2 actions and observations of shape (2,) = (cue, time flag), and ends by termination:

- ``constant``: one step, observation (0, 0), reward 1 whatever the action. V* = 1, Q*(s, a) = 1.
- ``observation``: one step, cue c = +-1 at random; reward 1 if the action is 1 where c > 0 and 0
  where c < 0, else 0. Optimal action (c > 0), V* = 1, Q*(c, optimal) = 1, Q*(c, other) = 0.
- ``delayed``: two steps, observations (0, 0) then (0, 1); reward 0 then 1 whatever the actions.
  V*(first) = gamma, V*(second) = 1.
- ``credit``: two steps; the first observation shows a cue c = +-1; the first action decides the second
  state, observed as (0, 1) after an action that matched the cue as in ``observation`` and (0, -1)
  otherwise; the reward comes only at the second step, 1 after a match, else 0, whatever the second
  action. Optimal first action (c > 0), V*(first) = gamma: two-step credit assignment, Markov in the
  observation so that value-based methods without memory can learn it too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.envs.base import Box, Discrete, StepResult, check_action

PROBE_NAMES = ("constant", "observation", "delayed", "credit")


@struct.dataclass
class ProbeState:
    """cue: +-1 (0 for probes without a cue); time: steps taken; matched: first action matched the cue."""

    cue: jax.Array
    time: jax.Array
    matched: jax.Array


@struct.dataclass
class ProbeParams:
    """probe: index into PROBE_NAMES (an array leaf, so one compiled program can vmap over all probes);
    max_steps_in_episode mirrors gymnax's params (episodes end by termination before it)."""

    probe: jax.Array = 0
    max_steps_in_episode: int = struct.field(pytree_node=False, default=2)


class ProbeEnv:
    """The probe environments (see the module docstring); which one is ``params.probe``. Pure JAX."""

    host_side = False
    num_actions = 2
    name = "probe"

    @staticmethod
    def _has_cue(params: ProbeParams) -> jax.Array:
        return (params.probe == 1) | (params.probe == 3)

    @staticmethod
    def _length(params: ProbeParams) -> jax.Array:
        return jnp.where(params.probe <= 1, 1, 2)

    def _observation(self, state: ProbeState, params: ProbeParams) -> jax.Array:
        first = state.time == 0
        cue = jnp.where(first, state.cue, 0.0)
        flag = jnp.where(first, 0.0, jnp.where((params.probe == 3) & ~state.matched, -1.0, 1.0))
        return jnp.stack([cue, flag]).astype(jnp.float32)

    def reset(self, key: jax.Array, params: ProbeParams) -> tuple[jax.Array, ProbeState]:
        """(observation (2,), state) of a fresh episode."""
        cue = jnp.where(jax.random.bernoulli(key), 1.0, -1.0)
        cue = jnp.where(self._has_cue(params), cue, 0.0)
        state = ProbeState(cue=jnp.asarray(cue, jnp.float32), time=jnp.int32(0), matched=jnp.bool_(False))
        return self._observation(state, params), state

    def step(self, key: jax.Array, state: ProbeState, action: jax.Array, params: ProbeParams) -> StepResult:
        """One step without auto-reset: (obs (2,), state, reward, terminated, truncated, info)."""
        check_action(action, self.num_actions)
        matched = jnp.asarray(action > 0) == (state.cue > 0)
        matched = jnp.where(state.time == 0, matched, state.matched)
        last = state.time + 1 >= self._length(params)
        reward = jnp.where(last & (matched | ~self._has_cue(params)), 1.0, 0.0)
        next_state = ProbeState(cue=state.cue, time=state.time + 1, matched=matched)
        return (
            self._observation(next_state, params),
            next_state,
            reward.astype(jnp.float32),
            last,
            jnp.bool_(False),
            {},
        )

    def observation_space(self, params: ProbeParams) -> Box:
        """Box of shape (2,) with values in [-1, 1]."""
        return Box(-1.0, 1.0, (2,))

    def action_space(self, params: ProbeParams) -> Discrete:
        """Two actions."""
        return Discrete(2)


def make_probe(name: str) -> tuple[ProbeEnv, ProbeParams]:
    """(probe environment, its params) for one of ``PROBE_NAMES``."""
    if name not in PROBE_NAMES:
        raise ValueError(f"unknown probe {name!r}; allowed: {', '.join(PROBE_NAMES)}")
    return ProbeEnv(), ProbeParams(probe=jnp.int32(PROBE_NAMES.index(name)))


def all_probe_params() -> ProbeParams:
    """The params of every probe stacked on a leading (4,) axis, in PROBE_NAMES order (for jax.vmap)."""
    return ProbeParams(probe=jnp.arange(len(PROBE_NAMES), dtype=jnp.int32))
