"""Episode-level fidelity: 250 real ALE Pong episodes per policy at ALE/Pong-v5 settings (frameskip 4,
sticky 0.25), T = 100 after the papers' 21-step NOOP warm-up, against 250 JAX Pong episodes paired with
them (same keys). The 1000-episode study with its figures is ``benchmarks/ale_fidelity.py``; paired
episodes agree exactly, so a quarter of them tests the same claim in a quarter of the suite's time."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from snnrl.envs.ale import AleEnv, AleParams
from snnrl.envs.pong import fidelity
from snnrl.envs.pong.env import PongParams
from snnrl.envs.protocol import EpisodeProtocol

EPISODES = 250
PROTOCOL = EpisodeProtocol(frameskip=4, sticky_prob=0.25, noop_warmup=21, horizon=100)


@pytest.fixture(scope="module")
def ale_env():
    return AleEnv("pong")


@pytest.mark.parametrize("policy_name", ["random", "tracking"])
def test_outcomes_and_ball_moves_match_ale(ale_env, policy_name):
    policy = fidelity.POLICIES[policy_name]
    keys = fidelity.episode_keys(jax.random.key(2024), EPISODES)
    ale = fidelity.ale_rollouts(policy, keys, AleParams(protocol=PROTOCOL, batch_size=25), env=ale_env)
    ours = fidelity.jax_rollouts(policy, keys, PongParams(protocol=PROTOCOL))

    outcomes_tv = fidelity.total_variation(
        fidelity.outcome_distribution(ours.points), fidelity.outcome_distribution(ale.points)
    )
    moves_tv = fidelity.total_variation(
        fidelity.displacement_distribution(ours.frame_bytes), fidelity.displacement_distribution(ale.frame_bytes)
    )
    assert outcomes_tv <= 0.05 and moves_tv <= 0.05
    # the episodes are paired (same keys, same actions, same sticky frames): they should agree exactly
    assert np.mean(np.all(ours.frame_bytes == ale.frame_bytes, axis=(1, 2, 3))) >= 0.99
    # the statistics are not degenerate: several outcomes, thousands of ball moves
    assert len(fidelity.outcome_distribution(ale.points)) >= 3
    assert len(fidelity.ball_displacements(ale.frame_bytes)) > 100 * EPISODES
