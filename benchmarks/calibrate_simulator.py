"""Calibrate the simulated DYNAP-SE's threshold to a measured hidden-layer activity.

Input: real Pong agent observations (JAX Pong, random policy, the neuromorphic preset's protocol), population
coded as in training. Prints the simulated agent layer's activity over a sweep of thresholds, then, given a
target (a rate measured elsewhere, or measured here on a DYNAP-SE1 board with --board), the threshold that
reproduces it and the command that trains with it.

    python benchmarks/calibrate_simulator.py                       # the sweep only
    python benchmarks/calibrate_simulator.py --target-rate 5.0     # fit to 5 Hz per neuron
    python benchmarks/calibrate_simulator.py --board               # measure the board (samna), then fit
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.core.population import PopulationCodeConfig, agent_rates
from snnrl.envs import make
from snnrl.experiments.config import preset
from snnrl.hardware import AGENT_CORES, CoreParameters, agent_layer_spec, make_hidden_backend
from snnrl.hardware.calibration import calibrate_threshold, layer_activity

SWEEP = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def pong_rates(steps: int, seed: int, encoder: PopulationCodeConfig) -> np.ndarray:
    """(steps, 40) agent input rates along random-policy JAX Pong games (RAM units, as in training)."""
    config = preset("neuromorphic")
    env, params = make("pong", noop_warmup=config.noop_warmup, sticky_prob=config.sticky_prob)
    horizon = config.algorithm.awake_steps

    def game(key):
        observation, state = env.reset(key, params)

        def step(carry, key):
            observation, state = carry
            action_key, env_key = jax.random.split(key)
            next_observation, state, *_ = env.step(env_key, state, jax.random.randint(action_key, (), 0, 3), params)
            return (next_observation, state), observation

        return jax.lax.scan(step, (observation, state), jax.random.split(key, horizon))[1]

    games = -(-steps // horizon)
    observations = jax.jit(jax.vmap(game))(jax.random.split(jax.random.key(seed), games)).reshape(-1, 4)[:steps]
    scale = config.algorithm.agent.hidden.ram_scale
    return np.asarray(jax.vmap(lambda x: agent_rates(x * scale, encoder))(jnp.asarray(observations)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target-rate", type=float, help="mean spikes per neuron and second to match")
    parser.add_argument("--board", action="store_true", help="measure the target on a DYNAP-SE1 board (needs samna)")
    parser.add_argument("--steps", type=int, default=1000, help="agent steps of input (10 ms each)")
    parser.add_argument("--mismatch", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/calibration.json"))
    args = parser.parse_args()

    encoder = PopulationCodeConfig()
    rates = pong_rates(args.steps, args.seed, encoder)
    key = jax.random.key(args.seed)
    mismatch_key, run_key = jax.random.split(key)
    spec_for = lambda threshold: agent_layer_spec(args.seed, encoder, CoreParameters(threshold=threshold))  # noqa: E731
    record = {"steps": args.steps, "mismatch": args.mismatch, "seed": args.seed, "sweep": []}
    print("| threshold | mean rate (Hz) | neurons spiking per 10 ms step |")
    print("|---|---|---|")
    for threshold in SWEEP:
        backend = make_hidden_backend("simulated", spec_for(threshold), mismatch=args.mismatch, encoder=encoder)
        activity = layer_activity(backend, backend.init_params(mismatch_key), rates, run_key)
        record["sweep"].append({"threshold": threshold, **activity.__dict__})
        print(f"| {threshold:g} | {activity.mean_rate_hz:.2f} | {100 * activity.active_fraction:.1f} % |")
    target = args.target_rate
    if args.board:
        with make_hidden_backend("dynapse1", spec_for(1.0), cores=AGENT_CORES, encoder=encoder) as board:
            measured = layer_activity(board, (), rates, run_key)
        record["board"] = measured.__dict__
        print(f"board: {measured.mean_rate_hz:.2f} Hz, {100 * measured.active_fraction:.1f} % spiking per step")
        target = measured.mean_rate_hz
    if target is not None:
        found = calibrate_threshold(spec_for, target, rates, key, mismatch=args.mismatch, encoder=encoder)
        record["calibration"] = {"target_rate_hz": target, "threshold": found.threshold, **found.activity.__dict__}
        print(
            f"threshold {found.threshold:.3f} gives {found.activity.mean_rate_hz:.2f} Hz "
            f"({100 * found.activity.active_fraction:.1f} % spiking per step); train with\n"
            f"  snnrl train --preset neuromorphic --threshold {found.threshold:.3f} --out runs/calibrated"
        )
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
