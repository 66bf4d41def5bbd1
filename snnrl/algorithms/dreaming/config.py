"""Configuration of the model-based experiment (awake + dream / plan / none)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from snnrl.algorithms.dreaming.dream_options import DREAM_STARTS, DREAMS, DreamOptions
from snnrl.choices import MODEL_UPDATES, MODES
from snnrl.core.checks import check_choice, check_flag, check_instance, check_integer, check_real
from snnrl.core.fields import static, used_in
from snnrl.models.agent import AgentConfig
from snnrl.models.neuromorphic import NeuromorphicAgentConfig, NeuromorphicWorldModelConfig
from snnrl.models.world_model import WorldModelConfig

# DreamingConfig fields (dotted below it) that change only the world model's learning and what the agent learns
# from it: the baseline's agent (mode none) earns the same returns whatever their values, so an arm that differs
# from a stored baseline only in these can be compared with it (tests/experiments/run/test_dreaming_preset.py)
MODEL_USE_FIELDS = (
    "dream.start",
    "dream.steps",
    "dream.per_game",
    "dream.baseline",
    "dream.continues_policy_trace",
    "dream.optimizer",
    "dream.stop",
    "model_update",
    "dream.lr_scale",
    "dream.length",
    "dream.error_threshold",
    "dream.reward_control",
    "dream.substeps",
    "dream.gate_reward_corr",
    "world_model_replay.games",
    "world_model_replay.updates",
    "world_model.reward_event_weight",
)
__all__ = [
    "DREAM_STARTS",
    "MODEL_UPDATES",
    "MODEL_USE_FIELDS",
    "MODES",
    "CriticConfig",
    "DreamingConfig",
    "ModelReplayConfig",
]


@dataclass(frozen=True)
class CriticConfig:
    """A value readout V = w . s_bar on the agent's hidden layer (its readout trace), learned by TD(lambda) with
    a local rule (error x presynaptic trace) on every real game, and its uses (ours; off in every preset;
    docs/howto/dreaming.md "A critic"). Discount: the agent's trace_decay, so that V estimates the return its
    policy gradient uses.

    real_baseline: the real game's policy gradient learns from G_t - V_t instead of the return G_t (the
    critic as a baseline only: its own arm, so a gain of the dreams is separable from the critic's).
    bootstrap_dreams: each dream's learning signal is the advantage G^lambda - V, G^lambda the lambda-return
    of the predicted rewards bootstrapped with V at every step and at the horizon (the last step's value;
    Dreamer's imagination, model-based value expansion). learns_in_dreams: V also takes a TD step on the
    dreams' lambda-returns. learning_rate: Adam on w. lam: lambda of the lambda-returns. return_normalization:
    advantages divided by max(1, S), S a running average (0.99) of the 5-95 percentile spread of the returns
    of real games and dreams, shared by awake and imagined updates (DreamerV3)."""

    real_baseline: bool = False
    bootstrap_dreams: bool = used_in(DREAMS, False)
    learns_in_dreams: bool = used_in(DREAMS, False)
    learning_rate: float = 1e-3
    lam: float = 0.95
    return_normalization: bool = False

    def __post_init__(self) -> None:
        for name in ("real_baseline", "bootstrap_dreams", "learns_in_dreams", "return_normalization"):
            check_flag("CriticConfig", name, getattr(self, name))
        check_real("CriticConfig", "learning_rate", self.learning_rate, above=0.0, finite=True)
        check_real("CriticConfig", "lam", self.lam, minimum=0.0, maximum=1.0)
        if not self.used and (self.learns_in_dreams or self.return_normalization):
            raise ValueError(
                "CriticConfig: learns_in_dreams / return_normalization do nothing while the critic is unused; "
                "set critic.real_baseline=true or critic.bootstrap_dreams=true"
            )
        if self.learns_in_dreams and not self.bootstrap_dreams:
            raise ValueError(
                "CriticConfig.learns_in_dreams trains V on the dreams' lambda-returns, which only "
                "bootstrap_dreams computes; set critic.bootstrap_dreams=true"
            )

    @property
    def used(self) -> bool:
        """Whether the run learns a value readout at all."""
        return self.real_baseline or self.bootstrap_dreams


@dataclass(frozen=True)
class ModelReplayConfig:
    """The world model's replay of recent real games (ours; off in every preset; docs/howto/dreaming.md "A world
    model that is useful early").

    games: K, the last real games kept in a ring buffer in the learner (observations, actions and the world
        model's targets of the warm-up and awake steps; an array shape); 0 = none kept.
    updates: M, extra world-model Adam steps at the end of every game, each on one kept game drawn uniformly
        (the game just played included), replayed from fresh network states with the current weights, in episode
        form (the paper's Algorithm 1, whatever model_update says; a loop length)."""

    games: int = static("an array shape (the games the replay buffer keeps)", 0)
    updates: int = static("a loop length (the world model's replayed updates per game)", 0)

    def __post_init__(self) -> None:
        for name in ("games", "updates"):
            check_integer("ModelReplayConfig", name, getattr(self, name), minimum=0)
        if self.updates > 0 and self.games == 0:
            raise ValueError(
                f"ModelReplayConfig.updates={self.updates} replays kept games, but games=0 keeps none; "
                "set world_model_replay.games >= 1"
            )

    @property
    def keeps_games(self) -> bool:
        """Whether the learner carries a replay buffer."""
        return self.games > 0


@dataclass(frozen=True)
class DreamingConfig:
    """The algorithm of docs/science.md ("Dreaming and planning"). Defaults follow the official code step by
    step (docs/presets.md). One line per field:

    agent, world_model: the two networks (recurrent or neuromorphic, the same kind of inputs and actions).
    mode: 'dream' (awake then dreams each game), 'plan' (look-aheads of n_fut steps every 2 n_fut real
        steps), 'none' (baseline: no model use).
    awake_steps: T real agent steps per game (a loop length).
    n_fut: the look-ahead of mode 'plan' (a loop length).
    agent_learning_start: first game (0-based) whose rewards the agent learns from (official
        ``iteration > 50``, i.e. 51).
    awake_updates_from_game: the agent's optimizer steps at the end of every awake game from this game on,
        with zero reward before agent_learning_start (Adam's step counter runs ahead, as in both codes:
        official 1, neuromorphic 0), and after every dream or plan; None = none before agent_learning_start.
    agent_learns_awake: False = the Fig 2D ablation (policy learning only in dreams / plans).
    model_learning_stop: world-model learning stops after this many real interactions (Fig 2E; None: never).
    model_update: 'step' = an optimizer step every environment step (official code), 'game' = once per game
        (the paper's Algorithm 1).
    model_warmup_steps: NOOP steps after the environment's reset in which the world model (not the agent)
        steps and learns, the reward target being the raw reward (official: 20; a loop length).
    baseline_runs_model: the baseline still steps and trains the world model (official code) or runs none
        (neuromorphic code).
    awake_updates_per_game: Adam steps with the awake game's gradient at the end of every game (1: both
        codes; 2 gives the baseline a dreaming arm's optimizer steps per game; a control, sweepable).
    dream: what a dream is and what the agent learns from it (DreamOptions, one line per field).
    critic: a value readout on the agent's hidden layer and its uses (CriticConfig; ours, off in every preset).
    world_model_replay: the last K real games kept and replayed to the world model (ModelReplayConfig; ours, off
        in every preset).
    """

    agent: AgentConfig = field(default_factory=AgentConfig)
    world_model: WorldModelConfig = field(default_factory=WorldModelConfig)
    mode: str = "dream"
    awake_steps: int = static("a loop length", 100)
    n_fut: int = static("a loop length (the look-ahead of mode plan)", 4, used_in=("plan",))
    agent_learning_start: int = 51
    awake_updates_from_game: int | None = 1
    agent_learns_awake: bool = True
    model_learning_stop: int | None = None
    model_update: str = "step"
    model_warmup_steps: int = static("a loop length", 20)
    baseline_runs_model: bool = used_in(("none",), True)
    awake_updates_per_game: int = 1
    dream: DreamOptions = field(default_factory=DreamOptions)
    critic: CriticConfig = field(default_factory=CriticConfig)
    world_model_replay: ModelReplayConfig = field(default_factory=ModelReplayConfig)

    def __post_init__(self) -> None:
        check_instance("DreamingConfig", "agent", self.agent, (AgentConfig, NeuromorphicAgentConfig))
        check_instance(
            "DreamingConfig", "world_model", self.world_model, (WorldModelConfig, NeuromorphicWorldModelConfig)
        )
        check_instance("DreamingConfig", "dream", self.dream, DreamOptions)
        check_instance("DreamingConfig", "critic", self.critic, CriticConfig)
        check_instance("DreamingConfig", "world_model_replay", self.world_model_replay, ModelReplayConfig)
        for name in ("agent_learns_awake", "baseline_runs_model"):
            check_flag("DreamingConfig", name, getattr(self, name))
        check_choice("DreamingConfig", "mode", self.mode, MODES)
        check_choice("DreamingConfig", "model_update", self.model_update, MODEL_UPDATES)
        for name in ("awake_steps", "n_fut", "awake_updates_per_game"):
            check_integer("DreamingConfig", name, getattr(self, name), minimum=1)
        for name in ("agent_learning_start", "model_warmup_steps"):
            check_integer("DreamingConfig", name, getattr(self, name), minimum=0)
        check_integer(
            "DreamingConfig", "awake_updates_from_game", self.awake_updates_from_game, minimum=0, optional=True
        )
        check_integer("DreamingConfig", "model_learning_stop", self.model_learning_stop, minimum=0, optional=True)
        if self.mode == "plan" and self.n_fut > self.awake_steps:
            raise ValueError(
                f"DreamingConfig.n_fut={self.n_fut} looks further ahead than a game lasts "
                f"(awake_steps={self.awake_steps}); choose n_fut <= awake_steps"
            )
        self._check_dream()
        self._check_model_options()
        if self.agent.n_actions != self.world_model.n_actions or self.agent.n_inputs != self.world_model.n_state:
            raise ValueError(
                "agent and world model disagree: agent (n_inputs, n_actions) = "
                f"({self.agent.n_inputs}, {self.agent.n_actions}), world model (n_state, n_actions) = "
                f"({self.world_model.n_state}, {self.world_model.n_actions})"
            )

    def _check_dream(self) -> None:
        """ValueError for dream options the rest of the config cannot honour (DreamOptions checks its own)."""
        dream = self.dream
        if self.critic.bootstrap_dreams:
            clashes = {
                "mode": (self.mode, "dream"),
                "dream.baseline": (dream.baseline, "none"),
                "dream.continues_policy_trace": (dream.continues_policy_trace, False),
                "dream.length": (dream.length, None),
                "dream.stop": (dream.stop, "never"),
            }
            for name, (value, needed) in clashes.items():
                if value != needed:
                    raise ValueError(
                        f"DreamingConfig.critic.bootstrap_dreams learns from whole dreams' advantages G^lambda - V; "
                        f"it needs {name}={needed!r}, got {value!r}"
                    )
        if dream.reward_control != "none" and self.mode != "dream":
            raise ValueError(
                f"DreamingConfig.dream.reward_control={dream.reward_control!r} changes the rewards of dreams; "
                f"mode {self.mode!r} has none (use mode 'dream' or dream.reward_control='none')"
            )
        if dream.stop == "model_error" and dream.steps > self.awake_steps:
            raise ValueError(
                f"DreamingConfig.dream.stop='model_error' checks the model on the game's first dream.steps real "
                f"steps; dream.steps={dream.steps} is longer than the game (awake_steps={self.awake_steps})"
            )
        if dream.model_warmup and self.model_warmup_steps == 0:
            raise ValueError(
                "DreamingConfig.dream.model_warmup replays the game's warm-up, but model_warmup_steps is 0; "
                "set dream.model_warmup=False or model_warmup_steps >= 1"
            )
        if dream.eligibility_reset and not isinstance(self.agent, AgentConfig):
            raise ValueError(
                "DreamingConfig.dream.eligibility_reset needs a recurrent agent (AgentConfig); "
                f"{type(self.agent).__name__} has no eligibility: set dream.eligibility_reset=False"
            )

    def _check_model_options(self) -> None:
        """ValueError for world-model and gate options the mode cannot use: only modes that train a world model
        keep games for it or weight its reward loss, only modes with imagined updates gate or split them."""
        replay = self.world_model_replay
        if not self.model_runs:
            used = {
                "world_model_replay.games": (replay.games, 0),
                "world_model.reward_event_weight": (self.world_model.reward_event_weight, 1.0),
            }
            for name, (value, off) in used.items():
                if value != off:
                    raise ValueError(
                        f"DreamingConfig.{name}={value!r} changes how the world model learns, but mode 'none' with "
                        f"baseline_runs_model=False trains none; set {name}={off!r} or baseline_runs_model=True"
                    )
        replay_starts = self.mode == "dream" and self.dream.start == "replay"
        if replay.keeps_games and replay.updates == 0 and not replay_starts:
            raise ValueError(
                f"DreamingConfig.world_model_replay.games={replay.games} keeps games that nothing uses: "
                "set world_model_replay.updates >= 1 (the model's replay) or dream.start='replay' in mode 'dream'"
            )
        if self.dream.start == "replay" and not replay.keeps_games:
            raise ValueError(
                "DreamingConfig.dream.start='replay' draws dream starts from the kept games, but "
                "world_model_replay.games=0 keeps none; set world_model_replay.games >= 1"
            )
        if self.dream.substeps > 1 and self.mode != "dream":
            raise ValueError(
                f"DreamingConfig.dream.substeps={self.dream.substeps} splits the dreams' update; mode {self.mode!r} "
                "has no dreams (use mode 'dream' or dream.substeps=1)"
            )
        if self.dream.gate_reward_corr is not None and self.mode == "none":
            raise ValueError(
                f"DreamingConfig.dream.gate_reward_corr={self.dream.gate_reward_corr!r} gates imagined updates; "
                "mode 'none' takes none (use mode 'dream' or 'plan', or dream.gate_reward_corr=None)"
            )

    @property
    def model_runs(self) -> bool:
        """Whether the world model steps (and learns) in the real game."""
        return self.mode != "none" or self.baseline_runs_model

    def replace(self, **changes) -> DreamingConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def with_dream(self, **options) -> DreamingConfig:
        """A copy with some dream options changed (``with_dream(start="visited", per_game=4)``)."""
        return replace(self, dream=self.dream.replace(**options))
