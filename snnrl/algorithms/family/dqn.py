"""Deep Q-learning with a spiking Q-network (or an MLP): replay buffer (flashbax's item buffer) and target
network in JAX, epsilon-greedy exploration, in the PureJaxRL style.

    train = make_train(DQNConfig(env="gymnax:CartPole-v1"))
    params, metrics = jax.jit(train)(jax.random.key(0))        # metrics[name]: (n_updates,)

The Q-network reads each observation from the episode-start network state (``n_substeps`` LIF steps per
decision, state not carried), so stored transitions are independent of the policy that made them and
the Q-values of any replayed observation are well defined. Loss: Huber of Q(o, a) against
r + gamma (1 - done) max_a' Q_target(o', a'), gradient by surrogate-gradient BPTT over the substeps.
An episode end (termination or truncation) is not bootstrapped: the auto-reset replaces the last
observation (gymnax's wrappers do the same).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from snnrl.algorithms.family.acting import Acting
from snnrl.algorithms.family.common import TrainParts, compose, make_env, update_metrics
from snnrl.algorithms.family.episodes import batched_env, discrete_actions, observation_shape
from snnrl.algorithms.family.networks import Network, NetworkConfig, make_network
from snnrl.core.checks import check_integer, check_real


@dataclass(frozen=True)
class DQNConfig:
    """env: name (make_env). n_envs environments step together, total_steps environment steps in all,
    logged every n_steps decisions. buffer_size transitions are kept; learning starts after
    learning_starts steps; one gradient step on batch_size transitions per decision of the n_envs;
    the target network is copied every target_every decisions. Epsilon decays linearly from
    epsilon_start to epsilon_end over epsilon_fraction of the run."""

    env: str = "gymnax:CartPole-v1"
    network: NetworkConfig = field(default_factory=NetworkConfig)
    n_envs: int = 8
    n_steps: int = 32
    total_steps: int = 100_000
    buffer_size: int = 10_000
    learning_starts: int = 1_000
    batch_size: int = 64
    target_every: int = 100
    gamma: float = 0.99
    epsilon_start: float = 1.0
    epsilon_end: float = 0.05
    epsilon_fraction: float = 0.5
    max_grad_norm: float = 10.0
    lr: float = 1e-3

    def __post_init__(self) -> None:
        if not isinstance(self.network, NetworkConfig):
            raise ValueError(f"DQNConfig.network must be a NetworkConfig, got {type(self.network).__name__}")
        for name in ("n_envs", "n_steps", "total_steps", "buffer_size", "batch_size", "target_every"):
            check_integer("DQNConfig", name, getattr(self, name), minimum=1)
        check_integer("DQNConfig", "learning_starts", self.learning_starts, minimum=0)
        for name in ("gamma", "epsilon_start", "epsilon_end", "epsilon_fraction"):
            check_real("DQNConfig", name, getattr(self, name), minimum=0.0, maximum=1.0)
        for name in ("max_grad_norm", "lr"):
            check_real("DQNConfig", name, getattr(self, name), above=0.0)
        if self.total_steps < self.n_envs * self.n_steps:
            raise ValueError(
                f"DQNConfig.total_steps={self.total_steps} is less than one logged chunk "
                f"(n_envs * n_steps = {self.n_envs * self.n_steps})"
            )
        if self.buffer_size < max(self.batch_size, self.n_envs):
            raise ValueError(
                f"DQNConfig.buffer_size={self.buffer_size} must hold at least one batch "
                f"(batch_size={self.batch_size}) and one step of n_envs={self.n_envs}"
            )

    @property
    def n_updates(self) -> int:
        """Number of logged chunks of n_steps decisions."""
        return self.total_steps // (self.n_envs * self.n_steps)


def replay_bytes(config: DQNConfig, obs_shape: tuple[int, ...]) -> int:
    """Bytes of one seed's replay buffer: buffer_size x (2 float32 observations, action, reward, done)."""
    return config.buffer_size * (2 * 4 * int(np.prod(obs_shape)) + 4 + 4 + 1)


def available_memory() -> int:
    """Bytes of physical memory available now (os.sysconf)."""
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def q_values(net: Network, params: dict, obs: jax.Array) -> jax.Array:
    """Q-values (B, n_actions) of observations (B, *obs_shape), each from the episode-start state."""
    return jax.vmap(lambda o: net.apply(params, net.initial_state(), o)[1])(obs)


def make_train(config: DQNConfig) -> Callable[..., tuple[dict, dict[str, jax.Array]]]:
    """train(key, env_params=the env's defaults) -> ({'online', 'target'} params, metrics with (n_updates,)
    per name). Checks the environment (discrete actions, JAX) and that the replay buffer fits in the
    memory available now, before anything compiles."""
    return compose(make_parts(config))


