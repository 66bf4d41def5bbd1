"""Mapper: placement, CAM entries, per-core biases, and one clear error per violated limit."""

from __future__ import annotations

import numpy as np
import pytest

from snnrl.hardware.chip.description import DYNAPSE1
from snnrl.hardware.chip.mapper import MappingError, default_cores, map_hidden_layer
from snnrl.hardware.chip.spec import BiasGroup, SourceAddress, generator_sources, hidden_layer_spec


def test_default_placement_fills_two_cores_and_skips_neuron_zero(agent_spec):
    mapped = map_hidden_layer(agent_spec)
    assert mapped.cores == ((0, 0), (0, 1))
    np.testing.assert_array_equal(mapped.placement[:255], [[0, 0, n] for n in range(1, 256)])
    np.testing.assert_array_equal(mapped.placement[255:], [[0, 1, n] for n in range(1, 256)])
    assert len({tuple(p) for p in mapped.placement}) == 510
    np.testing.assert_array_equal([len(e) for e in mapped.cam_entries], agent_spec.weights.sum(axis=0))
    np.testing.assert_array_equal(mapped.multiplicity(), agent_spec.weights)
    # generator 1 + i carries tag (0, 1 + i); every entry is NMDA (type index 1)
    first = mapped.cam_entries[0]
    assert set(first[:, 2]) == {1}
    expected_tags = sorted(
        (0, 1 + i) for i in np.flatnonzero(agent_spec.weights[:, 0]) for _ in range(agent_spec.weights[i, 0])
    )
    assert sorted(map(tuple, first[:, :2])) == expected_tags
    assert mapped.generator_targets() == {i: {0: 0b11} for i in range(40)}
    assert mapped.biases.as_dict()["PS_WEIGHT_EXC_S_N"] == (5, 47)


def test_explicit_cores_and_default_core_choice(agent_spec):
    mapped = map_hidden_layer(agent_spec, cores=((0, 2), (0, 3)))
    assert mapped.cores == ((0, 2), (0, 3))
    assert mapped.generator_targets()[0] == {0: 0b1100}
    assert default_cores(256) == ((0, 0), (0, 1)) and default_cores(255) == ((0, 0),)
    assert default_cores(1021) == ((0, 0), (0, 1), (0, 2), (0, 3), (1, 0))
    small = map_hidden_layer(hidden_layer_spec(np.ones((4, 3), dtype=int)), cores=((2, 1), (3, 3)))
    assert small.cores == ((2, 1),)  # the unused second core is not configured


def test_fan_in_over_64_names_the_neuron_and_the_limit():
    weights = np.zeros((40, 5), dtype=int)
    weights[:, :] = 1
    weights[:25, 3] = 3  # neuron 3: 25 * 3 + 15 = 90 CAM entries
    with pytest.raises(MappingError, match=r"hidden neuron 3 \(chip 0, core 0, neuron 4\) needs 90 CAM entries.*64"):
        map_hidden_layer(hidden_layer_spec(weights))
    weights[:, 3] = 1
    weights[:24, 3] = 2  # exactly 64: fits
    assert len(map_hidden_layer(hidden_layer_spec(weights)).cam_entries[3]) == 64


def test_more_neurons_than_the_cores_hold():
    spec = hidden_layer_spec(np.ones((4, 511), dtype=int))
    with pytest.raises(MappingError, match=r"511 hidden neurons do not fit.*510.*hidden neuron 510"):
        map_hidden_layer(spec, cores=((0, 0), (0, 1)))
    with pytest.raises(MappingError, match="4081 hidden neurons do not fit on dynapse1: its 16 cores hold 4080"):
        map_hidden_layer(hidden_layer_spec(np.ones((1, 4081), dtype=int)))
    with pytest.raises(MappingError, match="does not exist"):
        map_hidden_layer(spec, cores=((0, 0), (4, 1)))
    with pytest.raises(MappingError, match="distinct"):
        map_hidden_layer(spec, cores=((0, 0), (0, 0), (0, 1)))


def test_aliasing_sources_with_equal_tags_on_different_chips():
    sources = (SourceAddress(0, 0, 5, False), SourceAddress(1, 0, 5, False), SourceAddress(0, 0, 6, False))
    weights = np.array([[1, 0, 0], [0, 0, 2], [1, 1, 1]])
    with pytest.raises(
        MappingError,
        match=r"aliasing on chip 0 core 0: hidden neuron 2 listens to source 1.*"
        r"source 0.*tag \(core 0, neuron 5\)",
    ):
        map_hidden_layer(hidden_layer_spec(weights, sources=sources))
    # the same two sources feeding neurons on different cores do not alias
    weights = np.zeros((3, 300), dtype=int)
    weights[0, 0] = 1
    weights[1, 299] = 1
    mapped = map_hidden_layer(hidden_layer_spec(weights, sources=sources))
    assert mapped.placement[299].tolist() == [0, 1, 45]
    generator_and_neuron = (generator_sources(1, first_generator_id=5)[0], SourceAddress(0, 0, 5, False))
    with pytest.raises(MappingError, match="aliasing"):
        map_hidden_layer(hidden_layer_spec(np.ones((2, 1), dtype=int), sources=generator_and_neuron))


def test_bad_weights_sources_and_biases_are_named():
    weights = np.ones((4, 6))
    weights[2, 5] = 1.5
    with pytest.raises(MappingError, match=r"weights\[2, 5\] = 1.5 .*hidden neuron 5.*not an integer"):
        map_hidden_layer(hidden_layer_spec(weights))
    weights[2, 5] = -1
    with pytest.raises(MappingError, match=r"weights\[2, 5\] = -1.0 .*negative"):
        map_hidden_layer(hidden_layer_spec(weights))
    twice = (SourceAddress(0, 0, 7, True),) * 2
    with pytest.raises(MappingError, match="sources 0 and 1 have the same address"):
        map_hidden_layer(hidden_layer_spec(np.ones((2, 1), dtype=int), sources=twice))
    with pytest.raises(MappingError, match="invalid address"):
        map_hidden_layer(hidden_layer_spec(np.ones((1, 1), dtype=int), sources=(SourceAddress(1, 0, 7, True),)))
    with pytest.raises(ValueError, match="coarse value must be an integer in 0..7"):
        map_hidden_layer(hidden_layer_spec(np.ones((1, 1), dtype=int), biases=BiasGroup((("IF_DC_P", 8, 0),))))
    with pytest.raises(ValueError, match="unknown bias 'IF_LEAK'"):
        map_hidden_layer(hidden_layer_spec(np.ones((1, 1), dtype=int), biases=BiasGroup((("IF_LEAK", 1, 0),))))
    with pytest.raises(ValueError, match="exceed the 1024 FPGA generators"):
        generator_sources(30, first_generator_id=1000, chip=DYNAPSE1)
