"""How much memory this process may still take: the smallest of the host's available memory, its cgroup's
memory limit (v2 ``memory.max``, v1 ``memory.limit_in_bytes``, less what the group uses), its address-space
limit (``RLIMIT_AS``, less the address space it holds) and, for an accelerator, the device's free memory as
JAX reports it. Containers and SLURM jobs set the cgroup or RLIMIT_AS far below the host's memory; a
run checked against the host alone would abort deep inside XLA (``std::bad_alloc``)."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CGROUP_ROOT = Path("/sys/fs/cgroup")
UNLIMITED = 2**62  # cgroup v1 writes "no limit" as a page-rounded 2**63 - 1


@dataclass(frozen=True)
class MemoryLimit:
    """``free`` bytes this process may still take under the limit described by ``name``."""

    free: int
    name: str


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _number(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def host_available(proc: Path = PROC) -> MemoryLimit:
    """The host's available memory (MemAvailable of /proc/meminfo; free pages if that is unreadable)."""
    for line in (_read(proc / "meminfo") or "").splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable" and value.split() and value.split()[0].isdigit():
            return MemoryLimit(int(value.split()[0]) * 1024, "the host's available memory (MemAvailable)")
    return MemoryLimit(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"), "the host's free memory")


def cgroup_limits(proc: Path = PROC, root: Path = CGROUP_ROOT) -> list[MemoryLimit]:
    """The memory limits of this process's cgroups, read from ``proc``/self/cgroup and the hierarchy mounted
    at ``root``: v2 (``0::/path``: root/path/memory.max less memory.current) and v1 (``N:memory:/path``:
    root/memory/path/memory.limit_in_bytes less memory.usage_in_bytes; the mount's own files when the path
    is not visible inside a container). Groups without a limit give none."""
    limits = []
    for line in (_read(proc / "self" / "cgroup") or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        relative = path.lstrip("/")
        if hierarchy == "0" and controllers == "":
            candidates = [(root / relative, "memory.max", "memory.current", "cgroup v2 memory.max")]
        elif "memory" in controllers.split(","):
            candidates = [
                (folder, "memory.limit_in_bytes", "memory.usage_in_bytes", "cgroup v1 memory.limit_in_bytes")
                for folder in (root / "memory" / relative, root / "memory")
            ]
        else:
            continue
        for folder, limit_file, usage_file, name in candidates:
            limit = _number(_read(folder / limit_file))
            if limit is None:
                continue
            if limit < UNLIMITED:
                used = _number(_read(folder / usage_file)) or 0
                limits.append(MemoryLimit(max(0, limit - used), f"{name} ({folder / limit_file}: {limit} bytes)"))
            break
    return limits


def address_space_limit(proc: Path = PROC) -> MemoryLimit | None:
    """RLIMIT_AS (soft) less the address space this process holds (VmSize), or None without a limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    held = 0
    for line in (_read(proc / "self" / "status") or "").splitlines():
        if line.startswith("VmSize:") and line.split()[1].isdigit():
            held = int(line.split()[1]) * 1024
    return MemoryLimit(max(0, soft - held), f"RLIMIT_AS (the address-space limit, ulimit -v: {soft} bytes)")


def device_free(device) -> MemoryLimit | None:
    """An accelerator's free memory (its allocator's limit less what is in use), None where JAX reports none
    (CPU devices)."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if not stats or "bytes_limit" not in stats:
        return None
    return MemoryLimit(int(stats["bytes_limit"] - stats.get("bytes_in_use", 0)), f"the free memory of {device}")


def process_limit(device=None, proc: Path = PROC, root: Path = CGROUP_ROOT) -> MemoryLimit:
    """The tightest of this process's limits (host, cgroups, RLIMIT_AS, and ``device``'s memory if given)."""
    limits = [host_available(proc), *cgroup_limits(proc, root), address_space_limit(proc)]
    if device is not None:
        limits.append(device_free(device))
    return min((limit for limit in limits if limit is not None), key=lambda limit: limit.free)
