"""The NumPy reference of benchmarks/ computes what the JAX code computes (N = 50, float32 tolerance):
world-model predictions and weights over 30 learning steps, the agent's policy, its episode gradients
and its optimizer step, and one whole game against snnrl.algorithms.game.play_game."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import struct

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.game import play_game
from snnrl.algorithms.learner import init_learner
from snnrl.core import lif
from snnrl.core.lif_config import LIFConfig
from snnrl.models.agent import AgentConfig, agent_gradients, agent_optimizer, agent_step
from snnrl.models.world_model import WorldModelConfig, delta_target, world_model_optimizer, world_model_step, world_model_step_gradients, world_model_trace_init

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import numpy_reference as ref  # noqa: E402

N = 50
STEPS = 30
RTOL = 1e-4
ATOL_FRACTION = 1e-5
CONFIG = DreamingConfig(
    agent=AgentConfig(lif=LIFConfig(n_neurons=N, tau_readout=1.0)),
    world_model=WorldModelConfig(lif=LIFConfig(n_neurons=N, tau_readout=2.0)),
    awake_steps=40,
    dream_steps=20,
    agent_learning_start=0,
)


def assert_close(actual, expected, name: str) -> None:
    """rtol RTOL with an absolute floor of ATOL_FRACTION x the largest |expected|: float32 sums taken in
    another order (online vs episode form, BLAS vs XLA) differ in the last bits of entries near 0."""
    expected = np.asarray(expected)
    atol = ATOL_FRACTION * float(np.max(np.abs(expected)))
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=atol, err_msg=name)


def trajectory(seed: int, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observations (steps + 1, 4) in [0, 1] (a random walk with a few jumps past the jump threshold),
    actions (steps,) and rewards (steps,) in {-1, 0, 1}, about 1 in 4 non-zero."""
    rng = np.random.default_rng(seed)
    moves = rng.normal(0.0, 0.03, (steps, 4)) + (rng.random((steps, 4)) < 0.05) * 0.3
    observations = np.clip(np.cumsum(np.vstack([rng.random((1, 4)), moves]), axis=0), 0.0, 1.0).astype(np.float32)
    rewards = rng.choice([-1.0, 0.0, 1.0], size=steps, p=[0.125, 0.75, 0.125]).astype(np.float32)
    return observations, rng.integers(0, 3, steps), rewards


@pytest.fixture(scope="module")
def learner():
    return init_learner(jax.random.PRNGKey(3), CONFIG)


def test_world_model_learning_matches_jax(learner):
    config = CONFIG.world_model
    observations, actions, rewards = trajectory(0, STEPS)
    optimizer = world_model_optimizer(config)

    def step(carry, inputs):
        model, opt_state, state, trace, reward_target = carry
        observation, next_observation, action, reward = inputs
        state, predicted = world_model_step(config, model, state, observation, action)
        reward_target = config.reward_decay * reward_target + reward
        trace, gradients = world_model_step_gradients(
            config, model, trace, predicted, delta_target(config, observation, next_observation), reward_target
        )
        updates, opt_state = optimizer.update(gradients, opt_state, model.weights)
        model = model.replace(weights=optax.apply_updates(model.weights, updates))
        prediction = jnp.concatenate([predicted.delta, predicted.reward[None]])
        return (model, opt_state, state, trace, reward_target), (prediction, predicted.network.spikes)

    model = learner.world_model
    carry = (model, optimizer.init(model.weights), lif.init_state(config.lif), world_model_trace_init(config), jnp.zeros(()))
    inputs = (observations[:-1], observations[1:], actions, rewards)
    (final, *_), (predictions, spikes) = jax.lax.scan(step, carry, inputs)

    _, numpy_model = ref.from_learner(CONFIG, learner)
    numpy_predictions, reward_target = [], np.float32(0.0)
    for t in range(STEPS):
        delta, reward = numpy_model.predict(observations[t], int(actions[t]))
        numpy_predictions.append(np.append(delta, reward))
        reward_target = np.float32(config.reward_decay) * reward_target + rewards[t]
        numpy_model.learn(ref.delta_target(config, observations[t], observations[t + 1]), reward_target)

    assert float(jnp.sum(spikes)) > 0
    assert np.any(np.abs(observations[1:] - observations[:-1]) > config.jump_threshold)
    assert float(jnp.max(jnp.abs(final.weights.w_rec - model.weights.w_rec))) > 1e-3, "no learning to compare"
    assert float(jnp.max(jnp.abs(final.weights.readout_reward))) > 1e-4, "reward readout never learnt"
    assert_close(np.array(numpy_predictions), predictions, "predictions")
    assert_close(numpy_model.network.w_rec, final.weights.w_rec, "w_rec")
    assert_close(numpy_model.readout_state, final.weights.readout_state, "readout_state")
    assert_close(numpy_model.readout_reward, final.weights.readout_reward, "readout_reward")


