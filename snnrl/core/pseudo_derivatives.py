"""Pseudo-derivatives of the spike w.r.t. the membrane potential.

Each pseudo-derivative is a pure function ``x -> p`` of the distance to threshold ``x = v - v_th``
(any shape), numerically stable for every float value (no overflow for |x| ~ 1e30).

- ``sigmoid``: the dreaming paper's sigma'(x/dv)/dv (official code: dv = 1).
- ``triangle``: the e-prop paper's gamma * max(0, 1 - |x| / width) (gamma = 0.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from snnrl.core.checks import check_real

PseudoDerivative = Callable[[jax.Array], jax.Array]


def sigmoid_derivative(x: jax.Array, width: float = 1.0) -> jax.Array:
    """sigma'(x/width)/width, written as exp(-|z|)/(1+exp(-|z|))^2 so it never overflows. Shape of x."""
    z = jnp.abs(x / width)
    decay = jnp.exp(-z)
    return decay / jnp.square(1.0 + decay) / width


def triangle(x: jax.Array, width: float = 1.0, gamma: float = 0.3) -> jax.Array:
    """gamma * max(0, 1 - |x|/width): the e-prop paper's pseudo-derivative. Shape of x."""
    return gamma * jnp.maximum(0.0, 1.0 - jnp.abs(x) / width)


@dataclass(frozen=True)
class PseudoDerivativeSpec:
    """A named pseudo-derivative with its width (dv or thr) and height factor."""

    name: str = "sigmoid"
    width: float = 1.0
    gamma: float = 0.3

    def __post_init__(self) -> None:
        check_real("pseudo_derivative", "width", self.width, finite=True)
        check_real("pseudo_derivative", "gamma", self.gamma, finite=True)
        if not isinstance(self.name, str) or self.name not in PSEUDO_DERIVATIVES:
            raise ValueError(f"pseudo_derivative.name={self.name!r} is unknown; allowed: {sorted(PSEUDO_DERIVATIVES)}")
        if not self.width > 0:
            raise ValueError(f"pseudo_derivative.width must be > 0, got {self.width}")
        if not self.gamma > 0:
            raise ValueError(f"pseudo_derivative.gamma must be > 0, got {self.gamma}")

    def __call__(self, x: jax.Array) -> jax.Array:
        """Evaluate the pseudo-derivative at distance-to-threshold x (any shape)."""
        if self.name == "sigmoid":
            return sigmoid_derivative(x, self.width)
        return triangle(x, self.width, self.gamma)


PSEUDO_DERIVATIVES: dict[str, PseudoDerivative] = {
    "sigmoid": sigmoid_derivative,
    "triangle": triangle,
}
