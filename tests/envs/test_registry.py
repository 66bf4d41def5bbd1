"""snnrl.envs.make and the names it knows; imports stay lazy."""

from __future__ import annotations

import subprocess
import sys

import jax
import pytest

from snnrl.envs import AleEnv, GymnaxEnv, JaxPong, make, registered_names
from snnrl.envs.gymnax_adapter import gymnax_ids


def test_names_cover_pong_ale_and_every_gymnax_env():
    names = registered_names()
    assert names[:3] == ["pong", "ale:pong", "ale:boxing"]
    assert {f"gymnax:{env_id}" for env_id in gymnax_ids()} == set(names[3:])
    assert "gymnax:CartPole-v1" in names


@pytest.mark.parametrize(
    "name, kind", [("pong", JaxPong), ("ale:pong", AleEnv), ("ale:boxing", AleEnv), ("gymnax:Catch-bsuite", GymnaxEnv)]
)
def test_make_returns_env_and_params(name, kind):
    env, params = make(name)
    assert isinstance(env, kind) and env.name == name
    assert env.observation_space(params).shape


@pytest.mark.parametrize("name", ["pongg", "ale:breakout", "gymnax:NoSuchEnv-v0", ""])
def test_unknown_name_lists_the_known_ones(name):
    with pytest.raises(ValueError, match="known: pong, ale:pong, ale:boxing, gymnax:CartPole-v1"):
        make(name)


def test_options_reach_the_params():
    _, params = make("pong", horizon=50, sticky_prob=0.0, noop_warmup=18, render_frames=True)
    assert (params.protocol.horizon, params.protocol.sticky_prob, params.protocol.noop_warmup) == (50, 0.0, 18)
    assert params.render_frames
    _, ale_params = make("ale:pong", batch_size=4, frameskip=2)
    assert ale_params.batch_size == 4 and ale_params.protocol.frameskip == 2


def test_unknown_options_raise():
    with pytest.raises(TypeError, match="batch_size"):
        make("pong", batch_size=3)
    with pytest.raises(TypeError, match="takes no options"):
        make("gymnax:CartPole-v1", horizon=3)


def test_importing_envs_loads_neither_ale_py_nor_gymnax():
    code = "import sys, snnrl.envs; print('ale_py' in sys.modules, 'gymnax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_made_pong_is_deterministic():
    env, params = make("pong")
    step = jax.jit(env.step)
    runs = []
    for _ in range(2):
        obs, state = env.reset(jax.random.key(0), params)
        for t in range(5):
            obs, state, *_ = step(jax.random.key(t), state, t % 3, params)
        runs.append(obs)
    assert (runs[0] == runs[1]).all()


def test_every_registration_declares_its_capabilities():
    from snnrl.envs import CAPABILITIES, REGISTRY

    for entry in REGISTRY.values():
        assert all(isinstance(getattr(entry, capability), bool) for capability in CAPABILITIES), entry.name


def test_registering_a_taken_name_is_refused_naming_it():
    from snnrl.envs import register

    with pytest.raises(ValueError, match="environment 'pong' is already registered"):
        register(
            "pong",
            lambda name, protocol: None,
            host_side=False,
            protocol=False,
            renders_frames=False,
            ram_observations=False,
        )


def test_registering_without_a_capability_is_refused_naming_what_is_missing():
    from snnrl.envs import REGISTRY, register

    missing = r"environment 'mine' does not declare renders_frames, ram_observations, episodic"
    with pytest.raises(ValueError, match=missing):
        register("mine", lambda name, protocol: None, host_side=False, protocol=False)
    assert "mine" not in REGISTRY


def test_a_registered_environment_is_made_by_name(monkeypatch):
    from snnrl.envs import REGISTRY, env_spec, make, register

    monkeypatch.setattr("snnrl.envs.registry.REGISTRY", dict(REGISTRY))
    register(
        "mine",
        lambda name, protocol: ("env", "params"),
        host_side=True,
        protocol=False,
        renders_frames=False,
        ram_observations=False,
        episodic=False,
    )
    assert make("mine") == ("env", "params")
    assert env_spec("mine").host_side
