"""Fixed random input -> hidden connectivity with integer multiplicities (docs/science.md), seeded.

Each hidden neuron has ``n_slots`` synapse slots, each on a *distinct* random generator, with a
multiplicity (number of repeated CAM entries; the chip's only way to weigh a synapse) drawn uniformly
from 1..max_multiplicity. Two rules:

- ``"slots"`` (default; the neuromorphic study as published): all n_slots slots are used, each with multiplicity 1..max.
- ``"budget"`` (the official neuromorphic code): n_slots is a budget of CAM entries; multiplicities
  1..max are drawn in turn and the last one is cut so they sum to exactly n_slots; slots left after
  the budget is spent get multiplicity 0 (so 2..n_slots distinct generators per neuron).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

ConnectionRule = Literal["slots", "budget"]
CONNECTION_RULES: tuple[str, ...] = ("slots", "budget")


@dataclass(frozen=True, eq=False)
class Connectivity:
    """A drawn connectivity.

    multiplicity: (n_generators, n_hidden) int32, number of CAM entries from generator i to neuron j.
    slot_sources: (n_hidden, n_slots) int32, the distinct generator of each slot.
    slot_multiplicity: (n_hidden, n_slots) int32, multiplicity of each slot (0 = unused, "budget" only).
    """

    multiplicity: np.ndarray
    slot_sources: np.ndarray
    slot_multiplicity: np.ndarray

    @property
    def n_generators(self) -> int:
        """Number of input generators."""
        return int(self.multiplicity.shape[0])

    @property
    def n_hidden(self) -> int:
        """Number of hidden neurons."""
        return int(self.multiplicity.shape[1])


def _as_key(seed: int | jax.Array) -> jax.Array:
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return jax.random.PRNGKey(int(seed))
    if isinstance(seed, jax.Array) and (jnp.issubdtype(seed.dtype, jax.dtypes.prng_key) or seed.shape == (2,)):
        return seed
    raise ValueError(f"seed must be an int or a jax.random key, got {seed!r}")


def _check_count(name: str, value: int, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def random_multiplicity(
    key: jax.Array,
    n_generators: int,
    n_hidden: int,
    n_slots: int = 8,
    max_multiplicity: int = 4,
    rule: ConnectionRule = "slots",
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The draw in JAX (jit- and vmap-able): key -> (multiplicity (n_generators, n_hidden), slot_sources
    (n_hidden, n_slots), slot_multiplicity (n_hidden, n_slots)), all int32. Counts are static Python ints,
    checked by ``random_connectivity``; ``random_connectivity`` returns the same numbers as NumPy arrays."""
    sources_key, weights_key = jax.random.split(key)
    scores = jax.random.uniform(sources_key, (n_hidden, n_generators))
    slot_sources = jnp.argsort(scores, axis=1)[:, :n_slots].astype(jnp.int32)
    draws = jax.random.randint(weights_key, (n_hidden, n_slots), 1, max_multiplicity + 1)
    if rule == "budget":
        spent_before = jnp.cumsum(draws, axis=1) - draws
        draws = jnp.clip(jnp.minimum(draws, n_slots - spent_before), 0, None)
    slot_multiplicity = draws.astype(jnp.int32)
    hidden = jnp.broadcast_to(jnp.arange(n_hidden)[:, None], slot_sources.shape)
    multiplicity = jnp.zeros((n_generators, n_hidden), jnp.int32).at[slot_sources, hidden].set(slot_multiplicity)
    return multiplicity, slot_sources, slot_multiplicity


def check_connectivity_arguments(
    n_generators: int, n_hidden: int, n_slots: int = 8, max_multiplicity: int = 4, rule: ConnectionRule = "slots"
) -> None:
    """ValueError naming the argument if a count is not an integer >= 1, n_slots > n_generators (the slots
    need distinct generators) or the rule is unknown."""
    _check_count("n_generators", n_generators, 1)
    _check_count("n_hidden", n_hidden, 1)
    _check_count("n_slots", n_slots, 1)
    _check_count("max_multiplicity", max_multiplicity, 1)
    if n_slots > n_generators:
        raise ValueError(f"n_slots ({n_slots}) needs that many distinct generators, but n_generators is {n_generators}")
    if rule not in CONNECTION_RULES:
        raise ValueError(f"rule must be one of {', '.join(CONNECTION_RULES)}, got {rule!r}")


def max_fan_in(n_slots: int = 8, max_multiplicity: int = 4, rule: ConnectionRule = "slots") -> int:
    """The most CAM entries one hidden neuron can get from a draw: n_slots x max_multiplicity ('slots'),
    n_slots ('budget')."""
    return n_slots * max_multiplicity if rule == "slots" else n_slots


def random_connectivity(
    seed: int | jax.Array,
    n_generators: int,
    n_hidden: int,
    n_slots: int = 8,
    max_multiplicity: int = 4,
    rule: ConnectionRule = "slots",
) -> Connectivity:
    """Draw a connectivity: seed (int or jax key) -> Connectivity with (n_generators, n_hidden) multiplicities.

    Same seed, same arguments -> same matrix (that of ``random_multiplicity``). Raises ValueError if
    n_slots > n_generators (the slots need distinct generators) or an argument is out of range.
    """
    check_connectivity_arguments(n_generators, n_hidden, n_slots, max_multiplicity, rule)
    multiplicity, slot_sources, slot_multiplicity = random_multiplicity(
        _as_key(seed), n_generators, n_hidden, n_slots, max_multiplicity, rule
    )
    return Connectivity(
        multiplicity=np.asarray(multiplicity, dtype=np.int32),
        slot_sources=np.asarray(slot_sources, dtype=np.int32),
        slot_multiplicity=np.asarray(slot_multiplicity, dtype=np.int32),
    )
