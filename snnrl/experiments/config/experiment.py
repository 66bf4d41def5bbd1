"""Experiment configuration (what to run, how many, where) and the named presets."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import dacite

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.dream_options import DreamOptions
from snnrl.core.checks import check_flag, check_instance, check_integer, check_real
from snnrl.core.lif_config import LIFConfig
from snnrl.envs import frame_environments
from snnrl.experiments.config.files import ConfigError, build_dataclass, dacite_config
from snnrl.experiments.config.legacy import upgrade_tree
from snnrl.experiments.config.sweep_axes import SweepAxis, check_sweep, grid_size
from snnrl.models.agent import AgentConfig
from snnrl.models.neuromorphic import NeuromorphicAgentConfig, NeuromorphicWorldModelConfig
from snnrl.models.world_model import WorldModelConfig
from snnrl.observations import ObservationConfig

INT32_MAX = 2**31 - 1
SEED_MAX = 2**32 - 1

# The classes each network of DreamingConfig may be, by the "kind" tag of config.json.
NETWORK_KINDS: dict[str, dict[str, type]] = {
    "agent": {"recurrent": AgentConfig, "neuromorphic": NeuromorphicAgentConfig},
    "world_model": {"recurrent": WorldModelConfig, "neuromorphic": NeuromorphicWorldModelConfig},
}
ANNOTATED_AS = {"agent": "AgentConfig", "world_model": "WorldModelConfig"}  # DreamingConfig's annotations


def network_kind(network: Any) -> str:
    """'recurrent' or 'neuromorphic': the kind tag of an agent or world-model config."""
    return (
        "neuromorphic" if isinstance(network, (NeuromorphicAgentConfig, NeuromorphicWorldModelConfig)) else "recurrent"
    )


@cache
def _dacite_config() -> dacite.Config:
    """dacite settings for ExperimentConfig: DreamingConfig's agent / world_model annotations read as the
    union of their kinds, each built as the class its "kind" tag names."""
    unions = {role: typing_union(kinds.values()) for role, kinds in NETWORK_KINDS.items()}
    config = dacite_config(forward_references={ANNOTATED_AS[role]: union for role, union in unions.items()})

    def by_kind(role: str):
        def build(data: Any) -> Any:
            if not isinstance(data, dict):
                return data
            data = dict(data)
            kind = data.pop("kind", "recurrent")
            if kind not in NETWORK_KINDS[role]:
                raise ConfigError(
                    f"algorithm.{role}.kind={kind!r} is not allowed; allowed: {sorted(NETWORK_KINDS[role])}"
                )
            return dacite.from_dict(NETWORK_KINDS[role][kind], data, config)

        return build

    config.type_hooks.update({unions[role]: by_kind(role) for role in NETWORK_KINDS})
    return config


def typing_union(types) -> Any:
    """``A | B | ...`` of the given classes."""
    types = list(types)
    union = types[0]
    for other in types[1:]:
        union = union | other
    return union


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole run: the algorithm, the environment, the number of games and realizations, the seed.

    chunk_games: games per compiled chunk (the host acts only between chunks: progress, checkpoints).
    noop_warmup / sticky_prob: the Pong protocol (NOOP agent steps inside the environment's reset, before
    the algorithm's own model warm-up; sticky-action probability: 0.25, as every ``-v0`` id the official
    codes play). member_batch: how many members (grid points x realizations) a compiled chunk computes side
    by side (None: all, one vmap); the others follow in sequence inside the same program (``jax.lax.map``):
    one compilation still, a working set that stays in a CPU's caches (a sweep's grid on CPU cores: one grid
    point at a time, member_batch = realizations; benchmarks/RESULTS.md "Sweep speed"). The numbers do not
    change; JAX environments on one device only. episode_reset: whether a game resets the environment when
    an episode ends (terminated or truncated), so that a game of ``awake_steps`` steps spans episodes; None:
    the environment's declared default (``episodic`` in snnrl.envs.REGISTRY: on for gymnax, off for JAX
    Pong and ALE, whose games keep the papers' protocol). JAX environments only.
    """

    algorithm: DreamingConfig = field(default_factory=DreamingConfig)
    env: str = "pong"
    games: int = 2000
    realizations: int = 10
    seed: int = 0
    chunk_games: int = 50
    member_batch: int | None = None
    noop_warmup: int = 1
    sticky_prob: float = 0.25
    preset: str = "official"
    sweep: tuple[SweepAxis, ...] = ()
    observation: ObservationConfig = field(default_factory=ObservationConfig)
    episode_reset: bool | None = None

    def __post_init__(self) -> None:
        check_instance("ExperimentConfig", "algorithm", self.algorithm, DreamingConfig)
        check_instance("ExperimentConfig", "observation", self.observation, ObservationConfig)
        if not isinstance(self.sweep, tuple) or not all(isinstance(axis, SweepAxis) for axis in self.sweep):
            raise ValueError(f"ExperimentConfig.sweep must be a tuple of SweepAxis, got {self.sweep!r}")
        if not isinstance(self.env, str) or not self.env:
            raise ValueError(f"ExperimentConfig.env must be an environment name (see `snnrl list`), got {self.env!r}")
        check_instance("ExperimentConfig", "preset", self.preset, str)
        # Game indices and realization counts are int32 in JAX (and 2**31 - 1 tags the initial weights);
        # jax.random.key folds seeds modulo 2**32, so larger seeds would repeat smaller ones.
        # 2**31 - 2 tags each realization's observation sensor (observations.sensor_key): games stay below.
        check_integer("ExperimentConfig", "games", self.games, minimum=1, maximum=INT32_MAX - 2)
        check_integer("ExperimentConfig", "realizations", self.realizations, minimum=1, maximum=INT32_MAX)
        if self.members > INT32_MAX:
            raise ValueError(
                f"ExperimentConfig: {self.grid_points} grid points x {self.realizations} realizations = "
                f"{self.members} members, more than {INT32_MAX}"
            )
        check_integer("ExperimentConfig", "seed", self.seed, minimum=0, maximum=SEED_MAX)
        check_integer("ExperimentConfig", "noop_warmup", self.noop_warmup, minimum=0)
        check_real("ExperimentConfig", "sticky_prob", self.sticky_prob, minimum=0.0, below=1.0)
        check_integer("ExperimentConfig", "chunk_games", self.chunk_games, minimum=1)
        if self.episode_reset is not None:
            check_flag("ExperimentConfig", "episode_reset", self.episode_reset)
        check_integer("ExperimentConfig", "member_batch", self.member_batch, minimum=1, optional=True)
        check_sweep(self.algorithm, self.sweep)
        self._check_observation()
        kept = self.algorithm.world_model_replay.games
        if kept > self.games:
            raise ValueError(
                f"algorithm.world_model_replay.games={kept} keeps more games than the run plays (games={self.games}); "
                f"choose world_model_replay.games <= {self.games}"
            )

    def _check_observation(self) -> None:
        """ValueError for a pipeline the environment cannot feed, or dream options it makes meaningless."""
        pipeline = self.observation.pipeline
        if pipeline == "ram":
            return
        if self.env not in frame_environments():
            raise ValueError(
                f"observation.pipeline={pipeline!r} reads binary 210x160 frames; environment {self.env!r} renders "
                f"none (environments with frames: {', '.join(frame_environments())})"
            )
        if pipeline == "projection" and isinstance(self.algorithm.agent, NeuromorphicAgentConfig):
            raise ValueError(
                "observation.pipeline='projection' gives variables centred on 0; the neuromorphic networks' "
                "population code tiles RAM values 0..255: use pipeline 'ram' or 'autoencoder' with them"
            )
        if pipeline == "projection":
            for name, value in (("start", "random"), ("stop", "out_of_range")):
                if getattr(self.algorithm.dream, name) == value:
                    raise ValueError(
                        f"algorithm.dream.{name}={value!r} assumes observations in [0, 1]; the 'projection' pipeline's "
                        "variables are unbounded: choose another value or the 'autoencoder' pipeline"
                    )

    def replace(self, **changes) -> ExperimentConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    @property
    def grid_points(self) -> int:
        """Points of the sweep's grid (1 without a sweep)."""
        return grid_size(self.sweep)

    @property
    def members(self) -> int:
        """Networks trained side by side: grid points x realizations."""
        return self.grid_points * self.realizations

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of every field (what config.json holds); networks carry a "kind" tag
        ('recurrent' or 'neuromorphic')."""
        data = dataclasses.asdict(self)
        for role in NETWORK_KINDS:
            data["algorithm"][role]["kind"] = network_kind(getattr(self.algorithm, role))
        data["sweep"] = [{"field": axis.field, "values": list(axis.values)} for axis in self.sweep]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str | None = None) -> ExperimentConfig:
        """Inverse of to_dict (every field given; networks chosen by their "kind" tag, 'recurrent' if
        absent; snnrl 0.2's flat dream options read as ``algorithm.dream``, see legacy).
        ConfigError (a ValueError) naming the field and ``source`` when a value has the wrong type, a field is
        unknown or a check fails."""
        return build_dataclass(cls, upgrade_tree(data), _dacite_config(), source)

    def to_json(self) -> str:
        """config.json text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _official() -> ExperimentConfig:
    """The dreaming code (cristianocapone/biodreaming 8809304) step by step (docs/presets.md)."""
    return ExperimentConfig(preset="official")


def _paper() -> ExperimentConfig:
    """The values written in the dreaming paper's text on top of the official code's algorithm."""
    lif = LIFConfig(v_rest=-4.0, w_res=-20.0, w_in_std=math.sqrt(5.0))
    agent = AgentConfig(lif=lif.replace(tau_readout=1.0), trace_decay=0.99, learning_rate=1e-3)
    model = WorldModelConfig(
        lif=lif.replace(tau_readout=2.0),
        cost_state=1.0,
        cost_reward=0.1,
        recurrent_reward_weight=1.0,
        lr_recurrent=1e-3,
        lr_state=1e-3,
        lr_reward=1e-3,
    )
    algorithm = DreamingConfig(agent=agent, world_model=model, model_update="game", dream=DreamOptions(start="random"))
    return ExperimentConfig(algorithm=algorithm, preset="paper")


def _demo() -> ExperimentConfig:
    """A few minutes per arm on 2 CPU cores: the official algorithm at N = 200, 600 games, 4
    realizations, agent learning from game 21."""
    agent = AgentConfig(lif=LIFConfig(n_neurons=200, tau_readout=1.0))
    model = WorldModelConfig(lif=LIFConfig(n_neurons=200, tau_readout=2.0))
    algorithm = DreamingConfig(agent=agent, world_model=model, agent_learning_start=21)
    return ExperimentConfig(algorithm=algorithm, games=600, realizations=4, chunk_games=50, preset="demo")


def _dreaming() -> ExperimentConfig:
    """Ours, not the papers': the official algorithm with the dreaming options that did best in our search
    and beat the faithful baseline at a fresh seed (docs/howto/dreaming.md, benchmarks/RESULTS.md "Making
    dreaming pay"): four 10-step dreams per game from states visited in the game just played, the model
    warmed up on the real steps before each start, the mean over the four dreams as a baseline, no continued
    awake trace, one world-model update per game, imagined updates at twice the agent's learning rate."""
    dream = DreamOptions(
        start="visited", steps=10, per_game=4, baseline="dream_mean", continues_policy_trace=False, lr_scale=2.0
    )
    algorithm = DreamingConfig(model_update="game", dream=dream)
    return ExperimentConfig(algorithm=algorithm, preset="dreaming")


def _neuromorphic() -> ExperimentConfig:
    """The neuromorphic code (blakeyy/neuromorphic_dreaming) on the simulated DYNAP-SE
    (510 hidden neurons each, 20 % mismatch): 1 + 17 NOOPs and no model warm-up, sticky actions 0.25,
    agent updates from game 0 with its trace reset after every update, one agent learning rate per run
    (0.004, 0.002 in runs that dream), a baseline without a world model (docs/presets.md)."""
    algorithm = DreamingConfig(
        agent=NeuromorphicAgentConfig(),
        world_model=NeuromorphicWorldModelConfig(),
        awake_updates_from_game=0,
        model_warmup_steps=0,
        baseline_runs_model=False,
        dream=DreamOptions(model_warmup=False, eligibility_reset=False, continues_policy_trace=False),
    )
    return ExperimentConfig(algorithm=algorithm, noop_warmup=18, preset="neuromorphic")


PRESETS: dict[str, tuple[Callable[[], ExperimentConfig], str]] = {
    "official": (_official, "the official dreaming code step by step (N=500, 2000 games, 10 realizations)"),
    "paper": (
        _paper,
        (
            "values of the dreaming paper's text (w_res -20, v_rest -4, gamma 0.99, per-game model update, random "
            "dream start)"
        ),
    ),
    "neuromorphic": (
        _neuromorphic,
        (
            "the neuromorphic code step by step: readout-only networks on the simulated DYNAP-SE (510 neurons, 20 % "
            "mismatch)"
        ),
    ),
    "dreaming": (
        _dreaming,
        (
            "ours: the official algorithm with four short dreams per game from visited states, a baseline, per-game "
            "model updates, imagined rate x2 (docs/howto/dreaming.md)"
        ),
    ),
    "demo": (_demo, "the official algorithm small enough for a laptop: N=200, 600 games, 4 realizations"),
}


def preset(name: str) -> ExperimentConfig:
    """The named preset; an unknown name lists the valid ones."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(sorted(PRESETS))}")
    return PRESETS[name][0]()
