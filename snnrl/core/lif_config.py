"""LIF network constants as a frozen, validated dataclass with named presets (docs/science.md, "LIF network")."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import jax.numpy as jnp

from snnrl.core.checks import check_flag, check_real
from snnrl.core.fields import static
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec


def decay(dt, tau):
    """exp(-dt / tau): a Python float for numbers (the constant every run compiles with), a JAX value when
    either is traced (a swept time constant, see experiments.sweep_axes)."""
    if isinstance(dt, (int, float)) and isinstance(tau, (int, float)):
        return math.exp(-dt / tau)
    return jnp.exp(-dt / tau)


@dataclass(frozen=True)
class LIFConfig:
    """Constants of a recurrent LIF network in discrete time (times in ms).

    n_neurons: N. dt: step. tau_m: membrane. tau_s: recurrent spike filter. tau_readout: readout filter
    (s_bar). v_rest: the constant drive ``h``. v_th: threshold. w_res: self-reset per spike (< 0).
    v_init: membrane value at each game start. w_in_std / w_rec_std: std of the fixed input weights and
    of the initial recurrent weights (zero diagonal). filter_eligibility: True = the e-prop paper's
    form (eligibility low-pass filtered by the readout filter, exact gradient); False = the dreaming
    paper's eqs. 5 and 8 (official code).
    """

    n_neurons: int = static("an array shape", 500)
    dt: float = 1.0
    tau_m: float = 6.0
    tau_s: float = 4.0
    tau_readout: float = 1.0
    v_rest: float = -8.0
    v_th: float = 0.0
    w_res: float = -100.0
    v_init: float = -4.0
    w_in_std: float = 10.0
    w_rec_std: float | None = None  # None: 1/sqrt(N), as in the official code
    pseudo_derivative: PseudoDerivativeSpec = field(default_factory=PseudoDerivativeSpec)
    filter_eligibility: bool = False

    def __post_init__(self) -> None:
        for name in ("dt", "tau_m", "tau_s", "tau_readout", "w_in_std", "v_rest", "v_th", "w_res", "v_init"):
            check_real("LIFConfig", name, getattr(self, name))
        check_real("LIFConfig", "w_rec_std", self.w_rec_std, optional=True)
        check_flag("LIFConfig", "filter_eligibility", self.filter_eligibility)
        if not isinstance(self.n_neurons, int) or isinstance(self.n_neurons, bool) or self.n_neurons < 1:
            raise ValueError(f"LIFConfig.n_neurons must be an integer >= 1, got {self.n_neurons!r}")
        for name in ("dt", "tau_m", "tau_s", "tau_readout", "w_in_std"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"LIFConfig.{name} must be a finite number > 0, got {value!r}")
        for name in ("v_rest", "v_th", "w_res", "v_init"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value)):
                raise ValueError(f"LIFConfig.{name} must be a finite number, got {value!r}")
        if self.w_rec_std is not None and not (math.isfinite(self.w_rec_std) and self.w_rec_std >= 0):
            raise ValueError(f"LIFConfig.w_rec_std must be >= 0 or None, got {self.w_rec_std!r}")
        if not isinstance(self.pseudo_derivative, PseudoDerivativeSpec):
            raise ValueError(
                "LIFConfig.pseudo_derivative must be a PseudoDerivativeSpec, got "
                f"{type(self.pseudo_derivative).__name__}"
            )
        if not self.w_res < 0:
            raise ValueError(
                f"LIFConfig.w_res is the self-reset per spike and must be < 0 (official -100), got {self.w_res!r}"
            )

    @property
    def alpha_m(self) -> float:
        """Membrane decay exp(-dt/tau_m)."""
        return decay(self.dt, self.tau_m)

    @property
    def alpha_s(self) -> float:
        """Recurrent spike-filter decay exp(-dt/tau_s)."""
        return decay(self.dt, self.tau_s)

    @property
    def alpha_readout(self) -> float:
        """Readout-filter decay exp(-dt/tau_readout)."""
        return decay(self.dt, self.tau_readout)

    @property
    def recurrent_std(self) -> float:
        """Std of the initial recurrent weights."""
        return 1.0 / math.sqrt(self.n_neurons) if self.w_rec_std is None else self.w_rec_std

    def replace(self, **changes) -> LIFConfig:
        """A copy with some fields changed (validated again)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"LIFConfig has no field(s) {unknown}; fields: {sorted(known)}")
        return replace(self, **changes)


LIF_PRESETS: dict[str, LIFConfig] = {
    # Values of the official code (they produced the published curves).
    "official": LIFConfig(),
    # Values written in the dreaming paper's text.
    "paper": LIFConfig(v_rest=-4.0, w_res=-20.0, w_in_std=math.sqrt(5.0)),
}


def lif_preset(name: str, **changes) -> LIFConfig:
    """The named LIF preset ('official' or 'paper'), optionally with fields changed."""
    if name not in LIF_PRESETS:
        raise ValueError(f"unknown LIF preset {name!r}; allowed: {sorted(LIF_PRESETS)}")
    return LIF_PRESETS[name].replace(**changes) if changes else LIF_PRESETS[name]
