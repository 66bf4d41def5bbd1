"""Binary frames of random play, the autoencoder's training data: the JAX Pong (compiled) or a real ALE
game (host), both under the papers' protocol (frameskip 4, sticky actions 0.25, episodes of 100 agent
steps after the NOOP warm-up), one frame per agent step."""

from __future__ import annotations

import jax
import numpy as np

from snnrl.envs import env_spec, frame_environments, make

BATCH = 8  # episodes played side by side


def random_play_frames(env_name: str, count: int, key: jax.Array) -> np.ndarray:
    """``count`` binary frames uint8 [count, 210, 160] of uniformly random actions in ``env_name``
    ('pong' or an 'ale:' game), ``BATCH`` episodes at a time, frames in time order within each batch."""
    if count < 1:
        raise ValueError(f"count must be >= 1 frame, got {count}")
    if env_name in frame_environments():
        return _ale_frames(env_name, count, key) if env_spec(env_name).host_side else _jax_frames(env_name, count, key)
    raise ValueError(
        f"frames come from an environment that renders them ({', '.join(frame_environments())}); got {env_name!r}"
    )


def _jax_frames(env_name: str, count: int, key: jax.Array) -> np.ndarray:
    from snnrl.envs import auto_reset_step

    env, params = make(env_name, render_frames=True)
    step = auto_reset_step(env)
    steps = -(-count // BATCH)

    def one_episode_batch(key):
        key_reset, key_steps = jax.random.split(key)
        _, state = env.reset(key_reset, params)

        def body(state, key):
            key_action, key_step = jax.random.split(key)
            action = jax.random.randint(key_action, (), 0, env.num_actions)
            _, state, _, _, _, info = step(key_step, state, action, params)
            return state, info["frame"]

        return jax.lax.scan(body, state, jax.random.split(key_steps, steps))[1]

    frames = jax.jit(jax.vmap(one_episode_batch))(jax.random.split(key, BATCH))  # (BATCH, steps, H, W)
    return np.asarray(frames).reshape(-1, *frames.shape[2:])[:count]


def _ale_frames(env_name: str, count: int, key: jax.Array) -> np.ndarray:
    env, params = make(env_name, batch_size=BATCH, render_frames=True)
    key_reset, key_play = jax.random.split(key)
    _, state = env.reset(key_reset, params)
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key_play)).astype(np.uint32))
    frames = []
    for step in range(-(-count // BATCH)):
        actions = rng.integers(0, env.num_actions, BATCH)
        _, state, _, terminated, truncated, info = env.step(jax.random.fold_in(key_play, step), state, actions, params)
        frames.append(info["frame"])
        if np.any(terminated | truncated):  # the batch shares its clock: all episodes end together
            _, state = env.reset(key_reset, params)
    return np.concatenate(frames)[:count]
