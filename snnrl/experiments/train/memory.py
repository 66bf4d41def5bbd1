"""Will a run fit in memory? Estimated twice before it runs, against the memory this process may really
take (memory_limits: host, cgroup, RLIMIT_AS, device): from the learners' shapes before anything is
compiled, then from XLA's memory analysis of the compiled chunk. And will its checkpoint stay below the
ceiling the user set (--max-checkpoint-gb)?"""

from __future__ import annotations

import math

import jax

from snnrl.algorithms.dreaming.game import GameMetrics
from snnrl.algorithms.dreaming.replay import replay_bytes
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.train.memory_limits import MemoryLimit, device_free, process_limit

GIB = 2.0**30
CHECKPOINT_CEILING_GB = 2.0  # default of --max-checkpoint-gb
METRIC_COUNT = len(GameMetrics.__dataclass_fields__)  # float32 per game and realization


def memory_limit(device: jax.Device, host_copy: bool = True) -> MemoryLimit:
    """The memory a run's arrays on ``device`` may still take: the tightest of the process's limits
    (memory_limits.process_limit: host, cgroup, RLIMIT_AS) and, for an accelerator, the device's free memory.
    ``host_copy=False``: arrays that live on an accelerator only (a compiled chunk's buffers), checked against
    its memory alone where JAX reports it."""
    if device.platform != "cpu" and not host_copy:
        free = device_free(device)
        if free is not None:
            return free
    return process_limit(None if device.platform == "cpu" else device)


def tree_bytes(tree) -> int:
    """Bytes of every array leaf of ``tree`` (arrays or their shapes, e.g. from jax.eval_shape)."""
    return sum(math.prod(leaf.shape) * leaf.dtype.itemsize for leaf in jax.tree.leaves(tree))


def check_fits(needed: float, what: str, advice: str, device: jax.Device | None = None, host_copy: bool = True) -> None:
    """ValueError if ``needed`` bytes for ``what`` exceed what this process may take on ``device`` (default:
    the first local one; ``host_copy``: see memory_limit), naming the limit that applies and ``advice`` (how
    to need less)."""
    device = jax.local_devices()[0] if device is None else device
    limit = memory_limit(device, host_copy)
    if needed > limit.free:
        raise ValueError(
            f"the run will not fit in memory: {what} need about {needed / GIB:.2f} GiB, but this process may take "
            f"only {limit.free / GIB:.2f} GiB more under {limit.name}; {advice}"
        )


def check_below_ceiling(size: float, ceiling: float, what: str, advice: str) -> None:
    """ValueError if a checkpoint of ``size`` bytes (``what`` it holds) exceeds ``ceiling`` bytes."""
    if size > ceiling:
        raise ValueError(
            f"the run's checkpoint would take about {size / 1e9:.2f} GB ({what}), more than the ceiling of "
            f"{ceiling / 1e9:g} GB: {advice}, or raise --max-checkpoint-gb"
        )


def _refuse(
    config: ExperimentConfig, needed: float, device: jax.Device, what: str, hint: str = "", host_copy: bool = True
) -> None:
    advice = (
        f"lower --realizations ({config.realizations}), the sweep's grid ({config.grid_points} points), "
        f"--chunk-games ({config.chunk_games}) or --neurons{hint}"
    )
    check_fits(needed, what, advice, device, host_copy)


def member_bytes(config: ExperimentConfig) -> int:
    """Bytes of one member's learners (weights, optimizer states, traces), from their shapes (nothing built)."""
    from snnrl.experiments.train.members import learner_shapes, realization_keys

    return tree_bytes(learner_shapes(config.replace(realizations=1, sweep=()), realization_keys(config.seed, 1)))


def checkpoint_bytes(config: ExperimentConfig) -> int:
    """Bytes of the run's last checkpoint: every member's learners and the metrics of all its games."""
    return member_bytes(config) * config.members + 4 * METRIC_COUNT * config.members * config.games


def check_checkpoint_size(config: ExperimentConfig, ceiling: float) -> None:
    """Before compiling: ValueError if the run's checkpoint would exceed ``ceiling`` bytes (the
    --max-checkpoint-gb option), naming both sizes and how to lower or raise them."""
    what = f"{config.members} members x {member_bytes(config) / 1e6:.2f} MB of learners, and the metrics of "
    what += f"{config.games} games"
    advice = f"lower --realizations ({config.realizations}), the sweep's grid ({config.grid_points} points), "
    advice += "--games or --neurons"
    check_below_ceiling(checkpoint_bytes(config), ceiling, what, advice)


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
    kept = replay_bytes(config.algorithm)
    if kept:
        what += (
            f" (of which {kept / 2.0**20:.2f} MiB per member is the world model's replay of "
            f"{config.algorithm.world_model_replay.games} games)"
        )
    _refuse(config, learners, device, what)
    metrics = 3.0 * 4 * METRIC_COUNT * config.members * config.games  # chunks, checkpoint, metrics file
    host = jax.local_devices(backend="cpu")[0]
    _refuse(config, metrics, host, f"the metrics of {config.games} games")


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
        _refuse(config, needed, device, f"chunks of {config.chunk_games} games", hint, host_copy=False)
