"""JAX reference and simulated chip: one interface, exact agreement at 0 % mismatch, plausible spread, vmap."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.core.population import PopulationCodeConfig, agent_rates, encode_step
from snnrl.hardware.backend import BACKEND_NAMES, make_hidden_backend
from snnrl.hardware.chip.description import SynapseType
from snnrl.hardware.chip.spec import CoreParameters, hidden_layer_spec
from snnrl.hardware.lif import HiddenLIFParams, init_lif_state, lif_agent_step, nominal_lif_params
from snnrl.hardware.lif_backend import LIFBackend

CONFIG = PopulationCodeConfig()
STATES = jnp.asarray(
    np.random.default_rng(0).uniform([51, 44, 22, 38], [206, 207, 206, 203], size=(40, 4)), jnp.float32
)  # random Pong RAM states (ball x, ball y, enemy y, player y)


def rollout(backend: LIFBackend, params: HiddenLIFParams, key: jax.Array) -> jax.Array:
    """Counts (n_states, n_hidden): each state's rates for one agent step, in sequence."""

    def one(state, x):
        return backend.step(params, state, agent_rates(x, CONFIG))

    return jax.lax.scan(one, backend.init(key), STATES)[1]


@pytest.fixture
def reference_counts(agent_spec) -> np.ndarray:
    backend = make_hidden_backend("jax", agent_spec)
    key = jax.random.PRNGKey(0)
    return np.asarray(jax.jit(lambda: rollout(backend, backend.init_params(key), key))())


def test_simulated_chip_without_mismatch_equals_the_jax_reference(agent_spec, reference_counts):
    chip = make_hidden_backend("simulated", agent_spec, mismatch=0.0)
    key = jax.random.PRNGKey(0)
    counts = np.asarray(jax.jit(lambda: rollout(chip, chip.init_params(jax.random.PRNGKey(9)), key))())
    np.testing.assert_array_equal(counts, reference_counts)
    assert counts.shape == (40, 510)
    assert 0.2 < counts.mean() < 0.8  # ≈ 20-80 Hz mean rate
    assert 0.2 < (counts > 0).mean() < 0.6  # a sparse, input-dependent code
    assert (counts.std(axis=0) > 0).mean() > 0.9  # nearly every neuron changes with the input


def test_spike_inputs_and_rate_inputs_agree(agent_spec):
    backend = make_hidden_backend("jax", agent_spec)
    params, state = backend.init_params(jax.random.PRNGKey(0)), backend.init(jax.random.PRNGKey(0))
    rates = agent_rates(STATES[0], CONFIG)
    after_rates, counts_from_rates = backend.step(params, state, rates)
    encoder, spikes = encode_step(state.encoder, rates, CONFIG)
    after_spikes, counts_from_spikes = backend.step(params, state, spikes)
    np.testing.assert_array_equal(counts_from_rates, counts_from_spikes)
    np.testing.assert_array_equal(after_rates.encoder.phase, encoder.phase)
    np.testing.assert_array_equal(after_spikes.encoder.phase, state.encoder.phase)  # spikes bypass the encoder
    np.testing.assert_array_equal(after_rates.lif.v, after_spikes.lif.v)


def test_lif_layer_matches_a_hand_computed_neuron():
    parameters = CoreParameters(
        tau_mem_ms=10.0, threshold=1.0, synapse_weight=(0.5, 0.3, 0.2, 0.2), synapse_tau_ms=(2.0, 5.0, 2.0, 5.0)
    )
    params = nominal_lif_params(np.array([[2], [1]]), (SynapseType.NMDA, SynapseType.GABA_A), parameters, 1.0)
    spikes = np.zeros((10, 2), dtype=np.float32)
    spikes[0, 0] = 1
    spikes[1, 0] = 1
    spikes[2, 1] = 3
    a_nmda, a_gaba, a_mem = np.exp(-1 / 5), np.exp(-1 / 2), np.exp(-1 / 10)
    trace, v, count = np.zeros(2), 0.0, 0
    for t in range(10):
        trace = np.array([a_nmda, a_gaba]) * trace + spikes[t]
        v = max(0.0, a_mem * v + trace @ np.array([2 * 0.3, -1 * 0.2]))
        if v >= 1.0:
            count, v = count + 1, 0.0
    _, counts = lif_agent_step(params, init_lif_state(2, 1), spikes)
    assert count == 2  # spikes in bins 1 and 4; inhibition in bin 2 delays the second
    assert float(counts[0]) == count


