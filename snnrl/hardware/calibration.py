"""Calibrate the simulated chip's operating point to a measured activity (e.g. recorded on a board).

Whether the readouts can learn depends strongly on how active the fixed hidden layer is (see
benchmarks/RESULTS.md, neuromorphic section), and the chip's activity depends on its analog biases, which
the simulator cannot know. The way to match them: drive both with the same input rates, measure the
board's activity once (``layer_activity`` works with the 'dynapse1' backend too), then find the simulator
threshold that reproduces it (``calibrate_threshold``, a bisection: activity falls as the threshold rises).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import jax
import numpy as np

from snnrl.core.population import PopulationCodeConfig
from snnrl.hardware.backend import HiddenBackend, make_hidden_backend, on_board
from snnrl.hardware.chip.spec import HiddenLayerSpec


@dataclass(frozen=True)
class Activity:
    """Mean spikes per neuron and second, and the fraction of (neuron, agent step) pairs with a spike."""

    mean_rate_hz: float
    active_fraction: float


@dataclass(frozen=True)
class Calibration:
    """The threshold found, the simulated activity at it, and the target it was fitted to."""

    threshold: float
    activity: Activity
    target_rate_hz: float


def layer_activity(
    backend: HiddenBackend, params, rates: np.ndarray, key: jax.Array, step_ms: float | None = None
) -> Activity:
    """Drive ``backend`` with input rates (T, n_inputs) Hz, one agent step each, from its initial state.
    Works with the JAX backends (jitted step) and the chip backend (host step)."""
    rates = np.asarray(rates, np.float32)
    if rates.ndim != 2 or rates.shape[1] != backend.n_inputs or rates.shape[0] < 1:
        raise ValueError(f"rates must have shape (T >= 1, {backend.n_inputs}), got {rates.shape}")
    if on_board(backend.name):  # the board steps on the host, in real time
        state, counts = backend.init(key), []
        for row in rates:
            state, count = backend.step(params, state, row)
            counts.append(np.asarray(count))
        counts = np.stack(counts)
    else:
        counts = np.asarray(_scan_counts(backend, params, jax.numpy.asarray(rates), key))
    step_seconds = (step_ms if step_ms is not None else backend.encoder.step_ms) / 1000.0
    return Activity(float(counts.mean() / step_seconds), float((counts > 0).mean()))


@functools.partial(jax.jit, static_argnums=0)
def _scan_counts(backend: HiddenBackend, params, rates: jax.Array, key: jax.Array) -> jax.Array:
    """Counts (T, n_hidden) of a JAX backend driven by rates (T, n_inputs), one compiled scan."""
    return jax.lax.scan(lambda state, row: backend.step(params, state, row), backend.init(key), rates)[1]


def calibrate_threshold(
    spec_for: Callable[[float], HiddenLayerSpec],
    target_rate_hz: float,
    rates: np.ndarray,
    key: jax.Array,
    mismatch: float = 0.2,
    encoder: PopulationCodeConfig = PopulationCodeConfig(),
    bounds: tuple[float, float] = (0.05, 50.0),
    relative_tolerance: float = 0.02,
    max_iterations: int = 40,
) -> Calibration:
    """The simulated-chip threshold whose mean rate under ``rates`` (T, n_inputs) matches ``target_rate_hz``.

    spec_for(threshold) -> the layer spec at that threshold (same connectivity every time); key draws the
    mismatch (fixed across thresholds) and the encoder state. Bisection on log(threshold) within
    ``bounds`` until the rate is within ``relative_tolerance`` of the target. ValueError if the target
    lies outside the rates reachable within the bounds.
    """
    if not (math.isfinite(target_rate_hz) and target_rate_hz > 0):
        raise ValueError(f"target_rate_hz must be > 0, got {target_rate_hz!r}")
    mismatch_key, run_key = jax.random.split(key)

    def activity(threshold: float) -> Activity:
        backend = make_hidden_backend("simulated", spec_for(threshold), mismatch=mismatch, encoder=encoder)
        return layer_activity(backend, backend.init_params(mismatch_key), rates, run_key)

    low, high = bounds
    at_low, at_high = activity(low), activity(high)
    if not at_high.mean_rate_hz <= target_rate_hz <= at_low.mean_rate_hz:
        raise ValueError(
            f"target rate {target_rate_hz:g} Hz is outside what thresholds {low:g}..{high:g} give "
            f"under these inputs ({at_high.mean_rate_hz:.3g}..{at_low.mean_rate_hz:.3g} Hz)"
        )
    for _ in range(max_iterations):
        middle = math.sqrt(low * high)
        measured = activity(middle)
        if abs(measured.mean_rate_hz - target_rate_hz) <= relative_tolerance * target_rate_hz:
            return Calibration(middle, measured, target_rate_hz)
        low, high = (middle, high) if measured.mean_rate_hz > target_rate_hz else (low, middle)
    raise ValueError(
        f"no threshold within {relative_tolerance:.0%} of {target_rate_hz:g} Hz after {max_iterations} "
        f"bisection steps (the rate jumps between thresholds {low:.4g} and {high:.4g}); raise "
        f"relative_tolerance or use longer inputs"
    )
