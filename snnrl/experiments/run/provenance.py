"""Where and with what a run was computed, for summary.json: library versions, the git commit of the
snnrl source (when it is a git checkout), the host and the time the run (or its resumption) started."""

from __future__ import annotations

import socket
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import snnrl

LIBRARIES = ("jax", "jaxlib", "flax", "optax")


def library_versions() -> dict[str, str | None]:
    """Installed version of each of LIBRARIES (None if one is not installed)."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> str | None:
    """The commit (40 hex digits) of the git checkout holding this snnrl's source, or None when snnrl
    is not run from a checkout, git is missing or fails."""
    package = Path(snnrl.__file__).resolve()
    try:
        top = subprocess.run(
            ["git", "-C", str(package.parent), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(top) != 2 or (Path(top[0]) / "snnrl" / "__init__.py").resolve() != package:
        return None  # an installed copy that merely lies inside some other repository
    return top[1]


def cpu_model() -> str:
    """The processor's model name (lscpu's "Model name", else /proc/cpuinfo's, else the platform's): XLA
    compiles other CPU code on other processors, so a run's numbers are exact per processor only."""
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=True).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        lines = []
    try:
        lines += Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        pass
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip().lower() == "model name" and value.strip():
            return value.strip()
    import platform

    return platform.processor() or platform.machine() or "unknown"


def run_provenance(started: datetime | None = None) -> dict:
    """{'versions': {library: version}, 'git_commit', 'host', 'cpu' (cpu_model), 'started_at' (UTC, ISO
    8601)}; ``started`` defaults to now."""
    started = started or datetime.now(UTC)
    return {
        "versions": library_versions(),
        "git_commit": git_commit(),
        "host": socket.gethostname(),
        "cpu": cpu_model(),
        "started_at": started.astimezone(UTC).isoformat(timespec="seconds"),
    }
