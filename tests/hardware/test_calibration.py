"""Calibrating the simulated chip's threshold to a measured activity."""

from __future__ import annotations

import sys

import jax
import numpy as np
import pytest

from snnrl.core.population import PopulationCodeConfig, agent_rates
from snnrl.hardware import CoreParameters, agent_layer_spec, make_hidden_backend
from snnrl.hardware.calibration import calibrate_threshold, layer_activity
from tests.hardware.fake_samna import make_fake_samna

ENCODER = PopulationCodeConfig()


def spec_for(threshold: float):
    return agent_layer_spec(0, parameters=CoreParameters(threshold=threshold), n_hidden=60)


def pong_like_rates(steps: int = 60) -> np.ndarray:
    ram = np.random.default_rng(0).uniform(0, 255, size=(steps, 4)).astype(np.float32)
    return np.stack([np.asarray(agent_rates(row, ENCODER)) for row in ram])


def test_activity_falls_with_the_threshold_and_the_calibration_recovers_it():
    key, rates = jax.random.key(1), pong_like_rates()
    mismatch_key, run_key = jax.random.split(key)
    measured = {}
    for threshold in (0.5, 2.0, 4.0):
        backend = make_hidden_backend("simulated", spec_for(threshold), mismatch=0.2)
        measured[threshold] = layer_activity(backend, backend.init_params(mismatch_key), rates, run_key)
    assert measured[0.5].mean_rate_hz > measured[2.0].mean_rate_hz > measured[4.0].mean_rate_hz > 0
    assert 0 < measured[2.0].active_fraction < measured[0.5].active_fraction <= 1
    found = calibrate_threshold(spec_for, measured[2.0].mean_rate_hz, rates, key)
    assert found.activity.mean_rate_hz == pytest.approx(measured[2.0].mean_rate_hz, rel=0.02)
    assert 1.5 < found.threshold < 2.6


def test_an_unreachable_target_names_the_reachable_range():
    with pytest.raises(ValueError, match=r"target rate 1e\+06 Hz is outside what thresholds 0.05..50"):
        calibrate_threshold(spec_for, 1e6, pong_like_rates(10), jax.random.key(0))
    with pytest.raises(ValueError, match=r"rates must have shape \(T >= 1, 40\)"):
        backend = make_hidden_backend("jax", spec_for(1.0))
        layer_activity(backend, backend.init_params(None), np.zeros((5, 43)), jax.random.key(0))


def test_the_board_activity_is_measured_through_the_same_function(no_samna_modules, monkeypatch):
    module, _ = make_fake_samna()
    monkeypatch.setitem(sys.modules, "samna", module)
    spec = spec_for(1.0)
    rates = pong_like_rates(5)
    with make_hidden_backend("dynapse1", spec, wait=lambda seconds: None) as board:
        activity = layer_activity(board, (), rates, jax.random.key(0))
    # The fake chip's neuron count is its input spikes times their multiplicity.
    from snnrl.core.population import encode_step, init_encoder_state

    state, total = init_encoder_state(jax.random.key(0), 40, ENCODER), np.zeros(60)  # the backend's encoder
    for row in rates:
        state, spikes = encode_step(state, row, ENCODER)
        total += np.asarray(spikes).sum(0) @ spec.weights
    assert activity.mean_rate_hz == pytest.approx(total.mean() / len(rates) / 0.010)
