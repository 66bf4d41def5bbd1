"""The `official` preset computes what the official dreaming code computes (DESIGN 1c, items 1-10): snnrl's
compiled game against the NumPy transcription (reference_official.py), float64, one realization, on a
recorded real ALE Pong trajectory with forced actions: the 20 NOOP warm-up steps, 100 awake steps, the
dream's 20 warm-up steps and its 50 steps; per-step spikes, predictions and probabilities, every weight
and every Adam state after each game, over games 0, 1 (idle optimizer steps, self-connections zeroed),
51 and 52 (learning).
"""

from __future__ import annotations

import functools

import jax
import numpy as np
import pytest

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.game import ForcedActions, play_game
from snnrl.algorithms.dreaming.learner import init_learner
from snnrl.experiments.config.experiment import preset
from tests.parity.compare import assert_adam_equal, assert_close, assert_spikes_equal
from tests.parity.reference_official import OfficialConstants, OfficialReference
from tests.parity.trajectory import ReplayEnv, record_ale_pong

GAMES = (0, 1, 51, 52)


def official(n_neurons: int | None = None, **changes) -> DreamingConfig:
    """The official preset's algorithm (optionally at another size, or with fields changed)."""
    algorithm = preset("official").algorithm
    if n_neurons is not None:
        algorithm = algorithm.replace(
            agent=algorithm.agent.replace(lif=algorithm.agent.lif.replace(n_neurons=n_neurons)),
            world_model=algorithm.world_model.replace(lif=algorithm.world_model.lif.replace(n_neurons=n_neurons)),
        )
    return algorithm.replace(**changes)


@functools.cache
def compiled_game(config: DreamingConfig, warmup_steps: int, seed: int):
    env = ReplayEnv(record_ale_pong(1, warmup_steps, config.awake_steps, seed))
    return jax.jit(lambda learner, key, forced: play_game(config, env, None, learner, key, forced))


def compare_game(record, learner, ref: OfficialReference, expected: dict, dreaming: bool, game: int) -> None:
    """Every per-step quantity of one game, then every weight and Adam state."""
    at = f"game {game}"
    warmup, awake = record.warmup.model, record.awake
    assert awake.model.network is not None, f"{at}: no world model ran (the official baseline trains one)"
    assert_spikes_equal(warmup.network.spikes, expected["warmup_model_spikes"], f"{at} warm-up model spikes")
    assert_close(warmup.prediction[:, :-1], expected["warmup_model_delta"], f"{at} warm-up predicted change")
    assert_close(warmup.prediction[:, -1], expected["warmup_model_reward"], f"{at} warm-up predicted reward")
    assert_spikes_equal(awake.agent.network.spikes, expected["awake_agent_spikes"], f"{at} agent spikes")
    assert_close(awake.agent.probabilities, expected["awake_probabilities"], f"{at} policy")
    assert_spikes_equal(awake.model.network.spikes, expected["awake_model_spikes"], f"{at} model spikes")
    assert_close(awake.model.prediction[:, :-1], expected["awake_model_delta"], f"{at} predicted change")
    assert_close(awake.model.prediction[:, -1], expected["awake_model_reward"], f"{at} predicted reward")
    if dreaming:
        dreamt = record.dream.imagined
        assert_spikes_equal(
            record.dream.warmup_spikes, expected["dream_warmup_model_spikes"], f"{at} dream warm-up spikes"
        )
        assert_spikes_equal(dreamt.agent.network.spikes, expected["dream_agent_spikes"], f"{at} dream agent spikes")
        assert_close(dreamt.agent.probabilities, expected["dream_probabilities"], f"{at} dream policy")
        assert_spikes_equal(dreamt.model_spikes, expected["dream_model_spikes"], f"{at} dream model spikes")
        assert_close(dreamt.deltas, expected["dream_model_delta"], f"{at} dreamt change")
        assert_close(dreamt.rewards, expected["dream_model_reward"], f"{at} dreamt reward")
        assert_close(np.asarray(dreamt.observations) * 255.0, expected["dream_ram"][:-1], f"{at} dreamt RAM")
    weights = {
        "agent_w_rec": learner.agent.weights.w_rec,
        "agent_readout": learner.agent.weights.readout,
        "model_w_rec": learner.world_model.weights.w_rec,
        "model_readout_state": learner.world_model.weights.readout_state,
        "model_readout_reward": learner.world_model.weights.readout_reward,
    }
    for name, value in weights.items():
        assert_close(value, getattr(ref, name), f"{at} {name} after the game")
    for group, name in (("recurrent", "agent_rec"), ("readout", "agent_out")):
        assert_adam_equal(learner.agent_opt_state, group, ref.adam[name], f"{at} agent Adam ({group})")
    for group, name in (("recurrent", "model_rec"), ("state", "model_state"), ("reward", "model_reward")):
        assert_adam_equal(learner.model_opt_state, group, ref.adam[name], f"{at} model Adam ({group})")


def run_parity(config: DreamingConfig, constants: OfficialConstants, games=GAMES, seed: int = 0) -> None:
    """Play ``games`` with snnrl and the reference from the same initial weights; compare after each."""
    dreaming = config.mode == "dream"
    trajectory = record_ale_pong(1, constants.warmup_steps, config.awake_steps, seed)
    awake_actions = trajectory.actions[constants.warmup_steps :]
    dream_actions = np.random.default_rng(seed + 7).integers(0, 3, config.dream.steps).astype(np.int32)
    with jax.enable_x64(True):
        learner = init_learner(jax.random.key(seed), config)
        assert learner.agent.weights.w_rec.dtype == np.float64
        ref = OfficialReference.from_learner(learner, constants)
        game_fn = compiled_game(config, constants.warmup_steps, seed)
        forced = ForcedActions(awake=awake_actions, dream=dream_actions if dreaming else None)
        for game in games:
            learner = learner.replace(game=np.int32(game))
            learner, _, record = game_fn(learner, jax.random.key(game), forced)
            expected = ref.play_game(game, trajectory.ram, trajectory.rewards, awake_actions, dreaming, dream_actions)
            compare_game(record, learner, ref, expected, dreaming, game)


@pytest.mark.parametrize("mode", ["dream", "none"])
def test_official_preset_equals_the_official_code_game_by_game(mode):
    # Item 10: the baseline (mode none) still trains the world model every step.
    run_parity(official(mode=mode), OfficialConstants())


def test_the_recorded_trajectory_has_points_and_model_targets():
    # The check is only as strong as its data: real points in the awake game (rewards for the agent,
    # r_learn for the model) and RAM changes, including jumps the model must ignore.
    trajectory = record_ale_pong(1, 20, 100, 0)
    assert np.count_nonzero(trajectory.rewards[20:]) >= 1
    changes = np.abs(np.diff(trajectory.ram, axis=0))
    assert np.any((changes > 0) & (changes <= 30)) and np.any(changes > 30)


def test_the_dream_warmup_replay_equals_a_fresh_reset():
    # The official dream resets the environment and replays its NOOPs; snnrl replays the game's own
    # warm-up observations. Equal because ALE's reset and NOOP steps are deterministic (sticky actions
    # only ever repeat NOOP there): two resets with other seeds give the same 21 warm-up rows.
    first, second = record_ale_pong(1, 20, 5, 0), record_ale_pong(1, 20, 5, 12345)
    np.testing.assert_array_equal(first.ram[:21], second.ram[:21])
    np.testing.assert_array_equal(first.rewards[:20], second.rewards[:20])
