"""The light names of snnrl.choices (what the command line offers before JAX is imported) agree with the
registries that hold the real entries, and the heavy modules use the tuples defined there."""

from snnrl import choices
from snnrl.algorithms.dreaming import config as dreaming_config
from snnrl.algorithms.dreaming import dream_options
from snnrl.cli.app import ConfigFormat, DreamStart, HiddenBackendChoice, LoggerChoice, Mode, ModelUpdate
from snnrl.experiments.config import files
from snnrl.experiments.config.experiment import PRESETS
from snnrl.experiments.run import loggers
from snnrl.hardware.backend import BACKENDS


def test_preset_names_are_the_registry_s():
    assert choices.PRESET_NAMES == tuple(PRESETS)
    assert choices.DEFAULT_PRESET in PRESETS


def test_algorithm_names_are_the_family_registry_s():
    from snnrl.algorithms.family.registry import ALGORITHMS

    assert choices.ALGORITHM_NAMES == tuple(ALGORITHMS)


def test_backend_names_and_boards_are_the_registry_s():
    assert choices.BACKEND_ON_BOARD == {name: entry.on_board for name, entry in BACKENDS.items()}


def test_the_heavy_modules_use_the_tuples_declared_once():
    assert dreaming_config.MODES is choices.MODES and dreaming_config.MODEL_UPDATES is choices.MODEL_UPDATES
    assert dream_options.DREAM_STARTS is choices.DREAM_STARTS
    assert loggers.LOGGER_NAMES is choices.LOGGER_NAMES and files.FILE_FORMATS is choices.FILE_FORMATS


def test_the_command_line_offers_exactly_these_choices():
    offered = {
        enum.__name__: tuple(member.value for member in enum)
        for enum in (Mode, ModelUpdate, DreamStart, HiddenBackendChoice, LoggerChoice, ConfigFormat)
    }
    assert offered == {
        "Mode": choices.MODES,
        "ModelUpdate": choices.MODEL_UPDATES,
        "DreamStart": choices.DREAM_STARTS,
        "HiddenBackendChoice": tuple(BACKENDS),
        "LoggerChoice": choices.LOGGER_NAMES,
        "ConfigFormat": tuple(dict.fromkeys(choices.FILE_FORMATS.values())),
    }
