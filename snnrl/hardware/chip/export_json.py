"""Versioned JSON description of a mapped network: everything needed to rebuild the samna configuration.

Top-level keys: format, version, chip (all ChipDescription fields), parameters (CoreParameters),
sources (index, kind, chip, core, neuron, synapse type, generator id), cores (chip, core, biases
{name: [coarse, fine]}), neurons (hidden index, chip, core, neuron, cam [[core, neuron, type], ...] one
row per CAM entry), fpga (per generator source: generator id and targets [{chip, core_mask}]), metadata
(free-form, JSON-serialisable). The neurons list is the readout order. Files are written atomically.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from snnrl.core.storage import write_text
from snnrl.hardware.chip.description import ChipDescription, SynapseType, synapse_type
from snnrl.hardware.chip.mapper import MappedNetwork
from snnrl.hardware.chip.spec import BiasGroup, CoreParameters, SourceAddress

FORMAT = "snnrl.hardware.mapped_network"
VERSION = 1


def _chip_to_dict(chip: ChipDescription) -> dict[str, Any]:
    fields = dataclasses.asdict(chip)
    fields["synapse_types"] = [t.value for t in chip.synapse_types]
    return fields


def _chip_from_dict(fields: dict[str, Any]) -> ChipDescription:
    values = dict(fields)
    values["synapse_types"] = tuple(synapse_type(t) for t in values["synapse_types"])
    for name in ("bias_names", "reserved_neuron_ids"):
        values[name] = tuple(values[name])
    return ChipDescription(**values)


def mapped_network_to_dict(mapped: MappedNetwork, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-ready description of ``mapped`` (see module docstring)."""
    type_names = [t.value for t in mapped.chip.synapse_types]
    sources = []
    for i, (source, kind) in enumerate(zip(mapped.sources, mapped.source_types, strict=False)):
        entry = {
            "index": i,
            "kind": "generator" if source.is_generator else "neuron",
            "chip": source.chip,
            "core": source.core,
            "neuron": source.neuron,
            "synapse_type": kind.value,
        }
        if source.is_generator:
            entry["generator_id"] = mapped.generator_id(i)
        sources.append(entry)
    neurons = [
        {
            "hidden_index": j,
            "chip": int(chip),
            "core": int(core),
            "neuron": int(neuron),
            "cam": [[int(c), int(n), type_names[int(t)]] for c, n, t in entries],
        }
        for j, ((chip, core, neuron), entries) in enumerate(zip(mapped.placement, mapped.cam_entries, strict=False))
    ]
    fpga = [
        {
            "source": i,
            "generator_id": mapped.generator_id(i),
            "targets": [{"chip": chip, "core_mask": mask} for chip, mask in sorted(targets.items())],
        }
        for i, targets in sorted(mapped.generator_targets().items())
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "chip": _chip_to_dict(mapped.chip),
        "parameters": dataclasses.asdict(mapped.parameters),
        "sources": sources,
        "cores": [
            {
                "chip": chip,
                "core": core,
                "biases": {name: [coarse, fine] for name, (coarse, fine) in mapped.biases.as_dict().items()},
            }
            for chip, core in mapped.cores
        ],
        "neurons": neurons,
        "fpga": {"generators": fpga},
        "metadata": metadata or {},
    }


def mapped_network_from_dict(data: dict[str, Any]) -> MappedNetwork:
    """Rebuild a MappedNetwork from ``mapped_network_to_dict`` output; ValueError on another format/version."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a mapped-network description: format is {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version") != VERSION:
        raise ValueError(f"unsupported mapped-network version {data.get('version')!r}; this snnrl reads {VERSION}")
    chip = _chip_from_dict(data["chip"])
    type_index = {t.value: t.index for t in chip.synapse_types}
    parameters = data["parameters"]
    core_biases = [tuple((name, int(c), int(f)) for name, (c, f) in core["biases"].items()) for core in data["cores"]]
    if any(biases != core_biases[0] for biases in core_biases):
        raise ValueError("all cores of one mapped network must share one bias group")
    neurons = sorted(data["neurons"], key=lambda n: n["hidden_index"])
    return MappedNetwork(
        chip=chip,
        sources=tuple(
            SourceAddress(s["chip"], s["core"], s["neuron"], s["kind"] == "generator") for s in data["sources"]
        ),
        source_types=tuple(SynapseType(s["synapse_type"]) for s in data["sources"]),
        placement=np.array([[n["chip"], n["core"], n["neuron"]] for n in neurons], dtype=np.int64).reshape(-1, 3),
        cam_entries=tuple(
            np.array([[c, k, type_index[t]] for c, k, t in n["cam"]], dtype=np.int64).reshape(-1, 3) for n in neurons
        ),
        cores=tuple((core["chip"], core["core"]) for core in data["cores"]),
        parameters=CoreParameters(
            tau_mem_ms=parameters["tau_mem_ms"],
            threshold=parameters["threshold"],
            synapse_weight=tuple(parameters["synapse_weight"]),
            synapse_tau_ms=tuple(parameters["synapse_tau_ms"]),
        ),
        biases=BiasGroup(core_biases[0] if core_biases else ()),
    )


def save_mapped_network(mapped: MappedNetwork, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> None:
    """Write the JSON description of ``mapped`` to ``path`` atomically."""
    write_text(path, json.dumps(mapped_network_to_dict(mapped, metadata), separators=(",", ":")))


def load_mapped_network(path: str | os.PathLike) -> MappedNetwork:
    """Read a mapped network written by ``save_mapped_network``."""
    return mapped_network_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
