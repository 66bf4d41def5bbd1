"""The RL family with spiking networks or MLPs: PPO, REINFORCE, the e-prop actor-critic and deep Q-learning, one file
each and one registry (registry.py, re-exported here); how-to: docs/howto/algorithms.md."""

from snnrl.algorithms.family.registry import (
    ACTING,
    ALGORITHMS,
    PARTS,
    algorithm_config,
    check_config,
    register_algorithm,
    run,
)

__all__ = [
    "ACTING",
    "ALGORITHMS",
    "PARTS",
    "check_config",
    "algorithm_config",
    "register_algorithm",
    "run",
]
