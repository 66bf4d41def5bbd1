"""What to run: the experiment config and its presets (experiment.py), config files (files.py), configure/overrides, the
sweep axes and the run identity. This face re-exports experiment.py."""

from snnrl.experiments.config.experiment import (
    ANNOTATED_AS,
    INT32_MAX,
    NETWORK_KINDS,
    PRESETS,
    SEED_MAX,
    ExperimentConfig,
    network_kind,
    preset,
    typing_union,
)

__all__ = [
    "INT32_MAX",
    "SEED_MAX",
    "NETWORK_KINDS",
    "ANNOTATED_AS",
    "network_kind",
    "typing_union",
    "ExperimentConfig",
    "PRESETS",
    "preset",
]
