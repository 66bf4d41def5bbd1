"""Import a hidden layer with its readout from NIR: the inverse of ``snnrl.interop.hidden_export``
(docs/howto/nir.md). The graph must be input -> linear (nir.Linear) -> lif (nir.LIF or nir.CubaLIF,
v_leak = v_reset = 0) -> readout (nir.Linear) -> output; dt from its metadata or ``dt_ms``."""

from __future__ import annotations

import jax.numpy as jnp
import nir
import numpy as np

from snnrl.hardware.lif import HiddenLIFParams
from snnrl.interop.nir_lif import SECONDS_PER_MS, finite

FORM = "input -> linear (nir.Linear) -> lif (nir.LIF or nir.CubaLIF) -> readout (nir.Linear) -> output"
NODES: dict[str, tuple[type, ...]] = {
    "input": (nir.Input,),
    "linear": (nir.Linear,),
    "lif": (nir.LIF, nir.CubaLIF),
    "readout": (nir.Linear,),
    "output": (nir.Output,),
}
EDGES = {("input", "linear"), ("linear", "lif"), ("lif", "readout"), ("readout", "output")}


def _check_form(graph: nir.NIRGraph) -> None:
    for name, kinds in NODES.items():
        if name not in graph.nodes:
            raise ValueError(
                f"the hidden-layer graph has no node {name!r}; its nodes: {sorted(graph.nodes)}; allowed form: {FORM}"
            )
        if not isinstance(graph.nodes[name], kinds):
            raise ValueError(
                f"node {name!r} of the hidden-layer graph is a nir.{type(graph.nodes[name]).__name__}; "
                f"allowed here: {' or '.join('nir.' + k.__name__ for k in kinds)} (form: {FORM})"
            )
    extra = sorted(set(graph.nodes) - set(NODES))
    found = {(str(a), str(b)) for a, b in graph.edges}
    if extra or found != EDGES:
        raise ValueError(
            f"the hidden-layer graph has nodes {sorted(graph.nodes)} and edges {sorted(found)}; allowed form: {FORM}"
        )


def _dt(graph: nir.NIRGraph, dt_ms: float | None) -> float:
    stored = (graph.metadata or {}).get("dt")
    if stored is None and dt_ms is None:
        raise ValueError(
            "the graph's metadata has no 'dt' (seconds) and no dt_ms was given: pass dt_ms, the bin the "
            "hidden layer steps by"
        )
    return float(stored) if stored is not None else dt_ms * SECONDS_PER_MS


def hidden_layer_from_nir(graph: nir.NIRGraph, dt_ms: float | None = None) -> tuple[HiddenLIFParams, np.ndarray]:
    """(params of (n_inputs, n_hidden), float32, readout (n_outputs, n_hidden)). A nir.LIF (no synaptic
    filter) gives input_decay 0. ValueError naming the node for another form or parameters snnrl's layer
    does not have (v_leak or v_reset other than 0, per-neuron synaptic time constants)."""
    _check_form(graph)
    dt = _dt(graph, dt_ms)
    neurons = graph.nodes["lif"]
    weights = finite(graph.nodes["linear"].weight, "weight", "linear").T
    readout = finite(graph.nodes["readout"].weight, "weight", "readout")
    threshold = finite(neurons.v_threshold, "v_threshold", "lif")
    if np.any(threshold <= 0):
        raise ValueError(
            f"node 'lif' has {int(np.sum(threshold <= 0))} v_threshold value(s) <= 0; snnrl's hidden layer rests at 0 "
            "and needs thresholds > 0"
        )
    n_inputs, n_hidden = weights.shape
    if readout.ndim != 2 or readout.shape[1] != n_hidden:
        raise ValueError(f"node 'readout' must have shape (n_outputs, {n_hidden}), got {readout.shape}")
    for name in ("v_leak", "v_reset"):
        if np.any(np.asarray(getattr(neurons, name)) != 0):
            raise ValueError(f"node 'lif' has {name} != 0; snnrl's hidden layer rests and resets at 0")
    tau = np.asarray(neurons.tau_mem if isinstance(neurons, nir.CubaLIF) else neurons.tau, dtype=np.float64)
    if tau.shape != (n_hidden,):
        raise ValueError(f"node 'lif' must have {n_hidden} neurons (the linear node's outputs), got {tau.shape}")
    decay = np.exp(-dt / tau)
    input_decay = 0.0
    if isinstance(neurons, nir.CubaLIF):
        tau_syn = np.asarray(neurons.tau_syn, dtype=np.float64)
        if not np.all(tau_syn == tau_syn[0]):
            raise ValueError(
                "node 'lif' has per-neuron synaptic time constants; snnrl's hidden layer filters each "
                "input with one time constant (all inputs of one synapse type)"
            )
        input_decay = float(np.exp(-dt / tau_syn[0]))
        w_in = np.asarray(neurons.w_in, dtype=np.float64)
        if not np.allclose(w_in, 1.0 / (1.0 - input_decay), rtol=1e-6):
            raise ValueError(
                f"node 'lif' has w_in {np.unique(w_in)[:3]}; snnrl's synaptic trace adds each spike whole: "
                f"w_in = 1 / (1 - exp(-dt / tau_syn)) = {1.0 / (1.0 - input_decay)}"
            )
    params = HiddenLIFParams(
        weights=jnp.asarray(weights, jnp.float32),
        input_decay=jnp.full((n_inputs,), input_decay, jnp.float32),
        membrane_decay=jnp.asarray(decay, jnp.float32),
        threshold=jnp.asarray(threshold, jnp.float32),
        gain=jnp.asarray(np.asarray(neurons.r, dtype=np.float64) * (1.0 - decay), jnp.float32),
    )
    return params, readout
