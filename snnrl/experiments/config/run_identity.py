"""What makes two configs the same run: every field but ``games`` (a run may be extended to more
games and gives the numbers of a run planned that long from the start). Its hash is recorded in
every checkpoint, so a checkpoint is never continued under another run's config."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from snnrl.experiments.config.experiment import ExperimentConfig

EXTENSIBLE = ("games",)


def run_identity(config: ExperimentConfig) -> dict[str, Any]:
    """config.to_dict() without the fields a resumed run may change (``games``)."""
    data = config.to_dict()
    for name in EXTENSIBLE:
        data.pop(name)
    return data


def identity_json(config: ExperimentConfig) -> str:
    """Canonical JSON text of ``run_identity(config)``."""
    return json.dumps(run_identity(config), sort_keys=True, separators=(",", ":"))


def identity_hash(config: ExperimentConfig) -> str:
    """SHA-256 (hex) of ``identity_json(config)``."""
    return hashlib.sha256(identity_json(config).encode()).hexdigest()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        return {prefix: value}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        flat.update(_flatten(item, f"{prefix}.{key}" if prefix else key))
    return flat


def differing_fields(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """'path: a != b' for every dotted field whose value differs between two nested dicts."""
    a, b = _flatten(first), _flatten(second)
    return [
        f"{name}: {a.get(name, '(absent)')!r} != {b.get(name, '(absent)')!r}"
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def check_same_run(stored: ExperimentConfig, requested: ExperimentConfig, where: str) -> None:
    """ValueError naming every field but ``games`` in which ``requested`` differs from ``stored``
    (the run stored in ``where``)."""
    differences = differing_fields(run_identity(stored), run_identity(requested))
    if differences:
        raise ValueError(
            f"--resume continues the run stored in {where}; only --games may change, but these fields differ "
            f"(stored != requested): {'; '.join(differences)}"
        )
