"""Experiment configuration (what to run, how many, where) and the named presets."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from snnrl.algorithms.config import DreamingConfig
from snnrl.core.checks import check_instance, check_integer, check_real
from snnrl.core.lif_config import LIFConfig
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec
from snnrl.models.agent import AgentConfig
from snnrl.models.world_model import WorldModelConfig
from snnrl.core.population import PopulationCodeConfig
from snnrl.models.neuromorphic import FixedHiddenLayerConfig, NeuromorphicAgentConfig, NeuromorphicWorldModelConfig


INT32_MAX = 2**31 - 1
SEED_MAX = 2**32 - 1


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole run: the algorithm, the environment, the number of games and realizations, the seed.

    chunk_games: games per compiled chunk (the host acts only between chunks: progress, checkpoints).
    noop_warmup / sticky_prob: the Pong protocol (NOOP agent steps inside the environment's reset, before
    the algorithm's own model warm-up; sticky-action probability: 0.25, as every ``-v0`` id the official
    codes play).
    """

    algorithm: DreamingConfig = field(default_factory=DreamingConfig)
    env: str = "pong"
    games: int = 2000
    realizations: int = 10
    seed: int = 0
    chunk_games: int = 50
    noop_warmup: int = 1
    sticky_prob: float = 0.25
    preset: str = "official"

    def __post_init__(self) -> None:
        check_instance("ExperimentConfig", "algorithm", self.algorithm, DreamingConfig)
        if not isinstance(self.env, str) or not self.env:
            raise ValueError(f"ExperimentConfig.env must be an environment name (see `snnrl list`), got {self.env!r}")
        check_instance("ExperimentConfig", "preset", self.preset, str)
        # Game indices and realization counts are int32 in JAX (and 2**31 - 1 tags the initial weights);
        # jax.random.key folds seeds modulo 2**32, so larger seeds would repeat smaller ones.
        check_integer("ExperimentConfig", "games", self.games, minimum=1, maximum=INT32_MAX)
        check_integer("ExperimentConfig", "realizations", self.realizations, minimum=1, maximum=INT32_MAX)
        check_integer("ExperimentConfig", "seed", self.seed, minimum=0, maximum=SEED_MAX)
        check_integer("ExperimentConfig", "noop_warmup", self.noop_warmup, minimum=0)
        check_real("ExperimentConfig", "sticky_prob", self.sticky_prob, minimum=0.0, below=1.0)
        check_integer("ExperimentConfig", "chunk_games", self.chunk_games, minimum=1)

    def replace(self, **changes) -> "ExperimentConfig":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of every field (what config.json holds); networks carry a "kind" tag."""
        data = dataclasses.asdict(self)
        for role in ("agent", "world_model"):
            neuromorphic = isinstance(getattr(self.algorithm, role), (NeuromorphicAgentConfig, NeuromorphicWorldModelConfig))
            data["algorithm"][role]["kind"] = "neuromorphic" if neuromorphic else "recurrent"
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ExperimentConfig":
        """Inverse of to_dict."""
        def lif(d):
            return LIFConfig(**{**d, "pseudo_derivative": PseudoDerivativeSpec(**d["pseudo_derivative"])})

        def hidden(d):
            return FixedHiddenLayerConfig(**{**d, "encoder": PopulationCodeConfig(**d["encoder"])})

        def network(d, recurrent, neuromorphic):
            d = dict(d)
            if d.pop("kind") == "neuromorphic":
                return neuromorphic(**{**d, "hidden": hidden(d["hidden"])})
            return recurrent(**{**d, "lif": lif(d["lif"])})

        algorithm = dict(data["algorithm"])
        algorithm["agent"] = network(algorithm["agent"], AgentConfig, NeuromorphicAgentConfig)
        algorithm["world_model"] = network(algorithm["world_model"], WorldModelConfig, NeuromorphicWorldModelConfig)
        return cls(**{**data, "algorithm": DreamingConfig(**algorithm)})

    def to_json(self) -> str:
        """config.json text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _official() -> ExperimentConfig:
    """DESIGN 1c, items 1-10: the dreaming code (cristianocapone/biodreaming 8809304) step by step."""
    return ExperimentConfig(preset="official")


def _paper() -> ExperimentConfig:
    """The values written in the dreaming paper's text on top of the official code's algorithm."""
    lif = LIFConfig(v_rest=-4.0, w_res=-20.0, w_in_std=math.sqrt(5.0))
    agent = AgentConfig(lif=lif.replace(tau_readout=1.0), trace_decay=0.99, learning_rate=1e-3)
    model = WorldModelConfig(
        lif=lif.replace(tau_readout=2.0), cost_state=1.0, cost_reward=0.1, recurrent_reward_weight=1.0,
        lr_recurrent=1e-3, lr_state=1e-3, lr_reward=1e-3,
    )
    algorithm = DreamingConfig(agent=agent, world_model=model, model_update="game", dream_start="random")
    return ExperimentConfig(algorithm=algorithm, preset="paper")


def _demo() -> ExperimentConfig:
    """A few minutes per arm on 2 CPU cores: the official algorithm at N = 200, 600 games, 4
    realizations, agent learning from game 21."""
    agent = AgentConfig(lif=LIFConfig(n_neurons=200, tau_readout=1.0))
    model = WorldModelConfig(lif=LIFConfig(n_neurons=200, tau_readout=2.0))
    algorithm = DreamingConfig(agent=agent, world_model=model, agent_learning_start=21)
    return ExperimentConfig(algorithm=algorithm, games=600, realizations=4, chunk_games=50, preset="demo")


def _neuromorphic() -> ExperimentConfig:
    """DESIGN 1b/1c: the neuromorphic code (blakeyy/neuromorphic_dreaming) on the simulated DYNAP-SE
    (510 hidden neurons each, 20 % mismatch): 1 + 17 NOOPs and no model warm-up, sticky actions 0.25,
    agent updates from game 0 with its trace reset after every update, one agent learning rate per run
    (0.004, 0.002 in runs that dream), a baseline without a world model."""
    algorithm = DreamingConfig(
        agent=NeuromorphicAgentConfig(), world_model=NeuromorphicWorldModelConfig(),
        awake_updates_from_game=0, model_warmup_steps=0, baseline_runs_model=False, dream_model_warmup=False,
        dream_eligibility_reset=False, dream_continues_policy_trace=False,
    )
    return ExperimentConfig(algorithm=algorithm, noop_warmup=18, preset="neuromorphic")


PRESETS: dict[str, tuple[Callable[[], ExperimentConfig], str]] = {
    "official": (_official, "the official dreaming code step by step (DESIGN 1c; N=500, 2000 games, 10 realizations)"),
    "paper": (_paper, "values of the dreaming paper's text (w_res -20, v_rest -4, gamma 0.99, per-game model update, random dream start)"),
    "neuromorphic": (_neuromorphic, "the neuromorphic code step by step (DESIGN 1c): readout-only networks on the simulated DYNAP-SE (510 neurons, 20 % mismatch)"),
    "demo": (_demo, "the official algorithm small enough for a laptop: N=200, 600 games, 4 realizations"),
}


def preset(name: str) -> ExperimentConfig:
    """The named preset; an unknown name lists the valid ones."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(sorted(PRESETS))}")
    return PRESETS[name][0]()
