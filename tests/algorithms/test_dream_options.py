"""Our options for making imagined experience useful (off in the faithful presets): dreams from visited
states, several dreams per game, a baseline over the game's dreams, a separate Adam state for imagined
updates, dreams stopped where they leave the range of real observations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.config import DreamingConfig
from snnrl.algorithms.game import _dream_rewards, play_game
from snnrl.algorithms.imagination import warm_up_model
from snnrl.algorithms.learner import init_learner
from tests.algorithms.test_game import ENV, ENV_PARAMS, small_config


def one_game(config: DreamingConfig, seed: int = 0):
    learner = init_learner(jax.random.key(seed), config)
    return learner, jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k))(learner, jax.random.key(seed + 7))


def test_a_visited_dream_starts_at_a_real_step_after_replaying_the_steps_before_it():
    config = small_config(dream_start="visited")
    _, (final, _, record) = one_game(config)
    awake = np.asarray(record.awake.observation)
    start = np.asarray(record.dream.imagined.observations[0])
    matches = [t for t in range(config.awake_steps) if np.array_equal(awake[t], start)]
    assert matches, "the dream must start from an observation of the awake game"
    t = matches[0]
    # The model's warm-up replays the W real steps before t: the NOOP warm-up and the awake game, joined.
    observations = np.concatenate([np.asarray(record.warmup.observations), awake])[t : t + config.model_warmup_steps]
    actions = np.concatenate(
        [np.zeros(config.model_warmup_steps, np.int32), np.asarray(record.awake.agent.action, np.int32)]
    )[t : t + config.model_warmup_steps]
    # The world model the dream used is the final one (the dream changes only the agent).
    state = config.world_model.initial_state(jax.random.key(0))
    _, spikes = warm_up_model(config, final, state, jnp.asarray(observations), jnp.asarray(actions))
    np.testing.assert_array_equal(np.asarray(spikes), np.asarray(record.dream.warmup_spikes))


def test_several_dreams_per_game_run_side_by_side_from_their_own_starts():
    config = small_config(dream_start="visited", dreams_per_game=4)
    _, (learner, metrics, record) = one_game(config)
    observations = np.asarray(record.dream.imagined.observations)
    assert observations.shape == (4, config.dream_steps, config.world_model.n_state)
    assert len({tuple(o) for o in observations[:, 0]}) > 1, "dreams must start from different visited states"
    assert np.isfinite(np.asarray(metrics.imagined_return))


def test_the_dream_mean_baseline_leaves_zero_mean_rewards_at_every_step():
    config = small_config(dreams_per_game=3, imagined_baseline="dream_mean")
    _, (_, _, record) = one_game(config)
    rewards = np.asarray(_dream_rewards(config, record.dream.imagined))
    assert rewards.shape == (3, config.dream_steps)
    np.testing.assert_allclose(rewards.sum(axis=0), 0.0, atol=1e-6)
    raw = np.asarray(record.dream.imagined.rewards)
    np.testing.assert_allclose(rewards, raw - raw.mean(axis=0), atol=1e-6)


def test_a_dream_counts_only_up_to_its_first_step_out_of_range():
    config = small_config(dream_stop="out_of_range")
    _, (_, _, record) = one_game(config)
    imagined = record.dream.imagined
    observations = np.array(imagined.observations)
    observations[4, 0] = 1.5  # step 4 leaves [0, 1]
    rewards = np.asarray(
        _dream_rewards(
            config, imagined.replace(observations=jnp.asarray(observations), rewards=jnp.ones(config.dream_steps))
        )
    )
    inside = np.all((observations >= 0) & (observations <= 1), axis=-1)
    first_out = int(np.argmin(inside))
    assert first_out <= 4
    np.testing.assert_array_equal(rewards, (np.arange(config.dream_steps) < first_out).astype(float))


def two_games(config: DreamingConfig):
    game = jax.jit(lambda l, k: play_game(config, ENV, ENV_PARAMS, l, k)[0])
    learner = init_learner(jax.random.key(0), config)
    for index in range(2):
        learner = game(learner, jax.random.key(index))
    return learner


def test_a_separate_dream_optimizer_steps_its_own_adam_state():
    shared = two_games(small_config())
    assert shared.dream_opt_state is None
    separate = two_games(small_config(dream_optimizer="separate"))
    counts = lambda state: {int(leaf) for leaf in jax.tree.leaves(state) if np.ndim(leaf) == 0}  # noqa: E731
    # Awake updates from game 1 on (official), a dream update every game: 1 and 2 steps, or 3 in one state.
    assert counts(separate.agent_opt_state) == {1} and counts(separate.dream_opt_state) == {2}
    assert counts(shared.agent_opt_state) == {3}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(imagined_baseline="dream_mean"), "needs dreams_per_game >= 2"),
        (dict(dreams_per_game=0), "dreams_per_game must be an integer >= 1"),
        (dict(dream_start="anywhere"), "dream_start='anywhere' is not allowed"),
        (dict(dream_optimizer="own"), "dream_optimizer='own' is not allowed"),
        (dict(dream_stop="sometimes"), "dream_stop='sometimes' is not allowed"),
    ],
)
def test_bad_dream_options_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        small_config(**changes)