def test_mismatch_changes_counts_by_a_plausible_spread(agent_spec, reference_counts):
    key = jax.random.PRNGKey(0)
    reference = make_hidden_backend("jax", agent_spec)
    run = jax.jit(lambda params: rollout(reference, params, key))  # the step is the same for all params
    change = {}
    for mismatch in (0.1, 0.2, 0.3):
        params = make_hidden_backend("simulated", agent_spec, mismatch=mismatch).init_params(jax.random.PRNGKey(1))
        assert np.std(np.asarray(params.threshold)) == pytest.approx(mismatch, rel=0.15)
        assert np.std(np.asarray(params.gain)) == pytest.approx(mismatch, rel=0.15)
        tau = -1.0 / np.log(np.asarray(params.membrane_decay))
        assert np.std(tau) / 20.0 == pytest.approx(mismatch, rel=0.15)
        total, nominal = np.asarray(run(params)).sum(axis=0), reference_counts.sum(axis=0)
        change[mismatch] = np.abs(total - nominal).mean() / nominal.mean()
        correlation = np.corrcoef(total, nominal)[0, 1]
        assert 0.2 < correlation < 0.98  # the same network, but each neuron's rate moves
        if mismatch == 0.2:
            assert 0.2 < change[mismatch] < 0.7
    assert change[0.1] < change[0.2] < change[0.3]


def test_mismatch_is_seeded_per_realization_and_vmaps(agent_spec):
    chip = make_hidden_backend("simulated", agent_spec)
    assert chip.mismatch == 0.2
    keys = jax.random.split(jax.random.PRNGKey(5), 3)
    params = jax.vmap(chip.init_params)(keys)
    assert params.threshold.shape == (3, 510) and params.weights.shape == (3, 40, 510)
    np.testing.assert_allclose(params.threshold[1], chip.init_params(keys[1]).threshold, rtol=1e-6)
    assert not np.array_equal(params.threshold[0], params.threshold[1])
    np.testing.assert_array_equal(params.weights[0], params.weights[2])  # integer weights are fixed
    run = jax.jit(jax.vmap(lambda p, k: rollout(chip, p, k)))
    counts = np.asarray(run(params, keys))
    assert counts.shape == (3, 40, 510)
    assert not np.array_equal(counts[0], counts[1])
    reversed_order = jax.tree_util.tree_map(lambda leaf: leaf[::-1], params)
    np.testing.assert_array_equal(np.asarray(run(reversed_order, keys[::-1]))[::-1], counts)  # realizations independent


def test_bad_inputs_and_options_are_rejected(agent_spec):
    backend = make_hidden_backend("jax", agent_spec)
    params, state = backend.init_params(jax.random.PRNGKey(0)), backend.init(jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match=r"rates \(40,\) or spike counts \(10, 40\), got shape \(43,\)"):
        backend.step(params, state, jnp.ones(43))
    with pytest.raises(ValueError, match="mismatch must be a finite relative spread >= 0"):
        make_hidden_backend("simulated", agent_spec, mismatch=-0.1)
    with pytest.raises(ValueError, match="spike_mode must be one of regular, poisson"):
        make_hidden_backend("jax", agent_spec, spike_mode="burst")
    with pytest.raises(ValueError, match="valid names: jax, simulated, dynapse1"):
        make_hidden_backend("loihi", agent_spec)
    assert BACKEND_NAMES == ("jax", "simulated", "dynapse1")
    with pytest.raises(ValueError, match="not an integer"):
        make_hidden_backend("jax", hidden_layer_spec(np.full((40, 5), 0.5)))


def test_poisson_mode_is_seeded_by_the_state_key(agent_spec):
    backend = make_hidden_backend("simulated", agent_spec, mismatch=0.0, spike_mode="poisson")
    params = backend.init_params(jax.random.PRNGKey(0))
    rates = agent_rates(STATES[0], CONFIG) * 5.0  # strong drive
    run = jax.jit(lambda key: backend.step(params, backend.init(key), rates))
    state, first = run(jax.random.PRNGKey(1))
    np.testing.assert_array_equal(first, run(jax.random.PRNGKey(1))[1])
    assert not np.array_equal(first, run(jax.random.PRNGKey(2))[1])  # same rates, other spike trains
    assert not np.array_equal(state.encoder.key, backend.init(jax.random.PRNGKey(1)).encoder.key)  # key advanced
    assert float(first.mean()) > 0.2


def test_backend_registry_declares_capabilities_and_refuses_bad_registrations(monkeypatch):
    from snnrl.hardware.backend import BACKENDS, on_board, register_backend, simulates_chip

    assert [name for name in BACKENDS if on_board(name)] == ["dynapse1"]
    assert [name for name in BACKENDS if simulates_chip(name)] == ["simulated"]
    with pytest.raises(ValueError, match="hidden backend 'jax' is already registered"):
        register_backend("jax", lambda spec: None, on_board=False, simulates_chip=False)
    with pytest.raises(ValueError, match="hidden backend 'board2' does not declare simulates_chip"):
        register_backend("board2", lambda spec: None, on_board=True)
    assert "board2" not in BACKENDS
    monkeypatch.setattr("snnrl.hardware.backend.BACKENDS", dict(BACKENDS))
    register_backend("board2", lambda spec, **options: "made", on_board=True, simulates_chip=False)
    from snnrl.hardware.backend import make_hidden_backend

    assert make_hidden_backend("board2", None) == "made" and on_board("board2")
