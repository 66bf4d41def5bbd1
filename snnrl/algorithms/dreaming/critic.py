"""A value readout on the agent's hidden layer and the returns built with it (``CriticConfig``, ours).

V[t] = w . s_bar[t], s_bar the agent network's readout trace (N,) (recurrent LIF or the chip's hidden
layer alike). It learns by TD(lambda) with a local rule: dw = -mean_t (G^lambda[t] - V[t]) s_bar[t], the
error times the presynaptic trace (the readout part of e-prop). The agent's policy gradient (episode form,
a discounted trace with gamma = trace_decay) takes per-step rewards; an advantage A[t] enters it as the
pseudo-rewards A[t] - gamma A[t+1], whose discounted sums are A again (``advantage_rewards``), so the
e-prop rule itself is unchanged.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
from flax import struct

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.core.filters import discounted_returns, gae

SCALE_DECAY = 0.99  # DreamerV3's running average of the return spread
PERCENTILES = (5.0, 95.0)


@struct.dataclass
class CriticState:
    """One realization's value readout w (N,), its Adam state and the running return spread () (the return
    scale of return_normalization)."""

    weights: jax.Array
    opt_state: optax.OptState
    return_spread: jax.Array


def critic_optimizer(config: DreamingConfig) -> optax.GradientTransformation:
    """Adam on the value readout."""
    return optax.adam(config.critic.learning_rate)


def init_critic(config: DreamingConfig, n_hidden: int) -> CriticState | None:
    """A zero value readout over n_hidden features (None when the run uses no critic)."""
    if not config.critic.used:
        return None
    weights = jnp.zeros((n_hidden,))
    return CriticState(weights, critic_optimizer(config).init(weights), jnp.zeros(()))


def values(critic: CriticState, readout_trace: jax.Array) -> jax.Array:
    """V = w . s_bar: readout_trace (..., N) -> (...)."""
    return readout_trace @ critic.weights


def lambda_returns(rewards: jax.Array, values_: jax.Array, gamma, lam, bootstrap: jax.Array) -> jax.Array:
    """G^lambda[t] = r[t] + gamma ((1 - lam) V[t+1] + lam G^lambda[t+1]), G^lambda[S] = bootstrap, over the last
    axis: rewards, values_ (..., S), bootstrap (...) (0 where the trajectory ends). GAE's targets (A + V)."""
    time_first = lambda x: jnp.moveaxis(x, -1, 0)  # noqa: E731
    _, targets = gae(
        time_first(rewards), time_first(values_), jnp.zeros_like(time_first(rewards)), bootstrap, gamma, lam
    )
    return jnp.moveaxis(targets, 0, -1)


def advantage_rewards(advantages: jax.Array, gamma) -> jax.Array:
    """Pseudo-rewards r[t] = A[t] - gamma A[t+1] (A[S] = 0) over the last axis: the policy gradient's
    discounted trace turns them back into A[t] at every step."""
    following = jnp.concatenate([advantages[..., 1:], jnp.zeros_like(advantages[..., :1])], axis=-1)
    return advantages - gamma * following


def scale(config: DreamingConfig, critic: CriticState) -> jax.Array:
    """The advantages' divisor: max(1, running return spread) with return_normalization, else 1."""
    if not config.critic.return_normalization:
        return jnp.ones(())
    return jnp.maximum(1.0, critic.return_spread)


def update_spread(config: DreamingConfig, critic: CriticState, returns: jax.Array) -> CriticState:
    """The running 5-95 percentile spread of the returns seen (any shape), if return_normalization."""
    if not config.critic.return_normalization:
        return critic
    low, high = jnp.percentile(returns, jnp.asarray(PERCENTILES))
    return critic.replace(return_spread=SCALE_DECAY * critic.return_spread + (1.0 - SCALE_DECAY) * (high - low))


def td_step(config: DreamingConfig, critic: CriticState, readout_trace: jax.Array, targets: jax.Array) -> CriticState:
    """One Adam step of the value readout towards targets (...,) from features readout_trace (..., N):
    gradient -mean (targets - V) s_bar (targets held fixed)."""
    errors = jax.lax.stop_gradient(targets) - values(critic, readout_trace)
    features = readout_trace.reshape(-1, readout_trace.shape[-1])
    gradient = -jnp.mean(errors.reshape(-1, 1) * features, axis=0)
    updates, opt_state = critic_optimizer(config).update(gradient, critic.opt_state, critic.weights)
    return critic.replace(weights=optax.apply_updates(critic.weights, updates), opt_state=opt_state)


def real_game(
    config: DreamingConfig, critic: CriticState, readout_trace: jax.Array, rewards: jax.Array
) -> tuple[CriticState, jax.Array]:
    """A real game: readout_trace (T, N), rewards (T,). Returns the critic after its TD(lambda) step (targets: the
    game's lambda-returns, the game ending at its last step) and the policy gradient's pseudo-rewards (T,): those
    of the advantage G[t] - V[t] with real_baseline (G the agent's discounted return), else the rewards."""
    gamma = config.agent.trace_decay
    values_ = values(critic, readout_trace)
    targets = lambda_returns(rewards, values_, gamma, config.critic.lam, jnp.zeros(()))
    returns = discounted_returns(rewards, gamma)  # (T,)
    critic = update_spread(config, critic, returns)
    learning_signal = rewards
    if config.critic.real_baseline:
        learning_signal = advantage_rewards((returns - values_) / scale(config, critic), gamma)
    return td_step(config, critic, readout_trace, targets), learning_signal


def dreams(
    config: DreamingConfig, critic: CriticState, readout_trace: jax.Array, rewards: jax.Array
) -> tuple[CriticState, jax.Array]:
    """Dreams bootstrapped by V: readout_trace (..., S, N) of the agent in the dreams, rewards (..., S) the
    predicted rewards it learns from. Returns the critic (after a TD step on the dreams' lambda-returns with
    learns_in_dreams) and the pseudo-rewards (..., S) of the advantages G^lambda - V, G^lambda bootstrapped with V
    at every step and with the last step's value at the horizon."""
    gamma = config.agent.trace_decay
    values_ = values(critic, readout_trace)
    returns = lambda_returns(rewards, values_, gamma, config.critic.lam, values_[..., -1])
    critic = update_spread(config, critic, returns)
    pseudo = advantage_rewards((returns - values_) / scale(config, critic), gamma)
    if config.critic.learns_in_dreams:
        critic = td_step(config, critic, readout_trace, returns)
    return critic, pseudo
