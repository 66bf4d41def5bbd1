"""The chip inside compiled JAX code: a hidden-layer step that calls the open ``Dynapse1Session``.

``chip_hidden_step(layer, spikes, n_hidden)`` is a host callback. Under ``vmap`` the whole batch becomes one
call (a ``custom_vmap`` rule), so the layers of all realizations are stimulated together in the same agent
step of wall time (one board holds several realizations on distinct cores); without this rule JAX would
loop over the batch, one 10 ms step each. The session is the one opened with ``use_session``;
``run_experiment`` opens it for chip runs.

It is a ``pure_callback``, not an ``io_callback``: JAX refuses IO effects inside a vmapped ``lax.cond``,
and planning looks ahead inside one. What that costs, and why it is safe here: the compiler may drop a
call whose counts are unused (every count feeds a readout or a record) and may merge identical calls
within one step (each network's call carries its own layer index); the calls of one step may run in
either order, which the session's lock serializes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.hardware.dynapse1.session import Dynapse1Session

# The one piece of module state in snnrl, on purpose: the compiled step is built from frozen configs and
# pytrees, and an open board is a host resource that can be neither. ``use_session`` scopes it to a block.
_sessions: list[Dynapse1Session] = []


@contextmanager
def use_session(session: Dynapse1Session) -> Iterator[Dynapse1Session]:
    """Make ``session`` the board that ``chip_hidden_step`` drives inside this block."""
    _sessions.append(session)
    try:
        yield session
    finally:
        _sessions.remove(session)


def active_session() -> Dynapse1Session:
    """The innermost session opened with ``use_session``; RuntimeError if there is none."""
    if not _sessions:
        raise RuntimeError(
            "the dynapse1 hidden backend needs an open DYNAP-SE1 session: train through "
            "snnrl.experiments.run_experiment / `snnrl train --backend dynapse1` (they open one board for all "
            "layers), or wrap the call in `with use_session(Dynapse1Session(layers)):`"
        )
    return _sessions[-1]


def chip_hidden_step(layer: jax.Array, spikes: jax.Array, n_hidden: int) -> jax.Array:
    """One agent step of layer ``layer`` (int scalar, index into the session's layers) on the chip:
    input spike counts (bins_per_step, n_sources) -> hidden spike counts (n_hidden,) float32.
    vmap over leading axes of both arguments -> one board step for the whole batch. RuntimeError (when
    traced, and when run) if no session is open."""
    active_session()
    return _board_step(n_hidden)(jnp.asarray(layer, jnp.int32), jnp.asarray(spikes, jnp.float32))


@functools.cache
def _board_step(n_hidden: int):
    @jax.custom_batching.custom_vmap
    def step(layer: jax.Array, spikes: jax.Array) -> jax.Array:
        return _call(n_hidden, layer[None], spikes[None])[0]

    @step.def_vmap
    def batched(axis_size: int, in_batched: list[bool], layer: jax.Array, spikes: jax.Array):
        layer = layer if in_batched[0] else jnp.broadcast_to(layer, (axis_size,))
        spikes = spikes if in_batched[1] else jnp.broadcast_to(spikes, (axis_size, *spikes.shape))
        return _call(n_hidden, layer, spikes), True

    return step


def _call(n_hidden: int, layers: jax.Array, spikes: jax.Array) -> jax.Array:
    result = jax.ShapeDtypeStruct((layers.shape[0], n_hidden), jnp.float32)
    return jax.pure_callback(functools.partial(_host_step, n_hidden), result, layers, spikes, vmap_method="sequential")


def _host_step(n_hidden: int, layers: np.ndarray, spikes: np.ndarray) -> np.ndarray:
    """(B,) layer indices, (B, bins, sources) spikes -> (B, n_hidden) counts from the active session."""
    session = active_session()
    indices = [int(i) for i in np.asarray(layers)]
    if len(set(indices)) != len(indices):
        raise ValueError(f"one board step stimulates each layer once; layers {indices} repeat")
    wrong = [i for i in indices if 0 <= i < len(session.layers) and session.layers[i].n_hidden != n_hidden]
    if wrong:
        raise ValueError(
            f"layer {wrong[0]} has {session.layers[wrong[0]].n_hidden} hidden neurons on the board, "
            f"the network expects {n_hidden}"
        )
    counts = session.step(dict(zip(indices, np.asarray(spikes), strict=False)))
    return np.stack([counts[i] for i in indices]).astype(np.float32)
