"""The names the ``snnrl`` command offers, declared without importing JAX, so that ``--help``, a usage error
and the chip check answer at once (docs/howto/train.md, "Start-up").

The plain tuples (modes, model updates, dream starts, loggers, config file formats) are defined here and
imported by the modules that use them. The registries hold the real entries (presets in
``snnrl.experiments.config.experiment.PRESETS``, hidden-layer backends in ``snnrl.hardware.backend.BACKENDS``);
their names and declared capabilities are mirrored here, and tests/test_choices.py checks that the two agree.
Environments are not listed here: ``--env`` takes a family member (``gymnax:<id>``, ``ale:<game>``) checked
after parsing, and ``snnrl list`` asks the registry.
"""

from __future__ import annotations

MODES = ("dream", "plan", "none")
MODEL_UPDATES = ("step", "game")
DREAM_STARTS = ("reset", "random", "visited", "replay")
LOGGER_NAMES = ("csv", "tensorboard", "wandb")
FILE_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}

# Every preset of PRESETS, in its order.
PRESET_NAMES = ("official", "paper", "neuromorphic", "dreaming", "demo")
DEFAULT_PRESET = "official"  # the preset of a run that names none (neither --preset nor its config file)

# Every algorithm of the RL family's registry (snnrl.algorithms.family.registry.ALGORITHMS), in its order.
ALGORITHM_NAMES = ("ppo", "reinforce", "actor_critic", "dqn")

# Every hidden-layer backend of BACKENDS, in registration order: whether it is a real board (its on_board).
BACKEND_ON_BOARD = {"jax": False, "simulated": False, "dynapse1": True}
