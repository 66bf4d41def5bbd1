"""Measure the JAX Pong against real ALE Pong (ale-py) and print the figures for RESULTS.md.

Frame level: whole games recorded in ALE (frame_skip 1) under random held actions and a noisy
ball-tracking player; the JAX Pong replays the same per-frame actions from ALE's reset state and every
mirrored RAM byte, the paddle resistance and every pixel of the binary frame are compared.
Episode level (ALE/Pong-v5 settings: frameskip 4, sticky actions 0.25; T = 100 agent steps):
- paired: same keys, so the same actions and sticky frames, in ALE and in the JAX Pong;
- independent: ALE draws its own sticky actions (repeat_action_probability, as gymnasium's v5 does),
  the JAX Pong uses the protocol's; total-variation distances of the outcome distributions.

    python benchmarks/ale_fidelity.py [--episodes 1000] [--warmups 21 0]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.envs import fidelity
from snnrl.envs.ale import AleEnv, AleParams
from snnrl.envs.pong import PongParams, frame_unless_over
from snnrl.envs.pong_render import render
from snnrl.envs.pong_state import ram_from_state, reset_state, state_from_ram
from snnrl.envs.protocol import EpisodeProtocol


@jax.jit
def _replay(actions):
    def body(state, action):
        state, _ = frame_unless_over(state, action)
        return state, (ram_from_state(state), state.resistance)

    return jax.lax.scan(body, reset_state(), actions)[1]


_render_all = jax.jit(jax.vmap(render))


def _held_actions(rng, frames, max_hold):
    actions = []
    while len(actions) < frames:
        actions += [int(rng.integers(3))] * int(rng.integers(1, max_hold + 1))
    return np.array(actions[:frames], np.int32)


def frame_level(frames: int) -> None:
    rng = np.random.default_rng(0)
    games = {
        "random, new action every frame": _held_actions(rng, frames, 1),
        "random, held 1-8 frames": _held_actions(rng, frames, 8),
        "random, held 1-30 frames": _held_actions(rng, frames, 30),
        "ball tracker + 20% random": fidelity.ale_tracker_actions(frames, noise=0.2, seed=0),
    }
    print(
        "| game | frames | points (player-enemy) | frames with any byte differing | pixels differing | min IoU paddles+ball |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, actions in games.items():
        recorded = fidelity.record_ale_frames(actions, screens=True)
        rams, resistance = _replay(jnp.asarray(actions))
        wrong = np.zeros(len(actions), bool)
        for index, values in rams.items():
            wrong |= np.asarray(values) != recorded["rams"][1:, index]
        wrong |= np.asarray(resistance) != recorded["resistance"][1:]
        shown = slice(3, None)  # ALE's first two frames after reset use the attract palette
        rendered = np.asarray(
            _render_all(state_from_ram(recorded["rams"][shown], recorded["resistance"][shown]))
        ).astype(bool)
        truth = recorded["screens"][shown] != 87
        field_iou = [
            (r & t).sum() / (r | t).sum()
            for r, t, y in zip(rendered[:, 34:194], truth[:, 34:194], recorded["rams"][shown, 54], strict=False)
            if y
        ]
        final = recorded["rams"][-1]
        print(
            f"| {name} | {len(actions)} | {final[14]}-{final[13]} | {wrong.sum()} | {(rendered != truth).sum()} | {min(field_iou):.3f} |"
        )


def _top(distribution, n=5):
    return ", ".join(f"{k}: {v:.1%}" for k, v in sorted(distribution.items(), key=lambda kv: -kv[1])[:n])


def episode_level(episodes: int, warmups: list[int], batch: int) -> None:
    ale_env = AleEnv("pong")
    for warmup in warmups:
        protocol = EpisodeProtocol(frameskip=4, sticky_prob=0.25, noop_warmup=warmup, horizon=100)
        for policy_name, policy in fidelity.POLICIES.items():
            keys = fidelity.episode_keys(jax.random.key(2024), episodes)
            other_keys = fidelity.episode_keys(jax.random.key(7), episodes)
            started = time.perf_counter()
            ours = fidelity.jax_rollouts(policy, keys, PongParams(protocol=protocol))
            ours_independent = fidelity.jax_rollouts(policy, other_keys, PongParams(protocol=protocol))
            paired = fidelity.ale_rollouts(policy, keys, AleParams(protocol=protocol, batch_size=batch), env=ale_env)
            native = fidelity.ale_native_rollouts(policy, keys, AleParams(protocol=protocol, batch_size=batch))
            identical = np.mean(np.all(ours.frame_bytes == paired.frame_bytes, axis=(1, 2, 3)))
            outcomes = {
                name: fidelity.outcome_distribution(r.points)
                for name, r in (("ours", ours), ("paired", paired), ("native", native), ("ours2", ours_independent))
            }
            moves = {
                name: fidelity.displacement_distribution(r.frame_bytes)
                for name, r in (("ours", ours), ("paired", paired), ("native", native), ("ours2", ours_independent))
            }
            tv = fidelity.total_variation
            print(
                f"\nwarm-up {warmup} NOOP steps, {policy_name} policy, {episodes} episodes each ({time.perf_counter() - started:.0f} s)"
            )
            print(
                f"  paired with ALE: identical trajectories {identical:.1%}; TV outcomes {tv(outcomes['ours'], outcomes['paired']):.4f}, "
                f"TV ball moves {tv(moves['ours'], moves['paired']):.4f}"
            )
            print(
                f"  ALE's own sticky actions vs JAX Pong (independent keys): TV outcomes {tv(outcomes['ours2'], outcomes['native']):.4f}, "
                f"TV ball moves {tv(moves['ours2'], moves['native']):.4f}"
            )
            print(
                f"  same JAX Pong, two key sets (sampling noise): TV outcomes {tv(outcomes['ours'], outcomes['ours2']):.4f}"
            )
            print(f"  ALE (own sticky) outcomes (player, enemy): {_top(outcomes['native'])}")
            print(f"  JAX Pong outcomes:                        {_top(outcomes['ours2'])}")
            print(f"  ball moves per frame (dx, dy), ALE:       {_top(moves['native'], 6)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=6000, help="frames per recorded game")
    parser.add_argument("--episodes", type=int, default=1000, help="per policy and warm-up (0: frame level only)")
    parser.add_argument("--warmups", type=int, nargs="+", default=[21, 0])
    parser.add_argument("--batch", type=int, default=50, help="ALE emulators stepped together")
    args = parser.parse_args()
    frame_level(args.frames)
    if args.episodes:
        episode_level(args.episodes, args.warmups, args.batch)


if __name__ == "__main__":
    main()
