"""Why snnrl's MLP PPO trails rejax (RESULTS.md, issue 28): the update replays each environment's rollout
through ``Network.apply_sequence``, a ``lax.scan`` over time, also for the stateless MLP. This script times
snnrl's MLP PPO (CartPole-v1, the settings of anchors_rl) as it is and with ``apply_sequence`` patched, for
the MLP only, to one batched call over time (the same numbers: an MLP carries no state), alternating the
two so that both see the same load.

    python benchmarks/anchors_ppo_scan.py [--seeds 16 256] [--steps 2048]
"""

from __future__ import annotations

import argparse

import jax
from anchors_rl import snnrl_config, steps_per_second

from snnrl.algorithms import networks
from snnrl.algorithms.ppo import make_train

ORIGINAL = networks.Network.apply_sequence


def flat(self, params, state, obs, starts, *, detach_recurrent=False):
    """apply_sequence with the MLP applied to every step at once (the LIF network keeps its scan)."""
    if self.config.kind != "mlp":
        return ORIGINAL(self, params, state, obs, starts, detach_recurrent=detach_recurrent)
    _, outs, costs = jax.vmap(lambda o: self.apply(params, state, o))(obs)
    return state, outs, costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[16, 256])
    parser.add_argument("--steps", type=int, default=2048)
    args = parser.parse_args()
    for seeds in args.seeds:
        for name in ("scan", "flat", "scan", "flat"):
            networks.Network.apply_sequence = flat if name == "flat" else ORIGINAL
            train = make_train(snnrl_config("CartPole-v1", "mlp", args.steps))
            print(seeds, name, round(steps_per_second(train, seeds, args.steps)["steps_per_s"]), flush=True)


if __name__ == "__main__":
    main()
