"""JAX Pong: ALE Pong (ale-py 0.12.1, ``ALE/Pong-v5`` settings) re-implemented at RAM level.

The frame dynamics (pong_frame), the display kernel's geometry and collision latches (pong_geometry)
and the binary frame (pong_render) were read from the ROM's 6502 code and the emulator, then checked
against ale-py: from ALE's reset state and under the same per-frame actions, every mirrored RAM byte,
the paddle resistance and every pixel of the binary frame matched ALE on every frame of four recorded
6000-frame games (random and ball-tracking play), and 1000-episode runs per policy at v5 settings
were identical step by step (benchmarks/ale_fidelity.py, RESULTS.md; tests/envs re-check it).
State: the ALE RAM bytes that matter (pong_state.PongRam, in RAM units and ranges) plus ALE's paddle
resistance; ``pong_state.state_from_ram`` builds it from an ALE RAM snapshot.
Each agent step runs the papers' protocol (protocol.py): ``frameskip`` frames with sticky actions,
NOOP warm-up after reset, horizon T. Actions: 0 NOOP, 1 up, 2 down (ALE NOOP, RIGHT, LEFT).

What still differs from ALE:
- The FIRE button is not modelled (the papers' three actions never press it). In ALE, holding it
  when the player hits the ball speeds the ball up (up to 4 px per frame).
- ALE draws the first two frames after a reset, and every frame after a won game, in the attract
  palette (grey 107 background: nearly every pixel of the binary frame is 1); render() draws them as
  ordinary frames. Colours, sounds and the other console switches/game variants are not modelled.
- RAM byte 9 (+1 every 256 frames) is not kept: after 65,280 frames of one game the ROM falls back
  to attract mode and the ball stops; the JAX Pong plays on.
- Out-of-range actions raise where the action is concrete (eager calls); under jit/vmap they cannot be
  inspected without checkify and are clipped into 0..2.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from snnrl.envs.base import Box, Discrete, StepResult, check_action
from snnrl.envs.pong import render as pong_render
from snnrl.envs.pong.frame import frame_step
from snnrl.envs.pong.state import WINNING_SCORE, PongRam, reset_state
from snnrl.envs.protocol import EpisodeProtocol, ram_observation, sticky_frame_actions


@struct.dataclass
class PongParams:
    """Episode protocol, and whether ``step`` also returns the rendered binary frame (info["frame"])."""

    protocol: EpisodeProtocol = EpisodeProtocol()
    render_frames: bool = struct.field(pytree_node=False, default=False)


@struct.dataclass
class PongState:
    ram: PongRam
    previous_action: jnp.ndarray  # action executed on the last frame (sticky actions repeat it)
    time: jnp.ndarray  # agent steps since the warm-up ended


def observed_bytes(ram: PongRam) -> jnp.ndarray:
    """The four observed RAM bytes (ball x, ball y, enemy y, player y): int32 [4]."""
    return jnp.stack([ram.ball_x, ram.ball_y, ram.enemy_y, ram.player_y])


def game_over(ram: PongRam) -> jnp.ndarray:
    """True once a side has 21 points (ALE's terminal state; frames after it change nothing)."""
    return (ram.enemy_score >= WINNING_SCORE) | (ram.player_score >= WINNING_SCORE)


def frame_unless_over(ram: PongRam, action: jnp.ndarray) -> tuple[PongRam, jnp.ndarray]:
    """``frame_step``, except that a finished game stays as it is (ALE refuses to emulate past it)."""
    over = game_over(ram)
    stepped, reward = frame_step(ram, action)
    ram = jax.tree.map(lambda old, new: jnp.where(over, old, new), ram, stepped)
    return ram, jnp.where(over, 0, reward)


def run_frames(ram: PongRam, frame_actions: jnp.ndarray) -> tuple[PongRam, jnp.ndarray, jnp.ndarray]:
    """Run frames under actions [F]: (state, summed reward, observed bytes after each frame [F, 4])."""

    def body(ram, action):
        ram, reward = frame_unless_over(ram, action)
        return ram, (reward, observed_bytes(ram))

    ram, (rewards, frame_bytes) = jax.lax.scan(body, ram, frame_actions)
    return ram, jnp.sum(rewards), frame_bytes


class JaxPong:
    """ALE-faithful Pong as pure JAX functions (jit/vmap/scan). Observation float32 [4], 3 actions."""

    host_side = False
    num_actions = 3
    name = "pong"

    @property
    def default_params(self) -> PongParams:
        return PongParams()

    def reset(self, key: jax.Array, params: PongParams) -> tuple[jax.Array, PongState]:
        """ALE's post-reset state, then ``noop_warmup`` agent steps of NOOP. ``key`` is unused (ALE's
        reset is deterministic) but kept for the common signature."""
        protocol = params.protocol
        noops = jnp.zeros((protocol.noop_warmup * protocol.frameskip,), jnp.int32)
        ram, _, _ = run_frames(reset_state(), noops)
        state = PongState(ram=ram, previous_action=jnp.int32(0), time=jnp.int32(0))
        return ram_observation(observed_bytes(ram)), state

    def step(self, key: jax.Array, state: PongState, action: jax.Array, params: PongParams) -> StepResult:
        """One agent step (``frameskip`` frames, sticky actions). info: "score" int32 [2] (player,
        enemy points in the game), "frame_bytes" int32 [frameskip, 4] (observed bytes after each frame),
        "frame_actions" int32 [frameskip], and "frame" uint8 [210, 160] if ``params.render_frames``."""
        check_action(action, self.num_actions)
        protocol = params.protocol
        action = jnp.clip(jnp.asarray(action, jnp.int32), 0, self.num_actions - 1)
        frame_actions = sticky_frame_actions(
            key, state.previous_action, action, protocol.frameskip, protocol.sticky_prob
        )
        ram, reward, frame_bytes = run_frames(state.ram, frame_actions)
        state = PongState(ram=ram, previous_action=frame_actions[-1], time=state.time + 1)
        info = {
            "score": jnp.stack([ram.player_score, ram.enemy_score]),
            "frame_bytes": frame_bytes,
            "frame_actions": frame_actions,
        }
        if params.render_frames:
            info["frame"] = pong_render.render(ram)
        observation = ram_observation(observed_bytes(ram))
        return observation, state, reward.astype(jnp.float32), game_over(ram), state.time >= protocol.horizon, info

    def render(self, state: PongState) -> jax.Array:
        """Binary frame uint8 [210, 160] (1 where ALE's grayscale differs from the background 87)."""
        return pong_render.render(state.ram)

    def observation_space(self, params: PongParams) -> Box:
        return Box(0.0, 1.0, (4,))

    def action_space(self, params: PongParams) -> Discrete:
        return Discrete(self.num_actions)
