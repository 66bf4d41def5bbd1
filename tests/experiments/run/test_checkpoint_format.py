"""Checkpoints store the learners' leaves under their pytree paths (issue 14, item 3): a reordered field keeps
its arrays, a renamed or reshaped one is named; snnrl 0.2.0's positional checkpoints still resume; a
compiled chunk donates the learners' buffers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import struct

from snnrl.core.storage import LEAF_PREFIX, leaf_names, load_pytree, read_npz, save_pytree, write_npz
from snnrl.experiments.config.overrides import fit_to_environment
from snnrl.experiments.run.checkpoint import CHECKPOINT, METRIC_NAMES
from snnrl.experiments.run.runner import _compiled_chunk, load_state, read_config, run_experiment
from snnrl.experiments.train import init_learners, make_environment, realization_keys
from tests.experiments.conftest import tiny_config


@struct.dataclass
class Weights:
    w_in: jax.Array
    w_out: jax.Array


@struct.dataclass
class Reordered:
    w_out: jax.Array
    w_in: jax.Array


@struct.dataclass
class Renamed:
    w_in: jax.Array
    readout: jax.Array


def stored(tmp_path):
    path = tmp_path / "tree.npz"
    save_pytree(path, {"net": Weights(jnp.ones((2, 3)), jnp.full((2, 3), 2.0))}, {"extra": np.arange(3)})
    return path


def test_leaves_are_stored_under_their_paths(tmp_path):
    names = set(read_npz(stored(tmp_path)))
    assert names == {f"{LEAF_PREFIX}['net'].w_in", f"{LEAF_PREFIX}['net'].w_out", "extra"}


def test_a_reordered_field_keeps_its_arrays(tmp_path):
    template = {"net": Reordered(jnp.zeros((2, 3)), jnp.zeros((2, 3)))}
    tree, extra = load_pytree(stored(tmp_path), template)
    np.testing.assert_array_equal(tree["net"].w_in, np.ones((2, 3)))
    np.testing.assert_array_equal(tree["net"].w_out, np.full((2, 3), 2.0))
    np.testing.assert_array_equal(extra["extra"], np.arange(3))


def test_a_renamed_field_is_named_instead_of_loaded(tmp_path):
    template = {"net": Renamed(jnp.zeros((2, 3)), jnp.zeros((2, 3)))}
    with pytest.raises(ValueError) as error:
        load_pytree(stored(tmp_path), template)
    assert f"missing: {LEAF_PREFIX}['net'].readout" in str(error.value)
    assert f"unexpected: {LEAF_PREFIX}['net'].w_out" in str(error.value)


def test_a_reshaped_field_is_named_with_both_shapes(tmp_path):
    template = {"net": Weights(jnp.zeros((2, 3)), jnp.zeros((4, 3)))}
    with pytest.raises(
        ValueError, match=r"shape mismatch: learners\['net'\].w_out \(stored \(2, 3\), expected \(4, 3\)\)"
    ):
        load_pytree(stored(tmp_path), template)


def test_extra_names_may_not_pose_as_leaves(tmp_path):
    with pytest.raises(ValueError, match="must not start with"):
        save_pytree(tmp_path / "x.npz", {"a": jnp.zeros(2)}, {"leaf_0": np.zeros(2)})


def positional(path, template):
    """Rewrite a named checkpoint as snnrl 0.2.0 wrote it: leaf_0, leaf_1, ... and no meta_ fields."""
    arrays = read_npz(path)
    names = list(leaf_names(template))
    legacy = {f"leaf_{i}": arrays.pop(name) for i, name in enumerate(names)}
    write_npz(path, {**legacy, **{k: v for k, v in arrays.items() if not k.startswith("meta_")}})


def test_a_positional_checkpoint_of_snnrl_0_2_0_still_resumes(tmp_path):
    config = tiny_config(games=1, chunk_games=1)
    old, full = tmp_path / "old", tmp_path / "full"
    run_experiment(config, old, show_progress=False)
    template = load_state(read_config(old), old).learners
    positional(old / CHECKPOINT, template)
    assert "leaf_0" in read_npz(old / CHECKPOINT)
    run_experiment(config.replace(games=2), old, resume=True, show_progress=False)
    run_experiment(config.replace(games=2), full, show_progress=False)
    for name in METRIC_NAMES:
        np.testing.assert_array_equal(read_npz(old / "metrics.npz")[name], read_npz(full / "metrics.npz")[name])
    assert "leaf_0" not in read_npz(old / CHECKPOINT)  # written again with named leaves


def test_the_compiled_chunk_donates_the_learners():
    config = tiny_config(games=2, chunk_games=1)
    env, env_params = make_environment(config)
    config = fit_to_environment(config, env, env_params)
    keys = realization_keys(config.seed, config.realizations)
    learners = init_learners(config, keys)
    chunk = _compiled_chunk(config, env, env_params, learners, keys, 0)
    updated, _ = chunk(learners, keys, jnp.arange(0, 1))
    assert all(leaf.is_deleted() for leaf in jax.tree.leaves(learners))
    assert not any(leaf.is_deleted() for leaf in jax.tree.leaves(updated))
