"""Real Atari games through ale-py, stepped on the host: one ALE emulator per realization, B at once.

Same signature as the JAX environments, but ``host_side = True``: it cannot be jitted, arrays come
back as numpy with a leading batch axis B (``params.batch_size``), and the emulators live in the env
object (the returned state only holds the protocol's bookkeeping). The episode protocol is the same
code as the JAX Pong's (protocol.py): ALE's own sticky actions are switched off and the per-frame
sticky choice is drawn from the JAX key, so the same key gives the same frame actions in both, and a
run is reproducible from its keys. ALE's reset is deterministic. ale-py is imported only when an
emulator is built, never at ``import snnrl.envs``.
"""

from __future__ import annotations

import struct as binary
import warnings
from dataclasses import dataclass, field
from functools import partial

import jax
import numpy as np

from snnrl.envs.base import Box, Discrete, check_action
from snnrl.envs.protocol import (
    PONG_ALE_ACTIONS,
    PONG_RAM_INDICES,
    PONG_SCORE_INDICES,
    EpisodeProtocol,
    ram_observation,
    sticky_frame_actions,
)


@dataclass(frozen=True)
class GameSpec:
    """Per game: ROM name, observed RAM bytes, ALE action of each env action, score bytes, background."""

    rom: str
    ram_indices: tuple[int, ...]
    ale_actions: tuple[int, ...]
    score_indices: tuple[int, int]  # (player, enemy)
    score_is_bcd: bool
    background_gray: int


GAMES = {
    "pong": GameSpec("pong", PONG_RAM_INDICES, PONG_ALE_ACTIONS, PONG_SCORE_INDICES, False, 87),
    "boxing": GameSpec("boxing", (32, 34, 33, 35), tuple(range(18)), (18, 19), True, 132),
}


@dataclass(frozen=True)
class AleParams:
    """Game protocol and batch. ``render_frames`` adds binary frames (info["frame"], uint8 [B, 210, 160])."""

    protocol: EpisodeProtocol = field(default_factory=EpisodeProtocol)
    batch_size: int = 1
    render_frames: bool = False

    def __post_init__(self):
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


@dataclass(frozen=True)
class AleState:
    """Host bookkeeping of a batch: numpy arrays [B]."""

    previous_action: np.ndarray  # env action executed on each emulator's last frame
    time: np.ndarray  # agent steps since the warm-up ended


def _import_ale():
    try:
        import ale_py
    except ImportError as error:
        raise ImportError(
            "the 'ale:' environments need ale-py (pip install 'ale-py>=0.9', which bundles the Atari ROMs)"
        ) from error
    return ale_py


def rom_path(game: str) -> str:
    """Path of a bundled ALE ROM; a clear error if ale-py or the ROM is missing."""
    ale_py = _import_ale()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = ale_py.roms.get_rom_path(game)
    if path is None:
        raise FileNotFoundError(f"ale-py has no ROM for {game!r}; ale-py >= 0.9 bundles it: reinstall ale-py")
    return str(path)


def new_emulator(game: str, seed: int, repeat_action_probability: float = 0.0):
    """An ``ale_py.ALEInterface`` with ``game`` loaded and frame_skip 1. snnrl draws sticky actions
    itself; ``repeat_action_probability`` > 0 turns on ALE's own (for reference measurements)."""
    ale_py = _import_ale()
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
    ale = ale_py.ALEInterface()
    ale.setInt("random_seed", int(seed))
    ale.setInt("frame_skip", 1)
    ale.setFloat("repeat_action_probability", float(repeat_action_probability))
    ale.loadROM(rom_path(game))
    return ale


def paddle_resistance(ale) -> int:
    """ALE's resistance of the first paddle controller (first int of the serialized ALE state)."""
    return binary.unpack("<i", ale.cloneState().serialize()[:4])[0]


def _is_single_key(key: jax.Array) -> bool:
    single_shape = () if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) else (2,)
    return key.shape == single_shape


_sticky_per_env_keys = jax.jit(jax.vmap(sticky_frame_actions, in_axes=(0, 0, 0, None, None)), static_argnums=3)


@partial(jax.jit, static_argnums=3)
def _sticky_one_key(key, previous, action, frameskip, sticky_prob):
    keys = jax.random.split(key, previous.shape[0])
    return _sticky_per_env_keys(keys, previous, action, frameskip, sticky_prob)


def batch_frame_actions(key: jax.Array, previous, action, frameskip: int, sticky_prob) -> np.ndarray:
    """Sticky frame actions int32 [B, frameskip] from one key (split into B inside) or B keys."""
    batch = len(previous)
    if _is_single_key(key):
        return np.asarray(_sticky_one_key(key, previous, action, frameskip, sticky_prob))
    if key.shape[0] != batch:
        raise ValueError(f"expected one key or {batch} keys, got a key array of shape {key.shape}")
    return np.asarray(_sticky_per_env_keys(key, previous, action, frameskip, sticky_prob))


