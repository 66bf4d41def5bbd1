"""Sharding the members' axis over the devices of every process (see distributed.mesh_devices)."""

from __future__ import annotations

import warnings

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from snnrl.algorithms.dreaming.hidden_layers import chip_roles
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.train.distributed import describe_split, mesh_devices


def realization_sharding(config: ExperimentConfig) -> NamedSharding | None:
    """Shard the realization axis over the devices of all processes (see distributed.mesh_devices: the
    same number from each process, as many as divide R). None on one device, and for runs on the real
    chip, whose board calls run on the host (refused with several processes). ValueError with the
    numbers if R does not split evenly over the processes."""
    if chip_roles(config.algorithm):
        if config.member_batch is not None:
            raise ValueError(
                f"member_batch={config.member_batch}: a run with hidden layers on the real chip (backend "
                "'dynapse1') stimulates all its realizations together in every step: leave member_batch unset"
            )
        if jax.process_count() > 1:
            raise ValueError(
                "a run with hidden layers on the real chip (backend 'dynapse1') drives one board from "
                f"one host; it cannot be split over {jax.process_count()} processes: run it without "
                "--distributed"
            )
        return None
    devices = mesh_devices(config.members)
    if len(devices) == 1:
        return None
    if config.member_batch is not None:
        raise ValueError(
            f"member_batch={config.member_batch} computes members in sequence on one device; this run shares "
            f"its {config.members} members over {len(devices)} devices: leave member_batch unset (None)"
        )
    if jax.process_count() > 1 and len(devices) < jax.device_count():
        warnings.warn(
            f"{describe_split(config.members, devices)}; {jax.device_count() - len(devices)} device(s) "
            f"stay idle (a multiple of {jax.device_count()} members, grid points x realizations, uses them all)",
            stacklevel=2,
        )
    return NamedSharding(Mesh(np.array(devices), ("realizations",)), PartitionSpec("realizations"))


def _place(leaf, sharding: NamedSharding):
    """One array with leading axis R on the sharding's devices. Values computed on this process (the
    same on every process) are cut into the shards this process holds when the devices span several
    processes; traced values get the sharding as a constraint."""
    if isinstance(leaf, jax.core.Tracer) or sharding.is_fully_addressable:
        return jax.device_put(leaf, sharding)
    if isinstance(leaf, jax.Array) and leaf.sharding == sharding:
        return leaf
    return jax.make_array_from_callback(np.shape(leaf), sharding, lambda index: leaf[index])


def shard(tree, sharding: NamedSharding | None):
    """Place a pytree with leading axis R on the devices (no-op without a sharding). Every process must
    pass the same values."""
    return tree if sharding is None else jax.tree.map(lambda leaf: _place(leaf, sharding), tree)
