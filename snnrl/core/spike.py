"""Heaviside spike with a surrogate gradient, so that ``jax.grad`` through a ``lax.scan`` of LIF steps
gives BPTT with the chosen pseudo-derivative."""

from __future__ import annotations

from functools import partial

import jax

from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def spike(x: jax.Array, pseudo_derivative: PseudoDerivativeSpec) -> jax.Array:
    """H(x) = 1.0 where x > 0 else 0.0 (x = v - v_th, any shape); backward pass uses the pseudo-derivative."""
    return (x > 0).astype(x.dtype)


def _spike_forward(x: jax.Array, pseudo_derivative: PseudoDerivativeSpec):
    return spike(x, pseudo_derivative), x


def _spike_backward(pseudo_derivative: PseudoDerivativeSpec, x: jax.Array, cotangent: jax.Array):
    return (cotangent * pseudo_derivative(x),)


spike.defvjp(_spike_forward, _spike_backward)
