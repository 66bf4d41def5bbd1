"""The network interface the algorithms call, declared once.

Every agent (recurrent e-prop ``AgentConfig``, readout-only ``NeuromorphicAgentConfig``) is an
``AgentNetwork``; every world model (``WorldModelConfig``, ``NeuromorphicWorldModelConfig``) is a
``WorldModelNetwork``. The config object *is* the network's description: its methods are pure
functions of the config and the pytrees they are given (parameters, state, inputs), so they jit and
vmap. A new network joins the awake / dream / plan loop by implementing one of these protocols; see
docs/science.md ("LIF network", "e-prop") for the networks that implement them today.

Shapes below: D observed variables (``n_inputs`` / ``n_state``), A actions, T steps of a game.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import jax
import optax

from snnrl.models.agent import AgentStep
from snnrl.models.world_model import WorldModelStep


@runtime_checkable
class Network(Protocol):
    """What every network shares: fresh parameters and a fresh state at a game start."""

    def init(self, key: jax.Array, hidden: Any = None) -> Any:
        """Fresh parameters of one realization (a pytree with a ``weights`` field holding the learnable
        part). ``hidden``: fixed hidden-layer parameters for readout-only networks (None otherwise)."""
        ...

    def initial_state(self, key: jax.Array) -> Any:
        """The network's state at a game start (pytree)."""
        ...


@runtime_checkable
class AgentNetwork(Network, Protocol):
    """A policy network that learns by policy gradient from the rewards of a game."""

    @property
    def n_inputs(self) -> int:
        """D: observed variables per step."""
        ...

    @property
    def n_actions(self) -> int:
        """A: number of actions."""
        ...

    @property
    def trace_decay(self) -> float:
        """Discount (gamma) of the policy trace."""
        ...

    def step(self, agent: Any, state: Any, observation: jax.Array, key: jax.Array) -> tuple[Any, AgentStep]:
        """observation (D,) -> (new state, AgentStep: action (), probabilities (A,), network output)."""
        ...

    def gradients(
        self, agent: Any, network: Any, actions: jax.Array, probabilities: jax.Array, rewards: jax.Array
    ) -> Any:
        """Gradients of -J over a game, shaped like ``agent.weights``. network: the step outputs stacked
        over time (fields (T, ...)); actions (T,); probabilities (T, A); rewards (T,)."""
        ...

    def optimizer(self, dreaming: bool = False, learning_rate_scale: float = 1.0) -> optax.GradientTransformation:
        """The optimizer of ``agent.weights``; ``dreaming``: the run dreams; ``learning_rate_scale``
        multiplies the learning rate (updates from simulated experience)."""
        ...


@runtime_checkable
class WorldModelNetwork(Network, Protocol):
    """A network that predicts the change of the observation and the reward from (observation, action)."""

    @property
    def n_state(self) -> int:
        """D: predicted variables."""
        ...

    @property
    def n_actions(self) -> int:
        """A: number of actions (one-hot input)."""
        ...

    @property
    def reward_decay(self) -> float:
        """The reward target is r_learn <- reward_decay * r_learn + r."""
        ...

    @property
    def units_per_observation(self) -> float:
        """Target units per observation unit (255 for raw RAM bytes)."""
        ...

    def step(self, model: Any, state: Any, observation: jax.Array, action: jax.Array) -> tuple[Any, WorldModelStep]:
        """observation (D,), action () int -> (new state, WorldModelStep: delta (D,), reward (), network output)."""
        ...

    def step_gradients(
        self,
        model: Any,
        trace: Any,
        step: WorldModelStep,
        delta_target_value: jax.Array,
        reward_target: jax.Array,
        reward_event: jax.Array | bool = False,
    ) -> tuple[Any, Any]:
        """Online learning for one step: (new trace, gradients shaped like ``model.weights``).
        delta_target_value (D,) in target units; reward_target (); reward_event () bool: the raw reward is
        nonzero (its reward error weighs the config's reward_event_weight)."""
        ...

    def episode_gradients(self, model: Any, network: Any, error: jax.Array) -> Any:
        """Gradients over a game with the readouts fixed. network fields (T, ...); error (T, D + 1) (weighted
        by ``weigh_reward_error`` where the caller weighs point events)."""
        ...

    def weigh_reward_error(self, error: jax.Array, events: jax.Array | bool) -> jax.Array:
        """error (..., D + 1) with the reward column of point-event steps (``events`` (...)) weighted."""
        ...

    def trace_init(self) -> Any:
        """Zero online trace of ``step_gradients`` (None when the rule needs none)."""
        ...

    def optimizer(self) -> optax.GradientTransformation:
        """The optimizer of ``model.weights``."""
        ...
