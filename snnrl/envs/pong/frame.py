"""One emulator frame of ALE Pong at RAM level (game 1 of Video Olympics, computer opponent).

Read from the ROM's 6502 code and checked byte by byte against ale-py (tests/envs/pong/test_pong_frames.py).
Per frame, in the ROM's order:
1. ALE moves the paddle resistance by -23000 (up), 0 or +23000 (down); the frame counter ticks.
2. Unless a side has 21 points: while the serve countdown runs the ball is hidden (y = 0); when it
   reaches 0 the ball is served from (128, 128) towards the side that lost the last point, keeping
   the sign of its vertical speed with magnitude 1, and the enemy paddle jumps to y = 128.
   In play: past x <= 52 or x >= 205 a point is scored and the countdown restarts at 63 frames;
   else, if the ball touched a wall last frame and is within 8 lines of it, it is nudged one line
   back and its vertical speed flips; else, if it touched a paddle, its vertical speed becomes
   -(offset of the ball on the paddle)/4 (-2..2) and it is sent away from that paddle. Then the ball
   moves by (-dx, dy). Horizontal speed stays 1 without the FIRE button (not in the papers' actions).
3. The player paddle takes last frame's smoothed pot reading; the enemy moves 2 lines towards the
   ball's y, except on every eighth frame or when level with it. (The ROM's frame counter ticks just
   before ALE's frame boundary, so the logic of a frame sees the counter value ALE showed before it.)
4. The display kernel (pong_geometry) reads the player's pot on even frames and smooths it.
"""

from __future__ import annotations

import jax.numpy as jnp

from snnrl.envs.pong import geometry as pong_geometry
from snnrl.envs.pong.state import (
    OTHER_PADDLE_READING,
    PADDLE_DELTA,
    PADDLE_MAX,
    PADDLE_MIN,
    SERVE_DELAY,
    WINNING_SCORE,
    PongRam,
)

GOAL_CELL = 13  # the ball is out when |x - 1| (mod 256, folded) / 4 < 13
WALL_CELL = 6  # a wall touch bounces when |y + 2| (folded) / 8 < 6
SERVE_POSITION = 128


def _folded_cell(value: jnp.ndarray, shift: int) -> jnp.ndarray:
    value = value & 0xFF
    return jnp.where(value < 128, value, 255 - value) >> shift


def _paddle_bounce_dy(paddle_y: jnp.ndarray, ball_y: jnp.ndarray) -> jnp.ndarray:
    offset = ((paddle_y + 6 - ball_y) & 63) >> 1
    offset = jnp.where(offset >= 16, offset - 32, offset)
    return (-offset) >> 1


def _enemy_follow(enemy_y: jnp.ndarray, ball_y: jnp.ndarray, previous_frame: jnp.ndarray) -> jnp.ndarray:
    moves = ((previous_frame & 7) != 0) & (enemy_y != ball_y)
    up = (enemy_y - 2) & 0xFF
    raised = enemy_y + 5
    down = ((raised & 0xFF) - 3 + (raised > 0xFF).astype(jnp.int32)) & 0xFF
    return jnp.where(moves, jnp.where(enemy_y >= ball_y, up, down), enemy_y)


def frame_step(state: PongRam, action: jnp.ndarray) -> tuple[PongRam, jnp.ndarray]:
    """Advance one frame under action 0 (NOOP), 1 (up) or 2 (down). Returns (state, reward in {-1,0,1})."""
    delta = jnp.where(action == 1, -PADDLE_DELTA, jnp.where(action == 2, PADDLE_DELTA, 0))
    resistance = jnp.clip(state.resistance + delta, PADDLE_MIN, PADDLE_MAX)
    frame = (state.frame + 1) & 0xFF
    hit_enemy, hit_player, hit_wall = pong_geometry.collisions(
        state.ball_x, state.ball_y, state.player_y, state.enemy_y, state.pot_reading
    )

    over = (state.enemy_score >= WINNING_SCORE) | (state.player_score >= WINNING_SCORE)
    counting = (state.countdown != 0) & ~over
    serve = counting & (state.countdown == 1)
    in_play = (state.countdown == 0) & ~over
    goal = in_play & (_folded_cell(state.ball_x - 1, 2) < GOAL_CELL)
    enemy_point = goal & (state.ball_x >= 128)
    player_point = goal & (state.ball_x < 128)
    rally = in_play & ~goal
    bounce_wall = rally & hit_wall & (_folded_cell(state.ball_y + 2, 3) < WALL_CELL)
    hit_paddle = rally & ~bounce_wall & (hit_player | hit_enemy)

    ball_y = jnp.where(bounce_wall, state.ball_y + jnp.where(state.ball_y < 128, 1, -1), state.ball_y)
    ball_y = jnp.where(serve, SERVE_POSITION, ball_y)
    ball_x = jnp.where(serve, SERVE_POSITION, state.ball_x)
    paddle_y = jnp.where(hit_player, state.player_y, state.enemy_y)
    ball_dy = jnp.where(bounce_wall, -state.ball_dy, state.ball_dy)
    ball_dy = jnp.where(hit_paddle, _paddle_bounce_dy(paddle_y, state.ball_y), ball_dy)
    ball_dy = jnp.where(serve, jnp.where(state.ball_dy >= 0, 1, -1), ball_dy)
    away = jnp.where(hit_player, jnp.abs(state.ball_dx), -jnp.abs(state.ball_dx))
    ball_dx = jnp.where(hit_paddle, away, state.ball_dx)
    ball_dx = jnp.where(serve, jnp.where((state.last_side & 1) == 1, 1, -1), ball_dx)

    moves = rally | serve
    ball_y = jnp.where(moves, (ball_y + ball_dy) & 0xFF, ball_y)
    ball_x = jnp.where(moves, (ball_x - ball_dx) & 0xFF, ball_x)
    ball_y = jnp.where(counting & ~serve, 0, ball_y)
    countdown = jnp.where(counting, state.countdown - 1, state.countdown)
    countdown = jnp.where(goal, SERVE_DELAY, countdown)

    enemy_y = jnp.where(serve, SERVE_POSITION, state.enemy_y)
    enemy_y = _enemy_follow(enemy_y, ball_y, state.frame)
    reads_player = (frame & 1) == 0
    pot = jnp.where(reads_player, pong_geometry.pot_reading(resistance), OTHER_PADDLE_READING)
    paddle_smooth = jnp.where(reads_player, (pot + state.paddle_smooth) >> 1, state.paddle_smooth)

    next_state = PongRam(
        frame=frame,
        ball_x=ball_x,
        ball_y=ball_y,
        ball_dx=ball_dx,
        ball_dy=ball_dy,
        enemy_y=enemy_y,
        player_y=state.paddle_smooth,
        paddle_smooth=paddle_smooth,
        pot_reading=pot,
        countdown=countdown,
        last_side=jnp.where(
            goal, jnp.where(enemy_point, 0, 1), jnp.where(hit_paddle, hit_player.astype(jnp.int32), state.last_side)
        ),
        enemy_score=state.enemy_score + enemy_point.astype(jnp.int32),
        player_score=state.player_score + player_point.astype(jnp.int32),
        resistance=resistance,
    )
    return next_state, player_point.astype(jnp.int32) - enemy_point.astype(jnp.int32)
