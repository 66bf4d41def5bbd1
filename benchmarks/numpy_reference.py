"""Plain NumPy (float32) reference of one realization of the dreaming game, stepped one time step at a
time in a Python loop, the way the official code works: online O(N^2) policy-gradient traces every step,
one hand-written Adam step of the world model every environment step, Adam steps of the agent at the end
of the awake phase and of the dream.

The equations are those of snnrl.core.lif (step order), snnrl.core.pseudo_derivatives (sigmoid),
snnrl.core.eprop (``filter_eligibility=False``), snnrl.models.agent / world_model (readouts, targets,
optimizers) and snnrl.algorithms.game (mode 'dream', model_update 'step', dream_start 'reset').
benchmarks/bench_core.py times this against the vmapped JAX game; tests/test_numpy_reference.py checks
it against the JAX code. N: neurons, D: world variables, A: actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.learner import Learner
from snnrl.core.lif_config import LIFConfig
from snnrl.models.agent import AgentConfig
from snnrl.models.world_model import WorldModelConfig

F32 = np.float32
NOOP = 0


def sigmoid_derivative(x: np.ndarray, width: float) -> np.ndarray:
    """sigma'(x/width)/width as exp(-|z|)/(1+exp(-|z|))^2/width. Shape of x."""
    decay = np.exp(-np.abs(x / F32(width)))
    return decay / np.square(F32(1.0) + decay) / F32(width)


class Adam:
    """Adam on one float32 array, in optax.adam's order of operations (b1 0.9, b2 0.999, eps_root 0)."""

    def __init__(self, shape: tuple[int, ...], learning_rate: float, eps: float) -> None:
        self.learning_rate, self.eps = learning_rate, eps
        self.b1, self.b2 = 0.9, 0.999
        self.m = np.zeros(shape, F32)
        self.v = np.zeros(shape, F32)
        self.count = 0

    def update(self, gradient: np.ndarray) -> np.ndarray:
        """Advance the moments with gradient (shape of the array) and return the update to add."""
        self.count += 1
        self.m = F32(1.0 - self.b1) * gradient + F32(self.b1) * self.m
        self.v = F32(1.0 - self.b2) * np.square(gradient) + F32(self.b2) * self.v
        m_hat = self.m / (F32(1.0) - F32(self.b1) ** self.count)
        v_hat = self.v / (F32(1.0) - F32(self.b2) ** self.count)
        return F32(-self.learning_rate) * (m_hat / (np.sqrt(v_hat) + F32(self.eps)))


class LIFNetwork:
    """One recurrent LIF network (snnrl.core.lif): weights w_rec (N, N) post x pre and its state, all
    (N,), stepped in place. After ``step``: spikes s[t], readout_trace s_bar[t], pseudo p[t],
    eligibility e[t]."""

    def __init__(self, config: LIFConfig, w_rec: np.ndarray) -> None:
        if config.pseudo_derivative.name != "sigmoid" or config.filter_eligibility:
            raise ValueError("the NumPy reference covers the sigmoid pseudo-derivative without filtered eligibility")
        self.config = config
        self.w_rec = np.array(w_rec, F32)
        self.reset()

    def reset(self) -> None:
        """Game-start state: v = v_init, spikes and traces zero."""
        n = self.config.n_neurons
        self.v = np.full(n, self.config.v_init, F32)
        self.spikes = np.zeros(n, F32)
        self.filtered = np.zeros(n, F32)
        self.readout_trace = np.zeros(n, F32)
        self.eligibility = np.zeros(n, F32)
        self.pseudo = np.zeros(n, F32)

    def step(self, current: np.ndarray) -> None:
        """One time step with input current I[t] (N,)."""
        c = self.config
        a_m, a_s, a_r = F32(c.alpha_m), F32(c.alpha_s), F32(c.alpha_readout)
        self.eligibility = a_m * self.eligibility + F32(1.0 - c.alpha_m) * self.filtered
        self.v = (
            a_m * self.v
            + F32(1.0 - c.alpha_m) * (self.w_rec @ self.filtered + current + F32(c.v_rest))
            + F32(c.w_res) * self.spikes
        )
        distance = self.v - F32(c.v_th)
        self.spikes = (distance > 0).astype(F32)
        self.pseudo = sigmoid_derivative(distance, c.pseudo_derivative.width)
        self.filtered = a_s * self.filtered + F32(1.0 - c.alpha_s) * self.spikes
        self.readout_trace = a_r * self.readout_trace + F32(1.0 - c.alpha_readout) * self.spikes


