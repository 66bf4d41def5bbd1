"""How a trained algorithm of the family acts, and episodes played with its weights frozen (``snnrl eval``
of an ``snnrl algo`` folder).

    acting = ACTING["ppo"](config)                      # registry.ACTING, declared by each algorithm
    returns, lengths, finished = play_episodes(acting, env, env_params, params, keys, greedy=True)

A sampled policy draws from the softmax of the policy outputs (PPO, REINFORCE, actor-critic) or acts
epsilon-greedily with the run's final epsilon (DQN); a greedy policy takes the argmax. The network's state
starts at the episode-start state and is carried from decision to decision (not for DQN's Q-network, which
reads each observation from the episode-start state, as it learned). Nothing here changes ``params``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from snnrl.algorithms.family.networks import Network


@dataclass(frozen=True)
class Acting:
    """network: the acting network; n_actions: its first n_actions outputs are the policy's logits (or
    Q-values); select: trained params (an algorithm's result) -> the acting network's params; carries_state:
    the state is carried across decisions (False: every decision from the episode-start state);
    epsilon: the sampled policy is epsilon-greedy with this epsilon (None: softmax sampling)."""

    network: Network
    n_actions: int
    select: Callable[[Any], dict]
    carries_state: bool = True
    epsilon: float | None = None


def choose_action(acting: Acting, outputs: jax.Array, key: jax.Array, greedy: bool) -> jax.Array:
    """The action (int scalar) for one decision's ``outputs`` (n_out,): argmax when greedy, else sampled."""
    scores = outputs[: acting.n_actions]
    if greedy:
        return jnp.argmax(scores)
    if acting.epsilon is None:
        return jax.random.categorical(key, scores)
    key_explore, key_random = jax.random.split(key)
    random_action = jax.random.randint(key_random, (), 0, acting.n_actions)
    return jnp.where(jax.random.uniform(key_explore) < acting.epsilon, random_action, jnp.argmax(scores))


def play_episode(
    acting: Acting, env: Any, env_params: Any, params: Any, key: jax.Array, greedy: bool, max_steps: int
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(return, length, finished) of one episode from env.reset(key) with frozen ``params`` (an algorithm's
    result), at most ``max_steps`` decisions (finished False when it was cut there)."""
    net = acting.network
    weights = acting.select(params)
    key_reset, key_run = jax.random.split(key)
    obs, env_state = env.reset(key_reset, env_params)

    def running(carry):
        *_, done, length, _ = carry
        return jnp.logical_and(~done, length < max_steps)

    def step(carry):
        obs, env_state, net_state, done, length, total = carry
        key_act, key_env = jax.random.split(jax.random.fold_in(key_run, length))
        start = net_state if acting.carries_state else net.initial_state()
        net_state, outputs, _ = net.apply(weights, start, obs)
        action = choose_action(acting, outputs, key_act, greedy)
        obs, env_state, reward, terminated, truncated, _ = env.step(key_env, env_state, action, env_params)
        done = jnp.logical_or(terminated, truncated)
        return obs, env_state, net_state, done, length + 1, total + reward.astype(jnp.float32)

    carry = (obs, env_state, net.initial_state(), jnp.bool_(False), jnp.int32(0), jnp.float32(0.0))
    *_, done, length, total = jax.lax.while_loop(running, step, carry)
    return total, length, done


def play_episodes(
    acting: Acting,
    env: Any,
    env_params: Any,
    params: Any,
    keys: jax.Array,
    greedy: bool = False,
    max_steps: int = 10_000,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(returns, lengths, finished), each (seeds, episodes), of the episodes on ``keys`` (seeds, episodes)
    played by ``params`` with a leading seed axis; one jitted program (episodes vmapped per seed, seeds
    vmapped)."""

    def seed(seed_params: Any, seed_keys: jax.Array):
        episode = lambda key: play_episode(acting, env, env_params, seed_params, key, greedy, max_steps)  # noqa: E731
        return jax.vmap(episode)(seed_keys)

    return jax.jit(jax.vmap(seed))(params, keys)
