"""e-prop: the two local learning rules of docs/science.md ("e-prop"), in two evaluation forms with the same numbers.

Sign convention: every function returns the *gradient of a loss to minimise* (feed it to optax):
- supervised (world model): E = 1/2 sum_t sum_k cost_k (target_k[t] - y_k[t])^2, y = R s_bar;
- policy gradient (agent): -J, J = sum_t G[t] log pi(a[t]), pi = softmax(beta R s_bar),
  G[t] = sum_{t'>=t} gamma^(t'-t) r[t'] (treated as a constant).

Recurrent weights: dW_ij = -sum_t L_i[t] E_ij[t], where the eligibility E_ij[t] is p_i[t] e_j[t]
(dreaming paper, ``filter_eligibility=False``) or that product low-pass filtered by the readout filter
(e-prop paper, exact gradient with the spikes' recurrent gradient stopped).

Episode form: one (T,N)^T @ (T,N) product per game, stores O(T N).
Online form: per-step traces (O(N^2) state), stores nothing of the episode.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from snnrl.core.checks import check_actions, check_array, check_probabilities
from snnrl.core.filters import discounted_returns, low_pass_reverse


@struct.dataclass
class EpisodeRecord:
    """What one network emitted over an episode: fields (T, N)."""

    pseudo_derivative: jax.Array
    eligibility: jax.Array
    readout_trace: jax.Array


@struct.dataclass
class Gradients:
    """Loss gradients: w_rec (N, N) post x pre, readout (D, N)."""

    w_rec: jax.Array
    readout: jax.Array


def _check_episode(record: EpisodeRecord, readout: jax.Array, **per_step: jax.Array) -> None:
    """Shapes of an episode's arrays against the record (T, N) and the readout (D, N); NaN when concrete."""
    steps, n_neurons = np.shape(record.eligibility)
    n_outputs = np.shape(readout)[0]
    check_array("readout", readout, (n_outputs, n_neurons))
    for name in ("pseudo_derivative", "readout_trace"):
        check_array(f"record.{name}", getattr(record, name), (steps, n_neurons))
    expected = {
        "error": (steps, n_outputs),
        "cost": (n_outputs,),
        "actions": (steps,),
        "probabilities": (steps, n_outputs),
        "rewards": (steps,),
    }
    for name, value in per_step.items():
        if name == "actions":
            check_actions(name, value, n_outputs, expected[name])
        elif name == "probabilities":
            check_probabilities(name, value, expected[name])
        else:
            check_array(name, value, expected[name])


def _check_policy_step(
    readout_trace: jax.Array, actions: jax.Array, probabilities: jax.Array, rewards: jax.Array
) -> None:
    """Shapes of the policy rule's per-step arrays against readout_trace (T, N) and probabilities (T, A);
    integer actions in [0, A), probabilities in [0, 1], no NaN (values checked when concrete)."""
    steps = np.shape(readout_trace)[0]
    check_array("readout_trace", readout_trace, (steps, None))
    check_probabilities("probabilities", probabilities, (steps, None))
    check_actions("actions", actions, np.shape(probabilities)[1], (steps,))
    check_array("rewards", rewards, (steps,))


def _recurrent_gradient(
    record: EpisodeRecord, learning_signal: jax.Array, alpha_readout: float, filter_eligibility: bool
) -> jax.Array:
    """-sum_t L[t] * E[t] as one matrix product. learning_signal: (T, N) -> (N, N)."""
    if filter_eligibility:
        learning_signal = low_pass_reverse(learning_signal, alpha_readout)
    return -(learning_signal * record.pseudo_derivative).T @ record.eligibility


def _step_eligibility(
    filtered: jax.Array | None,
    pseudo_derivative: jax.Array,
    eligibility: jax.Array,
    alpha_readout: float,
    filter_eligibility: bool,
) -> jax.Array:
    """This step's eligibility p_i e_j (N, N), low-pass filtered with the previous ``filtered`` if asked
    (``filtered`` is unused otherwise)."""
    instantaneous = jnp.outer(pseudo_derivative, eligibility)
    if filter_eligibility:
        return alpha_readout * filtered + (1.0 - alpha_readout) * instantaneous
    return instantaneous


# ---------------------------------------------------------------- readout gradients (exact)


def supervised_readout_gradient(readout_trace: jax.Array, error: jax.Array, cost: jax.Array) -> jax.Array:
    """dE/dR of the supervised loss. readout_trace (T, N); error = target - prediction (T, D); cost (D,).
    Returns (D, N)."""
    return -(error * cost).T @ readout_trace


