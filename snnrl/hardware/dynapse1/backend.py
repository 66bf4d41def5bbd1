"""The real DYNAP-SE1 as a hidden backend for one layer: a ``Dynapse1Session`` holding that layer alone.

Each ``step``: rates become spike trains for one agent step (the same encoder as the JAX backends), the
session stimulates the layer for one step of wall time and counts its spikes per hidden neuron (hidden
order). Training runs with several layers on one board use the session directly (see
``snnrl.hardware.dynapse1.bridge``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from snnrl.core.population import EncoderState, PopulationCodeConfig, SpikeMode, encode_step, init_encoder_state
from snnrl.hardware.chip.mapper import MappedNetwork
from snnrl.hardware.dynapse1.session import Dynapse1Session, Dynapse1UnavailableError

__all__ = ["Dynapse1Backend", "Dynapse1UnavailableError"]


class Dynapse1Backend:
    """Hidden backend on a DYNAP-SE1 board; ``step`` returns numpy float32 counts (n_hidden,)."""

    name = "dynapse1"

    def __init__(
        self,
        mapped: MappedNetwork,
        encoder: PopulationCodeConfig = PopulationCodeConfig(),
        spike_mode: SpikeMode = "regular",
        isi_multiplier: int = 900,
        device_index: int = 0,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        """Open the board and configure it for ``mapped``; raise SamnaUnavailableError / Dynapse1UnavailableError."""
        self.session = Dynapse1Session(
            [mapped], encoder=encoder, isi_multiplier=isi_multiplier, device_index=device_index, wait=wait
        )
        self.mapped = mapped
        self.encoder = encoder
        self.spike_mode = spike_mode
        self._encode = jax.jit(functools.partial(encode_step, config=encoder, mode=spike_mode))
        self.n_inputs = mapped.n_sources
        self.n_hidden = mapped.n_hidden

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
            raise ValueError(
                f"dynapse1 backend inputs must be rates ({self.n_inputs},) or spike counts "
                f"({self.encoder.bins_per_step}, {self.n_inputs}), got shape {inputs.shape}"
            )
        return state, self.session.step({0: spikes})[0]

    def close(self) -> None:
        """Stop the generator and the graph, then close the device."""
        self.session.close()

    def __enter__(self) -> Dynapse1Backend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
