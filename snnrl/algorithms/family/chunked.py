"""Resumable runs of the RL algorithms: the updates in chunks, a checkpoint after each, the run stopped at a
NaN loss with the last good checkpoint kept.

    params, metrics = run_chunked("ppo", config, jax.random.key(0), n_seeds=4, chunks=10,
                                  checkpoint=Path("runs/ppo/checkpoint.npz"), run_id="...")

A chunked run draws the same random numbers as ``make_train(config)(key)`` for each seed, so its metrics
equal the one-program run's; a killed run continues from its checkpoint (which records ``run_id``, e.g. a
hash of the config, and refuses another run's).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Protocol

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.family.common import TrainParts, check_finite_losses, seed_keys, update_keys
from snnrl.algorithms.family.registry import PARTS, check_config
from snnrl.core.storage import read_npz, save_pytree, unpack_pytree


class ChunkObserver(Protocol):
    """What a chunked run reports: its program's compile seconds (once per call that trains), then after
    every chunk, before its checkpoint is written, the updates done, the chunk's metrics (name -> (seeds,
    updates in chunk) NumPy arrays) and the chunk's seconds. An exception there stops the run with the
    previous checkpoint kept."""

    def compiled(self, seconds: float) -> None: ...

    def chunk_done(self, updates_done: int, metrics: dict[str, np.ndarray], seconds: float) -> None: ...


def count_updates(name: str, config: Any) -> int:
    """The number of updates of the named algorithm under ``config`` (its TrainParts'; nothing compiled)."""
    check_config(name, config)
    return PARTS[name](config).n_updates


def default_chunks(name: str, config: Any, most: int = 10) -> int:
    """The largest number of chunks <= ``most`` that divides the named algorithm's updates under ``config``
    (a progress line and a checkpoint per chunk; 1 when their number is a prime above ``most``)."""
    n_updates = count_updates(name, config)
    return max(count for count in range(1, min(most, n_updates) + 1) if n_updates % count == 0)


def save_checkpoint(path: Path, runner: Any, done: int, metrics: dict[str, np.ndarray], run_id: str) -> None:
    """Write every array of ``runner`` (named by its pytree path, core.storage.save_pytree), the chunks done,
    the metrics so far and run_id to ``path`` atomically."""
    extra = {f"metric_{name}": np.asarray(value) for name, value in metrics.items()}
    save_pytree(Path(path), runner, {"done": np.int64(done), "run_id": np.str_(run_id), **extra})


def load_checkpoint(path: Path, template: Any, run_id: str) -> tuple[Any, int, dict[str, np.ndarray]]:
    """(runner, chunks done, metrics so far) from ``path``; ValueError if it belongs to another run or its
    arrays do not fit ``template`` (a runner's shapes, e.g. from jax.eval_shape). Checkpoints of the older
    positional format (leaf_0, leaf_1, ...) are read too."""
    path = Path(path)
    files = read_npz(path, required=("done", "run_id"))
    if str(files["run_id"]) != run_id:
        raise ValueError(f"{path} belongs to another run (run id {str(files['run_id'])!r}, this run {run_id!r})")
    stored, rest = unpack_pytree(path, template, files)
    runner = jax.tree.map(lambda x, want: jnp.asarray(x, want.dtype), stored, template)
    metrics = {name.removeprefix("metric_"): value for name, value in rest.items() if name.startswith("metric_")}
    return runner, int(rest["done"]), metrics


def trained_params(name: str, config: Any, n_seeds: int, checkpoint: Path, run_id: str) -> tuple[Any, int]:
    """(params with a leading seed axis, chunks done) stored in a chunked run's ``checkpoint`` (the learners
    after its last chunk, as ``run_chunked`` returns them); ValueError if it belongs to another run or does
    not fit ``config``."""
    check_config(name, config)
    parts: TrainParts = PARTS[name](config)
    init = jax.vmap(parts.init, in_axes=(0, None))
    template = jax.eval_shape(init, jax.random.split(jax.random.key(0), n_seeds), parts.env_params)
    runner, done, _ = load_checkpoint(Path(checkpoint), template, run_id)
    return jax.vmap(parts.result)(runner), done


def run_chunked(
    name: str,
    config: Any,
    key: jax.Array,
    n_seeds: int,
    chunks: int,
    checkpoint: Path,
    run_id: str,
    stop_after: int | None = None,
    observer: ChunkObserver | None = None,
) -> tuple[Any, dict[str, np.ndarray], bool]:
    """Train ``n_seeds`` seeds of the named algorithm in ``chunks`` compiled calls (one program, compiled
    ahead of the first), checkpointing after each (resuming from ``checkpoint`` if it exists). ``stop_after``:
    at most this many chunks in this call (for time-limited jobs); ``observer`` hears of the compilation and
    of every chunk (ChunkObserver). Returns (params with a leading seed axis, metrics (n_seeds, updates done
    so far) as numpy, finished). FloatingPointError at a NaN loss, the checkpoint of the last good chunk
    kept."""
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
    if done < last:
        compiling = time.perf_counter()
        advance = advance.lower(runner, keys[:, :per_chunk]).compile()
        if observer is not None:
            observer.compiled(time.perf_counter() - compiling)
    for index in range(done, last):
        started = time.perf_counter()
        new_runner, chunk = advance(runner, keys[:, index * per_chunk : (index + 1) * per_chunk])
        chunk = {k: np.asarray(v) for k, v in chunk.items()}
        new = {k: np.concatenate([metrics[k], v], axis=1) if k in metrics else v for k, v in chunk.items()}
        check_finite_losses(new, type(config).__name__)
        if observer is not None:
            observer.chunk_done((index + 1) * per_chunk, chunk, time.perf_counter() - started)
        runner, metrics = new_runner, new
        save_checkpoint(checkpoint, runner, index + 1, metrics, run_id)
    return jax.vmap(parts.result)(runner), metrics, last == chunks
