"""The one interface of a hidden-layer backend: one agent step of input in, per-neuron spike counts out.

    params = backend.init_params(key)            # fixed per realization (e.g. a chip's mismatch)
    state  = backend.init(key)                   # dynamic state (membranes, traces, spike-train phases)
    state, counts = backend.step(params, state, inputs)

inputs: generator rates (n_inputs,) in Hz, turned into spike trains by the backend's encoder for one
agent step, or spike counts per bin (bins_per_step, n_inputs). counts: (n_hidden,) spikes in that step.
JAX backends ("jax", "simulated") are pure: jit and vmap over realizations work on all three calls.
The chip backend ("dynapse1") runs on the host and returns numpy counts. Every backend is registered once
in ``BACKENDS`` (``register_backend``) with its capabilities declared (on_board, simulates_chip); a new
board is a folder (like dynapse1/) and one registry entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import jax

from snnrl.core.checks import check_registration
from snnrl.hardware.chip.mapper import map_hidden_layer
from snnrl.hardware.chip.spec import HiddenLayerSpec
from snnrl.hardware.dynapse1.backend import Dynapse1Backend
from snnrl.hardware.lif_backend import make_jax_backend, make_simulated_chip


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


@dataclass(frozen=True)
class BackendEntry:
    """A registered backend: ``factory(spec, **options) -> HiddenBackend`` and its declared capabilities."""

    name: str
    factory: Callable[..., HiddenBackend]
    on_board: bool
    simulates_chip: bool


# What every registration declares (no defaults: a backend says what it is).
CAPABILITIES = {
    "on_board": "a real board stepped from the host (numpy counts; not jitted, vmapped or swept)",
    "simulates_chip": "a JAX model of a chip: the layer must fit its cores, with the chip's device mismatch",
}
BACKENDS: dict[str, BackendEntry] = {}


def register_backend(name: str, factory: Callable[..., HiddenBackend], **declared: bool) -> BackendEntry:
    """Add a hidden-layer backend under ``name``; ``declared`` gives every capability of CAPABILITIES.
    ValueError naming the name if it is taken or a capability is missing or not a bool."""
    check_registration("hidden backend", name, BACKENDS, declared, CAPABILITIES)
    BACKENDS[name] = BackendEntry(name, factory, **declared)
    return BACKENDS[name]


def backend_names() -> tuple[str, ...]:
    """Every registered backend name, in registration order."""
    return tuple(BACKENDS)


def on_board(name: str) -> bool:
    """Whether backend ``name`` is a real board stepped from the host (False for an unknown name)."""
    return name in BACKENDS and BACKENDS[name].on_board


def simulates_chip(name: str) -> bool:
    """Whether backend ``name`` is a JAX model of a chip (False for an unknown name)."""
    return name in BACKENDS and BACKENDS[name].simulates_chip


def _mapped(build: Callable[..., HiddenBackend]) -> Callable[..., HiddenBackend]:
    """A factory that first places the spec on the chip's cores (options chip, cores go to the mapper)."""

    def factory(spec: HiddenLayerSpec, **options: Any) -> HiddenBackend:
        mapping_options = {key: options.pop(key) for key in ("chip", "cores") if key in options}
        return build(map_hidden_layer(spec, **mapping_options), **options)

    return factory


register_backend("jax", make_jax_backend, on_board=False, simulates_chip=False)
register_backend("simulated", _mapped(make_simulated_chip), on_board=False, simulates_chip=True)
register_backend("dynapse1", _mapped(Dynapse1Backend), on_board=True, simulates_chip=False)
BACKEND_NAMES: tuple[str, ...] = backend_names()  # the built-in ones (new code: backend_names())


def make_hidden_backend(name: str, spec: HiddenLayerSpec, **options: Any) -> HiddenBackend:
    """Build a backend by name from a hidden-layer spec.

    "jax": ``make_jax_backend(spec, **options)`` (options: encoder, spike_mode).
    "simulated": maps the spec, then ``make_simulated_chip(mapped, **rest)``; options: chip, cores
    (for the mapper), mismatch (default 0.2), encoder, spike_mode.
    "dynapse1": maps the spec, then ``Dynapse1Backend(mapped, **rest)`` (needs samna and a board;
    options: chip, cores, encoder, spike_mode, isi_multiplier, device_index).
    Raises ValueError listing the valid names for an unknown name.
    """
    if name not in BACKENDS:
        raise ValueError(f"unknown hidden backend {name!r}; valid names: {', '.join(backend_names())}")
    return BACKENDS[name].factory(spec, **options)
