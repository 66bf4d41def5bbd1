"""The one registry of environments (gymnax-style: a dict from name to entry, and ``register``). Every
entry declares the environment's capabilities; code asks for a capability (``env_spec(name).host_side``),
never compares names. A name ending in ``:*`` registers a family (``gymnax:*``: every gymnax id)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from snnrl.core.checks import check_flag, check_integer, check_real, check_registration
from snnrl.envs.protocol import EpisodeProtocol

PROTOCOL_FIELDS = tuple(f.name for f in dataclasses.fields(EpisodeProtocol))
# What every registration declares (no defaults: an environment says what it can do).
CAPABILITIES = {
    "host_side": "stepped from the host (numpy arrays; not jitted, vmapped or scanned)",
    "protocol": "takes the papers' episode protocol options (" + ", ".join(PROTOCOL_FIELDS) + ")",
    "renders_frames": "renders binary 210x160 frames (pixel observation pipelines)",
    "ram_observations": "observes raw Atari RAM bytes (world model target_units 'ram')",
    "episodic": (
        "its episodes end (terminated / truncated): by default a game resets it when one ends "
        "(ExperimentConfig.episode_reset)"
    ),
}


@dataclass(frozen=True)
class EnvEntry:
    """A registered environment: ``factory(name, protocol, **options) -> (env, params)`` (``protocol`` is an
    EpisodeProtocol when the entry takes one, else None), its extra keyword ``options``, its declared
    capabilities (see CAPABILITIES), ``names`` (a family's members, listed on demand), ``check(env)``: a
    look-up of what the environment needs from outside (a ROM), run before anything compiles, and
    ``continuous(name)``: whether a member acts in a continuous space (None: every action space is discrete)."""

    name: str
    factory: Callable[..., tuple[Any, Any]]
    host_side: bool
    protocol: bool
    renders_frames: bool
    ram_observations: bool
    episodic: bool
    options: tuple[str, ...] = ()
    names: Callable[[], list[str]] | None = None
    check: Callable[[Any], None] | None = None
    continuous: Callable[[str], bool] | None = None


REGISTRY: dict[str, EnvEntry] = {}


def register(name: str, factory: Callable[..., tuple[Any, Any]], **declared: Any) -> EnvEntry:
    """Add an environment under ``name``; ``declared`` gives every capability of CAPABILITIES (True/False)
    plus optionally options, names, check. ValueError naming the name if it is taken or a capability is
    missing or not a bool."""
    check_registration(
        "environment", name, REGISTRY, declared, CAPABILITIES, ("options", "names", "check", "continuous")
    )
    if name.endswith(":*") and declared.get("names") is None:
        raise ValueError(f"environment family {name!r} does not declare names (the list of its members)")
    entry = EnvEntry(name, factory, **declared)
    REGISTRY[name] = entry
    return entry


def registered_names() -> list[str]:
    """Every name ``make`` accepts (listing a family's names imports its library, e.g. gymnax)."""
    names = []
    for name, entry in REGISTRY.items():
        names += entry.names() if name.endswith(":*") else [name]
    return names


def frame_environments() -> tuple[str, ...]:
    """The registered names whose environments render frames (families are never listed: none does)."""
    return tuple(name for name, entry in REGISTRY.items() if entry.renders_frames and not name.endswith(":*"))


def continuous_actions(name: str) -> bool:
    """Whether environment ``name`` acts in a continuous space (the spiking agents refuse it)."""
    entry = env_spec(name)
    return entry.continuous is not None and entry.continuous(name)


def _unknown(name: str) -> ValueError:
    return ValueError(f"unknown environment {name!r}; known: {', '.join(registered_names())}")


def env_spec(name: str) -> EnvEntry:
    """The registry entry of ``name`` (a family's entry for its members); ValueError listing the known
    names if there is none."""
    if name in REGISTRY and not name.endswith(":*"):
        return REGISTRY[name]
    family = REGISTRY.get(name.split(":", 1)[0] + ":*") if ":" in name else None
    if family is None or name not in family.names():
        raise _unknown(name)
    return family


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


def make(name: str, **options: Any) -> tuple[Any, Any]:
    """(environment, default params) for a registered name; ``options`` adjust its params (the protocol
    options where the entry takes them, plus the entry's own options)."""
    entry = env_spec(name)
    if not entry.protocol and not entry.options and options:
        raise TypeError(f"{name} takes no options; change its params with params.replace(...)")
    allowed = (PROTOCOL_FIELDS if entry.protocol else ()) + entry.options
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"{name} does not take {', '.join(unknown)}; it takes {', '.join(allowed)}")
    _check_options(name, options)
    protocol = EpisodeProtocol(**{k: v for k, v in options.items() if k in PROTOCOL_FIELDS}) if entry.protocol else None
    return entry.factory(name, protocol, **{k: v for k, v in options.items() if k in entry.options})
