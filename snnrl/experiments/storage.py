"""Atomic files: nothing already written is lost if the process dies mid-write."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jax
import numpy as np


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file in the same folder, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_json(path: Path, value: Any) -> None:
    """Atomic JSON file."""
    write_atomic(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode())


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Atomic .npz file."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(path, buffer.getvalue())


def save_pytree(path: Path, tree: Any, extra: dict[str, np.ndarray]) -> None:
    """Atomic .npz of a pytree's leaves (leaf_0, leaf_1, ...) plus extra named arrays."""
    leaves = {f"leaf_{i}": np.asarray(leaf) for i, leaf in enumerate(jax.tree.leaves(tree))}
    overlap = set(leaves) & set(extra)
    if overlap:
        raise ValueError(f"extra array names clash with leaf names: {sorted(overlap)}")
    write_npz(path, {**leaves, **extra})


def load_pytree(path: Path, template: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """Inverse of save_pytree: leaves poured into ``template``'s structure (shapes checked)."""
    with np.load(path) as data:
        files = dict(data)
    template_leaves, treedef = jax.tree.flatten(template)
    leaves = []
    for i, expected in enumerate(template_leaves):
        stored = files.pop(f"leaf_{i}", None)
        if stored is None or stored.shape != np.shape(expected):
            raise ValueError(
                f"checkpoint {path} does not match this configuration (leaf {i}: stored "
                f"{None if stored is None else stored.shape}, expected {np.shape(expected)})"
            )
        leaves.append(stored)
    return jax.tree.unflatten(treedef, leaves), files
