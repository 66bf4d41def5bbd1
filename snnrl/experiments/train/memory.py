"""Will a run fit in memory? Estimated twice before it runs: from the learners' shapes before anything
is compiled, then from XLA's memory analysis of the compiled chunk."""

from __future__ import annotations

import math
import os

import jax

from snnrl.algorithms.dreaming.game import GameMetrics
from snnrl.algorithms.dreaming.replay import replay_bytes
from snnrl.experiments.config.experiment import ExperimentConfig

GIB = 2.0**30
METRIC_COUNT = len(GameMetrics.__dataclass_fields__)  # float32 per game and realization


def available_bytes(device: jax.Device) -> int:
    """Free memory of ``device``: its allocator's limit less what is in use (accelerators), else the
    host's available memory (CPU)."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if stats and "bytes_limit" in stats:
        return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
    try:
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _refuse(config: ExperimentConfig, needed: float, free: int, device: jax.Device, what: str, hint: str = "") -> None:
    if needed > free:
        raise ValueError(
            f"the run will not fit in memory: {what} need about {needed / GIB:.2f} GiB, {device} has "
            f"{free / GIB:.2f} GiB free; lower --realizations ({config.realizations}), the sweep's grid "
            f"({config.grid_points} points), --chunk-games "
            f"({config.chunk_games}) or --neurons{hint}"
        )


def check_learners_fit(config: ExperimentConfig, devices: int = 1) -> None:
    """Before compiling: ValueError if the learners of all realizations (inputs and outputs of a chunk),
    and the metrics of every game on the host, exceed the free memory. ``devices``: how many devices
    share the realizations."""
    from snnrl.experiments.train.members import learner_shapes, realization_keys

    one = learner_shapes(config.replace(realizations=1, sweep=()), realization_keys(config.seed, 1))
    per_member = sum(math.prod(leaf.shape) * leaf.dtype.itemsize for leaf in jax.tree.leaves(one))
    device = jax.local_devices()[0]
    learners = 2.0 * per_member * math.ceil(config.members / devices)
    what = f"the learners of {config.realizations} realizations" + (
        f" x {config.grid_points} grid points" if config.sweep else ""
    )
    kept = replay_bytes(config.algorithm)
    if kept:
        what += (
            f" (of which {kept / 2.0**20:.2f} MiB per member is the world model's replay of "
            f"{config.algorithm.world_model_replay.games} games)"
        )
    _refuse(config, learners, available_bytes(device), device, what)
    metrics = 3.0 * 4 * METRIC_COUNT * config.members * config.games  # chunks, checkpoint, metrics file
    host = jax.local_devices(backend="cpu")[0]
    _refuse(config, metrics, available_bytes(host), host, f"the metrics of {config.games} games")


def compiled_bytes(compiled: jax.stages.Compiled) -> int | None:
    """Peak bytes of one call of a compiled program by XLA's memory analysis (None if unavailable)."""
    analysis = compiled.memory_analysis()
    if analysis is None:
        return None
    return int(
        analysis.argument_size_in_bytes
        + analysis.output_size_in_bytes
        + analysis.temp_size_in_bytes
        - analysis.alias_size_in_bytes
    )


def check_compiled_fits(config: ExperimentConfig, compiled: jax.stages.Compiled) -> None:
    """After compiling, before running: ValueError if one chunk needs more than the free memory."""
    needed = compiled_bytes(compiled)
    device = jax.local_devices()[0]
    if needed is not None:
        hint = f", or compute fewer members at a time (member_batch={config.member_batch}, of {config.members})"
        _refuse(config, needed, available_bytes(device), device, f"chunks of {config.chunk_games} games", hint)
