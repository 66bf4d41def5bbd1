"""The e-prop rules learn: (a) a supervised sine read out from a small recurrent network, (b) a
three-action probe task with the policy-gradient rule. Recurrent and readout weights are trained with
the episode-form gradients through optax.adam, all iterations in one jitted lax.scan. Seeded and
deterministic."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from snnrl.core import eprop
from snnrl.core.lif_config import LIFConfig, lif_preset

from .helpers import forward, record_of

# ------------------------------------------------------------------------------- (a) supervised sine

SINE_CONFIG = lif_preset("paper", n_neurons=50, tau_readout=10.0, filter_eligibility=True)
SINE_T, SINE_CHANNELS, SINE_ITERATIONS = 100, 5, 300


def _sine_problem(seed: int):
    rng = np.random.default_rng(seed)
    n = SINE_CONFIG.n_neurons
    w_rec = rng.standard_normal((n, n)) * SINE_CONFIG.recurrent_std
    np.fill_diagonal(w_rec, 0.0)
    w_in = 10.0 * rng.standard_normal((n, SINE_CHANNELS))  # fixed random input weights
    channels = rng.standard_normal((SINE_T, SINE_CHANNELS))  # a few frozen random input channels
    currents = channels @ w_in.T + 4.0
    target = np.sin(2 * np.pi * np.arange(SINE_T) / SINE_T)[:, None]
    as32 = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    return as32(w_rec), jnp.zeros((1, n), jnp.float32), as32(currents), as32(target)


@partial(jax.jit, static_argnames=("config", "iterations"))
def train_supervised(config: LIFConfig, w_rec, readout, currents, target, iterations: int, learning_rate):
    cost = jnp.ones((target.shape[1],), target.dtype)
    optimizer = optax.adam(learning_rate)
    params = (w_rec, readout)

    def iteration(carry, _):
        params, opt_state = carry
        w, R = params
        out = forward(config, w, currents)
        error = target - out.readout_trace @ R.T
        grads = eprop.supervised_gradients_episode(
            record_of(out), R, error, cost, config.alpha_readout, config.filter_eligibility
        )
        updates, opt_state = optimizer.update((grads.w_rec, grads.readout), opt_state, params)
        loss = 0.5 * jnp.sum(cost * error**2)
        return (optax.apply_updates(params, updates), opt_state), (loss, jnp.mean(out.spikes))

    (params, _), (losses, rates) = jax.lax.scan(iteration, (params, optimizer.init(params)), None, length=iterations)
    return params, losses, rates


def test_supervised_sine_loss_falls_tenfold():
    w0, R0, currents, target = _sine_problem(seed=0)
    (w, R), losses, rates = train_supervised(SINE_CONFIG, w0, R0, currents, target, SINE_ITERATIONS, 2e-2)
    losses, rates = np.asarray(losses), np.asarray(rates)
    assert np.all(np.isfinite(losses))
    assert losses[0] == np.float32(0.5 * np.sum(np.asarray(target) ** 2))  # readout starts at zero
    assert 0.01 < rates.min() and rates.max() < 0.9
    final = losses[-10:].mean()
    assert final * 10 <= losses[0], f"loss {losses[0]:.3f} -> {final:.3f} ({losses[0] / final:.1f}x)"
    # the recurrent weights were trained too
    assert np.abs(np.asarray(w - w0)).max() > 1e-3
    # the trained network reproduces the sine when evaluated on its own
    out = forward(SINE_CONFIG, w, currents)
    prediction = np.asarray(out.readout_trace @ R.T)[:, 0]
    assert np.corrcoef(prediction, np.asarray(target)[:, 0])[0, 1] > 0.9
    # deterministic: the same seed gives the same training run, bit for bit
    (w2, R2), losses2, _ = train_supervised(SINE_CONFIG, *_sine_problem(seed=0), SINE_ITERATIONS, 2e-2)
    np.testing.assert_array_equal(losses, np.asarray(losses2))
    np.testing.assert_array_equal(np.asarray(w), np.asarray(w2))


# ------------------------------------------------------------------------------- (b) probe task

PROBE_CONFIG = lif_preset("paper", n_neurons=40, tau_readout=5.0, filter_eligibility=True)
PROBE_T, PROBE_ACTIONS, PROBE_ITERATIONS = 50, 3, 200
BETA, GAMMA = 5.0, 0.9
GOOD_ACTION = 1


def _probe_problem(seed: int):
    rng = np.random.default_rng(seed)
    n = PROBE_CONFIG.n_neurons
    w_rec = rng.standard_normal((n, n)) * PROBE_CONFIG.recurrent_std
    np.fill_diagonal(w_rec, 0.0)
    fixed_input = 10.0 / 3.0 * rng.standard_normal(n) + 4.0  # one fixed input, the same every step
    currents = np.broadcast_to(fixed_input, (PROBE_T, n))
    readout = 0.1 * rng.standard_normal((PROBE_ACTIONS, n))
    return (jnp.asarray(w_rec, jnp.float32), jnp.asarray(readout, jnp.float32), jnp.asarray(currents, jnp.float32))


def _policy(config, w, R, currents):
    out = forward(config, w, currents)
    logits = BETA * out.readout_trace @ R.T
    return out, logits, jax.nn.softmax(logits, axis=-1)


@partial(jax.jit, static_argnames=("config", "iterations"))
def train_probe(config: LIFConfig, w_rec, readout, currents, key, iterations: int, learning_rate):
    optimizer = optax.adam(learning_rate)
    params = (w_rec, readout)

    def iteration(carry, key):
        params, opt_state = carry
        w, R = params
        out, logits, probabilities = _policy(config, w, R, currents)
        actions = jax.random.categorical(key, logits)  # one action per step
        rewards = jnp.where(actions == GOOD_ACTION, 1.0, -1.0)
        grads = eprop.policy_gradients_episode(
            record_of(out),
            R,
            actions,
            probabilities,
            rewards,
            BETA,
            GAMMA,
            config.alpha_readout,
            config.filter_eligibility,
        )
        updates, opt_state = optimizer.update((grads.w_rec, grads.readout), opt_state, params)
        summary = (jnp.mean(probabilities[:, GOOD_ACTION]), jnp.mean(rewards), jnp.mean(out.spikes))
        return (optax.apply_updates(params, updates), opt_state), summary

    keys = jax.random.split(key, iterations)
    (params, _), summaries = jax.lax.scan(iteration, (params, optimizer.init(params)), keys)
    return params, summaries


def test_probe_task_policy_learns_the_rewarded_action():
    w0, R0, currents = _probe_problem(seed=1)
    key = jax.random.key(2)
    (w, R), (p_good, mean_reward, rates) = train_probe(PROBE_CONFIG, w0, R0, currents, key, PROBE_ITERATIONS, 1e-2)
    p_good, mean_reward, rates = map(np.asarray, (p_good, mean_reward, rates))
    assert 0.01 < rates.min() and rates.max() < 0.9
    assert p_good[0] < 0.5  # untrained: close to chance (1/3)
    _, _, probabilities = _policy(PROBE_CONFIG, w, R, currents)
    final = float(jnp.mean(probabilities[:, GOOD_ACTION]))
    assert final >= 0.9, f"final mean probability of the rewarded action {final:.3f}"
    assert mean_reward[-20:].mean() > 0.6  # it also collects the reward: mostly +1
    assert np.abs(np.asarray(w - w0)).max() > 1e-3  # recurrent weights learnt as well
    # deterministic: the same seeds give the same run, bit for bit
    (w2, R2), (p_good2, _, _) = train_probe(
        PROBE_CONFIG, *_probe_problem(seed=1), jax.random.key(2), PROBE_ITERATIONS, 1e-2
    )
    np.testing.assert_array_equal(p_good, np.asarray(p_good2))
    np.testing.assert_array_equal(np.asarray(R), np.asarray(R2))
