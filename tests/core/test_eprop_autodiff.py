"""Hand-written e-prop equals jax.grad with the recurrent spikes' gradient stopped (DESIGN 1a).

With filter_eligibility=True (the e-prop paper's form) the equality is exact, for the supervised rule
and the policy-gradient rule, for recurrent and readout weights. Without the filter (dreaming paper,
official code) the recurrent gradient is an approximation that becomes exact as tau_readout -> 0.
All comparisons in float64.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.core.lif_config import lif_preset
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec

from .helpers import eprop_and_autodiff, make_problem, rel_error

# name -> (seed, config changes, T, problem options): small networks spiking at a few percent.
NETWORKS = {
    "official-N20": (
        0,
        dict(preset="official", n_neurons=20, tau_readout=3.0),
        40,
        dict(w_scale=3.0, input_mean=8.0, input_std=10.0),
    ),
    "paper-N32": (
        1,
        dict(preset="paper", n_neurons=32, tau_readout=3.0, tau_m=10.0),
        60,
        dict(w_scale=2.0, input_mean=4.0, input_std=6.0, readout_std=0.5),
    ),
    "official-N48-slow-syn": (
        2,
        dict(preset="official", n_neurons=48, tau_readout=5.0, tau_s=8.0, v_init=0.0),
        50,
        dict(w_scale=4.0, input_mean=10.0, input_std=12.0),
    ),
}

PSEUDO_DERIVATIVES = {
    "sigmoid": PseudoDerivativeSpec("sigmoid", width=1.0),
    "triangle": PseudoDerivativeSpec("triangle", width=1.0, gamma=0.3),
    "sigmoid-w0.5": PseudoDerivativeSpec("sigmoid", width=0.5),
    "triangle-w2": PseudoDerivativeSpec("triangle", width=2.0, gamma=0.5),
}

TOL = 1e-5
BETA, GAMMA = 5.0, 0.9


@functools.cache
def compute(network: str, pseudo: str, tau_readout: float | None = None, beta=BETA, gamma=GAMMA) -> dict:
    """e-prop and autodiff gradients (numpy, float64) of one network; cached per worker."""
    seed, changes, n_steps, options = NETWORKS[network]
    changes = dict(changes)
    if tau_readout is not None:
        changes["tau_readout"] = tau_readout
    with jax.enable_x64(True):
        config = lif_preset(changes.pop("preset"), pseudo_derivative=PSEUDO_DERIVATIVES[pseudo], **changes)
        problem = make_problem(seed, config, n_steps, **options)
        assert problem["w_rec"].dtype == jnp.float64
        result = eprop_and_autodiff(config, problem, beta, gamma)
        assert result["sup_auto"][0].dtype == jnp.float64
        return jax.tree.map(np.asarray, result)


def _check_nontrivial(result: dict) -> None:
    rate = float(np.mean(result["spikes"]))
    assert 0.01 <= rate <= 0.9, f"spike rate {rate:.4f} outside [1%, 90%]: the check would be vacuous"
    for name in ("sup_auto", "pol_auto"):
        for grad in result[name]:
            assert np.all(np.isfinite(grad)), name
            assert np.linalg.norm(grad) > 0.0, name
    # several actions were sampled, so the policy rule sees several one-hot directions
    assert len(np.unique(result["actions"])) >= 2


def _assert_filtered_exact(result: dict, context: str) -> None:
    for rule in ("sup", "pol"):
        for index, weights in enumerate(("w_rec", "readout")):
            error = rel_error(result[f"{rule}_filtered"][index], result[f"{rule}_auto"][index])
            assert error <= TOL, f"{context} {rule} {weights}: relative error {error:.3e}"


CASES = [(net, pd) for net in NETWORKS for pd in ("sigmoid", "triangle")] + [
    ("official-N20", "sigmoid-w0.5"),
    ("paper-N32", "triangle-w2"),
]


@pytest.mark.parametrize("network, pseudo", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_filtered_eprop_equals_autodiff(network, pseudo):
    result = compute(network, pseudo)
    _check_nontrivial(result)
    _assert_filtered_exact(result, f"{network}/{pseudo}")


@pytest.mark.parametrize("beta, gamma", [(2.0, 0.0), (2.0, 1.0), (0.5, 0.99)])
def test_filtered_policy_rule_for_other_beta_and_gamma(beta, gamma):
    """gamma = 0 (only the immediate reward), gamma = 1 (undiscounted return), a small beta."""
    result = compute("official-N20", "sigmoid", beta=beta, gamma=gamma)
    _check_nontrivial(result)
    _assert_filtered_exact(result, f"beta={beta} gamma={gamma}")
    # and the answer depends on gamma: not the default's gradient
    default = compute("official-N20", "sigmoid")
    assert rel_error(result["pol_filtered"][0], default["pol_filtered"][0]) > 1e-3


TAUS = (3.0, 0.5, 0.1, 1e-3)


@pytest.mark.parametrize("pseudo", ["sigmoid", "triangle"])
def test_unfiltered_eprop_is_exact_only_as_tau_readout_vanishes(pseudo):
    errors = {"sup": [], "pol": []}
    for tau in TAUS:
        result = compute("official-N20", pseudo, tau)
        _check_nontrivial(result)
        _assert_filtered_exact(result, f"tau_readout={tau}")  # the filtered form is exact at every tau
        for rule in errors:
            errors[rule].append(rel_error(result[f"{rule}_unfiltered"][0], result[f"{rule}_auto"][0]))
            # the readout gradient does not involve the eligibility: exact for every tau
            assert rel_error(result[f"{rule}_unfiltered"][1], result[f"{rule}_auto"][1]) <= 1e-10
    for rule, errs in errors.items():
        assert errs[0] > 1e-2, f"{rule}: the unfiltered form should differ at tau_readout=3 ms, {errs}"
        assert all(a > b for a, b in zip(errs, errs[1:], strict=False)), f"{rule}: error not decreasing, {errs}"
        assert errs[-1] < 1e-5, f"{rule}: not exact at tau_readout=1e-3 ms, {errs}"


@pytest.mark.parametrize("network", ["paper-N32", "official-N48-slow-syn"])
def test_unfiltered_eprop_differs_from_autodiff_at_finite_tau(network):
    result = compute(network, "sigmoid")
    _check_nontrivial(result)
    for rule in ("sup", "pol"):
        assert rel_error(result[f"{rule}_unfiltered"][0], result[f"{rule}_auto"][0]) > 1e-2
        assert rel_error(result[f"{rule}_unfiltered"][1], result[f"{rule}_auto"][1]) <= 1e-10
