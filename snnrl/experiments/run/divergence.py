"""NaN / inf in a run, named for what produced it: training (DivergenceError, exit status 1), or an input
(NonFiniteInputError, a ValueError: a config value whose initial weights float32 cannot hold, a checkpoint
holding NaN/inf weights that no run wrote). Every message says which checkpoint really lies on disk."""

from __future__ import annotations

import zipfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.dreaming.learner import Learner
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.run.sweep_results import member_label

# The metrics a run checks for NaN/inf (an arm without a world model reports NaN model errors by design).
MODEL_METRICS = ("model_state_error", "model_reward_error")

# Which config fields set each initial weight (leaf paths of a Learner), for weights not finite at game 0.
INITIAL_WEIGHT_FIELDS = {
    ".agent.w_in": "algorithm.agent.lif.w_in_std",
    ".agent.weights.w_rec": "algorithm.agent.lif.w_rec_std (or n_neurons)",
    ".agent.weights.readout": "algorithm.agent.readout_std",
    ".agent.hidden": "algorithm.agent.hidden (mismatch, threshold, encoder)",
    ".world_model.w_in": "algorithm.world_model.lif.w_in_std",
    ".world_model.weights.w_rec": "algorithm.world_model.lif.w_rec_std (or n_neurons)",
    ".world_model.hidden": "algorithm.world_model.hidden (mismatch, threshold, encoder)",
}


class DivergenceError(RuntimeError):
    """Training produced NaN/inf; the message names where and the checkpoint kept (or that there is none)."""


class NonFiniteInputError(ValueError):
    """NaN/inf that came in with the run's inputs (config values, a loaded checkpoint), before any training."""


def kept_checkpoint(path: Path) -> str:
    """What a stopped run leaves to resume from: 'the checkpoint PATH (games 0..N-1) is kept' for the
    checkpoint that really lies at ``path``, or 'no checkpoint was written' when there is none."""
    path = Path(path)
    if not path.is_file():
        return f"no checkpoint was written ({path} does not exist): there is nothing to resume"
    try:
        with np.load(path) as stored:
            games = stored["metric_game_return"].shape[1] if "metric_game_return" in stored else None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # a damaged file: named, its games unknown
        games = None
    span = f" (games 0..{games - 1})" if games else ""
    return f"the checkpoint {path}{span} is kept"


def _float_leaves(learners: Learner) -> list[tuple[str, np.ndarray]]:
    return [
        (jax.tree_util.keystr(path), np.asarray(leaf))
        for path, leaf in jax.tree_util.tree_leaves_with_path(learners)
        if jnp.issubdtype(leaf.dtype, jnp.floating)
    ]


def check_finite(
    config: ExperimentConfig, metrics: dict[str, np.ndarray], learners: Learner, first_game: int, checkpoint: Path
) -> dict[str, np.ndarray]:
    """A chunk's metrics (name -> (members, games in chunk)), after DivergenceError naming the member, game
    and metric (or weight) at the first NaN/inf and the checkpoint kept at ``checkpoint`` (or that there is
    none). In a sweep, members that diverge are recorded instead: their metrics are NaN from the chunk in
    which their returns or weights first held NaN/inf (their grid point's row counts them), and the run goes
    on; only when every member has diverged does it stop."""
    names = tuple(metrics)
    last_game = first_game + metrics[names[0]].shape[1] - 1
    checked = names if config.algorithm.model_runs else tuple(n for n in names if n not in MODEL_METRICS)
    leaves = _float_leaves(learners)
    finite_members = np.ones(config.members, bool)
    for _, leaf in leaves:
        finite_members &= np.isfinite(leaf.reshape(config.members, -1)).all(axis=1)
    bad_members = ~finite_members
    for name in checked:
        bad_members |= ~np.isfinite(metrics[name]).all(axis=1)
    if config.sweep and not bad_members.all():
        return {name: np.where(bad_members[:, None], np.nan, values) for name, values in metrics.items()}
    kept = kept_checkpoint(checkpoint)
    for name in checked:
        bad = ~np.isfinite(metrics[name])
        if bad.any():
            member, game = np.argwhere(bad)[0]
            raise DivergenceError(
                f"the run diverged at game {first_game + game} ({member_label(config, member)}): {name} is "
                f"{metrics[name][member, game]}; {kept}"
            )
    for name, leaf in leaves:
        if not np.isfinite(leaf).all():
            raise DivergenceError(f"the run diverged in games {first_game}..{last_game}: {name} holds NaN/inf; {kept}")
    return metrics


def check_initial_learners(learners: Learner) -> None:
    """NonFiniteInputError naming the config field that set an initial weight holding NaN/inf (an init scale
    whose products float32 cannot hold), before any game is played."""
    for name, leaf in _float_leaves(learners):
        if not np.isfinite(leaf).all():
            fields = [field for prefix, field in INITIAL_WEIGHT_FIELDS.items() if name.startswith(prefix)]
            raise NonFiniteInputError(
                f"the initial weights {name} hold NaN/inf before game 0 (an input, not a divergence): the config "
                f"field {fields[0] if fields else 'setting them'} gives values float32 cannot hold; choose a smaller "
                "one. Nothing was computed"
            )


def check_loaded_learners(config: ExperimentConfig, learners: Learner, game_return: np.ndarray, path: Path) -> None:
    """NonFiniteInputError naming the checkpoint ``path`` and the weight when a member's loaded weights hold
    NaN/inf although its stored returns ``game_return`` (members, games) do not record a divergence (a run
    never saves such weights: the file was edited or written by something else). A sweep's members recorded
    as diverged (NaN returns) may hold them."""
    recorded = ~np.isfinite(game_return).all(axis=1) if game_return.size else np.zeros(config.members, bool)
    for name, leaf in _float_leaves(learners):
        bad = ~np.isfinite(leaf.reshape(config.members, -1)).all(axis=1) & ~recorded
        if bad.any():
            member = int(np.argmax(bad))
            raise NonFiniteInputError(
                f"the checkpoint {path} holds NaN/inf in {name} ({member_label(config, member)}) although its "
                "returns record no divergence: no run saves such weights, so the file was changed after it was "
                "written (an input, not a divergence). Nothing was computed; restore the file or start a new run"
            )
