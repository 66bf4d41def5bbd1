"""Measure how closely the JAX Pong follows real ALE: scripted policies, rollouts, distances.

Rollouts draw every random number from per-episode keys (episode key -> fold_in(step) -> split into
policy key and env key), so ``jax_rollouts`` and ``ale_rollouts`` with the same keys play the same
actions with the same sticky frames: paired episodes. ``ale_native_rollouts`` instead lets ALE draw
its own sticky actions (``repeat_action_probability``, as ``ALE/Pong-v5`` does): an independent
reference for the protocol's stickiness.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from snnrl.envs.ale import AleEnv, AleParams, new_emulator, paddle_resistance
from snnrl.envs.pong.env import JaxPong, PongParams
from snnrl.envs.protocol import PONG_ALE_ACTIONS, PONG_RAM_INDICES, PONG_SCORE_INDICES, ram_observation

Policy = Callable[[jax.Array, jax.Array], jax.Array]
TRACKING_OFFSET = 6  # player_y - ball_y when the ball is level with the paddle's middle
TRACKING_DEADBAND = 2


def random_policy(key: jax.Array, observation: jax.Array) -> jax.Array:
    """Uniform over NOOP, up, down."""
    return jax.random.randint(key, (), 0, 3)


def tracking_policy(key: jax.Array, observation: jax.Array) -> jax.Array:
    """Move the paddle's middle towards the ball's y (NOOP while no ball is in play)."""
    ball_y, player_y = jnp.round(observation[1] * 255), jnp.round(observation[3] * 255)
    error = player_y - (ball_y - TRACKING_OFFSET)
    action = jnp.where(error > TRACKING_DEADBAND, 1, jnp.where(error < -TRACKING_DEADBAND, 2, 0))
    return jnp.where(ball_y == 0, 0, action).astype(jnp.int32)


POLICIES: dict[str, Policy] = {"random": random_policy, "tracking": tracking_policy}


@struct.dataclass
class Rollouts:
    """``points`` int32 [n, 2]: (player, enemy) points scored during the T steps;
    ``frame_bytes`` int32 [n, T, frameskip, 4]: observed RAM bytes after every frame."""

    points: np.ndarray
    frame_bytes: np.ndarray


def episode_keys(key: jax.Array, episodes: int) -> jax.Array:
    """One key per episode: [episodes]."""
    return jax.vmap(lambda e: jax.random.fold_in(key, e))(jnp.arange(episodes))


def _step_keys(episode_key: jax.Array, t: jax.Array) -> tuple[jax.Array, jax.Array]:
    policy_key, env_key = jax.random.split(jax.random.fold_in(episode_key, t))
    return policy_key, env_key


def jax_rollouts(policy: Policy, keys: jax.Array, params: PongParams) -> Rollouts:
    """``len(keys)`` episodes of the JAX Pong, all at once (vmap over episodes, scan over steps)."""
    env = JaxPong()
    horizon = int(params.protocol.horizon)

    def episode(episode_key):
        observation, state = env.reset(episode_key, params)

        def body(carry, t):
            observation, state = carry
            policy_key, env_key = _step_keys(episode_key, t)
            action = policy(policy_key, observation)
            observation, state, _, _, _, info = env.step(env_key, state, action, params)
            return (observation, state), info["frame_bytes"]

        (_, final), frame_bytes = jax.lax.scan(body, (observation, state), jnp.arange(horizon))
        points = jnp.stack(
            [final.ram.player_score - state.ram.player_score, final.ram.enemy_score - state.ram.enemy_score]
        )
        return points, frame_bytes

    points, frame_bytes = jax.jit(jax.vmap(episode))(keys)
    return Rollouts(np.asarray(points), np.asarray(frame_bytes))


def _batches(keys, batch_size: int):
    """Equal batches (emulators are built once, ~0.2 s each, and reused for every batch)."""
    if len(keys) % batch_size:
        raise ValueError(f"the number of episodes ({len(keys)}) must be a multiple of batch_size ({batch_size})")
    for start in range(0, len(keys), batch_size):
        yield keys[start : start + batch_size]


def ale_rollouts(policy: Policy, keys: jax.Array, params: AleParams, env: AleEnv | None = None) -> Rollouts:
    """The same episodes in real ALE, ``params.batch_size`` emulators at a time (pass ``env`` to reuse
    its emulators)."""
    env = AleEnv("pong") if env is None else env
    decide = jax.jit(
        jax.vmap(lambda k, t, obs: (policy(_step_keys(k, t)[0], obs), _step_keys(k, t)[1]), in_axes=(0, None, 0))
    )
    points, frame_bytes = [], []
    for batch in _batches(keys, params.batch_size):
        observation, state = env.reset(batch[0], params)
        start = env.scores()
        steps = []
        for t in range(int(params.protocol.horizon)):
            actions, env_keys = decide(batch, t, observation)
            observation, state, _, _, _, info = env.step(env_keys, state, np.asarray(actions), params)
            steps.append(info["frame_bytes"])
        points.append(env.scores() - start)
        frame_bytes.append(np.stack(steps, axis=1))
    return Rollouts(np.concatenate(points), np.concatenate(frame_bytes))


def ale_native_rollouts(policy: Policy, keys: jax.Array, params: AleParams) -> Rollouts:
    """Episodes in ALE with ALE's own sticky actions instead of the protocol's (a real ``reset_game``
    per episode; the emulators' RNGs are seeded from the first key and run on across episodes)."""
    protocol = params.protocol
    decide = jax.jit(jax.vmap(lambda k, t, obs: policy(_step_keys(k, t)[0], obs), in_axes=(0, None, 0)))
    seeds = np.asarray(jax.random.randint(keys[0], (params.batch_size,), 0, 2**31 - 1))
    emulators = [new_emulator("pong", seed, protocol.sticky_prob) for seed in seeds]
    score = lambda: np.stack([ale.getRAM()[list(PONG_SCORE_INDICES)] for ale in emulators]).astype(np.int32)  # noqa: E731
    points, frame_bytes = [], []
    for batch in _batches(keys, params.batch_size):
        for ale in emulators:
            ale.reset_game()
            for _ in range(protocol.noop_warmup * protocol.frameskip):
                ale.act(PONG_ALE_ACTIONS[0])
        start = score()
        steps = np.zeros((len(emulators), int(protocol.horizon), protocol.frameskip, 4), np.int32)
        for t in range(int(protocol.horizon)):
            observation = ram_observation(np.stack([ale.getRAM()[list(PONG_RAM_INDICES)] for ale in emulators]))
            actions = np.asarray(decide(batch, t, observation))
            for b, ale in enumerate(emulators):
                for f in range(protocol.frameskip):
                    ale.act(PONG_ALE_ACTIONS[actions[b]])
                    steps[b, t, f] = ale.getRAM()[list(PONG_RAM_INDICES)]
        points.append(score() - start)
        frame_bytes.append(steps)
    return Rollouts(np.concatenate(points), np.concatenate(frame_bytes))


def record_ale_frames(actions: np.ndarray, start=None, screens: bool = False) -> dict:
    """Play env actions (0 NOOP, 1 up, 2 down) one per frame in ALE Pong (frame_skip 1, no sticky
    actions) from reset, or from a saved ALE state (``cloneState``). Returns "rams" uint8 [n+1, 128],
    "resistance" int [n+1] (paddle) and, if asked, "screens" uint8 grayscale [n+1, 210, 160]."""
    ale = new_emulator("pong", 0)
    ale.reset_game()
    if start is not None:
        ale.restoreState(start)
    rams, resistance, frames = [ale.getRAM().copy()], [paddle_resistance(ale)], [ale.getScreenGrayscale().copy()]
    for action in np.asarray(actions):
        ale.act(PONG_ALE_ACTIONS[int(action)])
        rams.append(ale.getRAM().copy())
        resistance.append(paddle_resistance(ale))
        if screens:
            frames.append(ale.getScreenGrayscale().copy())
    out = {"rams": np.array(rams), "resistance": np.array(resistance)}
    if screens:
        out["screens"] = np.array(frames)
    return out


def ale_tracker_actions(frames: int, noise: float, seed: int) -> np.ndarray:
    """Per-frame actions of a ball tracker that reads ALE's RAM, replaced by a random action with
    probability ``noise``, played from reset in ALE Pong: int32 [frames] (replayable)."""
    rng = np.random.default_rng(seed)
    track = jax.jit(tracking_policy)
    ale = new_emulator("pong", 0)
    ale.reset_game()
    actions = np.zeros(frames, np.int32)
    for t in range(frames):
        observation = ram_observation(ale.getRAM()[list(PONG_RAM_INDICES)])
        tracked = int(track(None, observation))
        actions[t] = int(rng.integers(3)) if rng.random() < noise else tracked
        ale.act(PONG_ALE_ACTIONS[actions[t]])
    return actions


def outcome_distribution(points: np.ndarray) -> dict[tuple[int, int], float]:
    """Empirical distribution of (player points, enemy points)."""
    counts = Counter(map(tuple, np.asarray(points).tolist()))
    return {outcome: count / len(points) for outcome, count in counts.items()}


def ball_displacements(frame_bytes: np.ndarray) -> np.ndarray:
    """Per-frame ball moves (dx, dy) while the ball is in play in both frames: int32 [m, 2]."""
    ball = np.asarray(frame_bytes)[..., :2].reshape(len(frame_bytes), -1, 2)
    before, after = ball[:, :-1], ball[:, 1:]
    in_play = (before[..., 1] != 0) & (after[..., 1] != 0)
    return (after - before)[in_play]


def displacement_distribution(frame_bytes: np.ndarray) -> dict[tuple[int, int], float]:
    """Empirical distribution of per-frame ball displacements (dx, dy)."""
    return outcome_distribution(ball_displacements(frame_bytes))


def total_variation(p: dict, q: dict) -> float:
    """Total-variation distance 0.5 * sum |p - q| of two distributions over hashable outcomes."""
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))
