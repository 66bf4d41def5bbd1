"""Realizations over several processes (hosts) with JAX's multi-controller runtime, ``jax.distributed``.

Every process runs the same program: ``initialize`` connects it to the others (coordinator address,
process count and process id from the arguments, from ``SNNRL_COORDINATOR`` / ``SNNRL_NUM_PROCESSES`` /
``SNNRL_PROCESS_ID``, or from the cluster environment that JAX detects itself: SLURM, Open MPI, ...),
after which ``jax.devices()`` lists the devices of all processes and ``mesh_devices`` picks the same
number of them from each process for the realization axis. Only process 0 writes the results folder
(see runner); ``gather`` brings sharded arrays to every process, and ``all_or_none`` makes a step that
fails on one process fail on all of them with that process's message, instead of leaving the others
waiting in a collective. How-to: docs/howto/distributed.md.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Protocol

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.run_identity import differing_fields

ENV_COORDINATOR = "SNNRL_COORDINATOR"
ENV_NUM_PROCESSES = "SNNRL_NUM_PROCESSES"
ENV_PROCESS_ID = "SNNRL_PROCESS_ID"
MESSAGE_BYTES = 2048  # longest error message shared between processes (UTF-8, cut beyond)
BAD_INPUT_ERRORS = (ValueError, FileExistsError, FileNotFoundError)


class DistributedError(RuntimeError):
    """The processes of a distributed run could not be started or connected."""


class PeerFailedError(RuntimeError):
    """Another process of a distributed run failed; this one stops with it. ``bad_input``: the other
    process's error was bad usage or input (a ValueError, FileExistsError or FileNotFoundError)."""

    def __init__(self, message: str, bad_input: bool):
        super().__init__(message)
        self.bad_input = bad_input


@dataclass(frozen=True)
class DistributedSettings:
    """How this process joins a distributed run. None fields are taken from the SNNRL_* environment
    variables (see ``from_environment``), else from JAX's cluster detection (SLURM, Open MPI).

    coordinator: "host:port" where process 0 serves the coordination service (all processes give the
    same); num_processes: how many processes; process_id: this process's index, 0..num_processes-1;
    init_timeout: seconds to wait for every process to connect; heartbeat_timeout: seconds after which
    a silent process counts as dead (JAX then ends the others); shutdown_timeout: seconds a finished
    process waits for the others at exit."""

    coordinator: str | None = None
    num_processes: int | None = None
    process_id: int | None = None
    init_timeout: int = 300
    heartbeat_timeout: int = 100
    shutdown_timeout: int = 300

    def __post_init__(self) -> None:
        if self.coordinator is not None:
            coordinator_host_port(self.coordinator)
        if self.num_processes is not None and (not isinstance(self.num_processes, int) or self.num_processes < 1):
            raise ValueError(f"the number of processes must be an integer >= 1, got {self.num_processes!r}")
        if self.process_id is not None and (not isinstance(self.process_id, int) or self.process_id < 0):
            raise ValueError(f"the process id must be an integer >= 0, got {self.process_id!r}")
        if self.num_processes is not None and self.process_id is not None and self.process_id >= self.num_processes:
            raise ValueError(
                f"process id {self.process_id} does not exist in a run of {self.num_processes} "
                f"process(es): ids are 0..{self.num_processes - 1}"
            )
        for name in ("init_timeout", "heartbeat_timeout", "shutdown_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of seconds >= 1, got {value!r}")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **given: Any) -> DistributedSettings:
        """Settings from ``given`` (None values ignored), the rest from SNNRL_COORDINATOR,
        SNNRL_NUM_PROCESSES and SNNRL_PROCESS_ID in ``environ`` (default os.environ). ValueError naming
        the variable if one holds no integer."""
        environ = os.environ if environ is None else environ
        unknown = sorted(set(given) - {field.name for field in fields(cls)})
        if unknown:
            raise ValueError(f"unknown distributed settings {unknown}; known: {[field.name for field in fields(cls)]}")
        values = {name: value for name, value in given.items() if value is not None}
        for name, variable, convert in (
            ("coordinator", ENV_COORDINATOR, str),
            ("num_processes", ENV_NUM_PROCESSES, int),
            ("process_id", ENV_PROCESS_ID, int),
        ):
            if name not in values and environ.get(variable, "").strip():
                try:
                    values[name] = convert(environ[variable].strip())
                except ValueError:
                    raise ValueError(f"{variable}={environ[variable]!r} is not an integer") from None
        return cls(**values)


def coordinator_host_port(address: str) -> tuple[str, int]:
    """(host, port) of a coordinator address "host:port" (IPv6 hosts in brackets: "[::1]:1234");
    ValueError saying what is wrong otherwise."""
    host, _, port = str(address).rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(
            f"coordinator address {address!r} is not HOST:PORT with a port in 1..65535 "
            "(e.g. node001:12345, or [::1]:12345)"
        )
    return host, int(port)


