"""The two evaluation forms of e-prop give the same numbers (DESIGN 1a): the online form (per-step
traces, O(N^2) state) equals the episode form (one matrix product over time), for the supervised and
the policy-gradient rule, with and without the eligibility filter. Both also equal a direct numpy
evaluation of the DESIGN's double sums, and the readout updates equal the exact gradient (jax.grad
w.r.t. the readout only, through the full, non-detached network). All in float64.
"""

from __future__ import annotations

import functools
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.core import eprop, lif
from snnrl.core.lif_config import LIFConfig, lif_preset
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec

from .helpers import (
    FAST_COMPILE,
    forward,
    make_problem,
    policy_loss,
    record_of,
    rel_error,
    sample_actions,
    supervised_loss,
)

TOL = 1e-10
FLAGS = (True, False)


def key(rule: str, form: str, flag: bool) -> str:
    return f"{rule}/{form}/{'filtered' if flag else 'unfiltered'}"


@partial(jax.jit, static_argnames=("config",), compiler_options=FAST_COMPILE)
def all_forms(config: LIFConfig, problem: dict, beta, gamma) -> dict:
    """Episode and online forms (scanned over a recorded episode, and fused with the network in one
    online loop), for both rules and both filter settings, plus the exact readout gradients."""
    w, R, cur = problem["w_rec"], problem["readout"], problem["currents"]
    target, cost, rewards = problem["target"], problem["cost"], problem["rewards"]
    n_outputs, n = R.shape
    out = forward(config, w, cur)
    record = record_of(out)
    error = target - out.readout_trace @ R.T
    actions, probabilities = sample_actions(problem["action_key"], out, R, beta)
    a_r = config.alpha_readout
    res = dict(record=record, actions=actions, probabilities=probabilities, error=error, spikes=out.spikes)
    for flag in FLAGS:
        res[key("sup", "episode", flag)] = eprop.supervised_gradients_episode(record, R, error, cost, a_r, flag)
        res[key("sup", "online", flag)] = eprop.supervised_gradients_online(record, R, error, cost, a_r, flag)
        res[key("pol", "episode", flag)] = eprop.policy_gradients_episode(
            record, R, actions, probabilities, rewards, beta, gamma, a_r, flag
        )
        res[key("pol", "online", flag)] = eprop.policy_gradients_online(
            record, R, actions, probabilities, rewards, beta, gamma, a_r, flag
        )

    # the online form as used in training: network step and learning-rule step in one loop
    params = lif.LIFParams(w, config)

    def step(carry, inputs):
        state, sup_traces, pol_traces = carry
        current, target_t, action, reward = inputs
        state, o = lif.lif_step(params, state, current)
        err = target_t - R @ o.readout_trace
        probs = jax.nn.softmax(beta * (R @ o.readout_trace))
        new_sup, sup_steps, new_pol = [], [], []
        for flag, sup_trace, pol_trace in zip(FLAGS, sup_traces, pol_traces, strict=False):
            sup_trace, sup_step = eprop.supervised_step_gradients(
                sup_trace, o.pseudo_derivative, o.eligibility, o.readout_trace, R, err, cost, a_r, flag
            )
            pol_trace = eprop.policy_step_gradients(
                pol_trace,
                o.pseudo_derivative,
                o.eligibility,
                o.readout_trace,
                R,
                action,
                probs,
                reward,
                beta,
                gamma,
                a_r,
                flag,
            )
            new_sup.append(sup_trace)
            sup_steps.append(sup_step)
            new_pol.append(pol_trace)
        return (state, tuple(new_sup), tuple(new_pol)), (tuple(sup_steps), probs)

    dtype = cur.dtype
    carry0 = (
        lif.init_state(config, dtype),
        tuple(eprop.supervised_trace_init(n, flag, dtype) for flag in FLAGS),
        tuple(eprop.policy_trace_init(n, n_outputs, dtype) for _ in FLAGS),
    )
    (_, sup_traces, pol_traces), (sup_steps, fused_probs) = jax.lax.scan(step, carry0, (cur, target, actions, rewards))
    res["fused_probabilities"] = fused_probs
    for flag, _sup_trace, pol_trace, steps in zip(FLAGS, sup_traces, pol_traces, sup_steps, strict=False):
        res[key("sup", "fused", flag)] = jax.tree.map(lambda x: jnp.sum(x, axis=0), steps)
        res[key("pol", "fused", flag)] = pol_trace.gradients

    # exact readout gradients: through the full network (no detach); the readout does not feed back
    res["sup_readout_exact"] = jax.grad(
        lambda R_: supervised_loss(config, w, R_, cur, target, cost, detach_recurrent=False)
    )(R)
    res["pol_readout_exact"] = jax.grad(
        lambda R_: policy_loss(config, w, R_, cur, actions, rewards, beta, gamma, detach_recurrent=False)
    )(R)
    return res


CASES = {
    "official-N20-sigmoid": (
        0,
        dict(preset="official", n_neurons=20, tau_readout=3.0),
        40,
        PseudoDerivativeSpec("sigmoid"),
        dict(w_scale=3.0),
        5.0,
        0.9,
    ),
    "paper-N36-triangle": (
        5,
        dict(preset="paper", n_neurons=36, tau_readout=2.0, tau_m=8.0),
        50,
        PseudoDerivativeSpec("triangle"),
        dict(w_scale=2.0, input_mean=4.0, input_std=6.0, readout_std=0.5),
        3.0,
        0.97,
    ),
}