class AleEnv:
    """B real ALE games stepped together. Observation float32 [B, 4] = observed RAM bytes / 255."""

    host_side = True

    def __init__(self, game: str):
        if game not in GAMES:
            raise ValueError(f"unknown ALE game {game!r}; known: {', '.join(sorted(GAMES))}")
        self.spec = GAMES[game]
        self.name = f"ale:{game}"
        self.num_actions = len(self.spec.ale_actions)
        self.emulators: list = []
        self._start_states: dict[int, list] = {}

    @property
    def default_params(self) -> AleParams:
        return AleParams()

    def _ensure_emulators(self, key: jax.Array, batch_size: int) -> None:
        if len(self.emulators) != batch_size:
            seeds = np.asarray(jax.random.randint(key, (batch_size,), 0, 2**31 - 1))
            self.emulators = [new_emulator(self.spec.rom, seed) for seed in seeds]
            self._start_states = {}

    def _observation(self) -> np.ndarray:
        return ram_observation(self.rams()[:, list(self.spec.ram_indices)])

    def reset(self, key: jax.Array, params: AleParams) -> tuple[np.ndarray, AleState]:
        """Reset all B games and run the NOOP warm-up: (observation [B, 4], state).

        ALE's reset and a NOOP warm-up are deterministic, so the first reset of each warm-up length
        runs them (``reset_game`` emulates 68 frames, ~10 ms) and stores the emulator state; later
        resets restore it, which yields the identical emulator state in microseconds."""
        self._ensure_emulators(key, params.batch_size)
        warmup_frames = params.protocol.noop_warmup * params.protocol.frameskip
        if warmup_frames not in self._start_states:
            for ale in self.emulators:
                ale.reset_game()
                for _ in range(warmup_frames):
                    ale.act(self.spec.ale_actions[0])
            self._start_states[warmup_frames] = [ale.cloneState() for ale in self.emulators]
        for ale, start in zip(self.emulators, self._start_states[warmup_frames], strict=False):
            ale.restoreState(start)
        zeros = np.zeros(params.batch_size, np.int32)
        return self._observation(), AleState(previous_action=zeros, time=zeros.copy())

    def step(self, key: jax.Array, state: AleState, action, params: AleParams):
        """One agent step for all B games; ``action`` int [B]; ``key`` one key (split into B) or B
        keys (env b then draws exactly what ``JaxPong.step(key[b], ...)`` draws).

        Returns numpy (obs [B, 4], state, reward float32 [B], terminated bool [B], truncated bool
        [B], info) with info "score" int32 [B, 2] (player, enemy), "frame_bytes" int32 [B,
        frameskip, 4], "frame_actions" int32 [B, frameskip] and, if ``params.render_frames``,
        "frame" uint8 [B, 210, 160]."""
        batch = len(self.emulators)
        action = np.asarray(action)
        if action.shape != (batch,):
            raise ValueError(f"expected actions of shape ({batch},), got {action.shape}")
        check_action(action, self.num_actions)
        protocol = params.protocol
        frame_actions = batch_frame_actions(
            key, state.previous_action, action.astype(np.int32), protocol.frameskip, protocol.sticky_prob
        )
        reward = np.zeros(batch, np.float32)
        frame_bytes = np.zeros((batch, protocol.frameskip, len(self.spec.ram_indices)), np.int32)
        indices = list(self.spec.ram_indices)
        for b, ale in enumerate(self.emulators):
            for f, frame_action in enumerate(frame_actions[b]):
                reward[b] += ale.act(self.spec.ale_actions[frame_action])
                frame_bytes[b, f] = ale.getRAM()[indices]
        time = state.time + 1
        info = {"score": self.scores(), "frame_bytes": frame_bytes, "frame_actions": frame_actions}
        if params.render_frames:
            info["frame"] = self.frames()
        terminated = np.array([ale.game_over() for ale in self.emulators])
        state = AleState(previous_action=frame_actions[:, -1].astype(np.int32), time=time)
        return self._observation(), state, reward, terminated, time >= protocol.horizon, info

    def scores(self) -> np.ndarray:
        """Points (player, enemy) of each game: int32 [B, 2]."""
        raw = np.stack([ale.getRAM()[list(self.spec.score_indices)] for ale in self.emulators]).astype(np.int32)
        return 10 * (raw >> 4) + (raw & 15) if self.spec.score_is_bcd else raw

    def frames(self) -> np.ndarray:
        """Binary screens (grayscale != the game's background): uint8 [B, 210, 160]."""
        gray = np.stack([ale.getScreenGrayscale() for ale in self.emulators])
        return (gray != self.spec.background_gray).astype(np.uint8)

    def rams(self) -> np.ndarray:
        """Full RAM of each emulator: uint8 [B, 128]."""
        return np.stack([ale.getRAM() for ale in self.emulators])

    def paddle_resistances(self) -> np.ndarray:
        """ALE's first-paddle resistance of each emulator (for syncing the JAX Pong): int64 [B]."""
        return np.array([paddle_resistance(ale) for ale in self.emulators])

    def observation_space(self, params: AleParams) -> Box:
        return Box(0.0, 1.0, (len(self.spec.ram_indices),))

    def action_space(self, params: AleParams) -> Discrete:
        return Discrete(self.num_actions)