def wait_for_coordinator(address: str, timeout: float) -> None:
    """Return once a TCP connection to ``address`` succeeds; DistributedError naming the address after
    ``timeout`` seconds without one (JAX itself would abort the process with a misleading message)."""
    host, port = coordinator_host_port(address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=min(2.0, max(0.1, timeout))):
                return
        except OSError as error:
            if time.monotonic() >= deadline:
                raise DistributedError(
                    f"could not reach the coordinator at {address} within {timeout:g} s ({error}): is process 0 "
                    "running, is the address right (process 0's host name or IP, not localhost across machines) "
                    "and the port open?"
                ) from None
        time.sleep(0.2)


def check_port_free(address: str) -> None:
    """DistributedError if another program listens on the port of ``address`` (checked on every interface,
    as the coordinator binds: JAX 0.10 sometimes crashes instead of raising when its port is taken)."""
    _, port = coordinator_host_port(address)
    family, host = (socket.AF_INET6, "::") if socket.has_ipv6 else (socket.AF_INET, "0.0.0.0")
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise DistributedError(
            f"process 0 could not serve the coordinator on {address} ({error}): is the port already "
            "in use? Choose another port"
        ) from None


def initialize(settings: DistributedSettings) -> None:
    """Join the distributed run (call before any JAX computation, once per process). Refuses, with a
    message saying what to do: incomplete settings (ValueError naming what is missing), a busy port on
    process 0 and a coordinator that does not answer within settings.init_timeout on the others
    (DistributedError), and a process given another process count than the coordinator runs (ValueError
    on that process, PeerFailedError on the others). If a process dies later, JAX ends the others within
    settings.heartbeat_timeout seconds ("Terminating process because the JAX distributed service
    detected fatal errors")."""
    if jax.distributed.is_initialized():
        raise DistributedError("jax.distributed is already initialized in this process: call initialize once")
    if settings.process_id == 0 and settings.coordinator is not None:
        check_port_free(settings.coordinator)
    if settings.process_id not in (None, 0) and settings.coordinator is not None:
        wait_for_coordinator(settings.coordinator, settings.init_timeout)
    try:
        jax.distributed.initialize(
            settings.coordinator,
            settings.num_processes,
            settings.process_id,
            initialization_timeout=settings.init_timeout,
            heartbeat_timeout_seconds=settings.heartbeat_timeout,
            shutdown_timeout_seconds=settings.shutdown_timeout,
        )
    except ValueError as error:
        if "defined" not in str(error):
            raise
        raise ValueError(
            f"a distributed run needs the coordinator address, the number of processes and this process's id "
            f"(JAX: {error}): give --coordinator HOST:PORT --num-processes N --process-id I (or {ENV_COORDINATOR}, "
            f"{ENV_NUM_PROCESSES}, {ENV_PROCESS_ID}), or launch under SLURM (srun) or Open MPI, where JAX finds "
            "them itself"
        ) from None
    except RuntimeError as error:
        if "RPC server" in str(error):
            raise DistributedError(
                f"process 0 could not serve the coordinator on {settings.coordinator} ({error}): "
                "is the port already in use? Choose another port"
            ) from None
        if "must be called before" in str(error):
            raise DistributedError(f"jax.distributed could not start: {error}") from None
        raise
    with all_or_none("checking the processes' settings"):
        if settings.num_processes is not None and settings.num_processes != jax.process_count():
            raise ValueError(
                f"process {jax.process_index()} was given {settings.num_processes} processes, but the "
                f"coordinator (process 0) runs {jax.process_count()}: give every process the same count"
            )
    print(
        f"snnrl distributed: process {jax.process_index()} of {jax.process_count()}, "
        f"{jax.local_device_count()} of {jax.device_count()} devices here; if a process dies, JAX ends the others "
        f"within ~{settings.heartbeat_timeout} s and the last checkpoint is kept (relaunch every process with "
        "--resume)",
        file=sys.stderr,
        flush=True,
    )


def is_leader() -> bool:
    """Whether this process writes the results (process 0, or the only process)."""
    return jax.process_index() == 0


class _Device(Protocol):
    process_index: int


def mesh_devices(realizations: int, devices: Sequence[_Device] | None = None) -> list:
    """The devices the realization axis is sharded over: the same number d from every process, the
    largest d that the process's devices allow and with which R splits evenly (R % (processes x d) == 0),
    ordered by process. ``devices``: default jax.devices() (all processes'). ValueError with the numbers
    if R cannot be split evenly over the processes."""
    devices = jax.devices() if devices is None else devices
    by_process: dict[int, list] = {}
    for device in devices:
        by_process.setdefault(device.process_index, []).append(device)
    processes, local = len(by_process), min(len(group) for group in by_process.values())
    per_process = max((d for d in range(1, local + 1) if realizations % (processes * d) == 0), default=None)
    if per_process is None:
        raise ValueError(
            f"{realizations} realizations cannot be split evenly over {processes} processes ({processes} x {local} "
            f"devices): choose --realizations as a multiple of {processes} (a multiple of {processes * local} uses "
            "every device)"
        )
    return [device for index in sorted(by_process) for device in by_process[index][:per_process]]


