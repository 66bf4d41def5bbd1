"""Dreaming row of benchmarks/anchors.py: the official dreaming code's own NumPy loop (its transcription,
tests/parity/reference_official.py: float64, one realization, per-step Python) vs snnrl's compiled game
(jit of vmap over realizations, JAX Pong) at both world-model cadences: every step (the official code's)
and once per game (``model_update=game``, the paper's Algorithm 1). Realization-steps per second, each JAX
game followed by NumPy games in the same process (benchmarks/bench_core.py's ``time_batch``).

The official code has only the per-step cadence; its per-game twin here (``PerGameGames``) is the same
NumPy loop with the world model's three Adam steps taken once per game on the summed step gradients.
"""

from __future__ import annotations

import numpy as np
from bench_core import NumpyGames, network_steps, time_batch

from snnrl.experiments.config import preset
from tests.parity.reference_official import OfficialReference, adam_ascent


class PerGameReference(OfficialReference):
    """The NumPy reference with the world model learning once per game: ``model_learn`` sums the step
    gradients, ``play_game`` ends with one Adam step per weight group on the sums."""

    def model_learn(self, pred_delta, pred_r, target_delta, r_target, p) -> None:
        c, s_bar = self.c, self.model_net.s_bar
        err_s, err_r = target_delta - pred_delta, np.array([r_target - pred_r])
        signal = self.model_readout_state.T @ err_s + c.reward_weight * (self.model_readout_reward.T @ err_r)
        steps = (np.outer(signal * p, self.model_net.e), np.outer(err_s, s_bar), np.outer(err_r, s_bar))
        sums = getattr(self, "_sums", None) or [np.zeros_like(g) for g in steps]
        self._sums = [total + g for total, g in zip(sums, steps, strict=True)]

    def play_game(self, *args, **kwargs):
        record = super().play_game(*args, **kwargs)
        c, adam, (g_rec, g_state, g_reward) = self.c, self.adam, self._sums
        self.model_w_rec = adam_ascent(self.model_w_rec, g_rec, adam["model_rec"], c.model_lr_recurrent, c)
        self.model_readout_state = adam_ascent(
            self.model_readout_state, g_state, adam["model_state"], c.model_lr_state, c
        )
        self.model_readout_reward = adam_ascent(
            self.model_readout_reward, g_reward, adam["model_reward"], c.model_lr_reward, c
        )
        self._sums = None
        return record


def cadence_rows(batches: tuple[int, ...], games: int, seed: int = 0) -> dict:
    """Per cadence ('step', 'game') and B in ``batches``: snnrl's and NumPy's realization-steps/s (medians of
    ``games`` timed JAX games, one NumPy game after each) and their ratio."""
    rows = {}
    for cadence in ("step", "game"):
        experiment = preset("official")
        experiment = experiment.replace(algorithm=experiment.algorithm.replace(model_update=cadence))
        config = experiment.algorithm
        numpy_games = NumpyGames(config, seed)
        if cadence == "game":
            numpy_games.reference.__class__ = PerGameReference
        numpy_games.play()
        steps = network_steps(config)
        for batch in batches:
            row = time_batch(experiment, batch, games, numpy_games, 1, 20.0, seed)
            rate, numpy_rate = batch * steps / row["median_game_s"], steps / row["numpy_median_game_s"]
            rows[f"{cadence}/{batch}"] = {
                "compile_s": row["compile_s"],
                "snnrl_realization_steps_per_s": rate,
                "numpy_realization_steps_per_s": numpy_rate,
                "ratio": rate / numpy_rate,
            }
            print(f"dreaming cadence={cadence} B={batch}: {rows[f'{cadence}/{batch}']}", flush=True)
    return rows
