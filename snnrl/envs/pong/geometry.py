"""Where ALE Pong's display kernel draws the paddles and the ball, and what it senses while drawing.

The ROM draws the play field in a loop of two-scanline segments indexed by a line counter x = 38, 40,
.., 220 (segment x starts on scanline x - 15). In segment x it
- reads the paddle pot: the reading is the last x at which the pot's capacitor had not yet charged;
- shows the enemy paddle on scanlines x-15, x-14 if (x - enemy_y) mod 256 < 16 (columns 16..19);
- shows the player paddle on scanlines x-14, x-13 if (x - player_y) mod 256 < 16 (columns 140..143);
- enables the ball (2 columns from ball_x - 49) if (x + 2 - ball_y) mod 256 < 4, writing the enable
  register late on scanline x-14. Pixels right of that write already show the new value, so on the
  right of the screen the ball starts one scanline early; the write's position moves by 3 columns per
  CPU cycle the segment took longer (2 cycles while the pot is uncharged, 1 per paddle not shown).
  For even ball_y the ball is vertically delayed and appears at the next player-graphics write.
The hardware collision latches (ball vs paddles, ball vs walls) come from this drawing, so collisions
use the same rows. The column thresholds were fitted to ALE screens (benchmarks/ale_pong_probe.py);
benchmarks/ale_fidelity.py and tests/envs/pong/test_pong_frames.py check the result pixel by pixel.
"""

from __future__ import annotations

import jax.numpy as jnp

KERNEL_ROWS = (24, 206)  # scanlines the play-field loop draws objects on
TOP_WALL_ROWS = (24, 34)
BOTTOM_WALL_ROWS = (194, 210)
ENEMY_COLUMNS = (16, 20)
PLAYER_COLUMNS = (140, 144)
BALL_COLUMN_OFFSET = 49  # ball occupies columns ball_x - 49 and ball_x - 48
PADDLE_HEIGHT = 16
BALL_ENABLE_COLUMN = 127  # first column already showing a new ball enable, in the fastest segment
BALL_DELAYED_COLUMN = 149  # same, for the vertically delayed ball (even ball_y)
CYCLE_COLUMNS = 3  # one CPU cycle = 3 pixels


def pot_reading(resistance: jnp.ndarray) -> jnp.ndarray:
    """The paddle pot reading (line counter, 38..204 for ALE's resistance range) of a resistance.

    Stella charges the pot in floor(resistance * 0.01904) CPU cycles; the first read that sees it
    charged happens 2449 cycles after the dump is released, then one read every 152 cycles.
    """
    cycles = (resistance * 1904) // 100000
    reads_uncharged = jnp.clip((cycles - 2449) // 152 + 1, 0, 91)
    return 38 + 2 * reads_uncharged


def _paddle_hidden(x: jnp.ndarray, paddle_y: jnp.ndarray) -> jnp.ndarray:
    return ((x - paddle_y) & 0xF0) != 0


def _slow_cycles(x: jnp.ndarray, pot: jnp.ndarray, player_y: jnp.ndarray) -> jnp.ndarray:
    return 2 * (x <= pot).astype(jnp.int32) + _paddle_hidden(x, player_y).astype(jnp.int32)


def _enable_column(x, pot, player_y, enemy_y):
    """First column that sees the ball enable written in segment x (odd ball_y)."""
    slow = _slow_cycles(x, pot, player_y) + _paddle_hidden(x + 2, enemy_y).astype(jnp.int32)
    return BALL_ENABLE_COLUMN + CYCLE_COLUMNS * slow


def _delayed_column(x, pot, player_y):
    """First column that sees the delayed ball enable copied in segment x (even ball_y)."""
    return BALL_DELAYED_COLUMN + CYCLE_COLUMNS * _slow_cycles(x, pot, player_y)


def ball_rows(ball_y, column, pot, player_y, enemy_y) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Scanlines [first, end) on which the ball is drawn in a given screen column (int32 arrays)."""
    odd = (ball_y & 1) == 1
    on_threshold = jnp.where(
        odd, _enable_column(ball_y - 1, pot, player_y, enemy_y), _delayed_column(ball_y, pot, player_y)
    )
    off_threshold = jnp.where(
        odd, _enable_column(ball_y + 3, pot, player_y, enemy_y), _delayed_column(ball_y + 4, pot, player_y)
    )
    first = ball_y - 15 + (column < on_threshold).astype(jnp.int32)
    end = ball_y - 11 + (column < off_threshold).astype(jnp.int32)
    return jnp.maximum(first, KERNEL_ROWS[0]), jnp.minimum(end, KERNEL_ROWS[1])


def enemy_rows(enemy_y: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Scanlines [first, end) of the enemy paddle."""
    return jnp.maximum(enemy_y - 15, KERNEL_ROWS[0] + 1), jnp.minimum(enemy_y + 1, KERNEL_ROWS[1])


def player_rows(player_y: jnp.ndarray) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Scanlines [first, end) of the player paddle (it moves in steps of two scanlines)."""
    top = 2 * ((player_y + 1) // 2) - 14
    return jnp.maximum(top, KERNEL_ROWS[0]), jnp.minimum(top + PADDLE_HEIGHT, KERNEL_ROWS[1])


def ball_columns(ball_x: jnp.ndarray) -> jnp.ndarray:
    """The two screen columns of the ball, int32 [..., 2]."""
    first = ball_x - BALL_COLUMN_OFFSET
    return jnp.stack([first, first + 1], axis=-1)


def _overlap(first_a, end_a, first_b, end_b):
    return jnp.maximum(first_a, first_b) < jnp.minimum(end_a, end_b)


def collisions(ball_x, ball_y, player_y, enemy_y, pot) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """Hardware collision latches after drawing a frame: (ball-enemy, ball-player, ball-wall) bools."""
    columns = ball_columns(ball_x)
    first, end = ball_rows(ball_y[..., None], columns, pot[..., None], player_y[..., None], enemy_y[..., None])
    visible = (columns >= 0) & (columns < 160) & (first < end)

    def hits(column_range, rows):
        in_columns = (columns >= column_range[0]) & (columns < column_range[1])
        return jnp.any(visible & in_columns & _overlap(first, end, rows[0][..., None], rows[1][..., None]), axis=-1)

    enemy = hits(ENEMY_COLUMNS, enemy_rows(enemy_y))
    player = hits(PLAYER_COLUMNS, player_rows(player_y))
    wall = jnp.any(visible & (_overlap(first, end, *TOP_WALL_ROWS) | _overlap(first, end, *BOTTOM_WALL_ROWS)), axis=-1)
    return enemy, player, wall
