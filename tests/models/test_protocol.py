"""Every network config implements the declared interface the algorithms call (snnrl.models.protocol)."""

from __future__ import annotations

import inspect

import pytest

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.dream_options import DreamOptions
from snnrl.models.agent import AgentConfig
from snnrl.models.neuromorphic import NeuromorphicAgentConfig, NeuromorphicWorldModelConfig
from snnrl.models.protocol import AgentNetwork, Network, WorldModelNetwork
from snnrl.models.world_model import WorldModelConfig

# Typed: a static type checker (mypy, pyright) verifies here that each config class implements its protocol.
AGENTS: list[AgentNetwork] = [AgentConfig(), NeuromorphicAgentConfig()]
WORLD_MODELS: list[WorldModelNetwork] = [WorldModelConfig(), NeuromorphicWorldModelConfig()]


def _members(protocol: type) -> list[str]:
    names: set[str] = set()
    for cls in protocol.__mro__:
        if cls in (Network, AgentNetwork, WorldModelNetwork):
            names |= {n for n in vars(cls) if not n.startswith("_")}
    return sorted(names)


@pytest.mark.parametrize("config", AGENTS, ids=lambda c: type(c).__name__)
def test_every_agent_is_an_agent_network(config):
    assert isinstance(config, AgentNetwork) and isinstance(config, Network)
    _same_signatures(config, AgentNetwork)


@pytest.mark.parametrize("config", WORLD_MODELS, ids=lambda c: type(c).__name__)
def test_every_world_model_is_a_world_model_network(config):
    assert isinstance(config, WorldModelNetwork) and isinstance(config, Network)
    _same_signatures(config, WorldModelNetwork)


def _same_signatures(config, protocol: type) -> None:
    """Each method takes the protocol's parameters, by the protocol's names (the algorithms pass some
    by keyword), with the same defaults."""
    for name in _members(protocol):
        declared = inspect.getattr_static(protocol, name)
        if isinstance(declared, property):
            continue
        expected = inspect.signature(getattr(protocol, name))
        actual = inspect.signature(getattr(type(config), name))
        assert [(p.name, p.default is inspect.Parameter.empty) for p in actual.parameters.values()] == [
            (p.name, p.default is inspect.Parameter.empty) for p in expected.parameters.values()
        ], f"{type(config).__name__}.{name}{actual} does not match {protocol.__name__}.{name}{expected}"


def test_a_network_missing_a_method_is_not_one():
    class NoGradients:
        n_inputs, n_actions, trace_decay = 4, 3, 0.99

        def init(self, key, hidden=None): ...
        def initial_state(self, key): ...
        def step(self, agent, state, observation, key): ...
        def optimizer(self, dreaming=False, learning_rate_scale=1.0): ...

    assert isinstance(NoGradients(), Network)
    assert not isinstance(NoGradients(), AgentNetwork)
    assert not isinstance(AgentConfig(), WorldModelNetwork)  # an agent has no step_gradients


def test_the_algorithm_config_holds_networks_of_the_protocols():
    for algorithm in (
        DreamingConfig(),
        DreamingConfig(
            agent=NeuromorphicAgentConfig(),
            world_model=NeuromorphicWorldModelConfig(),
            dream=DreamOptions(eligibility_reset=False),
        ),
    ):
        assert isinstance(algorithm.agent, AgentNetwork) and isinstance(algorithm.world_model, WorldModelNetwork)


def uses_the_protocol(agent: AgentNetwork, model: WorldModelNetwork) -> tuple[int, int]:
    """A typed consumer of the protocols."""
    return agent.n_actions, model.n_state


def test_a_typed_consumer_accepts_every_config():
    for agent in AGENTS:
        for model in WORLD_MODELS:
            assert uses_the_protocol(agent, model) == (3, 4)
