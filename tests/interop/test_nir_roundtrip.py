"""NIR both ways for the recurrent e-prop networks: export, nir.write / nir.read, import, and the same
spikes and readouts on the same inputs; the exported parameters mean what docs/howto/nir.md says (an
independent NumPy simulator of the NIR graph reproduces snnrl's spikes); other graph forms are refused."""

from __future__ import annotations

import graphlib

import jax
import jax.numpy as jnp
import nir
import numpy as np
import pytest

from snnrl.core.lif_config import LIFConfig
from snnrl.hardware.chip.mapper import map_hidden_layer
from snnrl.hardware.lif import init_lif_state, lif_agent_step
from snnrl.hardware.simulated_chip import make_simulated_chip
from snnrl.interop import agent_from_nir, agent_to_nir, world_model_from_nir, world_model_to_nir
from snnrl.interop.hidden_export import hidden_layer_to_nir, save_nir
from snnrl.interop.hidden_import import hidden_layer_from_nir
from snnrl.models.agent import AgentConfig, init_agent
from snnrl.models.world_model import WorldModelConfig, init_world_model

N, T = 24, 60


def agent_case():
    config = AgentConfig(
        lif=LIFConfig(n_neurons=N, tau_m=5.0, tau_s=3.0, tau_readout=2.0, v_rest=-4.0, w_res=-20.0, v_init=-2.0),
        beta=3.0,
    )
    agent = init_agent(jax.random.key(1), config)
    return config, agent.replace(weights=agent.weights.replace(readout=agent.weights.readout * 5.0))


def model_case():
    config = WorldModelConfig(lif=LIFConfig(n_neurons=N, tau_readout=2.0), action_scale=4.0, target_units="observation")
    model = init_world_model(jax.random.key(2), config)
    readouts = jax.random.normal(jax.random.key(3), (5, N))
    return config, model.replace(weights=model.weights.replace(readout_state=readouts[:4], readout_reward=readouts[4:]))


def through_file(graph: nir.NIRGraph, tmp_path) -> nir.NIRGraph:
    save_nir(graph, tmp_path / "net.nir")
    return nir.read(tmp_path / "net.nir")


def run_agent(config, agent, observations):
    """Outputs of agent steps over observations (T, D), stacked (T, ...)."""

    def step(state, inputs):
        return config.step(agent, state, *inputs)

    keys = jax.random.split(jax.random.key(100), len(observations))
    return jax.tree.map(
        np.asarray, jax.lax.scan(step, config.initial_state(jax.random.key(0)), (observations, keys))[1]
    )


def run_model(config, model, observations, actions):
    """Outputs of world-model steps over observations (T, D) and actions (T,), stacked (T, ...)."""

    def step(state, inputs):
        return config.step(model, state, *inputs)

    return jax.tree.map(
        np.asarray, jax.lax.scan(step, config.initial_state(jax.random.key(0)), (observations, actions))[1]
    )


def observations(d: int = 4) -> jax.Array:
    return jax.random.uniform(jax.random.key(7), (T, d))


