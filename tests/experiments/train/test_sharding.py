"""Realizations sharded over 4 (forced) host devices give the single-device numbers."""

import os
import subprocess
import sys
import textwrap

import jax
import numpy as np

from snnrl.experiments.train import make_train
from tests.experiments.conftest import tiny_config

SCRIPT = textwrap.dedent(
    """
    import sys, jax, numpy as np
    sys.path.insert(0, {tests!r})
    from experiments.conftest import tiny_config
    from snnrl.experiments.train import make_train
    assert len(jax.devices()) == 4, jax.devices()
    learners, metrics = make_train(tiny_config(realizations=4, games=2))(jax.random.key(0))
    assert len(learners.agent.weights.w_rec.sharding.device_set) == 4, learners.agent.weights.w_rec.sharding
    np.savez({out!r}, game_return=np.asarray(metrics.game_return), w_rec=np.asarray(learners.agent.weights.w_rec),
             model_error=np.asarray(metrics.model_state_error))
    try:
        make_train(tiny_config(realizations=4, games=2, member_batch=2))
        raise SystemExit("member_batch with 4 devices was not refused")
    except ValueError as error:
        assert "member_batch=2 computes members in sequence on one device" in str(error), error
    """
)


def test_four_devices_equal_one(tmp_path):
    out = tmp_path / "sharded.npz"
    tests = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(tests=tests, out=str(out))],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(jax.devices()) == 1
    learners, metrics = make_train(tiny_config(realizations=4, games=2))(jax.random.key(0))
    with np.load(out) as sharded:
        np.testing.assert_allclose(sharded["game_return"], np.asarray(metrics.game_return), rtol=0, atol=0)
        np.testing.assert_allclose(sharded["model_error"], np.asarray(metrics.model_state_error), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(sharded["w_rec"], np.asarray(learners.agent.weights.w_rec), rtol=1e-5, atol=1e-7)