class NumpyAgent:
    """The agent (snnrl.models.agent) with the official online policy-gradient trace: every step the
    per-step log-policy gradient enters a trace decaying by trace_decay, and the reward times that
    trace is accumulated (O(N^2) per step). w_in (N, D), w_rec (N, N), readout (A, N)."""

    def __init__(self, config: AgentConfig, w_in: np.ndarray, w_rec: np.ndarray, readout: np.ndarray) -> None:
        self.config = config
        self.w_in = np.array(w_in, F32)
        self.readout = np.array(readout, F32)
        self.network = LIFNetwork(config.lif, w_rec)
        self.adam_recurrent = Adam(self.network.w_rec.shape, config.learning_rate, config.adam_eps)
        self.adam_readout = Adam(self.readout.shape, config.learning_rate, config.adam_eps)
        self.probabilities = np.zeros(config.n_actions, F32)
        self.begin_episode()

    def begin_episode(self) -> None:
        """Zero the discounted traces and the accumulated gradients."""
        self.discounted_w_rec = np.zeros_like(self.network.w_rec)
        self.discounted_readout = np.zeros_like(self.readout)
        self.gradient_w_rec = np.zeros_like(self.network.w_rec)
        self.gradient_readout = np.zeros_like(self.readout)

    def act(self, observation: np.ndarray) -> np.ndarray:
        """Step the network on observation (D,); return pi = softmax(beta R s_bar), (A,)."""
        self.network.step(self.w_in @ observation)
        logits = (F32(self.config.beta) * self.network.readout_trace) @ self.readout.T
        if self.config.logit_clip is not None:
            logits = np.clip(logits, -self.config.logit_clip, self.config.logit_clip)
        unnormalized = np.exp(logits - np.max(logits))
        self.probabilities = unnormalized / np.sum(unnormalized)
        return self.probabilities

    def learn_step(self, action: int, reward: float) -> None:
        """Online policy-gradient step for the last ``act`` with the action taken and the reward."""
        onehot = np.zeros(self.config.n_actions, F32)
        onehot[action] = 1.0
        log_derivative = F32(self.config.beta) * (onehot - self.probabilities)
        learning_signal = log_derivative @ self.readout
        net = self.network
        gamma, reward = F32(self.config.trace_decay), F32(reward)
        step_w_rec = -learning_signal[:, None] * np.outer(net.pseudo, net.eligibility)
        self.discounted_w_rec = gamma * self.discounted_w_rec + step_w_rec
        self.gradient_w_rec += reward * self.discounted_w_rec
        step_readout = -np.outer(log_derivative, net.readout_trace)
        self.discounted_readout = gamma * self.discounted_readout + step_readout
        self.gradient_readout += reward * self.discounted_readout

    def update(self, scale: float = 1.0) -> None:
        """Adam on both groups from the accumulated gradients (diagonal of w_rec zeroed), plus the plain
        readout step readout_plain_step / beta x gradient; updates multiplied by scale."""
        np.fill_diagonal(self.gradient_w_rec, 0.0)
        update_w_rec = self.adam_recurrent.update(self.gradient_w_rec)
        update_readout = self.adam_readout.update(self.gradient_readout)
        if self.config.readout_plain_step:
            plain = F32(-self.config.readout_plain_step / self.config.beta) * self.gradient_readout
            update_readout = update_readout + plain
        self.network.w_rec = self.network.w_rec + F32(scale) * update_w_rec
        self.readout = self.readout + F32(scale) * update_readout


