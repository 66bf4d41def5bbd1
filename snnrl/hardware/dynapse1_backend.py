"""The real DYNAP-SE1 as a hidden backend, through ``samna.dynapse1`` (imported only when this is built).

Construction (DESIGN 3): find the real samna (``load_samna``: fails in well under a second, never the
PyPI stub's install) -> find and open a DYNAP-SE1 board -> ``apply_configuration`` (CAM entries) ->
``update_parameter_group`` per used core -> FPGA spike generator in variable-ISI, repeat mode with the
ISI multiplier -> ``EventFilterGraph`` source -> ``Dynapse1NeuronSelect`` (the placed neurons) -> sink.
Each ``step``: rates become spike trains for one agent step (the same encoder as the JAX backends),
then stop the generator, preload the step's events, drain stale output, start, wait one step of wall
time, read the sink and count spikes per hidden neuron (hidden order). The stimulus repeats until the
next step replaces it, so the chip never runs without input. ``close`` stops everything and closes
the device. Only FPGA-generator sources are supported (no SRAM routing from on-chip sources).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from snnrl.core.population import EncoderState, PopulationCodeConfig, SpikeMode, encode_step, init_encoder_state
from snnrl.hardware.fpga_stimulus import fpga_events_for_step
from snnrl.hardware.mapper import MappedNetwork
from snnrl.hardware.samna_config import build_configuration, build_fpga_events, build_parameter_group
from snnrl.hardware.samna_loader import load_samna


class Dynapse1UnavailableError(RuntimeError):
    """samna is usable but no DYNAP-SE1 board can be opened."""


class Dynapse1Backend:
    """Hidden backend on a DYNAP-SE1 board; ``step`` returns numpy float32 counts (n_hidden,)."""

    name = "dynapse1"

    def __init__(self, mapped: MappedNetwork, encoder: PopulationCodeConfig = PopulationCodeConfig(),
                 spike_mode: SpikeMode = "regular", isi_multiplier: int = 900, device_index: int = 0,
                 wait: Callable[[float], None] = time.sleep) -> None:
        """Open the board and configure it for ``mapped``; raise SamnaUnavailableError / Dynapse1UnavailableError."""
        not_generators = [i for i, s in enumerate(mapped.sources) if not s.is_generator]
        if not_generators:
            raise ValueError(f"the dynapse1 backend drives hidden layers from FPGA generators only; sources "
                             f"{not_generators[:5]} are on-chip neurons")
        samna = load_samna()
        self._samna = samna
        self._dynapse1 = samna.dynapse1
        self.mapped = mapped
        self.encoder = encoder
        self.spike_mode = spike_mode
        self.isi_multiplier = isi_multiplier
        self._wait = wait
        self._encode = jax.jit(functools.partial(encode_step, config=encoder, mode=spike_mode))
        self.n_inputs = mapped.n_sources
        self.n_hidden = mapped.n_hidden
        self._model = self._open_device(device_index)
        try:
            self._model.apply_configuration(build_configuration(self._dynapse1, mapped))
            for chip, core in mapped.cores:
                self._model.update_parameter_group(build_parameter_group(self._dynapse1, mapped.biases), chip, core)
            self._generator = self._model.get_fpga_spike_gen()
            self._generator.set_variable_isi_mode(True)
            self._generator.set_isi_multiplier(isi_multiplier)
            self._generator.set_repeat_mode(True)
            self._graph = samna.graph.EventFilterGraph()
            self._sink = samna.BasicSinkNode_dynapse1_dynapse1_event()
            _, select, _ = self._graph.sequential([self._model.get_source_node(), "Dynapse1NeuronSelect", self._sink])
            select.set_neurons([tuple(int(v) for v in address) for address in mapped.placement])
            self._graph.start()
        except BaseException:
            samna.device.close_device(self._model)
            raise
        chip = mapped.chip
        self._hidden_index = np.full((chip.n_chips, chip.cores_per_chip, chip.neurons_per_core), -1, dtype=np.int64)
        self._hidden_index[tuple(mapped.placement.T)] = np.arange(mapped.n_hidden)

    def _open_device(self, device_index: int) -> Any:
        devices = [d for d in self._samna.device.get_unopened_devices()
                   if "dynapse1" in str(d.device_type_name).lower()]
        if not devices:
            raise Dynapse1UnavailableError("samna found no unopened DYNAP-SE1 board (is it plugged in, powered, "
                                           "and not opened by another process?)")
        if not 0 <= device_index < len(devices):
            raise Dynapse1UnavailableError(f"device_index {device_index} is out of range: {len(devices)} DYNAP-SE1 "
                                           f"board(s) found")
        return self._samna.device.open_device(devices[device_index])

    def init_params(self, key: jax.Array) -> tuple[()]:
        """The chip's parameters live on the chip: an empty pytree."""
        return ()

    def init(self, key: jax.Array) -> EncoderState:
        """Spike-train state of the input generators."""
        return init_encoder_state(key, self.n_inputs, self.encoder)

    def step(self, params: tuple[()], state: EncoderState, inputs: Any) -> tuple[EncoderState, np.ndarray]:
        """inputs (n_inputs,) rates Hz or (bins_per_step, n_inputs) spike counts -> (state, counts (n_hidden,))."""
        inputs = np.asarray(inputs, dtype=np.float32)
        if inputs.shape == (self.n_inputs,):
            state, spikes = self._encode(state, inputs)
            spikes = np.asarray(spikes)
        elif inputs.shape == (self.encoder.bins_per_step, self.n_inputs):
            spikes = inputs
        else:
            raise ValueError(f"dynapse1 backend inputs must be rates ({self.n_inputs},) or spike counts "
                             f"({self.encoder.bins_per_step}, {self.n_inputs}), got shape {inputs.shape}")
        events = fpga_events_for_step(spikes, self.mapped, self.encoder.bin_ms, self.isi_multiplier)
        self._generator.stop()
        self._sink.get_events()
        if events:
            self._generator.preload_stimulus(build_fpga_events(self._dynapse1, events))
            self._generator.start()
        self._wait(self.encoder.step_ms / 1000.0)
        return state, self._count(self._sink.get_events())

    def _count(self, events: list[Any]) -> np.ndarray:
        if not events:
            return np.zeros(self.n_hidden, dtype=np.float32)
        chip = self.mapped.chip
        address = np.array([(e.chip_id, e.core_id, e.neuron_id) for e in events], dtype=np.int64)
        valid = ((address >= 0) & (address < (chip.n_chips, chip.cores_per_chip, chip.neurons_per_core))).all(axis=1)
        hidden = self._hidden_index[tuple(address[valid].T)]
        return np.bincount(hidden[hidden >= 0], minlength=self.n_hidden).astype(np.float32)

    def close(self) -> None:
        """Stop the generator and the graph, then close the device."""
        self._generator.stop()
        self._graph.stop()
        self._samna.device.close_device(self._model)

    def __enter__(self) -> Dynapse1Backend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
