"""Measure the ALE Pong facts the JAX Pong is built on (ale-py, frame_skip 1, no sticky actions).

Prints: the post-reset RAM bytes; the pot reading as a function of ALE's paddle resistance (found by
bisection on edited emulator states: it steps by 2 lines every 152 CPU cycles of charge time, the first
step at 2449 cycles); the player paddle's movement while "up" is held; the serve delay; the enemy's
speed; and the screen column from which the ball shows one scanline early, for each number of extra
kernel cycles (snnrl/envs/pong_geometry.py).

    python benchmarks/ale_pong_probe.py
"""

from __future__ import annotations

import struct as binary
from collections import defaultdict

import numpy as np

from snnrl.envs.ale import new_emulator
from snnrl.envs.fidelity import ale_tracker_actions, record_ale_frames
from snnrl.envs.pong_state import PADDLE_MAX, PADDLE_MIN


def reset_bytes() -> None:
    ale = new_emulator("pong", 0)
    ale.reset_game()
    ram = ale.getRAM()
    names = {
        8: "frame",
        49: "ball x",
        54: "ball y",
        50: "enemy y",
        51: "player y",
        60: "smoothed pot",
        4: "pot",
        11: "countdown",
        18: "last side",
    }
    print("after reset_game():", ", ".join(f"{name} (RAM {i}) = {ram[i]}" for i, name in names.items()))


def pot_reading_steps() -> None:
    ale = new_emulator("pong", 0)
    ale.reset_game()
    for _ in range(100):
        ale.act(0)
    base = ale.cloneState().serialize()
    state_type = type(ale.cloneState())

    def reading(resistance: int) -> int:
        ale.restoreState(state_type(binary.pack("<i", resistance) + base[4:]))
        for _ in range(2):
            ale.act(0)
            ram = ale.getRAM()
            if ram[8] % 2 == 0:  # the player's pot is read on even frames
                return int(ram[4])
        raise AssertionError("no even frame in two frames")

    cycles = []
    low = PADDLE_MIN
    while low < PADDLE_MAX:
        start = reading(low)
        high = low + 10_000
        if reading(min(high, PADDLE_MAX)) == start:
            low = high
            continue
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if reading(middle) == start else (low, middle)
        cycles.append(int(1.6 * high * 0.01e-6 * 1.19e6))
        low = high
    steps = np.diff(cycles)
    print(
        f"pot reading: {len(cycles)} steps of 2 lines, first at {cycles[0]} charge cycles, then every {sorted(set(steps.tolist()))} cycles"
    )


def paddle_speed() -> None:
    recorded = record_ale_frames(np.ones(40, np.int32))
    y = recorded["rams"][:, 51].astype(int)
    print("player y while holding up, per 2 frames:", np.diff(y[::2]).tolist())


def serve_and_enemy() -> None:
    rng = np.random.default_rng(0)
    recorded = record_ale_frames(rng.integers(0, 3, 6000))
    ball_y, enemy_y = recorded["rams"][1:, 54], recorded["rams"][1:, 50].astype(int)
    absent, runs = 0, []
    for y in ball_y:
        if y == 0:
            absent += 1
        elif absent:
            runs.append(absent)
            absent = 0
    in_play = (ball_y[:-1] != 0) & (ball_y[1:] != 0)
    print(
        f"ball absent between points for {sorted(set(runs[1:]))} frames; enemy moves {sorted(set(np.abs(np.diff(enemy_y))[in_play].tolist()))} px per frame"
    )


def ball_enable_columns() -> None:
    """Odd ball_y: first column (per extra-cycle count k) where the ball's first scanline is ball_y - 15."""
    seen = defaultdict(lambda: [None, None])
    for actions in (np.random.default_rng(1).integers(0, 3, 6000), ale_tracker_actions(6000, noise=0.2, seed=1)):
        recorded = record_ale_frames(actions, screens=True)
        for ram, screen in zip(recorded["rams"][3:].astype(int), recorded["screens"][3:], strict=False):
            ball_y, ball_x, pot, player_y, enemy_y = ram[54], ram[49], ram[4], ram[51], ram[50]
            if not 50 <= ball_y <= 190 or ball_y % 2 == 0:
                continue
            x = ball_y - 1
            k = 2 * (x <= pot) + (((x - player_y) & 0xF0) != 0) + (((x + 2 - enemy_y) & 0xF0) != 0)
            for column in (ball_x - 49, ball_x - 48):
                rows = np.nonzero(screen[34:194, column] == 236)[0]
                if rows.size:
                    early = int(rows[0] + 34 == ball_y - 15)
                    best = min if early else max
                    bound = seen[int(k)]
                    bound[early] = column if bound[early] is None else best(bound[early], column)
    for k in sorted(seen):
        print(f"  {k} extra cycles: latest column seen on time {seen[k][0]}, first column seen early {seen[k][1]}")


def main() -> None:
    reset_bytes()
    pot_reading_steps()
    paddle_speed()
    serve_and_enemy()
    print("ball one scanline early (odd ball y):")
    ball_enable_columns()


if __name__ == "__main__":
    main()