@functools.cache
def compute(case: str) -> tuple[dict, dict, float, float, float]:
    seed, changes, n_steps, pseudo, options, beta, gamma = CASES[case]
    changes = dict(changes)
    with jax.enable_x64(True):
        config = lif_preset(changes.pop("preset"), pseudo_derivative=pseudo, **changes)
        problem = make_problem(seed, config, n_steps, **options)
        res = all_forms(config, problem, beta, gamma)
        res = jax.tree.map(np.asarray, res)
        assert res["error"].dtype == np.float64
        problem = jax.tree.map(np.asarray, {k: v for k, v in problem.items() if k != "action_key"})
    rate = float(res["spikes"].mean())
    assert 0.01 <= rate <= 0.9, rate
    return res, problem, config.alpha_readout, beta, gamma


def _grads(g) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(g.w_rec), np.asarray(g.readout)


def reference_eprop(res, problem, alpha_readout, beta, gamma, rule, flag):
    """The DESIGN's sums evaluated directly with numpy loops (independent of snnrl.core.eprop):
    eligibility E_ij[t] = p_i[t] e_j[t] (optionally low-pass filtered by the readout filter);
    supervised: dW = -sum_t L[t] E[t], L = (c * err) R;         dR = -sum_t (c * err[t]) s_bar[t]^T
    policy:     dW = -sum_t r[t] sum_{t'<=t} gamma^(t-t') L[t'] E[t'], L = beta (onehot(a) - pi) R; same for R."""
    record = res["record"]
    p, e, s_bar = record.pseudo_derivative, record.eligibility, record.readout_trace
    R = problem["readout"]
    T, n = p.shape
    if rule == "sup":
        weighted = res["error"] * problem["cost"]
    else:
        onehot = np.eye(R.shape[0])[res["actions"]]
        weighted = beta * (onehot - res["probabilities"])
    learning_signal = weighted @ R
    E = np.zeros((n, n))
    per_step_w, per_step_r = [], []
    for t in range(T):
        instantaneous = np.outer(p[t], e[t])
        E = alpha_readout * E + (1 - alpha_readout) * instantaneous if flag else instantaneous
        per_step_w.append(-learning_signal[t][:, None] * E)
        per_step_r.append(-np.outer(weighted[t], s_bar[t]))
    if rule == "sup":
        return sum(per_step_w), sum(per_step_r)
    rewards = problem["rewards"]
    gw, gr = np.zeros((n, n)), np.zeros_like(R)
    for t in range(T):
        for s in range(t + 1):
            gw += rewards[t] * gamma ** (t - s) * per_step_w[s]
            gr += rewards[t] * gamma ** (t - s) * per_step_r[s]
    return gw, gr


@pytest.mark.parametrize("flag", FLAGS, ids=["filtered", "unfiltered"])
@pytest.mark.parametrize("rule", ["sup", "pol"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_online_equals_episode(case, rule, flag):
    res = compute(case)[0]
    episode = _grads(res[key(rule, "episode", flag)])
    assert np.linalg.norm(episode[0]) > 0 and np.linalg.norm(episode[1]) > 0
    for form in ("online", "fused"):
        online = _grads(res[key(rule, form, flag)])
        for name, a, b in zip(("w_rec", "readout"), online, episode, strict=False):
            error = rel_error(a, b)
            assert error <= TOL, f"{form} vs episode, {name}: {error:.3e}"


@pytest.mark.parametrize("flag", FLAGS, ids=["filtered", "unfiltered"])
@pytest.mark.parametrize("rule", ["sup", "pol"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_both_forms_equal_direct_numpy_sums(case, rule, flag):
    res, problem, alpha_readout, beta, gamma = compute(case)
    reference = reference_eprop(res, problem, alpha_readout, beta, gamma, rule, flag)
    for form in ("episode", "online"):
        for name, a, b in zip(("w_rec", "readout"), _grads(res[key(rule, form, flag)]), reference, strict=False):
            error = rel_error(a, b)
            assert error <= TOL, f"{form} vs numpy, {name}: {error:.3e}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_filter_setting_changes_the_recurrent_update_only(case):
    res = compute(case)[0]
    for rule in ("sup", "pol"):
        filtered, unfiltered = _grads(res[key(rule, "episode", True)]), _grads(res[key(rule, "episode", False)])
        assert rel_error(unfiltered[0], filtered[0]) > 1e-3
        np.testing.assert_array_equal(unfiltered[1], filtered[1])


@pytest.mark.parametrize("flag", FLAGS, ids=["filtered", "unfiltered"])
@pytest.mark.parametrize("rule", ["sup", "pol"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_readout_update_equals_exact_gradient(case, rule, flag):
    res = compute(case)[0]
    exact = res[f"{rule}_readout_exact"]
    assert np.all(np.isfinite(exact)) and np.linalg.norm(exact) > 0
    for form in ("episode", "online", "fused"):
        error = rel_error(_grads(res[key(rule, form, flag)])[1], exact)
        assert error <= TOL, f"{form}: {error:.3e}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_online_loop_sees_the_same_network(case):
    """The single-step loop reproduces lif.run: same policy probabilities at every step."""
    res = compute(case)[0]
    np.testing.assert_allclose(res["fused_probabilities"], res["probabilities"], rtol=1e-12, atol=1e-14)
