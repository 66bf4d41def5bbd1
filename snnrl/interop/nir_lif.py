"""The recurrent LIF network of ``snnrl.core.lif`` as NIR nodes, both ways (docs/howto/nir.md).

snnrl steps in discrete time (dt); NIR's neurons are continuous. The mapping is exact for a simulator
that holds each input constant over a step (zero-order hold), passes values around a loop with one
step of delay, and resets by subtraction as recorded in the LIF node's metadata:

    LIF  tau = tau_m, r = 1, v_leak = v_rest, v_threshold = v_th      (s = H(v - v_th), strict as NIR's)
         v_reset = v_th + w_res / a_m        (NIR's reset to a value; equal to snnrl's reset only for a
                                              neuron exactly at threshold)
         metadata: reset "subtract", w_res, v_init  (snnrl's exact rule: w_res is added to v one step
                                              after the spike, i.e. -w_res / a_m subtracted at once)
    LI   tau = tau_s, r = 1, v_leak = 0       the recurrent spike filter s_hat, fed by the spikes
    Linear(W)                                 s_hat -> LIF (one step of delay: the loop)
    LI   tau = tau_readout, r = 1, v_leak = 0 the readout filter s_bar

Times are in seconds in NIR and in ms in snnrl; dt travels in the graph's metadata ("dt", seconds).
"""

from __future__ import annotations

import math
from typing import Any

import nir
import numpy as np

from snnrl.core.lif_config import LIFConfig

SECONDS_PER_MS = 1e-3
RESET_RULE = "subtract"
SUBGRAPH_NODES = {"input": nir.Input, "lif": nir.LIF, "synapse": nir.LI, "w_rec": nir.Linear, "output": nir.Output}
SUBGRAPH_EDGES = {("input", "lif"), ("lif", "synapse"), ("synapse", "w_rec"), ("w_rec", "lif"), ("lif", "output")}


def _full(n: int, value: float) -> np.ndarray:
    return np.full((n,), float(value), dtype=np.float64)


def leaky_filter(n: int, tau_ms: float) -> nir.LI:
    """A discrete low-pass x <- a x + (1 - a) input, a = exp(-dt / tau), as NIR's LI (r = 1, v_leak = 0)."""
    return nir.LI(tau=_full(n, tau_ms * SECONDS_PER_MS), r=_full(n, 1.0), v_leak=_full(n, 0.0))


def recurrent_subgraph(lif: LIFConfig, w_rec: np.ndarray) -> nir.NIRGraph:
    """The recurrent LIF population as a NIR subgraph: input (N) -> LIF, LIF -> LI (tau_s) -> Linear(W) ->
    LIF, LIF -> output (N spikes). w_rec (N, N) post x pre."""
    n = lif.n_neurons
    neurons = nir.LIF(
        tau=_full(n, lif.tau_m * SECONDS_PER_MS),
        r=_full(n, 1.0),
        v_leak=_full(n, lif.v_rest),
        v_threshold=_full(n, lif.v_th),
        v_reset=_full(n, lif.v_th + lif.w_res / lif.alpha_m),
        metadata={"reset": RESET_RULE, "w_res": float(lif.w_res), "v_init": float(lif.v_init)},
    )
    nodes = {
        "input": nir.Input(input_type=np.array([n])),
        "lif": neurons,
        "synapse": leaky_filter(n, lif.tau_s),
        "w_rec": nir.Linear(weight=np.asarray(w_rec)),
        "output": nir.Output(output_type=np.array([n])),
    }
    return nir.NIRGraph(nodes=nodes, edges=sorted(SUBGRAPH_EDGES))


def node_of(graph: nir.NIRGraph, name: str, kinds: tuple[type, ...], where: str) -> Any:
    """graph.nodes[name], checked to be one of ``kinds``; ValueError naming the node, the type found and
    the types allowed."""
    allowed = " or ".join(f"nir.{k.__name__}" for k in kinds)
    if name not in graph.nodes:
        raise ValueError(
            f"{where} has no node {name!r} (a {allowed}); its nodes: {sorted(graph.nodes)}. "
            "snnrl imports the graph form written by snnrl.interop (docs/howto/nir.md)"
        )
    node = graph.nodes[name]
    if not isinstance(node, kinds):
        raise ValueError(
            f"node {name!r} of {where} is a nir.{type(node).__name__}; allowed here: {allowed} (docs/howto/nir.md)"
        )
    return node


