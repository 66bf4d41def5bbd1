"""Frame-level ALE recordings for the Pong fidelity tests (real ale-py, frame_skip 1, no sticky)."""

from __future__ import annotations

import numpy as np

from snnrl.envs.ale import new_emulator, paddle_resistance
from snnrl.envs.protocol import PONG_ALE_ACTIONS


def record_pong(actions: np.ndarray, start=None, seed: int = 0, screens: bool = False) -> dict:
    """Play env actions (0 NOOP, 1 up, 2 down) one per frame in ALE Pong, from reset or from a saved
    ALE state. Returns rams uint8 [n+1, 128], resistance [n+1], and screens uint8 [n+1, 210, 160]."""
    ale = new_emulator("pong", seed)
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


def random_held_actions(rng: np.random.Generator, frames: int, max_hold: int) -> np.ndarray:
    """Random actions, each held for 1..max_hold frames (exercises paddle speed-up and the walls)."""
    actions = []
    while len(actions) < frames:
        actions += [int(rng.integers(3))] * int(rng.integers(1, max_hold + 1))
    return np.array(actions[:frames], np.int32)


def saved_states(actions: np.ndarray, at: list[int], seed: int = 0) -> list:
    """ALE states (cloneState) after playing ``actions`` from reset, at the given frame counts."""
    ale = new_emulator("pong", seed)
    ale.reset_game()
    states = []
    for t, action in enumerate(np.asarray(actions), start=1):
        ale.act(PONG_ALE_ACTIONS[int(action)])
        if t in at:
            states.append(ale.cloneState())
    return states
