"""Atomic files: nothing already written is lost if the process dies mid-write, and every file read
back is checked, so a damaged one is named with what is wrong instead of failing deep inside numpy."""

from __future__ import annotations

import io
import json
import os
import secrets
import zipfile
from pathlib import Path
from typing import Any, Iterable

import jax
import numpy as np

TEMPORARY_SUFFIX = ".snnrl-tmp"


class CorruptFileError(ValueError):
    """A results file that cannot be read back: empty, truncated, overwritten or incomplete."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file in the same folder, fsync, then rename over ``path``. The file gets
    the usual permissions (0666 less the umask: 0644 under umask 022); the temporary file is removed on
    any exception, KeyboardInterrupt and SystemExit included."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files a killed writer left in ``folder`` (call only while holding its lock).
    Returns the deleted paths."""
    leftovers = sorted(Path(folder).glob(f".*{TEMPORARY_SUFFIX}"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def write_json(path: Path, value: Any) -> None:
    """Atomic JSON file."""
    write_atomic(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode())


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Atomic .npz file."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(path, buffer.getvalue())


def read_npz(path: Path, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Every array of an .npz file (name -> array). CorruptFileError naming the file and the fault if it
    is empty, not an .npz archive, truncated, damaged or lacks one of the ``required`` names;
    FileNotFoundError if it does not exist."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{path} is empty (0 bytes): it was not written completely")
    if not zipfile.is_zipfile(path):
        raise CorruptFileError(f"{path} is not an .npz archive (truncated, or overwritten by another file)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as error:
        raise CorruptFileError(f"{path} is damaged: {type(error).__name__}: {error}") from None
    missing = [name for name in required if name not in arrays]
    if missing:
        raise CorruptFileError(f"{path} is incomplete: it lacks {', '.join(missing)}")
    return arrays


def save_pytree(path: Path, tree: Any, extra: dict[str, np.ndarray]) -> None:
    """Atomic .npz of a pytree's leaves (leaf_0, leaf_1, ...) plus extra named arrays."""
    leaves = {f"leaf_{i}": np.asarray(leaf) for i, leaf in enumerate(jax.tree.leaves(tree))}
    overlap = set(leaves) & set(extra)
    if overlap:
        raise ValueError(f"extra array names clash with leaf names: {sorted(overlap)}")
    write_npz(path, {**leaves, **extra})


def load_pytree(path: Path, template: Any, required: Iterable[str] = ()) -> tuple[Any, dict[str, np.ndarray]]:
    """Inverse of save_pytree: leaves poured into ``template``'s structure (shapes checked) and the extra
    arrays. CorruptFileError (see read_npz) if the file is damaged or lacks a leaf or a ``required``
    extra name; ValueError if a leaf's shape differs from the template's."""
    template_leaves, treedef = jax.tree.flatten(template)
    files = read_npz(path, [f"leaf_{i}" for i in range(len(template_leaves))] + list(required))
    leaves = []
    for i, expected in enumerate(template_leaves):
        stored = files.pop(f"leaf_{i}")
        if stored.shape != np.shape(expected):
            raise ValueError(
                f"checkpoint {path} does not match this configuration (leaf {i}: stored {stored.shape}, "
                f"expected {np.shape(expected)})"
            )
        leaves.append(stored)
    surplus = sorted(name for name in files if name.startswith("leaf_"))
    if surplus:
        raise ValueError(f"checkpoint {path} does not match this configuration: it holds {len(surplus)} more "
                         f"array(s) of learners ({', '.join(surplus[:3])}...) than this configuration has")
    return jax.tree.unflatten(treedef, leaves), files
