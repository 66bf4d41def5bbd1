"""One DYNAP-SE1 board session shared by several fixed hidden layers (e.g. the agent and the world model of
every realization), through ``samna.dynapse1`` (imported only when a session is opened).

Opening (docs/howto/chip.md): find the real samna (``load_samna``: fails in well under a second, never the PyPI
stub's install) -> find and open a DYNAP-SE1 board -> ``apply_configuration`` (the CAM entries of all
layers in one configuration) -> ``update_parameter_group`` per used core -> FPGA spike generator in
variable-ISI, repeat mode with the ISI multiplier -> ``EventFilterGraph`` source ->
``Dynapse1NeuronSelect`` (every placed neuron) -> sink.

Each ``step`` stimulates some layers for one agent step: their new input spike trains replace their old
ones; every other layer keeps receiving its last input (the generator program repeats, so no layer ever
runs without input). Then: stop the generator, preload the merged program, drain stale output, start,
wait one step of wall time, read the sink and count spikes per hidden neuron of each stepped layer.
Layers must sit on distinct cores; each layer's events carry its own target chip and core mask, so
layers sharing generator ids on different cores do not hear each other. Steps are serialized by a lock
(compiled JAX code may call in from several threads). Only FPGA-generator sources are supported.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from snnrl.core.population import PopulationCodeConfig
from snnrl.hardware.chip.mapper import MappedNetwork, MappingError
from snnrl.hardware.dynapse1.fpga_stimulus import fpga_events_for_layers
from snnrl.hardware.dynapse1.samna_config import build_configuration, build_fpga_events, build_parameter_group
from snnrl.hardware.dynapse1.samna_loader import load_samna


class Dynapse1UnavailableError(RuntimeError):
    """samna is usable but no DYNAP-SE1 board can be opened."""


def check_layers_share_a_board(layers: Sequence[MappedNetwork]) -> None:
    """Raise ValueError / MappingError unless the layers can share one board: at least one layer, one chip
    description, FPGA-generator inputs only, and no core used by two layers."""
    if not layers:
        raise ValueError("a DYNAP-SE1 session needs at least one mapped layer")
    chip = layers[0].chip
    owner: dict[tuple[int, int], int] = {}
    for index, layer in enumerate(layers):
        if layer.chip != chip:
            raise ValueError(
                f"layer {index} is mapped for {layer.chip.name}, layer 0 for {chip.name}; one board "
                f"holds one kind of chip"
            )
        not_generators = [i for i, s in enumerate(layer.sources) if not s.is_generator]
        if not_generators:
            raise ValueError(
                f"the dynapse1 backend drives hidden layers from FPGA generators only; sources "
                f"{not_generators[:5]} of layer {index} are on-chip neurons"
            )
        for core in layer.cores:
            if core in owner:
                raise MappingError(
                    f"layers {owner[core]} and {index} both use chip {core[0]} core {core[1]}; layers "
                    f"sharing a board need distinct cores (their biases are per core)"
                )
            owner[core] = index


class Dynapse1Session:
    """An open DYNAP-SE1 board holding ``layers`` (indexed by position); ``step`` returns numpy float32
    counts (n_hidden,) per stepped layer. Use as a context manager, or call ``close``."""

    def __init__(
        self,
        layers: Sequence[MappedNetwork],
        encoder: PopulationCodeConfig = PopulationCodeConfig(),
        isi_multiplier: int = 900,
        device_index: int = 0,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        """Open the board and configure it for all layers; raise SamnaUnavailableError / Dynapse1UnavailableError."""
        self.layers = tuple(layers)
        check_layers_share_a_board(self.layers)
        samna = load_samna()
        self._samna = samna
        self._dynapse1 = samna.dynapse1
        self.encoder = encoder
        self.isi_multiplier = isi_multiplier
        self._wait = wait
        self._lock = threading.Lock()
        self._stimulus = [np.zeros((encoder.bins_per_step, layer.n_sources), np.float32) for layer in self.layers]
        self._model = self._open_device(device_index)
        try:
            self._model.apply_configuration(build_configuration(self._dynapse1, self.layers))
            for layer in self.layers:
                for chip, core in layer.cores:
                    self._model.update_parameter_group(build_parameter_group(self._dynapse1, layer.biases), chip, core)
            self._generator = self._model.get_fpga_spike_gen()
            self._generator.set_variable_isi_mode(True)
            self._generator.set_isi_multiplier(isi_multiplier)
            self._generator.set_repeat_mode(True)
            self._graph = samna.graph.EventFilterGraph()
            self._sink = samna.BasicSinkNode_dynapse1_dynapse1_event()
            _, select, _ = self._graph.sequential([self._model.get_source_node(), "Dynapse1NeuronSelect", self._sink])
            select.set_neurons([tuple(int(v) for v in address) for layer in self.layers for address in layer.placement])
            self._graph.start()
        except BaseException:
            samna.device.close_device(self._model)
            raise
        chip = self.layers[0].chip
        shape = (chip.n_chips, chip.cores_per_chip, chip.neurons_per_core)
        self._layer_of, self._hidden_of = np.full(shape, -1, np.int64), np.full(shape, -1, np.int64)
        for index, layer in enumerate(self.layers):
            self._layer_of[tuple(layer.placement.T)] = index
            self._hidden_of[tuple(layer.placement.T)] = np.arange(layer.n_hidden)

    def _open_device(self, device_index: int) -> Any:
        devices = [
            d for d in self._samna.device.get_unopened_devices() if "dynapse1" in str(d.device_type_name).lower()
        ]
        if not devices:
            raise Dynapse1UnavailableError(
                "samna found no unopened DYNAP-SE1 board (is it plugged in, powered, "
                "and not opened by another process?)"
            )
        if not 0 <= device_index < len(devices):
            raise Dynapse1UnavailableError(
                f"device_index {device_index} is out of range: {len(devices)} DYNAP-SE1 board(s) found"
            )
        return self._samna.device.open_device(devices[device_index])

    def step(self, stimuli: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
        """{layer index: input spike counts (bins_per_step, n_sources)} -> {layer index: counts (n_hidden,)}."""
        checked = {index: self._checked_stimulus(index, spikes) for index, spikes in stimuli.items()}
        with self._lock:
            for index, spikes in checked.items():
                self._stimulus[index] = spikes
            events = fpga_events_for_layers(
                list(zip(self._stimulus, self.layers, strict=False)), self.encoder.bin_ms, self.isi_multiplier
            )
            self._generator.stop()
            self._sink.get_events()
            if events:
                self._generator.preload_stimulus(build_fpga_events(self._dynapse1, events))
                self._generator.start()
            self._wait(self.encoder.step_ms / 1000.0)
            spikes_out = self._sink.get_events()
        return self._count(spikes_out, sorted(checked))

    def _checked_stimulus(self, index: int, spikes: np.ndarray) -> np.ndarray:
        if not 0 <= int(index) < len(self.layers):
            raise ValueError(f"layer index {index} is out of range: this session holds {len(self.layers)} layer(s)")
        spikes = np.asarray(spikes, dtype=np.float32)
        expected = (self.encoder.bins_per_step, self.layers[index].n_sources)
        if spikes.shape != expected:
            raise ValueError(
                f"layer {index} input must be spike counts of shape {expected} (bins per step, "
                f"sources), got {spikes.shape}"
            )
        return spikes

    def _count(self, events: list[Any], indices: list[int]) -> dict[int, np.ndarray]:
        counts = {index: np.zeros(self.layers[index].n_hidden, np.float32) for index in indices}
        if not events:
            return counts
        chip = self.layers[0].chip
        address = np.array([(e.chip_id, e.core_id, e.neuron_id) for e in events], dtype=np.int64)
        valid = ((address >= 0) & (address < (chip.n_chips, chip.cores_per_chip, chip.neurons_per_core))).all(axis=1)
        layer = self._layer_of[tuple(address[valid].T)]
        hidden = self._hidden_of[tuple(address[valid].T)]
        for index in indices:
            counts[index] = np.bincount(hidden[layer == index], minlength=self.layers[index].n_hidden).astype(
                np.float32
            )
        return counts

    def close(self) -> None:
        """Stop the generator and the graph, then close the device."""
        self._generator.stop()
        self._graph.stop()
        self._samna.device.close_device(self._model)

    def __enter__(self) -> Dynapse1Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
