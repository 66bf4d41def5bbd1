"""The e-prop actor-critic: its online update equals autodiff with the recurrent spikes' gradient stopped
(float64), and it learns every probe within its budget (all four probes in one program)."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.family.actor_critic import (
    ActorCriticConfig,
    initial_traces,
    make_train,
    objective_signals,
    policy_value,
    trace_step,
)
from snnrl.algorithms.family.networks import NetworkConfig, make_network
from snnrl.envs.probes import all_probe_params

from .helpers import check_probes, final_returns

FAST = {"xla_backend_optimization_level": 0}
T, N_ACTIONS, VALUE_COEF, DECAY = 25, 3, 0.7, 0.9 * 0.8


def online_and_autodiff(network: NetworkConfig, seed: int = 0) -> tuple[dict, dict, float]:
    """(sum_t delta_t z_t from trace_step, jax.grad of sum_t delta_t sum_t'<=t DECAY^(t-t') J_t' with
    detach_recurrent=True, spike rate) on one random episode with fixed weights, actions and deltas."""
    net = make_network(network, (3,), N_ACTIONS + 1)
    keys = jax.random.split(jax.random.key(seed), 4)
    params = net.init(keys[0])
    obs = jax.random.normal(keys[1], (T, 3)) * 1.5
    actions = jax.random.randint(keys[2], (T,), 0, N_ACTIONS)
    deltas = jax.random.normal(keys[3], (T,))
    d = np.asarray(deltas)
    weights = jnp.asarray([sum(d[t] * DECAY ** (t - s) for t in range(s, T)) for s in range(T)])

    def online(params):
        def step(carry, inputs):
            traces, z, total = carry
            o, a, delta = inputs
            traces, out, grad_of, cost = trace_step(net, params, traces, o)
            d_j, _ = objective_signals(out, a, N_ACTIONS, VALUE_COEF)
            z = jax.tree.map(lambda old, new: DECAY * old + new, z, grad_of(d_j))
            total = jax.tree.map(lambda acc, zz: acc + delta * zz, total, z)
            return (traces, z, total), cost.spikes

        zeros = jax.tree.map(jnp.zeros_like, params)
        (_, _, total), spikes = jax.lax.scan(step, (initial_traces(net), zeros, zeros), (obs, actions, deltas))
        return total, spikes.sum() / (T * network.n_substeps * network.n_hidden)

    def objective(params):
        starts = jnp.zeros(T, bool).at[0].set(True)
        _, outs, _ = net.apply_sequence(params, net.initial_state(), obs, starts, detach_recurrent=True)
        log_pi = jax.nn.log_softmax(outs[:, :N_ACTIONS])
        j = log_pi[jnp.arange(T), actions] + VALUE_COEF * outs[:, N_ACTIONS]
        return jnp.sum(weights * j)

    total, rate = jax.jit(online)(params)
    return total, jax.jit(jax.grad(objective))(params), float(rate)


@pytest.mark.parametrize(
    "network",
    [
        NetworkConfig(n_hidden=20, readout="rate", recurrent=True, w_rec_std=2.0),
        NetworkConfig(n_hidden=20, readout="membrane", recurrent=True, w_rec_std=2.0, surrogate="triangle"),
        NetworkConfig(n_hidden=12, readout="membrane", recurrent=False, n_substeps=2),
        NetworkConfig(kind="mlp", n_hidden=8),
    ],
    ids=["rate-recurrent", "membrane-recurrent-triangle", "membrane-feedforward", "mlp"],
)
def test_online_update_equals_autodiff_with_stopped_recurrent_gradients(network):
    with jax.enable_x64(True):
        online, reference, rate = online_and_autodiff(network)
    if network.kind == "lif":
        assert 0.02 <= rate <= 0.9, f"spike rate {rate:.3f}: the check would be vacuous"
    for name in reference:
        norm = np.linalg.norm(np.asarray(reference[name]))
        assert norm > 0, name
        error = np.linalg.norm(np.asarray(online[name]) - np.asarray(reference[name])) / norm
        assert error < 1e-6, f"{name}: relative error {error:.2e}"


def test_actor_critic_learns_every_probe():
    config = ActorCriticConfig(
        env="probe:constant",
        network=NetworkConfig(n_hidden=16),
        n_envs=8,
        n_steps=16,
        total_steps=8 * 16 * 30,
        lr=1e-2,
        gamma=0.9,
    )
    train = jax.jit(jax.vmap(make_train(config)), compiler_options=FAST)
    params, metrics = train(jax.random.split(jax.random.key(0), 4), all_probe_params())
    assert np.all(final_returns(metrics) >= 0.95), final_returns(metrics)
    check_probes(partial(policy_value, config), params, config.gamma)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(trace_lambda=1.2), "ActorCriticConfig.trace_lambda"),
        (dict(n_envs=0), "ActorCriticConfig.n_envs"),
    ],
)
def test_bad_config_is_named(changes, message):
    with pytest.raises(ValueError, match=message):
        ActorCriticConfig(**changes)
