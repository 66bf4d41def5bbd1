"""Will a run fit in memory? Estimated twice before it runs, against the memory this process may really
take (memory_limits: host, cgroup, RLIMIT_AS, device): from the learners' shapes before anything is
compiled, then from XLA's memory analysis of the compiled chunk. And will its checkpoint stay below the
ceiling the user set (--max-checkpoint-gb)?"""

from __future__ import annotations

import math

import jax

from snnrl.algorithms.dreaming.game import GameMetrics
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.train.memory_limits import MemoryLimit, process_limit

GIB = 2.0**30
CHECKPOINT_CEILING_GB = 2.0  # default of --max-checkpoint-gb
METRIC_COUNT = len(GameMetrics.__dataclass_fields__)  # float32 per game and realization


def memory_limit(device: jax.Device) -> MemoryLimit:
    """The memory a run's arrays on ``device`` may still take: the tightest of the process's limits
    (memory_limits.process_limit: host, cgroup, RLIMIT_AS) and, for an accelerator, the device's free memory."""
    return process_limit(None if device.platform == "cpu" else device)


def _refuse(config: ExperimentConfig, needed: float, limit: MemoryLimit, what: str, hint: str = "") -> None:
    if needed > limit.free:
        raise ValueError(
            f"the run will not fit in memory: {what} need about {needed / GIB:.2f} GiB, but this process may take "
            f"only {limit.free / GIB:.2f} GiB more under {limit.name}; lower --realizations ({config.realizations}), "
            f"the sweep's grid ({config.grid_points} points), --chunk-games ({config.chunk_games}) or --neurons{hint}"
        )


def member_bytes(config: ExperimentConfig) -> int:
    """Bytes of one member's learners (weights, optimizer states, traces), from their shapes (nothing built)."""
    from snnrl.experiments.train.members import learner_shapes, realization_keys

    one = learner_shapes(config.replace(realizations=1, sweep=()), realization_keys(config.seed, 1))
    return sum(math.prod(leaf.shape) * leaf.dtype.itemsize for leaf in jax.tree.leaves(one))


def checkpoint_bytes(config: ExperimentConfig) -> int:
    """Bytes of the run's last checkpoint: every member's learners and the metrics of all its games."""
    return member_bytes(config) * config.members + 4 * METRIC_COUNT * config.members * config.games


def check_checkpoint_size(config: ExperimentConfig, ceiling: float) -> None:
    """Before compiling: ValueError if the run's checkpoint would exceed ``ceiling`` bytes (the
    --max-checkpoint-gb option), naming both sizes and how to lower or raise them."""
    size = checkpoint_bytes(config)
    if size > ceiling:
        raise ValueError(
            f"the run's checkpoint would take about {size / 1e9:.2f} GB ({config.members} members x "
            f"{member_bytes(config) / 1e6:.2f} MB of learners, and the metrics of {config.games} games), more "
            f"than the ceiling of {ceiling / 1e9:g} GB: lower --realizations ({config.realizations}), the sweep's "
            f"grid ({config.grid_points} points), --games or --neurons, or raise --max-checkpoint-gb"
        )


def check_learners_fit(config: ExperimentConfig, devices: int = 1) -> None:
    """Before compiling: ValueError if the learners of all realizations (inputs and outputs of a chunk),
    and the metrics of every game on the host, exceed the memory this process may take (memory_limit).
    ``devices``: how many devices share the realizations."""
    per_member = member_bytes(config)
    device = jax.local_devices()[0]
    learners = 2.0 * per_member * math.ceil(config.members / devices)
    what = f"the learners of {config.realizations} realizations" + (
        f" x {config.grid_points} grid points" if config.sweep else ""
    )
    _refuse(config, learners, memory_limit(device), what)
    metrics = 3.0 * 4 * METRIC_COUNT * config.members * config.games  # chunks, checkpoint, metrics file
    host = jax.local_devices(backend="cpu")[0]
    _refuse(config, metrics, memory_limit(host), f"the metrics of {config.games} games")


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
        _refuse(config, needed, memory_limit(device), f"chunks of {config.chunk_games} games", hint)
