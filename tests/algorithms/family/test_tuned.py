"""The tuned defaults per (algorithm, environment): applied by algorithm_config under the caller's fields."""

from __future__ import annotations

import pytest

from snnrl.algorithms.family import registry, tuned
from snnrl.algorithms.family.networks import NetworkConfig
from snnrl.algorithms.family.ppo import PPOConfig

ENV = "gymnax:Acrobot-v1"
ENTRY = {"lr": 5e-4, "n_envs": 16, "network": {"readout": "membrane", "n_substeps": 2}}


@pytest.fixture
def table(monkeypatch):
    """A tuned entry for PPO on Acrobot (the real table may change; the mechanism must not)."""
    monkeypatch.setitem(tuned.TUNED, ("ppo", ENV), ENTRY)


def test_tuned_values_are_applied_for_their_environment_only(table):
    config = registry.algorithm_config("ppo", env=ENV)
    assert (config.lr, config.n_envs) == (5e-4, 16)
    assert (config.network.readout, config.network.n_substeps) == ("membrane", 2)
    other = registry.algorithm_config("ppo", env="gymnax:MountainCar-v0")
    assert other == PPOConfig(env="gymnax:MountainCar-v0")
    assert registry.algorithm_config("ppo", env=ENV, tuned=False) == PPOConfig(env=ENV)
    assert ENTRY["network"] == {"readout": "membrane", "n_substeps": 2}  # the table is not mutated


def test_user_fields_win_over_the_tuned_ones(table):
    config = registry.algorithm_config("ppo", env=ENV, lr=1e-2, network={"n_substeps": 6, "kind": "mlp"})
    assert (config.lr, config.n_envs) == (1e-2, 16)
    assert (config.network.kind, config.network.n_substeps, config.network.readout) == ("mlp", 6, "membrane")
    whole = NetworkConfig(n_hidden=8)
    assert registry.algorithm_config("ppo", env=ENV, network=whole).network == whole


def test_bad_network_fields_are_named(table):
    with pytest.raises(ValueError, match=r"NetworkConfig has no field\(s\) \['substeps'\]"):
        registry.algorithm_config("ppo", env=ENV, network={"substeps": 2})
    with pytest.raises(ValueError, match="network must be a NetworkConfig or a dict of its fields, got int"):
        registry.algorithm_config("ppo", env=ENV, network=3)


@pytest.mark.parametrize("name, env", sorted(tuned.TUNED))
def test_every_shipped_entry_is_applied(name, env):
    config = registry.algorithm_config(name, env=env)
    entry = tuned.tuned_fields(name, env)
    network = entry.pop("network", {})
    assert {k: getattr(config, k) for k in entry} == entry
    assert {k: getattr(config.network, k) for k in network} == network
    assert config != registry.algorithm_config(name, env=env, tuned=False)
