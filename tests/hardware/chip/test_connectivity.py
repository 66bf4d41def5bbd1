"""Fixed random connectivity: distinct generators, multiplicities, both rules, seeding."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from snnrl.hardware.chip.connectivity import random_connectivity


def test_slots_rule_gives_eight_distinct_generators_with_multiplicity_one_to_four():
    c = random_connectivity(0, 40, 510)
    assert c.multiplicity.shape == (40, 510) and c.multiplicity.dtype == np.int32
    assert c.slot_sources.shape == (510, 8)
    assert all(len(set(row)) == 8 for row in c.slot_sources)
    np.testing.assert_array_equal((c.multiplicity > 0).sum(axis=0), 8)
    assert c.multiplicity.max() == 4 and c.multiplicity[c.multiplicity > 0].min() == 1
    for j in (0, 17, 509):
        np.testing.assert_array_equal(c.multiplicity[c.slot_sources[j], j], c.slot_multiplicity[j])
    fractions = np.bincount(c.slot_multiplicity.ravel(), minlength=5)[1:] / c.slot_multiplicity.size
    np.testing.assert_allclose(fractions, 0.25, atol=0.03)
    assert (c.multiplicity > 0).any(axis=1).all()  # every generator is used somewhere


def test_budget_rule_spends_exactly_eight_cam_entries():
    c = random_connectivity(3, 43, 510, rule="budget")
    np.testing.assert_array_equal(c.multiplicity.sum(axis=0), 8)
    used = (c.multiplicity > 0).sum(axis=0)
    assert used.min() >= 2 and used.max() <= 8 and len(np.unique(used)) > 2
    assert c.multiplicity.max() <= 4
    assert all(len(set(row)) == 8 for row in c.slot_sources)


def test_same_seed_same_matrix_different_seed_different_matrix():
    a = random_connectivity(7, 40, 100)
    np.testing.assert_array_equal(a.multiplicity, random_connectivity(7, 40, 100).multiplicity)
    np.testing.assert_array_equal(a.multiplicity, random_connectivity(jax.random.PRNGKey(7), 40, 100).multiplicity)
    assert not np.array_equal(a.multiplicity, random_connectivity(8, 40, 100).multiplicity)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="distinct generators"):
        random_connectivity(0, 5, 10, n_slots=8)
    with pytest.raises(ValueError, match="slots, budget"):
        random_connectivity(0, 40, 10, rule="dense")
    with pytest.raises(ValueError, match="n_hidden"):
        random_connectivity(0, 40, 0)
    with pytest.raises(ValueError, match="seed"):
        random_connectivity("zero", 40, 10)
