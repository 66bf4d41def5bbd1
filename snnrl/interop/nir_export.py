"""Export the recurrent e-prop agent and world model to NIR (docs/howto/nir.md).

Agent:        input (D) -> w_in: Linear (N, D) -> recurrent (subgraph: LIF + LI + Linear W) ->
              readout_filter: LI -> readout: Linear (A, N) -> beta: Scale -> output (A): the logits
              beta R s_bar (the policy is their softmax, clipped above at logit_clip if set).
World model:  observation (D) -> w_in_state: Linear (N, D) --------------------------\\
              action (A, one-hot) -> action_scale: Scale -> w_in_action: Linear (N, A) -> recurrent ->
              readout_filter: LI -> readout_state: Linear (D, N) -> delta (D, target units)
                                 \\-> readout_reward: Linear (1, N) -> reward (1)
The graph's metadata holds dt (seconds) and which network it is. One realization per graph.
"""

from __future__ import annotations

import nir
import numpy as np

from snnrl.interop.nir_lif import SECONDS_PER_MS, leaky_filter, recurrent_subgraph
from snnrl.models.agent import Agent, AgentConfig
from snnrl.models.world_model import WorldModel, WorldModelConfig


def _array(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(value)
    if array.shape != shape:
        hint = (
            " (pass one realization, e.g. jax.tree.map(lambda x: x[r], learners.agent))"
            if array.ndim == len(shape) + 1
            else ""
        )
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}{hint}")
    return array


def agent_to_nir(config: AgentConfig, agent: Agent) -> nir.NIRGraph:
    """NIR graph of one agent realization (w_in (N, D), w_rec (N, N), readout (A, N)); output: the logits."""
    n, d, a = config.lif.n_neurons, config.n_inputs, config.n_actions
    nodes = {
        "input": nir.Input(input_type=np.array([d])),
        "w_in": nir.Linear(weight=_array("agent.w_in", agent.w_in, (n, d))),
        "recurrent": recurrent_subgraph(config.lif, _array("agent.weights.w_rec", agent.weights.w_rec, (n, n))),
        "readout_filter": leaky_filter(n, config.lif.tau_readout),
        "readout": nir.Linear(weight=_array("agent.weights.readout", agent.weights.readout, (a, n))),
        "beta": nir.Scale(scale=np.full((a,), float(config.beta))),
        "output": nir.Output(output_type=np.array([a])),
    }
    edges = [
        ("input", "w_in"),
        ("w_in", "recurrent"),
        ("recurrent", "readout_filter"),
        ("readout_filter", "readout"),
        ("readout", "beta"),
        ("beta", "output"),
    ]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": config.lif.dt * SECONDS_PER_MS, "network": "agent"})


def world_model_to_nir(config: WorldModelConfig, model: WorldModel) -> nir.NIRGraph:
    """NIR graph of one world-model realization; outputs 'delta' (D, the model's target units) and 'reward' (1)."""
    n, d, a = config.lif.n_neurons, config.n_state, config.n_actions
    nodes = {
        "observation": nir.Input(input_type=np.array([d])),
        "action": nir.Input(input_type=np.array([a])),
        "w_in_state": nir.Linear(weight=_array("model.w_in_state", model.w_in_state, (n, d))),
        "action_scale": nir.Scale(scale=np.full((a,), float(config.action_scale))),
        "w_in_action": nir.Linear(weight=_array("model.w_in_action", model.w_in_action, (n, a))),
        "recurrent": recurrent_subgraph(config.lif, _array("model.weights.w_rec", model.weights.w_rec, (n, n))),
        "readout_filter": leaky_filter(n, config.lif.tau_readout),
        "readout_state": nir.Linear(weight=_array("model.weights.readout_state", model.weights.readout_state, (d, n))),
        "readout_reward": nir.Linear(
            weight=_array("model.weights.readout_reward", model.weights.readout_reward, (1, n))
        ),
        "delta": nir.Output(output_type=np.array([d])),
        "reward": nir.Output(output_type=np.array([1])),
    }
    edges = [
        ("observation", "w_in_state"),
        ("action", "action_scale"),
        ("action_scale", "w_in_action"),
        ("w_in_state", "recurrent"),
        ("w_in_action", "recurrent"),
        ("recurrent", "readout_filter"),
        ("readout_filter", "readout_state"),
        ("readout_filter", "readout_reward"),
        ("readout_state", "delta"),
        ("readout_reward", "reward"),
    ]
    metadata = {"dt": config.lif.dt * SECONDS_PER_MS, "network": "world_model", "target_units": config.target_units}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)
