"""Configuration of the model-based experiment (awake + dream / plan / none)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from snnrl.core.checks import check_flag, check_instance, check_integer, check_real
from snnrl.models.agent import AgentConfig
from snnrl.models.neuromorphic import NeuromorphicAgentConfig, NeuromorphicWorldModelConfig
from snnrl.models.world_model import WorldModelConfig

MODES = ("dream", "plan", "none")
MODEL_UPDATES = ("step", "game")
DREAM_STARTS = ("reset", "random", "visited")
IMAGINED_BASELINES = ("none", "dream_mean")
DREAM_OPTIMIZERS = ("shared", "separate")
DREAM_STOPS = ("never", "out_of_range", "model_error")
# Controls that keep every imagined optimizer step and remove the dreams' information (docs/howto/dreaming.md):
# 'shuffle' permutes the predicted rewards across the game's dreams and steps, 'noise' replaces them with
# Gaussian noise of their mean and standard deviation.
IMAGINED_REWARD_CONTROLS = ("none", "shuffle", "noise")
# DreamingConfig fields that change only the world model's learning and what the agent learns from it: the
# baseline's agent (mode none) earns the same returns whatever their values, so an arm that differs from a
# stored baseline only in these can be compared with it (tests/experiments/test_dreaming_preset.py)
MODEL_USE_FIELDS = (
    "dream_start",
    "dream_steps",
    "dreams_per_game",
    "imagined_baseline",
    "dream_continues_policy_trace",
    "dream_optimizer",
    "dream_stop",
    "model_update",
    "dream_lr_scale",
    "dream_length",
    "dream_error_threshold",
    "imagined_reward_control",
)


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
    bootstrap_dreams: bool = False
    learns_in_dreams: bool = False
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
class DreamingConfig:
    """The algorithm of docs/science.md ("Dreaming and planning"). Defaults follow the official code step by
    step (docs/presets.md).

    mode: 'dream' (awake then a dream each game), 'plan' (look-aheads of n_fut steps every 2 n_fut real
    steps), 'none' (baseline: no model use). awake_steps: T real agent steps per game. dream_steps:
    length of a dream. agent_learning_start: first game (0-based) whose rewards the agent learns from
    (official: ``iteration > 50``, i.e. 51). awake_updates_from_game: the agent's optimizer steps at the
    end of every awake game from this game on, with zero reward before agent_learning_start (so Adam's
    step counter runs ahead, as in both codes: official 1, neuromorphic 0), and after every dream or
    plan; None = no optimizer step before agent_learning_start. agent_learns_awake: False = the Fig 2D
    ablation (policy learning only in dreams / plans). model_learning_stop: stop world-model learning
    after this many real interactions (Fig 2E; None: never). model_update: 'step' = an optimizer step
    every environment step (official code), 'game' = once per game (the paper's Algorithm 1).
    model_warmup_steps: NOOP steps after the environment's reset in which the world model (not the agent)
    steps and learns, the reward target being the raw reward (official: 20). baseline_runs_model: the
    baseline still steps and trains the world model (official code) or runs none (neuromorphic code).
    dream_start: 'reset' = the real post-reset observation (official code), 'random' = uniform random
    observation in [0, 1] (paper text). dream_model_warmup: before a dream the world model steps, without
    learning, through the game's warm-up observations (the official code replays the NOOP warm-up of a
    fresh reset, which is deterministic: the same observations). dream_eligibility_reset: the presynaptic
    eligibility of both networks is zeroed before every dream step (official). dream_continues_policy_trace:
    the agent's discounted policy trace continues from the end of the awake game into the dream
    (official) instead of restarting at 0 (neuromorphic code). clip_dream_state: clip imagined observations
    to [0, 1] (not in either code). dream_lr_scale: factor on the agent's learning rate for updates from
    simulated experience. dream_length: the first steps of each dream whose predicted rewards count (<=
    dream_steps; None = all): the dream still runs dream_steps steps (a static loop length), the rest
    count for nothing, so a sweep can vary the dream's length in one program.

    Options of our own for making imagined experience useful (docs/howto/dreaming.md; off in the faithful
    presets): dream_start 'visited' = a dream starts from a real observation of the game just played
    (an awake step drawn uniformly, Dyna / MBPO-style), its world model first replaying the
    model_warmup_steps real steps before it with their actions; dreams_per_game: several dreams per game
    (vmapped, each its own start and random numbers), the agent stepping once with their mean gradient;
    imagined_baseline 'dream_mean': each dream's predicted reward at step s minus the mean over the
    game's dreams at step s (a baseline for the imagined policy gradient; needs dreams_per_game >= 2);
    dream_optimizer 'separate': updates from imagined experience use their own Adam state instead of the
    awake updates' one; dream_stop 'out_of_range': a dream counts only up to the first step whose
    imagined observation leaves [0, 1] (the range of every real observation), where the world model's
    predictions are no longer grounded in anything it has seen; dream_stop 'model_error': after each game
    the world model replays the game's first dream_steps real steps open-loop (as a dream starts, with the
    real actions), and the game's dreams count only up to the first step where that replay's mean absolute
    error per observation variable exceeds dream_error_threshold (the model's own error horizon, measured
    on real data: MBPO's rollout length chosen by model error).

    Controls for claims about dreaming (benchmarks/RESULTS.md; off in every preset):
    awake_updates_per_game: Adam steps taken with the awake game's gradient at the end of every game (1:
    both codes; 2 gives the baseline as many optimizer steps per game as a dreaming arm takes; sweepable).
    imagined_reward_control: 'shuffle' = the predicted rewards permuted across the game's dreams and steps,
    'noise' = Gaussian noise of the same mean and SD per game, both before every other reward option; the
    imagined updates stay, their information is gone.
    """

    agent: AgentConfig = field(default_factory=AgentConfig)
    world_model: WorldModelConfig = field(default_factory=WorldModelConfig)
    mode: str = "dream"
    awake_steps: int = 100
    dream_steps: int = 50
    n_fut: int = 4
    agent_learning_start: int = 51
    awake_updates_from_game: int | None = 1
    agent_learns_awake: bool = True
    model_learning_stop: int | None = None
    model_update: str = "step"
    model_warmup_steps: int = 20
    baseline_runs_model: bool = True
    dream_start: str = "reset"
    dream_model_warmup: bool = True
    dream_eligibility_reset: bool = True
    dream_continues_policy_trace: bool = True
    clip_dream_state: bool = False
    dream_lr_scale: float = 1.0
    dream_length: int | None = None
    dreams_per_game: int = 1
    imagined_baseline: str = "none"
    dream_optimizer: str = "shared"
    dream_stop: str = "never"
    dream_error_threshold: float = 0.05
    awake_updates_per_game: int = 1
    imagined_reward_control: str = "none"
    critic: CriticConfig = field(default_factory=CriticConfig)

    def __post_init__(self) -> None:
        check_instance("DreamingConfig", "agent", self.agent, (AgentConfig, NeuromorphicAgentConfig))
        check_instance(
            "DreamingConfig", "world_model", self.world_model, (WorldModelConfig, NeuromorphicWorldModelConfig)
        )
        for name in (
            "agent_learns_awake",
            "baseline_runs_model",
            "dream_model_warmup",
            "dream_eligibility_reset",
            "dream_continues_policy_trace",
            "clip_dream_state",
        ):
            check_flag("DreamingConfig", name, getattr(self, name))
        check_integer("DreamingConfig", "model_learning_stop", self.model_learning_stop, minimum=0, optional=True)
        check_real("DreamingConfig", "dream_lr_scale", self.dream_lr_scale, finite=True)
        for name, allowed in (
            ("mode", MODES),
            ("model_update", MODEL_UPDATES),
            ("dream_start", DREAM_STARTS),
            ("imagined_baseline", IMAGINED_BASELINES),
            ("dream_optimizer", DREAM_OPTIMIZERS),
            ("dream_stop", DREAM_STOPS),
            ("imagined_reward_control", IMAGINED_REWARD_CONTROLS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(
                    f"DreamingConfig.{name}={getattr(self, name)!r} is not allowed; allowed: {list(allowed)}"
                )
        for name in ("awake_steps", "dream_steps", "n_fut"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"DreamingConfig.{name} must be an integer >= 1, got {value!r}")
        for name in ("agent_learning_start", "model_warmup_steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"DreamingConfig.{name} must be an integer >= 0, got {value!r}")
        if self.mode == "plan" and self.n_fut > self.awake_steps:
            raise ValueError(
                f"DreamingConfig.n_fut={self.n_fut} looks further ahead than a game lasts "
                f"(awake_steps={self.awake_steps}); choose n_fut <= awake_steps"
            )
        start = self.awake_updates_from_game
        if start is not None and (not isinstance(start, int) or isinstance(start, bool) or start < 0):
            raise ValueError(f"DreamingConfig.awake_updates_from_game must be an integer >= 0 or None, got {start!r}")
        if self.model_learning_stop is not None and self.model_learning_stop < 0:
            raise ValueError(
                f"DreamingConfig.model_learning_stop must be >= 0 or None, got {self.model_learning_stop!r}"
            )
        check_integer("DreamingConfig", "dream_length", self.dream_length, minimum=1, optional=True)
        check_integer("DreamingConfig", "dreams_per_game", self.dreams_per_game, minimum=1)
        check_integer("DreamingConfig", "awake_updates_per_game", self.awake_updates_per_game, minimum=1)
        check_instance("DreamingConfig", "critic", self.critic, CriticConfig)
        if self.critic.bootstrap_dreams:
            clashes = {
                "mode": (self.mode, "dream"),
                "imagined_baseline": (self.imagined_baseline, "none"),
                "dream_continues_policy_trace": (self.dream_continues_policy_trace, False),
                "dream_length": (self.dream_length, None),
                "dream_stop": (self.dream_stop, "never"),
            }
            for name, (value, needed) in clashes.items():
                if value != needed:
                    raise ValueError(
                        f"DreamingConfig.critic.bootstrap_dreams learns from whole dreams' advantages G^lambda - V; "
                        f"it needs {name}={needed!r}, got {value!r}"
                    )
        if self.imagined_reward_control != "none":
            if self.mode != "dream":
                raise ValueError(
                    f"DreamingConfig.imagined_reward_control={self.imagined_reward_control!r} changes the rewards "
                    f"of dreams; mode {self.mode!r} has none (use mode 'dream' or imagined_reward_control='none')"
                )
            counted = self.dreams_per_game * (self.dream_length or self.dream_steps)
            if counted < 2:
                raise ValueError(
                    f"DreamingConfig.imagined_reward_control={self.imagined_reward_control!r} needs at least two "
                    f"imagined rewards per game to permute or match; dreams_per_game={self.dreams_per_game} x "
                    f"{self.dream_length or self.dream_steps} counted steps gives {counted}"
                )
        if self.imagined_baseline == "dream_mean" and self.dreams_per_game < 2:
            raise ValueError(
                "DreamingConfig.imagined_baseline='dream_mean' subtracts the mean over the game's dreams; "
                f"it needs dreams_per_game >= 2, got {self.dreams_per_game}"
            )

        if self.dream_length is not None and self.dream_length > self.dream_steps:
            raise ValueError(
                f"DreamingConfig.dream_length={self.dream_length} is longer than the dream "
                f"(dream_steps={self.dream_steps}); choose dream_length <= dream_steps"
            )
        check_real("DreamingConfig", "dream_error_threshold", self.dream_error_threshold, above=0.0, finite=True)
        if self.dream_stop == "model_error" and self.dream_steps > self.awake_steps:
            raise ValueError(
                f"DreamingConfig.dream_stop='model_error' checks the model on the game's first dream_steps real "
                f"steps; dream_steps={self.dream_steps} is longer than the game (awake_steps={self.awake_steps})"
            )
        if not self.dream_lr_scale > 0:
            raise ValueError(f"DreamingConfig.dream_lr_scale must be > 0, got {self.dream_lr_scale!r}")
        if self.dream_model_warmup and self.model_warmup_steps == 0:
            raise ValueError(
                "DreamingConfig.dream_model_warmup replays the game's warm-up, but model_warmup_steps is 0; "
                "set dream_model_warmup=False or model_warmup_steps >= 1"
            )
        if self.dream_eligibility_reset and not isinstance(self.agent, AgentConfig):
            raise ValueError(
                "DreamingConfig.dream_eligibility_reset needs a recurrent agent (AgentConfig); "
                f"{type(self.agent).__name__} has no eligibility: set dream_eligibility_reset=False"
            )
        if self.agent.n_actions != self.world_model.n_actions or self.agent.n_inputs != self.world_model.n_state:
            raise ValueError(
                "agent and world model disagree: agent (n_inputs, n_actions) = "
                f"({self.agent.n_inputs}, {self.agent.n_actions}), world model (n_state, n_actions) = "
                f"({self.world_model.n_state}, {self.world_model.n_actions})"
            )

    @property
    def model_runs(self) -> bool:
        """Whether the world model steps (and learns) in the real game."""
        return self.mode != "none" or self.baseline_runs_model

    def replace(self, **changes) -> DreamingConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)
