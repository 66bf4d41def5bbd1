"""Pieces every RL algorithm module shares: environment lookup (probes included), running a
``train(key)`` for many seeds in one program, the per-update metrics and their NaN check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.family.episodes import StepLog, episode_means
from snnrl.algorithms.family.networks import Cost
from snnrl.envs.probes import PROBE_NAMES, make_probe


def make_env(name: str) -> tuple[Any, Any]:
    """(environment, params) for ``probe:<name>`` (snnrl.envs.probes) or any name snnrl.envs.make takes."""
    if not isinstance(name, str):
        raise ValueError(f"env must be a name such as 'gymnax:CartPole-v1' or 'probe:credit', got {name!r}")
    if name.startswith("probe:"):
        probe = name.removeprefix("probe:")
        if probe not in PROBE_NAMES:
            raise ValueError(f"unknown probe {name!r}; allowed: {', '.join('probe:' + p for p in PROBE_NAMES)}")
        return make_probe(probe)
    from snnrl.envs import make

    return make(name)


class TrainParts(NamedTuple):
    """An algorithm split for chunked, resumable runs: init(key, env_params) -> runner (every array of the
    run), update(runner, key) -> (runner, metrics of one update), result(runner) -> params, the number of
    updates and the environment's default params."""

    init: Callable[[jax.Array, Any], Any]
    update: Callable[[Any, jax.Array], tuple[Any, dict[str, jax.Array]]]
    result: Callable[[Any], Any]
    n_updates: int
    env_params: Any


def update_keys(key: jax.Array, n_updates: int) -> tuple[jax.Array, jax.Array]:
    """(init key, (n_updates,) update keys) of one seed: the same stream for one program or for chunks."""
    key_init, key_run = jax.random.split(key)
    return key_init, jax.random.split(key_run, n_updates)


def compose(parts: TrainParts) -> Callable[..., tuple[Any, dict[str, jax.Array]]]:
    """train(key, env_params=default) -> (params, metrics with (n_updates,) per name): init, then all updates
    in one lax.scan."""

    def train(key: jax.Array, env_params: Any = parts.env_params) -> tuple[Any, dict[str, jax.Array]]:
        key_init, keys = update_keys(key, parts.n_updates)
        runner, metrics = jax.lax.scan(parts.update, parts.init(key_init, env_params), keys)
        return parts.result(runner), metrics

    return train


def update_metrics(log: StepLog, cost: Cost, loss: jax.Array) -> dict[str, jax.Array]:
    """Scalars of one update: mean return / length / count of the episodes finished in ``log`` (leading
    axes any), env steps, spikes and SynOps per decision (``cost`` fields averaged), the loss."""
    mean_return, mean_length, count = episode_means(log)
    return {
        "episode_return": mean_return,
        "episode_length": mean_length,
        "episodes": count,
        "env_steps": jnp.asarray(log.reward.size, jnp.int32),
        "spikes_per_decision": cost.spikes.mean(),
        "synops_per_decision": cost.synops.mean(),
        "loss": loss,
    }


def seed_keys(key: jax.Array, n_seeds: int) -> jax.Array:
    """(n_seeds,) keys, sharded over the local devices when their number divides n_seeds (jit then runs
    the seeds of a vmapped program on all of them)."""
    if not isinstance(n_seeds, int) or n_seeds < 1:
        raise ValueError(f"n_seeds must be an integer >= 1, got {n_seeds!r}")
    keys = jax.random.split(key, n_seeds)
    devices = jax.devices()
    if len(devices) > 1 and n_seeds % len(devices) == 0:
        mesh = jax.sharding.Mesh(np.array(devices), ("seeds",))
        keys = jax.device_put(keys, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("seeds")))
    return keys


def train_seeds(train: Callable, key: jax.Array, n_seeds: int) -> Any:
    """Run ``train`` for ``n_seeds`` seeds in one compiled program (jit of vmap), sharded as ``seed_keys``.
    Returns train's outputs with a leading (n_seeds,) axis."""
    return jax.jit(jax.vmap(train))(seed_keys(key, n_seeds))


def check_finite_losses(metrics: dict[str, Any], owner: str) -> None:
    """FloatingPointError naming ``owner`` and the first update whose loss is NaN or infinite."""
    loss = np.asarray(metrics["loss"])
    bad = ~np.isfinite(loss)
    if bad.any():
        first = int(np.argwhere(bad.reshape(-1, loss.shape[-1]))[:, 1].min())
        raise FloatingPointError(
            f"{owner}: the loss became NaN or infinite at update {first}; lower "
            f"{owner}.lr or the network's w_in_std, or enable max_grad_norm"
        )
