"""Frame-level state of the JAX Pong, in ALE Pong's RAM units (ALE RAM index i is 6502 address 0x80+i).

Measured on ale-py 0.12.1 (Video Olympics ROM, game 1, difficulty B) and read from its 6502 code.
Besides RAM, the state holds the one thing ALE keeps outside the console: the resistance of the
player's paddle controller, which ALE moves by 23000 per frame and clips to [27450, 790196].
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from flax import struct

PADDLE_DELTA = 23000
PADDLE_MIN = 27450
PADDLE_MAX = 790196
PADDLE_DEFAULT = (PADDLE_MIN + PADDLE_MAX) // 2
OTHER_PADDLE_READING = 110  # second paddle, never moved: its pot reading on odd frames
SERVE_DELAY = 63  # countdown set when a point is scored; the ball is served when it reaches 0
WINNING_SCORE = 21


@struct.dataclass
class PongRam:
    """All int32 scalars (add leading axes with vmap). Names give the RAM index they mirror."""

    frame: jnp.ndarray  # ram[8]: frame counter, mod 256
    ball_x: jnp.ndarray  # ram[49]: 52 < x < 205 in play (goal outside)
    ball_y: jnp.ndarray  # ram[54]: 0 while no ball is in play
    ball_dx: jnp.ndarray  # ram[58] as signed byte: x decreases by ball_dx each frame (+1 towards the enemy)
    ball_dy: jnp.ndarray  # ram[56] as signed byte: y increases by ball_dy each frame (-2..2)
    enemy_y: jnp.ndarray  # ram[50] (= ram[21]): computer paddle
    player_y: jnp.ndarray  # ram[51]: player paddle, a copy of last frame's smoothed pot reading
    paddle_smooth: jnp.ndarray  # ram[60]: smoothed pot reading, (reading + old) >> 1 on even frames
    pot_reading: jnp.ndarray  # ram[4]: this frame's pot reading (player's on even frames, else 110)
    countdown: jnp.ndarray  # ram[11]: frames until the serve
    last_side: jnp.ndarray  # ram[18]: side that last hit the ball or scored: 0 enemy, 1 player, 255 none
    enemy_score: jnp.ndarray  # ram[13]
    player_score: jnp.ndarray  # ram[14]
    resistance: jnp.ndarray  # ALE's player paddle resistance (not in RAM)


def _signed_byte(value: np.ndarray | int) -> np.ndarray:
    value = np.asarray(value, np.int32)
    return np.where(value >= 128, value - 256, value)


def state_from_ram(ram: np.ndarray, resistance: int | np.ndarray = PADDLE_DEFAULT) -> PongRam:
    """PongRam from ALE RAM bytes [..., 128] and the paddle resistance (ALE state bytes 0..3, see ale.py)."""
    ram = np.asarray(ram, np.int32)
    field = lambda index: jnp.asarray(ram[..., index], jnp.int32)  # noqa: E731
    return PongRam(
        frame=field(8),
        ball_x=field(49),
        ball_y=field(54),
        ball_dx=jnp.asarray(_signed_byte(ram[..., 58]), jnp.int32),
        ball_dy=jnp.asarray(_signed_byte(ram[..., 56]), jnp.int32),
        enemy_y=field(50),
        player_y=field(51),
        paddle_smooth=field(60),
        pot_reading=field(4),
        countdown=field(11),
        last_side=field(18),
        enemy_score=field(13),
        player_score=field(14),
        resistance=jnp.broadcast_to(jnp.asarray(resistance, jnp.int32), ram.shape[:-1]),
    )


def ram_from_state(state: PongRam) -> dict[int, jnp.ndarray]:
    """The RAM bytes the state mirrors, {ALE RAM index: int32 array} (signed fields as bytes)."""
    return {
        8: state.frame,
        49: state.ball_x,
        54: state.ball_y,
        58: state.ball_dx & 0xFF,
        56: state.ball_dy & 0xFF,
        50: state.enemy_y,
        51: state.player_y,
        60: state.paddle_smooth,
        4: state.pot_reading,
        11: state.countdown,
        18: state.last_side,
        13: state.enemy_score,
        14: state.player_score,
    }


def reset_state() -> PongRam:
    """The state ALE Pong is in right after ``reset_game()`` (deterministic: 60 NOOP and 2x4 RESET frames)."""
    ram = np.zeros(128, np.int32)
    for index, value in {8: 71, 49: 0, 54: 60, 58: 0, 56: 0, 50: 22, 51: 109, 60: 109, 4: 110, 11: 59, 18: 255}.items():
        ram[index] = value
    return state_from_ram(ram, PADDLE_DEFAULT)
