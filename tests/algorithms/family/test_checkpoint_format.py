"""The family's checkpoints use the one named-leaf format of core.storage; the older positional files
(leaf_0, leaf_1, ...) stay readable."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snnrl.algorithms.family.chunked import load_checkpoint, save_checkpoint
from snnrl.core.storage import LEAF_PREFIX, read_npz

RUNNER = {"params": {"w": jnp.arange(6.0).reshape(2, 3), "b": jnp.ones(3)}, "step": jnp.int32(4)}
METRICS = {"loss": np.array([1.0, 0.5])}


def test_leaves_are_stored_by_name_and_read_back(tmp_path):
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, RUNNER, 2, METRICS, "run")
    names = read_npz(path)
    assert f"{LEAF_PREFIX}['params']['w']" in names and not any(name.startswith("leaf_") for name in names)
    runner, done, metrics = load_checkpoint(path, jax.eval_shape(lambda: RUNNER), "run")
    assert done == 2 and np.array_equal(metrics["loss"], METRICS["loss"])
    jax.tree.map(lambda a, b: np.testing.assert_array_equal(a, b), runner, RUNNER)
    assert runner["step"].dtype == jnp.int32
    with pytest.raises(ValueError, match="belongs to another run"):
        load_checkpoint(path, RUNNER, "other")


def test_an_old_positional_checkpoint_is_read(tmp_path):
    path = tmp_path / "checkpoint.npz"
    leaves = {f"leaf_{i}": np.asarray(leaf) for i, leaf in enumerate(jax.tree.leaves(RUNNER))}
    np.savez(path, done=np.int64(3), run_id=np.str_("run"), metric_loss=METRICS["loss"], **leaves)
    runner, done, metrics = load_checkpoint(path, RUNNER, "run")
    assert done == 3 and list(metrics) == ["loss"]
    jax.tree.map(lambda a, b: np.testing.assert_array_equal(a, b), runner, RUNNER)
