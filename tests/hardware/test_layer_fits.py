"""check_layer_fits: the chip limits of a hidden layer checked before its weights are drawn (so a jitted
train can draw them in JAX), agreeing with map_hidden_layer."""

from __future__ import annotations

import numpy as np
import pytest

from snnrl.hardware.chip.connectivity import max_fan_in
from snnrl.hardware.chip.mapper import check_layer_fits, map_hidden_layer
from snnrl.hardware.chip.spec import (
    PAPER_AGENT_BIASES,
    MappingError,
    SourceAddress,
    generator_sources,
    hidden_layer_spec,
)


def test_what_it_accepts_the_mapper_maps_even_at_the_fan_in_bound():
    sources = generator_sources(40)
    check_layer_fits(sources, 510, 64, PAPER_AGENT_BIASES)
    worst = np.zeros((40, 510), dtype=int)
    worst[np.arange(510) % 40, np.arange(510)] = 64  # every neuron at the chip's 64 CAM entries
    assert len(map_hidden_layer(hidden_layer_spec(worst, sources=sources)).cam_entries[0]) == 64
    assert (max_fan_in(rule="slots"), max_fan_in(rule="budget")) == (32, 8)


def test_limits_are_named():
    sources = generator_sources(40)
    with pytest.raises(MappingError, match="up to 65 CAM entries, more than the 64 per neuron of dynapse1"):
        check_layer_fits(sources, 510, 65, PAPER_AGENT_BIASES)
    with pytest.raises(MappingError, match="4081 hidden neurons do not fit on dynapse1"):
        check_layer_fits(sources, 4081, 32, PAPER_AGENT_BIASES)
    aliased = (SourceAddress(0, 0, 5, True), SourceAddress(1, 0, 5, False))
    with pytest.raises(MappingError, match=r"sources 0 and 1 share the CAM tag \(core 0, neuron 5\)"):
        check_layer_fits(aliased, 10, 8, PAPER_AGENT_BIASES)
