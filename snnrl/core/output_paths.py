"""Can a command write where it was told to? Checked before any work, for every output a command will
write (results folders, figures, logs, exports): the path and the problem named, never a traceback or a raw
errno after the work is done."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutFolderError(ValueError):
    """An output path (--out, a figure, a log, an export) cannot be written."""


PSEUDO_FILESYSTEMS = ("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs")
MOUNTS = Path("/proc/self/mounts")


def filesystem_of(path: Path, mounts: Path = MOUNTS) -> tuple[str, str] | None:
    """(mount point, filesystem type) of the mount holding the existing ``path`` (None if unreadable)."""
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return None
    resolved = os.path.realpath(path)
    best = None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, parts[2])
    return best


def check_output_folder(folder: Path | str, option: str = "--out") -> Path:
    """``folder`` as a Path if files can be written there (created if missing); OutFolderError naming
    ``option``, the path and the problem otherwise: empty, a file, under a file, on a kernel filesystem
    (/proc, /sys), read-only, no write permission, or a file that cannot be created there (probed: a
    temporary file is created and removed at once). Creates nothing else."""
    if str(folder).strip() == "":
        raise OutFolderError(f"{option} is empty; give a path")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutFolderError(f"{option} {folder} is a file, not a folder")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutFolderError(f"{option} {folder} cannot be created: {existing} is a file, not a folder")
    mount = filesystem_of(existing)
    if mount is not None and mount[1] in PSEUDO_FILESYSTEMS:
        raise OutFolderError(
            f"{option} {folder} is on the kernel's {mount[1]} filesystem ({mount[0]}), which holds no files: "
            "choose a folder on a disk"
        )
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        raise OutFolderError(f"{option} {folder} is on a read-only filesystem ({existing})")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutFolderError(f"{option} {folder} cannot be written: no write permission in {existing}")
    try:
        descriptor, probe = tempfile.mkstemp(dir=existing, prefix=".snnrl-probe-")
    except OSError as error:
        raise OutFolderError(
            f"{option} {folder} cannot be written: a file cannot be created in {existing} ({error.strerror})"
        ) from None
    os.close(descriptor)
    os.unlink(probe)
    return folder


def check_output_file(path: Path | str, option: str) -> Path:
    """``path`` as a Path if a file can be written there: OutFolderError naming ``option`` and the path if it
    is a folder or its folder cannot be written (check_output_folder)."""
    path = Path(path)
    if path.is_dir():
        raise OutFolderError(f"{option} {path} is a folder, not a file")
    check_output_folder(path.parent, f"{option} {path}: its folder")
    return path
