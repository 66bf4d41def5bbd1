"""Pseudo-derivatives and the surrogate spike: exact values, stability at extreme membrane values
(float32), jax.grad of the spike equals the pseudo-derivative, and full BPTT through 2000 steps with
huge inputs stays finite."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.core import lif
from snnrl.core.lif_config import LIFConfig, lif_preset
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec, sigmoid_derivative, triangle
from snnrl.core.spike import spike

F32_MAX = float(np.finfo(np.float32).max)
EXTREMES = [1e30, -1e30, 1e4, -1e4, F32_MAX, -F32_MAX, float("inf"), -float("inf")]
SPECS = {
    "sigmoid": PseudoDerivativeSpec("sigmoid"),
    "sigmoid-w0.5": PseudoDerivativeSpec("sigmoid", width=0.5),
    "sigmoid-w3": PseudoDerivativeSpec("sigmoid", width=3.0),
    "triangle": PseudoDerivativeSpec("triangle"),
    "triangle-w2-g1": PseudoDerivativeSpec("triangle", width=2.0, gamma=1.0),
}


def _peak(spec: PseudoDerivativeSpec) -> float:
    return 0.25 / spec.width if spec.name == "sigmoid" else spec.gamma


def _analytic_float64(spec: PseudoDerivativeSpec, x: np.ndarray) -> np.ndarray:
    """sigma(z)(1 - sigma(z)) / width with z = x / width, evaluated in float64 at -|z| (the function is
    even; there 1 - sigma does not cancel, finite for |z| < 700), or gamma * max(0, 1 - |x|/width)."""
    x = np.asarray(x, np.float64)
    if spec.name == "sigmoid":
        z = -np.abs(x / spec.width)
        sigma = 1.0 / (1.0 + np.exp(-z))
        return sigma * (1.0 - sigma) / spec.width
    return spec.gamma * np.maximum(0.0, 1.0 - np.abs(x) / spec.width)


@pytest.mark.parametrize("spec_name", sorted(SPECS))
def test_pseudo_derivative_at_extreme_values_float32(spec_name):
    spec = SPECS[spec_name]
    x = jnp.asarray(EXTREMES + [0.0, -0.0], jnp.float32)
    p = np.asarray(spec(x))
    assert p.dtype == np.float32
    assert np.all(np.isfinite(p)), p
    np.testing.assert_array_equal(p[:-2], 0.0)  # far from threshold: exactly zero, no NaN/overflow
    np.testing.assert_allclose(p[-2:], _peak(spec), rtol=1e-7)  # at threshold: the peak value
    # also under jit and for a large batch of extreme values
    big = jnp.concatenate([jnp.full((1000,), 1e30, jnp.float32), jnp.full((1000,), -1e30, jnp.float32)])
    p_big = jax.jit(spec.__call__)(big)
    assert np.all(np.asarray(p_big) == 0.0)


@pytest.mark.parametrize("spec_name", [name for name in SPECS if name.startswith("sigmoid")])
def test_sigmoid_form_matches_analytic_where_finite(spec_name):
    spec = SPECS[spec_name]
    x = np.concatenate([np.linspace(-60, 60, 2401), [-1e-6, 1e-6, 0.3, -0.3, 5.0, -5.0]]) * spec.width
    p32 = np.asarray(spec(jnp.asarray(x, jnp.float32))).astype(np.float64)
    reference = _analytic_float64(spec, np.float32(x))
    assert np.all(np.isfinite(reference))
    normal = reference > 1e-30
    # float32 rounding of z = x / width and of exp(-|z|): relative error about (|z| + a few) * eps32
    z = np.abs(np.float32(x) / spec.width)
    bound = (z + 8.0) * np.finfo(np.float32).eps * reference
    assert np.all(np.abs(p32 - reference)[normal] <= bound[normal]), np.max(np.abs(p32 - reference) / bound)
    np.testing.assert_allclose(p32[~normal], reference[~normal], atol=1e-37)
    # the naive float32 form sigma(z)(1-sigma(z)) agrees where it is accurate (1 - sigma(z) does not
    # cancel: z <= 2)
    z = jnp.asarray(np.linspace(-20, 2, 441), jnp.float32)
    naive = jax.nn.sigmoid(z) * (1.0 - jax.nn.sigmoid(z)) / spec.width
    np.testing.assert_allclose(spec(z * spec.width), naive, rtol=1e-5)
    # it is the derivative of the sigmoid (float64 autodiff, on the side without cancellation)
    with jax.enable_x64(True):
        xs = jnp.linspace(-30.0, 1.0, 125, dtype=jnp.float64) * spec.width
        derivative = jax.vmap(jax.grad(lambda v: jax.nn.sigmoid(v / spec.width)))(xs)
        np.testing.assert_allclose(spec(xs), derivative, rtol=1e-12)
        np.testing.assert_allclose(spec(-xs), derivative, rtol=1e-12)  # even


@pytest.mark.parametrize("spec_name", [name for name in SPECS if name.startswith("triangle")])
def test_triangle_form(spec_name):
    spec = SPECS[spec_name]
    w, g = spec.width, spec.gamma
    x = np.concatenate([np.linspace(-3 * w, 3 * w, 601), [w, -w, 0.5 * w, -0.5 * w, 0.999 * w]])
    p = np.asarray(spec(jnp.asarray(x, jnp.float32)))
    np.testing.assert_allclose(p, _analytic_float64(spec, np.float32(x)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        np.asarray(spec(jnp.asarray([0.5 * w, w, 1.5 * w], jnp.float32))), [g / 2, 0, 0], atol=1e-7
    )
    assert np.all(p >= 0) and np.all(p <= g)
    assert np.all(p[np.abs(x) >= w] == 0)


@pytest.mark.parametrize("spec_name", sorted(SPECS))
def test_pseudo_derivative_is_even_and_peaks_at_threshold(spec_name):
    spec = SPECS[spec_name]
    x = jnp.asarray(np.linspace(0, 20, 801), jnp.float32)
    p, p_neg = np.asarray(spec(x)), np.asarray(spec(-x))
    np.testing.assert_array_equal(p, p_neg)
    assert np.all(np.diff(p) <= 0)  # non-increasing away from threshold
    assert p[0] == pytest.approx(_peak(spec), rel=1e-7)


def test_module_functions_agree_with_the_spec():
    x = jnp.asarray(np.linspace(-4, 4, 81), jnp.float32)
    np.testing.assert_array_equal(sigmoid_derivative(x, 2.0), PseudoDerivativeSpec("sigmoid", width=2.0)(x))
    np.testing.assert_array_equal(triangle(x, 2.0, 0.7), PseudoDerivativeSpec("triangle", 2.0, 0.7)(x))


# ------------------------------------------------------------------------------- surrogate spike


def test_spike_forward_is_the_heaviside_step():
    x = jnp.asarray([-1e30, -1.0, -1e-30, 0.0, -0.0, 1e-30, 1e-6, 1.0, 1e30], jnp.float32)
    s = spike(x, SPECS["sigmoid"])
    assert s.dtype == jnp.float32
    np.testing.assert_array_equal(s, [0, 0, 0, 0, 0, 1, 1, 1, 1])  # H(0) = 0: spikes need v > v_th
    with jax.enable_x64(True):
        s64 = spike(jnp.asarray([-1e-300, 0.0, 1e-300], jnp.float64), SPECS["triangle"])
        assert s64.dtype == jnp.float64
        np.testing.assert_array_equal(s64, [0, 0, 1])


@pytest.mark.parametrize("spec_name", sorted(SPECS))
def test_grad_of_spike_is_the_pseudo_derivative(spec_name):
    spec = SPECS[spec_name]
    x = jnp.asarray(np.concatenate([np.linspace(-5, 5, 201), EXTREMES, [0.0]]), jnp.float32)
    grad = jax.vmap(jax.grad(lambda v: spike(v, spec)))(x)
    assert np.all(np.isfinite(np.asarray(grad)))
    np.testing.assert_array_equal(grad, spec(x))
    assert float(jnp.max(grad)) == pytest.approx(_peak(spec), rel=1e-7)
    # a vector-Jacobian product with an arbitrary cotangent (also huge ones) scales it elementwise
    cotangent = jnp.asarray(np.random.default_rng(0).standard_normal(x.shape) * 1e20, jnp.float32)
    _, pullback = jax.vjp(lambda v: spike(v, spec), x)
    (vjp,) = pullback(cotangent)
    np.testing.assert_array_equal(vjp, cotangent * spec(x))
    assert np.all(np.isfinite(np.asarray(vjp)))


@pytest.mark.parametrize("spec_name", ["sigmoid", "triangle"])
def test_lif_step_spike_gradient_and_recorded_pseudo_derivative(spec_name):
    """d s[t] / d I[t] = (1 - a_m) p[t] (diagonal), and LIFOutput.pseudo_derivative is that p."""
    config = LIFConfig(n_neurons=16, pseudo_derivative=SPECS[spec_name])
    rng = np.random.default_rng(3)
    params = lif.LIFParams(jnp.asarray(rng.standard_normal((16, 16)) * 0.3, jnp.float32), config)
    state = lif.LIFState(
        v=jnp.asarray(rng.uniform(-2, 2, 16), jnp.float32),
        spikes=jnp.asarray(rng.integers(0, 2, 16), jnp.float32),
        spikes_filtered=jnp.asarray(rng.uniform(0, 1, 16), jnp.float32),
        readout_trace=jnp.zeros(16, jnp.float32),
        eligibility=jnp.zeros(16, jnp.float32),
    )
    current = jnp.asarray(rng.uniform(4, 12, 16), jnp.float32)  # membranes land near threshold
    _, out = lif.lif_step(params, state, current)
    p = np.asarray(out.pseudo_derivative)
    np.testing.assert_allclose(p, SPECS[spec_name](out.v - config.v_th), rtol=1e-7)
    assert np.count_nonzero(p) >= 4, p  # the check below is not vacuous
    jacobian = jax.jacobian(lambda c: lif.lif_step(params, state, c)[1].spikes)(current)
    np.testing.assert_allclose(jacobian, np.diag((1.0 - config.alpha_m) * p), rtol=1e-6, atol=1e-12)


# ------------------------------------------------------------------------------- BPTT, 2000 steps

N_BPTT, T_BPTT = 24, 2000


@partial(jax.jit, static_argnames=("config",))
def _bptt(config: LIFConfig, w_rec, readout, currents):
    """Full BPTT (detach_recurrent=False) gradients of a readout loss w.r.t. weights, readout, inputs."""

    def loss(w, R, I):
        _, out = lif.run(lif.LIFParams(w, config), lif.init_state(config, I.dtype), I, detach_recurrent=False)
        return jnp.sum(jnp.tanh(out.readout_trace @ R.T)), out

    grads, out = jax.grad(loss, (0, 1, 2), has_aux=True)(w_rec, readout, currents)
    return grads, jnp.max(jnp.abs(out.v), axis=0), jnp.mean(out.spikes, axis=0)


def _huge_inputs(rng, extreme_mask):
    signs = np.where(rng.random((T_BPTT, N_BPTT)) < 0.5, -1.0, 1.0)
    moderate = 10.0 * rng.standard_normal((T_BPTT, N_BPTT)) + 8.0
    return jnp.asarray(np.where(extreme_mask, 1e6 * signs, moderate), jnp.float32)


@pytest.mark.parametrize("spec_name", ["sigmoid", "triangle"])
def test_bptt_2000_steps_all_membranes_extreme_official_preset(spec_name):
    """Every neuron driven by +-1e6 (official constants, w_res = -100): all gradients finite, and
    the readout gradient nonzero."""
    config = lif_preset("official", n_neurons=N_BPTT, pseudo_derivative=SPECS[spec_name])
    rng = np.random.default_rng(7)
    w = jnp.asarray(rng.standard_normal((N_BPTT, N_BPTT)) / np.sqrt(N_BPTT), jnp.float32)
    R = jnp.asarray(rng.standard_normal((2, N_BPTT)), jnp.float32)
    currents = _huge_inputs(rng, np.ones(N_BPTT, bool))
    (g_w, g_R, g_I), v_max, rates = _bptt(config, w, R, currents)
    assert float(jnp.min(v_max)) > 1e5  # the membranes really are extreme
    assert 0.1 < float(jnp.mean(rates)) < 0.9
    for g in (g_w, g_R, g_I):
        assert g.dtype == jnp.float32
        assert np.all(np.isfinite(np.asarray(g)))
    assert float(jnp.linalg.norm(g_R)) > 0


@pytest.mark.parametrize("spec_name", ["sigmoid", "triangle"])
def test_bptt_2000_steps_mixed_extreme_and_moderate_membranes(spec_name):
    """Half of the neurons at +-1e6, half near threshold: gradients w.r.t. recurrent weights, readout
    and inputs are all finite and nonzero after 2000 steps.

    The reset is made small (w_res = -1): with the official w_res = -100 the exact BPTT gradient
    through the reset path grows by about |w_res| * p per step for neurons near threshold (about 1e12
    after 20 steps, 1e57 after 100 in float64), which is the model's derivative, not a numerical
    defect of the surrogate; this test is about the surrogate's numerics at extreme membrane values."""
    config = lif_preset("official", n_neurons=N_BPTT, w_res=-1.0, pseudo_derivative=SPECS[spec_name])
    rng = np.random.default_rng(8)
    w = jnp.asarray(rng.standard_normal((N_BPTT, N_BPTT)) / np.sqrt(N_BPTT), jnp.float32)
    R = jnp.asarray(rng.standard_normal((2, N_BPTT)), jnp.float32)
    extreme = np.arange(N_BPTT) < N_BPTT // 2
    currents = _huge_inputs(rng, extreme)
    (g_w, g_R, g_I), v_max, rates = _bptt(config, w, R, currents)
    assert float(jnp.min(v_max[extreme])) > 1e5
    assert float(jnp.max(v_max[~extreme])) < 1e3
    assert 0.01 < float(jnp.mean(rates[~extreme])) < 0.9
    for g in (g_w, g_R, g_I):
        g = np.asarray(g)
        assert np.all(np.isfinite(g))
        assert np.linalg.norm(g) > 0
    # gradient reaches the recurrent weights onto the moderate neurons, from both kinds of presynaptic neurons
    g_w = np.asarray(g_w)
    assert np.linalg.norm(g_w[~extreme][:, extreme]) > 0 and np.linalg.norm(g_w[~extreme][:, ~extreme]) > 0
    # gradient flows back to early inputs of the moderate neurons (through 2000 steps of scan)
    assert np.linalg.norm(np.asarray(g_I)[:100, ~extreme]) > 0
