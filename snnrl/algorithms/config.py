"""Configuration of the model-based experiment (awake + dream / plan / none)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from snnrl.models.agent import AgentConfig
from snnrl.models.world_model import WorldModelConfig

MODES = ("dream", "plan", "none")
MODEL_UPDATES = ("step", "game")
DREAM_STARTS = ("reset", "random")


@dataclass(frozen=True)
class DreamingConfig:
    """The algorithm of DESIGN 1a. Defaults follow the official code.

    mode: 'dream' (awake then a dream each game), 'plan' (look-aheads of n_fut steps every 2 n_fut real
    steps), 'none' (baseline: no model use). awake_steps: T real agent steps per game. dream_steps:
    length of a dream. agent_learning_start: first game (0-based) at which the agent learns.
    agent_learns_awake: False = the Fig 2D ablation (policy learning only in dreams / plans).
    model_learning_stop: stop world-model learning after this many real interactions (Fig 2E; None:
    never). model_update: 'step' = an optimizer step every environment step (official code), 'game' =
    once per game (the paper's Algorithm 1). dream_start: 'reset' = the real post-reset observation
    (official code), 'random' = uniform random observation in [0, 1] (paper text). dream_lr_scale:
    factor on the agent's learning rate for updates from simulated experience.
    """

    agent: AgentConfig = field(default_factory=AgentConfig)
    world_model: WorldModelConfig = field(default_factory=WorldModelConfig)
    mode: str = "dream"
    awake_steps: int = 100
    dream_steps: int = 50
    n_fut: int = 4
    agent_learning_start: int = 50
    agent_learns_awake: bool = True
    model_learning_stop: int | None = None
    model_update: str = "step"
    dream_start: str = "reset"
    dream_lr_scale: float = 1.0

    def __post_init__(self) -> None:
        for name, allowed in (("mode", MODES), ("model_update", MODEL_UPDATES), ("dream_start", DREAM_STARTS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"DreamingConfig.{name}={getattr(self, name)!r} is not allowed; allowed: {list(allowed)}")
        for name in ("awake_steps", "dream_steps", "n_fut"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"DreamingConfig.{name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.agent_learning_start, int) or self.agent_learning_start < 0:
            raise ValueError(f"DreamingConfig.agent_learning_start must be an integer >= 0, got {self.agent_learning_start!r}")
        if self.model_learning_stop is not None and self.model_learning_stop < 0:
            raise ValueError(f"DreamingConfig.model_learning_stop must be >= 0 or None, got {self.model_learning_stop!r}")
        if not self.dream_lr_scale > 0:
            raise ValueError(f"DreamingConfig.dream_lr_scale must be > 0, got {self.dream_lr_scale!r}")
        if self.agent.n_actions != self.world_model.n_actions or self.agent.n_inputs != self.world_model.n_state:
            raise ValueError(
                "agent and world model disagree: agent (n_inputs, n_actions) = "
                f"({self.agent.n_inputs}, {self.agent.n_actions}), world model (n_state, n_actions) = "
                f"({self.world_model.n_state}, {self.world_model.n_actions})"
            )

    def replace(self, **changes) -> "DreamingConfig":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)
