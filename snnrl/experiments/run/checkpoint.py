"""A run's checkpoint (learners, metrics so far, wall time, and whose run it is) and the checks that a
results folder is continued only with its own checkpoint and never half overwritten.

checkpoint.npz holds the learners' leaves, each under its pytree path (learners.agent.w_in,
learners.agent_opt_state..., see storage.leaf_names; loading matches them by name, so a renamed field
is reported and a reordered one keeps its arrays instead of swapping them), metric_<name> (R, games
done) per metric, wall_seconds, and meta_identity_hash / meta_identity (the run's config without ``games``, see
run_identity) and meta_snnrl_version. A named-leaf checkpoint without them is refused (stripped, its run
unknown). Checkpoints of snnrl 0.2.0 (positional leaf_0, leaf_1, ... and no meta_ fields) still load:
their leaves by position, checked by their shapes and metrics against config.json only.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl import __version__
from snnrl.algorithms.dreaming.game import GameMetrics
from snnrl.algorithms.dreaming.learner import Learner
from snnrl.core.storage import LEGACY_LEAF, CorruptFileError, read_npz, save_pytree, unpack_pytree
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.run_identity import differing_fields, identity_hash, identity_json, run_identity

CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.npz"
RESULT_FILES = (CHECKPOINT, METRICS, "returns.csv", "summary.json")
METRIC_NAMES = tuple(GameMetrics.__dataclass_fields__)
METRIC_KEYS = tuple(f"metric_{name}" for name in METRIC_NAMES)


@dataclass
class RunState:
    """Host-side progress of a run: learners, metrics so far (name -> (R, games_done)), wall seconds."""

    learners: Learner
    metrics: dict[str, np.ndarray]
    wall_seconds: float

    @property
    def games_done(self) -> int:
        return self.metrics["game_return"].shape[1]


def save_checkpoint(config: ExperimentConfig, folder: Path, state: RunState) -> None:
    """Atomically write ``folder/checkpoint.npz`` for ``state`` of the run ``config``."""
    extra = {f"metric_{name}": values for name, values in state.metrics.items()}
    extra["wall_seconds"] = np.asarray(state.wall_seconds)
    extra["meta_identity_hash"] = np.asarray(identity_hash(config))
    extra["meta_identity"] = np.asarray(identity_json(config))
    extra["meta_snnrl_version"] = np.asarray(__version__)
    save_pytree(Path(folder) / CHECKPOINT, state.learners, extra)


def _check_owner(config: ExperimentConfig, path: Path, extra: dict[str, np.ndarray], positional: bool) -> None:
    if "meta_identity_hash" not in extra:
        if positional:
            return  # the positional files of snnrl 0.2.0 recorded no owner: shapes and metrics are all there is
        raise ValueError(
            f"{path} records no run identity (its meta_identity_hash and meta_identity arrays are missing: removed, "
            f"or written by another program), so nothing shows that it belongs to the run of "
            f"{path.parent / 'config.json'}; it is not used. Restore the folder's own checkpoint, or start the run "
            "again in a new --out"
        )
    if str(extra["meta_identity_hash"]) == identity_hash(config):
        return
    stored = json.loads(str(extra["meta_identity"])) if "meta_identity" in extra else {}
    if stored and _same_run_with_new_defaults(stored, config):
        return
    differences = differing_fields(stored, run_identity(config)) if stored else ["(the checkpoint names no fields)"]
    raise ValueError(
        f"{path} belongs to another run than {path.parent / 'config.json'} (written by snnrl "
        f"{extra.get('meta_snnrl_version', 'unknown')}); fields differ (checkpoint != config.json): "
        f"{'; '.join(differences)}. Start this config in a new --out, or restore the folder's own checkpoint"
    )


def _same_run_with_new_defaults(stored: dict, config: ExperimentConfig) -> bool:
    """Whether the identity a checkpoint stored, read by this snnrl (fields added since it was written take
    their defaults, which compute what the older version computed), is ``config``'s: an option added later
    does not orphan the run folders written before it."""
    try:
        read = ExperimentConfig.from_dict({**stored, "games": config.games})
    except (TypeError, ValueError, KeyError):
        return False
    return identity_hash(read) == identity_hash(config)


def _check_metrics(config: ExperimentConfig, path: Path, metrics: dict[str, np.ndarray]) -> None:
    shapes = {name: values.shape for name, values in metrics.items()}
    done = metrics["game_return"].shape[1] if metrics["game_return"].ndim == 2 else -1
    if any(shape != (config.members, done) for shape in shapes.values()):
        raise ValueError(
            f"{path} is inconsistent: its metrics have shapes {shapes}, expected "
            f"({config.members}, games done) for each (members: grid points x realizations)"
        )
    if done > config.games:
        raise ValueError(
            f"{path} holds {done} games, more than the {config.games} asked for: a run cannot be "
            f"shortened (pass --games {done} or more)"
        )


def load_checkpoint(config: ExperimentConfig, folder: Path, template: Learner) -> RunState:
    """The RunState stored in ``folder/checkpoint.npz``, ``template`` giving the learners' structure and
    shapes. Raises CorruptFileError (damaged or incomplete file) or ValueError (another run's
    checkpoint or one whose identity (meta_*) was removed, wrong shapes, more games than config.games), naming
    the file."""
    path = Path(folder) / CHECKPOINT
    files = read_npz(path, required=(*METRIC_KEYS, "wall_seconds"))
    learners, extra = unpack_pytree(path, template, files)
    _check_owner(config, path, extra, positional=f"{LEGACY_LEAF}0" in files)
    metrics = {name: extra[f"metric_{name}"] for name in METRIC_NAMES}
    _check_metrics(config, path, metrics)
    check_metrics_file(Path(folder), metrics)
    return RunState(jax.tree.map(jnp.asarray, learners), metrics, float(extra["wall_seconds"]))


def check_metrics_file(folder: Path, metrics: dict[str, np.ndarray]) -> None:
    """``folder/metrics.npz``, if present, must be readable and equal the checkpoint's ``metrics`` over
    the games it holds (it is written just after the checkpoint, so it may lag one chunk behind)."""
    path = folder / METRICS
    if not path.exists():
        return
    stored = read_npz(path, METRIC_NAMES)
    for name in METRIC_NAMES:
        values, reference = stored[name], metrics[name]
        games = values.shape[1] if values.ndim == 2 else -1
        if (
            values.shape[0:1] != reference.shape[0:1]
            or not 0 <= games <= reference.shape[1]
            or not np.array_equal(values, reference[:, :games], equal_nan=True)
        ):
            raise ValueError(
                f"{path} does not match {folder / CHECKPOINT} ({name}: {values.shape} vs the checkpoint's "
                f"{reference.shape}, or other values): the folder mixes two runs. Move {path.name} away to have it "
                "rewritten from the checkpoint, or use another --out"
            )


def check_no_results(folder: Path) -> None:
    """FileExistsError if ``folder`` already holds results (a fresh run would overwrite them)."""
    present = [name for name in RESULT_FILES if (Path(folder) / name).exists()]
    if present:
        raise FileExistsError(
            f"{folder} already holds a run ({', '.join(present)}); pass --resume to continue it or choose another --out"
        )


def check_resumable_without_checkpoint(folder: Path) -> None:
    """A folder without checkpoint.npz may be resumed (from game 0) only if it holds no results yet
    (its run died before its first chunk); FileExistsError naming the files otherwise."""
    present = [name for name in RESULT_FILES[1:] if (Path(folder) / name).exists()]
    if present:
        raise FileExistsError(
            f"{folder} holds {', '.join(present)} but no {CHECKPOINT}: --resume would start again from game 0 and "
            f"overwrite them. Restore {CHECKPOINT}, or move those files away to start the run again"
        )


def check_one_run(config: ExperimentConfig, folder: Path) -> None:
    """ValueError naming ``folder`` if its files are not all one run's: its checkpoint records another run
    than config.json (``config``) or none (stripped), or its metrics.npz disagrees with the checkpoint's
    metrics (two runs wrote the folder). Reads the checkpoint's records and metrics only, not its weights; a
    folder without checkpoint is checked no further."""
    path = Path(folder) / CHECKPOINT
    if not path.exists():
        return
    try:
        with np.load(path, allow_pickle=False) as data:
            names = list(data.files)
            extra = {name: data[name] for name in names if name.startswith(("meta_", "metric_"))}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise CorruptFileError(f"{path} is damaged: {type(error).__name__}: {error}") from None
    try:
        _check_owner(config, path, extra, positional=f"{LEGACY_LEAF}0" in names)
        if all(key in extra for key in METRIC_KEYS):
            check_metrics_file(Path(folder), {name: extra[f"metric_{name}"] for name in METRIC_NAMES})
    except ValueError as error:
        raise ValueError(f"{folder} does not hold one run's results, so they are not shown: {error}") from None
