"""The worlds the agents live in, behind one gymnax-1.0-style interface (see base.py).

    env, params = snnrl.envs.make("pong")                # JAX Pong (ALE-faithful, jit/vmap/scan)
    env, params = snnrl.envs.make("ale:pong", batch_size=8)  # real ALE on the host, 8 games at once
    env, params = snnrl.envs.make("gymnax:CartPole-v1")  # any gymnax environment

Pong environments take the papers' protocol options as keyword arguments (frameskip, sticky_prob,
noop_warmup, horizon) plus render_frames; ALE ones also batch_size. ale-py and gymnax are imported
only when such an environment is made. Every name is registered once, with its capabilities declared
(registry.py: host_side, protocol, renders_frames, ram_observations); a new world is one ``register`` call.
"""

from __future__ import annotations

from snnrl.envs.ale import GAMES, AleEnv, AleParams, rom_path
from snnrl.envs.base import Environment, EpisodeReset, FlatObservations, auto_reset_step, check_action
from snnrl.envs.gymnax_adapter import GymnaxEnv, gymnax_continuous, gymnax_ids
from snnrl.envs.pong import JaxPong, PongParams
from snnrl.envs.protocol import EpisodeProtocol
from snnrl.envs.registry import (
    CAPABILITIES,
    REGISTRY,
    continuous_actions,
    env_spec,
    frame_environments,
    make,
    register,
    registered_names,
)

register(
    "pong",
    lambda name, protocol, **rest: (JaxPong(), PongParams(protocol=protocol, **rest)),
    host_side=False,
    protocol=True,
    renders_frames=True,
    ram_observations=True,
    episodic=False,
    options=("render_frames",),
)
for _game in GAMES:
    register(
        f"ale:{_game}",
        lambda name, protocol, **rest: (AleEnv(name.removeprefix("ale:")), AleParams(protocol=protocol, **rest)),
        host_side=True,
        protocol=True,
        renders_frames=True,
        ram_observations=True,
        episodic=False,
        options=("batch_size", "render_frames"),
        check=lambda env: rom_path(env.spec.rom),
    )


def _gymnax(name, protocol):
    env = GymnaxEnv(name.removeprefix("gymnax:"))
    return env, env.default_params


register(
    "gymnax:*",
    _gymnax,
    host_side=False,
    protocol=False,
    renders_frames=False,
    ram_observations=False,
    episodic=True,
    names=lambda: [f"gymnax:{env_id}" for env_id in gymnax_ids()],
    continuous=gymnax_continuous,
)


__all__ = [
    "AleEnv",
    "AleParams",
    "Environment",
    "EpisodeReset",
    "FlatObservations",
    "EpisodeProtocol",
    "GymnaxEnv",
    "gymnax_continuous",
    "JaxPong",
    "PongParams",
    "CAPABILITIES",
    "REGISTRY",
    "auto_reset_step",
    "check_action",
    "continuous_actions",
    "env_spec",
    "frame_environments",
    "make",
    "register",
    "registered_names",
]
