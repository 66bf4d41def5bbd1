"""Full BPTT with the official reset (w_res = -100) overflows; detaching the reset keeps it finite."""

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.core import lif
from snnrl.core.lif_config import LIFConfig


def bptt_gradient(detach_reset: bool) -> np.ndarray:
    config = LIFConfig(n_neurons=24)
    key_w, key_in, key_out = jax.random.split(jax.random.key(0), 3)
    weights = lif.init_recurrent_weights(key_w, config)
    currents = 10 * jax.random.normal(key_in, (400, 24)) + 8
    readout = jax.random.normal(key_out, (2, 24))

    def loss(w):
        _, out = lif.run(lif.LIFParams(w, config), lif.init_state(config), currents, detach_reset=detach_reset)
        return jnp.sum(jnp.square(out.readout_trace @ readout.T))

    return np.asarray(jax.jit(jax.grad(loss))(weights))


def test_detached_reset_keeps_bptt_finite_where_the_full_gradient_overflows():
    full = bptt_gradient(detach_reset=False)
    detached = bptt_gradient(detach_reset=True)
    assert not np.all(np.isfinite(full)) or np.abs(full).max() > 1e30
    assert np.all(np.isfinite(detached)) and 0 < np.abs(detached).max() < 1e6
