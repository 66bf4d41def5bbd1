"""The fixed hidden layers of readout-only (neuromorphic) runs: each realization's parameters, and for
the real chip the board session that holds the layers of all realizations.

Keys: realization r's learner key is ``fold_in(k_r, INIT_TAG)``; its agent layer is drawn from
``fold_in(init_key, 1)``, its world-model layer from ``fold_in(init_key, 2)``, whatever the backend, so
a chip run uses the connectivity of the simulated run with the same seed.

On the chip ('dynapse1'), layers are numbered realization-major ([agent_0, world_model_0, agent_1, ...],
only the networks whose backend is 'dynapse1') and placed on consecutive cores of one board: with 510
neurons per layer, realization r takes the four cores of chip r, so a DYNAP-SE1 board holds 4 realizations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import jax
import jax.numpy as jnp

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.hardware.backend import on_board
from snnrl.hardware.chip.description import DYNAPSE1, ChipDescription
from snnrl.hardware.chip.mapper import MappedNetwork, MappingError, map_hidden_layer
from snnrl.models.neuromorphic import FixedHiddenLayerConfig, NeuromorphicAgentConfig, hidden_parameters, layer_spec

INIT_TAG = 2**31 - 1  # fold_in tag for the learner's initial weights (never a game index)
ROLES = ("agent", "world_model")
ROLE_TAGS = {"agent": 1, "world_model": 2}


def init_keys(base_keys: jax.Array) -> jax.Array:
    """Each realization's learner key. base_keys (R,) -> (R,)."""
    return jax.vmap(lambda k: jax.random.fold_in(k, INIT_TAG))(base_keys)


def _hidden_config(algorithm: DreamingConfig, role: str) -> FixedHiddenLayerConfig:
    return getattr(algorithm, role).hidden


def chip_roles(algorithm: DreamingConfig) -> tuple[str, ...]:
    """The networks whose hidden layer runs on the real chip ('agent', 'world_model' or both)."""
    if not isinstance(algorithm.agent, NeuromorphicAgentConfig):
        return ()
    return tuple(role for role in ROLES if on_board(_hidden_config(algorithm, role).backend))


def hidden_layer_parameters(algorithm: DreamingConfig, base_keys: jax.Array):
    """(agent, world model) hidden-layer parameters of every realization, stacked (leading axis R), drawn
    in JAX (``base_keys`` (R,) may be traced, so a jitted ``train`` builds them)."""
    roles = chip_roles(algorithm)

    def one_realization(key: jax.Array, r: jax.Array):
        return tuple(
            hidden_parameters(
                _hidden_config(algorithm, role),
                role,
                jax.random.fold_in(key, ROLE_TAGS[role]),
                chip_layer=r * len(roles) + roles.index(role) if role in roles else None,
            )
            for role in ROLES
        )

    return jax.vmap(one_realization)(init_keys(base_keys), jnp.arange(len(base_keys)))


def _cores_per_layer(hidden: FixedHiddenLayerConfig, chip: ChipDescription) -> int:
    return math.ceil(hidden.n_hidden / len(chip.usable_neuron_ids))


def check_board_fits(algorithm: DreamingConfig, realizations: int, chip: ChipDescription = DYNAPSE1) -> None:
    """MappingError if the chip layers of ``realizations`` realizations need more cores than one board has
    (counted without mapping anything)."""
    roles = chip_roles(algorithm)
    needed = [_cores_per_layer(_hidden_config(algorithm, role), chip) for role in roles]
    if roles and realizations * sum(needed) > chip.n_cores:
        raise MappingError(
            f"{realizations} realizations do not fit on one {chip.name} board: their {len(roles)} chip "
            f"layer(s) need {sum(needed)} core(s) per realization and the board has {chip.n_cores}; run at most "
            f"{chip.n_cores // sum(needed)} realizations per board"
        )


def board_layers(
    algorithm: DreamingConfig, base_keys: jax.Array, chip: ChipDescription = DYNAPSE1
) -> list[MappedNetwork]:
    """The mapped layers of all realizations on one board, in session order; MappingError if they do not fit."""
    check_board_fits(algorithm, len(base_keys), chip)
    roles = chip_roles(algorithm)
    layers, next_core = [], 0
    for key in init_keys(base_keys):
        for role in roles:
            hidden = _hidden_config(algorithm, role)
            spec = layer_spec(hidden, role, jax.random.fold_in(key, ROLE_TAGS[role]))
            count = _cores_per_layer(hidden, chip)
            cores = tuple(divmod(next_core + k, chip.cores_per_chip) for k in range(count))
            layers.append(map_hidden_layer(spec, chip, cores=cores))
            next_core += count
    return layers


def board_session(algorithm: DreamingConfig, base_keys: jax.Array):
    """Context manager: for a run with chip layers, open one DYNAP-SE1 session holding the layers of all
    realizations and make it the active one (yields it); otherwise does nothing (yields None)."""
    if not chip_roles(algorithm):
        return nullcontext()
    return _open_board(algorithm, base_keys)


@contextmanager
def _open_board(algorithm: DreamingConfig, base_keys: jax.Array) -> Iterator[object]:
    from snnrl.hardware.dynapse1.bridge import use_session
    from snnrl.hardware.dynapse1.session import Dynapse1Session

    encoders = {_hidden_config(algorithm, role).encoder for role in chip_roles(algorithm)}
    timing = {(encoder.bins_per_step, encoder.bin_ms) for encoder in encoders}
    if len(timing) != 1:
        raise ValueError(
            f"the chip layers of agent and world model must share the agent-step timing (bins per "
            f"step, bin ms); got {sorted(timing)}"
        )
    layers = board_layers(algorithm, base_keys)
    with Dynapse1Session(layers, encoder=encoders.pop()) as session, use_session(session):
        yield session