def make_parts(config: DQNConfig) -> TrainParts:
    """DQN as init / update (one logged chunk of decisions) / result (see common.TrainParts); the checks of
    make_train run here."""
    try:
        import flashbax
    except ImportError as error:
        raise ImportError("DQN keeps its replay buffer in flashbax: pip install flashbax") from error

    env, default_env_params = make_env(config.env)
    n_actions = discrete_actions(env, default_env_params, "DQN")
    obs_shape = observation_shape(env, default_env_params)
    needed, free = replay_bytes(config, obs_shape), available_memory()
    if needed > free:
        raise MemoryError(
            f"DQNConfig.buffer_size={config.buffer_size} needs {needed / 2**30:.2f} GiB per seed "
            f"for observations of shape {obs_shape}; {free / 2**30:.2f} GiB are available"
        )
    net = make_network(config.network, obs_shape, n_actions)
    reset_envs, step_envs = batched_env(env, config.n_envs)
    buffer = flashbax.make_item_buffer(
        max_length=config.buffer_size,
        min_length=config.batch_size,
        sample_batch_size=config.batch_size,
        add_batches=True,
    )
    tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.lr))
    decisions = config.n_updates * config.n_steps
    decay_steps = max(1, int(config.epsilon_fraction * decisions))

    def loss_fn(params, target, batch):
        q = q_values(net, params, batch["obs"])
        q_taken = jnp.take_along_axis(q, batch["action"][:, None], -1)[:, 0]
        following = q_values(net, target, batch["next_obs"]).max(-1)
        goal = batch["reward"] + config.gamma * (1.0 - batch["done"]) * jax.lax.stop_gradient(following)
        return optax.huber_loss(q_taken, goal).mean()

    def decision(runner, key):
        params, target, opt_state, env_carry, replay, step, env_params = runner
        key_explore, key_random, key_env, key_sample = jax.random.split(key, 4)
        outs = jax.vmap(lambda o: net.apply(params, net.initial_state(), o))(env_carry.obs)
        q, cost = outs[1], outs[2]
        fraction = jnp.minimum(step / decay_steps, 1.0)
        epsilon = config.epsilon_start + fraction * (config.epsilon_end - config.epsilon_start)
        explore = jax.random.uniform(key_explore, (config.n_envs,)) < epsilon
        random_action = jax.random.randint(key_random, (config.n_envs,), 0, n_actions)
        action = jnp.where(explore, random_action, q.argmax(-1))
        new_env, log = step_envs(key_env, env_carry, action, env_params)
        replay = buffer.add(
            replay,
            {
                "obs": env_carry.obs,
                "action": action,
                "reward": log.reward,
                "next_obs": new_env.obs,
                "done": log.done.astype(jnp.float32),
            },
        )
        learn = buffer.can_sample(replay) & (step * config.n_envs >= config.learning_starts)

        def learn_step(args):
            params, opt_state = args
            batch = buffer.sample(replay, key_sample).experience
            loss, grads = jax.value_and_grad(loss_fn)(params, target, batch)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        params, opt_state, loss = jax.lax.cond(
            learn, learn_step, lambda args: (*args, jnp.float32(0.0)), (params, opt_state)
        )
        target = optax.periodic_update(params, target, step + 1, config.target_every)
        return (params, target, opt_state, new_env, replay, step + 1, env_params), (log, cost, loss)

    def chunk(runner, key):
        runner, (log, cost, loss) = jax.lax.scan(decision, runner, jax.random.split(key, config.n_steps))
        return runner, update_metrics(log, cost, loss.mean())

    def init(key: jax.Array, env_params: Any) -> tuple:
        key_net, key_env = jax.random.split(key)
        params = net.init(key_net)
        env_carry = reset_envs(key_env, env_params)
        item = {
            "obs": env_carry.obs[0],
            "action": jnp.int32(0),
            "reward": jnp.float32(0.0),
            "next_obs": env_carry.obs[0],
            "done": jnp.float32(0.0),
        }
        return (params, params, tx.init(params), env_carry, buffer.init(item), jnp.int32(0), env_params)

    def result(runner: tuple) -> dict:
        return {"online": runner[0], "target": runner[1]}

    return TrainParts(init, chunk, result, config.n_updates, default_env_params)


def greedy_policy_value(config: DQNConfig, params: dict, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Greedy policy as one-hot probabilities (T, n_actions) and max_a Q (T,) of observations (T, *obs_shape),
    each from the episode-start state, with the online network."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "DQN")
    net = make_network(config.network, observation_shape(env, env_params), n_actions)
    q = q_values(net, params["online"], obs)
    return jax.nn.one_hot(q.argmax(-1), n_actions), q.max(-1)


def acting(config: DQNConfig) -> Acting:
    """How the trained DQN agent acts: the online Q-network from the episode-start state at every decision,
    greedy, or epsilon-greedy with the run's final epsilon (epsilon_end) when sampled."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "DQN")
    net = make_network(config.network, observation_shape(env, env_params), n_actions)
    return Acting(net, n_actions, lambda params: params["online"], carries_state=False, epsilon=config.epsilon_end)
