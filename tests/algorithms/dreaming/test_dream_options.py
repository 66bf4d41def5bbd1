"""Our options for making imagined experience useful (off in the faithful presets): dreams from visited
states, several dreams per game, a baseline over the game's dreams, a separate Adam state for imagined
updates, dreams stopped where they leave the range of real observations or where the world model's own
error on the real game grows."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.game import _dream_rewards, model_error_steps, play_game
from snnrl.algorithms.dreaming.imagination import dream, warm_up_model
from snnrl.algorithms.dreaming.learner import init_learner
from tests.algorithms.dreaming.test_game import ENV, ENV_PARAMS, small_config


@functools.cache
def visited_game():
    """One game with three 10-step dreams per game from visited states and the dream-mean baseline."""
    config = small_config(dream=dict(start="visited", per_game=3, baseline="dream_mean"))
    learner = init_learner(jax.random.key(0), config)
    final, metrics, record = jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k))(learner, jax.random.key(7))
    return config, final, metrics, record


def test_a_visited_dream_starts_at_a_real_step_after_replaying_the_steps_before_it():
    config, final, _, record = visited_game()
    awake = np.asarray(record.awake.observation)
    for dream_index in range(config.dream.per_game):
        start = np.asarray(record.dream.imagined.observations[dream_index, 0])
        matches = [t for t in range(config.awake_steps) if np.array_equal(awake[t], start)]
        assert matches, "the dream must start from an observation of the awake game"
        t = matches[0]
        # The model's warm-up replays the W real steps before t: the NOOP warm-up and the awake game, joined.
        width = config.model_warmup_steps
        observations = np.concatenate([np.asarray(record.warmup.observations), awake])[t : t + width]
        actions = np.concatenate([np.zeros(width, np.int32), np.asarray(record.awake.agent.action, np.int32)])
        # The world model the dream used is the final one (the dream changes only the agent).
        state = config.world_model.initial_state(jax.random.key(0))
        _, spikes = warm_up_model(config, final, state, jnp.asarray(observations), jnp.asarray(actions[t : t + width]))
        np.testing.assert_array_equal(np.asarray(spikes), np.asarray(record.dream.warmup_spikes[dream_index]))


def test_several_dreams_per_game_run_side_by_side_from_their_own_starts():
    config, _, metrics, record = visited_game()
    observations = np.asarray(record.dream.imagined.observations)
    assert observations.shape == (3, config.dream.steps, config.world_model.n_state)
    assert len({tuple(o) for o in observations[:, 0]}) > 1, "dreams must start from different visited states"
    assert np.isfinite(np.asarray(metrics.imagined_return))


def test_the_dream_mean_baseline_leaves_zero_mean_rewards_at_every_step():
    config, _, _, record = visited_game()
    rewards = np.asarray(_dream_rewards(config, record.dream.imagined))
    assert rewards.shape == (3, config.dream.steps)
    np.testing.assert_allclose(rewards.sum(axis=0), 0.0, atol=1e-6)
    raw = np.asarray(record.dream.imagined.rewards)
    np.testing.assert_allclose(rewards, raw - raw.mean(axis=0), atol=1e-6)


def test_a_dream_counts_only_up_to_its_first_step_out_of_range():
    config, _, _, record = visited_game()
    config = config.with_dream(stop="out_of_range", baseline="none")
    observations = np.array(record.dream.imagined.observations[0])
    observations[4, 0] = 1.5  # step 4 leaves [0, 1]
    one_dream = jax.tree.map(lambda leaf: leaf[0], record.dream.imagined)
    ones = jnp.ones(config.dream.steps)
    rewards = np.asarray(
        _dream_rewards(config, one_dream.replace(observations=jnp.asarray(observations), rewards=ones))
    )
    inside = np.all((observations >= 0) & (observations <= 1), axis=-1)
    first_out = int(np.argmin(inside))
    assert first_out <= 4
    np.testing.assert_array_equal(rewards, (np.arange(config.dream.steps) < first_out).astype(float))


@functools.cache
def model_error_game(threshold: float):
    """One game whose dream stops where the model's replay of the real game errs by more than ``threshold``."""
    config = small_config(dream=dict(stop="model_error", error_threshold=threshold))
    learner = init_learner(jax.random.key(0), config)
    final, _, record = jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k))(learner, jax.random.key(7))
    return config, learner, final, record


