"""A recorded real trajectory for the parity tests, and a JAX environment that replays it.

The trajectory comes from real ALE Pong (ale-py, sticky actions 0.25, seeded): the reset with its
``noop_warmup`` NOOPs, then ``warmup_steps`` NOOP steps and the forced awake actions. Replaying it lets
snnrl's compiled game and the NumPy references see exactly the same observations and rewards.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from snnrl.envs import make
from snnrl.envs.base import Box, Discrete


@struct.dataclass
class Trajectory:
    """ram: (1 + W + T, 4) raw RAM bytes (row 0 after the reset, then after every step); rewards (W + T,);
    actions (W + T,) (NOOP in the warm-up, then the forced awake actions)."""

    ram: np.ndarray
    rewards: np.ndarray
    actions: np.ndarray


@functools.cache
def record_ale_pong(noop_warmup: int, warmup_steps: int, awake_steps: int, seed: int) -> Trajectory:
    """Play real ALE Pong once with seeded random awake actions; cached per process."""
    env, params = make("ale:pong", noop_warmup=noop_warmup, sticky_prob=0.25)
    rng = np.random.default_rng(seed)
    actions = np.concatenate([np.zeros(warmup_steps, np.int32), rng.integers(0, 3, awake_steps).astype(np.int32)])
    observation, state = env.reset(jax.random.key(seed), params)
    rams, rewards = [np.asarray(observation)[0]], []
    for step, action in enumerate(actions):
        observation, state, reward, _, _, _ = env.step(
            jax.random.split(jax.random.key(seed + 1 + step), 1), state, np.array([action]), params
        )
        rams.append(np.asarray(observation)[0])
        rewards.append(float(np.asarray(reward)[0]))
    ram = np.rint(np.stack(rams).astype(np.float64) * 255.0)
    return Trajectory(ram=ram, rewards=np.asarray(rewards), actions=actions)


@struct.dataclass
class ReplayState:
    step: jax.Array


class ReplayEnv:
    """Serves a recorded trajectory whatever the actions (observations = ram / 255 in the default float
    type: float64 under jax.enable_x64). gymnax-style reset/step."""

    host_side = False
    num_actions = 3

    def __init__(self, trajectory: Trajectory):
        self.observations = jnp.asarray(trajectory.ram) / 255.0
        self.rewards = jnp.asarray(trajectory.rewards)

    def reset(self, key, params):
        return self.observations[0], ReplayState(jnp.int32(0))

    def step(self, key, state, action, params):
        step = state.step
        done = jnp.zeros((), bool)
        return self.observations[step + 1], ReplayState(step + 1), self.rewards[step], done, done, {}

    def observation_space(self, params):
        return Box(0.0, 1.0, (4,))

    def action_space(self, params):
        return Discrete(3)
