"""Population (place-cell) coding of world variables into spike-generator rates and spike trains
(docs/science.md, "The neuromorphic variant").

Each world variable x (raw RAM units) drives ``n_per_variable`` generators with Gaussian tuning:
generator i has centre ``i * spacing + offset`` and rate ``scale * N(x; centre, sigma)`` Hz (defaults:
centres i*26.6 - 10, sigma 20, scale 7000, so the peak is 7000 / (20 sqrt(2 pi)) ≈ 139.6 Hz). The world
model also gets ``n_actions`` action generators, one-hot at ``action_rate_hz``.

Rates become spike counts per time bin for one agent step (``bins_per_step`` bins of ``bin_ms``;
defaults 10 x 1 ms), either *regular* (a deterministic phase accumulator per generator: a rate r gives
exactly floor-accumulated r * step spikes, so r * 10 ms per step on average with no drift) or *Poisson*.
Generator order is variable-major: [var0 gen0..gen9, var1 gen0..gen9, ..., action0, action1, action2].
All functions are pure JAX, jittable and vmappable; the config is static (hashable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import flax.struct
import jax
import jax.numpy as jnp
import numpy as np

from snnrl.core.checks import check_actions, check_array, check_flag, check_real
from snnrl.core.fields import static

SpikeMode = Literal["regular", "poisson"]
SPIKE_MODES: tuple[str, ...] = ("regular", "poisson")


@dataclass(frozen=True)
class PopulationCodeConfig:
    """Gaussian tuning and spike-train timing (rates in Hz, times in ms, positions in raw RAM units).

    random_initial_phase: regular trains start at a uniform random phase per generator (drawn from the
    key given to ``init_encoder_state``) instead of 0, which desynchronises generators of equal rate.
    """

    n_per_variable: int = static("an array shape (the input population's size)", 10)
    spacing: float = 26.6
    offset: float = -10.0
    sigma: float = 20.0
    scale: float = 7000.0
    n_actions: int = static("an array shape", 3)
    action_rate_hz: float = 150.0
    bin_ms: float = static("the simulated chip's time step, fixed when its layer is built", 1.0)
    bins_per_step: int = static("a loop length (time bins per agent step)", 10)
    random_initial_phase: bool = False

    def __post_init__(self) -> None:
        for name in ("spacing", "offset", "sigma", "scale", "action_rate_hz", "bin_ms"):
            check_real("PopulationCodeConfig", name, getattr(self, name))
        check_flag("PopulationCodeConfig", "random_initial_phase", self.random_initial_phase)
        for name in ("n_per_variable", "bins_per_step"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"PopulationCodeConfig.{name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.n_actions, int) or isinstance(self.n_actions, bool) or self.n_actions < 0:
            raise ValueError(f"PopulationCodeConfig.n_actions must be an integer >= 0, got {self.n_actions!r}")
        for name in ("sigma", "bin_ms"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"PopulationCodeConfig.{name} must be finite and > 0, got {value!r}")
        for name in ("spacing", "offset", "scale", "action_rate_hz"):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"PopulationCodeConfig.{name} must be finite, got {value!r}")
        if self.scale < 0 or self.action_rate_hz < 0:
            raise ValueError("PopulationCodeConfig.scale and action_rate_hz must be >= 0 (rates are non-negative)")

    @property
    def step_ms(self) -> float:
        """Duration of one agent step."""
        return self.bin_ms * self.bins_per_step

    @property
    def peak_rate_hz(self) -> float:
        """Rate of a generator whose centre equals x: scale / (sigma sqrt(2 pi))."""
        return self.scale / (self.sigma * math.sqrt(2.0 * math.pi))

    def n_generators(self, n_variables: int, with_actions: bool) -> int:
        """Generators for ``n_variables`` world variables, plus the action generators if asked."""
        return n_variables * self.n_per_variable + (self.n_actions if with_actions else 0)


@flax.struct.dataclass
class EncoderState:
    """Spike-train state per generator. phase: (n_generators,) in [0, 1); key: PRNG key (Poisson / init)."""

    phase: jax.Array
    key: jax.Array


def tuning_centres(config: PopulationCodeConfig) -> jax.Array:
    """Centres of one variable's generators, (n_per_variable,): i * spacing + offset."""
    return jnp.arange(config.n_per_variable, dtype=jnp.float32) * config.spacing + config.offset


