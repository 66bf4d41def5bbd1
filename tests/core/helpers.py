"""Shared pieces of the spiking-core tests: small random problems, the autodiff references of the two
e-prop rules, and a relative error.

Everything here is a pure function of a PRNG key and a (static, hashable) LIFConfig, so tests are
seeded and deterministic. The references are written from DESIGN 1a, independently of snnrl.core.eprop:

- supervised loss  E  = 1/2 sum_t sum_k c_k (y*_k[t] - (R s_bar[t])_k)^2
- policy loss     -J  = -sum_t stop_gradient(G[t]) log softmax(beta R s_bar[t])[a[t]],
                     G = discounted_returns(r, gamma)
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.core import eprop, filters, lif
from snnrl.core.lif_config import LIFConfig

# The float64 equality checks compile many small programs and run each once: XLA's backend
# optimisations cost about half of their compile time and buy nothing here. (Only these checking
# programs use it; the learning, batching and BPTT tests compile with the defaults.)
FAST_COMPILE = {"xla_backend_optimization_level": 0}


def rel_error(estimate, reference) -> float:
    """||estimate - reference|| / ||reference|| (Frobenius); the reference must be nonzero."""
    estimate, reference = np.asarray(estimate), np.asarray(reference)
    norm = np.linalg.norm(reference)
    assert norm > 0, "reference gradient is zero: the comparison would be vacuous"
    return float(np.linalg.norm(estimate - reference) / norm)


def make_problem(
    seed: int,
    config: LIFConfig,
    n_steps: int,
    n_outputs: int = 3,
    *,
    w_scale: float = 1.0,
    input_mean: float = 8.0,
    input_std: float = 10.0,
    readout_std: float = 1.0,
    dtype=np.float64,
) -> dict:
    """A random network and episode drawn with numpy (cheap, no per-shape compilation): recurrent
    weights (N, N) ~ w_scale * N(0, recurrent_std^2) with zero diagonal, readout (D, N), currents (T, N),
    supervised targets (T, D), output costs (D,), rewards (T,), and a PRNG key for sampling actions."""
    rng = np.random.default_rng(seed)
    n = config.n_neurons
    w_rec = w_scale * config.recurrent_std * rng.standard_normal((n, n))
    np.fill_diagonal(w_rec, 0.0)
    arrays = dict(
        w_rec=w_rec,
        readout=readout_std * rng.standard_normal((n_outputs, n)),
        currents=input_std * rng.standard_normal((n_steps, n)) + input_mean,
        target=rng.standard_normal((n_steps, n_outputs)),
        cost=np.linspace(1.0, 0.1, n_outputs),
        rewards=rng.standard_normal(n_steps),
    )
    problem = {name: jnp.asarray(value.astype(dtype)) for name, value in arrays.items()}
    problem["action_key"] = jax.random.key(seed)
    return problem


def forward(config: LIFConfig, w_rec, currents, *, detach_recurrent: bool = False) -> lif.LIFOutput:
    """Run the network from the game-start state; LIFOutput with fields (T, N)."""
    state = lif.init_state(config, currents.dtype)
    _, out = lif.run(lif.LIFParams(w_rec, config), state, currents, detach_recurrent=detach_recurrent)
    return out


def record_of(out: lif.LIFOutput) -> eprop.EpisodeRecord:
    return eprop.EpisodeRecord(out.pseudo_derivative, out.eligibility, out.readout_trace)


def supervised_loss(config, w_rec, readout, currents, target, cost, *, detach_recurrent=True):
    out = forward(config, w_rec, currents, detach_recurrent=detach_recurrent)
    prediction = out.readout_trace @ readout.T
    return 0.5 * jnp.sum(cost * (target - prediction) ** 2)


def policy_loss(config, w_rec, readout, currents, actions, rewards, beta, gamma, *, detach_recurrent=True):
    out = forward(config, w_rec, currents, detach_recurrent=detach_recurrent)
    log_pi = jax.nn.log_softmax(beta * out.readout_trace @ readout.T, axis=-1)
    returns = jax.lax.stop_gradient(filters.discounted_returns(rewards, gamma))
    return -jnp.sum(returns * log_pi[jnp.arange(actions.shape[0]), actions])


def sample_actions(key, out: lif.LIFOutput, readout, beta):
    """Actions a[t] ~ softmax(beta R s_bar[t]) and the probabilities (T, A)."""
    logits = beta * out.readout_trace @ readout.T
    return jax.random.categorical(key, logits), jax.nn.softmax(logits, axis=-1)


@partial(jax.jit, static_argnames=("config",), compiler_options=FAST_COMPILE)
def eprop_and_autodiff(config: LIFConfig, problem: dict, beta=5.0, gamma=0.9) -> dict:
    """e-prop (episode form, with and without the eligibility filter) and jax.grad with
    detach_recurrent=True, for both rules, on one problem. beta and gamma are traced (no recompilation).

    Returns a dict: spikes (T, N), actions (T,), and (w_rec gradient, readout gradient) tuples under
    sup_auto / pol_auto (autodiff), sup_filtered / pol_filtered and sup_unfiltered / pol_unfiltered
    (e-prop with filter_eligibility True / False)."""
    w, R, cur = problem["w_rec"], problem["readout"], problem["currents"]
    target, cost, rewards = problem["target"], problem["cost"], problem["rewards"]
    out = forward(config, w, cur)
    record = record_of(out)
    error = target - out.readout_trace @ R.T
    actions, probabilities = sample_actions(problem["action_key"], out, R, beta)
    result = dict(spikes=out.spikes, actions=actions)
    for label, flag in (("filtered", True), ("unfiltered", False)):
        sup = eprop.supervised_gradients_episode(record, R, error, cost, config.alpha_readout, flag)
        pol = eprop.policy_gradients_episode(
            record, R, actions, probabilities, rewards, beta, gamma, config.alpha_readout, flag
        )
        result[f"sup_{label}"] = (sup.w_rec, sup.readout)
        result[f"pol_{label}"] = (pol.w_rec, pol.readout)
    result["sup_auto"] = jax.grad(lambda w_, R_: supervised_loss(config, w_, R_, cur, target, cost), (0, 1))(w, R)
    result["pol_auto"] = jax.grad(
        lambda w_, R_: policy_loss(config, w_, R_, cur, actions, rewards, beta, gamma), (0, 1)
    )(w, R)
    return result
