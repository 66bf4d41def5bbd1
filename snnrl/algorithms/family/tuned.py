"""Tuned defaults of the RL family per environment: one declarative table {(algorithm, env): {field: value}}
that ``algorithm_config(name, env=...)`` applies under the caller's fields. A "network" entry holds
NetworkConfig fields. Each entry was found by benchmarks/tune_family.py (the sweep and its numbers:
docs/howto/algorithms.md, benchmarks/RESULTS.md "A spiking RL family that learns (issue 28)").
"""

from __future__ import annotations

from typing import Any

TUNED: dict[tuple[str, str], dict[str, Any]] = {
    # stages explore, explore2, explore3 of benchmarks/tune_family.py (1e5 steps x 3 seeds): a feed-forward
    # LIF layer read by its rate, 32 x 32 rollouts, lr 1e-3; after-confirm and confirm (5e5 steps x 10
    # seeds): 16 LIF steps per decision (436.4 ± 26.2) rather than 8 (374.9 ± 39.5)
    ("ppo", "gymnax:CartPole-v1"): {
        "n_envs": 32,
        "n_steps": 32,
        "n_minibatches": 4,
        "lr": 1e-3,
        "network": {"recurrent": False, "n_substeps": 16},
    },
}


def tuned_fields(name: str, env: str) -> dict[str, Any]:
    """The tuned fields of ``name`` on ``env`` (a copy; {} where none are tuned), the network's as a dict
    under "network"."""
    entry = TUNED.get((name, env), {})
    return {k: dict(v) if isinstance(v, dict) else v for k, v in entry.items()}