def policy_readout_gradient(
    readout_trace: jax.Array,
    actions: jax.Array,
    probabilities: jax.Array,
    rewards: jax.Array,
    beta: float,
    gamma: float,
) -> jax.Array:
    """d(-J)/dR of the policy-gradient objective. readout_trace (T, N); actions (T,); probabilities (T, A);
    rewards (T,). Returns (A, N). ValueError naming a mis-shaped, out-of-range or NaN argument."""
    _check_policy_step(readout_trace, actions, probabilities, rewards)
    weighted = policy_log_derivative(actions, probabilities, beta) * discounted_returns(rewards, gamma)[:, None]
    return -weighted.T @ readout_trace


# ---------------------------------------------------------------- supervised rule (world model)


def _signal_cost(cost: jax.Array, signal_weights: jax.Array | None) -> jax.Array:
    return cost if signal_weights is None else cost * signal_weights


def supervised_gradients_episode(
    record: EpisodeRecord,
    readout: jax.Array,
    error: jax.Array,
    cost: jax.Array,
    alpha_readout: float,
    filter_eligibility: bool,
    signal_weights: jax.Array | None = None,
) -> Gradients:
    """Episode form of the supervised rule. readout (D, N); error = target - prediction (T, D);
    cost (D,) weights c_k. signal_weights (D,): extra weights of the errors in the recurrent learning
    signal only (the official world model weighs its reward error by 0.5 there); None = 1. Returns
    Gradients of E."""
    _check_episode(record, readout, error=error, cost=cost)
    learning_signal = (error * _signal_cost(cost, signal_weights)) @ readout
    return Gradients(
        w_rec=_recurrent_gradient(record, learning_signal, alpha_readout, filter_eligibility),
        readout=supervised_readout_gradient(record.readout_trace, error, cost),
    )


def supervised_trace_init(n_neurons: int, filter_eligibility: bool, dtype=jnp.float32) -> jax.Array | None:
    """Online state of the supervised rule: the filtered eligibility (N, N), or None when the
    eligibility is not filtered (the dreaming paper's form needs no state)."""
    return jnp.zeros((n_neurons, n_neurons), dtype) if filter_eligibility else None


def supervised_step_gradients(
    filtered_eligibility: jax.Array | None,
    pseudo_derivative: jax.Array,
    eligibility: jax.Array,
    readout_trace: jax.Array,
    readout: jax.Array,
    error: jax.Array,
    cost: jax.Array,
    alpha_readout: float,
    filter_eligibility: bool,
    signal_weights: jax.Array | None = None,
) -> tuple[jax.Array | None, Gradients]:
    """One online step. filtered_eligibility: from supervised_trace_init or the previous step;
    pseudo_derivative, eligibility, readout_trace: (N,); readout (D, N); error, cost, signal_weights (D,)
    (as in ``supervised_gradients_episode``). Returns the new filtered eligibility and this step's
    Gradients (their sum over a game is the episode form's result)."""
    eligibility_now = _step_eligibility(
        filtered_eligibility, pseudo_derivative, eligibility, alpha_readout, filter_eligibility
    )
    weighted_error = error * cost
    learning_signal = (error * _signal_cost(cost, signal_weights)) @ readout
    step = Gradients(
        w_rec=-learning_signal[:, None] * eligibility_now, readout=-jnp.outer(weighted_error, readout_trace)
    )
    return (eligibility_now if filter_eligibility else None), step


def supervised_gradients_online(
    record: EpisodeRecord,
    readout: jax.Array,
    error: jax.Array,
    cost: jax.Array,
    alpha_readout: float,
    filter_eligibility: bool,
) -> Gradients:
    """The online form scanned over a recorded episode (for checks; in training call the step inside
    the environment loop). Same arguments and result as ``supervised_gradients_episode``."""
    n_outputs, n_neurons = readout.shape
    zeros = Gradients(
        jnp.zeros((n_neurons, n_neurons), readout.dtype), jnp.zeros((n_outputs, n_neurons), readout.dtype)
    )

    def step(carry, inputs):
        filtered, total = carry
        pseudo, elig, rtrace, err = inputs
        filtered, gradients = supervised_step_gradients(
            filtered, pseudo, elig, rtrace, readout, err, cost, alpha_readout, filter_eligibility
        )
        return (filtered, jax.tree.map(jnp.add, total, gradients)), None

    inputs = (record.pseudo_derivative, record.eligibility, record.readout_trace, error)
    (_, total), _ = jax.lax.scan(
        step, (supervised_trace_init(n_neurons, filter_eligibility, readout.dtype), zeros), inputs
    )
    return total


# ---------------------------------------------------------------- policy-gradient rule (agent)


