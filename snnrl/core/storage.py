"""Atomic files: nothing already written is lost if the process dies mid-write, and every file read
back is checked, so a damaged one is named with what is wrong instead of failing deep inside numpy."""

from __future__ import annotations

import errno
import io
import json
import os
import secrets
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jax
import numpy as np

TEMPORARY_SUFFIX = ".snnrl-tmp"
STORAGE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)  # the disk, not the path, failed


class WriteFailedError(OSError):
    """A file could not be written because the storage failed (full disk, quota, file too large, I/O error);
    the file it would have replaced is intact. ``str()`` is a message naming the file and the problem."""

    def __init__(self, code: int, message: str):
        super().__init__(code, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CorruptFileError(ValueError):
    """A results file that cannot be read back: empty, truncated, overwritten or incomplete."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file in the same folder, fsync, then rename over ``path``. The file gets
    the usual permissions (0666 less the umask: 0644 under umask 022); the temporary file is removed on
    any exception, KeyboardInterrupt and SystemExit included. WriteFailedError naming ``path`` when the
    storage fails (STORAGE_ERRORS: a full disk, ...); ``path`` is then as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if error.errno in STORAGE_ERRORS:
            raise WriteFailedError(error.errno, f"{path} could not be written: {os.strerror(error.errno)}") from error
        raise
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


def write_text(path: str | os.PathLike, text: str) -> None:
    """Atomic UTF-8 text file."""
    write_atomic(Path(path), text.encode("utf-8"))


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


LEAF_PREFIX = "learners"  # checkpoint arrays of the pytree: LEAF_PREFIX + keystr(path), e.g. learners.agent.w_in
LEGACY_LEAF = "leaf_"  # snnrl 0.2.0 stored leaves by position: leaf_0, leaf_1, ...


def leaf_names(tree: Any) -> dict[str, Any]:
    """The pytree's leaves by name: LEAF_PREFIX + their path (jax.tree_util.keystr), in flattening order."""
    return {LEAF_PREFIX + jax.tree_util.keystr(path): leaf for path, leaf in jax.tree_util.tree_leaves_with_path(tree)}


def save_pytree(path: Path, tree: Any, extra: dict[str, np.ndarray]) -> None:
    """Atomic .npz of a pytree's leaves, each under its path's name (see leaf_names), plus extra named
    arrays (whose names must not start with LEAF_PREFIX or LEGACY_LEAF)."""
    clashing = sorted(name for name in extra if name.startswith((LEAF_PREFIX, LEGACY_LEAF)))
    if clashing:
        raise ValueError(f"extra array names must not start with {LEAF_PREFIX!r} or {LEGACY_LEAF!r}: {clashing}")
    leaves = {name: np.asarray(leaf) for name, leaf in leaf_names(tree).items()}
    write_npz(path, {**leaves, **extra})


def load_pytree(path: Path, template: Any, required: Iterable[str] = ()) -> tuple[Any, dict[str, np.ndarray]]:
    """Inverse of save_pytree: the stored leaves matched to ``template``'s leaves by name (or, for files
    of snnrl 0.2.0, by position) and poured into its structure, plus the extra arrays. CorruptFileError
    (see read_npz) if the file is damaged or lacks a ``required`` extra name; ValueError naming every
    missing, unexpected and shape-mismatched leaf if the stored tree is not the template's."""
    return unpack_pytree(path, template, read_npz(path, required))


def unpack_pytree(path: Path, template: Any, files: dict[str, np.ndarray]) -> tuple[Any, dict[str, np.ndarray]]:
    """load_pytree on the arrays ``files`` already read from ``path`` (see read_npz)."""
    files = dict(files)
    expected = leaf_names(template)
    if f"{LEGACY_LEAF}0" in files:
        return _load_positional(path, template, files)
    stored = {name: files.pop(name) for name in list(files) if name.startswith(LEAF_PREFIX)}
    missing = [name for name in expected if name not in stored]
    unexpected = [name for name in stored if name not in expected]
    mismatched = [
        f"{name} (stored {stored[name].shape}, expected {np.shape(leaf)})"
        for name, leaf in expected.items()
        if name in stored and stored[name].shape != np.shape(leaf)
    ]
    problems = [
        f"{label}: {', '.join(names)}"
        for label, names in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", mismatched))
        if names
    ]
    if problems:
        raise ValueError(f"checkpoint {path} does not match this configuration's learners; " + "; ".join(problems))
    treedef = jax.tree.structure(template)
    return jax.tree.unflatten(treedef, [stored[name] for name in expected]), files


def _load_positional(path: Path, template: Any, files: dict[str, np.ndarray]) -> tuple[Any, dict[str, np.ndarray]]:
    """load_pytree for the positional leaf_0, leaf_1, ... files of snnrl 0.2.0 (shapes and count checked)."""
    template_leaves, treedef = jax.tree.flatten(template)
    absent = [f"{LEGACY_LEAF}{i}" for i in range(len(template_leaves)) if f"{LEGACY_LEAF}{i}" not in files]
    if absent:
        raise CorruptFileError(f"{path} is incomplete: it lacks {', '.join(absent)}")
    leaves = []
    for i, expected in enumerate(template_leaves):
        stored = files.pop(f"{LEGACY_LEAF}{i}")
        if stored.shape != np.shape(expected):
            raise ValueError(
                f"checkpoint {path} does not match this configuration (leaf {i}: stored {stored.shape}, "
                f"expected {np.shape(expected)})"
            )
        leaves.append(stored)
    surplus = sorted(name for name in files if name.startswith(LEGACY_LEAF))
    if surplus:
        raise ValueError(
            f"checkpoint {path} does not match this configuration: it holds {len(surplus)} more "
            f"array(s) of learners ({', '.join(surplus[:3])}...) than this configuration has"
        )
    return jax.tree.unflatten(treedef, leaves), files
