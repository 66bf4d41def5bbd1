"""The worlds the agents live in, behind one gymnax-1.0-style interface (see base.py).

    env, params = snnrl.envs.make("pong")                # JAX Pong (ALE-faithful, jit/vmap/scan)
    env, params = snnrl.envs.make("ale:pong", batch_size=8)  # real ALE on the host, 8 games at once
    env, params = snnrl.envs.make("gymnax:CartPole-v1")  # any gymnax environment

Pong environments take the papers' protocol options as keyword arguments (frameskip, sticky_prob,
noop_warmup, horizon) plus render_frames; ALE ones also batch_size. ale-py and gymnax are imported
only when such an environment is made.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from snnrl.core.checks import check_flag, check_integer, check_real
from snnrl.envs.ale import AleEnv, AleParams
from snnrl.envs.base import Environment, auto_reset_step, check_action
from snnrl.envs.gymnax_adapter import GymnaxEnv, gymnax_ids
from snnrl.envs.pong.env import JaxPong, PongParams
from snnrl.envs.protocol import EpisodeProtocol

NATIVE_NAMES = ("pong", "ale:pong", "ale:boxing")
PROTOCOL_FIELDS = tuple(f.name for f in dataclasses.fields(EpisodeProtocol))


def registered_names() -> list[str]:
    """Every name ``make`` accepts (listing the gymnax ones imports gymnax)."""
    return list(NATIVE_NAMES) + [f"gymnax:{env_id}" for env_id in gymnax_ids()]


def _unknown(name: str) -> ValueError:
    return ValueError(f"unknown environment {name!r}; known: {', '.join(registered_names())}")


def _split_options(name: str, options: dict[str, Any], allowed: tuple[str, ...]) -> tuple[dict, dict]:
    unknown = sorted(set(options) - set(PROTOCOL_FIELDS) - set(allowed))
    if unknown:
        raise TypeError(f"{name} does not take {', '.join(unknown)}; it takes {', '.join(PROTOCOL_FIELDS + allowed)}")
    _check_options(name, options)
    protocol = {k: v for k, v in options.items() if k in PROTOCOL_FIELDS}
    return EpisodeProtocol(**protocol), {k: v for k, v in options.items() if k in allowed}


def _check_options(name: str, options: dict[str, Any]) -> None:
    """ValueError naming the first protocol option of ``make(name, ...)`` outside its allowed values."""
    owner = f"make({name!r})"
    if "sticky_prob" in options:
        check_real(owner, "sticky_prob", options["sticky_prob"], minimum=0.0, below=1.0)
    for option, minimum in (("horizon", 1), ("frameskip", 1), ("noop_warmup", 0), ("batch_size", 1)):
        if option in options:
            check_integer(owner, option, options[option], minimum=minimum)
    if "render_frames" in options:
        check_flag(owner, "render_frames", options["render_frames"])


def make(name: str, **options: Any) -> tuple[Environment, Any]:
    """(environment, default params) for a registered name; ``options`` adjust Pong/ALE params."""
    if name == "pong":
        protocol, rest = _split_options(name, options, ("render_frames",))
        return JaxPong(), PongParams(protocol=protocol, **rest)
    if name.startswith("ale:"):
        game = name.removeprefix("ale:")
        if f"ale:{game}" not in NATIVE_NAMES:
            raise _unknown(name)
        protocol, rest = _split_options(name, options, ("batch_size", "render_frames"))
        return AleEnv(game), AleParams(protocol=protocol, **rest)
    if name.startswith("gymnax:"):
        if options:
            raise TypeError(f"{name} takes no options; change its params with params.replace(...)")
        env_id = name.removeprefix("gymnax:")
        if env_id not in gymnax_ids():
            raise _unknown(name)
        env = GymnaxEnv(env_id)
        return env, env.default_params
    raise _unknown(name)


__all__ = [
    "AleEnv",
    "AleParams",
    "Environment",
    "EpisodeProtocol",
    "GymnaxEnv",
    "JaxPong",
    "PongParams",
    "auto_reset_step",
    "check_action",
    "make",
    "registered_names",
]
