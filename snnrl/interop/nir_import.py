"""Import NIR graphs of the form ``snnrl.interop.nir_export`` writes back into snnrl configs and weights
(docs/howto/nir.md).

The network's fields (sizes, dt, tau_m, tau_s, tau_readout, v_rest, v_th, w_res, v_init, beta,
action_scale, and the world model's target units when its metadata has them) come from the graph;
everything NIR does not describe (learning rates, pseudo-derivative, logit clip, ...) from ``base``. The input
projections may be nir.Affine: a bias that is
the same for every neuron is a constant drive and joins v_rest. The Scale nodes are optional (absent:
beta = 1, action_scale = 1). Any other form raises ValueError naming the node and the type found.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import nir
import numpy as np

from snnrl.interop.nir_lif import (
    SECONDS_PER_MS,
    check_form,
    finite,
    read_filter_tau_ms,
    read_recurrent_subgraph,
    uniform,
)
from snnrl.models.agent import Agent, AgentConfig, AgentWeights
from snnrl.models.world_model import WorldModel, WorldModelConfig, WorldModelWeights

PROJECTION = (nir.Linear, nir.Affine)


def _dt_ms(graph: nir.NIRGraph, dt_ms: float | None) -> float:
    stored = (graph.metadata or {}).get("dt")
    if stored is None:
        if dt_ms is None:
            raise ValueError(
                "the graph's metadata has no 'dt' (seconds) and no dt_ms was given: snnrl's networks step "
                "in discrete time; pass dt_ms, the step the graph was made for"
            )
        return float(dt_ms)
    stored_ms = float(stored) / SECONDS_PER_MS
    if dt_ms is not None and not math.isclose(stored_ms, dt_ms):
        raise ValueError(f"dt_ms={dt_ms} disagrees with the graph's metadata dt = {float(stored)} s")
    return stored_ms


def _scale(graph: nir.NIRGraph, name: str, size: int) -> float:
    if name not in graph.nodes:
        return 1.0
    scale = np.asarray(graph.nodes[name].scale)
    if scale.shape != (size,):
        raise ValueError(f"node {name!r} must scale {size} values, got shape {scale.shape}")
    return uniform(scale, "scale", name)


def _projection(graph: nir.NIRGraph, name: str, shape: tuple[int | None, int | None]) -> tuple[np.ndarray, float]:
    """(weight, constant bias) of a Linear or Affine node; ValueError for another shape or a bias that differs
    between neurons."""
    node = graph.nodes[name]
    weight = finite(node.weight, "weight", name)
    if weight.ndim != 2 or any(s is not None and s != w for s, w in zip(shape, weight.shape, strict=True)):
        raise ValueError(
            f"node {name!r} must have a weight of shape {tuple('any' if s is None else s for s in shape)}, "
            f"got {weight.shape}"
        )
    bias = uniform(node.bias, "bias", name) if isinstance(node, nir.Affine) else 0.0
    return weight, bias


def agent_from_nir(
    graph: nir.NIRGraph, base: AgentConfig = AgentConfig(), dt_ms: float | None = None
) -> tuple[AgentConfig, Agent]:
    """(config, agent) from a graph of the form of ``agent_to_nir``; dt_ms: the step when the graph's
    metadata has none."""
    optional = {"beta": nir.Scale} if "beta" in graph.nodes else {}
    tail = [("readout", "beta"), ("beta", "output")] if optional else [("readout", "output")]
    nodes = {
        "input": nir.Input,
        "w_in": PROJECTION,
        "recurrent": nir.NIRGraph,
        "readout_filter": nir.LI,
        "readout": nir.Linear,
        "output": nir.Output,
        **optional,
    }
    check_form(
        graph,
        nodes,
        {
            ("input", "w_in"),
            ("w_in", "recurrent"),
            ("recurrent", "readout_filter"),
            ("readout_filter", "readout"),
            *tail,
        },
        "the agent graph",
    )
    lif, w_rec = read_recurrent_subgraph(graph.nodes["recurrent"], "recurrent", _dt_ms(graph, dt_ms), base.lif)
    n = lif.n_neurons
    w_in, bias = _projection(graph, "w_in", (n, None))
    readout, _ = _projection(graph, "readout", (None, n))
    config = base.replace(
        lif=lif.replace(
            tau_readout=read_filter_tau_ms(graph.nodes["readout_filter"], "readout_filter"), v_rest=lif.v_rest + bias
        ),
        n_inputs=w_in.shape[1],
        n_actions=readout.shape[0],
        beta=_scale(graph, "beta", readout.shape[0]),
    )
    return config, Agent(
        w_in=jnp.asarray(w_in), weights=AgentWeights(w_rec=jnp.asarray(w_rec), readout=jnp.asarray(readout))
    )


def world_model_from_nir(
    graph: nir.NIRGraph, base: WorldModelConfig = WorldModelConfig(), dt_ms: float | None = None
) -> tuple[WorldModelConfig, WorldModel]:
    """(config, model) from a graph of the form of ``world_model_to_nir``; dt_ms: the step when the graph's
    metadata has none."""
    scaled = "action_scale" in graph.nodes
    action_path = (
        [("action", "action_scale"), ("action_scale", "w_in_action")] if scaled else [("action", "w_in_action")]
    )
    nodes = {
        "observation": nir.Input,
        "action": nir.Input,
        "w_in_state": PROJECTION,
        "w_in_action": PROJECTION,
        "recurrent": nir.NIRGraph,
        "readout_filter": nir.LI,
        "readout_state": nir.Linear,
        "readout_reward": nir.Linear,
        "delta": nir.Output,
        "reward": nir.Output,
        **({"action_scale": nir.Scale} if scaled else {}),
    }
    check_form(
        graph,
        nodes,
        {
            ("observation", "w_in_state"),
            *action_path,
            ("w_in_state", "recurrent"),
            ("w_in_action", "recurrent"),
            ("recurrent", "readout_filter"),
            ("readout_filter", "readout_state"),
            ("readout_filter", "readout_reward"),
            ("readout_state", "delta"),
            ("readout_reward", "reward"),
        },
        "the world-model graph",
    )
    lif, w_rec = read_recurrent_subgraph(graph.nodes["recurrent"], "recurrent", _dt_ms(graph, dt_ms), base.lif)
    n = lif.n_neurons
    w_in_state, state_bias = _projection(graph, "w_in_state", (n, None))
    w_in_action, action_bias = _projection(graph, "w_in_action", (n, None))
    readout_state, _ = _projection(graph, "readout_state", (None, n))
    readout_reward, _ = _projection(graph, "readout_reward", (1, n))
    config = base.replace(
        lif=lif.replace(
            tau_readout=read_filter_tau_ms(graph.nodes["readout_filter"], "readout_filter"),
            v_rest=lif.v_rest + state_bias + action_bias,
        ),
        n_state=w_in_state.shape[1],
        n_actions=w_in_action.shape[1],
        action_scale=_scale(graph, "action_scale", w_in_action.shape[1]),
        target_units=str((graph.metadata or {}).get("target_units", base.target_units)),
    )
    weights = WorldModelWeights(
        w_rec=jnp.asarray(w_rec), readout_state=jnp.asarray(readout_state), readout_reward=jnp.asarray(readout_reward)
    )
    return config, WorldModel(w_in_state=jnp.asarray(w_in_state), w_in_action=jnp.asarray(w_in_action), weights=weights)