def test_the_model_error_replays_the_real_game_from_its_first_observation():
    config, _, final, record = model_error_game(0.05)
    key = jax.random.key(3)
    errors, trusted = model_error_steps(config, final, record.awake, record.warmup, record.awake.observation[0], key)
    errors, trusted = np.asarray(errors), np.asarray(trusted)
    assert errors.shape == trusted.shape == (config.dream.steps,)
    assert errors[0] == 0.0 and np.all(errors[1:] > 0.0)  # the replay starts on the real observation, then errs
    np.testing.assert_array_equal(trusted, np.cumprod(errors <= config.dream.error_threshold))
    # The replay is the world model alone: the agent's random numbers do not change it.
    again = np.asarray(
        model_error_steps(config, final, record.awake, record.warmup, record.awake.observation[0], key)[0]
    )
    np.testing.assert_array_equal(errors, again)
    # A dream forced onto the real actions from the same start is that replay (same key, same numbers).
    start_observation = record.awake.observation[0]
    forced = config.with_dream(stop="never")
    replay, _ = dream(
        forced,
        final,
        record.warmup.observations,
        start_observation,
        key,
        record.awake.agent.action[: config.dream.steps],
    )
    np.testing.assert_allclose(
        np.mean(
            np.abs(np.asarray(replay.observations) - np.asarray(record.awake.observation[: config.dream.steps])),
            axis=-1,
        ),
        errors,
        rtol=1e-6,
    )


def test_a_dream_counts_only_while_the_model_replays_the_real_game_well():
    never = small_config()
    learner = init_learner(jax.random.key(0), never)
    play = lambda config: jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k))(learner, jax.random.key(7))  # noqa: E731
    reference = play(never)[0].agent
    trusting = model_error_game(1e6)[2].agent  # never exceeded: the same update as without the stop
    jax.tree.map(np.testing.assert_array_equal, trusting, reference)
    strict = model_error_game(1e-9)[2].agent  # exceeded from step 1: only the first step's reward counts
    assert not np.allclose(np.asarray(strict.weights.readout), np.asarray(reference.weights.readout))
    rewards = np.asarray(
        _dream_rewards(
            never.with_dream(stop="model_error"),
            model_error_game(1e-9)[3].dream.imagined,
            jnp.eye(never.dream.steps)[0],
        )
    )
    assert np.all(rewards[1:] == 0.0)


def two_games(config: DreamingConfig):
    game = jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k)[0])
    learner = init_learner(jax.random.key(0), config)
    for index in range(2):
        learner = game(learner, jax.random.key(index))
    return learner


def test_a_separate_dream_optimizer_steps_its_own_adam_state():
    shared = two_games(small_config())
    assert shared.dream_opt_state is None
    separate = two_games(small_config(dream=dict(optimizer="separate")))
    counts = lambda state: {int(leaf) for leaf in jax.tree.leaves(state) if np.ndim(leaf) == 0}  # noqa: E731
    # Awake updates from game 1 on (official), a dream update every game: 1 and 2 steps, or 3 in one state.
    assert counts(separate.agent_opt_state) == {1} and counts(separate.dream_opt_state) == {2}
    assert counts(shared.agent_opt_state) == {3}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(dream=dict(baseline="dream_mean")), "needs per_game >= 2"),
        (dict(dream=dict(per_game=0)), "DreamOptions.per_game must be an integer >= 1"),
        (dict(dream=dict(start="anywhere")), "DreamOptions.start='anywhere' is not allowed"),
        (dict(dream=dict(optimizer="own")), "DreamOptions.optimizer='own' is not allowed"),
        (dict(dream=dict(stop="sometimes")), "DreamOptions.stop='sometimes' is not allowed"),
        (dict(dream=dict(stop="model_error", steps=21)), "dream.steps=21 is longer than the game"),
        (dict(dream=dict(error_threshold=0.0)), "DreamOptions.error_threshold must be"),
    ],
)
def test_bad_dream_options_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        small_config(**changes)
