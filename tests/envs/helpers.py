"""Action scripts and saved ALE states for the Pong fidelity tests (real ale-py, frame_skip 1)."""

from __future__ import annotations

import numpy as np

from snnrl.envs.ale import new_emulator
from snnrl.envs.protocol import PONG_ALE_ACTIONS


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
