"""Bad inputs to the core raise ValueError naming the argument, before anything compiles."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.core import eprop, lif
from snnrl.core.lif_config import LIFConfig
from snnrl.models.agent import AgentConfig

CONFIG = LIFConfig(n_neurons=8)
PARAMS = lif.LIFParams(lif.init_recurrent_weights(jax.random.key(0), CONFIG), CONFIG)


def test_nan_currents_are_named():
    currents = np.zeros((5, 8), np.float32)
    currents[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"currents holds 1 NaN"):
        lif.run(PARAMS, lif.init_state(CONFIG), currents)


@pytest.mark.parametrize(
    "name, params, state, currents",
    [
        ("currents", PARAMS, lif.init_state(CONFIG), jnp.zeros((5, 7))),
        ("params.w_rec", lif.LIFParams(jnp.zeros((8, 9)), CONFIG), lif.init_state(CONFIG), jnp.zeros((5, 8))),
        ("state.v", PARAMS, lif.init_state(LIFConfig(n_neurons=6)), jnp.zeros((5, 8))),
    ],
)
def test_mismatched_shapes_are_named(name, params, state, currents):
    with pytest.raises(ValueError, match=rf"{name} must have shape"):
        lif.run(params, state, currents)


def test_good_inputs_run_also_under_jit():
    currents = jnp.ones((5, 8))
    eager = lif.run(PARAMS, lif.init_state(CONFIG), currents)[1].v
    jitted = jax.jit(lambda c: lif.run(PARAMS, lif.init_state(CONFIG), c)[1].v)(currents)
    np.testing.assert_allclose(eager, jitted, rtol=1e-6)


def test_episode_rules_name_mismatched_arrays():
    _, out = lif.run(PARAMS, lif.init_state(CONFIG), jnp.ones((5, 8)))
    record = eprop.EpisodeRecord(out.pseudo_derivative, out.eligibility, out.readout_trace)
    readout = jnp.zeros((3, 8))
    with pytest.raises(ValueError, match=r"error must have shape \(5, 3\)"):
        eprop.supervised_gradients_episode(record, readout, jnp.zeros((5, 2)), jnp.ones(3), 0.5, False)
    with pytest.raises(ValueError, match=r"rewards holds 1 NaN"):
        eprop.policy_gradients_episode(
            record,
            readout,
            jnp.zeros(5, int),
            jnp.full((5, 3), 1 / 3),
            jnp.array([0, 0, jnp.nan, 0, 0]),
            5.0,
            0.9,
            0.5,
            False,
        )
    with pytest.raises(ValueError, match=r"readout must have shape \(3, 8\)"):
        eprop.supervised_gradients_episode(record, jnp.zeros((3, 7)), jnp.zeros((5, 3)), jnp.ones(3), 0.5, False)


def test_lif_step_refuses_a_current_of_another_shape_or_with_nan_before_computing():
    config = LIFConfig(n_neurons=6)
    params = lif.LIFParams(jnp.zeros((6, 6)), config)
    state = lif.init_state(config)
    with pytest.raises(ValueError, match=r"current must have shape \(6\), got \(1,\)"):
        lif.lif_step(params, state, jnp.ones((1,)))
    with pytest.raises(ValueError, match=r"current holds 1 NaN or infinite"):
        lif.lif_step(params, state, jnp.zeros(6).at[2].set(jnp.nan))
    # Inside jit the shape is still checked; the values (tracers) are not read.
    with pytest.raises(ValueError, match="current must have shape"):
        jax.jit(lambda c: lif.lif_step(params, state, c))(jnp.ones((3,)))


@pytest.mark.parametrize("clip", [-5.0, 0.0])
def test_a_logit_clip_at_or_below_zero_is_refused(clip):
    with pytest.raises(ValueError, match="logit_clip"):
        AgentConfig(logit_clip=clip)
