"""Known optimal values and actions of the probe environments, checked against a trained agent."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.envs.probes import PROBE_NAMES

# obs sequences of one episode (cue +1 or -1 for probes with a cue)
EPISODES = {
    "constant": {0.0: [[0.0, 0.0]]},
    "observation": {1.0: [[1.0, 0.0]], -1.0: [[-1.0, 0.0]]},
    "delayed": {0.0: [[0.0, 0.0], [0.0, 1.0]]},
    "credit": {1.0: [[1.0, 0.0], [0.0, 1.0]], -1.0: [[-1.0, 0.0], [0.0, 1.0]]},
}


def check_probes(
    evaluate: Callable,
    params_per_probe,
    gamma: float,
    *,
    value_tol: float = 0.15,
    action_prob: float = 0.9,
    check_values: bool = True,
    probes=PROBE_NAMES,
) -> None:
    """evaluate(params, obs (T, 2)) -> (probs or None (T, 2), values or None (T,)); params_per_probe:
    params with a leading axis in PROBE_NAMES order. Asserts optimal first actions on the cue probes and
    V*(first) (gamma on two-step probes, 1 otherwise), V*(second) = 1 on 'delayed'."""
    failures = []
    for index, name in enumerate(PROBE_NAMES):
        if name not in probes:
            continue
        params = jax.tree.map(lambda x, i=index: x[i], params_per_probe)
        for cue, episode in EPISODES[name].items():
            probs, values = evaluate(params, jnp.asarray(episode))
            if name in ("observation", "credit") and probs is not None:
                best = 1 if cue > 0 else 0
                if float(probs[0, best]) < action_prob:
                    failures.append(f"{name} cue {cue}: p(optimal) = {float(probs[0, best]):.3f}")
            if check_values and values is not None:
                expected = [gamma, 1.0] if len(episode) == 2 else [1.0]
                steps = range(len(expected)) if name == "delayed" else range(1)
                for t in steps:
                    if abs(float(values[t]) - expected[t]) > value_tol:
                        failures.append(
                            f"{name} cue {cue} step {t}: V = {float(values[t]):.3f}, V* = {expected[t]:.3f}"
                        )
    assert not failures, "; ".join(failures)


def final_returns(metrics, last: int = 5) -> np.ndarray:
    """Mean episode return over the last updates, per probe (leading axis)."""
    return np.nanmean(np.asarray(metrics["episode_return"])[:, -last:], axis=1)
