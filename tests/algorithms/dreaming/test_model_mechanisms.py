"""Mechanisms for a world model that is useful early and for more imagined signal (issue 25 items 3-4; ours, off
in every preset): the world model's replay of the last K games, a reward loss weighted towards point events, a
gate on the model's reward prediction, dreams from the kept games, and the imagined update split into substeps."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.dreaming.config import ModelReplayConfig
from snnrl.algorithms.dreaming.game import (
    ModelStepRecord,
    _gate,
    kept_game,
    play_game,
    replayed_gradients,
    reward_prediction_corr,
)
from snnrl.algorithms.dreaming.learner import init_learner
from snnrl.algorithms.dreaming.replay import KeptGame, draw, init_replay, replay_bytes, store
from snnrl.experiments.config.sweep_axes import SweepAxis, check_sweep
from tests.algorithms.dreaming.test_game import ENV, ENV_PARAMS, adam_count, small_config
from tests.experiments.conftest import tiny_config


def _same(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


def replaying(games: int, updates: int, **changes):
    return small_config(world_model_replay=ModelReplayConfig(games=games, updates=updates), **changes)


@functools.cache
def run(config, games: int = 2):
    """``games`` games from the same initial learner and keys: (initial learner, final learner, last record)."""
    game = jax.jit(lambda learner, key: play_game(config, ENV, ENV_PARAMS, learner, key)[::2])
    initial = learner = init_learner(jax.random.key(0), config)
    for index in range(games):
        learner, record = game(learner, jax.random.key(10 + index))
    return initial, learner, record


# The replay buffer


def test_the_buffer_keeps_the_last_k_games_in_a_ring_and_draws_only_stored_ones():
    config = replaying(2, 1)
    buffer = init_replay(config)
    steps, n_state = config.model_warmup_steps + config.awake_steps, config.world_model.n_state

    def game(value: float) -> KeptGame:
        return KeptGame(
            jnp.full((steps, n_state), value),
            jnp.full((steps,), int(value)),
            jnp.full((steps, n_state + 1), value),
            jnp.full((steps,), value > 1),
        )

    buffer = store(buffer, game(1.0))
    drawn = {float(draw(buffer, jax.random.key(k)).observations[0, 0]) for k in range(20)}
    assert drawn == {1.0}, "only the stored game may be drawn, never an empty slot"
    for value in (2.0, 3.0):
        buffer = store(buffer, game(value))
    assert int(buffer.stored) == 3
    np.testing.assert_array_equal(np.asarray(buffer.observations[:, 0, 0]), [3.0, 2.0])  # game 1 overwritten
    np.testing.assert_array_equal(np.asarray(buffer.actions[:, 0]), [3, 2])
    drawn = {float(draw(buffer, jax.random.key(k)).observations[0, 0]) for k in range(40)}
    assert drawn == {2.0, 3.0}


def test_the_buffers_memory_is_what_the_estimate_reports(monkeypatch):
    config = replaying(3, 1)
    buffer = init_replay(config)
    assert replay_bytes(config) == sum(leaf.size * leaf.dtype.itemsize for leaf in jax.tree.leaves(buffer))
    assert init_replay(small_config()) is None and replay_bytes(small_config()) == 0
    from snnrl.experiments.train import memory
    from snnrl.experiments.train.memory_limits import MemoryLimit

    experiment = tiny_config()
    experiment = experiment.replace(algorithm=experiment.algorithm.replace(world_model_replay=ModelReplayConfig(3, 1)))
    monkeypatch.setattr(memory, "memory_limit", lambda device, host_copy=True: MemoryLimit(1_000, "a test limit"))
    with pytest.raises(ValueError, match=r"MiB per member is the world model's replay of 3 games"):
        memory.check_learners_fit(experiment)


def test_the_game_is_kept_as_its_warm_up_then_its_awake_steps():
    config = replaying(2, 1)
    _, learner, record = run(config, 1)
    buffer = learner.replay
    kept = KeptGame(buffer.observations[0], buffer.actions[0], buffer.targets[0], buffer.events[0])  # slot 0
    assert int(learner.replay.stored) == 1
    expected = kept_game(record.awake, record.warmup)
    np.testing.assert_array_equal(np.asarray(kept.observations), np.asarray(expected.observations))
    np.testing.assert_array_equal(
        np.asarray(kept.observations), np.concatenate([record.warmup.observations, record.awake.observation])
    )
    np.testing.assert_array_equal(np.asarray(kept.actions[: config.model_warmup_steps]), 0)
    np.testing.assert_array_equal(np.asarray(kept.actions[config.model_warmup_steps :]), record.awake.agent.action)
    targets = np.concatenate([record.warmup.model.target, record.awake.model.target])
    np.testing.assert_array_equal(np.asarray(kept.targets), targets)
    np.testing.assert_array_equal(
        np.asarray(kept.events), np.concatenate([record.warmup.model.reward_event, record.awake.model.reward_event])
    )


def test_replaying_the_game_just_played_gives_the_games_own_model_gradients():
    # With the per-game cadence the model's weights are fixed during the game: a replay from fresh states with
    # those weights runs the same network, so its gradients are the game's own episode-form update (the second
    # game's: the first one's weights are the zero readouts, which predict nothing).
    config = replaying(1, 1, model_update="game")
    trained = run(config, 1)[1]
    record = jax.jit(lambda learner, key: play_game(config, ENV, ENV_PARAMS, learner, key)[2])(
        trained, jax.random.key(11)
    )
    steps = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), record.warmup.model, record.awake.model)
    assert np.any(np.asarray(steps.prediction) != 0)
    own = config.world_model.episode_gradients(trained.world_model, steps.network, steps.error)
    replayed = replayed_gradients(config, trained, kept_game(record.awake, record.warmup), jax.random.key(0))
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7), replayed, own)


@pytest.mark.parametrize("model_update", ["step", "game"])
def test_replayed_updates_change_only_the_world_model_in_the_baseline(model_update):
    plain = run(small_config(mode="none", model_update=model_update))[1]
    replayed = run(replaying(2, 3, mode="none", model_update=model_update))[1]
    assert _same(plain.agent, replayed.agent) and _same(plain.agent_opt_state, replayed.agent_opt_state)
    assert not _same(plain.world_model.weights, replayed.world_model.weights)
    count = lambda learner: {int(x) for x in jax.tree.leaves(learner.model_opt_state) if np.ndim(x) == 0}  # noqa: E731
    per_game = {"step": 20 + 3, "game": 1}[model_update]  # W + T online steps, or one per game
    assert count(replayed) == {c + 2 * 3 for c in count(plain)} and count(plain) == {2 * per_game}


# Dreams from the kept games


def test_a_replay_start_of_a_buffer_holding_only_this_game_is_a_visited_start():
    visited = run(small_config(dream=dict(start="visited", per_game=2)))
    replayed = run(replaying(1, 0, dream=dict(start="replay", per_game=2)))
    assert _same(visited[1].agent, replayed[1].agent) and _same(visited[2].dream, replayed[2].dream)


def test_replay_starts_come_from_the_kept_games():
    config = replaying(3, 0, dream=dict(start="replay", per_game=8))
    _, learner, record = run(config, 3)
    width = config.model_warmup_steps
    awake = np.asarray(learner.replay.observations[:, width:])  # (K, T, D)
    starts = np.asarray(record.dream.imagined.observations[:, 0])
    games = set()
    for start in starts:
        where = np.argwhere(np.all(awake == start, axis=-1))
        assert len(where), "every dream starts at an awake step of a kept game"
        games.add(int(where[0, 0]))
    assert len(games) > 1, "8 dreams over 3 kept games draw from more than the last one"


# The reward loss weighted towards point events


def test_the_event_weight_multiplies_only_the_reward_error_of_event_steps():
    model = small_config().world_model.replace(reward_event_weight=4.0)
    error = jnp.arange(12.0).reshape(2, 6)
    weighted = np.asarray(model.weigh_reward_error(error, jnp.array([True, False])))
    np.testing.assert_array_equal(weighted[:, :-1], np.asarray(error[:, :-1]))
    np.testing.assert_array_equal(weighted[:, -1], [4.0 * 5.0, 11.0])
    unweighted = small_config().world_model
    assert unweighted.weigh_reward_error(error, jnp.array([True, True])) is error


@pytest.mark.parametrize("model_update", ["step", "game"])
def test_the_event_weight_changes_the_world_models_learning(model_update):
    # CartPole pays +1 every step: every step is an event, so the weight scales every reward error.
    plain = run(small_config(mode="none", model_update=model_update))
    weighted = run(
        small_config(mode="none", model_update=model_update).replace(
            world_model=small_config().world_model.replace(reward_event_weight=5.0)
        )
    )
    assert np.all(np.asarray(plain[2].awake.model.reward_event))
    assert _same(plain[1].agent, weighted[1].agent)
    assert not _same(plain[1].world_model.weights.readout_reward, weighted[1].world_model.weights.readout_reward)


# The gate on the model's reward prediction


def test_the_reward_prediction_correlation_is_pearsons_and_zero_without_spread():
    predicted = jax.random.normal(jax.random.key(0), (30,))
    target = predicted + jax.random.normal(jax.random.key(1), (30,))

    def steps(p, t):
        column = lambda x: jnp.stack([jnp.zeros_like(x), x], axis=-1)  # noqa: E731
        return ModelStepRecord(None, column(p), column(t) - column(p), column(t), t != 0)

    np.testing.assert_allclose(
        float(reward_prediction_corr(steps(predicted, target))), np.corrcoef(predicted, target)[0, 1], rtol=1e-5
    )
    assert float(reward_prediction_corr(steps(predicted, jnp.zeros(30)))) == 0.0


def test_a_closed_gate_skips_the_imagined_updates_and_an_open_one_changes_nothing():
    plain = run(small_config(), 1)
    always = run(small_config(dream=dict(gate_reward_corr=-1.0)), 1)  # every correlation passes -1
    never = run(small_config(dream=dict(gate_reward_corr=1.0)), 1)  # no game of 20 steps reaches 1
    assert _same(plain[1].agent, always[1].agent) and bool(always[1].dreams_gated_open)
    assert not bool(never[1].dreams_gated_open)
    # Awake updates from game 1 on (official): game 0's one step is its dream's, skipped behind a closed gate.
    assert adam_count(plain[1]) == 1 and adam_count(never[1]) == 0
    assert not _same(plain[1].agent.weights, never[1].agent.weights)


def test_the_gate_opens_per_realization_inside_jit_and_stays_open():
    threshold = 0.3
    config = small_config(dream=dict(gate_reward_corr=threshold))
    game = jax.jit(jax.vmap(lambda learner, key: play_game(config, ENV, ENV_PARAMS, learner, key)[::2]))
    learners = jax.vmap(lambda key: init_learner(key, config))(jax.random.split(jax.random.key(0), 6))
    learners, record = game(learners, jax.random.split(jax.random.key(1), 6))
    passed = np.asarray(jax.vmap(reward_prediction_corr)(record.awake.model))
    np.testing.assert_array_equal(np.asarray(learners.dreams_gated_open), passed >= threshold)
    # An open latch stays open after a game whose prediction does not pass.
    one = jax.tree.map(lambda x: x[0], learners).replace(dreams_gated_open=jnp.ones((), bool))
    failing = jax.tree.map(lambda x: x[0], record.awake).replace(
        model=jax.tree.map(lambda x: x[0], record.awake.model).replace(
            target=jnp.zeros_like(record.awake.model.target[0])
        )
    )
    latched, taken = _gate(config, one, failing)
    assert bool(latched.dreams_gated_open) and bool(taken)
    closed, taken = _gate(config, one.replace(dreams_gated_open=jnp.zeros((), bool)), failing)
    assert not bool(closed.dreams_gated_open) and not bool(taken)


# Several smaller imagined updates


def test_substeps_take_that_many_smaller_imagined_updates_on_fresh_dreams():
    plain = run(small_config(), 1)
    split = run(small_config(dream=dict(substeps=3)), 1)
    # The first update uses the game's own dreams (the same record), then two more.
    assert _same(plain[2].dream, split[2].dream)
    assert adam_count(split[1]) == adam_count(plain[1]) + 2
    assert not _same(plain[1].agent.weights, split[1].agent.weights)


# Refusals, before anything compiles


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            dict(world_model_replay=ModelReplayConfig(games=2, updates=1), mode="none", baseline_runs_model=False),
            r"world_model_replay.games=2 changes how the world model learns, but mode 'none'",
        ),
        (dict(world_model_replay=ModelReplayConfig(games=2, updates=0)), "keeps games that nothing uses"),
        (
            dict(world_model_replay=ModelReplayConfig(games=2, updates=0), mode="none", dream=dict(start="replay")),
            "keeps games that nothing uses",
        ),
        (dict(dream=dict(start="replay")), r"dream.start='replay' draws dream starts from the kept games"),
        (dict(dream=dict(substeps=2), mode="plan"), r"dream.substeps=2 splits the dreams' update; mode 'plan'"),
        (dict(dream=dict(substeps=0)), "DreamOptions.substeps must be an integer >= 1"),
        (dict(dream=dict(gate_reward_corr=0.5), mode="none"), r"gate_reward_corr=0.5 gates imagined updates; mode"),
        (dict(dream=dict(gate_reward_corr=1.5)), "DreamOptions.gate_reward_corr must be a finite number"),
        (dict(dream=dict(steps=1, reward_control="shuffle")), "at least two imagined rewards"),
    ],
)
def test_bad_mechanism_options_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        small_config(**changes)


def test_bad_replay_and_event_weight_values_are_refused_naming_the_field():
    with pytest.raises(ValueError, match=r"ModelReplayConfig.updates=1 replays kept games, but games=0"):
        ModelReplayConfig(games=0, updates=1)
    with pytest.raises(ValueError, match="ModelReplayConfig.games must be an integer >= 0"):
        ModelReplayConfig(games=-1)
    with pytest.raises(ValueError, match="WorldModelConfig.reward_event_weight must be a finite number > 0"):
        small_config().world_model.replace(reward_event_weight=0.0)
    weighted = small_config().world_model.replace(reward_event_weight=3.0)
    with pytest.raises(ValueError, match="world_model.reward_event_weight=3.0 changes how the world model learns"):
        small_config(mode="none", baseline_runs_model=False, world_model=weighted)
    # The model's own replay in a baseline that trains the model is allowed.
    small_config(mode="none", world_model_replay=ModelReplayConfig(games=2, updates=1))


def test_more_kept_games_than_the_run_plays_are_refused():
    config = tiny_config()
    algorithm = config.algorithm.replace(world_model_replay=ModelReplayConfig(games=7, updates=1))
    with pytest.raises(ValueError, match=r"world_model_replay.games=7 keeps more games than the run plays \(games=6\)"):
        config.replace(algorithm=algorithm)
    config.replace(algorithm=algorithm, games=7)


@pytest.mark.parametrize("field", ["dream.substeps", "world_model_replay.games", "world_model_replay.updates"])
def test_the_loop_lengths_and_the_buffers_shape_cannot_be_swept(field):
    config = replaying(2, 1)
    with pytest.raises(ValueError, match=f"cannot sweep 'algorithm.{field}': it is"):
        check_sweep(config, (SweepAxis(f"algorithm.{field}", (1.0, 2.0)),))


def test_the_event_weight_and_the_gate_can_be_swept_in_one_program():
    from snnrl.experiments.config.configure import with_sweep
    from snnrl.experiments.train import make_environment
    from snnrl.experiments.train.members import check_sweep_traceable

    config = with_sweep(tiny_config(), ["dream.gate_reward_corr=0.1,0.3", "world_model.reward_event_weight=1,10"])
    env, env_params = make_environment(config)
    check_sweep_traceable(config, env, env_params)  # traces one member's game with the values as JAX values
