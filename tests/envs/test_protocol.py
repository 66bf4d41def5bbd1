"""The episode protocol pieces: sticky frame actions, observation scaling, config checks."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.envs.protocol import EpisodeProtocol, ram_observation, sticky_frame_actions

_many = jax.jit(jax.vmap(sticky_frame_actions, in_axes=(0, None, None, None, None)), static_argnums=3)


def _draw(previous, action, prob, n=20000, frameskip=4):
    keys = jax.random.split(jax.random.key(5), n)
    return np.asarray(_many(keys, jnp.int32(previous), jnp.int32(action), frameskip, prob))


def test_no_stickiness_executes_the_action_on_every_frame():
    assert (_draw(1, 2, 0.0) == 2).all()


def test_full_stickiness_keeps_the_previous_action():
    assert (_draw(1, 2, 1.0) == 1).all()


def test_each_frame_repeats_the_last_frame_with_probability_p():
    frames = _draw(0, 2, 0.25)
    # frame i still shows the old action iff all frames 0..i kept it: probability 0.25 ** (i + 1)
    old = (frames == 0).mean(axis=0)
    np.testing.assert_allclose(old, 0.25 ** np.arange(1, 5), atol=0.01)
    # once the new action is taken it stays (sticking to it repeats it)
    switched_back = (frames[:, 1:] == 0) & (frames[:, :-1] == 2)
    assert not switched_back.any()
    assert set(np.unique(frames)) == {0, 2}


def test_same_key_same_frame_actions():
    key = jax.random.key(42)
    first = sticky_frame_actions(key, jnp.int32(1), jnp.int32(2), 8, 0.5)
    second = sticky_frame_actions(key, jnp.int32(1), jnp.int32(2), 8, 0.5)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (8,) and first.dtype == jnp.int32


def test_ram_observation_scales_bytes_to_unit_interval():
    np.testing.assert_allclose(ram_observation(jnp.array([0, 51, 255, 204])), [0.0, 0.2, 1.0, 0.8])


def test_protocol_defaults_are_the_papers():
    protocol = EpisodeProtocol()
    assert (protocol.frameskip, protocol.sticky_prob, protocol.noop_warmup, protocol.horizon) == (4, 0.25, 21, 100)


@pytest.mark.parametrize("field, value", [("frameskip", 0), ("noop_warmup", -1)])
def test_protocol_rejects_bad_lengths(field, value):
    with pytest.raises(ValueError, match=field):
        EpisodeProtocol(**{field: value})


def test_protocols_can_be_vmapped_over_stickiness():
    protocols = EpisodeProtocol(sticky_prob=jnp.array([0.0, 1.0]), horizon=jnp.array([5, 5]))
    frames = jax.vmap(lambda p: sticky_frame_actions(jax.random.key(0), jnp.int32(1), jnp.int32(2), 4, p.sticky_prob))(
        protocols
    )
    np.testing.assert_array_equal(frames, [[2, 2, 2, 2], [1, 1, 1, 1]])
