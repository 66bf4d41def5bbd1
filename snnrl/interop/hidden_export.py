"""NIR export of a hidden layer with its readout: input -> linear -> LIF -> linear readout -> output
(docs/howto/nir.md; the inverse is ``snnrl.interop.hidden_import``).

Units are NIR's (seconds); dt travels in the graph's metadata ("dt", seconds). The discrete layer of
``snnrl.hardware.lif`` is the exact solution over each step of dt of NIR's continuous neuron with its
input held constant over the step (zero-order hold), when

    tau = -dt / ln(membrane_decay), r = gain / (1 - membrane_decay), v_leak = v_reset = 0,
    v_threshold = threshold, input weights = weights.T (n_hidden, n_inputs)

``neuron_model="cuba_lif"`` keeps the synaptic input filter (nir.CubaLIF: tau_syn = -dt / ln(input_decay),
w_in = 1 / (1 - input_decay)), which needs one synaptic time constant for all inputs;
``neuron_model="lif"`` (nir.LIF) leaves it out, exact only for a layer without input filter
(input_decay 0). Not represented by NIR: the membrane's floor at 0 and the spike at v >= threshold
(NIR: v > threshold).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Literal

import nir
import numpy as np

from snnrl.core.output_paths import check_output_file
from snnrl.core.storage import write_atomic
from snnrl.hardware.lif import HiddenLIFParams
from snnrl.interop.nir_lif import SECONDS_PER_MS

NeuronModel = Literal["lif", "cuba_lif"]
NEURON_MODELS: tuple[str, ...] = ("lif", "cuba_lif")


def hidden_layer_to_nir(
    params: HiddenLIFParams, readout: np.ndarray, dt_ms: float = 1.0, neuron_model: NeuronModel = "lif"
) -> nir.NIRGraph:
    """Graph for one realization: params of (n_inputs, n_hidden), readout (n_outputs, n_hidden)."""
    weights = np.asarray(params.weights)
    if weights.ndim != 2:
        raise ValueError(f"params.weights must be (n_inputs, n_hidden) for one realization, got shape {weights.shape}")
    n_inputs, n_hidden = weights.shape
    readout = np.asarray(readout)
    if readout.ndim != 2 or readout.shape[1] != n_hidden:
        raise ValueError(f"readout must have shape (n_outputs, {n_hidden}), got {readout.shape}")
    if neuron_model not in NEURON_MODELS:
        raise ValueError(f"neuron_model must be one of {', '.join(NEURON_MODELS)}, got {neuron_model!r}")
    dt = dt_ms * SECONDS_PER_MS
    decay = np.asarray(params.membrane_decay, dtype=np.float64)
    tau = -dt / np.log(decay)
    r = np.asarray(params.gain, dtype=np.float64) / (1.0 - decay)
    threshold = np.asarray(params.threshold, dtype=np.float64)
    zeros = np.zeros(n_hidden)
    if neuron_model == "lif":
        neurons = nir.LIF(tau=tau, r=r, v_leak=zeros, v_threshold=threshold, v_reset=zeros)
    else:
        input_decay = np.asarray(params.input_decay, dtype=np.float64)
        if not np.all(input_decay == input_decay[0]):
            raise ValueError(
                "neuron_model 'cuba_lif' needs one synaptic time constant for all inputs; "
                "these inputs mix synapse types with different time constants (use 'lif')"
            )
        neurons = nir.CubaLIF(
            tau_syn=np.full(n_hidden, -dt / np.log(input_decay[0])),
            tau_mem=tau,
            r=r,
            v_leak=zeros,
            v_threshold=threshold,
            v_reset=zeros,
            w_in=np.full(n_hidden, 1.0 / (1.0 - input_decay[0])),
        )
    nodes = {
        "input": nir.Input(input_type=np.array([n_inputs])),
        "linear": nir.Linear(weight=weights.T),
        "lif": neurons,
        "readout": nir.Linear(weight=readout),
        "output": nir.Output(output_type=np.array([readout.shape[0]])),
    }
    edges = [("input", "linear"), ("linear", "lif"), ("lif", "readout"), ("readout", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": dt, "network": "hidden_layer"})


def save_nir(graph: nir.NIRGraph, path: str | os.PathLike) -> None:
    """Write ``graph`` (``nir.write``'s HDF5 bytes) to ``path`` atomically (core.storage.write_atomic);
    OutFolderError naming the path first if it cannot be written (core.output_paths)."""
    buffer = io.BytesIO()
    check_output_file(path, "the NIR file")
    nir.write(buffer, graph)
    write_atomic(Path(path), buffer.getvalue())
