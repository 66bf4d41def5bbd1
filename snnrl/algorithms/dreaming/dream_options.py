"""What a dream is and what the agent learns from it: ``DreamOptions``, the field ``dream`` of DreamingConfig.

The faithful presets keep the official code's values (docs/presets.md); the options marked "ours" make
imagined experience useful (docs/howto/dreaming.md), the controls test claims about it (benchmarks/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from snnrl.choices import DREAM_STARTS
from snnrl.core.checks import check_choice, check_flag, check_integer, check_real
from snnrl.core.fields import static, used_in

IMAGINED_BASELINES = ("none", "dream_mean")
DREAM_OPTIMIZERS = ("shared", "separate")
DREAM_STOPS = ("never", "out_of_range", "model_error")
# Controls that keep every imagined optimizer step and remove the dreams' information (docs/howto/dreaming.md
# "Controls"): 'shuffle' permutes the predicted rewards across the game's dreams and steps, 'noise' replaces
# them with Gaussian noise of their mean and standard deviation.
IMAGINED_REWARD_CONTROLS = ("none", "shuffle", "noise")
# The modes (DreamingConfig.mode) that use an option: the dreams themselves, or every update from imagined
# experience (the dreams' and the plans' look-aheads). In mode 'none' no option does anything.
DREAMS = ("dream",)
IMAGINED_UPDATES = ("dream", "plan")

# The names these options had as flat fields of DreamingConfig (snnrl 0.2's config.json, overrides, sweeps).
FLAT_NAMES = {
    "dream_start": "start",
    "dream_steps": "steps",
    "dreams_per_game": "per_game",
    "imagined_baseline": "baseline",
    "dream_continues_policy_trace": "continues_policy_trace",
    "dream_optimizer": "optimizer",
    "dream_stop": "stop",
    "dream_lr_scale": "lr_scale",
    "dream_length": "length",
    "dream_error_threshold": "error_threshold",
    "dream_model_warmup": "model_warmup",
    "dream_eligibility_reset": "eligibility_reset",
    "clip_dream_state": "clip_state",
    "imagined_reward_control": "reward_control",
}


@dataclass(frozen=True)
class DreamOptions:
    """The dreams of mode 'dream' (S = steps, K = per_game). One line per field:

    start: first observation: 'reset' the real post-reset one (official), 'random' uniform in [0, 1] (paper
        text), 'visited' a real step of the game just played, drawn uniformly (ours; Dyna / MBPO-style),
        'replay' a real step of one of the last K games kept by world_model_replay (ours; needs K >= 1).
    steps: S, the steps of a dream (a loop length: sweep ``length`` instead).
    per_game: K dreams per game, side by side, each its own start and random numbers; the agent steps
        once with their mean gradient (ours; a batch size).
    baseline: 'dream_mean' subtracts from each dream's predicted reward at step s the mean over the game's
        K dreams at step s (ours; needs per_game >= 2); 'none' keeps the rewards.
    continues_policy_trace: the agent's discounted policy trace continues from the awake game into the
        dream (official) instead of restarting at 0 (neuromorphic code).
    optimizer: 'separate' gives updates from imagined experience their own Adam state (ours); 'shared'
        steps the awake updates' one.
    stop: 'out_of_range' counts a dream up to its first observation outside [0, 1]; 'model_error' up to
        the first step where the model's open-loop replay of the game's first S real steps errs by more
        than ``error_threshold`` (ours; MBPO's model-error horizon); 'never' counts every step.
    lr_scale: factor on the agent's learning rate for updates from imagined experience.
    length: the first steps of each dream whose predicted rewards count (<= steps; None = all); the dream
        still runs S steps, so a sweep can vary it in one program.
    error_threshold: mean absolute error per observation variable at which ``stop`` 'model_error' stops.
    model_warmup: before a dream the world model steps, without learning, through the game's warm-up
        observations (official; 'visited' replays the real steps before the start with their actions).
    eligibility_reset: the presynaptic eligibility of both networks is zeroed before every dream step
        (official; recurrent agents only).
    clip_state: imagined observations clipped to [0, 1] (in neither code).
    reward_control: 'shuffle' permutes the predicted rewards across the game's dreams and steps, 'noise'
        replaces them with Gaussian noise of their per-game mean and SD, before every other reward option
        (a control: the imagined updates stay, their information is gone); 'none' keeps them.
    substeps: the game's imagined update split into this many smaller ones (a loop length): each its own
        per_game fresh dreams from the agent as the previous one left it, and one Adam step at lr_scale /
        substeps (ours; Dyna's planning steps); 1 = one update.
    gate_reward_corr: imagined updates wait until the first game in which the Pearson correlation between
        the world model's reward predictions and its reward targets over the awake steps reaches this
        value; from then on they are taken (a latch per realization; a game with constant targets or
        predictions counts as 0). None: no gate (ours).
    """

    start: str = used_in(DREAMS, "reset")
    steps: int = static("a loop length (sweep dream.length, the dream steps that count, instead)", 50, DREAMS)
    per_game: int = static("a batch size (the dreams of a game run side by side)", 1, DREAMS)
    baseline: str = used_in(DREAMS, "none")
    continues_policy_trace: bool = used_in(DREAMS, True)
    optimizer: str = used_in(IMAGINED_UPDATES, "shared")
    stop: str = used_in(DREAMS, "never")
    lr_scale: float = used_in(IMAGINED_UPDATES, 1.0)
    length: int | None = used_in(DREAMS, None)
    error_threshold: float = used_in(DREAMS, 0.05)
    model_warmup: bool = used_in(DREAMS, True)
    eligibility_reset: bool = used_in(DREAMS, True)
    clip_state: bool = used_in(IMAGINED_UPDATES, False)
    reward_control: str = used_in(DREAMS, "none")
    substeps: int = static("a loop length (the imagined updates of a game)", 1, DREAMS)
    gate_reward_corr: float | None = used_in(IMAGINED_UPDATES, None)

    def __post_init__(self) -> None:
        for name in ("continues_policy_trace", "model_warmup", "eligibility_reset", "clip_state"):
            check_flag("DreamOptions", name, getattr(self, name))
        for name, allowed in (
            ("start", DREAM_STARTS),
            ("baseline", IMAGINED_BASELINES),
            ("optimizer", DREAM_OPTIMIZERS),
            ("stop", DREAM_STOPS),
            ("reward_control", IMAGINED_REWARD_CONTROLS),
        ):
            check_choice("DreamOptions", name, getattr(self, name), allowed)
        check_integer("DreamOptions", "steps", self.steps, minimum=1)
        check_integer("DreamOptions", "per_game", self.per_game, minimum=1)
        check_integer("DreamOptions", "substeps", self.substeps, minimum=1)
        check_real("DreamOptions", "gate_reward_corr", self.gate_reward_corr, minimum=-1.0, maximum=1.0, optional=True)
        check_integer("DreamOptions", "length", self.length, minimum=1, optional=True)
        check_real("DreamOptions", "lr_scale", self.lr_scale, above=0.0, finite=True)
        check_real("DreamOptions", "error_threshold", self.error_threshold, above=0.0, finite=True)
        if self.length is not None and self.length > self.steps:
            raise ValueError(
                f"DreamOptions.length={self.length} is longer than the dream (steps={self.steps}); "
                "choose length <= steps"
            )
        if self.baseline == "dream_mean" and self.per_game < 2:
            raise ValueError(
                "DreamOptions.baseline='dream_mean' subtracts the mean over the game's dreams; "
                f"it needs per_game >= 2, got {self.per_game}"
            )
        if self.reward_control != "none" and self.counted_rewards < 2:
            raise ValueError(
                f"DreamOptions.reward_control={self.reward_control!r} needs at least two imagined rewards per "
                f"game to permute or match; per_game={self.per_game} x {self.length or self.steps} counted "
                f"steps gives {self.counted_rewards}"
            )

    @property
    def counted_rewards(self) -> int:
        """Imagined rewards that count per game: K x (length or S)."""
        return self.per_game * (self.length or self.steps)

    def replace(self, **changes) -> DreamOptions:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)
