"""The DYNAP-SE1 description holds DESIGN 3's limits; another chip is just another instance."""

from __future__ import annotations

import dataclasses

import pytest

from snnrl.hardware.chip.description import DYNAPSE1, SynapseType, get_chip, synapse_type


def test_dynapse1_limits_match_the_design():
    chip = DYNAPSE1
    assert (chip.n_chips, chip.cores_per_chip, chip.neurons_per_core) == (4, 4, 256)
    assert chip.n_cores == 16
    assert chip.cam_entries_per_neuron == 64 and chip.sram_destinations_per_neuron == 4
    assert [t.value for t in chip.synapse_types] == ["AMPA", "NMDA", "GABA_A", "GABA_B"]
    assert len(chip.bias_names) == 25 == len(set(chip.bias_names))
    assert (chip.bias_coarse_max, chip.bias_fine_max) == (7, 255)
    assert chip.reserved_neuron_ids == (0,) and chip.usable_neuron_ids == tuple(range(1, 256))
    assert chip.n_fpga_generators == 1024
    assert chip.isi_unit_us(900) == pytest.approx(10.0) and chip.isi_unit_us(90) == pytest.approx(1.0)
    assert chip.max_isi == 65535 and chip.fpga_max_preloaded_events == 32767
    assert chip.timestamp_wrap_us == 2**32
    assert chip.generator_tag(0) == (0, 0) and chip.generator_tag(300) == (1, 44)
    with pytest.raises(ValueError, match="1024"):
        chip.generator_tag(1024)


def test_synapse_types_signs_and_parsing():
    assert SynapseType.NMDA.sign == 1.0 and SynapseType.GABA_B.sign == -1.0
    assert synapse_type("GABA_A") is SynapseType.GABA_A
    with pytest.raises(ValueError, match="AMPA, NMDA, GABA_A, GABA_B"):
        synapse_type("glutamate")


def test_another_chip_is_another_instance_and_limits_are_validated():
    bigger = dataclasses.replace(DYNAPSE1, name="bigger", n_chips=1, neurons_per_core=512, reserved_neuron_ids=())
    assert bigger.n_cores == 4 and len(bigger.usable_neuron_ids) == 512
    with pytest.raises(ValueError, match="cam_entries_per_neuron"):
        dataclasses.replace(DYNAPSE1, cam_entries_per_neuron=0)
    assert get_chip("dynapse1") is DYNAPSE1
    with pytest.raises(ValueError, match="known chips: dynapse1"):
        get_chip("dynapse2")
