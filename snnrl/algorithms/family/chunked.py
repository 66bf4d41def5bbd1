"""Resumable runs of the RL algorithms: the updates in chunks, a checkpoint after each, the run stopped at a
NaN loss with the last good checkpoint kept.

    params, metrics = run_chunked("ppo", config, jax.random.key(0), n_seeds=4, chunks=10,
                                  checkpoint=Path("runs/ppo/checkpoint.npz"), run_id="...")

A chunked run draws the same random numbers as ``make_train(config)(key)`` for each seed, so its metrics
equal the one-program run's; a killed run continues from its checkpoint (which records ``run_id``, e.g. a
hash of the config, and refuses another run's).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.family.common import TrainParts, check_finite_losses, seed_keys, update_keys
from snnrl.algorithms.family.registry import PARTS, check_config


def save_checkpoint(path: Path, runner: Any, done: int, metrics: dict[str, np.ndarray], run_id: str) -> None:
    """Write every array of ``runner``, the chunks done, the metrics so far and run_id to ``path`` atomically
    (a temporary file renamed over the old checkpoint)."""
    arrays = {f"leaf_{i}": np.asarray(leaf) for i, leaf in enumerate(jax.tree.leaves(runner))}
    arrays.update({f"metric_{name}": value for name, value in metrics.items()})
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(temporary, done=np.int64(done), run_id=np.str_(run_id), **arrays)
    os.replace(temporary, path)


def load_checkpoint(path: Path, template: Any, run_id: str) -> tuple[Any, int, dict[str, np.ndarray]]:
    """(runner, chunks done, metrics so far) from ``path``; ValueError if it belongs to another run or its
    arrays do not fit ``template`` (a runner's shapes, e.g. from jax.eval_shape)."""
    with np.load(path) as data:
        if str(data["run_id"]) != run_id:
            raise ValueError(f"{path} belongs to another run (run id {str(data['run_id'])!r}, this run {run_id!r})")
        leaves, treedef = jax.tree.flatten(template)
        stored = [data[f"leaf_{i}"] for i in range(len(leaves))]
        for index, (want, have) in enumerate(zip(leaves, stored, strict=True)):
            if tuple(want.shape) != have.shape:
                raise ValueError(f"{path}: array {index} has shape {have.shape}, this run needs {tuple(want.shape)}")
        metrics = {name.removeprefix("metric_"): data[name] for name in data.files if name.startswith("metric_")}
        runner = jax.tree.unflatten(treedef, [jnp.asarray(x, w.dtype) for x, w in zip(stored, leaves, strict=True)])
        return runner, int(data["done"]), metrics


def run_chunked(
    name: str,
    config: Any,
    key: jax.Array,
    n_seeds: int,
    chunks: int,
    checkpoint: Path,
    run_id: str,
    stop_after: int | None = None,
) -> tuple[Any, dict[str, np.ndarray], bool]:
    """Train ``n_seeds`` seeds of the named algorithm in ``chunks`` compiled calls, checkpointing after each
    (resuming from ``checkpoint`` if it exists). ``stop_after``: at most this many chunks in this call (for
    time-limited jobs). Returns (params with a leading seed axis, metrics (n_seeds, updates done so far) as
    numpy, finished). FloatingPointError at a NaN loss, the checkpoint of the last good chunk kept."""
    check_config(name, config)
    parts: TrainParts = PARTS[name](config)
    if not isinstance(chunks, int) or chunks < 1 or parts.n_updates % chunks:
        raise ValueError(f"chunks={chunks!r} must be an integer >= 1 dividing the {parts.n_updates} updates")
    per_chunk = parts.n_updates // chunks
    init_keys, keys = jax.vmap(update_keys, in_axes=(0, None))(seed_keys(key, n_seeds), parts.n_updates)
    init = jax.jit(jax.vmap(parts.init, in_axes=(0, None)))
    advance = jax.jit(jax.vmap(lambda runner, k: jax.lax.scan(parts.update, runner, k)))
    if checkpoint.exists():
        template = jax.eval_shape(init, init_keys, parts.env_params)
        runner, done, metrics = load_checkpoint(checkpoint, template, run_id)
    else:
        runner, done, metrics = init(init_keys, parts.env_params), 0, {}
    last = chunks if stop_after is None else min(chunks, done + stop_after)
    for index in range(done, last):
        new_runner, new = advance(runner, keys[:, index * per_chunk : (index + 1) * per_chunk])
        new = {k: np.asarray(v) for k, v in new.items()}
        new = {k: np.concatenate([metrics[k], v], axis=1) if k in metrics else v for k, v in new.items()}
        check_finite_losses(new, type(config).__name__)
        runner, metrics = new_runner, new
        save_checkpoint(checkpoint, runner, index + 1, metrics, run_id)
    return jax.vmap(parts.result)(runner), metrics, last == chunks
