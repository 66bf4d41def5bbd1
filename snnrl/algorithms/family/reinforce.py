"""REINFORCE with a spiking policy (or an MLP), gradients by surrogate-gradient BPTT or by e-prop, in the
PureJaxRL style.

    train = make_train(ReinforceConfig(env="gymnax:CartPole-v1", gradient="eprop"))
    params, metrics = jax.jit(train)(jax.random.key(0))        # metrics[name]: (n_updates,)

One network has n_actions policy outputs and one value output (the baseline, sharing the hidden layer).
Each update collects n_steps decisions of n_envs auto-resetting environments, computes discounted returns
to go (cut at episode ends; at the rollout's end bootstrapped from the baseline, or 0 without it) and
follows grad of  -mean[log pi(a) (G - V)] + value_coef mean[(G - V)^2] - ent_coef H.
``gradient='bptt'``: jax.grad through the rollout with the surrogate gradient (full BPTT).
``gradient='eprop'``: the same jax.grad with the gradient stopped through the fed-back spikes, which is
e-prop's gradient (eligibility traces of the filtered form; tests/core/test_eprop_autodiff.py proves the
equality for the core's rules); it is computed here from the stored rollout, not by online traces (see
actor_critic.py for the online form).
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
from snnrl.algorithms.family.networks import NetworkConfig, make_network
from snnrl.core.checks import check_flag, check_integer, check_real

GRADIENTS = ("bptt", "eprop")


@dataclass(frozen=True)
class ReinforceConfig:
    """env: name (make_env). n_envs x n_steps environment steps per update, total_steps in all.
    gradient: 'bptt' or 'eprop'. baseline: learn and subtract a value readout."""

    env: str = "gymnax:CartPole-v1"
    network: NetworkConfig = field(default_factory=NetworkConfig)
    gradient: str = "bptt"
    baseline: bool = True
    n_envs: int = 8
    n_steps: int = 64
    total_steps: int = 100_000
    gamma: float = 0.99
    value_coef: float = 0.5
    ent_coef: float = 0.01
    max_grad_norm: float = 1.0
    lr: float = 3e-3

    def __post_init__(self) -> None:
        if not isinstance(self.network, NetworkConfig):
            raise ValueError(f"ReinforceConfig.network must be a NetworkConfig, got {type(self.network).__name__}")
        if self.gradient not in GRADIENTS:
            raise ValueError(f"ReinforceConfig.gradient must be one of {GRADIENTS}, got {self.gradient!r}")
        check_flag("ReinforceConfig", "baseline", self.baseline)
        for name in ("n_envs", "n_steps", "total_steps"):
            check_integer("ReinforceConfig", name, getattr(self, name), minimum=1)
        check_real("ReinforceConfig", "gamma", self.gamma, minimum=0.0, maximum=1.0)
        for name in ("max_grad_norm", "lr"):
            check_real("ReinforceConfig", name, getattr(self, name), above=0.0)
        for name in ("value_coef", "ent_coef"):
            check_real("ReinforceConfig", name, getattr(self, name), minimum=0.0)
        if self.total_steps < self.n_envs * self.n_steps:
            raise ValueError(
                f"ReinforceConfig.total_steps={self.total_steps} is less than one rollout "
                f"(n_envs * n_steps = {self.n_envs * self.n_steps})"
            )

    @property
    def n_updates(self) -> int:
        """Number of rollouts and updates."""
        return self.total_steps // (self.n_envs * self.n_steps)


def returns_to_go(rewards: jax.Array, dones: jax.Array, last_value: jax.Array, gamma: float) -> jax.Array:
    """Discounted returns (T, B) from rewards and dones (T, B), cut at episode ends, the rollout's tail
    bootstrapped with last_value (B,)."""

    def back(following, inputs):
        reward, done = inputs
        value = reward + gamma * following * (1.0 - done)
        return value, value

    _, returns = jax.lax.scan(back, last_value, (rewards, dones.astype(jnp.float32)), reverse=True)
    return returns


def make_train(config: ReinforceConfig) -> Callable[..., tuple[dict, dict[str, jax.Array]]]:
    """train(key, env_params=the env's defaults) -> (params, metrics with (n_updates,) per name); checks the
    environment (discrete actions, JAX) before anything compiles."""
    return compose(make_parts(config))


def make_parts(config: ReinforceConfig) -> TrainParts:
    """REINFORCE as init / update / result (see common.TrainParts)."""
    env, default_env_params = make_env(config.env)
    n_actions = discrete_actions(env, default_env_params, "REINFORCE")
    net = make_network(config.network, observation_shape(env, default_env_params), n_actions + 1)
    reset_envs, step_envs = batched_env(env, config.n_envs)
    tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.lr))
    detach = config.gradient == "eprop"

    def act(params, states, obs, starts):
        return jax.vmap(lambda s, o, d: net.apply(params, net.reset_where(d, s), o))(states, obs, starts)

    def loss_fn(params, start_states, obs, starts, actions, returns):
        one = lambda s, o, d: net.apply_sequence(params, s, o, d, detach_recurrent=detach)[1]  # noqa: E731
        outs = jax.vmap(one, in_axes=(0, 1, 1), out_axes=1)(start_states, obs, starts)
        log_probs = jax.nn.log_softmax(outs[..., :n_actions])
        values = outs[..., n_actions] if config.baseline else jnp.zeros_like(returns)
        log_prob = jnp.take_along_axis(log_probs, actions[..., None], -1)[..., 0]
        advantage = jax.lax.stop_gradient(returns - values)
        entropy = -(jnp.exp(log_probs) * log_probs).sum(-1).mean()
        value_loss = jnp.square(returns - values).mean() if config.baseline else 0.0
        return -(log_prob * advantage).mean() + config.value_coef * value_loss - config.ent_coef * entropy

    def update(runner, key):
        params, opt_state, env_carry, states, env_params = runner

        def step(carry, key):
            env_carry, states = carry
            key_action, key_env = jax.random.split(key)
            states, outs, cost = act(params, states, env_carry.obs, env_carry.start)
            action = jax.random.categorical(key_action, outs[:, :n_actions])
            new_env, log = step_envs(key_env, env_carry, action, env_params)
            return (new_env, states), (env_carry.obs, env_carry.start, action, log, cost)

        start_states = states
        (env_carry, states), (obs, starts, actions, log, cost) = jax.lax.scan(
            step, (env_carry, states), jax.random.split(key, config.n_steps)
        )
        _, last, _ = act(params, states, env_carry.obs, env_carry.start)
        last_value = last[:, n_actions] if config.baseline else jnp.zeros(config.n_envs)
        returns = returns_to_go(log.reward, log.done, jax.lax.stop_gradient(last_value), config.gamma)
        loss, grads = jax.value_and_grad(loss_fn)(params, start_states, obs, starts, actions, returns)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return (params, opt_state, env_carry, states, env_params), update_metrics(log, cost, loss)

    def init(key: jax.Array, env_params: Any) -> tuple:
        key_net, key_env = jax.random.split(key)
        params = net.init(key_net)
        states = jax.tree.map(lambda x: jnp.broadcast_to(x, (config.n_envs,) + x.shape), net.initial_state())
        return (params, tx.init(params), reset_envs(key_env, env_params), states, env_params)

    return TrainParts(init, update, lambda runner: runner[0], config.n_updates, default_env_params)


def policy_value(config: ReinforceConfig, params: dict, obs: jax.Array) -> tuple[jax.Array, jax.Array | None]:
    """Action probabilities (T, n_actions) and baseline values (T,) (None without baseline) along one
    episode's observations obs (T, *obs_shape), from the episode-start state."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "REINFORCE")
    net = make_network(config.network, observation_shape(env, env_params), n_actions + 1)
    starts = jnp.zeros(obs.shape[0], bool).at[0].set(True)
    _, outs, _ = net.apply_sequence(params, net.initial_state(), obs, starts)
    return jax.nn.softmax(outs[:, :n_actions]), (outs[:, n_actions] if config.baseline else None)


def acting(config: ReinforceConfig) -> Acting:
    """How the trained REINFORCE agent acts: the policy outputs of its one network, softmax, state carried."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "REINFORCE")
    net = make_network(config.network, observation_shape(env, env_params), n_actions + 1)
    return Acting(net, n_actions, lambda params: params)
