"""Build samna DYNAP-SE1 objects (configuration, parameter groups, FPGA events) from a mapped network.

Every function takes the ``samna.dynapse1`` module as an argument, so this file never imports samna.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

from snnrl.hardware.chip.mapper import MappedNetwork
from snnrl.hardware.chip.spec import BiasGroup
from snnrl.hardware.dynapse1.fpga_stimulus import FpgaEvent


def build_configuration(dynapse1: ModuleType, mapped: MappedNetwork | Sequence[MappedNetwork]) -> Any:
    """A ``Dynapse1Configuration`` with each placed neuron's CAM entries (synapses) written in order, for
    one mapped layer or several layers sharing a board (on distinct cores)."""
    config = dynapse1.Dynapse1Configuration()
    for layer in [mapped] if isinstance(mapped, MappedNetwork) else mapped:
        type_names = [t.value for t in layer.chip.synapse_types]
        for (chip, core, neuron), entries in zip(layer.placement, layer.cam_entries, strict=False):
            synapses = config.chips[int(chip)].cores[int(core)].neurons[int(neuron)].synapses
            for slot, (listen_core, listen_neuron, kind) in enumerate(entries):
                synapse = synapses[slot]
                synapse.listen_core_id = int(listen_core)
                synapse.listen_neuron_id = int(listen_neuron)
                synapse.syn_type = getattr(dynapse1.Dynapse1SynType, type_names[int(kind)])
    return config


def build_parameter_group(dynapse1: ModuleType, biases: BiasGroup) -> Any:
    """A ``Dynapse1ParameterGroup`` (samna defaults) with the listed biases' coarse and fine values set."""
    group = dynapse1.Dynapse1ParameterGroup()
    for name, coarse, fine in biases.values:
        parameter = group.param_map[name]
        parameter.coarse_value = coarse
        parameter.fine_value = fine
    return group


def build_fpga_events(dynapse1: ModuleType, events: list[FpgaEvent]) -> list[Any]:
    """``FpgaSpikeEvent`` objects, fields set by name (core_mask, target_chip, neuron_id, isi)."""
    converted = []
    for event in events:
        spike = dynapse1.FpgaSpikeEvent()
        spike.core_mask = event.core_mask
        spike.target_chip = event.target_chip
        spike.neuron_id = event.generator_id
        spike.isi = event.isi
        converted.append(spike)
    return converted
