"""The `neuromorphic` preset computes what the neuromorphic dreaming code computes on its host (DESIGN 1c,
neuromorphic list): snnrl's compiled game against the NumPy transcription (reference_neuromorphic.py),
float64, on a recorded real ALE Pong trajectory with forced actions. The hidden layers are the chip: the
reference takes the spike counts snnrl's backend produced (JAX reference or simulated chip) and checks
everything computed from them: filtered counts, policy, predictions, dreamt states, every readout and
Adam state, over games 0, 1, 51 and 52, in the dreaming arm (one agent rate 0.002) and the baseline (0.004,
no world model).
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import numpy as np
import pytest

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.game import ForcedActions, play_game
from snnrl.algorithms.dreaming.learner import init_learner
from snnrl.experiments.config.experiment import preset
from snnrl.models.neuromorphic import hidden_parameters
from tests.parity.compare import assert_adam_equal, assert_close
from tests.parity.reference_neuromorphic import NeuromorphicConstants, NeuromorphicReference
from tests.parity.test_official_parity import GAMES
from tests.parity.trajectory import ReplayEnv, record_ale_pong

NOOP_WARMUP = 18  # 1 + 17 NOOPs inside the reset


def neuromorphic(backend: str, lr_decay_updates: int = 10000, **changes) -> DreamingConfig:
    """The neuromorphic preset's algorithm on a hidden backend (optionally a faster learning-rate decay)."""
    algorithm = preset("neuromorphic").algorithm
    hidden = algorithm.agent.hidden.replace(backend=backend)
    return algorithm.replace(
        agent=algorithm.agent.replace(hidden=hidden, lr_decay_updates=lr_decay_updates),
        world_model=algorithm.world_model.replace(hidden=hidden, lr_decay_steps=lr_decay_updates),
        **changes,
    )


@functools.cache
def compiled_game(config: DreamingConfig, seed: int):
    env = ReplayEnv(record_ale_pong(NOOP_WARMUP, 0, config.awake_steps, seed))
    return jax.jit(lambda learner, key, forced: play_game(config, env, None, learner, key, forced))


def compare_game(record, learner, ref: NeuromorphicReference, expected: dict, dreaming: bool, game: int) -> None:
    at = f"game {game}"
    awake = record.awake
    assert_close(
        5.0 * np.asarray(awake.agent.network.readout_trace), expected["awake_policy_trace"], f"{at} policy trace"
    )
    assert_close(awake.agent.probabilities, expected["awake_probabilities"], f"{at} policy")
    if dreaming:
        assert_close(awake.model.prediction[:, :-1], expected["awake_model_delta"], f"{at} predicted change")
        assert_close(awake.model.prediction[:, -1], expected["awake_model_reward"], f"{at} predicted reward")
        dreamt = record.dream.imagined
        assert_close(dreamt.agent.probabilities, expected["dream_probabilities"], f"{at} dream policy")
        assert_close(dreamt.deltas, expected["dream_model_delta"], f"{at} dreamt change")
        assert_close(dreamt.rewards, expected["dream_model_reward"], f"{at} dreamt reward")
        assert_close(np.asarray(dreamt.observations) * 255.0, expected["dream_ram"][:-1], f"{at} dreamt RAM")
        assert_close(learner.world_model.weights.readout_state, ref.model_readout_state, f"{at} model state readout")
        assert_close(learner.world_model.weights.readout_reward, ref.model_readout_reward, f"{at} model reward readout")
        assert_adam_equal(learner.model_opt_state, "state", ref.adam["model_state"], f"{at} model Adam (state)")
        assert_adam_equal(learner.model_opt_state, "reward", ref.adam["model_reward"], f"{at} model Adam (reward)")
    else:
        assert np.all(np.isnan(np.asarray(awake.model.prediction))), "the baseline must run no world model"
    assert_close(learner.agent.weights.readout, ref.policy_readout, f"{at} policy readout")
    assert_adam_equal(learner.agent_opt_state, "", ref.adam["policy"], f"{at} policy Adam")


def run_parity(config: DreamingConfig, constants: NeuromorphicConstants, games=GAMES, seed: int = 0) -> None:
    dreaming = config.mode == "dream"
    trajectory = record_ale_pong(NOOP_WARMUP, 0, config.awake_steps, seed)
    awake_actions = trajectory.actions
    dream_actions = np.random.default_rng(seed + 7).integers(0, 3, config.dream.steps).astype(np.int32)
    key_init, key_agent, key_model = jax.random.split(jax.random.key(seed), 3)
    hidden = (
        hidden_parameters(config.agent.hidden, "agent", key_agent),
        hidden_parameters(config.world_model.hidden, "world_model", key_model),
    )
    with jax.enable_x64(True):
        learner = init_learner(key_init, config, hidden)
        weights = learner.world_model.weights
        ref = NeuromorphicReference(
            learner.agent.weights.readout,
            weights.readout_state,
            weights.readout_reward,
            dreaming,
            policy_lr=0.002 if dreaming else 0.004,
            constants=constants,
        )
        game_fn = compiled_game(config, seed)
        forced = ForcedActions(awake=awake_actions, dream=dream_actions if dreaming else None)
        for game in games:
            learner = learner.replace(game=np.int32(game))
            learner, _, record = game_fn(learner, jax.random.key(game), forced)
            counts = dict(agent_counts=np.asarray(record.awake.agent.network.spikes))
            if dreaming:
                dreamt = record.dream.imagined
                counts.update(
                    model_counts=np.asarray(record.awake.model.network.spikes),
                    dream_actions=dream_actions,
                    dream_agent_counts=np.asarray(dreamt.agent.network.spikes),
                    dream_model_counts=np.asarray(dreamt.model_spikes),
                )
            assert counts["agent_counts"].sum() > 0, "the hidden layer must spike for the check to mean anything"
            expected = ref.play_game(game, trajectory.ram, trajectory.rewards, awake_actions, **counts)
            compare_game(record, learner, ref, expected, dreaming, game)


@pytest.mark.parametrize("backend", ["jax", "simulated"])
@pytest.mark.parametrize("mode", ["dream", "none"])
def test_neuromorphic_preset_equals_the_neuromorphic_code_game_by_game(backend, mode):
    run_parity(neuromorphic(backend, mode=mode), NeuromorphicConstants())


def test_learning_rate_drops_on_the_codes_step():
    # Both Adams drop their rate x0.99 from their every-th step on; with a drop every 3 steps the four games
    # cross it several times (the model's Adams step 100 times per game).
    config = neuromorphic("jax", lr_decay_updates=3, mode="dream")
    run_parity(config, dataclasses.replace(NeuromorphicConstants(), lr_decay_every=3))
