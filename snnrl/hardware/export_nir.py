"""NIR export of a hidden layer with its readout: input -> linear -> LIF -> linear readout -> output.

Units are NIR's (seconds). The discrete LIF of ``snnrl.hardware.lif`` maps to NIR parameters so that
a simulator stepping with dt and 0/1 spikes per step reproduces it to first order in dt / tau:
tau = -dt / ln(membrane_decay), r = tau / dt, v_leak = v_reset = 0, v_threshold = threshold, and
the input weights are ``(weights * gain).T``. ``neuron_model="lif"`` omits the synaptic input
filter; ``"cuba_lif"`` keeps it (tau_syn, w_in = tau_syn / dt), which needs one synaptic time
constant for all inputs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import nir
import numpy as np

from snnrl.hardware.export_json import temporary_path
from snnrl.hardware.lif import HiddenLIFParams

NeuronModel = Literal["lif", "cuba_lif"]
NEURON_MODELS: tuple[str, ...] = ("lif", "cuba_lif")


def hidden_layer_to_nir(params: HiddenLIFParams, readout: np.ndarray, dt_ms: float = 1.0,
                        neuron_model: NeuronModel = "lif") -> nir.NIRGraph:
    """Graph for one realization: params of (n_inputs, n_hidden), readout (n_outputs, n_hidden)."""
    weights = np.asarray(params.weights, dtype=np.float64) * np.asarray(params.gain, dtype=np.float64)[None, :]
    n_inputs, n_hidden = weights.shape
    readout = np.asarray(readout, dtype=np.float64)
    if readout.ndim != 2 or readout.shape[1] != n_hidden:
        raise ValueError(f"readout must have shape (n_outputs, {n_hidden}), got {readout.shape}")
    if neuron_model not in NEURON_MODELS:
        raise ValueError(f"neuron_model must be one of {', '.join(NEURON_MODELS)}, got {neuron_model!r}")
    dt = dt_ms / 1000.0
    tau = -dt / np.log(np.asarray(params.membrane_decay, dtype=np.float64))
    threshold = np.asarray(params.threshold, dtype=np.float64)
    zeros = np.zeros(n_hidden)
    if neuron_model == "lif":
        neurons = nir.LIF(tau=tau, r=tau / dt, v_leak=zeros, v_threshold=threshold, v_reset=zeros)
    else:
        input_decay = np.asarray(params.input_decay, dtype=np.float64)
        if not np.allclose(input_decay, input_decay[0]):
            raise ValueError("neuron_model 'cuba_lif' needs one synaptic time constant for all inputs; "
                             "these inputs mix synapse types with different time constants (use 'lif')")
        tau_syn = np.full(n_hidden, -dt / np.log(input_decay[0]))
        neurons = nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau, r=tau / dt, v_leak=zeros, v_threshold=threshold,
                              v_reset=zeros, w_in=tau_syn / dt)
    nodes = {
        "input": nir.Input(input_type=np.array([n_inputs])),
        "linear": nir.Linear(weight=weights.T),
        "lif": neurons,
        "readout": nir.Linear(weight=readout),
        "output": nir.Output(output_type=np.array([readout.shape[0]])),
    }
    edges = [("input", "linear"), ("linear", "lif"), ("lif", "readout"), ("readout", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def save_nir(graph: nir.NIRGraph, path: str | os.PathLike) -> None:
    """Write ``graph`` with ``nir.write`` to a temporary file in the same folder, then ``os.replace`` it."""
    target = Path(path)
    temp = temporary_path(target)  # nir.write creates it with the usual permissions (0666 less the umask)
    try:
        nir.write(temp, graph)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
