"""An ExperimentConfig from a preset, a config file and dotted ``key=value`` overrides (in that order, later
ones win), every key checked and every value type-checked. How-to: docs/howto/configure.md.

Keys are dotted paths of the config tree (``snnrl config show`` prints it): ``algorithm.agent.learning_rate``,
``algorithm.world_model.lif.tau_m``, ``games``. A key that is not a top-level path is looked up under
``algorithm.`` (``agent.learning_rate``, ``world_model.lif.tau_m``, ``mode``, ``dream.start``); snnrl 0.2's
flat dream options (``dream_start``, ``algorithm.dream_lr_scale``) name today's ``dream.*`` (see legacy).
A config file is a full or partial tree in JSON or YAML, with the same short forms; a results folder's
config.json is one.
Setting ``algorithm.agent.kind`` (or ``world_model.kind``) to another kind of network starts that
network from the new kind's defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from snnrl.choices import DEFAULT_PRESET
from snnrl.experiments.config.experiment import NETWORK_KINDS, PRESETS, ExperimentConfig, preset
from snnrl.experiments.config.files import (
    ConfigError,
    flatten,
    merge,
    nest,
    parse_assignments,
    read_config_file,
    resolve_key,
)
from snnrl.experiments.config.legacy import upgrade_key

SHORT_FORM_PREFIXES = ("algorithm.",)
OVERRIDES = "overrides"


def results_config_tree(data: Mapping[str, Any]) -> dict[str, Any]:
    """The config tree of a file: a results folder's config.json ({"experiment": tree, "snnrl_version": v})
    gives its tree, any other file is the tree itself."""
    if set(data) == {"experiment", "snnrl_version"} and isinstance(data["experiment"], Mapping):
        return dict(data["experiment"])
    return dict(data)


def _resolved(flat: Mapping[str, Any], leaves: Sequence[str], source: str) -> dict[str, Any]:
    """Dotted keys of one layer mapped to the tree's leaf paths (ConfigError naming the closest key)."""
    resolved: dict[str, Any] = {}
    for key, value in flat.items():
        path = resolve_key(upgrade_key(key), leaves, source, SHORT_FORM_PREFIXES)
        if path in resolved:
            raise ConfigError(f"{source} sets {path} twice")
        resolved[path] = value
    return resolved


def _switch_kinds(tree: dict[str, Any], flat: Mapping[str, Any]) -> dict[str, Any]:
    """``tree`` with each network whose kind ``flat`` changes replaced by the defaults of its new kind."""
    for role, kinds in NETWORK_KINDS.items():
        kind = next((value for key, value in flat.items() if key in (f"algorithm.{role}.kind", f"{role}.kind")), None)
        if kind is None or kind == tree["algorithm"][role]["kind"]:
            continue
        if kind not in kinds:
            raise ConfigError(f"algorithm.{role}.kind={kind!r} is not allowed; allowed: {sorted(kinds)}")
        tree["algorithm"][role] = {**dataclasses.asdict(kinds[kind]()), "kind": kind}
    return tree


def configure(
    base: ExperimentConfig, file: Path | str | None = None, assignments: Sequence[str] = ()
) -> ExperimentConfig:
    """``base`` with the config file ``file`` (JSON or YAML, full or partial tree) merged on top, then the
    dotted ``KEY=VALUE`` ``assignments``. ConfigError (a ValueError) naming the key and the closest valid
    one for an unknown key, the field and the file (or 'overrides') for a value of the wrong type, or the
    failed check of the config classes."""
    layers: list[tuple[dict[str, Any], str]] = []
    if file is not None:
        layers.append((flatten(results_config_tree(read_config_file(file))), str(file)))
    if assignments:
        layers.append((parse_assignments(assignments), OVERRIDES))
    tree = base.to_dict()
    origin: dict[str, str] = {}
    for flat, source in layers:
        tree = _switch_kinds(tree, flat)
        resolved = _resolved(flat, list(flatten(tree)), source)
        tree = merge(tree, nest(resolved))
        origin.update(dict.fromkeys(resolved, source))
    return _build(tree, origin)


def _build(tree: dict[str, Any], origin: Mapping[str, str]) -> ExperimentConfig:
    """ExperimentConfig.from_dict naming where the offending value came from."""
    try:
        return ExperimentConfig.from_dict(tree)
    except ConfigError as error:
        named = [source for path, source in origin.items() if f'"{path}"' in str(error)]
        sources = named or sorted(set(origin.values()))
        raise ConfigError(f"{error}{' (from ' + ', '.join(sources) + ')' if sources else ''}") from None


def with_sweep(config: ExperimentConfig, assignments: Sequence[str]) -> ExperimentConfig:
    """``config`` sweeping the fields of ``assignments`` (``FIELD=v1,v2,...``, short forms as for overrides:
    ``agent.learning_rate`` is ``algorithm.agent.learning_rate``). ValueError naming the field for an
    unknown key, an empty list, a value that is not a number, a field that cannot be swept, or a grid
    point that is no valid config (see sweep_axes)."""
    from snnrl.experiments.config.sweep_axes import SweepAxis, parse_sweep

    if not assignments:
        return config
    leaves = list(flatten(config.to_dict()))
    axes = tuple(
        SweepAxis(resolve_key(upgrade_key(axis.field), leaves, "--sweep", SHORT_FORM_PREFIXES), axis.values)
        for axis in parse_sweep(list(assignments))
    )
    return config.replace(sweep=axes)


def run_config(
    preset_name: str | None = None, file: Path | str | None = None, assignments: Sequence[str] = ()
) -> ExperimentConfig:
    """The config of a new run: the preset ``preset_name`` (default: the ``preset`` a config file names,
    else DEFAULT_PRESET, 'official'), then ``file``, then ``assignments`` (see configure)."""
    if preset_name is None and file is not None:
        named = results_config_tree(read_config_file(file)).get("preset")
        preset_name = named if isinstance(named, str) and named in PRESETS else None
    return configure(preset(preset_name or DEFAULT_PRESET), file, assignments)


__all__ = ["configure", "results_config_tree", "run_config", "with_sweep"]