def variable_rates(variables: jax.Array, config: PopulationCodeConfig) -> jax.Array:
    """Rates (Hz) of the variable generators: variables (n_variables,) -> (n_variables * n_per_variable,).
    ValueError naming ``variables`` if it is not 1-D or, when concrete, holds NaN/inf."""
    check_array("variables", variables, (None,))
    x = jnp.asarray(variables, dtype=jnp.float32)[:, None]
    density = jnp.exp(-0.5 * ((x - tuning_centres(config)) / config.sigma) ** 2) / (
        config.sigma * math.sqrt(2.0 * math.pi)
    )
    return (config.scale * density).reshape(-1)


def action_rates(action: jax.Array, config: PopulationCodeConfig) -> jax.Array:
    """Rates (Hz) of the action generators: integer action () -> one-hot * action_rate_hz, (n_actions,).
    ValueError naming ``action`` if it is not an integer scalar in [0, n_actions) (checked when concrete)."""
    check_actions("action", action, config.n_actions, ())
    return jax.nn.one_hot(action, config.n_actions, dtype=jnp.float32) * config.action_rate_hz


def agent_rates(variables: jax.Array, config: PopulationCodeConfig) -> jax.Array:
    """Agent input rates (Hz): variables (n_variables,) -> (n_variables * n_per_variable,)."""
    return variable_rates(variables, config)


def world_model_rates(variables: jax.Array, action: jax.Array, config: PopulationCodeConfig) -> jax.Array:
    """World-model input rates (Hz): variables (n_variables,), action () ->
    (n_variables * n_per_variable + n_actions,)."""
    return jnp.concatenate([variable_rates(variables, config), action_rates(action, config)])


def init_encoder_state(key: jax.Array, n_generators: int, config: PopulationCodeConfig) -> EncoderState:
    """Fresh spike-train state for ``n_generators`` generators (phase 0, or uniform if random_initial_phase)."""
    phase_key, key = jax.random.split(key)
    if config.random_initial_phase:
        phase = jax.random.uniform(phase_key, (n_generators,), dtype=jnp.float32)
    else:
        phase = jnp.zeros((n_generators,), dtype=jnp.float32)
    return EncoderState(phase=phase, key=key)


def regular_spikes(phase: jax.Array, rates: jax.Array, config: PopulationCodeConfig) -> tuple[jax.Array, jax.Array]:
    """Deterministic trains for one agent step: phase (n,), rates (n,) Hz -> (phase (n,), counts (bins_per_step, n)).

    Each bin adds ``rate * bin`` to a phase accumulator and emits one spike per integer crossed; the
    fractional part carries over, so the count over any run of steps is within 1 of rate * duration.
    """
    increment = jnp.asarray(rates, dtype=jnp.float32) * (config.bin_ms / 1000.0)

    def one_bin(carry: jax.Array, _: None) -> tuple[jax.Array, jax.Array]:
        total = carry + increment
        spikes = jnp.floor(total)
        return total - spikes, spikes

    phase, counts = jax.lax.scan(one_bin, phase, None, length=config.bins_per_step)
    return phase, counts


def poisson_spikes(key: jax.Array, rates: jax.Array, config: PopulationCodeConfig) -> jax.Array:
    """Poisson counts for one agent step: rates (n,) Hz -> counts (bins_per_step, n), mean rate * bin each."""
    lam = jnp.asarray(rates, dtype=jnp.float32) * (config.bin_ms / 1000.0)
    shape = (config.bins_per_step,) + lam.shape
    return jax.random.poisson(key, jnp.broadcast_to(lam, shape), shape).astype(jnp.float32)


def encode_step(
    state: EncoderState, rates: jax.Array, config: PopulationCodeConfig, mode: SpikeMode = "regular"
) -> tuple[EncoderState, jax.Array]:
    """Spike counts for one agent step: rates (n,) Hz -> (state, counts (bins_per_step, n) float32).

    mode "regular" advances the phase accumulator; "poisson" draws fresh counts and advances the key.
    ValueError naming ``rates`` if its shape differs from the state's (n,) or, when concrete, it holds NaN/inf.
    """
    check_array("rates", rates, np.shape(state.phase))
    if mode == "regular":
        phase, counts = regular_spikes(state.phase, rates, config)
        return state.replace(phase=phase), counts
    if mode == "poisson":
        key, draw_key = jax.random.split(state.key)
        return state.replace(key=key), poisson_spikes(draw_key, rates, config)
    raise ValueError(f"spike mode must be one of {', '.join(SPIKE_MODES)}, got {mode!r}")