class NumpyWorldModel:
    """The world model (snnrl.models.world_model) with online supervised e-prop and one Adam step per
    environment step, per-group learning rates. w_in_state (N, D), w_in_action (N, A), w_rec (N, N),
    readout_state (D, N), readout_reward (1, N)."""

    def __init__(
        self,
        config: WorldModelConfig,
        w_in_state: np.ndarray,
        w_in_action: np.ndarray,
        w_rec: np.ndarray,
        readout_state: np.ndarray,
        readout_reward: np.ndarray,
    ) -> None:
        self.config = config
        self.w_in_state = np.array(w_in_state, F32)
        self.w_in_action = np.array(w_in_action, F32)
        self.readout_state = np.array(readout_state, F32)
        self.readout_reward = np.array(readout_reward, F32)
        self.network = LIFNetwork(config.lif, w_rec)
        self.cost = np.array([config.cost_state] * config.n_state + [config.cost_reward], F32)
        self.adam_recurrent = Adam(self.network.w_rec.shape, config.lr_recurrent, config.adam_eps)
        self.adam_state = Adam(self.readout_state.shape, config.lr_state, config.adam_eps)
        self.adam_reward = Adam(self.readout_reward.shape, config.lr_reward, config.adam_eps)
        self.prediction = np.zeros(config.n_state + 1, F32)

    def readout(self) -> np.ndarray:
        """Both readouts stacked, (D + 1, N): state rows then the reward row."""
        return np.concatenate([self.readout_state, self.readout_reward], axis=0)

    def predict(self, observation: np.ndarray, action: int) -> tuple[np.ndarray, F32]:
        """Step on observation (D,) and action; return the predicted change (D,) and reward ()."""
        self.network.step(self.w_in_state @ observation + self.w_in_action[:, action])
        self.prediction = self.readout() @ self.network.readout_trace
        return self.prediction[:-1], self.prediction[-1]

    def learn(self, delta_target: np.ndarray, reward_target: F32) -> None:
        """One supervised e-prop + Adam step for the last ``predict``: targets (D,) and ()."""
        target = np.concatenate([delta_target, np.array([reward_target], F32)])
        weighted_error = (target - self.prediction) * self.cost
        learning_signal = weighted_error @ self.readout()
        net = self.network
        gradient_w_rec = -learning_signal[:, None] * np.outer(net.pseudo, net.eligibility)
        np.fill_diagonal(gradient_w_rec, 0.0)
        gradient_readout = -np.outer(weighted_error, net.readout_trace)
        net.w_rec = net.w_rec + self.adam_recurrent.update(gradient_w_rec)
        self.readout_state = self.readout_state + self.adam_state.update(gradient_readout[:-1])
        self.readout_reward = self.readout_reward + self.adam_reward.update(gradient_readout[-1:])


def delta_target(config: WorldModelConfig, observation: np.ndarray, next_observation: np.ndarray) -> np.ndarray:
    """Target change (D,), changes larger than jump_threshold set to 0."""
    delta = next_observation - observation
    return np.where(np.abs(delta) > F32(config.jump_threshold), F32(0.0), delta)


class Environment(Protocol):
    """A host environment: observations (D,) float32 in [0, 1], float rewards."""

    def reset(self, rng: np.random.Generator) -> np.ndarray: ...

    def step(self, rng: np.random.Generator, action: int) -> tuple[np.ndarray, float]: ...


class ActionSampler(Protocol):
    """Draws the action of step ``step`` of ``phase`` ('awake' or 'dream') from probabilities (A,)."""

    def __call__(self, probabilities: np.ndarray, phase: str, step: int) -> int: ...


@dataclass
class InverseCdfSampler:
    """Samples an action by inverting the cumulative probabilities with one uniform draw."""

    rng: np.random.Generator

    def __call__(self, probabilities: np.ndarray, phase: str, step: int) -> int:
        cumulative = np.cumsum(probabilities)
        index = np.searchsorted(cumulative, self.rng.random() * cumulative[-1], side="right")
        return int(min(index, len(probabilities) - 1))


