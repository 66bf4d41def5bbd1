"""The RL algorithm family by name, and one way to run any of them for many seeds with the NaN check.

config = algorithm_config("ppo", env="gymnax:CartPole-v1", network=NetworkConfig(kind="mlp"))
params, metrics = run("ppo", config, jax.random.key(0), n_seeds=10)   # metrics[name]: (10, n_updates)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from snnrl.algorithms.family import actor_critic, dqn, ppo, reinforce
from snnrl.algorithms.family.acting import Acting
from snnrl.algorithms.family.common import TrainParts, check_finite_losses, train_seeds
from snnrl.algorithms.family.networks import NetworkConfig
from snnrl.algorithms.family.tuned import tuned_fields

# The one registry of the family: name -> (config type, make_train), name -> make_parts (the chunked
# runs' pieces) and name -> acting (how a trained agent acts, for snnrl eval); filled only by
# register_algorithm.
ALGORITHMS: dict[str, tuple[type, Callable]] = {}
PARTS: dict[str, Callable[[Any], TrainParts]] = {}
ACTING: dict[str, Callable[[Any], Acting]] = {}
DECLARATIONS = {
    "config": "its frozen config dataclass",
    "make_train": "config -> train(key) -> (params, metrics), one seed in one program",
    "make_parts": "config -> TrainParts, the pieces of a chunked (resumable) run",
    "acting": "config -> Acting, how the trained agent acts (frozen-weight evaluation)",
}


def register_algorithm(name: str, **declared: Any) -> None:
    """Add an algorithm of the family under ``name`` with everything of DECLARATIONS. ValueError naming the
    name if it is taken or a declaration is missing or unknown."""
    if name in ALGORITHMS:
        raise ValueError(f"algorithm {name!r} is already registered; choose another name")
    missing = [key for key in DECLARATIONS if declared.get(key) is None]
    if missing:
        raise ValueError(
            f"algorithm {name!r} does not declare {', '.join(missing)}; every registration declares "
            + "; ".join(f"{key} ({meaning})" for key, meaning in DECLARATIONS.items())
        )
    unknown = sorted(set(declared) - set(DECLARATIONS))
    if unknown:
        raise ValueError(f"algorithm {name!r}: unknown declaration(s) {', '.join(unknown)}")
    ALGORITHMS[name] = (declared["config"], declared["make_train"])
    PARTS[name] = declared["make_parts"]
    ACTING[name] = declared["acting"]


for _name, _module, _config in (
    ("ppo", ppo, ppo.PPOConfig),
    ("reinforce", reinforce, reinforce.ReinforceConfig),
    ("actor_critic", actor_critic, actor_critic.ActorCriticConfig),
    ("dqn", dqn, dqn.DQNConfig),
):
    register_algorithm(
        _name, config=_config, make_train=_module.make_train, make_parts=_module.make_parts, acting=_module.acting
    )


def _known(name: str) -> None:
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r}; allowed: {', '.join(ALGORITHMS)}")


def check_config(name: str, config: Any) -> None:
    """ValueError unless ``name`` is known and ``config`` is its config type."""
    _known(name)
    if not isinstance(config, ALGORITHMS[name][0]):
        raise ValueError(f"algorithm {name!r} takes a {ALGORITHMS[name][0].__name__}, got {type(config).__name__}")


def algorithm_config(name: str, *, tuned: bool = True, **fields: Any) -> Any:
    """The named algorithm's config: the tuned defaults for its environment (tuned.TUNED; ``env`` from
    ``fields`` or the config's default; ``tuned=False`` skips them) under ``fields`` (validated; unknown
    fields are named). ``network`` may be a NetworkConfig (taken whole) or a dict of NetworkConfig fields
    (set over the tuned network, so that e.g. {"kind": "mlp"} gives the MLP twin of the tuned settings)."""
    _known(name)
    config_type = ALGORITHMS[name][0]
    known = set(config_type.__dataclass_fields__)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(f"{config_type.__name__} has no field(s) {unknown}; fields: {sorted(known)}")
    network = fields.get("network")
    if network is not None and not isinstance(network, (NetworkConfig, dict)):
        raise ValueError(f"network must be a NetworkConfig or a dict of its fields, got {type(network).__name__}")
    if isinstance(network, dict):
        unknown = sorted(set(network) - set(NetworkConfig.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f"NetworkConfig has no field(s) {unknown}; fields: {sorted(NetworkConfig.__dataclass_fields__)}"
            )
    env = fields.get("env", config_type.__dataclass_fields__["env"].default)
    merged = tuned_fields(name, env) if tuned else {}
    tuned_network = merged.pop("network", {})
    merged.update(fields)
    if isinstance(network, dict) or (network is None and tuned_network):
        merged["network"] = NetworkConfig(**{**tuned_network, **(network or {})})
    return config_type(**merged)


def run(name: str, config: Any, key: jax.Array, n_seeds: int = 1) -> tuple[Any, dict[str, np.ndarray]]:
    """Train ``n_seeds`` seeds of the named algorithm in one program. Returns (params with a leading seed
    axis, metrics as numpy arrays (n_seeds, n_updates)); FloatingPointError if a loss became NaN."""
    check_config(name, config)
    params, metrics = train_seeds(ALGORITHMS[name][1](config), key, n_seeds)
    metrics = {k: np.asarray(v) for k, v in metrics.items()}
    check_finite_losses(metrics, type(config).__name__)
    return params, metrics