def test_agent_policy_gradients_and_update_match_jax(learner):
    config = CONFIG.agent
    observations, actions, rewards = trajectory(1, STEPS)
    agent = learner.agent

    def step(state, observation):
        state, acted = agent_step(config, agent, state, observation, jax.random.PRNGKey(0))
        return state, acted

    _, acted = jax.lax.scan(step, lif.init_state(config.lif), observations[:-1])
    gradients = agent_gradients(config, agent, acted.network, jnp.asarray(actions), acted.probabilities, jnp.asarray(rewards))
    optimizer = agent_optimizer(config)
    updates, _ = optimizer.update(gradients, optimizer.init(agent.weights), agent.weights)
    updated = optax.apply_updates(agent.weights, updates)

    numpy_agent, _ = ref.from_learner(CONFIG, learner)
    probabilities = []
    for t in range(STEPS):
        probabilities.append(numpy_agent.act(observations[t]).copy())
        numpy_agent.learn_step(int(actions[t]), float(rewards[t]))

    assert float(jnp.min(acted.probabilities)) < 0.2 and float(jnp.max(acted.probabilities)) > 0.5, "flat policy"
    assert float(jnp.max(jnp.abs(gradients.w_rec))) > 0
    assert_close(np.array(probabilities), acted.probabilities, "probabilities")
    assert_close(numpy_agent.gradient_w_rec * (1 - np.eye(N, dtype=np.float32)), gradients.w_rec, "gradient w_rec")
    assert_close(numpy_agent.gradient_readout, gradients.readout, "gradient readout")
    numpy_agent.update()
    assert_close(numpy_agent.network.w_rec, updated.w_rec, "updated w_rec")
    assert_close(numpy_agent.readout, updated.readout, "updated readout")


@struct.dataclass
class TableState:
    time: jax.Array


class TableEnv:
    """gymnax-style environment replaying fixed observations (T + 1, 4) and rewards (T,)."""

    def __init__(self, observations: np.ndarray, rewards: np.ndarray) -> None:
        self.observations, self.rewards = jnp.asarray(observations), jnp.asarray(rewards)

    def reset(self, key, params):
        return self.observations[0], TableState(jnp.zeros((), jnp.int32))

    def step(self, key, state, action, params):
        time = state.time + 1
        return self.observations[time], TableState(time), self.rewards[state.time], False, False, {}


class NumpyTableEnv:
    """The same replay for the NumPy reference."""

    def __init__(self, observations: np.ndarray, rewards: np.ndarray) -> None:
        self.observations, self.rewards, self.time = observations, rewards, 0

    def reset(self, rng: np.random.Generator) -> np.ndarray:
        self.time = 0
        return self.observations[0]

    def step(self, rng: np.random.Generator, action: int) -> tuple[np.ndarray, float]:
        self.time += 1
        return self.observations[self.time], float(self.rewards[self.time - 1])


class PlayGameKeys:
    """Draws each action with the key snnrl.algorithms.game.play_game uses for it. Its split order:
    reset/steps/finish/begin; per real step act/env, then plan/act; at the end dream
    start/agent state/model state/steps. If play_game changes that order, the
    comparisons below fail (actions differ) until this class follows it."""

    def __init__(self, key: jax.Array) -> None:
        _, key_steps, key_finish, _ = jax.random.split(key, 4)
        step_keys = jax.random.split(key_steps, CONFIG.awake_steps)
        self.keys = {
            "awake": [jax.random.split(jax.random.split(k)[0])[1] for k in step_keys],
            "dream": list(jax.random.split(jax.random.split(key_finish, 4)[3], CONFIG.dream_steps)),
        }
        self.actions: list[int] = []

    def __call__(self, probabilities: np.ndarray, phase: str, step: int) -> int:
        action = int(jax.random.categorical(self.keys[phase][step], jnp.log(jnp.asarray(probabilities) + 1e-30)))
        self.actions.append(action)
        return action


def test_whole_game_matches_play_game(learner):
    observations, _, rewards = trajectory(2, CONFIG.awake_steps)
    key = jax.random.PRNGKey(11)
    final, metrics = jax.jit(lambda l, k: play_game(CONFIG, TableEnv(observations, rewards), None, l, k))(learner, key)

    agent, model = ref.from_learner(CONFIG, learner)
    sampler = PlayGameKeys(key)
    result = ref.play_game(CONFIG, agent, model, NumpyTableEnv(observations, rewards), np.random.default_rng(0), sampler, 0)

    assert len(set(sampler.actions)) == 3
    assert abs(metrics.imagined_return) > 1e-3
    assert float(jnp.max(jnp.abs(final.agent.weights.readout - learner.agent.weights.readout))) > 1e-3
    assert result.game_return == pytest.approx(float(metrics.game_return))
    assert result.imagined_return == pytest.approx(float(metrics.imagined_return), rel=RTOL), "see PlayGameKeys"
    assert_close(agent.network.w_rec, final.agent.weights.w_rec, "agent w_rec")
    assert_close(agent.readout, final.agent.weights.readout, "agent readout")
    assert_close(model.network.w_rec, final.world_model.weights.w_rec, "model w_rec")
    assert_close(model.readout_state, final.world_model.weights.readout_state, "model readout_state")
    assert_close(model.readout_reward, final.world_model.weights.readout_reward, "model readout_reward")
