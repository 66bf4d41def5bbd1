"""Options that do nothing in the chosen mode are refused, naming the field. Which modes use a field is
declared once, in its field metadata (``snnrl.core.fields.used_in``); a sweep's axes are checked in
``sweep_axes.field_kind`` (for every config), the values of a new run that ``snnrl train`` builds here (a
config built in Python may keep, e.g., shrunk dream sizes of a mode-none arm: they change nothing)."""

from __future__ import annotations

from functools import reduce

from snnrl.core.fields import idle_fields
from snnrl.experiments.config.experiment import PRESETS, ExperimentConfig, preset


def check_idle_options(config: ExperimentConfig) -> None:
    """ValueError naming the first algorithm field that does nothing in ``config.algorithm.mode`` yet holds
    a value of its own: one that differs from the value of the config's preset (``config.preset``; the
    field's default for a name that is no preset). A preset's own values are not set by the user: switching
    a dreaming preset to mode 'none' keeps them and passes."""
    algorithm = config.algorithm
    reference = preset(config.preset).algorithm if config.preset in PRESETS else type(algorithm)()
    for path, modes in idle_fields(algorithm, algorithm.mode).items():
        value, default = _value(algorithm, path), _value(reference, path)
        if value != default:
            raise ValueError(
                f"algorithm.{path}={value!r} does nothing in mode {algorithm.mode!r} (it is used in mode "
                f"{', '.join(modes)}; preset {config.preset!r} has {default!r}): remove the setting or choose "
                "such a mode"
            )


def _value(tree, path: str):
    return reduce(getattr, path.split("."), tree)