def policy_log_derivative(actions: jax.Array, probabilities: jax.Array, beta: float) -> jax.Array:
    """d log pi(a) / d logits-before-beta = beta (onehot(a) - pi). actions (T,) int, probabilities (T, A)."""
    return beta * (jax.nn.one_hot(actions, probabilities.shape[-1], dtype=probabilities.dtype) - probabilities)


def policy_gradients_episode(
    record: EpisodeRecord,
    readout: jax.Array,
    actions: jax.Array,
    probabilities: jax.Array,
    rewards: jax.Array,
    beta: float,
    gamma: float,
    alpha_readout: float,
    filter_eligibility: bool,
) -> Gradients:
    """Episode form of the policy-gradient rule. readout (A, N); actions (T,) int; probabilities (T, A);
    rewards (T,). Returns Gradients of -J."""
    _check_episode(record, readout, actions=actions, probabilities=probabilities, rewards=rewards)
    returns = discounted_returns(rewards, gamma)
    learning_signal = (policy_log_derivative(actions, probabilities, beta) * returns[:, None]) @ readout
    return Gradients(
        w_rec=_recurrent_gradient(record, learning_signal, alpha_readout, filter_eligibility),
        readout=policy_readout_gradient(record.readout_trace, actions, probabilities, rewards, beta, gamma),
    )


@struct.dataclass
class PolicyTrace:
    """Online state of the policy-gradient rule: filtered eligibility (N, N), discounted traces of the
    per-step log-policy gradients (Gradients), and the reward-weighted accumulation (Gradients)."""

    filtered_eligibility: jax.Array
    discounted: Gradients
    gradients: Gradients


def policy_trace_init(n_neurons: int, n_actions: int, dtype=jnp.float32) -> PolicyTrace:
    """Zero online state for N neurons and A actions."""
    square = jnp.zeros((n_neurons, n_neurons), dtype)
    readout = jnp.zeros((n_actions, n_neurons), dtype)
    return PolicyTrace(square, Gradients(square, readout), Gradients(square, readout))


def policy_step_gradients(
    trace: PolicyTrace,
    pseudo_derivative: jax.Array,
    eligibility: jax.Array,
    readout_trace: jax.Array,
    readout: jax.Array,
    action: jax.Array,
    probabilities: jax.Array,
    reward: jax.Array,
    beta: float,
    gamma: float,
    alpha_readout: float,
    filter_eligibility: bool,
) -> PolicyTrace:
    """One online step: the log-policy gradient enters a trace decaying by gamma, and the reward of this
    step multiplies that trace. pseudo_derivative, eligibility, readout_trace (N,); readout (A, N);
    action () int; probabilities (A,); reward (). ValueError naming a mis-shaped, out-of-range or NaN
    action, probabilities or reward (values checked when concrete)."""
    _check_policy_step(readout_trace[None], action[None], probabilities[None], jnp.asarray(reward)[None])
    filtered = _step_eligibility(
        trace.filtered_eligibility, pseudo_derivative, eligibility, alpha_readout, filter_eligibility
    )
    log_derivative = policy_log_derivative(action[None], probabilities[None], beta)[0]
    learning_signal = log_derivative @ readout
    step = Gradients(w_rec=-learning_signal[:, None] * filtered, readout=-jnp.outer(log_derivative, readout_trace))
    discounted = jax.tree.map(lambda d, s: gamma * d + s, trace.discounted, step)
    gradients = jax.tree.map(lambda g, d: g + reward * d, trace.gradients, discounted)
    return PolicyTrace(filtered if filter_eligibility else trace.filtered_eligibility, discounted, gradients)


def policy_gradients_online(
    record: EpisodeRecord,
    readout: jax.Array,
    actions: jax.Array,
    probabilities: jax.Array,
    rewards: jax.Array,
    beta: float,
    gamma: float,
    alpha_readout: float,
    filter_eligibility: bool,
) -> Gradients:
    """The online form scanned over a recorded episode. Same arguments and result as
    ``policy_gradients_episode``."""
    n_actions, n_neurons = readout.shape
    trace = policy_trace_init(n_neurons, n_actions, readout.dtype)

    def step(carry, inputs):
        pseudo, elig, rtrace, action, probs, reward = inputs
        carry = policy_step_gradients(
            carry,
            pseudo,
            elig,
            rtrace,
            readout,
            action,
            probs,
            reward,
            beta,
            gamma,
            alpha_readout,
            filter_eligibility,
        )
        return carry, None

    inputs = (
        record.pseudo_derivative,
        record.eligibility,
        record.readout_trace,
        actions,
        probabilities,
        rewards,
    )
    trace, _ = jax.lax.scan(step, trace, inputs)
    return trace.gradients