def describe_split(realizations: int, devices: Sequence[_Device]) -> str:
    """One line saying how ``realizations`` are split over ``devices`` (from mesh_devices)."""
    processes = len({device.process_index for device in devices})
    return (
        f"{realizations} realizations over {len(devices)} device(s) of {processes} process(es): "
        f"{realizations // len(devices)} per device"
    )


def gather(tree: Any) -> Any:
    """Every array leaf as a NumPy array holding all realizations, on every process (a collective: all
    processes must call it). Leaves keep their global shapes. The leaves of a distributed run must share
    one sharding's devices; they are gathered by one compiled program (one per tree structure)."""
    if jax.process_count() == 1:
        return jax.tree.map(np.asarray, tree)
    first = jax.tree.leaves(tree)[0].sharding
    replicated = (
        first.update(spec=PartitionSpec())
        if isinstance(first, NamedSharding)
        else NamedSharding(
            Mesh(np.array(sorted(first.device_set, key=lambda device: device.id)), ("all",)), PartitionSpec()
        )
    )
    return jax.tree.map(lambda leaf: np.asarray(leaf.addressable_data(0)), _replicator(replicated)(tree))


@functools.cache
def _replicator(replicated: NamedSharding):
    """A compiled identity whose outputs are whole on every device of ``replicated``."""
    return jax.jit(lambda tree: tree, out_shardings=replicated)


def _encode(error: BaseException | None) -> np.ndarray:
    """[kind, length (4 bytes), UTF-8 message ...] as uint8: kind 0 no error, 1 bad input, 2 failure."""
    buffer = np.zeros(5 + MESSAGE_BYTES, np.uint8)
    if error is None:
        return buffer
    message = f"{type(error).__name__}: {error}".encode()[:MESSAGE_BYTES]
    buffer[0] = 1 if isinstance(error, BAD_INPUT_ERRORS) else 2
    buffer[1:5] = np.frombuffer(len(message).to_bytes(4, "little"), np.uint8)
    buffer[5 : 5 + len(message)] = np.frombuffer(message, np.uint8)
    return buffer


def _decode(row: np.ndarray) -> tuple[int, str]:
    length = int.from_bytes(bytes(row[1:5]), "little")
    return int(row[0]), bytes(row[5 : 5 + length]).decode(errors="replace")


def share_outcome(what: str, error: BaseException | None) -> None:
    """Tell every process whether this one failed at step ``what`` (a collective). Returns if no process
    failed; a process that failed itself returns too (to re-raise its own error); the others raise
    PeerFailedError naming the failed processes and their messages."""
    if jax.process_count() == 1:
        return
    outcomes = np.asarray(multihost_utils.process_allgather(_encode(error)))
    failed = [(index, *_decode(row)) for index, row in enumerate(outcomes) if row[0]]
    if failed and error is None:
        lines = "; ".join(f"process {index}: {message}" for index, _, message in failed)
        raise PeerFailedError(
            f"{what} failed on another process, so this one (process {jax.process_index()}) stops too: {lines}",
            bad_input=all(kind == 1 for _, kind, _ in failed),
        )


@contextmanager
def all_or_none(what: str) -> Iterator[None]:
    """Run the block on every process; if it raises on any, it raises on all (a process's own error on
    that process, PeerFailedError on the others). Every process must enter the same blocks in the same
    order. Nothing is exchanged in a one-process run."""
    try:
        yield
    except Exception as error:
        share_outcome(what, error)
        raise
    share_outcome(what, None)


def process_texts(text: str) -> list[str]:
    """Every process's ``text``, in process order (a collective: all processes must call it). Texts of any
    length: their lengths are gathered first, then the UTF-8 bytes padded to the longest."""
    if jax.process_count() == 1:
        return [text]
    data = np.frombuffer(text.encode(), np.uint8)
    lengths = np.asarray(multihost_utils.process_allgather(np.array([len(data)], np.int32))).reshape(-1)
    padded = np.zeros(int(lengths.max()), np.uint8)
    padded[: len(data)] = data
    rows = np.asarray(multihost_utils.process_allgather(padded)).reshape(len(lengths), -1)
    return [bytes(row[: int(length)]).decode() for row, length in zip(rows, lengths, strict=True)]


def check_same_config(config: ExperimentConfig) -> None:
    """Compare this process's resolved ``config`` with every other process's through the coordinator (a
    collective: all processes call it with their own config). ValueError on every process, the same message,
    naming each process whose config differs from process 0's and the fields (process 0's value != its
    value), if any does. Nothing is exchanged in a one-process run."""
    configs = [json.loads(text) for text in process_texts(json.dumps(config.to_dict(), sort_keys=True))]
    differences = [
        f"process {index}: {'; '.join(differing_fields(configs[0], other))}"
        for index, other in enumerate(configs)
        if other != configs[0]
    ]
    if differences:
        raise ValueError(
            "the processes of this distributed run were given different settings (process 0's != the other's): "
            f"{' | '.join(differences)}; start every process with the same options, config file and overrides"
        )
