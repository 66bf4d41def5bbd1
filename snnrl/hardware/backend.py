"""The one interface of a hidden-layer backend: one agent step of input in, per-neuron spike counts out.

    params = backend.init_params(key)            # fixed per realization (e.g. a chip's mismatch)
    state  = backend.init(key)                   # dynamic state (membranes, traces, spike-train phases)
    state, counts = backend.step(params, state, inputs)

inputs: generator rates (n_inputs,) in Hz, turned into spike trains by the backend's encoder for one
agent step, or spike counts per bin (bins_per_step, n_inputs). counts: (n_hidden,) spikes in that step.
JAX backends ("jax", "simulated") are pure: jit and vmap over realizations work on all three calls.
The chip backend ("dynapse1") runs on the host and returns numpy counts.
"""

from __future__ import annotations

from typing import Any, Protocol

import jax

from snnrl.hardware.chip.mapper import map_hidden_layer
from snnrl.hardware.chip.spec import HiddenLayerSpec
from snnrl.hardware.dynapse1.backend import Dynapse1Backend
from snnrl.hardware.jax_backend import make_jax_backend
from snnrl.hardware.simulated_chip import make_simulated_chip


class HiddenBackend(Protocol):
    """A hidden layer that turns one agent step of generator input into spike counts."""

    name: str
    n_inputs: int
    n_hidden: int

    def init_params(self, key: jax.Array) -> Any:
        """Fixed parameters of one realization (pytree)."""

    def init(self, key: jax.Array) -> Any:
        """Initial dynamic state (pytree)."""

    def step(self, params: Any, state: Any, inputs: Any) -> tuple[Any, Any]:
        """inputs (n_inputs,) rates Hz or (bins_per_step, n_inputs) spike counts -> (state, counts (n_hidden,))."""


BACKEND_NAMES: tuple[str, ...] = ("jax", "simulated", "dynapse1")


def make_hidden_backend(name: str, spec: HiddenLayerSpec, **options: Any) -> HiddenBackend:
    """Build a backend by name from a hidden-layer spec.

    "jax": ``make_jax_backend(spec, **options)`` (options: encoder, spike_mode).
    "simulated": maps the spec, then ``make_simulated_chip(mapped, **rest)``; options: chip, cores
    (for the mapper), mismatch (default 0.2), encoder, spike_mode.
    "dynapse1": maps the spec, then ``Dynapse1Backend(mapped, **rest)`` (needs samna and a board;
    options: chip, cores, encoder, spike_mode, isi_multiplier, device_index).
    Raises ValueError listing the valid names for an unknown name.
    """
    if name == "jax":
        return make_jax_backend(spec, **options)
    if name in ("simulated", "dynapse1"):
        mapping_options = {key: options.pop(key) for key in ("chip", "cores") if key in options}
        mapped = map_hidden_layer(spec, **mapping_options)
        if name == "simulated":
            return make_simulated_chip(mapped, **options)
        return Dynapse1Backend(mapped, **options)
    raise ValueError(f"unknown hidden backend {name!r}; valid names: {', '.join(BACKEND_NAMES)}")
