"""Config trees and keys written for snnrl 0.2, whose dream options were flat fields of DreamingConfig
(``algorithm.dream_start``, ``dream_lr_scale=2``), read as today's nested ones (``algorithm.dream.start``,
``dream.lr_scale``): stored results folders still load and resume, old overrides and sweeps still work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snnrl.algorithms.dreaming.dream_options import FLAT_NAMES
from snnrl.experiments.config.files import ConfigError


def upgrade_key(key: str) -> str:
    """A dotted key with a flat dream option renamed: 'dream_start' -> 'dream.start', 'algorithm.dream_lr_scale'
    -> 'algorithm.dream.lr_scale'; every other key unchanged."""
    head, _, name = key.rpartition(".")
    if name in FLAT_NAMES and head in ("", "algorithm"):
        return f"{head}.dream.{FLAT_NAMES[name]}" if head else f"dream.{FLAT_NAMES[name]}"
    return key


def upgrade_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    """A config tree (ExperimentConfig.to_dict's shape, whole or partial) with the flat dream options of
    ``algorithm`` moved under ``algorithm.dream`` and swept fields renamed; a tree of today is returned as it
    is. ConfigError when a tree sets an option both ways."""
    tree = dict(tree)
    algorithm = tree.get("algorithm")
    if isinstance(algorithm, Mapping) and any(name in FLAT_NAMES for name in algorithm):
        algorithm = dict(algorithm)
        dream = dict(algorithm.get("dream") or {})
        for flat, name in FLAT_NAMES.items():
            if flat not in algorithm:
                continue
            if name in dream:
                raise ConfigError(f"algorithm.{flat} and algorithm.dream.{name} are one option; set it once")
            dream[name] = algorithm.pop(flat)
        tree["algorithm"] = {**algorithm, "dream": dream}
    sweep = tree.get("sweep")
    if isinstance(sweep, list):
        tree["sweep"] = [
            {**axis, "field": upgrade_key(axis["field"])}
            if isinstance(axis, Mapping) and isinstance(axis.get("field"), str)
            else axis
            for axis in sweep
        ]
    return tree
