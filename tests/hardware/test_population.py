"""Population-coding encoder: tuning, rates, regular vs Poisson spike trains, jit/vmap."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.core.population import (
    PopulationCodeConfig,
    agent_rates,
    encode_step,
    init_encoder_state,
    tuning_centres,
    variable_rates,
    world_model_rates,
)

CONFIG = PopulationCodeConfig()


@functools.partial(jax.jit, static_argnames=("n_steps", "mode", "config"))
def _scan_steps(state, rates, n_steps, mode, config):
    def step(s, _):
        return encode_step(s, rates, config, mode)

    return jax.lax.scan(step, state, None, length=n_steps)[1]


def run_steps(rates: np.ndarray, n_steps: int, mode: str, seed: int = 0, config: PopulationCodeConfig = CONFIG):
    """Counts (n_steps, bins, n) of ``n_steps`` consecutive agent steps at constant rates."""
    state = init_encoder_state(jax.random.PRNGKey(seed), rates.shape[0], config)
    return np.asarray(_scan_steps(state, jnp.asarray(rates), n_steps, mode, config))


def test_tuning_centres_and_peak_rate():
    np.testing.assert_allclose(tuning_centres(CONFIG), np.arange(10) * 26.6 - 10, rtol=1e-6)
    assert CONFIG.peak_rate_hz == pytest.approx(7000 / (20 * np.sqrt(2 * np.pi)))
    assert 139 < CONFIG.peak_rate_hz < 141
    rates = np.asarray(variable_rates(jnp.array([3 * 26.6 - 10]), CONFIG))
    assert rates.argmax() == 3
    assert rates[3] == pytest.approx(CONFIG.peak_rate_hz, rel=1e-5)
    # one spacing away: 7000 N(26.6; 0, 20)
    assert rates[2] == pytest.approx(CONFIG.peak_rate_hz * np.exp(-0.5 * (26.6 / 20) ** 2), rel=1e-5)


def test_rates_are_variable_major_and_include_actions_for_the_world_model():
    x = jnp.array([50.0, 120.0, 200.0, 80.0])
    rates = np.asarray(agent_rates(x, CONFIG))
    assert rates.shape == (40,)
    for v in range(4):
        np.testing.assert_allclose(rates[10 * v : 10 * (v + 1)], variable_rates(x[v : v + 1], CONFIG), rtol=1e-6)
    model = np.asarray(world_model_rates(x, jnp.array(2), CONFIG))
    assert model.shape == (43,)
    np.testing.assert_allclose(model[:40], rates)
    np.testing.assert_array_equal(model[40:], [0.0, 0.0, 150.0])


def test_regular_trains_give_rate_times_duration_spikes():
    rates = np.array([0.0, 7.0, 33.3, 139.6, 150.0, 612.5, 1500.0], dtype=np.float32)
    counts = run_steps(rates, 100, "regular")  # 1 s
    np.testing.assert_allclose(counts.sum(axis=(0, 1)), rates, atol=1.0)
    per_step = counts.sum(axis=1)
    assert set(np.unique(per_step[:, 4])) == {1.0, 2.0}  # 150 Hz: 1.5 spikes per 10 ms step
    assert per_step[:, 4].mean() == pytest.approx(1.5, abs=0.01)
    assert counts[:, :, 6].max() == 2.0  # 1.5 kHz: up to two spikes per 1 ms bin
    np.testing.assert_array_equal(counts, run_steps(rates, 100, "regular", seed=1))  # deterministic


def test_poisson_trains_have_the_right_mean_and_variance():
    rates = np.full(200, 140.0, dtype=np.float32)
    counts = run_steps(rates, 50, "poisson").sum(axis=1)  # (steps, generators) per 10 ms
    assert counts.mean() == pytest.approx(1.4, abs=0.06)
    assert counts.var() == pytest.approx(1.4, rel=0.1)  # Poisson: variance = mean
    regular = run_steps(rates, 50, "regular").sum(axis=1)
    assert regular.var() < 0.3
    np.testing.assert_array_equal(counts, run_steps(rates, 50, "poisson").sum(axis=1))
    assert not np.array_equal(counts, run_steps(rates, 50, "poisson", seed=1).sum(axis=1))


def test_random_initial_phase_desynchronises_equal_rates():
    config = PopulationCodeConfig(random_initial_phase=True)
    counts = run_steps(np.full(50, 100.0, dtype=np.float32), 1, "regular", config=config)[0]
    first_spike_bins = counts.argmax(axis=0)
    assert len(np.unique(first_spike_bins)) > 3
    aligned = run_steps(np.full(50, 100.0, dtype=np.float32), 1, "regular")[0]
    assert len(np.unique(aligned.argmax(axis=0))) == 1


def test_encoder_vmaps_over_realizations():
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    states = jax.vmap(lambda k: init_encoder_state(k, 40, CONFIG))(keys)
    x = jnp.array([[50.0, 120.0, 200.0, 80.0]] * 3)
    rates = jax.vmap(lambda v: agent_rates(v, CONFIG))(x)
    _, counts = jax.vmap(lambda s, r: encode_step(s, r, CONFIG, "regular"))(states, rates)
    assert counts.shape == (3, 10, 40)
    np.testing.assert_array_equal(counts[0], counts[1])  # regular trains: same rates, same spikes
    assert len({tuple(np.asarray(k).ravel()) for k in states.key}) == 3  # Poisson draws: one key per realization


def test_bad_config_and_mode_are_rejected():
    with pytest.raises(ValueError, match="sigma"):
        PopulationCodeConfig(sigma=0.0)
    with pytest.raises(ValueError, match="n_per_variable"):
        PopulationCodeConfig(n_per_variable=0)
    state = init_encoder_state(jax.random.PRNGKey(0), 4, CONFIG)
    with pytest.raises(ValueError, match="regular, poisson"):
        encode_step(state, jnp.ones(4), CONFIG, "bursty")