def test_agent_round_trip_gives_the_same_spikes_and_policy(tmp_path):
    config, agent = agent_case()
    imported_config, imported = agent_from_nir(through_file(agent_to_nir(config, agent), tmp_path))
    assert imported_config == config  # network fields from the graph, learning fields from the default base
    for a, b in zip(jax.tree.leaves(imported), jax.tree.leaves(agent), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    original, again = run_agent(config, agent, observations()), run_agent(imported_config, imported, observations())
    assert original.network.spikes.sum() > T  # the network is active
    for field in ("action", "probabilities"):
        np.testing.assert_array_equal(getattr(again, field), getattr(original, field))
    for field in ("spikes", "readout_trace", "v"):
        np.testing.assert_array_equal(getattr(again.network, field), getattr(original.network, field))


def test_world_model_round_trip_gives_the_same_spikes_and_predictions(tmp_path):
    config, model = model_case()
    imported_config, imported = world_model_from_nir(through_file(world_model_to_nir(config, model), tmp_path))
    assert imported_config == config
    actions = jax.random.randint(jax.random.key(8), (T,), 0, 3)
    original, again = (
        run_model(config, model, observations(), actions),
        run_model(imported_config, imported, observations(), actions),
    )
    assert original.network.spikes.sum() > T
    for field in ("delta", "reward"):
        np.testing.assert_array_equal(getattr(again, field), getattr(original, field))
    np.testing.assert_array_equal(again.network.spikes, original.network.spikes)


def simulate_nir(graph: nir.NIRGraph, inputs: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """An independent reading of the graph (docs/howto/nir.md): every node is stepped once per dt with its
    input held over the step (exact exponential integration), the recurrent loop delays by one step, LIF
    neurons reset by subtracting -w_res / a_m. Returns the outputs (T, ...) and the spikes (T, N)."""
    dt = float(graph.metadata["dt"])
    sub = graph.nodes["recurrent"]
    lif, synapse, w_rec = sub.nodes["lif"], sub.nodes["synapse"], np.asarray(sub.nodes["w_rec"].weight, np.float64)
    a_m = np.exp(-dt / lif.tau)
    decay = {name: np.exp(-dt / node.tau) for name, node in graph.nodes.items() if isinstance(node, nir.LI)}
    order = list(
        graphlib.TopologicalSorter(
            {b: set() for b in graph.nodes} | {b: {a for a, c in graph.edges if c == b} for _, b in graph.edges}
        ).static_order()
    )
    v = np.full(a_m.shape, float(lif.metadata["v_init"]))
    filtered = {name: np.zeros(a_m.shape) for name in decay}
    s_hat = np.zeros(a_m.shape)
    outputs, spikes = {name: [] for name in graph.outputs}, []
    for t in range(len(next(iter(inputs.values())))):
        values: dict[str, np.ndarray] = {}
        for name in order:
            node = graph.nodes[name]
            if isinstance(node, nir.Input):
                values[name] = np.asarray(inputs[name][t], np.float64)
                continue
            x = sum(values[a] for a, b in graph.edges if b == name)
            if isinstance(node, nir.Linear):
                values[name] = np.asarray(node.weight, np.float64) @ x
            elif isinstance(node, nir.Scale):
                values[name] = node.scale * x
            elif isinstance(node, nir.LI):
                filtered[name] = decay[name] * filtered[name] + (1 - decay[name]) * (node.v_leak + node.r * x)
                values[name] = filtered[name]
            elif isinstance(node, nir.NIRGraph):  # the recurrent population
                v = a_m * v + (1 - a_m) * (lif.v_leak + lif.r * (x + w_rec @ s_hat))
                s = (v > lif.v_threshold).astype(np.float64)
                spikes.append(s)
                v = v - s * (-float(lif.metadata["w_res"]) / a_m)
                a_s = np.exp(-dt / synapse.tau)
                s_hat = a_s * s_hat + (1 - a_s) * (synapse.v_leak + synapse.r * s)
                values[name] = s
            else:  # Output
                values[name] = x
                outputs[name].append(x)
    return {k: np.stack(o) for k, o in outputs.items()}, np.stack(spikes)


def test_an_independent_nir_simulator_reproduces_snnrls_spikes(tmp_path):
    with jax.enable_x64(True):
        config, agent = agent_case()
        agent = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), agent)
        xs = jnp.asarray(observations(), jnp.float64)
        snnrl = run_agent(config, agent, xs)
        outputs, spikes = simulate_nir(through_file(agent_to_nir(config, agent), tmp_path), {"input": np.asarray(xs)})
        np.testing.assert_array_equal(spikes, snnrl.network.spikes)
        logits = config.beta * snnrl.network.readout_trace @ np.asarray(agent.weights.readout).T
        np.testing.assert_allclose(outputs["output"], logits, rtol=1e-9, atol=1e-9)

        config, model = model_case()
        model = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), model)
        actions = np.asarray(jax.random.randint(jax.random.key(8), (T,), 0, 3))
        snnrl = run_model(config, model, xs, actions)
        outputs, spikes = simulate_nir(
            through_file(world_model_to_nir(config, model), tmp_path),
            {"observation": np.asarray(xs), "action": np.eye(3)[actions]},
        )
        np.testing.assert_array_equal(spikes, snnrl.network.spikes)
        np.testing.assert_allclose(outputs["delta"], snnrl.delta, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(outputs["reward"][:, 0], snnrl.reward, rtol=1e-9, atol=1e-9)


def _with_node(graph: nir.NIRGraph, name: str, node, sub: bool = False) -> nir.NIRGraph:
    target = graph.nodes["recurrent"] if sub else graph
    nodes = dict(target.nodes) | {name: node}
    rebuilt = nir.NIRGraph(nodes=nodes, edges=list(target.edges), metadata=target.metadata, type_check=False)
    if not sub:
        return rebuilt
    return nir.NIRGraph(
        nodes=dict(graph.nodes) | {"recurrent": rebuilt},
        edges=list(graph.edges),
        metadata=graph.metadata,
        type_check=False,
    )


def test_graphs_of_another_form_are_refused_naming_the_node():
    config, agent = agent_case()
    graph = agent_to_nir(config, agent)
    lif = graph.nodes["recurrent"].nodes["lif"]
    cuba = nir.CubaLIF(tau_syn=lif.tau, tau_mem=lif.tau, r=lif.r, v_leak=lif.v_leak, v_threshold=lif.v_threshold)
    with pytest.raises(ValueError, match=r"node 'lif' of recurrent is a nir.CubaLIF; allowed here: nir.LIF"):
        agent_from_nir(_with_node(graph, "lif", cuba, sub=True))
    with pytest.raises(
        ValueError, match=r"node 'readout_filter' of the agent graph is a nir.Linear; allowed here: nir.LI"
    ):
        agent_from_nir(_with_node(graph, "readout_filter", nir.Linear(weight=np.eye(N))))
    with pytest.raises(
        ValueError, match=r"the world-model graph has node\(s\) \['beta', 'input', 'output', 'readout', 'w_in'\]"
    ):
        world_model_from_nir(graph)
    uneven = nir.LIF(
        tau=lif.tau * np.linspace(1, 2, N),
        r=lif.r,
        v_leak=lif.v_leak,
        v_threshold=lif.v_threshold,
        v_reset=lif.v_reset,
        metadata=lif.metadata,
    )
    with pytest.raises(ValueError, match=r"recurrent.lif.tau must be the same for every neuron"):
        agent_from_nir(_with_node(graph, "lif", uneven, sub=True))
    to_value = nir.LIF(
        tau=lif.tau, r=lif.r, v_leak=lif.v_leak, v_threshold=lif.v_threshold, v_reset=lif.v_threshold + 1
    )
    with pytest.raises(ValueError, match="is not below v_threshold"):
        agent_from_nir(_with_node(graph, "lif", to_value, sub=True))
    no_dt = nir.NIRGraph(nodes=graph.nodes, edges=graph.edges, metadata={})
    with pytest.raises(ValueError, match="no 'dt'"):
        agent_from_nir(no_dt)
    assert agent_from_nir(no_dt, dt_ms=1.0)[0] == config


def test_a_foreign_lif_resetting_to_a_value_and_an_affine_input_are_read_as_documented():
    config, agent = agent_case()
    graph = agent_to_nir(config, agent)
    lif = graph.nodes["recurrent"].nodes["lif"]
    plain = nir.LIF(tau=lif.tau, r=lif.r, v_leak=lif.v_leak, v_threshold=lif.v_threshold, v_reset=lif.v_reset)
    affine = nir.Affine(weight=graph.nodes["w_in"].weight, bias=np.full(N, 0.5))
    imported, _ = agent_from_nir(_with_node(_with_node(graph, "lif", plain, sub=True), "w_in", affine))
    assert imported.lif.w_res == pytest.approx(config.lif.w_res, rel=1e-12)  # read from v_reset without metadata
    assert imported.lif.v_rest == config.lif.v_rest + 0.5 and imported.lif.v_init == config.lif.v_rest + 0.0


def test_export_refuses_a_stack_of_realizations():
    config, agent = agent_case()
    stacked = jax.tree.map(lambda x: jnp.stack([x, x]), agent)
    with pytest.raises(
        ValueError, match=r"agent.w_in must have shape \(24, 4\), got \(2, 24, 4\) \(pass one realization"
    ):
        agent_to_nir(config, stacked)


def hidden_case(agent_spec):
    params = make_simulated_chip(map_hidden_layer(agent_spec), mismatch=0.2).init_params(jax.random.key(3))
    readout = np.random.default_rng(0).normal(0.0, 0.1, size=(3, agent_spec.n_hidden)).astype(np.float32)
    return params, readout


def run_hidden(params, readout, n_steps: int = 30):
    """Spike counts (steps, H) and readouts (steps, outputs) of the layer fed the same random input spikes."""
    spikes_in = jax.random.bernoulli(jax.random.key(9), 0.15, (n_steps, 10, params.weights.shape[0])).astype(
        jnp.float32
    )
    counts = np.asarray(
        jax.lax.scan(
            lambda state, step: lif_agent_step(params, state, step), init_lif_state(*params.weights.shape), spikes_in
        )[1]
    )
    return counts, counts @ readout.T


def test_hidden_layer_round_trip_gives_the_same_spikes_and_readouts(agent_spec, tmp_path):
    params, readout = hidden_case(agent_spec)
    graph = through_file(hidden_layer_to_nir(params, readout, neuron_model="cuba_lif"), tmp_path)
    imported, imported_readout = hidden_layer_from_nir(graph)
    for a, b in zip(jax.tree.leaves(imported), jax.tree.leaves(params), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    counts, readouts = run_hidden(params, readout)
    again_counts, again_readouts = run_hidden(imported, imported_readout)
    assert counts.sum() > 0
    np.testing.assert_array_equal(again_counts, counts)
    np.testing.assert_array_equal(again_readouts, readouts)


def test_hidden_layer_without_input_filter_is_a_plain_lif(agent_spec, tmp_path):
    params, readout = hidden_case(agent_spec)
    unfiltered = params.replace(input_decay=jnp.zeros_like(params.input_decay))
    imported, _ = hidden_layer_from_nir(
        through_file(hidden_layer_to_nir(unfiltered, readout, neuron_model="lif"), tmp_path)
    )
    for a, b in zip(jax.tree.leaves(imported), jax.tree.leaves(unfiltered), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_hidden_layer_graphs_of_another_form_are_refused(agent_spec):
    params, readout = hidden_case(agent_spec)
    graph = hidden_layer_to_nir(params, readout, neuron_model="cuba_lif")
    with pytest.raises(
        ValueError, match=r"node 'lif' of the hidden-layer graph is a nir.LI; allowed here: nir.LIF or nir.CubaLIF"
    ):
        hidden_layer_from_nir(_with_node(graph, "lif", nir.LI(tau=np.ones(510), r=np.ones(510), v_leak=np.zeros(510))))
    with pytest.raises(ValueError, match="the hidden-layer graph has no node 'linear'"):
        hidden_layer_from_nir(agent_to_nir(*agent_case()))
    cuba = graph.nodes["lif"]
    leaky = nir.CubaLIF(
        tau_syn=cuba.tau_syn,
        tau_mem=cuba.tau_mem,
        r=cuba.r,
        v_leak=np.full(510, -1.0),
        v_threshold=cuba.v_threshold,
        w_in=cuba.w_in,
    )
    with pytest.raises(ValueError, match="v_leak != 0; snnrl's hidden layer rests and resets at 0"):
        hidden_layer_from_nir(_with_node(graph, "lif", leaky))