@dataclass
class GameResult:
    """Sum of real rewards and of the dream's predicted rewards of one game."""

    game_return: float
    imagined_return: float


def check_supported(config: DreamingConfig) -> None:
    """Raise ValueError for configs outside what the reference implements."""
    supported = (
        config.mode == "dream" and config.model_update == "step" and config.dream_start == "reset"
        and config.agent_learns_awake and config.model_learning_stop is None
    )
    if not supported:
        raise ValueError(
            "the NumPy reference covers mode 'dream', model_update 'step', dream_start 'reset', "
            "agent_learns_awake=True and model_learning_stop=None"
        )


def from_learner(config: DreamingConfig, learner: Learner) -> tuple[NumpyAgent, NumpyWorldModel]:
    """NumPy copies of one (unbatched) JAX learner's initial weights (optimizer states start at zero)."""
    check_supported(config)
    agent, model = learner.agent, learner.world_model
    return (
        NumpyAgent(config.agent, np.asarray(agent.w_in), np.asarray(agent.weights.w_rec), np.asarray(agent.weights.readout)),
        NumpyWorldModel(
            config.world_model, np.asarray(model.w_in_state), np.asarray(model.w_in_action),
            np.asarray(model.weights.w_rec), np.asarray(model.weights.readout_state),
            np.asarray(model.weights.readout_reward),
        ),
    )


def warm_up(agent: NumpyAgent, model: NumpyWorldModel, env: Environment, rng: np.random.Generator, steps: int) -> float:
    """``steps`` NOOP steps of both networks from fresh states on the environment's observations, no
    learning (the game then starts from fresh states again). Returns the number of spikes."""
    agent.network.reset()
    model.network.reset()
    observation = env.reset(rng)
    spikes = 0.0
    for _ in range(steps):
        agent.act(observation)
        model.predict(observation, NOOP)
        spikes += float(agent.network.spikes.sum() + model.network.spikes.sum())
        observation, _ = env.step(rng, NOOP)
    return spikes


def play_game(
    config: DreamingConfig,
    agent: NumpyAgent,
    model: NumpyWorldModel,
    env: Environment,
    rng: np.random.Generator,
    sample_action: ActionSampler,
    game: int,
) -> GameResult:
    """One game as snnrl.algorithms.game.play_game: awake_steps real steps (the model learns each
    step), the agent's update, a dream of dream_steps steps from the post-reset observation, the
    agent's update from the dream. game: 0-based index; the agent's updates apply from
    agent_learning_start on."""
    check_supported(config)
    agent_learns = game >= config.agent_learning_start
    agent.network.reset()
    model.network.reset()
    agent.begin_episode()
    observation = env.reset(rng)
    reset_observation = observation
    reward_target, game_return = F32(0.0), 0.0
    for step in range(config.awake_steps):
        action = sample_action(agent.act(observation), "awake", step)
        next_observation, reward = env.step(rng, action)
        model.predict(observation, action)
        reward_target = F32(config.world_model.reward_decay) * reward_target + F32(reward)
        model.learn(delta_target(config.world_model, observation, next_observation), reward_target)
        agent.learn_step(action, reward)
        game_return += float(reward)
        observation = next_observation
    if agent_learns:
        agent.update()
    agent.network.reset()
    model.network.reset()
    agent.begin_episode()
    observation, imagined_return = reset_observation, 0.0
    for step in range(config.dream_steps):
        action = sample_action(agent.act(observation), "dream", step)
        delta, reward = model.predict(observation, action)
        agent.learn_step(action, reward)
        imagined_return += float(reward)
        observation = np.clip(observation + delta, F32(0.0), F32(1.0))
    if agent_learns:
        agent.update(config.dream_lr_scale)
    return GameResult(game_return, imagined_return)


def steps_per_game(config: DreamingConfig, warm_up_steps: int) -> int:
    """Network steps of one game: warm-up + awake + dream (21 + 100 + 50 = 171 with the defaults)."""
    return warm_up_steps + config.awake_steps + config.dream_steps

