"""Shared fixtures for the hardware tests: a small seeded layer and clean samna entries in sys.modules."""

from __future__ import annotations

import sys

import pytest

from snnrl.hardware.chip.connectivity import random_connectivity
from snnrl.hardware.chip.spec import HiddenLayerSpec, hidden_layer_spec


@pytest.fixture
def agent_spec() -> HiddenLayerSpec:
    """The DESIGN 1b agent layer: 40 generators -> 510 neurons, 8 slots x 1-4, seed 0."""
    return hidden_layer_spec(random_connectivity(0, 40, 510))


@pytest.fixture
def no_samna_modules():
    """Remove samna (and submodules) from sys.modules before and after the test."""

    def purge() -> None:
        for name in [n for n in sys.modules if n == "samna" or n.startswith("samna.")]:
            del sys.modules[name]

    purge()
    yield
    purge()
