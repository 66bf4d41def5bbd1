"""The e-prop actor-critic (Bellec et al. 2020's online rule): one recurrent LIF network with a policy
readout and a value readout learns at every step from the TD error, through eligibility traces, without
BPTT and without storing the episode. The same loop runs an MLP (exact per-step gradients, no traces).

Per decision t (outputs y_t = W_out f_t + b_out, f = rate or membrane features, see networks.py):

    J_t      = log pi_t(a_t) + value_coef V_t                        the step's objective
    grad J_t = e-prop: for the hidden weights (W_out^T dJ/dy)_i eps_ij[t], with the eligibility eps_ij =
               d f_i / d W_ij with the fed-back spikes' gradient stopped (p_i e_j, filtered like f)
    z_t      = gamma lambda z_{t-1} + grad J_t                        (reset with the episode)
    delta_t  = r_t + gamma V_{t+1} (0 after an episode end) - V_t      TD error, the learning signal
    theta   += lr * (delta_t z_t + ent_coef grad H_t)                 (Adam on the negated update)

Traces are O(N^2 + N D) per environment (eps for the recurrent and input weights, z of the parameters'
size). ``trace_step`` is the whole forward with traces; tests check that sum_t delta_t z_t equals
jax.grad with the recurrent spikes' gradient stopped. A truncated episode is not bootstrapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import struct

from snnrl.algorithms.family.acting import Acting
from snnrl.algorithms.family.common import TrainParts, compose, make_env, update_metrics
from snnrl.algorithms.family.episodes import batched_env, discrete_actions, observation_shape
from snnrl.algorithms.family.networks import Cost, Network, NetworkConfig, make_network
from snnrl.core.checks import check_integer, check_real
from snnrl.core.lif import lif_step


@dataclass(frozen=True)
class ActorCriticConfig:
    """env: name (make_env). n_envs environments step together; total_steps environment steps in all,
    logged every n_steps decisions (metrics per chunk). gamma, trace_lambda (lambda of z), value_coef,
    ent_coef, lr (Adam), max_grad_norm (clip of each step's update)."""

    env: str = "gymnax:CartPole-v1"
    network: NetworkConfig = field(default_factory=NetworkConfig)
    n_envs: int = 8
    n_steps: int = 32
    total_steps: int = 100_000
    gamma: float = 0.99
    trace_lambda: float = 0.8
    value_coef: float = 0.5
    ent_coef: float = 0.01
    max_grad_norm: float = 1.0
    lr: float = 1e-3

    def __post_init__(self) -> None:
        if not isinstance(self.network, NetworkConfig):
            raise ValueError(f"ActorCriticConfig.network must be a NetworkConfig, got {type(self.network).__name__}")
        for name in ("n_envs", "n_steps", "total_steps"):
            check_integer("ActorCriticConfig", name, getattr(self, name), minimum=1)
        for name in ("gamma", "trace_lambda"):
            check_real("ActorCriticConfig", name, getattr(self, name), minimum=0.0, maximum=1.0)
        for name in ("max_grad_norm", "lr"):
            check_real("ActorCriticConfig", name, getattr(self, name), above=0.0)
        for name in ("value_coef", "ent_coef"):
            check_real("ActorCriticConfig", name, getattr(self, name), minimum=0.0)
        if self.total_steps < self.n_envs * self.n_steps:
            raise ValueError(
                f"ActorCriticConfig.total_steps={self.total_steps} is less than one logged chunk "
                f"(n_envs * n_steps = {self.n_envs * self.n_steps})"
            )

    @property
    def n_updates(self) -> int:
        """Number of logged chunks of n_steps decisions (each decision updates the weights)."""
        return self.total_steps // (self.n_envs * self.n_steps)


@struct.dataclass
class TraceState:
    """One environment's network state with its e-prop traces: net (the network's state), e_in (D + 1,)
    input eligibility (bias last), eps_rec (N, N) and eps_in (N, D + 1) eligibilities of the features."""

    net: Any
    e_in: jax.Array
    eps_rec: jax.Array
    eps_in: jax.Array


def initial_traces(net: Network) -> TraceState:
    """Episode-start state and zero traces (empty traces for the MLP)."""
    n = net.config.n_hidden if net.config.kind == "lif" else 0
    d = net.obs_size + 1 if net.config.kind == "lif" else 0
    return TraceState(net.initial_state(), jnp.zeros(d), jnp.zeros((n, n)), jnp.zeros((n, d)))


def trace_step(
    net: Network, params: dict, carry: TraceState, obs: jax.Array
) -> tuple[TraceState, jax.Array, Callable[[jax.Array], dict], Cost]:
    """One decision with traces: (new carry, outputs (n_out,), grad_of, Cost). grad_of(L) maps dJ/dy (n_out,)
    to the e-prop gradient of J (a dict like params); for the MLP it is the exact gradient (vjp)."""
    if net.config.kind == "mlp":
        state, out, cost = net.apply(params, carry.net, obs)
        _, pullback = jax.vjp(lambda p: net.apply(p, carry.net, obs)[1], params)
        return carry.replace(net=state), out, lambda signal: pullback(signal)[0], cost
    config, lif = net.config, net.lif_params(params)
    lif_config = lif.config
    a_m, a_r = lif_config.alpha_m, lif_config.alpha_readout
    x = jnp.concatenate([jnp.reshape(obs, (-1,)).astype(jnp.float32), jnp.ones((1,))])
    current = net.currents(params, obs)
    membrane = config.readout == "membrane"
    k = config.n_substeps

    def substep(c, _):
        state, e_in, eps_rec, eps_in = c
        e_in = a_m * e_in + (1.0 - a_m) * x
        state, out = lif_step(lif, state, current, detach_recurrent=True, detach_reset=config.detach_reset)
        p = out.pseudo_derivative
        if membrane:
            eps_rec = a_r * eps_rec + (1.0 - a_r) * jnp.outer(p, out.eligibility)
            eps_in = a_r * eps_in + (1.0 - a_r) * jnp.outer(p, e_in)
        else:
            eps_rec = eps_rec + jnp.outer(p, out.eligibility) / k
            eps_in = eps_in + jnp.outer(p, e_in) / k
        return (state, e_in, eps_rec, eps_in), out.spikes

    start = (
        carry.net,
        carry.e_in,
        carry.eps_rec if membrane else jnp.zeros_like(carry.eps_rec),
        carry.eps_in if membrane else jnp.zeros_like(carry.eps_in),
    )
    (state, e_in, eps_rec, eps_in), spikes = jax.lax.scan(substep, start, None, length=k)
    features = spikes.mean(axis=0) if not membrane else state.readout_trace
    out = params["w_out"] @ features + params["b_out"]
    count = spikes.sum()
    cost = Cost(count, count * ((config.n_hidden if config.recurrent else 0) + net.n_out))

    def grad_of(signal: jax.Array) -> dict:
        hidden = params["w_out"].T @ signal
        grads = {
            "w_out": jnp.outer(signal, features),
            "b_out": signal,
            "w_in": hidden[:, None] * eps_in[:, :-1],
            "b_in": hidden * eps_in[:, -1],
        }
        if config.recurrent:
            grads["w_rec"] = hidden[:, None] * eps_rec
        return grads

    return TraceState(state, e_in, eps_rec, eps_in), out, grad_of, cost


def objective_signals(
    out: jax.Array, action: jax.Array, n_actions: int, value_coef: float
) -> tuple[jax.Array, jax.Array]:
    """dJ/dy for J = log pi(a) + value_coef V, and dH/dy for the policy entropy H, both (n_actions + 1,)."""
    log_pi = jax.nn.log_softmax(out[:n_actions])
    pi = jnp.exp(log_pi)
    entropy = -(pi * log_pi).sum()
    d_j = jnp.append(jax.nn.one_hot(action, n_actions) - pi, value_coef)
    d_h = jnp.append(-pi * (log_pi + entropy), 0.0)
    return d_j, d_h


def make_train(config: ActorCriticConfig) -> Callable[..., tuple[dict, dict[str, jax.Array]]]:
    """train(key, env_params=the env's defaults) -> (params, metrics with (n_updates,) per name); checks the
    environment (discrete actions, JAX) before anything compiles."""
    return compose(make_parts(config))


def make_parts(config: ActorCriticConfig) -> TrainParts:
    """The e-prop actor-critic as init / update (one logged chunk of decisions) / result (common.TrainParts)."""
    env, default_env_params = make_env(config.env)
    n_actions = discrete_actions(env, default_env_params, "ActorCritic")
    net = make_network(config.network, observation_shape(env, default_env_params), n_actions + 1)
    reset_envs, step_envs = batched_env(env, config.n_envs)
    tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.lr))
    fresh = initial_traces(net)
    decay = config.gamma * config.trace_lambda

    def act(params, carry, obs, start, key, z):
        carry = jax.tree.map(lambda f, c: jnp.where(start, f, c), fresh, carry)
        carry, out, grad_of, cost = trace_step(net, params, carry, obs)
        action = jax.random.categorical(key, out[:n_actions])
        d_j, d_h = objective_signals(out, action, n_actions, config.value_coef)
        z = jax.tree.map(lambda old, new: decay * old * (1.0 - start) + new, z, grad_of(d_j))
        return carry, out[n_actions], action, z, grad_of(d_h), cost

    def decision(runner, key):
        params, opt_state, env_carry, traces, z, pending, env_params = runner
        old_z, old_value, old_reward, old_done, valid = pending
        key_act, key_env = jax.random.split(key)
        keys = jax.random.split(key_act, config.n_envs)
        traces, value, action, z, grad_h, cost = jax.vmap(act, in_axes=(None, 0, 0, 0, 0, 0))(
            params, traces, env_carry.obs, env_carry.start, keys, z
        )
        bootstrap = config.gamma * (1.0 - old_done) * jax.lax.stop_gradient(value)
        delta = jnp.where(valid, old_reward + bootstrap - old_value, 0.0)
        ascent = jax.tree.map(
            lambda zz, h: jnp.mean(jnp.reshape(delta, (-1,) + (1,) * (zz.ndim - 1)) * zz + config.ent_coef * h, 0),
            old_z,
            grad_h,
        )
        updates, opt_state = tx.update(jax.tree.map(jnp.negative, ascent), opt_state, params)
        params = optax.apply_updates(params, updates)
        new_env, log = step_envs(key_env, env_carry, action, env_params)
        pending = (z, value, log.reward, log.done.astype(jnp.float32), jnp.ones(config.n_envs, bool))
        return (params, opt_state, new_env, traces, z, pending, env_params), (log, cost, jnp.square(delta))

    def chunk(runner, key):
        runner, (log, cost, td2) = jax.lax.scan(decision, runner, jax.random.split(key, config.n_steps))
        return runner, update_metrics(log, cost, td2.mean())

    def init(key: jax.Array, env_params: Any) -> tuple:
        key_net, key_env = jax.random.split(key)
        params = net.init(key_net)
        batch = lambda tree: jax.tree.map(lambda x: jnp.broadcast_to(x, (config.n_envs,) + x.shape), tree)  # noqa: E731
        zeros = jnp.zeros(config.n_envs)
        z = batch(jax.tree.map(jnp.zeros_like, params))
        pending = (z, zeros, zeros, zeros, jnp.zeros(config.n_envs, bool))
        return (params, tx.init(params), reset_envs(key_env, env_params), batch(fresh), z, pending, env_params)

    return TrainParts(init, chunk, lambda runner: runner[0], config.n_updates, default_env_params)


def policy_value(config: ActorCriticConfig, params: dict, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Action probabilities (T, n_actions) and values (T,) along one episode's observations obs
    (T, *obs_shape), from the episode-start state."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "ActorCritic")
    net = make_network(config.network, observation_shape(env, env_params), n_actions + 1)
    starts = jnp.zeros(obs.shape[0], bool).at[0].set(True)
    _, outs, _ = net.apply_sequence(params, net.initial_state(), obs, starts)
    return jax.nn.softmax(outs[:, :n_actions]), outs[:, n_actions]


def acting(config: ActorCriticConfig) -> Acting:
    """How the trained actor-critic acts: the policy outputs of its one network, softmax, state carried."""
    env, env_params = make_env(config.env)
    n_actions = discrete_actions(env, env_params, "ActorCritic")
    net = make_network(config.network, observation_shape(env, env_params), n_actions + 1)
    return Acting(net, n_actions, lambda params: params)
