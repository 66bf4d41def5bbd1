"""The binary 210x160 Pong frame (1 = any pixel that is not ALE's grey background, grayscale 87).

Drawn like the ROM draws it: an 8-pixel HMOVE bar on scanline 0, the two scores in a 3x5 font with
4x4-pixel cells on scanlines 1..20 (enemy left, player right; no leading zero), the walls on scanlines
24..33 and 194..209, and the paddles and the ball where pong_geometry says the kernel puts them.
Not reproduced: the first two frames after a reset and the frames after a game is won, which ALE
draws in the attract-mode palette (grey 107 background, so nearly every pixel is 1).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.envs.pong import geometry as pong_geometry
from snnrl.envs.pong.state import SERVE_DELAY, PongRam

HEIGHT, WIDTH = 210, 160
_FONT_ROWS = {  # 3 bits per row, bit 2 = left cell
    0: (7, 5, 5, 5, 7),
    1: (2, 2, 2, 2, 2),
    2: (7, 1, 7, 4, 7),
    3: (7, 1, 3, 1, 7),
    4: (5, 5, 7, 1, 1),
    5: (7, 4, 7, 1, 7),
    6: (4, 4, 7, 5, 7),
    7: (7, 1, 1, 1, 1),
    8: (7, 5, 7, 5, 7),
    9: (7, 5, 7, 1, 1),
}
# NumPy, not a JAX array: importing snnrl must not start a JAX backend (jax.distributed starts it later).
FONT = np.array([[[(row >> (2 - c)) & 1 for c in range(3)] for row in _FONT_ROWS[d]] for d in range(10)], np.uint8)
SCORE_TOP = 1
CELL = 4
DIGIT_COLUMNS = {"enemy_tens": 20, "enemy_ones": 36, "player_tens": 100, "player_ones": 116}


def _digit_image(digit: jnp.ndarray, shown: jnp.ndarray) -> jnp.ndarray:
    glyph = jnp.asarray(FONT)[jnp.clip(digit, 0, 9)] * shown.astype(jnp.uint8)
    return jnp.repeat(jnp.repeat(glyph, CELL, axis=0), CELL, axis=1)


def _scores(frame: jnp.ndarray, enemy_score: jnp.ndarray, player_score: jnp.ndarray) -> jnp.ndarray:
    for side, score in (("enemy", enemy_score), ("player", player_score)):
        tens = score // 10
        for name, digit, shown in ((f"{side}_tens", tens, tens > 0), (f"{side}_ones", score % 10, True)):
            image = _digit_image(digit, jnp.asarray(shown))
            frame = jax.lax.dynamic_update_slice(frame, image, (SCORE_TOP, DIGIT_COLUMNS[name]))
    return frame


def _rectangle(rows, cols, row_range, col_range) -> jnp.ndarray:
    return (rows >= row_range[0]) & (rows < row_range[1]) & (cols >= col_range[0]) & (cols < col_range[1])


def render(state: PongRam) -> jnp.ndarray:
    """The binary frame ALE would show after this state's frame: uint8 [210, 160] (vmap for a batch)."""
    rows = jnp.arange(HEIGHT)[:, None]
    cols = jnp.arange(WIDTH)[None, :]
    on = _rectangle(rows, cols, (0, 1), (0, 8))
    on |= _rectangle(rows, cols, pong_geometry.TOP_WALL_ROWS, (0, WIDTH))
    on |= _rectangle(rows, cols, pong_geometry.BOTTOM_WALL_ROWS, (0, WIDTH))
    on |= _rectangle(rows, cols, pong_geometry.enemy_rows(state.enemy_y), pong_geometry.ENEMY_COLUMNS)
    on |= _rectangle(rows, cols, pong_geometry.player_rows(state.player_y), pong_geometry.PLAYER_COLUMNS)
    for column in jnp.unstack(pong_geometry.ball_columns(state.ball_x)):
        first, end = pong_geometry.ball_rows(state.ball_y, column, state.pot_reading, state.player_y, state.enemy_y)
        on |= (cols == column) & (rows >= first) & (rows < end)
    just_scored = state.countdown == SERVE_DELAY  # digits are set up after the kernel: one frame late
    enemy_shown = state.enemy_score - (just_scored & (state.last_side == 0)).astype(jnp.int32)
    player_shown = state.player_score - (just_scored & (state.last_side == 1)).astype(jnp.int32)
    return _scores(on.astype(jnp.uint8), enemy_shown, player_shown)
