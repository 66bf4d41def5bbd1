"""PPO with a spiking actor and a spiking critic (or MLPs): surrogate-gradient BPTT over each rollout, GAE,
clipped objective, in the PureJaxRL style.

    train = make_train(PPOConfig(env="gymnax:CartPole-v1"))
    params, metrics = jax.jit(train)(jax.random.key(0))        # metrics[name]: (n_updates,)
    params, metrics = train_seeds(train, jax.random.key(0), 16)  # (16, n_updates)

Actor and critic are separate networks of ``config.network``; their LIF states are carried through the
rollout and reset with each episode; the update reruns each environment's rollout from its stored start
state (``Network.apply_sequence``), so the gradient flows back through time (minibatches split the
environments, as PureJaxRL's recurrent PPO does). GAE stops at every episode end; a truncated episode is
not bootstrapped (PureJaxRL's simplification).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import optax

from snnrl.algorithms.family.acting import Acting
from snnrl.algorithms.family.common import TrainParts, compose, make_env, update_metrics
from snnrl.algorithms.family.episodes import batched_env, discrete_actions, observation_shape
from snnrl.algorithms.family.networks import Cost, NetworkConfig, make_network
from snnrl.core.checks import check_integer, check_real
from snnrl.core.filters import gae


@dataclass(frozen=True)
class PPOConfig:
    """env: name (make_env). n_envs x n_steps environment steps per update, total_steps in all.
    update_epochs passes over each rollout, n_minibatches splits of the environments (must divide n_envs)."""

    env: str = "gymnax:CartPole-v1"
    network: NetworkConfig = field(default_factory=NetworkConfig)
    n_envs: int = 8
    n_steps: int = 32
    total_steps: int = 100_000
    update_epochs: int = 4
    n_minibatches: int = 2
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_eps: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    lr: float = 3e-3

    def __post_init__(self) -> None:
        if not isinstance(self.network, NetworkConfig):
            raise ValueError(f"PPOConfig.network must be a NetworkConfig, got {type(self.network).__name__}")
        for name in ("n_envs", "n_steps", "total_steps", "update_epochs", "n_minibatches"):
            check_integer("PPOConfig", name, getattr(self, name), minimum=1)
        for name in ("gamma", "gae_lambda"):
            check_real("PPOConfig", name, getattr(self, name), minimum=0.0, maximum=1.0)
        for name in ("clip_eps", "max_grad_norm", "lr"):
            check_real("PPOConfig", name, getattr(self, name), above=0.0)
        for name in ("ent_coef", "vf_coef"):
            check_real("PPOConfig", name, getattr(self, name), minimum=0.0)
        if self.n_envs % self.n_minibatches:
            raise ValueError(f"PPOConfig.n_minibatches={self.n_minibatches} must divide n_envs={self.n_envs}")
        if self.total_steps < self.n_envs * self.n_steps:
            raise ValueError(
                f"PPOConfig.total_steps={self.total_steps} is less than one rollout "
                f"(n_envs * n_steps = {self.n_envs * self.n_steps})"
            )

    @property
    def n_updates(self) -> int:
        """Number of rollouts and updates."""
        return self.total_steps // (self.n_envs * self.n_steps)


def make_train(config: PPOConfig) -> Callable[[jax.Array], tuple[dict, dict[str, jax.Array]]]:
    """train(key, env_params=the env's defaults) -> ({'actor', 'critic'} params, metrics with (n_updates,)
    per name); checks the environment (discrete actions, JAX) before anything compiles. env_params is an
    argument so that one program can vmap over environment variants (e.g. all probes)."""
    return compose(make_parts(config))


def make_parts(config: PPOConfig) -> TrainParts:
    """PPO as init / update / result (see common.TrainParts)."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "PPO")
    obs_shape = observation_shape(env, env_params)
    actor = make_network(config.network, obs_shape, n_actions)
    critic = make_network(config.network, obs_shape, 1)
    reset_envs, step_envs = batched_env(env, config.n_envs)
    tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.lr))

    def batch_apply(net, params, states, obs, starts):
        return jax.vmap(lambda s, o, d: net.apply(params, net.reset_where(d, s), o))(states, obs, starts)

    def rollout_step(params, env_params, carry, key):
        env_carry, actor_state, critic_state = carry
        key_action, key_env = jax.random.split(key)
        actor_state, logits, actor_cost = batch_apply(
            actor, params["actor"], actor_state, env_carry.obs, env_carry.start
        )
        critic_state, value, critic_cost = batch_apply(
            critic, params["critic"], critic_state, env_carry.obs, env_carry.start
        )
        action = jax.random.categorical(key_action, logits)
        log_prob = jax.nn.log_softmax(logits)[jnp.arange(config.n_envs), action]
        new_env, log = step_envs(key_env, env_carry, action, env_params)
        cost = Cost(actor_cost.spikes + critic_cost.spikes, actor_cost.synops + critic_cost.synops)
        transition = (env_carry.obs, env_carry.start, action, log_prob, value[:, 0], log, cost)
        return (new_env, actor_state, critic_state), transition

    def loss_fn(params, start_states, batch):
        obs, starts, actions, old_log_prob, advantages, targets = batch

        def seq(net, p, states, obs, starts):
            one = lambda s, o, d: net.apply_sequence(p, s, o, d)[1]  # noqa: E731
            return jax.vmap(one, in_axes=(0, 1, 1), out_axes=1)(states, obs, starts)

        logits = seq(actor, params["actor"], start_states[0], obs, starts)
        values = seq(critic, params["critic"], start_states[1], obs, starts)[..., 0]
        log_probs = jax.nn.log_softmax(logits)
        log_prob = jnp.take_along_axis(log_probs, actions[..., None], -1)[..., 0]
        ratio = jnp.exp(log_prob - old_log_prob)
        norm_adv = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        clipped = jnp.clip(ratio, 1 - config.clip_eps, 1 + config.clip_eps)
        policy_loss = -jnp.minimum(ratio * norm_adv, clipped * norm_adv).mean()
        value_loss = 0.5 * jnp.square(values - targets).mean()
        entropy = -(jnp.exp(log_probs) * log_probs).sum(-1).mean()
        return policy_loss + config.vf_coef * value_loss - config.ent_coef * entropy

    def update(runner, key):
        params, opt_state, carry, env_params = runner
        start_states = (carry[1], carry[2])
        key_roll, key_perm = jax.random.split(key)
        carry, (obs, starts, actions, log_prob, values, log, cost) = jax.lax.scan(
            lambda c, k: rollout_step(params, env_params, c, k), carry, jax.random.split(key_roll, config.n_steps)
        )
        env_carry = carry[0]
        _, last_value, _ = batch_apply(critic, params["critic"], carry[2], env_carry.obs, env_carry.start)
        advantages, targets = gae(log.reward, values, log.done, last_value[:, 0], config.gamma, config.gae_lambda)
        batch = (obs, starts, actions, log_prob, advantages, targets)
        size = config.n_envs // config.n_minibatches

        def epoch(state, key):
            params, opt_state = state
            order = jax.random.permutation(key, config.n_envs)

            def minibatch(state, index):
                params, opt_state = state
                pick = jax.lax.dynamic_slice_in_dim(order, index * size, size)
                sub_batch = jax.tree.map(lambda x: x[:, pick], batch)
                sub_states = jax.tree.map(lambda x: x[pick], start_states)
                loss, grads = jax.value_and_grad(loss_fn)(params, sub_states, sub_batch)
                updates, opt_state = tx.update(grads, opt_state, params)
                return (optax.apply_updates(params, updates), opt_state), loss

            state, losses = jax.lax.scan(minibatch, (params, opt_state), jnp.arange(config.n_minibatches))
            return state, losses.mean()

        (params, opt_state), losses = jax.lax.scan(
            epoch, (params, opt_state), jax.random.split(key_perm, config.update_epochs)
        )
        return (params, opt_state, carry, env_params), update_metrics(log, cost, losses.mean())

    def init(key: jax.Array, env_params: Any) -> tuple:
        key_actor, key_critic, key_env = jax.random.split(key, 3)
        params = {"actor": actor.init(key_actor), "critic": critic.init(key_critic)}
        states = jax.tree.map(lambda x: jnp.broadcast_to(x, (config.n_envs,) + x.shape), actor.initial_state())
        return (params, tx.init(params), (reset_envs(key_env, env_params), states, states), env_params)

    return TrainParts(init, update, lambda runner: runner[0], config.n_updates, env_params)


def policy_value(config: PPOConfig, params: dict[str, Any], obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Action probabilities (T, n_actions) and values (T,) along one episode's observations obs
    (T, *obs_shape), from the episode-start state."""
    env, env_params = make_env(config.env)
    shape = observation_shape(env, env_params)
    actor = make_network(config.network, shape, discrete_actions(env, env_params, "PPO"))
    critic = make_network(config.network, shape, 1)
    starts = jnp.zeros(obs.shape[0], bool).at[0].set(True)
    _, logits, _ = actor.apply_sequence(params["actor"], actor.initial_state(), obs, starts)
    _, values, _ = critic.apply_sequence(params["critic"], critic.initial_state(), obs, starts)
    return jax.nn.softmax(logits), values[:, 0]


def acting(config: PPOConfig) -> Acting:
    """How the trained PPO agent acts: its actor (params['actor']), softmax policy, state carried."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "PPO")
    actor = make_network(config.network, observation_shape(env, env_params), n_actions)
    return Acting(actor, n_actions, lambda params: params["actor"])