def check_form(
    graph: nir.NIRGraph, nodes: dict[str, type | tuple[type, ...]], edges: set[tuple[str, str]], where: str
) -> None:
    """ValueError unless ``graph`` has exactly these nodes (names and NIR types) and edges."""
    extra = sorted(set(graph.nodes) - set(nodes))
    if extra:
        raise ValueError(
            f"{where} has node(s) {extra} ({', '.join('nir.' + type(graph.nodes[k]).__name__ for k in extra)}) "
            f"that snnrl's form does not have; allowed nodes: {sorted(nodes)} (docs/howto/nir.md)"
        )
    for name, kind in nodes.items():
        node_of(graph, name, kind if isinstance(kind, tuple) else (kind,), where)
    found = {(str(a), str(b)) for a, b in graph.edges}
    if found != edges:
        raise ValueError(
            f"{where} has edges {sorted(found - edges)} that snnrl's form does not have and lacks "
            f"{sorted(edges - found)}; snnrl's form: {sorted(edges)} (docs/howto/nir.md)"
        )


def finite(values: Any, name: str, where: str) -> np.ndarray:
    """The array of a graph's weights or parameters; ValueError naming the node if any value is NaN or infinite."""
    array = np.asarray(values)
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise ValueError(
            f"{where}.{name} holds {bad} NaN or infinite value(s) of {array.size}; NIR values must be finite"
        )
    return array


def uniform(values: Any, name: str, where: str) -> float:
    """The one value of a per-neuron parameter; ValueError if the neurons differ (snnrl has one per network)."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0 or not np.all(array == array[0]):
        raise ValueError(
            f"{where}.{name} must be the same for every neuron (snnrl has one value per network); "
            f"got {array.size} values from {array.min() if array.size else '-'} to {array.max() if array.size else '-'}"
        )
    return float(array[0])


def read_filter_tau_ms(node: nir.LI, where: str) -> float:
    """tau (ms) of a low-pass written by ``leaky_filter``; ValueError if r != 1 or v_leak != 0."""
    if uniform(node.r, "r", where) != 1.0 or uniform(node.v_leak, "v_leak", where) != 0.0:
        raise ValueError(
            f"{where} must be a low-pass filter with r = 1 and v_leak = 0 (snnrl's spike filters); "
            f"got r = {np.unique(node.r)}, v_leak = {np.unique(node.v_leak)}"
        )
    return uniform(node.tau, "tau", where) / SECONDS_PER_MS


def read_recurrent_subgraph(
    graph: nir.NIRGraph, where: str, dt_ms: float, base: LIFConfig
) -> tuple[LIFConfig, np.ndarray]:
    """Inverse of ``recurrent_subgraph``: (LIFConfig with the network's fields read from the graph and the
    learning fields of ``base``, w_rec (N, N)). ValueError naming the node for another form."""
    check_form(graph, SUBGRAPH_NODES, SUBGRAPH_EDGES, where)
    neurons: nir.LIF = graph.nodes["lif"]
    w_rec = finite(graph.nodes["w_rec"].weight, "weight", f"{where}.w_rec")
    n = int(np.asarray(neurons.tau).size)
    if w_rec.shape != (n, n):
        raise ValueError(f"{where}.w_rec must be ({n}, {n}) for {n} LIF neurons, got {w_rec.shape}")
    lif_name = f"{where}.lif"
    if uniform(neurons.r, "r", lif_name) != 1.0:
        raise ValueError(f"{lif_name}.r must be 1: snnrl's LIF integrates (1 - a_m) x its input (docs/howto/nir.md)")
    tau_m = uniform(neurons.tau, "tau", lif_name) / SECONDS_PER_MS
    v_rest, v_th = uniform(neurons.v_leak, "v_leak", lif_name), uniform(neurons.v_threshold, "v_threshold", lif_name)
    v_reset = uniform(neurons.v_reset, "v_reset", lif_name)
    alpha_m = math.exp(-dt_ms / tau_m)
    metadata = dict(neurons.metadata or {})
    rule = metadata.get("reset", RESET_RULE)
    if rule != RESET_RULE:
        raise ValueError(f"{lif_name} resets by {rule!r}; snnrl's LIF resets by {RESET_RULE!r} (w_res per spike)")
    w_res = float(metadata["w_res"]) if "w_res" in metadata else alpha_m * (v_reset - v_th)
    if not math.isclose(v_th + w_res / alpha_m, v_reset, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(
            f"{lif_name}: v_reset = {v_reset} disagrees with its metadata w_res = {w_res} "
            f"(expected v_th + w_res / a_m = {v_th + w_res / alpha_m})"
        )
    if not w_res < 0:
        raise ValueError(
            f"{lif_name}: v_reset = {v_reset} is not below v_threshold = {v_th}; snnrl's reset subtracts (w_res < 0)"
        )
    lif = base.replace(
        n_neurons=n,
        dt=dt_ms,
        tau_m=tau_m,
        tau_s=read_filter_tau_ms(graph.nodes["synapse"], f"{where}.synapse"),
        v_rest=v_rest,
        v_th=v_th,
        w_res=w_res,
        v_init=float(metadata.get("v_init", v_rest)),
    )
    return lif, w_rec
