"""Spiking and MLP networks of the RL algorithms: one interface, spike/SynOp counts, resets, BPTT gradients."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.family.networks import NetworkConfig, make_network

OBS = jnp.array([0.5, -1.0, 0.3])


@pytest.mark.parametrize(
    "config",
    [
        NetworkConfig(kind="lif", n_hidden=12, recurrent=True, readout="rate"),
        NetworkConfig(kind="lif", n_hidden=12, recurrent=False, readout="membrane"),
        NetworkConfig(kind="mlp", n_hidden=12),
    ],
)
def test_one_interface(config):
    net = make_network(config, (3,), 2)
    params = net.init(jax.random.key(0))
    state, out, cost = net.apply(params, net.initial_state(), OBS)
    assert out.shape == (2,) and np.all(np.isfinite(out))
    assert cost.spikes.shape == () and cost.synops.shape == ()
    if config.kind == "lif":
        assert "w_rec" in params if config.recurrent else "w_rec" not in params
        assert float(cost.spikes) > 0
        fan_out = (12 if config.recurrent else 0) + 2
        assert float(cost.synops) == float(cost.spikes) * fan_out
    else:
        assert float(cost.spikes) == 0 and float(cost.synops) == 3 * 12 + 12 * 12 + 12 * 2


def test_spike_count_is_the_spikes_of_the_substeps():
    config = NetworkConfig(n_hidden=10, n_substeps=3)
    net = make_network(config, (3,), 2)
    params = net.init(jax.random.key(1))
    from snnrl.core.lif import lif_step

    state, counts = net.initial_state(), np.zeros(10)
    for _ in range(3):
        state, out = lif_step(net.lif_params(params), state, net.currents(params, OBS), detach_reset=True)
        counts += np.asarray(out.spikes)
    _, logits, cost = net.apply(params, net.initial_state(), OBS)
    assert float(cost.spikes) == counts.sum() > 0
    assert np.allclose(logits, params["w_out"] @ (counts / 3) + params["b_out"], atol=1e-6)  # rate readout


def test_state_carries_and_resets_with_the_episode():
    net = make_network(NetworkConfig(n_hidden=8), (3,), 2)
    params = net.init(jax.random.key(2))
    fresh = net.initial_state()
    carried, _, _ = net.apply(params, fresh, OBS)
    assert not np.allclose(carried.v, fresh.v)
    kept = net.reset_where(jnp.bool_(False), carried)
    reset = net.reset_where(jnp.bool_(True), carried)
    assert np.allclose(kept.v, carried.v) and np.allclose(reset.v, fresh.v)
    # apply_sequence resets where an episode starts: the second start repeats the first decision
    obs = jnp.stack([OBS, OBS, OBS])
    _, outs, _ = net.apply_sequence(params, carried, obs, jnp.array([True, False, True]))
    assert np.allclose(outs[0], outs[2]) and not np.allclose(outs[0], outs[1])


def test_bptt_gradient_finite_on_a_long_episode():
    """1000 decisions x 4 substeps = 4000 LIF steps of BPTT through the surrogate: finite, nonzero (membrane
    readout: its trace carries the gradient across decisions as well as the recurrent spikes)."""
    net = make_network(NetworkConfig(n_hidden=16, readout="membrane"), (3,), 2)
    params = net.init(jax.random.key(3))
    obs = jax.random.normal(jax.random.key(4), (1000, 3))
    starts = jnp.zeros(1000, bool).at[0].set(True)

    def loss(p):
        _, outs, _ = net.apply_sequence(p, net.initial_state(), obs, starts)
        return jnp.sum(jax.nn.log_softmax(outs)[:, 0])

    grads = jax.jit(jax.grad(loss))(params)
    for name, grad in grads.items():
        assert np.all(np.isfinite(grad)), name
    assert float(jnp.linalg.norm(grads["w_rec"])) > 0 and float(jnp.linalg.norm(grads["w_in"])) > 0


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(kind="cnn"), "NetworkConfig.kind"),
        (dict(readout="voltage"), "NetworkConfig.readout"),
        (dict(n_hidden=0), "NetworkConfig.n_hidden"),
        (dict(tau_m=-1.0), "NetworkConfig.tau_m"),
        (dict(surrogate="box"), "pseudo_derivative.name"),
    ],
)
def test_bad_config_is_named(changes, message):
    with pytest.raises(ValueError, match=message):
        NetworkConfig(**changes)


def test_bad_observation_shape_is_named():
    with pytest.raises(ValueError, match="observation shape"):
        make_network(NetworkConfig(), (4, 0), 2)
    with pytest.raises(ValueError, match="n_out"):
        make_network(NetworkConfig(), (4,), 0)


def test_a_stateless_network_applies_a_sequence_in_one_call_equal_to_step_by_step():
    net = make_network(NetworkConfig(kind="mlp", n_hidden=8), (3,), 2)
    params = net.init(jax.random.key(0))
    obs = jax.random.normal(jax.random.key(1), (6, 3))
    starts = jnp.array([True, False, False, True, False, False])
    assert not net.stateful and make_network(NetworkConfig(n_hidden=8), (3,), 2).stateful
    state, outs, costs = net.apply_sequence(params, net.initial_state(), obs, starts)
    by_step = [net.apply(params, net.initial_state(), o) for o in obs]
    np.testing.assert_allclose(np.asarray(outs), np.stack([np.asarray(o) for _, o, _ in by_step]), atol=1e-6)
    np.testing.assert_array_equal(np.asarray(costs.synops), np.asarray([float(c.synops) for _, _, c in by_step]))
    assert state.shape == (0,)
    gradient = jax.grad(lambda p: net.apply_sequence(p, net.initial_state(), obs, starts)[1].sum())(params)
    assert all(np.all(np.isfinite(np.asarray(g))) for g in jax.tree.leaves(gradient))
